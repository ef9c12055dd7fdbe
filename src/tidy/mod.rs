//! A small normalising pass that makes derived results readable: exact
//! constant folding, zeros and unit factors dropped, signs and numeric
//! coefficients moved to the front, like terms merged, double negation and
//! double transposition cancelled, transposes pushed towards the leaves.
//!
//! It is local and terminating: every rule makes the tree smaller or moves a
//! transpose down. The e-graph simplifier replaces it behind [`tidy`].

use crate::ast::{AtZero, BinOp, Dim, Expr, ExprKind, Func, Map, Mark, Shape};
use crate::shape::Env;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

mod chain;
mod journal;
mod powers;
use chain::{chain, entries};
use journal::note;
pub use journal::Tidying;
use powers::{elem_power, general_power, merge_scalar_powers, power};

/// Normalises an expression whose shapes `env` knows.
///
/// ```
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let e = matdiff::parse::parse_expr("C' * (-bar(C) * C') * I + 0").unwrap();
/// assert_eq!(matdiff::tidy::tidy(&e, &model.env).to_string(), "-C' * bar(C) * C'");
/// ```
pub fn tidy(expr: &Expr, env: &Env) -> Expr {
    // One pass can expose a cancellation for the next (`s * t / s` inside a
    // product built in the same pass); a few passes reach the fixed point.
    let mut current = tidy_once(expr, env);
    for _ in 0..3 {
        let next = tidy_once(&current, env);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// [`tidy`], with the rewrites it made, each once, in the order they
/// first fired; `--steps` prints their words.
///
/// ```
/// use matdiff::tidy::Tidying;
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let e = matdiff::parse::parse_expr("(C * A)' * I").unwrap();
/// let (tidied, rewrites) = matdiff::tidy::tidy_explained(&e, &model.env);
/// assert_eq!(tidied.to_string(), "A' * C'");
/// assert_eq!(rewrites, [Tidying::TransposeOfProduct, Tidying::IdentityDropsOut]);
/// ```
pub fn tidy_explained(expr: &Expr, env: &Env) -> (Expr, Vec<Tidying>) {
    journal::journaled(|| tidy(expr, env))
}

/// The words of a step that tidied: "simplify", then what it did.
///
/// ```
/// use matdiff::tidy::{words, Tidying};
/// assert_eq!(words(&[]), "simplify");
/// assert_eq!(words(&[Tidying::FirstPower]), "simplify: M¹ = M");
/// ```
pub fn words(rewrites: &[Tidying]) -> String {
    if rewrites.is_empty() {
        return "simplify".to_string();
    }
    let said: Vec<&str> = rewrites.iter().map(|r| r.words()).collect();
    format!("simplify: {}", said.join("; "))
}

fn tidy_once(expr: &Expr, env: &Env) -> Expr {
    // A sum or product is flattened whole by `node`, so its operands are
    // tidied but its partial sums and products are not: a long sum nested
    // to the left would otherwise rebuild all its terms at every level.
    let children_done = match &expr.kind {
        ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => {
            map_operands(expr, &|e| is_sum(e), &mut |c| tidy_once(c, env))
        }
        ExprKind::Binary(BinOp::Mul, _, _) => {
            map_operands(expr, &|e| is_product(e), &mut |c| tidy_once(c, env))
        }
        _ => expr.map_children(&mut |c| tidy_once(c, env)),
    };
    if let Some(value) = of_zero_matrix(expr, &children_done, env) {
        return value;
    }
    node(children_done, env)
}

/// A zero matrix tidies to the number 0, which takes its size from context;
/// where a function maps 0 to something else (`exp(A - A)`,
/// `(A - A) .^ 0`, `sigmoid(A - A)`), the value is a matrix of the
/// argument's shape — ones, or f(0) times ones — not the number f(0).
fn of_zero_matrix(original: &Expr, tidied: &Expr, env: &Env) -> Option<Expr> {
    let (argument, zero, func) = match (&original.kind, &tidied.kind) {
        (ExprKind::ElemPower(a, k), ExprKind::ElemPower(b, _)) if k.is_zero() => (&**a, &**b, None),
        (ExprKind::Call(func @ Func::Map(map), a), ExprKind::Call(_, b))
            if map.spec().at_zero != AtZero::Zero && a.len() == 1 =>
        {
            (&a[0], &b[0], Some(*func))
        }
        _ => return None,
    };
    let shape = env.shape(argument);
    if !zero.is_zero() || shape.is_scalar() {
        return None;
    }
    let ones = Expr::new(ExprKind::Ones(Some(shape)));
    Some(match func {
        Some(func) if !func.is_one_at_zero() => Expr::mul(value_at_zero(func), ones),
        _ => ones,
    })
}

/// f(0) as a scalar expression: its exact value where one can be written
/// without f (a bare `0` inside `f(0) * ones` could be read as a zero
/// matrix of any size, which changes the product).
fn value_at_zero(func: Func) -> Expr {
    let ratio = |n: i64, d: i64| Expr::num(BigRational::new(n.into(), d.into()));
    match func {
        // σ(0) = 1/2, softplus(0) = log 2, acos(0) = π/2 = 2 atan(1).
        Func::Map(Map::Sigmoid) => ratio(1, 2),
        Func::Map(Map::Softplus) => Expr::call(Func::Map(Map::Log), vec![Expr::int(2)]),
        Func::Map(Map::Acos) => Expr::mul(
            Expr::int(2),
            Expr::call(Func::Map(Map::Atan), vec![Expr::int(1)]),
        ),
        _ => Expr::call(func, vec![Expr::int(0)]),
    }
}

fn is_sum(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _)
    )
}

