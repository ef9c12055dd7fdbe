//! Sizes of the constants `I`, `ones` and `0` in a printed expression, read
//! as a user would: every variable's shape is known, the left-hand side
//! fixes the result's shape, and each constant must then have exactly one
//! size. A size nothing fixes is "left open"; two sizes that both type-check
//! are "ambiguous". The one convenience (SPEC §1) is that a bare `ones`
//! whose columns nothing fixes is a column.
//!
//! `*` is the matrix product unless a side is 1×1, which is a choice when a
//! side's size is still unknown, so the inference searches over choices.

use super::syntax::{Expr, Function, Operator};
use std::collections::HashMap;

pub type Shape = (usize, usize);

/// What a reader knows about names: shapes of variables (including
/// `dot(X)`, `bar(X)`) and the values of dimension names.
pub struct Scope<'a> {
    pub shapes: &'a HashMap<String, Shape>,
    pub dimensions: &'a HashMap<String, usize>,
}

/// The size of every constant, by id (`None` only for ids that are not
/// constants).
pub type ConstantSizes = Vec<Option<Shape>>;

#[derive(Debug)]
pub enum SizeError {
    UnknownName(String),
    Mismatch(String),
    Open(String),
    Ambiguous(Vec<ConstantSizes>),
}

#[derive(Clone, PartialEq)]
struct Sizes {
    parent: Vec<usize>,
    value: Vec<Option<usize>>,
}

type Var = usize;
type Symbolic = (Var, Var);

impl Sizes {
    fn fresh(&mut self) -> Var {
        self.parent.push(self.parent.len());
        self.value.push(None);
        self.parent.len() - 1
    }

    fn known(&mut self, size: usize) -> Var {
        let var = self.fresh();
        self.value[var] = Some(size);
        var
    }

    fn root(&self, mut var: Var) -> Var {
        while self.parent[var] != var {
            var = self.parent[var];
        }
        var
    }

    fn get(&self, var: Var) -> Option<usize> {
        self.value[self.root(var)]
    }

    fn unify(&mut self, a: Var, b: Var) -> bool {
        let (a, b) = (self.root(a), self.root(b));
        if a == b {
            return true;
        }
        match (self.value[a], self.value[b]) {
            (Some(x), Some(y)) if x != y => return false,
            (None, Some(_)) => self.parent[a] = b,
            _ => self.parent[b] = a,
        }
        true
    }

    /// A form equal for equal states, to merge choices that agree.
    fn canonical(&self) -> Vec<(usize, Option<usize>)> {
        let mut first_of_class = HashMap::new();
        (0..self.parent.len())
            .map(|v| {
                let root = self.root(v);
                (*first_of_class.entry(root).or_insert(v), self.value[root])
            })
            .collect()
    }
}

/// A constraint with several readings: each option is a list of size
/// equalities.
enum Choice {
    Product {
        left: Symbolic,
        right: Symbolic,
        out: Symbolic,
        may_scale: (bool, bool),
    },
    Elementwise {
        left: Symbolic,
        right: Symbolic,
        out: Symbolic,
        may_scale: (bool, bool),
    },
    Diag {
        arg: Symbolic,
        out: Symbolic,
    },
    LeftDivide {
        left: Symbolic,
        right: Symbolic,
        out: Symbolic,
        may_scale: (bool, bool),
    },
    Kron {
        left: Symbolic,
        right: Symbolic,
        out: Symbolic,
    },
    Vectorize {
        arg: Symbolic,
        out: Symbolic,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum ConstantKind {
    Identity,
    BareOnes,
    SizedOnes,
    Zero,
}

struct Builder<'a> {
    scope: &'a Scope<'a>,
    sizes: Sizes,
    one: Var,
    choices: Vec<Choice>,
    constants: Vec<(usize, ConstantKind, Symbolic)>,
    /// Each subexpression's shape and whether its size comes from context
    /// alone, keyed by address.
    seen: HashMap<*const Expr, (Symbolic, bool)>,
}

fn mismatch(what: &str) -> SizeError {
    SizeError::Mismatch(format!("shapes do not fit in {what}"))
}

impl Builder<'_> {
    fn equal(&mut self, a: Symbolic, b: Symbolic, what: &str) -> Result<(), SizeError> {
        if self.sizes.unify(a.0, b.0) && self.sizes.unify(a.1, b.1) {
            Ok(())
        } else {
            Err(mismatch(what))
        }
    }

