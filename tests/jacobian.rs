//! The Jacobian corpus (`tests/data/jacobian.jsonl`): each case's
//! `jac(f, X)` lines derived, printed, read back strictly with the line's
//! own shape, checked column by column against differences (through
//! `check`, which must have compared every line), compared numerically
//! with the case's expected formula, and required to cost no more flops
//! than it (beyond a slack a case states with its reason).

#[path = "common/expected.rs"]
mod expected;
use expected::{agrees_with_expected, record_cost};
use matdiff::check::{check, Sample};
use matdiff::derive::{derive, Line, Mode, Options};
use matdiff::eval::Matrix;
use matdiff::print::Notation;
use matdiff::shape::{analyze_source, Model};

#[path = "common/cases.rs"]
mod cases;
use cases::Case;

fn cases() -> Vec<Case> {
    let cases = cases::load_matching("jacobian");
    for case in &cases {
        if case.raw.get("cost_slack").is_some() {
            assert!(
                case.raw["why_slack"].is_string(),
                "{}: a slack needs its reason",
                case.raw
            );
        }
    }
    cases
}

/// `text` read in the program's context as a value of the line's shape,
/// strictly (as `check` reads printed lines), evaluated at `sample`; with
/// its flops. A `0` is the zero of that shape.
fn value(model: &Model, sample: &Sample, line: &Line, text: &str) -> Result<(Matrix, f64), String> {
    let shape = line.shape(&model.env);
    let parsed = matdiff::parse::parse_expr(text).map_err(|e| e.render(text))?;
    if parsed.is_zero() {
        let zero = Matrix::zeros(sample.size(&shape.rows), sample.size(&shape.cols));
        return Ok((zero, 0.0));
    }
    let expr = model.read(&parsed, &shape).map_err(|e| {
        format!(
            "`{text}` does not read as {}: {}",
            shape.describe(),
            e.render(text)
        )
    })?;
    let v = sample
        .eval(&expr, &Default::default())
        .map_err(|e| e.message)?;
    Ok((v, matdiff::cost::flops(&expr, &model.env)))
}

fn run(case: &Case) -> Result<(), String> {
    let model = analyze_source(&case.program).map_err(|e| e.render(&case.program))?;
    let options = Options {
        wrt: Some(case.wrt_list()),
        ..Default::default()
    };
    let derivation =
        derive(&model, Mode::Jacobian, &options).map_err(|e| e.render(&case.program))?;
    let report = check(&model, Some(&case.wrt_list()), 1).map_err(|e| e.render(&case.program))?;
    if !report.passed() {
        return Err(format!("numerical check failed:\n{report}"));
    }
    for line in &derivation.lines {
        let lhs = line.lhs_text(Notation::Plain);
        let compared = format!("{lhs} against differences, column by column");
        if !report.comparisons.iter().any(|c| c.what == compared) {
            return Err(format!("{lhs} was not checked:\n{report}"));
        }
    }
    let sample = Sample::draw(&model, 11).map_err(|e| e.message)?;
    for (lhs, expected) in &case.expected {
        let line = derivation
            .lines
            .iter()
            .find(|l| l.lhs_text(Notation::Plain) == *lhs)
            .ok_or_else(|| format!("no line {lhs} in\n{}", lines(&derivation.lines)))?;
        let printed = line.rhs_text(Notation::Plain);
        let (ours, our_flops) = value(&model, &sample, line, &printed)?;
        let (theirs, their_flops) = value(&model, &sample, line, expected)?;
        record_cost(
            "jacobian",
            &format!("{} {lhs}", case.id),
            our_flops,
            their_flops,
        );
        agrees_with_expected(
            line,
            expected,
            (&ours, our_flops),
            (&theirs, their_flops),
            case.cost_slack,
        )?;
    }
    Ok(())
}

fn lines(lines: &[Line]) -> String {
    let text: Vec<String> = lines.iter().map(Line::to_string).collect();
    text.join("\n")
}

#[test]
fn every_jacobian_case_is_right_checked_and_no_costlier() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
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
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// An input the output does not depend on gets `0`, which reads back as
/// the zero of the line's shape: rows(y) × rows(u).
#[test]
fn an_input_the_output_ignores_gets_zero() {
    let program = "z = B * u; y = A * x; w = z";
    let model = analyze_source(program).unwrap();
    let options = Options {
        wrt: Some("x,u".into()),
        ..Default::default()
    };
    let d = derive(&model, Mode::Jacobian, &options).unwrap();
    assert_eq!(lines(&d.lines), "jac(w, x) = 0\njac(w, u) = B");
    let sample = Sample::draw(&model, 3).unwrap();
    let (zero, _) = value(&model, &sample, &d.lines[0], "0").unwrap();
    let x = &model.env.name_shape(&matdiff::ast::Name::plain("x"));
    assert_eq!(
        zero.shape(),
        (
            sample.size(&model.env.shape(&model.output().expr).rows),
            sample.size(&x.rows)
        )
    );
    assert!(check(&model, Some("x,u"), 1).unwrap().passed());
}

#[path = "common/random_programs.rs"]
mod random_programs;

/// Random programs with vector and scalar outputs over vectors x, y and
/// scalars a, b: each Jacobian line, as printed and read back, agrees with
/// differences column by column (through `check`). A Jacobian refused for
/// want of a closed form is counted, and must stay rare.
#[test]
fn random_programs_have_right_jacobians() {
    use rand::SeedableRng;
    let seed = std::env::var("MATDIFF_JACOBIAN_SEED").ok();
    let seed = seed.and_then(|v| v.parse().ok()).unwrap_or(2028);
    let mut programs = random_programs::Programs::new(rand::rngs::StdRng::seed_from_u64(seed));
    let count: usize = std::env::var("MATDIFF_JACOBIAN_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let (mut right, mut refused, mut skipped, mut wrong) = (0, Vec::new(), 0, Vec::new());
    for i in 0..count {
        let (program, wrt) = if i % 4 == 0 {
            programs.program()
        } else {
            programs.program_of(|p| p.vector(3))
        };
        if wrt.is_empty() {
            continue;
        }
        let model = analyze_source(&program).unwrap_or_else(|e| panic!("{}", e.render(&program)));
        let report = match check(&model, Some(&wrt), 1) {
            Ok(report) => report,
            // Not defined at any draw: nothing to compare.
            Err(e) if e.message.starts_with("could not find random inputs") => {
                skipped += 1;
                continue;
            }
            Err(e) => {
                wrong.push(format!("{program} (wrt {wrt}): {}", e.message));
                continue;
            }
        };
        let jacobians: Vec<_> = report
            .comparisons
            .iter()
            .filter(|c| c.what.starts_with("jac("))
            .collect();
        if let Some(failed) = jacobians.iter().find(|c| !c.passed()) {
            wrong.push(format!(
                "{program} (wrt {wrt}): {} {:.2e}",
                failed.what, failed.error
            ));
        } else if jacobians.len() == wrt.split(',').count() {
            right += 1;
        } else {
            refused.push(format!("{program} (wrt {wrt}): {:?}", report.omitted));
        }
    }
    eprintln!(
        "{right} right, {} refused, {skipped} skipped",
        refused.len()
    );
    for r in &refused {
        eprintln!("refused {r}");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(refused.len() * 10 <= count, "{} refused", refused.len());
    assert!(right >= count / 2, "only {right} of {count} compared");
}
