//! Numerical proof of derived results: every forward line against central
//! differences, every adjoint line by ⟨X̄, Ẋ⟩ against differences of the
//! output, the adjoint identity Σ⟨X̄, Ẋ⟩ = ⟨C̄, Ċ⟩, and every Jacobian line
//! column by column against differences along each input entry — at random
//! well-conditioned inputs with distinct sizes for distinct dimensions, so a
//! missing transpose cannot hide.

use crate::ast::{BinOp, Dim, Domain, Expr, ExprKind, Func, Mark, Name, Span};
use crate::derive::{derive, Derivation, Line, Mode, Options};
use crate::error::{Error, Result};
use crate::eval::{eval, EvalError, Matrix, Values};
use crate::shape::Model;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};

mod compare;
mod hessian;
mod jacobian;
use compare::{pair, relative, Pairing};
use hessian::hessian_comparisons;
use jacobian::{jacobian_comparisons, Jacobians};

/// Relative error allowed between a derivative and central differences.
pub const DIFFERENCE_TOLERANCE: f64 = 1e-6;

/// Relative error allowed where both sides are exact (the adjoint identity).
pub const IDENTITY_TOLERANCE: f64 = 1e-9;

/// Step of the central differences, relative to inputs of order one.
const STEP: f64 = 1e-5;

/// Other steps tried, at the same point, when a comparison fails at `STEP`:
/// a steep function (`exp(1000 * alpha)`) or a nearby kink needs a smaller
/// one, a large value with a small derivative (`logdet` of a 200×200
/// matrix) a larger one, against rounding. A wrong derivative fails at
/// every step.
const OTHER_STEPS: [f64; 4] = [1e-6, 1e-4, 1e-7, 1e-3];

/// How many random draws to try before giving up on a program that is not
/// defined there (a singular matrix, a log of a negative entry), or whose
/// derivatives are not.
const DRAWS: u64 = 12;

/// From this draw on every input is drawn positive.
const POSITIVE_FROM: u64 = DRAWS / 2;

/// From this draw on the inputs are scaled up, 2, 4, 8, … times, for
/// programs defined only away from the origin (`log(x - 2 * ones)`).
const SPREAD_FROM: u64 = DRAWS * 3 / 4;

/// Largest gradient, in nodes, whose Hessian the check derives and
/// compares: differentiating a large gradient again takes long (a 50-factor
/// `logdet` has a gradient of 12 000 nodes and a Hessian that takes 20 s).
const MAX_HESSIAN_GRADIENT_NODES: usize = 2_000;

/// One comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// What was compared, in words.
    pub what: String,
    /// Relative error.
    pub error: f64,
    /// Largest error accepted.
    pub tolerance: f64,
}

impl Comparison {
    /// True when within tolerance; a NaN or infinite error never passes.
    ///
    /// ```
    /// let c = matdiff::check::Comparison { what: "x".into(), error: 1e-12, tolerance: 1e-9 };
    /// assert!(c.passed());
    /// let nan = matdiff::check::Comparison { error: f64::NAN, ..c };
    /// assert!(!nan.passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.error.is_finite() && self.error <= self.tolerance
    }
}

/// The outcome of a check.
#[derive(Clone, Debug)]
pub struct Report {
    /// The size chosen for each dimension.
    pub sizes: Vec<(Dim, usize)>,
    /// Every comparison made.
    pub comparisons: Vec<Comparison>,
    /// Why earlier random draws were set aside, one entry a draw: the
    /// program or a derivative was not defined there.
    pub skipped: Vec<String>,
    /// The step of the central differences (another than the usual 1e-5
    /// when that one was too coarse or too fine).
    pub step: f64,
    /// Comparisons left out, and why.
    pub omitted: Vec<String>,
}

