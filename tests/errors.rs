//! The bad-input corpus: every file in `tests/data/errors` is a program that
//! `matdiff` must refuse with a message (SPEC §2, "Errors").
//!
//! A case is one file, `<kebab-name>.txt`, holding the program text. Header
//! lines at the top may set the command, `--wrt` and other flags; they are
//! comments in the language, so the whole file is passed to `matdiff`
//! unchanged and the line:column in the message refer to the file:
//!
//! ```text
//! # mode: grad
//! # wrt: Z
//! # flags: --expand
//! A: matrix(n, m); inv(A)
//! ```
//!
//! `mode` is `forward` (the default), `reverse`, `grad`, `hessian`, `jacobian`, `check`,
//! `simplify` or `repl`; a `repl` case is typed into `matdiff repl` on
//! standard input, one line at a time, and must print nothing but errors.
//! Cases too long to keep as files (nesting past the parser's limit, lines
//! of 200 000 characters) or not text at all are generated here.
//!
//! For each case the binary is run as `matdiff <mode> [--wrt W] [flags] --
//! <text>` with a time limit, and the test asserts: exit status 1 (2 for
//! errors in `--wrt`), nothing on standard output, no panic, no line of the
//! message longer than [`MAX_LINE`], and a message that points into the
//! text with `--> line:col`, the line itself (or a window of it, `…` where
//! it is cut) and a row of carets under the column it names (whole-program
//! errors, listed in [`WHOLE_PROGRAM`], have no position). Then standard
//! error is compared with its snapshot in
//! `tests/snapshots/errors/<kebab-name>.snap`.
//!
//! `tests/data/error-messages.txt` lists every message (and hint) the code
//! can produce, each with the case that produces it or the reason none can;
//! [`every_message_has_a_case`] holds the list to the source and the cases
//! to the list.
//!
//! Every case runs even when an earlier one fails; the failures are reported
//! together at the end. Review changed messages with
//! `INSTA_UPDATE=always cargo test --test errors` and `git diff`.

mod common;
#[path = "common/messages.rs"]
mod messages;

use messages::{
    decode_escapes, fixed_parts, lex, matches_template, message_lines, message_literals,
};
use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Longest a single case may run before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Cases whose error is about the program as a whole, so the message has no
/// `-->` position and no carets.
const WHOLE_PROGRAM: [&str; 16] = [
    "result-divides-by-zero",
    "result-number-too-long",
    "generated-program-too-long",
    "declarations-only",
    "expansion-too-large",
    "empty-program",
    "only-comments",
    "no-inputs",
    "grad-expansion-too-large",
    "generated-stdin-not-utf8",
    "generated-repl-stdin-not-utf8",
    "repl-no-program-yet",
    "repl-only-declarations",
    "generated-steps-too-long",
    "generated-result-too-many-operators",
    "generated-expanded-result-too-many-operators",
];

/// Longest line a message may have: an excerpt is cut to a window around
/// the caret, and long quoted expressions are shortened.
const MAX_LINE: usize = 400;

/// The modes a case may name.
const MODES: [&str; 8] = [
    "forward", "reverse", "grad", "hessian", "jacobian", "check", "simplify", "repl",
];

/// One bad input.
struct Case {
    /// The file name without `.txt`; also the snapshot's name.
    name: String,
    /// One of [`MODES`].
    mode: String,
    /// The value of `--wrt`, if any.
    wrt: Option<String>,
    /// Further flags, such as `--steps`.
    flags: Vec<String>,
    /// The program, passed unchanged (header lines included).
    text: String,
    /// Bytes for standard input instead of `text` (the program is then
    /// `-`), for input that is not text.
    stdin: Option<Vec<u8>>,
}

impl Case {
    /// A case from a corpus file, its mode and `--wrt` read from the leading
    /// comment lines.
    fn from_file(path: &Path) -> Case {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("corpus file names are UTF-8")
            .to_string();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut mode = "forward".to_string();
        let mut wrt = None;
        let mut flags = Vec::new();
        for (key, value) in common::header(&text) {
            match key.as_str() {
                "mode" => mode = value,
                "wrt" => wrt = Some(value),
                "flags" => flags = value.split_whitespace().map(str::to_string).collect(),
                _ => {}
            }
        }
        assert!(
            MODES.contains(&mode.as_str()),
            "{name}: unknown mode `{mode}`"
        );
        Case {
            name,
            mode,
            wrt,
            flags,
            text,
            stdin: None,
        }
    }