fn is_product(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Binary(BinOp::Mul, _, _))
}

/// `expr` with `f` applied to the operands of the nested operations that
/// `inside` accepts, keeping those operations as they are.
fn map_operands(
    expr: &Expr,
    inside: &dyn Fn(&Expr) -> bool,
    f: &mut dyn FnMut(&Expr) -> Expr,
) -> Expr {
    if inside(expr) {
        expr.map_children(&mut |c| map_operands(c, inside, f))
    } else {
        f(expr)
    }
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
        ExprKind::Binary(BinOp::Pow | BinOp::EPow, a, t) => general_power(a, t, env),
        ExprKind::Transpose(inner) => transpose(inner, env),
        ExprKind::Power(base, k) => power(base, *k, env),
        ExprKind::ElemPower(base, k) => elem_power(base, k, env),
        ExprKind::Call(func, args) => call(*func, args, env).unwrap_or(expr),
        // The 1×1 identity and 1×1 ones are the number 1 (`kron` of a
        // vector's columns makes `ones(1)` for the unit dimension).
        ExprKind::Identity(Some(Dim::One)) => Expr::int(1),
        ExprKind::Ones(Some(shape)) if shape.is_scalar() => Expr::int(1),
        _ => expr,
    }
}

/// A sum as signed terms: (coefficient, term without numeric factor), with
/// `None` standing for the constant term.
type Terms = Vec<(BigRational, Option<Expr>)>;

/// Terms being collected, with an index to find like terms in a long sum.
#[derive(Default)]
struct Collected {
    terms: Terms,
    index: std::collections::HashMap<Option<Expr>, usize>,
}

fn terms(expr: &Expr, env: &Env) -> Terms {
    let mut out = Collected::default();
    collect_terms(expr, BigRational::one(), &mut out, env);
    out.terms
}

fn collect_terms(expr: &Expr, sign: BigRational, out: &mut Collected, env: &Env) {
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
                note(Tidying::ZeroDropsOut);
                return;
            }
            let term =
                (!factors.is_empty()).then(|| rebuild_product(BigRational::one(), factors, env));
            match out.index.get(&term) {
                Some(&i) => {
                    out.terms[i].0 += coef;
                    note(if out.terms[i].0.is_zero() {
                        Tidying::TermsCancel
                    } else {
                        Tidying::LikeTerms
                    });
                }
                None => {
                    out.index.insert(term.clone(), out.terms.len());
                    out.terms.push((coef, term));
                }
            }
        }
    }
}

fn rebuild_sum(terms: Terms, env: &Env) -> Expr {
    let mut terms: Terms = terms.into_iter().filter(|(c, _)| !c.is_zero()).collect();
    // `b - a`, not `-a + b`: a leading minus costs a negation.
    if terms.first().is_some_and(|(c, _)| c.is_negative()) {
        if let Some(i) = terms.iter().position(|(c, _)| c.is_positive()) {
            let positive = terms.remove(i);
            terms.insert(0, positive);
        }
    }
    let mut result: Option<Expr> = None;
    for (coef, term) in terms {
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
        if !out.is_empty() {
            note(Tidying::ZeroDropsOut);
        }
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
                    note(Tidying::ScalarCancels);
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
        out.push(chain(BigRational::one(), factors, env));
    }
}

