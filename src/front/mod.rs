//! The front door: one call from a program's text to its derivation in
//! every output form, or to a full error report. Each call runs the engine
//! on a thread with a stack of its own, as deep programs recurse deeply.

mod derivation;
mod error;

pub use derivation::{Derivation, Line};
pub use error::Error;

use crate::limits::STACK_BYTES;
use crate::shape::analyze_source;

/// Which derivative to take; see [`derive`](fn@derive).
///
/// ```
/// let d = matdiff::derive("C = inv(A)", matdiff::Mode::Reverse, &matdiff::Options::new())?;
/// assert_eq!(d.to_string(), "bar(A) = -C' * bar(C) * C'");
/// # Ok::<(), matdiff::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// Tangents `dot(C)` of every assignment, as [`forward`] derives them.
    Forward,
    /// Adjoints `bar(X)` of the inputs, given the output's, as [`reverse`].
    Reverse,
    /// The gradient of a scalar output, as [`grad`].
    Grad,
    /// Second derivatives of a scalar output, as [`hessian`](fn@hessian).
    Hessian,
    /// The Jacobian matrix of the output, as [`jacobian`].
    Jacobian,
}

impl Mode {
    /// The engine's mode.
    fn engine(self) -> crate::derive::Mode {
        match self {
            Mode::Forward => crate::derive::Mode::Forward,
            Mode::Reverse => crate::derive::Mode::Reverse,
            Mode::Grad => crate::derive::Mode::Grad,
            Mode::Hessian => crate::derive::Mode::Hessian,
            Mode::Jacobian => crate::derive::Mode::Jacobian,
        }
    }
}

/// How to derive: which inputs vary, whether to write the intermediates
/// out, whether to explain the steps. The default derives with respect to
/// every input, names the intermediates and leaves the steps out.
///
/// ```
/// let options = matdiff::Options::new().wrt(["A"]).expand(true);
/// let d = matdiff::derive("B = A * x; f = sum(B)", matdiff::Mode::Grad, &options)?;
/// assert_eq!(d.to_string(), "bar(A) = ones * x'");
/// assert_eq!(matdiff::Options::default(), matdiff::Options::new());
/// # Ok::<(), matdiff::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The inputs to differentiate with respect to, comma-separated as
    /// `--wrt` takes them; errors point into this text.
    wrt: Option<String>,
    expand: bool,
    steps: bool,
    limits: crate::egraph::Limits,
}

impl Options {
    /// The default options.
    ///
    /// ```
    /// assert_eq!(matdiff::Options::new(), matdiff::Options::default());
    /// ```
    pub fn new() -> Options {
        Options::default()
    }

    /// Differentiates with respect to these inputs only; the others are
    /// held constant. Naming a non-input is an error.
    ///
    /// ```
    /// let options = matdiff::Options::new().wrt(["x"]);
    /// let d = matdiff::derive("y = A * x", matdiff::Mode::Reverse, &options)?;
    /// assert_eq!(d.to_string(), "bar(x) = A' * bar(y)");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn wrt<I>(self, names: I) -> Options
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_string()).collect();
        self.wrt_list(&names.join(","))
    }

    /// [`wrt`](Options::wrt) from one comma-separated list, as the command
    /// line's `--wrt` takes it; an error's column counts in this text.
    ///
    /// ```
    /// let options = matdiff::Options::new().wrt_list("A, Z");
    /// let err = matdiff::derive("C = inv(A)", matdiff::Mode::Forward, &options).unwrap_err();
    /// assert_eq!(err.column(), Some(4));
    /// ```
    pub fn wrt_list(mut self, list: &str) -> Options {
        self.wrt = Some(list.to_string());
        self
    }

    /// Writes the results in terms of the inputs only, substituting the
    /// intermediates away.
    ///
    /// ```
    /// let options = matdiff::Options::new().expand(true);
    /// let d = matdiff::derive("C = inv(A)", matdiff::Mode::Forward, &options)?;
    /// assert_eq!(d.to_string(), "dot(C) = -inv(A) * dot(A) * inv(A)");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn expand(mut self, expand: bool) -> Options {
        self.expand = expand;
        self
    }

    /// Explains the derivation too, one rewrite a line with the rule it
    /// used; see [`Derivation::steps`].
    ///
    /// ```
    /// let options = matdiff::Options::new().steps(true);
    /// let d = matdiff::derive("C = inv(A)", matdiff::Mode::Reverse, &options)?;
    /// assert!(d.steps().is_some());
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn steps(mut self, steps: bool) -> Options {
        self.steps = steps;
        self
    }

    /// Simplifies within these limits (`--limits`); where a node or
    /// iteration limit is reached, the derivation is taken again with both
    /// raised fourfold, and the cheaper result kept: a note
    /// ([`Derivation::stop_note`]) says so only when the raised limits too
    /// were reached and the result changed.
    ///
    /// ```
    /// let limits: matdiff::egraph::Limits = "iterations=1".parse().unwrap();
    /// let options = matdiff::Options::new().limits(limits);
    /// let d = matdiff::derive("f = tr(A * B) - tr(B * A)", matdiff::Mode::Grad, &options)?;
    /// assert_eq!(d.to_string(), "bar(A) = 0\nbar(B) = 0");
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn limits(mut self, limits: crate::egraph::Limits) -> Options {
        self.limits = limits;
        self
    }

    /// The engine's options for these.
    fn engine(&self) -> crate::derive::Options {
        crate::derive::Options {
            wrt: self.wrt.clone(),
            expand: self.expand,
            limits: self.limits.clone(),
            ..Default::default()
        }
    }
}

