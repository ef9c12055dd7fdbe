//! Driving a session: from a prompt with rustyline (history, completion),
//! or from a script line by line.

use super::commands::COMMANDS;
use super::session::guarded;
use super::Session;
use crate::ast::{Func, Stmt};
use std::io::{BufRead, Write};
use std::path::PathBuf;

impl Session {
    /// Completions of the word before byte `pos` of `line`: where the word
    /// starts, and the candidates that could replace it. After a leading `:`
    /// these are the commands (and the values of `:steps` and `:format`);
    /// elsewhere the session's names, the functions (with their opening
    /// parenthesis) and the language's words.
    ///
    /// ```
    /// let mut session = matdiff::repl::Session::new();
    /// session.handle("Sigma: symmetric(n)");
    /// assert_eq!(session.complete(":gr", 3), (0, vec![":grad".to_string()]));
    /// assert_eq!(session.complete("tr(Si", 5), (3, vec!["Sigma".to_string()]));
    /// let functions = ["log(", "log1p(", "logdet(", "logsumexp("].map(String::from).to_vec();
    /// assert_eq!(session.complete("C = lo", 6), (4, functions));
    /// ```
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let mut pos = pos.min(line.len());
        while !line.is_char_boundary(pos) {
            pos -= 1;
        }
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &before[start..];
        let head = before.trim_start();
        let offset = before.len() - head.len();
        if head.starts_with(':') {
            if !head.contains(char::is_whitespace) {
                let candidates = COMMANDS
                    .iter()
                    .map(|c| format!(":{}", c.name))
                    .filter(|c| c.starts_with(head))
                    .collect();
                return (offset, candidates);
            }
            let command = head.split_whitespace().next().unwrap_or_default();
            let values: &[&str] = match command {
                ":steps" => &["on", "off"],
                ":format" => &["plain", "unicode", "latex"],
                _ => &[],
            };
            if !values.is_empty() {
                let candidates = values
                    .iter()
                    .filter(|v| v.starts_with(word))
                    .map(|v| v.to_string())
                    .collect();
                return (start, candidates);
            }
        }
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            return (start, Vec::new());
        }
        let mut candidates: Vec<String> = self
            .names()
            .into_iter()
            .chain(Func::all().map(|f| format!("{}(", f.name())))
            .chain(["dot(", "bar(", "I", "ones"].map(String::from))
            .chain(["scalar", "vector", "matrix", "symmetric"].map(String::from))
            .filter(|c| c.starts_with(word) && c != word)
            .collect();
        candidates.sort();
        candidates.dedup();
        (start, candidates)
    }

    /// Every name the session's program declares, assigns or uses.
    fn names(&self) -> Vec<String> {
        let Ok(program) = crate::parse::parse_program(&self.program()) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        let mut add = |name: &str| {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        };
        for stmt in &program.stmts {
            match stmt {
                Stmt::Decl {
                    names: declared, ..
                } => declared.iter().for_each(|(n, _)| add(n)),
                Stmt::Assign { name, expr, .. } => {
                    add(name);
                    expr.names().iter().for_each(|n| add(&n.base));
                }
                Stmt::Expr(expr) => expr.names().iter().for_each(|n| add(&n.base)),
            }
        }
        names
    }
}

/// Where the history of the prompt is kept: `$XDG_DATA_HOME/matdiff/history`,
/// else `$HOME/.local/share/matdiff/history`; `None` without either.
///
/// ```
/// if let Some(path) = matdiff::repl::history_path() {
///     assert!(path.ends_with("matdiff/history"));
/// }
/// ```
pub fn history_path() -> Option<PathBuf> {
    let nonempty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    let data = match nonempty("XDG_DATA_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(nonempty("HOME")?).join(".local/share"),
    };
    Some(data.join("matdiff").join("history"))
}

/// Runs a session over lines of text without a prompt, writing results and
/// errors as they come; stops at `:quit` or the end of input. Returns 1 when
/// any line was in error, else 0, so a script's failure can be seen.
///
/// ```
/// let script = "C = inv(A)\n:reverse\nD = C +\n";
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let status = matdiff::repl::run_script(script.as_bytes(), &mut out, &mut err);
/// assert_eq!(String::from_utf8(out).unwrap(), "bar(A) = -C' * bar(C) * C'\n");
/// assert!(String::from_utf8(err).unwrap().contains("--> 3:8"));
/// assert_eq!(status, 1);
/// ```
pub fn run_script(input: impl BufRead, stdout: &mut impl Write, stderr: &mut impl Write) -> i32 {
    let mut session = Session::scripted();
    let mut status = 0;
    for line in input.lines() {
        let Ok(line) = line else {
            let _ = writeln!(stderr, "error: standard input is not UTF-8 text");
            return 1;
        };
        let out = guarded(&mut session, &line);
        // Results and messages interleave as typed only if each is flushed.
        let _ = stdout
            .write_all(out.stdout.as_bytes())
            .and_then(|_| stdout.flush());
        let _ = stderr
            .write_all(out.stderr.as_bytes())
            .and_then(|_| stderr.flush());
        if out.failed {
            status = 1;
        }
        if out.quit {
            break;
        }
    }
    status
}

/// The prompt's helper: the session itself, so completion sees its names.
struct Helper {
    session: Session,
}

impl rustyline::completion::Completer for Helper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.session.complete(line, pos))
    }
}

impl rustyline::hint::Hinter for Helper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Helper {}
impl rustyline::validate::Validator for Helper {}
impl rustyline::Helper for Helper {}

/// The session at a prompt, with line editing, history and completion.
/// `None` when the terminal cannot be driven, so the caller reads lines.
pub(super) fn interactive() -> Option<i32> {
    use rustyline::error::ReadlineError;
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: rustyline::Editor<Helper, rustyline::history::DefaultHistory> =
        rustyline::Editor::with_config(config).ok()?;
    editor.set_helper(Some(Helper {
        session: Session::new(),
    }));
    let history = history_path();
    if let Some(path) = &history {
        // A missing or unreadable history only means starting afresh.
        let _ = editor.load_history(path);
    }
    eprintln!("matdiff repl: `:help` lists the commands, `:quit` or Ctrl-D leaves");
    loop {
        let line = match editor.readline("matdiff> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break,
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
            if let Some(path) = &history {
                save_history(&mut editor, path);
            }
        }
        let session = &mut editor.helper_mut()?.session;
        let out = guarded(session, &line);
        print!("{}", out.stdout);
        let _ = std::io::stdout().flush();
        eprint!("{}", out.stderr);
        if out.quit {
            break;
        }
    }
    Some(0)
}

/// Appends the new history entry to the file, creating its directory;
/// failures are silent, as the history is a convenience.
fn save_history(
    editor: &mut rustyline::Editor<Helper, rustyline::history::DefaultHistory>,
    path: &std::path::Path,
) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.append_history(path);
}