impl Report {
    /// True when every comparison passed.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
    /// let report = matdiff::check::check(&model, None, 1).unwrap();
    /// assert!(report.passed());
    /// ```
    pub fn passed(&self) -> bool {
        !self.comparisons.is_empty() && self.comparisons.iter().all(Comparison::passed)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sizes: Vec<String> = self
            .sizes
            .iter()
            .map(|(d, n)| format!("{d} = {n}"))
            .collect();
        if !sizes.is_empty() {
            writeln!(f, "sizes: {}", sizes.join(", "))?;
        }
        if let Some(last) = self.skipped.last() {
            let n = self.skipped.len();
            let draws = if n == 1 { "draw" } else { "draws" };
            writeln!(f, "skipped {n} random {draws} (the last: {last})")?;
        }
        if self.step != STEP {
            writeln!(
                f,
                "differences with step {:e} (at {STEP:e} they were inaccurate)",
                self.step
            )?;
        }
        for why in &self.omitted {
            writeln!(f, "not compared: {why}")?;
        }
        for c in &self.comparisons {
            let verdict = if c.passed() { "ok" } else { "FAILED" };
            writeln!(f, "{:<58} {:>9.2e}  {verdict}", c.what, c.error)?;
        }
        let failed = self.comparisons.iter().filter(|c| !c.passed()).count();
        write!(
            f,
            "{} passed, {failed} failed",
            self.comparisons.len() - failed
        )
    }
}

/// Checks the forward and reverse results of a program numerically (and the
/// gradient, for a scalar output), with inputs drawn from `seed`.
///
/// Where the program or one of its derivatives is not defined at a draw —
/// a singular matrix, `log` of a negative entry, a division by zero, an
/// overflow — the point is set aside (the report says so) and another is
/// drawn, up to a bound; when no draw works the result is an error naming
/// the problem and, where it can, the sub-expression. No NaN or infinity is
/// ever compared as a pass.
///
/// ```
/// let model = matdiff::shape::analyze_source("y = A * x").unwrap();
/// let report = matdiff::check::check(&model, None, 7).unwrap();
/// assert!(report.passed(), "{report}");
///
/// let singular = matdiff::shape::analyze_source("A: matrix(n, n); C = inv(A - A)").unwrap();
/// let err = matdiff::check::check(&singular, None, 7).unwrap_err();
/// assert!(err.message.contains("cannot invert `A - A`: it is singular"), "{err}");
/// ```
pub fn check(model: &Model, wrt: Option<&str>, seed: u64) -> Result<Report> {
    let options = Options {
        wrt: wrt.map(str::to_string),
        expand: false,
        ..Default::default()
    };
    let forward = derive(model, Mode::Forward, &options)?;
    let reverse = derive(model, Mode::Reverse, &options)?;
    let scalar_output = model.env.shape(&model.output().expr).is_scalar();
    let grad = if scalar_output {
        Some(derive(model, Mode::Grad, &options)?)
    } else {
        None
    };
    let jacobian = Jacobians::derive(model, &options)?;
    let derived = Derived {
        options,
        forward,
        reverse,
        grad,
        jacobian,
    };
    check_derived(model, &derived, seed)
}

/// Checks derivations already made, at draws from `seed`.
fn check_derived(model: &Model, derived: &Derived, seed: u64) -> Result<Report> {
    let sizes = choose_sizes(model);
    let mut skipped: Vec<Undefined> = Vec::new();
    let mut tries = 0;
    for attempt in 0..DRAWS {
        let mut point = match Sample::attempt(model, &sizes, seed, attempt) {
            Ok(point) => point,
            Err(problem) => {
                skipped.push(problem);
                continue;
            }
        };
        // The first point tried keeps the tangents it always had.
        let rng = StdRng::seed_from_u64(seed.wrapping_add(0x5eed).wrapping_add(tries));
        tries += 1;
        match check_at(model, derived, &point, rng.clone()) {
            Ok(mut report) => {
                if !report.passed() {
                    // The same tangents, finer differences.
                    for step in OTHER_STEPS {
                        point.step = step;
                        if let Ok(finer) = check_at(model, derived, &point, rng.clone()) {
                            if finer.passed() {
                                report = finer;
                                break;
                            }
                        }
                    }
                }
                report.skipped = skipped.iter().map(|u| u.message.clone()).collect();
                return Ok(report);
            }
            Err(Trouble::Undefined(problem)) => skipped.push(problem),
            Err(Trouble::Fatal(error)) => return Err(error),
        }
    }
    Err(undefined_everywhere(skipped))
}

