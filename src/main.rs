//! The `matdiff` command: a thin layer over the library.

use clap::{Parser, Subcommand, ValueEnum};
use matdiff::{CheckOptions, Derivation, Error, Mode, Options};
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
    /// Simplification limits, as in `nodes=16000,iterations=32,time=400,budget=4000`
    /// (times in ms; defaults 4000 nodes, 8 iterations, 100 ms an expression,
    /// 1000 ms a derivation)
    #[arg(long, value_parser = str::parse::<matdiff::egraph::Limits>)]
    limits: Option<matdiff::egraph::Limits>,
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
    /// The Jacobian matrix of the output: jac(f, X), one row per entry of f
    /// and one column per entry of X
    Jacobian(Derive),
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
        .map_err(|e| whole_program(format!("cannot read standard input: {e}")))?;
    if bytes.len() > limit {
        return Err(Error::from(
            matdiff::error::Error::whole_program(format!(
                "standard input is longer than {limit} bytes (256 KiB), the most matdiff reads"
            ))
            .with_help("split the program, or derive its parts separately"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| whole_program("standard input is not UTF-8 text"))
}

/// An error about the input as a whole, pointing at no place in it.
fn whole_program(message: impl Into<String>) -> Error {
    Error::from(matdiff::error::Error::whole_program(message))
}

/// What a command prints on standard output, or the error it reports.
type Outcome = Result<String, Error>;

/// Runs a command through the library's front door, returning what to
/// print or what went wrong.
fn run(command: Command) -> Outcome {
    match command {
        Command::Forward(args) => run_derive(Mode::Forward, args),
        Command::Reverse(args) => run_derive(Mode::Reverse, args),
        Command::Grad(args) => run_derive(Mode::Grad, args),
        Command::Hessian(args) => run_derive(Mode::Hessian, args),
        Command::Jacobian(args) => run_derive(Mode::Jacobian, args),
        Command::Check { wrt, seed, program } => {
            let source = read_program(&program)?;
            let mut options = CheckOptions::new().seed(seed);
            if let Some(wrt) = &wrt {
                options = options.wrt_list(wrt);
            }
            let report = matdiff::check(&source, &options)?;
            if report.passed() {
                Ok(report.to_string())
            } else {
                Err(whole_program(format!(
                    "the numerical check failed\n{report}"
                )))
            }
        }
        Command::Simplify { format, expr } => {
            let source = read_program(&expr)?;
            Ok(formatted(&matdiff::simplify(&source)?, format))
        }
        // The session prints as it goes and ends the process with its own
        // status, so nothing is left for `main` to print. It uses the
        // engine directly, so it runs on a stack as large as the front
        // door's.
        Command::Repl => {
            let session = std::thread::Builder::new()
                .stack_size(matdiff::limits::STACK_BYTES)
                .spawn(matdiff::repl::run)
                .map_err(|e| whole_program(format!("cannot start the session: {e}")))?;
            let status = session.join().unwrap_or_else(|_| {
                eprintln!("error: internal error: the session failed; please report this input");
                1
            });
            std::process::exit(status)
        }
    }
}

fn run_derive(mode: Mode, args: Derive) -> Outcome {
    let source = read_program(&args.program)?;
    let mut options = Options::new().expand(args.expand).steps(args.steps);
    if let Some(limits) = args.limits {
        options = options.limits(limits);
    }
    if let Some(wrt) = &args.wrt {
        options = options.wrt_list(wrt);
    }
    let derivation = matdiff::derive(&source, mode, &options)?;
    if let Some(note) = derivation.stop_note() {
        eprintln!("note: {note}");
    }
    for note in derivation.notes() {
        eprintln!("note: {note}");
    }
    Ok(formatted(&derivation, args.format))
}

/// A derivation's output in a format.
fn formatted(derivation: &Derivation, format: Format) -> String {
    match format {
        Format::Plain => derivation.to_string(),
        Format::Unicode => derivation.to_unicode(),
        Format::Latex => derivation.to_latex(),
        Format::Json => {
            serde_json::to_string_pretty(&derivation.to_json()).expect("JSON values serialise")
        }
        Format::Numpy => derivation.to_numpy().trim_end().to_string(),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(text) => {
            // A reader that stops early (`matdiff … | head`) closes the pipe:
            // that ends the output, it is not an error to panic over.
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{text}").and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the output: {e}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