/// `I` next to a matrix is dropped; `s * I` keeps it.
fn drop_identities(factors: &mut Vec<Expr>, env: &Env) {
    let has_matrix = factors
        .iter()
        .any(|f| !matches!(f.kind, ExprKind::Identity(_)) && !env.shape(f).is_scalar());
    let identities = |fs: &[Expr]| {
        fs.iter()
            .filter(|f| matches!(f.kind, ExprKind::Identity(_)))
            .count()
    };
    let before = identities(factors);
    if has_matrix {
        factors.retain(|f| !matches!(f.kind, ExprKind::Identity(_)));
    } else if before > 1 {
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
    if identities(factors) < before {
        note(Tidying::IdentityDropsOut);
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
    let mut rest = factors.into_iter();
    while let Some(factor) = rest.next() {
        match factor.kind {
            ExprKind::Binary(BinOp::Div, a, b) => {
                let (c, fa) = crate::tidy::factors(&a, env);
                numerator.extend(fa);
                // A number in the divisor joins the coefficient:
                // 2 / (2 * s) is 1 / s.
                let (cb, fb) = crate::tidy::factors(&b, env);
                let c = if !cb.is_one() && !cb.is_zero() && !fb.is_empty() {
                    denominators.push(rebuild_product(BigRational::one(), fb, env));
                    c / cb
                } else {
                    denominators.push(*b);
                    c
                };
                if !c.is_one() {
                    // The factors not yet met go along: dropping them
                    // lost `/ b^2` from `inv(2 * a) / b^2`.
                    return rebuild_product(
                        coef * c,
                        numerator
                            .into_iter()
                            .chain(
                                denominators
                                    .into_iter()
                                    .map(|d| Expr::binary(BinOp::Div, Expr::int(1), d)),
                            )
                            .chain(rest)
                            .collect(),
                        env,
                    );
                }
            }
            _ => numerator.push(factor),
        }
    }
    merge_scalar_powers(&mut numerator, &mut denominators, env);
    if denominators.is_empty() {
        return chain(coef, numerator, env);
    }
    let denominator = denominators
        .into_iter()
        .reduce(Expr::mul)
        .expect("at least one denominator");
    // Divide the scalar part, `s / d * b`, when there is one: cheaper than
    // dividing the whole product.
    let (scalars, matrices): (Vec<Expr>, Vec<Expr>) = numerator
        .into_iter()
        .partition(|f| env.shape(f).is_scalar());
    if !scalars.is_empty() && !matrices.is_empty() {
        let quotient = Expr::binary(
            BinOp::Div,
            chain(BigRational::one(), scalars, env),
            denominator,
        );
        let mut factors = vec![quotient];
        factors.extend(matrices);
        return chain(coef, factors, env);
    }
    let magnitude = coef.abs();
    // A coefficient joins the divisor, `c / d * M`, rather than scaling
    // the quotient, `c * (M / d)`: one division instead of one per entry.
    if scalars.is_empty() && !matrices.is_empty() && !magnitude.is_one() {
        let quotient = Expr::binary(BinOp::Div, Expr::num(coef), denominator);
        let mut factors = vec![quotient];
        factors.extend(matrices);
        return chain(BigRational::one(), factors, env);
    }
    // A product larger than one of its factors is divided through that
    // factor, `x / s * x'`: n divisions where `x * x' / s` makes n².
    let mut matrices = matrices;
    if scalars.is_empty() && matrices.len() > 1 {
        let product = matrices
            .iter()
            .skip(1)
            .try_fold(env.shape(&matrices[0]), |acc, m| acc.times(&env.shape(m)));
        let (smallest, smallest_entries) = matrices
            .iter()
            .map(|m| entries(&env.shape(m)))
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (i, e)| if e < best.1 { (i, e) } else { best },
            );
        if product.is_some_and(|p| entries(&p) > smallest_entries) {
            let factor = matrices[smallest].clone();
            matrices[smallest] = Expr::binary(BinOp::Div, factor, denominator);
            return chain(coef, matrices, env);
        }
    }
    let numerator: Vec<Expr> = scalars.into_iter().chain(matrices).collect();
    let numerator = chain(
        if coef.is_negative() {
            -BigRational::one()
        } else {
            BigRational::one()
        },
        numerator,
        env,
    );
    let quotient = Expr::binary(BinOp::Div, numerator, denominator);
    if magnitude.is_one() {
        quotient
    } else {
        Expr::mul(Expr::num(magnitude), quotient)
    }
}

fn transpose(inner: &Expr, env: &Env) -> Expr {
    if env.shape(inner).is_scalar() {
        return inner.clone();
    }
    let t = |e: &Expr| node(Expr::transpose(e.clone()), env);
    match &inner.kind {
        ExprKind::Transpose(a) => {
            note(Tidying::DoubleTranspose);
            (**a).clone()
        }
        ExprKind::Identity(_) => inner.clone(),
        ExprKind::Ones(shape) => Expr::new(ExprKind::Ones(shape.as_ref().map(|s| s.transposed()))),
        ExprKind::Var(name)
            if env.is_symmetric(name) && name.marks.iter().all(|m| *m == Mark::Dot) =>
        {
            note(Tidying::SymmetricTranspose);
            inner.clone()
        }
        ExprKind::Neg(_) | ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => {
            if !matches!(inner.kind, ExprKind::Neg(_)) {
                note(Tidying::TransposeOfSum);
            }
            let terms = terms(inner, env)
                .into_iter()
                .map(|(c, term)| (c, term.map(|e| t(&e))))
                .collect();
            rebuild_sum(terms, env)
        }
        ExprKind::Binary(BinOp::Mul | BinOp::Div, _, _) => {
            let (coef, factors) = factors(inner, env);
            if factors.len() > 1 {
                note(Tidying::TransposeOfProduct);
            }
            let reversed = factors.iter().rev().map(t).collect();
            rebuild_product(coef, reversed, env)
        }
        ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
            node(Expr::binary(*op, t(a), t(b)), env)
        }
        // diag(x) is a symmetric matrix; diag(A) is a column vector.
        ExprKind::Call(Func::Diag, _) if env.shape(inner).is_square() => inner.clone(),
        _ => Expr::transpose(inner.clone()),
    }
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
        // s ⊘ 𝟙 is s broadcast over 𝟙's shape, not the scalar s.
        if sa.is_scalar() {
            return node(Expr::mul(a.clone(), b.clone()), env);
        }
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
    let zero_at_zero = match func {
        Func::Tr
        | Func::Sum
        | Func::Norm
        | Func::Norm1
        | Func::Diag
        | Func::Inner
        | Func::Vec
        | Func::Kron => true,
        Func::Map(map) => map.spec().at_zero == AtZero::Zero,
        Func::Inv | Func::Det | Func::Logdet | Func::Logsumexp | Func::Softmax | Func::Solve => {
            false
        }
    };
    if arg.is_zero() && zero_at_zero {
        return Some(Expr::int(0));
    }
    if matches!(func, Func::Inner | Func::Solve | Func::Kron) && args[1].is_zero() {
        return Some(Expr::int(0));
    }
    match func {
        Func::Solve if scalar => Some(node(
            Expr::binary(BinOp::Div, args[1].clone(), arg.clone()),
            env,
        )),
        Func::Solve if matches!(arg.kind, ExprKind::Identity(_)) => Some(args[1].clone()),
        // A sign or scalar factor of the right side comes out (the same
        // flops), so that solves against one right side are one solve.
        Func::Solve => match &args[1].kind {
            ExprKind::Neg(b) => Some(node(Expr::neg(solve(arg, b)), env)),
            ExprKind::Binary(BinOp::Mul, c, b) if env.shape(c).is_scalar() => {
                Some(node(Expr::mul((**c).clone(), solve(arg, b)), env))
            }
            _ => None,
        },
        // A scalar factor of a Kronecker product scales the other.
        Func::Kron if scalar || env.shape(&args[1]).is_scalar() => {
            Some(node(Expr::mul(arg.clone(), args[1].clone()), env))
        }
        // A column is its own vec; a row's is its transpose.
        Func::Vec if env.shape(arg).cols == Dim::One => Some(arg.clone()),
        Func::Vec if unvec_of(arg).is_some() => unvec_of(arg),
        Func::Vec if env.shape(arg).rows == Dim::One => {
            Some(node(Expr::transpose(arg.clone()), env))
        }
        Func::Tr | Func::Sum | Func::Diag if scalar => Some(arg.clone()),
        // diag(s 𝟙) = s I: printed as `diag(s * ones)` it would not read back,
        // since `diag(ones)` alone cannot say whether `ones` is a vector.
        Func::Diag
            if !scalar
                && env.shape(arg).cols == Dim::One
                && !matches!(arg.kind, ExprKind::Ones(_)) =>
        {
            let (coef, mut fs) = factors(arg, env);
            let at = fs
                .iter()
                .position(|f| matches!(f.kind, ExprKind::Ones(_)))?;
            let ones = fs.remove(at);
            if !fs.iter().all(|f| env.shape(f).is_scalar()) {
                return None;
            }
            fs.push(call(Func::Diag, std::slice::from_ref(&ones), env)?);
            Some(rebuild_product(coef, fs, env))
        }
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
            // Tidied as a quotient, as every node is: left raw, a sign or
            // a divisor above it lost its number (`-inv(2 * a)` read
            // `-1 / a`).
            _ if scalar => Some(node(
                Expr::binary(BinOp::Div, Expr::int(1), arg.clone()),
                env,
            )),
            _ => None,
        },
        Func::Det if scalar => Some(arg.clone()),
        Func::Tr => {
            // Trace is linear: numeric factors and signs come out.
            let (coef, fs) = factors(arg, env);
            if coef.is_one() || fs.is_empty() {
                return None;
            }
            note(if coef == -BigRational::one() {
                Tidying::SignOutOfTrace
            } else {
                Tidying::ConstantOutOfTrace
            });
            let inner = Expr::call(Func::Tr, vec![rebuild_product(BigRational::one(), fs, env)]);
            Some(rebuild_product(coef, vec![inner], env))
        }
        func if func.is_one_at_zero() && arg.is_zero() && scalar => Some(Expr::int(1)),
        Func::Map(Map::Log) if arg.is_one() => Some(Expr::int(0)),
        _ => None,
    }
}