/// How to [`check`](fn@check): which inputs vary, and the seed of the random
/// inputs (1 by default, as on the command line).
///
/// ```
/// let options = matdiff::CheckOptions::new().wrt(["A"]).seed(7);
/// assert!(matdiff::check("C = inv(A) * B", &options)?.passed());
/// # Ok::<(), matdiff::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    wrt: Option<String>,
    seed: u64,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions { wrt: None, seed: 1 }
    }
}

impl CheckOptions {
    /// The default options: every input, seed 1.
    ///
    /// ```
    /// assert_eq!(matdiff::CheckOptions::new(), matdiff::CheckOptions::default());
    /// ```
    pub fn new() -> CheckOptions {
        CheckOptions::default()
    }

    /// Checks the derivatives with respect to these inputs only.
    ///
    /// ```
    /// let options = matdiff::CheckOptions::new().wrt(["x"]);
    /// assert!(matdiff::check("y = A * x", &options)?.passed());
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn wrt<I>(self, names: I) -> CheckOptions
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_string()).collect();
        self.wrt_list(&names.join(","))
    }

    /// [`wrt`](CheckOptions::wrt) from one comma-separated list, as the
    /// command line's `--wrt` takes it.
    ///
    /// ```
    /// let options = matdiff::CheckOptions::new().wrt_list("A, B");
    /// assert!(matdiff::check("C = A * B", &options)?.passed());
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn wrt_list(mut self, list: &str) -> CheckOptions {
        self.wrt = Some(list.to_string());
        self
    }

    /// The seed of the random inputs; the same seed draws the same inputs.
    ///
    /// ```
    /// let options = matdiff::CheckOptions::new().seed(42);
    /// assert!(matdiff::check("f = tr(inv(A))", &options)?.passed());
    /// # Ok::<(), matdiff::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> CheckOptions {
        self.seed = seed;
        self
    }
}

/// The tangent of every assignment in program order (`matdiff forward`).
///
/// ```
/// assert_eq!(matdiff::forward("C = inv(A)")?.to_string(), "dot(C) = -C * dot(A) * C");
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn forward(program: &str) -> Result<Derivation, Error> {
    derive(program, Mode::Forward, &Options::default())
}

/// The adjoint of every input given the output's, `bar(f)`, with the
/// intermediates' adjoints above them (`matdiff reverse`).
///
/// ```
/// assert_eq!(matdiff::reverse("C = inv(A)")?.to_string(), "bar(A) = -C' * bar(C) * C'");
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn reverse(program: &str) -> Result<Derivation, Error> {
    derive(program, Mode::Reverse, &Options::default())
}

/// The gradient of a scalar output, one line per input (`matdiff grad`).
///
/// ```
/// assert_eq!(matdiff::grad("x' * A * x")?.to_string(), "bar(x) = (A + A') * x\nbar(A) = x * x'");
/// assert!(matdiff::grad("y = A * x").is_err());
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn grad(program: &str) -> Result<Derivation, Error> {
    derive(program, Mode::Grad, &Options::default())
}

/// The second derivatives of a scalar output (`matdiff hessian`): the
/// Hessian matrix for a vector or scalar input, its product with a
/// direction `dot(X)` for a matrix input.
///
/// ```
/// assert_eq!(matdiff::hessian("x' * x")?.to_string(), "hess(x) = 2 * I");
/// let d = matdiff::hessian("f = tr(X' * X)")?;
/// assert_eq!(d.to_string(), "dot(bar(X)) = 2 * dot(X)");
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn hessian(program: &str) -> Result<Derivation, Error> {
    derive(program, Mode::Hessian, &Options::default())
}

