//! A small normalising pass that makes derived results readable: exact
//! constant folding, zeros and unit factors dropped, signs and numeric
//! coefficients moved to the front, like terms merged, double negation and
//! double transposition cancelled, transposes pushed towards the leaves.
//!
//! It is local and terminating: every rule makes the tree smaller or moves a
//! transpose down. The e-graph simplifier replaces it behind [`tidy`].

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Mark, Shape};
use crate::shape::Env;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// Normalises an expression whose shapes `env` knows.
///
/// ```
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let e = matdiff::parse::parse_expr("C' * (-bar(C) * C') * I + 0").unwrap();
/// assert_eq!(matdiff::tidy::tidy(&e, &model.env).to_string(), "-C' * bar(C) * C'");
/// ```
pub fn tidy(expr: &Expr, env: &Env) -> Expr {
    let children_done = expr.map_children(&mut |c| tidy(c, env));
    node(children_done, env)
}

/// Simplifies one node whose children are already tidy.
fn node(expr: Expr, env: &Env) -> Expr {
    match &expr.kind {
        ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => {
            rebuild_sum(terms(&expr, env), env)
        }
        ExprKind::Binary(BinOp::Mul | BinOp::Div, _, _) => {
            let (coef, factors) = factors(&expr, env);
            rebuild_product(coef, factors, env)
        }
        ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => elementwise(*op, a, b, env),
        ExprKind::Transpose(inner) => transpose(inner, env),
        ExprKind::Power(base, k) => power(base, *k, env),
        ExprKind::ElemPower(base, k) => elem_power(base, k, env),
        ExprKind::Call(func, args) => call(*func, args, env).unwrap_or(expr),
        _ => expr,
    }
}

/// A sum as signed terms: (coefficient, term without numeric factor), with
/// `None` standing for the constant term.
type Terms = Vec<(BigRational, Option<Expr>)>;

fn terms(expr: &Expr, env: &Env) -> Terms {
    let mut out = Terms::new();
    collect_terms(expr, BigRational::one(), &mut out, env);
    out
}

fn collect_terms(expr: &Expr, sign: BigRational, out: &mut Terms, env: &Env) {
    match &expr.kind {
        ExprKind::Binary(BinOp::Add, a, b) => {
            collect_terms(a, sign.clone(), out, env);
            collect_terms(b, sign, out, env);
        }
        ExprKind::Binary(BinOp::Sub, a, b) => {
            collect_terms(a, sign.clone(), out, env);
            collect_terms(b, -sign, out, env);
        }
        ExprKind::Neg(a) => collect_terms(a, -sign, out, env),
        _ => {
            let (coef, factors) = factors(expr, env);
            let coef = coef * sign;
            if coef.is_zero() {
                return;
            }
            let term =
                (!factors.is_empty()).then(|| rebuild_product(BigRational::one(), factors, env));
            match out.iter_mut().find(|(_, t)| *t == term) {
                Some((c, _)) => *c += coef,
                None => out.push((coef, term)),
            }
        }
    }
}

fn rebuild_sum(terms: Terms, env: &Env) -> Expr {
    let mut result: Option<Expr> = None;
    for (coef, term) in terms.into_iter().filter(|(c, _)| !c.is_zero()) {
        let as_product = |c: BigRational| match &term {
            Some(t) => rebuild_product(c, factors(t, env).1, env),
            None => Expr::num(c),
        };
        result = Some(match result {
            None => as_product(coef),
            Some(acc) if coef.is_negative() => Expr::sub(acc, as_product(-coef)),
            Some(acc) => Expr::add(acc, as_product(coef)),
        });
    }
    result.unwrap_or_else(|| Expr::int(0))
}

/// A product as (numeric coefficient, remaining factors in order).
fn factors(expr: &Expr, env: &Env) -> (BigRational, Vec<Expr>) {
    let mut coef = BigRational::one();
    let mut out = Vec::new();
    collect_factors(expr, &mut coef, &mut out, env);
    if coef.is_zero() {
        out.clear();
    }
    drop_identities(&mut out, env);
    (coef, out)
}

