//! The Python package's native module, `matdiff._matdiff` (SPEC §4): each
//! function is one call through the library's front door, with the GIL
//! released while the engine works. `python/matdiff/__init__.py` re-exports
//! everything here as `matdiff`; `_matdiff.pyi` beside it types it.
//!
//! Built only with the `python` feature, by maturin (`pip install .`).

mod classes;

use crate::{CheckOptions, Mode, Options};
use classes::{Derivation, Line, Report};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    matdiff,
    Error,
    PyValueError,
    "Bad input: a syntax or shape error, a result too large to print, or a\n\
     `wrt` name the program does not have.\n\n\
     str(error) is the full report, with the line and a caret under the\n\
     place; `line` and `column` (from 1) are that place, in the program or,\n\
     for a bad `wrt` name, in the names joined by commas; both are None for\n\
     an error about the program as a whole. `message` is what is wrong,\n\
     without the place."
);

/// The Python exception for a front-door error, its attributes set.
fn raise(py: Python<'_>, error: crate::Error) -> PyErr {
    let raised = Error::new_err(error.to_string());
    let value = raised.value(py);
    let attributes = value
        .setattr("line", error.line())
        .and_then(|()| value.setattr("column", error.column()))
        .and_then(|()| value.setattr("message", error.message()));
    match attributes {
        Ok(()) => raised,
        // Only running out of memory makes setting an attribute fail; that
        // error is then the one to raise.
        Err(failure) => failure,
    }
}

/// Derives `program` in `mode` with the GIL released.
fn derive(
    py: Python<'_>,
    program: String,
    mode: Mode,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    let mut options = Options::new().expand(expand);
    if let Some(names) = wrt {
        options = options.wrt(names);
    }
    py.detach(|| crate::derive(&program, mode, &options))
        .map(Derivation::from)
        .map_err(|error| raise(py, error))
}

/// The tangent of every assignment in program order, `dot(C) = ...`, in
/// terms of the inputs' tangents (`matdiff forward`).
///
/// wrt: the inputs that vary (default: all); expand: write the results in
/// terms of the inputs only. Raises matdiff.Error on bad input.
#[pyfunction]
#[pyo3(signature = (program, wrt = None, expand = false))]
fn forward(
    py: Python<'_>,
    program: String,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    derive(py, program, Mode::Forward, wrt, expand)
}

/// The adjoint of every input, `bar(A) = ...`, given the output's adjoint
/// `bar(f)`, with the intermediates' adjoints above them (`matdiff reverse`).
///
/// wrt: the inputs that vary (default: all); expand: substitute the
/// intermediates away. Raises matdiff.Error on bad input.
#[pyfunction]
#[pyo3(signature = (program, wrt = None, expand = false))]
fn reverse(
    py: Python<'_>,
    program: String,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    derive(py, program, Mode::Reverse, wrt, expand)
}

/// The gradient of a scalar output, one line `bar(X) = ...` per input
/// (`matdiff grad`).
///
/// wrt: the inputs that vary (default: all); expand: write the primal
/// intermediates out. Raises matdiff.Error on bad input or a non-scalar
/// output.
#[pyfunction]
#[pyo3(signature = (program, wrt = None, expand = false))]
fn grad(
    py: Python<'_>,
    program: String,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    derive(py, program, Mode::Grad, wrt, expand)
}

/// The second derivatives of a scalar output (`matdiff hessian`): the
/// Hessian matrix `hess(x) = ...` for a vector or scalar input, its product
/// with a direction, `dot(bar(X)) = ...`, for a matrix input.
///
/// wrt: the inputs that vary (default: all); expand: write the
/// intermediates out. Raises matdiff.Error on bad input or a non-scalar
/// output.
#[pyfunction]
#[pyo3(signature = (program, wrt = None, expand = false))]
fn hessian(
    py: Python<'_>,
    program: String,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    derive(py, program, Mode::Hessian, wrt, expand)
}

/// The Jacobian matrix of the output with respect to each input,
/// `jac(f, X) = ...` (`matdiff jacobian`).
///
/// wrt: the inputs that vary (default: all); expand: write the
/// intermediates out. Raises matdiff.Error on bad input, or where no form
/// of the Jacobian is known.
#[pyfunction]
#[pyo3(signature = (program, wrt = None, expand = false))]
fn jacobian(
    py: Python<'_>,
    program: String,
    wrt: Option<Vec<String>>,
    expand: bool,
) -> PyResult<Derivation> {
    derive(py, program, Mode::Jacobian, wrt, expand)
}

/// The cheapest equivalent form of an expression, or of a program's output
/// (`matdiff simplify`): str() of the result is the expression alone, its
/// one line names the value. Raises matdiff.Error on bad input.
#[pyfunction]
fn simplify(py: Python<'_>, expr: String) -> PyResult<Derivation> {
    py.detach(|| crate::simplify(&expr))
        .map(Derivation::from)
        .map_err(|error| raise(py, error))
}

/// Checks a program's forward and reverse results numerically, at random
/// inputs drawn from `seed`, against central differences and each other
/// (`matdiff check --seed SEED`). A failed comparison is in the report
/// (`passed` is False), not an exception; matdiff.Error is raised for bad
/// input or when no random draw is a point where the program is defined.
#[pyfunction]
#[pyo3(signature = (program, seed = 0))]
fn check(py: Python<'_>, program: String, seed: u64) -> PyResult<Report> {
    let options = CheckOptions::new().seed(seed);
    py.detach(|| crate::check(&program, &options))
        .map(Report::from)
        .map_err(|error| raise(py, error))
}

/// The native module, `matdiff._matdiff`.
#[pymodule]
#[pyo3(name = "_matdiff")]
fn native_module(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(forward, module)?)?;
    module.add_function(wrap_pyfunction!(reverse, module)?)?;
    module.add_function(wrap_pyfunction!(grad, module)?)?;
    module.add_function(wrap_pyfunction!(hessian, module)?)?;
    module.add_function(wrap_pyfunction!(jacobian, module)?)?;
    module.add_function(wrap_pyfunction!(simplify, module)?)?;
    module.add_function(wrap_pyfunction!(check, module)?)?;
    module.add_class::<Derivation>()?;
    module.add_class::<Line>()?;
    module.add_class::<Report>()?;
    module.add("Error", module.py().get_type::<Error>())?;
    Ok(())
}
