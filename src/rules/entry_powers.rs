//! Entry-wise powers with constant exponents: one power per entry where
//! derivatives write several operations (`𝟙 ⊘ (2 √x)∘² ⊘ (2 √x)` is
//! `¼ x∘⁻³ᐟ²`). Exponents add and multiply as for positive entries, the
//! domain on which the fractional powers are defined.

use super::{constant, ones, same_shape, scalar, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("sqrt-as-power", "the square root is the power ½", "√A" = "A∘¹ᐟ²";
            "(sqrt ?a)" => "(epow ?a 1/2)"),
        rule!("reciprocal-as-power", "the reciprocal is the power −1", "𝟙 ⊘ A" = "A∘⁻¹";
            "(./ ?o ?a)" => "(epow ?a -1)" if ones("?o") if same_shape("?o", "?a")),
        rule!("power-of-power", "exponents multiply", "(A∘ᵖ)∘ᵠ" = "A∘ᵖᵠ", "for a whole q";
            "(epow (epow ?a ?p) ?q)" => "(epow ?a (* ?p ?q))" if constant("?p") if whole("?q")),
        rule!("powers-multiply", "exponents add", "A∘ᵖ ⊙ A∘ᵠ" = "A∘⁽ᵖ⁺ᵠ⁾";
            "(.* (epow ?a ?p) (epow ?a ?q))" => "(epow ?a (+ ?p ?q))" if constant("?p") if constant("?q")),
        rule!("power-times-base", "exponents add", "A ⊙ A∘ᵠ" = "A∘⁽¹⁺ᵠ⁾";
            "(.* ?a (epow ?a ?q))" => "(epow ?a (+ 1 ?q))" if constant("?q")),
        rule!("powers-divide", "exponents subtract", "A∘ᵖ ⊘ A∘ᵠ" = "A∘⁽ᵖ⁻ᵠ⁾";
            "(./ (epow ?a ?p) (epow ?a ?q))" => "(epow ?a (+ ?p (neg ?q)))" if constant("?p") if constant("?q")),
        rule!("power-over-base", "exponents subtract", "A∘ᵖ ⊘ A" = "A∘⁽ᵖ⁻¹⁾";
            "(./ (epow ?a ?p) ?a)" => "(epow ?a (+ ?p -1))" if constant("?p")),
        rule!("scaled-power", "a scalar factor's power comes out", "(s A)∘ᵏ" = "sᵏ A∘ᵏ", "for a whole k";
            "(epow (* ?s ?a) ?k)" => "(* (epow ?s ?k) (epow ?a ?k))" if scalar("?s") if constant("?s") if whole("?k")),
        rule!("scaled-ones-hadamard", "𝟙 is the unit of ⊙", "(s 𝟙) ⊙ A" = "s A";
            "(.* (* ?s ?o) ?a)" => "(* ?s ?a)" if scalar("?s") if ones("?o") if same_shape("?o", "?a")),
        rule!("hadamard-scalar-factor", "a scalar factor comes out", "(s A) ⊙ B" = "s (A ⊙ B)";
            "(.* (* ?s ?a) ?b)" => "(* ?s (.* ?a ?b))" if scalar("?s") if same_shape("?a", "?b")),
        rule!("abs-square", "a square ignores the sign", "|A|∘²" = "A∘²";
            "(epow (abs ?a) 2)" => "(epow ?a 2)"),
        rule!("sign-times-abs-square", "the sign times the square of the magnitude",
            "sign(A) ⊙ |A|∘²" = "A ⊙ |A|";
            "(.* (sign ?a) (epow (abs ?a) 2))" => "(.* ?a (abs ?a))"),
        rule!("sign-times-square", "the sign times the square", "sign(A) ⊙ A∘²" = "A ⊙ |A|";
            "(.* (sign ?a) (epow ?a 2))" => "(.* ?a (abs ?a))"),
    ]
}

/// `k` is a whole-number constant, small enough to fold.
fn whole(k: &str) -> super::Condition {
    super::integer_exponent(k)
}
