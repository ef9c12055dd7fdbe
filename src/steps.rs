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
//!   rewritten by [`pullback_with_steps`] until every tangent stands alone
//!   on the right of its pairing (`inner(·,·)` is the language's ⟨·,·⟩).
//! - `bar(A)`: an adjoint read off the pairings above, then simplified and
//!   named.
//!
//! Simplification shows as `tidy`'s one step, named by what changed, and
//! then the e-graph's rewrites one by one, each with its rule in words, as
//! an explaining run of the same rules proves them; a proof it cannot give
//! shows as one `simplify` step. Bracketing, the place of a sign and of a
//! number factor are bookkeeping and take no line of their own.
//!
//! The last line for each result is the result [`derive`](fn@crate::derive::derive) prints, taken
//! from it, so the steps and the results never disagree.
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

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Mark, Name};
use crate::derive::{
    active_names, derive, expand_with, expanded_definitions, substitute_bounded, tangent_of,
    too_large_expanded, too_large_substituted, Derivation, Expansions, Line, Mode, Namer, Options,
};
use crate::diff::{differentiate_node, pullback_with_steps, tangent, Contribution, Step};
use crate::egraph::Limits;
use crate::error::{Error, Result};
use crate::print::{render, render_name, Notation};
use crate::shape::{Env, Model};
use crate::tidy::tidy;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::collections::HashMap;

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

fn render_side(lhs: &Expr, notation: Notation) -> String {
    match &lhs.kind {
        ExprKind::Var(name) => render_name(name, notation),
        _ => render(lhs, notation),
    }
}

/// The steps behind `derive(model, mode, options)`'s lines.
///
/// ```
/// use matdiff::derive::{Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let steps = matdiff::steps::explain(&model, Mode::Reverse, &Options::default()).unwrap();
/// assert!(steps.iter().any(|s| s.rule.contains("cyclic")));
/// ```
pub fn explain(model: &Model, mode: Mode, options: &Options) -> Result<Vec<StepLine>> {
    let derivation = derive(model, mode, options)?;
    explain_derivation(&derivation, options)
}

/// The steps behind a derivation already made with `options`; the last step
/// for each of its lines is that line.
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
    let model = &derivation.model;
    let explainer = Explainer {
        model,
        env: &model.env,
        wrt: wrt_inputs(model, options.wrt.as_deref()),
        expand: options.expand,
        limits: options.limits.clone(),
        results: &derivation.lines,
        namer: Namer::all(model),
        out: Out::default(),
    };
    match derivation.mode {
        Mode::Forward => explainer.forward(),
        Mode::Reverse => explainer.reverse(None),
        Mode::Grad => explainer.reverse(Some(Expr::int(1))),
        Mode::Hessian => explainer.hessian(options),
    }
}

/// Renders steps as text (plain or Unicode: one equation a line, chains
/// aligned, the rule in brackets) or as one LaTeX `aligned` block.
///
/// ```
/// use matdiff::derive::{Mode, Options};
/// use matdiff::print::Notation;
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let steps = matdiff::steps::explain(&model, Mode::Forward, &Options::default()).unwrap();
/// let latex = matdiff::steps::render_steps(&steps, Notation::Latex);
/// assert!(latex.starts_with("\\begin{aligned}\n\\dot{C} &= "));
/// ```
pub fn render_steps(steps: &[StepLine], notation: Notation) -> String {
    if notation == Notation::Latex {
        return render_latex(steps);
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let end = steps[start + 1..]
            .iter()
            .position(|s| !s.continues)
            .map_or(steps.len(), |i| start + 1 + i);
        out.extend(render_chain(&steps[start..end], notation));
        start = end;
    }
    out.join("\n")
}

/// Widest equation that still sets the column the rules line up in.
const RULE_COLUMN_MAX: usize = 72;

/// Left sides up to this width have their continuation lines' `=` aligned
/// under theirs; longer ones indent continuations by four spaces.
const ALIGN_MAX: usize = 16;

fn render_chain(chain: &[StepLine], notation: Notation) -> Vec<String> {
    let lhs = render_side(&chain[0].lhs, notation);
    let lhs_width = width(&lhs);
    let indent = if lhs_width <= ALIGN_MAX {
        lhs_width + 1
    } else {
        4
    };
    let texts: Vec<String> = chain
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let rhs = step.rhs.render(notation);
            if i == 0 {
                format!("{lhs} = {rhs}")
            } else {
                format!("{}= {rhs}", " ".repeat(indent))
            }
        })
        .collect();
    let column = texts
        .iter()
        .map(|t| width(t))
        .filter(|w| *w <= RULE_COLUMN_MAX)
        .max()
        .unwrap_or(0);
    texts
        .into_iter()
        .zip(chain)
        .map(|(text, step)| {
            let pad = column.saturating_sub(width(&text)) + 2;
            format!("{text}{}[{}]", " ".repeat(pad), step.rule)
        })
        .collect()
}

