//! A printed line against a case's best-known formula, both evaluated at
//! the same point: the second-order and Jacobian corpora judge them alike.

use matdiff::eval::Matrix;

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
    if our_flops > their_flops * (1.0 + 1e-9) + slack {
        return Err(format!(
            "{line} costs {our_flops} flops, `{expected}` {their_flops}"
        ));
    }
    Ok(())
}
