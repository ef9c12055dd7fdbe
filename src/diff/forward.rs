//! Forward mode: the tangent of an expression, given the tangents of the
//! variables it mentions. Emits unsimplified terms; `None` is an exact zero,
//! so inactive branches never appear in a result.
//!
//! Each node is differentiated by [`differentiate_node`], which takes its
//! children's tangents from the caller and names the rule it used: the
//! recursive [`tangent`] and the step-by-step derivation share one set of
//! rules.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Local, Map, Name, Slope};
use crate::shape::Env;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::One;

/// The tangent of a variable: `Some(expression)`, or `None` when it is held
/// constant.
pub type LeafTangent<'a> = dyn Fn(&Name) -> Option<Expr> + 'a;

/// A differentiation rule, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The rule, as in `product rule: d(M N) = dM N + M dN`.
    pub text: &'static str,
    /// An operand whose differential vanished (`with dA = 0`), if one did.
    pub constant: Option<Expr>,
}

impl Rule {
    fn plain(text: &'static str) -> Rule {
        Rule {
            text,
            constant: None,
        }
    }
}

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
    differentiate_node(expr, env, leaf, &mut |child| tangent(child, env, leaf)).0
}

/// [`tangent`], given up as soon as a partial result has more than `limit`
/// nodes; the error is that partial result's size. The product rule on k
/// factors gives k terms of k factors, so a tangent can be quadratically
/// larger than its expression, and building it whole could exhaust memory.
///
/// ```
/// use matdiff::ast::{Expr, Name};
/// let model = matdiff::shape::analyze_source("f = tr(A * A * A * A)").unwrap();
/// let leaf = |n: &Name| (n.base == "A").then(|| Expr::name(n.dot()));
/// let e = &model.output().expr;
/// assert!(matdiff::diff::tangent_within(e, &model.env, &leaf, 1000).is_ok());
/// assert!(matdiff::diff::tangent_within(e, &model.env, &leaf, 10).is_err());
/// ```
pub fn tangent_within(
    expr: &Expr,
    env: &Env,
    leaf: &LeafTangent,
    limit: usize,
) -> Result<Option<Expr>, usize> {
    let exceeded = std::cell::Cell::new(None);
    let result = bounded(expr, env, leaf, limit, &exceeded);
    match exceeded.get() {
        Some(size) => Err(size),
        None => Ok(result),
    }
}

fn bounded(
    expr: &Expr,
    env: &Env,
    leaf: &LeafTangent,
    limit: usize,
    exceeded: &std::cell::Cell<Option<usize>>,
) -> Option<Expr> {
    if exceeded.get().is_some() {
        return None;
    }
    let result = differentiate_node(expr, env, leaf, &mut |child| {
        bounded(child, env, leaf, limit, exceeded)
    })
    .0;
    if exceeded.get().is_some() {
        return None;
    }
    // Each partial result is at most `limit` nodes, so counting them costs
    // at most `limit` times the depth.
    let size = result.as_ref().map_or(0, Expr::size);
    if size > limit {
        exceeded.set(Some(size));
        return None;
    }
    result
}

/// The tangent of `expr` one level down: `child` gives each child's tangent
/// (`None` for a constant), and the rule used is returned beside it.
///
/// ```
/// use matdiff::ast::{Expr, Name};
/// use matdiff::diff::differentiate_node;
/// let model = matdiff::shape::analyze_source("f = A * B").unwrap();
/// let e = matdiff::parse::parse_expr("A * B").unwrap();
/// let leaf = |n: &Name| Some(Expr::name(n.dot()));
/// let (t, rule) = differentiate_node(&e, &model.env, &leaf, &mut |c| leaf(&Name::plain(c.to_string())));
/// assert_eq!(t.unwrap().to_string(), "dot(A) * B + A * dot(B)");
/// assert!(rule.text.starts_with("product rule"));
/// ```
pub fn differentiate_node(
    expr: &Expr,
    env: &Env,
    leaf: &LeafTangent,
    child: &mut dyn FnMut(&Expr) -> Option<Expr>,
) -> (Option<Expr>, Rule) {
    Forward { env, child }.node(expr, leaf)
}

struct Forward<'a, 'b> {
    env: &'a Env,
    child: &'b mut dyn FnMut(&Expr) -> Option<Expr>,
}

