//! The front door's error: the engine's error together with the text it
//! points into, so that it can print itself in full.

use crate::error::{line_col, Origin};
use std::fmt;

/// Why a front-door call failed: bad input (a syntax or shape error, a
/// result too large to print), or an option naming something the program
/// does not have.
///
/// `Display` is the whole report the command line prints: the message, the
/// line it is about with a caret under the place, and a hint where there is
/// one. The place is in the program, or in the `wrt` list for an unknown
/// name there.
///
/// ```
/// let err = matdiff::reverse("C = inv(A) +").unwrap_err();
/// assert_eq!((err.line(), err.column()), (Some(1), Some(13)));
/// let report = err.to_string();
/// assert!(report.starts_with("error: "));
/// assert!(report.contains("1 | C = inv(A) +"));
///
/// let options = matdiff::Options::new().wrt(["A", "Z"]);
/// let err = matdiff::derive("C = inv(A)", matdiff::Mode::Reverse, &options).unwrap_err();
/// assert_eq!(err.column(), Some(3));
/// assert!(err.to_string().contains("--> --wrt 1:3"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What the engine reported, boxed so that a `Result` carrying the
    /// error stays small.
    detail: Box<crate::error::Error>,
    /// The text the report's place is in: the program, or the `wrt` list.
    text: String,
}

impl Error {
    /// Pairs an engine error with the program and the `wrt` list it was
    /// reported for, keeping whichever of the two its place is in.
    pub(crate) fn new(detail: crate::error::Error, program: &str, wrt: Option<&str>) -> Error {
        let text = match &detail.origin {
            Origin::Program => program,
            Origin::Option(_) => wrt.unwrap_or_default(),
        };
        Error {
            text: text.to_string(),
            detail: Box::new(detail),
        }
    }

    /// What is wrong, in plain words, without the place.
    ///
    /// ```
    /// let err = matdiff::grad("C = inv(A)").unwrap_err();
    /// assert!(err.message().starts_with("`grad` needs a scalar output"));
    /// ```
    pub fn message(&self) -> &str {
        &self.detail.message
    }

    /// The line (from 1) of the place the error is about, in the program or
    /// in the `wrt` list; `None` for an error about the program as a whole.
    ///
    /// ```
    /// let err = matdiff::forward("A: matrix(n, m)\nC = inv(A)").unwrap_err();
    /// assert_eq!((err.line(), err.column()), (Some(2), Some(9)));
    /// ```
    pub fn line(&self) -> Option<usize> {
        self.place().map(|(line, _)| line)
    }

    /// The column (from 1, in characters) of the place the error is about.
    ///
    /// ```
    /// let err = matdiff::forward("C = inv(A) * ").unwrap_err();
    /// assert_eq!(err.column(), Some(14));
    /// ```
    pub fn column(&self) -> Option<usize> {
        self.place().map(|(_, column)| column)
    }

    /// The exit status the command line gives this error: 1 for bad input,
    /// 2 for a bad option.
    #[doc(hidden)]
    pub fn exit_code(&self) -> i32 {
        self.detail.exit_code()
    }

    fn place(&self) -> Option<(usize, usize)> {
        self.detail
            .span
            .map(|span| line_col(&self.text, span.start))
    }
}

/// An engine error about no particular text, such as one reading the
/// program from standard input.
impl From<crate::error::Error> for Error {
    fn from(detail: crate::error::Error) -> Error {
        Error::new(detail, "", None)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.detail.render(&self.text);
        f.write_str(report.strip_suffix('\n').unwrap_or(&report))
    }
}

impl std::error::Error for Error {}
