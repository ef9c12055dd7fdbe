//! Products and sums: only scalars commute; products re-associate where
//! the new bracketing type-checks; common factors are pulled out (directed,
//! never distributed back), so the graph stays small.

use super::{
    either_scalar, identity, left_bracketing_typechecks, matrix, right_bracketing_typechecks,
    same_shape, scalar, Rule,
};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // s A = A s, for a scalar s
        rw!("scalar-commute"; "(* ?a ?b)" => "(* ?b ?a)" if either_scalar("?a", "?b")),
        // (A B) C = A (B C)
        rw!("product-associate-right"; "(* (* ?a ?b) ?c)" => "(* ?a (* ?b ?c))" if right_bracketing_typechecks("?a", "?b", "?c")),
        // A (B C) = (A B) C
        rw!("product-associate-left"; "(* ?a (* ?b ?c))" => "(* (* ?a ?b) ?c)" if left_bracketing_typechecks("?a", "?b", "?c")),
        // 1 A = A
        rw!("product-one"; "(* 1 ?a)" => "?a"),
        // A I = A
        rw!("product-identity-right"; "(* ?a ?i)" => "?a" if identity("?i") if matrix("?a")),
        // I A = A
        rw!("product-identity-left"; "(* ?i ?a)" => "?a" if identity("?i") if matrix("?a")),
        // −(−A) = A
        rw!("negate-twice"; "(neg (neg ?a))" => "?a"),
        // −A = (−1) A
        rw!("negate-as-product"; "(neg ?a)" => "(* -1 ?a)"),
        // (−1) A = −A
        rw!("product-as-negate"; "(* -1 ?a)" => "(neg ?a)"),
        // A + B = B + A
        rw!("sum-commute"; "(+ ?a ?b)" => "(+ ?b ?a)"),
        // (A + B) + C = A + (B + C)
        rw!("sum-associate"; "(+ (+ ?a ?b) ?c)" => "(+ ?a (+ ?b ?c))"),
        // A C + B C = (A + B) C
        rw!("sum-factor-right"; "(+ (* ?a ?c) (* ?b ?c))" => "(* (+ ?a ?b) ?c)" if same_shape("?a", "?b")),
        // A B + A C = A (B + C)
        rw!("sum-factor-left"; "(+ (* ?a ?b) (* ?a ?c))" => "(* ?a (+ ?b ?c))" if same_shape("?b", "?c")),
        // A + s A = (1 + s) A
        rw!("sum-coefficient"; "(+ ?a (* ?s ?a))" => "(* (+ 1 ?s) ?a)" if scalar("?s")),
        // A + A = 2 A
        rw!("sum-double"; "(+ ?a ?a)" => "(* 2 ?a)"),
        // s − s = 0, for a scalar s
        rw!("sum-cancel"; "(+ ?a (neg ?a))" => "0" if scalar("?a")),
        // A / s = (1/s) A
        rw!("quotient-as-product"; "(/ ?a ?s)" => "(* (/ 1 ?s) ?a)" if matrix("?a")),
    ]
}
