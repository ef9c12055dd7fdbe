//! The flop cost model: how the simplifier and the tests compare equivalent
//! formulas.
//!
//! A cost is a nominal count of floating-point operations, as an `f64`.
//! Sizes: a named dimension counts as [`NOMINAL_SIZE`], a fixed size
//! (`matrix(2, 50)`) as itself, the dimension 1 as 1. With `n` the size of a
//! square argument, a node costs:
//!
//! | node | flops |
//! |---|---|
//! | variables, numbers, `I`, `ones`, a dimension used as a number (`n`, held as `tr(I)`) | 0 |
//! | transpose | 0 (a view, never copied) |
//! | negation, `+`, `-`, `.*`, `./`, `.^`, `exp` `log` `sqrt` `sin` `cos` `tanh` | rows·cols of the result |
//! | `A * B` for (m×k)(k×n) | m·k·n |
//! | scalar times an r×c value, division by a scalar | r·c |
//! | `A^k`, k ≥ 2 | (⌊log₂ k⌋ + popcount(k) − 1)·n³: binary powering, as the evaluator does it |
//! | `A^-k` | as `A^k`, plus n³ for the inverse |
//! | `inv`, `det`, `logdet` | n³ |
//! | `tr`, `diag` | n |
//! | `sum`, `norm`, `inner` | the entry count of the argument |
//!
//! Binary powering rather than (k − 1) products so that `A^4` (two products)
//! is cheaper than `A * A * A * A` (three): an extractor then keeps the
//! power, which is what evaluating it really costs.
//!
//! An expression is costed as a DAG: a subexpression that occurs several
//! times (equal as [`Expr`]s, spans ignored) is computed once and counted
//! once, as a program evaluating the formula would keep it in a temporary.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Shape};
use crate::shape::Env;
use num_rational::BigRational;
use std::collections::HashMap;

/// Nominal size given to every named dimension ([`Dim::Named`]) when
/// costing; a fixed size [`Dim::Size`]`(k)` counts as `k`, [`Dim::One`]
/// as 1, and a product such as `m*n` ([`Dim::Product`]) as the product of
/// its factors.
///
/// ```
/// let model = matdiff::shape::analyze_source("A: matrix(n, n); tr(A)").unwrap();
/// let a = matdiff::parse::parse_expr("-A").unwrap();
/// let n = matdiff::cost::NOMINAL_SIZE;
/// assert_eq!(matdiff::cost::flops(&a, &model.env), n * n);
/// ```
pub const NOMINAL_SIZE: f64 = 64.0;

/// The operation of one node, without its children: what
/// [`node_flops`] needs to know besides shapes. An e-graph extractor maps
/// each of its e-nodes to one of these.
///
/// ```
/// use matdiff::ast::{Expr, Func};
/// use matdiff::cost::NodeKind;
/// let e = Expr::call(Func::Inv, vec![Expr::var("A")]);
/// assert_eq!(NodeKind::from(&e.kind), NodeKind::Call(Func::Inv));
/// assert_eq!(NodeKind::from(&Expr::var("A").kind), NodeKind::Leaf);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A variable (marked or not), a number, `I` or `ones`.
    Leaf,
    /// `-a`
    Neg,
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`: matrix product, or scalar times anything
    Mul,
    /// `a / s`
    Div,
    /// `a .* b`
    EMul,
    /// `a ./ b`
    EDiv,
    /// `a'`
    Transpose,
    /// `A^k`
    Power(i64),
    /// `a .^ r`, whatever the exponent
    ElemPower,
    /// `f(args)`
    Call(Func),
}

