//! Options typed after a command, as on the command line:
//! `:grad --wrt w X * w`, `:reverse --expand`, `:check --seed 3`.

use crate::ast::Span;
use crate::error::{Error, Origin};

/// What a command's options ask for.
#[derive(Clone, Debug, Default)]
pub(super) struct CommandOptions {
    /// The `--wrt` list and where it starts in the typed line.
    pub(super) wrt: Option<(String, usize)>,
    pub(super) expand: bool,
    pub(super) steps: bool,
    pub(super) seed: Option<u64>,
}

/// The options a command takes.
const NAMES: [&str; 4] = ["--wrt", "--expand", "--steps", "--seed"];

/// The options at the start of `args` (which starts `args_start` bytes
/// into the typed line), and how many bytes of `args` they take. Text that
/// is not one of the options (`--x` is a double negation) is the program.
pub(super) fn split_options(
    args: &str,
    args_start: usize,
) -> Result<(CommandOptions, usize), Error> {
    let mut options = CommandOptions::default();
    let mut at = 0;
    loop {
        let rest = &args[at..];
        let start = at + (rest.len() - rest.trim_start().len());
        let word_end = args[start..]
            .find(|c: char| c.is_whitespace() || c == '=')
            .map_or(args.len(), |i| start + i);
        let word = &args[start..word_end];
        if !NAMES.contains(&word) {
            return Ok((options, at));
        }
        // The option's value: after `=`, or the next word.
        let value = |from: usize| -> (usize, usize) {
            let from = if args[from..].starts_with('=') {
                from + 1
            } else {
                from + (args[from..].len() - args[from..].trim_start().len())
            };
            let end = args[from..]
                .find(char::is_whitespace)
                .map_or(args.len(), |i| from + i);
            (from, end)
        };
        at = match word {
            "--expand" => {
                options.expand = true;
                word_end
            }
            "--steps" => {
                options.steps = true;
                word_end
            }
            _ => {
                let (from, end) = value(word_end);
                let text = &args[from..end];
                let span = Span::new(args_start + start, args_start + end.max(word_end));
                if text.is_empty() {
                    return Err(usage(format!("`{word}` needs a value"), span));
                }
                if word == "--wrt" {
                    options.wrt = Some((text.to_string(), args_start + from));
                } else {
                    let seed = text.parse().map_err(|_| {
                        usage(format!("`--seed` takes a whole number, not `{text}`"), span)
                    })?;
                    options.seed = Some(seed);
                }
                end
            }
        };
    }
}

fn usage(message: String, span: Span) -> Error {
    Error {
        origin: Origin::Program,
        ..Error::usage("option", message, span)
    }
    .with_help("the options are --wrt X,Y, --expand, --steps and --seed N")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_come_before_the_program() {
        let (options, used) = split_options("--wrt w,X --expand X * w", 6).unwrap();
        assert_eq!(options.wrt, Some(("w,X".to_string(), 12)));
        assert!(options.expand);
        assert_eq!(&"--wrt w,X --expand X * w"[used..], " X * w");
        let (options, used) = split_options("--wrt=A", 0).unwrap();
        assert_eq!((options.wrt.unwrap().0, used), ("A".to_string(), 7));
    }

    #[test]
    fn a_double_negation_is_a_program() {
        let (options, used) = split_options("--x' * x", 0).unwrap();
        assert!(options.wrt.is_none() && used == 0);
    }

    #[test]
    fn a_bad_seed_is_an_error() {
        let err = split_options("--seed many tr(A)", 0).unwrap_err();
        assert!(err.message.contains("whole number"));
    }
}
