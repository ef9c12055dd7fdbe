//! Rewrite rules, one file per family of identities. Each rule is declared
//! once, with `rule!`: its name (`family-identity`), its identity in
//! words as `--steps` shows it, and egg's rewrite with its condition.
//!
//! Rules whose truth depends on shapes carry a condition on the e-class
//! analysis: only scalars commute, products re-associate only where the new
//! bracketing still type-checks (`S * (x' * y)` is not `(S * x') * y`).
//! The words read as a textbook's: capitals are matrices, `s` a scalar, `v`
//! a column, `S` symmetric, and a condition is stated where the identity
//! needs one among matrices (`for square A and B`). A guard that is there
//! because matdiff's `*`, `+` and `.*` also take scalars, or that only
//! steers the search, is said in a comment by the rule instead.

/// Declares one rule: name, what it is in words, the two sides in Unicode,
/// optionally the condition in words, then egg's rewrite (as for
/// `egg::rewrite!`, without the name):
///
/// ```text
/// rule!("trace-transpose", "trace of the transpose", "tr(Aᵀ)" = "tr(A)";
///     "(tr (T ?a))" => "(tr ?a)"),
/// ```
macro_rules! rule {
    (@condition) => {
        ""
    };
    (@condition $condition:literal) => {
        $condition
    };
    ($name:literal, $words:literal, $lhs:literal = $rhs:literal $(, $condition:literal)?;
        $($rewrite:tt)+) => {
        $crate::rules::RuleSpec {
            words: $crate::rules::RuleWords {
                name: $name,
                words: $words,
                lhs: $lhs,
                rhs: $rhs,
                condition: rule!(@condition $($condition)?),
            },
            rewrite: ::egg::rewrite!($name; $($rewrite)+),
        }
    };
}

mod diagonal;
mod elementwise;
mod entry_powers;
mod functions;
mod inner;
mod inverse;
mod power;
mod quotients;
mod scalar;
mod scaling;
mod sums;
mod trace;
mod transpose;

pub use crate::egraph::Rule;
use crate::egraph::{Data, Leaf, Math, MathAnalysis, MathGraph};
use egg::{Applier, ENodeOrVar, Id, PatternAst, Subst, Symbol, Var};

/// A rule in words, as `--steps` shows it: `words: lhs = rhs, condition`.
///
/// ```
/// let w = matdiff::rules::words("trace-transpose").unwrap();
/// assert_eq!((w.lhs, w.rhs), ("tr(Aᵀ)", "tr(A)"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleWords {
    /// The rule's name, as egg and its explanations know it.
    pub name: &'static str,
    /// What the identity is: `cyclic trace`.
    pub words: &'static str,
    /// The left side in Unicode: `tr(A B)`.
    pub lhs: &'static str,
    /// The right side in Unicode: `tr(B A)`.
    pub rhs: &'static str,
    /// Where it holds, when the letters do not say it: `for square A and
    /// B`; empty otherwise.
    pub condition: &'static str,
}

/// One rule as declared: its words and egg's rewrite.
///
/// ```
/// let spec = &matdiff::rules::declared()[0];
/// assert_eq!(spec.rewrite.name.as_str(), spec.words.name);
/// ```
pub struct RuleSpec {
    /// The rule in words.
    pub words: RuleWords,
    /// The rewrite the e-graph runs.
    pub rewrite: Rule,
}

/// Every rule as declared, family by family, built once.
///
/// ```
/// let specs = matdiff::rules::declared();
/// assert!(specs.iter().any(|s| s.words.name == "trace-cyclic"));
/// ```
pub fn declared() -> &'static [RuleSpec] {
    static RULES: std::sync::OnceLock<Vec<RuleSpec>> = std::sync::OnceLock::new();
    RULES.get_or_init(build)
}

/// Every rewrite, in the order declared: the set the simplifier runs.
///
/// ```
/// assert!(matdiff::rules::all().iter().any(|r| r.name.as_str() == "trace-cyclic"));
/// ```
pub fn all() -> &'static [Rule] {
    // egg's runner takes the rewrites themselves; a rewrite is two `Arc`s,
    // so this copy of the list costs nothing worth sharing.
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| declared().iter().map(|s| s.rewrite.clone()).collect())
}

/// The words of the rule named `name`, if it is one of [`declared`].
///
/// ```
/// let w = matdiff::rules::words("inverse-product").unwrap();
/// assert_eq!(w.condition, "for square A and B");
/// assert!(matdiff::rules::words("no-such-rule").is_none());
/// ```
pub fn words(name: &str) -> Option<&'static RuleWords> {
    declared().iter().map(|s| &s.words).find(|w| w.name == name)
}

fn build() -> Vec<RuleSpec> {
    let mut rules = Vec::new();
    rules.extend(scalar::rules());
    rules.extend(transpose::rules());
    rules.extend(trace::rules());
    rules.extend(inner::rules());
    rules.extend(inverse::rules());
    rules.extend(power::rules());
    rules.extend(elementwise::rules());
    rules.extend(entry_powers::rules());
    rules.extend(quotients::rules());
    rules.extend(sums::rules());
    rules.extend(diagonal::rules());
    rules.extend(scaling::rules());
    rules.extend(functions::rules());
    rules
}

