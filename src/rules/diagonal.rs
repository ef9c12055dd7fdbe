//! Diagonal matrices diag(v) of a column v: they act entry by entry, so a
//! product with them, their products, powers and multiples stay vectors
//! (n flops instead of n² or n³); and the diagonal of a rank-one matrix.

use super::{column, same_shape, scalar, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("diagonal-times-vector", "a diagonal matrix acts entry by entry",
            "diag(a) v" = "a ⊙ v";
            "(* (diag ?a) ?v)" => "(.* ?a ?v)" if column("?a") if same_shape("?a", "?v")),
        rule!("vector-times-diagonal", "a diagonal matrix acts entry by entry",
            "vᵀ diag(a)" = "(a ⊙ v)ᵀ";
            "(* (T ?v) (diag ?a))" => "(T (.* ?a ?v))" if column("?a") if same_shape("?a", "?v")),
        rule!("diagonal-product", "diagonal matrices multiply entry by entry",
            "diag(a) diag(b)" = "diag(a ⊙ b)";
            "(* (diag ?a) (diag ?b))" => "(diag (.* ?a ?b))" if column("?a") if same_shape("?a", "?b")),
        rule!("diagonal-sum", "diagonal matrices add entry by entry",
            "diag(a) + diag(b)" = "diag(a + b)";
            "(+ (diag ?a) (diag ?b))" => "(diag (+ ?a ?b))" if column("?a") if same_shape("?a", "?b")),
        rule!("diagonal-negate", "the sign goes inside", "−diag(a)" = "diag(−a)";
            "(neg (diag ?a))" => "(diag (neg ?a))" if column("?a")),
        rule!("diagonal-scalar", "a scalar multiple of a diagonal matrix",
            "s diag(a)" = "diag(s a)";
            "(* ?s (diag ?a))" => "(diag (* ?s ?a))" if scalar("?s") if column("?a")),
        rule!("diagonal-power", "a power of a diagonal matrix is entry by entry",
            "diag(a)ᵏ" = "diag(a∘ᵏ)";
            "(pow (diag ?a) ?k)" => "(diag (epow ?a ?k))" if column("?a")),
        rule!("diagonal-inverse", "the inverse of a diagonal matrix is entry by entry",
            "diag(a)⁻¹" = "diag(a∘⁻¹)";
            "(inv (diag ?a))" => "(diag (epow ?a -1))" if column("?a")),
        rule!("diagonal-of-diagonal-matrix", "the diagonal of diag(v) is v",
            "diag(diag(v))" = "v";
            "(diag (diag ?v))" => "?v" if column("?v")),
        // u vᵀ is square here, so diag takes its diagonal, a column.
        rule!("diagonal-of-outer-product", "the diagonal of an outer product",
            "diag(u vᵀ)" = "u ⊙ v";
            "(diag (* ?u (T ?v)))" => "(.* ?u ?v)" if column("?u") if same_shape("?u", "?v")),
    ]
}
