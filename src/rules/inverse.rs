//! Inverses and determinants.

use super::{identity_like, matrix, scalar, square_matrices, RuleSpec};

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("inverse-twice", "the inverse of the inverse", "(A⁻¹)⁻¹" = "A";
            "(inv (inv ?a))" => "?a"),
        rule!("inverse-cancel-right", "a matrix times its inverse", "A A⁻¹" = "I";
            "(* ?a (inv ?a))" => { identity_like("?a") }),
        rule!("inverse-cancel-left", "an inverse times its matrix", "A⁻¹ A" = "I";
            "(* (inv ?a) ?a)" => { identity_like("?a") }),
        rule!("inverse-product", "inverse of a product", "(A B)⁻¹" = "B⁻¹ A⁻¹",
            "for square A and B";
            "(inv (* ?a ?b))" => "(* (inv ?b) (inv ?a))" if square_matrices("?a", "?b")),
        rule!("inverse-product-back", "inverse of a product", "B⁻¹ A⁻¹" = "(A B)⁻¹",
            "for square A and B";
            "(* (inv ?b) (inv ?a))" => "(inv (* ?a ?b))" if square_matrices("?a", "?b")),
        // True of a scalar A too; `inverse-of-scalar` covers that case.
        rule!("inverse-scalar-factor", "inverse of a scaled matrix", "(s A)⁻¹" = "(1/s) A⁻¹";
            "(inv (* ?s ?a))" => "(* (/ 1 ?s) (inv ?a))" if scalar("?s") if matrix("?a")),
        rule!("inverse-of-scalar", "inverse of a scalar", "s⁻¹" = "1/s";
            "(inv ?s)" => "(/ 1 ?s)" if scalar("?s")),
        rule!("determinant-inverse", "determinant of the inverse", "det(A⁻¹)" = "1/det(A)";
            "(det (inv ?a))" => "(/ 1 (det ?a))"),
        rule!("determinant-transpose", "determinant of the transpose", "det(Aᵀ)" = "det(A)";
            "(det (T ?a))" => "(det ?a)"),
        rule!("determinant-product", "determinant of a product", "det(A B)" = "det(A) det(B)",
            "for square A and B";
            "(det (* ?a ?b))" => "(* (det ?a) (det ?b))" if square_matrices("?a", "?b")),
        rule!("logdet-product", "log-determinant of a product",
            "log|det(A B)|" = "log|det(A)| + log|det(B)|", "for square A and B";
            "(logdet (* ?a ?b))" => "(+ (logdet ?a) (logdet ?b))" if square_matrices("?a", "?b")),
        rule!("logdet-inverse", "log-determinant of the inverse",
            "log|det(A⁻¹)|" = "−log|det(A)|";
            "(logdet (inv ?a))" => "(neg (logdet ?a))"),
        rule!("logdet-transpose", "log-determinant of the transpose",
            "log|det(Aᵀ)|" = "log|det(A)|";
            "(logdet (T ?a))" => "(logdet ?a)"),
    ]
}
