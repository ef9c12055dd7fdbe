//! The Python classes: a derivation, its lines and a check's report, each
//! wrapping the front door's value and handing out what it already holds.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Python's `repr` of a string, so that reprs quote as Python does.
fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(text.into_pyobject(py)?.repr()?.to_string())
}

/// The results of forward, reverse, grad, hessian, jacobian or simplify, in
/// every form the command line prints.
///
/// str() is the plain output, one `lhs = expr` line per result (for
/// simplify, the expression alone); `lines` has each result in every
/// notation; to_json(), numpy() and numpy_function() are the other formats.
/// In Jupyter it shows as LaTeX.
#[pyclass(frozen, module = "matdiff", name = "Derivation")]
pub struct Derivation {
    derivation: crate::Derivation,
}

impl From<crate::Derivation> for Derivation {
    fn from(derivation: crate::Derivation) -> Derivation {
        Derivation { derivation }
    }
}

#[pymethods]
impl Derivation {
    /// The result lines, in printing order.
    #[getter]
    fn lines(&self) -> Vec<Line> {
        self.derivation
            .lines()
            .iter()
            .cloned()
            .map(Line::from)
            .collect()
    }

    fn __str__(&self) -> String {
        self.derivation.to_string()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let json = self.derivation.to_json();
        let field = |key: &str| json[key].as_str().unwrap_or_default().to_string();
        let lines = self
            .derivation
            .lines()
            .iter()
            .map(|line| quoted(py, &line.to_string()))
            .collect::<PyResult<Vec<String>>>()?;
        Ok(format!(
            "<matdiff.Derivation {} of {}: [{}]>",
            field("mode"),
            quoted(py, &field("input"))?,
            lines.join(", ")
        ))
    }

    /// The output as display LaTeX, for Jupyter: the `latex` lines one
    /// under the other, aligned at their equals signs.
    #[pyo3(name = "_repr_latex_")]
    fn repr_latex(&self) -> String {
        // Each line of the LaTeX output is `lhs = rhs` (or, from simplify,
        // the expression alone); no left-hand side has an equals sign in
        // it, so the first one is the line's.
        let rows: Vec<String> = self
            .derivation
            .to_latex()
            .lines()
            .map(|row| match row.split_once(" = ") {
                Some((lhs, rhs)) => format!("{lhs} &= {rhs}"),
                None => row.to_string(),
            })
            .collect();
        format!(
            "$$\\begin{{aligned}}\n{}\n\\end{{aligned}}$$",
            rows.join(" \\\\\n")
        )
    }

    /// The `--format json` object as a dict: mode, input, results (each
    /// with lhs, wrt, expr, unicode, latex), bindings, stop_reason.
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // Python's own reader makes the dict, exactly as it would read the
        // command line's output.
        py.import("json")?
            .call_method1("loads", (self.derivation.to_json().to_string(),))
    }

    /// The `--format numpy` module's source: Python, importing only numpy,
    /// defining `derivatives(**arrays)`.
    fn numpy(&self) -> String {
        self.derivation.to_numpy()
    }

    /// The numpy module's `derivatives(**arrays)`, ready to call: it takes
    /// the inputs by name (and the tangents or the output's adjoint, as
    /// `dot_A=`, `bar_C=`, where the mode needs them) and returns a dict
    /// keyed by each result's plain left-hand side. Needs numpy.
    fn numpy_function<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let builtins = py.import("builtins")?;
        // Compiled under a name of its own, so that a traceback through the
        // generated code says where it came from.
        let code = builtins.call_method1(
            "compile",
            (self.derivation.to_numpy(), "<matdiff numpy module>", "exec"),
        )?;
        // A fresh namespace each time: two functions never share globals.
        let namespace = PyDict::new(py);
        namespace.set_item("__name__", "matdiff_generated")?;
        builtins.call_method1("exec", (code, &namespace))?;
        namespace.get_item("derivatives")?.ok_or_else(|| {
            PyRuntimeError::new_err("internal error: matdiff's numpy module has no `derivatives`")
        })
    }
}

/// One result line, `lhs = expr`, in every notation: `lhs` and `expr` in
/// plain syntax, `wrt` the name whose tangent or adjoint it defines,
/// `unicode` and `latex` the whole line.
#[pyclass(frozen, eq, module = "matdiff", name = "Line")]
#[derive(PartialEq)]
pub struct Line {
    line: crate::Line,
}

impl From<crate::Line> for Line {
    fn from(line: crate::Line) -> Line {
        Line { line }
    }
}

#[pymethods]
impl Line {
    /// The left-hand side in plain syntax: dot(C), bar(A), hess(x), ...
    #[getter]
    fn lhs(&self) -> &str {
        self.line.lhs()
    }

    /// The name whose tangent or adjoint the line defines.
    #[getter]
    fn wrt(&self) -> &str {
        self.line.wrt()
    }

    /// The right-hand side in plain syntax, which reads back as input.
    #[getter]
    fn expr(&self) -> &str {
        self.line.expr()
    }

    /// The whole line in Unicode mathematics.
    #[getter]
    fn unicode(&self) -> &str {
        self.line.unicode()
    }

    /// The whole line in LaTeX, without $ delimiters.
    #[getter]
    fn latex(&self) -> &str {
        self.line.latex()
    }

    /// True for a temporary of matdiff's own (t1 = ...): a value the
    /// results would otherwise repeat, printed before them; not a result.
    #[getter]
    fn temporary(&self) -> bool {
        self.line.is_temporary()
    }

    fn __str__(&self) -> String {
        self.line.to_string()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<matdiff.Line {}>",
            quoted(py, &self.line.to_string())?
        ))
    }
}

/// The outcome of check(): `passed` is True when every comparison was
/// within its tolerance; str() is the report the command line prints, one
/// comparison a line with its relative error.
#[pyclass(frozen, module = "matdiff", name = "Report")]
pub struct Report {
    passed: bool,
    text: String,
}

impl From<crate::Report> for Report {
    fn from(report: crate::Report) -> Report {
        Report {
            passed: report.passed(),
            text: report.to_string(),
        }
    }
}

#[pymethods]
impl Report {
    /// True when every comparison passed.
    #[getter]
    fn passed(&self) -> bool {
        self.passed
    }

    fn __str__(&self) -> String {
        self.text.clone()
    }

    fn __repr__(&self) -> String {
        let verdict = if self.passed { "passed" } else { "FAILED" };
        let summary = self.text.lines().last().unwrap_or_default();
        format!("<matdiff.Report {verdict}: {summary}>")
    }
}
