//! Second derivatives, by forward mode over the gradient. For vector and
//! scalar inputs the Hessian itself, read off the gradient's tangent
//! ġ = H ẋ; for matrix inputs the Hessian applied to a direction,
//! `dot(bar(X))` in terms of `dot(X)`.

use crate::ast::{Dim, Expr, Name};
use crate::diff::linear_map;
use crate::egraph::Limits;
use crate::error::Result;
use crate::first_order::{grad, tangent_of, tangent_too_large, Line, Presenter};
use crate::limits::MAX_RESULT_NODES;
use crate::print::{render_name, Notation};
use crate::shape::Model;
use crate::tidy::tidy;

mod shared;

/// The Hessian lines of a scalar program, each passed through `presenter`,
/// which records the steps when it keeps a record: the gradient's, then
/// each gradient differentiated along the inputs' tangents and, for a
/// block, read off the gradient's tangent ġ = H ẏ.
pub(crate) fn lines(
    model: &Model,
    wrt: &[Name],
    limits: &Limits,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    crate::first_order::require_scalar_output(
        model,
        "hessian",
        "differentiate a scalar such as `tr(…)`, `sum(…)` or `x' * A * x`",
    )?;
    let is_matrix = |x: &Name| model.env.name_shape(x).cols != Dim::One;
    if !wrt.iter().any(is_matrix) || presenter.record.is_some() {
        return direct(model, wrt, limits, presenter);
    }
    // A deep program's gradient names temporaries; forward mode over the
    // gradient's own program then keeps the Hessian-vector product linear in
    // its depth, where the tangent of the gradient written out grows
    // exponentially. Both are tried and the cheaper is kept (not when
    // recording steps, which read as substitutions).
    let mut own = Presenter::new(model, limits);
    let shared = grad(model, wrt, false, true, &mut own)
        .and_then(|gradient| shared::products(model, wrt, &gradient, limits, presenter));
    let direct = direct(model, wrt, limits, presenter);
    let cost = |lines: &[Line]| {
        let exprs: Vec<&Expr> = lines.iter().map(|l| &l.expr).collect();
        crate::cost::flops_all(&exprs, &model.env)
    };
    match (shared, direct) {
        (Ok(shared), Ok(direct)) if cost(&direct) <= cost(&shared) => Ok(direct),
        (Ok(shared), _) => Ok(shared),
        (Err(_), direct) => direct,
    }
}

/// The Hessian lines from the gradient written out in the inputs.
fn direct(
    model: &Model,
    wrt: &[Name],
    limits: &Limits,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    let env = &model.env;
    // A row (a `matrix(1, n)`) has no Hessian matrix in the rows(x)×rows(y)
    // layout of the blocks, so it takes the Hessian-vector product too.
    let is_matrix = |x: &Name| env.name_shape(x).cols != Dim::One;
    // The gradient in terms of the inputs alone, so that its tangent is
    // too; simplified under a budget of its own, as a derivation of its own,
    // its steps recorded with the rest.
    let mut own = Presenter::new(model, limits);
    own.record = presenter.record.take();
    let gradient = grad(model, wrt, true, false, &mut own);
    presenter.record = own.record.take();
    let gradient = gradient?;
    let all = Some(model.bindings.len());
    let gradient_of = |x: &Name| -> &Expr {
        let line = gradient.iter().find(|l| l.lhs == x.bar());
        &line.expect("the gradient has a line per input").expr
    };
    // The tangent of x's gradient when `moving` move, recorded as the chain
    // `dot(bar(x)) = d(g) = …`.
    let tangent = |x: &Name, moving: &dyn Fn(&Name) -> bool, presenter: &mut Presenter| {
        let leaf = |n: &Name| moving(n).then(|| Expr::name(n.dot()));
        let g = gradient_of(x);
        match presenter.record.as_mut() {
            Some(record) => record
                .differentiate(&x.bar(), g, env, &leaf, MAX_RESULT_NODES)?
                .map_err(|_| tangent_too_large(g, &x.bar())),
            None => tangent_of(g, env, &leaf, &x.bar()),
        }
    };
    // Hessian-vector products: every input moves along its tangent.
    let products = |presenter: &mut Presenter| -> Result<Vec<Line>> {
        let mut out = Vec::new();
        for x in wrt {
            let product = match tangent(x, &|n| wrt.contains(n), presenter)? {
                None => Expr::int(0),
                Some(t) => presenter.present(&t, all)?,
            };
            out.push(Line::new(x.bar().dot(), product));
        }
        Ok(out)
    };
    if wrt.iter().any(is_matrix) {
        return products(presenter);
    }
    // The record so far, to go back to if a block has no closed form.
    let before_blocks = presenter.record.clone();
    let mut out = Vec::new();
    for (i, x) in wrt.iter().enumerate() {
        for y in &wrt[i..] {
            let mut line = Line::new(x.clone(), Expr::int(0));
            line.block = Some((x.clone(), y.clone()));
            let lhs = Expr::var(&line.lhs_text(Notation::Plain));
            line.expr = match tangent(x, &|n| n == y, presenter)? {
                None => {
                    if let Some(record) = presenter.record.as_mut() {
                        record.start(lhs, Expr::int(0), "the gradient does not depend on it")?;
                    }
                    Expr::int(0)
                }
                Some(t) => {
                    let t = match presenter.record.as_mut() {
                        Some(record) => record.tidy(&t, env)?,
                        None => tidy(&t, env),
                    };
                    match linear_map(&t, &y.dot(), env) {
                        Ok(matrix) => {
                            if let Some(record) = presenter.record.as_mut() {
                                let rule = format!(
                                    "read off the block: the tangent above is H {}",
                                    render_name(&y.dot(), Notation::Unicode)
                                );
                                record.start(lhs, matrix.clone(), &rule)?;
                            }
                            presenter.present(&matrix, all)?
                        }
                        // Some blocks have no closed form without Kronecker
                        // products; the Hessian applied to a direction
                        // always has one, so that is the answer then, and
                        // the blocks' steps are not its steps.
                        Err(_) => {
                            presenter.record = before_blocks;
                            return products(presenter);
                        }
                    }
                }
            };
            out.push(line);
        }
    }
    Ok(out)
}
