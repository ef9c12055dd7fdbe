//! The session: the kept program, the settings, and errors rendered
//! against the line they are about.

use super::Output;
use crate::ast::{Expr, Program, Span, Stmt};
use crate::error::Error;
use crate::print::Notation;

/// The name of the placeholder output that lets a program of declarations
/// alone be analysed. It cannot be typed (it starts with a digit), so it
/// never meets a user's name.
pub(super) const PROBE: &str = "0probe";

/// An interactive session: the program kept so far and the settings.
///
/// ```
/// let mut session = matdiff::repl::Session::new();
/// assert!(session.handle("C = inv(A)").stdout.is_empty());
/// assert_eq!(session.handle(":forward").stdout, "dot(C) = -C * dot(A) * C\n");
/// assert_eq!(session.program(), "C = inv(A)");
/// ```
#[derive(Clone, Debug)]
pub struct Session {
    /// The kept lines, each with the number it was typed under.
    pub(super) lines: Vec<(usize, String)>,
    pub(super) notation: Notation,
    /// `:format json` or `:format numpy`, which replace the notation.
    pub(super) machine: Option<super::commands::MachineFormat>,
    pub(super) steps: bool,
    /// Lines handled so far, to number the next one.
    typed: usize,
    /// Whether an error's place names the input line it is on (a script) or
    /// line 1 of what was just typed (a prompt).
    scripted: bool,
}

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}

/// The session's text with one more segment typed after it, and where each
/// part starts, so that a span into it can be traced back to a line.
pub(super) struct Composed {
    pub(super) text: String,
    /// Byte offset of each kept line in `text`.
    pub(super) starts: Vec<usize>,
    /// Byte offset of the typed segment.
    pub(super) typed_start: usize,
}

impl Session {
    /// A session at a prompt: errors point into line 1, the line just typed.
    ///
    /// ```
    /// let mut session = matdiff::repl::Session::new();
    /// let out = session.handle("C = inv(A) +");
    /// assert!(out.stderr.contains("--> 1:13"));
    /// ```
    pub fn new() -> Session {
        Session {
            lines: Vec::new(),
            notation: Notation::Plain,
            machine: None,
            steps: false,
            typed: 0,
            scripted: false,
        }
    }

    /// A session reading a script: errors name the input line they are on.
    ///
    /// ```
    /// let mut session = matdiff::repl::Session::scripted();
    /// session.handle("C = inv(A)");
    /// assert!(session.handle("D = C +").stderr.contains("--> 2:8"));
    /// ```
    pub fn scripted() -> Session {
        Session {
            scripted: true,
            ..Session::new()
        }
    }

