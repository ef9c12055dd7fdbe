//! The derivations the command line offers — `forward`, `reverse`, `grad` —
//! over an analysed [`Model`]: which names vary, which lines to print and in
//! what order, intermediates named or expanded.

use crate::ast::{Expr, ExprKind, Mark, Name, Span};
use crate::cost::flops;
use crate::diff::pullback;
use crate::egraph::{Limits, Simplified, Stop};
use crate::error::{Error, Result};
use crate::limits::{MAX_NUMBER_DIGITS, MAX_OPERATORS, MAX_RESULT_NODES};
use crate::shape::{Env, Model};
use crate::tidy::tidy;
use std::collections::{HashMap, HashSet};

/// Which derivative to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tangents Ċ of every assignment.
    Forward,
    /// Adjoints X̄ given the output's adjoint.
    Reverse,
    /// The gradient of a scalar output.
    Grad,
    /// Second derivatives of a scalar output: Hessian blocks for vector
    /// and scalar inputs, Hessian-vector products for matrix inputs.
    Hessian,
}

impl Mode {
    /// The mode's name on the command line.
    ///
    /// ```
    /// assert_eq!(matdiff::derive::Mode::Grad.name(), "grad");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Mode::Forward => "forward",
            Mode::Reverse => "reverse",
            Mode::Grad => "grad",
            Mode::Hessian => "hessian",
        }
    }
}

/// Options shared by the modes.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The `--wrt` text: comma-separated inputs to differentiate with
    /// respect to. Default: every input.
    pub wrt: Option<String>,
    /// Write results in terms of the inputs only.
    pub expand: bool,
    /// Bounds on the e-graph simplifier.
    pub limits: Limits,
}

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
    /// Which of the `I` and `ones` in `expr`, in printing order, are
    /// printed with their size (see [`Model::written_sizes`]); none when
    /// empty.
    pub written: Vec<bool>,
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
            written: Vec::new(),
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
        match &self.block {
            Some((x, y)) => crate::ast::Shape::new(env.name_shape(x).rows, env.name_shape(y).rows),
            None => env.name_shape(&self.lhs),
        }
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

/// The result of a derivation.
#[derive(Clone, Debug)]
pub struct Derivation {
    /// The mode it was taken in.
    pub mode: Mode,
    /// Lines in printing order.
    pub lines: Vec<Line>,
    /// The analysed program.
    pub model: Model,
    /// Why simplification stopped: a limit, if any line reached one.
    pub stop: Stop,
}

/// Differentiates a program in a mode.
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let d = derive(&model, Mode::Forward, &Options::default()).unwrap();
/// assert_eq!(d.lines[0].to_string(), "dot(C) = -C * dot(A) * C");
/// let d = derive(&model, Mode::Reverse, &Options::default()).unwrap();
/// assert_eq!(d.lines[0].to_string(), "bar(A) = -C' * bar(C) * C'");
/// ```
pub fn derive(model: &Model, mode: Mode, options: &Options) -> Result<Derivation> {
    let wrt = wrt_inputs(model, options.wrt.as_deref())?;
    let mut presenter = Presenter {
        model,
        limits: &options.limits,
        started: std::time::Instant::now(),
        stop: Stop::Saturated,
        namer: Namer::all(model),
    };
    let lines = match mode {
        Mode::Forward => forward(model, &wrt, options.expand, &mut presenter)?,
        Mode::Reverse => reverse(model, &wrt, options.expand, &mut presenter)?,
        Mode::Grad => grad(model, &wrt, options.expand, &mut presenter)?,
        Mode::Hessian => crate::hessian::lines(model, &wrt, options, &mut |e| {
            presenter.present(e, Some(model.bindings.len()))
        })?,
    };
    let stop = presenter.stop;
    let lines = lines
        .into_iter()
        .map(|mut line| {
            line.written = model.written_sizes(&line.expr, &line.shape(&model.env));
            line
        })
        .collect();
    Ok(Derivation {
        mode,
        lines,
        model: model.clone(),
        stop,
    })
}

