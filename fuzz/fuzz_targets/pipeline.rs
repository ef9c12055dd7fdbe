//! The whole pipeline on generated programs: parse, shapes, every mode,
//! steps, every printer, re-parse, and the numerical check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matdiff_fuzz::generate::Program;
use matdiff_fuzz::pipeline::{exercise, fuzz_limits, Depth};

fuzz_target!(|program: Program| {
    let text = program.text();
    // `MATDIFF_FUZZ_PRINT=1 cargo fuzz run pipeline <artifact>` shows the
    // program an artifact stands for, for the regression corpus.
    if std::env::var_os("MATDIFF_FUZZ_PRINT").is_some() {
        eprintln!("program:\n{text}\n");
    }
    let depth = Depth {
        derive: true,
        check: true,
    };
    exercise(&text, depth, &fuzz_limits());
});
