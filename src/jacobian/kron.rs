//! Jacobians with a matrix on either side, written with `kron`, `vec` and
//! `I`: the matrix M with vec(e) = M vec(Ẋ) for a tangent e linear in Ẋ,
//! built up through the identities
//!
//! - vec(A T B) = (Bᵀ ⊗ A) vec(T), one side at a time, the Kronecker
//!   factors of neighbouring products multiplied together
//!   ((P ⊗ Q)(R ⊗ S) = PR ⊗ QS), so `A * X * B` reads `kron(B', A)`;
//! - vec(W ⊙ T) = diag(vec(W)) vec(T);
//! - vec(diag(t)) = diag(vec(I)) (1 ⊗ I) t, and diag(T) its transpose's
//!   image;
//! - a scalar s linear in Ẋ is ⟨G, Ẋ⟩ = vec(G)ᵀ vec(Ẋ), G pulled back by
//!   reverse mode (`tr`, `sum`, `inner`, quadratic forms, …).
//!
//! A transpose of a matrix tangent needs the commutation matrix, which the
//! language cannot write: such a Jacobian is refused.

use crate::ast::{dim_product, BinOp, Dim, Expr, ExprKind, Func, Name, Shape};
use crate::diff::pullback;
use crate::shape::Env;

/// M with vec(e) = M vec(`leaf`), e linear in the tangent `leaf`; `None`
/// for an exact zero. Fails, naming what has no form, where none is known.
pub(super) fn vec_map(e: &Expr, leaf: &Name, env: &Env) -> Result<Option<Expr>, String> {
    Reader { leaf, env }.map(e)
}

struct Reader<'a> {
    leaf: &'a Name,
    env: &'a Env,
}

