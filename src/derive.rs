//! The derivations the command line offers — `forward`, `reverse`, `grad`,
//! `hessian`, `jacobian` — over an analysed [`Model`]: which names vary, which mode
//! makes the lines, and the checks on them before they are printed.
//!
//! The modes themselves live below this module, so that data flows one way:
//! `naming` (intermediates named back or expanded) → `first_order`
//! (forward, reverse, grad, and the [`Line`] every mode prints) →
//! `hessian` (second derivatives of that gradient) and `jacobian` (read off
//! the output's tangent) → here.

use crate::ast::{Expr, ExprKind, Name, Span};
use crate::egraph::{Limits, Stop};
use crate::error::{Error, Result};
use crate::first_order::{forward, grad, reverse, Presenter};
use crate::limits::{MAX_NUMBER_DIGITS, MAX_OPERATORS};
use crate::shape::Model;
use crate::steps::{Recorder, StepLine};

pub use crate::first_order::{simplified, Line};

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
    /// The Jacobian matrix ∂vec(f)/∂vec(X)ᵀ of the output.
    Jacobian,
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
            Mode::Jacobian => "jacobian",
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
    /// Record the steps behind the lines as they are taken
    /// ([`Derivation::steps`]), for `--steps`; off by default, so a
    /// derivation that does not show them pays nothing.
    pub record_steps: bool,
}

/// The result of a derivation.
#[derive(Clone, Debug)]
pub struct Derivation {
    /// The mode it was taken in.
    pub mode: Mode,
    /// Lines in printing order.
    pub lines: Vec<Line>,
    /// The analysed program; when the lines name temporaries (`t1 = …`),
    /// extended to know them, so read the lines over this, not the
    /// program they were derived from.
    pub model: Model,
    /// Why simplification stopped: a limit, if any line reached one.
    pub stop: Stop,
    /// The steps recorded as the lines were made, when
    /// [`Options::record_steps`] asked for them (every mode records them).
    ///
    /// ```
    /// use matdiff::derive::{derive, Mode, Options};
    /// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
    /// let options = Options { record_steps: true, ..Options::default() };
    /// let d = derive(&model, Mode::Forward, &options).unwrap();
    /// assert!(d.steps.unwrap()[0].rule.starts_with("differentiate both sides"));
    /// assert!(derive(&model, Mode::Forward, &Options::default()).unwrap().steps.is_none());
    /// ```
    pub steps: Option<Vec<StepLine>>,
    /// What the command line says on standard error besides the lines:
    /// the inputs left out of a Jacobian taken with respect to every input.
    pub notes: Vec<String>,
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
    let mut presenter = Presenter::new(model, &options.limits);
    let mut notes = Vec::new();
    if options.record_steps {
        presenter.record = Some(Recorder::default());
    }
    let lines = match mode {
        Mode::Forward => forward(model, &wrt, options.expand, &mut presenter)?,
        Mode::Reverse => reverse(model, &wrt, options.expand, &mut presenter)?,
        Mode::Grad => grad(model, &wrt, options.expand, true, &mut presenter)?,
        Mode::Hessian => crate::hessian::lines(model, &wrt, &options.limits, &mut presenter)?,
        Mode::Jacobian => {
            // With every input by default, an input whose Jacobian has no
            // form yet is left out with a note; named in --wrt, it is an error.
            let every_input = options.wrt.is_none();
            let (lines, left_out) =
                crate::jacobian::lines(model, &wrt, options.expand, every_input, &mut presenter)?;
            notes = left_out;
            lines
        }
    };
    let stop = presenter.stop;
    let steps = presenter.record.map(Recorder::finish);
    // With temporaries, the lines are over a program that knows their names.
    let (lines, model) = crate::temporaries::settle(lines, model);
    let steps = steps.map(|steps| crate::steps::with_temporaries(steps, &lines));
    let lines = lines
        .into_iter()
        .map(|mut line| {
            // A reader types a temporary from its text alone.
            let context = (!line.temporary).then(|| line.shape(&model.env));
            line.written = model.written_sizes_in(&line.expr, context.as_ref());
            line
        })
        .collect();
    Ok(Derivation {
        mode,
        lines,
        model,
        stop,
        steps,
        notes,
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

/// The inputs `--wrt` names (all inputs without it); an unknown name is a
/// usage error pointing into the option's text.
pub(crate) fn wrt_inputs(model: &Model, wrt: Option<&str>) -> Result<Vec<Name>> {
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
