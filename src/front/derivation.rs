//! [`Derivation`]: a derivation's results in every output form, made once
//! on the engine's own stack so that reading them never recurses.

use crate::derive::{self, render_in, simplified};
use crate::egraph::{Limits, Stop};
use crate::error::Result;
use crate::print::Notation;
use crate::shape::Model;
use serde_json::Value;
use std::fmt;

/// One result line, `lhs = expr`, in every notation.
///
/// ```
/// let d = matdiff::forward("C = inv(A)")?;
/// let line = &d.lines()[0];
/// assert_eq!(line.lhs(), "dot(C)");
/// assert_eq!(line.wrt(), "C");
/// assert_eq!(line.expr(), "-C * dot(A) * C");
/// assert_eq!(line.unicode(), "C\u{307} = −C A\u{307} C");
/// assert_eq!(line.latex(), "\\dot{C} = -C \\dot{A} C");
/// assert_eq!(line.to_string(), "dot(C) = -C * dot(A) * C");
/// # Ok::<(), matdiff::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    lhs: String,
    wrt: String,
    expr: String,
    unicode: String,
    latex: String,
    temporary: bool,
}

impl Line {
    fn new(line: &derive::Line) -> Line {
        let equation =
            |notation| format!("{} = {}", line.lhs_text(notation), line.rhs_text(notation));
        Line {
            lhs: line.lhs_text(Notation::Plain),
            wrt: line.lhs.base.clone(),
            expr: line.rhs_text(Notation::Plain),
            unicode: equation(Notation::Unicode),
            latex: equation(Notation::Latex),
            temporary: line.temporary,
        }
    }

    /// The left-hand side in plain syntax: `dot(C)`, `bar(A)`, `hess(x)`,
    /// `dot(bar(X))`; for `simplify`, the simplified value's name.
    ///
    /// ```
    /// assert_eq!(matdiff::hessian("x' * x")?.lines()[0].lhs(), "hess(x)");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn lhs(&self) -> &str {
        &self.lhs
    }

    /// The name whose tangent or adjoint the line defines (for a Hessian
    /// block, its first input), as JSON's `wrt`.
    ///
    /// ```
    /// assert_eq!(matdiff::reverse("C = inv(A)")?.lines()[0].wrt(), "A");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn wrt(&self) -> &str {
        &self.wrt
    }

    /// The right-hand side in plain syntax, which reads back as input.
    ///
    /// ```
    /// assert_eq!(matdiff::grad("x' * A * x")?.lines()[0].expr(), "(A + A') * x");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// The whole line in Unicode mathematics: `Ā = −Cᵀ C̄ Cᵀ`.
    ///
    /// ```
    /// assert_eq!(matdiff::reverse("C = inv(A)")?.lines()[0].unicode(), "A\u{304} = −Cᵀ C\u{304} Cᵀ");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn unicode(&self) -> &str {
        &self.unicode
    }

    /// The whole line in LaTeX, without `$` delimiters.
    ///
    /// ```
    /// let d = matdiff::reverse("C = inv(A)")?;
    /// assert_eq!(d.lines()[0].latex(), "\\bar{A} = -C^{\\top} \\bar{C} C^{\\top}");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn latex(&self) -> &str {
        &self.latex
    }

    /// True for a temporary of matdiff's own (`t1 = …`, SPEC §2): a value
    /// the results would otherwise repeat, printed before them and used by
    /// name in the lines after it; not a result.
    ///
    /// ```
    /// let program = "X: matrix(n, n); A = tanh(X * W1); B = A + tanh(A * W2); C = B + tanh(B * W3); f = sum(C .* C)";
    /// let d = matdiff::derive(program, matdiff::Mode::Grad, &matdiff::Options::new().wrt(["W1"]))?;
    /// let first = &d.lines()[0];
    /// assert!(first.is_temporary() && first.lhs() == "t1", "{d}");
    /// assert!(!d.lines().last().unwrap().is_temporary());
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn is_temporary(&self) -> bool {
        self.temporary
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.lhs, self.expr)
    }
}

