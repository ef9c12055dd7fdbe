//! The first-order derivations — `forward`, `reverse`, `grad` — line by
//! line, and what every mode shares: the [`Line`] a derivation prints and
//! the `Presenter` that simplifies each line as it is made. `hessian` builds
//! on the gradient made here and `derive` picks a mode; neither is used
//! here, so data flows one way.

use crate::ast::{Expr, ExprKind, Func, Mark, Name};
use crate::cost::flops;
use crate::diff::pullback;
use crate::egraph::{Limits, Simplified, Stop};
use crate::error::{Error, Result};
use crate::limits::MAX_RESULT_NODES;
use crate::naming::{
    expand_with, expanded_definitions, substitute_bounded, too_large_expanded,
    too_large_substituted, Expansions, Namer, Replacements,
};
use crate::shape::{Env, Model};
use crate::steps::Recorder;
use crate::tidy::tidy;
use std::collections::{HashMap, HashSet};

/// One printed line: `lhs = expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// `dot(C)` or `bar(A)`; for a Hessian block, the first input.
    pub lhs: Name,
    /// The right-hand side, tidied.
    pub expr: Expr,
    /// For a Hessian block, the inputs it is the second derivative in:
    /// the line reads `hess(x)` or `hess(x, y)`.
    pub block: Option<(Name, Name)>,
    /// For a Jacobian line, the output it differentiates: the line reads
    /// `jac(f, X)`, `lhs` being the input X.
    pub jacobian_of: Option<Name>,
    /// Which of the `I` and `ones` in `expr`, in printing order, are
    /// printed with their size (see [`Model::written_sizes`]); none when
    /// empty.
    pub written: Vec<bool>,
    /// True for a value matdiff names itself (SPEC §2): a subexpression the
    /// results would otherwise repeat, printed before them as `t1 = …` and
    /// used by name in the lines after it. Not a result.
    pub temporary: bool,
}

impl Line {
    /// A line `lhs = expr`.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// let line = matdiff::derive::Line::new(Name::plain("A").bar(), Expr::var("C"));
    /// assert_eq!(line.to_string(), "bar(A) = C");
    /// ```
    pub fn new(lhs: Name, expr: Expr) -> Line {
        Line {
            lhs,
            expr,
            block: None,
            jacobian_of: None,
            written: Vec::new(),
            temporary: false,
        }
    }

    /// A temporary `name = expr` (see [`Line::temporary`]).
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// let line = matdiff::derive::Line::temporary(Name::plain("t1"), Expr::var("A"));
    /// assert!(line.temporary && line.names_a_value());
    /// ```
    pub fn temporary(name: Name, expr: Expr) -> Line {
        Line {
            temporary: true,
            ..Line::new(name, expr)
        }
    }

    /// The right-hand side in a notation, with the constants' sizes written
    /// where the line's context does not fix them.
    ///
    /// ```
    /// use matdiff::derive::{derive, Mode, Options};
    /// use matdiff::print::Notation;
    /// let model = matdiff::shape::analyze_source("x: vector(n); f = sum(x) / n").unwrap();
    /// let d = derive(&model, Mode::Grad, &Options::default()).unwrap();
    /// assert_eq!(d.lines[0].rhs_text(Notation::Plain), "ones / n");
    /// ```
    pub fn rhs_text(&self, notation: crate::print::Notation) -> String {
        crate::print::render_sized(&self.expr, notation, &self.written)
    }

    /// The shape the left-hand side gives the line.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// let model = matdiff::shape::analyze_source("A: matrix(n, m); f = sum(A)").unwrap();
    /// let line = matdiff::derive::Line::new(Name::plain("A").bar(), Expr::int(0));
    /// assert_eq!(line.shape(&model.env).to_string(), "n×m");
    /// ```
    pub fn shape(&self, env: &Env) -> crate::ast::Shape {
        if let Some(output) = &self.jacobian_of {
            return crate::jacobian::shape(env, output, &self.lhs);
        }
        match &self.block {
            Some((x, y)) => crate::ast::Shape::new(env.name_shape(x).rows, env.name_shape(y).rows),
            None => env.name_shape(&self.lhs),
        }
    }