impl From<&ExprKind> for NodeKind {
    /// The operation of an expression node.
    ///
    /// ```
    /// use matdiff::cost::NodeKind;
    /// let e = matdiff::parse::parse_expr("A^3").unwrap();
    /// assert_eq!(NodeKind::from(&e.kind), NodeKind::Power(3));
    /// ```
    fn from(kind: &ExprKind) -> NodeKind {
        match kind {
            ExprKind::Num(_) | ExprKind::Var(_) | ExprKind::Identity(_) | ExprKind::Ones(_) => {
                NodeKind::Leaf
            }
            ExprKind::Neg(_) => NodeKind::Neg,
            ExprKind::Binary(op, _, _) => match op {
                BinOp::Add => NodeKind::Add,
                BinOp::Sub => NodeKind::Sub,
                BinOp::Mul => NodeKind::Mul,
                BinOp::Div => NodeKind::Div,
                BinOp::EMul => NodeKind::EMul,
                BinOp::EDiv => NodeKind::EDiv,
                BinOp::Pow | BinOp::EPow => NodeKind::ElemPower,
            },
            ExprKind::Transpose(_) => NodeKind::Transpose,
            ExprKind::Power(_, k) => NodeKind::Power(*k),
            ExprKind::ElemPower(_, _) => NodeKind::ElemPower,
            ExprKind::Call(func, _) => NodeKind::Call(*func),
        }
    }
}

/// Flops to evaluate an analysed expression once, each distinct
/// subexpression counted once. `env` gives the shapes of its variables
/// (`model.env`); `I` and `ones` must be sized, as analysis and
/// [`Model::elaborate`](crate::shape::Model::elaborate) leave them.
///
/// ```
/// use matdiff::cost::{flops, NOMINAL_SIZE as N};
/// let model = matdiff::shape::analyze_source("A, B: matrix(n, n); y = A * B * x").unwrap();
/// let cost = |s: &str| {
///     let e = model.elaborate(&matdiff::parse::parse_expr(s).unwrap(), None).unwrap();
///     flops(&e, &model.env)
/// };
/// assert_eq!(cost("A * (B * x)"), 2.0 * N * N);
/// assert_eq!(cost("(A * B) * x"), N * N * N + N * N);
/// assert_eq!(cost("inv(A) * inv(A)"), 2.0 * N * N * N);
/// ```
pub fn flops(expr: &Expr, env: &Env) -> f64 {
    flops_all(&[expr], env)
}

/// Flops to evaluate several expressions together — the lines of one
/// derivation — each distinct subexpression counted once across all of
/// them.
///
/// ```
/// use matdiff::cost::{flops, flops_all, NOMINAL_SIZE as N};
/// let model = matdiff::shape::analyze_source("A, B: matrix(n, n); C = A * B").unwrap();
/// let p = |s: &str| model.elaborate(&matdiff::parse::parse_expr(s).unwrap(), None).unwrap();
/// let (x, y) = (p("inv(A) * B"), p("inv(A) + B"));
/// let apart = flops(&x, &model.env) + flops(&y, &model.env);
/// assert_eq!(apart, 2.0 * N * N * N + N * N * N + N * N);
/// assert_eq!(flops_all(&[&x, &y], &model.env), apart - N * N * N);
/// ```
pub fn flops_all(exprs: &[&Expr], env: &Env) -> f64 {
    let mut tally = Tally {
        env,
        ids: HashMap::new(),
        shapes: Vec::new(),
        total: 0.0,
    };
    for expr in exprs {
        tally.visit(expr);
    }
    tally.total
}

/// Flops of the product of values of shapes `a` and `b` (which match):
/// a matrix product, or a scaling when either is a scalar.
///
/// ```
/// use matdiff::ast::{Dim, Shape};
/// let (a, b) = (Shape::new(Dim::Size(2), Dim::Size(3)), Shape::new(Dim::Size(3), Dim::Size(4)));
/// assert_eq!(matdiff::cost::product_flops(&a, &b), 24.0);
/// assert_eq!(matdiff::cost::product_flops(&Shape::scalar(), &b), 12.0);
/// ```
pub fn product_flops(a: &Shape, b: &Shape) -> f64 {
    if a.is_scalar() {
        size(&b.rows) * size(&b.cols)
    } else if b.is_scalar() {
        size(&a.rows) * size(&a.cols)
    } else {
        size(&a.rows) * size(&a.cols) * size(&b.cols)
    }
}

