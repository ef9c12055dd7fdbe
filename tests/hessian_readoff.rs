//! Hessian blocks of vector and scalar inputs, checked entry by entry: each
//! printed block is parsed back, evaluated, and compared with second central
//! differences of the program itself (not of its gradient), for the
//! programs that once came out ill-typed or refused and for a few hundred
//! random scalar programs of quadratic forms, norms, `diag`, Hadamard
//! products, sums, `logdet` and element-wise functions.

use matdiff::ast::{Name, Shape};
use matdiff::check::Sample;
use matdiff::derive::{derive, Mode, Options};
use matdiff::egraph::Limits;
use matdiff::eval::{eval, Matrix, Values};
use matdiff::shape::{analyze_source, Model};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::Duration;

#[path = "common/random_programs.rs"]
mod random_programs;
use random_programs::Programs;

/// The step of the second differences: their truncation error is O(h²)
/// and their rounding error O(ε / h²), both far below the tolerance.
const STEP: f64 = 1e-3;
const TOLERANCE: f64 = 1e-4;

/// What became of one program.
#[derive(Debug)]
enum Outcome {
    /// Every block agreed with the differences.
    Right,
    /// The program is not defined at the drawn point, or too large to
    /// derive: nothing to compare.
    Skipped(String),
    /// A block disagreed, would not parse back, or the Hessian was refused.
    Wrong(String),
    /// Every block is right as derived, but a printed one reads back as
    /// something else: its `ones` or `I` takes another size from context.
    Unreadable(String),
}

/// The output of `model` at `inputs` (the point's other values kept).
fn output_at(model: &Model, point: &Sample, inputs: &Values) -> Result<f64, String> {
    let mut values = point.values.clone();
    values.extend(inputs.iter().map(|(k, v)| (k.clone(), v.clone())));
    for binding in &model.bindings {
        let value = eval(&binding.expr, &values, &|d| point.size(d)).map_err(|e| e.message)?;
        values.insert(Name::plain(&binding.name), value);
    }
    Ok(values[&Name::plain(&model.output().name)][(0, 0)])
}

/// The Hessian block ∂²f/∂x∂y by second central differences of steps h,
/// h/2 and h/4, extrapolated (Richardson) so the error is O(h⁴); an error
/// where the two extrapolations disagree, as for a rapidly oscillating
/// program, whose differences say nothing at this step.
fn differences(model: &Model, point: &Sample, x: &Name, y: &Name) -> Result<Matrix, String> {
    let steps = [STEP, STEP / 2.0, STEP / 4.0];
    let d: Vec<Matrix> = steps
        .iter()
        .map(|h| differences_with(model, point, x, y, *h))
        .collect::<Result<_, _>>()?;
    let coarse = (&d[1] * 4.0 - &d[0]) / 3.0;
    let fine = (&d[2] * 4.0 - &d[1]) / 3.0;
    let unsettled = (&fine - &coarse).norm() / fine.norm().max(1.0);
    if unsettled > TOLERANCE / 10.0 {
        return Err(format!("the differences do not settle ({unsettled:.1e})"));
    }
    Ok(fine)
}

fn differences_with(
    model: &Model,
    point: &Sample,
    x: &Name,
    y: &Name,
    step: f64,
) -> Result<Matrix, String> {
    let (rows, cols) = (point.values[x].nrows(), point.values[y].nrows());
    let mut block = Matrix::zeros(rows, cols);
    for i in 0..rows {
        for j in 0..cols {
            let corner = |si: f64, sj: f64| {
                let mut inputs = Values::new();
                let mut moved = point.values[x].clone();
                moved[(i, 0)] += si * step;
                inputs.insert(x.clone(), moved);
                let mut moved = inputs.get(y).unwrap_or(&point.values[y]).clone();
                moved[(j, 0)] += sj * step;
                inputs.insert(y.clone(), moved);
                output_at(model, point, &inputs)
            };
            let second =
                corner(1.0, 1.0)? - corner(1.0, -1.0)? - corner(-1.0, 1.0)? + corner(-1.0, -1.0)?;
            block[(i, j)] = second / (4.0 * step * step);
        }
    }
    Ok(block)
}

