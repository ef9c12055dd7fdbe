//! Forward mode: the tangent of an expression, given the tangents of the
//! variables it mentions. Emits unsimplified terms; `None` is an exact zero,
//! so inactive branches never appear in a result.

use crate::ast::{BinOp, Expr, ExprKind, Func, Name, Shape};
use crate::shape::Env;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::One;

/// The tangent of a variable: `Some(expression)`, or `None` when it is held
/// constant.
pub type LeafTangent<'a> = dyn Fn(&Name) -> Option<Expr> + 'a;

/// The tangent of `expr`, each variable's tangent given by `leaf`.
///
/// ```
/// use matdiff::ast::{Expr, Name};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let e = matdiff::parse::parse_expr("inv(A)").unwrap();
/// let leaf = |n: &Name| (n.base == "A").then(|| Expr::name(n.dot()));
/// let t = matdiff::diff::tangent(&e, &model.env, &leaf).unwrap();
/// assert_eq!(t.to_string(), "-(inv(A) * dot(A) * inv(A))");
/// let tidied = matdiff::tidy::tidy(&t, &model.env);
/// assert_eq!(tidied.to_string(), "-inv(A) * dot(A) * inv(A)");
/// ```
pub fn tangent(expr: &Expr, env: &Env, leaf: &LeafTangent) -> Option<Expr> {
    Forward { env, leaf }.tangent(expr)
}

struct Forward<'a> {
    env: &'a Env,
    leaf: &'a LeafTangent<'a>,
}

fn mul(a: Expr, b: Expr) -> Expr {
    Expr::mul(a, b)
}

fn num(n: i64) -> Expr {
    Expr::int(n)
}

/// `a + b` over optional (zero) terms.
fn plus(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Expr::add(a, b)),
        (a, None) => a,
        (None, b) => b,
    }
}

fn minus(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Expr::sub(a, b)),
        (a, None) => a,
        (None, b) => b.map(Expr::neg),
    }
}