/// The Jacobian matrix ∂vec(f)/∂vec(X)ᵀ of the output with respect to each
/// input (`matdiff jacobian`): one row per entry of the output, one column
/// per entry of the input, `jac(f, X) = …` a line. With a matrix on either
/// side it is written with `kron`, `vec` and `I`, over sizes named or fixed
/// (an m×n matrix has m*n entries).
///
/// ```
/// let d = matdiff::jacobian("A: matrix(2, 3); exp(A * x)")?;
/// assert_eq!(
///     d.to_string(),
///     "jac(f, A) = kron(x', I(2)) .* (exp(A * x) * ones(1, 6))\njac(f, x) = A .* (exp(A * x) * ones(1, 3))"
/// );
/// assert_eq!(matdiff::jacobian("x' * x")?.to_string(), "jac(f, x) = 2 * x'");
/// let d = matdiff::jacobian("A: matrix(m, n); X: matrix(n, p); F = A * X")?;
/// assert_eq!(d.to_string(), "jac(F, A) = kron(X', I)\njac(F, X) = kron(I, A)");
/// // A transpose needs the commutation matrix, which has no Kronecker form:
/// // with every input it is left out with a note, named alone an error.
/// let d = matdiff::jacobian("F = X' * B")?;
/// assert_eq!(d.to_string(), "jac(F, B) = kron(I, X')");
/// assert!(d.notes()[0].starts_with("jac(F, X) is left out"));
/// let only_x = matdiff::Options::new().wrt(["X"]);
/// assert!(matdiff::derive("F = X' * B", matdiff::Mode::Jacobian, &only_x).is_err());
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn jacobian(program: &str) -> Result<Derivation, Error> {
    derive(program, Mode::Jacobian, &Options::default())
}

/// The cheapest equivalent form of an expression, or of a program's output
/// (`matdiff simplify`). The derivation's one line names the value.
///
/// ```
/// let d = matdiff::simplify("tr(A * B) - tr(B * A) + tr((C')')")?;
/// assert_eq!(d.to_string(), "tr(C)");
/// assert_eq!(d.lines()[0].to_string(), "f = tr(C)");
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn simplify(expr: &str) -> Result<Derivation, Error> {
    on_own_stack(|| {
        let model = analyze_source(expr).map_err(|e| Error::new(e, expr, None))?;
        Ok(Derivation::simplified(&model, expr))
    })
}

/// Differentiates a program in a mode, with options: the general form of
/// [`forward`], [`reverse`], [`grad`], [`hessian`](fn@hessian) and [`jacobian`].
///
/// ```
/// use matdiff::{Mode, Options};
/// let d = matdiff::derive("C = inv(A) * B", Mode::Reverse, &Options::new().wrt(["B"]))?;
/// assert_eq!(d.to_string(), "bar(B) = A' \\ bar(C)");
/// # Ok::<(), matdiff::Error>(())
/// ```
pub fn derive(program: &str, mode: Mode, options: &Options) -> Result<Derivation, Error> {
    on_own_stack(|| {
        let fail = |e| Error::new(e, program, options.wrt.as_deref());
        let model = analyze_source(program).map_err(fail)?;
        Derivation::of_model(
            &model,
            mode.engine(),
            &options.engine(),
            options.steps,
            program,
        )
        .map_err(fail)
    })
}

/// Checks a program's forward and reverse results numerically against
/// central differences and each other (`matdiff check`). A failed
/// comparison is in the report, not an error: see [`Report::passed`].
///
/// ```
/// let report = matdiff::check("C = inv(A)", &matdiff::CheckOptions::new())?;
/// assert!(report.passed(), "{report}");
/// # Ok::<(), matdiff::Error>(())
/// ```
///
/// [`Report::passed`]: crate::Report::passed
pub fn check(program: &str, options: &CheckOptions) -> Result<crate::Report, Error> {
    on_own_stack(|| {
        let fail = |e| Error::new(e, program, options.wrt.as_deref());
        let model = analyze_source(program).map_err(fail)?;
        crate::check::check(&model, options.wrt.as_deref(), options.seed).map_err(fail)
    })
}

/// Runs `work` on a thread with [`STACK_BYTES`] of stack, whatever the
/// caller's: derivation, simplification and printing recurse over
/// expression trees a few times deeper than the program's statements.
/// Everything `work` returns is flat text, so nothing deep is dropped or
/// read on the caller's stack.
fn on_own_stack<T: Send>(work: impl FnOnce() -> Result<T, Error> + Send) -> Result<T, Error> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("matdiff".to_string())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, work);
        match worker {
            Ok(worker) => worker.join().unwrap_or_else(|_| {
                Err(Error::from(crate::error::Error::whole_program(
                    "internal error: matdiff failed; please report this input",
                )))
            }),
            Err(why) => Err(Error::from(crate::error::Error::whole_program(format!(
                "cannot start matdiff's worker thread: {why}"
            )))),
        }
    })
}