    /// A generated case in `mode`.
    fn generated(name: &str, mode: &str, flags: &[&str], text: String) -> Case {
        Case {
            name: name.to_string(),
            mode: mode.to_string(),
            wrt: None,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            text,
            stdin: None,
        }
    }

    /// The command line, for messages.
    fn command_line(&self) -> String {
        let wrt = self
            .wrt
            .as_ref()
            .map_or(String::new(), |w| format!(" --wrt '{w}'"));
        let flags: String = self.flags.iter().map(|f| format!(" {f}")).collect();
        if self.mode == "repl" {
            return format!("matdiff repl < <{}>", self.name);
        }
        format!("matdiff {}{wrt}{flags} -- <{}>", self.mode, self.name)
    }
}

/// What a run of the binary left behind.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary on a case, killing it after [`TIME_LIMIT`].
fn run(case: &Case) -> Result<Run, String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_matdiff"));
    command.arg(&case.mode);
    if let Some(wrt) = &case.wrt {
        command.arg("--wrt").arg(wrt);
    }
    command.args(&case.flags);
    let input = if case.mode == "repl" {
        Some(
            case.stdin
                .clone()
                .unwrap_or_else(|| case.text.clone().into_bytes()),
        )
    } else if let Some(bytes) = &case.stdin {
        command.arg("-");
        Some(bytes.clone())
    } else {
        command.arg("--").arg(&case.text);
        None
    };
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0");
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start matdiff: {e}"))?;
    if let Some(bytes) = input {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // Written from another thread, so a full pipe cannot block the test.
        thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&bytes);
        });
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {TIME_LIMIT:?}; killed"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("cannot wait for matdiff: {e}")),
        }
    };
    let stderr = stderr.join().expect("the reader thread does not panic");
    Ok(Run {
        code: status.code(),
        stdout: stdout.join().expect("the reader thread does not panic"),
        stderr: without_limit_note(&stderr),
    })
}

/// Standard error without the note that simplification stopped at a limit:
/// whether the time limit is met depends on the machine's load, and the
/// note is not part of the error.
fn without_limit_note(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("note: simplification stopped"))
        .collect()
}

/// Reads a pipe to its end on another thread, so a full pipe cannot block
/// the child.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Checks that `stderr` points into `text` as SPEC §2 asks: a `-->` line
/// with `line:col`, that line of `text` quoted (whole, or a window of it
/// with `…` where it is cut), and carets starting under that column.
/// `origin` is what precedes `line:col` (`--wrt ` for usage errors).
fn check_position(stderr: &str, text: &str, origin: &str) -> Result<(), String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let arrow = lines
        .iter()
        .position(|l| l.trim_start().starts_with("-->"))
        .ok_or("no `-->` line giving the position")?;
    let place = lines[arrow].trim_start()["-->".len()..].trim();
    let place = place
        .strip_prefix(origin)
        .ok_or_else(|| format!("the position `{place}` does not start with `{origin}`"))?;
    let (line, col) = place
        .split_once(':')
        .and_then(|(l, c)| Some((l.parse::<usize>().ok()?, c.parse::<usize>().ok()?)))
        .ok_or_else(|| format!("`{place}` is not `line:col`"))?;
    if line == 0 || col == 0 {
        return Err(format!("`{place}`: lines and columns count from 1"));
    }
    // The quoted line: `<line> | <text>`.
    let quoted = lines
        .iter()
        .skip(arrow)
        .find_map(|l| l.strip_prefix(&format!("{line} | ")))
        .ok_or_else(|| format!("line {line} is not quoted after the `-->` line"))?;
    let source_line = text
        .split('\n')
        .nth(line - 1)
        .ok_or_else(|| format!("the text has no line {line}"))?;
    // The caret row: spaces (tabs where the line has tabs), then `^`s.
    let carets = lines
        .iter()
        .skip(arrow)
        .filter_map(|l| l.trim_start().strip_prefix('|'))
        .filter_map(|l| l.strip_prefix(' '))
        .find(|l| l.contains('^') && l.chars().all(|c| matches!(c, ' ' | '\t' | '^')))
        .ok_or("no row of `^` carets under the quoted line")?;
    let indent = carets.chars().take_while(|c| *c != '^').count();
    let source: Vec<char> = source_line.chars().collect();
    if col > source.len() + 1 {
        return Err(format!(
            "column {col} is past the end of line {line} ({} characters)",
            source.len()
        ));
    }
    if quoted == source_line {
        if indent + 1 != col {
            return Err(format!(
                "the carets start at column {}, but the position says column {col}",
                indent + 1
            ));
        }
        return Ok(());
    }
    // A window: `…` where the line is cut, the rest exactly as in the line,
    // and the carets under the same character as in the whole line.
    let (cut_before, rest) = match quoted.strip_prefix('…') {
        Some(rest) => (true, rest),
        None => (false, quoted),
    };
    let (cut_after, shown) = match rest.strip_suffix('…') {
        Some(shown) => (true, shown),
        None => (false, rest),
    };
    if !cut_before && !cut_after {
        return Err(format!(
            "line {line} is quoted as {quoted:?}, but it is {source_line:?}"
        ));
    }
    let shown: Vec<char> = shown.chars().collect();
    let caret_in_shown = indent
        .checked_sub(usize::from(cut_before))
        .ok_or("the carets start under the `…`")?;
    let lo = (col - 1)
        .checked_sub(caret_in_shown)
        .ok_or_else(|| format!("the carets start before column {col} could be shown"))?;
    let hi = lo + shown.len();
    if hi > source.len() || source[lo..hi] != shown[..] {
        return Err(format!(
            "line {line} is quoted as {quoted:?}, which is not a part of it with the carets under column {col}"
        ));
    }
    if cut_before != (lo > 0) || cut_after != (hi < source.len()) {
        return Err(format!(
            "line {line} is quoted as {quoted:?}: `…` must stand exactly where the line is cut"
        ));
    }
    Ok(())
}

