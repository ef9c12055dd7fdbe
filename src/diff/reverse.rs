//! Reverse mode by the trace form. Given a tangent Ċ, linear in the marked
//! leaves, and the adjoint C̄, each term of ⟨C̄, Ċ⟩ is rewritten until its
//! tangent stands alone: ⟨G, M Ẋ⟩ = ⟨Mᵀ G, Ẋ⟩, ⟨G, Ẋ M⟩ = ⟨G Mᵀ, Ẋ⟩,
//! ⟨G, Ẋᵀ⟩ = ⟨Gᵀ, Ẋ⟩, ⟨g, tr Ẋ⟩ = ⟨g I, Ẋ⟩, ⟨G, N ⊙ Ẋ⟩ = ⟨G ⊙ N, Ẋ⟩;
//! what is left beside Ẋ is the contribution to X̄.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name, Shape};
use crate::shape::Env;

/// One term of an adjoint: the tangent leaf it came from and ⟨this, leaf⟩'s
/// left side.
pub type Contribution = (Name, Expr);

/// One equality of the trace-form derivation: the pairing ⟨left, right⟩
/// reached by the identity `rule`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The adjoint side of the pairing.
    pub left: Expr,
    /// The tangent side.
    pub right: Expr,
    /// The identity used to reach it, in words.
    pub rule: &'static str,
}

/// Pushes the adjoint `seed` of the linear expression `tangent` back to its
/// tangent leaves, the names for which `is_leaf` holds.
///
/// Fails, naming the node, if `tangent` is not linear in those leaves.
///
/// ```
/// use matdiff::ast::{Expr, Name};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let t = matdiff::parse::parse_expr("-C * dot(A) * C").unwrap();
/// let seed = Expr::name(Name::plain("C").bar());
/// let is_leaf = |n: &Name| *n == Name::plain("A").dot();
/// let parts = matdiff::diff::pullback(&t, seed, &model.env, &is_leaf).unwrap();
/// let adjoint = matdiff::tidy::tidy(&parts[0].1, &model.env);
/// assert_eq!(adjoint.to_string(), "-C' * bar(C) * C'");
/// ```
pub fn pullback(
    tangent: &Expr,
    seed: Expr,
    env: &Env,
    is_leaf: &dyn Fn(&Name) -> bool,
) -> Result<Vec<Contribution>, String> {
    pullback_with_steps(tangent, seed, env, is_leaf).map(|(parts, _)| parts)
}

/// [`pullback`], also returning the derivation: each pairing ⟨G, T⟩ from
/// ⟨seed, tangent⟩ down to ⟨X̄-part, Ẋ⟩, with the identity that gave it.
///
/// ```
/// use matdiff::ast::{Expr, Name};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let t = matdiff::parse::parse_expr("-C * dot(A) * C").unwrap();
/// let seed = Expr::name(Name::plain("C").bar());
/// let is_leaf = |n: &Name| *n == Name::plain("A").dot();
/// let (_, steps) = matdiff::diff::pullback_with_steps(&t, seed, &model.env, &is_leaf).unwrap();
/// assert_eq!(steps.last().unwrap().right.to_string(), "dot(A)");
/// assert!(steps.iter().any(|s| s.rule.contains("cyclic")));
/// ```
pub fn pullback_with_steps(
    tangent: &Expr,
    seed: Expr,
    env: &Env,
    is_leaf: &dyn Fn(&Name) -> bool,
) -> Result<(Vec<Contribution>, Vec<Step>), String> {
    let mut out = Out::default();
    Reverse { env, is_leaf }.pull(tangent, seed, "substitute the tangent", &mut out)?;
    Ok((out.parts, out.steps))
}

#[derive(Default)]
struct Out {
    parts: Vec<Contribution>,
    steps: Vec<Step>,
}

struct Reverse<'a> {
    env: &'a Env,
    is_leaf: &'a dyn Fn(&Name) -> bool,
}