/// Display width: combining marks (the dot and bar accents) take none.
fn width(text: &str) -> usize {
    text.chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .count()
}

fn render_latex(steps: &[StepLine]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .map(|step| {
            let lhs = if step.continues {
                String::new()
            } else {
                format!("{} ", render_side(&step.lhs, Notation::Latex))
            };
            format!(
                "{lhs}&= {} && \\text{{{}}}",
                step.rhs.render(Notation::Latex),
                latex_text(&step.rule)
            )
        })
        .collect();
    format!(
        "\\begin{{aligned}}\n{}\n\\end{{aligned}}",
        rows.join(" \\\\\n")
    )
}

/// Escapes the characters LaTeX's text mode treats specially.
fn latex_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '#' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            c => out.push(c),
        }
    }
    out
}

/// The inputs `--wrt` names, in its order; every input without it. The
/// option is valid here: [`derive`] has accepted it.
fn wrt_inputs(model: &Model, wrt: Option<&str>) -> Vec<Name> {
    let Some(text) = wrt else {
        return model.inputs.clone();
    };
    let mut out: Vec<Name> = Vec::new();
    for part in text.split(',') {
        let name = part.trim();
        if let Some(input) = model.inputs.iter().find(|n| n.to_string() == name) {
            if !out.contains(input) {
                out.push(input.clone());
            }
        }
    }
    out
}

/// Unicode, for expressions quoted inside a rule.
fn uni(e: &Expr) -> String {
    render(e, Notation::Unicode)
}

fn uni_name(n: &Name) -> String {
    render_name(n, Notation::Unicode)
}

/// The steps collected so far.
#[derive(Default)]
struct Out {
    lines: Vec<StepLine>,
    /// The right side the current chain has reached. The last line shows
    /// it, or a form of it that differs only in bookkeeping.
    current: Option<Formula>,
    nodes: usize,
}

impl Out {
    /// Starts a chain `lhs = rhs`.
    fn start(&mut self, lhs: Expr, rhs: Formula, rule: impl Into<String>) -> Result<()> {
        self.close_chain();
        self.current = Some(rhs.clone());
        self.push(StepLine {
            lhs,
            rhs,
            rule: rule.into(),
            continues: false,
        })
    }

    /// Continues the current chain with `= rhs`. A right side equal to the
    /// last one is dropped. One that differs from it only in how products
    /// and sums are bracketed, where a sign stands or where a number
    /// factor stands takes no line of its own: the shorter of the two is
    /// shown, and the chain's last line always shows where it ends.
    fn then(&mut self, rhs: Formula, rule: impl Into<String>) -> Result<()> {
        let current = self.current.as_ref().expect("a chain has been started");
        if *current == rhs {
            return Ok(());
        }
        let last = self.lines.last_mut().expect("a chain has been started");
        if last.rhs.differentials == rhs.differentials
            && bookkeeping_form(&last.rhs.expr) == bookkeeping_form(&rhs.expr)
        {
            let shorter =
                rhs.render(Notation::Plain).len() <= last.rhs.render(Notation::Plain).len();
            if shorter {
                self.nodes += rhs.expr.size();
                last.rhs = rhs.clone();
            }
            self.current = Some(rhs);
            return self.check_size();
        }
        let lhs = self
            .lines
            .last()
            .expect("a chain has been started")
            .lhs
            .clone();
        self.current = Some(rhs.clone());
        self.push(StepLine {
            lhs,
            rhs,
            rule: rule.into(),
            continues: true,
        })
    }

    /// Makes the last line show exactly where the chain has got to.
    fn close_chain(&mut self) {
        if let (Some(current), Some(last)) = (&self.current, self.lines.last_mut()) {
            if last.rhs != *current {
                last.rhs = current.clone();
            }
        }
    }

    fn push(&mut self, line: StepLine) -> Result<()> {
        self.nodes += line.rhs.expr.size() + line.lhs.size();
        self.lines.push(line);
        self.check_size()
    }

    fn check_size(&self) -> Result<()> {
        if self.nodes > MAX_STEP_NODES {
            return Err(Error::whole_program(format!(
                "the derivation is too long to show step by step (more than {MAX_STEP_NODES} nodes)"
            ))
            .with_help("leave out --steps, or differentiate a smaller program"));
        }
        Ok(())
    }

    /// Where the current chain has got to.
    fn last_expr(&self) -> Option<&Expr> {
        self.current.as_ref().and_then(Formula::as_expr)
    }

    /// The lines, the last chain closed.
    fn finish(mut self) -> Vec<StepLine> {
        self.close_chain();
        self.lines
    }
}

