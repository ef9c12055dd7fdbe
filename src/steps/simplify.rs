//! Simplification in words: the e-graph's rewrites one by one, as an
//! explaining run of the same rules proves them. (`tidy` notes its own
//! rewrites as it makes them: [`crate::tidy::tidy_explained`].)

use crate::ast::{BinOp, Expr, ExprKind};
use num_rational::BigRational;
use num_traits::{One, Zero};

/// The words of an e-graph simplification shown as one step: its proof
/// is not kept for a large term, or is too long to read rewrite by rewrite.
pub(crate) const UNEXPLAINED: &str = "simplify: e-graph rewrites, too many to show one by one";

/// The e-graph's `a + -b` and `a + (-1) * b` written `a - b`, and
/// `(-1) * b` written `-b`: the same up to bookkeeping, easier to read.
fn present(e: &Expr) -> Expr {
    let e = e.map_children(&mut present);
    let negated = |b: &Expr| -> Option<Expr> {
        match &b.kind {
            ExprKind::Neg(inner) => Some((**inner).clone()),
            ExprKind::Binary(BinOp::Mul, c, rest) if c.as_num().is_some_and(|v| (-v).is_one()) => {
                Some((**rest).clone())
            }
            _ => None,
        }
    };
    match &e.kind {
        ExprKind::Binary(BinOp::Add, a, b) => match negated(b) {
            Some(b) => Expr::sub((**a).clone(), b),
            None => e,
        },
        ExprKind::Binary(BinOp::Mul, c, rest) if c.as_num().is_some_and(|v| (-v).is_one()) => {
            Expr::neg((**rest).clone())
        }
        _ => e,
    }
}

/// An e-graph rule in words, `forward` or right to left, from the words
/// declared with the rule in [`crate::rules`].
fn egraph_rule_words(name: &str, forward: bool) -> String {
    let Some(rule) = crate::rules::words(name) else {
        // Unions the e-graph makes itself carry the place in the source
        // that made them: constant folding, or a rule's own applier.
        return if name.contains("egraph") {
            "fold constants".to_string()
        } else if name.contains(".rs:") {
            "simplify".to_string()
        } else {
            name.to_string()
        };
    };
    let (from, to) = if forward {
        (rule.lhs, rule.rhs)
    } else {
        (rule.rhs, rule.lhs)
    };
    match rule.condition {
        "" => format!("{}: {from} = {to}", rule.words),
        condition => format!("{}: {from} = {to}, {condition}", rule.words),
    }
}

/// Longest e-graph proof shown rewrite by rewrite; a longer one is shown
/// as one simplification.
const MAX_EXPLANATION_STEPS: usize = 40;

/// Largest expression, in nodes, whose e-graph proof is sought: egg's
/// explanations copy the whole term at every rewrite, and a step that
/// rewrites hundreds of nodes reads better as one simplification.
pub(crate) const MAX_EXPLAINED_NODES: usize = 400;

/// The rewrites from `start` to `target` in a runner that recorded its
/// explanations, one rule a step; `None` when the graph does not hold
/// `target` in `start`'s class or the proof is too long to read.
pub(crate) fn explanation_in(
    runner: &mut egg::Runner<crate::egraph::Math, crate::egraph::MathAnalysis, ()>,
    start: &Expr,
    target: &Expr,
) -> Option<Vec<(Expr, String)>> {
    use crate::egraph::{from_rec, to_rec, Math};
    use egg::{Language, RecExpr};
    let (start_rec, target_rec) = (to_rec(start), to_rec(target));
    let root = runner.egraph.find(runner.roots[0]);
    let found = runner.egraph.lookup_expr(&target_rec)?;
    if runner.egraph.find(found) != root {
        return None;
    }
    let mut explanation = runner.explain_equivalence(&start_rec, &target_rec);
    let flat = explanation.make_flat_explanation().clone();
    if flat.len() > MAX_EXPLANATION_STEPS {
        return None;
    }
    // Arithmetic on numbers is folded as it is built: a rule such as
    // `Aᵏ A = Aᵏ⁺¹` leaves the exponent `k + 1` for the e-graph to fold.
    fn build(term: &egg::FlatTerm<Math>, rec: &mut RecExpr<Math>) -> egg::Id {
        let ids: Vec<egg::Id> = term.children.iter().map(|c| build(c, rec)).collect();
        let number = |id: &egg::Id| match &rec[*id] {
            Math::Num(r) => Some(r.0.clone()),
            _ => None,
        };
        let values: Option<Vec<BigRational>> = ids.iter().map(number).collect();
        let folded = match (&term.node, values.as_deref()) {
            (Math::Add(_), Some([a, b])) => Some(a + b),
            (Math::Mul(_), Some([a, b])) => Some(a * b),
            (Math::Div(_), Some([a, b])) if !b.is_zero() => Some(a / b),
            (Math::Neg(_), Some([a])) => Some(-a),
            _ => None,
        };
        if let Some(value) = folded {
            return rec.add(Math::Num(crate::egraph::Rational(value)));
        }
        let mut node = term.node.clone();
        for (slot, id) in node.children_mut().iter_mut().zip(ids) {
            *slot = id;
        }
        rec.add(node)
    }
    fn rule_of(term: &egg::FlatTerm<Math>) -> Option<(String, bool)> {
        if let Some(r) = term.forward_rule {
            return Some((r.to_string(), true));
        }
        if let Some(r) = term.backward_rule {
            return Some((r.to_string(), false));
        }
        term.children.iter().find_map(rule_of)
    }
    let mut out = Vec::new();
    for term in flat.iter().skip(1) {
        let mut rec = RecExpr::default();
        build(term, &mut rec);
        let (name, forward) = rule_of(term).unwrap_or_default();
        out.push((present(&from_rec(&rec)), egraph_rule_words(&name, forward)));
    }
    Some(out)
}
