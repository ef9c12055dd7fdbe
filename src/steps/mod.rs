//! Derivations step by step: the rewrites behind the lines
//! [`derive`](fn@crate::derive::derive) prints, one rewrite a line, each with the rule it used in
//! words — as the seed exercise's solution reads.
//!
//! Each line is an equation `lhs = rhs`; a line that continues the chain
//! above shares its left side and prints as `= rhs`. The left sides are
//!
//! - `dot(C)`: the tangent of an assignment, expanded top-down, one
//!   differentiation rule a line (sum rule, product rule, derivative of the
//!   inverse, Jacobi's formula, …). A differential not yet expanded is
//!   written `d(E)`; every other right-hand side is in the input language.
//! - `inner(bar(C), dot(C))`: reverse mode's trace form ⟨C̄, Ċ⟩ = tr(C̄ᵀĊ),
//!   rewritten by [`pullback_with_steps`](crate::diff::pullback_with_steps)
//!   until every tangent stands alone on the right of its pairing
//!   (`inner(·,·)` is the language's ⟨·,·⟩).
//! - `bar(A)`: an adjoint read off the pairings above, then simplified and
//!   named (grad and `--expand`: the adjoints above put in first).
//! - `hess(x, y)`: a Hessian block read off the tangent of x's gradient,
//!   `dot(bar(x))`, when y moves.
//!
//! Simplification shows as `tidy`'s one step, named by what changed, and
//! then the e-graph's rewrites one by one, each with its rule in words, as
//! egg's explanation of the run proves them; a proof it cannot give shows
//! as one `simplify` step. Bracketing, the place of a sign and of a number
//! factor are bookkeeping and take no line of their own.
//!
//! Every mode records its steps as it takes them
//! ([`Options::record_steps`](crate::derive::Options::record_steps)), so
//! the steps are the derivation itself, and each result's chain ends on
//! the line [`derive`](fn@crate::derive::derive) printed because that is
//! where the derivation ended.
//!
//! ```
//! use matdiff::derive::{Mode, Options};
//! use matdiff::print::Notation;
//! let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
//! let steps = matdiff::steps::explain(&model, Mode::Forward, &Options::default()).unwrap();
//! let text = matdiff::steps::render_steps(&steps, Notation::Plain);
//! assert!(text.starts_with("dot(C) = d(inv(A))"));
//! assert!(text.lines().last().unwrap().contains("= -C * dot(A) * C"));
//! ```
//!
//! The module's parts: here the public surface ([`StepLine`], [`Formula`],
//! [`explain`]); `record` what a recording derivation pushes into;
//! `differential` the differentiation walk that records its rules;
//! `pairing` reverse mode's pairing chains and read-offs;
//! `chain` the chains collected so far and what counts as bookkeeping;
//! `render` the text and LaTeX; `simplify` tidy's step and the e-graph's
//! rewrites in words.

mod chain;
mod differential;
mod pairing;
mod record;
mod render;
mod simplify;

pub(crate) use record::Recorder;
pub use render::render_steps;

use crate::ast::{Expr, Name};
use crate::derive::{derive, Derivation, Mode, Options};
use crate::error::Result;
use crate::print::{render, render_name, Notation};
use crate::shape::Model;
use render::render_side;

/// Most expression nodes all the steps of one derivation may hold together;
/// past it the derivation is refused rather than printed after minutes.
pub const MAX_STEP_NODES: usize = 400_000;

/// The right-hand side of a step: an expression that may still hold
/// differentials `d(E)` not yet expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Formula {
    expr: Expr,
    /// The placeholder variables standing for `d(E)`, with their `E`.
    differentials: Vec<(Name, Expr)>,
}

impl Formula {
    /// A formula with no pending differential.
    ///
    /// ```
    /// let f = matdiff::steps::Formula::new(matdiff::ast::Expr::var("A"));
    /// assert_eq!(f.render(matdiff::print::Notation::Plain), "A");
    /// ```
    pub fn new(expr: Expr) -> Formula {
        Formula {
            expr,
            differentials: Vec::new(),
        }
    }

    /// The expression, when no differential is pending (then it is valid
    /// input and parses back to itself).
    ///
    /// ```
    /// let f = matdiff::steps::Formula::new(matdiff::ast::Expr::var("A"));
    /// assert_eq!(f.as_expr().unwrap().to_string(), "A");
    /// ```
    pub fn as_expr(&self) -> Option<&Expr> {
        self.differentials.is_empty().then_some(&self.expr)
    }