/// The results of [`forward`](crate::forward), [`reverse`](crate::reverse),
/// [`grad`](crate::grad), [`hessian`](crate::hessian), [`simplify`](crate::simplify)
/// or [`derive`](fn@crate::derive), in every form the command line prints.
///
/// `Display` is the command line's plain output: one `lhs = expr` line per
/// result (for `simplify`, the expression alone), after the steps when they
/// were asked for. A snapshot test is therefore one line:
/// `insta::assert_snapshot!(matdiff::grad("x' * A * x")?)`.
///
/// ```
/// let d = matdiff::forward("B = A * A; C = inv(B)")?;
/// assert_eq!(d.to_string(), "dot(B) = dot(A) * A + A * dot(A)\ndot(C) = -C * dot(B) * C");
/// assert_eq!(d.lines().len(), 2);
/// # Ok::<(), matdiff::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Derivation {
    lines: Vec<Line>,
    /// The output in plain syntax, Unicode and LaTeX, as the command line
    /// prints it in each.
    plain: String,
    unicode: String,
    latex: String,
    json: Value,
    numpy: String,
    /// The steps in plain syntax, when asked for.
    steps: Option<String>,
    stop: Option<Stop>,
    /// The note the command line prints when simplification stopped early.
    stop_note: Option<String>,
    /// Other notes for standard error (inputs a Jacobian leaves out).
    notes: Vec<String>,
}

impl Derivation {
    /// Derives `model` in `mode`: the lines, checked printable, and every
    /// form of them. `input` is the program's text, as JSON quotes it.
    pub(crate) fn of_model(
        model: &Model,
        mode: derive::Mode,
        options: &derive::Options,
        with_steps: bool,
        input: &str,
    ) -> Result<Derivation> {
        // The steps are recorded as the lines are made, not worked out after.
        let options = &derive::Options {
            record_steps: with_steps,
            ..options.clone()
        };
        let (derivation, options, note) = within_limits(model, mode, options)?;
        let options = &options;
        derivation.printable(options.expand)?;
        let steps = match with_steps {
            true => Some(crate::steps::explain_derivation(&derivation, options)?),
            false => None,
        };
        let lines: Vec<Line> = derivation.lines.iter().map(Line::new).collect();
        let text = |notation, equation: fn(&Line) -> String| {
            let results: Vec<String> = lines.iter().map(equation).collect();
            let results = results.join("\n");
            match &steps {
                Some(steps) => format!(
                    "{}\n\n{results}",
                    crate::steps::render_steps(steps, notation)
                ),
                None => results,
            }
        };
        let stopped = derivation.stop.hit_limit();
        Ok(Derivation {
            stop_note: note,
            plain: text(Notation::Plain, Line::to_string),
            unicode: text(Notation::Unicode, |line| line.unicode.clone()),
            latex: text(Notation::Latex, |line| line.latex.clone()),
            json: crate::json::to_json_with_steps(&derivation, input, steps.as_deref()),
            numpy: crate::numpy::to_numpy(&derivation),
            steps: steps.map(|steps| crate::steps::render_steps(&steps, Notation::Plain)),
            stop: stopped.then_some(derivation.stop),
            notes: derivation.notes.clone(),
            lines,
        })
    }

