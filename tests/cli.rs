//! The command line as SPEC §2 fixes it: exact outputs, standard input,
//! `--`, JSON, and exit statuses.

mod common;
use common::pathological_program;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn matdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn seed_forward_is_exact() {
    let out = matdiff(&["forward", "C = inv(A)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "dot(C) = -C * dot(A) * C");
}

#[test]
fn seed_reverse_is_exact() {
    let out = matdiff(&["reverse", "C = inv(A)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "bar(A) = -C' * bar(C) * C'");
}

#[test]
fn seed_in_unicode_and_latex() {
    assert_eq!(
        stdout(&matdiff(&["forward", "--format", "unicode", "C = inv(A)"])),
        "C\u{307} = −C A\u{307} C"
    );
    assert_eq!(
        stdout(&matdiff(&["reverse", "--format", "unicode", "C = inv(A)"])),
        "A\u{304} = −Cᵀ C\u{304} Cᵀ"
    );
    assert_eq!(
        stdout(&matdiff(&["reverse", "--format", "latex", "C = inv(A)"])),
        "\\bar{A} = -C^{\\top} \\bar{C} C^{\\top}"
    );
}

#[test]
fn reverse_prints_the_adjoint_program_in_order() {
    let out = matdiff(&["reverse", "B = A'; C = B * A"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("bar(B) = "), "{lines:?}");
    assert_eq!(lines[1], "bar(A) = bar(B)' + B' * bar(C)");
}

#[test]
fn expand_writes_results_in_terms_of_inputs() {
    let out = matdiff(&["reverse", "--expand", "B = A'; C = B * A"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(!text.contains("bar(B)") && !text.contains(" B"), "{text}");
}

#[test]
fn grad_of_a_scalar_program() {
    assert_eq!(
        stdout(&matdiff(&["grad", "--wrt", "X", "tr(A * X)"])),
        "bar(X) = A'"
    );
}

#[test]
fn unused_input_gets_zero() {
    let out = matdiff(&["reverse", "A: matrix(n, n); B: matrix(n, n); C = A * A"]);
    assert!(stdout(&out).contains("bar(A) = "));
    let out = matdiff(&["grad", "--wrt", "B", "B: matrix(n, n); tr(A) + 0 * tr(B)"]);
    assert_eq!(stdout(&out), "bar(B) = 0");
}

#[test]
fn program_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(["forward", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# the seed\nC = inv(A)\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "dot(C) = -C * dot(A) * C");
}

#[test]
fn program_starting_with_minus_after_double_dash() {
    let out = matdiff(&["grad", "--", "-tr(X)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "bar(X) = -I");
}

#[test]
fn json_has_the_documented_fields() {
    let out = matdiff(&["reverse", "--format", "json", "C = inv(A)"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mode"], "reverse");
    assert_eq!(v["input"], "C = inv(A)");
    assert_eq!(v["results"][0]["lhs"], "bar(A)");
    assert_eq!(v["results"][0]["wrt"], "A");
    assert_eq!(v["results"][0]["expr"], "-C' * bar(C) * C'");
    assert_eq!(v["results"][0]["unicode"], "A\u{304} = −Cᵀ C\u{304} Cᵀ");
    assert_eq!(
        v["results"][0]["latex"],
        "\\bar{A} = -C^{\\top} \\bar{C} C^{\\top}"
    );
    assert_eq!(v["bindings"][0]["name"], "C");
    assert_eq!(v["bindings"][0]["expr"], "inv(A)");
}

#[test]
fn check_passes_and_reports_errors() {
    let out = matdiff(&["check", "--seed", "3", "B = A * X; C = inv(B)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 failed"), "{}", stdout(&out));
    assert!(stdout(&out).contains("against central differences"));
}

#[test]
fn simplify_tidies() {
    assert_eq!(stdout(&matdiff(&["simplify", "(A * B)''"])), "A * B");
    assert_eq!(stdout(&matdiff(&["simplify", "--", "-(-x) + 0"])), "x");
}

#[test]
fn exit_statuses() {
    let bad_input = matdiff(&["forward", "C = inv(A"]);
    assert_eq!(bad_input.status.code(), Some(1));
    assert!(stderr(&bad_input).contains("^"));
    assert!(bad_input.stdout.is_empty());
    let bad_usage = matdiff(&["reverse", "--wrt", "Z", "C = inv(A)"]);
    assert_eq!(bad_usage.status.code(), Some(2));
    let unknown_flag = matdiff(&["forward", "--nope", "C = inv(A)"]);
    assert_eq!(unknown_flag.status.code(), Some(2));
}

#[test]
fn reaching_a_limit_is_said_on_stderr_and_in_json() {
    let program = pathological_program();
    // One iteration, raised to four when reached, still cuts it short.
    let out = matdiff(&[
        "grad",
        "--limits",
        "iterations=1",
        "--format",
        "json",
        &program,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: simplification stopped at its iteration limit (16000 nodes, 4 iterations"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--limits nodes=64000,iterations=16"),
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reason = v["stop_reason"].as_str().unwrap();
    assert!(reason.ends_with("_limit"), "{reason}");
    // A limit whose raising finds nothing cheaper did not matter: no note,
    // though JSON says where rewriting stopped.
    let reached = matdiff(&[
        "grad",
        "--format",
        "json",
        "A, X: matrix(n, n); logdet(A * X)",
    ]);
    assert!(stderr(&reached).is_empty(), "{}", stderr(&reached));
    let v: serde_json::Value = serde_json::from_slice(&reached.stdout).unwrap();
    assert_eq!(v["stop_reason"], "iteration_limit");
    let bad = matdiff(&["grad", "--limits", "nodes=many", "tr(A * X)"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("`many` in `nodes=many` is not a whole number"),
        "{}",
        stderr(&bad)
    );
    let calm = matdiff(&["grad", "--format", "json", "tr(A * X)"]);
    assert!(stderr(&calm).is_empty(), "{}", stderr(&calm));
    let v: serde_json::Value = serde_json::from_slice(&calm.stdout).unwrap();
    assert_eq!(v["stop_reason"], "saturated");
}

#[test]
fn jacobian_of_vectors_and_scalars_is_exact() {
    let out = matdiff(&["jacobian", "--wrt", "x", "exp(A * x)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "jac(f, x) = A .* (exp(A * x) * ones(1, cols(A)))"
    );
    let out = matdiff(&["jacobian", "--wrt", "x,alpha", "s = sum(A * x) * alpha"]);
    assert_eq!(
        stdout(&out),
        "jac(s, x) = alpha * (ones' * A)\njac(s, alpha) = sum(A * x)"
    );
}

#[test]
fn jacobian_of_every_input_leaves_out_what_it_cannot_write_and_says_so() {
    // A transpose of a matrix needs the commutation matrix: no form.
    let out = matdiff(&["jacobian", "F = X' * B"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "jac(F, B) = kron(I, X')");
    assert!(
        stderr(&out).starts_with("note: jac(F, X) is left out: no Kronecker form is known"),
        "{}",
        stderr(&out)
    );
    let named = matdiff(&["jacobian", "--wrt", "X", "F = X' * B"]);
    assert_eq!(named.status.code(), Some(1));
    assert!(stderr(&named).starts_with("error: no Kronecker form is known"));
}

#[test]
fn jacobian_in_every_format() {
    let program = "y = sin(x) * alpha";
    let run = |format: &str| stdout(&matdiff(&["jacobian", "--format", format, program]));
    assert_eq!(
        run("plain"),
        "jac(y, x) = diag(alpha * cos(x))\njac(y, alpha) = sin(x)"
    );
    assert_eq!(run("unicode"), "∂y/∂x = diag(α cos(x))\n∂y/∂α = sin(x)");
    assert_eq!(
        run("latex").lines().next(),
        Some("\\frac{\\partial y}{\\partial x} = \\operatorname{diag}\\left(\\alpha \\cos\\left(x\\right)\\right)")
    );
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["mode"], "jacobian");
    assert_eq!(json["results"][0]["lhs"], "jac(y, x)");
    assert_eq!(json["results"][0]["wrt"], "x");
    assert_eq!(json["results"][0]["expr"], "diag(alpha * cos(x))");
    assert!(run("numpy").contains("\"jac(y, x)\": _result("));
}

#[test]
fn jacobian_of_matrices_is_written_with_kron_and_vec() {
    let out = matdiff(&[
        "jacobian",
        "A: matrix(2, 3); X: matrix(3, 4); B: matrix(4, 5); F = A * X * B",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "jac(F, A) = kron(B' * X', I)\njac(F, X) = kron(B', A)\njac(F, B) = kron(I, A * X)"
    );
    let out = matdiff(&["jacobian", "X: matrix(2, 3); F = exp(X)"]);
    assert_eq!(stdout(&out), "jac(F, X) = diag(vec(F))");
    // Named sizes: an m×n matrix has m*n entries, and I its size.
    let out = matdiff(&[
        "jacobian",
        "A: matrix(m, n); X: matrix(n, p); B: matrix(p, q); F = A * X * B",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "jac(F, A) = kron(B' * X', I)\njac(F, X) = kron(B', A)\njac(F, B) = kron(I, A * X)"
    );
    let out = matdiff(&["jacobian", "C = inv(A)"]);
    assert_eq!(stdout(&out), "jac(C, A) = kron(C', -C)");
    // A transpose needs the commutation matrix: refused, saying so.
    let out = matdiff(&["jacobian", "X: matrix(m, n); F = X'"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let message = stderr(&out);
    assert!(message.contains("commutation matrix"), "{message}");
    assert!(message.contains("jac(F, X)"), "{message}");
}

#[test]
fn check_compares_jacobians_column_by_column() {
    let out = matdiff(&["check", "--wrt", "x", "y = tanh(A * x)"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("jac(y, x) against differences, column by column"),
        "{}",
        stdout(&out)
    );
}
