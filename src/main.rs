//! The `matdiff` command: a thin layer over the library.

use clap::{Parser, Subcommand, ValueEnum};
use matdiff::derive::{derive, Mode, Options};
use matdiff::error::{Error, Origin};
use matdiff::print::Notation;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "matdiff",
    version,
    about = "Symbolic matrix calculus: forward tangents, reverse adjoints, checked numerically"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Plain,
    Unicode,
    Latex,
    Json,
    Numpy,
}

#[derive(clap::Args)]
struct Derive {
    /// Inputs to differentiate with respect to, comma-separated (default: all)
    #[arg(long)]
    wrt: Option<String>,
    /// Output form
    #[arg(long, value_enum, default_value = "plain")]
    format: Format,
    /// Write results in terms of the inputs only
    #[arg(long)]
    expand: bool,
    /// Print the derivation first, one rewrite a line with the rule it used
    #[arg(long)]
    steps: bool,
    /// The program, or `-` for standard input
    program: String,
}

#[derive(Subcommand)]
enum Command {
    /// Tangents dot(C) of every assignment
    Forward(Derive),
    /// Adjoints bar(X) of the inputs, given bar(f)
    Reverse(Derive),
    /// The gradient of a scalar output
    Grad(Derive),
    /// Second derivatives of a scalar output: hess(x) for vector inputs,
    /// dot(bar(X)) in terms of dot(X) for matrix inputs
    Hessian(Derive),
    /// Verify forward and reverse results numerically
    Check {
        /// Inputs to differentiate with respect to, comma-separated
        #[arg(long)]
        wrt: Option<String>,
        /// Seed of the random inputs
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The program, or `-` for standard input
        program: String,
    },
    /// Print the tidied form of an expression
    Simplify {
        /// Output form
        #[arg(long, value_enum, default_value = "plain")]
        format: Format,
        /// The expression, or `-` for standard input
        expr: String,
    },
    /// An interactive session: declarations and assignments persist, and
    /// commands such as :forward, :reverse, :grad, :check act on them
    Repl,
}

fn read_program(arg: &str) -> Result<String, Error> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    // Read one byte past the limit, not all that is sent: standard input
    // may be endless.
    let limit = matdiff::limits::MAX_INPUT_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::whole_program(format!("cannot read standard input: {e}")))?;
    if bytes.len() > limit {
        return Err(Error::whole_program(format!(
            "standard input is longer than {limit} bytes (256 KiB), the most matdiff reads"
        ))
        .with_help("split the program, or derive its parts separately"));
    }
    String::from_utf8(bytes).map_err(|_| Error::whole_program("standard input is not UTF-8 text"))
}

fn notation(format: Format) -> Notation {
    match format {
        Format::Unicode => Notation::Unicode,
        Format::Latex => Notation::Latex,
        _ => Notation::Plain,
    }
}

/// An error with the text its span points into: the program, or the
/// option's value for usage errors.
struct Failure {
    error: Error,
    text: String,
}

type Outcome = Result<String, Box<Failure>>;

/// Pairs an error with the text it is about.
fn failure(error: Error, source: &str, wrt: Option<&str>) -> Box<Failure> {
    let text = match &error.origin {
        Origin::Program => source.to_string(),
        Origin::Option(_) => wrt.unwrap_or_default().to_string(),
    };
    Box::new(Failure { error, text })
}

/// Runs a command, returning what to print or what went wrong.
fn run(command: Command) -> Outcome {
    match command {
        Command::Forward(args) => run_derive(Mode::Forward, args),
        Command::Reverse(args) => run_derive(Mode::Reverse, args),
        Command::Grad(args) => run_derive(Mode::Grad, args),
        Command::Hessian(args) => run_derive(Mode::Hessian, args),
        Command::Check { wrt, seed, program } => {
            let source = read_program(&program).map_err(|e| failure(e, "", None))?;
            let fail = |e| failure(e, &source, wrt.as_deref());
            let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
            let report = matdiff::check::check(&model, wrt.as_deref(), seed).map_err(fail)?;
            if report.passed() {
                Ok(report.to_string())
            } else {
                Err(failure(
                    Error::whole_program(format!("the numerical check failed\n{report}")),
                    &source,
                    None,
                ))
            }
        }
        Command::Simplify { format, expr } => {
            let source = read_program(&expr).map_err(|e| failure(e, "", None))?;
            let fail = |e| failure(e, &source, None);
            let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
            let output = &model.output().expr;
            let simplified = matdiff::derive::simplified(output, &model, &Default::default());
            let shape = model.env.shape(output);
            Ok(matdiff::derive::render_in(
                &model,
                &simplified.expr,
                &shape,
                notation(format),
            ))
        }
        // The session prints as it goes and ends the process with its own
        // status, so nothing is left for `main` to print.
        Command::Repl => std::process::exit(matdiff::repl::run()),
    }
}

fn run_derive(mode: Mode, args: Derive) -> Outcome {
    let source = read_program(&args.program).map_err(|e| failure(e, "", None))?;
    let fail = |e| failure(e, &source, args.wrt.as_deref());
    let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
    let options = Options {
        wrt: args.wrt.clone(),
        expand: args.expand,
        ..Default::default()
    };
    let derivation = derive(&model, mode, &options).map_err(fail)?;
    derivation.printable(options.expand).map_err(fail)?;
    if derivation.stop.hit_limit() {
        eprintln!(
            "note: simplification stopped at its {} ({}); the result is correct but may not be the simplest form",
            derivation.stop.name().replace('_', " "),
            options.limits
        );
    }
    let steps = if args.steps {
        Some(matdiff::steps::explain_derivation(&derivation, &options).map_err(fail)?)
    } else {
        None
    };
    Ok(match args.format {
        Format::Json => {
            let value = matdiff::json::to_json_with_steps(&derivation, &source, steps.as_deref());
            serde_json::to_string_pretty(&value).expect("JSON values serialise")
        }
        Format::Numpy => matdiff::numpy::to_numpy(&derivation).trim_end().to_string(),
        format => {
            let n = notation(format);
            let results = derivation
                .lines
                .iter()
                .map(|line| format!("{} = {}", line.lhs_text(n), line.rhs_text(n)))
                .collect::<Vec<_>>()
                .join("\n");
            match steps {
                Some(steps) => format!("{}\n\n{results}", matdiff::steps::render_steps(&steps, n)),
                None => results,
            }
        }
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Derivation recurses over expression trees; give it room.
    let worker = std::thread::Builder::new()
        .stack_size(matdiff::limits::STACK_BYTES)
        .spawn(move || run(cli.command))
        .expect("the worker thread starts");
    let outcome = worker.join().unwrap_or_else(|_| {
        Err(failure(
            Error::whole_program("internal error: matdiff failed; please report this input"),
            "",
            None,
        ))
    });
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprint!("{}", failure.error.render(&failure.text));
            ExitCode::from(failure.error.exit_code() as u8)
        }
    }
}