impl Reader<'_> {
    fn active(&self, e: &Expr) -> bool {
        e.mentions(&|n| n == self.leaf)
    }

    fn shape(&self, e: &Expr) -> Shape {
        self.env.shape(e)
    }

    fn no_form(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Transpose(_) => format!(
                "the transpose `{e}` of a matrix needs the commutation matrix, which kron, vec and I cannot write"
            ),
            _ => format!("matdiff reads no Kronecker form off `{e}`"),
        }
    }

    fn map(&self, e: &Expr) -> Result<Option<Expr>, String> {
        if !self.active(e) {
            return if e.is_zero() {
                Ok(None)
            } else {
                Err(self.no_form(e))
            };
        }
        if self.shape(e).is_scalar() {
            return self.scalar(e).map(Some);
        }
        let both = |a: &Expr, b: &Expr| -> Result<(Option<Expr>, Option<Expr>), String> {
            Ok((self.map(a)?, self.map(b)?))
        };
        match &e.kind {
            ExprKind::Var(_) => Ok(Some(identity(&entries(&self.shape(e))))),
            ExprKind::Neg(a) => Ok(self.map(a)?.map(Expr::neg)),
            ExprKind::Binary(BinOp::Add, a, b) => Ok(match both(a, b)? {
                (Some(x), Some(y)) => Some(Expr::add(x, y)),
                (x, y) => x.or(y),
            }),
            ExprKind::Binary(BinOp::Sub, a, b) => Ok(match both(a, b)? {
                (Some(x), Some(y)) => Some(Expr::sub(x, y)),
                (x, None) => x,
                (None, y) => y.map(Expr::neg),
            }),
            // vec(t') = vec(t) for a vector t; a matrix's needs the
            // commutation matrix.
            ExprKind::Transpose(a) if is_vector(&self.shape(a)) => self.map(a),
            ExprKind::Power(a, 1) => self.map(a),
            ExprKind::ElemPower(a, k) if num_traits::One::is_one(k) => self.map(a),
            ExprKind::Binary(BinOp::Mul, a, b) => match (self.active(a), self.active(b)) {
                (true, false) => self.times_right(a, b),
                (false, true) => self.times_left(a, b),
                _ => Err(self.no_form(e)),
            },
            ExprKind::Binary(BinOp::Div, a, s) if !self.active(s) => Ok(self
                .map(a)?
                .map(|m| Expr::binary(BinOp::Div, m, (**s).clone()))),
            ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
                let (moving, weight) = match (self.active(a), self.active(b)) {
                    (true, false) => (a, (**b).clone()),
                    (false, true) if *op == BinOp::EMul => (b, (**a).clone()),
                    _ => return Err(self.no_form(e)),
                };
                let weight = if *op == BinOp::EDiv && !self.shape(&weight).is_scalar() {
                    let ones = Expr::new(ExprKind::Ones(Some(self.shape(&weight))));
                    Expr::binary(BinOp::EDiv, ones, weight)
                } else {
                    weight
                };
                let divide = *op == BinOp::EDiv && self.shape(&weight).is_scalar();
                let Some(m) = self.map(moving)? else {
                    return Ok(None);
                };
                Ok(Some(if divide {
                    Expr::binary(BinOp::Div, m, weight)
                } else if self.shape(&weight).is_scalar() {
                    Expr::mul(weight, m)
                } else if self.shape(moving).is_scalar() {
                    // A scalar spread over the weight: vec(w t) = vec(w) t.
                    Expr::mul(vec(weight), m)
                } else {
                    Expr::mul(diag(vec(weight)), m)
                }))
            }
            ExprKind::Call(Func::Vec, args) => self.map(&args[0]),
            ExprKind::Call(Func::Kron, args) => self.kron_with_column(e, &args[0], &args[1]),
            // vec(A \ T) = (I ⊗ A⁻¹) vec(T), for a constant A.
            ExprKind::Call(Func::Solve, args) if !self.active(&args[0]) => {
                if self.shape(&args[0]).is_scalar() {
                    let m = self.map(&args[1])?;
                    return Ok(m.map(|m| Expr::binary(BinOp::Div, m, args[0].clone())));
                }
                let inverse = Expr::call(Func::Inv, vec![args[0].clone()]);
                self.times_left(&inverse, &args[1])
            }
            ExprKind::Call(Func::Diag, args) => {
                let Some(m) = self.map(&args[0])? else {
                    return Ok(None);
                };
                let arg = self.shape(&args[0]);
                if is_vector(&arg) {
                    let n = entries(&arg);
                    Ok(Some(self.mul(diagonal_selection(&n), m)))
                } else {
                    Ok(Some(self.mul(transpose(diagonal_selection(&arg.rows)), m)))
                }
            }
            _ => Err(self.no_form(e)),
        }
    }

    /// vec(t b) for t active: (bᵀ ⊗ I) vec(t).
    fn times_right(&self, t: &Expr, b: &Expr) -> Result<Option<Expr>, String> {
        let Some(m) = self.map(t)? else {
            return Ok(None);
        };
        let (t_shape, b_shape) = (self.shape(t), self.shape(b));
        Ok(Some(if b_shape.is_scalar() {
            Expr::mul(b.clone(), m)
        } else if t_shape.is_scalar() {
            Expr::mul(vec(b.clone()), m)
        } else {
            self.mul(kron(transpose(b.clone()), identity(&t_shape.rows)), m)
        }))
    }

    /// vec(a t) for t active: (I ⊗ a) vec(t).
    fn times_left(&self, a: &Expr, t: &Expr) -> Result<Option<Expr>, String> {
        let Some(m) = self.map(t)? else {
            return Ok(None);
        };
        let (a_shape, t_shape) = (self.shape(a), self.shape(t));
        Ok(Some(if a_shape.is_scalar() {
            Expr::mul(a.clone(), m)
        } else if t_shape.is_scalar() {
            Expr::mul(vec(a.clone()), m)
        } else {
            self.mul(kron(identity(&t_shape.cols), a.clone()), m)
        }))
    }

    /// vec(T ⊗ b) = (I ⊗ b) vec(T) and vec(a ⊗ T) = (I ⊗ a ⊗ I) vec(T),
    /// T active and m×n, for a constant column a or b: column j of a ⊗ T is
    /// (a ⊗ Iₘ) T[:, j]; and vec(A ⊗ t) = (vec(A) ⊗ I) t for an active
    /// column t. A constant matrix factor otherwise needs the commutation
    /// matrix, so has no form.
    fn kron_with_column(&self, e: &Expr, a: &Expr, b: &Expr) -> Result<Option<Expr>, String> {
        let is_column = |x: &Expr| self.shape(x).cols == Dim::One;
        match (self.active(a), self.active(b)) {
            (true, false) if is_column(b) => {
                let n = entries(&self.shape(a));
                let m = self.map(a)?;
                Ok(m.map(|m| self.mul(kron(identity(&n), b.clone()), m)))
            }
            // Column j of A ⊗ t is (A[:, j] ⊗ I) t, so vec(A ⊗ t) = (vec(A) ⊗ I) t.
            (false, true) if is_column(b) && !is_column(a) => {
                let p = self.shape(b).rows;
                let m = self.map(b)?;
                Ok(m.map(|m| self.mul(kron(vec(a.clone()), identity(&p)), m)))
            }
            (false, true) if is_column(a) => {
                let t = self.shape(b);
                let spread = kron(a.clone(), identity(&t.rows));
                let factor = if t.cols == Dim::One {
                    spread
                } else {
                    kron(identity(&t.cols), spread)
                };
                let m = self.map(b)?;
                Ok(m.map(|m| self.mul(factor, m)))
            }
            _ => Err(self.no_form(e)),
        }
    }

    /// The row (or scalar) M with s = M vec(Ẋ) for a scalar s: vec(G)ᵀ,
    /// G the gradient pulled back from s; for a scalar leaf, s at Ẋ = 1.
    fn scalar(&self, s: &Expr) -> Result<Expr, String> {
        let leaf_shape = self.env.name_shape(self.leaf);
        if leaf_shape.is_scalar() {
            return Ok(s.substitute(&|n| (n == self.leaf).then(|| Expr::int(1))));
        }
        let parts = pullback(s, Expr::int(1), self.env, &|n| n == self.leaf)?;
        let gradient = parts.into_iter().map(|(_, g)| g).reduce(Expr::add);
        let gradient = gradient.ok_or_else(|| self.no_form(s))?;
        Ok(if is_vector(&leaf_shape) {
            transpose(gradient)
        } else {
            transpose(vec(gradient))
        })
    }

    /// `x * y`, Kronecker products of conforming factors multiplied
    /// together, (P ⊗ Q)(R ⊗ S) = PR ⊗ QS, and identities dropped.
    fn mul(&self, x: Expr, y: Expr) -> Expr {
        // A sign stays outside, so that the factors inside meet.
        match (x.kind, y.kind) {
            (ExprKind::Neg(x), y) => Expr::neg(self.mul(*x, Expr::new(y))),
            (x, ExprKind::Neg(y)) => Expr::neg(self.mul(Expr::new(x), *y)),
            (x, y) => self.mul_unsigned(Expr::new(x), Expr::new(y)),
        }
    }

    fn mul_unsigned(&self, x: Expr, y: Expr) -> Expr {
        if let (ExprKind::Call(Func::Kron, f), ExprKind::Call(Func::Kron, g)) = (&x.kind, &y.kind) {
            let conforms = |a: &Expr, b: &Expr| self.shape(a).cols == self.shape(b).rows;
            if conforms(&f[0], &g[0]) && conforms(&f[1], &g[1]) {
                return kron(
                    drop_identity(f[0].clone(), g[0].clone()),
                    drop_identity(f[1].clone(), g[1].clone()),
                );
            }
        }
        drop_identity(x, y)
    }
}