/// The derivations a check compares.
struct Derived {
    options: Options,
    forward: Derivation,
    reverse: Derivation,
    grad: Option<Derivation>,
    jacobian: Jacobians,
}

/// Why a draw could not be used: the program, a derivative, or the program
/// within a difference step of the point, is not defined there.
#[derive(Clone, Debug)]
struct Undefined {
    /// The evaluator's words, with the line for a derivative.
    message: String,
    /// The written sub-expression, when the problem is in the program.
    span: Option<Span>,
    /// What was not defined.
    what: Part,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// The program at the point.
    Program,
    /// The program a difference step away from the point.
    Near,
    /// A derived line at the point.
    Derivative,
}

/// What stops a check at one draw.
enum Trouble {
    /// Another draw may do: the numbers were out of bounds here.
    Undefined(Undefined),
    /// No draw will do: the derivation or its evaluation is at fault.
    Fatal(Error),
}

impl From<Error> for Trouble {
    fn from(error: Error) -> Trouble {
        Trouble::Fatal(error)
    }
}

/// The error when no draw worked, from the problems of each draw: the first
/// problem of the kind most draws had (the program itself, its
/// neighbourhood, or a derivative).
fn undefined_everywhere(skipped: Vec<Undefined>) -> Error {
    let n = skipped.len();
    // On a tie the last wins: the program's own problem.
    let parts = [Part::Derivative, Part::Near, Part::Program];
    let count = |p: &Part| skipped.iter().filter(|u| u.what == *p).count();
    let commonest = parts.iter().max_by_key(|p| count(p)).copied();
    let chosen = skipped.iter().find(|u| Some(u.what) == commonest).cloned();
    let Some(problem) = chosen else {
        return Error::whole_program("could not find random inputs to check the program at");
    };
    let what = match problem.what {
        Part::Program => "the program is defined",
        Part::Near => "the program is defined near the point, for differences",
        Part::Derivative => "the derivatives are defined",
    };
    let message = format!(
        "could not find random inputs where {what} ({n} draws tried): {}",
        problem.message
    );
    let help = match problem.what {
        Part::Program | Part::Near => {
            "matdiff draws entries in [-1, 1] (positive, and later larger, where `log`, \
             `sqrt` or a divisor needs them) and square matrices far from singular; a \
             program not defined at such inputs, or right next to them, cannot be checked \
             numerically"
        }
        Part::Derivative => {
            "a derivative can be undefined where the program is defined: `norm` and \
             `sqrt` are not differentiable at zero"
        }
    };
    let error = match problem.span {
        Some(span) => Error::input(message, span),
        None => Error::whole_program(message),
    };
    error.with_help(help)
}

/// Sorts an evaluation error: a problem of the numbers (another draw may
/// avoid it) or of the expression (an error now).
fn sort_out(error: EvalError, what: Part, context: String) -> Trouble {
    if error.problem.depends_on_values() {
        Trouble::Undefined(Undefined {
            message: format!("{context}{error}"),
            span: error.span,
            what,
        })
    } else {
        Trouble::Fatal(Error::whole_program(format!("{context}{error}")))
    }
}