impl Derivation {
    /// Checks that every line can be printed as valid input: plain results
    /// read back as statements, so none may have more operators than the
    /// parser accepts in one. The numerical check needs no such bound.
    ///
    /// ```
    /// use matdiff::derive::{derive, Mode, Options};
    /// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
    /// let d = derive(&model, Mode::Forward, &Options::default()).unwrap();
    /// assert!(d.printable(false).is_ok());
    /// ```
    pub fn printable(&self, expanded: bool) -> Result<()> {
        for line in &self.lines {
            if divides_by_zero(&line.expr) {
                return Err(Error::whole_program(format!(
                    "the result for {} divides by zero: the program inverts or divides by an expression that is zero for every input",
                    line.lhs
                ))
                .with_help("look for a difference of equal terms, such as `A - A`, under `inv`, `/` or `./`"));
            }
            let digits = line.expr.longest_number();
            if digits > MAX_NUMBER_DIGITS {
                return Err(Error::whole_program(format!(
                    "the result for {} has a number of {digits} digits; matdiff prints at most {MAX_NUMBER_DIGITS}, as many as it reads, so that results read back as input",
                    line.lhs
                ))
                .with_help("scale the program's numbers down"));
            }
            let count = line.expr.operator_count();
            if count > MAX_OPERATORS {
                return Err(Error::whole_program(format!(
                    "the result for {} has {count} operators; matdiff prints at most {MAX_OPERATORS}, as many as a statement may have, so that results read back as input",
                    line.lhs
                ))
                .with_help(if expanded {
                    "leave out --expand, or name intermediate values in the program"
                } else {
                    "name intermediate values in the program"
                }));
            }
        }
        Ok(())
    }
}

/// Whether `expr` inverts or divides by the number 0 somewhere: the value
/// it stands for is undefined, and `/ 0` does not read back as input.
fn divides_by_zero(expr: &Expr) -> bool {
    let by_zero = match &expr.kind {
        ExprKind::Binary(crate::ast::BinOp::Div | crate::ast::BinOp::EDiv, _, b) => b.is_zero(),
        ExprKind::Power(b, k) => *k < 0 && b.is_zero(),
        ExprKind::ElemPower(b, k) => num_traits::Signed::is_negative(k) && b.is_zero(),
        ExprKind::Call(crate::ast::Func::Inv, args) => args.iter().any(Expr::is_zero),
        _ => false,
    };
    by_zero || expr.children().into_iter().any(divides_by_zero)
}

/// Simplifies each line as it is produced, so that a line the e-graph
/// proves zero counts as zero for the lines after it.
struct Presenter<'a> {
    model: &'a Model,
    limits: &'a Limits,
    /// When the derivation started, for the limits' budget.
    started: std::time::Instant,
    stop: Stop,
    namer: Namer,
}

impl Presenter<'_> {
    /// The line as printed: simplified, with the assignments before `upto`
    /// named (all of them expanded when `upto` is `None`).
    fn present(&mut self, expr: &Expr, upto: Option<usize>) -> Expr {
        if expr.is_zero() {
            return expr.clone();
        }
        let remaining = self.limits.budget.saturating_sub(self.started.elapsed());
        let limits = Limits {
            time: self.limits.time.min(remaining),
            ..self.limits.clone()
        };
        let result = simplified(expr, self.model, &limits);
        if result.stop.hit_limit() && !self.stop.hit_limit() {
            self.stop = result.stop;
        }
        match upto {
            Some(upto) => self.namer.upto(upto).name(&result.expr),
            None => result.expr,
        }
    }
}

