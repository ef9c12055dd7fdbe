//! Numerical evaluation of expressions with nalgebra, used to check
//! symbolic derivatives against finite differences.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name, Span};
use num_rational::BigRational;
use num_traits::ToPrimitive;
use std::collections::HashMap;
use std::fmt;

/// A dense matrix of `f64`; scalars are 1×1.
///
/// ```
/// let m = matdiff::eval::Matrix::identity(2, 2);
/// assert_eq!(m[(1, 1)], 1.0);
/// ```
pub type Matrix = nalgebra::DMatrix<f64>;

/// What kind of problem stopped an evaluation.
///
/// ```
/// use matdiff::eval::Problem;
/// assert!(Problem::Singular.depends_on_values());
/// assert!(!Problem::Structure.depends_on_values());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Problem {
    /// A matrix to invert (by `inv`, `logdet` or a negative power) is
    /// singular, or so nearly that the result would be rounding noise.
    Singular,
    /// `log` of a negative number or zero; `sqrt` or a fractional power of
    /// a negative number.
    Domain,
    /// Division by zero: by `/`, `./`, or a negative power of zero.
    DivisionByZero,
    /// A result too large for a floating-point number (beyond about 1.8e308).
    Overflow,
    /// A value given for a variable is NaN or infinite.
    NotFinite,
    /// Shapes, names or sizes that do not fit: the expression cannot be
    /// evaluated at any values.
    Structure,
}

impl Problem {
    /// True when other values might avoid the problem (a singular or
    /// negative draw), false when the expression itself is at fault.
    ///
    /// ```
    /// assert!(matdiff::eval::Problem::Overflow.depends_on_values());
    /// ```
    pub fn depends_on_values(self) -> bool {
        self != Problem::Structure
    }
}

/// Why an expression could not be evaluated.
///
/// ```
/// use matdiff::eval::{EvalError, Problem};
/// let e = EvalError { message: "matrix is singular".into(), problem: Problem::Singular, span: None };
/// assert_eq!(e.to_string(), "matrix is singular");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EvalError {
    /// What went wrong, in plain words, naming the operation.
    pub message: String,
    /// The kind of problem.
    pub problem: Problem,
    /// The written sub-expression it happened in, when the expression came
    /// from the program text (derived expressions have no place).
    pub span: Option<Span>,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// Values of the variables (inputs, tangents `dot(X)`, adjoints `bar(X)`)
/// keyed by name; scalars are 1×1.
///
/// ```
/// use matdiff::ast::Name;
/// use matdiff::eval::{Matrix, Values};
/// let mut values = Values::new();
/// values.insert(Name::plain("x").dot(), Matrix::zeros(3, 1));
/// assert_eq!(values.len(), 1);
/// ```
pub type Values = HashMap<Name, Matrix>;

/// Beyond this a size is surely a mistake, and allocating it could exhaust memory.
const MAX_SIZE: usize = 10_000;

/// Returns an error the expression is at fault for, whatever the values.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(EvalError { message: format!($($arg)*), problem: Problem::Structure, span: None })
    };
}

/// Returns an error of the values at hand.
macro_rules! fail {
    ($problem:expr, $($arg:tt)*) => {
        return Err(EvalError { message: format!($($arg)*), problem: $problem, span: None })
    };
}

