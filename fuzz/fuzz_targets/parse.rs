//! The parser and shape analysis on arbitrary bytes: every input is either
//! analysed or refused with an error pointing inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matdiff_fuzz::pipeline::{exercise, fuzz_limits, Depth};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let depth = Depth {
            derive: false,
            check: false,
        };
        exercise(text, depth, &fuzz_limits());
    }
});