    /// Whether the left-hand side is a value later lines may use by name
    /// (`dot(C)`, `bar(C)`), not a Hessian block or a Jacobian, whose
    /// `lhs` is an input's name only.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// let line = matdiff::derive::Line::new(Name::plain("C").dot(), Expr::var("A"));
    /// assert!(line.names_a_value());
    /// ```
    pub fn names_a_value(&self) -> bool {
        self.block.is_none() && self.jacobian_of.is_none()
    }

    /// The left-hand side in a notation: `bar(A)`, `hess(x, y)`, `Ā`, …
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// use matdiff::print::Notation;
    /// let x = Name::plain("x");
    /// let mut line = matdiff::derive::Line::new(x.clone(), Expr::var("A"));
    /// line.block = Some((x.clone(), x));
    /// assert_eq!(line.lhs_text(Notation::Plain), "hess(x)");
    /// ```
    pub fn lhs_text(&self, notation: crate::print::Notation) -> String {
        use crate::print::{render_name, Notation};
        if let Some(output) = &self.jacobian_of {
            return crate::jacobian::lhs_text(output, &self.lhs, notation);
        }
        let Some((a, b)) = &self.block else {
            return render_name(&self.lhs, notation);
        };
        let (a, b) = (render_name(a, notation), render_name(b, notation));
        match notation {
            Notation::Plain if a == b => format!("hess({a})"),
            Notation::Plain => format!("hess({a}, {b})"),
            Notation::Unicode if a == b => format!("∇²_{a}"),
            Notation::Unicode => format!("∇²_{a},{b}"),
            Notation::Latex if a == b => format!("\\nabla^2_{{{a}}}"),
            Notation::Latex => format!("\\nabla^2_{{{a}, {b}}}"),
        }
    }
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} = {}",
            self.lhs_text(crate::print::Notation::Plain),
            self.rhs_text(crate::print::Notation::Plain)
        )
    }
}

/// Simplifies each line as it is produced, so that a line the e-graph
/// proves zero counts as zero for the lines after it.
pub(crate) struct Presenter<'a> {
    model: &'a Model,
    limits: &'a Limits,
    /// When the derivation started, for the limits' budget.
    started: std::time::Instant,
    /// Why simplification stopped: a limit, if any line reached one.
    pub(crate) stop: Stop,
    namer: Namer,
    /// The steps taken, when the derivation records them (`--steps`).
    pub(crate) record: Option<Recorder>,
}

impl<'a> Presenter<'a> {
    /// A presenter for one derivation, its time budget starting now.
    pub(crate) fn new(model: &'a Model, limits: &'a Limits) -> Presenter<'a> {
        Presenter {
            model,
            limits,
            started: std::time::Instant::now(),
            stop: Stop::Saturated,
            namer: Namer::all(model),
            record: None,
        }
    }

    /// The line as printed: simplified, with the assignments before `upto`
    /// named (all of them expanded when `upto` is `None`).
    pub(crate) fn present(&mut self, expr: &Expr, upto: Option<usize>) -> Result<Expr> {
        if expr.is_zero() {
            return Ok(expr.clone());
        }
        let remaining = self.limits.budget.saturating_sub(self.started.elapsed());
        let limits = Limits {
            time: self.limits.time.min(remaining),
            ..self.limits.clone()
        };
        let result = simplified_with(expr, self.model, &limits, self.record.as_mut())?;
        if result.stop.hit_limit() && !self.stop.hit_limit() {
            self.stop = result.stop;
        }
        Ok(match (upto, self.record.as_mut()) {
            (Some(upto), Some(record)) => record.name(&self.namer.upto(upto), &result.expr)?,
            (Some(upto), None) => self.namer.upto(upto).name(&result.expr),
            (None, _) => result.expr,
        })
    }
}

/// The cheapest form of an expression over a program's names: tidied,
/// simplified in the e-graph, tidied again for printing.
///
/// ```
/// let model = matdiff::shape::analyze_source("f = tr(A * B) - tr(B * A)").unwrap();
/// let s = matdiff::derive::simplified(&model.output().expr, &model, &Default::default());
/// assert_eq!(s.expr.to_string(), "0");
/// ```
pub fn simplified(expr: &Expr, model: &Model, limits: &Limits) -> Simplified {
    // Only recording a step can fail (a derivation too long to show).
    simplified_with(expr, model, limits, None).expect("nothing is recorded")
}

