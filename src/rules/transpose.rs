//! Transposes: of products, sums, inverses and powers; of symmetric values.

use super::{symmetric, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // (A B)ᵀ = Bᵀ Aᵀ
        rw!("transpose-product"; "(T (* ?a ?b))" => "(* (T ?b) (T ?a))"),
        // Bᵀ Aᵀ = (A B)ᵀ
        rw!("transpose-product-back"; "(* (T ?b) (T ?a))" => "(T (* ?a ?b))"),
        // (A + B)ᵀ = Aᵀ + Bᵀ
        rw!("transpose-sum"; "(T (+ ?a ?b))" => "(+ (T ?a) (T ?b))"),
        // (Aᵀ)ᵀ = A
        rw!("transpose-twice"; "(T (T ?a))" => "?a"),
        // (−A)ᵀ = −Aᵀ
        rw!("transpose-negate"; "(T (neg ?a))" => "(neg (T ?a))"),
        // Sᵀ = S for symmetric S (scalars included)
        rw!("transpose-symmetric"; "(T ?a)" => "?a" if symmetric("?a")),
        // inv(A)ᵀ = inv(Aᵀ)
        rw!("transpose-inverse"; "(T (inv ?a))" => "(inv (T ?a))"),
        // inv(Aᵀ) = inv(A)ᵀ
        rw!("transpose-inverse-back"; "(inv (T ?a))" => "(T (inv ?a))"),
        // (Aᵏ)ᵀ = (Aᵀ)ᵏ
        rw!("transpose-power"; "(T (pow ?a ?k))" => "(pow (T ?a) ?k)"),
        // (Aᵀ)ᵏ = (Aᵏ)ᵀ
        rw!("transpose-power-back"; "(pow (T ?a) ?k)" => "(T (pow ?a ?k))"),
    ]
}