    fn scalar(&self) -> Symbolic {
        (self.one, self.one)
    }

    fn fresh_shape(&mut self) -> Symbolic {
        (self.sizes.fresh(), self.sizes.fresh())
    }

    fn size_of(&mut self, size: &Expr) -> Result<Var, SizeError> {
        match size {
            Expr::Number(k) if k.fract() == 0.0 && *k >= 1.0 => Ok(self.sizes.known(*k as usize)),
            Expr::Name(name) => match self.scope.dimensions.get(name) {
                Some(value) => Ok(self.sizes.known(*value)),
                None => Err(SizeError::Mismatch(format!("`{name}` is not a dimension"))),
            },
            Expr::Rows(inner) => Ok(self.shape(inner)?.0),
            Expr::Cols(inner) => Ok(self.shape(inner)?.1),
            _ => Err(SizeError::Mismatch(
                "a size must be an integer, a dimension, rows() or cols()".into(),
            )),
        }
    }

    fn square(&mut self, shape: Symbolic, what: &str) -> Result<(), SizeError> {
        if self.sizes.unify(shape.0, shape.1) {
            Ok(())
        } else {
            Err(mismatch(what))
        }
    }

    /// Decides a choice at once when its operands' sizes are already known
    /// (so that `c * I` is known to be a scalar times `I` while reading on),
    /// else leaves it to the search.
    fn defer(&mut self, choice: Choice) -> Result<(), SizeError> {
        match choice.decide(&self.sizes) {
            None => self.choices.push(choice),
            Some(None) => return Err(mismatch("a product or element-wise operation")),
            Some(Some(equations)) => {
                for equation in equations {
                    let Equation::Is(var, size) = equation else {
                        unreachable!("decisions fix sizes")
                    };
                    let known = self.sizes.known(size);
                    if !self.sizes.unify(var, known) {
                        return Err(mismatch("a product or element-wise operation"));
                    }
                }
            }
        }
        Ok(())
    }

    fn known_shape(&self, expr: &Expr) -> bool {
        let (rows, cols) = self.seen[&(expr as *const Expr)].0;
        self.sizes.get(rows).is_some() && self.sizes.get(cols).is_some()
    }

    /// Whether `expr` is a bare `I`, `ones` or `0`, possibly scaled on its
    /// left or divided (`s * I`, `-c * ones' / 2`), with its shape still
    /// open. Such a term of a sum takes the other term's shape even when
    /// nothing has yet shown `s` to be a scalar (`(2 / n - ones' * y) * I +
    /// A`): a user never reads its `I` as 1×1 and broadcast. A known matrix
    /// factor (`X * I`) sizes the constant itself.
    fn open_constant(&self, expr: &Expr) -> bool {
        if self.known_shape(expr) {
            return false;
        }
        match expr {
            Expr::Identity { size: None, .. }
            | Expr::Ones { rows: None, .. }
            | Expr::Zero { .. } => true,
            Expr::Negate(inner) | Expr::Transpose(inner) => self.open_constant(inner),
            Expr::Binary(Operator::Product | Operator::Hadamard, left, right) => {
                let matrix_factor = self.known_shape(left) && !self.known_scalar(left);
                !matrix_factor && self.open_constant(right)
            }
            Expr::Binary(Operator::Divide | Operator::HadamardDivide, left, _) => {
                self.open_constant(left)
            }
            _ => false,
        }
    }

    fn known_scalar(&self, expr: &Expr) -> bool {
        let (rows, cols) = self.seen[&(expr as *const Expr)].0;
        self.sizes.get(rows) == Some(1) && self.sizes.get(cols) == Some(1)
    }