/// [`simplified`], its steps pushed to `record` when given: tidy's, then
/// the e-graph's rewrites, read from the run that found its form (which
/// keeps explanations only then), when that form is kept.
pub(crate) fn simplified_with(
    expr: &Expr,
    model: &Model,
    limits: &Limits,
    mut record: Option<&mut Recorder>,
) -> Result<Simplified> {
    let env = &model.env;
    let tidied = match record.as_deref_mut() {
        Some(record) => record.tidy(expr, env)?,
        None => tidy(expr, env),
    };
    if limits.time.is_zero() {
        return Ok(Simplified {
            expr: tidied,
            stop: Stop::TimeLimit,
        });
    }
    let explain = record.is_some() && Recorder::explains(&tidied);
    // The intermediates the expression names, equal to their definitions.
    let known = known_definitions(&tidied, model);
    let (result, mut runner) =
        crate::egraph::simplify_knowing(&tidied, env, limits, crate::rules::all(), explain, &known);
    let candidate = tidy(&result.expr, env);
    // The e-graph prices each occurrence of a subexpression on its own, so
    // it writes `A \\ B` even where `inv(A)` is shared with another term
    // and the flop model, counting it once, finds the inverse cheaper.
    let shared_inverse = has_solve(&candidate)
        .then(|| tidy(&inverses_for_solves(&candidate), env))
        .filter(|unsolved| flops(unsolved, env) < flops(&candidate, env) * (1.0 - 1e-12));
    let candidate = shared_inverse.clone().unwrap_or(candidate);
    // Keep the derivation's own form, whose terms follow the program, unless
    // the e-graph found something strictly better.
    let (old, new) = (flops(&tidied, env), flops(&candidate, env));
    let better = new < old * (1.0 - 1e-12) || (new <= old && candidate.size() < tidied.size());
    if let (true, Some(record)) = (better, record) {
        record.egraph(explain.then_some(&mut runner), &tidied, &result.expr)?;
        record.tidy(&result.expr, env)?;
        if let Some(unsolved) = shared_inverse {
            record.rewrite(unsolved, "a shared inverse, computed once: A \\ B = A⁻¹ B")?;
        }
    }
    Ok(Simplified {
        expr: if better { candidate } else { tidied },
        stop: result.stop,
    })
}

/// Definitions this small are told to the e-graph; a larger one would
/// grow it for little.
const KNOWN_DEFINITION_NODES: usize = 40;

/// The program's intermediates that `expr` names, each with its definition.
fn known_definitions(expr: &Expr, model: &Model) -> Vec<(Name, Expr)> {
    let mut known: Vec<(Name, Expr)> = Vec::new();
    for name in expr.names() {
        if !name.is_plain() || known.iter().any(|(k, _)| k == name) {
            continue;
        }
        if let Some(binding) = model.binding(&name.base) {
            // `B = A'` says nothing a rule needs; `B'` stays as written.
            let trivial = crate::naming::is_trivial(&binding.expr);
            if !trivial && binding.expr.size() <= KNOWN_DEFINITION_NODES {
                // Tidied as the expression is, so that both write a row of
                // ones, `ones(v)'`, the same way; unless tidying folds it
                // to a number: the number 0 is a scalar, and a matrix
                // that is identically zero is not that class.
                let tidied = tidy(&binding.expr, &model.env);
                let same_shape = model.env.shape(&tidied) == model.env.name_shape(name);
                let definition = if same_shape {
                    tidied
                } else {
                    binding.expr.clone()
                };
                known.push((name.clone(), definition));
            }
        }
    }
    known
}

fn has_solve(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Call(Func::Solve, _))
        || expr.children().into_iter().any(has_solve)
}

/// `expr` with each `A \\ B` written `inv(A) * B`.
fn inverses_for_solves(expr: &Expr) -> Expr {
    let mapped = expr.map_children(&mut inverses_for_solves);
    match &mapped.kind {
        ExprKind::Call(Func::Solve, args) => Expr::mul(
            Expr::call(Func::Inv, vec![args[0].clone()]),
            args[1].clone(),
        ),
        _ => mapped,
    }
}

