//! Reverse mode's own steps, recorded as the reverse pass takes them: each
//! assignment's pairing ⟨C̄, Ċ⟩ rewritten until every tangent stands alone
//! on the right of its pairing, and the adjoints read off the pairings.

use super::chain::Out;
use super::{uni_name, Formula};
use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name};
use crate::diff::{pullback_with_steps, Contribution, Step};
use crate::error::{Error, Result};
use crate::shape::Env;
use crate::tidy::{tidy, tidy_explained, words};

/// The chain `bar(X) = …` read off the pairings with Ẋ above (`parts`, in
/// program order; none when nothing pairs with Ẋ), started on their sum
/// with each part tidied, as its symmetric part when `symmetric` (a
/// symmetric input), then tidied as a whole: the sum, tidied, which the
/// chain has reached.
pub(super) fn read_off(
    out: &mut Out,
    name: &Name,
    parts: &[Expr],
    from_one: bool,
    symmetric: bool,
    env: &Env,
) -> Result<Expr> {
    let lhs = Expr::name(name.bar());
    let tangent = uni_name(&name.dot());
    let Some(shown) = parts.iter().map(|p| tidy(p, env)).reduce(Expr::add) else {
        let rule = format!("nothing above pairs with {tangent}");
        out.start(lhs, Formula::new(Expr::int(0)), rule)?;
        return Ok(Expr::int(0));
    };
    let raw = parts.iter().cloned().reduce(Expr::add).expect("a part");
    let bar = uni_name(&name.bar());
    let rule = if symmetric {
        format!(
            "read off the adjoint of a symmetric {}: the symmetric part (G + Gᵀ)/2 of the G paired with {tangent}",
            name.base
        )
    } else if from_one {
        format!("read off the adjoint: the pairing above is ⟨{bar}, {tangent}⟩")
    } else {
        format!(
            "read off the adjoint: the pairings with {tangent} above add up to ⟨{bar}, {tangent}⟩"
        )
    };
    // ⟨G, Ṡ⟩ = ⟨(G + Gᵀ)/2, Ṡ⟩ for every symmetric Ṡ: the adjoint of a
    // symmetric S is the symmetric part of what pairs with Ṡ.
    let half = |g: Expr| {
        Expr::binary(
            BinOp::Div,
            Expr::add(g.clone(), Expr::transpose(g)),
            Expr::int(2),
        )
    };
    let (shown, raw) = if symmetric {
        (half(shown), half(raw))
    } else {
        (shown, raw)
    };
    out.start(lhs, Formula::new(shown.clone()), rule)?;
    // The step goes from the sum shown, whose parts are tidy already, so
    // its words are what tidying the shown sum does; the result is the
    // tidied raw sum, as derivation without steps computes it.
    let (tidied, raw_rewrites) = tidy_explained(&raw, env);
    let (from_shown, shown_rewrites) = tidy_explained(&shown, env);
    let rewrites = if from_shown == tidied {
        shown_rewrites
    } else {
        raw_rewrites
    };
    out.then(Formula::new(tidied.clone()), words(&rewrites))?;
    Ok(tidied)
}