    /// Whether `expr`'s size comes from context alone (`I`, `-ones'`,
    /// `c * I`, `I / c` with c a scalar). Such a side is never read as the
    /// 1×1 scalar of a broadcast: a user reads `A .* I` and `c * I ./ E`
    /// with `I` the size of `A` and `E`, not as `A .* 1` or `c ./ E`.
    fn sized_by_context(&self, expr: &Expr) -> bool {
        let flag = |e: &Expr| self.seen[&(e as *const Expr)].1;
        match expr {
            Expr::Identity { size: None, .. }
            | Expr::Ones { rows: None, .. }
            | Expr::Zero { .. } => true,
            Expr::Negate(e) | Expr::Transpose(e) => flag(e),
            Expr::Binary(Operator::Product | Operator::Hadamard, a, b) => {
                (self.known_scalar(a) && flag(b)) || (flag(a) && self.known_scalar(b))
            }
            Expr::Binary(Operator::Divide | Operator::HadamardDivide, a, b) => {
                flag(a) && self.known_scalar(b)
            }
            Expr::Binary(Operator::Add | Operator::Sub, a, b) => flag(a) && flag(b),
            _ => false,
        }
    }

    fn shape(&mut self, expr: &Expr) -> Result<Symbolic, SizeError> {
        let shape = self.shape_of_node(expr)?;
        let context = self.sized_by_context(expr);
        self.seen.insert(expr as *const Expr, (shape, context));
        Ok(shape)
    }

    fn shape_of_node(&mut self, expr: &Expr) -> Result<Symbolic, SizeError> {
        match expr {
            Expr::Number(_) => Ok(self.scalar()),
            Expr::Name(name) => {
                if let Some(&(rows, cols)) = self.scope.shapes.get(name) {
                    Ok((self.sizes.known(rows), self.sizes.known(cols)))
                } else if self.scope.dimensions.contains_key(name) {
                    Ok(self.scalar())
                } else {
                    Err(SizeError::UnknownName(name.clone()))
                }
            }
            Expr::Identity { id, size } => {
                let side = match size {
                    Some(size) => self.size_of(size)?,
                    None => self.sizes.fresh(),
                };
                self.constants
                    .push((*id, ConstantKind::Identity, (side, side)));
                Ok((side, side))
            }
            Expr::Ones { id, rows, cols } => {
                let (shape, kind) = match (rows, cols) {
                    (Some(rows), Some(cols)) => (
                        (self.size_of(rows)?, self.size_of(cols)?),
                        ConstantKind::SizedOnes,
                    ),
                    _ => (self.fresh_shape(), ConstantKind::BareOnes),
                };
                self.constants.push((*id, kind, shape));
                Ok(shape)
            }
            Expr::Zero { id } => {
                let shape = self.fresh_shape();
                self.constants.push((*id, ConstantKind::Zero, shape));
                Ok(shape)
            }
            Expr::Rows(inner) | Expr::Cols(inner) => {
                self.shape(inner)?;
                Ok(self.scalar())
            }
            Expr::Negate(inner) => self.shape(inner),
            Expr::Transpose(inner) => {
                let (rows, cols) = self.shape(inner)?;
                Ok((cols, rows))
            }
            Expr::Power(base, exponent) | Expr::ElementPower(base, exponent) => {
                let base_shape = self.shape(base)?;
                let exponent_shape = self.shape(exponent)?;
                let scalar = self.scalar();
                self.equal(exponent_shape, scalar, "an exponent (it must be a scalar)")?;
                if matches!(expr, Expr::Power(..)) {
                    self.square(base_shape, "`^` (it needs a square matrix)")?;
                }
                Ok(base_shape)
            }
            Expr::Binary(op, left, right) => {
                let (left_expr, right_expr) = (left, right);
                let left = self.shape(left)?;
                let right = self.shape(right)?;
                let flag = |e: &Expr| self.seen[&(e as *const Expr)].1;
                let may_scale = (!flag(left_expr), !flag(right_expr));
                // In `+`/`-` a constant sized by context takes the other
                // side's shape, as in r1: `0 + lambda` is a scalar, and
                // `ones - sigmoid(x)` a vector. Broadcasting a scalar onto
                // it would leave its size open. The shapes are unified at
                // once, as in r1: that `x + c * ones` is a vector must be
                // known while reading on (`2 * (y' * (x + c * ones)) * I`
                // is then a scalar times I).
                let sized_by_context = !(may_scale.0 && may_scale.1)
                    || self.open_constant(left_expr)
                    || self.open_constant(right_expr);
                if matches!(op, Operator::Add | Operator::Sub) && sized_by_context {
                    self.equal(left, right, "`+`/`-` (they need equal shapes)")?;
                    return Ok(left);
                }
                self.binary(*op, left, right, may_scale)
            }
            Expr::Call(function, args) => {
                let shapes = args
                    .iter()
                    .map(|a| self.shape(a))
                    .collect::<Result<Vec<_>, _>>()?;
                self.call(*function, &shapes)
            }
        }
    }

