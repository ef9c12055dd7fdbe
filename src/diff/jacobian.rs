//! The matrix of a linear map: given a tangent `e` linear in one vector (or
//! scalar) tangent leaf ẋ, the matrix M with e = M ẋ. This is how a Hessian
//! is read off the tangent of a gradient: ġ = H ẋ.
//!
//! For a scalar leaf ṡ the map is e itself at ṡ = 1. For a vector leaf every
//! sub-expression linear in ẋ is brought to a sum of two kinds of term
//! ([`Term`]), a form every linear operator of the language maps back into;
//! the final column (or scalar) then gives M. Only what has no closed form
//! without Kronecker products is refused (a Hadamard product or diagonal
//! taken after a masked term was multiplied on both sides).

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name, Shape};
use crate::shape::Env;

/// The matrix M with `e = M * leaf`, for `e` a column vector or scalar
/// linear in the column vector or scalar `leaf`; M is rows(e)×rows(leaf).
/// Fails, naming the sub-expression, where M has no closed form.
///
/// ```
/// use matdiff::ast::Name;
/// let model = matdiff::shape::analyze_source("f = x' * A * x").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("A * dot(x) + 2 * dot(x)").unwrap(), None).unwrap();
/// let m = matdiff::diff::linear_map(&e, &Name::plain("x").dot(), &model.env).unwrap();
/// assert_eq!(matdiff::tidy::tidy(&m, &model.env).to_string(), "A + 2 * I");
/// ```
pub fn linear_map(e: &Expr, leaf: &Name, env: &Env) -> Result<Expr, String> {
    let leaf_shape = env.name_shape(leaf);
    if leaf_shape.is_scalar() {
        // e = M ṡ with ṡ a scalar, so M is e at ṡ = 1; a scalar stands in
        // for a scalar, so every shape in e stays what it was.
        return Ok(e.substitute(&|n| (n == leaf).then(|| Expr::int(1))));
    }
    if leaf_shape.cols != Dim::One {
        let shape = leaf_shape.describe();
        return Err(format!(
            "the Hessian is read off for column vector and scalar inputs, but `{leaf}` is {shape}"
        ));
    }
    let reader = Reader {
        leaf,
        env,
        size: leaf_shape.rows,
    };
    let e_shape = env.shape(e);
    if e_shape.cols != Dim::One {
        return Err(reader.unsupported(e));
    }
    let terms = reader.form(e)?;
    let mut matrix: Option<Expr> = None;
    for term in &terms {
        let part = reader.column_matrix(term);
        matrix = Some(match matrix {
            None => part,
            Some(sum) => Expr::add(sum, part),
        });
    }
    let matrix = matrix.unwrap_or_else(|| Expr::int(0));
    debug_assert!(
        matrix.is_zero()
            || env.shape(&matrix) == Shape::new(e_shape.rows.clone(), reader.size.clone()),
        "the map of `{e}` came out {} as `{matrix}`",
        env.shape(&matrix)
    );
    Ok(matrix)
}

/// One term of an expression linear in ẋ (n×1). With u = m ẋ (k×1):
// Terms live only while one tangent is read, a few per node; boxing the
// common variant would cost an allocation each for no saving.
#[allow(clippy::large_enum_variant)]
enum Term {
    /// `w * (r * ẋ)`: a constant `w` (any shape) times the scalar r ẋ, r a
    /// 1×n row.
    Scaled { w: Expr, r: Expr },
    /// `left * (mask .* (a * diag(m * ẋ) * b)) * right`.
    Spread(Box<Spread>),
}

/// `left * (mask .* (a * diag(u) * b)) * right`, u = m ẋ: the sum over l of
/// u_l · left · (mask .* (a_l b_l')) · right, a_l the l-th column of `a`
/// and b_l' the l-th row of `b`. A column N ẋ is `N * diag(ẋ) * ones`, a row
/// ẋ' R is `ones' * diag(ẋ) * R`, an outer product (N ẋ) v' is
/// `N * diag(ẋ) * ones * v'`, and diag(N ẋ) is `I * diag(N ẋ) * I`.
///
/// Without a mask, `left` and `right` are multiplied into `a` and `b`, so
/// they are `None`; `None` stands for the identity (and an absent mask
/// for all ones).
#[derive(Clone)]
struct Spread {
    left: Option<Expr>,
    mask: Option<Expr>,
    a: Expr,
    m: Expr,
    b: Expr,
    right: Option<Expr>,
}

