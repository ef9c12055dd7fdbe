//! Numeric edge cases of `check` and the evaluator (issue 6): programs
//! whose values leave the real, finite numbers — a singular intermediate, a
//! `log` or `sqrt` of a non-positive entry, a division by zero, an overflow,
//! a derivative at a point where there is none. Each must end in a passing
//! report whose every error is a finite number, or in an error whose words
//! name the problem (and, where it is in the program, point at it), within
//! seconds: never a NaN passed off as a result, never a panic or a hang.

use matdiff::ast::{Expr, Func, Map, Name};
use matdiff::check::{check, Comparison, Report, Sample};
use matdiff::error::Error;
use matdiff::eval::{eval, Matrix, Problem, Values};
use matdiff::shape::analyze_source;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Far more than any case here needs (they take milliseconds in a release
/// build), but a hang or a runaway retry loop fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// Checks `source` at `seed`, timed.
fn run(source: &str, seed: u64) -> Result<Report, Error> {
    let model = analyze_source(source)
        .unwrap_or_else(|e| panic!("{source} does not analyse:\n{}", e.render(source)));
    let start = Instant::now();
    let result = check(&model, None, seed);
    let took = start.elapsed();
    assert!(took < PATIENCE, "checking {source} took {took:?}");
    result
}

/// A report that passed, with nothing but finite errors in it.
fn assert_honest_pass(source: &str, report: &Report) {
    assert!(report.passed(), "{source} should pass:\n{report}");
    for c in &report.comparisons {
        assert!(c.error.is_finite(), "{source}: {} is {}", c.what, c.error);
    }
    let text = report.to_string();
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
}

/// The error for `source`, which must not check; its message must contain
/// every one of `words`, and say nothing of NaN.
fn error_of(source: &str, seed: u64, words: &[&str]) -> Error {
    let err = match run(source, seed) {
        Ok(report) => panic!("{source} should not check, but gave\n{report}"),
        Err(err) => err,
    };
    for word in words {
        assert!(
            err.message.contains(word),
            "the error for {source} does not say {word:?}:\n{}",
            err.render(source)
        );
    }
    assert!(!err.message.contains("NaN"), "{}", err.message);
    err
}

/// The text an error's span points at.
fn pointed_at<'a>(source: &'a str, err: &Error) -> &'a str {
    let span = err
        .span
        .unwrap_or_else(|| panic!("no place in the error: {}", err.render(source)));
    &source[span.start..span.end]
}

/// The error points at `expected` in `source`. A parenthesised operand's
/// span leaves out its parentheses (src/parse.rs, `build_primary`), so an
/// operation on one may miss its first or last character, a parenthesis.
fn assert_points_at(source: &str, err: &Error, expected: &str) {
    let pointed = pointed_at(source, err);
    let close_enough = pointed == expected
        || expected.strip_prefix('(') == Some(pointed)
        || expected.strip_suffix(')') == Some(pointed);
    assert!(
        close_enough,
        "the error points at {pointed:?}, not {expected:?}:\n{}",
        err.render(source)
    );
}

