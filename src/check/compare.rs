//! Comparing a derivative with its differences: relative errors and inner
//! products measured against their natural size, safe from overflow.

use crate::eval::Matrix;

/// An inner product ⟨a, b⟩ with its natural size ‖a‖ ‖b‖, against which
/// its error is measured: the value itself may cancel to almost nothing.
#[derive(Clone, Copy, Default)]
pub(super) struct Pairing {
    value: f64,
    scale: f64,
}

impl Pairing {
    pub(super) fn plus(self, other: Pairing) -> Pairing {
        Pairing {
            value: self.value + other.value,
            scale: self.scale + other.scale,
        }
    }

    /// Relative difference of two pairings; infinite (a failure) when
    /// either is NaN or infinite.
    pub(super) fn error(self, other: Pairing) -> f64 {
        let diff = (self.value - other.value).abs();
        let scale = self.scale.max(other.scale);
        let finite = [self.value, other.value, self.scale, other.scale, diff];
        if !finite.iter().all(|x| x.is_finite()) {
            return f64::INFINITY;
        }
        if scale < 1e-8 {
            diff
        } else {
            diff / scale
        }
    }
}

/// ⟨a, b⟩; NaN (a failed comparison, not a panic) when shapes differ.
/// Computed on the parts scaled to entries at most 1, so large but finite
/// values do not overflow on the way.
pub(super) fn pair(a: &Matrix, b: &Matrix) -> Pairing {
    if a.shape() != b.shape() {
        return Pairing {
            value: f64::NAN,
            scale: 0.0,
        };
    }
    let (ka, kb) = (a.amax(), b.amax());
    if !needs_scaling(ka) && !needs_scaling(kb) {
        return Pairing {
            value: a.dot(b),
            scale: a.norm() * b.norm(),
        };
    }
    // Only the side that needs it is scaled: a zero side has no scale.
    let ka = if needs_scaling(ka) { ka } else { 1.0 };
    let kb = if needs_scaling(kb) { kb } else { 1.0 };
    let (a, b) = (a / ka, b / kb);
    Pairing {
        value: a.dot(&b) * ka * kb,
        scale: a.norm() * b.norm() * ka * kb,
    }
}

/// Whether entries as large as `k` could overflow (or underflow) when
/// squared; such values are scaled before norms and inner products.
fn needs_scaling(k: f64) -> bool {
    k.is_finite() && k != 0.0 && !(1e-100..=1e100).contains(&k)
}

/// ‖a − b‖ relative to the larger of ‖a‖, ‖b‖ (absolute below 1e-8);
/// infinite (a failure) for differing shapes or any NaN or infinity.
pub(super) fn relative(a: &Matrix, b: &Matrix) -> f64 {
    if a.shape() != b.shape() {
        return f64::INFINITY;
    }
    if a.iter().chain(b.iter()).any(|x| !x.is_finite()) {
        return f64::INFINITY;
    }
    let k = a.amax().max(b.amax());
    // Scaled to entries at most 1 where squares could overflow.
    let (scale, diff) = if needs_scaling(k) {
        let (sa, sb) = (a / k, b / k);
        (sa.norm().max(sb.norm()) * k, (sa - sb).norm() * k)
    } else {
        (a.norm().max(b.norm()), (a - b).norm())
    };
    if !diff.is_finite() || !scale.is_finite() {
        f64::INFINITY
    } else if scale < 1e-8 {
        diff
    } else {
        diff / scale
    }
}
