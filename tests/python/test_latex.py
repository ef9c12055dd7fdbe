"""Derivation._repr_latex_(), what Jupyter shows, renders with KaTeX
(tests/js/render.js, as tests/latex.rs uses it)."""

import json
import subprocess

import pytest

import matdiff
from conftest import REPO

DERIVATIONS = {
    "forward, two lines": lambda: matdiff.forward("B = A * A; C = inv(B)"),
    "reverse with intermediates": lambda: matdiff.reverse("B = A * x; f = sum(exp(B))"),
    "grad": lambda: matdiff.grad("x' * A * x"),
    "grad of a logistic loss": lambda: matdiff.grad("f = sum(softplus(-y .* (X * w)))", wrt=["w"]),
    "hessian matrix": lambda: matdiff.hessian("x' * A * x + sum(exp(x))", wrt=["x"]),
    "hessian times a direction": lambda: matdiff.hessian("f = tr(X' * X * X' * X)"),
    "simplify": lambda: matdiff.simplify("tr(A * B) - tr(B * A) + tr((C')')"),
}


def render(node, cases):
    """KaTeX's verdict on each {"id", "tex", "display"} case."""
    done = subprocess.run(
        [node, str(REPO / "tests/js/render.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_repr_latex_is_display_math_with_every_line():
    derivation = matdiff.forward("B = A * A; C = inv(B)")
    latex = derivation._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    for line in derivation.lines:
        lhs, rhs = line.latex.split(" = ", 1)
        assert f"{lhs} &= {rhs}" in latex


def test_repr_latex_renders_with_katex(node):
    cases = []
    for name, derive in DERIVATIONS.items():
        latex = derive()._repr_latex_()
        # Jupyter renders $$…$$ as display mathematics, without the dollars.
        cases.append({"id": name, "tex": latex[2:-2], "display": True})
    verdict = render(node, cases)
    assert verdict["rendered"] == len(cases)
    assert verdict["failures"] == []


def test_katex_refuses_broken_latex(node):
    # The renderer is strict: what KaTeX cannot render is reported, so the
    # test above can fail.
    verdict = render(node, [{"id": "unbalanced", "tex": "\\begin{aligned} x &= \\frac{1}{", "display": True}])
    assert [failure["id"] for failure in verdict["failures"]] == ["unbalanced"]