/// A scalar factor applied to a term.
enum Scale<'e> {
    Times(&'e Expr),
    Over(&'e Expr),
}

struct Reader<'a> {
    leaf: &'a Name,
    env: &'a Env,
    /// n, the leaf's length.
    size: Dim,
}

impl Reader<'_> {
    fn active(&self, e: &Expr) -> bool {
        e.mentions(&|n| n == self.leaf)
    }

    fn shape(&self, e: &Expr) -> Shape {
        self.env.shape(e)
    }

    fn unsupported(&self, e: &Expr) -> String {
        let leaf = self.leaf;
        format!("the Hessian cannot be read off `{e}`: it is not linear in `{leaf}`")
    }

    fn no_closed_form(&self, e: &Expr) -> String {
        let leaf = self.leaf;
        format!("the Hessian has no closed matrix form here: reading `{e}` as a matrix times `{leaf}` needs Kronecker products, which matdiff's language does not have")
    }

    /// `e` (linear in ẋ) as a sum of terms.
    fn form(&self, e: &Expr) -> Result<Vec<Term>, String> {
        let terms = self.structural_form(e);
        if terms.is_err() && self.active(e) && self.shape(e).is_scalar() {
            // A scalar linear in ẋ is always a row times ẋ: ⟨1, s(ẋ)⟩ =
            // ⟨g, ẋ⟩, with g pulled back by reverse mode, which knows every
            // linear form a tangent can take, Kronecker-shaped ones included.
            if let Some(row) = self.pulled_back_row(e) {
                return Ok(vec![Term::Scaled {
                    w: Expr::int(1),
                    r: row,
                }]);
            }
        }
        terms
    }

    /// The row r with `e = r * ẋ`, for a scalar `e`, by the pullback.
    fn pulled_back_row(&self, e: &Expr) -> Option<Expr> {
        let is_leaf = |n: &crate::ast::Name| n == self.leaf;
        let parts = super::pullback(e, Expr::int(1), self.env, &is_leaf).ok()?;
        let gradient = parts.into_iter().map(|(_, g)| g).reduce(Expr::add)?;
        let gradient = crate::tidy::tidy(&gradient, self.env);
        (self.shape(&gradient) == Shape::new(self.size.clone(), Dim::One))
            .then(|| transpose(gradient))
    }

    fn structural_form(&self, e: &Expr) -> Result<Vec<Term>, String> {
        if !self.active(e) {
            return if e.is_zero() {
                Ok(Vec::new())
            } else {
                Err(self.unsupported(e))
            };
        }
        let each = |terms: Vec<Term>, f: &dyn Fn(Term) -> Result<Term, String>| {
            terms.into_iter().map(f).collect::<Result<Vec<_>, _>>()
        };
        match &e.kind {
            ExprKind::Var(_) => {
                let n = &self.size;
                Ok(vec![Term::Spread(Box::new(Spread {
                    left: None,
                    mask: None,
                    a: identity(n),
                    m: identity(n),
                    b: ones(n, &Dim::One),
                    right: None,
                }))])
            }
            ExprKind::Neg(a) => each(self.form(a)?, &|t| Ok(self.negate(t))),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let mut terms = self.form(a)?;
                let rest = self.form(b)?;
                if *op == BinOp::Sub {
                    terms.extend(rest.into_iter().map(|t| self.negate(t)));
                } else {
                    terms.extend(rest);
                }
                Ok(terms)
            }
            ExprKind::Transpose(a) => each(self.form(a)?, &|t| Ok(self.transpose_term(t))),
            ExprKind::Power(a, 1) => self.form(a),
            ExprKind::ElemPower(a, k) if num_traits::One::is_one(k) => self.form(a),
            ExprKind::Binary(BinOp::Mul, a, b) => match (self.active(a), self.active(b)) {
                (true, false) => {
                    let value = self.shape(a);
                    each(self.form(a)?, &|t| self.right_mul(t, &value, b))
                }
                (false, true) => {
                    let value = self.shape(b);
                    each(self.form(b)?, &|t| self.left_mul(a, t, &value))
                }
                _ => Err(self.unsupported(e)),
            },
            ExprKind::Binary(BinOp::Div, a, s) if !self.active(s) => {
                each(self.form(a)?, &|t| Ok(self.scale(t, Scale::Over(s))))
            }
            ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
                let (moving, fixed) = match (self.active(a), self.active(b)) {
                    (true, false) => (a, b),
                    (false, true) if *op == BinOp::EMul => (b, a),
                    _ => return Err(self.unsupported(e)),
                };
                let value = self.shape(moving);
                let fixed_shape = self.shape(fixed);
                let terms = self.form(moving)?;
                if *op == BinOp::EDiv && fixed_shape.is_scalar() {
                    return each(terms, &|t| Ok(self.scale(t, Scale::Over(fixed))));
                }
                let weight = if *op == BinOp::EMul {
                    (**fixed).clone()
                } else {
                    let ones = Expr::new(ExprKind::Ones(Some(fixed_shape)));
                    Expr::binary(BinOp::EDiv, ones, (**fixed).clone())
                };
                each(terms, &|t| self.hadamard_term(t, &value, &weight, e))
            }
            ExprKind::Call(func, args) => self.call(e, *func, args),
            _ => Err(self.unsupported(e)),
        }
    }

    fn call(&self, e: &Expr, func: Func, args: &[Expr]) -> Result<Vec<Term>, String> {
        let arg = &args[0];
        let value = self.shape(arg);
        let functional = |terms: Vec<Term>, weight: &Expr| -> Result<Vec<Term>, String> {
            terms
                .into_iter()
                .map(|t| {
                    Ok(Term::Scaled {
                        w: Expr::int(1),
                        r: self.functional(&t, &value, weight),
                    })
                })
                .collect()
        };
        match func {
            Func::Tr | Func::Sum | Func::Diag if value.is_scalar() => self.form(arg),
            Func::Tr => functional(self.form(arg)?, &identity(&value.rows)),
            Func::Sum => functional(self.form(arg)?, &ones(&value.rows, &value.cols)),
            Func::Inner => {
                let (moving, fixed) = match (self.active(&args[0]), self.active(&args[1])) {
                    (true, false) => (&args[0], &args[1]),
                    (false, true) => (&args[1], &args[0]),
                    _ => return Err(self.unsupported(e)),
                };
                let value = self.shape(moving);
                self.form(moving)?
                    .into_iter()
                    .map(|t| {
                        Ok(Term::Scaled {
                            w: Expr::int(1),
                            r: self.functional(&t, &value, fixed),
                        })
                    })
                    .collect()
            }
            Func::Diag if value.cols == Dim::One || value.rows == Dim::One => {
                // diag(N ẋ) = I * diag(N ẋ) * I, of a row through its transpose.
                let column = value.cols == Dim::One;
                let n = if column { &value.rows } else { &value.cols };
                self.form(arg)?
                    .into_iter()
                    .map(|t| {
                        let t = if column { t } else { self.transpose_term(t) };
                        Ok(match t {
                            Term::Scaled { w, r } => Term::Scaled { w: diag(w), r },
                            spread => Term::Spread(Box::new(Spread {
                                left: None,
                                mask: None,
                                a: identity(n),
                                m: self.column_matrix(&spread),
                                b: identity(n),
                                right: None,
                            })),
                        })
                    })
                    .collect()
            }
            // A \\ T is inv(A) T: the same read-off as a constant left factor.
            Func::Solve if !self.active(arg) => {
                let value = self.shape(&args[1]);
                let inverse = Expr::call(Func::Inv, vec![arg.clone()]);
                self.form(&args[1])?
                    .into_iter()
                    .map(|t| self.left_mul(&inverse, t, &value))
                    .collect()
            }
            Func::Diag => self
                .form(arg)?
                .into_iter()
                .map(|t| self.diagonal(t, e))
                .collect(),
            _ => Err(self.unsupported(e)),
        }
    }

    /// `c * t`, `t` of shape `value`.
    fn left_mul(&self, c: &Expr, t: Term, value: &Shape) -> Result<Term, String> {
        if self.shape(c).is_scalar() {
            return Ok(self.scale(t, Scale::Times(c)));
        }
        Ok(match t {
            Term::Scaled { w, r } => Term::Scaled {
                w: self.mul(c.clone(), w),
                r,
            },
            // A matrix times a scalar linear in ẋ.
            t if value.is_scalar() => Term::Scaled {
                w: c.clone(),
                r: self.functional(&t, value, &Expr::int(1)),
            },
            Term::Spread(mut s) => {
                if s.mask.is_none() {
                    s.a = self.mul(c.clone(), s.a);
                } else {
                    s.left = Some(match s.left.take() {
                        Some(l) => self.mul(c.clone(), l),
                        None => c.clone(),
                    });
                }
                Term::Spread(s)
            }
        })
    }

    /// `t * d`, `t` of shape `value`.
    fn right_mul(&self, t: Term, value: &Shape, d: &Expr) -> Result<Term, String> {
        if self.shape(d).is_scalar() {
            return Ok(self.scale(t, Scale::Times(d)));
        }
        Ok(match t {
            Term::Scaled { w, r } => Term::Scaled {
                w: self.mul(w, d.clone()),
                r,
            },
            t if value.is_scalar() => Term::Scaled {
                w: d.clone(),
                r: self.functional(&t, value, &Expr::int(1)),
            },
            Term::Spread(mut s) => {
                if s.mask.is_none() {
                    s.b = self.mul(s.b, d.clone());
                } else {
                    s.right = Some(match s.right.take() {
                        Some(r) => self.mul(r, d.clone()),
                        None => d.clone(),
                    });
                }
                Term::Spread(s)
            }
        })
    }

    /// `weight .* t`, `t` of shape `value`, `weight` of that shape or a
    /// scalar; `e` is the product, for the message.
    fn hadamard_term(
        &self,
        t: Term,
        value: &Shape,
        weight: &Expr,
        e: &Expr,
    ) -> Result<Term, String> {
        if self.shape(weight).is_scalar() {
            return Ok(self.scale(t, Scale::Times(weight)));
        }
        if value.is_scalar() {
            // A scalar spread over the weight's shape: weight * s.
            return self.left_mul(weight, t, value);
        }
        if value.cols == Dim::One {
            return self.left_mul(&diag(weight.clone()), t, value);
        }
        if value.rows == Dim::One {
            return self.right_mul(t, value, &diag(transpose(weight.clone())));
        }
        Ok(match t {
            Term::Scaled { w, r } => Term::Scaled {
                w: self.hadamard(weight.clone(), w),
                r,
            },
            Term::Spread(mut s) => {
                if s.left.is_some() || s.right.is_some() {
                    return Err(self.no_closed_form(e));
                }
                // A diagonal factor commutes with the mask:
                // K .* (D diag(u) B) = D diag(u) (K .* B), D diagonal.
                let diagonal = |x: &Expr| s.mask.is_none() && is_diagonal(x, self.env);
                if diagonal(&s.a) && diagonal(&s.b) {
                    // All diagonal: K .* diag(w) = diag(diag(K) .* w), so the
                    // mask's diagonal scales u.
                    s.m = self.mul(diag(diag(weight.clone())), s.m);
                } else if let (None, Some(v)) = (&s.mask, repeated_column(&s.a, self.env)) {
                    // a = v ones': a diag(u) b = v (b' u)', and
                    // K .* (v w') = diag(v) K diag(w).
                    let q = self.shape(&s.b).cols;
                    let Spread { a: _, m, b, .. } = *s;
                    s = Box::new(Spread {
                        left: None,
                        mask: None,
                        a: self.mul(diag(v), weight.clone()),
                        m: self.mul(transpose(b), m),
                        b: identity(&q),
                        right: None,
                    });
                } else if let (None, Some(v)) = (&s.mask, repeated_row(&s.b, self.env)) {
                    // b = ones v': a diag(u) b = (a u) v', and
                    // K .* (z v') = diag(z) K diag(v).
                    let p = self.shape(&s.a).rows;
                    let Spread { a, m, .. } = *s;
                    s = Box::new(Spread {
                        left: None,
                        mask: None,
                        a: identity(&p),
                        m: self.mul(a, m),
                        b: self.mul(weight.clone(), diag(v)),
                        right: None,
                    });
                } else if diagonal(&s.a) {
                    s.b = self.hadamard(weight.clone(), s.b);
                } else if diagonal(&s.b) {
                    s.a = self.hadamard(weight.clone(), s.a);
                } else {
                    s.mask = Some(match s.mask.take() {
                        Some(k) => self.hadamard(k, weight.clone()),
                        None => weight.clone(),
                    });
                }
                Term::Spread(s)
            }
        })
    }

    /// `diag(t)` for `t` a square matrix: a column.
    fn diagonal(&self, t: Term, e: &Expr) -> Result<Term, String> {
        let s = match t {
            Term::Scaled { w, r } => return Ok(Term::Scaled { w: diag(w), r }),
            Term::Spread(s) => s,
        };
        // diag(t) = Z u, with Z_il the i-th diagonal entry of the l-th summand.
        let bt = transpose(s.b.clone());
        let z = match (&s.left, &s.mask, &s.right) {
            // diag(A diag(u) B) = (A .* B') u
            (_, None, _) => self.hadamard(s.a.clone(), bt),
            (None, Some(k), None) => {
                self.mul(diag(diag(k.clone())), self.hadamard(s.a.clone(), bt))
            }
            (None, Some(k), Some(d)) => self.hadamard(
                s.a.clone(),
                self.mul(self.hadamard(k.clone(), transpose(d.clone())), bt),
            ),
            (Some(c), Some(k), None) => self.hadamard(
                self.mul(self.hadamard(c.clone(), transpose(k.clone())), s.a.clone()),
                bt,
            ),
            (Some(_), Some(_), Some(_)) => return Err(self.no_closed_form(e)),
        };
        let k = self.shape(&s.m).rows;
        Ok(Term::Spread(Box::new(Spread {
            left: None,
            mask: None,
            a: z,
            m: s.m,
            b: ones(&k, &Dim::One),
            right: None,
        })))
    }

    /// The row r (1×n) with ⟨weight, t⟩ = r ẋ, for `t` of shape `value` and
    /// `weight` of that shape (a scalar for a scalar `t`).
    fn functional(&self, t: &Term, value: &Shape, weight: &Expr) -> Expr {
        match t {
            Term::Scaled { w, r } => self.mul(self.pairing(weight, w, value), r.clone()),
            Term::Spread(s) => {
                // ⟨G, C (K .* X) D⟩ = ⟨K .* (C' G D'), X⟩
                let (inner, weight) = match &s.mask {
                    None => (value.clone(), weight.clone()),
                    Some(k) => {
                        let mut g = weight.clone();
                        if let Some(c) = &s.left {
                            g = self.mul(transpose(c.clone()), g);
                        }
                        if let Some(d) = &s.right {
                            g = self.mul(g, transpose(d.clone()));
                        }
                        (self.shape(k), self.hadamard(k.clone(), g))
                    }
                };
                self.mul(
                    self.spread_weights(&s.a, &s.b, &inner, &weight),
                    s.m.clone(),
                )
            }
        }
    }

    /// The row ρ (1×k) with ⟨G, A diag(u) B⟩ = ρ u: ρ_l = a_l' G b_l.
    fn spread_weights(&self, a: &Expr, b: &Expr, value: &Shape, g: &Expr) -> Expr {
        let at = transpose(a.clone());
        let bt = transpose(b.clone());
        if value.is_scalar() {
            return self.scale_expr(g, self.hadamard(a.clone(), bt));
        }
        if value.cols == Dim::One {
            return self.hadamard(self.mul(transpose(g.clone()), a.clone()), bt);
        }
        if value.rows == Dim::One {
            return self.hadamard(
                a.clone(),
                transpose(self.mul(b.clone(), transpose(g.clone()))),
            );
        }
        if matches!(g.kind, ExprKind::Identity(_)) {
            return transpose(diag(self.mul(b.clone(), a.clone())));
        }
        transpose(diag(self.mul(self.mul(at, g.clone()), bt)))
    }

    /// M with t = M ẋ, for `t` a column or scalar term.
    fn column_matrix(&self, t: &Term) -> Expr {
        match t {
            Term::Scaled { w, r } => self.mul(w.clone(), r.clone()),
            Term::Spread(s) => {
                // The l-th column of Z is the l-th summand of t: Z u = t.
                let z = match &s.mask {
                    None => self.mul(s.a.clone(), diag(s.b.clone())),
                    Some(k) => {
                        let mut masked = k.clone();
                        if let Some(d) = &s.right {
                            masked = self.mul(masked, diag(d.clone()));
                        }
                        let z =
                            self.hadamard(s.a.clone(), self.mul(masked, transpose(s.b.clone())));
                        match &s.left {
                            Some(c) => self.mul(c.clone(), z),
                            None => z,
                        }
                    }
                };
                self.mul(z, s.m.clone())
            }
        }
    }

    fn negate(&self, t: Term) -> Term {
        match t {
            Term::Scaled { w, r } => Term::Scaled { w: neg(w), r },
            Term::Spread(mut s) => {
                s.a = neg(s.a);
                Term::Spread(s)
            }
        }
    }

    fn scale(&self, t: Term, by: Scale) -> Term {
        let apply = |x: Expr| match by {
            Scale::Times(s) => self.scale_expr(s, x),
            Scale::Over(s) => Expr::binary(BinOp::Div, x, s.clone()),
        };
        match t {
            Term::Scaled { w, r } => Term::Scaled { w: apply(w), r },
            // A scalar passes through the mask: s (K .* X) = K .* (s X).
            Term::Spread(mut s) => {
                s.a = apply(s.a);
                Term::Spread(s)
            }
        }
    }

    fn transpose_term(&self, t: Term) -> Term {
        match t {
            Term::Scaled { w, r } => Term::Scaled { w: transpose(w), r },
            Term::Spread(s) => Term::Spread(Box::new(Spread {
                left: s.right.map(transpose),
                mask: s.mask.map(transpose),
                a: transpose(s.b),
                m: s.m,
                b: transpose(s.a),
                right: s.left.map(transpose),
            })),
        }
    }

    fn pairing(&self, g: &Expr, w: &Expr, value: &Shape) -> Expr {
        if value.is_scalar() {
            return self.scale_expr(g, w.clone());
        }
        match &g.kind {
            ExprKind::Identity(_) => Expr::call(Func::Tr, vec![w.clone()]),
            ExprKind::Ones(_) => Expr::call(Func::Sum, vec![w.clone()]),
            _ => Expr::call(Func::Inner, vec![g.clone(), w.clone()]),
        }
    }

    /// `x * y`, dropping an identity or a scalar 1 where that keeps the shape.
    fn mul(&self, x: Expr, y: Expr) -> Expr {
        let scalar = |e: &Expr| self.shape(e).is_scalar();
        match (&x.kind, &y.kind) {
            (ExprKind::Identity(_), _) if !scalar(&y) || scalar(&x) => y,
            (_, ExprKind::Identity(_)) if !scalar(&x) || scalar(&y) => x,
            _ if x.is_one() => y,
            _ if y.is_one() => x,
            _ => Expr::mul(x, y),
        }
    }

    /// `s * x` for a scalar `s`.
    fn scale_expr(&self, s: &Expr, x: Expr) -> Expr {
        self.mul(s.clone(), x)
    }

    /// `x .* y`, dropping an all-ones factor where that keeps the shape.
    fn hadamard(&self, x: Expr, y: Expr) -> Expr {
        let scalar = |e: &Expr| self.shape(e).is_scalar();
        // I .* D = D for a diagonal D; I .* (v * ones') = diag(v).
        for (i, other) in [(&x, &y), (&y, &x)] {
            if matches!(i.kind, ExprKind::Identity(_)) {
                if is_diagonal(other, self.env) {
                    return other.clone();
                }
                if let Some(v) = spread_column(other, self.env) {
                    return diag(v);
                }
            }
        }
        match (&x.kind, &y.kind) {
            (ExprKind::Ones(_), _) if !scalar(&y) || scalar(&x) => y,
            (_, ExprKind::Ones(_)) if !scalar(&x) || scalar(&y) => x,
            _ => Expr::binary(BinOp::EMul, x, y),
        }
    }
}

