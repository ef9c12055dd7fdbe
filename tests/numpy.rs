//! `--format numpy`: the generated Python modules run with numpy and agree
//! with matdiff's own evaluator.
//!
//! Every program of the derivation corpus (`tests/data/corpus-*.jsonl`,
//! Hessian cases aside) and a few more that reach the remaining operators is
//! derived forward, reverse and (for a scalar output) grad, each also with
//! `--expand`. Each module gets the inputs of a random [`Sample`], random
//! tangents for every input and a random adjoint of the output, as `check`
//! draws them, and each of its results must match the evaluator's value of
//! the same line to 1e-8 relative. `tests/py/check_numpy.py` runs all of
//! them in one Python process (vectors passed n×1 and again 1-D; it also
//! checks that the module imports only numpy and rejects an unknown or a
//! missing argument).
//!
//! Python with numpy is found as `$MATDIFF_PYTHON`, else `.venv/bin/python`
//! in the repository, else `python3`; without numpy the test fails and says
//! how to install it (`bash .ci/run` does).

mod common;

use matdiff::ast::Name;
use matdiff::check::Sample;
use matdiff::derive::{derive, Mode, Options};
use matdiff::eval::{Matrix, Values};
use matdiff::shape::{analyze_source, Model};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Programs that reach what the corpus does not: scalar transposes and
/// inverses, `diag` both ways, matrix powers, `I` and `ones` of several
/// sizes, fixed sizes, names Python reserves, and a row-vector adjoint.
const EXTRA_PROGRAMS: &[(&str, &str)] = &[
    ("extra-scalar-ops", "alpha: scalar; f = inv(alpha)' * tr(alpha) * det(alpha) + logdet(alpha) * norm(alpha) + diag(alpha) * sum(alpha)"),
    ("extra-diag-both", "d = diag(A); D = diag(x); f = d' * D * d + sum(diag(x'))"),
    ("extra-powers", "C = A^3 + A^-2 + A^1 + A^0"),
    ("extra-logdet-det-norm", "f = logdet(A) + det(B) * norm(A * B) + inner(A, B' * B)"),
    ("extra-identity-ones", "A: matrix(n, m); x: vector(m); C = A' * A + 2 * I; y = A * (x + ones) + A * C * ones; f = sum(y .* y) + tr(C) + sum(ones' * A)"),
    ("extra-fixed", "A: matrix(3, 2); x: vector(2); y = A * x; z = y .* y; f = ones' * z"),
    ("extra-reserved-names", "lambda, is: scalar; numpy = arrays .* (lambda * is); f = sum(numpy)"),
    ("extra-row-output", "r = x' * A"),
    ("extra-elementwise", "y = exp(x) .* sin(x) ./ (cos(x) .^ 2 + ones) + sqrt(x .* x + ones) - log(x .^ 2 + ones) .^ (1/3); f = tanh(y' * y)"),
    ("extra-solve-right", "C = B * inv(A) + B * inv(A)' + inv(A') * B'"),
    ("extra-shared", "f = sum(exp(A * x)) * sum(exp(A * x)) + norm(exp(A * x))"),
    ("extra-greek", "σ, β: scalar; y = σ * x + β * x; f = y' * y"),
];

struct Program {
    id: String,
    text: String,
    wrt: Option<String>,
}

fn corpus_programs() -> Vec<Program> {
    let mut out = Vec::new();
    for file in ["corpus-public.jsonl", "corpus-extra.jsonl"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            if v["mode"] == "hessian" {
                continue;
            }
            let wrt: Vec<&str> = v["wrt"]
                .as_array()
                .expect("wrt is a list")
                .iter()
                .map(|w| w.as_str().expect("wrt names are strings"))
                .collect();
            out.push(Program {
                id: v["id"].as_str().expect("an id").to_string(),
                text: v["program"].as_str().expect("a program").to_string(),
                wrt: Some(wrt.join(",")),
            });
        }
    }
    out
}

fn to_json(m: &Matrix, scalar: bool) -> Value {
    if scalar {
        return json!(m[(0, 0)]);
    }
    let rows: Vec<Vec<f64>> = (0..m.nrows())
        .map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect())
        .collect();
    json!(rows)
}

/// The argument key of a name, as SPEC §2 spells it: `A`, `dot_A`, `bar_C`.
fn key(name: &Name) -> String {
    let marks: String = name
        .marks
        .iter()
        .rev()
        .map(|m| match m {
            matdiff::ast::Mark::Dot => "dot_",
            matdiff::ast::Mark::Bar => "bar_",
        })
        .collect();
    format!("{marks}{}", name.base)
}