/// The tangent of `expr`, refused with an error about `what` when it grows
/// past [`MAX_RESULT_NODES`]: the product rule on a product of k factors
/// gives k terms of k factors, and tidying that takes minutes.
pub(crate) fn tangent_of(
    expr: &Expr,
    env: &Env,
    leaf: &crate::diff::LeafTangent,
    what: &Name,
) -> Result<Option<Expr>> {
    crate::diff::tangent_within(expr, env, leaf, MAX_RESULT_NODES)
        .map_err(|_| tangent_too_large(expr, what))
}

/// The error for a tangent that grows past [`MAX_RESULT_NODES`].
pub(crate) fn tangent_too_large(expr: &Expr, what: &Name) -> Error {
    let message = format!("the derivative of {what} grows past {MAX_RESULT_NODES} nodes");
    // A definition points at its text; a derived gradient has none.
    let error = if expr.span.end > expr.span.start {
        Error::input(message, expr.span)
    } else {
        Error::whole_program(message)
    };
    error.with_help(
        "the derivative of a product of k factors has k terms of k factors: write repeated factors as a power (`A^k`), or name parts of the product",
    )
}

fn finish(expr: Option<Expr>, env: &Env) -> Expr {
    expr.map_or_else(|| Expr::int(0), |e| tidy(&e, env))
}

pub(crate) fn forward(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    let env = &model.env;
    let names = presenter.namer.clone();
    // A derivation that records its steps differentiates in terms of the
    // earlier tangents `dot(C)` under `--expand` too, and puts them in as a
    // step of its own: the rules use a tangent only as a whole, so the tree
    // is the same as with the tangents put in as leaves.
    let inline = expand && presenter.record.is_none();
    let mut expanded = None;
    let mut tangents: HashMap<String, Expr> = HashMap::new();
    let mut lines = Vec::new();
    for (index, binding) in model.bindings.iter().enumerate() {
        let leaf = |n: &Name| -> Option<Expr> {
            if wrt.contains(n) {
                Some(Expr::name(n.dot()))
            } else if n.is_plain() && tangents.contains_key(&n.base) {
                Some(if inline {
                    tangents[&n.base].clone()
                } else {
                    Expr::name(n.dot())
                })
            } else {
                None
            }
        };
        let lhs = Name::plain(&binding.name).dot();
        let raw = match presenter.record.as_mut() {
            Some(record) => record
                .differentiate(&lhs.unmark(), &binding.expr, env, &leaf, MAX_RESULT_NODES)?
                .map_err(|_| tangent_too_large(&binding.expr, &lhs.unmark()))?,
            None => tangent_of(&binding.expr, env, &leaf, &lhs.unmark())?,
        };
        let expr = match raw {
            None => Expr::int(0),
            Some(t) if expand => {
                let t = match presenter.record.as_mut() {
                    Some(record) => put_in_tangents(t, &tangents, &lhs, record)?,
                    None => t,
                };
                let expansions = expanded.get_or_insert_with(|| expanded_definitions(model));
                let written = expand_with(expansions, &t, &lhs)?;
                if let (Some(record), true) = (presenter.record.as_mut(), written != t) {
                    record.write_out(model, &t, written.clone())?;
                }
                presenter.present(&written, None)?
            }
            Some(t) => {
                let namer = names.upto(index + 1);
                let named = match presenter.record.as_mut() {
                    Some(record) => {
                        let tidied = record.tidy(&t, env)?;
                        record.name(&namer, &tidied)?
                    }
                    None => namer.name(&tidy(&t, env)),
                };
                presenter.present(&named, Some(index + 1))?
            }
        };
        if !expr.is_zero() {
            tangents.insert(binding.name.clone(), expr.clone());
        }
        lines.push(Line::new(lhs, expr));
    }
    Ok(lines)
}

/// A recording `forward --expand`: `t` with the earlier assignments' lines
/// put in for their tangents `dot(C)`, recorded as a step.
fn put_in_tangents(
    t: Expr,
    tangents: &HashMap<String, Expr>,
    what: &Name,
    record: &mut Recorder,
) -> Result<Expr> {
    let is_tangent = |n: &Name| {
        n.outer_mark() == Some(Mark::Dot) && n.unmark().is_plain() && tangents.contains_key(&n.base)
    };
    if !t.mentions(&is_tangent) {
        return Ok(t);
    }
    let mut names: Vec<Name> = t
        .names()
        .into_iter()
        .filter(|n| is_tangent(n))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    let t = substitute_bounded(&t, &|n| is_tangent(n).then(|| &tangents[&n.base]))
        .ok_or_else(|| too_large_expanded(what))?;
    record.substitute(t.clone(), &names)?;
    Ok(t)
}

