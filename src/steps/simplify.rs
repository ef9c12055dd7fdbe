//! Simplification in words: what `tidy` did, as far as the two sides
//! tell, and the e-graph's rewrites one by one, as an explaining run of the
//! same rules proves them.

use super::chain::{bookkeeping_form, collect_signed_terms};
use crate::ast::{BinOp, Expr, ExprKind, Func};
use num_rational::BigRational;
use num_traits::{One, Zero};

/// What `tidy` did, in words, as far as the two sides tell; bracketing and
/// sign placement are not mentioned.
pub(super) fn simplify_rule(before: &Expr, after: &Expr) -> String {
    let mut found: Vec<&str> = Vec::new();
    let count = |e: &Expr, pred: &dyn Fn(&Expr) -> bool| count_nodes(e, pred);
    let compound_transpose =
        |e: &Expr| matches!(&e.kind, ExprKind::Transpose(a) if !matches!(a.kind, ExprKind::Var(_)));
    if count(before, &compound_transpose) > count(after, &compound_transpose) {
        let inside = |pred: &dyn Fn(&Expr) -> bool| {
            count(
                before,
                &|e| matches!(&e.kind, ExprKind::Transpose(a) if pred(a)),
            ) > 0
        };
        if inside(&|a| matches!(a.kind, ExprKind::Binary(BinOp::Mul, _, _))) {
            found.push("transpose of a product: (M N)ᵀ = Nᵀ Mᵀ");
        }
        if inside(&|a| matches!(a.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _))) {
            found.push("transpose of a sum: (M + N)ᵀ = Mᵀ + Nᵀ");
        }
        if inside(&|a| matches!(a.kind, ExprKind::Transpose(_))) {
            found.push("(Mᵀ)ᵀ = M");
        }
    }
    let trace_of = |e: &Expr, pred: &dyn Fn(&Expr) -> bool| match &e.kind {
        ExprKind::Call(Func::Tr, args) => pred(&bookkeeping_form(&args[0])),
        _ => false,
    };
    let negated = |form: &Expr| matches!(form.kind, ExprKind::Neg(_));
    let scaled = |form: &Expr| {
        let inner = match &form.kind {
            ExprKind::Neg(a) => a,
            _ => form,
        };
        matches!(inner.kind, ExprKind::Binary(BinOp::Mul, _, _))
            && first_factor(inner).as_num().is_some()
    };
    if count(before, &|e| trace_of(e, &scaled)) > count(after, &|e| trace_of(e, &scaled)) {
        found.push("a constant comes out of the trace: tr(c M) = c tr(M)");
    } else if count(before, &|e| trace_of(e, &negated)) > count(after, &|e| trace_of(e, &negated)) {
        found.push("a sign comes out of the trace: tr(−M) = −tr(M)");
    }
    let cancelling = |e: &Expr| match &e.kind {
        ExprKind::Binary(BinOp::Div, a, b) => {
            let mut terms = Vec::new();
            collect_signed_terms(a, false, &mut terms);
            terms.len() == 1 && terms[0].1.contains(&bookkeeping_form(b))
        }
        _ => false,
    };
    if count(before, &cancelling) > count(after, &cancelling) {
        found.push("a scalar cancels: s M / s = M");
    }
    let identity = |e: &Expr| matches!(e.kind, ExprKind::Identity(_));
    if count(before, &identity) > count(after, &identity) {
        found.push("the identity drops out: M I = M");
    }
    let first_power = |e: &Expr| matches!(e.kind, ExprKind::Power(_, 1));
    if count(before, &first_power) > count(after, &first_power) {
        found.push("M¹ = M");
    }
    if like_terms(before) && !like_terms(after) {
        found.push("like terms add up: M + M = 2 M");
    }
    if found.is_empty() {
        "simplify".to_string()
    } else {
        format!("simplify: {}", found.join("; "))
    }
}

fn count_nodes(e: &Expr, pred: &dyn Fn(&Expr) -> bool) -> usize {
    usize::from(pred(e))
        + e.children()
            .into_iter()
            .map(|c| count_nodes(c, pred))
            .sum::<usize>()
}

fn first_factor(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, _) => first_factor(a),
        _ => e,
    }
}

/// True when two terms of the sum differ only in their numeric factor.
fn like_terms(e: &Expr) -> bool {
    let mut terms = Vec::new();
    collect_signed_terms(e, false, &mut terms);
    let bodies: Vec<Vec<Expr>> = terms
        .into_iter()
        .map(|(_, factors)| {
            factors
                .into_iter()
                .filter(|f| f.as_num().is_none())
                .collect()
        })
        .collect();
    bodies
        .iter()
        .enumerate()
        .any(|(i, b)| bodies[i + 1..].contains(b))
}

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
