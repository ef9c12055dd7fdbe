//! The `--format json` object of SPEC §2.

use crate::derive::Derivation;
use crate::print::{render, Notation};
use crate::steps::StepLine;
use serde_json::{json, Value};

/// The JSON object for a derivation of `input`: matdiff's temporaries
/// (`t1 = …`) are listed in `bindings` after the program's assignments, not
/// among the results.
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let d = derive(&model, Mode::Reverse, &Options::default()).unwrap();
/// let v = matdiff::json::to_json(&d, "C = inv(A)");
/// assert_eq!(v["results"][0]["expr"], "-C' * bar(C) * C'");
/// assert_eq!(v["bindings"][0]["name"], "C");
/// assert_eq!(v["stop_reason"], "saturated");
/// ```
pub fn to_json(derivation: &Derivation, input: &str) -> Value {
    let results: Vec<Value> = derivation
        .lines
        .iter()
        .filter(|line| !line.temporary)
        .map(|line| {
            let lhs_unicode = line.lhs_text(Notation::Unicode);
            let lhs_latex = line.lhs_text(Notation::Latex);
            json!({
                "lhs": line.lhs_text(Notation::Plain),
                "wrt": line.lhs.base,
                "expr": line.rhs_text(Notation::Plain),
                "unicode": format!("{lhs_unicode} = {}", line.rhs_text(Notation::Unicode)),
                "latex": format!("{lhs_latex} = {}", line.rhs_text(Notation::Latex)),
            })
        })
        .collect();
    let bindings: Vec<Value> = derivation
        .model
        .bindings
        .iter()
        .map(|b| json!({"name": b.name, "expr": b.expr.to_string()}))
        .chain(derivation.lines.iter().filter(|l| l.temporary).map(
            |l| json!({"name": l.lhs_text(Notation::Plain), "expr": l.rhs_text(Notation::Plain)}),
        ))
        .collect();
    json!({
        "mode": derivation.mode.name(),
        "input": input,
        "results": results,
        "bindings": bindings,
        "stop_reason": derivation.stop.name(),
    })
}

/// [`to_json`], with the derivation's steps under `"steps"` when given:
/// each an equation `lhs = expr` (plain syntax, where `d(E)` is a
/// differential still to expand), the rule in words, and the equation in
/// Unicode and LaTeX.
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let d = derive(&model, Mode::Forward, &Options::default()).unwrap();
/// let steps = matdiff::steps::explain_derivation(&d, &Options::default()).unwrap();
/// let v = matdiff::json::to_json_with_steps(&d, "C = inv(A)", Some(&steps));
/// assert_eq!(v["steps"][0]["expr"], "d(inv(A))");
/// assert_eq!(v["steps"].as_array().unwrap().last().unwrap()["expr"], "-C * dot(A) * C");
/// assert!(matdiff::json::to_json_with_steps(&d, "C = inv(A)", None).get("steps").is_none());
/// ```
pub fn to_json_with_steps(
    derivation: &Derivation,
    input: &str,
    steps: Option<&[StepLine]>,
) -> Value {
    let mut value = to_json(derivation, input);
    if let (Some(steps), Value::Object(map)) = (steps, &mut value) {
        map.insert("steps".to_string(), steps_to_json(steps));
    }
    value
}

/// The steps as a JSON array.
fn steps_to_json(steps: &[StepLine]) -> Value {
    Value::Array(
        steps
            .iter()
            .map(|step| {
                json!({
                    "lhs": render(&step.lhs, Notation::Plain),
                    "expr": step.rhs.render(Notation::Plain),
                    "rule": step.rule,
                    "unicode": step.equation(Notation::Unicode),
                    "latex": step.equation(Notation::Latex),
                })
            })
            .collect(),
    )
}