impl Forward<'_> {
    fn shape(&self, e: &Expr) -> Shape {
        self.env.shape(e)
    }

    /// Entry-wise product, written as a plain product when one side is a scalar.
    fn hadamard(&self, a: Expr, b: Expr) -> Expr {
        if self.shape(&a).is_scalar() || self.shape(&b).is_scalar() {
            mul(a, b)
        } else {
            Expr::binary(BinOp::EMul, a, b)
        }
    }

    fn hadamard_div(&self, a: Expr, b: Expr) -> Expr {
        if self.shape(&b).is_scalar() {
            Expr::binary(BinOp::Div, a, b)
        } else {
            Expr::binary(BinOp::EDiv, a, b)
        }
    }

    /// The constant `c` entry-wise in the shape of `like`: `c` or `c * ones`.
    fn constant_like(&self, c: i64, like: &Expr) -> Expr {
        let shape = self.shape(like);
        if shape.is_scalar() {
            num(c)
        } else {
            mul(num(c), Expr::new(ExprKind::Ones(Some(shape))))
        }
    }

    fn tangent(&self, e: &Expr) -> Option<Expr> {
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Identity(_) | ExprKind::Ones(_) => None,
            ExprKind::Var(name) => (self.leaf)(name),
            ExprKind::Neg(a) => self.tangent(a).map(Expr::neg),
            ExprKind::Transpose(a) => self.tangent(a).map(Expr::transpose),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            ExprKind::Power(a, k) => self.power(a, *k),
            ExprKind::ElemPower(a, k) => {
                let da = self.tangent(a)?;
                let k_minus_one = k - BigRational::one();
                let derivative = mul(
                    Expr::num(k.clone()),
                    Expr::new(ExprKind::ElemPower(a.clone(), k_minus_one)),
                );
                Some(self.hadamard(derivative, da))
            }
            ExprKind::Call(func, args) => self.call(*func, e, args),
        }
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr) -> Option<Expr> {
        let (da, db) = (self.tangent(a), self.tangent(b));
        let (a, b) = (a.clone(), b.clone());
        match op {
            BinOp::Add => plus(da, db),
            BinOp::Sub => minus(da, db),
            BinOp::Mul => plus(da.map(|d| mul(d, b.clone())), db.map(|d| mul(a.clone(), d))),
            BinOp::EMul => plus(
                da.map(|d| self.hadamard(d, b.clone())),
                db.map(|d| self.hadamard(a.clone(), d)),
            ),
            // (a/s)' = a'/s − s' a / s²
            BinOp::Div => minus(
                da.map(|d| Expr::binary(BinOp::Div, d, b.clone())),
                db.map(|d| {
                    Expr::binary(
                        BinOp::Div,
                        mul(d, a.clone()),
                        Expr::new(ExprKind::Power(Box::new(b.clone()), 2)),
                    )
                }),
            ),
            // (a ⊘ b)' = a' ⊘ b − a ⊙ b' ⊘ b⊙²
            BinOp::EDiv => minus(
                da.map(|d| self.hadamard_div(d, b.clone())),
                db.map(|d| {
                    let square = Expr::new(ExprKind::ElemPower(
                        Box::new(b.clone()),
                        BigRational::from_integer(BigInt::from(2)),
                    ));
                    self.hadamard_div(self.hadamard(a.clone(), d), square)
                }),
            ),
        }
    }

    fn power(&self, a: &Expr, k: i64) -> Option<Expr> {
        let da = self.tangent(a)?;
        if k == 0 {
            return None;
        }
        if self.shape(a).is_scalar() {
            let lower = match k - 1 {
                1 => a.clone(),
                k => Expr::new(ExprKind::Power(Box::new(a.clone()), k)),
            };
            return Some(mul(mul(num(k), lower), da));
        }
        // A^k with k < 0 is inv(A)^|k|; its base's tangent is −inv(A) Ȧ inv(A).
        let (base, dbase) = if k > 0 {
            (a.clone(), da)
        } else {
            let inv = Expr::call(Func::Inv, vec![a.clone()]);
            let dinv = Expr::neg(mul(mul(inv.clone(), da), inv.clone()));
            (inv, dinv)
        };
        let n = k.unsigned_abs() as i64;
        let pow = |p: i64| -> Option<Expr> {
            (p > 0).then(|| {
                if p == 1 {
                    base.clone()
                } else {
                    Expr::new(ExprKind::Power(Box::new(base.clone()), p))
                }
            })
        };
        // Σᵢ Bⁱ Ḃ Bⁿ⁻¹⁻ⁱ
        let mut sum: Option<Expr> = None;
        for i in 0..n {
            let mut term = dbase.clone();
            if let Some(left) = pow(i) {
                term = mul(left, term);
            }
            if let Some(right) = pow(n - 1 - i) {
                term = mul(term, right);
            }
            sum = plus(sum, Some(term));
        }
        sum
    }

    fn call(&self, func: Func, e: &Expr, args: &[Expr]) -> Option<Expr> {
        let a = &args[0];
        if func == Func::Inner {
            let (da, db) = (self.tangent(a), self.tangent(&args[1]));
            return plus(
                da.map(|d| Expr::call(Func::Inner, vec![d, args[1].clone()])),
                db.map(|d| Expr::call(Func::Inner, vec![a.clone(), d])),
            );
        }
        let da = self.tangent(a)?;
        let inv = || Expr::call(Func::Inv, vec![a.clone()]);
        Some(match func {
            Func::Inv => Expr::neg(mul(mul(inv(), da), inv())),
            Func::Tr | Func::Sum | Func::Diag => Expr::call(func, vec![da]),
            // d det A = det A · tr(A⁻¹ Ȧ)
            Func::Det => mul(e.clone(), Expr::call(Func::Tr, vec![mul(inv(), da)])),
            Func::Logdet => Expr::call(Func::Tr, vec![mul(inv(), da)]),
            // d‖a‖ = ⟨a, ȧ⟩ / ‖a‖
            Func::Norm => Expr::binary(
                BinOp::Div,
                Expr::call(Func::Inner, vec![a.clone(), da]),
                e.clone(),
            ),
            Func::Exp => self.hadamard(e.clone(), da),
            Func::Log => self.hadamard_div(da, a.clone()),
            Func::Sqrt => self.hadamard_div(da, mul(num(2), e.clone())),
            Func::Sin => self.hadamard(Expr::call(Func::Cos, vec![a.clone()]), da),
            Func::Cos => Expr::neg(self.hadamard(Expr::call(Func::Sin, vec![a.clone()]), da)),
            // tanh' = 1 − tanh²
            Func::Tanh => {
                let square = Expr::new(ExprKind::ElemPower(
                    Box::new(e.clone()),
                    BigRational::from_integer(BigInt::from(2)),
                ));
                let one_minus = Expr::sub(self.constant_like(1, a), square);
                self.hadamard(one_minus, da)
            }
            Func::Inner => unreachable!("handled above"),
        })
    }
}
