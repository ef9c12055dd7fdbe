//! Entry-wise powers with constant exponents: one power per entry where
//! derivatives write several operations (`𝟙 ⊘ (2 √x)∘² ⊘ (2 √x)` is
//! `¼ x∘⁻³ᐟ²`). Exponents add and multiply as for positive entries, the
//! domain on which the fractional powers are defined.

use super::{constant, ones, same_shape, scalar, RuleSpec};
use num_rational::BigRational;
use num_traits::Signed;

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("sqrt-as-power", "the square root is the power ½", "√A" = "A∘¹ᐟ²";
            "(sqrt ?a)" => "(epow ?a 1/2)"),
        rule!("reciprocal-as-power", "the reciprocal is the power −1", "𝟙 ⊘ A" = "A∘⁻¹";
            "(./ ?o ?a)" => "(epow ?a -1)" if ones("?o") if same_shape("?o", "?a")),
        rule!("power-of-power", "exponents multiply", "(A∘ᵖ)∘ᵠ" = "A∘ᵖᵠ", "for a whole q";
            "(epow (epow ?a ?p) ?q)" => "(epow ?a (* ?p ?q))" if whole("?q") if small(&["?p", "?q"], 0, |p, q| p * q)),
        rule!("powers-multiply", "exponents add", "A∘ᵖ ⊙ A∘ᵠ" = "A∘⁽ᵖ⁺ᵠ⁾";
            "(.* (epow ?a ?p) (epow ?a ?q))" => "(epow ?a (+ ?p ?q))" if small(&["?p", "?q"], 0, |p, q| p + q)),
        rule!("power-times-base", "exponents add", "A ⊙ A∘ᵠ" = "A∘⁽¹⁺ᵠ⁾";
            "(.* ?a (epow ?a ?q))" => "(epow ?a (+ 1 ?q))" if small(&["?q"], 1, |one, q| one + q)),
        rule!("powers-divide", "exponents subtract", "A∘ᵖ ⊘ A∘ᵠ" = "A∘⁽ᵖ⁻ᵠ⁾";
            "(./ (epow ?a ?p) (epow ?a ?q))" => "(epow ?a (+ ?p (neg ?q)))" if small(&["?p", "?q"], 0, |p, q| p - q)),
        rule!("power-over-base", "exponents subtract", "A∘ᵖ ⊘ A" = "A∘⁽ᵖ⁻¹⁾";
            "(./ (epow ?a ?p) ?a)" => "(epow ?a (+ ?p -1))" if small(&["?p"], 1, |p, one| p - one)),
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

/// The largest exponent these rules write: squares, cubes and their
/// roots and reciprocals are what derivatives meet, and a bound keeps the
/// graph from writing ever higher powers of a power (x∘² ⊙ x∘² = x∘⁴, …).
const LARGEST_EXPONENT: i64 = 4;

/// The constants `vs` (with `extra` as the second operand when there is
/// only one) combined by `combine` give an exponent within
/// [`LARGEST_EXPONENT`].
fn small(
    vs: &[&str],
    extra: i64,
    combine: fn(BigRational, BigRational) -> BigRational,
) -> super::Condition {
    let vs: Vec<_> = vs.iter().map(|v| super::var(v)).collect();
    Box::new(move |g, _, s| {
        let value = |v| super::data(g, s, v).constant.clone();
        let operands = match vs[..] {
            [a, b] => value(a).zip(value(b)),
            [a] if extra == 1 => value(a).map(|a| (BigRational::from_integer(1.into()), a)),
            [a] => value(a).map(|a| (a, BigRational::from_integer(0.into()))),
            _ => None,
        };
        operands.is_some_and(|(a, b)| {
            combine(a, b).abs() <= BigRational::from_integer(LARGEST_EXPONENT.into())
        })
    })
}

/// `k` is a whole-number constant, small enough to fold.
fn whole(k: &str) -> super::Condition {
    super::integer_exponent(k)
}
