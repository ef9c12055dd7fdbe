//! `matdiff repl`: an interactive session over the library.
//!
//! Declarations and assignments typed at the prompt are kept and form the
//! session's program; commands (`:forward`, `:grad`, `:check`, …) act on
//! that program, or on a program typed after the command, read after the
//! session's statements so that it may use their names.
//!
//! All of the session's logic is in [`Session::handle`], which takes one line
//! and returns what to print, so it is tested without a terminal. [`run`]
//! drives it with line editing, history and completion when standard input
//! is a terminal, and line by line otherwise, so that a session can be
//! scripted.
//!
//! The code is split by concern: `session.rs` keeps the program and renders
//! errors against the lines typed, `commands.rs` interprets the `:commands`,
//! and `terminal.rs` drives a session from a prompt or a script.

mod commands;
mod options;
mod redefine;
mod session;
mod terminal;

pub use session::Session;
pub use terminal::{history_path, run_script};

use std::io::IsTerminal;

/// What one line of the session prints, and what it did.
///
/// ```
/// let mut session = matdiff::repl::Session::new();
/// let out = session.handle(":nonsense");
/// assert!(out.failed && out.stdout.is_empty());
/// assert!(out.stderr.starts_with("error: unknown command `:nonsense`"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Results, for standard output; empty or ending in a newline.
    pub stdout: String,
    /// Errors and notes, for standard error; empty or ending in a newline.
    pub stderr: String,
    /// True when the line was in error (nothing of it was kept).
    pub failed: bool,
    /// True when the line asked to leave the session.
    pub quit: bool,
}

impl Output {
    fn out(text: impl Into<String>) -> Output {
        let mut stdout = text.into();
        if !stdout.is_empty() && !stdout.ends_with('\n') {
            stdout.push('\n');
        }
        Output {
            stdout,
            ..Output::default()
        }
    }

    fn error(text: String) -> Output {
        Output {
            stderr: text,
            failed: true,
            ..Output::default()
        }
    }
}

/// Runs a session: with line editing when standard input is a terminal,
/// line by line otherwise. Returns the exit status: for a script, 1 when any
/// line was in error, else 0.
///
/// ```no_run
/// std::process::exit(matdiff::repl::run());
/// ```
pub fn run() -> i32 {
    if std::io::stdin().is_terminal() {
        if let Some(status) = terminal::interactive() {
            return status;
        }
    }
    let stdin = std::io::stdin();
    run_script(stdin.lock(), &mut std::io::stdout(), &mut std::io::stderr())
}
