//! The matrix of a linear map: given a tangent `e` linear in one vector (or
//! scalar) tangent leaf ẋ, the matrix M with e = M ẋ. This is how a Hessian
//! is read off the tangent of a gradient: ġ = H ẋ.
//!
//! Column-valued (and scalar) terms give M directly; row-valued terms
//! (ẋᵀ R) are tracked as R and transposed where they meet.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name, Shape};
use crate::shape::Env;

/// The matrix M with `e = M * leaf`, for `e` a column vector or scalar
/// linear in the vector or scalar `leaf`. Fails, naming the form, where the
/// dependence is not one of the linear forms it knows.
///
/// ```
/// use matdiff::ast::Name;
/// let model = matdiff::shape::analyze_source("f = x' * A * x").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("A * dot(x) + 2 * dot(x)").unwrap(), None).unwrap();
/// let m = matdiff::diff::linear_map(&e, &Name::plain("x").dot(), &model.env).unwrap();
/// assert_eq!(matdiff::tidy::tidy(&m, &model.env).to_string(), "A + 2 * I");
/// ```
pub fn linear_map(e: &Expr, leaf: &Name, env: &Env) -> Result<Expr, String> {
    Map { leaf, env }.column(e)
}

struct Map<'a> {
    leaf: &'a Name,
    env: &'a Env,
}

enum Kind {
    Column,
    Row,
}

