"""Derivation.numpy_function() against central finite differences of the
same functions written by hand in numpy: gradients, reverse-mode adjoints
and Hessians, at random inputs."""

import numpy as np
import pytest

import matdiff

STEP = 1e-6
# Central differences with STEP are accurate to about 1e-9 relative here;
# second differences (step 1e-4) to about 1e-7.
TOLERANCE = 1e-6


def relative_error(got, expected):
    scale = max(np.linalg.norm(expected), np.linalg.norm(got), 1e-12)
    return np.linalg.norm(np.asarray(got) - np.asarray(expected)) / scale


def central_gradient(f, arrays, name, step=STEP):
    """∂f/∂arrays[name] by central differences, entry by entry."""
    value = arrays[name]
    gradient = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        shifted = {}
        for sign in (1, -1):
            moved = value.copy()
            moved[index] += sign * step
            shifted[sign] = f(**dict(arrays, **{name: moved}))
        gradient[index] = (shifted[1] - shifted[-1]) / (2 * step)
    return gradient


def well_conditioned(rng, n):
    """A random n×n matrix far from singular, with a positive determinant."""
    return np.eye(n) * n + rng.uniform(-1, 1, size=(n, n))


# Scalar programs, each with its value in numpy and random inputs.
SCALAR_CASES = {
    "least squares": (
        "norm(X * W - Y)^2",
        lambda X, W, Y: np.sum((X @ W - Y) ** 2),
        lambda rng: dict(X=rng.normal(size=(5, 3)), W=rng.normal(size=(3, 2)), Y=rng.normal(size=(5, 2))),
    ),
    "logistic regression": (
        "X: matrix(m, n); y: vector(m); w: vector(n)\n"
        "z = X * w\n"
        "f = sum(softplus(-y .* z))",
        lambda X, y, w: np.sum(np.log1p(np.exp(-y * (X @ w)))),
        lambda rng: dict(X=rng.normal(size=(6, 3)), y=rng.choice([-1.0, 1.0], size=(6, 1)), w=rng.normal(size=(3, 1))),
    ),
    "quadratic form and log-determinant": (
        "f = x' * A * x + logdet(A)",
        lambda x, A: (x.T @ A @ x).item() + np.linalg.slogdet(A)[1],
        lambda rng: dict(x=rng.normal(size=(4, 1)), A=well_conditioned(rng, 4)),
    ),
    "residual tanh net (its gradient names a temporary)": (
        "X: matrix(n, n)\n"
        "A = tanh(X * W1)\nB = A + tanh(A * W2)\nC = B + tanh(B * W3)\nf = sum(C .* C)",
        lambda X, W1, W2, W3: np.sum(
            (lambda A: (lambda B: B + np.tanh(B @ W3))(A + np.tanh(A @ W2)))(np.tanh(X @ W1)) ** 2
        ),
        lambda rng: dict(
            X=rng.normal(size=(3, 3)),
            W1=rng.normal(size=(3, 3)) / 2,
            W2=rng.normal(size=(3, 3)) / 2,
            W3=rng.normal(size=(3, 3)) / 2,
        ),
    ),
    "trace of an inverse product": (
        "C = inv(A) * B\nf = tr(C * C')",
        lambda A, B: np.trace(np.linalg.inv(A) @ B @ (np.linalg.inv(A) @ B).T),
        lambda rng: dict(A=well_conditioned(rng, 3), B=rng.normal(size=(3, 2))),
    ),
}


@pytest.mark.parametrize("case", sorted(SCALAR_CASES))
def test_grad_matches_central_differences(case):
    program, value, draw = SCALAR_CASES[case]
    arrays = draw(np.random.default_rng(1))
    derivatives = matdiff.grad(program).numpy_function()
    results = derivatives(**arrays)
    assert sorted(results) == sorted(f"bar({name})" for name in arrays)
    for name in arrays:
        expected = central_gradient(value, arrays, name)
        got = results[f"bar({name})"]
        assert got.shape == arrays[name].shape, name
        assert relative_error(got, expected) < TOLERANCE, (name, got, expected)