/// The adjoint lines in SPEC order: intermediates last to first, then inputs
/// in order of first use. Each line may use `bar` of later assignments.
/// Each line is presented (simplified and named) as it is read off, or,
/// with `substitution` (grad and `--expand`), has the adjoints above put in
/// first, and only the inputs' lines are kept. A recording `presenter`
/// records every step on the way: the read-off, the local tangent, the
/// pairing chain, the substitution and the simplification.
fn reverse_lines(
    model: &Model,
    wrt: &[Name],
    presenter: &mut Presenter,
    mut substitution: Option<Substitution>,
) -> Result<Vec<Line>> {
    let all = Some(model.bindings.len());
    let env = &model.env;
    let assigned: Vec<&str> = model.bindings.iter().map(|b| b.name.as_str()).collect();
    let unconstrained = env.without_symmetry(&assigned);
    let active = active_names(model, wrt);
    let namer = presenter.namer.clone();
    let all_names = namer.upto(model.bindings.len());
    let mut contributions: HashMap<Name, Vec<(usize, Expr)>> = HashMap::new();
    let mut lines = Vec::new();
    // The line `lhs = expr`, presented or substituted; true when it is 0.
    let emit = |lhs: Name,
                expr: Expr,
                presenter: &mut Presenter,
                substitution: &mut Option<Substitution>,
                lines: &mut Vec<Line>|
     -> Result<bool> {
        let zero = expr.is_zero();
        match substitution.as_mut() {
            None => {
                let expr = presenter.present(&expr, all)?;
                let zero = expr.is_zero();
                lines.push(Line::new(lhs, expr));
                Ok(zero)
            }
            Some(substitution) => {
                if let Some(line) = substitution.line(model, lhs, &expr, presenter)? {
                    lines.push(line);
                }
                Ok(zero)
            }
        }
    };
    let last = model.bindings.len() - 1;
    for (index, binding) in model.bindings.iter().enumerate().rev() {
        let this = Name::plain(&binding.name);
        if !active.contains(&binding.name) {
            continue;
        }
        if index != last {
            let parts = contributions.remove(&this);
            let record = presenter.record.as_mut();
            let expr = read_off(&this, parts, false, env, &all_names, record)?;
            if emit(this.bar(), expr, presenter, &mut substitution, &mut lines)? {
                continue;
            }
        }
        let varies = |n: &Name| n.is_plain() && active.contains(&n.base) || wrt.contains(n);
        let leaf = |n: &Name| varies(n).then(|| Expr::name(n.dot()));
        let names = namer.upto(index + 1);
        // Only the tangents introduced here are leaves: a program may use
        // `dot(A)` itself as an input.
        let is_leaf = |n: &Name| n.outer_mark() == Some(Mark::Dot) && varies(&n.unmark());
        let parts = match presenter.record.as_mut() {
            Some(record) => {
                let local = record
                    .differentiate(
                        &this,
                        &binding.expr,
                        &unconstrained,
                        &leaf,
                        MAX_RESULT_NODES,
                    )?
                    .map_err(|_| tangent_too_large(&binding.expr, &this))?;
                let Some(local) = local else {
                    continue;
                };
                let tidied = record.tidy(&local, &unconstrained)?;
                let local = record.name(&names, &tidied)?;
                record.pair(&this, &local, &unconstrained, &is_leaf)?
            }
            None => {
                let Some(local) = tangent_of(&binding.expr, &unconstrained, &leaf, &this)? else {
                    continue;
                };
                let local = names.name(&tidy(&local, &unconstrained));
                pullback(&local, Expr::name(this.bar()), &unconstrained, &is_leaf)
                    .map_err(Error::whole_program)?
            }
        };
        if let Some(substitution) = substitution.as_mut() {
            let adjoint = this.bar();
            let uses = parts
                .iter()
                .map(|(_, part)| part.names().into_iter().filter(|n| **n == adjoint).count())
                .sum();
            substitution.share(model, &adjoint, uses, presenter)?;
        }
        for (leaf_name, part) in parts {
            contributions
                .entry(leaf_name.unmark())
                .or_default()
                .push((index, part));
        }
    }
    for input in wrt {
        let parts = contributions.remove(input);
        let symmetric = env.is_symmetric(input);
        let record = presenter.record.as_mut();
        let expr = read_off(input, parts, symmetric, env, &all_names, record)?;
        emit(input.bar(), expr, presenter, &mut substitution, &mut lines)?;
    }
    let mut temporaries = substitution.map(|s| s.temporaries).unwrap_or_default();
    temporaries.append(&mut lines);
    Ok(temporaries)
}