/// The whole check at one point.
fn check_at(
    model: &Model,
    derived: &Derived,
    point: &Sample,
    mut rng: StdRng,
) -> std::result::Result<Report, Trouble> {
    let Derived {
        options,
        forward,
        reverse,
        grad,
        jacobian,
    } = derived;
    let wrt_inputs: Vec<Name> = reverse
        .lines
        .iter()
        .filter(|l| !l.temporary && !model.is_assigned(&l.lhs.base))
        .map(|l| l.lhs.unmark())
        .collect();
    let size_of = |d: &Dim| point.size(d);
    let mut comparisons = Vec::new();
    let mut omitted = Vec::new();

    let tangents: Values = wrt_inputs
        .iter()
        .map(|n| (n.dot(), point.random_like(model, n, &mut rng)))
        .collect();
    let mut with_tangents = point.values.clone();
    with_tangents.extend(tangents.clone());
    // Each derivation's lines are read over its own model, which knows the
    // temporaries (`t1 = …`) they name.
    let forward_values =
        evaluate_lines(&forward.model, &forward.lines, &mut with_tangents, &size_of)?;
    let differences = point.directional(model, &tangents)?;
    for line in results(&forward.lines) {
        let symbolic = &forward_values[&line.lhs];
        let numeric = &differences[&line.lhs.base];
        comparisons.push(Comparison {
            what: format!("{} against central differences", line.lhs),
            error: relative(symbolic, numeric),
            tolerance: DIFFERENCE_TOLERANCE,
        });
    }

    let output = Name::plain(&model.output().name);
    let output_tangent = &forward_values[&output.dot()];
    let seed_adjoint = point.random_like(model, &output, &mut rng);
    let mut with_adjoints = point.values.clone();
    with_adjoints.insert(output.bar(), seed_adjoint.clone());
    let adjoint_values =
        evaluate_lines(&reverse.model, &reverse.lines, &mut with_adjoints, &size_of)?;
    let mut pairing = Pairing::default();
    for input in &wrt_inputs {
        let adjoint = &adjoint_values[&input.bar()];
        let alone: Values = [(input.dot(), tangents[&input.dot()].clone())].into();
        let moved = point.directional(model, &alone)?;
        let lhs = pair(adjoint, &tangents[&input.dot()]);
        pairing = pairing.plus(lhs);
        comparisons.push(Comparison {
            what: format!("⟨{}, {}⟩ against differences", input.bar(), input.dot()),
            error: lhs.error(pair(&seed_adjoint, &moved[&output.base])),
            tolerance: DIFFERENCE_TOLERANCE,
        });
    }
    for line in results(&reverse.lines).filter(|l| model.is_assigned(&l.lhs.base)) {
        let name = Name::plain(&line.lhs.base);
        // An intermediate's entries can be far from unit size (`A^256`, or
        // `(A .^ 4) .^ (1/60)` near zero): each moves in proportion to its
        // own size, or a fixed step is lost to rounding or leaves the
        // region where the differences are accurate.
        let scale = point.values[&name].map(|v| if v.is_normal() { v.abs() } else { 1.0 });
        let direction = point
            .random_like(model, &name, &mut rng)
            .component_mul(&scale);
        let moved = point.perturbed_intermediate(model, &name, &direction)?;
        comparisons.push(Comparison {
            what: format!("⟨{}, {}⟩ against differences", line.lhs, name.dot()),
            error: pair(&adjoint_values[&line.lhs], &direction).error(pair(&seed_adjoint, &moved)),
            tolerance: DIFFERENCE_TOLERANCE,
        });
    }
    comparisons.push(Comparison {
        what: format!("Σ⟨X̄, Ẋ⟩ against ⟨{}, {}⟩", output.bar(), output.dot()),
        error: pairing.error(pair(&seed_adjoint, output_tangent)),
        tolerance: IDENTITY_TOLERANCE,
    });

    if let Some(grad) = grad {
        let mut values = point.values.clone();
        let grad_values = evaluate_lines(&grad.model, &grad.lines, &mut values, &size_of)?;
        for line in results(&grad.lines) {
            let input = Name::plain(&line.lhs.base);
            let alone: Values = [(input.dot(), tangents[&input.dot()].clone())].into();
            let moved = point.directional(model, &alone)?;
            comparisons.push(Comparison {
                what: format!("grad: ⟨{}, {}⟩ against differences", line.lhs, input.dot()),
                error: pair(&grad_values[&line.lhs], &tangents[&input.dot()])
                    .error(pair(&Matrix::from_element(1, 1, 1.0), &moved[&output.base])),
                tolerance: DIFFERENCE_TOLERANCE,
            });
        }
        // Written out, as the Hessian's derivation meets it: temporaries
        // make a gradient short to print, not cheap to differentiate.
        let mut written: HashMap<&Name, usize> = HashMap::new();
        let mut size: usize = 0;
        for line in &grad.lines {
            let line_size = line.expr.substituted_size(&|n| written.get(n).copied());
            if line.temporary {
                written.insert(&line.lhs, line_size);
            } else {
                size = size.saturating_add(line_size);
            }
        }
        if size <= MAX_HESSIAN_GRADIENT_NODES {
            comparisons.extend(hessian_comparisons(model, point, options, &tangents)?);
        } else {
            omitted.push(format!(
                "the Hessian, since the gradient has {size} nodes (the check differentiates at most {MAX_HESSIAN_GRADIENT_NODES} twice)"
            ));
        }
    }
    comparisons.extend(jacobian_comparisons(model, point, jacobian, &mut omitted)?);
    Ok(Report {
        sizes: point.sizes.clone(),
        comparisons,
        skipped: Vec::new(),
        step: point.step,
        omitted,
    })
}

