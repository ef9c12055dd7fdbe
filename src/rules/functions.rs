//! The functions of revision 2 that are not element-wise: the entry-wise
//! 1-norm, and (as they land) log-sum-exp, softmax, solve, vec and kron.

use super::{
    column, identity, kron_mixed_product, matrix, product_chain, same_shape, scalar,
    square_matrices, RuleSpec,
};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        // Directed: `norm1` is one pass over the entries, `sum(abs(A))` two.
        rule!("norm1-as-sum-abs", "the entry-wise 1-norm", "sum(|A|)" = "‖A‖₁";
            "(sum (abs ?a))" => "(norm1 ?a)"),
        rule!("norm1-transpose", "the 1-norm of the transpose", "‖Aᵀ‖₁" = "‖A‖₁";
            "(norm1 (T ?a))" => "(norm1 ?a)"),
        rule!("norm1-negate", "the 1-norm ignores signs", "‖−A‖₁" = "‖A‖₁";
            "(norm1 (neg ?a))" => "(norm1 ?a)"),
        rule!("norm1-abs", "the 1-norm ignores signs", "‖|A|‖₁" = "‖A‖₁";
            "(norm1 (abs ?a))" => "(norm1 ?a)"),
        // Directed: `logsumexp` is computed stably and costs less by the log.
        rule!("logsumexp-definition", "log-sum-exp", "log(sum(exp(A)))" = "logsumexp(A)";
            "(log (sum (exp ?a)))" => "(logsumexp ?a)"),
        rule!("exp-logsumexp", "exp undoes log in log-sum-exp", "exp(logsumexp(A))" = "sum(exp(A))";
            "(exp (logsumexp ?a))" => "(sum (exp ?a))"),
        rule!("logsumexp-transpose", "log-sum-exp of the transpose", "logsumexp(Aᵀ)" = "logsumexp(A)";
            "(logsumexp (T ?a))" => "(logsumexp ?a)"),
        // softmax is of column vectors only.
        rule!("softmax-definition", "softmax", "exp(v) / sum(exp(v))" = "softmax(v)";
            "(/ (exp ?v) (sum (exp ?v)))" => "(softmax ?v)" if column("?v")),
        // Directed: a solve costs less than inverting and multiplying. A
        // scalar B would scale the inverse instead.
        rule!("solve-as-inverse", "solve rather than invert", "A⁻¹ B" = "A \\ B";
            "(* (inv ?a) ?b)" => "(solve ?a ?b)" if matrix("?a") if matrix("?b")),
        rule!("solve-identity", "solving against I inverts", "A \\ I" = "A⁻¹";
            "(solve ?a ?i)" => "(inv ?a)" if identity("?i")),
        rule!("solve-cancel", "solve undoes a product", "A \\ (A B)" = "B";
            "(solve ?a (* ?a ?b))" => "?b" if matrix("?a") if matrix("?b")),
        // The scalar and the sign come out, so that solves against the same
        // right side are one solve.
        rule!("solve-scaled", "a scalar factor comes out of a solve", "A \\ (s B)" = "s (A \\ B)";
            "(solve ?a (* ?s ?b))" => "(* ?s (solve ?a ?b))" if scalar("?s") if matrix("?a")),
        rule!("solve-negated", "the sign comes out of a solve", "A \\ (−B)" = "−(A \\ B)";
            "(solve ?a (neg ?b))" => "(neg (solve ?a ?b))" if matrix("?a")),
        rule!("solve-scalar", "solving with a scalar divides", "s \\ A" = "A / s";
            "(solve ?s ?a)" => "(/ ?a ?s)" if scalar("?s")),
        rule!("kron-transpose", "transpose of a Kronecker product", "(A ⊗ B)ᵀ" = "Aᵀ ⊗ Bᵀ";
            "(T (kron ?a ?b))" => "(kron (T ?a) (T ?b))"),
        rule!("kron-trace", "trace of a Kronecker product", "tr(A ⊗ B)" = "tr(A) tr(B)",
            "for square A and B";
            "(tr (kron ?a ?b))" => "(* (tr ?a) (tr ?b))" if square_matrices("?a", "?b")),
        rule!("kron-mixed-product", "the mixed-product property",
            "(A ⊗ B)(C ⊗ D)" = "(A C) ⊗ (B D)", "where A C and B D are products";
            "(* (kron ?a ?b) (kron ?c ?d))" => "(kron (* ?a ?c) (* ?b ?d))"
                if kron_mixed_product("?a", "?b", "?c", "?d")),
        rule!("vec-sum", "vec keeps the entries", "sum(vec(A))" = "sum(A)";
            "(sum (vec ?a))" => "(sum ?a)"),
        // vec(A) and vec(B) may match in length alone (2×3 and 3×2).
        rule!("vec-inner", "vec inner product", "⟨vec(A), vec(B)⟩" = "⟨A, B⟩",
            "for A and B of one shape";
            "(inner (vec ?a) (vec ?b))" => "(inner ?a ?b)" if same_shape("?a", "?b")),
        // Scalars among A, X, B would be factors, not products; and in
        // `x' * x * B` the first product is a scalar, which scales B.
        rule!("vec-product", "vec of a product", "vec(A X B)" = "(Bᵀ ⊗ A) vec(X)";
            "(vec (* (* ?a ?x) ?b))" => "(* (kron (T ?b) ?a) (vec ?x))"
                if matrix("?a") if matrix("?x") if matrix("?b")
                if product_chain("?a", "?x", "?b")),
        rule!("softmax-sum", "softmax sums to one", "sum(softmax(v))" = "1";
            "(sum (softmax ?v))" => "1"),
        // softmax is positive everywhere, so these quotients never divide by 0.
        rule!("softmax-quotient-cancel", "softmax is positive", "(u ⊘ softmax(v)) ⊙ softmax(v)" = "u";
            "(.* (./ ?u (softmax ?v)) (softmax ?v))" => "?u"),
        rule!("softmax-quotient-pair", "softmax is positive",
            "softmax(v)ᵀ (u ⊘ softmax(v))" = "sum(u)";
            "(* (T (softmax ?v)) (./ ?u (softmax ?v)))" => "(sum ?u)"),
    ]
}