const CYCLIC_RIGHT: &str = "cyclic trace: ⟨G, T M⟩ = ⟨G Mᵀ, T⟩";
const CYCLIC_LEFT: &str = "cyclic trace: ⟨G, M T⟩ = ⟨Mᵀ G, T⟩";
const SCALAR: &str = "a scalar factor moves across: ⟨G, s T⟩ = ⟨s G, T⟩";
const SCALAR_TANGENT: &str = "a scalar tangent: ⟨G, ṫ M⟩ = ṫ ⟨M, G⟩";

impl Reverse<'_> {
    fn active(&self, e: &Expr) -> bool {
        e.mentions(self.is_leaf)
    }

    fn pull(&self, e: &Expr, seed: Expr, rule: &'static str, out: &mut Out) -> Result<(), String> {
        if !self.active(e) {
            return Ok(());
        }
        out.steps.push(Step {
            left: seed.clone(),
            right: e.clone(),
            rule,
        });
        match &e.kind {
            ExprKind::Var(name) => out.parts.push((name.clone(), seed)),
            ExprKind::Neg(a) => self.pull(
                a,
                Expr::neg(seed),
                "the sign moves across: ⟨G, −T⟩ = ⟨−G, T⟩",
                out,
            )?,
            ExprKind::Transpose(a) => self.pull(
                a,
                Expr::transpose(seed),
                "transpose of both sides: ⟨G, Tᵀ⟩ = ⟨Gᵀ, T⟩",
                out,
            )?,
            ExprKind::Binary(BinOp::Add, a, b) => {
                self.pull(a, seed.clone(), "linearity: one term of the sum", out)?;
                self.pull(b, seed, "linearity: one term of the sum", out)?;
            }
            ExprKind::Binary(BinOp::Sub, a, b) => {
                self.pull(a, seed.clone(), "linearity: one term of the sum", out)?;
                self.pull(b, Expr::neg(seed), "linearity: a subtracted term", out)?;
            }
            ExprKind::Binary(BinOp::Mul, a, b) => self.product(a, b, seed, out)?,
            ExprKind::Binary(BinOp::Div, a, s) if !self.active(s) => self.pull(
                a,
                Expr::binary(BinOp::Div, seed, (**s).clone()),
                "a scalar divisor moves across: ⟨G, T / s⟩ = ⟨G / s, T⟩",
                out,
            )?,
            ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), a, b) => {
                self.elementwise(*op, a, b, seed, out)?
            }
            ExprKind::Call(Func::Tr, args) => {
                let rows = self.env.shape(&args[0]).rows;
                self.pull(
                    &args[0],
                    Expr::mul(seed, identity(rows)),
                    "trace: ⟨g, tr T⟩ = ⟨g I, T⟩",
                    out,
                )?
            }
            ExprKind::Call(Func::Sum, args) => {
                let shape = self.env.shape(&args[0]);
                let ones = Expr::new(ExprKind::Ones(Some(shape)));
                self.pull(
                    &args[0],
                    Expr::mul(seed, ones),
                    "sum of entries: ⟨g, sum T⟩ = ⟨g 𝟙, T⟩",
                    out,
                )?
            }
            ExprKind::Call(Func::Diag, args) => {
                let shape = self.env.shape(&args[0]);
                let back = Expr::call(Func::Diag, vec![seed]);
                let back = if shape.rows == Dim::One && shape.cols != Dim::One {
                    Expr::transpose(back)
                } else {
                    back
                };
                self.pull(&args[0], back, "diagonal: ⟨G, diag T⟩ = ⟨diag G, T⟩", out)?
            }
            ExprKind::Call(Func::Vec, args) => {
                let back = self.unvec(&args[0], seed);
                self.pull(&args[0], back, "vec: ⟨g, vec T⟩ = ⟨g reshaped, T⟩", out)?
            }
            ExprKind::Call(Func::Kron, args) => {
                let (a, b) = (&args[0], &args[1]);
                if self.active(a) && self.active(b) {
                    return Err(nonlinear(e));
                }
                if self.active(a) {
                    let back = self.kron_left(a, b, seed);
                    self.pull(
                        a,
                        back,
                        "Kronecker product: ⟨G, T ⊗ B⟩, summed over B's blocks",
                        out,
                    )?
                } else {
                    let back = self.kron_right(a, b, seed);
                    self.pull(
                        b,
                        back,
                        "Kronecker product: ⟨G, A ⊗ T⟩, summed over A's blocks",
                        out,
                    )?
                }
            }
            ExprKind::Call(Func::Solve, args) => {
                let (a, b) = (&args[0], &args[1]);
                if self.active(a) {
                    return Err(nonlinear(e));
                }
                self.pull(
                    b,
                    Expr::call(Func::Solve, vec![Expr::transpose(a.clone()), seed]),
                    "solve: ⟨G, A⁻¹ T⟩ = ⟨A⁻ᵀ G, T⟩",
                    out,
                )?
            }
            ExprKind::Call(Func::Inner, args) => {
                let (a, b) = (&args[0], &args[1]);
                if self.active(a) && self.active(b) {
                    return Err(nonlinear(e));
                }
                let (moving, fixed) = if self.active(a) { (a, b) } else { (b, a) };
                self.pull(
                    moving,
                    Expr::mul(seed, fixed.clone()),
                    "inner product: ⟨g, ⟨M, T⟩⟩ = ⟨g M, T⟩",
                    out,
                )?
            }
            _ => return Err(nonlinear(e)),
        }
        Ok(())
    }

    /// ⟨G, a b⟩ with one side active.
    fn product(&self, a: &Expr, b: &Expr, seed: Expr, out: &mut Out) -> Result<(), String> {
        if self.active(a) && self.active(b) {
            return Err(nonlinear(&Expr::mul(a.clone(), b.clone())));
        }
        let (sa, sb) = (self.env.shape(a).is_scalar(), self.env.shape(b).is_scalar());
        if self.active(a) {
            let (back, rule) = match (sa, sb) {
                (_, true) => (Expr::mul(b.clone(), seed), SCALAR),
                (true, false) => (self.inner(b, seed), SCALAR_TANGENT),
                (false, false) => (Expr::mul(seed, Expr::transpose(b.clone())), CYCLIC_RIGHT),
            };
            self.pull(a, back, rule, out)
        } else {
            let (back, rule) = match (sa, sb) {
                (true, _) => (Expr::mul(a.clone(), seed), SCALAR),
                (false, true) => (self.inner(a, seed), SCALAR_TANGENT),
                (false, false) => (Expr::mul(Expr::transpose(a.clone()), seed), CYCLIC_LEFT),
            };
            self.pull(b, back, rule, out)
        }
    }

    /// The m×n matrix whose vec is the column `g`, for `a` m×n:
    /// kron(𝟙ₙᵀ, Iₘ) (g 𝟙ₙᵀ ⊙ kron(Iₙ, 𝟙ₘ)); the mask keeps, in column j,
    /// the entries of g that came from column j of `a`.
    fn unvec(&self, a: &Expr, g: Expr) -> Expr {
        let Shape { rows: m, cols: n } = self.env.shape(a);
        if n == Dim::One {
            return g;
        }
        if m == Dim::One {
            return Expr::transpose(g);
        }
        if let Some(reshaped) = self.reshaped(&g, &m, &n) {
            return reshaped;
        }
        let row_of_ones = ones(Dim::One, n.clone());
        let spread = Expr::mul(g, row_of_ones.clone());
        let mask = kron(identity(n), ones(m.clone(), Dim::One));
        Expr::mul(
            kron(row_of_ones, identity(m)),
            Expr::binary(BinOp::EMul, spread, mask),
        )
    }

    /// The m×n matrix whose vec is `g`, where `g` says it outright: vec(H)
    /// of an m×n H is H, a column of ones is ones(m, n), and sums, negations,
    /// scalar multiples and entry-wise functions and products of such
    /// columns are reshaped term by term.
    /// `None` for any other column, which [`Self::unvec`] masks.
    fn reshaped(&self, g: &Expr, m: &Dim, n: &Dim) -> Option<Expr> {
        match &g.kind {
            ExprKind::Call(Func::Vec, args)
                if self.env.shape(&args[0]) == Shape::new(m.clone(), n.clone()) =>
            {
                Some(args[0].clone())
            }
            ExprKind::Ones(_) => Some(ones(m.clone(), n.clone())),
            // kron(B, A) vec(Y) = vec(A Y Bᵀ), and its transpose's.
            ExprKind::Binary(BinOp::Mul, k, v)
                if self.kron_factors(k).is_some() && !self.env.shape(v).is_scalar() =>
            {
                let (b, a) = self.kron_factors(k)?;
                let (sa, sb) = (self.env.shape(&a), self.env.shape(&b));
                let fits = !sa.is_scalar() && !sb.is_scalar() && sa.rows == *m && sb.rows == *n;
                let y = if fits {
                    self.reshaped(v, &sa.cols, &sb.cols)?
                } else {
                    return None;
                };
                Some(Expr::mul(Expr::mul(a, y), Expr::transpose(b)))
            }
            // vec(b aᵀ) = a ⊗ b for columns a (n long) and b (m long).
            ExprKind::Call(Func::Kron, args)
                if self.env.shape(&args[0]) == Shape::new(n.clone(), Dim::One)
                    && self.env.shape(&args[1]) == Shape::new(m.clone(), Dim::One) =>
            {
                Some(Expr::mul(args[1].clone(), Expr::transpose(args[0].clone())))
            }
            // The seed of a row factor, `(x')'`, is x.
            ExprKind::Transpose(row) => match &row.kind {
                ExprKind::Transpose(x) => self.reshaped(x, m, n),
                // (p K)ᵀ = Kᵀ pᵀ
                ExprKind::Binary(BinOp::Mul, p, k)
                    if self.kron_factors(k).is_some() && !self.env.shape(p).is_scalar() =>
                {
                    let column = Expr::transpose((**p).clone());
                    self.reshaped(&Expr::mul(Expr::transpose((**k).clone()), column), m, n)
                }
                ExprKind::Ones(_) => Some(ones(m.clone(), n.clone())),
                ExprKind::Neg(x) => {
                    let column = Expr::transpose((**x).clone());
                    self.reshaped(&column, m, n).map(Expr::neg)
                }
                ExprKind::Binary(BinOp::Mul, c, x) if self.env.shape(c).is_scalar() => {
                    let column = Expr::transpose((**x).clone());
                    Some(Expr::mul((**c).clone(), self.reshaped(&column, m, n)?))
                }
                ExprKind::Binary(BinOp::Mul, x, c) if self.env.shape(c).is_scalar() => {
                    let column = Expr::transpose((**x).clone());
                    Some(Expr::mul(self.reshaped(&column, m, n)?, (**c).clone()))
                }
                _ => None,
            },
            ExprKind::Neg(x) => self.reshaped(x, m, n).map(Expr::neg),
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), x, y) => Some(Expr::binary(
                *op,
                self.reshaped(x, m, n)?,
                self.reshaped(y, m, n)?,
            )),
            ExprKind::Binary(BinOp::Mul, c, x) if self.env.shape(c).is_scalar() => {
                Some(Expr::mul((**c).clone(), self.reshaped(x, m, n)?))
            }
            ExprKind::Binary(BinOp::Mul, x, c) if self.env.shape(c).is_scalar() => {
                Some(Expr::mul(self.reshaped(x, m, n)?, (**c).clone()))
            }
            // Entry-wise operations commute with reshaping.
            ExprKind::Binary(op @ (BinOp::EMul | BinOp::EDiv), x, y) => Some(Expr::binary(
                *op,
                self.reshaped(x, m, n)?,
                self.reshaped(y, m, n)?,
            )),
            ExprKind::Call(func @ Func::Map(_), args) => {
                Some(Expr::call(*func, vec![self.reshaped(&args[0], m, n)?]))
            }
            ExprKind::Binary(BinOp::Div, x, c) => Some(Expr::binary(
                BinOp::Div,
                self.reshaped(x, m, n)?,
                (**c).clone(),
            )),
            _ => None,
        }
    }

    /// B and A of `kron(B, A)`, or Bᵀ and Aᵀ of its transpose.
    fn kron_factors(&self, k: &Expr) -> Option<(Expr, Expr)> {
        match &k.kind {
            ExprKind::Call(Func::Kron, args) => Some((args[0].clone(), args[1].clone())),
            ExprKind::Transpose(inner) => {
                let (b, a) = self.kron_factors(inner)?;
                Some((Expr::transpose(b), Expr::transpose(a)))
            }
            _ => None,
        }
    }

    /// H with G = vec(H), H of b's length by a's, for columns a and b
    /// when G says it outright (a ⊗ b = vec(b aᵀ)).
    fn kron_of_columns(&self, a: &Expr, b: &Expr, g: &Expr) -> Option<Expr> {
        let (sa, sb) = (self.env.shape(a), self.env.shape(b));
        if sa.cols != Dim::One || sb.cols != Dim::One || sa.is_scalar() || sb.is_scalar() {
            return None;
        }
        self.reshaped(g, &sb.rows, &sa.rows)
    }

    /// Ā for G = K̄, K = kron(A, B), A m×n, B p×q: each entry of A meets one
    /// p×q block of G, weighted by B:
    /// kron(Iₘ, 𝟙ₚᵀ) (G ⊙ kron(𝟙ₘₓₙ, B)) kron(Iₙ, 𝟙_q).
    fn kron_left(&self, a: &Expr, b: &Expr, g: Expr) -> Expr {
        // Of columns, ⟨G, a ⊗ b⟩ = bᵀ H a with G = vec(H): ā = Hᵀ b.
        if let Some(h) = self.kron_of_columns(a, b, &g) {
            return Expr::mul(Expr::transpose(h), b.clone());
        }
        let (sa, sb) = (self.env.shape(a), self.env.shape(b));
        // Of a trace, ⟨s I, A ⊗ B⟩ = s tr(A) tr(B): Ā = s tr(B) I.
        if let Some(s) = self.scaled_identity(&g, &sa, &sb) {
            return Expr::mul(
                Expr::mul(s, Expr::call(Func::Tr, vec![b.clone()])),
                identity(sa.rows),
            );
        }
        let weights = kron(ones(sa.rows.clone(), sa.cols.clone()), b.clone());
        Expr::mul(
            Expr::mul(
                kron(identity(sa.rows), ones(Dim::One, sb.rows)),
                Expr::binary(BinOp::EMul, g, weights),
            ),
            kron(identity(sa.cols), ones(sb.cols, Dim::One)),
        )
    }

    /// B̄ for G = K̄, K = kron(A, B): the p×q blocks of G summed, each
    /// weighted by its entry of A:
    /// kron(𝟙ₘᵀ, Iₚ) (G ⊙ kron(A, 𝟙ₚₓ_q)) kron(𝟙ₙ, I_q).
    fn kron_right(&self, a: &Expr, b: &Expr, g: Expr) -> Expr {
        // Of columns, b̄ = H a with G = vec(H).
        if let Some(h) = self.kron_of_columns(a, b, &g) {
            return Expr::mul(h, a.clone());
        }
        let (sa, sb) = (self.env.shape(a), self.env.shape(b));
        // Of a trace, B̄ = s tr(A) I.
        if let Some(s) = self.scaled_identity(&g, &sa, &sb) {
            return Expr::mul(
                Expr::mul(s, Expr::call(Func::Tr, vec![a.clone()])),
                identity(sb.rows),
            );
        }
        let weights = kron(a.clone(), ones(sb.rows.clone(), sb.cols.clone()));
        Expr::mul(
            Expr::mul(
                kron(ones(Dim::One, sa.rows), identity(sb.rows)),
                Expr::binary(BinOp::EMul, g, weights),
            ),
            kron(ones(sa.cols, Dim::One), identity(sb.cols)),
        )
    }

    /// `s` when `g` is `s I` (or `I`, `s` then 1) and the factors of the
    /// Kronecker product it pairs with are square matrices: the adjoint of
    /// the trace of a Kronecker product.
    fn scaled_identity(&self, g: &Expr, sa: &Shape, sb: &Shape) -> Option<Expr> {
        if !(sa.is_square() && sb.is_square()) || sa.is_scalar() || sb.is_scalar() {
            return None;
        }
        match &g.kind {
            ExprKind::Identity(_) => Some(Expr::int(1)),
            ExprKind::Binary(BinOp::Mul, s, i)
                if matches!(i.kind, ExprKind::Identity(_)) && self.env.shape(s).is_scalar() =>
            {
                Some((**s).clone())
            }
            _ => None,
        }
    }

    /// ⟨m, g⟩ in its cheapest written form: `m' * g` for column vectors.
    fn inner(&self, m: &Expr, g: Expr) -> Expr {
        let shape = self.env.shape(m);
        if shape.cols == Dim::One {
            Expr::mul(Expr::transpose(m.clone()), g)
        } else if shape.rows == Dim::One {
            Expr::mul(g, Expr::transpose(m.clone()))
        } else {
            Expr::call(Func::Inner, vec![m.clone(), g])
        }
    }

    fn elementwise(
        &self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        seed: Expr,
        out: &mut Out,
    ) -> Result<(), String> {
        if self.active(b) {
            if op == BinOp::EDiv || self.active(a) {
                return Err(nonlinear(&Expr::binary(op, a.clone(), b.clone())));
            }
            return self.elementwise(op, b, a, seed, out);
        }
        let broadcast = self.env.shape(a).is_scalar() && !self.env.shape(b).is_scalar();
        let (back, rule) = match (op == BinOp::EMul, broadcast) {
            (true, false) => (
                Expr::binary(op, seed, b.clone()),
                "Hadamard product: ⟨G, T ⊙ N⟩ = ⟨G ⊙ N, T⟩",
            ),
            (false, false) => (
                Expr::binary(op, seed, b.clone()),
                "Hadamard quotient: ⟨G, T ⊘ N⟩ = ⟨G ⊘ N, T⟩",
            ),
            // A scalar tangent is broadcast over every entry of N, so its
            // adjoint gathers them all back.
            (true, true) => (
                Expr::call(Func::Sum, vec![Expr::binary(op, seed, b.clone())]),
                "a scalar broadcast: ⟨G, ṫ ⊙ N⟩ = ṫ sum(G ⊙ N)",
            ),
            (false, true) => (
                Expr::call(Func::Sum, vec![Expr::binary(op, seed, b.clone())]),
                "a scalar broadcast: ⟨G, ṫ ⊘ N⟩ = ṫ sum(G ⊘ N)",
            ),
        };
        self.pull(a, back, rule, out)
    }
}

fn identity(dim: Dim) -> Expr {
    Expr::new(ExprKind::Identity(Some(dim)))
}

fn ones(rows: Dim, cols: Dim) -> Expr {
    Expr::new(ExprKind::Ones(Some(Shape::new(rows, cols))))
}

fn kron(a: Expr, b: Expr) -> Expr {
    Expr::call(Func::Kron, vec![a, b])
}

fn nonlinear(e: &Expr) -> String {
    format!("internal error: the tangent `{e}` is not linear in its tangents")
}