/// Evaluates a derivation's temporaries (`t1 = …`) in order into `values`,
/// for its result lines to read.
fn evaluate_temporaries(
    derivation: &Derivation,
    values: &mut Values,
    size: &dyn Fn(&Dim) -> usize,
) -> std::result::Result<(), Trouble> {
    let temporaries: Vec<Line> = derivation
        .lines
        .iter()
        .filter(|l| l.temporary)
        .cloned()
        .collect();
    evaluate_lines(&derivation.model, &temporaries, values, size).map(drop)
}

/// The lines that are results, not temporaries.
fn results(lines: &[Line]) -> impl Iterator<Item = &Line> {
    lines.iter().filter(|l| !l.temporary)
}

/// Distinct sizes for distinct dimensions (3, 4, 5, …), fixed sizes kept.
fn choose_sizes(model: &Model) -> Vec<(Dim, usize)> {
    let fixed: HashSet<usize> = model
        .dims
        .iter()
        .filter_map(|d| match d {
            Dim::Size(k) => Some(*k as usize),
            _ => None,
        })
        .collect();
    let mut next = 3;
    model
        .dims
        .iter()
        .map(|d| {
            let n = match d {
                Dim::Size(k) => *k as usize,
                _ => {
                    while fixed.contains(&next) {
                        next += 1;
                    }
                    next += 1;
                    next - 1
                }
            };
            (d.clone(), n)
        })
        .collect()
}

/// A line as a user reads it: its printed plain text parsed again and typed
/// in the program's context, the left-hand side fixing its shape. What the
/// check evaluates is what was printed, not the tree behind it; a line whose
/// text does not read back, or leaves a size open, is an error.
fn read_back(model: &Model, line: &Line) -> std::result::Result<Expr, Trouble> {
    let text = line.rhs_text(crate::print::Notation::Plain);
    let shape = line.shape(&model.env);
    let parsed = crate::parse::parse_printed(&text);
    let reading = parsed.and_then(|e| {
        if e.is_zero() {
            // A printed `0` is the zero of the left-hand side's shape.
            return Ok(e);
        }
        model.read(&e, &shape)
    });
    // The reading's places are in the printed line, not in the program.
    let reading = reading.map(|e| without_spans(&e));
    reading.map_err(|e| {
        Trouble::Fatal(Error::whole_program(format!(
            "the printed line {} = {text} does not read back as {}: {}",
            line.lhs_text(crate::print::Notation::Plain),
            shape.describe(),
            e.message
        )))
    })
}

fn without_spans(expr: &Expr) -> Expr {
    let mut out = expr.map_children(&mut without_spans);
    out.span = Span::default();
    out.at = Span::default();
    out
}

