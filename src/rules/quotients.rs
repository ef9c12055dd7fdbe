//! Entry-wise quotients: quotients of quotients become one quotient, a
//! factor over itself cancels (where the quotient is defined, the divisor
//! has no zero entry), and a divisor constant along each row, `u 𝟙ᵀ`,
//! comes out of a product with a column: the forms a normalisation such as
//! the batched softmax `E ⊘ (E 𝟙 𝟙ᵀ)` differentiates into.

use super::{column, ones, row_of_ones, same_shape, var, RuleSpec};
use crate::egraph::Math;
use egg::Id;

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("quotient-of-quotient", "quotients compose", "(A ⊘ B) ⊘ C" = "A ⊘ (B ⊙ C)";
            "(./ (./ ?a ?b) ?c)" => "(./ ?a (.* ?b ?c))" if same_shape("?b", "?c")),
        rule!("quotient-by-quotient", "dividing by a quotient", "A ⊘ (B ⊘ C)" = "(A ⊙ C) ⊘ B";
            "(./ ?a (./ ?b ?c))" => "(./ (.* ?a ?c) ?b)" if same_shape("?a", "?c")),
        rule!("quotient-cancel", "a factor over itself cancels", "(A ⊙ B) ⊘ B" = "A";
            "(./ (.* ?a ?b) ?b)" => "?a" if same_shape("?a", "?b")),
        rule!("quotient-cancel-left", "a factor over itself cancels", "(B ⊙ A) ⊘ (B ⊙ C)" = "A ⊘ C";
            "(./ (.* ?b ?a) (.* ?b ?c))" => "(./ ?a ?c)" if same_shape("?a", "?c")),
        // `s ./ A` broadcasts s: the scaled ones need not be made.
        rule!("scaled-ones-quotient", "a scalar over each entry", "(s 𝟙) ⊘ A" = "s ⊘ A";
            "(./ (* ?s ?o) ?a)" => "(./ ?s ?a)" if super::scalar("?s") if ones("?o") if same_shape("?o", "?a")),
        // Distributed only where a term is a quotient by the factor, which
        // then cancels: E ⊙ (X − Y ⊘ E) = E ⊙ X − Y. Distributing always
        // would expand every polynomial in the graph.
        rule!("hadamard-distribute", "the Hadamard product distributes", "A ⊙ (B + C)" = "A ⊙ B + A ⊙ C";
            "(.* ?a (+ ?b ?c))" => "(+ (.* ?a ?b) (.* ?a ?c))"
                if same_shape("?a", "?b") if same_shape("?b", "?c") if divided_by("?c", "?a")),
        rule!("hadamard-negate", "a sign comes out", "A ⊙ (−B)" = "−(A ⊙ B)";
            "(.* ?a (neg ?b))" => "(neg (.* ?a ?b))"),
        // A product's column of ones on the right makes the divisor constant along rows.
        rule!("row-scaled-times-vector", "rows scaled by u, times a column",
            "((u 𝟙ᵀ) ⊙ A) w" = "u ⊙ (A w)";
            "(* (.* (* ?u ?r) ?a) ?w)" => "(.* ?u (* ?a ?w))"
                if column("?u") if row_of_ones("?r") if column("?w")),
        rule!("row-divided-times-vector", "rows divided by u, times a column",
            "(A ⊘ (u 𝟙ᵀ)) w" = "(A w) ⊘ u";
            "(* (./ ?a (* ?u ?r)) ?w)" => "(./ (* ?a ?w) ?u)"
                if column("?u") if row_of_ones("?r") if column("?w")),
    ]
}

/// `q` is a quotient by `d`, or the negation of one: `Y ⊘ D`, `−(Y ⊘ D)`.
fn divided_by(q: &str, d: &str) -> super::Condition {
    let (q, d) = (var(q), var(d));
    Box::new(move |g, _, s| {
        let divisor = g.find(s[d]);
        let is_quotient = |class: Id| {
            g[class]
                .nodes
                .iter()
                .any(|n| matches!(n, Math::EDiv([_, b]) if g.find(*b) == divisor))
        };
        g[s[q]].nodes.iter().any(|n| match n {
            Math::EDiv([_, b]) => g.find(*b) == divisor,
            Math::Neg(inner) => is_quotient(*inner),
            _ => false,
        })
    })
}
