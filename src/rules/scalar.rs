//! Products and sums: only scalars commute; products re-associate where
//! the new bracketing type-checks; common factors are pulled out (directed,
//! never distributed back), so the graph stays small.

use super::{
    either_scalar, identity, left_bracketing_typechecks, matrix, right_bracketing_typechecks,
    same_shape, scalar, RuleSpec,
};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("scalar-commute", "a scalar factor commutes", "s A" = "A s";
            "(* ?a ?b)" => "(* ?b ?a)" if either_scalar("?a", "?b")),
        // `*` also scales by a scalar, and `(x' * y) * S` is not
        // `x' * (y * S)`: the guard keeps the new bracketing well-typed.
        rule!("product-associate-right", "associativity", "(A B) C" = "A (B C)";
            "(* (* ?a ?b) ?c)" => "(* ?a (* ?b ?c))" if right_bracketing_typechecks("?a", "?b", "?c")),
        rule!("product-associate-left", "associativity", "A (B C)" = "(A B) C";
            "(* ?a (* ?b ?c))" => "(* (* ?a ?b) ?c)" if left_bracketing_typechecks("?a", "?b", "?c")),
        rule!("product-one", "the unit factor", "1 A" = "A";
            "(* 1 ?a)" => "?a"),
        // A scalar a times I is a matrix, not a: the guard keeps A a matrix.
        rule!("product-identity-right", "the identity drops out", "A I" = "A";
            "(* ?a ?i)" => "?a" if identity("?i") if matrix("?a")),
        rule!("product-identity-left", "the identity drops out", "I A" = "A";
            "(* ?i ?a)" => "?a" if identity("?i") if matrix("?a")),
        rule!("negate-twice", "double negation", "−(−A)" = "A";
            "(neg (neg ?a))" => "?a"),
        rule!("negate-as-product", "a sign as a factor", "−A" = "(−1) A";
            "(neg ?a)" => "(* -1 ?a)"),
        rule!("product-as-negate", "a sign as a factor", "(−1) A" = "−A";
            "(* -1 ?a)" => "(neg ?a)"),
        // Directed outward, so that a product's signs and scalars meet the
        // terms they cancel or combine with.
        rule!("product-negate-right", "a sign comes out", "A (−B)" = "−(A B)";
            "(* ?a (neg ?b))" => "(neg (* ?a ?b))"),
        rule!("sum-commute", "the sum commutes", "A + B" = "B + A";
            "(+ ?a ?b)" => "(+ ?b ?a)"),
        rule!("sum-associate", "associativity", "(A + B) + C" = "A + (B + C)";
            "(+ (+ ?a ?b) ?c)" => "(+ ?a (+ ?b ?c))"),
        // `A + B` of a scalar and a matrix would be a different sum: the
        // guard keeps the two factored terms of one shape.
        rule!("sum-factor-right", "factor out on the right", "A C + B C" = "(A + B) C";
            "(+ (* ?a ?c) (* ?b ?c))" => "(* (+ ?a ?b) ?c)" if same_shape("?a", "?b")),
        rule!("sum-factor-left", "factor out on the left", "A B + A C" = "A (B + C)";
            "(+ (* ?a ?b) (* ?a ?c))" => "(* ?a (+ ?b ?c))" if same_shape("?b", "?c")),
        rule!("sum-coefficient", "like terms add up", "A + s A" = "(1 + s) A";
            "(+ ?a (* ?s ?a))" => "(* (+ 1 ?s) ?a)" if scalar("?s")),
        rule!("sum-double", "like terms add up", "A + A" = "2 A";
            "(+ ?a ?a)" => "(* 2 ?a)"),
        // The number 0 is a scalar: a matrix difference keeps its shape.
        rule!("sum-cancel", "a term cancels", "s − s" = "0";
            "(+ ?a (neg ?a))" => "0" if scalar("?a")),
        // Kept from scalars so that `s / t` does not turn into a product.
        rule!("quotient-as-product", "division by a scalar", "A / s" = "(1/s) A";
            "(/ ?a ?s)" => "(* (/ 1 ?s) ?a)" if matrix("?a")),
    ]
}
