//! Integer matrix powers.

use super::{exponent_sum_fits, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // A A = A²
        rw!("power-square"; "(* ?a ?a)" => "(pow ?a 2)"),
        // Aᵏ A = Aᵏ⁺¹
        rw!("power-grow-right"; "(* (pow ?a ?k) ?a)" => "(pow ?a (+ ?k 1))" if exponent_sum_fits(&["?k"], 1)),
        // A Aᵏ = Aᵏ⁺¹
        rw!("power-grow-left"; "(* ?a (pow ?a ?k))" => "(pow ?a (+ ?k 1))" if exponent_sum_fits(&["?k"], 1)),
        // Aᵐ Aⁿ = Aᵐ⁺ⁿ
        rw!("power-product"; "(* (pow ?a ?m) (pow ?a ?n))" => "(pow ?a (+ ?m ?n))" if exponent_sum_fits(&["?m", "?n"], 0)),
        // A¹ = A
        rw!("power-one"; "(pow ?a 1)" => "?a"),
    ]
}
