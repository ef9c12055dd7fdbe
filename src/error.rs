//! One error type for every stage. An error names the problem in plain
//! words and points at the text it is about: line, column and a caret.

use crate::ast::Span;
use std::fmt;

/// Whether the input or the invocation was at fault; it sets the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The program text is wrong (exit status 1).
    Input,
    /// The command line is wrong (exit status 2).
    Usage,
}

/// Which text a span points into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The program.
    Program,
    /// The value of a command-line option, such as `--wrt`.
    Option(String),
}

/// A problem with the input, with the place it points at.
///
/// ```
/// use matdiff::ast::Span;
/// use matdiff::error::Error;
/// let err = Error::input("unknown function `foo`", Span::new(4, 7));
/// let text = err.render("C = foo(A)");
/// assert!(text.contains("1:5"));
/// assert!(text.contains("    ^^^"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Input or usage.
    pub kind: ErrorKind,
    /// What is wrong, in plain words.
    pub message: String,
    /// Where, if the error is about a place in the text.
    pub span: Option<Span>,
    /// Which text the span is in.
    pub origin: Origin,
    /// A further hint, printed after the excerpt.
    pub help: Option<String>,
}

impl Error {
    /// An error about the program text at `span`.
    ///
    /// ```
    /// let e = matdiff::error::Error::input("oops", matdiff::ast::Span::new(0, 1));
    /// assert_eq!(e.exit_code(), 1);
    /// ```
    pub fn input(message: impl Into<String>, span: Span) -> Error {
        Error {
            kind: ErrorKind::Input,
            message: message.into(),
            span: Some(span),
            origin: Origin::Program,
            help: None,
        }
    }