    /// The session's program: the kept lines, one a line.
    ///
    /// ```
    /// let mut session = matdiff::repl::Session::new();
    /// session.handle("A: symmetric(n)");
    /// session.handle("oops(");
    /// session.handle("f = x' * A * x");
    /// assert_eq!(session.program(), "A: symmetric(n)\nf = x' * A * x");
    /// ```
    pub fn program(&self) -> String {
        self.lines
            .iter()
            .map(|(_, line)| line.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Handles one line: a command, or statements to keep, or an expression
    /// to show simplified. Bad input is an error, rendered with a caret into
    /// the line it is about, and the session goes on unchanged.
    ///
    /// ```
    /// let mut session = matdiff::repl::Session::new();
    /// assert_eq!(session.handle(":grad tr(A * X)").stdout, "bar(A) = X'\nbar(X) = A'\n");
    /// assert_eq!(session.handle("tr(A * B) - tr(B * A)").stdout, "0\n");
    /// assert!(session.handle(":quit").quit);
    /// ```
    pub fn handle(&mut self, line: &str) -> Output {
        self.typed += 1;
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            return Output::default();
        }
        if trimmed.starts_with(':') {
            return self.command(line);
        }
        self.statements(line)
    }

    /// Statements typed at the prompt: declarations and assignments are kept
    /// when the program with them still analyses; a line ending in a bare
    /// expression is shown simplified and not kept.
    fn statements(&mut self, line: &str) -> Output {
        let composed = self.compose(line);
        let program = match crate::parse::parse_program(&composed.text) {
            Ok(program) => program,
            Err(error) => return self.failure(&error, &composed, line),
        };
        let typed: Vec<&Stmt> = program
            .stmts
            .iter()
            .filter(|s| stmt_start(s) >= composed.typed_start)
            .collect();
        let names = super::redefine::defined_names(&typed);
        let (kept, replaced) = super::redefine::without_definitions(&self.lines, &names, None);
        if !replaced.is_empty() && !typed.iter().any(|s| matches!(s, Stmt::Expr(_))) {
            // A name defined again replaces its old definition: where it
            // stood, when the line is one assignment and the program still
            // reads in that order (later lines may use the name), else at
            // the end.
            let notes: String = replaced
                .iter()
                .map(|old| format!("note: replaces `{old}`\n"))
                .collect();
            if let [Stmt::Assign { .. }] = typed[..] {
                let mut trial = self.clone();
                trial.lines =
                    super::redefine::without_definitions(&self.lines, &names, Some(line.trim())).0;
                if trial.analyses() {
                    *self = trial;
                    return Output {
                        stderr: notes,
                        ..Output::default()
                    };
                }
            }
            let mut trial = self.clone();
            trial.lines = kept;
            let mut out = trial.statements(line);
            if out.stderr.is_empty() {
                *self = trial;
                out.stderr = notes;
            }
            return out;
        }
        if typed.is_empty() {
            // Only a comment: nothing to keep or show.
            return Output::default();
        }
        if typed.iter().any(|s| matches!(s, Stmt::Expr(_))) {
            return self.simplify_typed(line, &composed, program);
        }
        match crate::shape::analyze(&with_probe(program)) {
            Ok(_) => {
                self.lines.push((self.typed, line.to_string()));
                Output::default()
            }
            Err(error) => self.failure(&error, &composed, line),
        }
    }

    /// Whether the kept program reads and analyses.
    fn analyses(&self) -> bool {
        crate::parse::parse_program(&self.compose("").text)
            .is_ok_and(|program| crate::shape::analyze(&with_probe(program)).is_ok())
    }

    /// The session's text followed by `typed` on a line of its own.
    pub(super) fn compose(&self, typed: &str) -> Composed {
        let mut text = String::new();
        let mut starts = Vec::new();
        for (_, line) in &self.lines {
            starts.push(text.len());
            text.push_str(line);
            text.push('\n');
        }
        let typed_start = text.len();
        text.push_str(typed);
        Composed {
            text,
            starts,
            typed_start,
        }
    }

    /// Renders an error about a composed text against the line it points
    /// into: the typed line, or a kept line of the session's program.
    pub(super) fn failure(&self, error: &Error, composed: &Composed, line: &str) -> Output {
        let Some(span) = error.span else {
            return Output::error(error.render(""));
        };
        if span.start >= composed.typed_start {
            let mut error = error.clone();
            error.span = Some(shift(span, composed.typed_start, 0));
            return Output::error(self.render_typed(&error, line));
        }
        let index = composed
            .starts
            .iter()
            .rposition(|&s| s <= span.start)
            .unwrap_or(0);
        let (number, text) = &self.lines[index];
        let at = if self.scripted { *number } else { index + 1 };
        let mut error = error.clone();
        error.span = Some(shift(span, composed.starts[index], at - 1));
        let mut out = error.render(&format!("{}{text}", "\n".repeat(at - 1)));
        out.push_str(&format!(
            "  = note: the place is in {}, kept earlier\n",
            if self.scripted {
                format!("input line {at}")
            } else {
                format!("line {at} of the session's program")
            }
        ));
        Output::error(out)
    }

    /// An error about the line just typed.
    pub(super) fn line_error(&self, message: &str, span: Span, line: &str) -> Output {
        Output::error(self.render_typed(&Error::input(message, span), line))
    }

    /// Renders an error whose span is a byte range of `line`, numbered as
    /// the input line it is (a script) or as line 1 (a prompt).
    pub(super) fn render_typed(&self, error: &Error, line: &str) -> String {
        let at = if self.scripted { self.typed.max(1) } else { 1 };
        let mut error = error.clone();
        if let Some(span) = error.span {
            error.span = Some(shift(span, 0, at - 1));
        }
        error.render(&format!("{}{line}", "\n".repeat(at - 1)))
    }
}

/// Moves a span from `from` bytes into one text to `to` bytes into another.
fn shift(span: Span, from: usize, to: usize) -> Span {
    let start = span.start.saturating_sub(from) + to;
    Span::new(start, (span.end.saturating_sub(from) + to).max(start))
}

/// Where a statement starts in the text it was parsed from.
pub(super) fn stmt_start(stmt: &Stmt) -> usize {
    match stmt {
        Stmt::Decl { span, .. } => span.start,
        Stmt::Assign { name_span, .. } => name_span.start,
        Stmt::Expr(expr) => expr.span.start,
    }
}

/// The program with a placeholder output when it has none, so that a
/// session of declarations alone can be checked and listed.
pub(super) fn with_probe(mut program: Program) -> Program {
    if program.stmts.iter().all(|s| matches!(s, Stmt::Decl { .. })) {
        program.stmts.push(Stmt::Assign {
            name: PROBE.to_string(),
            name_span: Span::new(0, 0),
            expr: Expr::int(0),
        });
    }
    program
}

/// `Session::handle`, with a panic turned into an error for that line, so
/// that a bug met by one input does not end the session.
pub(super) fn guarded(session: &mut Session, line: &str) -> Output {
    let mut copy = session.clone();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| copy.handle(line))) {
        Ok(out) => {
            *session = copy;
            out
        }
        Err(_) => {
            session.typed += 1;
            Output::error(
                "error: internal error: matdiff failed on this line; please report it\n".into(),
            )
        }
    }
}