/// An expression over a program's names as printed: with the sizes of its
/// constants written where its context, a value of shape `shape`, leaves
/// them open.
///
/// ```
/// use matdiff::print::Notation;
/// let model = matdiff::shape::analyze_source("A: matrix(n, m); f = sum(A)").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("sum(ones(n))").unwrap(), None).unwrap();
/// let text = matdiff::derive::render_in(&model, &e, &matdiff::ast::Shape::scalar(), Notation::Plain);
/// assert_eq!(text, "sum(ones(n))");
/// ```
pub fn render_in(
    model: &Model,
    expr: &Expr,
    shape: &crate::ast::Shape,
    notation: crate::print::Notation,
) -> String {
    crate::print::render_sized(expr, notation, &model.written_sizes(expr, shape))
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
    let env = &model.env;
    let tidied = tidy(expr, env);
    if limits.time.is_zero() {
        return Simplified {
            expr: tidied,
            stop: Stop::TimeLimit,
        };
    }
    let result = crate::egraph::simplify(&tidied, env, limits, crate::rules::all());
    let candidate = tidy(&result.expr, env);
    // Keep the derivation's own form, whose terms follow the program, unless
    // the e-graph found something strictly better.
    let (old, new) = (flops(&tidied, env), flops(&candidate, env));
    let better = new < old * (1.0 - 1e-12) || (new <= old && candidate.size() < tidied.size());
    Simplified {
        expr: if better { candidate } else { tidied },
        stop: result.stop,
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

/// The inputs `--wrt` names (all inputs without it); an unknown name is a
/// usage error pointing into the option's text.
fn wrt_inputs(model: &Model, wrt: Option<&str>) -> Result<Vec<Name>> {
    if model.inputs.is_empty() {
        return Err(Error::whole_program(
            "the program has no inputs, so there is nothing to differentiate",
        ));
    }
    let Some(text) = wrt else {
        return Ok(model.inputs.clone());
    };
    let mut out = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let name = part.trim();
        let start = offset + part.len() - part.trim_start().len();
        offset += part.len() + 1;
        let span = Span::new(start, start + name.len().max(1));
        let inputs: Vec<String> = model.inputs.iter().map(Name::to_string).collect();
        match model.inputs.iter().find(|n| n.to_string() == name) {
            Some(input) if !out.contains(input) => out.push(input.clone()),
            Some(_) => {}
            None => {
                let why = if name.is_empty() {
                    "`--wrt` has an empty name".to_string()
                } else if model.is_assigned(name) {
                    format!("`--wrt` names `{name}`, which the program assigns; only inputs can be differentiated with respect to")
                } else {
                    format!("`--wrt` names `{name}`, which is not an input of the program")
                };
                return Err(Error::usage("--wrt", why, span)
                    .with_help(format!("the inputs are {}", inputs.join(", "))));
            }
        }
    }
    Ok(out)
}

/// Replaces every subexpression equal to an assignment's (tidied)
/// definition by the assigned name, outermost first.
pub(crate) struct Namer {
    /// Tidied definitions with their assignment's index, in program order;
    /// built once per derivation, since tidying them is the costly part.
    definitions: std::rc::Rc<Vec<(Expr, String, usize)>>,
    /// Positions in `definitions` by the definition's fingerprint, so that
    /// a long program's names are not each compared with every node.
    by_fingerprint: std::rc::Rc<HashMap<u64, Vec<usize>>>,
    /// Only assignments before this index are named.
    upto: usize,
}

impl Clone for Namer {
    fn clone(&self) -> Namer {
        Namer {
            definitions: self.definitions.clone(),
            by_fingerprint: self.by_fingerprint.clone(),
            upto: self.upto,
        }
    }
}

/// A hash of an expression's structure (spans aside) from its node and its
/// children's fingerprints; `fingerprints` records every subexpression's,
/// by address, so a whole tree is hashed in one pass.
fn fingerprint(expr: &Expr, fingerprints: &mut HashMap<*const Expr, u64>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::mem::discriminant(&expr.kind).hash(&mut hasher);
    match &expr.kind {
        ExprKind::Num(value) => value.hash(&mut hasher),
        ExprKind::Var(name) => name.hash(&mut hasher),
        ExprKind::Identity(dim) => dim.hash(&mut hasher),
        ExprKind::Ones(shape) => shape.hash(&mut hasher),
        ExprKind::Binary(op, _, _) => op.hash(&mut hasher),
        ExprKind::Power(_, k) => k.hash(&mut hasher),
        ExprKind::ElemPower(_, k) => k.hash(&mut hasher),
        ExprKind::Call(func, _) => func.hash(&mut hasher),
        ExprKind::Neg(_) | ExprKind::Transpose(_) => {}
    }
    for child in expr.children() {
        fingerprint(child, fingerprints).hash(&mut hasher);
    }
    let value = hasher.finish();
    fingerprints.insert(expr as *const Expr, value);
    value
}

impl Namer {
    /// Names every assignment (never the `f` of a bare output).
    pub(crate) fn all(model: &Model) -> Namer {
        // `f` of a bare expression is matdiff's name, not the user's: results
        // spell that value out.
        let named = if model.bare_output {
            model.bindings.len() - 1
        } else {
            model.bindings.len()
        };
        let definitions: Vec<(Expr, String, usize)> = model.bindings[..named]
            .iter()
            .enumerate()
            .map(|(i, b)| (tidy(&b.expr, &model.env), b.name.clone(), i))
            // Naming `A'` or `-A` would hide a plainer form of the same value.
            .filter(|(e, _, _)| !is_trivial(e))
            .collect();
        let mut by_fingerprint: HashMap<u64, Vec<usize>> = HashMap::new();
        for (position, (expr, _, _)) in definitions.iter().enumerate() {
            let key = fingerprint(expr, &mut HashMap::new());
            by_fingerprint.entry(key).or_default().push(position);
        }
        Namer {
            definitions: std::rc::Rc::new(definitions),
            by_fingerprint: std::rc::Rc::new(by_fingerprint),
            upto: usize::MAX,
        }
    }

    /// The same names, restricted to the assignments before `upto`.
    pub(crate) fn upto(&self, upto: usize) -> Namer {
        Namer {
            upto,
            ..self.clone()
        }
    }

    pub(crate) fn name(&self, expr: &Expr) -> Expr {
        self.name_tracking(expr, &mut Vec::new())
    }

    /// [`Namer::name`], also noting which definitions (by index) it used.
    pub(crate) fn name_tracking(&self, expr: &Expr, used: &mut Vec<usize>) -> Expr {
        let mut fingerprints = HashMap::new();
        fingerprint(expr, &mut fingerprints);
        self.name_with(expr, &fingerprints, used)
    }

    fn name_with(
        &self,
        expr: &Expr,
        fingerprints: &HashMap<*const Expr, u64>,
        used: &mut Vec<usize>,
    ) -> Expr {
        // The latest visible assignment with this definition.
        let found = self
            .by_fingerprint
            .get(&fingerprints[&(expr as *const Expr)])
            .and_then(|positions| {
                positions.iter().rev().copied().find(|&p| {
                    let (definition, _, index) = &self.definitions[p];
                    *index < self.upto && definition == expr
                })
            });
        if let Some(i) = found {
            if !used.contains(&i) {
                used.push(i);
            }
            return Expr::var(&self.definitions[i].1);
        }
        expr.map_children(&mut |c| self.name_with(c, fingerprints, used))
    }

    /// The `index`th definition and its name.
    pub(crate) fn definition(&self, index: usize) -> (&Expr, &str) {
        let (expr, name, _) = &self.definitions[index];
        (expr, name)
    }
}

/// A definition that reads as well as a name: a variable, a number, or one
/// of those transposed or negated.
fn is_trivial(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Var(_) | ExprKind::Num(_) => true,
        ExprKind::Transpose(a) | ExprKind::Neg(a) => is_trivial(a),
        _ => false,
    }
}

