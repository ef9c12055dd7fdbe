//! The `--format json` object of SPEC §2.

use crate::derive::Derivation;
use crate::print::{render, render_name, Notation};
use serde_json::{json, Value};

/// The JSON object for a derivation of `input`.
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let d = derive(&model, Mode::Reverse, &Options::default()).unwrap();
/// let v = matdiff::json::to_json(&d, "C = inv(A)");
/// assert_eq!(v["results"][0]["expr"], "-C' * bar(C) * C'");
/// assert_eq!(v["bindings"][0]["name"], "C");
/// ```
pub fn to_json(derivation: &Derivation, input: &str) -> Value {
    let results: Vec<Value> = derivation
        .lines
        .iter()
        .map(|line| {
            let lhs_unicode = render_name(&line.lhs, Notation::Unicode);
            let lhs_latex = render_name(&line.lhs, Notation::Latex);
            json!({
                "lhs": line.lhs.to_string(),
                "wrt": line.lhs.base,
                "expr": render(&line.expr, Notation::Plain),
                "unicode": format!("{lhs_unicode} = {}", render(&line.expr, Notation::Unicode)),
                "latex": format!("{lhs_latex} = {}", render(&line.expr, Notation::Latex)),
            })
        })
        .collect();
    let bindings: Vec<Value> = derivation
        .model
        .bindings
        .iter()
        .map(|b| json!({"name": b.name, "expr": b.expr.to_string()}))
        .collect();
    json!({
        "mode": derivation.mode.name(),
        "input": input,
        "results": results,
        "bindings": bindings,
    })
}
