//! Reverse mode and grad step by step: each assignment's pairing ⟨C̄, Ċ⟩
//! rewritten by the reverse pass until every tangent stands alone, the
//! adjoints read off it, substituted and simplified.

use super::walk::{apply_names, list_definitions, Explainer};
use super::{uni_name, Formula, StepLine};
use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Mark, Name};
use crate::derive::{
    active_names, expand_with, expanded_definitions, substitute_bounded, too_large_substituted,
    Namer,
};
use crate::diff::{pullback_with_steps, Contribution, Step};
use crate::error::{Error, Result};
use crate::tidy::tidy;
use std::collections::HashMap;

impl Explainer<'_> {
    /// Reverse mode; with `output_adjoint` (grad: 1), the adjoints of the
    /// intermediates and the output are then substituted into the inputs'.
    pub(super) fn reverse(mut self, output_adjoint: Option<Expr>) -> Result<Vec<StepLine>> {
        let model = self.model;
        let wrt = self.wrt.clone();
        let active = active_names(model, &wrt);
        let namer = self.namer.upto(model.bindings.len());
        let mut contributions: HashMap<Name, Vec<(usize, Expr)>> = HashMap::new();
        let last = model.bindings.len() - 1;
        let finishing = output_adjoint.is_some() || self.expand;
        let mut known: HashMap<Name, Expr> = HashMap::new();
        if let Some(seed) = output_adjoint {
            known.insert(Name::plain(&model.output().name).bar(), seed);
        }
        for (index, binding) in model.bindings.iter().enumerate().rev() {
            let this = Name::plain(&binding.name);
            if !active.contains(&binding.name) {
                continue;
            }
            if index != last {
                let adjoint = self.read_off(&this, contributions.remove(&this), &namer)?;
                if finishing {
                    self.finish_adjoint(&this, &adjoint, &mut known, &namer)?;
                } else {
                    self.end_on_result(&this.bar(), model.bindings.len())?;
                }
                if adjoint.is_zero() {
                    continue;
                }
            }
            let varies = |n: &Name| n.is_plain() && active.contains(&n.base) || wrt.contains(n);
            let leaf = |n: &Name| varies(n).then(|| Expr::name(n.dot()));
            let Some(raw) = self.differentiate(index, &leaf)? else {
                continue;
            };
            let tidied = tidy(&raw, self.env);
            self.simplify(&raw, tidied.clone())?;
            let local = self.name(index + 1, &tidied)?;
            let is_leaf = |n: &Name| n.outer_mark() == Some(Mark::Dot) && varies(&n.unmark());
            for (leaf_name, part) in self.pair(&this, &local, &is_leaf)? {
                contributions
                    .entry(leaf_name.unmark())
                    .or_default()
                    .push((index, part));
            }
        }
        for input in &wrt {
            let adjoint = self.read_off(input, contributions.remove(input), &namer)?;
            if finishing {
                self.finish_adjoint(input, &adjoint, &mut known, &namer)?;
            } else {
                self.end_on_result(&input.bar(), model.bindings.len())?;
            }
        }
        Ok(self.out.finish())
    }

    /// The chain `bar(X) = …` read off the pairings above, simplified and
    /// named: the adjoint line reverse mode prints.
    fn read_off(
        &mut self,
        name: &Name,
        parts: Option<Vec<(usize, Expr)>>,
        namer: &Namer,
    ) -> Result<Expr> {
        let lhs = Expr::name(name.bar());
        let tangent = uni_name(&name.dot());
        let Some(mut parts) = parts else {
            let rule = format!("nothing above pairs with {tangent}");
            self.out.start(lhs, Formula::new(Expr::int(0)), rule)?;
            return Ok(Expr::int(0));
        };
        parts.sort_by_key(|(index, _)| *index);
        let from_one = parts.iter().all(|(i, _)| *i == parts[0].0);
        let mut shown = parts
            .iter()
            .map(|(_, p)| tidy(p, self.env))
            .reduce(Expr::add)
            .expect("at least one part");
        let mut raw = parts
            .into_iter()
            .map(|(_, p)| p)
            .reduce(Expr::add)
            .expect("at least one part");
        let bar = uni_name(&name.bar());
        let mut rule = if from_one {
            format!("read off the adjoint: the pairing above is ⟨{bar}, {tangent}⟩")
        } else {
            format!(
                "read off the adjoint: the pairings with {tangent} above add up to ⟨{bar}, {tangent}⟩"
            )
        };
        if !self.model.is_assigned(&name.base) && self.env.is_symmetric(name) {
            // ⟨G, Ṡ⟩ = ⟨(G + Gᵀ)/2, Ṡ⟩ for every symmetric Ṡ: the adjoint of
            // a symmetric S is the symmetric part of what pairs with Ṡ.
            let half = |g: Expr| {
                Expr::binary(
                    BinOp::Div,
                    Expr::add(g.clone(), Expr::transpose(g)),
                    Expr::int(2),
                )
            };
            shown = half(shown);
            raw = half(raw);
            rule = format!(
                "read off the adjoint of a symmetric {}: the symmetric part (G + Gᵀ)/2 of the G paired with {tangent}",
                name.base
            );
        }
        self.out.start(lhs, Formula::new(shown.clone()), rule)?;
        let tidied = tidy(&raw, self.env);
        self.simplify(&shown, tidied.clone())?;
        let (named, rule) = apply_names(namer, &tidied);
        self.out.then(Formula::new(named.clone()), rule)?;
        Ok(named)
    }

    /// Grad and `reverse --expand`: substitutes the adjoints found above
    /// (and bar(f) = 1 for grad) into an adjoint line, writes intermediates
    /// out under `--expand`, simplifies, and for an input ends on its line.
    fn finish_adjoint(
        &mut self,
        name: &Name,
        adjoint: &Expr,
        known: &mut HashMap<Name, Expr>,
        namer: &Namer,
    ) -> Result<()> {
        let model = self.model;
        let mut expr = adjoint.clone();
        let mut substituted: Vec<&Name> = known
            .keys()
            .filter(|k| adjoint.mentions(&|n| n == *k))
            .collect();
        if !substituted.is_empty() {
            substituted.sort();
            let output = Name::plain(&model.output().name).bar();
            let words: Vec<String> = substituted
                .iter()
                .map(|n| {
                    if **n == output {
                        format!("the gradient takes {} = 1", uni_name(n))
                    } else {
                        format!("substitute {} from above", uni_name(n))
                    }
                })
                .collect();
            expr = substitute_bounded(&expr, &|n| known.get(n))
                .ok_or_else(|| too_large_substituted(name))?;
            self.out
                .then(Formula::new(expr.clone()), words.join("; "))?;
        }
        if self.expand {
            let expanded = expanded_definitions(model);
            if expr.mentions(&|n| expanded.replaces(n)) {
                let rule = format!("write out {}", list_definitions(model, &expr));
                expr = expand_with(&expanded, &expr, name)?;
                self.out.then(Formula::new(expr.clone()), rule)?;
            }
        }
        let tidied = tidy(&expr, self.env);
        self.simplify(&expr, tidied.clone())?;
        if model.is_assigned(&name.base) {
            known.insert(name.bar(), tidied);
            return Ok(());
        }
        if !self.expand {
            let (named, rule) = apply_names(namer, &tidied);
            self.out.then(Formula::new(named), rule)?;
        }
        self.end_on_result(&name.bar(), model.bindings.len())
    }

    /// The chain ⟨C̄, Ċ⟩ = tr(C̄ᵀ Ċ) = ⟨C̄, local⟩ = … rewritten by the
    /// reverse pass until each tangent stands alone; returns its
    /// contributions.
    fn pair(
        &mut self,
        this: &Name,
        local: &Expr,
        is_leaf: &dyn Fn(&Name) -> bool,
    ) -> Result<Vec<Contribution>> {
        let env = self.env;
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
        self.out.start(lhs, Formula::new(first), rule)?;
        let (parts, steps) =
            pullback_with_steps(local, bar, env, is_leaf).map_err(Error::whole_program)?;
        let active = |e: &Expr| e.mentions(is_leaf);
        let nodes = pairing_tree(&steps, &active).ok_or_else(|| {
            Error::whole_program("internal error: the reverse pass's steps do not form a tree")
        })?;
        let Some(root) = nodes.first() else {
            return Ok(parts);
        };
        let pairing =
            |n: &PairNode| Expr::call(Func::Inner, vec![tidy(&n.left, env), n.right.clone()]);
        let rule = format!("substitute {} derived above", uni_name(&this.dot()));
        self.out.then(Formula::new(pairing(root)), rule)?;
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
            self.out.then(Formula::new(sum), rule)?;
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
            self.out.then(
                Formula::new(sum),
                "linearity: ⟨G₁, Ẋ⟩ + ⟨G₂, Ẋ⟩ = ⟨G₁ + G₂, Ẋ⟩",
            )?;
        }
        Ok(parts)
    }
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