impl Map<'_> {
    fn active(&self, e: &Expr) -> bool {
        e.mentions(&|n| n == self.leaf)
    }

    fn shape(&self, e: &Expr) -> Shape {
        self.env.shape(e)
    }

    fn kind(&self, e: &Expr) -> Kind {
        let s = self.shape(e);
        if s.rows == Dim::One && s.cols != Dim::One {
            Kind::Row
        } else {
            Kind::Column
        }
    }

    fn leaf_size(&self) -> Dim {
        self.env.name_shape(self.leaf).rows
    }

    fn unsupported(&self, e: &Expr) -> String {
        format!("the Hessian cannot be read off `{e}`: it is not a linear form matdiff knows")
    }

    /// M with `e = M ẋ` (e a column or scalar).
    fn column(&self, e: &Expr) -> Result<Expr, String> {
        if let Kind::Row = self.kind(e) {
            return Err(self.unsupported(e));
        }
        Ok(match &e.kind {
            ExprKind::Var(n) if n == self.leaf => {
                Expr::new(ExprKind::Identity(Some(self.leaf_size())))
            }
            ExprKind::Neg(a) => Expr::neg(self.column(a)?),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                match (self.active(a), self.active(b)) {
                    (true, true) => Expr::binary(*op, self.column(a)?, self.column(b)?),
                    (true, false) => self.column(a)?,
                    (false, true) if *op == BinOp::Sub => Expr::neg(self.column(b)?),
                    (false, true) => self.column(b)?,
                    (false, false) => return Err(self.unsupported(e)),
                }
            }
            ExprKind::Transpose(a) => match self.kind(a) {
                Kind::Row => Expr::transpose(self.row(a)?),
                Kind::Column => self.column(a)?,
            },
            ExprKind::Binary(BinOp::Mul, a, b) => self.product(e, a, b)?,
            ExprKind::Binary(BinOp::Div, a, s) if !self.active(s) => {
                Expr::binary(BinOp::Div, self.column(a)?, (**s).clone())
            }
            ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
                let (moving, fixed) = match (self.active(a), self.active(b)) {
                    (true, false) => (a, b),
                    (false, true) if *op == BinOp::EMul => (b, a),
                    _ => return Err(self.unsupported(e)),
                };
                let weight = if *op == BinOp::EMul {
                    (**fixed).clone()
                } else {
                    let ones = Expr::new(ExprKind::Ones(Some(self.shape(fixed))));
                    Expr::binary(BinOp::EDiv, ones, (**fixed).clone())
                };
                if self.shape(&weight).is_scalar() {
                    Expr::mul(weight, self.column(moving)?)
                } else if self.shape(moving).is_scalar() {
                    // s ⊙ w = w s for a scalar s.
                    Expr::mul(weight, self.column(moving)?)
                } else {
                    Expr::mul(Expr::call(Func::Diag, vec![weight]), self.column(moving)?)
                }
            }
            ExprKind::Call(Func::Tr, args) if self.shape(&args[0]).is_scalar() => {
                self.column(&args[0])?
            }
            ExprKind::Call(Func::Sum, args) => {
                let inner = self.column(&args[0])?;
                if self.shape(&args[0]).is_scalar() {
                    inner
                } else {
                    let ones = Expr::new(ExprKind::Ones(Some(self.shape(&args[0]))));
                    Expr::mul(Expr::transpose(ones), inner)
                }
            }
            ExprKind::Call(Func::Inner, args) => {
                let (moving, fixed) = if self.active(&args[0]) {
                    (&args[0], &args[1])
                } else {
                    (&args[1], &args[0])
                };
                if self.active(fixed) || !matches!(self.kind(moving), Kind::Column) {
                    return Err(self.unsupported(e));
                }
                Expr::mul(Expr::transpose(fixed.clone()), self.column(moving)?)
            }
            _ => return Err(self.unsupported(e)),
        })
    }

    /// M for `a * b` (a column or scalar result), one side active.
    fn product(&self, e: &Expr, a: &Expr, b: &Expr) -> Result<Expr, String> {
        let (sa, sb) = (self.shape(a), self.shape(b));
        match (self.active(a), self.active(b)) {
            (false, true) => {
                if let ExprKind::Call(Func::Diag, args) = &b.kind {
                    // A diag(ṫ)… is not linear in a column we can read; refuse.
                    let _ = args;
                    return Err(self.unsupported(e));
                }
                match self.kind(b) {
                    // A ẋ, s ẋ, v s(ẋ): the constant multiplies the map on the left.
                    Kind::Column => Ok(Expr::mul(a.clone(), self.column(b)?)),
                    Kind::Row => Err(self.unsupported(e)),
                }
            }
            (true, false) => {
                if let ExprKind::Call(Func::Diag, args) = &a.kind {
                    // diag(ṫ) b = ṫ ⊙ b = diag(b) ṫ
                    if self.shape(&args[0]).cols == Dim::One && self.active(&args[0]) {
                        return Ok(Expr::mul(
                            Expr::call(Func::Diag, vec![b.clone()]),
                            self.column(&args[0])?,
                        ));
                    }
                    return Err(self.unsupported(e));
                }
                if sb.is_scalar() {
                    // t(ẋ) s = s M
                    return Ok(Expr::mul(b.clone(), self.column(a)?));
                }
                if sa.is_scalar() {
                    // s(ẋ) v = v s(ẋ): a column times a row map
                    return Ok(Expr::mul(b.clone(), self.column(a)?));
                }
                match self.kind(a) {
                    // (ẋᵀ R) b is a scalar: (R b)ᵀ ẋ
                    Kind::Row => Ok(Expr::transpose(Expr::mul(self.row(a)?, b.clone()))),
                    Kind::Column => Err(self.unsupported(e)),
                }
            }
            _ => Err(self.unsupported(e)),
        }
    }

    /// R with `e = ẋᵀ R` (e a row vector).
    fn row(&self, e: &Expr) -> Result<Expr, String> {
        Ok(match &e.kind {
            ExprKind::Neg(a) => Expr::neg(self.row(a)?),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                match (self.active(a), self.active(b)) {
                    (true, true) => Expr::binary(*op, self.row(a)?, self.row(b)?),
                    (true, false) => self.row(a)?,
                    (false, true) if *op == BinOp::Sub => Expr::neg(self.row(b)?),
                    (false, true) => self.row(b)?,
                    (false, false) => return Err(self.unsupported(e)),
                }
            }
            // (M ẋ)ᵀ = ẋᵀ Mᵀ
            ExprKind::Transpose(a) => Expr::transpose(self.column(a)?),
            // (ẋᵀ R) B = ẋᵀ (R B), B a matrix or a scalar
            ExprKind::Binary(BinOp::Mul, a, b) if self.active(a) && !self.active(b) => {
                Expr::mul(self.row(a)?, (**b).clone())
            }
            ExprKind::Binary(BinOp::Mul, a, b) if self.active(b) && self.shape(a).is_scalar() => {
                Expr::mul((**a).clone(), self.row(b)?)
            }
            ExprKind::Binary(BinOp::Div, a, s) if !self.active(s) => {
                Expr::binary(BinOp::Div, self.row(a)?, (**s).clone())
            }
            _ => return Err(self.unsupported(e)),
        })
    }
}