/// The chain ⟨C̄, Ċ⟩ = tr(C̄ᵀ Ċ) = ⟨C̄, local⟩ = … rewritten by the
/// reverse pass until each tangent stands alone; returns its
/// contributions.
pub(super) fn pair(
    out: &mut Out,
    this: &Name,
    local: &Expr,
    env: &Env,
    is_leaf: &dyn Fn(&Name) -> bool,
) -> Result<Vec<Contribution>> {
    let (bar, dot) = (Expr::name(this.bar()), Expr::name(this.dot()));
    let lhs = Expr::call(Func::Inner, vec![bar.clone(), dot.clone()]);
    let shape = env.name_shape(this);
    let (first, rule) = if shape.is_scalar() {
        (
            Expr::mul(bar.clone(), dot.clone()),
            "the inner product of scalars is their product",
        )
    } else if shape.cols == Dim::One {
        (
            Expr::mul(Expr::transpose(bar.clone()), dot.clone()),
            "inner product of vectors: ⟨u, v⟩ = uᵀ v",
        )
    } else {
        (
            Expr::call(
                Func::Tr,
                vec![Expr::mul(Expr::transpose(bar.clone()), dot.clone())],
            ),
            "vec inner product: ⟨M, N⟩ = tr(Mᵀ N)",
        )
    };
    out.start(lhs, Formula::new(first), rule)?;
    let (parts, steps) =
        pullback_with_steps(local, bar, env, is_leaf).map_err(Error::whole_program)?;
    let active = |e: &Expr| e.mentions(is_leaf);
    let nodes = pairing_tree(&steps, &active).ok_or_else(|| {
        Error::whole_program("internal error: the reverse pass's steps do not form a tree")
    })?;
    let Some(root) = nodes.first() else {
        return Ok(parts);
    };
    let pairing = |n: &PairNode| Expr::call(Func::Inner, vec![tidy(&n.left, env), n.right.clone()]);
    let rule = format!("substitute {} derived above", uni_name(&this.dot()));
    out.then(Formula::new(pairing(root)), rule)?;
    let mut frontier = vec![0];
    let mut stack = vec![0];
    while let Some(id) = stack.pop() {
        let node = &nodes[id];
        if node.children.is_empty() {
            continue;
        }
        let at = frontier
            .iter()
            .position(|&f| f == id)
            .expect("on the frontier");
        frontier.splice(at..=at, node.children.iter().copied());
        let rule = match (&node.children[..], &node.right.kind) {
            ([only], _) => nodes[*only].rule.to_string(),
            (_, ExprKind::Binary(BinOp::Sub, _, _)) => {
                "linearity: ⟨G, T₁ − T₂⟩ = ⟨G, T₁⟩ + ⟨−G, T₂⟩".to_string()
            }
            _ => "linearity: ⟨G, T₁ + T₂⟩ = ⟨G, T₁⟩ + ⟨G, T₂⟩".to_string(),
        };
        let sum = frontier
            .iter()
            .map(|&f| pairing(&nodes[f]))
            .reduce(Expr::add)
            .expect("a non-empty frontier");
        out.then(Formula::new(sum), rule)?;
        stack.extend(node.children.iter().rev().copied());
    }
    // ⟨G₁, Ẋ⟩ + ⟨G₂, Ẋ⟩ = ⟨G₁ + G₂, Ẋ⟩
    let mut grouped: Vec<(Expr, Expr)> = Vec::new();
    for &f in &frontier {
        let (left, right) = (tidy(&nodes[f].left, env), nodes[f].right.clone());
        match grouped.iter_mut().find(|(_, r)| *r == right) {
            Some((l, _)) => *l = Expr::add(l.clone(), left),
            None => grouped.push((left, right)),
        }
    }
    if grouped.len() < frontier.len() {
        let sum = grouped
            .into_iter()
            .map(|(l, r)| Expr::call(Func::Inner, vec![l, r]))
            .reduce(Expr::add)
            .expect("a non-empty frontier");
        out.then(
            Formula::new(sum),
            "linearity: ⟨G₁, Ẋ⟩ + ⟨G₂, Ẋ⟩ = ⟨G₁ + G₂, Ẋ⟩",
        )?;
    }
    Ok(parts)
}

/// One pairing ⟨left, right⟩ of the reverse pass, and the pairings it was
/// rewritten into.
struct PairNode {
    left: Expr,
    right: Expr,
    rule: &'static str,
    children: Vec<usize>,
}

/// The reverse pass's steps, recorded depth first, as the tree they come
/// from: a sum splits into its active terms, a tangent ends a branch, every
/// other node is rewritten into one pairing.
fn pairing_tree(steps: &[Step], active: &dyn Fn(&Expr) -> bool) -> Option<Vec<PairNode>> {
    fn parse(
        steps: &[Step],
        cursor: &mut usize,
        active: &dyn Fn(&Expr) -> bool,
        nodes: &mut Vec<PairNode>,
    ) -> Option<usize> {
        let step = steps.get(*cursor)?;
        *cursor += 1;
        let id = nodes.len();
        nodes.push(PairNode {
            left: step.left.clone(),
            right: step.right.clone(),
            rule: step.rule,
            children: Vec::new(),
        });
        let count = match &step.right.kind {
            ExprKind::Var(_) => 0,
            ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) => {
                usize::from(active(a)) + usize::from(active(b))
            }
            _ => 1,
        };
        for _ in 0..count {
            let child = parse(steps, cursor, active, nodes)?;
            nodes[id].children.push(child);
        }
        Some(id)
    }
    let mut nodes = Vec::new();
    let mut cursor = 0;
    if !steps.is_empty() {
        parse(steps, &mut cursor, active, &mut nodes)?;
    }
    (cursor == steps.len()).then_some(nodes)
}
