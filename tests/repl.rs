//! `matdiff repl`: the session's commands through `Session::handle`, a
//! scripted session through standard input (snapshotted), and a session at a
//! pseudo-terminal, where rustyline draws the prompt, completes and keeps
//! history.

use matdiff::repl::{run_script, Session};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A session fed `lines` one by one; the outputs of the last line.
fn after(lines: &[&str]) -> (Session, matdiff::repl::Output) {
    let mut session = Session::new();
    let mut out = Default::default();
    for line in lines {
        out = session.handle(line);
    }
    (session, out)
}

/// The standard output of the last of `lines`, which must succeed.
fn stdout_of(lines: &[&str]) -> String {
    let (_, out) = after(lines);
    assert!(!out.failed, "{lines:?} failed:\n{}", out.stderr);
    out.stdout
}

/// A fresh, empty directory under the target's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is made");
    dir
}

// ---- Session::handle, command by command ----

#[test]
fn declarations_and_assignments_are_kept_silently() {
    let (session, out) = after(&["A: symmetric(n)", "C = inv(A); D = C * A"]);
    assert_eq!(out, Default::default());
    assert_eq!(session.program(), "A: symmetric(n)\nC = inv(A); D = C * A");
}

#[test]
fn blank_and_comment_lines_do_nothing() {
    let (session, out) = after(&["", "   ", "# a comment"]);
    assert_eq!(out, Default::default());
    assert_eq!(session.program(), "");
}

#[test]
fn forward_on_the_session_and_on_a_typed_program() {
    assert_eq!(
        stdout_of(&["C = inv(A)", ":forward"]),
        "dot(C) = -C * dot(A) * C\n"
    );
    assert_eq!(
        stdout_of(&[":forward C = inv(A)"]),
        "dot(C) = -C * dot(A) * C\n"
    );
}

#[test]
fn reverse_on_the_session() {
    assert_eq!(
        stdout_of(&["C = inv(A)", ":reverse"]),
        "bar(A) = -C' * bar(C) * C'\n"
    );
    assert_eq!(
        stdout_of(&["B = A'", "C = B * A", ":reverse"]),
        stdout_of(&[":reverse B = A'; C = B * A"])
    );
}

#[test]
fn grad_of_a_typed_program() {
    assert_eq!(stdout_of(&[":grad tr(A*X)"]), "bar(A) = X'\nbar(X) = A'\n");
}

#[test]
fn a_typed_program_sees_the_session_declarations() {
    // X symmetric: the gradient is the symmetric part.
    assert_eq!(
        stdout_of(&["X: symmetric(n)", ":grad tr(A*X)"]),
        "bar(A) = X\nbar(X) = 1/2 * (A' + A)\n"
    );
}

#[test]
fn a_typed_program_uses_session_names_and_leaves_out_the_rest() {
    let out = stdout_of(&["C = inv(A)", "D = A * A", ":grad tr(C)"]);
    assert_eq!(out, "bar(A) = -C' * C'\n");
    // D is not used by `tr(A * X)`, so neither D nor C enter its results.
    let out = stdout_of(&["C = inv(A)", "D = A * A", ":reverse tr(A * X)"]);
    assert_eq!(out, "bar(A) = bar(f) * X'\nbar(X) = bar(f) * A'\n");
}

#[test]
fn grad_on_the_session_program() {
    assert_eq!(
        stdout_of(&["x: vector(n)", "f = x' * A * x", ":grad"]),
        "bar(x) = (A + A') * x\nbar(A) = x * x'\n"
    );
}

#[test]
fn check_on_the_session_program() {
    let out = stdout_of(&["C = inv(A)", ":check"]);
    assert!(out.starts_with("sizes: rows(A) = 3\n"), "{out}");
    assert!(out.contains("dot(C) against central differences"), "{out}");
    // The Jacobian jac(C, A) over the named size rows(A) is compared too.
    assert!(out.contains("jac(C, A) against differences"), "{out}");
    assert!(out.ends_with("4 passed, 0 failed\n"), "{out}");
}

#[test]
fn check_of_a_typed_program() {
    let out = stdout_of(&[":check f = logdet(A) + x' * A * x"]);
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
    assert!(out.contains("grad: ⟨bar(x), dot(x)⟩"), "{out}");
}

#[test]
fn simplify_the_session_and_a_typed_program() {
    assert_eq!(
        stdout_of(&["C = inv(inv(A))", "f = tr(A * B) - tr(B * A)", ":simplify"]),
        "C = A\nf = 0\n"
    );
    assert_eq!(stdout_of(&[":simplify (A')' + 0 * B"]), "A\n");
}

