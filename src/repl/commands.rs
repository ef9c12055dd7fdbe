//! The `:commands`, and what `:help` says of them.

use super::options::{split_options, CommandOptions};
use super::session::{stmt_start, with_probe, Composed, PROBE};
use super::terminal::history_path;
use super::{Output, Session};
use crate::ast::{Dim, Expr, Name, Program, Span, Stmt};
use crate::derive::{render_in, simplified, Mode, Options};
use crate::error::{Error, Origin};
use crate::front::Derivation;
use crate::print::{render_name, Notation};
use crate::shape::Model;
use std::collections::HashSet;

/// One command of the session: its name, its argument and what it does.
pub(super) struct CommandInfo {
    pub(super) name: &'static str,
    args: &'static str,
    about: &'static str,
}

/// The commands, in the order `:help` lists them; completion offers them.
pub(super) const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "forward",
        args: "[--wrt X,Y] [--expand] [--steps] [PROGRAM]",
        about: "tangents dot(C) of every assignment",
    },
    CommandInfo {
        name: "reverse",
        args: "[--wrt X,Y] [--expand] [--steps] [PROGRAM]",
        about: "adjoints bar(X) of the inputs, given the output's adjoint",
    },
    CommandInfo {
        name: "grad",
        args: "[--wrt X,Y] [--steps] [PROGRAM]",
        about: "the gradient of a scalar output",
    },
    CommandInfo {
        name: "hessian",
        args: "[--wrt X] [PROGRAM]",
        about: "second derivatives of a scalar output: hess(x), or dot(bar(X))",
    },
    CommandInfo {
        name: "jacobian",
        args: "[PROGRAM]",
        about: "the Jacobian matrix of the output: jac(f, x) for each input",
    },
    CommandInfo {
        name: "check",
        args: "[--wrt X,Y] [--seed N] [PROGRAM]",
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
        args: "[plain|unicode|latex|json|numpy]",
        about: "the notation of results, or JSON or a NumPy module (alone: show the setting)",
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

/// The derivation a command asks for: `Some(mode)`, or `None` for
/// `:check`; `None` outside when the command takes no program options.
fn derive_mode(name: &str) -> Option<Option<Mode>> {
    Some(match name {
        ":forward" => Some(Mode::Forward),
        ":reverse" => Some(Mode::Reverse),
        ":grad" => Some(Mode::Grad),
        ":hessian" => Some(Mode::Hessian),
        ":jacobian" => Some(Mode::Jacobian),
        ":check" => None,
        _ => return None,
    })
}

/// The machine-readable formats of `:format`, beside the notations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MachineFormat {
    Json,
    Numpy,
}

/// Seed of `:check`'s random inputs: the command line's default, so that
/// `:check` and `matdiff check` agree.
const CHECK_SEED: u64 = 1;