/// The assertions of one case, short of the snapshot.
fn check_run(case: &Case, run: &Run) -> Result<(), String> {
    let wrt_error = run.stderr.contains("--> --wrt ");
    let expected_code = if case.wrt.is_some() { 2 } else { 1 };
    if run.stderr.contains("panicked") {
        return Err("matdiff panicked".to_string());
    }
    if run.code != Some(expected_code) {
        return Err(format!(
            "exit status {:?}, expected {expected_code}",
            run.code
        ));
    }
    if !run.stdout.is_empty() {
        return Err(format!("printed to standard output: {:?}", run.stdout));
    }
    if !run.stderr.starts_with("error: ") {
        return Err("the message does not start with `error: `".to_string());
    }
    if let Some(long) = run.stderr.lines().find(|l| l.chars().count() > MAX_LINE) {
        return Err(format!(
            "a line of the message has {} characters, more than {MAX_LINE}: {:?}…",
            long.chars().count(),
            long.chars().take(80).collect::<String>()
        ));
    }
    if case.wrt.is_some() != wrt_error {
        // A case with `--wrt` is there for its `--wrt` error; one without
        // cannot have one.
        return Err(if wrt_error {
            "an error in `--wrt`, but the case passes none".to_string()
        } else {
            "the case passes `--wrt` but the error is not about it".to_string()
        });
    }
    if WHOLE_PROGRAM.contains(&case.name.as_str()) {
        if run.stderr.contains("-->") || run.stderr.contains('^') {
            return Err("a whole-program error, but the message points at a place".to_string());
        }
    } else if wrt_error {
        check_position(&run.stderr, case.wrt.as_deref().unwrap_or(""), "--wrt ")?;
    } else {
        check_position(&run.stderr, &case.text, "")?;
    }
    Ok(())
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/errors")
}

