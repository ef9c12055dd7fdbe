//! Which forms of SPEC revision 2 a generated program uses, found in the
//! reference reader's parse of it (not in its text), so that a campaign can
//! say how often each new form was exercised and a test can demand that the
//! generator keeps producing every one of them.

use super::evaluate::{evaluate, Matrix, Values};
use super::numeric::{Compiled, Env};
use super::syntax::{Expr, Function, Operator};
use std::collections::BTreeSet;

/// The r2 element-wise functions, by name, as the reader knows them.
pub const R2_FUNCTIONS: [&str; 13] = [
    "abs", "sign", "step", "relu", "sigmoid", "softplus", "log1p", "tan", "asin", "acos", "atan",
    "sinh", "cosh",
];

/// Every feature `features` can report besides the functions' names.
pub const R2_FEATURES: [&str; 4] = [
    "scientific notation",
    "scalar broadcast in + or -",
    "scalar ^ with a non-integer or variable exponent",
    ".^ with a non-integer or variable exponent",
];

fn is_integer_number(expr: &Expr) -> bool {
    match expr {
        Expr::Number(k) => k.fract() == 0.0,
        Expr::Zero { .. } => true,
        Expr::Negate(inner) => is_integer_number(inner),
        _ => false,
    }
}

/// Whether a number in the program's text is written in scientific notation.
fn has_scientific_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(3).enumerate().any(|(i, w)| {
        let starts_number = i == 0 || !(chars[i - 1].is_alphabetic() || chars[i - 1] == '_');
        let after = chars.get(i + 3).copied();
        w[0].is_ascii_digit()
            && (w[1] == 'e' || w[1] == 'E')
            && (w[2].is_ascii_digit()
                || ((w[2] == '+' || w[2] == '-') && after.is_some_and(|c| c.is_ascii_digit())))
            && starts_number
    })
}

/// The r2 features of the program (the forms above and the names of
/// the r2 functions it calls), judged with its values at `point` (to
/// know which side of a `+` is a scalar).
pub fn features(compiled: &Compiled, point: &Env) -> BTreeSet<&'static str> {
    let mut found = BTreeSet::new();
    if has_scientific_number(&compiled.program.text) {
        found.insert(R2_FEATURES[0]);
    }
    for (_, expr, sizes) in compiled.parsed() {
        let values = Values {
            names: point,
            dimensions: &compiled.program.dimensions,
        };
        let value = |e: &Expr| evaluate(e, sizes, &values).ok();
        walk(expr, &value, &mut found);
    }
    found
}

fn walk(expr: &Expr, value: &dyn Fn(&Expr) -> Option<Matrix>, found: &mut BTreeSet<&'static str>) {
    let is_scalar = |e: &Expr| value(e).is_some_and(|m| m.shape() == (1, 1));
    match expr {
        Expr::Binary(op, left, right) => {
            if matches!(op, Operator::Add | Operator::Sub) && is_scalar(left) != is_scalar(right) {
                found.insert(R2_FEATURES[1]);
            }
            walk(left, value, found);
            walk(right, value, found);
        }
        Expr::Power(base, exponent) | Expr::ElementPower(base, exponent) => {
            if !is_integer_number(exponent) {
                let feature = if matches!(expr, Expr::Power(..)) {
                    R2_FEATURES[2]
                } else {
                    R2_FEATURES[3]
                };
                found.insert(feature);
            }
            walk(base, value, found);
            walk(exponent, value, found);
        }
        Expr::Call(function, args) => {
            if let Function::Elementwise(name, _) = function {
                if let Some(name) = R2_FUNCTIONS.iter().find(|f| *f == name) {
                    found.insert(name);
                }
            }
            for arg in args {
                walk(arg, value, found);
            }
        }
        Expr::Negate(inner) | Expr::Transpose(inner) | Expr::Rows(inner) | Expr::Cols(inner) => {
            walk(inner, value, found)
        }
        _ => {}
    }
}