#[test]
fn a_bare_expression_is_shown_simplified_and_not_kept() {
    let (session, out) = after(&["C = inv(A)", "tr(A * B) - tr(B * A)"]);
    assert_eq!(out.stdout, "0\n");
    assert_eq!(session.program(), "C = inv(A)");
    // It may use the session's names, and statements before it on the line.
    let line = "D = C * B; tr(D * E) - tr(E * D)";
    assert_eq!(stdout_of(&["C = inv(A)", line]), "0\n");
    assert_eq!(after(&["C = inv(A)", line]).0.program(), "C = inv(A)");
}

#[test]
fn steps_on_off_and_asked() {
    let (mut session, out) = after(&[":steps"]);
    assert_eq!(out.stdout, "steps off\n");
    assert_eq!(session.handle(":steps on"), Default::default());
    assert_eq!(session.handle(":steps").stdout, "steps on\n");
    let out = session.handle(":forward C = inv(A)");
    assert!(
        out.stdout
            .contains("[derivative of the inverse: d(M⁻¹) = −M⁻¹ dM M⁻¹]"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("\n\ndot(C) = -C * dot(A) * C\n"));
    session.handle(":steps off");
    assert_eq!(
        session.handle(":forward C = inv(A)").stdout,
        "dot(C) = -C * dot(A) * C\n"
    );
    let bad = session.handle(":steps maybe");
    assert!(bad.failed);
    assert!(bad.stderr.contains("1 | :steps maybe\n  |        ^^^^^\n"));
}

#[test]
fn format_changes_the_notation() {
    let (mut session, _) = after(&["C = inv(A)", ":format unicode"]);
    assert_eq!(
        session.handle(":reverse").stdout,
        "A\u{304} = −Cᵀ C\u{304} Cᵀ\n"
    );
    session.handle(":format latex");
    assert_eq!(session.handle(":format").stdout, "format latex\n");
    assert_eq!(
        session.handle(":reverse").stdout,
        "\\bar{A} = -C^{\\top} \\bar{C} C^{\\top}\n"
    );
    assert_eq!(session.handle(":simplify").stdout, "C = A^{-1}\n");
    session.handle(":format plain");
    assert_eq!(
        session.handle(":forward").stdout,
        "dot(C) = -C * dot(A) * C\n"
    );
    let bad = session.handle(":format html");
    assert!(bad.failed);
    assert!(bad
        .stderr
        .starts_with("error: `:format` takes `plain`, `unicode`, `latex`, `json` or `numpy`"));
}

#[test]
fn format_json_and_numpy_print_what_the_command_line_prints() {
    let (mut session, _) = after(&["C = inv(A)", ":format json"]);
    assert_eq!(session.handle(":format").stdout, "format json\n");
    let json: serde_json::Value =
        serde_json::from_str(&session.handle(":reverse").stdout).expect("JSON");
    assert_eq!(json["results"][0]["expr"], "-C' * bar(C) * C'");
    assert_eq!(json["mode"], "reverse");
    session.handle(":format numpy");
    let module = session.handle(":forward").stdout;
    assert!(module.contains("def derivatives(**arrays):"));
    assert!(module.contains("\"dot(C)\""));
}

#[test]
fn options_follow_the_command_as_on_the_command_line() {
    let (mut session, _) = after(&["y = X * w", "f = norm(y)^2"]);
    assert_eq!(
        session.handle(":grad --wrt w").stdout,
        "bar(w) = 2 * (X' * y)\n"
    );
    assert_eq!(
        session.handle(":reverse --expand --wrt=w").stdout,
        "bar(w) = 2 * bar(f) * (X' * (X * w))\n"
    );
    assert_eq!(
        session.handle(":grad --wrt x tr(A * x * x')").stdout,
        "bar(x) = (A + A') * x\n"
    );
    let bad = session.handle(":grad --wrt w,Z");
    assert!(bad.failed);
    assert!(
        bad.stderr.contains("`Z`") && bad.stderr.contains("--> 1:15"),
        "{}",
        bad.stderr
    );
    let report = session.handle(":check --seed 7 --wrt w").stdout;
    assert!(report.trim_end().ends_with("passed, 0 failed"), "{report}");
}

#[test]
fn redefining_a_name_replaces_it_and_says_so() {
    let (mut session, _) = after(&["C = inv(A)", "D = C * B"]);
    let out = session.handle("C = A + B");
    assert_eq!(out.stderr, "note: replaces `C = inv(A)`\n");
    assert!(!out.failed);
    assert_eq!(session.program(), "C = A + B\nD = C * B");
    assert_eq!(
        session.handle(":forward").stdout,
        "dot(C) = dot(A) + dot(B)\ndot(D) = dot(C) * B + C * dot(B)\n"
    );
    let out = session.handle("A: symmetric(n)");
    assert!(
        out.stderr.is_empty(),
        "a first declaration replaces nothing"
    );
    let out = session.handle("A: matrix(n, n)");
    assert_eq!(out.stderr, "note: replaces `A: symmetric(n)`\n");
}

#[test]
fn vars_lists_names_with_shapes() {
    assert_eq!(stdout_of(&[":vars"]), "the session defines nothing yet\n");
    assert_eq!(
        stdout_of(&["S: symmetric(n)", "y: vector", ":vars"]),
        "S  symmetric matrix n×n  declared, not used yet\n\
         y  vector len(y)×1       declared, not used yet\n"
    );
    assert_eq!(
        stdout_of(&[
            "S: symmetric(n)",
            "alpha = x' * S * x",
            "C = alpha * inv(S)",
            ":vars"
        ]),
        "S      symmetric matrix n×n  input\n\
         x      vector n×1            input\n\
         alpha  scalar                = x' * S * x\n\
         C      symmetric matrix n×n  = alpha * inv(S)\n"
    );
}

#[test]
fn reset_forgets_the_program() {
    let (mut session, _) = after(&["C = inv(A)", ":reset"]);
    assert_eq!(session.program(), "");
    let out = session.handle(":forward");
    assert!(out.failed);
    assert!(out
        .stderr
        .starts_with("error: the session has no program yet\n"));
    // After a reset, names may be declared afresh.
    assert_eq!(session.handle("C = inv(B)"), Default::default());
}

#[test]
fn help_lists_every_command() {
    let out = stdout_of(&[":help"]);
    for command in [
        ":forward",
        ":reverse",
        ":grad",
        ":check",
        ":simplify",
        ":steps",
        ":format",
        ":vars",
        ":reset",
        ":help",
        ":quit",
    ] {
        assert!(
            out.contains(&format!("\n  {command} ")),
            "{command} in\n{out}"
        );
    }
    assert!(out.contains("printed simplified"), "{out}");
}

#[test]
fn quit_and_its_aliases() {
    for line in [":quit", ":q", ":exit", "  :quit  "] {
        let out = Session::new().handle(line);
        assert!(out.quit && !out.failed, "{line}");
    }
    assert!(Session::new().handle(":quit now").failed);
}

#[test]
fn a_bad_line_is_reported_at_its_column_and_not_kept() {
    let (mut session, _) = after(&["C = inv(A)"]);
    let out = session.handle("D = C * x'");
    assert!(out.failed);
    assert_eq!(session.program(), "C = inv(A)");
    assert!(out.stderr.contains("--> 1:7\n"), "{}", out.stderr);
    let out = session.handle("D = C +");
    assert_eq!(
        out.stderr,
        "error: syntax error: unexpected end of input; expected an expression\n \
         --> 1:8\n  |\n1 | D = C +\n  |        ^\n"
    );
    // The session goes on.
    assert_eq!(
        session.handle(":forward").stdout,
        "dot(C) = -C * dot(A) * C\n"
    );
}

#[test]
fn an_error_in_a_typed_program_points_into_the_typed_line() {
    let out = Session::new().handle(":grad tr(A*X");
    assert!(out.failed);
    assert!(
        out.stderr
            .contains(" --> 1:9\n  |\n1 | :grad tr(A*X\n  |         ^\n"),
        "{}",
        out.stderr
    );
    let out = Session::new().handle(":grad A * X");
    assert!(out
        .stderr
        .starts_with("error: `grad` needs a scalar output"));
}

#[test]
fn an_error_in_a_kept_line_points_there_with_a_note() {
    let (mut session, _) = after(&["x: vector", "C = inv(A)"]);
    let out = session.handle("A: matrix(n, m)");
    assert!(out.failed);
    assert_eq!(
        out.stderr,
        "error: `inv` needs a square matrix, but `A` is a matrix (n×m)\n \
         --> 2:9\n  |\n2 | C = inv(A)\n  |         ^\n  \
         = note: the place is in line 2 of the session's program, kept earlier\n"
    );
    assert_eq!(session.program(), "x: vector\nC = inv(A)");
}

#[test]
fn an_unknown_command_is_an_error() {
    let out = Session::new().handle("  :fwd C = inv(A)");
    assert!(out.failed);
    assert!(out.stderr.starts_with(
        "error: unknown command `:fwd`\n --> 1:3\n  |\n1 |   :fwd C = inv(A)\n  |   ^^^^\n"
    ));
    assert!(out.stderr.ends_with("= help: `:help` lists the commands\n"));
}

#[test]
fn commands_on_a_session_without_assignments_say_so() {
    let out = after(&["A: matrix(n, n)", ":grad"]).1;
    assert!(out.failed);
    assert!(out
        .stderr
        .starts_with("error: the session's program has only declarations, no assignment\n"));
}

#[test]
fn scripted_sessions_number_errors_by_input_line() {
    let mut session = Session::scripted();
    session.handle("C = inv(A)");
    session.handle("");
    let out = session.handle("D = C * x'");
    assert!(out.stderr.contains("--> 3:7\n"), "{}", out.stderr);
    assert!(out.stderr.contains("3 | D = C * x'\n"), "{}", out.stderr);
}

#[test]
fn completion_of_commands_values_and_names() {
    let (session, _) = after(&["Sigma: symmetric(n)", "mu = x' * Sigma * x"]);
    assert_eq!(session.complete(":", 1).1.len(), 13);
    assert_eq!(
        session.complete(":s", 2),
        (0, vec![":simplify".into(), ":steps".into()])
    );
    assert_eq!(
        session.complete("  :re", 5),
        (2, vec![":reverse".into(), ":reset".into()])
    );
    assert_eq!(
        session.complete(":format la", 10),
        (8, vec!["latex".into()])
    );
    assert_eq!(
        session.complete(":steps o", 8),
        (7, vec!["on".into(), "off".into()])
    );
    assert_eq!(session.complete("f = tr(Si", 9), (7, vec!["Sigma".into()]));
    assert_eq!(
        session.complete(":grad m", 7),
        (6, vec!["matrix".into(), "mu".into()])
    );
    assert_eq!(
        session.complete("C = in", 6),
        (4, vec!["inner(".into(), "inv(".into()])
    );
    assert_eq!(session.complete("C = 2", 5), (4, vec![]));
    assert_eq!(session.complete("C = ", 4), (4, vec![]));
}

#[test]
fn run_script_reports_failure_in_its_status() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let ok = run_script("C = inv(A)\n:forward\n".as_bytes(), &mut out, &mut err);
    assert_eq!(ok, 0);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "dot(C) = -C * dot(A) * C\n"
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let failed = run_script(":quit\n:nonsense\n".as_bytes(), &mut out, &mut err);
    assert_eq!(failed, 0, "lines after :quit are not read");
}