fn mul(a: Expr, b: Expr) -> Expr {
    Expr::mul(a, b)
}

fn num(n: i64) -> Expr {
    Expr::int(n)
}

fn two() -> BigRational {
    BigRational::from_integer(BigInt::from(2))
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

/// The operand of a two-operand rule whose differential vanished.
fn vanished<'e>(da: &Option<Expr>, db: &Option<Expr>, a: &'e Expr, b: &'e Expr) -> Option<Expr> {
    match (da, db) {
        (None, Some(_)) => Some(a.clone()),
        (Some(_), None) => Some(b.clone()),
        _ => None,
    }
}

impl Forward<'_, '_> {
    fn scalar(&self, e: &Expr) -> bool {
        self.env.shape(e).is_scalar()
    }
}

/// Entry-wise product, a plain product when `scalar`. Shapes are decided
/// from the operands of the expression being differentiated, never from a
/// tangent, which may be a placeholder in a step-by-step derivation.
fn hadamard(a: Expr, b: Expr, scalar: bool) -> Expr {
    if scalar {
        mul(a, b)
    } else {
        Expr::binary(BinOp::EMul, a, b)
    }
}

/// Entry-wise quotient, a plain division when the divisor is a scalar.
fn hadamard_div(a: Expr, b: Expr, divisor_scalar: bool) -> Expr {
    if divisor_scalar {
        Expr::binary(BinOp::Div, a, b)
    } else {
        Expr::binary(BinOp::EDiv, a, b)
    }
}

impl Forward<'_, '_> {
    /// `1`, or `1 * ones` shaped like `like`.
    fn one_like(&self, like: &Expr) -> Expr {
        let shape = self.env.shape(like);
        if shape.is_scalar() {
            num(1)
        } else {
            mul(num(1), Expr::new(ExprKind::Ones(Some(shape))))
        }
    }

    fn node(&mut self, e: &Expr, leaf: &LeafTangent) -> (Option<Expr>, Rule) {
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Identity(_) | ExprKind::Ones(_) => {
                (None, Rule::plain("a constant has no differential"))
            }
            ExprKind::Var(name) => (leaf(name), Rule::plain("a variable's tangent")),
            ExprKind::Neg(a) => (
                (self.child)(a).map(Expr::neg),
                Rule::plain("a sign comes out of d: d(−M) = −dM"),
            ),
            ExprKind::Transpose(a) => (
                (self.child)(a).map(Expr::transpose),
                Rule::plain("transpose commutes with d: d(Mᵀ) = (dM)ᵀ"),
            ),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            ExprKind::Power(a, k) => self.power(a, *k),
            ExprKind::ElemPower(a, k) => {
                let Some(da) = (self.child)(a) else {
                    return (None, Rule::plain("a constant has no differential"));
                };
                let lower = Expr::new(ExprKind::ElemPower(a.clone(), k - BigRational::one()));
                let scalar = self.scalar(a);
                let text = if scalar {
                    "power rule: d(sᵏ) = k sᵏ⁻¹ ds"
                } else {
                    "power rule, entry by entry: d(M∘ᵏ) = k M∘⁽ᵏ⁻¹⁾ ⊙ dM"
                };
                let derivative = hadamard(mul(Expr::num(k.clone()), lower), da, scalar);
                (Some(derivative), Rule::plain(text))
            }
            ExprKind::Call(func, args) => self.call(*func, e, args),
        }
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> (Option<Expr>, Rule) {
        let (da, db) = ((self.child)(a), (self.child)(b));
        let constant = vanished(&da, &db, a, b);
        let by_number = constant.as_ref().is_some_and(|c| c.as_num().is_some());
        let divisor_varies = db.is_some();
        let (sa, sb) = (self.scalar(a), self.scalar(b));
        let (a, b) = (a.clone(), b.clone());
        let (expr, text) = match op {
            BinOp::Add => (plus(da, db), "sum rule: d(M + N) = dM + dN"),
            BinOp::Sub => (minus(da, db), "sum rule: d(M − N) = dM − dN"),
            BinOp::Mul => (
                plus(da.map(|d| mul(d, b.clone())), db.map(|d| mul(a.clone(), d))),
                if by_number {
                    "a constant factor: d(c M) = c dM"
                } else {
                    "product rule: d(M N) = dM N + M dN"
                },
            ),
            BinOp::EMul => (
                plus(
                    da.map(|d| hadamard(d, b.clone(), sa || sb)),
                    db.map(|d| hadamard(a.clone(), d, sa || sb)),
                ),
                if by_number {
                    "a constant factor: d(c M) = c dM"
                } else if sa || sb {
                    "product rule: d(M N) = dM N + M dN"
                } else {
                    "Hadamard product rule: d(M ⊙ N) = dM ⊙ N + M ⊙ dN"
                },
            ),
            // (a/s)' = a'/s − s' a / s²
            BinOp::Div => {
                let text = if db.is_none() {
                    "division by a constant: d(M / c) = dM / c"
                } else {
                    "quotient rule: d(M / s) = dM / s − ds M / s²"
                };
                let square = Expr::new(ExprKind::Power(Box::new(b.clone()), 2));
                (
                    minus(
                        da.map(|d| Expr::binary(BinOp::Div, d, b.clone())),
                        db.map(|d| Expr::binary(BinOp::Div, mul(d, a.clone()), square)),
                    ),
                    text,
                )
            }
            // (a ⊘ b)' = a' ⊘ b − a ⊙ b' ⊘ b⊙²
            BinOp::EDiv => {
                let text = match (db.is_none(), sa && sb) {
                    (true, _) if sb => "division by a constant: d(M / c) = dM / c",
                    (true, _) => "entry-wise division by a constant: d(M ⊘ N) = dM ⊘ N",
                    (false, true) => "quotient rule: d(s / t) = ds / t − s dt / t²",
                    (false, false) => "Hadamard quotient rule: d(M ⊘ N) = dM ⊘ N − M ⊙ dN ⊘ N∘²",
                };
                let square = Expr::new(ExprKind::ElemPower(Box::new(b.clone()), two()));
                (
                    minus(
                        da.map(|d| hadamard_div(d, b.clone(), sb)),
                        db.map(|d| hadamard_div(hadamard(a.clone(), d, sa || sb), square, sb)),
                    ),
                    text,
                )
            }
            BinOp::Pow | BinOp::EPow => return self.general_power(op, &a, &b, da, db),
        };
        // "with dc = 0" adds nothing to "a constant factor" or "division by a constant".
        let divisor_constant = matches!(op, BinOp::Div | BinOp::EDiv) && !divisor_varies;
        let constant = constant.filter(|_| !by_number && !divisor_constant);
        (expr, Rule { text, constant })
    }