/// The expression with products and sums flattened and every sign moved to
/// the front of its term: two expressions with the same form differ only in
/// bookkeeping (`-(A * B) * C` and `-A * (B * C)`).
fn bookkeeping_form(e: &Expr) -> Expr {
    let mut terms = Vec::new();
    collect_signed_terms(e, false, &mut terms);
    terms
        .into_iter()
        .map(|(negative, factors)| {
            let product = factors
                .into_iter()
                .reduce(Expr::mul)
                .unwrap_or_else(|| Expr::int(1));
            if negative {
                Expr::neg(product)
            } else {
                product
            }
        })
        .reduce(Expr::add)
        .unwrap_or_else(|| Expr::int(0))
}

fn collect_signed_terms(e: &Expr, negative: bool, out: &mut Vec<(bool, Vec<Expr>)>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Add, a, b) => {
            collect_signed_terms(a, negative, out);
            collect_signed_terms(b, negative, out);
        }
        ExprKind::Binary(BinOp::Sub, a, b) => {
            collect_signed_terms(a, negative, out);
            collect_signed_terms(b, !negative, out);
        }
        ExprKind::Neg(a) => collect_signed_terms(a, !negative, out),
        _ => {
            let mut sign = negative;
            let mut factors = Vec::new();
            collect_signed_factors(e, &mut sign, &mut factors);
            // Numbers commute with every factor: they gather in front.
            let (numbers, rest): (Vec<Expr>, Vec<Expr>) =
                factors.into_iter().partition(|f| f.as_num().is_some());
            let coefficient = numbers
                .iter()
                .filter_map(Expr::as_num)
                .fold(BigRational::one(), |c, n| c * n);
            let mut factors = Vec::new();
            if !coefficient.is_one() {
                factors.push(Expr::num(coefficient));
            }
            factors.extend(rest);
            out.push((sign, factors));
        }
    }
}

fn collect_signed_factors(e: &Expr, negative: &mut bool, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, b) => {
            collect_signed_factors(a, negative, out);
            collect_signed_factors(b, negative, out);
        }
        ExprKind::Neg(a) => {
            *negative = !*negative;
            collect_signed_factors(a, negative, out);
        }
        ExprKind::Num(v) if v.is_negative() => {
            *negative = !*negative;
            let magnitude = v.abs();
            if !magnitude.is_one() {
                out.push(Expr::num(magnitude));
            }
        }
        ExprKind::Num(v) if v.is_one() => {}
        ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => out.push(bookkeeping_form(e)),
        _ => out.push(e.map_children(&mut bookkeeping_form)),
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

struct Explainer<'a> {
    model: &'a Model,
    env: &'a Env,
    wrt: Vec<Name>,
    expand: bool,
    limits: Limits,
    /// The derivation's lines: the last step of each result is its line.
    results: &'a [Line],
    /// Every assignment's name, by its definition, built once.
    namer: Namer,
    out: Out,
}