/// Evaluates `expr`. `size` resolves named dimensions; `Dim::One` is 1 and
/// `Dim::Size(k)` is k without asking it.
///
/// The result is always finite. Where a value would be NaN or infinite — a
/// singular matrix inverted, `log` or `sqrt` of a negative entry, a division
/// by zero, an overflow — the evaluation stops with an [`EvalError`] that
/// names the operation and points at the written sub-expression it
/// happened in.
///
/// ```
/// use matdiff::ast::{Expr, Func, Name};
/// use matdiff::eval::{eval, Matrix, Problem, Values};
/// let mut values = Values::new();
/// values.insert(Name::plain("A"), Matrix::from_row_slice(2, 2, &[4.0, 7.0, 2.0, 6.0]));
/// let det = eval(&Expr::call(Func::Det, vec![Expr::var("A")]), &values, &|_| 2).unwrap();
/// assert!((det[(0, 0)] - 10.0).abs() < 1e-12);
/// assert!(eval(&Expr::var("B"), &values, &|_| 2).is_err());
/// let singular = Expr::call(Func::Inv, vec![Expr::sub(Expr::var("A"), Expr::var("A"))]);
/// let err = eval(&singular, &values, &|_| 2).unwrap_err();
/// assert_eq!(err.problem, Problem::Singular);
/// assert!(err.message.contains("singular"));
/// ```
pub fn eval(
    expr: &Expr,
    values: &Values,
    size: &dyn Fn(&Dim) -> usize,
) -> Result<Matrix, EvalError> {
    let placed = |mut e: EvalError| {
        if e.span.is_none() && expr.span.end > expr.span.start {
            e.span = Some(expr.span);
        }
        e
    };
    let value = eval_node(expr, values, size).map_err(placed)?;
    if value.iter().all(|x| x.is_finite()) {
        Ok(value)
    } else {
        Err(placed(not_finite(expr)))
    }
}

/// The error for a node whose value came out NaN or infinite although its
/// operands were finite and passed the operation's own checks.
fn not_finite(expr: &Expr) -> EvalError {
    let (problem, message) = match &expr.kind {
        ExprKind::Var(name) => (
            Problem::NotFinite,
            format!("the value given for `{name}` is not a finite number"),
        ),
        ExprKind::Num(r) => (
            Problem::Overflow,
            format!(
                "the number {} is too large for a floating-point number",
                clip(&r.to_string())
            ),
        ),
        _ => (
            Problem::Overflow,
            format!(
                "{} overflows: a value beyond ±1.8e308, the largest floating-point number",
                show(expr)
            ),
        ),
    };
    EvalError {
        message,
        problem,
        span: None,
    }
}

/// Beyond this many characters an expression in a message is cut short.
const SHOWN: usize = 60;

fn clip(text: &str) -> String {
    if text.chars().count() <= SHOWN {
        text.to_string()
    } else {
        let head: String = text.chars().take(SHOWN - 1).collect();
        format!("{head}…")
    }
}

/// An expression for a message: `` `x - 2 * ones` ``, cut short if long.
fn show(expr: &Expr) -> String {
    format!("`{}`", clip(&expr.to_string()))
}

/// A number for a message: `-0.7312`, `0`, `1.5e-12`.
fn number(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if (1e-3..1e6).contains(&x.abs()) {
        let text = format!("{x:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.3e}")
    }
}

/// "is 0" for a scalar, "has an entry 0" otherwise.
fn has(m: &Matrix, x: f64) -> String {
    if m.len() == 1 {
        format!("is {}", number(x))
    } else {
        format!("has an entry {}", number(x))
    }
}

