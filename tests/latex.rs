//! The LaTeX printer's output typesets: KaTeX renders every string with
//! `throwOnError` (and `strict: "error"`, so what KaTeX would only warn
//! about fails too).
//!
//! The strings are every result line `lhs = rhs` of every program of the
//! derivation corpus (`tests/data/corpus-*.jsonl`, Hessian cases aside) in
//! forward, reverse and, for a scalar output, grad mode, each also with
//! `--expand`; the corpus's expected formulas; and the `--steps` derivation
//! (one `aligned` block, in display mode) of the seed exercise forward and
//! reverse, of every case in `tests/data/steps`, and of every corpus case in
//! its own mode; and the same for a few programs that reach the printer's
//! other corners. `tests/js/render.js` renders them all in one Node process.
//!
//! Node is `$MATDIFF_NODE`, else `node`; KaTeX is `tests/js/node_modules`
//! (`npm ci` in `tests/js`). Without them the test fails and says how to
//! install them (`bash .ci/run` does).

mod common;

use matdiff::ast::Name;
use matdiff::derive::{derive, Mode, Options};
use matdiff::print::{render, render_name, Notation};
use matdiff::shape::analyze_source;
use matdiff::steps::{explain, render_steps};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Programs that reach the printer's corners the corpus may not: Greek and
/// subscripted names, multi-letter names, rational and negative powers,
/// superscripts on superscripts, signs inside products, every function.
const EXTRA_PROGRAMS: &[&str] = &[
    "lambda_reg * x' * x + alpha2 * norm(W_1 * x)",
    "f = σ * x' * Sigma * x + β_2 * sum(x .^ (1/2))",
    "C = inv(A)^2 + inv(A') + A^-3 + (A')^-1 * A^T",
    "y = (x .^ 2)' * z * x_long_name + xy2 .^ -2",
    "C = -(A * B)^2 * (-A)",
    "C = exp(A)' * B + diag(x)^2 * B + diag(A * B) * x'",
    "f = sum(x ./ y .^ (-1/2)) + 2/3 * x' * y + det(A)^-1 + tr(inv(A) * B)^3 / 7",
    "f = logdet(A) + sqrt(x' * x) + inner(A, B) + sum(ones .* x) + norm(A) + cos(x' * y) * sin(tanh(x' * y))",
    "S: symmetric(n); f = log(x' * S * x) + tr(S * S)",
    // Superscripts on a base that ends in one: `A^{\top}^{-\top}` and
    // `\mathbf{1}^{\top}^{\circ 2}` were printed once.
    "C = inv(A')' + inv(A^2)' + (inv(A)')^2 + (A')' * A",
    "f = x' * (ones' .^ 2)' + (ones' * A) .^ 2 * x",
    // A solve's left side as a superscript base (a product, a transpose, a
    // solve), and ⊗ and ‖·‖₁ beside other operators.
    "C = (A * B) \\ D' + A' \\ (B \\ D) - (A \\ B)' * D",
    "A: matrix(2, 2); B: matrix(3, 3); x: vector(6); f = norm1(kron(A, B)' * x)",
    "A: matrix(2, 3); x: vector(3); f = logsumexp(vec(A)) + x' * softmax(x)",
];

/// One string for KaTeX.
struct Tex {
    id: String,
    tex: String,
    /// A `--steps` block: display mode, and rule names in `\text{…}`.
    steps: bool,
}

/// A program to derive: its name, text, `--wrt` and own mode.
struct Program {
    id: String,
    text: String,
    wrt: Option<String>,
    mode: Mode,
    expand: bool,
}

