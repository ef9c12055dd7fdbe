//! Bounds on what matdiff accepts, so that no input makes it hang or use
//! unbounded memory. Each is a constant with its reason.

/// Longest program, in bytes. Analysis and derivation are close to linear
/// in the program's length (a 10 000-assignment chain, 256 KB, derives in
/// about two seconds); the cap keeps a pasted file from taking minutes.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;

/// Most digits in a number. Numbers are exact rationals; a longer literal
/// only slows every later step down.
pub const MAX_NUMBER_DIGITS: usize = 100;

/// Most bits in a numerator or denominator that folding a power of numbers
/// may produce: `((2^64)^64)^64` would need 262 144, and each further `^64`
/// multiplies that by 64. A larger power is left unfolded.
pub const MAX_CONSTANT_BITS: u64 = 4096;

/// Whether the exact power `v^k` stays within [`MAX_CONSTANT_BITS`], so
/// that folding it is safe.
///
/// ```
/// use num_rational::BigRational;
/// let two = BigRational::from_integer(2.into());
/// assert!(matdiff::limits::power_fits(&two, 10));
/// assert!(!matdiff::limits::power_fits(&two, 100_000));
/// ```
pub fn power_fits(v: &num_rational::BigRational, k: i64) -> bool {
    let bits = v.numer().bits().max(v.denom().bits());
    bits.saturating_mul(k.unsigned_abs()) <= MAX_CONSTANT_BITS
}

/// Largest |k| in `A^k`: a power expands to k products when differentiated.
pub const MAX_EXPONENT: u64 = 64;

/// Largest fixed size in a declaration such as `matrix(3, 4)`; `check`
/// allocates matrices of that size.
pub const MAX_DECLARED_SIZE: u64 = 200;

/// Largest derived expression, in nodes, that matdiff will print; beyond it
/// the result is refused with an error rather than printed after minutes.
pub const MAX_RESULT_NODES: usize = 20_000;

/// Most operators and calls in one statement. Derivation, simplification and
/// printing recurse over the tree, so its depth must stay within the stack;
/// longer expressions are refused with an error asking to split them.
pub const MAX_OPERATORS: usize = 1000;

/// Stack for the command line's worker thread: derived trees are a few
/// times deeper than their statements.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;