/// g when `e` is the matrix reverse mode writes for the column g reshaped
/// to m×n, kron(𝟙ₙᵀ, Iₘ) (g 𝟙ₙᵀ ⊙ kron(Iₙ, 𝟙ₘ)), its sizes agreeing, so
/// that vec of it is g again.
fn solve(a: &Expr, b: &Expr) -> Expr {
    Expr::call(Func::Solve, vec![a.clone(), b.clone()])
}

fn unvec_of(e: &Expr) -> Option<Expr> {
    let ones = |e: &Expr| match &e.kind {
        ExprKind::Ones(Some(shape)) => Some(shape.clone()),
        _ => None,
    };
    let identity = |e: &Expr| match &e.kind {
        ExprKind::Identity(Some(d)) => Some(d.clone()),
        _ => None,
    };
    let kron_args = |e: &Expr| match &e.kind {
        ExprKind::Call(Func::Kron, args) => Some((args[0].clone(), args[1].clone())),
        _ => None,
    };
    let ExprKind::Binary(BinOp::Mul, gather, masked) = &e.kind else {
        return None;
    };
    let (row, rows) = kron_args(gather)?;
    let (row, m) = (ones(&row)?, identity(&rows)?);
    let n = row.cols.clone();
    let ExprKind::Binary(BinOp::EMul, x, y) = &masked.kind else {
        return None;
    };
    for (spread, mask) in [(x, y), (y, x)] {
        let (Some((blocks, column)), ExprKind::Binary(BinOp::Mul, g, spread_row)) =
            (kron_args(mask), &spread.kind)
        else {
            continue;
        };
        let row_of = |s: Shape| (s.rows == Dim::One).then_some(s.cols);
        let column_of = |s: Shape| (s.cols == Dim::One).then_some(s.rows);
        let agree = row.rows == Dim::One
            && identity(&blocks).as_ref() == Some(&n)
            && ones(&column).and_then(column_of).as_ref() == Some(&m)
            && ones(spread_row).and_then(row_of).as_ref() == Some(&n);
        if agree {
            return Some((**g).clone());
        }
    }
    None
}