/// `x * y` with an identity factor left out.
fn drop_identity(x: Expr, y: Expr) -> Expr {
    match (&x.kind, &y.kind) {
        (ExprKind::Identity(_), _) => y,
        (_, ExprKind::Identity(_)) => x,
        _ => Expr::mul(x, y),
    }
}

/// S with vec(diag(t)) = S t for t of length n: diag(vec(I)) (1 ⊗ I), the
/// columns of I(n) stacked n times and masked to the diagonal's places.
fn diagonal_selection(n: &Dim) -> Expr {
    let column = Expr::new(ExprKind::Ones(Some(Shape::new(n.clone(), Dim::One))));
    Expr::mul(diag(vec(identity(n))), kron(column, identity(n)))
}

/// How many entries a value of this shape has.
pub(super) fn entries(shape: &Shape) -> Dim {
    dim_product(&shape.rows, &shape.cols)
}

fn is_vector(shape: &Shape) -> bool {
    shape.rows == Dim::One || shape.cols == Dim::One
}

fn identity(n: &Dim) -> Expr {
    Expr::new(ExprKind::Identity(Some(n.clone())))
}

fn kron(a: Expr, b: Expr) -> Expr {
    Expr::call(Func::Kron, vec![a, b])
}

fn vec(a: Expr) -> Expr {
    Expr::call(Func::Vec, vec![a])
}

fn diag(a: Expr) -> Expr {
    Expr::call(Func::Diag, vec![a])
}

fn transpose(a: Expr) -> Expr {
    match a.kind {
        ExprKind::Transpose(inner) => *inner,
        kind => Expr::transpose(Expr::new(kind)),
    }
}
