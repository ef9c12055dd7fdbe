//! Products written out: a chain of factors bracketed for the fewest
//! flops, its coefficient, sign or scalar attached where scaling costs
//! least.

use crate::ast::{BinOp, Expr, ExprKind, Mark, Shape};
use crate::cost::{node_flops, NodeKind};
use crate::shape::Env;
use num_rational::BigRational;
use num_traits::{One, Signed};

/// `coef * f1 * f2 * …`, the sign on the first factor. Scalar factors lead;
/// the matrix factors are bracketed for the fewest flops, left-nested where
/// bracketing does not change the cost, so they print flat.
pub(super) fn chain(coef: BigRational, factors: Vec<Expr>, env: &Env) -> Expr {
    let (scalars, matrices): (Vec<Expr>, Vec<Expr>) =
        factors.into_iter().partition(|f| env.shape(f).is_scalar());
    // A named scalar (not a number or a sign) scaling a product scales it
    // whole on a tie: see below. Not an adjoint such as `bar(f)`, which the
    // pairing steps write as a coefficient, `bar(f) * A' * B'`.
    let named_scale = scalars
        .iter()
        .any(|s| !matches!(&s.kind, ExprKind::Var(n) if n.marks.last() == Some(&Mark::Bar)));
    let mut leading = scalars.into_iter();
    let negative = coef.is_negative();
    let magnitude = coef.abs();
    let mut prefix: Option<Expr> = (!magnitude.is_one()).then(|| {
        Expr::num(if negative {
            -magnitude.clone()
        } else {
            magnitude.clone()
        })
    });
    let sign_only = negative && magnitude.is_one();
    let mut sign_pending = sign_only;
    let mut join = |prefix: Option<Expr>, factor: Expr| -> Expr {
        match prefix {
            Some(p) => Expr::mul(p, factor),
            None if sign_pending => {
                sign_pending = false;
                negate_leading(factor)
            }
            None => factor,
        }
    };
    for factor in leading.by_ref() {
        prefix = Some(join(prefix, factor));
    }
    if matrices.is_empty() {
        return prefix.unwrap_or_else(|| Expr::num(coef));
    }
    let tree = bracket(&matrices, env);
    // Scale (or negate) the first factor, unless a product along the left
    // spine holding it is smaller: `2 * (A' * (A * x))` scales a vector,
    // `2 * A' * (A * x)` a matrix; `-2 * (W * v) * s'` a vector, not W.
    let spine = left_spine_ends(&tree);
    let first = env.shape(&matrices[0]);
    let spine_entries: Vec<f64> = spine
        .iter()
        .map(|&end| {
            matrices[1..=end]
                .iter()
                .try_fold(first.clone(), |acc, m| acc.times(&env.shape(m)))
                .map_or(f64::INFINITY, |s| entries(&s))
        })
        .collect();
    let deepest = spine.len() - 1;
    // The whole product wins a tie against a named scalar: `s * (A * B)`
    // shares `A * B` with any other line or term that computes it, as
    // `s * A * B` does not. (A number stays in front, `2 * A * B`.)
    let scaled_depth = (0..deepest).rev().fold(deepest, |best, d| {
        let tie_outside = named_scale && d == 0 && spine_entries[d] <= spine_entries[best];
        if spine_entries[d] < spine_entries[best] || tie_outside {
            d
        } else {
            best
        }
    });
    if scaled_depth < deepest && (prefix.is_some() || sign_only) {
        let scale = |body: Expr| match prefix.clone() {
            Some(p) => Expr::mul(p, body),
            None => Expr::neg(body),
        };
        return scaled_at(&tree, scaled_depth, &matrices, &scale);
    }
    let mut out = None;
    attach(&mut out, prefix, &tree, &matrices, &mut join);
    out.expect("a non-empty chain")
}

/// Entries of a value of this shape, by the cost model's nominal sizes.
pub(super) fn entries(shape: &Shape) -> f64 {
    node_flops(NodeKind::Neg, shape, std::slice::from_ref(shape))
}

/// A bracketing of matrix factors `i..=j`.
enum Bracket {
    Factor(usize),
    Product(Box<Bracket>, Box<Bracket>),
}

/// Longest chain bracketed by dynamic programming (O(k³)); longer chains are
/// left-nested.
const MAX_BRACKETED: usize = 16;

