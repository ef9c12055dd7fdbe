//! `--steps`: the derivation behind the results, one rewrite a line.
//!
//! A case is one file in `tests/data/steps`, `<name>.txt`, holding a
//! program. Comment lines at the top set the command (`# mode: forward`,
//! `reverse` or `grad`), `# wrt: X` and `# expand: true`; the whole file is
//! passed to `matdiff` unchanged. The cases are the seed exercise, identities
//! of the Matrix Cookbook, and programs that reach the other paths (several
//! assignments, `--expand`, symmetric and element-wise inputs, powers).
//!
//! For each case:
//!
//! - `matdiff <mode> --steps [--wrt W] [--expand] -- <text>` prints the steps
//!   and the results, compared with `tests/snapshots/steps/<name>.snap`;
//! - the last step of every result's chain is that result, as
//!   [`derive`] gives it, and no step falls back to the result unexplained;
//! - every step is a true equation: at a random point (random inputs, their
//!   tangents, the output's adjoint; grad takes `bar(f) = 1`) every
//!   right-hand side of a chain evaluates to the same matrix as the others
//!   and as its left side, where that is known.
//!
//! Every case runs even when an earlier one fails. Review changed steps with
//! `INSTA_UPDATE=always cargo test --test steps` and `git diff`.

mod common;

use matdiff::ast::{Expr, ExprKind, Name};
use matdiff::check::Sample;
use matdiff::derive::{derive, Line, Mode, Options};
use matdiff::eval::{Matrix, Values};
use matdiff::print::Notation;
use matdiff::shape::Model;
use matdiff::steps::{explain_derivation, StepLine};
use rand::SeedableRng;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One program and how to derive it.
struct Case {
    /// The file name without `.txt`; also the snapshot's name.
    name: String,
    mode: Mode,
    wrt: Option<String>,
    expand: bool,
    /// The program, header lines included.
    text: String,
}

impl Case {
    fn from_file(path: &Path) -> Case {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("case names are UTF-8")
            .to_string();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let (mut mode, mut wrt, mut expand) = (Mode::Forward, None, false);
        for (key, value) in common::header(&text) {
            let value = value.as_str();
            match key.as_str() {
                "mode" => {
                    mode = match value {
                        "forward" => Mode::Forward,
                        "reverse" => Mode::Reverse,
                        "grad" => Mode::Grad,
                        other => panic!("{name}: unknown mode `{other}`"),
                    }
                }
                "wrt" => wrt = Some(value.to_string()),
                "expand" => expand = value == "true",
                _ => {}
            }
        }
        Case {
            name,
            mode,
            wrt,
            expand,
            text,
        }
    }

    fn options(&self) -> Options {
        Options {
            wrt: self.wrt.clone(),
            expand: self.expand,
            ..Options::default()
        }
    }

    /// The arguments after `matdiff`, the program last.
    fn args(&self) -> Vec<String> {
        let mut args = vec![self.mode.name().to_string(), "--steps".to_string()];
        if let Some(wrt) = &self.wrt {
            args.extend(["--wrt".to_string(), wrt.clone()]);
        }
        if self.expand {
            args.push("--expand".to_string());
        }
        args.extend(["--".to_string(), self.text.clone()]);
        args
    }

    /// The command line, for messages and snapshot headers.
    fn command_line(&self) -> String {
        let args = self.args();
        format!(
            "matdiff {} <{}>",
            args[..args.len() - 1].join(" "),
            self.name
        )
    }
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/steps")
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/steps")
}

fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("tests/data/steps exists")
        .map(|entry| entry.expect("the directory lists").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::from_file(p)).collect()
}

