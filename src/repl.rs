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

use crate::ast::{Dim, Expr, Func, Name, Program, Span, Stmt};
use crate::derive::{render_in, simplified, Mode, Options};
use crate::error::Error;
use crate::front::Derivation;
use crate::print::{render_name, Notation};
use crate::shape::Model;
use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

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

/// One command of the session: its name, its argument and what it does.
struct CommandInfo {
    name: &'static str,
    args: &'static str,
    about: &'static str,
}

/// The commands, in the order `:help` lists them; completion offers them.
const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "forward",
        args: "[PROGRAM]",
        about: "tangents dot(C) of every assignment",
    },
    CommandInfo {
        name: "reverse",
        args: "[PROGRAM]",
        about: "adjoints bar(X) of the inputs, given the output's adjoint",
    },
    CommandInfo {
        name: "grad",
        args: "[PROGRAM]",
        about: "the gradient of a scalar output",
    },
    CommandInfo {
        name: "hessian",
        args: "[PROGRAM]",
        about: "second derivatives of a scalar output: hess(x), or dot(bar(X))",
    },
    CommandInfo {
        name: "check",
        args: "[PROGRAM]",
        about: "verify forward and reverse results numerically",
    },
    CommandInfo {
        name: "simplify",
        args: "[PROGRAM]",
        about: "the cheapest form of each assignment (of the output, given a program)",
    },
    CommandInfo {
        name: "steps",
        args: "[on|off]",
        about: "show the derivation before results (alone: show the setting)",
    },
    CommandInfo {
        name: "format",
        args: "[plain|unicode|latex]",
        about: "the notation of results (alone: show the setting)",
    },
    CommandInfo {
        name: "vars",
        args: "",
        about: "what the session defines, with shapes",
    },
    CommandInfo {
        name: "reset",
        args: "",
        about: "forget the session's program",
    },
    CommandInfo {
        name: "help",
        args: "",
        about: "this text",
    },
    CommandInfo {
        name: "quit",
        args: "",
        about: "leave (also :q, :exit, or Ctrl-D)",
    },
];

/// The notations `:format` accepts, with their names.
const FORMATS: [(&str, Notation); 3] = [
    ("plain", Notation::Plain),
    ("unicode", Notation::Unicode),
    ("latex", Notation::Latex),
];

/// Seed of `:check`'s random inputs: the command line's default, so that
/// `:check` and `matdiff check` agree.
const CHECK_SEED: u64 = 1;

/// The name of the placeholder output that lets a program of declarations
/// alone be analysed. It cannot be typed (it starts with a digit), so it
/// never meets a user's name.
const PROBE: &str = "0probe";

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
    lines: Vec<(usize, String)>,
    notation: Notation,
    steps: bool,
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
struct Composed {
    text: String,
    /// Byte offset of each kept line in `text`.
    starts: Vec<usize>,
    /// Byte offset of the typed segment.
    typed_start: usize,
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
    /// assert_eq!(session.complete("C = lo", 6), (4, vec!["log(".to_string(), "logdet(".to_string()]));
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

