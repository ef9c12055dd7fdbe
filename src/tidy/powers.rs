//! Powers in `tidy`: integer and entry-wise powers folded, a scalar's
//! power by an expression written `^`, and the powers of one scalar base
//! in a product combined.

use super::call;
use super::journal::{note, Tidying};
use crate::ast::{BinOp, Expr, ExprKind, Func};
use crate::shape::Env;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

pub(super) fn power(base: &Expr, k: i64, env: &Env) -> Expr {
    let shape = env.shape(base);
    match (k, base.as_num()) {
        (1, _) => {
            note(Tidying::FirstPower);
            base.clone()
        }
        (0, _) if shape.is_scalar() => Expr::int(1),
        (0, _) => Expr::new(ExprKind::Identity(Some(shape.rows))),
        (-1, None) if !shape.is_scalar() => call(Func::Inv, std::slice::from_ref(base), env)
            .unwrap_or_else(|| Expr::call(Func::Inv, vec![base.clone()])),
        (k, Some(v)) if (!v.is_zero() || k > 0) && crate::limits::power_fits(v, k) => {
            let magnitude = num_traits::pow(v.clone(), k.unsigned_abs() as usize);
            Expr::num(if k < 0 { magnitude.recip() } else { magnitude })
        }
        _ if matches!(base.kind, ExprKind::Identity(_)) => base.clone(),
        _ => Expr::new(ExprKind::Power(Box::new(base.clone()), k)),
    }
}

/// A scalar factor as a base and a number exponent: `s^k`, `s^(1/2)`, or
/// `s` itself to the power 1.
pub(super) fn as_power(factor: &Expr) -> (&Expr, BigRational) {
    match &factor.kind {
        ExprKind::Power(base, k) => (base, BigRational::from_integer((*k).into())),
        ExprKind::ElemPower(base, k) => (base, k.clone()),
        ExprKind::Binary(BinOp::Pow, base, t) if t.as_num().is_some() => {
            (base, t.as_num().cloned().expect("a number"))
        }
        _ => (factor, BigRational::one()),
    }
}

/// Powers of one scalar base among a product's factors and divisors
/// become one power: `s^(-3/2) * s` is `s^(-1/2)`, `s^3 / s` is `s^2`.
pub(super) fn merge_scalar_powers(
    numerator: &mut Vec<Expr>,
    denominators: &mut Vec<Expr>,
    env: &Env,
) {
    // Comparing bases is a deep comparison: only a product with a divisor
    // or an explicit power can have powers to combine.
    let powered = |f: &Expr| {
        matches!(
            f.kind,
            ExprKind::Power(..) | ExprKind::ElemPower(..) | ExprKind::Binary(BinOp::Pow, _, _)
        )
    };
    if denominators.is_empty() && !numerator.iter().any(powered) {
        return;
    }
    let scalar_bases = |factors: &[Expr], env: &Env| -> Vec<Option<(Expr, BigRational)>> {
        factors
            .iter()
            .map(|f| {
                env.shape(f).is_scalar().then(|| {
                    let (base, k) = as_power(f);
                    (base.clone(), k)
                })
            })
            .collect()
    };
    let tops = scalar_bases(numerator, env);
    let bottoms = scalar_bases(denominators, env);
    let mut seen: Vec<&Expr> = Vec::new();
    let mut repeated = false;
    for (base, _) in tops.iter().chain(&bottoms).flatten() {
        if seen.contains(&base) {
            repeated = true;
            break;
        }
        seen.push(base);
    }
    if !repeated {
        return;
    }
    // Each base's exponents add up, at the place the base first appears.
    let mut totals: Vec<(Expr, BigRational, bool)> = Vec::new();
    for (entry, on_top) in tops
        .iter()
        .map(|e| (e, true))
        .chain(bottoms.iter().map(|e| (e, false)))
    {
        if let Some((base, k)) = entry {
            let k = if on_top { k.clone() } else { -k.clone() };
            match totals.iter_mut().find(|(b, _, _)| b == base) {
                Some(total) => total.1 += k,
                None => totals.push((base.clone(), k, on_top)),
            }
        }
    }
    let mut new_top: Vec<Expr> = Vec::new();
    let mut new_bottom: Vec<Expr> = Vec::new();
    let mut placed: Vec<Expr> = Vec::new();
    let all_cancel = totals.iter().all(|(_, k, _)| k.is_zero() || k.is_one());
    note(if all_cancel {
        Tidying::ScalarCancels
    } else {
        Tidying::PowersCombine
    });
    let place = |base: &Expr,
                 out_top: &mut Vec<Expr>,
                 out_bottom: &mut Vec<Expr>,
                 placed: &mut Vec<Expr>| {
        if placed.contains(base) {
            return;
        }
        placed.push(base.clone());
        let (_, k, _) = totals
            .iter()
            .find(|(b, _, _)| b == base)
            .expect("a total per base");
        if k.is_zero() {
            return;
        }
        if k.is_integer() && k.is_negative() {
            out_bottom.push(integer_power(base, -k.clone()));
        } else if k.is_integer() {
            out_top.push(integer_power(base, k.clone()));
        } else {
            out_top.push(Expr::binary(BinOp::Pow, base.clone(), Expr::num(k.clone())));
        }
    };
    for (factor, entry) in numerator.iter().zip(&tops) {
        match entry {
            Some((base, _)) => place(base, &mut new_top, &mut new_bottom, &mut placed),
            None => new_top.push(factor.clone()),
        }
    }
    for (factor, entry) in denominators.iter().zip(&bottoms) {
        match entry {
            Some((base, _)) => place(base, &mut new_top, &mut new_bottom, &mut placed),
            None => new_bottom.push(factor.clone()),
        }
    }
    *numerator = new_top;
    *denominators = new_bottom;
}

/// `base^k` for a positive integer k, `base` itself for 1.
pub(super) fn integer_power(base: &Expr, k: BigRational) -> Expr {
    match num_traits::ToPrimitive::to_i64(&k.to_integer()) {
        Some(1) => base.clone(),
        Some(k) => Expr::new(ExprKind::Power(Box::new(base.clone()), k)),
        None => Expr::binary(BinOp::Pow, base.clone(), Expr::num(k)),
    }
}

/// `a ^ t` or `a .^ t`: a number exponent is an ordinary power, and a
/// scalar base's power is written `^`.
pub(super) fn general_power(base: &Expr, t: &Expr, env: &Env) -> Expr {
    if let Some(k) = t.as_num() {
        return elem_power(base, k, env);
    }
    let op = if env.shape(base).is_scalar() {
        BinOp::Pow
    } else {
        BinOp::EPow
    };
    Expr::binary(op, base.clone(), t.clone())
}

pub(super) fn elem_power(base: &Expr, k: &BigRational, env: &Env) -> Expr {
    let shape = env.shape(base);
    if k.is_one() {
        note(Tidying::FirstPower);
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
    if shape.is_scalar() {
        // A scalar's fractional power reads `s^(1/2)`, as people write it.
        return Expr::binary(BinOp::Pow, base.clone(), Expr::num(k.clone()));
    }
    Expr::new(ExprKind::ElemPower(Box::new(base.clone()), k.clone()))
}
