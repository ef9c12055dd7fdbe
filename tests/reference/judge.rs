//! Judges each PRINTED line of a derivation, read back strictly, against
//! finite differences of the program evaluated by the reference reader.

use super::evaluate::{evaluate, scalar, Matrix, Values};
use super::numeric::{
    agree, agree_above, random_matrix, shapes_of, stable, stable_above, symmetric_part, tabulate,
    unit_move, Compiled, Env, Move, Probe, ZERO_SCALE,
};
use super::sizes::{infer, ConstantSizes, Scope, SizeError, TOO_MANY_READINGS};
use super::syntax::{parse_expr, Expr};
use matdiff::derive::{derive, Mode, Options};
use rand::rngs::StdRng;
use std::collections::HashMap;

const FIRST_ORDER_TOLERANCE: f64 = 1e-4;
const SECOND_ORDER_TOLERANCE: f64 = 1e-3;
const FIRST_STEP: f64 = 1e-5;
const SECOND_STEP: f64 = 1e-4;
/// Points each derivation is judged at.
const POINTS: usize = 2;
/// Draws of points allowed for the finite differences to be trustworthy.
const DRAWS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    Refused,
    Syntax,
    UnknownName,
    ShapeMismatch,
    SizeOpen,
    SizeAmbiguous,
    EvaluationError,
    WrongValue,
    NotSymmetric,
    MissingLine,
    UnexpectedLine,
    /// The reader gave up: a line with too many open sizes to search. Its
    /// own limit, not the engine's fault: the campaign counts it as an
    /// abstention, with examples, never as a pass.
    ReaderLimit,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: Failure,
    pub line: String,
    pub detail: String,
}

pub enum Outcome {
    /// Lines judged and what was wrong (nothing, when it passed).
    Judged {
        lines: usize,
        findings: Vec<Finding>,
    },
    /// The engine refused for a stated size limit.
    SizeLimit(String),
    /// The finite differences could not be trusted at any drawn point.
    Unstable(String),
}

/// What a printed line defines.
#[derive(Clone, Debug)]
enum Target {
    Tangent(usize),
    AdjointOfIntermediate(usize),
    AdjointOfInput(String),
    HessianBlock(String, String),
    HessianProduct(String),
    Temporary(String),
}

struct Line {
    text: String,
    target: Target,
    expr: Expr,
    readings: Vec<ConstantSizes>,
}

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Forward => "forward",
        Mode::Reverse => "reverse",
        Mode::Grad => "grad",
        Mode::Hessian => "hessian",
        Mode::Jacobian => "jacobian",
    }
}

struct Judge<'a> {
    compiled: &'a Compiled,
    mode: Mode,
    wrt: Vec<String>,
    findings: Vec<Finding>,
    /// Targets of every printed line, readable or not.
    printed_targets: Vec<Target>,
}

fn inside<'t>(text: &'t str, function: &str) -> Option<&'t str> {
    text.strip_prefix(function)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