fn eval_node(
    expr: &Expr,
    values: &Values,
    size: &dyn Fn(&Dim) -> usize,
) -> Result<Matrix, EvalError> {
    let ev = |e: &Expr| eval(e, values, size);
    let dim = |d: &Dim| dim_size(d, size);
    Ok(match &expr.kind {
        ExprKind::Num(r) => scalar(rational_to_f64(r)?),
        ExprKind::Var(name) => match values.get(name) {
            Some(value) => value.clone(),
            None => bail!("no value for `{name}`"),
        },
        ExprKind::Identity(Some(d)) => Matrix::identity(dim(d)?, dim(d)?),
        ExprKind::Ones(Some(s)) => Matrix::from_element(dim(&s.rows)?, dim(&s.cols)?, 1.0),
        ExprKind::Identity(None) => bail!("the size of I is not known"),
        ExprKind::Ones(None) => bail!("the size of ones is not known"),
        ExprKind::Neg(a) => -ev(a)?,
        ExprKind::Transpose(a) => ev(a)?.transpose(),
        ExprKind::Binary(op, a, b) => binary(*op, ev(a)?, ev(b)?, b)?,
        ExprKind::Power(a, k) => power(ev(a)?, *k, a)?,
        ExprKind::ElemPower(a, r) => {
            let base = ev(a)?;
            let negative_power = *r < BigRational::from_integer(0.into());
            if negative_power && base.iter().any(|x| *x == 0.0) {
                fail!(
                    Problem::DivisionByZero,
                    "division by zero: a negative power `.^ {r}` of {}, which {}",
                    show(a),
                    has(&base, 0.0)
                );
            }
            match r.is_integer().then(|| r.numer().to_i32()) {
                // powi is exact for small integers, and keeps negative bases real.
                Some(Some(k)) => base.map(|x| x.powi(k)),
                _ => {
                    if let Some(x) = base.iter().find(|x| **x < 0.0) {
                        fail!(
                            Problem::Domain,
                            "a fractional power `.^ ({r})` of a negative number: {} {}",
                            show(a),
                            has(&base, *x)
                        );
                    }
                    let p = rational_to_f64(r)?;
                    base.map(|x| x.powf(p))
                }
            }
        }
        ExprKind::Call(func, args) => {
            if args.len() != func.arity() {
                let (name, arity, got) = (func.name(), func.arity(), args.len());
                bail!("`{name}` takes {arity} argument(s), got {got}");
            }
            let values = args.iter().map(ev).collect::<Result<Vec<_>, _>>()?;
            call(*func, values, args)?
        }
    })
}
fn scalar(x: f64) -> Matrix {
    Matrix::from_element(1, 1, x)
}

/// The scalar inside a 1×1 matrix, so scalars can scale or broadcast.
fn as_scalar(m: &Matrix) -> Option<f64> {
    (m.shape() == (1, 1)).then(|| m[(0, 0)])
}

fn shape(m: &Matrix) -> String {
    format!("{}×{}", m.nrows(), m.ncols())
}

fn rational_to_f64(r: &BigRational) -> Result<f64, EvalError> {
    // Ratio's own conversion stays accurate when numerator and denominator
    // both overflow f64; dividing converted parts is only a fallback.
    let x = r
        .to_f64()
        .or_else(|| Some(r.numer().to_f64()? / r.denom().to_f64()?));
    match x {
        Some(x) if x.is_finite() => Ok(x),
        _ => fail!(
            Problem::Overflow,
            "the number {} is too large for a floating-point number",
            clip(&r.to_string())
        ),
    }
}

fn dim_size(d: &Dim, size: &dyn Fn(&Dim) -> usize) -> Result<usize, EvalError> {
    let n = match d {
        Dim::One => 1,
        Dim::Size(k) => usize::try_from(*k).unwrap_or(usize::MAX),
        Dim::Named(_) => size(d),
        Dim::Product(_) => d.size_with(size),
    };
    if n > MAX_SIZE {
        bail!("the size {d} = {n} is too large (at most {MAX_SIZE})");
    }
    Ok(n)
}