/// Evaluates lines in order, each seeing the values of those before it.
///
/// A line's value must have its left side's shape; a printed `0` takes it.
fn evaluate_lines(
    model: &Model,
    lines: &[Line],
    values: &mut Values,
    size: &dyn Fn(&Dim) -> usize,
) -> std::result::Result<HashMap<Name, Matrix>, Trouble> {
    let mut out = HashMap::new();
    for line in lines {
        let reading = read_back(model, line)?;
        let value = eval(&reading, values, size).map_err(|mut e| {
            if e.problem.depends_on_values() {
                // A derived node has no place; the tangent of an assignment
                // points at the expression it differentiates.
                let binding = model.binding(&line.lhs.base);
                if let (None, Some(b), [Mark::Dot]) = (e.span, binding, &line.lhs.marks[..]) {
                    e.span = Some(b.expr.span).filter(|s| s.end > s.start);
                }
                let context = format!("could not evaluate {}: ", line.lhs);
                sort_out(e, Part::Derivative, context)
            } else {
                Trouble::Fatal(Error::whole_program(format!(
                    "could not evaluate {line}: {e}"
                )))
            }
        })?;
        let shape = model.env.name_shape(&line.lhs);
        let (rows, cols) = (size(&shape.rows), size(&shape.cols));
        let value = if line.expr.is_zero() {
            Matrix::zeros(rows, cols)
        } else if value.shape() != (rows, cols) {
            return Err(Trouble::Fatal(Error::whole_program(format!(
                "internal error: {line} evaluates to a {}×{} value, but {} is {rows}×{cols}",
                value.nrows(),
                value.ncols(),
                line.lhs
            ))));
        } else {
            value
        };
        values.insert(line.lhs.clone(), value.clone());
        out.insert(line.lhs.clone(), value);
    }
    Ok(out)
}

/// A random point where the program is defined: inputs drawn at distinct
/// sizes, and the value of every assignment there.
///
/// ```
/// use matdiff::ast::Name;
/// let model = matdiff::shape::analyze_source("y = A * x").unwrap();
/// let sample = matdiff::check::Sample::draw(&model, 3).unwrap();
/// let y = &sample.values[&Name::plain("y")];
/// assert_eq!(y.ncols(), 1);
/// let e = matdiff::parse::parse_expr("A' * y").unwrap();
/// let v = sample.eval(&model.elaborate(&e, None).unwrap(), &Default::default()).unwrap();
/// assert_eq!(v.nrows(), sample.size(&model.env.name_shape(&Name::plain("A")).cols));
/// ```
pub struct Sample {
    /// Values of the inputs and of every assignment.
    pub values: Values,
    sizes: Vec<(Dim, usize)>,
    positive: HashSet<String>,
    /// Inputs drawn small, in [-1/2, 1/2] and unshifted: arguments of
    /// `asin` and `acos`.
    small: HashSet<String>,
    /// The step of central differences taken from this point.
    step: f64,
}

impl Sample {
    /// Draws inputs from `seed` until the program evaluates to finite
    /// numbers; after a bounded number of draws, an error saying what was not
    /// defined (singular, negative under `log`, overflowing) and where.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("f = sum(log(x - x))").unwrap();
    /// let err = matdiff::check::Sample::draw(&model, 1).err().unwrap();
    /// assert!(err.message.contains("`log` of zero"), "{err}");
    /// assert!(err.span.is_some());
    /// ```
    pub fn draw(model: &Model, seed: u64) -> Result<Sample> {
        let sizes = choose_sizes(model);
        let mut skipped = Vec::new();
        for attempt in 0..DRAWS {
            match Sample::attempt(model, &sizes, seed, attempt) {
                Ok(point) => return Ok(point),
                Err(problem) => skipped.push(problem),
            }
        }
        Err(undefined_everywhere(skipped))
    }