/// Derives the Hessian of `program` in `wrt` and compares every block.
fn verify(program: &str, wrt: &str, limits: &Limits) -> Outcome {
    let model = match analyze_source(program) {
        Ok(model) => model,
        Err(e) => return Outcome::Wrong(format!("does not analyse: {}", e.render(program))),
    };
    let Ok(point) = Sample::draw(&model, 7) else {
        return Outcome::Skipped("not defined at the drawn points".into());
    };
    let options = Options {
        wrt: Some(wrt.to_string()),
        expand: false,
        limits: limits.clone(),
        ..Options::default()
    };
    let derivation = match derive(&model, Mode::Hessian, &options) {
        Ok(d) => d,
        Err(e) if e.message.contains("too large") || e.message.contains("limit") => {
            return Outcome::Skipped(e.message)
        }
        Err(e) => return Outcome::Wrong(format!("refused: {}", e.message)),
    };
    // A result too long to print is refused by the command line: fine.
    if let Err(e) = derivation.printable(false) {
        return Outcome::Skipped(e.message);
    }
    let mut unreadable = None;
    // The values of matdiff's temporaries (`t1 = …`), for the blocks after.
    let mut temporaries = Values::new();
    for line in &derivation.lines {
        if line.temporary {
            match point.eval(&line.expr, &temporaries) {
                Ok(v) => temporaries.insert(line.lhs.clone(), v),
                Err(err) => return Outcome::Skipped(err.message),
            };
            continue;
        }
        let Some((x, y)) = &line.block else {
            return Outcome::Wrong(format!("`{line}` is not a block"));
        };
        let shape = Shape::new(model.env.name_shape(x).rows, model.env.name_shape(y).rows);
        let numeric = match differences(&model, &point, x, y) {
            Ok(m) => m,
            Err(e) => return Outcome::Skipped(e),
        };
        // Second differences of a large f lose its changes to rounding.
        let f = output_at(&model, &point, &Values::new()).unwrap_or(f64::INFINITY);
        let smallest = STEP / 4.0;
        if f.abs() * f64::EPSILON / (smallest * smallest)
            > TOLERANCE / 10.0 * numeric.norm().max(1.0)
        {
            return Outcome::Skipped(format!("f = {f:.1e} is too large for second differences"));
        }
        let zero = Matrix::zeros(point.size(&shape.rows), point.size(&shape.cols));
        let off = |ours: &Matrix| {
            if ours.shape() != numeric.shape() {
                return Some(format!("`{line}` is {:?}", ours.shape()));
            }
            let error = (ours - &numeric).norm() / numeric.norm().max(1.0);
            // NaN counts as off.
            (error.is_nan() || error >= TOLERANCE).then(|| {
                format!("`{line}` is off by {error:.1e}:\nours {ours}\ndifferences {numeric}")
            })
        };
        // The block as derived, its `I` and `ones` sized.
        let derived = if line.expr.is_zero() {
            zero.clone()
        } else {
            match point.eval(&line.expr, &temporaries) {
                Ok(v) => v,
                Err(err) => return Outcome::Skipped(err.message),
            }
        };
        if let Some(why) = off(&derived) {
            return Outcome::Wrong(why);
        }
        // The block as printed, read back.
        let text = line.expr.to_string();
        let parsed = match matdiff::parse::parse_expr(&text) {
            Ok(e) => e,
            Err(err) => return Outcome::Wrong(format!("`{line}` does not parse back: {err:?}")),
        };
        if parsed.is_zero() {
            continue;
        }
        // Read over the derivation's model, which knows the temporaries.
        match derivation.model.elaborate(&parsed, Some(&shape)) {
            Ok(typed) => match point.eval(&typed, &temporaries) {
                Ok(v) => {
                    if let Some(why) = off(&v) {
                        unreadable = Some(format!("read back, {why}"));
                    }
                }
                Err(err) => unreadable = Some(format!("`{line}` read back: {}", err.message)),
            },
            Err(err) => {
                unreadable = Some(format!("`{line}` reads back otherwise: {}", err.message))
            }
        }
    }
    if let Some(why) = unreadable {
        return Outcome::Unreadable(why);
    }
    Outcome::Right
}