impl Judge<'_> {
    fn find(&mut self, kind: Failure, line: &str, detail: String) {
        self.findings.push(Finding {
            kind,
            line: line.to_string(),
            detail,
        });
    }

    fn input_shape(&self, name: &str) -> Option<((usize, usize), bool)> {
        let input = self
            .compiled
            .program
            .inputs
            .iter()
            .find(|i| i.name == name)?;
        Some((input.shape, input.symmetric))
    }

    fn is_wrt_input(&self, name: &str) -> bool {
        self.wrt.iter().any(|w| w == name)
    }

    /// The line's target and the shape its left-hand side fixes.
    fn target(&self, lhs: &str) -> Option<(Target, (usize, usize))> {
        let statement_shape = |k: usize| self.compiled.program.statements[k].shape;
        if let Some(inner) = inside(lhs, "dot").and_then(|i| inside(i, "bar")) {
            let (shape, _) = self
                .input_shape(inner)
                .filter(|_| self.mode == Mode::Hessian && self.is_wrt_input(inner))?;
            return Some((Target::HessianProduct(inner.into()), shape));
        }
        if let Some(name) = inside(lhs, "dot") {
            let k = self
                .compiled
                .statement_index(name)
                .filter(|_| self.mode == Mode::Forward)?;
            return Some((Target::Tangent(k), statement_shape(k)));
        }
        if let Some(name) = inside(lhs, "bar") {
            if let Some(k) = self
                .compiled
                .statement_index(name)
                .filter(|_| self.mode == Mode::Reverse)
            {
                return Some((Target::AdjointOfIntermediate(k), statement_shape(k)));
            }
            let (shape, _) = self
                .input_shape(name)
                .filter(|_| self.is_wrt_input(name) && self.mode != Mode::Forward)?;
            return Some((Target::AdjointOfInput(name.into()), shape));
        }
        if let Some(pair) = inside(lhs, "hess") {
            let mut names = pair.split(", ");
            let x = names.next()?;
            let y = names.next().unwrap_or(x);
            let ((xr, _), _) = self.input_shape(x).filter(|_| self.is_wrt_input(x))?;
            let ((yr, _), _) = self.input_shape(y).filter(|_| self.is_wrt_input(y))?;
            return Some((Target::HessianBlock(x.into(), y.into()), (xr, yr)));
        }
        let fresh = lhs.chars().all(|c| c.is_alphanumeric() || c == '_')
            && self.compiled.statement_index(lhs).is_none()
            && self.input_shape(lhs).is_none();
        fresh.then(|| (Target::Temporary(lhs.into()), (0, 0)))
    }

    /// Reads every printed line strictly, in order, with the names available
    /// to it: primal values, the given tangents or adjoint, and what lines
    /// above it defined.
    fn read(
        &mut self,
        printed: &[String],
        shapes: &mut HashMap<String, (usize, usize)>,
    ) -> Vec<Line> {
        let mut lines = Vec::new();
        for text in printed {
            let Some((lhs, rhs)) = text.split_once(" = ") else {
                self.find(Failure::Syntax, text, "no ` = `".into());
                continue;
            };
            let Some((target, shape)) = self.target(lhs) else {
                self.find(
                    Failure::UnexpectedLine,
                    text,
                    format!("`{lhs}` is not a line {} prints", mode_name(self.mode)),
                );
                continue;
            };
            self.printed_targets.push(target.clone());
            let expr = match parse_expr(rhs) {
                Ok(expr) => expr,
                Err(e) => {
                    self.find(Failure::Syntax, text, e.to_string());
                    continue;
                }
            };
            let expected = (!matches!(target, Target::Temporary(_))).then_some(shape);
            let scope = Scope {
                shapes,
                dimensions: &self.compiled.program.dimensions,
            };
            let inferred = infer(&expr, &scope, expected);
            let defined = match &target {
                Target::Tangent(k) => Some(format!(
                    "dot({})",
                    self.compiled.program.statements[*k].name
                )),
                Target::AdjointOfIntermediate(k) => Some(format!(
                    "bar({})",
                    self.compiled.program.statements[*k].name
                )),
                Target::Temporary(name) => Some(name.clone()),
                _ => None,
            };
            let readings = match inferred {
                Ok(reading) => vec![reading],
                Err(SizeError::Ambiguous(readings)) => readings,
                Err(e) => {
                    let kind = match &e {
                        SizeError::Open(why) if why.starts_with(TOO_MANY_READINGS) => {
                            Failure::ReaderLimit
                        }
                        SizeError::UnknownName(_) => Failure::UnknownName,
                        SizeError::Open(_) => Failure::SizeOpen,
                        _ => Failure::ShapeMismatch,
                    };
                    self.find(kind, text, e.to_string());
                    continue;
                }
            };
            if let Some(name) = defined {
                // A temporary's shape is its expression's, which every reading agrees on.
                let shape = if expected.is_some() {
                    shape
                } else {
                    temporary_shape(
                        &expr,
                        &readings[0],
                        shapes,
                        &self.compiled.program.dimensions,
                    )
                };
                shapes.insert(name, shape);
            }
            lines.push(Line {
                text: text.clone(),
                target,
                expr,
                readings,
            });
        }
        lines
    }

    fn check_coverage(&mut self) {
        let wrt = self.wrt.clone();
        let targets = self.printed_targets.clone();
        let covers = |f: &dyn Fn(&Target) -> bool| targets.iter().any(f);
        let mut missing = Vec::new();
        match self.mode {
            Mode::Forward => {
                for (k, s) in self.compiled.program.statements.iter().enumerate() {
                    if !covers(&|t| matches!(t, Target::Tangent(j) if *j == k)) {
                        missing.push(format!("dot({})", s.name));
                    }
                }
            }
            Mode::Reverse | Mode::Grad => missing.extend(
                wrt.iter()
                    .filter(|x| !covers(&|t| matches!(t, Target::AdjointOfInput(y) if y == *x)))
                    .map(|x| format!("bar({x})")),
            ),
            Mode::Jacobian => {
                unreachable!(
                    "the differential test derives no Jacobians; tests/jacobian.rs checks them"
                )
            }
            Mode::Hessian => {
                let products = targets
                    .iter()
                    .any(|t| matches!(t, Target::HessianProduct(_)));
                for x in &wrt {
                    let found = covers(&|t| match t {
                        Target::HessianProduct(y) => y == x,
                        Target::HessianBlock(a, b) => !products && a == x && b == x,
                        _ => false,
                    });
                    if !found {
                        missing.push(if products {
                            format!("dot(bar({x}))")
                        } else {
                            format!("hess({x})")
                        });
                    }
                }
            }
        }
        for lhs in missing {
            self.find(Failure::MissingLine, &lhs, "no line for it".into());
        }
    }
}