    fn binary(
        &mut self,
        op: Operator,
        left: Symbolic,
        right: Symbolic,
        may_scale: (bool, bool),
    ) -> Result<Symbolic, SizeError> {
        match op {
            Operator::Divide => {
                let scalar = self.scalar();
                self.equal(right, scalar, "`/` (the divisor must be a scalar)")?;
                Ok(left)
            }
            // r2: a scalar added to an array is added to every entry, so
            // `+`/`-` read like `.*`: equal shapes, or a 1×1 side that is
            // not sized by context (`A + I` never means `A + 1`).
            Operator::Add
            | Operator::Sub
            | Operator::Product
            | Operator::Hadamard
            | Operator::HadamardDivide
            | Operator::LeftDivide => {
                let out = self.fresh_shape();
                self.defer(match op {
                    Operator::Product => Choice::Product {
                        left,
                        right,
                        out,
                        may_scale,
                    },
                    Operator::LeftDivide => Choice::LeftDivide {
                        left,
                        right,
                        out,
                        may_scale,
                    },
                    _ => Choice::Elementwise {
                        left,
                        right,
                        out,
                        may_scale,
                    },
                })?;
                Ok(out)
            }
        }
    }

    fn call(&mut self, function: Function, args: &[Symbolic]) -> Result<Symbolic, SizeError> {
        let scalar = self.scalar();
        match function {
            Function::Inv => {
                self.square(args[0], "inv (it needs a square matrix)")?;
                Ok(args[0])
            }
            Function::Tr | Function::Det | Function::Logdet => {
                self.square(args[0], "tr/det/logdet (they need a square matrix)")?;
                Ok(scalar)
            }
            Function::Inner => {
                self.equal(args[0], args[1], "inner (it needs equal shapes)")?;
                Ok(scalar)
            }
            Function::Sum | Function::Norm | Function::Logsumexp | Function::Norm1 => Ok(scalar),
            Function::Elementwise(..) => Ok(args[0]),
            Function::Softmax => {
                if !self.sizes.unify(args[0].1, self.one) {
                    return Err(mismatch("softmax (it needs a column)"));
                }
                Ok(args[0])
            }
            Function::Solve => {
                self.square(args[0], "solve (it needs a square matrix)")?;
                if !self.sizes.unify(args[0].1, args[1].0) {
                    return Err(mismatch("solve"));
                }
                Ok(args[1])
            }
            Function::Diag | Function::Kron | Function::Vec => {
                let out = self.fresh_shape();
                self.defer(match function {
                    Function::Diag => Choice::Diag { arg: args[0], out },
                    Function::Kron => Choice::Kron {
                        left: args[0],
                        right: args[1],
                        out,
                    },
                    _ => Choice::Vectorize { arg: args[0], out },
                })?;
                Ok(out)
            }
        }
    }
}