    /// A line starting with `:`.
    fn command(&mut self, line: &str) -> Output {
        let head = line.trim_start();
        let name_end = head.find(char::is_whitespace).unwrap_or(head.len());
        let name = &head[..name_end];
        let name_start = line.len() - head.len();
        let args = head[name_end..].trim();
        // The program typed after a command, with the command blanked out so
        // that offsets into it are offsets into the typed line.
        let rest = &head[name_end..];
        let typed = format!("{}{rest}", " ".repeat(name_start + name_end));
        let args_start = name_start + name_end + (rest.len() - rest.trim_start().len());
        let args_span = Span::new(args_start, args_start + args.len());
        match name {
            ":forward" => self.derive_command(Mode::Forward, args, &typed, line),
            ":reverse" => self.derive_command(Mode::Reverse, args, &typed, line),
            ":grad" => self.derive_command(Mode::Grad, args, &typed, line),
            ":hessian" => self.derive_command(Mode::Hessian, args, &typed, line),
            ":check" => self.check_command(args, &typed, line),
            ":simplify" => self.simplify_command(args, &typed, line),
            ":steps" => match args {
                "" => Output::out(format!("steps {}", if self.steps { "on" } else { "off" })),
                "on" | "off" => {
                    self.steps = args == "on";
                    Output::default()
                }
                _ => self.line_error("`:steps` takes `on` or `off`", args_span, line),
            },
            ":format" => match FORMATS.iter().find(|(n, _)| *n == args) {
                Some((_, notation)) => {
                    self.notation = *notation;
                    Output::default()
                }
                None if args.is_empty() => {
                    let current = FORMATS.iter().find(|(_, n)| *n == self.notation);
                    Output::out(format!("format {}", current.map_or("plain", |(n, _)| n)))
                }
                None => self.line_error(
                    "`:format` takes `plain`, `unicode` or `latex`",
                    args_span,
                    line,
                ),
            },
            ":vars" | ":reset" | ":help" | ":quit" | ":q" | ":exit" if !args.is_empty() => {
                self.line_error(&format!("`{name}` takes nothing"), args_span, line)
            }
            ":vars" => self.vars(),
            ":reset" => {
                self.lines.clear();
                Output::default()
            }
            ":help" => Output::out(help_text()),
            ":quit" | ":q" | ":exit" => Output {
                quit: true,
                ..Output::default()
            },
            _ => {
                let span = Span::new(name_start, name_start + name_end);
                let error = Error::input(format!("unknown command `{name}`"), span)
                    .with_help("`:help` lists the commands");
                Output::error(self.render_typed(&error, line))
            }
        }
    }

    /// The program a command acts on: the session's, or the one typed after
    /// the command read after the session's statements (those it does not
    /// use left out, so that they do not enter its results).
    fn model_for(&self, args: &str, typed: &str, line: &str) -> Result<Model, Output> {
        if args.is_empty() {
            if self.lines.iter().all(|(_, l)| self.only_decls(l)) {
                let error = Error::whole_program(if self.lines.is_empty() {
                    "the session has no program yet"
                } else {
                    "the session's program has only declarations, no assignment"
                })
                .with_help(
                    "type an assignment such as `C = inv(A)`, or give the command a program, as in `:grad tr(A * X)`",
                );
                return Err(Output::error(error.render("")));
            }
            let composed = self.compose("");
            return crate::shape::analyze_source(&composed.text)
                .map_err(|e| self.failure(&e, &composed, line));
        }
        let composed = self.compose(typed);
        let fail = |e: &Error| self.failure(e, &composed, line);
        let program = crate::parse::parse_program(&composed.text).map_err(|e| fail(&e))?;
        let program = prune(program, composed.typed_start);
        crate::shape::analyze(&program).map_err(|e| fail(&e))
    }

    /// Whether a kept line holds declarations only.
    fn only_decls(&self, line: &str) -> bool {
        crate::parse::parse_program(line)
            .is_ok_and(|p| p.stmts.iter().all(|s| matches!(s, Stmt::Decl { .. })))
    }

    fn derive_command(&self, mode: Mode, args: &str, typed: &str, line: &str) -> Output {
        let model = match self.model_for(args, typed, line) {
            Ok(model) => model,
            Err(out) => return out,
        };
        // The command line's own path from a model to its output, so that
        // the session prints exactly what `matdiff forward` and the rest do.
        let steps = self.steps;
        let derived = Derivation::of_model(&model, mode, &Options::default(), steps, "");
        let derivation = match derived {
            Ok(d) => d,
            Err(e) => return self.model_failure(&e, args, typed, line),
        };
        let mut out = Output::default();
        if let Some(note) = derivation.stop_note() {
            out.stderr = format!("note: {note}\n");
        }
        out.stdout = format!("{}\n", derivation.text(self.notation));
        out
    }

    fn check_command(&self, args: &str, typed: &str, line: &str) -> Output {
        let model = match self.model_for(args, typed, line) {
            Ok(model) => model,
            Err(out) => return out,
        };
        match crate::check::check(&model, None, CHECK_SEED) {
            Ok(report) if report.passed() => Output::out(report.to_string()),
            Ok(report) => Output::error(format!("error: the numerical check failed\n{report}\n")),
            Err(e) => self.model_failure(&e, args, typed, line),
        }
    }

