//! Strict evaluation of a parsed expression with nalgebra: every shape
//! mismatch is an error; nothing is broadcast or summed away.

use super::sizes::ConstantSizes;
use super::syntax::{Expr, Function, Operator};
use nalgebra::DMatrix;
use std::collections::HashMap;

pub type Matrix = DMatrix<f64>;

/// Values of names (variables, intermediates, `dot(X)`, `bar(X)`, …) and
/// of dimension names.
pub struct Values<'a> {
    pub names: &'a HashMap<String, Matrix>,
    pub dimensions: &'a HashMap<String, usize>,
}

pub fn scalar(value: f64) -> Matrix {
    Matrix::from_element(1, 1, value)
}

fn is_scalar(m: &Matrix) -> bool {
    m.nrows() == 1 && m.ncols() == 1
}

fn fail<T>(message: String) -> Result<T, String> {
    Err(message)
}

fn shape_text(m: &Matrix) -> String {
    format!("{}×{}", m.nrows(), m.ncols())
}

pub fn evaluate(expr: &Expr, sizes: &ConstantSizes, values: &Values) -> Result<Matrix, String> {
    let size = |id: usize| {
        sizes
            .get(id)
            .copied()
            .flatten()
            .ok_or_else(|| format!("constant {id} has no size"))
    };
    let recurse = |e: &Expr| evaluate(e, sizes, values);
    Ok(match expr {
        Expr::Number(v) => scalar(*v),
        Expr::Name(name) => match (values.names.get(name), values.dimensions.get(name)) {
            (Some(value), _) => value.clone(),
            (None, Some(dimension)) => scalar(*dimension as f64),
            (None, None) => return fail(format!("unknown name {name}")),
        },
        Expr::Identity { id, .. } => Matrix::identity(size(*id)?.0, size(*id)?.1),
        Expr::Ones { id, .. } => Matrix::from_element(size(*id)?.0, size(*id)?.1, 1.0),
        Expr::Zero { id } => Matrix::zeros(size(*id)?.0, size(*id)?.1),
        Expr::Rows(inner) => scalar(recurse(inner)?.nrows() as f64),
        Expr::Cols(inner) => scalar(recurse(inner)?.ncols() as f64),
        Expr::Negate(inner) => -recurse(inner)?,
        Expr::Transpose(inner) => recurse(inner)?.transpose(),
        Expr::Power(base, exponent) => power(recurse(base)?, recurse(exponent)?)?,
        Expr::ElementPower(base, exponent) => {
            let exponent = recurse(exponent)?;
            if !is_scalar(&exponent) {
                return fail("`.^` with a non-scalar exponent".into());
            }
            recurse(base)?.map(|a| a.powf(exponent[0]))
        }
        Expr::Binary(op, left, right) => binary(*op, recurse(left)?, recurse(right)?)?,
        Expr::Call(function, args) => {
            let args = args.iter().map(recurse).collect::<Result<Vec<_>, _>>()?;
            call(*function, args)?
        }
    })
}

fn power(base: Matrix, exponent: Matrix) -> Result<Matrix, String> {
    if !is_scalar(&exponent) {
        return fail("`^` with a non-scalar exponent".into());
    }
    let k = exponent[0];
    if is_scalar(&base) {
        return Ok(scalar(base[0].powf(k)));
    }
    if base.nrows() != base.ncols() || k.fract() != 0.0 {
        return fail(format!("`^{k}` of a {} matrix", shape_text(&base)));
    }
    let factor = if k < 0.0 { inverse(base)? } else { base };
    let mut result = Matrix::identity(factor.nrows(), factor.ncols());
    for _ in 0..(k.abs() as usize) {
        result = &result * &factor;
    }
    Ok(result)
}

fn inverse(m: Matrix) -> Result<Matrix, String> {
    if m.nrows() != m.ncols() {
        return fail(format!("inverse of a {} matrix", shape_text(&m)));
    }
    m.try_inverse()
        .ok_or_else(|| "inverse of a singular matrix".to_string())
}