/// The cheapest bracketing by the flop model; ties go to the left-nested one.
fn bracket(factors: &[Expr], env: &Env) -> Bracket {
    let k = factors.len();
    let shapes: Vec<Shape> = factors.iter().map(|f| env.shape(f)).collect();
    let left_nested = || {
        (1..k).fold(Bracket::Factor(0), |acc, i| {
            Bracket::Product(Box::new(acc), Box::new(Bracket::Factor(i)))
        })
    };
    if k > MAX_BRACKETED {
        return left_nested();
    }
    // cost[i][j], shape[i][j], split[i][j] over factors i..=j.
    let mut cost = vec![vec![0.0f64; k]; k];
    let mut shape: Vec<Vec<Option<Shape>>> = vec![vec![None; k]; k];
    let mut split = vec![vec![0usize; k]; k];
    for i in 0..k {
        shape[i][i] = Some(shapes[i].clone());
    }
    for len in 2..=k {
        for i in 0..=k - len {
            let j = i + len - 1;
            let mut best: Option<(f64, usize, Shape)> = None;
            for m in (i..j).rev() {
                let (Some(a), Some(b)) = (shape[i][m].clone(), shape[m + 1][j].clone()) else {
                    continue;
                };
                let Some(ab) = a.times(&b) else {
                    continue;
                };
                let c = cost[i][m] + cost[m + 1][j] + node_flops(NodeKind::Mul, &ab, &[a, b]);
                if best.as_ref().is_none_or(|(bc, _, _)| c < *bc) {
                    best = Some((c, m, ab));
                }
            }
            let Some((c, m, ab)) = best else {
                return left_nested();
            };
            cost[i][j] = c;
            split[i][j] = m;
            shape[i][j] = Some(ab);
        }
    }
    fn build(split: &[Vec<usize>], i: usize, j: usize) -> Bracket {
        if i == j {
            return Bracket::Factor(i);
        }
        let m = split[i][j];
        Bracket::Product(
            Box::new(build(split, i, m)),
            Box::new(build(split, m + 1, j)),
        )
    }
    build(&split, 0, k - 1)
}

/// The last factor of each product along `tree`'s left spine (the ones
/// holding the first factor), outermost first, down to the first factor.
fn left_spine_ends(tree: &Bracket) -> Vec<usize> {
    fn last(tree: &Bracket) -> usize {
        match tree {
            Bracket::Factor(i) => *i,
            Bracket::Product(_, right) => last(right),
        }
    }
    let mut ends = vec![last(tree)];
    let mut node = tree;
    while let Bracket::Product(left, _) = node {
        ends.push(last(left));
        node = left;
    }
    ends
}

/// `tree` with `scale` applied to the product `depth` steps down its left
/// spine: `(c * (A * B)) * C` for depth 1.
fn scaled_at(tree: &Bracket, depth: usize, factors: &[Expr], scale: &dyn Fn(Expr) -> Expr) -> Expr {
    let plain = |tree: &Bracket| {
        let mut out = None;
        attach(&mut out, None, tree, factors, &mut |p, f| match p {
            Some(p) => Expr::mul(p, f),
            None => f,
        });
        out.expect("a non-empty chain")
    };
    match tree {
        Bracket::Product(left, right) if depth > 0 => {
            Expr::mul(scaled_at(left, depth - 1, factors, scale), plain(right))
        }
        _ => scale(plain(tree)),
    }
}

/// Builds `prefix * tree`, joining the prefix to the tree's leftmost factor
/// so the left spine stays flat.
fn attach(
    out: &mut Option<Expr>,
    prefix: Option<Expr>,
    tree: &Bracket,
    factors: &[Expr],
    join: &mut dyn FnMut(Option<Expr>, Expr) -> Expr,
) {
    match tree {
        Bracket::Factor(i) => *out = Some(join(prefix, factors[*i].clone())),
        Bracket::Product(left, right) => {
            attach(out, prefix, left, factors, join);
            let mut right_out = None;
            attach(&mut right_out, None, right, factors, &mut |p, f| match p {
                Some(p) => Expr::mul(p, f),
                None => f,
            });
            let left_expr = out.take().expect("the left part is built");
            *out = Some(Expr::mul(
                left_expr,
                right_out.expect("the right part is built"),
            ));
        }
    }
}

/// `-f`, with the sign placed where it prints first: `-a / s`, not `-(a / s)`.
fn negate_leading(factor: Expr) -> Expr {
    match factor.kind {
        ExprKind::Binary(BinOp::Div, a, b) => Expr::binary(BinOp::Div, negate_leading(*a), *b),
        ExprKind::Binary(BinOp::Mul, a, b) => Expr::mul(negate_leading(*a), *b),
        ExprKind::Num(v) => Expr::num(-v),
        kind => Expr::neg(Expr::new(kind)),
    }
}
