//! The README's command-line examples, run: every indented `$ matdiff …`
//! line is run by the shell with the built binary, and what it prints
//! (standard output, or standard error for a refused input) must be the
//! lines that follow it in the README, up to the next command or blank line.
//!
//! Lines that redirect output or run another program (`> d.py`, `python3 …`)
//! and the interactive `matdiff repl` session (tested in `tests/repl.rs`) are
//! left out, and counted so that none is left out by accident.

use std::path::Path;
use std::process::Command;

struct Example {
    line: usize,
    command: String,
    expected: String,
}

/// The README's examples, and how many command lines were left out.
fn examples() -> (Vec<Example>, usize) {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(readme).expect("README.md is readable");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(command) = lines[i].strip_prefix("    $ ") else {
            i += 1;
            continue;
        };
        let start = i;
        i += 1;
        let mut expected = Vec::new();
        let continues = |line: &str| line.starts_with("    ") && !line.starts_with("    $ ");
        while i < lines.len() {
            if continues(lines[i]) {
                expected.push(&lines[i][4..]);
            } else if lines[i].is_empty() && lines.get(i + 1).is_some_and(|l| continues(l)) {
                // A blank line inside the output (`--steps` before the results).
                expected.push("");
            } else {
                break;
            }
            i += 1;
        }
        let runnable = command.starts_with("matdiff ")
            && !command.contains(" > ")
            && command != "matdiff repl";
        if runnable {
            out.push(Example {
                line: start + 1,
                command: command.to_string(),
                expected: expected.join("\n"),
            });
        } else {
            skipped += 1;
        }
    }
    (out, skipped)
}

#[test]
fn every_readme_example_prints_what_the_readme_says() {
    let (examples, skipped) = examples();
    assert!(
        examples.len() >= 15,
        "only {} examples found",
        examples.len()
    );
    assert_eq!(
        skipped, 3,
        "the numpy pair and the repl session are left out"
    );
    let binary = env!("CARGO_BIN_EXE_matdiff");
    let mut failures = Vec::new();
    for example in &examples {
        let script = format!(
            "{}{}",
            shell_quote(binary),
            &example.command["matdiff".len()..]
        );
        let output = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh runs");
        let printed = if output.status.success() {
            String::from_utf8_lossy(&output.stdout).into_owned()
        } else {
            String::from_utf8_lossy(&output.stderr).into_owned()
        };
        // Notes about simplification limits go to standard error and are
        // not part of the README's examples.
        let printed = printed.trim_end();
        if printed != example.expected {
            failures.push(format!(
                "README.md:{}: `{}` printed\n{printed}\nbut the README says\n{}",
                example.line, example.command, example.expected
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
