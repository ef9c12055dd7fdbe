//! What `tidy` did, in words: each rewrite notes itself as it fires, into a
//! journal that only a recorded derivation (`--steps`) opens, so `--steps`
//! names the rewrites that happened instead of guessing them from the two
//! sides.

use std::cell::RefCell;

/// A rewrite `tidy` makes, with its identity in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tidying {
    /// (M N)ᵀ = Nᵀ Mᵀ
    TransposeOfProduct,
    /// (M + N)ᵀ = Mᵀ + Nᵀ
    TransposeOfSum,
    /// (Mᵀ)ᵀ = M
    DoubleTranspose,
    /// Sᵀ = S for a symmetric S
    SymmetricTranspose,
    /// tr(c M) = c tr(M)
    ConstantOutOfTrace,
    /// tr(−M) = −tr(M)
    SignOutOfTrace,
    /// s M / s = M
    ScalarCancels,
    /// M I = M
    IdentityDropsOut,
    /// M¹ = M
    FirstPower,
    /// M + M = 2 M
    LikeTerms,
    /// M − M = 0
    TermsCancel,
    /// 0 M = 0, M + 0 = M
    ZeroDropsOut,
    /// sᵃ sᵇ = sᵃ⁺ᵇ
    PowersCombine,
}

impl Tidying {
    /// The identity in words, as `--steps` prints it.
    ///
    /// ```
    /// use matdiff::tidy::Tidying;
    /// assert_eq!(Tidying::FirstPower.words(), "M¹ = M");
    /// ```
    pub fn words(self) -> &'static str {
        match self {
            Tidying::TransposeOfProduct => "transpose of a product: (M N)ᵀ = Nᵀ Mᵀ",
            Tidying::TransposeOfSum => "transpose of a sum: (M + N)ᵀ = Mᵀ + Nᵀ",
            Tidying::DoubleTranspose => "(Mᵀ)ᵀ = M",
            Tidying::SymmetricTranspose => "a symmetric matrix is its transpose: Sᵀ = S",
            Tidying::ConstantOutOfTrace => "a constant comes out of the trace: tr(c M) = c tr(M)",
            Tidying::SignOutOfTrace => "a sign comes out of the trace: tr(−M) = −tr(M)",
            Tidying::ScalarCancels => "a scalar cancels: s M / s = M",
            Tidying::IdentityDropsOut => "the identity drops out: M I = M",
            Tidying::FirstPower => "M¹ = M",
            Tidying::LikeTerms => "like terms add up: M + M = 2 M",
            Tidying::TermsCancel => "terms cancel: M − M = 0",
            Tidying::ZeroDropsOut => "zeros drop out: 0 M = 0, M + 0 = M",
            Tidying::PowersCombine => "powers of one scalar combine: sᵃ sᵇ = sᵃ⁺ᵇ, sᵃ / sᵇ = sᵃ⁻ᵇ",
        }
    }
}

thread_local! {
    /// The open journal, if a recorded derivation asked for one.
    static JOURNAL: RefCell<Option<Vec<Tidying>>> = const { RefCell::new(None) };
}

/// Notes that `rewrite` fired; free when no journal is open.
pub(super) fn note(rewrite: Tidying) {
    JOURNAL.with(|journal| {
        if let Some(noted) = journal.borrow_mut().as_mut() {
            if !noted.contains(&rewrite) {
                noted.push(rewrite);
            }
        }
    });
}

/// Runs `work` with a journal open and returns its result with the
/// rewrites noted, each once, in the order they first fired.
pub(super) fn journaled<T>(work: impl FnOnce() -> T) -> (T, Vec<Tidying>) {
    let outer = JOURNAL.with(|journal| journal.borrow_mut().replace(Vec::new()));
    let result = work();
    let noted = JOURNAL.with(|journal| std::mem::replace(&mut *journal.borrow_mut(), outer));
    (result, noted.unwrap_or_default())
}
