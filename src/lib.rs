//! matdiff: symbolic matrix calculus. It reads matrix expressions, derives
//! forward-mode tangents (Ċ) and reverse-mode adjoints (Ā), simplifies them,
//! prints them as text, Unicode, LaTeX, JSON or a NumPy module, and checks
//! them numerically.
//!
//! A derivation is one call, so a snapshot test of it is two lines:
//!
//! ```
//! # fn main() -> Result<(), matdiff::Error> {
//! let d = matdiff::reverse("C = inv(A)")?;
//! assert_eq!(d.to_string(), "bar(A) = -C' * bar(C) * C'");
//! # Ok(())
//! # }
//! ```
//!
//! or, with [insta](https://insta.rs), one:
//! `insta::assert_snapshot!(matdiff::grad("x' * A * x")?)`.
//!
//! [`forward`], [`reverse`], [`grad`], [`hessian`](fn@hessian) and
//! [`jacobian`] differentiate a program; [`derive`](fn@derive) does the same
//! with [`Options`] (`wrt`, `expand`, `steps`); [`simplify`] finds an
//! expression's cheapest form; [`check`](fn@check) compares the results
//! with finite differences. A [`Derivation`] prints itself exactly as the
//! `matdiff` command does, in every format; an [`Error`] prints the whole
//! report, with a caret under the place it is about.
//!
//! ```
//! # fn main() -> Result<(), matdiff::Error> {
//! use matdiff::{CheckOptions, Mode, Options};
//! let d = matdiff::derive("C = inv(A)", Mode::Forward, &Options::new().wrt(["A"]))?;
//! assert_eq!(d.to_unicode(), "C\u{307} = −C A\u{307} C");
//! assert_eq!(d.to_json()["results"][0]["latex"], "\\dot{C} = -C \\dot{A} C");
//! assert!(matdiff::check("C = inv(A)", &CheckOptions::new())?.passed());
//!
//! let err = matdiff::forward("C = inv(A) +").unwrap_err();
//! assert_eq!((err.line(), err.column()), (Some(1), Some(13)));
//! # Ok(())
//! # }
//! ```
//!
//! No call panics, and none overflows the caller's stack: the engine runs
//! on a thread with a stack of its own.
#![warn(missing_docs)]

mod front;
#[cfg(feature = "python")]
mod python;

pub use check::Report;
pub use egraph::Stop;
pub use front::{
    check, derive, forward, grad, hessian, jacobian, reverse, simplify, CheckOptions, Derivation,
    Error, Line, Mode, Options,
};

// The engine's stages, one module a stage: text → parse → ast → shape →
// diff → tidy → print / json, with eval and check proving results. They are
// public for the command line, the tests, the fuzzers and the benchmarks,
// and hidden from the documentation: the front door above is the library.
#[doc(hidden)]
pub mod ast;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod cost;
#[doc(hidden)]
pub mod derive;
#[doc(hidden)]
pub mod diff;
#[doc(hidden)]
pub mod egraph;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod eval;
// Below `derive`, which re-exports what the rest of the crate uses of them.
mod first_order;
#[doc(hidden)]
pub mod hessian;
mod jacobian;
#[doc(hidden)]
pub mod json;
#[doc(hidden)]
pub mod limits;
mod naming;
#[doc(hidden)]
pub mod numpy;
#[doc(hidden)]
pub mod parse;
#[doc(hidden)]
pub mod print;
#[doc(hidden)]
pub mod repl;
#[doc(hidden)]
pub mod rules;
#[doc(hidden)]
pub mod shape;
#[doc(hidden)]
pub mod steps;
/// matdiff's own temporaries, `t1 = …`.
mod temporaries;
#[doc(hidden)]
pub mod tidy;
