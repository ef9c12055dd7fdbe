//! Parse + analyse + derive over every non-hessian corpus case, one
//! criterion benchmark per case, then a plain summary (median per case, the
//! slowest case) and the wall time of whole `matdiff` processes.
//!
//! Run with `cargo bench --bench derive`. Under `cargo test --benches`
//! criterion runs each case once as a smoke test and the summary is skipped.

use criterion::{black_box, Criterion};
use matdiff::derive::{derive, Mode, Options};
use matdiff::shape::analyze_source;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Case {
    id: String,
    mode: Mode,
    program: String,
    wrt: String,
}

fn load_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for file in ["corpus-public.jsonl", "corpus-extra.jsonl"] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let mode = match v["mode"].as_str() {
                Some("forward") => Mode::Forward,
                Some("reverse") => Mode::Reverse,
                Some("grad") => Mode::Grad,
                // Hessians go through another entry point, not `derive`.
                _ => continue,
            };
            let wrt: Vec<&str> = v["wrt"]
                .as_array()
                .expect("wrt is a list")
                .iter()
                .map(|w| w.as_str().expect("wrt names are strings"))
                .collect();
            cases.push(Case {
                id: v["id"].as_str().expect("id is a string").to_string(),
                mode,
                program: v["program"]
                    .as_str()
                    .expect("program is a string")
                    .to_string(),
                wrt: wrt.join(","),
            });
        }
    }
    cases
}

/// The work measured: what the command line does short of printing.
fn run(case: &Case) -> usize {
    let model = analyze_source(&case.program).expect("corpus programs analyse");
    let options = Options {
        wrt: Some(case.wrt.clone()),
        expand: false,
        ..Default::default()
    };
    let derivation = derive(&model, case.mode, &options).expect("corpus programs derive");
    derivation.lines.len()
}

fn bench_cases(c: &mut Criterion, cases: &[Case]) {
    let mut group = c.benchmark_group("derive");
    group
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(300))
        .sample_size(20);
    for case in cases {
        group.bench_function(&case.id, |b| b.iter(|| run(black_box(case))));
    }
    group.finish();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// Median µs per case, timed one call at a time so that the median is of
/// calls, not of batches.
fn summary(cases: &[Case]) -> Option<&Case> {
    const WARM_UP: usize = 20;
    const ITERATIONS: usize = 200;
    println!("\nsummary: parse + analyse + derive, median of {ITERATIONS} calls");
    let mut medians = Vec::new();
    let mut slowest: Option<(&Case, f64)> = None;
    for case in cases {
        for _ in 0..WARM_UP {
            black_box(run(black_box(case)));
        }
        let mut times: Vec<f64> = (0..ITERATIONS)
            .map(|_| {
                let start = Instant::now();
                black_box(run(black_box(case)));
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        let m = median(&mut times);
        println!("{:<32}{m:>10.1} µs", case.id);
        medians.push(m);
        if slowest.is_none_or(|(_, worst)| m > worst) {
            slowest = Some((case, m));
        }
    }
    let (case, worst) = slowest?;
    println!(
        "median over cases: {:.1} µs; slowest: {} {worst:.1} µs",
        median(&mut medians),
        case.id
    );
    Some(case)
}

/// Median wall time of whole processes: start-up, parsing arguments and
/// printing included, which a library call does not show.
fn processes(slowest: Option<&Case>) {
    const RUNS: usize = 30;
    // Cargo builds the binary in the bench profile before running benches.
    let binary = Path::new(env!("CARGO_BIN_EXE_matdiff"));
    if !binary.exists() {
        println!(
            "note: {} not found; process timings skipped",
            binary.display()
        );
        return;
    }
    let mut jobs = vec![(
        "forward 'C = inv(A)'".to_string(),
        vec!["forward", "--", "C = inv(A)"],
    )];
    if let Some(case) = slowest {
        jobs.push((
            case.id.clone(),
            vec![case.mode.name(), "--wrt", &case.wrt, "--", &case.program],
        ));
    }
    println!(
        "\nwhole process ({}), median of {RUNS} runs",
        binary.display()
    );
    for (label, args) in jobs {
        let mut times: Vec<f64> = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let start = Instant::now();
            let status = Command::new(binary)
                .args(&args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("matdiff starts");
            times.push(start.elapsed().as_secs_f64() * 1e3);
            assert!(status.success(), "matdiff {args:?} failed: {status}");
        }
        println!("{label:<32}{:>10.2} ms", median(&mut times));
    }
}

fn main() {
    let cases = load_cases();
    let mut criterion = Criterion::default().configure_from_args();
    bench_cases(&mut criterion, &cases);
    criterion.final_summary();
    // Only a real benchmark run passes --bench; `cargo test --benches` does
    // not, and there the timings would be noise.
    if std::env::args().any(|a| a == "--bench") {
        let slowest = summary(&cases);
        processes(slowest);
    }
}