/// True for `I`, `diag(v)` of a vector and their negations and scalar
/// multiples: factors that commute with a Hadamard mask.
fn is_diagonal(e: &Expr, env: &Env) -> bool {
    match &e.kind {
        ExprKind::Identity(_) => true,
        ExprKind::Call(Func::Diag, args) => {
            let s = env.shape(&args[0]);
            s.cols == Dim::One || s.rows == Dim::One
        }
        ExprKind::Neg(x) | ExprKind::Transpose(x) => is_diagonal(x, env),
        ExprKind::Binary(BinOp::Mul, x, y) => {
            (env.shape(x).is_scalar() && is_diagonal(y, env))
                || (env.shape(y).is_scalar() && is_diagonal(x, env))
                || (is_diagonal(x, env) && is_diagonal(y, env))
        }
        ExprKind::Binary(BinOp::Div, x, _) => is_diagonal(x, env),
        _ => false,
    }
}

/// The column v of `v * ones'`, a matrix whose columns are all v.
fn repeated_column(e: &Expr, env: &Env) -> Option<Expr> {
    let ExprKind::Binary(BinOp::Mul, v, o) = &e.kind else {
        return None;
    };
    let is_row_of_ones = match &o.kind {
        ExprKind::Transpose(inner) => matches!(inner.kind, ExprKind::Ones(_)),
        ExprKind::Ones(Some(s)) => s.rows == Dim::One,
        _ => false,
    };
    let s = env.shape(v);
    (is_row_of_ones && s.cols == Dim::One && !s.is_scalar()).then(|| (**v).clone())
}

