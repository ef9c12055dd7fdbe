//! The check reads what is printed: lines right in memory but wrong or
//! open as printed fail it.

use super::*;

fn derived(model: &Model) -> Derived {
    let options = Options::default();
    Derived {
        forward: derive(model, Mode::Forward, &options).unwrap(),
        reverse: derive(model, Mode::Reverse, &options).unwrap(),
        grad: derive(model, Mode::Grad, &options).ok(),
        jacobian: Jacobians::derive(model, &options).unwrap(),
        options,
    }
}

/// The check reads what is printed. Here the gradient's tree is right,
/// `ones(rows(Y), cols(V)) * ones(cols(V), cols(Y))`, but printed
/// without its sizes, `ones * ones`, it has more than one reading: a
/// check of the tree passes it, a check of the text must not.
#[test]
fn a_line_right_in_memory_but_open_in_print_fails() {
    let model = crate::shape::analyze_source("f = sum(Y * ones(cols(Y), cols(V)) - V)").unwrap();
    let mut derived = derived(&model);
    assert!(check_derived(&model, &derived, 3).unwrap().passed());
    let grad = derived.grad.as_mut().unwrap();
    let line = grad.lines.iter_mut().find(|l| l.lhs.base == "Y").unwrap();
    assert!(line.written.iter().any(|w| *w), "{line}");
    line.written = vec![false; line.written.len()];
    assert_eq!(line.to_string(), "bar(Y) = ones * ones");
    let error = check_derived(&model, &derived, 3).unwrap_err();
    assert!(error.message.contains("does not read back"), "{error}");
}

/// A vector where a scalar belongs is an error, not summed away by the
/// pairing ⟨X̄, Ẋ⟩.
#[test]
fn a_vector_for_a_scalar_adjoint_fails() {
    let model = crate::shape::analyze_source("x: vector(n); f = sum(alpha ./ x)").unwrap();
    let mut derived = derived(&model);
    assert!(check_derived(&model, &derived, 3).unwrap().passed());
    let wrong = model
        .elaborate(&crate::parse::parse_expr("ones ./ x").unwrap(), None)
        .unwrap();
    let grad = derived.grad.as_mut().unwrap();
    let line = grad
        .lines
        .iter_mut()
        .find(|l| l.lhs.base == "alpha")
        .unwrap();
    *line = Line::new(line.lhs.clone(), wrong);
    assert!(check_derived(&model, &derived, 3).is_err());
}

/// A Jacobian line is compared column by column with differences: the
/// right matrix transposed (square, so it still evaluates) fails, and only
/// its comparison does.
#[test]
fn a_transposed_jacobian_fails() {
    let model = crate::shape::analyze_source("A: matrix(n, n); y = exp(A * x)").unwrap();
    let mut derived = derived(&model);
    let report = check_derived(&model, &derived, 3).unwrap();
    assert!(report.passed(), "{report}");
    let line = derived
        .jacobian
        .derivations
        .iter_mut()
        .flat_map(|d| d.lines.iter_mut())
        .find(|l| l.lhs.base == "x");
    let line = line.expect("a Jacobian line for x");
    assert_eq!(line.to_string(), "jac(y, x) = A .* (y * ones(1, n))");
    let wrong = model
        .elaborate(&crate::parse::parse_expr("diag(y) * A'").unwrap(), None)
        .unwrap();
    line.expr = wrong;
    let report = check_derived(&model, &derived, 3).unwrap();
    let failed: Vec<&str> = report
        .comparisons
        .iter()
        .filter(|c| !c.passed())
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(failed, ["jac(y, x) against differences, column by column"]);
}
