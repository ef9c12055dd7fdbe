//! The differentiation walk behind the lines: forward mode's chains, the
//! Hessian's, and the end of every chain on the line `derive` printed.

use super::chain::Out;
use super::differential::Walk;
use super::simplify::{egraph_explanation, simplify_rule};
use super::{explain_derivation, uni, uni_name, Formula, StepLine, FALLBACK_RULE};
use crate::ast::{Expr, ExprKind, Mark, Name};
use crate::derive::{
    derive, expand_with, expanded_definitions, substitute_bounded, tangent_of, too_large_expanded,
    Expansions, Line, Mode, Namer, Options,
};
use crate::egraph::Limits;
use crate::error::{Error, Result};
use crate::print::{render_name, Notation};
use crate::shape::{Env, Model};
use crate::tidy::tidy;
use std::collections::HashMap;

/// The named expression, and the naming rule in words.
pub(super) fn apply_names(namer: &Namer, expr: &Expr) -> (Expr, String) {
    let mut used = Vec::new();
    let named = namer.name_tracking(expr, &mut used);
    used.sort_unstable();
    let list: Vec<String> = used
        .iter()
        .map(|&i| {
            let (definition, name) = namer.definition(i);
            format!("{name} = {}", uni(definition))
        })
        .collect();
    (named, format!("name {}", list.join(" and ")))
}

