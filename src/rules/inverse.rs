//! Inverses and determinants.

use super::{identity_like, matrix, scalar, square_matrices, Rule};
use egg::rewrite as rw;

pub(super) fn rules() -> Vec<Rule> {
    vec![
        // inv(inv(A)) = A
        rw!("inverse-twice"; "(inv (inv ?a))" => "?a"),
        // A inv(A) = I
        rw!("inverse-cancel-right"; "(* ?a (inv ?a))" => { identity_like("?a") }),
        // inv(A) A = I
        rw!("inverse-cancel-left"; "(* (inv ?a) ?a)" => { identity_like("?a") }),
        // inv(A B) = inv(B) inv(A), for square A and B
        rw!("inverse-product"; "(inv (* ?a ?b))" => "(* (inv ?b) (inv ?a))" if square_matrices("?a", "?b")),
        // inv(B) inv(A) = inv(A B), for square A and B
        rw!("inverse-product-back"; "(* (inv ?b) (inv ?a))" => "(inv (* ?a ?b))" if square_matrices("?a", "?b")),
        // inv(s A) = (1/s) inv(A)
        rw!("inverse-scalar-factor"; "(inv (* ?s ?a))" => "(* (/ 1 ?s) (inv ?a))" if scalar("?s") if matrix("?a")),
        // inv(s) = 1/s
        rw!("inverse-of-scalar"; "(inv ?s)" => "(/ 1 ?s)" if scalar("?s")),
        // det(inv(A)) = 1/det(A)
        rw!("determinant-inverse"; "(det (inv ?a))" => "(/ 1 (det ?a))"),
        // det(Aᵀ) = det(A)
        rw!("determinant-transpose"; "(det (T ?a))" => "(det ?a)"),
        // det(A B) = det(A) det(B), for square A and B
        rw!("determinant-product"; "(det (* ?a ?b))" => "(* (det ?a) (det ?b))" if square_matrices("?a", "?b")),
        // logdet(A B) = logdet(A) + logdet(B), for square A and B
        rw!("logdet-product"; "(logdet (* ?a ?b))" => "(+ (logdet ?a) (logdet ?b))" if square_matrices("?a", "?b")),
        // logdet(inv(A)) = −logdet(A)
        rw!("logdet-inverse"; "(logdet (inv ?a))" => "(neg (logdet ?a))"),
        // logdet(Aᵀ) = logdet(A)
        rw!("logdet-transpose"; "(logdet (T ?a))" => "(logdet ?a)"),
    ]
}
