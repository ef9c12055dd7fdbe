"""The package's API (SPEC §4) against the command line: every form of a
derivation, check's report, and the GIL released while the engine works."""

import json
import threading
import time

import pytest

import matdiff

# A program per mode, with the keywords the Python call takes and the
# command line's spelling of them.
# A program deep enough that its gradient names a repeated adjoint (t1 = ...).
DEEP = "X: matrix(n, n); A = tanh(X * W1); B = A + tanh(A * W2); C = B + tanh(B * W3); f = sum(C .* C)"

CASES = [
    ("forward", "B = A * A; C = inv(B)", {}),
    ("forward", "C = inv(A) * B", {"wrt": ["A"], "expand": True}),
    ("reverse", "C = inv(A)", {}),
    ("reverse", "B = A * x; f = sum(exp(B))", {"expand": True}),
    ("reverse", "C = inv(A) * B", {"wrt": ["B"]}),
    ("grad", "x' * A * x", {}),
    ("grad", "X: matrix(m, n); y: vector(m); w: vector(n)\nf = sum(softplus(-y .* (X * w)))", {"wrt": ["w"]}),
    ("hessian", "x' * A * x + sum(exp(x))", {"wrt": ["x"]}),
    ("hessian", "f = tr(X' * X * X' * X)", {}),
    ("jacobian", "y = exp(A * x)", {"wrt": ["x"]}),
    ("jacobian", "A: matrix(2, 3); X: matrix(3, 4); F = A * X", {"expand": True}),
    ("grad", DEEP, {"wrt": ["W1"]}),
    ("hessian", DEEP, {"wrt": ["W1"]}),
]


def command_line(mode, keywords):
    arguments = [mode]
    if keywords.get("wrt") is not None:
        arguments += ["--wrt", ",".join(keywords["wrt"])]
    if keywords.get("expand"):
        arguments.append("--expand")
    return arguments


def case_id(case):
    mode, program, keywords = case
    return f"{mode} {program!r} {keywords}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_every_form_is_the_command_lines(cli, case):
    mode, program, keywords = case
    derivation = getattr(matdiff, mode)(program, **keywords)
    arguments = command_line(mode, keywords)
    # The command line prints each form and a newline; the NumPy module is
    # a file, ending in one, which it trims.
    for form, printed in [
        ("plain", str(derivation)),
        ("unicode", "\n".join(line.unicode for line in derivation.lines)),
        ("latex", "\n".join(line.latex for line in derivation.lines)),
        ("numpy", derivation.numpy().rstrip()),
    ]:
        status, out, err = cli(*arguments, "--format", form, program)
        assert status == 0, err
        assert out == printed + "\n", form
    assert derivation.numpy().endswith("\n")
    status, out, err = cli(*arguments, "--format", "json", program)
    assert status == 0, err
    assert derivation.to_json() == json.loads(out)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_lines_are_the_json_results(case):
    mode, program, keywords = case
    derivation = getattr(matdiff, mode)(program, **keywords)
    results = derivation.to_json()["results"]
    lines = [line for line in derivation.lines if not line.temporary]
    assert len(lines) == len(results) > 0
    for line, result in zip(lines, results):
        assert {key: getattr(line, key) for key in result} == result
        assert str(line) == f"{line.lhs} = {line.expr}"
    assert str(derivation) == "\n".join(str(line) for line in derivation.lines)


def test_temporaries_are_lines_and_json_bindings():
    derivation = matdiff.grad(DEEP, wrt=["W1"])
    temporaries = [line for line in derivation.lines if line.temporary]
    assert temporaries and temporaries[0].lhs == "t1"
    assert derivation.lines[: len(temporaries)] == temporaries
    bindings = derivation.to_json()["bindings"][-len(temporaries):]
    assert [(b["name"], b["expr"]) for b in bindings] == [(t.lhs, t.expr) for t in temporaries]


def test_simplify_prints_the_expression_alone(cli):
    derivation = matdiff.simplify("tr(A * B) - tr(B * A) + tr((C')')")
    assert str(derivation) == "tr(C)"
    assert [str(line) for line in derivation.lines] == ["f = tr(C)"]
    assert derivation.to_json()["mode"] == "simplify"
    status, out, err = cli("simplify", "--format", "latex", "tr(A * B) - tr(B * A) + tr((C')')")
    assert status == 0, err
    assert out.rstrip("\n") in derivation._repr_latex_()


def test_line_and_derivation_reprs_name_what_they_hold():
    derivation = matdiff.reverse("C = inv(A)")
    assert repr(derivation) == "<matdiff.Derivation reverse of 'C = inv(A)': [\"bar(A) = -C' * bar(C) * C'\"]>"
    assert repr(derivation.lines[0]) == "<matdiff.Line \"bar(A) = -C' * bar(C) * C'\">"
    assert derivation.lines[0] == matdiff.reverse("C = inv(A)").lines[0]
    assert derivation.lines[0] != matdiff.forward("C = inv(A)").lines[0]


@pytest.mark.parametrize("seed", [0, 7])
def test_check_report_is_the_command_lines(cli, seed):
    program = "C = inv(A) * B"
    report = matdiff.check(program, seed=seed)
    assert report.passed is True
    status, out, err = cli("check", "--seed", str(seed), program)
    assert status == 0, err
    assert str(report) == out.rstrip("\n")
    assert repr(report) == f"<matdiff.Report passed: {str(report).splitlines()[-1]}>"


def test_check_seed_defaults_to_zero():
    program = "f = tr(inv(A) * B)"
    assert str(matdiff.check(program)) == str(matdiff.check(program, seed=0))


def test_jacobian_derives_and_refuses_what_has_no_form():
    derivation = matdiff.jacobian("y = exp(A * x)", wrt=["x"])
    assert str(derivation) == "jac(y, x) = A .* (y * ones(1, cols(A)))"
    assert (derivation.lines[0].lhs, derivation.lines[0].wrt) == ("jac(y, x)", "x")
    assert str(matdiff.jacobian("C = inv(A)")) == "jac(C, A) = kron(C', -C)"
    with pytest.raises(matdiff.Error) as refused:
        matdiff.jacobian("X: matrix(m, n); F = X'")
    assert "commutation matrix" in refused.value.message


def test_the_engine_runs_with_the_gil_released():
    # While a slow check runs on another thread, this one keeps running
    # Python; were the GIL held, it would stall for the whole call. Seven
    # blocks: the check then also compares the Hessian, which takes time.
    program = "X: matrix(n, n)\nB0 = X\n" + "".join(
        f"B{i} = sin(B{i - 1}) * X + B{i - 1}\n" for i in range(1, 7)
    ) + "f = tr(B6)"
    took = {}

    def work():
        start = time.perf_counter()
        matdiff.check(program)
        took["call"] = time.perf_counter() - start

    worker = threading.Thread(target=work)
    worker.start()
    longest_stall, last = 0.0, time.perf_counter()
    while worker.is_alive():
        now = time.perf_counter()
        longest_stall, last = max(longest_stall, now - last), now
    worker.join()
    assert took["call"] > 0.2, "the call is too quick to tell"
    assert longest_stall < took["call"] / 2, (longest_stall, took["call"])
