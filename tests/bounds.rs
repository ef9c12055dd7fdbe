//! Each resource bound of `src/limits.rs` and the simplifier, tested at
//! the command line with inputs far past it: every one returns within
//! seconds with a clear message, or with a correct result. The time limit
//! here only catches hangs; speed is measured by `cargo bench`.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Longer than any of these takes on a slow machine; past it, a hang.
const HANG: Duration = Duration::from_secs(60);

/// Runs `matdiff <args> -` with `program` on standard input.
fn run(args: &[&str], program: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let program = program.as_bytes().to_vec();
    // matdiff may refuse the input before reading all of it.
    std::thread::spawn(move || {
        let _ = stdin.write_all(&program);
    });
    // Output is read as it comes, so a long one cannot fill the pipe.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(HANG) {
        Ok(output) => output.expect("the output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("matdiff {args:?} still ran after {HANG:?}");
        }
    }
}

/// Asserts a refusal: exit status 1, nothing on standard output, and a
/// message containing `words`, itself of a readable length.
fn refused(output: &Output, words: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains(words), "expected `{words}` in:\n{stderr}");
    assert!(stderr.len() < 2_000, "a {}-byte message", stderr.len());
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn nesting_of_100_000_parentheses_is_refused() {
    let program = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    refused(
        &run(&["forward"], &program),
        "parentheses nest deeper than 200 levels",
    );
}

#[test]
fn a_10_mb_program_is_refused() {
    let program = "f = tr(A)\n".repeat(1_048_576);
    refused(
        &run(&["forward"], &program),
        "standard input is longer than 262144 bytes",
    );
}

/// Just under the size limit: 9 000 assignments derive forward and in
/// reverse; the gradient, which substitutes them all, is refused.
#[test]
fn a_program_at_the_size_limit_is_derived() {
    let mut program = String::from("X0: matrix(n, m)\n");
    for i in 1..=9_000 {
        program.push_str(&format!("X{i} = sin(X{}) + X{}\n", i - 1, i - 1));
    }
    program.push_str("f = sum(X9000)\n");
    assert!(program.len() < matdiff::limits::MAX_INPUT_BYTES);
    let forward = stdout(&run(&["forward"], &program));
    assert_eq!(forward.lines().count(), 9_001);
    let last = forward.lines().nth(8_999).unwrap();
    assert!(last.starts_with("dot(X9000) = "), "{last}");
    assert!(last.contains("cos(X8999)"), "{last}");
    let reverse = stdout(&run(&["reverse"], &program));
    assert_eq!(reverse.lines().count(), 9_001);
    assert!(
        reverse.starts_with("bar(X9000) = bar(f) * ones"),
        "{reverse:.200}"
    );
}

#[test]
fn a_deep_gradient_names_its_shared_adjoints() {
    // Each adjoint is used twice by the one before it: substituted, the
    // gradient would double in size with every statement.
    let mut program = String::from("X0: matrix(n, m)\n");
    for i in 1..=400 {
        program.push_str(&format!("X{i} = sin(X{}) + X{}\n", i - 1, i - 1));
    }
    program.push_str("f = sum(X400)\n");
    let grad = stdout(&run(&["grad"], &program));
    let lines: Vec<&str> = grad.lines().collect();
    assert!(lines[0].starts_with("t1 = "), "{grad:.300}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("bar(X0) = "), "{last}");
    // Linear in the depth: a few statements' worth of text per statement.
    assert!(grad.len() < 400 * 80, "{} bytes", grad.len());
    assert!(lines.len() > 100);
}

#[test]
fn exponents_are_bounded() {
    refused(
        &run(&["grad"], "f = tr(X^1000)"),
        "the exponent 1000 is too large; at most 64 is accepted",
    );
    assert_eq!(
        stdout(&run(&["grad"], "f = tr(X^64)")).trim(),
        "bar(X) = 64 * X'^63"
    );
}

#[test]
fn numbers_are_bounded() {
    let long = format!("f = {} * tr(A)", "9".repeat(200_000));
    refused(&run(&["grad"], &long), "this number has 200000 digits");
    // Each ^64 multiplies a number's size by 64: the tower stays a power.
    let tower = "f = ((((((2^64)^64)^64)^64)^64)^64) * tr(A)";
    let gradient = stdout(&run(&["grad"], tower));
    assert!(gradient.len() < 10_000, "{} bytes", gradient.len());
}

#[test]
fn derivatives_of_a_50_factor_determinant() {
    let factors: Vec<String> = (0..50).map(|i| format!("A{i}")).collect();
    let program = format!("f = det({})", factors.join(" * "));
    let gradient = stdout(&run(&["grad"], &program));
    // 50 adjoints, after the temporaries their shared products need.
    let adjoints = gradient.lines().filter(|l| l.starts_with("bar(")).count();
    assert_eq!(adjoints, 50);
    // The checker compares all 50 adjoints (not the Hessian, and says so).
    let report = stdout(&run(&["check"], &program));
    assert!(report.contains("not compared: the Hessian"), "{report}");
    assert!(report.trim_end().ends_with(", 0 failed"), "{report}");
    // The tangent has 50 terms of 50 factors; its repeated prefix products
    // are temporaries (`t2 = t1 * A7`), so that it prints in a few lines.
    let forward = stdout(&run(&["forward"], &program));
    assert!(forward.starts_with("t1 = "), "{forward:.300}");
    assert!(
        forward.lines().any(|l| l.starts_with("t2 = t1 * ")),
        "{forward:.300}"
    );
    assert!(forward.len() < 4_000, "{} bytes", forward.len());
}

#[test]
fn the_product_rule_is_bounded() {
    let program = format!("A: matrix(n, n)\nf = tr({})", vec!["A"; 900].join(" * "));
    refused(
        &run(&["forward"], &program),
        "the derivative of f grows past 20000 nodes",
    );
}

#[test]
fn expansion_is_bounded() {
    let mut program = String::from("A: matrix(n, n)\nC0 = A\n");
    for i in 1..=30 {
        program.push_str(&format!("C{i} = C{} * C{}\n", i - 1, i - 1));
    }
    program.push_str("f = tr(C30)\n");
    // Named, the program derives; written out, C30 is A^(2^30).
    assert_eq!(stdout(&run(&["forward"], &program)).lines().count(), 32);
    refused(
        &run(&["forward", "--expand"], &program),
        "grows past 20000 nodes",
    );
    refused(
        &run(&["reverse", "--expand"], &program),
        "grows past 20000 nodes when the intermediates are written out",
    );
}

#[test]
fn endless_standard_input_is_refused() {
    let zeros = std::fs::File::open("/dev/zero").expect("/dev/zero opens");
    let output = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(["forward", "-"])
        .stdin(zeros)
        .output()
        .expect("the binary runs");
    refused(&output, "standard input is longer than 262144 bytes");
}
