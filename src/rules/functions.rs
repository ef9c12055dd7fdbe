//! The functions of revision 2 that are not element-wise: the entry-wise
//! 1-norm, and (as they land) log-sum-exp, softmax, solve, vec and kron.

use super::{column, identity, matrix, scalar, RuleSpec};

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
        rule!("solve-scalar", "solving with a scalar divides", "s \\ A" = "A / s";
            "(solve ?s ?a)" => "(/ ?a ?s)" if scalar("?s")),
        rule!("softmax-sum", "softmax sums to one", "sum(softmax(v))" = "1";
            "(sum (softmax ?v))" => "1"),
    ]
}