/// The adjoint of `name` read off what pairs with its tangent (`parts`, by
/// the assignment they come from), tidied and named; for a symmetric input
/// the symmetric part sym(G) = (G + Gᵀ)/2 of the unconstrained one.
fn read_off(
    name: &Name,
    parts: Option<Vec<(usize, Expr)>>,
    symmetric: bool,
    env: &Env,
    namer: &Namer,
    record: Option<&mut Recorder>,
) -> Result<Expr> {
    let mut parts = parts.unwrap_or_default();
    parts.sort_by_key(|(index, _)| *index);
    let from_one = parts.iter().all(|(i, _)| *i == parts[0].0);
    let parts: Vec<Expr> = parts.into_iter().map(|(_, e)| e).collect();
    match record {
        Some(record) => {
            let tidied = record.read_off(name, &parts, from_one, symmetric, env)?;
            if tidied.is_zero() {
                return Ok(tidied);
            }
            record.name(namer, &tidied)
        }
        None => {
            let sum = parts.into_iter().reduce(Expr::add);
            let sum = sum.map(|g| if symmetric { symmetrize(g) } else { g });
            Ok(namer.name(&finish(sum, env)))
        }
    }
}

/// sym(G) = (G + Gᵀ)/2.
fn symmetrize(g: Expr) -> Expr {
    Expr::binary(
        crate::ast::BinOp::Div,
        Expr::add(g.clone(), Expr::transpose(g)),
        Expr::int(2),
    )
}

/// Assignments that depend on a `wrt` input.
pub(crate) fn active_names(model: &Model, wrt: &[Name]) -> HashSet<String> {
    let mut active = HashSet::new();
    for binding in &model.bindings {
        let depends = binding
            .expr
            .mentions(&|n| wrt.contains(n) || n.is_plain() && active.contains(&n.base));
        if depends {
            active.insert(binding.name.clone());
        }
    }
    active
}

pub(crate) fn reverse(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    let mut substitution = expand.then(|| Substitution::new(model, None, true));
    if let Some(substitution) = substitution.as_mut() {
        substitution.sharing = presenter.record.is_none();
    }
    reverse_lines(model, wrt, presenter, substitution)
}

/// An intermediate's adjoint of at most this many nodes is written out
/// wherever it is used, however often.
const SHARED_ADJOINT_NODES: usize = 10;

/// An intermediate's adjoint of more than this many nodes is named even
/// where it is used once: a chain of single uses would otherwise grow with
/// the program's length into one line too long to print.
const LONG_ADJOINT_NODES: usize = 200;

/// Grad and `reverse --expand`: the intermediates' adjoints (and the
/// output's, when given) put into each adjoint line as it is read off, so
/// that each one's substitution continues its own chain.
struct Substitution {
    /// The intermediates' adjoints so far, substituted (`None`: too large).
    known: Replacements<Name>,
    /// The output's adjoint, when grad seeds it with 1.
    output: Option<Name>,
    /// The definitions in terms of the inputs, under `--expand`.
    expanded: Option<Expansions>,
    /// Whether an adjoint the lines would repeat becomes a temporary.
    sharing: bool,
    /// The temporaries so far, in the order made, each using only those
    /// before it.
    temporaries: Vec<Line>,
}

impl Substitution {
    fn new(model: &Model, output_adjoint: Option<Expr>, expand: bool) -> Substitution {
        let mut known = Replacements::new(|n: &Name| Some(n.clone()));
        let output = output_adjoint.map(|seed| {
            let name = Name::plain(&model.output().name).bar();
            known.insert(name.clone(), Some(seed));
            name
        });
        Substitution {
            known,
            output,
            expanded: expand.then(|| expanded_definitions(model)),
            sharing: false,
            temporaries: Vec::new(),
        }
    }

