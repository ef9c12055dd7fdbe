//! The Jacobian J = ∂vec(f)/∂vec(X)ᵀ of the output f with respect to each
//! input X: one row per entry of f, one column per entry of X, both in
//! column-major order. It is read off the output's tangent with only X
//! moving, ḟ = J ẋ, the way the Hessian is read off the gradient's tangent
//! (`diff::linear_map`). With a matrix on either side it is written with
//! `kron`, `vec` and `I` (`kron.rs`), over sizes named or fixed: an m×n
//! matrix has m*n entries.

mod kron;

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Name, Shape};
use crate::diff::{linear_map, pullback};
use crate::error::{Error, Result};
use crate::first_order::{tangent_of, tangent_too_large, Line, Presenter};
use crate::limits::MAX_RESULT_NODES;
use crate::naming::{expand_with, expanded_definitions};
use crate::print::{render_name, Notation};
use crate::shape::{Env, Model};
use crate::tidy::tidy;

/// The lines `jac(f, X) = …`, one per input in `wrt`, each simplified by
/// `presenter` and, unless `expand`, with the program's intermediates named
/// back (as `grad` names them). With `skip_unwritable` (the Jacobian with
/// respect to every input), an input whose Jacobian has no form is left
/// out and said in a note, unless no line is left; else it is an error.
pub(crate) fn lines(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    skip_unwritable: bool,
    presenter: &mut Presenter,
) -> Result<(Vec<Line>, Vec<String>)> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut first_refusal = None;
    let f = Name::plain(&model.output().name);
    for x in wrt {
        match lines_for(model, std::slice::from_ref(x), expand, presenter) {
            Ok(lines) => out.extend(lines),
            Err(error) if skip_unwritable && is_refusal(&error) => {
                let lhs = lhs_text(&f, x, Notation::Plain);
                notes.push(format!("{lhs} is left out: {}", error.message));
                first_refusal.get_or_insert(error);
            }
            Err(error) => return Err(error),
        }
    }
    match first_refusal {
        Some(error) if out.is_empty() => Err(error),
        _ => Ok((out, notes)),
    }
}

/// Whether an error says that a Jacobian has no form matdiff can write
/// (rather than that the program is wrong).
fn is_refusal(error: &Error) -> bool {
    const NO_KRONECKER_FORM: &str = "no Kronecker form is known";
    error.message.starts_with(NO_KRONECKER_FORM)
}

/// The lines of [`lines`] for the inputs in `wrt`, an error for the first
/// that has no form.
fn lines_for(
    model: &Model,
    wrt: &[Name],
    expand: bool,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    // J is taken entry by entry, each entry of X moved alone (as `check`
    // compares it), so a symmetric input's tangent is not symmetric here:
    // dot(S)' is not dot(S).
    let names: Vec<&str> = (model.inputs.iter().map(|n| n.base.as_str()))
        .chain(model.bindings.iter().map(|b| b.name.as_str()))
        .collect();
    let unconstrained = model.env.without_symmetry(&names);
    let env = &unconstrained;
    let output = model.output();
    let f = Name::plain(&output.name);
    let f_shape = env.shape(&output.expr);
    // The output in terms of the inputs alone, so that its tangent moves
    // with the inputs' tangents only.
    let value = expand_with(&expanded_definitions(model), &output.expr, &f)?;
    let upto = (!expand).then_some(model.bindings.len());
    let mut out = Vec::new();
    for x in wrt {
        let x_shape = env.name_shape(x);
        let matrices =
            !is_column_or_scalar(&f_shape) && !is_row(&f_shape) || !is_column_or_scalar(&x_shape);
        let mut line = Line::new(x.clone(), Expr::int(0));
        line.jacobian_of = Some(f.clone());
        let lhs = Expr::var(&line.lhs_text(Notation::Plain));
        let leaf = |n: &Name| (n == x).then(|| Expr::name(x.dot()));
        let tangent = match presenter.record.as_mut() {
            Some(record) => record
                .differentiate(&f, &value, env, &leaf, MAX_RESULT_NODES)?
                .map_err(|_| tangent_too_large(&value, &f))?,
            None => tangent_of(&value, env, &leaf, &f)?,
        };
        line.expr = match tangent {
            None => {
                if let Some(record) = presenter.record.as_mut() {
                    record.start(lhs, Expr::int(0), "the output does not depend on it")?;
                }
                Expr::int(0)
            }
            Some(t) => {
                let t = match presenter.record.as_mut() {
                    Some(record) => record.tidy(&t, env)?,
                    None => tidy(&t, env),
                };
                let matrix = match matrices {
                    false => read_off(&t, x, &f_shape, env).or_else(|_| in_kron_form(&t, x, env)),
                    true => in_kron_form(&t, x, env),
                };
                let matrix = matrix.map_err(|why| no_closed_form(model, x, &why))?;
                let matrix = merge_diagonals(&matrix, env);
                if let Some(record) = presenter.record.as_mut() {
                    let rule = format!(
                        "read off the Jacobian: the tangent above is J {}",
                        render_name(&x.dot(), Notation::Unicode)
                    );
                    record.start(lhs, matrix.clone(), &rule)?;
                }
                presenter.present(&matrix, upto)?
            }
        };
        out.push(line);
    }
    Ok(out)
}