    /// `a ^ t` (a scalar) or `a .^ t` with an exponent t that is an
    /// expression: d(aᵗ) = t aᵗ⁻¹ da + aᵗ log(a) dt, entry by entry.
    fn general_power(
        &mut self,
        op: BinOp,
        a: &Expr,
        t: &Expr,
        da: Option<Expr>,
        dt: Option<Expr>,
    ) -> (Option<Expr>, Rule) {
        let scalar = self.scalar(a);
        let power = |exponent: Expr| Expr::binary(op, a.clone(), exponent);
        let lowered = match t.as_num() {
            Some(value) => Expr::num(value - BigRational::one()),
            None => Expr::sub(t.clone(), Expr::int(1)),
        };
        let by_base = da.map(|d| hadamard(mul(t.clone(), power(lowered)), d, scalar));
        let by_exponent = dt.map(|d| {
            let log = Expr::call(Func::Map(crate::ast::Map::Log), vec![a.clone()]);
            mul(hadamard(power(t.clone()), log, scalar), d)
        });
        let text = match (&by_base, &by_exponent, scalar) {
            (Some(_), None, true) => "power rule: d(sᵗ) = t sᵗ⁻¹ ds",
            (Some(_), None, false) => "power rule, entry by entry: d(M∘ᵗ) = t M∘⁽ᵗ⁻¹⁾ ⊙ dM",
            (None, Some(_), true) => "exponential rule: d(sᵗ) = sᵗ log(s) dt",
            (None, Some(_), false) => "exponential rule, entry by entry: d(M∘ᵗ) = M∘ᵗ ⊙ log(M) dt",
            (_, _, true) => "power rule in base and exponent: d(sᵗ) = t sᵗ⁻¹ ds + sᵗ log(s) dt",
            (_, _, false) => {
                "power rule in base and exponent, entry by entry: d(M∘ᵗ) = t M∘⁽ᵗ⁻¹⁾ ⊙ dM + M∘ᵗ ⊙ log(M) dt"
            }
        };
        (plus(by_base, by_exponent), Rule::plain(text))
    }