/// The flops of one node, given its own shape and its children's in order
/// (one child for `inv`, two for `inner` and binary operators, none for a
/// leaf). Children are not included: an extractor adds their costs, once
/// each. Missing child shapes are not an error; the node's own shape stands
/// in for them.
///
/// ```
/// use matdiff::ast::{Dim, Func, Shape};
/// use matdiff::cost::{node_flops, NodeKind};
/// let s = |r, c| Shape::new(Dim::Size(r), Dim::Size(c));
/// assert_eq!(node_flops(NodeKind::Mul, &s(2, 3), &[s(2, 5), s(5, 3)]), 30.0);
/// assert_eq!(node_flops(NodeKind::Mul, &s(2, 3), &[Shape::scalar(), s(2, 3)]), 6.0);
/// assert_eq!(node_flops(NodeKind::Transpose, &s(3, 2), &[s(2, 3)]), 0.0);
/// assert_eq!(node_flops(NodeKind::Call(Func::Inv), &s(4, 4), &[s(4, 4)]), 64.0);
/// assert_eq!(node_flops(NodeKind::Power(4), &s(4, 4), &[s(4, 4)]), 128.0);
/// assert_eq!(node_flops(NodeKind::Call(Func::Sum), &Shape::scalar(), &[s(2, 3)]), 6.0);
/// ```
pub fn node_flops(kind: NodeKind, shape: &Shape, child_shapes: &[Shape]) -> f64 {
    let first = child_shapes.first().unwrap_or(shape);
    let entries = |s: &Shape| size(&s.rows) * size(&s.cols);
    let cube = |s: &Shape| size(&s.rows).powi(3);
    match kind {
        NodeKind::Leaf | NodeKind::Transpose => 0.0,
        NodeKind::Neg
        | NodeKind::Add
        | NodeKind::Sub
        | NodeKind::Div
        | NodeKind::EMul
        | NodeKind::EDiv
        | NodeKind::ElemPower => entries(shape),
        NodeKind::Mul => match child_shapes {
            [a, b] => product_flops(a, b),
            _ => entries(shape),
        },
        NodeKind::Power(k) => {
            let inverse = if k < 0 { cube(first) } else { 0.0 };
            inverse + products_for_power(k.unsigned_abs()) * cube(first)
        }
        NodeKind::Call(func) => match func {
            Func::Inv | Func::Det | Func::Logdet => cube(first),
            Func::Tr | Func::Diag => size(&first.rows).max(size(&first.cols)),
            Func::Sum | Func::Norm | Func::Norm1 | Func::Inner => entries(first),
            Func::Map(_) => entries(shape),
            // An exp and a sum per entry (the shift by the largest entry is
            // comparisons): less than `log(sum(exp(A)))` by the log.
            Func::Logsumexp => 2.0 * entries(first),
            // An LU factorisation (n³/3 in this model's units, where the
            // inverse is n³) and a pair of triangular solves per column of
            // B: always less than `inv(A) * B`.
            // An entry a product (kron), or a copy (vec).
            Func::Vec | Func::Kron => entries(shape),
            Func::Solve if first.is_scalar() => entries(shape),
            Func::Solve => cube(first) / 3.0 + size(&first.rows).powi(2) * size(&shape.cols),
            // An exp, a sum and a division per entry, as written out.
            Func::Softmax => 3.0 * entries(first),
        },
    }
}

/// Products binary powering spends on `A^k`: one squaring per bit below the
/// top one, and one product per set bit but the first.
fn products_for_power(k: u64) -> f64 {
    if k < 2 {
        return 0.0;
    }
    f64::from(k.ilog2() + k.count_ones() - 1)
}