fn var(name: &str) -> Var {
    name.parse().expect("a pattern variable")
}

fn data<'a>(egraph: &'a MathGraph, subst: &Subst, v: Var) -> &'a Data {
    &egraph[subst[v]].data
}

type Condition = Box<dyn Fn(&mut MathGraph, Id, &Subst) -> bool + Send + Sync>;

/// `v` is a scalar.
fn scalar(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| data(g, s, v).shape.is_scalar())
}

/// `v` is a constant (its value known exactly).
fn constant(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| data(g, s, v).constant.is_some())
}

/// `v` is not a scalar.
fn matrix(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| !data(g, s, v).shape.is_scalar())
}

/// The matched value is a scalar.
fn scalar_result() -> Condition {
    Box::new(|g, id, _| g[id].data.shape.is_scalar())
}

/// `v` is a column vector (n×1, n not 1): `diag` of it is a matrix.
fn column(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| {
        let shape = &data(g, s, v).shape;
        shape.cols == crate::ast::Dim::One && shape.rows != crate::ast::Dim::One
    })
}

/// One of `a`, `b` is a scalar.
fn either_scalar(a: &str, b: &str) -> Condition {
    let (a, b) = (var(a), var(b));
    Box::new(move |g, _, s| data(g, s, a).shape.is_scalar() || data(g, s, b).shape.is_scalar())
}

/// `v` equals its transpose.
fn symmetric(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| data(g, s, v).symmetric)
}

/// `a` and `b` are square matrices (not scalars).
fn square_matrices(a: &str, b: &str) -> Condition {
    let (a, b) = (var(a), var(b));
    Box::new(move |g, _, s| {
        [a, b].iter().all(|v| {
            let shape = &data(g, s, *v).shape;
            shape.is_square() && !shape.is_scalar()
        })
    })
}

/// `a * x * b` is a chain of two matrix products, the columns of each
/// factor the rows of the next: not a scalar (such as `x' * x`) times a
/// matrix, which `*` also writes.
fn product_chain(a: &str, x: &str, b: &str) -> Condition {
    let (a, x, b) = (var(a), var(x), var(b));
    Box::new(move |g, _, s| {
        let (sa, sx, sb) = (
            &data(g, s, a).shape,
            &data(g, s, x).shape,
            &data(g, s, b).shape,
        );
        sa.cols == sx.rows && sx.cols == sb.rows
    })
}

/// `a` and `b` have the same shape.
fn same_shape(a: &str, b: &str) -> Condition {
    let (a, b) = (var(a), var(b));
    Box::new(move |g, _, s| data(g, s, a).shape == data(g, s, b).shape)
}

/// `a` has the transposed shape of `b`.
fn transposed_shape(a: &str, b: &str) -> Condition {
    let (a, b) = (var(a), var(b));
    Box::new(move |g, _, s| data(g, s, a).shape == data(g, s, b).shape.transposed())
}

/// `v` is the identity matrix.
fn identity(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| {
        g[s[v]]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Leaf(Leaf::Identity(_))))
    })
}

/// `v` is an all-ones value.
fn ones(v: &str) -> Condition {
    let v = var(v);
    Box::new(move |g, _, s| {
        g[s[v]]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Leaf(Leaf::Ones(..))))
    })
}

/// `v` is not all ones: a product of ones stays one (`ones * ones`), and
/// `𝟙ᵀ 𝟙` is a count, not a sum to take.
fn not_ones(v: &str) -> Condition {
    let is_ones = ones(v);
    Box::new(move |g, id, s| !is_ones(g, id, s))
}

/// `r` is a row of ones, written `ones(1, n)` or `ones(n)'`.
fn row_of_ones(r: &str) -> Condition {
    let r = var(r);
    Box::new(move |g, _, s| {
        let has_ones = |class: Id| {
            g[class]
                .nodes
                .iter()
                .any(|n| matches!(n, Math::Leaf(Leaf::Ones(..))))
        };
        data(g, s, r).shape.rows == crate::ast::Dim::One
            && (has_ones(s[r])
                || g[s[r]]
                    .nodes
                    .iter()
                    .any(|n| matches!(n, Math::Trans(inner) if has_ones(*inner))))
    })
}

/// The exponents' sum plus `extra` is an integer within `MAX_EXPONENT`, so
/// that a merged power still reads back as input (`A^64 * A^64` stays).
fn exponent_sum_fits(vs: &[&str], extra: i64) -> Condition {
    let vs: Vec<_> = vs.iter().map(|v| var(v)).collect();
    Box::new(move |g, _, s| {
        let mut sum = num_rational::BigRational::from_integer(extra.into());
        for &v in &vs {
            match &data(g, s, v).constant {
                Some(k) if k.is_integer() => sum += k,
                _ => return false,
            }
        }
        sum.to_integer().magnitude() <= &(crate::limits::MAX_EXPONENT.into())
    })
}

