//! Transposes: of products, sums, inverses and powers; of symmetric values.

use super::{matrix, scalar_result, symmetric, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("transpose-product", "transpose of a product", "(A B)ᵀ" = "Bᵀ Aᵀ";
            "(T (* ?a ?b))" => "(* (T ?b) (T ?a))"),
        rule!("transpose-product-back", "transpose of a product", "Bᵀ Aᵀ" = "(A B)ᵀ";
            "(* (T ?b) (T ?a))" => "(T (* ?a ?b))"),
        rule!("transpose-sum", "transpose of a sum", "(A + B)ᵀ" = "Aᵀ + Bᵀ";
            "(T (+ ?a ?b))" => "(+ (T ?a) (T ?b))"),
        rule!("transpose-hadamard", "transpose of a Hadamard product", "(A ⊙ B)ᵀ" = "Aᵀ ⊙ Bᵀ";
            "(T (.* ?a ?b))" => "(.* (T ?a) (T ?b))"),
        rule!("transpose-hadamard-back", "transpose of a Hadamard product", "Aᵀ ⊙ Bᵀ" = "(A ⊙ B)ᵀ";
            "(.* (T ?a) (T ?b))" => "(T (.* ?a ?b))"),
        rule!("transpose-twice", "double transpose", "(Aᵀ)ᵀ" = "A";
            "(T (T ?a))" => "?a"),
        rule!("transpose-negate", "transpose of a negation", "(−A)ᵀ" = "−Aᵀ";
            "(T (neg ?a))" => "(neg (T ?a))"),
        // Scalars are symmetric too (the analysis marks them so).
        rule!("transpose-symmetric", "a symmetric matrix is its transpose", "Sᵀ" = "S";
            "(T ?a)" => "?a" if symmetric("?a")),
        // The other way round from the rule above, for products of three
        // factors or more only: a scalar such as `x' A x` equals its
        // transpose, which the rules for products then open, so `x' A' x`
        // meets `x' A x` (and their difference cancels). A plain inner
        // product `u' v` would only meet `v' u`, which the e-graph needs
        // no help to price; a scalar left factor would scale, not pair.
        rule!("scalar-as-transpose", "a scalar is its own transpose", "uᵀ M v" = "(uᵀ M v)ᵀ";
            "(* (* ?a ?m) ?b)" => "(T (* (* ?a ?m) ?b))" if scalar_result() if matrix("?a") if matrix("?m")),
        rule!("transpose-inverse", "transpose of the inverse", "(A⁻¹)ᵀ" = "(Aᵀ)⁻¹";
            "(T (inv ?a))" => "(inv (T ?a))"),
        rule!("transpose-inverse-back", "transpose of the inverse", "(Aᵀ)⁻¹" = "(A⁻¹)ᵀ";
            "(inv (T ?a))" => "(T (inv ?a))"),
        rule!("transpose-power", "transpose of a power", "(Aᵏ)ᵀ" = "(Aᵀ)ᵏ";
            "(T (pow ?a ?k))" => "(pow (T ?a) ?k)"),
        rule!("transpose-power-back", "transpose of a power", "(Aᵀ)ᵏ" = "(Aᵏ)ᵀ";
            "(pow (T ?a) ?k)" => "(T (pow ?a ?k))"),
    ]
}