/// Either an honest pass or an error naming the problem: for programs
/// defined at some draws and not others.
fn pass_or_error(source: &str, seed: u64, words: &[&str]) {
    match run(source, seed) {
        Ok(report) => assert_honest_pass(source, &report),
        Err(err) => {
            for word in words {
                assert!(
                    err.message.contains(word),
                    "the error for {source} (seed {seed}) does not say {word:?}:\n{}",
                    err.render(source)
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Singular intermediates
// ---------------------------------------------------------------------------

#[test]
fn inverse_of_a_zero_matrix() {
    let source = "A: matrix(n,n); C = inv(A - A)";
    let err = error_of(
        source,
        1,
        &[
            "could not find random inputs",
            "cannot invert `A - A`",
            "singular",
        ],
    );
    assert_points_at(source, &err, "inv(A - A)");
    assert_eq!(err.exit_code(), 1);
}

#[test]
fn inverse_of_a_rank_deficient_product() {
    // A * B is 5×5 of rank 2 at every draw.
    let source = "A: matrix(5, 2); B: matrix(2, 5); C = inv(A * B)";
    let err = error_of(source, 1, &["cannot invert `A * B`", "singular"]);
    assert_points_at(source, &err, "inv(A * B)");
    // With named sizes n = 3 < m = 4 (distinct, in order of first use), A * B
    // is 3×3 and of full rank: it checks; B * A is 4×4 of rank 3.
    let source = "A: matrix(n, m); B: matrix(m, n); C = inv(A * B)";
    let report = run(source, 1).unwrap();
    assert_honest_pass(source, &report);
    assert!(
        report.to_string().starts_with("sizes: n = 3, m = 4"),
        "{report}"
    );
    let source = "A: matrix(n, m); B: matrix(m, n); C = inv(B * A)";
    let err = error_of(source, 1, &["cannot invert `B * A`", "singular"]);
    assert_points_at(source, &err, "inv(B * A)");
}

#[test]
fn negative_power_of_a_singular_matrix() {
    let source = "A: matrix(n,n); C = (A - A)^-2";
    let err = error_of(
        source,
        3,
        &["cannot raise `A - A` to the power -2", "singular"],
    );
    assert_points_at(source, &err, "(A - A)^-2");
}

#[test]
fn logdet_of_a_singular_matrix() {
    let source = "A: matrix(n, m); f = logdet(-A' * A)";
    let err = error_of(
        source,
        1,
        &["cannot take `logdet` of `-A' * A`", "singular"],
    );
    assert_points_at(source, &err, "logdet(-A' * A)");
    error_of("logdet(A - A)", 2, &["`logdet`", "singular"]);
}

#[test]
fn logdet_of_a_negative_determinant_is_log_abs_det() {
    // SPEC: logdet(A) is log |det A|, defined for any non-singular A; here
    // -A A' is negative definite, with det < 0 for odd sizes (3).
    for source in ["logdet(-A * A')", "A: matrix(n, n); logdet(-A * A')"] {
        for seed in 1..4 {
            assert_honest_pass(source, &run(source, seed).unwrap());
        }
    }
}

// ---------------------------------------------------------------------------
// Out of the domain of log, sqrt and fractional powers
// ---------------------------------------------------------------------------

#[test]
fn log_of_zero() {
    let source = "log(x - x)";
    let err = error_of(source, 1, &["`log` of zero", "`x - x` has an entry 0"]);
    assert_points_at(source, &err, "log(x - x)");
    let source = "y = x - x; f = sum(log(y))";
    let err = error_of(source, 1, &["`log` of zero"]);
    assert_points_at(source, &err, "log(y)");
}

#[test]
fn sqrt_of_a_negative_number() {
    let source = "sqrt(-exp(x))";
    let err = error_of(source, 1, &["`sqrt` of a negative number", "`-exp(x)`"]);
    assert_points_at(source, &err, "sqrt(-exp(x))");
}

#[test]
fn fractional_power_of_a_negative_number() {
    let source = "(-exp(x)) .^ (1/2)";
    error_of(source, 1, &["fractional power", "negative number"]);
}

#[test]
fn log_sometimes_negative() {
    // Defined where x > 2: found by the later, larger draws, or said.
    for seed in 0..6 {
        pass_or_error("log(x - 2 * ones)", seed, &["`log` of a negative number"]);
        pass_or_error("log(alpha - 2)", seed, &["`log` of a negative number"]);
        pass_or_error("sqrt(x - 3 * ones)", seed, &["`sqrt` of a negative number"]);
    }
    // Seed 1 needs several draws, and the report says so.
    let report = run("log(x - 2 * ones)", 1).unwrap();
    assert_honest_pass("log(x - 2 * ones)", &report);
    assert!(!report.skipped.is_empty());
    assert!(report.to_string().contains("skipped"), "{report}");
    assert!(report.skipped[0].contains("`log` of a negative number"));
}

#[test]
fn log_of_a_scalar_that_is_always_negative() {
    let source = "log(-alpha * alpha - 1)";
    let err = error_of(source, 1, &["`log` of a negative number", "is -"]);
    assert_points_at(source, &err, source);
}

// ---------------------------------------------------------------------------
// Division by zero
// ---------------------------------------------------------------------------

#[test]
fn elementwise_division_by_zero() {
    let source = "x ./ (x - x)";
    let err = error_of(source, 1, &["division by zero", "`x - x` has an entry 0"]);
    assert_points_at(source, &err, source);
}

#[test]
fn scalar_division_by_zero() {
    let source = "1/(alpha - alpha)";
    let err = error_of(source, 1, &["division by zero", "`alpha - alpha` is 0"]);
    assert_points_at(source, &err, source);
    error_of("A / (alpha - alpha)", 1, &["division by zero"]);
}

#[test]
fn negative_power_of_zero() {
    error_of("(x - x) .^ -1", 1, &["division by zero", "negative power"]);
}

// ---------------------------------------------------------------------------
// Overflow
// ---------------------------------------------------------------------------

#[test]
fn nested_exponentials_overflow() {
    // Finite only where every entry of x is below about 0.03.
    for seed in 0..6 {
        pass_or_error("exp(exp(exp(x * 100)))", seed, &["overflows"]);
    }
    let source = "exp(exp(x + 1000 * ones))";
    let err = error_of(source, 1, &["`exp(x + 1000 * ones)` overflows"]);
    assert_points_at(source, &err, "exp(x + 1000 * ones)");
}

#[test]
fn power_of_a_determinant_overflows() {
    let source = "det(A)^64";
    assert_honest_pass(source, &run(source, 1).unwrap());
    let source = "det(1000 * A)^64";
    let err = error_of(source, 1, &["`det(1000 * A)^64` overflows"]);
    assert_points_at(source, &err, source);
}

#[test]
fn steep_but_finite_is_checked_with_finer_differences() {
    // exp(1000 α) is finite for α < 0.709 and so steep there that
    // differences with the usual step are too coarse: other steps are
    // tried, and the report says so. Draws where it overflows are skipped.
    let source = "exp(1000 * alpha)";
    let report = run(source, 1).unwrap();
    assert_honest_pass(source, &report);
    assert!(report.step < 1e-5);
    assert!(
        report.to_string().contains("differences with step"),
        "{report}"
    );
    for seed in 0..6 {
        pass_or_error(source, seed, &["overflows"]);
    }
}

#[test]
fn a_constant_too_large_for_floating_point() {
    let source = "x * 10^64 * 10^64 * 10^64 * 10^64 * 10^64";
    error_of(source, 1, &["overflows"]);
}

#[test]
fn underflow_to_zero_under_a_log() {
    // exp(-1000 α) underflows to 0 for α > 0.745: such draws are skipped.
    for seed in 0..4 {
        pass_or_error("log(exp(-1000 * alpha))", seed, &["`log` of zero"]);
    }
}

#[test]
fn logdet_of_a_matrix_whose_determinant_overflows() {
    // det of a 150×150 matrix near 150 I is about 10^326: beyond floating
    // point, while its log is about 750. logdet is computed without det.
    let source = "A: matrix(150, 150); logdet(A)";
    assert_honest_pass(source, &run(source, 1).unwrap());
    let source = "A: matrix(150, 150); det(A)";
    let err = error_of(source, 1, &["`det(A)` overflows"]);
    assert_points_at(source, &err, "det(A)");
}

// ---------------------------------------------------------------------------
// Derivatives where there are none
// ---------------------------------------------------------------------------

#[test]
fn norm_at_zero() {
    // The program is 0 everywhere, so its derivative is 0: matdiff says so
    // and the check passes honestly.
    for source in ["norm(x - x)", "norm(A - A)", "sqrt(sum(x) - sum(x))"] {
        assert_honest_pass(source, &run(source, 1).unwrap());
    }
}

#[test]
fn derivative_undefined_where_the_program_is_defined() {
    // diag(A - A') is 0 but not simplified away: the norm is defined, its
    // derivative divides by it.
    let source = "norm(diag(A - A'))";
    let err = error_of(
        source,
        1,
        &["the derivatives are defined", "division by zero", "dot(f)"],
    );
    assert_points_at(source, &err, source);
    assert!(err.help.unwrap().contains("not differentiable"));
    error_of("sqrt(diag(A - A'))", 1, &["division by zero"]);
}

// ---------------------------------------------------------------------------
// The pieces: comparisons, samples, the evaluator
// ---------------------------------------------------------------------------

#[test]
fn a_non_finite_error_never_passes() {
    for error in [f64::NAN, f64::INFINITY, -f64::INFINITY, f64::NEG_INFINITY] {
        let c = Comparison {
            what: "x".into(),
            error,
            tolerance: 1e-6,
        };
        assert!(!c.passed(), "{error} passed");
        let report = Report {
            sizes: Vec::new(),
            comparisons: vec![c],
            skipped: Vec::new(),
            step: 1e-5,
            omitted: Vec::new(),
        };
        assert!(!report.passed());
        assert!(report.to_string().contains("FAILED"));
    }
    let empty = Report {
        sizes: Vec::new(),
        comparisons: Vec::new(),
        skipped: Vec::new(),
        step: 1e-5,
        omitted: Vec::new(),
    };
    assert!(
        !empty.passed(),
        "a report that compared nothing proves nothing"
    );
}

#[test]
fn sample_draw_says_why_and_where() {
    let source = "y = A - A; C = inv(y)";
    let model = analyze_source(source).unwrap();
    let err = Sample::draw(&model, 5).err().expect("never defined");
    assert!(err.message.contains("cannot invert `y`"), "{}", err.message);
    assert_points_at(source, &err, "inv(y)");
}

#[test]
fn the_evaluator_names_the_operation_and_never_returns_nan() {
    let mut values = Values::new();
    values.insert(
        Name::plain("x"),
        Matrix::from_column_slice(2, 1, &[1.0, -2.0]),
    );
    values.insert(Name::plain("big"), Matrix::from_element(1, 1, 1e300));
    values.insert(Name::plain("nan"), Matrix::from_element(2, 1, f64::NAN));
    let x = || Expr::var("x");
    let cases = [
        (
            Expr::call(Func::Map(Map::Log), vec![x()]),
            Problem::Domain,
            "`log`",
        ),
        (
            Expr::call(Func::Map(Map::Sqrt), vec![x()]),
            Problem::Domain,
            "`sqrt`",
        ),
        (
            Expr::mul(Expr::var("big"), Expr::var("big")),
            Problem::Overflow,
            "overflows",
        ),
        (Expr::var("nan"), Problem::NotFinite, "not a finite number"),
        (
            Expr::call(Func::Map(Map::Exp), vec![Expr::var("nan")]),
            Problem::NotFinite,
            "`nan`",
        ),
    ];
    for (expr, problem, words) in cases {
        let err = eval(&expr, &values, &|_| 2).expect_err("not finite");
        assert_eq!(err.problem, problem, "{}", err.message);
        assert!(err.message.contains(words), "{}", err.message);
    }
}

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

fn matdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn cli_singular_intermediate() {
    let start = Instant::now();
    let out = matdiff(&["check", "A: matrix(n,n); C = inv(A - A)"]);
    assert!(start.elapsed() < PATIENCE);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: could not find random inputs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot invert `A - A`: it is singular"),
        "{stderr}"
    );
    assert!(stderr.contains("^^^^^^^^^^"), "{stderr}");
    assert!(stderr.contains("= help:"), "{stderr}");
}

#[test]
fn cli_log_of_zero_and_an_overflow() {
    for (program, words) in [
        ("log(x - x)", "`log` of zero"),
        ("exp(exp(x + 1000 * ones))", "overflows"),
        ("x ./ (x - x)", "division by zero"),
    ] {
        let out = matdiff(&["check", "--seed", "3", program]);
        assert_eq!(out.status.code(), Some(1), "{program}");
        assert!(out.stdout.is_empty(), "{program}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(words), "{program}: {stderr}");
        assert!(!stderr.contains("NaN"), "{stderr}");
    }
}

#[test]
fn cli_reports_skipped_draws() {
    let out = matdiff(&["check", "--seed", "1", "log(x - 2 * ones)"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("skipped"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}
