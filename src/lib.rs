//! matdiff: symbolic matrix calculus. It reads matrix expressions, derives
//! forward-mode tangents (Ċ) and reverse-mode adjoints (Ā), tidies them,
//! prints them as text, Unicode or LaTeX, and checks them numerically.
//!
//! The seed exercise, the derivative of the matrix inverse:
//!
//! ```
//! use matdiff::derive::{derive, Mode, Options};
//! let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
//! let forward = derive(&model, Mode::Forward, &Options::default()).unwrap();
//! assert_eq!(forward.lines[0].to_string(), "dot(C) = -C * dot(A) * C");
//! let reverse = derive(&model, Mode::Reverse, &Options::default()).unwrap();
//! assert_eq!(reverse.lines[0].to_string(), "bar(A) = -C' * bar(C) * C'");
//! assert!(matdiff::check::check(&model, None, 1).unwrap().passed());
//! ```
//!
//! The data flow is one straight line, one module a stage:
//! text → [`parse`] → [`ast`] → [`shape`] → [`diff`] → [`tidy`] →
//! [`print`](mod@print) / [`json`], with [`eval`] and [`check`] proving results;
//! [`derive`](mod@derive) strings the stages together for each mode.
#![warn(missing_docs)]

pub mod ast;
pub mod check;
pub mod cost;
pub mod derive;
pub mod diff;
pub mod egraph;
pub mod error;
pub mod eval;
pub mod hessian;
pub mod json;
pub mod limits;
pub mod numpy;
pub mod parse;
pub mod print;
pub mod repl;
pub mod rules;
pub mod shape;
pub mod steps;
pub mod tidy;