    /// The formula in a notation; a pending differential reads `d(E)`
    /// (`\mathrm{d}(E)` in LaTeX).
    ///
    /// ```
    /// use matdiff::print::Notation;
    /// let f = matdiff::steps::Formula::new(matdiff::parse::parse_expr("A'").unwrap());
    /// assert_eq!(f.render(Notation::Unicode), "Aᵀ");
    /// ```
    pub fn render(&self, notation: Notation) -> String {
        let mut text = render(&self.expr, notation);
        for (name, inner) in &self.differentials {
            let inner = render(inner, notation);
            let d = match notation {
                Notation::Latex => format!("\\mathrm{{d}}\\left({inner}\\right)"),
                _ => format!("d({inner})"),
            };
            text = text.replace(&name.base, &d);
        }
        text
    }
}

/// One step: the equation `lhs = rhs`, reached by `rule`.
#[derive(Clone, Debug, PartialEq)]
pub struct StepLine {
    /// The left side: `dot(C)`, `inner(bar(C), dot(C))` or `bar(A)`.
    pub lhs: Expr,
    /// The right side.
    pub rhs: Formula,
    /// The rule that gave the right side, in words.
    pub rule: String,
    /// True when the line continues the chain above (same left side).
    pub continues: bool,
}

impl StepLine {
    /// `lhs = rhs` in a notation.
    ///
    /// ```
    /// use matdiff::derive::{Mode, Options};
    /// use matdiff::print::Notation;
    /// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
    /// let steps = matdiff::steps::explain(&model, Mode::Reverse, &Options::default()).unwrap();
    /// assert_eq!(steps.last().unwrap().equation(Notation::Plain), "bar(A) = -C' * bar(C) * C'");
    /// ```
    pub fn equation(&self, notation: Notation) -> String {
        format!(
            "{} = {}",
            render_side(&self.lhs, notation),
            self.rhs.render(notation)
        )
    }
}

/// The steps behind `derive(model, mode, options)`'s lines, recorded as
/// they are made.
///
/// ```
/// use matdiff::derive::{Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let steps = matdiff::steps::explain(&model, Mode::Reverse, &Options::default()).unwrap();
/// assert!(steps.iter().any(|s| s.rule.contains("cyclic")));
/// ```
pub fn explain(model: &Model, mode: Mode, options: &Options) -> Result<Vec<StepLine>> {
    let options = Options {
        record_steps: true,
        ..options.clone()
    };
    let derivation = derive(model, mode, &options)?;
    explain_derivation(&derivation, &options)
}

/// The steps behind a derivation already made with `options`; the last step
/// for each of its lines is that line.
///
/// A derivation made with [`Options::record_steps`] carries its steps
/// ([`Derivation::steps`]) and they are returned as recorded. One made
/// without derives again, recording (under a time limit that cuts
/// simplification short, its lines may then differ).
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("f = tr(A * X)").unwrap();
/// let options = Options { wrt: Some("X".into()), ..Options::default() };
/// let d = derive(&model, Mode::Grad, &options).unwrap();
/// let steps = matdiff::steps::explain_derivation(&d, &options).unwrap();
/// assert_eq!(steps.last().unwrap().rhs.as_expr(), Some(&d.lines[0].expr));
/// ```
pub fn explain_derivation(derivation: &Derivation, options: &Options) -> Result<Vec<StepLine>> {
    if let Some(steps) = &derivation.steps {
        return Ok(steps.clone());
    }
    let recording = Options {
        record_steps: true,
        ..options.clone()
    };
    let derived = derive(&derivation.model, derivation.mode, &recording)?;
    Ok(derived.steps.unwrap_or_default())
}

/// The steps of a derivation whose lines name temporaries (`t1 = …`): the
/// temporaries follow, each as a step of its own, and every result once
/// more in the form that uses them, so that each printed line is the last
/// step of its chain.
pub(crate) fn with_temporaries(
    mut steps: Vec<StepLine>,
    lines: &[crate::derive::Line],
) -> Vec<StepLine> {
    if !lines.iter().any(|l| l.temporary) {
        return steps;
    }
    for line in lines {
        let rule = if line.temporary {
            "a value several results use, computed once"
        } else {
            "with the values computed once above"
        };
        steps.push(StepLine {
            lhs: Expr::name(line.lhs.clone()),
            rhs: Formula::new(line.expr.clone()),
            rule: rule.to_string(),
            continues: false,
        });
    }
    steps
}

/// Unicode, for expressions quoted inside a rule.
pub(super) fn uni(e: &Expr) -> String {
    render(e, Notation::Unicode)
}

pub(super) fn uni_name(n: &Name) -> String {
    render_name(n, Notation::Unicode)
}
