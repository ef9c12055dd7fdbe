//! Second derivatives, by forward mode over the gradient. For vector and
//! scalar inputs the Hessian itself, read off the gradient's tangent
//! ġ = H ẋ; for matrix inputs the Hessian applied to a direction,
//! `dot(bar(X))` in terms of `dot(X)`.

use crate::ast::{Dim, Expr, Name};
use crate::diff::linear_map;
use crate::egraph::Limits;
use crate::error::{Error, Result};
use crate::first_order::{grad, tangent_of, Line, Presenter};
use crate::shape::Model;
use crate::tidy::tidy;

/// The Hessian lines of a scalar program, each passed through `present`.
pub(crate) fn lines(
    model: &Model,
    wrt: &[Name],
    limits: &Limits,
    present: &mut dyn FnMut(&Expr) -> Result<Expr>,
) -> Result<Vec<Line>> {
    let output = model.output();
    let shape = model.env.shape(&output.expr);
    if !shape.is_scalar() {
        return Err(Error::input(
            format!(
                "`hessian` needs a scalar output, but `{}` is {}",
                output.name,
                shape.describe()
            ),
            output.span,
        )
        .with_help("differentiate a scalar such as `tr(…)`, `sum(…)` or `x' * A * x`"));
    }
    // The gradient in terms of the inputs alone, so that its tangent is
    // too; simplified under a budget of its own, as a derivation of its own.
    let gradient = grad(model, wrt, true, &mut Presenter::new(model, limits))?;
    let env = &model.env;
    let gradient_of = |x: &Name| -> &Expr {
        let line = gradient.iter().find(|l| l.lhs == x.bar());
        &line.expect("the gradient has a line per input").expr
    };
    // A row (a `matrix(1, n)`) has no Hessian matrix in the rows(x)×rows(y)
    // layout of the blocks, so it takes the Hessian-vector product too.
    let is_matrix = |x: &Name| env.name_shape(x).cols != Dim::One;
    // Hessian-vector products: every input moves along its tangent.
    let products = |present: &mut dyn FnMut(&Expr) -> Result<Expr>| -> Result<Vec<Line>> {
        let leaf = |n: &Name| wrt.contains(n).then(|| Expr::name(n.dot()));
        let mut out = Vec::new();
        for x in wrt {
            let product = match tangent_of(gradient_of(x), env, &leaf, &x.bar())? {
                None => Expr::int(0),
                Some(t) => present(&t)?,
            };
            out.push(Line::new(x.bar().dot(), product));
        }
        Ok(out)
    };
    if wrt.iter().any(is_matrix) {
        return products(present);
    }
    let mut out = Vec::new();
    for (i, x) in wrt.iter().enumerate() {
        for y in &wrt[i..] {
            let leaf = |n: &Name| (n == y).then(|| Expr::name(n.dot()));
            let block = match tangent_of(gradient_of(x), env, &leaf, &x.bar())? {
                None => Expr::int(0),
                Some(t) => {
                    let t = tidy(&t, env);
                    match linear_map(&t, &y.dot(), env) {
                        Ok(matrix) => present(&matrix)?,
                        // Some blocks have no closed form without Kronecker
                        // products; the Hessian applied to a direction
                        // always has one, so that is the answer then.
                        Err(_) => return products(present),
                    }
                }
            };
            let mut line = Line::new(x.clone(), block);
            line.block = Some((x.clone(), y.clone()));
            out.push(line);
        }
    }
    Ok(out)
}