    fn simplify_command(&self, args: &str, typed: &str, line: &str) -> Output {
        let model = match self.model_for(args, typed, line) {
            Ok(model) => model,
            Err(out) => return out,
        };
        let n = self.notation;
        let limits = Default::default();
        if !args.is_empty() {
            return Output::out(Derivation::simplified(&model, "").text(n));
        }
        let text = model
            .bindings
            .iter()
            .map(|b| {
                let result = simplified(&b.expr, &model, &limits);
                let shape = model.env.shape(&b.expr);
                format!(
                    "{} = {}",
                    render_name(&Name::plain(&b.name), n),
                    render_in(&model, &result.expr, &shape, n)
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        Output::out(text)
    }

    /// A typed line ending in a bare expression: `:simplify` of it.
    fn simplify_typed(&self, line: &str, composed: &Composed, program: Program) -> Output {
        let program = prune(program, composed.typed_start);
        match crate::shape::analyze(&program) {
            Ok(model) => Output::out(Derivation::simplified(&model, "").text(self.notation)),
            Err(error) => self.failure(&error, composed, line),
        }
    }

    /// An error from deriving or checking, rendered against the text it
    /// points into.
    fn model_failure(&self, error: &Error, args: &str, typed: &str, line: &str) -> Output {
        let composed = self.compose(if args.is_empty() { "" } else { typed });
        self.failure(error, &composed, line)
    }

    /// `:vars`: every name with its shape, declared names first.
    fn vars(&self) -> Output {
        if self.lines.is_empty() {
            return Output::out("the session defines nothing yet");
        }
        let composed = self.compose("");
        let program = match crate::parse::parse_program(&composed.text) {
            Ok(program) => program,
            Err(e) => return self.failure(&e, &composed, ""),
        };
        let model = match crate::shape::analyze(&with_probe(program.clone())) {
            Ok(model) => model,
            Err(e) => return self.failure(&e, &composed, ""),
        };
        let mut rows: Vec<(String, String, String)> = Vec::new();
        let mut listed = HashSet::new();
        let describe = |name: &str| {
            let Some(info) = model.env.var(name) else {
                return String::new();
            };
            let shape = &info.shape;
            if shape.is_scalar() {
                return "scalar".to_string();
            }
            let kind = if info.symmetric {
                "symmetric matrix"
            } else if shape.cols == Dim::One {
                "vector"
            } else if shape.rows == Dim::One {
                "row vector"
            } else {
                "matrix"
            };
            format!("{kind} {shape}")
        };
        let used: HashSet<&str> = model.inputs.iter().map(|n| n.base.as_str()).collect();
        for stmt in &program.stmts {
            if let Stmt::Decl { names, .. } = stmt {
                for (name, _) in names {
                    if model.is_assigned(name) || !listed.insert(name.clone()) {
                        continue;
                    }
                    let role = if used.contains(name.as_str()) {
                        "input"
                    } else {
                        "declared, not used yet"
                    };
                    rows.push((name.clone(), describe(name), role.to_string()));
                }
            }
        }
        for input in &model.inputs {
            if listed.insert(input.base.clone()) {
                rows.push((input.base.clone(), describe(&input.base), "input".into()));
            }
        }
        for binding in &model.bindings {
            if binding.name != PROBE {
                let definition = format!("= {}", binding.expr);
                rows.push((binding.name.clone(), describe(&binding.name), definition));
            }
        }
        let name_width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let shape_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        let text = rows
            .iter()
            .map(|(name, shape, role)| {
                let line = format!("{name:name_width$}  {shape:shape_width$}  {role}");
                line.trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join("\n");
        Output::out(text)
    }

    /// The session's text followed by `typed` on a line of its own.
    fn compose(&self, typed: &str) -> Composed {
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
    fn failure(&self, error: &Error, composed: &Composed, line: &str) -> Output {
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
    fn line_error(&self, message: &str, span: Span, line: &str) -> Output {
        Output::error(self.render_typed(&Error::input(message, span), line))
    }

    /// Renders an error whose span is a byte range of `line`, numbered as
    /// the input line it is (a script) or as line 1 (a prompt).
    fn render_typed(&self, error: &Error, line: &str) -> String {
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
fn stmt_start(stmt: &Stmt) -> usize {
    match stmt {
        Stmt::Decl { span, .. } => span.start,
        Stmt::Assign { name_span, .. } => name_span.start,
        Stmt::Expr(expr) => expr.span.start,
    }
}

/// The program with the session's assignments (those before `typed_start`)
/// that the typed statements do not use left out; declarations stay. When
/// nothing typed computes a value, nothing is left out.
fn prune(program: Program, typed_start: usize) -> Program {
    let typed_values: Vec<&Expr> = program
        .stmts
        .iter()
        .filter(|s| stmt_start(s) >= typed_start)
        .filter_map(|s| match s {
            Stmt::Assign { expr, .. } | Stmt::Expr(expr) => Some(expr),
            Stmt::Decl { .. } => None,
        })
        .collect();
    if typed_values.is_empty() {
        return program;
    }
    let mut needed: HashSet<String> = typed_values
        .iter()
        .flat_map(|e| e.names())
        .map(|n| n.base.clone())
        .collect();
    // Assignments come before their uses, so one pass from the end finds
    // everything the typed statements need.
    let mut keep = vec![true; program.stmts.len()];
    for (index, stmt) in program.stmts.iter().enumerate().rev() {
        if let Stmt::Assign { name, expr, .. } = stmt {
            if stmt_start(stmt) >= typed_start {
                continue;
            }
            if needed.contains(name) {
                needed.extend(expr.names().iter().map(|n| n.base.clone()));
            } else {
                keep[index] = false;
            }
        }
    }
    let stmts = program
        .stmts
        .into_iter()
        .zip(keep)
        .filter_map(|(s, k)| k.then_some(s))
        .collect();
    Program { stmts }
}

/// The program with a placeholder output when it has none, so that a
/// session of declarations alone can be checked and listed.
fn with_probe(mut program: Program) -> Program {
    if program.stmts.iter().all(|s| matches!(s, Stmt::Decl { .. })) {
        program.stmts.push(Stmt::Assign {
            name: PROBE.to_string(),
            name_span: Span::new(0, 0),
            expr: Expr::int(0),
        });
    }
    program
}

fn help_text() -> String {
    let mut out = String::from(
        "Declarations and assignments (`A: symmetric(n)`, `C = inv(A)`) are kept and form\n\
         the session's program; a line in error is not kept. A line that ends in an expression\n\
         (`tr(A * B) - tr(B * A)`) is printed simplified, as `:simplify` would, and not kept.\n\
         Commands act on the session's program, or on a PROGRAM typed after them, which may\n\
         use the session's names (`:grad tr(C * X)`) and is not kept either.\n\n",
    );
    let width = COMMANDS
        .iter()
        .map(|c| c.name.len() + c.args.len() + 2)
        .max()
        .unwrap_or(0);
    for command in COMMANDS {
        let usage = format!(":{} {}", command.name, command.args);
        out.push_str(&format!("  {usage:width$}  {}\n", command.about));
    }
    out.push_str("\nTab completes commands and names; history is kept in ");
    out.push_str(&history_path().map_or_else(
        || "no file (no home directory)".to_string(),
        |p| p.display().to_string(),
    ));
    out.push('.');
    out
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

/// Runs a session: with line editing when standard input is a terminal,
/// line by line otherwise. Returns the exit status: for a script, 1 when any
/// line was in error, else 0.
///
/// ```no_run
/// std::process::exit(matdiff::repl::run());
/// ```
pub fn run() -> i32 {
    if std::io::stdin().is_terminal() {
        if let Some(status) = interactive() {
            return status;
        }
    }
    let stdin = std::io::stdin();
    run_script(stdin.lock(), &mut std::io::stdout(), &mut std::io::stderr())
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

/// `Session::handle`, with a panic turned into an error for that line, so
/// that a bug met by one input does not end the session.
fn guarded(session: &mut Session, line: &str) -> Output {
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
fn interactive() -> Option<i32> {
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
