//! An independent, strict reference for matdiff's printed results: a reader
//! and evaluator of the plain syntax that shares no code with the engine, a
//! random program generator, and a judge that compares each printed line
//! with finite differences of the program.

pub mod coverage;
pub mod evaluate;
pub mod generate;
pub mod judge;
pub mod numeric;
pub mod sizes;
pub mod syntax;
