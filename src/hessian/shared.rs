//! The Hessian applied to a direction for a deep program, whose gradient
//! names temporaries: forward mode over the gradient's own program. The
//! gradient's temporaries and lines become assignments after the program's,
//! forward mode gives each its tangent in terms of the earlier ones, and
//! every value and tangent a line uses is a temporary, so that the result
//! grows with the program's depth, not exponentially.

use crate::ast::{Expr, Name};
use crate::egraph::Limits;
use crate::error::Result;
use crate::first_order::{forward, Line, Presenter};
use crate::shape::{Binding, Model};
use std::collections::HashMap;

/// `dot(bar(X)) = …` for each input of `wrt`, all moving along their
/// tangents, over `gradient` — the gradient's lines, its temporaries
/// first (named by the adjoints they hold, `bar(C)`). The lines this
/// returns hold temporaries named by what they stand for: `bar(C)`, a
/// program intermediate's tangent `dot(C)`, a temporary's `dot(bar(C))`.
pub(super) fn products(
    model: &Model,
    wrt: &[Name],
    gradient: &[Line],
    limits: &Limits,
    presenter: &mut Presenter,
) -> Result<Vec<Line>> {
    // Each gradient line as an assignment of a name the program does not
    // use; what it stands for, to name it back after.
    let internal = model.fresh_names(gradient.len());
    let stands_for: Vec<&Name> = gradient.iter().map(|l| &l.lhs).collect();
    let to_internal: HashMap<&Name, Expr> = stands_for
        .iter()
        .zip(&internal)
        .map(|(name, own)| (*name, Expr::var(own)))
        .collect();
    let shapes: Vec<_> = internal
        .iter()
        .zip(gradient)
        .map(|(own, line)| (own.clone(), line.shape(&model.env)))
        .collect();
    let mut extended = model.with_temporaries(&shapes);
    for (own, line) in internal.iter().zip(gradient) {
        extended.bindings.push(Binding {
            name: own.clone(),
            expr: line.expr.substitute(&|n| to_internal.get(n).cloned()),
            span: Default::default(),
        });
    }
    let mut own_presenter = Presenter::new(&extended, limits);
    let tangents = forward(&extended, wrt, false, &mut own_presenter)?;
    if own_presenter.stop.hit_limit() && !presenter.stop.hit_limit() {
        presenter.stop = own_presenter.stop;
    }
    // Back to what each name stands for: a temporary's internal name to the
    // adjoint it holds, a result's to its value (no line names a result),
    // an internal name's tangent to the tangent of what it stands for.
    let mut back: HashMap<Name, Expr> = HashMap::new();
    for ((own, name), line) in internal.iter().zip(&stands_for).zip(gradient) {
        let value = match line.temporary {
            true => Expr::name((*name).clone()),
            false => line.expr.clone(),
        };
        back.insert(Name::plain(own), value);
        back.insert(Name::plain(own).dot(), Expr::name(name.dot()));
    }
    let rename = |expr: &Expr| expr.substitute(&|n| back.get(n).cloned());
    let mut out: Vec<Line> = gradient
        .iter()
        .filter(|l| l.temporary)
        .map(|l| Line::temporary(l.lhs.clone(), l.expr.clone()))
        .collect();
    let program_length = model.bindings.len();
    for (index, tangent) in tangents.into_iter().enumerate() {
        let lhs = match back.get(&tangent.lhs).map(|e| &e.kind) {
            Some(crate::ast::ExprKind::Var(name)) => name.clone(),
            _ => tangent.lhs,
        };
        let expr = rename(&tangent.expr);
        let is_result = index >= program_length && !gradient[index - program_length].temporary;
        out.push(if is_result {
            Line::new(lhs, expr)
        } else {
            Line::temporary(lhs, expr)
        });
    }
    Ok(out)
}
