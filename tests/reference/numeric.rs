//! The program evaluated by the reference reader, and finite differences
//! of it: the numbers every printed line is judged against.

use super::evaluate::{evaluate, Matrix, Values};
use super::generate::Program;
use super::sizes::{infer, ConstantSizes, Scope, SizeError};
use super::syntax::{parse_expr, Expr, Function};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::HashMap;

pub type Env = HashMap<String, Matrix>;

/// Values beyond this are treated as out of domain: the point is redrawn.
const LARGEST_VALUE: f64 = 1e6;

/// How far from 0 an argument of abs, sign, step or relu must stay: well
/// beyond what the finite differences' steps move it.
const KINK_MARGIN: f64 = 1e-3;

/// The arguments of abs, sign, step and relu in `expr`.
fn kink_arguments<'e>(expr: &'e Expr, found: &mut Vec<&'e Expr>) {
    match expr {
        Expr::Call(function, args) => {
            if let Function::Elementwise(name, _) = function {
                if ["abs", "sign", "step", "relu"].contains(name) {
                    found.push(&args[0]);
                }
            }
            for arg in args {
                kink_arguments(arg, found);
            }
        }
        Expr::Binary(_, left, right)
        | Expr::Power(left, right)
        | Expr::ElementPower(left, right) => {
            kink_arguments(left, found);
            kink_arguments(right, found);
        }
        Expr::Negate(inner) | Expr::Transpose(inner) | Expr::Rows(inner) | Expr::Cols(inner) => {
            kink_arguments(inner, found)
        }
        _ => {}
    }
}

pub struct Compiled {
    pub program: Program,
    statements: Vec<(String, Expr, ConstantSizes)>,
}

pub fn shapes_of(env: &Env) -> HashMap<String, (usize, usize)> {
    env.iter().map(|(k, v)| (k.clone(), v.shape())).collect()
}

impl Compiled {
    /// Reads the program's statements strictly, each without a left-hand
    /// shape (an assigned name takes its expression's type), and checks that
    /// each has the shape the generator meant.
    pub fn new(program: Program) -> Result<Compiled, String> {
        let mut shapes: HashMap<String, (usize, usize)> = program
            .inputs
            .iter()
            .map(|i| (i.name.clone(), i.shape))
            .collect();
        let mut statements = Vec::new();
        for s in &program.statements {
            let expr = parse_expr(&s.expr).map_err(|e| format!("{e} in {}", s.expr))?;
            let scope = Scope {
                shapes: &shapes,
                dimensions: &program.dimensions,
            };
            let sizes = infer(&expr, &scope, None).map_err(|e| format!("{e:?} in {}", s.expr))?;
            statements.push((s.name.clone(), expr, sizes));
            shapes.insert(s.name.clone(), s.shape);
        }
        Ok(Compiled {
            program,
            statements,
        })
    }

    /// Each statement's name, parsed expression and constant sizes.
    pub fn parsed(&self) -> &[(String, Expr, ConstantSizes)] {
        &self.statements
    }

    pub fn output_name(&self) -> &str {
        &self.statements.last().expect("a statement").0
    }

    pub fn statement_index(&self, name: &str) -> Option<usize> {
        self.statements.iter().position(|s| s.0 == name)
    }

    /// Recomputes statements from `start` on; out-of-domain values are errors.
    pub fn run_from(&self, env: &mut Env, start: usize) -> Result<(), String> {
        for (index, (name, expr, sizes)) in self.statements.iter().enumerate().skip(start) {
            let values = Values {
                names: env,
                dimensions: &self.program.dimensions,
            };
            let value = evaluate(expr, sizes, &values)?;
            if value.shape() != self.program.statements[index].shape {
                return Err(format!("{name} evaluates to shape {:?}", value.shape()));
            }
            if value
                .iter()
                .any(|v| !v.is_finite() || v.abs() > LARGEST_VALUE)
            {
                return Err(format!("{name} is out of domain"));
            }
            env.insert(name.clone(), value);
        }
        Ok(())
    }

    /// Whether an argument of abs, sign, step or relu has an entry within
    /// `KINK_MARGIN` of 0 at `env`. There the engine's derivative is the
    /// SPEC's convention (0 at the kink) and a finite difference straddles
    /// the kink: neither is the other's reference. An argument that is 0 on
    /// a whole region (`relu(relu(alpha))` for alpha < 0) counts too, since
    /// the adjoint of the intermediate `relu(alpha)` moves it off the
    /// region.
    fn near_a_kink(&self, env: &Env) -> bool {
        let values = Values {
            names: env,
            dimensions: &self.program.dimensions,
        };
        self.statements.iter().any(|(_, expr, sizes)| {
            let mut arguments = Vec::new();
            kink_arguments(expr, &mut arguments);
            arguments.iter().any(|argument| {
                evaluate(argument, sizes, &values)
                    .is_ok_and(|m| m.iter().any(|a| a.abs() < KINK_MARGIN))
            })
        })
    }