/// `a op b`; `divisor` is the expression `b` came from, for a message.
fn binary(op: BinOp, a: Matrix, b: Matrix, divisor: &Expr) -> Result<Matrix, EvalError> {
    let (sa, sb) = (as_scalar(&a), as_scalar(&b));
    let by_zero = |b: &Matrix| {
        if b.iter().any(|x| *x == 0.0) {
            fail!(
                Problem::DivisionByZero,
                "division by zero: the divisor {} {}",
                show(divisor),
                has(b, 0.0)
            );
        }
        Ok(())
    };
    Ok(match op {
        BinOp::Add | BinOp::Sub => {
            let sign = if op == BinOp::Sub { -1.0 } else { 1.0 };
            if a.shape() == b.shape() {
                a + b * sign
            } else if sb == Some(0.0) {
                // A literal 0 has no size of its own; it takes the other side's.
                a
            } else if sa == Some(0.0) {
                b * sign
            } else {
                let verb = if sign < 0.0 { "subtract" } else { "add" };
                bail!("cannot {verb} {} and {}", shape(&a), shape(&b))
            }
        }
        BinOp::Mul => match (sa, sb) {
            (Some(s), _) => b * s,
            (_, Some(s)) => a * s,
            _ if a.ncols() == b.nrows() => a * b,
            _ => bail!("cannot multiply {} by {}", shape(&a), shape(&b)),
        },
        BinOp::Div => match sb {
            Some(s) => {
                by_zero(&b)?;
                a / s
            }
            None => bail!(
                "cannot divide {} by {}: it is not a scalar",
                shape(&a),
                shape(&b)
            ),
        },
        BinOp::EMul => elementwise(&a, &b, ".*", |x, y| x * y)?,
        BinOp::EDiv => {
            let result = elementwise(&a, &b, "./", |x, y| x / y)?;
            by_zero(&b)?;
            result
        }
        BinOp::Pow | BinOp::EPow => {
            let Some(t) = sb else {
                bail!("an exponent must be a scalar, not {}", shape(&b))
            };
            if op == BinOp::Pow && sa.is_none() {
                bail!(
                    "`^` with the exponent {t} needs a scalar base, not {}",
                    shape(&a)
                )
            }
            if t < 0.0 && a.iter().any(|x| *x == 0.0) {
                fail!(
                    Problem::DivisionByZero,
                    "division by zero: a negative power {t} of a base that {}",
                    has(&a, 0.0)
                );
            }
            if t.fract() != 0.0 {
                if let Some(x) = a.iter().find(|x| **x < 0.0) {
                    fail!(
                        Problem::Domain,
                        "a fractional power {t} of a negative number: the base {}",
                        has(&a, *x)
                    );
                }
            }
            a.map(|x| x.powf(t))
        }
    })
}

/// Applies `f` entry by entry, broadcasting a 1×1 side over the other.
fn elementwise(
    a: &Matrix,
    b: &Matrix,
    symbol: &str,
    f: impl Fn(f64, f64) -> f64,
) -> Result<Matrix, EvalError> {
    if a.shape() == b.shape() {
        Ok(a.zip_map(b, f))
    } else if let Some(s) = as_scalar(a) {
        Ok(b.map(|y| f(s, y)))
    } else if let Some(s) = as_scalar(b) {
        Ok(a.map(|x| f(x, s)))
    } else {
        bail!("cannot apply `{symbol}` to {} and {}", shape(a), shape(b))
    }
}

fn expect_square(m: &Matrix, what: &str) -> Result<(), EvalError> {
    if !m.is_square() {
        bail!("{what} needs a square matrix, got {}", shape(m));
    }
    Ok(())
}

/// Below this ratio of smallest to largest singular value a matrix counts as
/// singular: its inverse and log-determinant would be mostly rounding error.
const SINGULAR_RATIO: f64 = 1e-10;

/// Iterations allowed the SVD before it is taken not to converge.
const SVD_ITERATIONS: usize = 1_000;

/// Fails with `Problem::Singular` when `m` is singular or nearly so;
/// `doing` says what needed it non-singular ("cannot invert `A - A`").
fn expect_nonsingular(m: &Matrix, doing: impl Fn() -> String) -> Result<(), EvalError> {
    // The evaluator's values are finite, but a caller's need not be: the
    // SVD may not converge on NaN, and panics on an empty matrix.
    if m.is_empty() || m.iter().any(|x| !x.is_finite()) {
        return Ok(());
    }
    let largest_entry = m.amax();
    let singular = largest_entry == 0.0 || {
        // Scaled to entries at most 1, so the SVD cannot overflow; the
        // ratio of singular values does not change.
        let svd = (m / largest_entry).try_svd(false, false, f64::EPSILON, SVD_ITERATIONS);
        match svd {
            Some(svd) => {
                let values = svd.singular_values;
                let largest = values.max();
                largest == 0.0 || values.min() <= SINGULAR_RATIO * largest
            }
            // Too badly conditioned to decide: no result worth having.
            None => true,
        }
    };
    if singular {
        fail!(
            Problem::Singular,
            "{}: it is singular (or nearly so)",
            doing()
        );
    }
    Ok(())
}

