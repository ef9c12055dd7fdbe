//! Numerical evaluation of expressions with nalgebra, used to check
//! symbolic derivatives against finite differences.

use crate::ast::{BinOp, Dim, Domain, Expr, ExprKind, Func, Name, Span};
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
        (Func::Inner, None) => bail!("`inner` needs two arguments"),
        (Func::Sum, _) => scalar(a.sum()),
        (Func::Norm, _) => scalar(norm(&a)),
        (Func::Diag, _) => diag(a)?,
        (Func::Map(map), _) => {
            let spec = map.spec();
            let outside = match spec.domain {
                Domain::Everywhere => None,
                Domain::Positive => a.iter().find(|x| **x <= 0.0),
                Domain::NonNegative => a.iter().find(|x| **x < 0.0),
            };
            if let Some(x) = outside {
                let what = if *x == 0.0 {
                    "zero"
                } else {
                    "a negative number"
                };
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
mod tests {
    use super::*;
    use crate::ast::Map;
    use crate::ast::Shape;

    /// A matrix written row by row: `"1 2; 3 4"`.
    fn mat(text: &str) -> Matrix {
        let rows: Vec<Vec<f64>> = (text.split(';'))
            .map(|row| row.split_whitespace().map(|x| x.parse().unwrap()).collect())
            .collect();
        Matrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
    }

    fn values(pairs: Vec<(&str, Matrix)>) -> Values {
        pairs
            .into_iter()
            .map(|(n, v)| (Name::plain(n), v))
            .collect()
    }

    /// A has det 10, S is singular, x is a column, s a scalar.
    fn run(e: &Expr) -> Result<Matrix, EvalError> {
        let env = values(vec![
            ("A", mat("4 7; 2 6")),
            ("S", mat("1 2; 2 4")),
            ("B", mat("1 2 3; 4 5 6")),
            ("x", mat("1; -2")),
            ("s", mat("3")),
        ]);
        eval(e, &env, &|_| 2)
    }

    fn check(e: Expr, want: Matrix) {
        let got = run(&e).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(got.shape(), want.shape(), "{e:?}");
        assert!((got - want).amax() < 1e-9, "{e:?}");
    }

    fn err(e: Expr) -> String {
        run(&e).expect_err("expected an error").message
    }

    fn v(name: &str) -> Expr {
        Expr::var(name)
    }

    fn f(func: Func, arg: Expr) -> Expr {
        Expr::call(func, vec![arg])
    }

    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::binary(op, a, b)
    }

    fn pow(a: Expr, k: i64) -> Expr {
        Expr::new(ExprKind::Power(Box::new(a), k))
    }

    fn epow(a: Expr, p: i64, q: i64) -> Expr {
        Expr::new(ExprKind::ElemPower(
            Box::new(a),
            BigRational::new(p.into(), q.into()),
        ))
    }

    #[test]
    fn products_and_transposes() {
        check(Expr::mul(v("A"), v("B")), mat("32 43 54; 26 34 42"));
        check(Expr::mul(v("A"), v("x")), mat("-10; -10"));
        check(Expr::mul(v("s"), v("A")), mat("12 21; 6 18"));
        check(Expr::mul(v("A"), v("s")), mat("12 21; 6 18"));
        check(bin(BinOp::Div, v("A"), Expr::int(2)), mat("2 3.5; 1 3"));
        check(Expr::transpose(v("x")), mat("1 -2"));
        let xt_a = Expr::mul(Expr::transpose(v("x")), v("A"));
        check(Expr::mul(xt_a, v("x")), mat("10"));
        check(Expr::neg(v("x")), mat("-1; 2"));
    }

    #[test]
    fn inverse_and_powers() {
        check(Expr::mul(v("A"), f(Func::Inv, v("A"))), mat("1 0; 0 1"));
        check(Expr::mul(pow(v("A"), -3), pow(v("A"), 3)), mat("1 0; 0 1"));
        check(pow(v("A"), 0), mat("1 0; 0 1"));
        check(pow(v("A"), 2), mat("30 70; 20 50"));
        let named = Dim::Named("n".into());
        check(Expr::new(ExprKind::Identity(Some(named))), mat("1 0; 0 1"));
    }

    #[test]
    fn det_logdet_trace() {
        check(f(Func::Det, v("A")), mat("10"));
        check(f(Func::Logdet, v("A")), scalar(10f64.ln()));
        check(f(Func::Tr, v("A")), mat("10"));
        // A negative determinant still has a logdet, through |det|.
        let ones = Expr::new(ExprKind::Ones(Some(Shape::new(Dim::Size(2), Dim::Size(2)))));
        let swap = Expr::sub(ones, Expr::new(ExprKind::Identity(Some(Dim::Size(2)))));
        check(f(Func::Det, swap.clone()), mat("-1"));
        check(f(Func::Logdet, swap), mat("0"));
    }

    #[test]
    fn diag_both_ways() {
        check(f(Func::Diag, v("x")), mat("1 0; 0 -2"));
        check(f(Func::Diag, Expr::transpose(v("x"))), mat("1 0; 0 -2"));
        check(f(Func::Diag, v("A")), mat("4; 6"));
        check(f(Func::Diag, v("s")), mat("3"));
        assert!(err(f(Func::Diag, v("B"))).contains("2×3"));
    }

    #[test]
    fn reductions() {
        check(Expr::call(Func::Inner, vec![v("A"), v("S")]), mat("46"));
        check(f(Func::Norm, v("x")), scalar(5f64.sqrt()));
        check(f(Func::Norm, v("A")), scalar(105f64.sqrt()));
        check(f(Func::Sum, v("B")), mat("21"));
    }

    #[test]
    fn elementwise_functions() {
        let funcs = [
            Func::Map(Map::Exp),
            Func::Map(Map::Sin),
            Func::Map(Map::Cos),
            Func::Map(Map::Tanh),
            Func::Map(Map::Sqrt),
        ];
        let maps = [f64::exp, f64::sin, f64::cos, f64::tanh, f64::sqrt];
        for (func, g) in funcs.into_iter().zip(maps) {
            check(f(func, v("A")), mat("4 7; 2 6").map(g));
        }
        assert!(err(f(Func::Map(Map::Log), v("x")))
            .contains("`log` of a negative number: `x` has an entry -2"));
        check(epow(v("A"), 1, 2), mat("4 7; 2 6").map(f64::sqrt));
        check(epow(v("x"), 3, 1), mat("1; -8"));
        check(epow(v("x"), -2, 1), mat("1; 0.25"));
        check(bin(BinOp::EMul, v("x"), v("x")), mat("1; 4"));
        check(bin(BinOp::EDiv, Expr::int(2), v("x")), mat("2; -1"));
        check(bin(BinOp::EMul, v("x"), v("s")), mat("3; -6"));
    }

    #[test]
    fn zero_takes_the_other_size() {
        check(Expr::add(v("A"), Expr::int(0)), mat("4 7; 2 6"));
        check(Expr::sub(Expr::int(0), v("x")), mat("-1; 2"));
        assert_eq!(
            err(Expr::add(v("A"), Expr::int(1))),
            "cannot add 2×2 and 1×1"
        );
    }

    #[test]
    fn constants() {
        let ten = num_bigint::BigInt::from(10);
        let huge = BigRational::new(num_traits::pow(ten.clone(), 400), num_traits::pow(ten, 399));
        check(Expr::num(huge), mat("10"));
        check(
            Expr::num(BigRational::new((-3).into(), 4.into())),
            mat("-0.75"),
        );
        assert_eq!(
            err(bin(BinOp::Div, v("s"), Expr::int(0))),
            "division by zero: the divisor `0` is 0"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            err(Expr::sub(v("A"), v("B"))),
            "cannot subtract 2×2 and 2×3"
        );
        assert_eq!(err(Expr::mul(v("B"), v("A"))), "cannot multiply 2×3 by 2×2");
        assert_eq!(
            err(f(Func::Inv, v("S"))),
            "cannot invert `S`: it is singular (or nearly so)"
        );
        assert_eq!(
            err(pow(v("S"), -1)),
            "cannot raise `S` to the power -1: it is singular (or nearly so)"
        );
        assert!(err(f(Func::Det, v("B"))).contains("square matrix, got 2×3"));
        assert!(err(Expr::call(Func::Inner, vec![v("A"), v("B")])).contains("2×2 and 2×3"));
        assert!(err(Expr::call(Func::Inner, vec![v("A")])).contains("takes 2"));
        assert!(err(bin(BinOp::Div, v("A"), v("x"))).contains("not a scalar"));
        assert!(err(bin(BinOp::EMul, v("A"), v("x"))).contains("2×2 and 2×1"));
        assert_eq!(
            err(Expr::name(Name::plain("A").dot())),
            "no value for `dot(A)`"
        );
        assert_eq!(
            err(Expr::new(ExprKind::Identity(None))),
            "the size of I is not known"
        );
        let huge = Expr::new(ExprKind::Identity(Some(Dim::Size(u64::MAX))));
        assert!(err(huge).contains("too large"));
        let named = Expr::new(ExprKind::Identity(Some(Dim::Named("n".into()))));
        assert!(eval(&named, &Values::new(), &|_| 20_000).is_err());
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let env = values(vec![
            ("E", Matrix::zeros(0, 0)),
            ("N", Matrix::from_element(2, 2, f64::NAN)),
            ("R", Matrix::zeros(0, 3)),
        ]);
        for name in ["E", "N", "R"] {
            let mut exprs = vec![Expr::mul(v(name), v(name))];
            exprs.extend(Func::all().map(|func| f(func, v(name))));
            exprs.extend(Func::all().map(|func| Expr::call(func, vec![v(name), v(name)])));
            exprs.extend([i64::MIN, -1, 0, 5, i64::MAX].map(|k| pow(v(name), k)));
            for e in exprs {
                let _ = eval(&e, &env, &|_| 0);
            }
        }
    }

    /// Each way to leave the finite numbers, and the problem it is reported as.
    fn problem(e: Expr) -> (Problem, String) {
        let err = run(&e).expect_err("expected an error");
        (err.problem, err.message)
    }

    #[test]
    fn never_a_nan_or_an_infinity() {
        let x = || v("x");
        let zero_x = || Expr::sub(x(), x());
        let cases = [
            (
                f(Func::Map(Map::Log), zero_x()),
                Problem::Domain,
                "`log` of zero: `x - x` has an entry 0",
            ),
            (
                f(Func::Map(Map::Sqrt), x()),
                Problem::Domain,
                "`sqrt` of a negative number: `x` has an entry -2",
            ),
            (
                epow(x(), 1, 2),
                Problem::Domain,
                "fractional power `.^ (1/2)` of a negative number",
            ),
            (
                epow(zero_x(), -1, 1),
                Problem::DivisionByZero,
                "negative power `.^ -1` of `x - x`",
            ),
            (
                bin(BinOp::EDiv, x(), zero_x()),
                Problem::DivisionByZero,
                "the divisor `x - x` has an entry 0",
            ),
            (
                bin(BinOp::Div, x(), Expr::sub(v("s"), v("s"))),
                Problem::DivisionByZero,
                "`s - s` is 0",
            ),
            (
                f(Func::Logdet, v("S")),
                Problem::Singular,
                "cannot take `logdet` of `S`",
            ),
            (
                f(Func::Inv, Expr::sub(v("A"), v("A"))),
                Problem::Singular,
                "cannot invert `A - A`",
            ),
            (
                f(Func::Map(Map::Exp), Expr::mul(Expr::int(1000), v("A"))),
                Problem::Overflow,
                "`exp(1000 * A)` overflows",
            ),
            (
                pow(Expr::mul(Expr::int(1_000_000), v("A")), 64),
                Problem::Overflow,
                "overflows",
            ),
            (pow(v("A"), i64::MAX), Problem::Overflow, "overflows"),
            (
                Expr::mul(epow(v("s"), 300, 1), epow(v("s"), 400, 1)),
                Problem::Overflow,
                "overflows",
            ),
        ];
        for (e, want, text) in cases {
            let (got, message) = problem(e);
            assert_eq!(got, want, "{message}");
            assert!(message.contains(text), "{message}");
        }
        let env = values(vec![("N", Matrix::from_element(2, 2, f64::NAN))]);
        let err = eval(&v("N"), &env, &|_| 2).unwrap_err();
        assert_eq!(err.problem, Problem::NotFinite);
        assert!(err.message.contains("`N` is not a finite number"));
    }

    #[test]
    fn errors_point_at_the_written_sub_expression() {
        let inner = Expr::sub(v("x"), v("x")).with_span(Span::new(4, 9));
        let e = f(Func::Map(Map::Log), inner).with_span(Span::new(0, 10));
        let outer = Expr::mul(Expr::int(2), e).with_span(Span::new(0, 14));
        let err = run(&outer).unwrap_err();
        assert_eq!(err.span, Some(Span::new(0, 10)));
        // A derived node has no place; the error keeps the nearest written one.
        let err = run(&Expr::mul(Expr::int(2), f(Func::Inv, v("S")))).unwrap_err();
        assert_eq!(err.span, None);
    }

    #[test]
    fn logdet_does_not_overflow_where_det_would() {
        let big = Expr::mul(
            Expr::int(1_000_000),
            Expr::new(ExprKind::Identity(Some(Dim::Size(60)))),
        );
        let logdet = run(&f(Func::Logdet, big.clone())).unwrap();
        assert!((logdet[(0, 0)] - 60.0 * 1e6f64.ln()).abs() < 1e-9);
        assert_eq!(problem(f(Func::Det, big)).0, Problem::Overflow);
        let norm = run(&f(
            Func::Norm,
            Expr::mul(
                Expr::num(BigRational::from_integer(num_traits::pow(
                    num_bigint::BigInt::from(10),
                    200,
                ))),
                v("x"),
            ),
        ))
        .unwrap();
        assert!((norm[(0, 0)] / 1e200 - 5f64.sqrt()).abs() < 1e-12);
    }
}