impl Session {
    /// A line starting with `:`.
    pub(super) fn command(&mut self, line: &str) -> Output {
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
        if let Some(mode) = derive_mode(name) {
            // Options come first, as on the command line; the rest is the
            // program, blanked in front so offsets stay those of the line.
            let (options, used) = match split_options(args, args_start) {
                Ok(split) => split,
                Err(error) => return Output::error(self.render_typed(&error, line)),
            };
            let program = args[used..].trim_start();
            let program_start = args_start + args.len() - program.len();
            let typed = format!("{}{program}", " ".repeat(program_start));
            return match mode {
                Some(mode) => self.derive_command(mode, program, &typed, line, &options),
                None => self.check_command(program, &typed, line, &options),
            };
        }
        match name {
            ":simplify" => self.simplify_command(args, &typed, line),
            ":steps" => match args {
                "" => Output::out(format!("steps {}", if self.steps { "on" } else { "off" })),
                "on" | "off" => {
                    self.steps = args == "on";
                    Output::default()
                }
                _ => self.line_error("`:steps` takes `on` or `off`", args_span, line),
            },
            ":format" => match (FORMATS.iter().find(|(n, _)| *n == args), args) {
                (Some((_, notation)), _) => {
                    self.notation = *notation;
                    self.machine = None;
                    Output::default()
                }
                (None, "json" | "numpy") => {
                    self.machine = Some(if args == "json" {
                        MachineFormat::Json
                    } else {
                        MachineFormat::Numpy
                    });
                    Output::default()
                }
                (None, "") => {
                    let current = FORMATS.iter().find(|(_, n)| *n == self.notation);
                    let name = match self.machine {
                        Some(MachineFormat::Json) => "json",
                        Some(MachineFormat::Numpy) => "numpy",
                        None => current.map_or("plain", |(n, _)| n),
                    };
                    Output::out(format!("format {name}"))
                }
                (None, _) => self.line_error(
                    "`:format` takes `plain`, `unicode`, `latex`, `json` or `numpy`",
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

    fn derive_command(
        &self,
        mode: Mode,
        args: &str,
        typed: &str,
        line: &str,
        options: &CommandOptions,
    ) -> Output {
        let model = match self.model_for(args, typed, line) {
            Ok(model) => model,
            Err(out) => return out,
        };
        // The command line's own path from a model to its output, so that
        // the session prints exactly what `matdiff forward` and the rest do.
        let steps = self.steps || options.steps;
        let derive_options = Options {
            wrt: options.wrt.as_ref().map(|(list, _)| list.clone()),
            expand: options.expand,
            ..Options::default()
        };
        let input = if args.is_empty() {
            self.program()
        } else {
            args.to_string()
        };
        let derived = Derivation::of_model(&model, mode, &derive_options, steps, &input);
        let derivation = match derived {
            Ok(d) => d,
            Err(e) => return self.option_or_model_failure(&e, options, args, typed, line),
        };
        let mut out = Output::default();
        if let Some(note) = derivation.stop_note() {
            out.stderr = format!("note: {note}\n");
        }
        for note in derivation.notes() {
            out.stderr.push_str(&format!("note: {note}\n"));
        }
        out.stdout = match self.machine {
            Some(MachineFormat::Json) => format!("{:#}\n", derivation.to_json()),
            Some(MachineFormat::Numpy) => derivation.to_numpy(),
            None => format!("{}\n", derivation.text(self.notation)),
        };
        out
    }

    fn check_command(
        &self,
        args: &str,
        typed: &str,
        line: &str,
        options: &CommandOptions,
    ) -> Output {
        let model = match self.model_for(args, typed, line) {
            Ok(model) => model,
            Err(out) => return out,
        };
        let wrt = options.wrt.as_ref().map(|(list, _)| list.as_str());
        match crate::check::check(&model, wrt, options.seed.unwrap_or(CHECK_SEED)) {
            Ok(report) if report.passed() => Output::out(report.to_string()),
            Ok(report) => Output::error(format!("error: the numerical check failed\n{report}\n")),
            Err(e) => self.option_or_model_failure(&e, options, args, typed, line),
        }
    }

    /// An error about the `--wrt` list points into the typed line; any
    /// other, into the program it is about.
    fn option_or_model_failure(
        &self,
        error: &Error,
        options: &CommandOptions,
        args: &str,
        typed: &str,
        line: &str,
    ) -> Output {
        match (&error.origin, &options.wrt, error.span) {
            (Origin::Option(_), Some((_, wrt_start)), Some(span)) => {
                let error = Error {
                    origin: Origin::Program,
                    span: Some(Span::new(span.start + wrt_start, span.end + wrt_start)),
                    ..error.clone()
                };
                Output::error(self.render_typed(&error, line))
            }
            _ => self.model_failure(error, args, typed, line),
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
    pub(super) fn simplify_typed(
        &self,
        line: &str,
        composed: &Composed,
        program: Program,
    ) -> Output {
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