/// An expression with some names replaced, each replacement stored with
/// its size so that the size of a substitution is known before it is built.
pub(crate) struct Replacements<K> {
    map: HashMap<K, Option<(Expr, usize)>>,
    key: fn(&Name) -> Option<K>,
}

impl<K: std::hash::Hash + Eq> Replacements<K> {
    fn new(key: fn(&Name) -> Option<K>) -> Self {
        Replacements {
            map: HashMap::new(),
            key,
        }
    }

    /// Records a replacement; `None` marks one too large to build.
    fn insert(&mut self, key: K, expr: Option<Expr>) {
        let entry = expr.map(|e| {
            let size = e.size();
            (e, size)
        });
        self.map.insert(key, entry);
    }

    /// Whether `name` has a replacement.
    pub(crate) fn replaces(&self, name: &Name) -> bool {
        (self.key)(name).is_some_and(|k| self.map.contains_key(&k))
    }

    /// `expr` with the replacements made, or `None` when the result would
    /// have more than [`MAX_RESULT_NODES`] nodes.
    pub(crate) fn apply(&self, expr: &Expr) -> Option<Expr> {
        let size = expr.substituted_size(&|n| {
            let entry = self.map.get(&(self.key)(n)?)?;
            Some(entry.as_ref().map_or(usize::MAX, |(_, size)| *size))
        });
        (size <= MAX_RESULT_NODES).then(|| {
            expr.substitute(&|n| {
                let entry = self.map.get(&(self.key)(n)?)?;
                entry.as_ref().map(|(e, _)| e.clone())
            })
        })
    }
}

/// Intermediates by their definitions in terms of the inputs only.
pub(crate) type Expansions = Replacements<String>;

/// Definitions with every intermediate substituted away, each only as long
/// as it stays within [`MAX_RESULT_NODES`]: `X2 = X1 * X1` doubles the size
/// of the expansion at every step.
pub(crate) fn expanded_definitions(model: &Model) -> Expansions {
    let mut out = Replacements::new(|n: &Name| n.is_plain().then(|| n.base.clone()));
    for binding in &model.bindings {
        let expr = out.apply(&binding.expr);
        out.insert(binding.name.clone(), expr);
    }
    out
}

