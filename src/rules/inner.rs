//! The vec inner product ⟨A, B⟩ = tr(Aᵀ B).

use super::{column, identity, ones, same_shape, scalar, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("inner-symmetric", "the inner product is symmetric", "⟨A, B⟩" = "⟨B, A⟩";
            "(inner ?a ?b)" => "(inner ?b ?a)"),
        rule!("inner-hadamard", "a Hadamard factor moves across", "⟨A, B ⊙ C⟩" = "⟨A ⊙ B, C⟩";
            "(inner ?a (.* ?b ?c))" => "(inner (.* ?a ?b) ?c)"),
        rule!("inner-scalar-factor", "a scalar factor comes out", "⟨s A, B⟩" = "s ⟨A, B⟩";
            "(inner (* ?s ?a) ?b)" => "(* ?s (inner ?a ?b))" if scalar("?s")),
        // Same shapes: with a scalar side `.*` is a scaling, not a pairing.
        rule!("inner-sum-of-hadamard", "the sum of a Hadamard product is the inner product",
            "sum(A ⊙ B)" = "⟨A, B⟩";
            "(sum (.* ?a ?b))" => "(inner ?a ?b)" if same_shape("?a", "?b")),
        // n flops for the trace instead of n² for the pairing.
        rule!("inner-identity-trace", "pairing with the identity is the trace", "⟨A, I⟩" = "tr(A)";
            "(inner ?a ?i)" => "(tr ?a)" if identity("?i")),
        rule!("inner-ones-sum", "ones pair with a vector as its sum", "vᵀ 𝟙" = "sum(v)";
            "(* (T ?v) ?o)" => "(sum ?v)" if ones("?o") if same_shape("?v", "?o") if column("?v")),
    ]
}
