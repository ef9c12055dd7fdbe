//! The snapshot test a user writes: the derivation is one call.

#[test]
fn gradient_of_a_quadratic_form() -> Result<(), matdiff::Error> {
    insta::assert_snapshot!(matdiff::grad("x' * A * x")?);
    Ok(())
}
