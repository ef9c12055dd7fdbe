//! Differential testing for long runs: a random well-typed program, drawn by
//! the reference generator from a seed the fuzzer supplies, derived in every
//! mode; each printed line is read back by the independent strict reader
//! (`tests/reference`) and compared with finite differences of the program.
//! Any wrong or unreadable line, or a refusal other than a stated size
//! limit, is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matdiff::derive::Mode;
use matdiff_fuzz::reference::generate;
use matdiff_fuzz::reference::judge::{judge, mode_name, Outcome};
use matdiff_fuzz::reference::numeric::Compiled;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fuzz_target!(|seed: u64| {
    let mut rng = StdRng::seed_from_u64(seed);
    let scalar_output = rng.gen_bool(0.6);
    let program = generate::program(&mut rng, scalar_output, generate::R2_SHARE);
    let text = program.text.clone();
    let Ok(compiled) = Compiled::new(program) else {
        return;
    };
    let mut modes = vec![Mode::Forward, Mode::Reverse];
    if scalar_output {
        modes.extend([Mode::Grad, Mode::Hessian]);
    }
    for mode in modes {
        let expand = mode != Mode::Hessian && rng.gen_bool(0.25);
        if let Outcome::Judged { findings, .. } = judge(&compiled, mode, None, expand, &mut rng) {
            assert!(
                findings.is_empty(),
                "{} of `{text}` (expand: {expand}) is wrong: {:?}",
                mode_name(mode),
                findings.first().map(|f| format!("{f:?}"))
            );
        }
    }
});
