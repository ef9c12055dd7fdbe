//! Traces: cyclicity, linearity, transposes, scalars, and the trace of a
//! product with a transpose as an inner product.

use super::{matrix, same_shape, scalar, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // tr(A B) = tr(B A)
        rw!("trace-cyclic"; "(tr (* ?a ?b))" => "(tr (* ?b ?a))"),
        // tr(A + B) = tr(A) + tr(B)
        rw!("trace-sum"; "(tr (+ ?a ?b))" => "(+ (tr ?a) (tr ?b))"),
        // tr(−A) = −tr(A)
        rw!("trace-negate"; "(tr (neg ?a))" => "(neg (tr ?a))"),
        // tr(s A) = s tr(A)
        rw!("trace-scalar-factor"; "(tr (* ?s ?a))" => "(* ?s (tr ?a))" if scalar("?s")),
        // tr(Aᵀ) = tr(A)
        rw!("trace-transpose"; "(tr (T ?a))" => "(tr ?a)"),
        // tr(s) = s
        rw!("trace-of-scalar"; "(tr ?a)" => "?a" if scalar("?a")),
        // tr(Aᵀ B) = ⟨A, B⟩
        rw!("trace-as-inner"; "(tr (* (T ?a) ?b))" => "(inner ?a ?b)" if matrix("?a") if same_shape("?a", "?b")),
    ]
}
