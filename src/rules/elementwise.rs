//! Element-wise algebra: the Hadamard product and quotient, exp and log,
//! element-wise powers, and diagonal matrices against vectors of ones.

use super::{column, ones, same_shape, scalar, transposed_shape, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("hadamard-commute", "the Hadamard product commutes", "A ⊙ B" = "B ⊙ A";
            "(.* ?a ?b)" => "(.* ?b ?a)"),
        rule!("hadamard-scalar", "a scalar Hadamard factor", "s ⊙ A" = "s A";
            "(.* ?s ?a)" => "(* ?s ?a)" if scalar("?s")),
        rule!("hadamard-quotient-scalar", "entry-wise division by a scalar", "A ⊘ s" = "A / s";
            "(./ ?a ?s)" => "(/ ?a ?s)" if scalar("?s")),
        rule!("hadamard-square", "entry-wise square", "A ⊙ A" = "A∘²";
            "(.* ?a ?a)" => "(epow ?a 2)"),
        rule!("hadamard-quotient-associate", "Hadamard product and quotient",
            "(A ⊘ B) ⊙ C" = "(A ⊙ C) ⊘ B";
            "(.* (./ ?a ?b) ?c)" => "(./ (.* ?a ?c) ?b)"),
        // A 1×1 `ones` against a matrix would be a scalar factor instead.
        rule!("hadamard-quotient-by-scalar", "a scalar divisor comes out", "(A / s) ⊙ B" = "(A ⊙ B) / s";
            "(.* (/ ?a ?s) ?b)" => "(/ (.* ?a ?b) ?s)" if scalar("?s") if same_shape("?a", "?b")),
        rule!("hadamard-ones", "𝟙 is the unit of ⊙", "𝟙 ⊙ A" = "A";
            "(.* ?o ?a)" => "?a" if ones("?o") if same_shape("?o", "?a")),
        // v must be a column (diag of a matrix is a column, of a scalar the
        // scalar) and 𝟙 as long as v (a 1×1 `ones` would be a scalar).
        rule!("diagonal-times-ones", "a diagonal matrix times ones is its diagonal",
            "diag(v) 𝟙" = "v";
            "(* (diag ?v) ?o)" => "?v" if ones("?o") if same_shape("?v", "?o") if column("?v")),
        rule!("ones-times-diagonal", "ones times a diagonal matrix is its diagonal as a row",
            "𝟙ᵀ diag(v)" = "vᵀ";
            "(* (T ?o) (diag ?v))" => "(T ?v)" if ones("?o") if same_shape("?v", "?o") if column("?v")),
        rule!("row-of-ones-times-diagonal", "ones times a diagonal matrix is its diagonal as a row",
            "𝟙ᵀ diag(v)" = "vᵀ";
            "(* ?o (diag ?v))" => "(T ?v)" if ones("?o") if transposed_shape("?o", "?v") if column("?v")),
        rule!("elementwise-power-one", "the first power", "A∘¹" = "A";
            "(epow ?a 1)" => "?a"),
        rule!("cosine-double", "the double-angle formula", "cos∘²(A) − sin∘²(A)" = "cos(2A)";
            "(+ (epow (cos ?a) 2) (neg (epow (sin ?a) 2)))" => "(cos (* 2 ?a))"),
        rule!("sine-double", "the double-angle formula", "sin(A) ⊙ cos(A)" = "sin(2A) / 2";
            "(.* (sin ?a) (cos ?a))" => "(* 1/2 (sin (* 2 ?a)))"),
        rule!("relu-step", "relu is zero where its step is", "relu(A) ⊙ step(A)" = "relu(A)";
            "(.* (relu ?a) (step ?a))" => "(relu ?a)"),
        rule!("exp-log", "exp undoes log", "exp(log(A))" = "A";
            "(exp (log ?a))" => "?a"),
        rule!("log-exp", "log undoes exp", "log(exp(A))" = "A";
            "(log (exp ?a))" => "?a"),
    ]
}