fn temporary_shape(
    expr: &Expr,
    sizes: &ConstantSizes,
    shapes: &HashMap<String, (usize, usize)>,
    dimensions: &HashMap<String, usize>,
) -> (usize, usize) {
    // Evaluating gives the shape without needing the real values: at values
    // in [1/2, 3/2], where logarithms, roots and quotients are defined, or
    // else at zeros.
    let at = |value: &dyn Fn(usize) -> f64| {
        let names: Env = shapes
            .iter()
            .enumerate()
            .map(|(k, (name, s))| {
                (
                    name.clone(),
                    Matrix::from_fn(s.0, s.1, |i, j| value(k + 7 * i + 13 * j)),
                )
            })
            .collect();
        evaluate(
            expr,
            sizes,
            &Values {
                names: &names,
                dimensions,
            },
        )
        .map(|m| m.shape())
    };
    at(&|k| 0.5 + ((k * 37) % 101) as f64 / 101.0)
        .or_else(|_| at(&|_| 0.0))
        .unwrap_or((0, 0))
}

/// Derives `program` in `mode` with the library, then judges each printed line.
pub fn judge(
    compiled: &Compiled,
    mode: Mode,
    wrt: Option<Vec<String>>,
    expand: bool,
    rng: &mut StdRng,
) -> Outcome {
    let model = match matdiff::shape::analyze_source(&compiled.program.text) {
        Ok(model) => model,
        Err(e) => return refused(e.to_string()),
    };
    let options = Options {
        wrt: wrt.as_ref().map(|w| w.join(",")),
        expand,
        ..Default::default()
    };
    let derivation = match derive(&model, mode, &options) {
        Ok(d) => d,
        Err(e) => return refused(e.to_string()),
    };
    let printed: Vec<String> = derivation.lines.iter().map(|l| l.to_string()).collect();
    judge_printed(compiled, mode, wrt, &printed, rng)
}

