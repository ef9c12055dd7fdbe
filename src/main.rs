//! The `matdiff` command: a thin layer over the library.

use clap::{Parser, Subcommand, ValueEnum};
use matdiff::derive::{derive, Mode, Options};
use matdiff::error::{Error, Origin};
use matdiff::print::{render, render_name, Notation};
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "matdiff", version, about = "Symbolic matrix calculus: forward tangents, reverse adjoints, checked numerically")]
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
}

fn read_program(arg: &str) -> Result<String, Error> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::whole_program(format!("cannot read standard input: {e}")))?;
    Ok(text)
}

fn notation(format: Format) -> Notation {
    match format {
        Format::Unicode => Notation::Unicode,
        Format::Latex => Notation::Latex,
        _ => Notation::Plain,
    }
}

/// Runs a command, returning what to print or the error with the text it
/// points into.
fn run(command: Command) -> Result<String, (Error, String, Option<String>)> {
    match command {
        Command::Forward(args) => run_derive(Mode::Forward, args),
        Command::Reverse(args) => run_derive(Mode::Reverse, args),
        Command::Grad(args) => run_derive(Mode::Grad, args),
        Command::Check { wrt, seed, program } => {
            let source = read_program(&program).map_err(|e| (e, String::new(), None))?;
            let fail = |e| (e, source.clone(), wrt.clone());
            let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
            let report = matdiff::check::check(&model, wrt.as_deref(), seed).map_err(fail)?;
            if report.passed() {
                Ok(report.to_string())
            } else {
                Err((
                    Error::whole_program(format!("the numerical check failed\n{report}")),
                    source,
                    None,
                ))
            }
        }
        Command::Simplify { format, expr } => {
            let source = read_program(&expr).map_err(|e| (e, String::new(), None))?;
            let fail = |e| (e, source.clone(), None);
            let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
            let output = &model.output().expr;
            let tidied = matdiff::tidy::tidy(output, &model.env);
            Ok(render(&tidied, notation(format)))
        }
    }
}

fn run_derive(mode: Mode, args: Derive) -> Result<String, (Error, String, Option<String>)> {
    let source = read_program(&args.program).map_err(|e| (e, String::new(), None))?;
    let fail = |e| (e, source.clone(), args.wrt.clone());
    let model = matdiff::shape::analyze_source(&source).map_err(fail)?;
    let options = Options {
        wrt: args.wrt.clone(),
        expand: args.expand,
    };
    let derivation = derive(&model, mode, &options).map_err(fail)?;
    Ok(match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&matdiff::json::to_json(&derivation, &source)).expect("JSON values serialise")
        }
        format => derivation
            .lines
            .iter()
            .map(|line| {
                let n = notation(format);
                format!("{} = {}", render_name(&line.lhs, n), render(&line.expr, n))
            })
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err((error, source, wrt)) => {
            let text = match &error.origin {
                Origin::Program => source,
                Origin::Option(_) => wrt.unwrap_or_default(),
            };
            eprint!("{}", error.render(&text));
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