fn mode_named(name: &str) -> Option<Mode> {
    match name {
        "forward" => Some(Mode::Forward),
        "reverse" => Some(Mode::Reverse),
        "grad" => Some(Mode::Grad),
        _ => None,
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus programs, and their expected formulas as `(id, lhs, formula)`.
fn corpus() -> (Vec<Program>, Vec<(String, String, String)>) {
    let mut programs = Vec::new();
    let mut formulas = Vec::new();
    for file in ["corpus-public.jsonl", "corpus-extra.jsonl"] {
        let path = repo().join("tests/data").join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let Some(mode) = v["mode"].as_str().and_then(mode_named) else {
                continue;
            };
            let id = v["id"].as_str().expect("an id").to_string();
            let wrt: Vec<&str> = v["wrt"]
                .as_array()
                .expect("wrt is a list")
                .iter()
                .map(|w| w.as_str().expect("wrt names are strings"))
                .collect();
            for (lhs, formula) in v["expected"].as_object().expect("expected formulas") {
                let lhs = match mode {
                    Mode::Grad => format!("bar({lhs})"),
                    _ => lhs.clone(),
                };
                let formula = formula.as_str().expect("a formula").to_string();
                formulas.push((id.clone(), lhs, formula));
            }
            programs.push(Program {
                id,
                text: v["program"].as_str().expect("a program").to_string(),
                wrt: Some(wrt.join(",")),
                mode,
                expand: false,
            });
        }
    }
    (programs, formulas)
}

/// The `--steps` cases of `tests/data/steps`, read as `tests/steps.rs`
/// reads them: `# mode:`, `# wrt:` and `# expand:` header comments.
fn steps_cases() -> Vec<Program> {
    let dir = repo().join("tests/data/steps");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("the directory lists").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("a readable case");
            let mut case = Program {
                id: format!("steps/{}", path.file_name().unwrap().to_string_lossy()),
                text: text.clone(),
                wrt: None,
                mode: Mode::Forward,
                expand: false,
            };
            for (key, value) in common::header(&text) {
                let value = value.as_str();
                match key.as_str() {
                    "mode" => case.mode = mode_named(value).expect("a known mode"),
                    "wrt" => case.wrt = Some(value.to_string()),
                    "expand" => case.expand = value == "true",
                    _ => {}
                }
            }
            case
        })
        .collect()
}

fn options(program: &Program, expand: bool) -> Options {
    Options {
        wrt: program.wrt.clone(),
        expand,
        ..Options::default()
    }
}

/// The LaTeX result lines of a program in every mode it has.
fn result_lines(program: &Program, out: &mut Vec<Tex>) {
    let model = analyze_source(&program.text)
        .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
    let scalar_output = model.env.shape(&model.output().expr).is_scalar();
    for mode in [Mode::Forward, Mode::Reverse, Mode::Grad] {
        if mode == Mode::Grad && !scalar_output {
            continue;
        }
        for expand in [false, true] {
            let derivation = derive(&model, mode, &options(program, expand))
                .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
            for line in &derivation.lines {
                out.push(Tex {
                    id: format!(
                        "{} {}{}: {line}",
                        program.id,
                        mode.name(),
                        if expand { " --expand" } else { "" }
                    ),
                    tex: format!(
                        "{} = {}",
                        render_name(&line.lhs, Notation::Latex),
                        render(&line.expr, Notation::Latex)
                    ),
                    steps: false,
                });
            }
        }
    }
}

/// The `--steps` block of a program in its own mode.
fn steps_block(program: &Program, out: &mut Vec<Tex>) {
    let model = analyze_source(&program.text)
        .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
    let steps = explain(&model, program.mode, &options(program, program.expand))
        .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
    out.push(Tex {
        id: format!("{} {} --steps", program.id, program.mode.name()),
        tex: render_steps(&steps, Notation::Latex),
        steps: true,
    });
}

/// The program's own assignments, `name = expr`.
fn bindings(program: &Program, out: &mut Vec<Tex>) {
    let model = analyze_source(&program.text)
        .unwrap_or_else(|e| panic!("{}: {}", program.id, e.render(&program.text)));
    for binding in &model.bindings {
        out.push(Tex {
            id: format!("{}: {} = {}", program.id, binding.name, binding.expr),
            tex: format!(
                "{} = {}",
                render_name(&Name::plain(&binding.name), Notation::Latex),
                render(&binding.expr, Notation::Latex)
            ),
            steps: false,
        });
    }
}