/// Quick simplification, so hundreds of programs take seconds in debug.
fn quick() -> Limits {
    Limits {
        nodes: 1_000,
        iterations: 2,
        time: Duration::from_millis(20),
        budget: Duration::from_millis(60),
    }
}

/// The programs whose Hessians once came out ill-typed or were refused.
const ONCE_WRONG: [(&str, &str); 9] = [
    ("f = norm(E * beta)", "beta"),
    ("d1 = R + alpha * I; f = tr(d1 * (alpha * d1))", "alpha"),
    ("norm(g')", "g"),
    ("tr(sin(diag(v)))", "v"),
    ("sum(exp(x) * sum(x))", "x"),
    ("A: matrix(n, n); logdet(A' * diag(x) * A)", "x"),
    ("x' * diag(x) * x", "x"),
    ("alpha * x' * diag(x) * y + norm(x .* y)^2", "alpha,x,y"),
    ("sum(exp(x * x') .* A)", "x"),
];

#[test]
fn once_wrong_hessians_are_right_entry_by_entry() {
    for (program, wrt) in ONCE_WRONG {
        let outcome = verify(program, wrt, &Limits::default());
        assert!(
            matches!(outcome, Outcome::Right | Outcome::Unreadable(_)),
            "{program} (wrt {wrt}): {outcome:?}"
        );
    }
}

#[test]
fn random_programs_have_right_hessians() {
    let mut programs = Programs::new(StdRng::seed_from_u64(
        std::env::var("MATDIFF_HESSIAN_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2027),
    ));
    let count: usize = std::env::var("MATDIFF_HESSIAN_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let (mut right, mut skipped, mut wrong) = (0, Vec::new(), Vec::new());
    let mut unreadable = Vec::new();
    for _ in 0..count {
        let (program, wrt) = programs.program();
        if wrt.is_empty() {
            continue;
        }
        match verify(&program, &wrt, &quick()) {
            Outcome::Right => right += 1,
            Outcome::Skipped(why) => skipped.push(format!("{program}: {why}")),
            Outcome::Wrong(why) => wrong.push(format!("{program} (wrt {wrt}):\n{why}")),
            Outcome::Unreadable(why) => {
                right += 1;
                unreadable.push(format!("{program} (wrt {wrt}):\n{why}"));
            }
        }
    }
    eprintln!(
        "{right} right, {} of them printed ambiguously, {} skipped, {} wrong",
        unreadable.len(),
        skipped.len(),
        wrong.len()
    );
    for u in &unreadable {
        eprintln!("ambiguous {u}");
    }
    for s in &skipped {
        eprintln!("skipped {s}");
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} wrong:\n\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
    assert!(right >= count * 3 / 4, "only {right} of {count} compared");
}

#[test]
fn mixed_blocks_have_the_inputs_shapes() {
    let model = analyze_source("a: scalar; x, y: vector(n); a * sum(x) + a^2 * norm(y)^2").unwrap();
    let options = Options {
        wrt: Some("a,x,y".into()),
        ..Default::default()
    };
    let derivation = derive(&model, Mode::Hessian, &options).unwrap();
    for line in &derivation.lines {
        let (x, y) = line.block.clone().unwrap();
        let want = Shape::new(model.env.name_shape(&x).rows, model.env.name_shape(&y).rows);
        if !line.expr.is_zero() {
            let text = line.expr.to_string();
            let typed = model.elaborate(&matdiff::parse::parse_expr(&text).unwrap(), Some(&want));
            assert!(typed.is_ok(), "`{line}` is not {want}");
        }
    }
}