/// The corpus files, sorted, then the generated cases.
fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/data/errors exists")
        .map(|entry| entry.expect("the directory lists").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let mut cases: Vec<Case> = paths.iter().map(|p| Case::from_file(p)).collect();
    let depth = 300;
    let forward = |name: &str, text: String| Case::generated(name, "forward", &[], text);
    // A single argument is limited to 128 KiB: longer programs go through
    // standard input.
    let piped = |name: &str, text: String| {
        let mut case = forward(name, text);
        case.stdin = Some(case.text.clone().into_bytes());
        case
    };
    cases.push(forward(
        "generated-nesting-too-deep",
        format!("C = {}A{}\n", "(".repeat(depth), ")".repeat(depth)),
    ));
    cases.push(forward(
        "generated-nested-calls-too-deep",
        format!("C = {}A{}\n", "inv(".repeat(depth), ")".repeat(depth)),
    ));
    cases.push(forward(
        "generated-minus-run-too-long",
        format!("C = {}A\n", "-".repeat(depth)),
    ));
    cases.push(forward(
        "generated-too-many-operators",
        format!("C = {}A\n", "A + ".repeat(1001)),
    ));
    // Lines of 200 000 characters (400 names of 500 letters), the error at
    // the start, in the middle and at the end: the excerpt is a window.
    let name = format!("A{}", "a".repeat(499));
    let terms = |n: usize| vec![name.as_str(); n].join(" + ");
    cases.push(piped(
        "generated-long-line-error-at-start",
        format!("C = inv(X, Y) + {}\n", terms(400)),
    ));
    cases.push(piped(
        "generated-long-line-error-in-middle",
        format!("C = {} + inv(X, Y) + {}\n", terms(200), terms(200)),
    ));
    cases.push(piped(
        "generated-long-line-error-at-end",
        format!("C = {} +", terms(400)),
    ));
    // Past the most matdiff reads (`MAX_INPUT_BYTES`): 32 768 comment lines
    // after the program.
    cases.push(piped(
        "generated-program-too-long",
        format!(
            "C = inv(A)\n{}",
            "# a comment, to make the program long\n".repeat(32 * 1024)
        ),
    ));
    // 300 assignments of 60-term sums: every tangent's steps are long.
    let wide: String = (1..300)
        .map(|i| {
            let terms: Vec<String> = (i.max(60) - 60..i).map(|j| format!("X{j}")).collect();
            format!("X{i} = {} * A\n", terms.join(" + "))
        })
        .collect();
    cases.push(Case::generated(
        "generated-steps-too-long",
        "forward",
        &["--steps"],
        format!("A, X0: matrix(n, n)\n{wide}f = tr(X299)\n"),
    ));
    // The chain rule through 120 nested calls repeats the chain in every
    // factor: the result would not read back as a statement.
    let nested = format!("C = {}A{}\n", "sin(".repeat(120), ")".repeat(120));
    cases.push(Case::generated(
        "generated-result-too-many-operators",
        "forward",
        &[],
        nested.clone(),
    ));
    cases.push(Case::generated(
        "generated-expanded-result-too-many-operators",
        "forward",
        &["--expand"],
        nested,
    ));
    let mut not_utf8 = forward("generated-stdin-not-utf8", String::new());
    not_utf8.stdin = Some(b"C = inv(A) # \xff\n".to_vec());
    cases.push(not_utf8);
    let mut repl_not_utf8 =
        Case::generated("generated-repl-stdin-not-utf8", "repl", &[], String::new());
    repl_not_utf8.stdin = Some(b"C = inv(A) # \xff\n".to_vec());
    cases.push(repl_not_utf8);
    cases
}

/// Snapshots go to `tests/snapshots/errors/<name>.snap`, headed by the
/// command line and the corpus file they come from.
fn snapshot_settings(case: &Case) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/errors");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let wrt = case
        .wrt
        .as_ref()
        .map_or(String::new(), |w| format!(" --wrt '{w}'"));
    let flags: String = case.flags.iter().map(|f| format!(" {f}")).collect();
    settings.set_description(if case.mode == "repl" {
        "matdiff repl < <program>".to_string()
    } else if case.stdin.is_some() {
        format!("matdiff {}{wrt}{flags} - < <program>", case.mode)
    } else {
        format!("matdiff {}{wrt}{flags} -- <program>", case.mode)
    });
    let file = corpus_dir().join(format!("{}.txt", case.name));
    if file.exists() {
        settings.set_input_file(file);
    }
    settings
}