/// Judges printed lines `lhs = rhs` as the engine would print them for
/// `mode`; `wrt` is the `--wrt` list (default: every input).
pub fn judge_printed(
    compiled: &Compiled,
    mode: Mode,
    wrt: Option<Vec<String>>,
    printed: &[String],
    rng: &mut StdRng,
) -> Outcome {
    let wrt = wrt.unwrap_or_else(|| {
        compiled
            .program
            .inputs
            .iter()
            .map(|i| i.name.clone())
            .collect()
    });
    let mut judge = Judge {
        compiled,
        mode,
        wrt,
        findings: Vec::new(),
        printed_targets: Vec::new(),
    };
    let output = compiled.output_name().to_string();
    let output_shape = compiled.program.statements.last().expect("an output").shape;
    let mut shapes: HashMap<String, (usize, usize)> = compiled
        .program
        .inputs
        .iter()
        .map(|i| (i.name.clone(), i.shape))
        .collect();
    shapes.extend(
        compiled
            .program
            .statements
            .iter()
            .map(|s| (s.name.clone(), s.shape)),
    );
    let tangents_given = mode == Mode::Forward
        || (mode == Mode::Hessian && printed.iter().any(|p| p.starts_with("dot(bar(")));
    if tangents_given {
        for x in &judge.wrt {
            shapes.insert(
                format!("dot({x})"),
                judge.input_shape(x).expect("an input").0,
            );
        }
    }
    if mode == Mode::Reverse {
        shapes.insert(format!("bar({output})"), output_shape);
    }
    let lines = judge.read(printed, &mut shapes);
    judge.check_coverage();
    let mut judged_at = 0;
    for _ in 0..DRAWS {
        if judged_at == POINTS {
            break;
        }
        let Some(point) = compiled.random_point(rng) else {
            return Outcome::Unstable("no point in domain and away from kinks".into());
        };
        if let Some(findings) = judge_at(&judge, &lines, &point, rng) {
            judge.findings.extend(findings);
            judged_at += 1;
        }
    }
    if judged_at == 0 {
        return Outcome::Unstable("finite differences unstable at every point".into());
    }
    Outcome::Judged {
        lines: printed.len(),
        findings: dedupe(judge.findings),
    }
}

fn refused(message: String) -> Outcome {
    let first = message.lines().next().unwrap_or("").to_string();
    // The bounds the README states: a result too large to print, or a
    // derivative that grows past the node limit while it is built.
    let bounds = ["too large", "operators", "grows past", "digits"];
    if bounds.iter().any(|b| first.contains(b)) {
        Outcome::SizeLimit(first)
    } else {
        Outcome::Judged {
            lines: 0,
            findings: vec![Finding {
                kind: Failure::Refused,
                line: String::new(),
                detail: first,
            }],
        }
    }
}

fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut kept: Vec<Finding> = Vec::new();
    for f in findings {
        if !kept.iter().any(|k| k.kind == f.kind && k.line == f.line) {
            kept.push(f);
        }
    }
    kept
}

/// How a wrong value relates to the right one, to group failures.
fn describe_wrong(value: &Matrix, reference: &Matrix) -> String {
    if value.shape() != reference.shape() {
        return format!(
            "shape {:?}, expected {:?}",
            value.shape(),
            reference.shape()
        );
    }
    let error = (value - reference).norm() / reference.norm().max(1e-3);
    let mut hint = String::new();
    if value.nrows() == value.ncols() && agree(&value.transpose(), reference, 1e-4) {
        hint = "; it is the transpose of the right value".into();
    } else if reference.norm() > 1e-9 {
        let factor = value.dot(reference) / reference.norm_squared();
        if agree(value, &(reference * factor), 1e-4) {
            hint = format!("; it is {factor:.4} times the right value");
        }
    }
    format!("relative error {error:.2e}{hint}")
}