/// `expr` with the intermediates expanded, or an error saying the result
/// for `what` is too large.
pub(crate) fn expand_with(expansions: &Expansions, expr: &Expr, what: &Name) -> Result<Expr> {
    expansions
        .apply(expr)
        .ok_or_else(|| too_large_expanded(what))
}

/// `expr` with `replace` applied to its names, or `None` when the result
/// would have more than [`MAX_RESULT_NODES`] nodes, found before anything
/// is built.
pub(crate) fn substitute_bounded<'a>(
    expr: &Expr,
    replace: &dyn Fn(&Name) -> Option<&'a Expr>,
) -> Option<Expr> {
    let sizes = std::cell::RefCell::new(HashMap::<Name, usize>::new());
    let size = expr.substituted_size(&|n| {
        let replacement = replace(n)?;
        Some(
            *sizes
                .borrow_mut()
                .entry(n.clone())
                .or_insert_with(|| replacement.size()),
        )
    });
    (size <= MAX_RESULT_NODES).then(|| expr.substitute(&|n| replace(n).cloned()))
}

/// The error for a result that writing out the intermediates (`--expand`)
/// makes too large.
pub(crate) fn too_large_expanded(what: &Name) -> Error {
    Error::whole_program(format!(
        "the result for {what} grows past {MAX_RESULT_NODES} nodes when the intermediates are written out"
    ))
    .with_help("leave out --expand: results then name the intermediates")
}

/// The error for a gradient that substituting the intermediates' adjoints
/// makes too large.
pub(crate) fn too_large_substituted(what: &Name) -> Error {
    Error::whole_program(format!(
        "the result for {what} grows past {MAX_RESULT_NODES} nodes when the intermediates' adjoints are substituted"
    ))
    .with_help("use `reverse`: its lines name the intermediates' adjoints, as in bar(C)")
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
    crate::diff::tangent_within(expr, env, leaf, MAX_RESULT_NODES).map_err(|_| {
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
    })
}

fn finish(expr: Option<Expr>, env: &Env) -> Expr {
    expr.map_or_else(|| Expr::int(0), |e| tidy(&e, env))
}

fn forward(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    let env = &model.env;
    let names = presenter.namer.clone();
    let mut expanded = None;
    let mut tangents: HashMap<String, Expr> = HashMap::new();
    let mut lines = Vec::new();
    for (index, binding) in model.bindings.iter().enumerate() {
        let leaf = |n: &Name| -> Option<Expr> {
            if wrt.contains(n) {
                Some(Expr::name(n.dot()))
            } else if n.is_plain() && tangents.contains_key(&n.base) {
                Some(if expand {
                    tangents[&n.base].clone()
                } else {
                    Expr::name(n.dot())
                })
            } else {
                None
            }
        };
        let lhs = Name::plain(&binding.name).dot();
        let raw = tangent_of(&binding.expr, env, &leaf, &lhs.unmark())?;
        let expr = match raw {
            None => Expr::int(0),
            Some(t) if expand => {
                let t = expand_with(
                    expanded.get_or_insert_with(|| expanded_definitions(model)),
                    &t,
                    &lhs,
                )?;
                presenter.present(&t, None)
            }
            Some(t) => {
                presenter.present(&names.upto(index + 1).name(&tidy(&t, env)), Some(index + 1))
            }
        };
        if !expr.is_zero() {
            tangents.insert(binding.name.clone(), expr.clone());
        }
        lines.push(Line::new(lhs, expr));
    }
    Ok(lines)
}