/// J with `tangent = J * dot(x)` for a column-vector or scalar `x`. For a
/// scalar output and a vector input that is the gradient transposed,
/// pulled back as reverse mode does, whose forms (`X' * g`) cost less
/// than a row read off term by term; otherwise the linear map itself, and
/// for a row output f (whose entries are those of f') the map of the
/// tangent transposed.
fn read_off(
    tangent: &Expr,
    x: &Name,
    output: &Shape,
    env: &Env,
) -> std::result::Result<Expr, String> {
    let dot_x = x.dot();
    if output.is_scalar() && !env.name_shape(x).is_scalar() {
        let parts = pullback(tangent, Expr::int(1), env, &|n| *n == dot_x)?;
        if let Some(gradient) = parts.into_iter().map(|(_, g)| g).reduce(Expr::add) {
            return Ok(Expr::transpose(gradient));
        }
    }
    if is_row(output) {
        return linear_map(&Expr::transpose(tangent.clone()), &dot_x, env);
    }
    linear_map(tangent, &dot_x, env)
}

/// `e` with each product of two diagonal matrices of columns made one,
/// diag(a) * diag(b) = diag(a .* b), also across a product's bracketing: the
/// map of a chain of Hadamard factors is a chain of diagonals, which costs
/// a product each where one element-wise product does.
fn merge_diagonals(e: &Expr, env: &Env) -> Expr {
    let e = e.map_children(&mut |c| merge_diagonals(c, env));
    let ExprKind::Binary(BinOp::Mul, a, b) = &e.kind else {
        return e;
    };
    let column_of = |d: &Expr| match &d.kind {
        ExprKind::Call(Func::Diag, args) if is_column_vector(&env.shape(&args[0])) => {
            Some(args[0].clone())
        }
        _ => None,
    };
    let merged = |u: Expr, v: Expr| Expr::call(Func::Diag, vec![Expr::binary(BinOp::EMul, u, v)]);
    if let (Some(u), Some(v)) = (column_of(a), column_of(b)) {
        return merged(u, v);
    }
    // diag(u) * (diag(v) * c) and (c * diag(u)) * diag(v)
    if let (Some(u), ExprKind::Binary(BinOp::Mul, d, c)) = (column_of(a), &b.kind) {
        if let Some(v) = column_of(d) {
            return Expr::mul(merged(u, v), (**c).clone());
        }
    }
    if let (ExprKind::Binary(BinOp::Mul, c, d), Some(v)) = (&a.kind, column_of(b)) {
        if let Some(u) = column_of(d) {
            return Expr::mul((**c).clone(), merged(u, v));
        }
    }
    e
}

fn is_column_vector(shape: &Shape) -> bool {
    shape.cols == Dim::One && shape.rows != Dim::One
}

/// J with vec(tangent) = J vec(dot(x)), written with `kron`, `vec` and
/// `I`.
fn in_kron_form(tangent: &Expr, x: &Name, env: &Env) -> std::result::Result<Expr, String> {
    Ok(kron::vec_map(tangent, &x.dot(), env)?.unwrap_or_else(|| Expr::int(0)))
}

/// The shape of `jac(output, input)`: as many rows as `output` has
/// entries and as many columns as `input` has.
pub(crate) fn shape(env: &Env, output: &Name, input: &Name) -> Shape {
    Shape::new(
        kron::entries(&env.name_shape(output)),
        kron::entries(&env.name_shape(input)),
    )
}

/// The left-hand side `jac(f, x)` in a notation: `∂f/∂x` in Unicode,
/// `\frac{\partial f}{\partial x}` in LaTeX.
pub(crate) fn lhs_text(output: &Name, input: &Name, notation: Notation) -> String {
    let (f, x) = (render_name(output, notation), render_name(input, notation));
    match notation {
        Notation::Plain => format!("jac({f}, {x})"),
        Notation::Unicode => format!("∂{f}/∂{x}"),
        Notation::Latex => format!("\\frac{{\\partial {f}}}{{\\partial {x}}}"),
    }
}

fn is_column_or_scalar(shape: &Shape) -> bool {
    shape.cols == Dim::One
}

fn is_row(shape: &Shape) -> bool {
    shape.rows == Dim::One && shape.cols != Dim::One
}

/// The error for a Jacobian with no form matdiff can write.
fn no_closed_form(model: &Model, x: &Name, why: &str) -> Error {
    let output = model.output();
    Error::input(
        format!(
            "no Kronecker form is known for jac({}, {x}): {why}",
            output.name
        ),
        output.span,
    )
    .with_help(format!(
        "use `forward` for the tangent of `{}` in terms of dot({x})",
        output.name
    ))
}
