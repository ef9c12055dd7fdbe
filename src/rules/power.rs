//! Integer matrix powers.

use super::{exponent_sum_fits, RuleSpec};

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
        rule!("power-product", "powers add up", "Aᵐ Aⁿ" = "Aᵐ⁺ⁿ";
            "(* (pow ?a ?m) (pow ?a ?n))" => "(pow ?a (+ ?m ?n))"
                if exponent_sum_fits(&["?m", "?n"], 0)),
        rule!("power-one", "the first power", "A¹" = "A";
            "(pow ?a 1)" => "?a"),
    ]
}
