//! Shared code of the fuzz targets: the pipeline driver the regression
//! tests also use, and a grammar-aware generator of programs.

#[path = "../../tests/common/pipeline.rs"]
pub mod pipeline;

pub mod generate;

/// The independent strict reader, evaluator and program generator of the
/// differential tests.
#[path = "../../tests/reference/mod.rs"]
pub mod reference;