    /// The `attempt`th draw from `seed`, if the program is defined there.
    fn attempt(
        model: &Model,
        sizes: &[(Dim, usize)],
        seed: u64,
        attempt: u64,
    ) -> std::result::Result<Sample, Undefined> {
        let (mut positive, small) = constrained_inputs(model);
        if attempt >= POSITIVE_FROM {
            // Perhaps the program needs positive values where it is not obvious.
            positive.extend(model.inputs.iter().map(|n| n.base.clone()));
        }
        let spread = match attempt.checked_sub(SPREAD_FROM) {
            Some(k) => 2f64.powi(k as i32 + 1),
            None => 1.0,
        };
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(31).wrapping_add(attempt));
        let mut point = Sample {
            values: Values::new(),
            sizes: sizes.to_vec(),
            positive,
            small,
            step: STEP,
        };
        for input in &model.inputs {
            let value = point.random_input(model, input, &mut rng) * spread;
            point.values.insert(input.clone(), value);
        }
        match point.run(model, &point.values) {
            Ok(values) => {
                point.values = values;
                Ok(point)
            }
            Err(e) => Err(Undefined {
                message: e.message,
                span: e.span,
                what: Part::Program,
            }),
        }
    }

    /// An input value: entries in [-1, 1] (in [0.5, 1.5] where the program
    /// needs positive values); square matrices shifted by their size times
    /// the identity, so they are far from singular.
    fn random_input(&self, model: &Model, name: &Name, rng: &mut StdRng) -> Matrix {
        let shape = model.env.name_shape(name);
        let (rows, cols) = (self.size(&shape.rows), self.size(&shape.cols));
        let small = self.small.contains(&name.base);
        let mut m = if small {
            Matrix::from_fn(rows, cols, |_, _| rng.gen_range(-0.5..0.5))
        } else if self.positive.contains(&name.base) || shape.is_scalar() {
            Matrix::from_fn(rows, cols, |_, _| rng.gen_range(0.5..1.5))
        } else {
            Matrix::from_fn(rows, cols, |_, _| rng.gen_range(-1.0..1.0))
        };
        if shape.is_square() && !shape.is_scalar() && !small {
            m += Matrix::identity(rows, cols) * rows as f64;
        }
        if model.env.is_symmetric(name) {
            m = (&m + m.transpose()) * 0.5;
        }
        m
    }

    /// The size drawn for a dimension.
    pub fn size(&self, dim: &Dim) -> usize {
        match dim {
            Dim::One => 1,
            Dim::Size(k) => *k as usize,
            Dim::Product(_) => dim.size_with(&|factor| self.size(factor)),
            named => self
                .sizes
                .iter()
                .find(|(d, _)| d == named)
                .map_or(1, |(_, n)| *n),
        }
    }

    /// The size drawn for each dimension of the program.
    pub fn sizes(&self) -> &[(Dim, usize)] {
        &self.sizes
    }

    /// Evaluates an (elaborated) expression at this point, with `extra`
    /// values for names the point does not hold, such as tangents.
    pub fn eval(&self, expr: &Expr, extra: &Values) -> Result<Matrix> {
        let mut values = self.values.clone();
        values.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        eval(expr, &values, &|d| self.size(d))
            .map_err(|e| Error::whole_program(format!("could not evaluate `{expr}`: {e}")))
    }

    /// A random direction shaped like `name`, entries in [-1, 1]
    /// (symmetric for a symmetric input or its tangent).
    pub fn random_like(&self, model: &Model, name: &Name, rng: &mut StdRng) -> Matrix {
        let shape = model.env.name_shape(name);
        let m = Matrix::from_fn(self.size(&shape.rows), self.size(&shape.cols), |_, _| {
            rng.gen_range(-1.0..1.0)
        });
        if model.env.is_symmetric(name) && name.marks.iter().all(|m| *m == Mark::Dot) {
            (&m + m.transpose()) * 0.5
        } else {
            m
        }
    }

    /// Values of every assignment, given the inputs. An error says what
    /// was not defined, pointing into the program.
    fn run(&self, model: &Model, inputs: &Values) -> std::result::Result<Values, EvalError> {
        self.run_from(model, 0, inputs.clone())
    }

    fn run_from(
        &self,
        model: &Model,
        start: usize,
        mut values: Values,
    ) -> std::result::Result<Values, EvalError> {
        for binding in &model.bindings[start..] {
            let value = eval(&binding.expr, &values, &|d| self.size(d)).map_err(|mut e| {
                e.span = e.span.or(Some(binding.span));
                if !e.problem.depends_on_values() {
                    e.message = format!("{}: {}", binding.name, e.message);
                }
                e
            })?;
            values.insert(Name::plain(&binding.name), value);
        }
        Ok(values)
    }

    /// Central differences of every assignment along the given input tangents.
    fn directional(
        &self,
        model: &Model,
        tangents: &Values,
    ) -> std::result::Result<HashMap<String, Matrix>, Trouble> {
        let shifted = |sign: f64| -> std::result::Result<Values, Trouble> {
            let mut inputs = self.values.clone();
            for (tangent, direction) in tangents {
                let base = tangent.unmark();
                let value = &self.values[&base] + direction * (sign * self.step);
                inputs.insert(base, value);
            }
            self.run(model, &inputs).map_err(|e| near(e, self.step))
        };
        let (plus, minus) = (shifted(1.0)?, shifted(-1.0)?);
        model
            .bindings
            .iter()
            .map(|b| {
                let key = Name::plain(&b.name);
                let d = difference(&plus[&key], &minus[&key], self.step)?;
                Ok((b.name.clone(), d))
            })
            .collect()
    }

    /// Central difference of the output when one intermediate is moved
    /// along `direction` and the rest of the program recomputed after it.
    fn perturbed_intermediate(
        &self,
        model: &Model,
        name: &Name,
        direction: &Matrix,
    ) -> std::result::Result<Matrix, Trouble> {
        let index = model
            .bindings
            .iter()
            .position(|b| b.name == name.base)
            .expect("an assigned name");
        let output = Name::plain(&model.output().name);
        let shifted = |sign: f64| -> std::result::Result<Matrix, Trouble> {
            let mut values = self.values.clone();
            values.insert(
                name.clone(),
                &self.values[name] + direction * (sign * self.step),
            );
            let values = self
                .run_from(model, index + 1, values)
                .map_err(|e| near(e, self.step))?;
            Ok(values[&output].clone())
        };
        difference(&shifted(1.0)?, &shifted(-1.0)?, self.step)
    }
}