    /// Random inputs at which the whole program is in domain, away from kinks.
    pub fn random_point(&self, rng: &mut StdRng) -> Option<Env> {
        for _ in 0..20 {
            let mut env: Env = self
                .program
                .inputs
                .iter()
                .map(|i| {
                    let value = if i.positive {
                        positive_matrix(rng, i.shape)
                    } else {
                        random_matrix(rng, i.shape, i.symmetric)
                    };
                    (i.name.clone(), value)
                })
                .collect();
            if self.run_from(&mut env, 0).is_ok() && !self.near_a_kink(&env) {
                return Some(env);
            }
        }
        None
    }
}

pub fn random_matrix(rng: &mut StdRng, shape: (usize, usize), symmetric: bool) -> Matrix {
    let m = Matrix::from_fn(shape.0, shape.1, |_, _| rng.gen_range(-1.0..1.0));
    if symmetric {
        (&m + m.transpose()) / 2.0
    } else {
        m
    }
}

/// Entries in [1/2, 3/2]: the domain of an input marked positive, away
/// from 0 so that a finite difference step never leaves it.
pub fn positive_matrix(rng: &mut StdRng, shape: (usize, usize)) -> Matrix {
    Matrix::from_fn(shape.0, shape.1, |_, _| rng.gen_range(0.5..1.5))
}

/// A move of several values at once, each along its own direction.
pub type Move = Vec<(String, Matrix)>;

/// Where values move: the program is recomputed from `start` on.
pub struct Probe<'a> {
    pub compiled: &'a Compiled,
    pub base: &'a Env,
    pub start: usize,
    /// The objective is ⟨weight, output⟩.
    pub weight: &'a Matrix,
}

impl Probe<'_> {
    fn objective(&self, moves: &[(&Move, f64)]) -> Result<f64, String> {
        let mut env = self.base.clone();
        for (step, scale) in moves {
            for (name, direction) in step.iter() {
                let value = env
                    .get_mut(name)
                    .ok_or_else(|| format!("no value {name}"))?;
                *value += direction * *scale;
            }
        }
        self.compiled.run_from(&mut env, self.start)?;
        Ok(self.weight.dot(&env[self.compiled.output_name()]))
    }

    /// d/dt objective(base + t·a), central difference.
    pub fn first(&self, a: &Move, h: f64) -> Result<f64, String> {
        Ok((self.objective(&[(a, h)])? - self.objective(&[(a, -h)])?) / (2.0 * h))
    }

    /// d²/ds dt objective(base + s·a + t·b), four-point difference.
    pub fn second(&self, a: &Move, b: &Move, h: f64) -> Result<f64, String> {
        let at = |s: f64, t: f64| self.objective(&[(a, s), (b, t)]);
        Ok((at(h, h)? - at(h, -h)? - at(-h, h)? + at(-h, -h)?) / (4.0 * h * h))
    }
}

/// The matrix of `entry(i, j)` over a shape.
pub fn tabulate(
    shape: (usize, usize),
    mut entry: impl FnMut(usize, usize) -> Result<f64, String>,
) -> Result<Matrix, String> {
    let mut m = Matrix::zeros(shape.0, shape.1);
    for j in 0..shape.1 {
        for i in 0..shape.0 {
            m[(i, j)] = entry(i, j)?;
        }
    }
    Ok(m)
}

/// A move of one entry of `name`.
pub fn unit_move(name: &str, shape: (usize, usize), i: usize, j: usize) -> Move {
    let mut direction = Matrix::zeros(shape.0, shape.1);
    direction[(i, j)] = 1.0;
    vec![(name.to_string(), direction)]
}

pub fn symmetric_part(m: &Matrix) -> Matrix {
    (m + m.transpose()) / 2.0
}

/// The scale below which values count as zero when comparing.
pub const ZERO_SCALE: f64 = 1e-3;

/// Relative agreement, with an absolute floor for values that are zero.
pub fn agree(a: &Matrix, b: &Matrix, tolerance: f64) -> bool {
    agree_above(a, b, tolerance, ZERO_SCALE)
}

/// Relative agreement, values below `floor` counting as zero.
pub fn agree_above(a: &Matrix, b: &Matrix, tolerance: f64, floor: f64) -> bool {
    let scale = a.norm().max(b.norm()).max(floor);
    a.shape() == b.shape() && (a - b).norm() <= tolerance * scale
}

/// A finite difference computed at two steps: `None` when they disagree,
/// that is, when the difference itself cannot be trusted at this point.
pub fn stable(
    tolerance: f64,
    h: f64,
    compute: impl Fn(f64) -> Result<Matrix, String>,
) -> Result<Option<Matrix>, String> {
    stable_above(tolerance, h, ZERO_SCALE, compute)
}

/// `stable`, values below `floor` counting as zero.
pub fn stable_above(
    tolerance: f64,
    h: f64,
    floor: f64,
    compute: impl Fn(f64) -> Result<Matrix, String>,
) -> Result<Option<Matrix>, String> {
    let fine = compute(h)?;
    let coarse = compute(2.0 * h)?;
    Ok(agree_above(&fine, &coarse, tolerance / 4.0, floor).then_some(fine))
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeError::UnknownName(name) => write!(f, "unknown name `{name}`"),
            SizeError::Mismatch(what) => write!(f, "{what}"),
            SizeError::Open(what) => write!(f, "size left open: {what}"),
            SizeError::Ambiguous(readings) => write!(f, "ambiguous sizes: readings {readings:?}"),
        }
    }
}
