//! The functions of revision 2 that are not element-wise: the entry-wise
//! 1-norm, and (as they land) log-sum-exp, softmax, solve, vec and kron.

use super::RuleSpec;

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
    ]
}