/// The adjoint lines in SPEC order: intermediates last to first, then inputs
/// in order of first use. Each line may use `bar` of later assignments.
/// Lines are presented (simplified and named) when `presenter` is given;
/// `grad` and `--expand` present them after substitution instead.
fn reverse_lines(
    model: &Model,
    wrt: &[Name],
    mut presenter: Option<&mut Presenter>,
) -> Result<Vec<Line>> {
    let all = Some(model.bindings.len());
    let env = &model.env;
    let assigned: Vec<&str> = model.bindings.iter().map(|b| b.name.as_str()).collect();
    let unconstrained = env.without_symmetry(&assigned);
    let active = active_names(model, wrt);
    let namer = Namer::all(model);
    let mut contributions: HashMap<Name, Vec<(usize, Expr)>> = HashMap::new();
    let mut lines = Vec::new();
    let last = model.bindings.len() - 1;
    for (index, binding) in model.bindings.iter().enumerate().rev() {
        let this = Name::plain(&binding.name);
        if !active.contains(&binding.name) {
            continue;
        }
        if index != last {
            let sum = sum_contributions(contributions.remove(&this));
            let mut expr = namer.name(&finish(sum, env));
            if let Some(p) = presenter.as_deref_mut() {
                expr = p.present(&expr, all);
            }
            let zero = expr.is_zero();
            lines.push(Line::new(this.bar(), expr));
            if zero {
                continue;
            }
        }
        let varies = |n: &Name| n.is_plain() && active.contains(&n.base) || wrt.contains(n);
        let leaf = |n: &Name| varies(n).then(|| Expr::name(n.dot()));
        let Some(local) = tangent_of(&binding.expr, &unconstrained, &leaf, &this)? else {
            continue;
        };
        let local = namer.upto(index + 1).name(&tidy(&local, &unconstrained));
        // Only the tangents introduced here are leaves: a program may use
        // `dot(A)` itself as an input.
        let is_leaf = |n: &Name| n.outer_mark() == Some(Mark::Dot) && varies(&n.unmark());
        let parts = pullback(&local, Expr::name(this.bar()), &unconstrained, &is_leaf)
            .map_err(Error::whole_program)?;
        for (leaf_name, part) in parts {
            contributions
                .entry(leaf_name.unmark())
                .or_default()
                .push((index, part));
        }
    }
    for input in wrt {
        let sum = sum_contributions(contributions.remove(input));
        let sum = sum.map(|g| symmetrize(g, input, env));
        let mut expr = namer.name(&finish(sum, env));
        if let Some(p) = presenter.as_deref_mut() {
            expr = p.present(&expr, all);
        }
        lines.push(Line::new(input.bar(), expr));
    }
    Ok(lines)
}

/// The adjoint of a symmetric input is the symmetric part of the
/// unconstrained one: sym(G) = (G + Gᵀ)/2.
fn symmetrize(g: Expr, input: &Name, env: &Env) -> Expr {
    if !env.is_symmetric(input) {
        return g;
    }
    Expr::binary(
        crate::ast::BinOp::Div,
        Expr::add(g.clone(), Expr::transpose(g)),
        Expr::int(2),
    )
}

fn sum_contributions(parts: Option<Vec<(usize, Expr)>>) -> Option<Expr> {
    let mut parts = parts?;
    parts.sort_by_key(|(index, _)| *index);
    parts.into_iter().map(|(_, e)| e).reduce(Expr::add)
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

fn reverse(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    if !expand {
        return reverse_lines(model, wrt, Some(presenter));
    }
    let lines = reverse_lines(model, wrt, None)?;
    substitute_adjoints(model, lines, None, true, presenter)
}

/// Substitutes the intermediates' adjoints (and the output's, when given)
/// into the inputs' lines, keeping only those.
fn substitute_adjoints(
    model: &Model,
    lines: Vec<Line>,
    output_adjoint: Option<Expr>,
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    let env = &model.env;
    let expanded = expand.then(|| expanded_definitions(model));
    let mut known = Replacements::new(|n: &Name| Some(n.clone()));
    if let Some(seed) = output_adjoint {
        known.insert(Name::plain(&model.output().name).bar(), Some(seed));
    }
    let mut out = Vec::new();
    for line in lines {
        let Some(mut expr) = known.apply(&line.expr) else {
            if model.is_assigned(&line.lhs.base) {
                known.insert(line.lhs, None);
                continue;
            }
            return Err(too_large_substituted(&line.lhs));
        };
        if let Some(expanded) = &expanded {
            expr = expand_with(expanded, &expr, &line.lhs)?;
        }
        let expr = tidy(&expr, env);
        if model.is_assigned(&line.lhs.base) {
            known.insert(line.lhs, Some(expr));
        } else {
            let expr = presenter.present(&expr, (!expand).then_some(model.bindings.len()));
            out.push(Line::new(line.lhs, expr));
        }
    }
    Ok(out)
}

fn grad(model: &Model, wrt: &[Name], expand: bool, presenter: &mut Presenter) -> Result<Vec<Line>> {
    let output = model.output();
    let shape = model.env.shape(&output.expr);
    if !shape.is_scalar() {
        return Err(Error::input(
            format!(
                "`grad` needs a scalar output, but `{}` is {}",
                output.name,
                shape.describe()
            ),
            output.span,
        )
        .with_help("use `reverse` for the adjoint of a non-scalar output"));
    }
    let lines = reverse_lines(model, wrt, None)?;
    substitute_adjoints(model, lines, Some(Expr::int(1)), expand, presenter)
}