/// The inverse of `m`, the value of `arg`.
fn inverse(m: Matrix, arg: &Expr) -> Result<Matrix, EvalError> {
    expect_square(&m, "inv")?;
    let doing = || format!("cannot invert {}", show(arg));
    expect_nonsingular(&m, doing)?;
    match m.try_inverse() {
        Some(inv) => Ok(inv),
        None => fail!(Problem::Singular, "{}: it is singular", doing()),
    }
}

/// `a \\ b` by an LU factorisation, `a` the value of `arg`; a 1×1 `a` is a
/// scalar divisor.
fn solve(a: Matrix, b: Matrix, arg: &Expr) -> Result<Matrix, EvalError> {
    if a.shape() == (1, 1) {
        if a[(0, 0)] == 0.0 {
            fail!(
                Problem::Singular,
                "cannot solve with {}: it is zero",
                show(arg)
            );
        }
        return Ok(b / a[(0, 0)]);
    }
    expect_square(&a, "solve")?;
    if a.nrows() != b.nrows() {
        bail!(
            "`solve` of {} and {}: row counts differ",
            shape(&a),
            shape(&b)
        );
    }
    let doing = || format!("cannot solve with {}", show(arg));
    expect_nonsingular(&a, doing)?;
    match a.lu().solve(&b) {
        Some(x) => Ok(x),
        None => fail!(Problem::Singular, "{}: it is singular", doing()),
    }
}

/// `a^k`, `a` the value of `base`.
fn power(a: Matrix, k: i64, base: &Expr) -> Result<Matrix, EvalError> {
    expect_square(&a, "a matrix power")?;
    let mut base = if k < 0 {
        expect_square(&a, "inv")?;
        let doing = || format!("cannot raise {} to the power {k}", show(base));
        expect_nonsingular(&a, doing)?;
        match a.try_inverse() {
            Some(inv) => inv,
            None => fail!(Problem::Singular, "{}: it is singular", doing()),
        }
    } else {
        a
    };
    let mut result = Matrix::identity(base.nrows(), base.ncols());
    // unsigned_abs, because -i64::MIN does not fit in an i64.
    let mut k = k.unsigned_abs();
    while k > 0 {
        if k & 1 == 1 {
            result = &result * &base;
        }
        k >>= 1;
        // Once infinite, always so: stop rather than square 63 times.
        if result.iter().any(|x| !x.is_finite()) {
            break;
        }
        if k > 0 {
            base = &base * &base;
        }
    }
    Ok(result)
}

