//! The flop cost model against the comparisons the simplifier relies on:
//! association order, shared subexpressions, factoring, free transposes and
//! fixed sizes.

use matdiff::ast::{Dim, Expr, Shape};
use matdiff::cost::{flops, flops_all, node_flops, NodeKind, NOMINAL_SIZE as N};
use matdiff::derive::{derive, Mode, Options};
use matdiff::parse::parse_expr;
use matdiff::shape::{analyze_source, Model};

fn model(source: &str) -> Model {
    analyze_source(source).unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

fn expr(model: &Model, source: &str) -> Expr {
    model
        .elaborate(&parse_expr(source).unwrap(), None)
        .unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

fn cost(model: &Model, source: &str) -> f64 {
    flops(&expr(model, source), &model.env)
}

fn square() -> Model {
    model("A, B, X: matrix(n, n); x: vector(n); y = A * B * X * x")
}

#[test]
fn matrix_vector_first_is_cheaper() {
    let m = square();
    let right = cost(&m, "A * (B * x)");
    let left = cost(&m, "(A * B) * x");
    assert_eq!(right, 2.0 * N * N);
    assert_eq!(left, N.powi(3) + N * N);
    assert!(right < left);
}

#[test]
fn repeated_inverse_is_counted_once() {
    let m = square();
    let once = cost(&m, "inv(A)");
    assert_eq!(once, N.powi(3));
    // One inverse and one product, not two inverses.
    assert_eq!(cost(&m, "inv(A) * X * inv(A)"), 3.0 * N.powi(3));
    assert_eq!(cost(&m, "inv(A) * X * inv(B)"), 4.0 * N.powi(3));
    // Spans differ between the two occurrences; equality ignores them.
    assert_eq!(cost(&m, "inv(A) + inv(A)"), once + N * N);
}

#[test]
fn factored_sum_is_cheaper() {
    let m = square();
    let factored = cost(&m, "(A + A') * X");
    let distributed = cost(&m, "A * X + A' * X");
    assert_eq!(factored, N * N + N.powi(3));
    assert_eq!(distributed, 2.0 * N.powi(3) + N * N);
    assert!(factored < distributed);
}

#[test]
fn transpose_is_free() {
    let m = square();
    assert_eq!(cost(&m, "A'"), 0.0);
    assert_eq!(cost(&m, "A''"), 0.0);
    assert_eq!(cost(&m, "A' * B"), cost(&m, "A * B"));
    assert_eq!(cost(&m, "(A * B)'"), cost(&m, "A * B"));
    assert_eq!(cost(&m, "x'"), 0.0);
    let shape = Shape::new(Dim::Size(3), Dim::Size(7));
    assert_eq!(
        node_flops(NodeKind::Transpose, &shape.transposed(), &[shape]),
        0.0
    );
}

#[test]
fn fixed_sizes_are_respected() {
    let m = model("A: matrix(2, 50); x: vector(50); y = A * x");
    assert_eq!(cost(&m, "A * x"), 100.0);
    assert_eq!(cost(&m, "A' * A"), 50.0 * 2.0 * 50.0);
    assert_eq!(cost(&m, "A * A'"), 2.0 * 50.0 * 2.0);
    assert_eq!(cost(&m, "-A"), 100.0);
    assert_eq!(cost(&m, "inv(A * A')"), 200.0 + 8.0);
    assert_eq!(cost(&m, "sum(A)"), 100.0);
}

#[test]
fn named_and_fixed_sizes_mix() {
    let m = model("A: matrix(3, n); B: matrix(n, 5); C = A * B");
    assert_eq!(cost(&m, "A * B"), 3.0 * N * 5.0);
}

#[test]
fn lines_share_subexpressions() {
    let m = square();
    let (a, b) = (expr(&m, "inv(A) * X"), expr(&m, "inv(A) * X + B"));
    let (ca, cb) = (flops(&a, &m.env), flops(&b, &m.env));
    assert_eq!(flops_all(&[&a, &b], &m.env), cb);
    assert!(flops_all(&[&a, &b], &m.env) < ca + cb);
    assert_eq!(flops_all(&[&a], &m.env), ca);
    assert_eq!(flops_all(&[], &m.env), 0.0);
}

#[test]
fn derivation_lines_are_costed() {
    let m = model("A: matrix(n, n); C = inv(A)");
    let forward = derive(&m, Mode::Forward, &Options::default()).unwrap();
    let lines: Vec<&Expr> = forward.lines.iter().map(|l| &l.expr).collect();
    // -C * dot(A) * C: two products and a negation, however tidy places it.
    assert_eq!(flops_all(&lines, &m.env), 2.0 * N.powi(3) + N * N);
}

#[test]
fn node_flops_without_child_shapes_does_not_panic() {
    let s = Shape::new(Dim::Size(4), Dim::Size(4));
    assert_eq!(node_flops(NodeKind::Mul, &s, &[]), 16.0);
    assert_eq!(node_flops(NodeKind::Power(-2), &s, &[]), 128.0);
    assert_eq!(node_flops(NodeKind::Power(i64::MIN), &s, &[]), 64.0 * 64.0);
}
