"""The type stubs (matdiff/_matdiff.pyi, with py.typed) agree with the
native module, and a type checker uses them to check calls."""

import subprocess
import sys
import textwrap


def mypy(*arguments):
    done = subprocess.run([sys.executable, "-m", *arguments], capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def test_stubs_match_the_native_module():
    # stubtest imports the installed package and compares every name,
    # signature and class in the stub with what is there at run time.
    status, output = mypy("mypy.stubtest", "matdiff")
    assert status == 0, output


def test_type_checker_accepts_good_calls_and_flags_bad_ones(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(textwrap.dedent("""\
        import matdiff
        d: matdiff.Derivation = matdiff.grad("x' * A * x", wrt=["x"], expand=False)
        lhs: str = d.lines[0].lhs
        results: "dict[str, object]" = d.to_json()
        passed: bool = matdiff.check("C = inv(A)", seed=3).passed
        try:
            matdiff.simplify("tr(A")
        except matdiff.Error as error:
            where: "int | None" = error.line
    """))
    status, output = mypy("mypy", "--strict", "--no-incremental", str(good))
    assert status == 0, output

    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("""\
        import matdiff
        matdiff.grad("x' * x", wrt="x")
        matdiff.check("C = inv(A)", seed="1")
        n: int = matdiff.reverse("C = inv(A)").lines[0].expr
    """))
    status, output = mypy("mypy", "--no-incremental", str(bad))
    assert status == 1, output
    flagged = sorted(int(line.split(":")[1]) for line in output.splitlines() if ": error:" in line)
    assert flagged == [2, 3, 4], output