/// An equality of a size with another size or with a number.
#[derive(Clone, Copy)]
enum Equation {
    Same(Var, Var),
    Is(Var, usize),
}

impl Choice {
    /// The reading, once the operands' sizes are all known: then at most
    /// one output shape fits, found without trying options on copies of the
    /// state (which is what keeps long printed lines fast). `Some(None)`
    /// when no reading fits.
    fn decide(&self, sizes: &Sizes) -> Option<Option<Vec<Equation>>> {
        use Equation::Is;
        let known = |s: Symbolic| Some((sizes.get(s.0)?, sizes.get(s.1)?));
        let is_scalar = |s: (usize, usize)| s == (1, 1);
        let output = |out: Symbolic, shape: (usize, usize)| {
            Some(Some(vec![Is(out.0, shape.0), Is(out.1, shape.1)]))
        };
        match *self {
            Choice::Product {
                left,
                right,
                out,
                may_scale,
            } => {
                let (l, r) = (known(left)?, known(right)?);
                if may_scale.0 && is_scalar(l) {
                    output(out, r)
                } else if may_scale.1 && is_scalar(r) {
                    output(out, l)
                } else if l.1 == r.0 {
                    output(out, (l.0, r.1))
                } else {
                    Some(None)
                }
            }
            Choice::Elementwise {
                left,
                right,
                out,
                may_scale,
            } => {
                let (l, r) = (known(left)?, known(right)?);
                if l == r || (may_scale.1 && is_scalar(r)) {
                    output(out, l)
                } else if may_scale.0 && is_scalar(l) {
                    output(out, r)
                } else {
                    Some(None)
                }
            }
            Choice::LeftDivide {
                left,
                right,
                out,
                may_scale,
            } => {
                let (l, r) = (known(left)?, known(right)?);
                let fits = (may_scale.0 && is_scalar(l)) || (l.0 == l.1 && l.1 == r.0);
                if fits {
                    output(out, r)
                } else {
                    Some(None)
                }
            }
            Choice::Diag { arg, out } => match known(arg)? {
                (rows, 1) => output(out, (rows, rows)),
                (rows, cols) if rows == cols => output(out, (rows, 1)),
                _ => Some(None),
            },
            Choice::Kron { left, right, out } => {
                let (l, r) = (known(left)?, known(right)?);
                output(out, (l.0 * r.0, l.1 * r.1))
            }
            Choice::Vectorize { arg, out } => {
                let a = known(arg)?;
                output(out, (a.0 * a.1, 1))
            }
        }
    }

    /// The readings, or `None` while a reading needs sizes not yet known.
    fn options(&self, sizes: &Sizes, one: Var) -> Option<Vec<Vec<Equation>>> {
        use Equation::{Is, Same};
        let same = |a: Symbolic, b: Symbolic| vec![Same(a.0, b.0), Same(a.1, b.1)];
        let with_scalar = |s: Symbolic, mut rest: Vec<Equation>| {
            rest.extend([Same(s.0, one), Same(s.1, one)]);
            rest
        };
        let scaled = |allowed: bool, s: Symbolic, rest: Vec<Equation>| {
            if allowed {
                vec![with_scalar(s, rest)]
            } else {
                vec![]
            }
        };
        Some(match *self {
            Choice::Product {
                left,
                right,
                out,
                may_scale,
            } => [
                scaled(may_scale.0, left, same(out, right)),
                scaled(may_scale.1, right, same(out, left)),
                vec![vec![
                    Same(left.1, right.0),
                    Same(out.0, left.0),
                    Same(out.1, right.1),
                ]],
            ]
            .concat(),
            Choice::Elementwise {
                left,
                right,
                out,
                may_scale,
            } => [
                vec![[same(left, right), same(out, left)].concat()],
                scaled(may_scale.0, left, same(out, right)),
                scaled(may_scale.1, right, same(out, left)),
            ]
            .concat(),
            Choice::LeftDivide {
                left,
                right,
                out,
                may_scale,
            } => [
                scaled(may_scale.0, left, same(out, right)),
                vec![vec![
                    Same(left.0, left.1),
                    Same(left.1, right.0),
                    Same(out.0, right.0),
                    Same(out.1, right.1),
                ]],
            ]
            .concat(),
            Choice::Diag { arg, out } => vec![
                vec![Same(arg.1, one), Same(out.0, arg.0), Same(out.1, arg.0)],
                vec![Same(arg.0, arg.1), Same(out.0, arg.0), Same(out.1, one)],
            ],
            Choice::Kron { left, right, out } => {
                let (a, b) = (
                    sizes.get(left.0)? * sizes.get(right.0)?,
                    sizes.get(left.1)? * sizes.get(right.1)?,
                );
                vec![vec![Is(out.0, a), Is(out.1, b)]]
            }
            Choice::Vectorize { arg, out } => {
                vec![vec![
                    Is(out.0, sizes.get(arg.0)? * sizes.get(arg.1)?),
                    Same(out.1, one),
                ]]
            }
        })
    }
}