    /// The cheapest form of `model`'s output, as `simplify` prints it.
    pub(crate) fn simplified(model: &Model, input: &str) -> Derivation {
        let output = model.output();
        // As for a derivation: a node or iteration limit reached is raised
        // once, and the note kept only when that found a cheaper form and
        // was cut short too.
        let mut limits = Limits::default();
        let mut result = simplified(&output.expr, model, &limits);
        let mut note = matches!(result.stop, Stop::TimeLimit);
        if matches!(result.stop, Stop::NodeLimit | Stop::IterationLimit) {
            let raised = limits.raised(RAISED_LIMITS);
            let again = simplified(&output.expr, model, &raised);
            let cost = |e: &crate::ast::Expr| crate::cost::flops(e, &model.env);
            if cost(&again.expr) < cost(&result.expr) * (1.0 - 1e-9) {
                note = again.stop.hit_limit();
                (result, limits) = (again, raised);
            }
        }
        let shape = model.env.shape(&output.expr);
        let rendered = |notation| render_in(model, &result.expr, &shape, notation);
        let mut line =
            derive::Line::new(crate::ast::Name::plain(&output.name), result.expr.clone());
        line.written = model.written_sizes(&line.expr, &shape);
        // JSON and NumPy take a derivation; this one's mode is never read,
        // as the name `simplify` replaces it in both.
        let derivation = derive::Derivation {
            mode: derive::Mode::Forward,
            lines: vec![line],
            model: model.clone(),
            stop: result.stop.clone(),
            steps: None,
            notes: Vec::new(),
        };
        let mut json = crate::json::to_json(&derivation, input);
        json["mode"] = Value::from("simplify");
        let stopped = result.stop.hit_limit();
        Derivation {
            lines: derivation.lines.iter().map(Line::new).collect(),
            plain: rendered(Notation::Plain),
            unicode: rendered(Notation::Unicode),
            latex: rendered(Notation::Latex),
            json,
            numpy: crate::numpy::to_numpy_titled(&derivation, "simplify"),
            steps: None,
            stop_note: note.then(|| stop_note(&result.stop, &limits)),
            notes: Vec::new(),
            stop: stopped.then_some(result.stop),
        }
    }

    /// The result lines, in printing order.
    ///
    /// ```
    /// let d = matdiff::reverse("y = A * x")?;
    /// let lhs: Vec<&str> = d.lines().iter().map(|line| line.lhs()).collect();
    /// assert_eq!(lhs, ["bar(A)", "bar(x)"]);
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The output in Unicode mathematics, as `--format unicode` prints it.
    ///
    /// ```
    /// assert_eq!(matdiff::forward("C = inv(A)")?.to_unicode(), "C\u{307} = −C A\u{307} C");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn to_unicode(&self) -> String {
        self.unicode.clone()
    }

    /// The output in LaTeX, as `--format latex` prints it.
    ///
    /// ```
    /// assert_eq!(matdiff::forward("C = inv(A)")?.to_latex(), "\\dot{C} = -C \\dot{A} C");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn to_latex(&self) -> String {
        self.latex.clone()
    }

    /// The `--format json` object: `mode`, `input`, `results` (each with
    /// `lhs`, `wrt`, `expr`, `unicode`, `latex`), `bindings`,
    /// `stop_reason`, and `steps` when they were asked for.
    ///
    /// ```
    /// let v = matdiff::reverse("C = inv(A)")?.to_json();
    /// assert_eq!(v["mode"], "reverse");
    /// assert_eq!(v["results"][0]["expr"], "-C' * bar(C) * C'");
    /// assert_eq!(v["bindings"][0]["expr"], "inv(A)");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn to_json(&self) -> Value {
        self.json.clone()
    }

    /// The `--format numpy` module: Python source, importing only numpy,
    /// that defines `derivatives(**arrays)`, returning the results keyed by
    /// their plain left-hand sides.
    ///
    /// ```
    /// let module = matdiff::reverse("C = inv(A)")?.to_numpy();
    /// assert!(module.contains("def derivatives(**arrays):"));
    /// assert!(module.contains("\"bar(A)\": _result(bar_A)"));
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn to_numpy(&self) -> String {
        self.numpy.clone()
    }

    /// The derivation step by step in plain syntax, one rewrite a line with
    /// the rule it used, when [`Options::steps`](crate::Options::steps)
    /// asked for it.
    ///
    /// ```
    /// let options = matdiff::Options::new().steps(true);
    /// let d = matdiff::derive("C = inv(A)", matdiff::Mode::Forward, &options)?;
    /// assert!(d.steps().unwrap().starts_with("dot(C) = d(inv(A))"));
    /// assert!(d.to_string().ends_with("\n\ndot(C) = -C * dot(A) * C"));
    /// assert_eq!(matdiff::forward("C = inv(A)")?.steps(), None);
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn steps(&self) -> Option<&str> {
        self.steps.as_deref()
    }

    /// Why simplification stopped before it ran out of rewrites, if it
    /// did: a limit on its nodes, iterations or time. The results are
    /// correct either way, but may not be the simplest form.
    ///
    /// ```
    /// assert_eq!(matdiff::reverse("C = inv(A)")?.stop(), None);
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn stop(&self) -> Option<Stop> {
        self.stop.clone()
    }

    /// The note the command line prints on standard error when
    /// simplification stopped early.
    #[doc(hidden)]
    pub fn stop_note(&self) -> Option<&str> {
        self.stop_note.as_deref()
    }

    /// What else the command line says on standard error, one note each:
    /// the inputs a Jacobian with respect to every input leaves out.
    ///
    /// ```
    /// let d = matdiff::jacobian("F = X' * B")?;
    /// assert_eq!(d.to_string(), "jac(F, B) = kron(I, X')");
    /// assert!(d.notes()[0].starts_with("jac(F, X) is left out: no Kronecker form"));
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The output in a notation, as the command line prints it.
    pub(crate) fn text(&self, notation: Notation) -> &str {
        match notation {
            Notation::Plain => &self.plain,
            Notation::Unicode => &self.unicode,
            Notation::Latex => &self.latex,
        }
    }
}