/// Runs every case through `check`, reporting all failures together.
fn for_every_case(check: impl Fn(&Case) -> Result<(), String>) {
    let mut failures = Vec::new();
    for case in cases() {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| check(&case)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", case.command_line())),
            Err(_) => failures.push(format!("{}: panicked (see above)", case.command_line())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The case's derivation and its steps, through the library.
fn explained(case: &Case) -> Result<(matdiff::derive::Derivation, Vec<StepLine>), String> {
    let model = matdiff::shape::analyze_source(&case.text).map_err(|e| e.message)?;
    let options = case.options();
    let derivation = derive(&model, case.mode, &options).map_err(|e| e.message)?;
    let steps = explain_derivation(&derivation, &options).map_err(|e| e.message)?;
    Ok((derivation, steps))
}

#[test]
fn there_are_enough_cases_and_every_snapshot_has_one() {
    let cases = cases();
    let cookbook = cases
        .iter()
        .filter(|c| c.text.starts_with("# Matrix Cookbook"))
        .count();
    assert!(cookbook >= 15, "only {cookbook} Matrix Cookbook identities");
    for seed in ["seed-forward", "seed-reverse"] {
        assert!(cases.iter().any(|c| c.name == seed), "no case `{seed}`");
    }
    if let Ok(entries) = std::fs::read_dir(snapshot_dir()) {
        for entry in entries {
            let path = entry.expect("the directory lists").path();
            let file = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
            let stem = file.strip_suffix(".snap").unwrap_or(file);
            assert!(
                file.ends_with(".snap") && cases.iter().any(|c| c.name == stem),
                "{} belongs to no case: delete it, or review the pending snapshot",
                path.display()
            );
        }
    }
}

#[test]
fn steps_match_their_snapshots() {
    for_every_case(|case| {
        let out = Command::new(env!("CARGO_BIN_EXE_matdiff"))
            .args(case.args())
            .output()
            .map_err(|e| format!("cannot run matdiff: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if out.status.code() != Some(0) {
            return Err(format!(
                "exit status {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/steps");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(case.command_line());
        settings.set_input_file(data_dir().join(format!("{}.txt", case.name)));
        settings.bind(|| insta::assert_snapshot!(case.name.as_str(), stdout.as_str()));
        Ok(())
    });
}

#[test]
fn every_result_is_the_last_step_of_its_chain() {
    for_every_case(|case| {
        let (derivation, steps) = explained(case)?;
        for line in &derivation.lines {
            let lhs = Expr::name(line.lhs.clone());
            let last = steps
                .iter()
                .rev()
                .find(|s| s.lhs == lhs)
                .ok_or_else(|| format!("no step derives {}", line.lhs))?;
            if last.rhs.as_expr() != Some(&line.expr) {
                return Err(format!(
                    "the steps end on `{}`, the result is `{line}`",
                    last.equation(Notation::Plain)
                ));
            }
            if last.equation(Notation::Plain) != line.to_string() {
                return Err(format!(
                    "`{}` prints unlike `{line}`",
                    last.equation(Notation::Plain)
                ));
            }
        }
        let final_line = derivation.lines.last().expect("a derivation has lines");
        let final_step = steps.last().expect("there are steps");
        if final_step.equation(Notation::Plain) != final_line.to_string() {
            return Err(format!(
                "the last step is `{}`, the last result `{final_line}`",
                final_step.equation(Notation::Plain)
            ));
        }
        Ok(())
    });
}

/// Values at a random point for every name a step may mention: inputs and
/// intermediates, the tangents of the inputs differentiated (random) and of
/// the intermediates, the output's adjoint (1 for grad, else random) and
/// the intermediates' adjoints.
fn point(model: &Model, mode: Mode, options: &Options) -> Result<(Sample, Values), String> {
    let sample = Sample::draw(model, 1).map_err(|e| e.message)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let options = Options {
        expand: false,
        ..options.clone()
    };
    let wrt: Vec<Name> = match &options.wrt {
        None => model.inputs.clone(),
        Some(w) => w.split(',').map(|n| Name::plain(n.trim())).collect(),
    };
    let mut values = Values::new();
    for input in &wrt {
        values.insert(input.dot(), sample.random_like(model, input, &mut rng));
    }
    // A result `0` stands for the zero matrix of its left side's shape.
    let value = |line: &Line, values: &Values| -> Result<Matrix, String> {
        if line.expr.is_zero() {
            let shape = model.env.name_shape(&line.lhs);
            return Ok(Matrix::zeros(
                sample.size(&shape.rows),
                sample.size(&shape.cols),
            ));
        }
        sample.eval(&line.expr, values).map_err(|e| e.message)
    };
    let forward = derive(model, Mode::Forward, &options).map_err(|e| e.message)?;
    for line in &forward.lines {
        let v = value(line, &values)?;
        values.insert(line.lhs.clone(), v);
    }
    let output = Name::plain(&model.output().name);
    // A Hessian's steps begin with its gradient's, which takes f̄ = 1.
    let seed = if matches!(mode, Mode::Grad | Mode::Hessian) {
        Matrix::from_element(1, 1, 1.0)
    } else {
        sample.random_like(model, &output.bar(), &mut rng)
    };
    values.insert(output.bar(), seed);
    let reverse = derive(model, Mode::Reverse, &options).map_err(|e| e.message)?;
    for line in &reverse.lines {
        if model.is_assigned(&line.lhs.base) {
            let v = value(line, &values)?;
            values.insert(line.lhs.clone(), v);
        }
    }
    Ok((sample, values))
}

/// Checks at a random point that every step of a chain has the value of
/// the chain's left side (or, where the point does not know it, of the
/// chain's first right side).
fn steps_are_true(
    model: &Model,
    mode: Mode,
    options: &Options,
    steps: &[StepLine],
) -> Result<(), String> {
    let (sample, mut values) = point(model, mode, options)?;
    let mut reference: Option<(Matrix, String)> = None;
    for step in steps {
        if !step.continues {
            reference = sample
                .eval(&step.lhs, &values)
                .ok()
                .map(|v| (v, step.lhs.to_string()));
        }
        let Some(rhs) = step.rhs.as_expr() else {
            continue;
        };
        // A temporary (`t1 = …`) has no value but its definition, which
        // the steps after it use.
        let temporary = match &step.lhs.kind {
            ExprKind::Var(name) if reference.is_none() && name.is_plain() => Some(name),
            _ => None,
        };
        if let Some(name) = temporary {
            let value = sample
                .eval(rhs, &values)
                .map_err(|e| format!("`{}`: {}", step.equation(Notation::Plain), e.message))?;
            values.insert(name.clone(), value.clone());
            reference = Some((value, rhs.to_string()));
            continue;
        }
        let value = match &reference {
            Some((expected, _)) if rhs.is_zero() => {
                Matrix::zeros(expected.nrows(), expected.ncols())
            }
            _ => sample
                .eval(rhs, &values)
                .map_err(|e| format!("`{}`: {}", step.equation(Notation::Plain), e.message))?,
        };
        let Some((expected, what)) = &reference else {
            reference = Some((value, rhs.to_string()));
            continue;
        };
        if value.shape() != expected.shape() {
            return Err(format!(
                "`{}` [{}] is {:?}, `{what}` is {:?}",
                step.equation(Notation::Plain),
                step.rule,
                value.shape(),
                expected.shape()
            ));
        }
        let error = (&value - expected).norm() / expected.norm().max(1.0);
        if error > 1e-8 {
            return Err(format!(
                "`{}` [{}] differs from `{what}` by {error:.2e}",
                step.equation(Notation::Plain),
                step.rule
            ));
        }
    }
    Ok(())
}

#[test]
fn every_step_is_a_true_equation() {
    for_every_case(|case| {
        let (derivation, steps) = explained(case)?;
        steps_are_true(&derivation.model, case.mode, &case.options(), &steps)
    });
}

/// The programs of the derivation corpus (`tests/data/corpus-*.jsonl`), in
/// every mode, with and without `--expand`: the steps are true equations
/// and end on the results.
#[test]
fn steps_of_the_corpus_programs_are_true() {
    let mut programs: Vec<String> = Vec::new();
    for file in ["corpus-public.jsonl", "corpus-extra.jsonl"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: serde_json::Value =
                serde_json::from_str(line).expect("corpus lines are JSON");
            if let Some(program) = case["program"].as_str() {
                if !programs.iter().any(|p| p == program) {
                    programs.push(program.to_string());
                }
            }
        }
    }
    assert!(
        programs.len() >= 20,
        "only {} corpus programs",
        programs.len()
    );
    let mut failures = Vec::new();
    for program in &programs {
        let model = matdiff::shape::analyze_source(program).expect("corpus programs are valid");
        for mode in [Mode::Forward, Mode::Reverse, Mode::Grad] {
            for expand in [false, true] {
                let options = Options {
                    expand,
                    ..Options::default()
                };
                // Grad of a non-scalar program is an error, not a derivation.
                let Ok(derivation) = derive(&model, mode, &options) else {
                    continue;
                };
                let outcome = explain_derivation(&derivation, &options)
                    .map_err(|e| e.message)
                    .and_then(|steps| steps_are_true(&model, mode, &options, &steps));
                if let Err(e) = outcome {
                    failures.push(format!(
                        "{} (expand: {expand}) `{program}`: {e}",
                        mode.name()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn matdiff(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.code(),
    )
}

#[test]
fn seed_steps_read_like_the_solution() {
    let (forward, _, code) = matdiff(&["forward", "--steps", "C = inv(A)"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = forward.lines().collect();
    assert!(lines[0].starts_with("dot(C) = d(inv(A))"), "{forward}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("derivative of the inverse")),
        "{forward}"
    );
    assert!(
        forward.ends_with("\n\ndot(C) = -C * dot(A) * C\n"),
        "{forward}"
    );
    let (reverse, _, _) = matdiff(&["reverse", "--steps", "C = inv(A)"]);
    assert!(
        reverse.contains("inner(bar(C), dot(C)) = tr(bar(C)' * dot(C))"),
        "{reverse}"
    );
    assert_eq!(reverse.matches("cyclic trace").count(), 2, "{reverse}");
    assert!(
        reverse.ends_with("\n\nbar(A) = -C' * bar(C) * C'\n"),
        "{reverse}"
    );
}

#[test]
fn json_carries_the_steps_only_when_asked() {
    let (out, err, code) = matdiff(&["reverse", "--format", "json", "--steps", "C = inv(A)"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let steps = v["steps"].as_array().expect("a steps array");
    assert!(steps.len() >= 5, "{out}");
    for step in steps {
        for key in ["lhs", "expr", "rule", "unicode", "latex"] {
            assert!(step[key].is_string(), "{key} missing in {step}");
        }
    }
    let last = steps.last().unwrap();
    assert_eq!(last["lhs"], "bar(A)");
    assert_eq!(last["expr"], v["results"][0]["expr"]);
    assert_eq!(steps[0]["lhs"], "dot(C)");
    assert_eq!(steps[0]["expr"], "d(inv(A))");
    let (out, _, _) = matdiff(&["reverse", "--format", "json", "C = inv(A)"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(v.get("steps").is_none(), "{out}");
}

#[test]
fn latex_steps_are_one_aligned_block() {
    let (out, err, code) = matdiff(&["forward", "--format", "latex", "--steps", "C = inv(A)"]);
    assert_eq!(code, Some(0), "{err}");
    let (block, results) = out
        .split_once("\n\n")
        .expect("steps, a blank line, results");
    assert!(block.starts_with("\\begin{aligned}\n"), "{block}");
    assert!(block.ends_with("\n\\end{aligned}"), "{block}");
    assert!(!out.contains('$'), "{out}");
    let rows: Vec<&str> = block.lines().collect();
    assert_eq!(rows[1], "\\dot{C} &= \\mathrm{d}\\left(A^{-1}\\right) && \\text{differentiate both sides of C = A⁻¹} \\\\");
    assert!(
        rows[rows.len() - 2].starts_with("&= -C \\dot{A} C && "),
        "{block}"
    );
    assert!(!rows[rows.len() - 2].ends_with("\\\\"), "{block}");
    assert_eq!(results.trim_end(), "\\dot{C} = -C \\dot{A} C");
}

#[test]
fn unicode_steps_use_the_unicode_notation() {
    let (out, _, code) = matdiff(&["reverse", "--format", "unicode", "--steps", "C = inv(A)"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("⟨C\u{304}, C\u{307}⟩ = tr(C\u{304}ᵀ C\u{307})"),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with("A\u{304} = −Cᵀ C\u{304} Cᵀ"),
        "{out}"
    );
}

#[test]
fn without_steps_the_output_is_unchanged() {
    let (out, _, _) = matdiff(&["forward", "C = inv(A)"]);
    assert_eq!(out, "dot(C) = -C * dot(A) * C\n");
}

/// Checks that each Hessian block read off a gradient's tangent ġ (the
/// chain just above it) is the matrix with ġ = H ẏ, at a random point.
fn blocks_are_read_off_truly(
    model: &Model,
    options: &Options,
    steps: &[StepLine],
) -> Result<(), String> {
    let (sample, values) = point(model, Mode::Hessian, options)?;
    let mut tangent: Option<&Expr> = None;
    for (i, step) in steps.iter().enumerate() {
        let lhs = step.lhs.to_string();
        let starts_block = !step.continues && lhs.starts_with("hess(");
        if starts_block && !step.rule.starts_with("the gradient does not depend") {
            let inputs = lhs.trim_start_matches("hess(").trim_end_matches(')');
            let y = inputs.rsplit(", ").next().expect("an input");
            let matrix = step.rhs.as_expr().ok_or("a block is an expression")?;
            let applied = Expr::mul(matrix.clone(), Expr::name(Name::plain(y).dot()));
            let applied = sample.eval(&applied, &values).map_err(|e| e.message)?;
            let expected = tangent.ok_or("a block follows a tangent")?;
            let expected = sample.eval(expected, &values).map_err(|e| e.message)?;
            let error = (&applied - &expected).norm() / expected.norm().max(1.0);
            if error > 1e-8 {
                return Err(format!("`{}` is not read off the tangent above", lhs));
            }
        }
        // The last step of a tangent's chain, `dot(bar(x)) = …`.
        let ends_chain = steps.get(i + 1).is_none_or(|next| !next.continues);
        if ends_chain && lhs.starts_with("dot(bar(") {
            tangent = step.rhs.as_expr();
        }
    }
    Ok(())
}

/// The Hessian cases of `tests/data/second-order.jsonl`: every step is a
/// true equation (a block's chain, whose left side `hess(x, y)` the point
/// cannot evaluate, against its first right side), each block is read off
/// the tangent above it, and the last step is the last line.
#[test]
fn hessian_steps_are_true() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/second-order.jsonl");
    let text = std::fs::read_to_string(path).expect("the second-order cases are there");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
        if case["mode"] != "hessian" {
            continue;
        }
        count += 1;
        let program = case["program"].as_str().expect("a program");
        let wrt: Option<Vec<&str>> = case["wrt"]
            .as_array()
            .map(|w| w.iter().filter_map(|n| n.as_str()).collect());
        let options = Options {
            wrt: wrt.map(|w| w.join(",")),
            record_steps: true,
            ..Options::default()
        };
        let model = matdiff::shape::analyze_source(program).expect("the cases are valid");
        let outcome = derive(&model, Mode::Hessian, &options)
            .map_err(|e| e.message)
            .and_then(|d| {
                let steps = d.steps.clone().unwrap_or_default();
                let last = d.lines.last().expect("a Hessian has lines");
                if steps.last().and_then(|s| s.rhs.as_expr()) != Some(&last.expr) {
                    return Err(format!("the steps do not end on `{last}`"));
                }
                steps_are_true(&model, Mode::Hessian, &options, &steps)?;
                blocks_are_read_off_truly(&model, &options, &steps)
            });
        if let Err(e) = outcome {
            failures.push(format!("`{program}`: {e}"));
        }
    }
    assert!(count >= 10, "only {count} Hessian cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