// ---- The binary, scripted through standard input ----

#[test]
fn scripted_session_through_standard_input() {
    let script = "\
A: symmetric(n)
C = inv(A) * B
:reverse
:format latex
:reverse
D = C * x x
:vars
:quit
:forward
";
    let data = scratch("repl-scripted");
    let mut child = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .arg("repl")
        .env("XDG_DATA_HOME", &data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("matdiff runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(script.as_bytes())
        .expect("the script is written");
    let output = child.wait_with_output().expect("matdiff finishes");
    // A line was in error, so the script's status says so.
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/repl");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(format!("matdiff repl <<'EOF'\n{script}EOF"));
    settings.bind(|| {
        insta::assert_snapshot!("scripted-stdout", stdout);
        insta::assert_snapshot!("scripted-stderr", stderr);
    });
    // No prompt and no history for a script.
    assert!(!stdout.contains("matdiff>") && !stderr.contains("matdiff>"));
    assert!(!data.join("matdiff/history").exists());
}

// ---- The binary at a pseudo-terminal ----

/// `matdiff repl` under a pseudo-terminal, its output collected as it comes.
struct Terminal {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// Starts `matdiff repl` under `script` (util-linux) or, failing that,
    /// Python's `pty` module; fails the test when neither is there, so that
    /// the terminal path is never skipped silently.
    fn start(data: &Path) -> Terminal {
        let binary = env!("CARGO_BIN_EXE_matdiff");
        let with_script = Command::new("script")
            .args(["-qfec", &format!("'{binary}' repl"), "/dev/null"])
            .env("XDG_DATA_HOME", data)
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let child = with_script.or_else(|_| {
            Command::new("python3")
                .args([
                    "-c",
                    "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)",
                    binary,
                    "repl",
                ])
                .env("XDG_DATA_HOME", data)
                .env("TERM", "xterm")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
        });
        let mut child = child.expect(
            "a pseudo-terminal is needed to test the prompt: install util-linux's `script` \
             (Debian: bsdutils) or python3",
        );
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Terminal { child, output }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output after byte `from` contains `wanted`; returns
    /// where it ends.
    fn wait_for(&self, wanted: &str, from: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if let Some(at) = text.get(from..).and_then(|t| t.find(wanted)) {
                return from + at + wanted.len();
            }
            assert!(
                Instant::now() < deadline,
                "`{wanted}` did not appear; the terminal shows:\n{text:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types keys. Only once a prompt is showing: rustyline discards what
    /// arrives while it switches the terminal's mode.
    fn type_keys(&mut self, keys: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin.write_all(keys.as_bytes()).expect("keys are typed");
        stdin.flush().expect("keys are sent");
    }
}

impl Drop for Terminal {
    /// A test that fails midway leaves no session behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn session_at_a_terminal_prompts_completes_and_keeps_history() {
    let data = scratch("repl-terminal");
    let mut terminal = Terminal::start(&data);
    let mut at = terminal.wait_for("matdiff> ", 0);
    terminal.type_keys("C = inv(A)\r");
    at = terminal.wait_for("matdiff> ", at);
    terminal.type_keys(":forward\r");
    at = terminal.wait_for("dot(C) = -C * dot(A) * C", at);
    at = terminal.wait_for("matdiff> ", at);
    // Tab completes `:gr` to `:grad`.
    terminal.type_keys(":gr\t tr(A * X)\r");
    at = terminal.wait_for("bar(X) = A'", at);
    at = terminal.wait_for("matdiff> ", at);
    terminal.type_keys("D = C +\r");
    at = terminal.wait_for("error: syntax error", at);
    terminal.wait_for("matdiff> ", at);
    terminal.type_keys(":quit\r");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = terminal.child.try_wait().expect("the session is waited on") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the session did not end; it shows:\n{:?}",
            terminal.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}: {:?}", terminal.text());
    let history = std::fs::read_to_string(data.join("matdiff/history"))
        .expect("the history file is written under $XDG_DATA_HOME/matdiff");
    for line in [
        "C = inv(A)",
        ":forward",
        ":grad tr(A * X)",
        "D = C +",
        ":quit",
    ] {
        assert!(history.lines().any(|l| l == line), "{line} in\n{history}");
    }
}

#[test]
fn hessian_command_gives_the_blocks() {
    let mut session = matdiff::repl::Session::default();
    let out = session.handle(":hessian x' * x + b' * x");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert!(out.stdout.contains("hess(x) = 2 * I"), "{}", out.stdout);
    assert!(out.stdout.contains("hess(x, b) = I"), "{}", out.stdout);
}

#[test]
fn jacobian_command_on_the_session_and_a_typed_program() {
    assert_eq!(
        stdout_of(&["h = tanh(x .* c)", "y = h .* b", ":jacobian y = h .* b + x"]),
        "jac(y, x) = diag(b .* ((ones - h .^ 2) .* c)) + I\n\
         jac(y, c) = diag(b .* ((ones - h .^ 2) .* x))\n\
         jac(y, b) = diag(h)\n"
    );
    let (_, out) = after(&["y = sin(x) * alpha", ":format unicode", ":jacobian"]);
    assert_eq!(out.stdout, "∂y/∂x = diag(α cos(x))\n∂y/∂α = sin(x)\n");
    // Options come before the program, as on the command line.
    let out = stdout_of(&["y = exp(A * x)", ":jacobian --wrt x"]);
    assert_eq!(out, "jac(y, x) = A .* (y * ones(1, cols(A)))\n");
    // A matrix Jacobian of named sizes is written with kron.
    assert_eq!(
        stdout_of(&[":jacobian C = inv(A)"]),
        "jac(C, A) = kron(C', -C)\n"
    );
    // One with no Kronecker form is refused, the caret in the typed line.
    let (_, out) = after(&[":jacobian F = X'"]);
    assert!(out.failed);
    assert!(out.stderr.contains("commutation matrix"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("1 | :jacobian F = X'\n  |           ^\n"),
        "{}",
        out.stderr
    );
}