#[test]
fn corpus_is_large_enough_and_well_named() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for case in &cases {
        assert!(
            case.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{}` is not a kebab-case name",
            case.name
        );
    }
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/errors");
    if let Ok(entries) = std::fs::read_dir(&snapshots) {
        for entry in entries {
            let path = entry.expect("the directory lists").path();
            let file = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
            let stem = file.strip_suffix(".snap").unwrap_or(file);
            assert!(
                cases.iter().any(|c| c.name == stem),
                "{} belongs to no case: delete it, or review the pending snapshot",
                path.display()
            );
        }
    }
    for name in WHOLE_PROGRAM {
        assert!(
            cases.iter().any(|c| c.name == name),
            "WHOLE_PROGRAM names `{name}`, which is not a case"
        );
    }
}

#[test]
fn every_bad_input_is_refused_with_a_message() {
    let mut failures = Vec::new();
    for case in cases() {
        let run = match run(&case) {
            Ok(run) => run,
            Err(e) => {
                failures.push(format!("{}: {e}", case.command_line()));
                continue;
            }
        };
        if let Err(e) = check_run(&case, &run) {
            failures.push(format!(
                "{}: {e}\n--- stderr ---\n{}",
                case.command_line(),
                run.stderr
            ));
        }
        let snapshot = std::panic::catch_unwind(AssertUnwindSafe(|| {
            snapshot_settings(&case).bind(|| {
                insta::assert_snapshot!(case.name.as_str(), run.stderr.as_str());
            });
        }));
        if snapshot.is_err() {
            failures.push(format!(
                "{}: the message differs from its snapshot (diff above)",
                case.command_line()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the bad inputs failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// One line of `tests/data/error-messages.txt`.
struct Listed {
    /// The line number in the listing, for messages.
    at: usize,
    /// The file under `src/` the message is written in.
    file: String,
    /// The case that prints it, or `None` with the reason none can.
    case: Result<String, String>,
    /// `error`, `help` or `note`: the line of the message it is on.
    part: &'static str,
    /// The template, escapes decoded, without its `help: ` or `note: `.
    template: String,
}

fn listing() -> Vec<Listed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/error-messages.txt");
    let text = std::fs::read_to_string(&path).expect("tests/data/error-messages.txt exists");
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.splitn(3, " | ").collect();
        let [file, case, template] = fields[..] else {
            panic!(
                "error-messages.txt:{}: not `file | case | template`",
                index + 1
            );
        };
        let case = match case.trim().strip_prefix("- ") {
            Some(reason) => Err(reason.to_string()),
            None => Ok(case.trim().to_string()),
        };
        let (part, template) = if let Some(t) = template.strip_prefix("help: ") {
            ("help", t)
        } else if let Some(t) = template.strip_prefix("note: ") {
            ("note", t)
        } else {
            ("error", template)
        };
        out.push(Listed {
            at: index + 1,
            file: file.trim().to_string(),
            case,
            part,
            template: decode_escapes(template),
        });
    }
    out
}

/// `tests/data/error-messages.txt` against the source and the corpus: every
/// listed template is still written in its file and printed by its case,
/// every case it names exists, and every message written in a message call
/// (`Error::input("…")`, `.with_help("…")` …) anywhere in `src/` is listed.
#[test]
fn every_message_has_a_case() {
    let listed = listing();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cases = cases();
    let mut failures = Vec::new();
    let mut runs: std::collections::HashMap<String, String> = Default::default();
    for entry in &listed {
        let place = format!("error-messages.txt:{}", entry.at);
        let fixed: usize = fixed_parts(&entry.template)
            .iter()
            .map(|p| p.trim().chars().count())
            .sum();
        if fixed < 3 {
            failures.push(format!(
                "{place}: `{}` has too little fixed text to be checked",
                entry.template
            ));
        }
        let source = match std::fs::read_to_string(src.join(&entry.file)) {
            Ok(source) => source,
            Err(e) => {
                failures.push(format!("{place}: cannot read src/{}: {e}", entry.file));
                continue;
            }
        };
        let (_, literals) = lex(&source);
        if !literals.iter().any(|(_, l)| l.contains(&entry.template)) {
            failures.push(format!(
                "{place}: src/{} no longer has the message {:?}: update the listing (and the case)",
                entry.file, entry.template
            ));
        }
        let Ok(name) = &entry.case else {
            continue;
        };
        let Some(case) = cases.iter().find(|c| &c.name == name) else {
            failures.push(format!("{place}: there is no case `{name}`"));
            continue;
        };
        if !runs.contains_key(name) {
            let stderr = match run(case) {
                Ok(run) => run.stderr,
                Err(e) => format!("(the case did not run: {e})"),
            };
            runs.insert(name.clone(), stderr);
        }
        let stderr = &runs[name];
        let lines = message_lines(stderr, entry.part);
        if !lines.iter().any(|l| matches_template(l, &entry.template)) {
            failures.push(format!(
                "{place}: `{name}` no longer prints the {} {:?}; it prints:\n{stderr}",
                entry.part, entry.template
            ));
        }
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ lists") {
            let path = entry.expect("src/ lists").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let file = path
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .replace('\\', "/");
        if file == "error.rs" {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("a source file reads");
        for (line, literal) in message_literals(&source) {
            if !listed
                .iter()
                .any(|l| l.file == file && l.template == literal)
            {
                failures.push(format!(
                    "src/{file}:{line}: the message {literal:?} is not in tests/data/error-messages.txt: \
                     add a case to tests/data/errors that prints it and list it there \
                     (or list why no command line can)"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems with the message listing:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
