//! Between [`Expr`] and egg's [`RecExpr`]. `a - b` becomes `a + (-b)` and
//! division by a constant a product with its reciprocal, so that the rules
//! see fewer forms; the way back restores them.

use super::lang::{Leaf, Math, Rational};
use crate::ast::{BinOp, Expr, ExprKind, Func, Map, Shape};
use egg::{Id, RecExpr};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

/// The e-graph form of an analysed expression (its `I` and `ones` sized).
pub fn to_rec(expr: &Expr) -> RecExpr<Math> {
    let mut rec = RecExpr::default();
    add(expr, &mut rec);
    rec
}

fn num(rec: &mut RecExpr<Math>, value: BigRational) -> Id {
    rec.add(Math::Num(Rational(value)))
}

fn add(expr: &Expr, rec: &mut RecExpr<Math>) -> Id {
    let go = |e: &Expr, rec: &mut RecExpr<Math>| add(e, rec);
    match &expr.kind {
        ExprKind::Num(v) => num(rec, v.clone()),
        ExprKind::Var(name) => rec.add(Math::Leaf(Leaf::Var(name.clone()))),
        ExprKind::Identity(d) => {
            let d = d.clone().unwrap_or(crate::ast::Dim::One);
            rec.add(Math::Leaf(Leaf::Identity(d)))
        }
        ExprKind::Ones(shape) => {
            let s = shape.clone().unwrap_or_else(Shape::scalar);
            rec.add(Math::Leaf(Leaf::Ones(s.rows, s.cols)))
        }
        ExprKind::Neg(a) => {
            let a = go(a, rec);
            rec.add(Math::Neg(a))
        }
        ExprKind::Transpose(a) => {
            let a = go(a, rec);
            rec.add(Math::Trans(a))
        }
        ExprKind::Power(a, k) => {
            let a = go(a, rec);
            let k = num(rec, BigRational::from_integer(BigInt::from(*k)));
            rec.add(Math::Pow([a, k]))
        }
        ExprKind::ElemPower(a, k) => {
            let a = go(a, rec);
            let k = num(rec, k.clone());
            rec.add(Math::EPow([a, k]))
        }
        ExprKind::Binary(op, a, b) => {
            if *op == BinOp::Div {
                if let Some(d) = b.as_num().filter(|d| !d.is_zero()) {
                    let k = num(rec, d.recip());
                    let a = go(a, rec);
                    return rec.add(Math::Mul([k, a]));
                }
            }
            let a = go(a, rec);
            let b = go(b, rec);
            match op {
                BinOp::Add => rec.add(Math::Add([a, b])),
                BinOp::Sub => {
                    let nb = rec.add(Math::Neg(b));
                    rec.add(Math::Add([a, nb]))
                }
                BinOp::Mul => rec.add(Math::Mul([a, b])),
                BinOp::Div => rec.add(Math::Div([a, b])),
                BinOp::EMul => rec.add(Math::EMul([a, b])),
                BinOp::EDiv => rec.add(Math::EDiv([a, b])),
                // A scalar's power is its entry-wise power.
                BinOp::Pow | BinOp::EPow => rec.add(Math::EPow([a, b])),
            }
        }
        ExprKind::Call(func, args) => {
            let ids: Vec<Id> = args.iter().map(|a| go(a, rec)).collect();
            rec.add(match ids[..] {
                [a, b] => Math::Call2(*func, [a, b]),
                _ => Math::Call(*func, ids[0]),
            })
        }
    }
}

/// The expression a (possibly extracted) `RecExpr` stands for.
pub fn from_rec(rec: &RecExpr<Math>) -> Expr {
    build(rec, Id::from(rec.as_ref().len() - 1))
}

fn build(rec: &RecExpr<Math>, id: Id) -> Expr {
    let go = |id: &Id| build(rec, *id);
    let node = &rec[id];
    match node {
        Math::Num(r) => Expr::num(r.0.clone()),
        Math::Leaf(Leaf::Var(name)) => Expr::name(name.clone()),
        Math::Leaf(Leaf::Identity(d)) => Expr::new(ExprKind::Identity(Some(d.clone()))),
        Math::Leaf(Leaf::Ones(r, c)) => {
            Expr::new(ExprKind::Ones(Some(Shape::new(r.clone(), c.clone()))))
        }
        Math::Add([a, b]) => match &rec[*b] {
            Math::Neg(nb) => Expr::sub(go(a), go(nb)),
            Math::Num(r) if r.0.is_negative() => Expr::sub(go(a), Expr::num(-r.0.clone())),
            _ => Expr::add(go(a), go(b)),
        },
        Math::Mul([a, b]) => Expr::mul(go(a), go(b)),
        Math::Div([a, b]) => Expr::binary(BinOp::Div, go(a), go(b)),
        Math::EMul([a, b]) => Expr::binary(BinOp::EMul, go(a), go(b)),
        Math::EDiv([a, b]) => Expr::binary(BinOp::EDiv, go(a), go(b)),
        Math::Neg(a) => Expr::neg(go(a)),
        Math::Trans(a) => Expr::transpose(go(a)),
        Math::Pow([a, k]) => match constant(rec, *k)
            .filter(|k| k.is_integer())
            .and_then(|k| k.to_integer().to_i64())
        {
            Some(k) => Expr::new(ExprKind::Power(Box::new(go(a)), k)),
            // Extraction never picks a non-constant exponent (it costs
            // infinitely much); keep the value right regardless.
            None => Expr::call(
                Func::Map(Map::Exp),
                vec![Expr::mul(
                    go(k),
                    Expr::call(Func::Map(Map::Log), vec![go(a)]),
                )],
            ),
        },
        Math::EPow([a, k]) => match constant(rec, *k) {
            Some(k) => Expr::new(ExprKind::ElemPower(Box::new(go(a)), k)),
            // An exponent that is an expression; tidy writes it `^` where
            // the base is a scalar.
            None => Expr::binary(BinOp::EPow, go(a), go(k)),
        },
        Math::Call(func, a) => Expr::call(*func, vec![go(a)]),
        Math::Call2(func, [a, b]) => Expr::call(*func, vec![go(a), go(b)]),
    }
}

/// The value of a constant subexpression (an exponent written as `k + 1`
/// in an explanation), if it is one.
fn constant(rec: &RecExpr<Math>, id: Id) -> Option<BigRational> {
    let c = |id: &Id| constant(rec, *id);
    Some(match &rec[id] {
        Math::Num(r) => r.0.clone(),
        Math::Add([a, b]) => c(a)? + c(b)?,
        Math::Mul([a, b]) => c(a)? * c(b)?,
        Math::Neg(a) => -c(a)?,
        _ => return None,
    })
}