/// The intermediates `expr` mentions, with their definitions, in words.
pub(super) fn list_definitions(model: &Model, expr: &Expr) -> String {
    let mut seen: Vec<String> = Vec::new();
    for name in expr.names() {
        if name.is_plain() && model.is_assigned(&name.base) && !seen.contains(&name.base) {
            seen.push(name.base.clone());
        }
    }
    seen.iter()
        .filter_map(|n| model.binding(n))
        .map(|b| format!("{} = {}", b.name, uni(&b.expr)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) struct Explainer<'a> {
    pub(super) model: &'a Model,
    pub(super) env: &'a Env,
    pub(super) wrt: Vec<Name>,
    pub(super) expand: bool,
    pub(super) limits: Limits,
    /// The derivation's lines: the last step of each result is its line.
    pub(super) results: &'a [Line],
    /// Every assignment's name, by its definition, built once.
    pub(super) namer: Namer,
    pub(super) out: Out,
}

impl Explainer<'_> {
    fn result(&self, lhs: &Name) -> Option<&Expr> {
        self.results.iter().find(|l| l.lhs == *lhs).map(|l| &l.expr)
    }

    /// Ends a chain on the derivation's own line for `lhs`: the line the
    /// mode built (the chain's last so far) simplified as `derive` does —
    /// e-graph, then names of the first `upto` assignments unless expanding.
    /// Hessians: the gradient step by step, then each gradient
    /// differentiated along the inputs' tangents; a block is read off the
    /// gradient's tangent ġ = H ẏ.
    pub(super) fn hessian(mut self, options: &Options) -> Result<Vec<StepLine>> {
        let expanded = Options {
            expand: true,
            ..options.clone()
        };
        let gradient = derive(self.model, Mode::Grad, &expanded)?;
        let mut steps = explain_derivation(&gradient, &expanded)?;
        let all = self.model.bindings.len();
        for line in self.results {
            let (x, moving): (Name, Vec<Name>) = match &line.block {
                Some((x, y)) => (x.clone(), vec![y.clone()]),
                None => (line.lhs.unmark().unmark(), self.wrt.clone()),
            };
            let Some(g) = gradient.lines.iter().find(|l| l.lhs == x.bar()) else {
                continue;
            };
            let leaf = |n: &Name| moving.contains(n).then(|| Expr::name(n.dot()));
            let derivative = self.differentiate_expr(&x.bar(), &g.expr, &leaf)?;
            match (&line.block, derivative) {
                (None, _) => self.end_on_result(&line.lhs, all)?,
                (Some(_), None) => {
                    let lhs = Expr::var(&line.lhs_text(Notation::Plain));
                    self.out.start(
                        lhs,
                        Formula::new(line.expr.clone()),
                        "the gradient does not depend on it",
                    )?;
                }
                (Some((_, y)), Some(t)) => {
                    let matrix = crate::diff::linear_map(&tidy(&t, self.env), &y.dot(), self.env)
                        .map_err(Error::whole_program)?;
                    let lhs = Expr::var(&line.lhs_text(Notation::Plain));
                    let rule = format!(
                        "read off the block: the tangent above is H {}",
                        render_name(&y.dot(), Notation::Unicode)
                    );
                    self.out.start(lhs, Formula::new(matrix.clone()), rule)?;
                    if matrix != line.expr {
                        self.simplify(&matrix, line.expr.clone())?;
                    }
                }
            }
        }
        steps.extend(self.out.finish());
        Ok(steps)
    }

    pub(super) fn end_on_result(&mut self, lhs: &Name, upto: usize) -> Result<()> {
        let Some(result) = self.result(lhs).cloned() else {
            return Ok(());
        };
        let Some(before) = self.out.last_expr().cloned() else {
            return self.out.then(Formula::new(result), FALLBACK_RULE);
        };
        if before == result {
            return Ok(());
        }
        if !before.is_zero() {
            let start = tidy(&before, self.env);
            let simplified = crate::derive::simplified(&before, self.model, &self.limits).expr;
            let (named, rule) = if self.expand {
                (simplified.clone(), String::new())
            } else {
                apply_names(&self.namer.upto(upto), &simplified)
            };
            if named == result {
                self.simplify(&before, start.clone())?;
                // `simplified` keeps the e-graph's form only when it is better.
                if simplified != start {
                    let rules = crate::rules::all();
                    let found = crate::egraph::simplify(&start, self.env, &self.limits, rules).expr;
                    match egraph_explanation(&start, &found, self.env, &self.limits, rules) {
                        Some(steps) => {
                            for (expr, rule) in steps {
                                self.out.then(Formula::new(expr), rule)?;
                            }
                        }
                        None => self.simplify(&start, found.clone())?,
                    }
                    self.simplify(&found, simplified)?;
                }
                return self.out.then(Formula::new(named), rule);
            }
        }
        self.out.then(Formula::new(result), FALLBACK_RULE)
    }

    /// `= tidy(expr)` with the rule that describes what changed.
    pub(super) fn simplify(&mut self, before: &Expr, after: Expr) -> Result<()> {
        let rule = simplify_rule(before, &after);
        self.out.then(Formula::new(after), rule)
    }

    // ----- forward -----

    /// Forward mode: each assignment's tangent, in program order, in terms
    /// of the inputs' tangents and the tangents of the assignments before it
    /// (written out under `--expand`).
    pub(super) fn forward(mut self) -> Result<Vec<StepLine>> {
        let model = self.model;
        let mut expanded = None;
        let wrt = self.wrt.clone();
        // The tangents found so far that are not zero, as the mode builds
        // them (before the e-graph): they are the leaves of later lines.
        let mut tangents: HashMap<String, Expr> = HashMap::new();
        for (index, binding) in model.bindings.iter().enumerate() {
            let leaf = |n: &Name| -> Option<Expr> {
                (wrt.contains(n) || n.is_plain() && tangents.contains_key(&n.base))
                    .then(|| Expr::name(n.dot()))
            };
            let this = Name::plain(&binding.name);
            let line = match self.differentiate(index, &leaf)? {
                None => Expr::int(0),
                Some(raw) if self.expand => {
                    let expanded = expanded.get_or_insert_with(|| expanded_definitions(model));
                    self.write_out(&raw, &this.dot(), &tangents, expanded)?
                }
                Some(raw) => {
                    let tidied = tidy(&raw, self.env);
                    self.simplify(&raw, tidied.clone())?;
                    self.name(index + 1, &tidied)?
                }
            };
            self.end_on_result(&this.dot(), index + 1)?;
            if !line.is_zero() {
                tangents.insert(binding.name.clone(), line);
            }
        }
        Ok(self.out.finish())
    }

    /// `--expand` in forward mode: the earlier tangents substituted, the
    /// intermediates written out, simplified.
    fn write_out(
        &mut self,
        raw: &Expr,
        what: &Name,
        tangents: &HashMap<String, Expr>,
        expanded: &Expansions,
    ) -> Result<Expr> {
        let mut t = raw.clone();
        let is_tangent = |n: &Name| {
            n.outer_mark() == Some(Mark::Dot)
                && n.unmark().is_plain()
                && tangents.contains_key(&n.base)
        };
        if t.mentions(&is_tangent) {
            let mut names: Vec<&Name> = t.names().into_iter().filter(|n| is_tangent(n)).collect();
            names.sort();
            names.dedup();
            let rule = format!(
                "substitute {} derived above",
                names
                    .iter()
                    .map(|n| uni_name(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            t = substitute_bounded(&t, &|n| is_tangent(n).then(|| &tangents[&n.base]))
                .ok_or_else(|| too_large_expanded(what))?;
            self.out.then(Formula::new(t.clone()), rule)?;
        }
        if t.mentions(&|n| expanded.replaces(n)) {
            let rule = format!("write out {}", list_definitions(self.model, &t));
            t = expand_with(expanded, &t, what)?;
            self.out.then(Formula::new(t.clone()), rule)?;
        }
        let tidied = tidy(&t, self.env);
        self.simplify(&t, tidied.clone())?;
        Ok(tidied)
    }

    /// `= name(expr)` with the intermediates of the first `upto` bindings.
    pub(super) fn name(&mut self, upto: usize, expr: &Expr) -> Result<Expr> {
        let (named, rule) = apply_names(&self.namer.upto(upto), expr);
        self.out.then(Formula::new(named.clone()), rule)?;
        Ok(named)
    }

    /// The chain `dot(B) = d(definition) = …`, expanded top-down, one
    /// differentiation rule a line, until no differential is left. Returns
    /// the tangent `tangent` gives (the chain ends on it), `None` for zero.
    pub(super) fn differentiate(
        &mut self,
        index: usize,
        leaf: &dyn Fn(&Name) -> Option<Expr>,
    ) -> Result<Option<Expr>> {
        let binding = &self.model.bindings[index];
        let name = Name::plain(&binding.name);
        self.differentiate_expr(&name, &binding.expr, leaf)
    }

    /// The chain `dot(name) = d(definition) = …`, one rule a step.
    pub(super) fn differentiate_expr(
        &mut self,
        name: &Name,
        definition: &Expr,
        leaf: &dyn Fn(&Name) -> Option<Expr>,
    ) -> Result<Option<Expr>> {
        let lhs = Expr::name(name.dot());
        let Some(expected) = tangent_of(definition, self.env, leaf, name)? else {
            let rule = format!("{name} does not depend on the inputs differentiated");
            self.out.start(lhs, Formula::new(Expr::int(0)), rule)?;
            return Ok(None);
        };
        let assignment = format!(
            "differentiate both sides of {} = {}",
            render_name(name, Notation::Unicode),
            uni(definition)
        );
        if let ExprKind::Var(_) = definition.kind {
            self.out
                .start(lhs, Formula::new(expected.clone()), assignment)?;
            return Ok(Some(expected));
        }
        let mut walk = Walk {
            env: self.env,
            leaf,
            pending: Vec::new(),
            made: 0,
        };
        let mut current = walk.placeholder(definition)?;
        self.out.start(lhs, walk.formula(&current), assignment)?;
        while let Some((name, inner)) = walk.first_pending(&current) {
            let (derivative, rule) = walk.expand(&inner)?;
            let derivative = derivative.unwrap_or_else(|| Expr::int(0));
            walk.pending.retain(|(n, _)| *n != name);
            current = current.substitute(&|n| (*n == name).then(|| derivative.clone()));
            self.out.then(walk.formula(&current), rule)?;
        }
        if current != expected {
            self.out
                .then(Formula::new(expected.clone()), FALLBACK_RULE)?;
        }
        Ok(Some(expected))
    }
}
