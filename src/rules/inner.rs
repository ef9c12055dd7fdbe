//! The vec inner product ⟨A, B⟩ = tr(Aᵀ B).

use super::{scalar, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // ⟨A, B⟩ = ⟨B, A⟩
        rw!("inner-symmetric"; "(inner ?a ?b)" => "(inner ?b ?a)"),
        // ⟨A, B⟩ = tr(Aᵀ B)
        rw!("inner-as-trace"; "(inner ?a ?b)" => "(tr (* (T ?a) ?b))"),
        // ⟨A, B ⊙ C⟩ = ⟨A ⊙ B, C⟩
        rw!("inner-hadamard"; "(inner ?a (.* ?b ?c))" => "(inner (.* ?a ?b) ?c)"),
        // ⟨s A, B⟩ = s ⟨A, B⟩
        rw!("inner-scalar-factor"; "(inner (* ?s ?a) ?b)" => "(* ?s (inner ?a ?b))" if scalar("?s")),
    ]
}