/// Judges every line at one point; `None` when a finite difference there
/// cannot be trusted, so that the point is redrawn.
fn judge_at(judge: &Judge, lines: &[Line], point: &Env, rng: &mut StdRng) -> Option<Vec<Finding>> {
    let compiled = judge.compiled;
    let mut env = point.clone();
    let mut findings = Vec::new();
    let output = compiled.output_name().to_string();
    let output_shape = compiled.program.statements.last().expect("an output").shape;
    let scalar_weight = scalar(1.0);
    let weight = match judge.mode {
        Mode::Reverse => random_matrix(rng, output_shape, false),
        _ => scalar_weight.clone(),
    };
    env.insert(format!("bar({output})"), weight.clone());
    let mut directions: Move = Vec::new();
    for x in &judge.wrt {
        let (shape, symmetric) = judge.input_shape(x).expect("an input");
        let direction = random_matrix(rng, shape, symmetric);
        env.insert(format!("dot({x})"), direction.clone());
        directions.push((x.clone(), direction));
    }
    let tangents = if judge.mode == Mode::Forward {
        Some(statement_tangents(compiled, point, &directions)?)
    } else {
        None
    };
    for line in lines {
        let values = Values {
            names: &env,
            dimensions: &compiled.program.dimensions,
        };
        let evaluated: Vec<Result<Matrix, String>> = line
            .readings
            .iter()
            .map(|r| evaluate(&line.expr, r, &values))
            .collect();
        let reference = match reference_of(
            judge,
            &line.target,
            point,
            &weight,
            &directions,
            tangents.as_deref(),
        ) {
            Ok(reference) => reference?,
            Err(e) => {
                findings.push(Finding {
                    kind: Failure::EvaluationError,
                    line: line.text.clone(),
                    detail: format!("reference: {e}"),
                });
                continue;
            }
        };
        let defined = match &line.target {
            Target::Tangent(k) => Some(format!("dot({})", compiled.program.statements[*k].name)),
            Target::AdjointOfIntermediate(k) => {
                Some(format!("bar({})", compiled.program.statements[*k].name))
            }
            Target::Temporary(name) => Some(name.clone()),
            _ => None,
        };
        let (tolerance, floor, symmetric) = match &line.target {
            Target::HessianBlock(..) | Target::HessianProduct(_) => (
                SECOND_ORDER_TOLERANCE,
                second_order_floor(point, reference.as_ref().map_or(1, |r| r.len())),
                judge
                    .input_shape(line_input(&line.target))
                    .is_some_and(|s| s.1),
            ),
            Target::AdjointOfInput(x) => (
                FIRST_ORDER_TOLERANCE,
                ZERO_SCALE,
                judge.input_shape(x).is_some_and(|s| s.1),
            ),
            _ => (FIRST_ORDER_TOLERANCE, ZERO_SCALE, false),
        };
        let finding = |kind, detail| Finding {
            kind,
            line: line.text.clone(),
            detail,
        };
        // Readings whose values all agree mean the same thing (a 1×1 `ones`
        // in `ones .* x` is the full-size one): not ambiguous to a user.
        let same_meaning = evaluated.len() == 1
            || evaluated.iter().all(
                |v| matches!((v, &evaluated[0]), (Ok(v), Ok(first)) if agree(v, first, 1e-12)),
            );
        if !same_meaning {
            let matches: Vec<bool> = evaluated
                .iter()
                .map(|v| {
                    matches!((v, &reference), (Ok(v), Some(r)) if agree_above(v, r, tolerance, floor))
                })
                .collect();
            findings.push(finding(
                Failure::SizeAmbiguous,
                format!(
                    "readings {:?}; each reading right: {matches:?}",
                    line.readings
                ),
            ));
        } else {
            match (&evaluated[0], &reference) {
                (Err(e), _) => findings.push(finding(Failure::EvaluationError, e.clone())),
                (Ok(v), _) if v.iter().any(|a| !a.is_finite()) => {
                    findings.push(finding(Failure::EvaluationError, "not finite".into()))
                }
                (Ok(v), _) if symmetric && !agree_above(v, &v.transpose(), tolerance, floor) => {
                    findings.push(finding(
                        Failure::NotSymmetric,
                        describe_wrong(v, reference.as_ref().unwrap_or(v)),
                    ))
                }
                (Ok(v), Some(r)) if !agree_above(v, r, tolerance, floor) => {
                    let mut detail = describe_wrong(v, r);
                    if let Target::AdjointOfIntermediate(k) = &line.target {
                        let value = &point[&compiled.program.statements[*k].name];
                        if value.nrows() > 1 && agree(value, &value.transpose(), 1e-12) {
                            detail.push_str(" (the intermediate is symmetric-valued)");
                        }
                    }
                    findings.push(finding(Failure::WrongValue, detail));
                }
                _ => {}
            }
        }
        // Later lines get the reference value where there is one, so that
        // each error shows on its own line only.
        if let Some(name) = defined {
            let value = reference.or_else(|| evaluated[0].clone().ok());
            if let Some(value) = value {
                env.insert(name, value);
            }
        }
    }
    Some(findings)
}

/// The scale below which a second-order difference is rounding noise:
/// each entry divides four values of the program, each rounded relative to
/// the largest value it involves, by 4h². A zero Hessian (of a program
/// piecewise linear in the input, as `sum(relu(g))` is) then reads as zero
/// at any size of the program's values, instead of as noise that is never
/// stable.
fn second_order_floor(point: &Env, entries: usize) -> f64 {
    let largest = point.values().map(|v| v.amax()).fold(1.0, f64::max);
    let noise = (entries as f64).sqrt() * f64::EPSILON * largest / (SECOND_STEP * SECOND_STEP);
    // The stability check allows a quarter of the tolerance, with a margin.
    (16.0 * noise / SECOND_ORDER_TOLERANCE).max(ZERO_SCALE)
}