fn apply(sizes: &Sizes, equations: &[Equation]) -> Option<Sizes> {
    let mut next = sizes.clone();
    for equation in equations {
        let fits = match *equation {
            Equation::Same(a, b) => next.unify(a, b),
            Equation::Is(a, k) => {
                let known = next.known(k);
                next.unify(a, known)
            }
        };
        if !fits {
            return None;
        }
    }
    Some(next)
}

/// Every complete reading, each with whether some choice stayed undecided.
fn search(
    mut sizes: Sizes,
    mut pending: Vec<&Choice>,
    one: Var,
    found: &mut Vec<(Sizes, bool)>,
    budget: &mut usize,
) {
    loop {
        if *budget == 0 || found.len() >= 8 {
            return;
        }
        // A round copies and scans every pending choice: it costs as many.
        *budget = budget.saturating_sub(pending.len() + 1);
        // Choices whose operands are known decide themselves, in place.
        let mut decided_any = false;
        let mut index = 0;
        while index < pending.len() {
            // The budget counts decisions tried, not rounds: a line with
            // thousands of products costs thousands a round.
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            match pending[index].decide(&sizes) {
                None => index += 1,
                Some(None) => return,
                Some(Some(equations)) => {
                    for equation in equations {
                        let fits = match equation {
                            Equation::Same(a, b) => sizes.unify(a, b),
                            Equation::Is(a, k) => {
                                let known = sizes.known(k);
                                sizes.unify(a, known)
                            }
                        };
                        if !fits {
                            return;
                        }
                    }
                    pending.remove(index);
                    decided_any = true;
                }
            }
        }
        if decided_any {
            continue;
        }
        let mut progressed = false;
        let mut branch = None;
        let mut index = 0;
        while index < pending.len() {
            let Some(options) = pending[index].options(&sizes, one) else {
                index += 1;
                continue;
            };
            let mut feasible: Vec<Sizes> = Vec::new();
            // Trying an option copies the state and compares it with the
            // others: it costs as many as there are sizes. Counting less
            // let a long line with many open sums run for minutes.
            *budget = budget.saturating_sub(options.len() * sizes.parent.len());
            if *budget == 0 {
                return;
            }
            for next in options.iter().filter_map(|o| apply(&sizes, o)) {
                if !feasible.iter().any(|f| f.canonical() == next.canonical()) {
                    feasible.push(next);
                }
            }
            match feasible.len() {
                0 => return,
                1 => {
                    sizes = feasible.pop().expect("one reading");
                    pending.remove(index);
                    progressed = true;
                }
                _ => {
                    branch.get_or_insert((index, feasible));
                    index += 1;
                }
            }
        }
        if progressed {
            continue;
        }
        match branch {
            None => {
                found.push((sizes, !pending.is_empty()));
                return;
            }
            Some((index, readings)) => {
                pending.remove(index);
                for reading in readings {
                    search(reading, pending.clone(), one, found, budget);
                }
                return;
            }
        }
    }
}