    /// Keeps the adjoint `adjoint` of an intermediate by name when the
    /// lines after would put its value in `uses` places and it is more than
    /// a few nodes (or, used once, long): its value becomes a temporary
    /// line, presented as a result is.
    fn share(
        &mut self,
        model: &Model,
        adjoint: &Name,
        uses: usize,
        presenter: &mut Presenter,
    ) -> Result<()> {
        if !self.sharing || uses == 0 {
            return Ok(());
        }
        let worth = |size: usize| match uses {
            1 => size > LONG_ADJOINT_NODES,
            _ => size > SHARED_ADJOINT_NODES,
        };
        match self.known.take(adjoint) {
            Some(Some(expr)) if worth(expr.size()) => {
                let upto = self.expanded.is_none().then_some(model.bindings.len());
                let expr = presenter.present(&expr, upto)?;
                self.temporaries
                    .push(Line::temporary(adjoint.clone(), expr));
            }
            Some(entry) => self.known.insert(adjoint.clone(), entry),
            None => {}
        }
        Ok(())
    }

    /// The adjoint line `lhs = expr` with the adjoints above put in: kept
    /// for the lines after when `lhs` is an intermediate's, else the line,
    /// presented.
    fn line(
        &mut self,
        model: &Model,
        lhs: Name,
        before: &Expr,
        presenter: &mut Presenter,
    ) -> Result<Option<Line>> {
        let env = &model.env;
        let Some(mut expr) = self.known.apply(before) else {
            if model.is_assigned(&lhs.base) {
                self.known.insert(lhs, None);
                return Ok(None);
            }
            return Err(too_large_substituted(&lhs));
        };
        if let (Some(record), true) = (presenter.record.as_mut(), expr != *before) {
            let mut names: Vec<Name> = before
                .names()
                .into_iter()
                .filter(|n| self.known.replaces(n))
                .cloned()
                .collect();
            names.sort();
            names.dedup();
            record.substitute_adjoints(expr.clone(), &names, self.output.as_ref())?;
        }
        if let Some(expanded) = &self.expanded {
            let written = expand_with(expanded, &expr, &lhs)?;
            if let (Some(record), true) = (presenter.record.as_mut(), written != expr) {
                record.write_out(model, &expr, written.clone())?;
            }
            expr = written;
        }
        let expr = match presenter.record.as_mut() {
            Some(record) => record.tidy(&expr, env)?,
            None => tidy(&expr, env),
        };
        if model.is_assigned(&lhs.base) {
            self.known.insert(lhs, Some(expr));
            return Ok(None);
        }
        let upto = self.expanded.is_none().then_some(model.bindings.len());
        let expr = presenter.present(&expr, upto)?;
        Ok(Some(Line::new(lhs, expr)))
    }
}

/// An error unless the program's output is a scalar, as `mode` needs,
/// with `help` saying what to do instead.
pub(crate) fn require_scalar_output(model: &Model, mode: &str, help: &str) -> Result<()> {
    let output = model.output();
    let shape = model.env.shape(&output.expr);
    if shape.is_scalar() {
        return Ok(());
    }
    Err(Error::input(
        format!(
            "`{mode}` needs a scalar output, but `{}` is {}",
            output.name,
            shape.describe()
        ),
        output.span,
    )
    .with_help(help))
}

/// The gradient lines. With `sharing`, an intermediate's adjoint that the
/// lines would repeat becomes a temporary line (see [`Line::temporary`]),
/// so that the gradient of a deep program grows with its depth, not
/// exponentially; `hessian`'s tangents of the gradient written out, and a
/// recorded derivation, whose steps read as substitutions, go without.
pub(crate) fn grad(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    sharing: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    require_scalar_output(
        model,
        "grad",
        "use `reverse` for the adjoint of a non-scalar output",
    )?;
    let mut substitution = Substitution::new(model, Some(Expr::int(1)), expand);
    substitution.sharing = sharing && presenter.record.is_none();
    reverse_lines(model, wrt, presenter, Some(substitution))
}