/// `v` is an integer constant within `MAX_EXPONENT`: an exponent a
/// rewritten power keeps, read back as input.
fn integer_exponent(v: &str) -> Condition {
    exponent_sum_fits(&[v], 0)
}

/// kron(a, b) kron(c, d) = kron(a c, b d): a c and b d are matrix
/// products (no scalars, which `*` would take as factors instead).
fn kron_mixed_product(a: &str, b: &str, c: &str, d: &str) -> Condition {
    let vs = [var(a), var(b), var(c), var(d)];
    Box::new(move |g, _, s| {
        let [sa, sb, sc, sd] = vs.map(|v| data(g, s, v).shape.clone());
        [&sa, &sb, &sc, &sd].iter().all(|x| !x.is_scalar())
            && sa.cols == sc.rows
            && sb.cols == sd.rows
    })
}

/// `a * (b * c)` type-checks (products re-bracketed from the left).
fn right_bracketing_typechecks(a: &str, b: &str, c: &str) -> Condition {
    let (a, b, c) = (var(a), var(b), var(c));
    Box::new(move |g, _, s| {
        let (sa, sb, sc) = (
            &data(g, s, a).shape,
            &data(g, s, b).shape,
            &data(g, s, c).shape,
        );
        sb.times(sc).and_then(|bc| sa.times(&bc)).is_some()
    })
}

/// `(a * b) * c` type-checks (products re-bracketed from the right).
fn left_bracketing_typechecks(a: &str, b: &str, c: &str) -> Condition {
    let (a, b, c) = (var(a), var(b), var(c));
    Box::new(move |g, _, s| {
        let (sa, sb, sc) = (
            &data(g, s, a).shape,
            &data(g, s, b).shape,
            &data(g, s, c).shape,
        );
        sa.times(sb).and_then(|ab| ab.times(sc)).is_some()
    })
}

/// A right side written for each match, its sizes from the matched values,
/// which a pattern cannot write; applied by [`FromMatch`].
trait RightSideFromMatch {
    /// The right side for this match, or none where it cannot be written.
    fn right_side(&self, egraph: &MathGraph, subst: &Subst) -> Option<PatternAst<Math>>;

    /// The pattern variables the right side uses.
    fn uses(&self) -> Vec<Var> {
        Vec::new()
    }
}

/// egg's applier for a [`RightSideFromMatch`].
struct FromMatch<R>(R);

impl<R: RightSideFromMatch> Applier<Math, MathAnalysis> for FromMatch<R> {
    fn apply_one(
        &self,
        egraph: &mut MathGraph,
        eclass: Id,
        subst: &Subst,
        searcher: Option<&PatternAst<Math>>,
        rule: Symbol,
    ) -> Vec<Id> {
        match self.0.right_side(egraph, subst) {
            Some(rhs) => apply_right_side(egraph, eclass, &rhs, subst, searcher, rule),
            None => Vec::new(),
        }
    }

    fn vars(&self) -> Vec<Var> {
        self.0.uses()
    }
}

/// Builds the identity (or 1, for a scalar) shaped like `v`'s rows.
struct IdentityLike(Var);

impl RightSideFromMatch for IdentityLike {
    fn right_side(&self, egraph: &MathGraph, subst: &Subst) -> Option<PatternAst<Math>> {
        let shape = &egraph[subst[self.0]].data.shape;
        let node = if shape.is_scalar() {
            Math::Num(crate::egraph::Rational(
                num_rational::BigRational::from_integer(1.into()),
            ))
        } else {
            Math::Leaf(Leaf::Identity(shape.rows.clone()))
        };
        let mut rhs = PatternAst::default();
        rhs.add(ENodeOrVar::ENode(node));
        Some(rhs)
    }
}

/// What a rule whose right side is written from the match
/// ([`RightSideFromMatch`]) writes, its sizes as pattern variables: what
/// the reachability index is told of it, by the rule's name. Not the
/// applier's own pattern, which egg would replay to check an explanation
/// with those variables unbound.
pub(crate) fn written_by(rule: &str) -> Option<PatternAst<Math>> {
    scaling::written_by(rule).or_else(|| sums::written_by(rule))
}

/// Adds a right side written for one match (its sizes from the match) to
/// the class of `eclass`; the classes changed.
fn apply_right_side(
    egraph: &mut MathGraph,
    eclass: Id,
    rhs: &PatternAst<Math>,
    subst: &Subst,
    searcher: Option<&PatternAst<Math>>,
    rule: Symbol,
) -> Vec<Id> {
    // An explaining run hands over the matched pattern: the union then
    // names this rule, so `--steps` shows its words rather than a place in
    // the source.
    let changed = match searcher {
        Some(lhs) => egraph.union_instantiations(lhs, rhs, subst, rule).1,
        None => {
            let id = egraph.add_instantiation(rhs, subst);
            egraph.union(eclass, id)
        }
    };
    if changed {
        vec![eclass]
    } else {
        vec![]
    }
}

fn identity_like(v: &str) -> FromMatch<IdentityLike> {
    FromMatch(IdentityLike(var(v)))
}
