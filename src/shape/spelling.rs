//! Types from spelling, in errors: a type error about an undeclared name
//! says what its spelling made it and which declaration changes that.

use super::is_greek_name;
use crate::ast::Expr;
use crate::error::Error;

/// A type error about an undeclared name, which took its type from its
/// spelling, says so and suggests the declaration that gives another type:
/// people write `mu` or `theta` for vectors, and `b`, `c` or `n` for scalars.
pub(super) fn with_spelling_hint(
    error: Error,
    expr: &Expr,
    spelled: &dyn Fn(&str) -> bool,
) -> Error {
    let mentioned = |base: &str| {
        error
            .message
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == base)
    };
    let hint = expr.names().into_iter().find_map(|name| {
        let base = name.base.as_str();
        if !spelled(base) || !mentioned(base) {
            return None;
        }
        if is_greek_name(base) {
            Some(format!(
                "`{base}` is a scalar because Greek names are scalars; for a vector declare `{base}: vector(n)`"
            ))
        } else if base.starts_with(|c: char| c.is_lowercase()) {
            Some(format!(
                "`{base}` is a column vector because lowercase Latin names are vectors; for a scalar declare `{base}: scalar`"
            ))
        } else {
            None
        }
    });
    match (hint, error.help.clone()) {
        (Some(hint), Some(help)) => error.with_help(format!("{hint}; otherwise, {help}")),
        (Some(hint), None) => error.with_help(hint),
        (None, _) => error,
    }
}