/// `func` applied to `args`, the values of the expressions `exprs`.
fn call(func: Func, args: Vec<Matrix>, exprs: &[Expr]) -> Result<Matrix, EvalError> {
    let mut args = args.into_iter();
    let (Some(a), b) = (args.next(), args.next()) else {
        bail!("`{}` needs an argument", func.name());
    };
    let arg = &exprs[0];
    Ok(match (func, b) {
        (Func::Inv, _) => inverse(a, arg)?,
        (Func::Tr, _) => {
            expect_square(&a, "tr")?;
            scalar(a.trace())
        }
        (Func::Det, _) => {
            expect_square(&a, "det")?;
            scalar(a.lu().determinant())
        }
        (Func::Logdet, _) => {
            expect_square(&a, "logdet")?;
            let doing = || format!("cannot take `logdet` of {}", show(arg));
            expect_nonsingular(&a, doing)?;
            // log |det| as a sum of logs of the pivots: no overflow where
            // the determinant itself would leave floating point.
            let lu = a.lu();
            let pivots = lu.u().diagonal();
            if pivots.iter().any(|u| *u == 0.0) {
                fail!(Problem::Singular, "{}: it is singular", doing());
            }
            scalar(pivots.iter().map(|u| u.abs().ln()).sum())
        }
        (Func::Inner, Some(b)) if b.shape() == a.shape() => scalar(a.dot(&b)),
        (Func::Inner, Some(b)) => {
            bail!("`inner` of {} and {}: shapes differ", shape(&a), shape(&b))
        }
        (Func::Inner | Func::Solve, None) => bail!("`{}` needs two arguments", func.name()),
        (Func::Solve, Some(b)) => solve(a, b, arg)?,
        (Func::Kron, None) => bail!("`kron` needs two arguments"),
        (Func::Kron, Some(b)) => {
            if a.len().saturating_mul(b.len()) > MAX_SIZE * MAX_SIZE {
                bail!("kron of {} and {} is too large", shape(&a), shape(&b));
            }
            a.kronecker(&b)
        }
        // nalgebra stores by columns: its entries in order are vec(A).
        (Func::Vec, _) => Matrix::from_iterator(a.len(), 1, a.iter().copied()),
        (Func::Sum, _) => scalar(a.sum()),
        (Func::Norm, _) => scalar(norm(&a)),
        (Func::Norm1, _) => scalar(a.iter().map(|x| x.abs()).sum()),
        (Func::Logsumexp, _) => scalar(logsumexp(&a)),
        (Func::Softmax, _) => {
            let shift = logsumexp(&a);
            a.map(|x| (x - shift).exp())
        }
        (Func::Diag, _) => diag(a)?,
        (Func::Map(map), _) => {
            let spec = map.spec();
            if let Some(x) = a.iter().find(|x| !spec.domain.admits(**x)) {
                let what = spec.domain.outside(*x);
                fail!(
                    Problem::Domain,
                    "`{}` of {what}: {} {}",
                    spec.name,
                    show(arg),
                    has(&a, *x)
                );
            }
            a.map(spec.value)
        }
    })
}

/// The Euclidean (Frobenius) norm, scaled so squares of large entries do
/// not overflow where the norm itself is representable.
fn norm(a: &Matrix) -> f64 {
    let largest = a.amax();
    if largest == 0.0 || !largest.is_finite() {
        return a.norm();
    }
    (a / largest).norm() * largest
}

/// log Σ exp(aᵢ), shifted by the largest entry so that no exp overflows
/// (and softmax, exp(a − logsumexp a), has no entry above 1).
fn logsumexp(a: &Matrix) -> f64 {
    let largest = a.max();
    if !largest.is_finite() {
        return largest;
    }
    largest + a.iter().map(|x| (x - largest).exp()).sum::<f64>().ln()
}

/// `diag` goes both ways: a vector becomes a diagonal matrix, a square
/// matrix gives up its diagonal as a column.
fn diag(a: Matrix) -> Result<Matrix, EvalError> {
    let (rows, cols) = a.shape();
    if rows == 1 && cols == 1 {
        Ok(a)
    } else if rows == 1 || cols == 1 {
        if a.len() > MAX_SIZE {
            bail!("diag of a {} vector is too large", shape(&a));
        }
        let entries = nalgebra::DVector::from_iterator(a.len(), a.iter().copied());
        Ok(Matrix::from_diagonal(&entries))
    } else if rows == cols {
        Ok(Matrix::from_iterator(rows, 1, a.diagonal().iter().copied()))
    } else {
        bail!("diag needs a vector or a square matrix, got {}", shape(&a))
    }
}

#[cfg(test)]
mod tests;
