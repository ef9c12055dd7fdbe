"""Bad input raises matdiff.Error, a ValueError whose message is the full
report with the caret, with the place as `line` and `column`."""

import pytest

import matdiff


def raised(call, *args, **kwargs):
    """The matdiff.Error that call(*args, **kwargs) raises."""
    with pytest.raises(matdiff.Error) as caught:
        call(*args, **kwargs)
    return caught.value


def caret_column(report, source_line):
    """The column (from 1) of the caret under `source_line` in a report:
    the report prints `N | text` and below it `  | ` then the caret."""
    lines = report.splitlines()
    shown = next(i for i, line in enumerate(lines) if line.endswith("| " + source_line))
    gutter = lines[shown].index("| ") + 2
    return lines[shown + 1].index("^") - gutter + 1


def test_error_is_a_value_error_named_matdiff_error():
    assert issubclass(matdiff.Error, ValueError)
    assert matdiff.Error.__module__ == "matdiff"
    error = raised(matdiff.reverse, "C = inv(A) +")
    assert type(error) is matdiff.Error
    assert isinstance(error, ValueError)


def test_syntax_error_has_its_place_and_a_caret_under_it():
    error = raised(matdiff.forward, "C = inv(A) +")
    assert (error.line, error.column) == (1, 13)
    report = str(error)
    assert report.startswith("error: syntax error")
    assert " --> 1:13" in report
    assert caret_column(report, "C = inv(A) +") == 13
    assert error.message in report.splitlines()[0]


def test_shape_error_on_a_later_line():
    program = "A: matrix(n, m)\nC = inv(A)"
    error = raised(matdiff.forward, program)
    assert (error.line, error.column) == (2, 9)
    assert "`inv` needs a square matrix" in error.message
    assert caret_column(str(error), "C = inv(A)") == 9


@pytest.mark.parametrize("call", [matdiff.grad, matdiff.hessian])
def test_non_scalar_output_is_refused_where_a_scalar_is_needed(call):
    error = raised(call, "y = A * x")
    assert "needs a scalar output" in error.message
    assert (error.line, error.column) == (1, 1)


def test_unknown_wrt_name_points_into_the_names():
    # The names are joined by commas, as --wrt takes them: Z is column 3.
    error = raised(matdiff.reverse, "C = inv(A)", wrt=["A", "Z"])
    assert (error.line, error.column) == (1, 3)
    assert "`Z`, which is not an input" in error.message
    assert "--> --wrt 1:3" in str(error)
    assert caret_column(str(error), "A,Z") == 3


def test_error_about_the_whole_program_has_no_place():
    error = raised(matdiff.forward, "A: matrix(n, n)")
    assert (error.line, error.column) == (None, None)
    assert str(error).startswith("error: the program has only declarations")
    assert "^" not in str(error)


def test_check_of_a_program_defined_nowhere_is_an_error():
    error = raised(matdiff.check, "A: matrix(n, n); C = inv(A - A)")
    assert "could not find random inputs" in error.message
    assert (error.line, error.column) == (1, 22)


def test_simplify_reports_bad_input_too():
    error = raised(matdiff.simplify, "tr(A * B")
    assert (error.line, error.column) == (1, 3)
    assert "`(` is never closed" in error.message
    assert caret_column(str(error), "tr(A * B") == 3


@pytest.mark.parametrize(
    "arguments",
    [
        dict(program=42),
        dict(program="C = inv(A)", wrt="A"),
        dict(program="C = inv(A)", wrt=[1]),
    ],
    ids=["program not a string", "wrt a string, not a list", "wrt with a number"],
)
def test_arguments_of_the_wrong_type_are_a_type_error(arguments):
    with pytest.raises(TypeError):
        matdiff.reverse(**arguments)


def test_negative_seed_is_refused():
    with pytest.raises(OverflowError):
        matdiff.check("C = inv(A)", seed=-1)
