//! The whole pipeline on one input, as the fuzz targets and the regression
//! tests run it: parse → shapes → forward, reverse, grad, Hessian → steps →
//! every printer → re-parse of the plain form. It panics when an invariant
//! breaks (a printed result that does not read back as the same tree, a
//! result left unchecked because its check failed); errors in the input
//! are fine, as long as each is an `Error` that points inside the text.
//!
//! Shared by `fuzz/` (through `#[path]`) and `tests/regressions.rs`, so a
//! crash the fuzzer finds is replayed by the same code in the test suite.

use matdiff::derive::{derive, Mode, Options};
use matdiff::egraph::Limits;
use matdiff::error::{Error, Origin};
use matdiff::print::{render, Notation};
use std::time::Duration;

/// How much of the pipeline to run.
#[derive(Clone, Copy, Debug)]
pub struct Depth {
    /// Derive in every mode and print, not just parse and analyse.
    pub derive: bool,
    /// Run the numerical check too, and require it to pass.
    pub check: bool,
}

/// What became of an input.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with an error at the analysis stage.
    Refused,
    /// Analysed; every mode either derived or was refused with an error.
    Derived,
}

/// Every mode, with and without `--expand`.
pub const RUNS: [(Mode, bool); 10] = [
    (Mode::Forward, false),
    (Mode::Forward, true),
    (Mode::Reverse, false),
    (Mode::Reverse, true),
    (Mode::Grad, false),
    (Mode::Grad, true),
    (Mode::Hessian, false),
    (Mode::Hessian, true),
    (Mode::Jacobian, false),
    (Mode::Jacobian, true),
];

/// Tight simplifier limits, so that a fuzzer's execution stays short.
pub fn fuzz_limits() -> Limits {
    Limits {
        nodes: 600,
        iterations: 4,
        time: Duration::from_millis(20),
        budget: Duration::from_millis(200),
    }
}

/// Asserts that an error points inside the text it is about (or just past
/// its end, for an unexpected end of input).
fn assert_points_inside(error: &Error, source: &str) {
    if let (Origin::Program, Some(span)) = (&error.origin, error.span) {
        let at_end = span.start == source.len() && span.end == span.start + 1;
        if at_end {
            return;
        }
        assert!(
            span.start <= span.end && span.end <= source.len(),
            "error span {span:?} outside the {}-byte program: {}",
            source.len(),
            error.message
        );
        assert!(
            source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
            "error span {span:?} splits a character: {}",
            error.message
        );
    }
    assert!(
        !error.message.trim().is_empty(),
        "an error without a message"
    );
    // Rendering must not panic either.
    let _ = error.render(source);
}

/// Runs the pipeline on `source` to `depth`, with `limits` for the
/// simplifier. Panics on a broken invariant.
pub fn exercise(source: &str, depth: Depth, limits: &Limits) -> Outcome {
    let model = match matdiff::shape::analyze_source(source) {
        Ok(model) => model,
        Err(error) => {
            assert_points_inside(&error, source);
            return Outcome::Refused;
        }
    };
    if !depth.derive {
        return Outcome::Derived;
    }
    for (mode, expand) in RUNS {
        let options = Options {
            limits: limits.clone(),
            expand,
            ..Default::default()
        };
        let derivation = match derive(&model, mode, &options) {
            Ok(derivation) => derivation,
            Err(error) => {
                assert_points_inside(&error, source);
                continue;
            }
        };
        // A result too long to read back as a statement is not printed.
        let printable = match derivation.printable(expand) {
            Ok(()) => true,
            Err(error) => {
                assert_points_inside(&error, source);
                false
            }
        };
        for line in derivation.lines.iter().filter(|_| printable) {
            let plain = render(&line.expr, Notation::Plain);
            let reread = matdiff::parse::parse_expr(&plain)
                .unwrap_or_else(|e| panic!("{mode:?}: printed `{plain}` does not parse: {e}"));
            // Sizes of `I` and `ones` are inferred, not printed: compare
            // the printed forms.
            assert_eq!(
                render(&reread, Notation::Plain),
                plain,
                "{mode:?}: printed `{plain}` reads back as a different tree"
            );
            render(&line.expr, Notation::Unicode);
            render(&line.expr, Notation::Latex);
        }
        match matdiff::steps::explain_derivation(&derivation, &options) {
            Ok(steps) => {
                for notation in [Notation::Plain, Notation::Unicode, Notation::Latex] {
                    matdiff::steps::render_steps(&steps, notation);
                }
            }
            Err(error) => assert_points_inside(&error, source),
        }
        matdiff::json::to_json(&derivation, source);
        matdiff::numpy::to_numpy(&derivation);
    }
    if depth.check {
        match matdiff::check::check(&model, None, 1) {
            Ok(report) => assert!(report.passed(), "the check failed:\n{report}"),
            Err(error) => assert_points_inside(&error, source),
        }
    }
    Outcome::Derived
}