fn collect_factors(expr: &Expr, coef: &mut BigRational, out: &mut Vec<Expr>, env: &Env) {
    match &expr.kind {
        ExprKind::Num(value) => *coef *= value,
        ExprKind::Neg(a) => {
            *coef = -coef.clone();
            collect_factors(a, coef, out, env);
        }
        ExprKind::Binary(BinOp::Mul, a, b) => {
            for child in [a, b] {
                if env.shape(child).is_scalar() {
                    let (c, fs) = factors(child, env);
                    *coef *= c;
                    push_scalar_factors(out, fs, env);
                } else {
                    collect_factors(child, coef, out, env);
                }
            }
        }
        ExprKind::Binary(BinOp::Div, a, b) => match b.as_num() {
            Some(d) if !d.is_zero() => {
                *coef /= d;
                collect_factors(a, coef, out, env);
            }
            _ => {
                let (c, mut fa) = factors(a, env);
                *coef *= c;
                // s / s = 1 for the scalar divisor s.
                if let Some(i) = fa.iter().position(|f| f == &**b) {
                    fa.remove(i);
                    push_scalar_factors(out, fa, env);
                } else {
                    // The numerator's factors stay in the chain; `1 / s` is a scalar factor.
                    if env.shape(a).is_scalar() {
                        push_scalar_factors(out, fa, env);
                    } else {
                        out.extend(fa);
                    }
                    out.push(Expr::binary(BinOp::Div, Expr::int(1), (**b).clone()));
                }
            }
        },
        // Children are tidy, so a sum here has two or more terms: it is one
        // factor. (Flattening it again at every level is exponential.)
        _ => out.push(expr.clone()),
    }
}

/// The factors of a scalar-valued product, joining a larger product. Scalar
/// factors mix freely; a product like `x' * y` stays one factor, since
/// `S * (x' * y)` is not `S * x' * y`.
fn push_scalar_factors(out: &mut Vec<Expr>, factors: Vec<Expr>, env: &Env) {
    if factors.iter().all(|f| env.shape(f).is_scalar()) {
        out.extend(factors);
    } else {
        out.push(chain(BigRational::one(), factors));
    }
}

/// `I` next to a matrix is dropped; `s * I` keeps it.
fn drop_identities(factors: &mut Vec<Expr>, env: &Env) {
    let has_matrix = factors
        .iter()
        .any(|f| !matches!(f.kind, ExprKind::Identity(_)) && !env.shape(f).is_scalar());
    if has_matrix {
        factors.retain(|f| !matches!(f.kind, ExprKind::Identity(_)));
    } else if factors
        .iter()
        .filter(|f| matches!(f.kind, ExprKind::Identity(_)))
        .count()
        > 1
    {
        let first = factors
            .iter()
            .position(|f| matches!(f.kind, ExprKind::Identity(_)));
        let mut index = 0;
        factors.retain(|f| {
            let keep = !matches!(f.kind, ExprKind::Identity(_)) || Some(index) == first;
            index += 1;
            keep
        });
    }
}

fn rebuild_product(coef: BigRational, factors: Vec<Expr>, env: &Env) -> Expr {
    if coef.is_zero() {
        return Expr::int(0);
    }
    // Divisions gather into one at the end, `a * b / (s * t)`, and scalar
    // factors move to the front, where they read as coefficients.
    let mut numerator = Vec::new();
    let mut denominators = Vec::new();
    for factor in factors {
        match factor.kind {
            ExprKind::Binary(BinOp::Div, a, b) => {
                let (c, fa) = crate::tidy::factors(&a, env);
                numerator.extend(fa);
                denominators.push(*b);
                if !c.is_one() {
                    return rebuild_product(
                        coef * c,
                        numerator
                            .into_iter()
                            .chain(
                                denominators
                                    .into_iter()
                                    .map(|d| Expr::binary(BinOp::Div, Expr::int(1), d)),
                            )
                            .collect(),
                        env,
                    );
                }
            }
            _ => numerator.push(factor),
        }
    }
    let (mut scalars, matrices): (Vec<Expr>, Vec<Expr>) = numerator
        .into_iter()
        .partition(|f| env.shape(f).is_scalar());
    scalars.extend(matrices);
    if denominators.is_empty() {
        return chain(coef, scalars);
    }
    let denominator = denominators
        .into_iter()
        .reduce(Expr::mul)
        .expect("at least one denominator");
    let magnitude = coef.abs();
    let numerator = chain(
        if coef.is_negative() {
            -BigRational::one()
        } else {
            BigRational::one()
        },
        scalars,
    );
    let quotient = Expr::binary(BinOp::Div, numerator, denominator);
    if magnitude.is_one() {
        quotient
    } else {
        Expr::mul(Expr::num(magnitude), quotient)
    }
}