fn binary(op: Operator, left: Matrix, right: Matrix) -> Result<Matrix, String> {
    let same = left.shape() == right.shape();
    let mismatch = |what: &str| {
        fail(format!(
            "{what} of {} and {}",
            shape_text(&left),
            shape_text(&right)
        ))
    };
    match op {
        Operator::Add | Operator::Sub if same => Ok(if op == Operator::Add {
            left + right
        } else {
            left - right
        }),
        // r2 broadcasting: `s + A` is `s * ones + A`, only for a 1×1 side.
        Operator::Add | Operator::Sub if is_scalar(&left) || is_scalar(&right) => {
            let sign = if op == Operator::Add { 1.0 } else { -1.0 };
            Ok(if is_scalar(&left) {
                right.map(|b| left[0] + sign * b)
            } else {
                left.map(|a| a + sign * right[0])
            })
        }
        Operator::Add | Operator::Sub => mismatch("`+`/`-`"),
        Operator::Divide if !is_scalar(&right) => mismatch("`/`"),
        Operator::Divide => Ok(left / right[0]),
        Operator::Product if is_scalar(&left) => Ok(right * left[0]),
        Operator::Product if is_scalar(&right) => Ok(left * right[0]),
        Operator::Product if left.ncols() != right.nrows() => mismatch("`*`"),
        Operator::Product => Ok(left * right),
        Operator::Hadamard | Operator::HadamardDivide => {
            let combine = |a: f64, b: f64| {
                if op == Operator::Hadamard {
                    a * b
                } else {
                    a / b
                }
            };
            if same {
                Ok(left.zip_map(&right, combine))
            } else if is_scalar(&left) {
                Ok(right.map(|b| combine(left[0], b)))
            } else if is_scalar(&right) {
                Ok(left.map(|a| combine(a, right[0])))
            } else {
                mismatch("`.*`/`./`")
            }
        }
        Operator::LeftDivide if is_scalar(&left) => Ok(right / left[0]),
        Operator::LeftDivide => call(Function::Solve, vec![left, right]),
    }
}

fn call(function: Function, mut args: Vec<Matrix>) -> Result<Matrix, String> {
    let arg = args.remove(0);
    let square = arg.nrows() == arg.ncols();
    let needs_square = |name: &str| fail(format!("{name} of a {} matrix", shape_text(&arg)));
    Ok(match function {
        Function::Inv => inverse(arg)?,
        Function::Tr if square => scalar(arg.trace()),
        Function::Det if square => scalar(arg.determinant()),
        Function::Logdet if square => scalar(arg.determinant().abs().ln()),
        Function::Tr | Function::Det | Function::Logdet => return needs_square("tr/det/logdet"),
        Function::Inner if arg.shape() != args[0].shape() => {
            return needs_square("inner with another shape")
        }
        Function::Inner => scalar(arg.dot(&args[0])),
        Function::Sum => scalar(arg.sum()),
        // The norm is not differentiable at zero: a program that takes the
        // norm of a zero value (`norm(z * log(e ./ e)')`) has no derivative
        // there to judge, so such a point is out of its domain.
        Function::Norm if arg.norm() < 1e-12 => {
            return Err("the norm of a zero value, where it is not differentiable".into())
        }
        Function::Norm => scalar(arg.norm()),
        Function::Norm1 => scalar(arg.iter().map(|a| a.abs()).sum()),
        Function::Logsumexp => {
            let top = arg.max();
            scalar(top + arg.iter().map(|a| (a - top).exp()).sum::<f64>().ln())
        }
        Function::Diag if arg.ncols() == 1 => Matrix::from_diagonal(&arg.column(0).into_owned()),
        Function::Diag if square => {
            Matrix::from_column_slice(arg.nrows(), 1, arg.diagonal().as_slice())
        }
        Function::Diag => return needs_square("diag"),
        Function::Elementwise(_, f) => arg.map(f),
        Function::Softmax if arg.ncols() == 1 => {
            let exps = arg.map(f64::exp);
            let total = exps.sum();
            exps / total
        }
        Function::Softmax => return needs_square("softmax (a column)"),
        Function::Kron => arg.kronecker(&args[0]),
        Function::Vec => Matrix::from_column_slice(arg.len(), 1, arg.as_slice()),
        Function::Solve if square && arg.ncols() == args[0].nrows() => arg
            .lu()
            .solve(&args[0])
            .ok_or_else(|| "solve with a singular matrix".to_string())?,
        Function::Solve => return needs_square("solve"),
    })
}