fn line_input(target: &Target) -> &str {
    match target {
        Target::HessianBlock(x, _) | Target::HessianProduct(x) | Target::AdjointOfInput(x) => x,
        _ => "",
    }
}

/// Tangents of every statement along `directions`; `None` if unstable.
fn statement_tangents(compiled: &Compiled, point: &Env, directions: &Move) -> Option<Vec<Matrix>> {
    let run = |t: f64| -> Option<Env> {
        let mut env = point.clone();
        for (name, direction) in directions {
            *env.get_mut(name)? += direction * t;
        }
        compiled.run_from(&mut env, 0).ok()?;
        Some(env)
    };
    let h = FIRST_STEP;
    let (plus, minus, plus2, minus2) = (run(h)?, run(-h)?, run(2.0 * h)?, run(-2.0 * h)?);
    let mut tangents = Vec::new();
    for s in &compiled.program.statements {
        let fine = (&plus[&s.name] - &minus[&s.name]) / (2.0 * h);
        let coarse = (&plus2[&s.name] - &minus2[&s.name]) / (4.0 * h);
        if !agree(&fine, &coarse, FIRST_ORDER_TOLERANCE / 4.0) {
            return None;
        }
        tangents.push(fine);
    }
    Some(tangents)
}

/// The right value of a line's target: `Ok(None)` for a temporary (no
/// reference), `Err` for a finite difference that is unstable here.
#[allow(clippy::type_complexity)]
fn reference_of(
    judge: &Judge,
    target: &Target,
    point: &Env,
    weight: &Matrix,
    directions: &Move,
    tangents: Option<&[Matrix]>,
) -> Result<Option<Option<Matrix>>, String> {
    let compiled = judge.compiled;
    let shapes = shapes_of(point);
    let gradient = |name: &str, start: usize, shape: (usize, usize), h: f64| {
        let probe = Probe {
            compiled,
            base: point,
            start,
            weight,
        };
        stable(FIRST_ORDER_TOLERANCE, h, |h| {
            tabulate(shape, |i, j| probe.first(&unit_move(name, shape, i, j), h))
        })
    };
    let unstable = |m: Option<Matrix>| m.map(Some);
    Ok(match target {
        Target::Temporary(_) => Some(None),
        Target::Tangent(k) => tangents.map(|t| Some(t[*k].clone())),
        Target::AdjointOfIntermediate(k) => {
            let name = &compiled.program.statements[*k].name;
            let value = &point[name];
            let h = FIRST_STEP * value.amax().max(1.0);
            unstable(gradient(name, k + 1, value.shape(), h)?)
        }
        Target::AdjointOfInput(x) => {
            let (shape, symmetric) = judge.input_shape(x).expect("an input");
            let g = gradient(x, 0, shape, FIRST_STEP)?;
            unstable(g.map(|g| if symmetric { symmetric_part(&g) } else { g }))
        }
        Target::HessianBlock(x, y) => {
            let probe = Probe {
                compiled,
                base: point,
                start: 0,
                weight,
            };
            let (xr, yr) = (shapes[x].0, shapes[y].0);
            let floor = second_order_floor(point, xr * yr);
            let block = stable_above(SECOND_ORDER_TOLERANCE, SECOND_STEP, floor, |h| {
                tabulate((xr, yr), |i, j| {
                    probe.second(
                        &unit_move(x, shapes[x], i, 0),
                        &unit_move(y, shapes[y], j, 0),
                        h,
                    )
                })
            })?;
            unstable(block)
        }
        Target::HessianProduct(x) => {
            let probe = Probe {
                compiled,
                base: point,
                start: 0,
                weight,
            };
            let (shape, symmetric) = judge.input_shape(x).expect("an input");
            let floor = second_order_floor(point, shape.0 * shape.1);
            let product = stable_above(SECOND_ORDER_TOLERANCE, SECOND_STEP, floor, |h| {
                tabulate(shape, |i, j| {
                    probe.second(&unit_move(x, shape, i, j), directions, h)
                })
            })?;
            unstable(product.map(|p| if symmetric { symmetric_part(&p) } else { p }))
        }
    })
}
