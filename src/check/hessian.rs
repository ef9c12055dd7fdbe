//! The Hessian's lines against central differences of the gradient.

use super::*;

/// The Hessian against central differences of the gradient: each block
/// `hess(x, y)` applied to ẏ, each product `dot(bar(X))` along the inputs'
/// tangents. A Hessian matdiff cannot read off is not compared.
pub(super) fn hessian_comparisons(
    model: &Model,
    point: &Sample,
    options: &Options,
    tangents: &Values,
) -> std::result::Result<Vec<Comparison>, Trouble> {
    let Ok(hessian) = derive(model, Mode::Hessian, options) else {
        return Ok(Vec::new());
    };
    let expanded = Options {
        expand: true,
        ..options.clone()
    };
    let gradient = derive(model, Mode::Grad, &expanded)?;
    let size = |d: &Dim| point.size(d);
    let mut with_tangents = point.values.clone();
    with_tangents.extend(tangents.clone());
    // The gradient's lines moved along `moving`'s tangents, by central differences.
    let gradient_moved = |moving: &[Name]| -> std::result::Result<HashMap<Name, Matrix>, Trouble> {
        let at = |sign: f64| -> std::result::Result<HashMap<Name, Matrix>, Trouble> {
            let mut inputs = point.values.clone();
            for x in moving {
                let value = &point.values[x] + &tangents[&x.dot()] * (sign * point.step);
                inputs.insert(x.clone(), value);
            }
            let mut values = point.run(model, &inputs).map_err(|e| near(e, point.step))?;
            evaluate_lines(&gradient.model, &gradient.lines, &mut values, &size)
        };
        let (plus, minus) = (at(1.0)?, at(-1.0)?);
        plus.into_iter()
            .map(|(k, p)| {
                let d = difference(&p, &minus[&k], point.step)?;
                Ok((k, d))
            })
            .collect()
    };
    // The temporaries first, in order, so that the lines see their values.
    evaluate_temporaries(&hessian, &mut with_tangents, &size)?;
    let mut out = Vec::new();
    for line in results(&hessian.lines) {
        let reading = read_back(&hessian.model, line)?;
        let value = eval(&reading, &with_tangents, &size).map_err(|e| {
            let lhs = line.lhs_text(crate::print::Notation::Plain);
            sort_out(e, Part::Derivative, format!("could not evaluate {lhs}: "))
        })?;
        let (symbolic, numeric) = match &line.block {
            Some((x, y)) => {
                let moved = gradient_moved(std::slice::from_ref(y))?;
                let direction = &tangents[&y.dot()];
                let applied = if value.ncols() == direction.nrows() {
                    &value * direction
                } else {
                    Matrix::from_element(1, 1, f64::NAN)
                };
                (applied, moved[&x.bar()].clone())
            }
            None => {
                let moving: Vec<Name> = results(&hessian.lines)
                    .map(|l| l.lhs.unmark().unmark())
                    .collect();
                let moved = gradient_moved(&moving)?;
                (value, moved[&line.lhs.unmark()].clone())
            }
        };
        // A printed `0` is the zero of whatever shape it stands for.
        let symbolic = if line.expr.is_zero() {
            Matrix::zeros(numeric.nrows(), numeric.ncols())
        } else {
            symbolic
        };
        out.push(Comparison {
            what: format!(
                "{} against differences of the gradient",
                line.lhs_text(crate::print::Notation::Plain)
            ),
            error: relative(&symbolic, &numeric),
            tolerance: DIFFERENCE_TOLERANCE,
        });
    }
    Ok(out)
}
