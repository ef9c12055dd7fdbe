//! The after-the-fact walk of the Hessian, which does not record its steps
//! yet (forward, reverse and grad do): the `Explainer`, the Hessian's
//! chains, and the end of every chain on the line `derive` printed,
//! simplified again to find the e-graph's rewrites.

use super::chain::Out;
use super::differential::differentiate;
use super::simplify::{egraph_explanation, simplify_rule};
use super::{explain_derivation, uni, Formula, StepLine, FALLBACK_RULE};
use crate::ast::{Expr, Name};
use crate::derive::{derive, tangent_too_large, Line, Mode, Namer, Options};
use crate::egraph::Limits;
use crate::error::{Error, Result};
use crate::limits::MAX_RESULT_NODES;
use crate::print::{render_name, Notation};
use crate::shape::{Env, Model};
use crate::tidy::tidy;

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

    /// The chain `dot(name) = d(definition) = …`, one rule a step, by the
    /// walk that records it.
    pub(super) fn differentiate_expr(
        &mut self,
        name: &Name,
        definition: &Expr,
        leaf: &dyn Fn(&Name) -> Option<Expr>,
    ) -> Result<Option<Expr>> {
        differentiate(
            &mut self.out,
            name,
            definition,
            self.env,
            leaf,
            MAX_RESULT_NODES,
        )?
        .map_err(|_| tangent_too_large(definition, name))
    }
}
