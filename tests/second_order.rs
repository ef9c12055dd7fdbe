//! Second order and structure (`tests/data/second-order.jsonl`): Hessians,
//! Hessian-vector products and gradients with respect to symmetric
//! matrices. Every result is checked numerically (the Hessian against
//! differences of the gradient), compared with the case's best-known
//! formula, and required to cost no more flops than it.

use matdiff::ast::{Name, Shape};
#[path = "common/expected.rs"]
mod expected;
use expected::{record_cost, same_value};
use matdiff::check::{check, Sample};
use matdiff::derive::{derive, Line, Mode, Options};
use matdiff::eval::{Matrix, Values};
use matdiff::print::Notation;
use matdiff::shape::{analyze_source, Model};
use rand::SeedableRng;

#[path = "common/cases.rs"]
mod cases;
use cases::Case;

fn cases() -> Vec<Case> {
    cases::load_matching("second-order")
}

/// The mode a case is derived in: a Hessian, or else a gradient.
fn mode(case: &Case) -> Mode {
    match case.mode.as_str() {
        "hessian" => Mode::Hessian,
        _ => Mode::Grad,
    }
}

/// The key a line answers to in the data: `hess(x)`, `dot(bar(X))`, or the
/// input's name for a gradient.
fn key(mode: Mode, line: &Line) -> String {
    match mode {
        Mode::Grad => line.lhs.unmark().to_string(),
        _ => line.lhs_text(Notation::Plain),
    }
}

/// The value of `text` as a line of the given shape, and its flops.
fn value(
    model: &Model,
    sample: &Sample,
    seeds: &Values,
    text: &str,
    shape: &Shape,
) -> Result<(Matrix, f64), String> {
    let expr = matdiff::parse::parse_expr(text).map_err(|e| e.render(text))?;
    // A literal 0 stands for the zero of any shape.
    let expected_shape = (!expr.is_zero()).then_some(shape);
    let expr = model
        .elaborate(&expr, expected_shape)
        .map_err(|e| e.render(text))?;
    let flops = matdiff::cost::flops(&expr, &model.env);
    let v = sample.eval(&expr, seeds).map_err(|e| e.message)?;
    let size = |d| sample.size(d);
    let v = if expr.is_zero() {
        Matrix::zeros(size(&shape.rows), size(&shape.cols))
    } else {
        v
    };
    Ok((v, flops))
}

fn run(case: &Case) -> Result<(), String> {
    let model = analyze_source(&case.program).map_err(|e| e.render(&case.program))?;
    let mode = mode(case);
    let options = Options {
        wrt: Some(case.wrt_list()),
        ..Default::default()
    };
    let derivation = derive(&model, mode, &options).map_err(|e| e.render(&case.program))?;
    let report = check(&model, Some(&case.wrt_list()), 1).map_err(|e| e.render(&case.program))?;
    if !report.passed() {
        return Err(format!("numerical check failed:\n{report}"));
    }
    if mode == Mode::Hessian
        && !report
            .comparisons
            .iter()
            .any(|c| c.what.contains("differences of the gradient"))
    {
        return Err(format!("the Hessian was not checked:\n{report}"));
    }
    let sample = Sample::draw(&model, 11).map_err(|e| e.message)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut seeds: Values = model
        .inputs
        .iter()
        .map(|x| (x.dot(), sample.random_like(&model, x, &mut rng)))
        .collect();
    // The temporaries (`t1 = …`) are read and evaluated first, as printed;
    // the results use them by name, and their flops count once.
    let mut our_flops = 0.0;
    for line in derivation.lines.iter().filter(|l| l.temporary) {
        let shape = line.shape(&derivation.model.env);
        let text = line.rhs_text(Notation::Plain);
        let (v, flops) = value(&derivation.model, &sample, &seeds, &text, &shape)?;
        seeds.insert(line.lhs.clone(), v);
        our_flops += flops;
    }
    let mut their_flops = 0.0;
    for (k, expected) in &case.expected {
        let line = derivation
            .lines
            .iter()
            .find(|l| !l.temporary && key(mode, l) == *k)
            .ok_or_else(|| {
                format!(
                    "no line for {k} in {:?}",
                    derivation
                        .lines
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                )
            })?;
        let shape = line.shape(&derivation.model.env);
        let (ours, flops) = value(
            &derivation.model,
            &sample,
            &seeds,
            &line.rhs_text(Notation::Plain),
            &shape,
        )?;
        our_flops += flops;
        let (theirs, flops) = value(&derivation.model, &sample, &seeds, expected, &shape)?;
        their_flops += flops;
        same_value(line, expected, &ours, &theirs)?;
    }
    record_cost("second-order", &case.id, our_flops, their_flops);
    if our_flops > their_flops * (1.0 + 1e-9) + case.cost_slack {
        return Err(format!(
            "the lines cost {our_flops} flops (temporaries included), the expected formulas {their_flops}"
        ));
    }
    Ok(())
}