# Programs with a matrix output: the adjoints, given a random bar(C), must
# be the gradient of ⟨bar(C), C⟩.
REVERSE_CASES = {
    "inverse": (
        "C = inv(A)",
        lambda A: np.linalg.inv(A),
        lambda rng: dict(A=well_conditioned(rng, 3)),
        (3, 3),
    ),
    "element-wise then inverse": (
        "B = exp(X) .* Y\nC = inv(A) * B",
        lambda A, X, Y: np.linalg.solve(A, np.exp(X) * Y),
        lambda rng: dict(A=well_conditioned(rng, 4), X=rng.normal(size=(4, 2)), Y=rng.normal(size=(4, 2))),
        (4, 2),
    ),
}


@pytest.mark.parametrize("case", sorted(REVERSE_CASES))
def test_reverse_matches_central_differences(case):
    program, output, draw, output_shape = REVERSE_CASES[case]
    rng = np.random.default_rng(2)
    arrays = draw(rng)
    bar_C = rng.normal(size=output_shape)
    derivatives = matdiff.reverse(program).numpy_function()
    results = derivatives(bar_C=bar_C, **arrays)

    def pairing(**inputs):
        return np.sum(bar_C * output(**inputs))

    for name in arrays:
        expected = central_gradient(pairing, arrays, name)
        got = results[f"bar({name})"]
        assert relative_error(got, expected) < TOLERANCE, (name, got, expected)


def central_hessian(f, x, step=1e-4):
    """The Hessian of f at the vector x by second central differences."""
    n = x.shape[0]
    hessian = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            total = 0.0
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                moved = x.copy()
                moved[i] += si * step
                moved[j] += sj * step
                total += si * sj * f(moved)
            hessian[i, j] = total / (4 * step * step)
    return hessian


def test_hessian_of_vector_input_matches_second_differences():
    rng = np.random.default_rng(3)
    A, x = rng.normal(size=(4, 4)), rng.normal(size=(4, 1))
    derivatives = matdiff.hessian("f = x' * A * x + sum(exp(x)) + sum(sin(A * x))", wrt=["x"]).numpy_function()
    got = derivatives(x=x, A=A)["hess(x)"]

    def value(x):
        return (x.T @ A @ x).item() + np.sum(np.exp(x)) + np.sum(np.sin(A @ x))

    assert got.shape == (4, 4)
    assert relative_error(got, central_hessian(value, x)) < TOLERANCE


def test_hessian_of_matrix_input_matches_second_differences():
    # For a matrix input the result is the Hessian applied to a direction,
    # dot(bar(X)); ⟨V, dot(bar(X))⟩ at dot(X) = V is the second derivative
    # of f along V.
    rng = np.random.default_rng(4)
    X, V = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    derivatives = matdiff.hessian("f = tr(X' * X * X' * X) + sum(exp(X))").numpy_function()
    got = np.sum(V * derivatives(X=X, dot_X=V)["dot(bar(X))"])

    def value(X):
        return np.trace(X.T @ X @ X.T @ X) + np.sum(np.exp(X))

    step = 1e-4
    expected = (value(X + step * V) - 2 * value(X) + value(X - step * V)) / step**2
    assert relative_error(got, expected) < TOLERANCE


def test_each_numpy_function_has_a_namespace_of_its_own():
    first = matdiff.reverse("C = inv(A)").numpy_function()
    second = matdiff.forward("C = inv(A)").numpy_function()
    assert first.__globals__ is not second.__globals__
    A = well_conditioned(np.random.default_rng(5), 3)
    assert set(first(A=A, bar_C=np.eye(3))) == {"bar(A)"}
    assert set(second(A=A, dot_A=np.eye(3))) == {"dot(C)"}
