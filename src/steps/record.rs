//! The record a derivation keeps of its own steps when `--steps` asks
//! (`Options::record_steps`): the modes push each step as they take it —
//! the differentiation walk's rules, `tidy`'s step, the e-graph's rewrites
//! from the run that found the result, the names put back — and `--steps`
//! renders what was pushed. A derivation that records nothing pays nothing.
//!
//! This part of `steps` sits below the modes (they push into it); the rest
//! of `steps` sits above them.

use super::chain::Out;
use super::differential::differentiate;
use super::pairing;
use super::simplify::{explanation_in, MAX_EXPLAINED_NODES, UNEXPLAINED};
use super::{uni, uni_name, Formula, StepLine};
use crate::ast::{Expr, Name};
use crate::diff::{Contribution, LeafTangent};
use crate::error::Result;
use crate::naming::Namer;
use crate::shape::{Env, Model};
use crate::tidy::{tidy_explained, words};

/// The steps a derivation has taken so far.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    out: Out,
}

impl Recorder {
    /// Differentiates `definition`, the right side of `name`'s assignment,
    /// recording the chain `dot(name) = d(definition) = …`; the tangent, or
    /// the size it reached past `limit`.
    pub(crate) fn differentiate(
        &mut self,
        name: &Name,
        definition: &Expr,
        env: &Env,
        leaf: &LeafTangent,
        limit: usize,
    ) -> Result<std::result::Result<Option<Expr>, usize>> {
        differentiate(&mut self.out, name, definition, env, leaf, limit)
    }

    /// Starts a chain `lhs = rhs` reached by `rule`.
    pub(crate) fn start(&mut self, lhs: Expr, rhs: Expr, rule: &str) -> Result<()> {
        self.out.start(lhs, Formula::new(rhs), rule)
    }

    /// `tidy(expr)`, recorded with what changed in words.
    pub(crate) fn tidy(&mut self, expr: &Expr, env: &Env) -> Result<Expr> {
        let (tidied, rewrites) = tidy_explained(expr, env);
        self.out
            .then(Formula::new(tidied.clone()), words(&rewrites))?;
        Ok(tidied)
    }

    /// `expr` with the intermediates `namer` knows named, recorded with the
    /// names it used.
    pub(crate) fn name(&mut self, namer: &Namer, expr: &Expr) -> Result<Expr> {
        let (named, rule) = apply_names(namer, expr);
        self.out.then(Formula::new(named.clone()), rule)?;
        Ok(named)
    }

    /// `expr` with the tangents of earlier assignments (`dot(C)`, …, each
    /// the line derived for it) put in, recorded.
    pub(crate) fn substitute(&mut self, expr: Expr, names: &[Name]) -> Result<()> {
        let rule = format!(
            "substitute {} derived above",
            names.iter().map(uni_name).collect::<Vec<_>>().join(", ")
        );
        self.out.then(Formula::new(expr), rule)
    }

    /// The chain `bar(name) = …` read off the pairings with its tangent
    /// above (`parts`, in program order, from one assignment or several),
    /// as their symmetric part when `symmetric`, then tidied; the tidied
    /// sum (zero when nothing pairs).
    pub(crate) fn read_off(
        &mut self,
        name: &Name,
        parts: &[Expr],
        from_one: bool,
        symmetric: bool,
        env: &Env,
    ) -> Result<Expr> {
        pairing::read_off(&mut self.out, name, parts, from_one, symmetric, env)
    }

    /// The reverse pass over `local`, the tangent of `this`, recorded as the
    /// chain ⟨C̄, Ċ⟩ = … until every tangent stands alone; what pairs with
    /// each tangent leaf.
    pub(crate) fn pair(
        &mut self,
        this: &Name,
        local: &Expr,
        env: &Env,
        is_leaf: &dyn Fn(&Name) -> bool,
    ) -> Result<Vec<Contribution>> {
        pairing::pair(&mut self.out, this, local, env, is_leaf)
    }

    /// `expr` with the adjoints `names` derived above put in, recorded; the
    /// output's adjoint `output` is the gradient's seed 1.
    pub(crate) fn substitute_adjoints(
        &mut self,
        expr: Expr,
        names: &[Name],
        output: Option<&Name>,
    ) -> Result<()> {
        let words: Vec<String> = names
            .iter()
            .map(|n| {
                if Some(n) == output {
                    format!("the gradient takes {} = 1", uni_name(n))
                } else {
                    format!("substitute {} from above", uni_name(n))
                }
            })
            .collect();
        self.out.then(Formula::new(expr), words.join("; "))
    }

    /// `expr`, the intermediates of `before` written out, recorded.
    pub(crate) fn write_out(&mut self, model: &Model, before: &Expr, expr: Expr) -> Result<()> {
        let rule = format!("write out {}", list_definitions(model, before));
        self.out.then(Formula::new(expr), rule)
    }

    /// Whether the e-graph's run on `start` should keep its explanations:
    /// egg's proofs copy the whole term at every rewrite, so a large term's
    /// rewrites show as one step and need none.
    pub(crate) fn explains(start: &Expr) -> bool {
        start.size() <= MAX_EXPLAINED_NODES
    }

    /// The e-graph's rewrites from `start` to `found`, read from the run
    /// that found it (`runner`, when it kept explanations), one rule a
    /// step; one step when it holds no readable proof.
    pub(crate) fn egraph(
        &mut self,
        runner: Option<&mut egg::Runner<crate::egraph::Math, crate::egraph::MathAnalysis, ()>>,
        start: &Expr,
        found: &Expr,
    ) -> Result<()> {
        let proof = runner.and_then(|r| explanation_in(r, start, found));
        match proof {
            Some(steps) => {
                for (expr, rule) in steps {
                    self.out.then(Formula::new(expr), rule)?;
                }
                Ok(())
            }
            None => self
                .out
                .then(Formula::new(found.clone()), UNEXPLAINED.to_string()),
        }
    }

    /// A rewrite made outside the e-graph and tidy, in words.
    pub(crate) fn rewrite(&mut self, expr: Expr, rule: &str) -> Result<()> {
        self.out.then(Formula::new(expr), rule)
    }

    /// The steps, the last chain closed on where the derivation ended.
    pub(crate) fn finish(self) -> Vec<StepLine> {
        self.out.finish()
    }
}

/// The named expression, and the naming rule in words.
fn apply_names(namer: &Namer, expr: &Expr) -> (Expr, String) {
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
fn list_definitions(model: &Model, expr: &Expr) -> String {
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