fn size(dim: &Dim) -> f64 {
    match dim {
        Dim::One => 1.0,
        Dim::Named(_) => NOMINAL_SIZE,
        // Precision loss is irrelevant: declared sizes are bounded small.
        Dim::Size(k) => *k as f64,
        Dim::Product(p) => {
            let named = i32::try_from(p.names().len()).unwrap_or(i32::MAX);
            p.size() as f64 * NOMINAL_SIZE.powi(named)
        }
    }
}

/// A node up to structural equality, its children named by their ids, so
/// that recognising a repeat costs O(1) rather than a walk of the subtree.
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    Leaf(&'a ExprKind),
    Node {
        kind: NodeKind,
        // `x .^ 2` and `x .^ 3` are different values of the same kind.
        exponent: Option<&'a BigRational>,
        children: Vec<usize>,
    },
}

/// Hash-consing walk: every distinct node gets an id, its shape and, once,
/// its cost.
struct Tally<'a> {
    env: &'a Env,
    ids: HashMap<Key<'a>, usize>,
    shapes: Vec<Shape>,
    total: f64,
}

impl<'a> Tally<'a> {
    fn visit(&mut self, expr: &'a Expr) -> usize {
        let kind = NodeKind::from(&expr.kind);
        let key = if kind == NodeKind::Leaf {
            Key::Leaf(&expr.kind)
        } else {
            Key::Node {
                kind,
                exponent: match &expr.kind {
                    ExprKind::ElemPower(_, r) => Some(r),
                    _ => None,
                },
                children: expr.children().into_iter().map(|c| self.visit(c)).collect(),
            }
        };
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let child_shapes: Vec<Shape> = match &key {
            Key::Leaf(_) => Vec::new(),
            Key::Node { children, .. } => {
                children.iter().map(|&c| self.shapes[c].clone()).collect()
            }
        };
        let shape = match &expr.kind {
            // Leaves are O(1) for Env::shape; interior nodes are not (it
            // walks the subtree), hence the local rule from child shapes.
            _ if kind == NodeKind::Leaf => self.env.shape(expr),
            ExprKind::Binary(op, _, _) => binary_shape(*op, &child_shapes),
            _ => node_shape(kind, &child_shapes),
        };
        if !is_dimension(expr) {
            self.total += node_flops(kind, &shape, &child_shapes);
        }
        let id = self.shapes.len();
        self.shapes.push(shape);
        self.ids.insert(key, id);
        id
    }
}

/// `tr(I)`, the form of a dimension used as a number (`sum(x) / n`): a
/// size known before any value is, costing nothing.
fn is_dimension(expr: &Expr) -> bool {
    matches!(&expr.kind, ExprKind::Call(Func::Tr, args) if matches!(args[0].kind, ExprKind::Identity(_)))
}

/// [`Env::shape`]'s rule for a binary node, from its children's shapes.
fn binary_shape(op: BinOp, children: &[Shape]) -> Shape {
    let [a, b] = children else {
        return Shape::scalar();
    };
    match op {
        // Costed trees are well typed, so the inner dimensions agree.
        BinOp::Mul => a
            .times(b)
            .unwrap_or_else(|| Shape::new(a.rows.clone(), b.cols.clone())),
        _ if a.is_scalar() => b.clone(),
        _ => a.clone(),
    }
}