    fn power(&mut self, a: &Expr, k: i64) -> (Option<Expr>, Rule) {
        let Some(da) = (self.child)(a) else {
            return (None, Rule::plain("a constant has no differential"));
        };
        if k == 0 {
            return (None, Rule::plain("a constant has no differential: M⁰ = I"));
        }
        if self.scalar(a) {
            let lower = match k - 1 {
                1 => a.clone(),
                k => Expr::new(ExprKind::Power(Box::new(a.clone()), k)),
            };
            return (
                Some(mul(mul(num(k), lower), da)),
                Rule::plain("power rule: d(sᵏ) = k sᵏ⁻¹ ds"),
            );
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
        let text = match k {
            1 => "d(M¹) = dM",
            2 => "product rule: d(M²) = d(M M) = dM M + M dM",
            -1 => "derivative of the inverse: d(M⁻¹) = −M⁻¹ dM M⁻¹",
            -2 => "product rule on M⁻² = M⁻¹ M⁻¹, with d(M⁻¹) = −M⁻¹ dM M⁻¹",
            k if k > 0 => "product rule: d(Mᵏ) = Σᵢ Mⁱ dM Mᵏ⁻¹⁻ⁱ",
            _ => "product rule on M⁻ᵏ = (M⁻¹)ᵏ, with d(M⁻¹) = −M⁻¹ dM M⁻¹",
        };
        (sum, Rule::plain(text))
    }

    fn call(&mut self, func: Func, e: &Expr, args: &[Expr]) -> (Option<Expr>, Rule) {
        let a = &args[0];
        if func == Func::Solve {
            // C = A \\ B: dC = A \\ (dB − dA C), C being `e` itself.
            let (da, db) = ((self.child)(a), (self.child)(&args[1]));
            let constant = vanished(&da, &db, a, &args[1]);
            let rhs = minus(db, da.map(|d| mul(d, e.clone())));
            return (
                rhs.map(|r| Expr::call(Func::Solve, vec![a.clone(), r])),
                Rule {
                    text: "derivative of a solve: d(A⁻¹B) = A⁻¹(dB − dA A⁻¹B)",
                    constant,
                },
            );
        }
        if func == Func::Kron {
            let (b, da, db) = (&args[1], (self.child)(a), (self.child)(&args[1]));
            let constant = vanished(&da, &db, a, b);
            let kron = |x: Expr, y: Expr| Expr::call(Func::Kron, vec![x, y]);
            return (
                plus(
                    da.map(|d| kron(d, b.clone())),
                    db.map(|d| kron(a.clone(), d)),
                ),
                Rule {
                    text: "product rule: d(A ⊗ B) = dA ⊗ B + A ⊗ dB",
                    constant,
                },
            );
        }
        if func == Func::Inner {
            let (da, db) = ((self.child)(a), (self.child)(&args[1]));
            let constant = vanished(&da, &db, a, &args[1]);
            return (
                plus(
                    da.map(|d| Expr::call(Func::Inner, vec![d, args[1].clone()])),
                    db.map(|d| Expr::call(Func::Inner, vec![a.clone(), d])),
                ),
                Rule {
                    text: "product rule: d⟨M, N⟩ = ⟨dM, N⟩ + ⟨M, dN⟩",
                    constant,
                },
            );
        }
        let Some(da) = (self.child)(a) else {
            return (None, Rule::plain("a constant has no differential"));
        };
        let scalar = self.scalar(a);
        let entrywise = |matrix: &'static str, scalar_rule: &'static str| {
            Rule::plain(if scalar { scalar_rule } else { matrix })
        };
        let inv = || Expr::call(Func::Inv, vec![a.clone()]);
        let (expr, rule) = match func {
            Func::Inv => (
                Expr::neg(mul(mul(inv(), da), inv())),
                Rule::plain("derivative of the inverse: d(M⁻¹) = −M⁻¹ dM M⁻¹"),
            ),
            Func::Tr => (
                Expr::call(func, vec![da]),
                Rule::plain("the trace is linear: d tr(M) = tr(dM)"),
            ),
            Func::Sum => (
                Expr::call(func, vec![da]),
                Rule::plain("the sum of entries is linear: d sum(M) = sum(dM)"),
            ),
            Func::Diag => (
                Expr::call(func, vec![da]),
                Rule::plain("diag is linear: d diag(M) = diag(dM)"),
            ),
            Func::Vec => (
                Expr::call(func, vec![da]),
                Rule::plain("vec is linear: d vec(M) = vec(dM)"),
            ),
            // d det A = det A · tr(A⁻¹ Ȧ)
            Func::Det => (
                mul(e.clone(), Expr::call(Func::Tr, vec![mul(inv(), da)])),
                Rule::plain("Jacobi's formula: d det(M) = det(M) tr(M⁻¹ dM)"),
            ),
            Func::Logdet => (
                Expr::call(Func::Tr, vec![mul(inv(), da)]),
                Rule::plain("derivative of log|det|: d log|det(M)| = tr(M⁻¹ dM)"),
            ),
            // d‖a‖ = ⟨a, ȧ⟩ / ‖a‖
            Func::Norm => (
                Expr::binary(
                    BinOp::Div,
                    Expr::call(Func::Inner, vec![a.clone(), da]),
                    e.clone(),
                ),
                Rule::plain("derivative of the norm: d‖M‖ = ⟨M, dM⟩ / ‖M‖"),
            ),
            // d‖a‖₁ = ⟨sign(a), ȧ⟩, 0 at a kink as for `abs`.
            Func::Norm1 => (
                Expr::call(
                    Func::Inner,
                    vec![Expr::call(Func::Map(Map::Sign), vec![a.clone()]), da],
                ),
                Rule::plain("derivative of the 1-norm: d‖M‖₁ = ⟨sign(M), dM⟩ (0 at a kink)"),
            ),
            Func::Logsumexp if scalar => (
                da,
                Rule::plain("log-sum-exp of a scalar is the scalar: d lse(s) = ds"),
            ),
            // The weights are softmax(x); a matrix has no softmax, so its
            // weights exp(M) / sum(exp(M)) are written out.
            Func::Logsumexp if self.env.shape(a).cols == Dim::One => (
                mul(
                    Expr::transpose(Expr::call(Func::Softmax, vec![a.clone()])),
                    da,
                ),
                Rule::plain("derivative of log-sum-exp: d lse(x) = softmax(x)ᵀ dx"),
            ),
            Func::Logsumexp => {
                let exp = Expr::call(Func::Map(Map::Exp), vec![a.clone()]);
                (
                    Expr::binary(
                        BinOp::Div,
                        Expr::call(Func::Inner, vec![exp.clone(), da]),
                        Expr::call(Func::Sum, vec![exp]),
                    ),
                    Rule::plain("derivative of log-sum-exp: d lse(M) = ⟨exp(M), dM⟩ / sum(exp(M))"),
                )
            }
            Func::Softmax if scalar => {
                return (None, Rule::plain("softmax of a scalar is 1, a constant"));
            }
            // ṡ = (diag(s) − s sᵀ) ẋ, written without forming the matrix.
            Func::Softmax => (
                Expr::sub(
                    Expr::binary(BinOp::EMul, e.clone(), da.clone()),
                    mul(e.clone(), mul(Expr::transpose(e.clone()), da)),
                ),
                Rule::plain("derivative of softmax: ds = s ⊙ dx − s (sᵀ dx)"),
            ),
            Func::Map(map) => {
                let spec = map.spec();
                let local = Local {
                    arg: a,
                    value: e,
                    ones: self.one_like(a),
                };
                let tangent = match (spec.slope)(&local) {
                    Slope::Times(factor) => Some(hadamard(factor, da, scalar)),
                    Slope::NegatedTimes(factor) => Some(Expr::neg(hadamard(factor, da, scalar))),
                    Slope::Over(divisor) => Some(hadamard_div(da, divisor, scalar)),
                    Slope::NegatedOver(divisor) => {
                        Some(Expr::neg(hadamard_div(da, divisor, scalar)))
                    }
                    Slope::Zero => None,
                };
                let [matrix_words, scalar_words] = spec.words;
                return (tangent, entrywise(matrix_words, scalar_words));
            }
            Func::Inner | Func::Solve | Func::Kron => unreachable!("handled above"),
        };
        (Some(expr), rule)
    }
}
