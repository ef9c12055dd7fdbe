//! Every input that ever broke matdiff — a panic, a hang, unbounded memory or
//! a wrong answer — replayed through the whole pipeline the fuzz targets run
//! (`tests/common/pipeline.rs`): parse, shapes, every mode with and without
//! `--expand`, steps, every printer, re-parse, and the numerical check.
//!
//! A case is `tests/data/regressions/<name>.txt`: the program, after header
//! comments saying how it was found, what broke and which change fixed it.
//! `# expect: pass` marks a case whose bug was a wrong answer: its check
//! must run and pass, not merely end in an error. Each case runs on its own
//! thread, with the command line's stack, and must finish within
//! [`TIME_LIMIT`]; all cases run, and failures are reported together.

mod common;

// The fuzz targets use all of it; these tests, most.
#[allow(dead_code)]
#[path = "common/pipeline.rs"]
mod pipeline;

use matdiff::egraph::Limits;
use pipeline::{exercise, Depth, Outcome};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest a case may take before it counts as a hang again. The slowest
/// takes about 5 s in the test profile on a 2-core machine.
const TIME_LIMIT: Duration = Duration::from_secs(60);

struct Case {
    name: String,
    text: String,
    must_pass: bool,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/regressions");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .expect("tests/data/regressions exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable case");
            let header = common::header(&text);
            let must_pass = header.iter().any(|(k, v)| k == "expect" && v == "pass");
            for key in ["found", "fixed"] {
                assert!(
                    header.iter().any(|(k, _)| k == key),
                    "{} has no `# {key}:` line",
                    path.display()
                );
            }
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into_owned(),
                text,
                must_pass,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Runs one case; `Err` says what went wrong.
fn replay(case: &Case) -> Result<Duration, String> {
    let (send, receive) = mpsc::channel();
    let text = case.text.clone();
    let must_pass = case.must_pass;
    let started = Instant::now();
    std::thread::Builder::new()
        .stack_size(matdiff::limits::STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(|| {
                let depth = Depth {
                    derive: true,
                    check: true,
                };
                let outcome = exercise(&text, depth, &Limits::default());
                if must_pass {
                    assert_eq!(outcome, Outcome::Derived, "the program was refused");
                    let model = matdiff::shape::analyze_source(&text).unwrap();
                    let report = matdiff::check::check(&model, None, 1)
                        .unwrap_or_else(|e| panic!("the check did not run: {}", e.message));
                    assert!(report.passed(), "the check failed:\n{report}");
                }
            });
            let _ = send.send(result.map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".to_string())
            }));
        })
        .expect("the case's thread starts");
    match receive.recv_timeout(TIME_LIMIT) {
        Ok(Ok(())) => Ok(started.elapsed()),
        Ok(Err(why)) => Err(why),
        // The thread is left behind; the test fails either way.
        Err(_) => Err(format!("still running after {TIME_LIMIT:?}")),
    }
}

#[test]
fn every_input_that_broke_matdiff_now_works() {
    let cases = cases();
    assert!(cases.len() >= 14, "only {} regression cases", cases.len());
    // As many cases at a time as there are cores; each keeps its own clock.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(index) else { break };
                let result = replay(case);
                results.lock().unwrap().push((case.name.clone(), result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut failures = Vec::new();
    for (name, result) in results {
        match result {
            Ok(took) => eprintln!("{name:<40} {took:>8.2?}"),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} regressions broke again:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
