//! Unit tests of the NumPy emitter: the Python it writes for small programs.

use super::*;
use crate::derive::{derive, Mode, Options};

fn module(mode: Mode, program: &str) -> String {
    let model = crate::shape::analyze_source(program).unwrap();
    to_numpy(&derive(&model, mode, &Options::default()).unwrap())
}

#[test]
fn repeated_subexpressions_are_computed_once() {
    let m = module(Mode::Grad, "sum(exp(A * x)) * norm(exp(A * x))");
    assert_eq!(m.matches("numpy.exp(A @ x)").count(), 1, "{m}");
    assert!(m.contains("    _t1 = numpy.exp(A @ x)\n"), "{m}");
}

#[test]
fn inverses_in_products_are_solves() {
    let m = module(Mode::Forward, "y = x' * inv(A)'");
    assert!(m.contains("y = numpy.linalg.solve(A, x).T\n"), "{m}");
    assert!(
        m.contains("numpy.linalg.solve(A, (dot_x.T - y @ dot_A.T).T).T"),
        "{m}"
    );
    // bar(x) = A \\ bar(y), shared with bar(A).
    let m = module(Mode::Reverse, "y = inv(A') * x");
    assert!(m.contains("_t1 = numpy.linalg.solve(A, bar_y)\n"), "{m}");
    assert!(m.contains("bar_x = _t1\n"), "{m}");
    // A shared inverse is computed once and multiplied.
    let m = module(Mode::Forward, "C = inv(A) * B * inv(A)");
    assert_eq!(m.matches("numpy.linalg.inv(A)").count(), 1, "{m}");
}

#[test]
fn scalar_products_and_sizes_follow_the_shapes() {
    let m = module(Mode::Reverse, "y = alpha * x");
    assert!(m.contains("bar_alpha = (x.T @ bar_y)[0, 0]"), "{m}");
    assert!(m.contains("bar_x = alpha * bar_y"), "{m}");
    assert!(m.contains("alpha = _scalar(arrays, \"alpha\")"), "{m}");
    let m = module(Mode::Grad, "tr(X)");
    assert!(m.contains("bar_X = numpy.eye(X.shape[0])"), "{m}");
}

#[test]
fn python_keywords_are_renamed_locally_only() {
    let m = module(Mode::Grad, "lambda * sum(numpy)");
    assert!(m.contains("lambda_ = _scalar(arrays, \"lambda\")"), "{m}");
    assert!(
        m.contains("numpy_ = _argument(arrays, _sizes, \"numpy\""),
        "{m}"
    );
    assert!(m.contains("\"bar(lambda)\": _result(bar_lambda)"), "{m}");
}

#[test]
fn numbers_and_identifiers() {
    let r = |n: i64, d: i64| BigRational::new(n.into(), d.into());
    assert_eq!(number(&r(1, 3)).text, "1 / 3");
    assert_eq!(number(&r(-2, 1)).text, "-2");
    let huge = BigRational::from_integer(num_traits::pow(num_bigint::BigInt::from(10), 300));
    assert_eq!(number(&huge).text, "1e300");
    assert_eq!(identifier("hess(x, y)"), "hess_x_y");
    assert_eq!(identifier("σ"), "σ");
    assert_eq!(identifier("x·y"), "x_y");
}

#[test]
fn a_product_of_sizes_is_the_product_of_its_factors_at_run_time() {
    let m = module(Mode::Jacobian, "X: matrix(m, n); y = vec(X) * tr(I(m*n))");
    assert!(m.contains("numpy.eye((X.shape[0] * X.shape[1]))"), "{m}");
    // An argument of a product size binds it by its own name.
    let m = module(Mode::Grad, "A: matrix(m, n); f = y' * vec(A)");
    assert!(
        m.contains("y = _argument(arrays, _sizes, \"y\", \"m*n\", 1)"),
        "{m}"
    );
}