    /// An error about the program as a whole.
    ///
    /// ```
    /// let e = matdiff::error::Error::whole_program("the program is empty");
    /// assert!(e.span.is_none());
    /// ```
    pub fn whole_program(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Input,
            message: message.into(),
            span: None,
            origin: Origin::Program,
            help: None,
        }
    }

    /// An error about the value of a command-line option.
    ///
    /// ```
    /// use matdiff::error::Error;
    /// let e = Error::usage("--wrt", "`Z` is not an input", matdiff::ast::Span::new(0, 1));
    /// assert_eq!(e.exit_code(), 2);
    /// ```
    pub fn usage(option: &str, message: impl Into<String>, span: Span) -> Error {
        Error {
            kind: ErrorKind::Usage,
            message: message.into(),
            span: Some(span),
            origin: Origin::Option(option.to_string()),
            help: None,
        }
    }

    /// The same error with a hint.
    ///
    /// ```
    /// let e = matdiff::error::Error::whole_program("x").with_help("try y");
    /// assert_eq!(e.help.as_deref(), Some("try y"));
    /// ```
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }

    /// 1 for bad input, 2 for bad usage.
    ///
    /// ```
    /// assert_eq!(matdiff::error::Error::whole_program("x").exit_code(), 1);
    /// ```
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 1,
            ErrorKind::Usage => 2,
        }
    }

    /// The message with an excerpt of `text` (the program, or the option's
    /// value for usage errors) and a caret under the place.
    ///
    /// ```
    /// let e = matdiff::error::Error::input("here", matdiff::ast::Span::new(2, 3));
    /// assert!(e.render("A\nBC").contains("2:1"));
    /// ```
    pub fn render(&self, text: &str) -> String {
        let mut out = format!("error: {}\n", shorten_quotes(&self.message));
        if let Some(span) = self.span {
            out.push_str(&excerpt(text, span, &self.origin));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Line and column (both from 1, columns in characters) of byte `offset`.
///
/// ```
/// assert_eq!(matdiff::error::line_col("ab\ncd", 4), (2, 2));
/// ```
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = clamp_to_char(text, offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn clamp_to_char(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Longest text quoted in backticks that a message shows whole; a longer one
/// (a sum of a thousand terms, say) keeps `QUOTE_KEEP` characters at each
/// end, with ` … ` between.
pub const MAX_QUOTE: usize = 100;

/// Characters kept at each end of a shortened quote.
const QUOTE_KEEP: usize = 40;

/// The message with each long `quoted` stretch shortened (see [`MAX_QUOTE`]).
///
/// ```
/// let long = format!("the left side `{}B` is a matrix", "A + ".repeat(100));
/// let short = matdiff::error::shorten_quotes(&long);
/// assert!(short.starts_with("the left side `A + A"));
/// assert!(short.contains(" … "));
/// assert!(short.ends_with("A + B` is a matrix"));
/// assert_eq!(matdiff::error::shorten_quotes("`inv` of `A`"), "`inv` of `A`");
/// ```
pub fn shorten_quotes(message: &str) -> String {
    let mut parts: Vec<String> = message.split('`').map(str::to_string).collect();
    // Odd parts lie between a pair of backticks; an unpaired last one does not.
    let quoted = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    for part in parts[..quoted].iter_mut().skip(1).step_by(2) {
        let chars: Vec<char> = part.chars().collect();
        if chars.len() > MAX_QUOTE {
            let head: String = chars[..QUOTE_KEEP].iter().collect();
            let tail: String = chars[chars.len() - QUOTE_KEEP..].iter().collect();
            *part = format!("{} … {}", head.trim_end(), tail.trim_start());
        }
    }
    parts.join("`")
}

/// Characters of context an excerpt keeps on each side of the caret; a
/// longer line is cut to this window, with `…` where text is left out.
pub const EXCERPT_CONTEXT: usize = 60;

/// A cut must leave out at least this many characters; a shorter stretch is
/// shown, as `…` would save next to nothing.
const MIN_ELIDED: usize = 10;

fn excerpt(text: &str, span: Span, origin: &Origin) -> String {
    let start = clamp_to_char(text, span.start);
    let (line, col) = line_col(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = clamp_to_char(text, span.end.max(start)).min(line_end);
    let width = text[start..end].chars().count().max(1);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let place = match origin {
        Origin::Program => format!("{line}:{col}"),
        Origin::Option(option) => format!("{option} {line}:{col}"),
    };
    let (shown, indent, carets) = window(&text[line_start..line_end], col - 1, width);
    format!("{pad}--> {place}\n{pad} |\n{line} | {shown}\n{pad} | {indent}{carets}\n")
}

/// The part of `line` to quote for a caret at character `at`, `width`
/// characters wide: the whole line when it is short, else a window of
/// [`EXCERPT_CONTEXT`] characters either side, `…` marking what is cut.
/// Returns the quoted text, the indent under it (a tab under a tab, a
/// space under anything else, so the caret lines up as the line is shown)
/// and the carets. A span longer than the window is underlined to the
/// window's end.
fn window(line: &str, at: usize, width: usize) -> (String, String, String) {
    let chars: Vec<char> = line.chars().collect();
    let len = chars.len();
    let lo = if at > EXCERPT_CONTEXT + MIN_ELIDED {
        at - EXCERPT_CONTEXT
    } else {
        0
    };
    let wanted = at + (width + EXCERPT_CONTEXT).min(2 * EXCERPT_CONTEXT);
    let hi = if len > wanted + MIN_ELIDED {
        wanted
    } else {
        len
    };
    // Past the end of the line only for a caret after its last character.
    let width = width.min(hi.saturating_sub(at)).max(1);
    let mut shown = String::new();
    let mut indent = String::new();
    if lo > 0 {
        shown.push('…');
        indent.push(' ');
    }
    shown.extend(&chars[lo..hi]);
    if hi < len {
        shown.push('…');
    }
    indent.extend(
        chars[lo..at.min(len)]
            .iter()
            .map(|&c| if c == '\t' { '\t' } else { ' ' }),
    );
    (shown, indent, "^".repeat(width))
}

/// A result whose error is an [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