impl fmt::Display for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain)
    }
}

/// Why simplification stopped, in the words of the command line's note.
/// The derivation within `options`' limits, the options it was taken
/// with, and the note to print, if any. Where a node or iteration limit was
/// reached, the derivation is taken again with both raised fourfold: when
/// that finds nothing cheaper the limit did not matter, and no note is
/// printed; when it does, its result is kept, with a note only if it too
/// reached a limit. A time limit is not raised: the time it would take is
/// what the limit bounds.
fn within_limits(
    model: &Model,
    mode: derive::Mode,
    options: &derive::Options,
) -> Result<(derive::Derivation, derive::Options, Option<String>)> {
    let first = derive::derive(model, mode, options)?;
    match first.stop {
        Stop::Saturated => Ok((first, options.clone(), None)),
        Stop::TimeLimit => {
            let note = stop_note(&first.stop, &options.limits);
            Ok((first, options.clone(), Some(note)))
        }
        Stop::NodeLimit | Stop::IterationLimit => {
            let raised = derive::Options {
                limits: options.limits.raised(RAISED_LIMITS),
                ..options.clone()
            };
            match derive::derive(model, mode, &raised) {
                Ok(second) if cost(&second) < cost(&first) * (1.0 - 1e-9) => {
                    let note = second
                        .stop
                        .hit_limit()
                        .then(|| stop_note(&second.stop, &raised.limits));
                    Ok((second, raised, note))
                }
                _ => Ok((first, options.clone(), None)),
            }
        }
    }
}

/// How much a reached node or iteration limit is raised to tell whether it
/// mattered.
const RAISED_LIMITS: usize = 4;

/// The flops of a derivation's lines, a value shared among them paid once.
fn cost(derivation: &derive::Derivation) -> f64 {
    let exprs: Vec<&crate::ast::Expr> = derivation.lines.iter().map(|l| &l.expr).collect();
    crate::cost::flops_all(&exprs, &derivation.model.env)
}

fn stop_note(stop: &Stop, limits: &Limits) -> String {
    format!(
        "simplification stopped at its {} ({limits}); the result is correct but may not be the simplest form: raise the limits with --limits, as in `--limits {}`",
        stop.name().replace('_', " "),
        match stop {
            Stop::TimeLimit => format!(
                "time={},budget={}",
                limits.time.as_millis() * 4,
                limits.budget.as_millis() * 4
            ),
            _ => format!("nodes={},iterations={}", limits.nodes * 4, limits.iterations * 4),
        }
    )
}
