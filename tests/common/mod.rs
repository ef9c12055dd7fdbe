//! Helpers shared by the integration tests. Each test crate uses some of
//! them.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// A long sum of products of square matrices, nested in a trace: many
/// bracketings and factorings for the e-graph, more than its default
/// limits allow.
pub fn pathological_program() -> String {
    let names = ["A", "B", "C", "D"];
    let terms: Vec<String> = (0..24)
        .map(|i| {
            let f: Vec<&str> = (0..4).map(|j| names[(i * 7 + j * 3 + i / 4) % 4]).collect();
            format!("{} * X * {}", f[0..2].join(" * "), f[2..4].join(" * "))
        })
        .collect();
    format!(
        "A, B, C, D, X: matrix(n, n); tr(({}) * X')",
        terms.join(" + ")
    )
}

/// The `# key: value` comment lines a test-data file starts with (its
/// mode, `--wrt` and so on), keys and values trimmed.
pub fn header(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map_while(|line| line.trim_start().strip_prefix('#'))
        .filter_map(|comment| comment.split_once(':'))
        .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
        .collect()
}

/// Runs `interpreter script`, writes `input` (JSON) to its standard input
/// and parses the JSON report it prints. Panics, saying why, if it fails.
pub fn run_json_tool(
    interpreter: &Path,
    script: &Path,
    input: &serde_json::Value,
) -> serde_json::Value {
    let mut child = Command::new(interpreter)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", interpreter.display()));
    let input = serde_json::to_vec(input).expect("the input serialises");
    // Write from another thread, so a full stdout pipe cannot deadlock us.
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("the tool runs");
    writer
        .join()
        .expect("the writer thread")
        .expect("the tool reads its input");
    assert!(
        output.status.success(),
        "{} {} failed:\n{}",
        interpreter.display(),
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{}'s output is not JSON ({e}):\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A proptest configuration drawing `cases` cases from a fixed `seed`,
/// without persistence, so that every run tests the same inputs;
/// `PROPTEST_CASES` and `PROPTEST_RNG_SEED` still override, to explore.
pub fn fixed_proptest_config(cases: u32, seed: u64) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let from_env = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            from_env.cases
        } else {
            cases
        },
        failure_persistence: None,
        rng_seed: match from_env.rng_seed {
            RngSeed::Random => RngSeed::Fixed(seed),
            fixed => fixed,
        },
        ..Config::default()
    }
}

/// Set by `.ci/run`: a suite that needs a tool from outside Rust (Node.js
/// with KaTeX, Python with numpy) fails when the tool is missing, instead of
/// being skipped.
pub const REQUIRE_TOOLS: &str = "MATDIFF_REQUIRE_TOOLS";

/// Whether a suite that needs an outside tool may run: `Ok(tool)` when it
/// is there; otherwise the test is skipped, saying so on standard error
/// where the test harness cannot swallow it, unless CI requires the tool,
/// in which case the test fails with `why`.
pub fn tool_or_skip<T>(suite: &str, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(tool) => Some(tool),
        Err(why) if std::env::var_os(REQUIRE_TOOLS).is_some_and(|v| v != "0") => {
            panic!("{why} ({REQUIRE_TOOLS} is set, so the {suite} suite must run)")
        }
        Err(why) => {
            // Written to the process's stderr itself, not through `eprintln!`,
            // which the harness captures for passing tests.
            let _ = writeln!(
                std::io::stderr().lock(),
                "SKIPPED: the {suite} suite did not run: {why}"
            );
            None
        }
    }
}