/// The column v of `ones * v'`, a matrix whose rows are all v'.
fn repeated_row(e: &Expr, env: &Env) -> Option<Expr> {
    let ExprKind::Binary(BinOp::Mul, o, r) = &e.kind else {
        return None;
    };
    let s = env.shape(r);
    (matches!(o.kind, ExprKind::Ones(_)) && s.rows == Dim::One && !s.is_scalar())
        .then(|| transpose((**r).clone()))
}

/// The column v of an outer product `v * ones'` or `ones * v'`, whose
/// Hadamard product with `I` is `diag(v)`.
fn spread_column(e: &Expr, env: &Env) -> Option<Expr> {
    repeated_column(e, env).or_else(|| repeated_row(e, env))
}

fn identity(n: &Dim) -> Expr {
    Expr::new(ExprKind::Identity(Some(n.clone())))
}

fn ones(rows: &Dim, cols: &Dim) -> Expr {
    Expr::new(ExprKind::Ones(Some(Shape::new(rows.clone(), cols.clone()))))
}

/// `x * y`, dropping identities and ones-scalars.
/// `s * x` for a scalar `s`.
/// `x .* y` (same shapes), dropping all-ones factors.
fn transpose(x: Expr) -> Expr {
    match x.kind {
        ExprKind::Transpose(inner) => *inner,
        ExprKind::Identity(_) | ExprKind::Num(_) => x,
        ExprKind::Ones(Some(s)) => Expr::new(ExprKind::Ones(Some(s.transposed()))),
        // Down to the factors, where `I`, `ones` and outer products show.
        ExprKind::Binary(BinOp::Mul, x, y) => Expr::mul(transpose(*y), transpose(*x)),
        ExprKind::Neg(x) => Expr::neg(transpose(*x)),
        kind => Expr::transpose(Expr::new(kind)),
    }
}

fn neg(x: Expr) -> Expr {
    match x.kind {
        ExprKind::Neg(inner) => *inner,
        kind => Expr::neg(Expr::new(kind)),
    }
}

/// `diag(x)`; the diagonal matrix of a ones column is `I`.
fn diag(x: Expr) -> Expr {
    match &x.kind {
        ExprKind::Ones(Some(s)) if s.cols == Dim::One => identity(&s.rows),
        _ => Expr::call(Func::Diag, vec![x]),
    }
}