fn all_strings() -> Vec<Tex> {
    let (mut programs, formulas) = corpus();
    programs.extend(EXTRA_PROGRAMS.iter().enumerate().map(|(i, text)| Program {
        id: format!("extra-{i}"),
        text: text.to_string(),
        wrt: None,
        mode: Mode::Reverse,
        expand: false,
    }));
    let mut out = Vec::new();
    for program in &programs {
        bindings(program, &mut out);
        result_lines(program, &mut out);
        steps_block(program, &mut out);
    }
    for (id, lhs, formula) in formulas {
        let expr = matdiff::parse::parse_expr(&formula)
            .unwrap_or_else(|e| panic!("{id}: {}", e.render(&formula)));
        let lhs = matdiff::parse::parse_expr(&lhs).expect("a left side parses");
        out.push(Tex {
            id: format!("{id} expected: {lhs} = {formula}"),
            tex: format!(
                "{} = {}",
                render(&lhs, Notation::Latex),
                render(&expr, Notation::Latex)
            ),
            steps: false,
        });
    }
    for mode in [Mode::Forward, Mode::Reverse] {
        let seed = Program {
            id: "seed".to_string(),
            text: "C = inv(A)".to_string(),
            wrt: None,
            mode,
            expand: false,
        };
        steps_block(&seed, &mut out);
    }
    for case in steps_cases() {
        steps_block(&case, &mut out);
    }
    out
}

/// Node with KaTeX installed beside `tests/js/render.js`, or a message
/// saying how to get them.
fn node() -> Result<PathBuf, String> {
    let node =
        std::env::var_os("MATDIFF_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let works = Command::new(&node)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        return Err(format!(
            "cannot run Node.js as `{}`: install it (Debian: `apt-get install nodejs npm`; \
             `bash .ci/run` does this) or point MATDIFF_NODE at it",
            node.display()
        ));
    }
    if !repo().join("tests/js/node_modules/katex").is_dir() {
        return Err(
            "KaTeX is not installed in tests/js: run `npm ci` there (`bash .ci/run` does this)"
                .to_string(),
        );
    }
    Ok(node)
}

#[test]
fn katex_renders_every_latex_string() {
    let Some(node) = common::tool_or_skip("KaTeX", node()) else {
        return;
    };
    let strings = all_strings();
    assert!(strings.len() >= 500, "only {} strings", strings.len());
    let script = repo().join("tests/js/render.js");
    let input: Vec<Value> = strings
        .iter()
        .map(|t| json!({"id": t.id, "tex": t.tex, "display": t.steps, "text_unicode": t.steps}))
        .collect();
    let report = common::run_json_tool(&node, &script, &Value::from(input));
    assert_eq!(report["rendered"], strings.len(), "KaTeX saw every string");
    let failures = report["failures"].as_array().expect("a failure list");
    let text: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{}\n  {}\n  {}",
                f["id"].as_str().unwrap_or_default(),
                f["tex"].as_str().unwrap_or_default(),
                f["error"].as_str().unwrap_or_default()
            )
        })
        .collect();
    // Unicode in the rule names of `--steps` typesets in KaTeX (and in
    // XeLaTeX), not in pdfLaTeX: worth seeing, not a failure.
    let warnings = report["warnings"].as_array().expect("a warning list");
    if !warnings.is_empty() {
        let mut symbols: Vec<&str> = warnings
            .iter()
            .filter_map(|w| w["message"].as_str()?.split('"').nth(1))
            .collect();
        symbols.sort_unstable();
        symbols.dedup();
        eprintln!(
            "note: {} Unicode characters in `--steps` rule text that pdfLaTeX would not take: {}",
            warnings.len(),
            symbols.join(" ")
        );
    }
    assert!(
        failures.is_empty(),
        "KaTeX rejected {} of {} strings:\n\n{}",
        failures.len(),
        strings.len(),
        text.join("\n\n")
    );
}