/// The case for one derivation: the module, its arguments, and the
/// evaluator's value of every line at them.
fn case(id: &str, model: &Model, mode: Mode, options: &Options) -> Result<Value, String> {
    let derivation = derive(model, mode, options).map_err(|e| e.message)?;
    let source = matdiff::numpy::to_numpy(&derivation);
    let sample = Sample::draw(model, 11).map_err(|e| e.message)?;
    let mut rng = StdRng::seed_from_u64(5);
    let mut seeds = Values::new();
    for input in &model.inputs {
        seeds.insert(input.dot(), sample.random_like(model, input, &mut rng));
    }
    let output = Name::plain(&model.output().name);
    seeds.insert(output.bar(), sample.random_like(model, &output, &mut rng));

    let mut arguments = serde_json::Map::new();
    for input in &model.inputs {
        let scalar = model.env.name_shape(input).is_scalar();
        arguments.insert(key(input), to_json(&sample.values[input], scalar));
    }
    for (name, value) in &seeds {
        let scalar = model.env.name_shape(name).is_scalar();
        arguments.insert(key(name), to_json(value, scalar));
    }

    // Lines in order, each seeing those before it; a printed 0 takes its
    // left side's shape, as `check` has it.
    let mut values = seeds.clone();
    let mut expected = serde_json::Map::new();
    for line in &derivation.lines {
        // The derivation's model knows its temporaries (`t1 = …`).
        let shape = derivation.model.env.name_shape(&line.lhs);
        let value = if line.expr.is_zero() {
            Matrix::zeros(sample.size(&shape.rows), sample.size(&shape.cols))
        } else {
            sample.eval(&line.expr, &values).map_err(|e| e.message)?
        };
        // A temporary is computed, not returned.
        if !line.temporary {
            expected.insert(line.lhs.to_string(), to_json(&value, shape.is_scalar()));
        }
        values.insert(line.lhs.clone(), value);
    }
    Ok(json!({
        "id": id,
        "source": source,
        "arguments": arguments,
        "input": key(&model.inputs[0]),
        "expected": expected,
    }))
}

fn all_cases() -> Vec<Value> {
    let mut programs = corpus_programs();
    programs.extend(EXTRA_PROGRAMS.iter().map(|(id, text)| Program {
        id: id.to_string(),
        text: text.to_string(),
        wrt: None,
    }));
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for program in &programs {
        let model = analyze_source(&program.text)
            .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
        let scalar_output = model.env.shape(&model.output().expr).is_scalar();
        for mode in [Mode::Forward, Mode::Reverse, Mode::Grad] {
            if mode == Mode::Grad && !scalar_output {
                continue;
            }
            for expand in [false, true] {
                let options = Options {
                    wrt: program.wrt.clone(),
                    expand,
                    ..Options::default()
                };
                let id = format!(
                    "{} {}{}",
                    program.id,
                    mode.name(),
                    if expand { " --expand" } else { "" }
                );
                match case(&id, &model, mode, &options) {
                    Ok(case) => cases.push(case),
                    Err(why) => problems.push(format!("{id} ({}): {why}", program.text)),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    cases
}

/// A Python that imports numpy, or a message saying how to get one.
fn python() -> Result<PathBuf, String> {
    let has_numpy = |python: &Path| {
        Command::new(python)
            .args(["-c", "import numpy"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let how = "install it with `python3 -m venv .venv && .venv/bin/pip install -r tests/py/requirements.txt` \
               in the repository (`bash .ci/run` does this), or point MATDIFF_PYTHON at a Python with numpy";
    if let Some(python) = std::env::var_os("MATDIFF_PYTHON") {
        let python = PathBuf::from(python);
        return if has_numpy(&python) {
            Ok(python)
        } else {
            Err(format!(
                "MATDIFF_PYTHON={} cannot import numpy: {how}",
                python.display()
            ))
        };
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    [venv, PathBuf::from("python3")]
        .into_iter()
        .find(|p| has_numpy(p))
        .ok_or_else(|| format!("no Python with numpy (tried .venv/bin/python and python3): {how}"))
}

#[test]
fn generated_numpy_agrees_with_the_evaluator() {
    let Some(python) = common::tool_or_skip("NumPy", python()) else {
        return;
    };
    let cases = all_cases();
    assert!(cases.len() >= 250, "only {} cases", cases.len());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/check_numpy.py");
    let report = common::run_json_tool(&python, &script, &Value::from(cases.clone()));
    assert_eq!(report["ran"], cases.len(), "the driver ran every case");
    let failures = report["failures"].as_array().expect("a failure list");
    let text: Vec<String> = failures
        .iter()
        .map(|f| format!("{}: {}", f["id"], f["error"].as_str().unwrap_or_default()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} problems in {} generated modules:\n\n{}",
        failures.len(),
        cases.len(),
        text.join("\n\n")
    );
}