/// Rule of a line that only reaches the result as `derive` built it, when
/// the steps' own reconstruction ends elsewhere; tests assert it is unused.
pub const FALLBACK_RULE: &str = "simplify (as derived)";

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
    fn hessian(mut self, options: &Options) -> Result<Vec<StepLine>> {
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

    fn end_on_result(&mut self, lhs: &Name, upto: usize) -> Result<()> {
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
    fn simplify(&mut self, before: &Expr, after: Expr) -> Result<()> {
        let rule = simplify_rule(before, &after);
        self.out.then(Formula::new(after), rule)
    }

    // ----- forward -----

    /// Forward mode: each assignment's tangent, in program order, in terms
    /// of the inputs' tangents and the tangents of the assignments before it
    /// (written out under `--expand`).
    fn forward(mut self) -> Result<Vec<StepLine>> {
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
    fn name(&mut self, upto: usize, expr: &Expr) -> Result<Expr> {
        let (named, rule) = apply_names(&self.namer.upto(upto), expr);
        self.out.then(Formula::new(named.clone()), rule)?;
        Ok(named)
    }

    /// The chain `dot(B) = d(definition) = …`, expanded top-down, one
    /// differentiation rule a line, until no differential is left. Returns
    /// the tangent `tangent` gives (the chain ends on it), `None` for zero.
    fn differentiate(
        &mut self,
        index: usize,
        leaf: &dyn Fn(&Name) -> Option<Expr>,
    ) -> Result<Option<Expr>> {
        let binding = &self.model.bindings[index];
        let name = Name::plain(&binding.name);
        self.differentiate_expr(&name, &binding.expr, leaf)
    }

    /// The chain `dot(name) = d(definition) = …`, one rule a step.
    fn differentiate_expr(
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

    // ----- reverse and grad -----

    /// Reverse mode; with `output_adjoint` (grad: 1), the adjoints of the
    /// intermediates and the output are then substituted into the inputs'.
    fn reverse(mut self, output_adjoint: Option<Expr>) -> Result<Vec<StepLine>> {
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

/// What `tidy` did, in words, as far as the two sides tell; bracketing and
/// sign placement are not mentioned.
fn simplify_rule(before: &Expr, after: &Expr) -> String {
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

/// Expands differentials one node at a time, building each node's tangent
/// exactly as [`tangent`] does, with its children's differentials left as
/// placeholders.
struct Walk<'a> {
    env: &'a Env,
    leaf: &'a dyn Fn(&Name) -> Option<Expr>,
    /// Differentials not yet expanded: placeholder name, and `E` of `d(E)`.
    pending: Vec<(Name, Expr)>,
    /// Placeholders made so far.
    made: u32,
}

/// Placeholders are single characters of the Unicode private use planes.
const PLACEHOLDER_BASE: u32 = 0xF0000;
const PLACEHOLDER_COUNT: u32 = 0x1FFFD - 2;

fn placeholder_char(i: u32) -> Option<char> {
    char::from_u32(PLACEHOLDER_BASE + i)
}

impl Walk<'_> {
    /// The differential `d(e)`, a placeholder; one already pending for an
    /// equal `e` is reused.
    fn placeholder(&mut self, e: &Expr) -> Result<Expr> {
        if let Some((name, _)) = self.pending.iter().find(|(_, p)| p == e) {
            return Ok(Expr::name(name.clone()));
        }
        let c = (self.made < PLACEHOLDER_COUNT)
            .then(|| placeholder_char(self.made))
            .flatten()
            .ok_or_else(|| {
                Error::whole_program("the derivation is too long to show step by step")
            })?;
        self.made += 1;
        let name = Name::plain(c.to_string());
        self.pending.push((name.clone(), e.clone()));
        Ok(Expr::name(name))
    }

    fn formula(&self, current: &Expr) -> Formula {
        Formula {
            expr: current.clone(),
            differentials: self
                .pending
                .iter()
                .filter(|(n, _)| current.mentions(&|m| m == n))
                .cloned()
                .collect(),
        }
    }

    /// The first pending differential in reading order.
    fn first_pending(&self, current: &Expr) -> Option<(Name, Expr)> {
        current
            .names()
            .into_iter()
            .find_map(|n| self.pending.iter().find(|(p, _)| p == n).cloned())
    }

    /// The differential of a child: a variable's tangent, `None` for a
    /// constant, else a placeholder `d(child)`.
    fn child(&mut self, c: &Expr) -> Result<Option<Expr>> {
        if let ExprKind::Var(name) = &c.kind {
            return Ok((self.leaf)(name));
        }
        if tangent(c, self.env, self.leaf).is_none() {
            return Ok(None);
        }
        self.placeholder(c).map(Some)
    }

    /// `d(e)` one level down, and the rule that gives it: the forward
    /// pass's own rule, with each child's differential left as `d(child)`.
    fn expand(&mut self, e: &Expr) -> Result<(Option<Expr>, String)> {
        let mut failed = None;
        let (env, leaf) = (self.env, self.leaf);
        let (derivative, rule) = differentiate_node(e, env, leaf, &mut |c| match self.child(c) {
            Ok(d) => d,
            Err(err) => {
                failed = Some(err);
                None
            }
        });
        if let Some(err) = failed {
            return Err(err);
        }
        let text = match &rule.constant {
            Some(c) => format!("{}, with {} = 0", rule.text, differential_of(c)),
            None => rule.text.to_string(),
        };
        Ok((derivative, text))
    }
}

/// `dE` in words: `dA`, or `d(A B)` for a compound `E`.
fn differential_of(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Num(_) => format!("d{}", uni(e)),
        _ => format!("d({})", uni(e)),
    }
}

/// Longest e-graph proof shown rewrite by rewrite; a longer one is shown
/// as one simplification.
const MAX_EXPLANATION_STEPS: usize = 40;

/// Largest expression, in nodes, whose e-graph proof is sought: egg's
/// explanations copy the whole term at every rewrite, and a step that
/// rewrites hundreds of nodes reads better as one simplification.
const MAX_EXPLAINED_NODES: usize = 400;

/// The e-graph's rewrites from `start` to `target`, one rule a step, when
/// an explaining run under `limits` proves them equal.
fn egraph_explanation(
    start: &Expr,
    target: &Expr,
    env: &Env,
    limits: &Limits,
    rules: &[crate::egraph::Rule],
) -> Option<Vec<(Expr, String)>> {
    use crate::egraph::{from_rec, to_rec, Math};
    use egg::{Language, RecExpr};
    if start.size().max(target.size()) > MAX_EXPLAINED_NODES {
        return None;
    }
    let (start_rec, target_rec) = (to_rec(start), to_rec(target));
    // As `egraph::simplify` runs it, with explanations recorded.
    let mut runner = crate::egraph::run(&start_rec, env, limits, rules, true);
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
