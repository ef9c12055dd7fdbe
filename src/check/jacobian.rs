//! The Jacobian's lines against central differences of the output, column
//! by column: column j of `jac(f, X)` is vec of the output's derivative
//! along the j-th entry of X (column-major).

use super::*;

/// Most columns (entries of an input) a Jacobian is compared at: each
/// column runs the program twice, and a 200×200 input has 40 000.
const MAX_JACOBIAN_COLUMNS: usize = 400;

/// The Jacobian lines a check compares, and the inputs whose Jacobian
/// matdiff refused (a matrix one without a known form), with the reason.
#[derive(Default)]
pub(super) struct Jacobians {
    /// Each input's Jacobian, a derivation of its own: its lines are read
    /// over its own model, which knows its temporaries.
    pub(super) derivations: Vec<Derivation>,
    pub(super) refused: Vec<String>,
}

impl Jacobians {
    /// Each input's Jacobian, derived alone, so that a refused one does
    /// not hide the others.
    pub(super) fn derive(model: &Model, options: &Options) -> Result<Jacobians> {
        let output = Name::plain(&model.output().name);
        let mut out = Jacobians::default();
        for x in crate::derive::wrt_inputs(model, options.wrt.as_deref())? {
            let alone = Options {
                wrt: Some(x.to_string()),
                ..options.clone()
            };
            match derive(model, Mode::Jacobian, &alone) {
                Ok(jacobian) => out.derivations.push(jacobian),
                Err(refused) => {
                    // The reason's first clause; the rest is for the command.
                    let message = &refused.message;
                    let reason = message.split(": ").next().unwrap_or(message);
                    out.refused.push(format!("jac({output}, {x}): {reason}"));
                }
            }
        }
        Ok(out)
    }
}

/// Each Jacobian line, printed, read back strictly and evaluated at
/// `point`, against central differences of the output along each entry of
/// the input. An input with too many entries is noted in `omitted`.
pub(super) fn jacobian_comparisons(
    model: &Model,
    point: &Sample,
    jacobians: &Jacobians,
    omitted: &mut Vec<String>,
) -> std::result::Result<Vec<Comparison>, Trouble> {
    let size = |d: &Dim| point.size(d);
    omitted.extend(jacobians.refused.iter().cloned());
    let mut out = Vec::new();
    for jacobian in &jacobians.derivations {
        // Its temporaries first, so that its lines see their values.
        let mut values = point.values.clone();
        evaluate_temporaries(jacobian, &mut values, &size)?;
        out.extend(compare_lines(jacobian, model, point, &values, omitted)?);
    }
    Ok(out)
}

/// A Jacobian derivation's result lines against differences, evaluated
/// with `values` (the point's, and its temporaries').
fn compare_lines(
    jacobian: &Derivation,
    model: &Model,
    point: &Sample,
    values: &Values,
    omitted: &mut Vec<String>,
) -> std::result::Result<Vec<Comparison>, Trouble> {
    let output = Name::plain(&model.output().name);
    let size = |d: &Dim| point.size(d);
    let mut out = Vec::new();
    for line in results(&jacobian.lines) {
        let lhs = line.lhs_text(crate::print::Notation::Plain);
        let x = &line.lhs;
        let x_shape = model.env.name_shape(x);
        let (rows, cols) = (size(&x_shape.rows), size(&x_shape.cols));
        if rows * cols > MAX_JACOBIAN_COLUMNS {
            omitted.push(format!(
                "{lhs}, since `{x}` has {} entries (the check differences at most {MAX_JACOBIAN_COLUMNS})",
                rows * cols
            ));
            continue;
        }
        let reading = read_back(&jacobian.model, line)?;
        let value = eval(&reading, values, &size)
            .map_err(|e| sort_out(e, Part::Derivative, format!("could not evaluate {lhs}: ")))?;
        let numeric = differences_by_entry(model, point, x, &output, (rows, cols))?;
        // A printed `0` is the zero of whatever shape it stands for.
        let symbolic = if line.expr.is_zero() {
            Matrix::zeros(numeric.nrows(), numeric.ncols())
        } else {
            value
        };
        // Relative to the whole Jacobian, as the other lines are: a column
        // much smaller than the rest would otherwise weigh its differences'
        // rounding as an error (exp(exp(exp(100 x))) had 1.3e-6).
        let error = relative(&symbolic, &numeric);
        out.push(Comparison {
            what: format!("{lhs} against differences, column by column"),
            error,
            tolerance: DIFFERENCE_TOLERANCE,
        });
    }
    Ok(out)
}

/// The Jacobian by central differences: column j is vec of the output's
/// derivative along the j-th entry (column-major) of the rows×cols input `x`.
fn differences_by_entry(
    model: &Model,
    point: &Sample,
    x: &Name,
    output: &Name,
    (rows, cols): (usize, usize),
) -> std::result::Result<Matrix, Trouble> {
    let entries = point.values[output].len();
    let mut numeric = Matrix::zeros(entries, rows * cols);
    for j in 0..rows * cols {
        let mut unit = Matrix::zeros(rows, cols);
        // nalgebra stores column-major, as vec orders entries.
        unit[j] = 1.0;
        let moved = point.directional(model, &[(x.dot(), unit)].into())?;
        let column = &moved[&output.base];
        numeric.column_mut(j).copy_from_slice(column.as_slice());
    }
    Ok(numeric)
}