/// Why `infer` gives up when its search runs out of budget.
pub const TOO_MANY_READINGS: &str = "too many readings to tell which one is meant";

/// The size of each constant in `expr`, whose shape must be `expected`
/// when given, else must come out determined.
pub fn infer(
    expr: &Expr,
    scope: &Scope,
    expected: Option<Shape>,
) -> Result<ConstantSizes, SizeError> {
    let mut sizes = Sizes {
        parent: Vec::new(),
        value: Vec::new(),
    };
    let one = sizes.known(1);
    let mut builder = Builder {
        scope,
        sizes,
        one,
        choices: Vec::new(),
        constants: Vec::new(),
        seen: HashMap::new(),
    };
    let shape = builder.shape(expr)?;
    if let Some((rows, cols)) = expected {
        let known = (builder.sizes.known(rows), builder.sizes.known(cols));
        builder.equal(
            shape,
            known,
            "the whole line (its shape differs from its left-hand side's)",
        )?;
    }
    let mut found = Vec::new();
    let pending = builder.choices.iter().collect();
    let mut budget = 3_000_000;
    search(builder.sizes.clone(), pending, one, &mut found, &mut budget);
    if budget == 0 {
        return Err(SizeError::Open(TOO_MANY_READINGS.into()));
    }
    if found.is_empty() {
        return Err(mismatch(
            "a product or element-wise operation (no reading type-checks)",
        ));
    }
    let id_count = builder.constants.iter().map(|c| c.0 + 1).max().unwrap_or(0);
    let mut readings: Vec<ConstantSizes> = Vec::new();
    for (mut sizes, undecided) in found {
        if undecided {
            return Err(SizeError::Open("a kron/vec operand".into()));
        }
        // A bare `ones`' columns default to 1 only when no other constant's
        // size hangs on them: in `ones * ones` they are the second's rows.
        let other_sizes: Vec<Var> = builder
            .constants
            .iter()
            .flat_map(|&(_, kind, (rows, cols))| {
                if kind == ConstantKind::BareOnes {
                    vec![rows]
                } else {
                    vec![rows, cols]
                }
            })
            .collect();
        for &(_, kind, (_, cols)) in &builder.constants {
            let shared = other_sizes
                .iter()
                .any(|&v| sizes.root(v) == sizes.root(cols));
            if kind == ConstantKind::BareOnes && sizes.get(cols).is_none() && !shared {
                sizes.unify(cols, one);
            }
        }
        if expected.is_none() && (sizes.get(shape.0).is_none() || sizes.get(shape.1).is_none()) {
            return Err(SizeError::Open("the result's shape".into()));
        }
        let mut reading = vec![None; id_count];
        for &(_, kind, (rows, cols)) in &builder.constants {
            if kind != ConstantKind::Zero
                && (sizes.get(rows).is_none() || sizes.get(cols).is_none())
            {
                let name = if kind == ConstantKind::Identity {
                    "I"
                } else {
                    "ones"
                };
                return Err(SizeError::Open(format!("the size of an `{name}`")));
            }
        }
        for &(id, kind, (rows, cols)) in &builder.constants {
            if kind == ConstantKind::Zero {
                // A zero's size cannot change a value; pin it only so it evaluates.
                for var in [rows, cols] {
                    if sizes.get(var).is_none() {
                        sizes.unify(var, one);
                    }
                }
            }
            reading[id] = Some((
                sizes.get(rows).expect("pinned"),
                sizes.get(cols).expect("pinned"),
            ));
        }
        let key = |r: &ConstantSizes| -> ConstantSizes {
            let mut r = r.clone();
            for &(id, kind, _) in &builder.constants {
                if kind == ConstantKind::Zero {
                    r[id] = None;
                }
            }
            r
        };
        if !readings.iter().any(|r| key(r) == key(&reading)) {
            readings.push(reading);
        }
    }
    if readings.len() > 1 {
        return Err(SizeError::Ambiguous(readings));
    }
    Ok(readings.pop().expect("one reading"))
}