/// A problem found a difference step away from the point.
fn near(e: EvalError, step: f64) -> Trouble {
    sort_out(
        e,
        Part::Near,
        format!("at a step of {step:e} from the point, "),
    )
}

/// The central difference (plus − minus) / 2h. Both sides are finite, but
/// their difference may not be: such a point is set aside.
fn difference(plus: &Matrix, minus: &Matrix, step: f64) -> std::result::Result<Matrix, Trouble> {
    let d = (plus - minus) / (2.0 * step);
    if d.iter().all(|x| x.is_finite()) {
        Ok(d)
    } else {
        Err(Trouble::Undefined(Undefined {
            message: "a central difference overflows".into(),
            span: None,
            what: Part::Near,
        }))
    }
}

/// Inputs that appear where only positive values are defined (under
/// `log`, `sqrt`, a fractional or negative power, or as a divisor), and
/// those that appear where only values in (−1, 1) are (`asin`, `acos`).
fn constrained_inputs(model: &Model) -> (HashSet<String>, HashSet<String>) {
    let (mut positive, mut small) = (HashSet::new(), HashSet::new());
    for binding in &model.bindings {
        mark_constrained(&binding.expr, &mut positive, &mut small);
    }
    (positive, small)
}

fn mark_constrained(expr: &Expr, out: &mut HashSet<String>, small: &mut HashSet<String>) {
    let needs_positive: Option<&Expr> = match &expr.kind {
        ExprKind::Call(Func::Map(map), args) if map.spec().domain == Domain::OpenUnitInterval => {
            small.extend(args[0].names().into_iter().map(|n| n.base.clone()));
            None
        }
        ExprKind::Call(Func::Map(map), args) if map.spec().domain != Domain::Everywhere => {
            Some(&args[0])
        }
        ExprKind::ElemPower(a, k)
            if !k.is_integer() || *k < num_rational::BigRational::from_integer(0.into()) =>
        {
            Some(a)
        }
        ExprKind::Binary(BinOp::Div | BinOp::EDiv, _, b) => Some(b),
        // A power by an expression takes the base's log in its derivative.
        ExprKind::Binary(BinOp::Pow | BinOp::EPow, a, _) => Some(a),
        _ => None,
    };
    if let Some(e) = needs_positive {
        out.extend(e.names().into_iter().map(|n| n.base.clone()));
    }
    for child in expr.children() {
        mark_constrained(child, out, small);
    }
}

#[cfg(test)]
mod tests;