/// [`Env::shape`]'s rule for a unary node or a call, from its children's
/// shapes.
fn node_shape(kind: NodeKind, children: &[Shape]) -> Shape {
    let s = children.first().cloned().unwrap_or_else(Shape::scalar);
    match kind {
        NodeKind::Transpose => s.transposed(),
        NodeKind::Call(func) => match children {
            [_, second] => func.result_shape2(s, second.clone()),
            _ => func.result_shape(s),
        },
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::{derive, Mode, Options};
    use crate::parse::parse_expr;
    use crate::shape::{analyze_source, Model};

    const N: f64 = NOMINAL_SIZE;

    fn cost(model: &Model, source: &str) -> f64 {
        let expr = model.elaborate(&parse_expr(source).unwrap(), None).unwrap();
        flops(&expr, &model.env)
    }

    fn model() -> Model {
        analyze_source("A, B, X: matrix(n, n); x, y: vector(n); alpha: scalar; f = x' * A * y")
            .unwrap()
    }

    #[test]
    fn powers_use_binary_powering() {
        let m = model();
        assert_eq!(cost(&m, "A^0"), 0.0);
        assert_eq!(cost(&m, "A^1"), 0.0);
        assert_eq!(cost(&m, "A^2"), N.powi(3));
        assert_eq!(cost(&m, "A^3"), 2.0 * N.powi(3));
        assert_eq!(cost(&m, "A^4"), 2.0 * N.powi(3));
        assert_eq!(cost(&m, "A^7"), 4.0 * N.powi(3));
        assert_eq!(cost(&m, "A^-1"), cost(&m, "inv(A)"));
        assert_eq!(cost(&m, "A^-2"), 2.0 * N.powi(3));
        assert!(cost(&m, "A^4") < cost(&m, "A * A * A * A"));
    }

    #[test]
    fn functions_cost_as_documented() {
        let m = model();
        assert_eq!(cost(&m, "tr(A)"), N);
        assert_eq!(cost(&m, "diag(x)"), N);
        assert_eq!(cost(&m, "diag(A)"), N);
        assert_eq!(cost(&m, "sum(A)"), N * N);
        assert_eq!(cost(&m, "norm(x)"), N);
        assert_eq!(cost(&m, "inner(A, B)"), N * N);
        assert_eq!(cost(&m, "det(A)"), N.powi(3));
        assert_eq!(cost(&m, "logdet(A)"), N.powi(3));
        assert_eq!(cost(&m, "exp(A)"), N * N);
        assert_eq!(cost(&m, "x .^ (1/2)"), N);
        assert_eq!(cost(&m, "alpha * A"), N * N);
        assert_eq!(cost(&m, "A / alpha"), N * N);
        assert_eq!(cost(&m, "x' * y"), N);
        assert_eq!(cost(&m, "alpha * alpha"), 1.0);
        assert_eq!(cost(&m, "A + I"), N * N);
        assert_eq!(cost(&m, "2 * ones .* x"), 2.0 * N);
    }

    #[test]
    fn different_element_powers_are_not_shared() {
        let m = model();
        assert_eq!(cost(&m, "x .^ 2 + x .^ 3"), 3.0 * N);
        assert_eq!(cost(&m, "x .^ 2 + x .^ 2"), 2.0 * N);
    }

    /// The local shape rules must agree with `Env::shape` on every
    /// subexpression the engine produces.
    #[test]
    fn local_shapes_agree_with_env() {
        fn walk(expr: &Expr, env: &Env, failures: &mut Vec<String>, seen: &mut usize) {
            *seen += 1;
            let mut tally = Tally {
                env,
                ids: HashMap::new(),
                shapes: Vec::new(),
                total: 0.0,
            };
            let id = tally.visit(expr);
            if tally.shapes[id] != env.shape(expr) {
                failures.push(format!(
                    "{expr}: {} vs {}",
                    tally.shapes[id],
                    env.shape(expr)
                ));
            }
            for child in expr.children() {
                walk(child, env, failures, seen);
            }
        }
        let (mut failures, mut seen) = (Vec::new(), 0);
        for file in ["corpus-public.jsonl", "corpus-extra.jsonl"] {
            let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let Ok(case) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                let model = analyze_source(case["program"].as_str().unwrap()).unwrap();
                for b in &model.bindings {
                    walk(&b.expr, &model.env, &mut failures, &mut seen);
                }
                for mode in [Mode::Forward, Mode::Reverse] {
                    let Ok(d) = derive(&model, mode, &Options::default()) else {
                        continue;
                    };
                    for l in &d.lines {
                        walk(&l.expr, &model.env, &mut failures, &mut seen);
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
        // Guards against the corpus silently failing to load.
        assert!(seen > 1000, "only {seen} subexpressions checked");
    }
}
