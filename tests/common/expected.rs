//! A printed line against a case's best-known formula, both evaluated at
//! the same point: the corpora judge them alike.

// Each suite uses the checks it needs.
#![allow(dead_code)]

use matdiff::eval::Matrix;
use std::io::Write;

/// An error when `ours` (the line, printed as `line`) and `theirs` (the
/// formula `expected`) differ beyond rounding, or when the line costs more
/// flops than the formula plus the case's stated `slack`.
pub fn agrees_with_expected(
    line: &dyn std::fmt::Display,
    expected: &str,
    (ours, our_flops): (&Matrix, f64),
    (theirs, their_flops): (&Matrix, f64),
    slack: f64,
) -> Result<(), String> {
    same_value(line, expected, ours, theirs)?;
    if our_flops > their_flops * (1.0 + 1e-9) + slack {
        return Err(format!(
            "{line} costs {our_flops} flops, `{expected}` {their_flops}"
        ));
    }
    Ok(())
}

/// An error when `ours` (the line, printed as `line`) and `theirs` (the
/// formula `expected`) differ beyond rounding.
pub fn same_value(
    line: &dyn std::fmt::Display,
    expected: &str,
    ours: &Matrix,
    theirs: &Matrix,
) -> Result<(), String> {
    let scale = ours.norm().max(theirs.norm()).max(1e-12);
    let error = if ours.shape() == theirs.shape() {
        (ours - theirs).norm() / scale
    } else {
        f64::INFINITY
    };
    if error > 1e-8 {
        return Err(format!(
            "{line} differs from `{expected}` (relative error {error:.2e})"
        ));
    }
    Ok(())
}

/// Appends a case's flops and its formula's to the file named by
/// `MATDIFF_COST_REPORT`, when set: one line `suite id ours theirs`, so a
/// run can report the cost ratios over a corpus (geometric mean, worst).
pub fn record_cost(suite: &str, id: &str, ours: f64, theirs: f64) {
    let Ok(path) = std::env::var("MATDIFF_COST_REPORT") else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    writeln!(file, "{suite}\t{id}\t{ours}\t{theirs}").unwrap_or_else(|e| panic!("{path}: {e}"));
}
