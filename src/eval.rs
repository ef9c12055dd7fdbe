//! Numerical evaluation of expressions with nalgebra, used to check
//! symbolic derivatives against finite differences.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name};
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

/// Why an expression could not be evaluated.
///
/// ```
/// let e = matdiff::eval::EvalError { message: "matrix is singular".into() };
/// assert_eq!(e.to_string(), "matrix is singular");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EvalError {
    /// What went wrong, in plain words.
    pub message: String,
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

macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(EvalError { message: format!($($arg)*) })
    };
}

/// Evaluates `expr`. `size` resolves named dimensions; `Dim::One` is 1 and
/// `Dim::Size(k)` is k without asking it.
///
/// ```
/// use matdiff::ast::{Expr, Func, Name};
/// use matdiff::eval::{eval, Matrix, Values};
/// let mut values = Values::new();
/// values.insert(Name::plain("A"), Matrix::from_row_slice(2, 2, &[4.0, 7.0, 2.0, 6.0]));
/// let det = eval(&Expr::call(Func::Det, vec![Expr::var("A")]), &values, &|_| 2).unwrap();
/// assert!((det[(0, 0)] - 10.0).abs() < 1e-12);
/// assert!(eval(&Expr::var("B"), &values, &|_| 2).is_err());
/// ```
pub fn eval(
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
        ExprKind::Binary(op, a, b) => binary(*op, ev(a)?, ev(b)?)?,
        ExprKind::Power(a, k) => power(ev(a)?, *k)?,
        ExprKind::ElemPower(a, r) => match r.is_integer().then(|| r.numer().to_i32()) {
            // powi is exact for small integers, and keeps negative bases real.
            Some(Some(k)) => ev(a)?.map(|x| x.powi(k)),
            _ => {
                let p = rational_to_f64(r)?;
                ev(a)?.map(|x| x.powf(p))
            }
        },
        ExprKind::Call(func, args) => {
            if args.len() != func.arity() {
                let (name, arity, got) = (func.name(), func.arity(), args.len());
                bail!("`{name}` takes {arity} argument(s), got {got}");
            }
            let args = args.iter().map(ev).collect::<Result<Vec<_>, _>>()?;
            call(*func, args)?
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
        Some(x) => Ok(x),
        None => bail!("cannot represent {r} as a number"),
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

fn binary(op: BinOp, a: Matrix, b: Matrix) -> Result<Matrix, EvalError> {
    let (sa, sb) = (as_scalar(&a), as_scalar(&b));
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
            Some(s) => a / s,
            None => bail!(
                "cannot divide {} by {}: it is not a scalar",
                shape(&a),
                shape(&b)
            ),
        },
        BinOp::EMul => elementwise(&a, &b, ".*", |x, y| x * y)?,
        BinOp::EDiv => elementwise(&a, &b, "./", |x, y| x / y)?,
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

fn expect_nonsingular(m: &Matrix) -> Result<(), EvalError> {
    // nalgebra's SVD panics on an empty matrix and may not converge on NaN.
    if m.is_empty() || m.iter().any(|x| !x.is_finite()) {
        return Ok(());
    }
    let values = m.clone().singular_values();
    let largest = values.max();
    if m.nrows() > 0 && (values.min() <= SINGULAR_RATIO * largest || largest == 0.0) {
        bail!("matrix is singular (or nearly so)");
    }
    Ok(())
}

fn inverse(m: Matrix) -> Result<Matrix, EvalError> {
    expect_square(&m, "inv")?;
    expect_nonsingular(&m)?;
    match m.try_inverse() {
        Some(inv) => Ok(inv),
        None => bail!("matrix is singular"),
    }
}

fn power(a: Matrix, k: i64) -> Result<Matrix, EvalError> {
    expect_square(&a, "a matrix power")?;
    let mut base = if k < 0 { inverse(a)? } else { a };
    let mut result = Matrix::identity(base.nrows(), base.ncols());
    // unsigned_abs, because -i64::MIN does not fit in an i64.
    let mut k = k.unsigned_abs();
    while k > 0 {
        if k & 1 == 1 {
            result = &result * &base;
        }
        k >>= 1;
        if k > 0 {
            base = &base * &base;
        }
    }
    Ok(result)
}

fn call(func: Func, args: Vec<Matrix>) -> Result<Matrix, EvalError> {
    let mut args = args.into_iter();
    let (Some(a), b) = (args.next(), args.next()) else {
        bail!("`{}` needs an argument", func.name());
    };
    let determinant = |a: Matrix| {
        expect_square(&a, func.name())?;
        Ok::<_, EvalError>(a.lu().determinant())
    };
    Ok(match (func, b) {
        (Func::Inv, _) => inverse(a)?,
        (Func::Tr, _) => {
            expect_square(&a, "tr")?;
            scalar(a.trace())
        }
        (Func::Det, _) => scalar(determinant(a)?),
        (Func::Logdet, _) => {
            expect_square(&a, "logdet")?;
            expect_nonsingular(&a)?;
            scalar(determinant(a)?.abs().ln())
        }
        (Func::Inner, Some(b)) if b.shape() == a.shape() => scalar(a.dot(&b)),
        (Func::Inner, Some(b)) => {
            bail!("`inner` of {} and {}: shapes differ", shape(&a), shape(&b))
        }
        (Func::Inner, None) => bail!("`inner` needs two arguments"),
        (Func::Sum, _) => scalar(a.sum()),
        (Func::Norm, _) => scalar(a.norm()),
        (Func::Diag, _) => diag(a)?,
        (Func::Exp, _) => a.map(f64::exp),
        (Func::Log, _) => a.map(f64::ln),
        (Func::Sqrt, _) => a.map(f64::sqrt),
        (Func::Sin, _) => a.map(f64::sin),
        (Func::Cos, _) => a.map(f64::cos),
        (Func::Tanh, _) => a.map(f64::tanh),
    })
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
        let funcs = [Func::Exp, Func::Sin, Func::Cos, Func::Tanh, Func::Sqrt];
        let maps = [f64::exp, f64::sin, f64::cos, f64::tanh, f64::sqrt];
        for (func, g) in funcs.into_iter().zip(maps) {
            check(f(func, v("A")), mat("4 7; 2 6").map(g));
        }
        assert!(run(&f(Func::Log, v("x"))).unwrap()[(1, 0)].is_nan());
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
        let inf = run(&bin(BinOp::Div, v("s"), Expr::int(0))).unwrap();
        assert_eq!(inf[(0, 0)], f64::INFINITY);
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
            "matrix is singular (or nearly so)"
        );
        assert_eq!(err(pow(v("S"), -1)), "matrix is singular (or nearly so)");
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
            exprs.extend(Func::ALL.map(|func| f(func, v(name))));
            exprs.extend(Func::ALL.map(|func| Expr::call(func, vec![v(name), v(name)])));
            exprs.extend([i64::MIN, -1, 0, 5, i64::MAX].map(|k| pow(v(name), k)));
            for e in exprs {
                let _ = eval(&e, &env, &|_| 0);
            }
        }
    }
}