#[test]
fn second_order_and_symmetric_cases_are_right_and_no_costlier() {
    let cases = cases();
    let hessians = cases.iter().filter(|c| mode(c) == Mode::Hessian).count();
    let symmetric = cases
        .iter()
        .filter(|c| c.program.contains("symmetric"))
        .count();
    assert!(
        hessians >= 12 && symmetric >= 6,
        "{hessians} Hessian and {symmetric} symmetric cases"
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run(case)
                .err()
                .map(|why| format!("{} ({}):\n{why}", case.id, case.program))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn forward_mode_applies_to_derived_results() {
    // Tangents and adjoints are ordinary names, so a derived result can be
    // differentiated again: the reverse result of C = inv(A), differentiated
    // forward, checks out against its own differences.
    let model = analyze_source("C = inv(A)").unwrap();
    let expand = Options {
        expand: true,
        ..Default::default()
    };
    let reverse = derive(&model, Mode::Reverse, &expand).unwrap();
    let text = format!("G = {}", reverse.lines[0].expr);
    let second = analyze_source(&text).unwrap();
    assert!(second.inputs.contains(&Name::plain("C").bar()), "{text}");
    let forward = derive(&second, Mode::Forward, &Options::default()).unwrap();
    assert!(forward.lines[0]
        .expr
        .mentions(&|n| *n == Name::plain("A").dot()));
    let report = check(&second, None, 3).unwrap();
    assert!(report.passed(), "{report}");
}

/// `hessian --steps`: the gradient step by step, then the gradient
/// differentiated along the direction; the last step is the result.
#[test]
fn hessian_steps_end_on_the_result() {
    for (name, program, wrt) in [
        ("hessian-logdet", "logdet(X)", None),
        (
            "hessian-quadratic-form",
            "x' * A * x",
            Some("x".to_string()),
        ),
    ] {
        let model = analyze_source(program).unwrap();
        let options = Options {
            wrt,
            ..Default::default()
        };
        let derivation = derive(&model, Mode::Hessian, &options).unwrap();
        let steps = matdiff::steps::explain_derivation(&derivation, &options).unwrap();
        let last = steps.last().unwrap();
        assert_eq!(
            last.equation(Notation::Plain),
            derivation.lines.last().unwrap().to_string()
        );
        insta::with_settings!({ snapshot_path => "snapshots/second_order", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, matdiff::steps::render_steps(&steps, Notation::Plain));
        });
    }
}

/// A block with no closed form (here a Hadamard product after `diag(ẋ)`
/// was multiplied on both sides) turns the Hessian into Hessian-vector
/// products; its steps are then the products' alone, with no block's chain
/// and no second tangent of the same gradient left over from the blocks.
#[test]
fn hessian_falling_back_to_products_records_only_their_steps() {
    let model =
        analyze_source("x: vector(n); A: matrix(n, n); f = sum(exp(A * diag(x) * A) * x)").unwrap();
    let options = Options {
        wrt: Some("x".to_string()),
        record_steps: true,
        ..Default::default()
    };
    let derivation = derive(&model, Mode::Hessian, &options).unwrap();
    let results: Vec<&Line> = derivation.lines.iter().filter(|l| !l.temporary).collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].lhs_text(Notation::Plain), "dot(bar(x))");
    let steps = derivation.steps.unwrap();
    let starts: Vec<String> = steps
        .iter()
        .filter(|s| !s.continues)
        .map(|s| matdiff::print::render(&s.lhs, Notation::Plain))
        .collect();
    // Before the temporaries, after which each line is stated once more.
    let derived = starts.iter().take_while(|s| !s.starts_with('t'));
    assert_eq!(
        derived.filter(|s| *s == "dot(bar(x))").count(),
        1,
        "{starts:?}"
    );
    assert!(!starts.iter().any(|s| s.starts_with("hess")), "{starts:?}");
    assert_eq!(steps.last().unwrap().rhs.as_expr(), Some(&results[0].expr));
}
