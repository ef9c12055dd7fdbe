//! Traces: cyclicity, linearity, transposes, scalars, and the trace of a
//! product with a transpose as an inner product.

use super::{matrix, scalar, transposed_shape, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("trace-cyclic", "cyclic trace", "tr(A B)" = "tr(B A)";
            "(tr (* ?a ?b))" => "(tr (* ?b ?a))"),
        rule!("trace-sum", "the trace is linear", "tr(A + B)" = "tr(A) + tr(B)";
            "(tr (+ ?a ?b))" => "(+ (tr ?a) (tr ?b))"),
        rule!("trace-negate", "the trace is linear", "tr(−A)" = "−tr(A)";
            "(tr (neg ?a))" => "(neg (tr ?a))"),
        rule!("trace-scalar-factor", "the trace is linear", "tr(s A)" = "s tr(A)";
            "(tr (* ?s ?a))" => "(* ?s (tr ?a))" if scalar("?s")),
        rule!("trace-transpose", "trace of the transpose", "tr(Aᵀ)" = "tr(A)";
            "(tr (T ?a))" => "(tr ?a)"),
        rule!("trace-of-scalar", "trace of a scalar", "tr(s)" = "s";
            "(tr ?a)" => "?a" if scalar("?a")),
        // n² flops for the pairing instead of n³ for the product.
        rule!("trace-product-as-inner", "vec inner product", "tr(A B)" = "⟨Aᵀ, B⟩";
            "(tr (* ?a ?b))" => "(inner (T ?a) ?b)" if matrix("?a") if transposed_shape("?a", "?b")),
    ]
}