/// `coef * f1 * f2 * …`, left-nested, the sign on the first factor.
fn chain(coef: BigRational, factors: Vec<Expr>) -> Expr {
    let mut iter = factors.into_iter();
    let Some(first) = iter.next() else {
        return Expr::num(coef);
    };
    let negative = coef.is_negative();
    let magnitude = coef.abs();
    let first = if negative && magnitude.is_one() {
        negate_leading(first)
    } else {
        first
    };
    let mut product = if magnitude.is_one() {
        first
    } else {
        let c = if negative { -magnitude } else { magnitude };
        Expr::mul(Expr::num(c), first)
    };
    for factor in iter {
        product = Expr::mul(product, factor);
    }
    product
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

fn transpose(inner: &Expr, env: &Env) -> Expr {
    if env.shape(inner).is_scalar() {
        return inner.clone();
    }
    let t = |e: &Expr| node(Expr::transpose(e.clone()), env);
    match &inner.kind {
        ExprKind::Transpose(a) => (**a).clone(),
        ExprKind::Identity(_) => inner.clone(),
        ExprKind::Ones(shape) => Expr::new(ExprKind::Ones(shape.as_ref().map(|s| s.transposed()))),
        ExprKind::Var(name)
            if env.is_symmetric(name) && name.marks.iter().all(|m| *m == Mark::Dot) =>
        {
            inner.clone()
        }
        ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => {
            let terms = terms(inner, env)
                .into_iter()
                .map(|(c, term)| (c, term.map(|e| t(&e))))
                .collect();
            rebuild_sum(terms, env)
        }
        ExprKind::Binary(BinOp::Mul | BinOp::Div, _, _) => {
            let (coef, factors) = factors(inner, env);
            let reversed = factors.iter().rev().map(t).collect();
            rebuild_product(coef, reversed, env)
        }
        ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
            node(Expr::binary(*op, t(a), t(b)), env)
        }
        // diag(x) is a symmetric matrix; diag(A) is a column vector.
        ExprKind::Call(Func::Diag, _) if env.shape(inner).is_square() => inner.clone(),
        ExprKind::Call(func, args) if func.is_elementwise() => Expr::call(*func, vec![t(&args[0])]),
        ExprKind::ElemPower(a, k) => Expr::new(ExprKind::ElemPower(Box::new(t(a)), k.clone())),
        _ => Expr::transpose(inner.clone()),
    }
}

fn power(base: &Expr, k: i64, env: &Env) -> Expr {
    let shape = env.shape(base);
    match (k, base.as_num()) {
        (1, _) => base.clone(),
        (0, _) if shape.is_scalar() => Expr::int(1),
        (0, _) => Expr::new(ExprKind::Identity(Some(shape.rows))),
        (-1, None) if !shape.is_scalar() => call(Func::Inv, std::slice::from_ref(base), env)
            .unwrap_or_else(|| Expr::call(Func::Inv, vec![base.clone()])),
        (k, Some(v)) if !v.is_zero() || k > 0 => {
            let magnitude = num_traits::pow(v.clone(), k.unsigned_abs() as usize);
            Expr::num(if k < 0 { magnitude.recip() } else { magnitude })
        }
        _ if matches!(base.kind, ExprKind::Identity(_)) => base.clone(),
        _ => Expr::new(ExprKind::Power(Box::new(base.clone()), k)),
    }
}

fn elem_power(base: &Expr, k: &BigRational, env: &Env) -> Expr {
    let shape = env.shape(base);
    if k.is_one() {
        return base.clone();
    }
    if k.is_zero() {
        return if shape.is_scalar() {
            Expr::int(1)
        } else {
            Expr::new(ExprKind::Ones(Some(shape)))
        };
    }
    if shape.is_scalar() && k.is_integer() {
        if let Some(exponent) = num_traits::ToPrimitive::to_i64(&k.to_integer()) {
            return power(base, exponent, env);
        }
    }
    Expr::new(ExprKind::ElemPower(Box::new(base.clone()), k.clone()))
}

