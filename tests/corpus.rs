//! The derivation corpus (`tests/data/corpus-*.jsonl`): every grad, forward
//! and reverse case is derived, checked numerically (central differences and
//! the adjoint identity, at distinct sizes), compared numerically with the
//! case's best-known formula, and required to cost no more flops than it.

use matdiff::ast::Name;
use matdiff::check::{check, Sample};
use matdiff::derive::{derive, Mode, Options};
use matdiff::eval::{Matrix, Values};
use matdiff::print::Notation;
use matdiff::shape::{analyze_source, Model};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "common/expected.rs"]
mod expected;
use expected::record_cost;

#[path = "common/cases.rs"]
mod cases;
use cases::{load_matching, Case};

fn all_cases() -> Vec<Case> {
    let cases = load_matching("corpus-");
    for case in &cases {
        assert!(
            !case.mode.is_empty(),
            "{}: a corpus case names its mode",
            case.id
        );
    }
    cases
}

fn mode_of(name: &str) -> Option<Mode> {
    match name {
        "forward" => Some(Mode::Forward),
        "reverse" => Some(Mode::Reverse),
        "grad" => Some(Mode::Grad),
        // Hessians are the second-order issue's; they have their own test.
        _ => None,
    }
}

/// The printed left-hand side an expected key stands for.
fn lhs_of(mode: Mode, key: &str) -> String {
    match mode {
        Mode::Grad => format!("bar({key})"),
        _ => key.to_string(),
    }
}

/// Evaluates `lines` in order at `sample`, each seeing those before it, and
/// their flops counted together (shared subexpressions once).
fn evaluate(
    model: &Model,
    sample: &Sample,
    seeds: &Values,
    lines: &[(Name, String)],
) -> Result<(Vec<(Name, Matrix)>, f64), String> {
    let mut values = seeds.clone();
    let mut out = Vec::new();
    let mut exprs = Vec::new();
    for (lhs, text) in lines {
        let expr = matdiff::parse::parse_expr(text)
            .map_err(|e| format!("{lhs} = {text}: {}", e.render(text)))?;
        let shape = model.env.name_shape(lhs);
        // A line that is `0` is the zero of its left side's shape (SPEC §1).
        if expr.is_zero() {
            let zero = Matrix::zeros(sample.size(&shape.rows), sample.size(&shape.cols));
            values.insert(lhs.clone(), zero.clone());
            out.push((lhs.clone(), zero));
            continue;
        }
        let expr = model
            .elaborate(&expr, Some(&shape))
            .map_err(|e| format!("{lhs} = {text}: {}", e.render(text)))?;
        let value = sample.eval(&expr, &values).map_err(|e| e.message)?;
        values.insert(lhs.clone(), value.clone());
        out.push((lhs.clone(), value));
        exprs.push(expr);
    }
    let flops = matdiff::cost::flops_all(&exprs.iter().collect::<Vec<_>>(), &model.env);
    Ok((out, flops))
}

fn run_case(case: &Case, mode: Mode) -> Result<(), String> {
    let model = analyze_source(&case.program).map_err(|e| e.render(&case.program))?;
    let wrt = case.wrt_list();
    let options = Options {
        wrt: Some(wrt.clone()),
        expand: false,
        ..Default::default()
    };
    let derivation = derive(&model, mode, &options).map_err(|e| e.render(&case.program))?;

    let report = check(&model, Some(&wrt), 1).map_err(|e| e.render(&case.program))?;
    if !report.passed() {
        return Err(format!("numerical check failed:\n{report}"));
    }

    // Our lines and the expected ones, evaluated at the same random point
    // with the same random tangents and output adjoint.
    let sample = Sample::draw(&model, 11).map_err(|e| e.message)?;
    let mut rng = StdRng::seed_from_u64(5);
    let mut seeds = Values::new();
    for input in &model.inputs {
        seeds.insert(input.dot(), sample.random_like(&model, input, &mut rng));
    }
    let output = Name::plain(&model.output().name);
    seeds.insert(output.bar(), sample.random_like(&model, &output, &mut rng));
    let temporaries: Vec<&Name> = derivation
        .lines
        .iter()
        .filter(|l| l.temporary)
        .map(|l| &l.lhs)
        .collect();
    let ours: Vec<(Name, String)> = derivation
        .lines
        .iter()
        // As printed, sizes written where the line needs them (`kron(I(2), …)`).
        .map(|l| (l.lhs.clone(), l.rhs_text(Notation::Plain)))
        .collect();
    let mut theirs = Vec::new();
    for (lhs, _) in &ours {
        if let Some((_, e)) = case
            .expected
            .iter()
            .find(|(k, _)| lhs_of(mode, k) == lhs.to_string())
        {
            theirs.push((lhs.clone(), e.clone()));
        }
    }
    for (key, _) in &case.expected {
        if !ours.iter().any(|(l, _)| l.to_string() == lhs_of(mode, key)) {
            return Err(format!("expected a line for {key}, got {ours:?}"));
        }
    }
    // Temporaries (`t1 = …`) are evaluated and costed with the results
    // that use them, as printed.
    let compared: Vec<(Name, String)> = ours
        .iter()
        .filter(|(l, _)| temporaries.contains(&l) || theirs.iter().any(|(t, _)| t == l))
        .cloned()
        .collect();
    let (ours_values, our_flops) = evaluate(&derivation.model, &sample, &seeds, &compared)?;
    let (theirs_values, their_flops) = evaluate(&derivation.model, &sample, &seeds, &theirs)?;
    record_cost("first-order", &case.id, our_flops, their_flops);
    if our_flops > their_flops * (1.0 + 1e-9) {
        return Err(format!(
            "costlier than the expected formula: {our_flops} flops against {their_flops}\n  ours: {compared:?}\n  expected: {theirs:?}"
        ));
    }
    for (lhs, expected) in &theirs_values {
        let (_, got) = ours_values
            .iter()
            .find(|(l, _)| l == lhs)
            .expect("same lines");
        let scale = expected.norm().max(got.norm()).max(1e-12);
        let error = if got.shape() == expected.shape() {
            (got - expected).norm() / scale
        } else {
            f64::INFINITY
        };
        if error > 1e-8 {
            let text = ours
                .iter()
                .find(|(l, _)| l == lhs)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            return Err(format!(
                "{lhs} = {text} differs from the expected formula (relative error {error:.2e})"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_first_order_case_is_numerically_correct_and_no_costlier() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in all_cases() {
        let Some(mode) = mode_of(&case.mode) else {
            continue;
        };
        ran += 1;
        if let Err(why) = run_case(&case, mode) {
            failures.push(format!(
                "{} ({}: {}):\n{why}",
                case.id, case.mode, case.program
            ));
        }
    }
    assert!(ran >= 80, "only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
