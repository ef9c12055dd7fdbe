//! Element-wise algebra: the Hadamard product and quotient, exp and log,
//! element-wise powers.

use super::{column, ones, same_shape, scalar, transposed_shape, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // A ⊙ B = B ⊙ A
        rw!("hadamard-commute"; "(.* ?a ?b)" => "(.* ?b ?a)"),
        // s ⊙ A = s A
        rw!("hadamard-scalar"; "(.* ?s ?a)" => "(* ?s ?a)" if scalar("?s")),
        // A ⊘ s = A / s
        rw!("hadamard-quotient-scalar"; "(./ ?a ?s)" => "(/ ?a ?s)" if scalar("?s")),
        // A ⊙ A = A∘²
        rw!("hadamard-square"; "(.* ?a ?a)" => "(epow ?a 2)"),
        // (A ⊘ B) ⊙ C = (A ⊙ C) ⊘ B
        rw!("hadamard-quotient-associate"; "(.* (./ ?a ?b) ?c)" => "(./ (.* ?a ?c) ?b)"),
        // 𝟙 ⊙ A = A
        rw!("hadamard-ones"; "(.* ?o ?a)" => "?a" if ones("?o") if same_shape("?o", "?a")),
        // diag(v) 𝟙 = v, for a column v (diag of a matrix is a column)
        rw!("diagonal-times-ones"; "(* (diag ?v) ?o)" => "?v" if ones("?o") if same_shape("?v", "?o") if column("?v")),
        // 𝟙ᵀ diag(v) = vᵀ
        rw!("ones-times-diagonal"; "(* (T ?o) (diag ?v))" => "(T ?v)" if ones("?o") if same_shape("?v", "?o") if column("?v")),
        // 𝟙ᵀ diag(v) = vᵀ, with 𝟙ᵀ a row of ones
        rw!("row-of-ones-times-diagonal"; "(* ?o (diag ?v))" => "(T ?v)" if ones("?o") if transposed_shape("?o", "?v") if column("?v")),
        // A∘¹ = A
        rw!("elementwise-power-one"; "(epow ?a 1)" => "?a"),
        // exp(log(A)) = A
        rw!("exp-log"; "(exp (log ?a))" => "?a"),
        // log(exp(A)) = A
        rw!("log-exp"; "(log (exp ?a))" => "?a"),
    ]
}
