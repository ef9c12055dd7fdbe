//! Integer matrix powers.

use super::{column, data, exponent_sum_fits, integer_exponent, var, Condition, RuleSpec};

// A merged exponent must stay within `MAX_EXPONENT` for the result to read
// back as input; that bound is no part of the identity, so no words say it.
pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("power-square", "a square", "A A" = "A²";
            "(* ?a ?a)" => "(pow ?a 2)"),
        rule!("power-grow-right", "powers add up", "Aᵏ A" = "Aᵏ⁺¹";
            "(* (pow ?a ?k) ?a)" => "(pow ?a (+ ?k 1))" if exponent_sum_fits(&["?k"], 1)),
        rule!("power-grow-left", "powers add up", "A Aᵏ" = "Aᵏ⁺¹";
            "(* ?a (pow ?a ?k))" => "(pow ?a (+ ?k 1))" if exponent_sum_fits(&["?k"], 1)),
        // A power against a vector is that many matrix-vector products
        // (n² flops each) instead of the power's products (n³ each).
        rule!("power-times-vector", "a power acts one factor at a time", "Aᵏ v" = "A (Aᵏ⁻¹ v)";
            "(* (pow ?a ?k) ?v)" => "(* ?a (* (pow ?a (+ ?k -1)) ?v))" if above_one("?k") if column("?v")),
        rule!("vector-times-power", "a power acts one factor at a time", "vᵀ Aᵏ" = "(vᵀ Aᵏ⁻¹) A";
            "(* (T ?v) (pow ?a ?k))" => "(* (* (T ?v) (pow ?a (+ ?k -1))) ?a)" if above_one("?k") if column("?v")),
        // One inverse and the power's products, instead of the products
        // and the inverse of their result: the same flops, but the inverse
        // is then shared with any other use of it.
        rule!("inverse-of-power", "the inverse of a power", "(Aᵏ)⁻¹" = "(A⁻¹)ᵏ";
            "(inv (pow ?a ?k))" => "(pow (inv ?a) ?k)" if above_one("?k")),
        // n² flops for the pairing instead of n³ for the square.
        rule!("trace-of-square", "the trace of a square is a vec inner product", "tr(A²)" = "⟨Aᵀ, A⟩";
            "(tr (pow ?a 2))" => "(inner (T ?a) ?a)"),
        rule!("power-product", "powers add up", "Aᵐ Aⁿ" = "Aᵐ⁺ⁿ";
            "(* (pow ?a ?m) (pow ?a ?n))" => "(pow ?a (+ ?m ?n))"
                if exponent_sum_fits(&["?m", "?n"], 0)),
        rule!("determinant-power", "determinant of a power", "det(Aᵏ)" = "det(A)ᵏ";
            "(det (pow ?a ?k))" => "(pow (det ?a) ?k)" if integer_exponent("?k")),
        rule!("logdet-power", "log-determinant of a power", "log|det(Aᵏ)|" = "k log|det(A)|";
            "(logdet (pow ?a ?k))" => "(* ?k (logdet ?a))" if integer_exponent("?k")),
        // Directed at a product with a power of the same matrix, where the
        // exponents meet: `inv(A^k)` alone stays, since writing every
        // inverse of a power as a negative power widened every search.
        rule!("inverse-of-power-right", "powers add up", "(Aᵏ)⁻¹ Aᵐ" = "Aᵐ⁻ᵏ";
            "(* (inv (pow ?a ?k)) (pow ?a ?m))" => "(pow ?a (+ ?m (neg ?k)))"
                if integer_exponent("?k") if exponent_sum_fits(&["?m"], 0)),
        rule!("inverse-of-power-left", "powers add up", "Aᵐ (Aᵏ)⁻¹" = "Aᵐ⁻ᵏ";
            "(* (pow ?a ?m) (inv (pow ?a ?k)))" => "(pow ?a (+ ?m (neg ?k)))"
                if integer_exponent("?k") if exponent_sum_fits(&["?m"], 0)),
        rule!("inverse-of-power-times", "powers add up", "(Aᵏ)⁻¹ A" = "A¹⁻ᵏ";
            "(* (inv (pow ?a ?k)) ?a)" => "(pow ?a (+ 1 (neg ?k)))" if integer_exponent("?k")),
        rule!("times-inverse-of-power", "powers add up", "A (Aᵏ)⁻¹" = "A¹⁻ᵏ";
            "(* ?a (inv (pow ?a ?k)))" => "(pow ?a (+ 1 (neg ?k)))" if integer_exponent("?k")),
        rule!("power-minus-one", "the power −1 is the inverse", "A⁻¹" = "inv(A)";
            "(pow ?a -1)" => "(inv ?a)"),
        rule!("power-one", "the first power", "A¹" = "A";
            "(pow ?a 1)" => "?a"),
    ]
}

/// `k` is an integer of at least 2.
fn above_one(k: &str) -> Condition {
    let k = var(k);
    Box::new(move |g, _, s| {
        data(g, s, k).constant.as_ref().is_some_and(|k| {
            k.is_integer() && *k >= num_rational::BigRational::from_integer(2.into())
        })
    })
}