fn elementwise(op: BinOp, a: &Expr, b: &Expr, env: &Env) -> Expr {
    let (sa, sb) = (env.shape(a), env.shape(b));
    let scalar_op = if op == BinOp::EMul {
        BinOp::Mul
    } else {
        BinOp::Div
    };
    if sb.is_scalar() || (op == BinOp::EMul && sa.is_scalar()) {
        return node(Expr::binary(scalar_op, a.clone(), b.clone()), env);
    }
    if a.is_zero() || (op == BinOp::EMul && b.is_zero()) {
        return Expr::int(0);
    }
    if matches!(b.kind, ExprKind::Ones(_)) {
        return a.clone();
    }
    if op == BinOp::EMul && matches!(a.kind, ExprKind::Ones(_)) {
        return b.clone();
    }
    // Signs and numeric factors move out: (-2 a) ⊙ b = -2 (a ⊙ b).
    let (ca, fa) = factors(a, env);
    let (cb, fb) = if op == BinOp::EMul {
        factors(b, env)
    } else {
        (BigRational::one(), vec![b.clone()])
    };
    let inner = Expr::binary(
        op,
        rebuild_product(BigRational::one(), fa, env),
        rebuild_product(BigRational::one(), fb, env),
    );
    rebuild_product(ca * cb, vec![inner], env)
}

/// Folds a call with exact results; `None` leaves it as it is.
fn call(func: Func, args: &[Expr], env: &Env) -> Option<Expr> {
    let arg = &args[0];
    let scalar = env.shape(arg).is_scalar();
    if arg.is_zero()
        && matches!(
            func,
            Func::Tr
                | Func::Sum
                | Func::Norm
                | Func::Diag
                | Func::Inner
                | Func::Sin
                | Func::Tanh
                | Func::Sqrt
        )
    {
        return Some(Expr::int(0));
    }
    if func == Func::Inner && args[1].is_zero() {
        return Some(Expr::int(0));
    }
    match func {
        Func::Tr | Func::Sum | Func::Diag if scalar => Some(arg.clone()),
        // diag of a ones vector is I; the diagonal of a ones matrix, ones.
        Func::Diag if matches!(arg.kind, ExprKind::Ones(_)) => {
            let shape = env.shape(arg);
            Some(if shape.cols == Dim::One || shape.rows == Dim::One {
                let size = if shape.cols == Dim::One {
                    shape.rows
                } else {
                    shape.cols
                };
                Expr::new(ExprKind::Identity(Some(size)))
            } else {
                Expr::new(ExprKind::Ones(Some(Shape::new(shape.rows, Dim::One))))
            })
        }
        Func::Diag if matches!(arg.kind, ExprKind::Identity(_)) => {
            let rows = env.shape(arg).rows;
            Some(Expr::new(ExprKind::Ones(Some(Shape::new(rows, Dim::One)))))
        }
        Func::Inner if scalar => Some(node(Expr::mul(arg.clone(), args[1].clone()), env)),
        Func::Inv => match &arg.kind {
            ExprKind::Call(Func::Inv, inner) => Some(inner[0].clone()),
            ExprKind::Identity(_) => Some(arg.clone()),
            ExprKind::Num(v) if !v.is_zero() => Some(Expr::num(v.recip())),
            _ if scalar => Some(Expr::binary(BinOp::Div, Expr::int(1), arg.clone())),
            _ => None,
        },
        Func::Det if scalar => Some(arg.clone()),
        Func::Tr => {
            // Trace is linear: numeric factors and signs come out.
            let (coef, fs) = factors(arg, env);
            if coef.is_one() || fs.is_empty() {
                return None;
            }
            let inner = Expr::call(Func::Tr, vec![rebuild_product(BigRational::one(), fs, env)]);
            Some(rebuild_product(coef, vec![inner], env))
        }
        Func::Exp | Func::Cos if arg.is_zero() && scalar => Some(Expr::int(1)),
        Func::Log if arg.is_one() => Some(Expr::int(0)),
        _ => None,
    }
}
