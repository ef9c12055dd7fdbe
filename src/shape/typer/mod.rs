//! Dimension inference: union–find over dimension variables, with the
//! sizes of `I` and `ones` decided by their context.
//!
//! `*`, `.*`, `./` and `diag` mean different things for scalars and for
//! arrays, so where an operand's shape still hangs on a constant's size the
//! decision waits until the rest of the program has fixed what it can; an
//! operation that two sizes would both type-check is an open size, an error,
//! never a guess. The one convention is SPEC's: a bare `ones` whose columns
//! nothing fixes is a column. In a program a bare `I` or `ones` is never
//! 1×1 (that is the number 1); reading printed text ([`Typer::reading`]),
//! nothing rules 1×1 out, so a line is unambiguous even to a reader who
//! allows it.

use crate::ast::{BinOp, Dim, DimSpec, Expr, ExprKind, Shape, Span, Type};
use crate::error::{Error, Result};
use std::collections::HashMap;

mod calls;
mod products;
mod settle;

/// What a dimension variable is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    One,
    Named(String),
    Size(u64),
    /// The product of these variables' dimensions (`products.rs`).
    Product(Vec<usize>),
}

/// Union–find over dimension variables.
#[derive(Default)]
pub(super) struct Typer {
    parent: Vec<usize>,
    bound: Vec<Option<Bound>>,
    /// Dimensions of `ones` may turn out to be 1; a matrix's or `I`'s may not.
    may_be_one: Vec<bool>,
    /// Dimensions of constants and deferred results: open until fixed.
    constant: Vec<bool>,
    label: Vec<String>,
    named: HashMap<String, usize>,
    /// Shapes of bare constants, which are never 1×1.
    never_scalar: Vec<Dims>,
    /// Operations whose meaning waits on a constant's size.
    deferred: Vec<Deferred>,
    /// Reading printed text: a bare `I` or `ones` may be 1×1 as far as a
    /// reader knows, so every size that leaves open is an ambiguity.
    bare_may_be_one: bool,
}

pub(super) type Dims = (usize, usize);

/// An `I` or `ones` whose size inference decides (or that its text gives).
#[derive(Clone, Copy)]
pub(super) struct Slot {
    pub(super) dims: Dims,
    span: Span,
    ones: bool,
    /// Written with its size, `I(n)` or `ones(m, n)`.
    given: bool,
    /// Not written at all: the `ones` a scalar added to an array stands
    /// for (`1 + x` is `1 * ones + x`), with the side the scalar is on.
    pub(super) broadcast: Option<Side>,
}

/// The operand of a binary operation that a slot belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Left,
    Right,
}

/// The `I` and `ones` nodes of one expression, in visiting order.
pub(super) type Slots = Vec<Slot>;

/// An operation that means one thing for a scalar operand and another for
/// an array, decided once the operands' shapes are known.
#[derive(Clone, Debug)]
struct Deferred {
    op: Op,
    a: Dims,
    b: Dims,
    result: Dims,
    at: Span,
    left: String,
    right: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Product,
    Elementwise,
    Diag,
}

/// One reading of a deferred operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// The left operand (or `diag`'s argument) is a scalar.
    LeftScalar,
    /// The right operand is a scalar.
    RightScalar,
    /// Both are arrays: a matrix product, or equal shapes element-wise.
    Arrays,
    /// `diag` of a column vector.
    Column,
    /// `diag` of a row vector.
    Row,
    /// `diag` of a square matrix.
    Square,
}

impl Typer {
    /// A typer for reading printed text, where nothing says a bare `I` or
    /// `ones` is not 1×1.
    pub(super) fn reading() -> Typer {
        Typer {
            bare_may_be_one: true,
            ..Typer::default()
        }
    }

    fn fresh(&mut self, label: String, may_be_one: bool) -> usize {
        self.parent.push(self.parent.len());
        self.bound.push(None);
        self.may_be_one.push(may_be_one);
        self.constant.push(false);
        self.label.push(label);
        self.parent.len() - 1
    }

    /// A dimension of a constant or of a deferred result.
    fn open(&mut self, label: &str, may_be_one: bool) -> usize {
        let id = self.fresh(label.to_string(), may_be_one);
        self.constant[id] = true;
        id
    }

    fn bound_var(&mut self, bound: Bound) -> usize {
        let id = self.fresh(String::new(), false);
        self.bound[id] = Some(bound);
        id
    }

    fn one(&mut self) -> usize {
        self.bound_var(Bound::One)
    }

    fn scalar(&mut self) -> Dims {
        (self.one(), self.one())
    }

    fn find(&mut self, id: usize) -> usize {
        let mut root = id;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        let mut node = id;
        while self.parent[node] != root {
            let next = self.parent[node];
            self.parent[node] = root;
            node = next;
        }
        root
    }

    pub(super) fn unify(&mut self, a: usize, b: usize) -> std::result::Result<(), ()> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        if self.is_product_root(ra) || self.is_product_root(rb) {
            match self.product_match(ra, rb) {
                None => return Err(()),
                Some(products::Match::Binding(free, rest)) if free != ra && free != rb => {
                    if !self.bind_free(free, &rest) {
                        return Err(());
                    }
                    return self.unify(ra, rb);
                }
                Some(_) => {}
            }
        } else if !self.can_unify(ra, rb) {
            return Err(());
        }
        let bound = match (self.bound[ra].clone(), self.bound[rb].clone()) {
            // Equal to a product, a plain dimension is the simpler bound.
            (Some(Bound::Product(_)), Some(x)) | (Some(x), _) | (None, Some(x)) => Some(x),
            (None, None) => None,
        };
        let may_be_one = self.may_be_one[ra] && self.may_be_one[rb];
        let constant = self.constant[ra] && self.constant[rb];
        // The root keeps its label in messages: prefer a matrix's dimension
        // to a constant's, and the earlier of two.
        let (root, child) = if self.constant[ra] != self.constant[rb] {
            if self.constant[ra] {
                (rb, ra)
            } else {
                (ra, rb)
            }
        } else if rb < ra {
            (rb, ra)
        } else {
            (ra, rb)
        };
        self.parent[child] = root;
        self.bound[root] = bound;
        self.may_be_one[root] = may_be_one;
        self.constant[root] = constant;
        self.propagate_never_scalar();
        Ok(())
    }

    /// A bare `ones` with one dimension 1 has the other not 1.
    fn propagate_never_scalar(&mut self) {
        for index in 0..self.never_scalar.len() {
            let (p, q) = self.never_scalar[index];
            let (rp, rq) = (self.find(p), self.find(q));
            for (one, other) in [(rp, rq), (rq, rp)] {
                if self.bound[one] == Some(Bound::One) && self.bound[other].is_none() {
                    self.may_be_one[other] = false;
                }
            }
        }
    }

    /// Whether `a` and `b` could be unified, without unifying them.
    fn can_unify(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        if self.is_product_root(ra) || self.is_product_root(rb) {
            return self.product_match(ra, rb).is_some();
        }
        match (&self.bound[ra], &self.bound[rb]) {
            (Some(x), Some(y)) => x == y,
            (Some(Bound::One), None) => self.may_be_one[rb],
            (None, Some(Bound::One)) => self.may_be_one[ra],
            _ => true,
        }
    }

    pub(super) fn unify_shapes(&mut self, a: Dims, b: Dims) -> std::result::Result<(), ()> {
        self.unify(a.0, b.0)?;
        self.unify(a.1, b.1)
    }

    fn can_unify_shapes(&mut self, a: Dims, b: Dims) -> bool {
        self.can_unify(a.0, b.0) && self.can_unify(a.1, b.1)
    }

    fn is_one(&mut self, id: usize) -> bool {
        let root = self.find(id);
        self.bound[root] == Some(Bound::One)
    }

    fn can_be_one(&mut self, id: usize) -> bool {
        let root = self.find(id);
        match &self.bound[root] {
            Some(bound) => *bound == Bound::One,
            None => self.may_be_one[root],
        }
    }

    fn cannot_be_one(&mut self, id: usize) -> bool {
        !self.can_be_one(id)
    }

    /// Whether these dimensions are a bare constant's, which is never 1×1.
    fn is_never_scalar(&mut self, dims: Dims) -> bool {
        let (r0, r1) = (self.find(dims.0), self.find(dims.1));
        let pairs = self.never_scalar.clone();
        pairs.into_iter().any(|(a, b)| {
            let (a, b) = (self.find(a), self.find(b));
            (a, b) == (r0, r1) || (b, a) == (r0, r1)
        })
    }

    /// `Some(true)` for a scalar, `Some(false)` for what cannot be one, `None`
    /// while a constant's size leaves it open.
    fn scalar_status(&mut self, dims: Dims) -> Option<bool> {
        if self.is_one(dims.0) && self.is_one(dims.1) {
            Some(true)
        } else if self.cannot_be_one(dims.0)
            || self.cannot_be_one(dims.1)
            || self.is_never_scalar(dims)
        {
            Some(false)
        } else {
            None
        }
    }

    fn is_scalar(&mut self, dims: Dims) -> bool {
        self.scalar_status(dims) == Some(true)
    }

    fn can_be_scalar(&mut self, dims: Dims) -> bool {
        self.can_be_one(dims.0) && self.can_be_one(dims.1) && !self.is_never_scalar(dims)
    }

    fn resolve(&mut self, id: usize) -> Dim {
        let root = self.find(id);
        match &self.bound[root] {
            Some(Bound::One) => Dim::One,
            Some(Bound::Named(n)) => Dim::Named(n.as_str().into()),
            Some(Bound::Size(k)) => Dim::Size(*k),
            Some(Bound::Product(_)) => self.resolve_product(root),
            None => Dim::Named(self.label[root].as_str().into()),
        }
    }

    pub(super) fn resolve_shape(&mut self, dims: Dims) -> Shape {
        Shape::new(self.resolve(dims.0), self.resolve(dims.1))
    }

    pub(super) fn describe(&mut self, dims: Dims) -> String {
        self.resolve_shape(dims).describe()
    }

    fn dim_spec(&mut self, spec: &DimSpec) -> Result<usize> {
        Ok(match spec {
            DimSpec::Size(1, _) => self.one(),
            DimSpec::Size(k, _) => self.known(&Dim::Size(*k)),
            DimSpec::Name(name, _) => self.known(&Dim::Named(name.as_str().into())),
        })
    }

    /// A variable fixed to an already resolved dimension.
    pub(super) fn known(&mut self, dim: &Dim) -> usize {
        match dim {
            Dim::One => self.one(),
            Dim::Size(k) => self.bound_var(Bound::Size(*k)),
            Dim::Named(name) => match self.named.get(&**name) {
                Some(&id) => id,
                None => {
                    let id = self.bound_var(Bound::Named(name.to_string()));
                    self.label[id] = name.to_string();
                    self.named.insert(name.to_string(), id);
                    id
                }
            },
            Dim::Product(_) => {
                let (size, names) = dim.factors();
                let mut ids: Vec<usize> = names
                    .into_iter()
                    .map(|name| self.known(&Dim::Named(name)))
                    .collect();
                ids.push(self.known(&Dim::from_factors(size, Vec::new())));
                self.product(&ids)
            }
        }
    }

    /// A size as written in `I(…)`, `ones(…)`, `rows(X)`: a number, a
    /// dimension the typer knows by name (declared, or an inferred one such
    /// as `cols(A)`), or a variable's rows or columns.
    fn written_size(
        &mut self,
        dim: &Dim,
        names: &HashMap<String, Dims>,
        at: Span,
    ) -> Result<usize> {
        if dim.is_product() {
            // `I(m*n)`, `ones(rows(A)*cols(B))`: each factor as written alone.
            let (size, factors) = dim.factors();
            let mut ids = vec![self.known(&Dim::from_factors(size, Vec::new()))];
            for factor in factors {
                ids.push(self.written_size(&Dim::Named(factor), names, at)?);
            }
            return Ok(self.product(&ids));
        }
        let Dim::Named(text) = dim else {
            return Ok(self.known(dim));
        };
        let of_variable = text
            .strip_suffix(')')
            .and_then(|t| t.split_once('('))
            .filter(|(word, _)| matches!(*word, "rows" | "cols" | "len" | "size"));
        if let Some((word, var)) = of_variable {
            if let Some(&dims) = names.get(var) {
                return Ok(if word == "cols" { dims.1 } else { dims.0 });
            }
            if let Some(&id) = self.named.get(&**text) {
                return Ok(id);
            }
            return Err(Error::input(
                format!("`{var}` in `{word}({var})` is not a variable of the program"),
                at,
            ));
        }
        match self.named.get(&**text) {
            Some(&id) => Ok(id),
            None => Err(Error::input(format!("`{text}` is not a dimension of the program"), at)
                .with_help("a size is a positive integer, a dimension named in a declaration (`A: matrix(n, m)`), `rows(X)` or `cols(X)`")),
        }
    }

    pub(super) fn declared_shape(&mut self, ty: &Type, name: &str) -> Result<Dims> {
        Ok(match ty {
            Type::Scalar => self.scalar(),
            Type::Vector(Some(d)) => (self.dim_spec(d)?, self.one()),
            Type::Vector(None) => (self.fresh(format!("len({name})"), false), self.one()),
            Type::Matrix(Some((r, c))) => (self.dim_spec(r)?, self.dim_spec(c)?),
            Type::Matrix(None) => (
                self.fresh(format!("rows({name})"), false),
                self.fresh(format!("cols({name})"), false),
            ),
            Type::Symmetric(Some(d)) => {
                let d = self.dim_spec(d)?;
                (d, d)
            }
            Type::Symmetric(None) => {
                let d = self.fresh(format!("size({name})"), false);
                (d, d)
            }
        })
    }

    /// The type a name's spelling gives it (SPEC §1).
    pub(super) fn spelled_shape(&mut self, name: &str) -> Dims {
        if super::is_greek_name(name) {
            self.scalar()
        } else if name.chars().next().is_some_and(char::is_uppercase) {
            (
                self.fresh(format!("rows({name})"), false),
                self.fresh(format!("cols({name})"), false),
            )
        } else {
            (self.fresh(format!("len({name})"), false), self.one())
        }
    }

    pub(super) fn infer(
        &mut self,
        expr: &Expr,
        names: &HashMap<String, Dims>,
        slots: &mut Slots,
    ) -> Result<Dims> {
        match &expr.kind {
            ExprKind::Num(_) => Ok(self.scalar()),
            ExprKind::Var(name) => Ok(names[&name.base]),
            ExprKind::Identity(size) => {
                // A bare `I` is never 1×1, so its dimension is never 1.
                let (d, given) = match size {
                    Some(dim) => (self.written_size(dim, names, expr.span)?, true),
                    None => (self.open("size(I)", self.bare_may_be_one), false),
                };
                slots.push(Slot {
                    dims: (d, d),
                    span: expr.span,
                    ones: false,
                    given,
                    broadcast: None,
                });
                Ok((d, d))
            }
            ExprKind::Ones(shape) => {
                let (dims, given) = match shape {
                    Some(s) => {
                        let rows = self.written_size(&s.rows, names, expr.span)?;
                        let cols = self.written_size(&s.cols, names, expr.span)?;
                        ((rows, cols), true)
                    }
                    None => {
                        let rows = self.open("rows(ones)", true);
                        let cols = self.open("cols(ones)", true);
                        ((rows, cols), false)
                    }
                };
                if !given && !self.bare_may_be_one {
                    self.never_scalar.push(dims);
                }
                slots.push(Slot {
                    dims,
                    span: expr.span,
                    ones: true,
                    given,
                    broadcast: None,
                });
                Ok(dims)
            }
            ExprKind::Neg(a) | ExprKind::ElemPower(a, _) => self.infer(a, names, slots),
            ExprKind::Transpose(a) => {
                let (r, c) = self.infer(a, names, slots)?;
                Ok((c, r))
            }
            ExprKind::Power(a, k) => {
                let dims = self.infer(a, names, slots)?;
                let vector = self.scalar_status(dims) == Some(false)
                    && (self.is_one(dims.0) || self.is_one(dims.1));
                self.require_square(dims, a, "a matrix power")
                    .map_err(|err| {
                        if vector {
                            // NumPy's and MATLAB's habit: `x^2` for the squares.
                            let norm = if *k == 2 {
                                format!("; for the squared norm, `{a}' * {a}`")
                            } else {
                                String::new()
                            };
                            err.with_help(format!(
                                "for the entry-wise power write `{a} .^ {k}`{norm}"
                            ))
                        } else {
                            err
                        }
                    })?;
                Ok(dims)
            }
            ExprKind::Binary(op, a, b) => {
                let da = self.infer(a, names, slots)?;
                let db = self.infer(b, names, slots)?;
                self.binary(*op, expr, (a, da), (b, db), slots)
            }
            ExprKind::Call(func, args) => {
                let dims = args
                    .iter()
                    .map(|a| self.infer(a, names, slots))
                    .collect::<Result<Vec<_>>>()?;
                self.call(*func, expr, args, &dims)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        expr: &Expr,
        (a, da): (&Expr, Dims),
        (b, db): (&Expr, Dims),
        slots: &mut Slots,
    ) -> Result<Dims> {
        // Described before unifying: a half-finished unification must not
        // show in the message.
        let (left, right) = (self.describe(da), self.describe(db));
        let mismatch = |what: &str| {
            Error::input(
                format!("{what}: the left side `{a}` is {left}, the right side `{b}` is {right}"),
                expr.at,
            )
        };
        match op {
            BinOp::Add | BinOp::Sub => {
                if b.is_zero() {
                    return Ok(da);
                }
                if a.is_zero() {
                    return Ok(db);
                }
                let word = if op == BinOp::Add { "add" } else { "subtract" };
                let (sa, sb) = (self.scalar_status(da), self.scalar_status(db));
                // Reading printed text, a scalar added to an operand whose
                // shape is still open has two readings: the same shape, or
                // broadcast over a larger one; the line must write its sizes.
                if self.bare_may_be_one
                    && matches!((sa, sb), (Some(true), None) | (None, Some(true)))
                {
                    return Err(mismatch(&format!(
                        "cannot tell whether this {word}s a scalar to every entry"
                    )));
                }
                if let (Some(x), Some(y)) = (sa, sb) {
                    if x != y {
                        // A scalar added to an array is added to every entry,
                        // as in MATLAB and NumPy: it stands for s * ones.
                        let (side, dims) = if x {
                            (Side::Left, db)
                        } else {
                            (Side::Right, da)
                        };
                        slots.push(Slot {
                            dims,
                            span: expr.at,
                            ones: true,
                            given: true,
                            broadcast: Some(side),
                        });
                        return Ok(dims);
                    }
                }
                if self.unify_shapes(da, db).is_err() {
                    return Err(mismatch(&format!(
                        "cannot {word} values of different shapes"
                    )));
                }
                Ok(da)
            }
            BinOp::Mul => self.decide(Op::Product, da, db, None, expr.at, a, b),
            BinOp::Div => {
                let one = self.scalar();
                if self.scalar_status(db) == Some(false) || self.unify_shapes(db, one).is_err() {
                    let err = mismatch("can only divide by a scalar");
                    return Err(err.with_help("to multiply by an inverse write `A * inv(B)`"));
                }
                if b.is_zero() {
                    return Err(Error::input("division by zero", expr.at));
                }
                Ok(da)
            }
            BinOp::EMul | BinOp::EDiv => {
                if op == BinOp::EDiv && b.is_zero() {
                    return Err(Error::input("division by zero", expr.at));
                }
                self.decide(Op::Elementwise, da, db, None, expr.at, a, b)
            }
            BinOp::Pow | BinOp::EPow => {
                let one = self.scalar();
                if self.scalar_status(db) == Some(false) || self.unify_shapes(db, one).is_err() {
                    return Err(Error::input(
                        format!("an exponent must be a scalar, but `{b}` is {right}"),
                        b.span,
                    )
                    .with_help("for entry-wise powers by an array write `exp(log(A) .* B)`"));
                }
                if op == BinOp::EPow {
                    return Ok(da);
                }
                if self.scalar_status(da) == Some(false) || self.unify_shapes(da, one).is_err() {
                    return Err(Error::input(
                        format!(
                            "`^` on a matrix takes an integer exponent, but `{a}` is {left} and the exponent is `{b}`"
                        ),
                        expr.at,
                    )
                    .with_help(
                        "for an entry-wise power write `.^`, as in `A .^ (1/2)`; a scalar's power takes any exponent",
                    ));
                }
                Ok(one)
            }
        }
    }

    /// The readings of `op` still possible for these shapes.
    fn readings(&mut self, op: Op, a: Dims, b: Dims, result: Dims) -> Vec<Reading> {
        let mut out = Vec::new();
        match op {
            Op::Product | Op::Elementwise => {
                if self.can_be_scalar(a) && self.can_unify_shapes(result, b) {
                    out.push(Reading::LeftScalar);
                }
                if self.can_be_scalar(b) && self.can_unify_shapes(result, a) {
                    out.push(Reading::RightScalar);
                }
                let arrays = self.scalar_status(a) != Some(true)
                    && self.scalar_status(b) != Some(true)
                    && if op == Op::Product {
                        self.can_unify(a.1, b.0)
                            && self.can_unify(result.0, a.0)
                            && self.can_unify(result.1, b.1)
                    } else {
                        self.can_unify_shapes(a, b) && self.can_unify_shapes(result, a)
                    };
                if arrays {
                    out.push(Reading::Arrays);
                }
            }
            Op::Diag => {
                if self.can_be_scalar(a) && self.can_be_one(result.0) && self.can_be_one(result.1) {
                    out.push(Reading::LeftScalar);
                }
                let (rows_one, cols_one) = (self.can_be_one(a.0), self.can_be_one(a.1));
                let (rows_many, cols_many) = (!self.is_one(a.0), !self.is_one(a.1));
                if cols_one
                    && rows_many
                    && self.can_unify(result.0, a.0)
                    && self.can_unify(result.1, a.0)
                {
                    out.push(Reading::Column);
                }
                if rows_one
                    && cols_many
                    && self.can_unify(result.0, a.1)
                    && self.can_unify(result.1, a.1)
                {
                    out.push(Reading::Row);
                }
                if rows_many
                    && cols_many
                    && self.can_unify(a.0, a.1)
                    && self.can_unify(result.0, a.0)
                    && self.can_be_one(result.1)
                {
                    out.push(Reading::Square);
                }
            }
        }
        out
    }

    /// Commits to one reading: the operands' and result's dimensions unified.
    fn commit(
        &mut self,
        reading: Reading,
        a: Dims,
        b: Dims,
        result: Dims,
    ) -> std::result::Result<(), ()> {
        match reading {
            Reading::LeftScalar => {
                let one = self.scalar();
                self.unify_shapes(a, one)?;
                if b == a {
                    self.unify_shapes(result, one)
                } else {
                    self.unify_shapes(result, b)
                }
            }
            Reading::RightScalar => {
                let one = self.scalar();
                self.unify_shapes(b, one)?;
                self.unify_shapes(result, a)
            }
            Reading::Arrays => Err(()),
            Reading::Column => {
                let one = self.one();
                self.unify(a.1, one)?;
                self.unify_shapes(result, (a.0, a.0))
            }
            Reading::Row => {
                let one = self.one();
                self.unify(a.0, one)?;
                self.unify_shapes(result, (a.1, a.1))
            }
            Reading::Square => {
                let one = self.one();
                self.unify(a.0, a.1)?;
                self.unify_shapes(result, (a.0, one))
            }
        }
    }

    /// Types an operation whose meaning depends on which operands are
    /// scalars: decided now when the shapes tell, else deferred. `result`
    /// is the deferred result's dimensions when re-deciding.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        op: Op,
        da: Dims,
        db: Dims,
        result: Option<Dims>,
        at: Span,
        a: &dyn std::fmt::Display,
        b: &dyn std::fmt::Display,
    ) -> Result<Dims> {
        let result = match result {
            Some(r) => r,
            None => (self.open("rows(…)", true), self.open("cols(…)", true)),
        };
        let mut readings = self.readings(op, da, db, result);
        // A scalar operand decides, whatever the other is.
        let (sa, sb) = (self.scalar_status(da), self.scalar_status(db));
        if sa == Some(true) || (op == Op::Diag && sa == Some(false)) {
            readings.retain(|r| *r != Reading::RightScalar);
        }
        if sa == Some(true) && op != Op::Diag {
            readings = vec![Reading::LeftScalar];
        } else if sb == Some(true) && op != Op::Diag {
            readings = vec![Reading::RightScalar];
        }
        match readings[..] {
            [] => Err(self.mismatch(op, da, db, at, a, b)),
            [reading] => {
                let outcome = match (op, reading) {
                    (Op::Product, Reading::Arrays) => self
                        .unify(da.1, db.0)
                        .and_then(|_| self.unify_shapes(result, (da.0, db.1))),
                    (Op::Elementwise, Reading::Arrays) => self
                        .unify_shapes(da, db)
                        .and_then(|_| self.unify_shapes(result, da)),
                    _ => self.commit(reading, da, db, result),
                };
                outcome.map_err(|_| self.mismatch(op, da, db, at, a, b))?;
                Ok(result)
            }
            _ => {
                self.deferred.push(Deferred {
                    op,
                    a: da,
                    b: db,
                    result,
                    at,
                    left: a.to_string(),
                    right: b.to_string(),
                });
                Ok(result)
            }
        }
    }

    fn mismatch(
        &mut self,
        op: Op,
        da: Dims,
        db: Dims,
        at: Span,
        a: &dyn std::fmt::Display,
        b: &dyn std::fmt::Display,
    ) -> Error {
        let (left, right) = (self.describe(da), self.describe(db));
        match op {
            Op::Product => {
                let help = self.distinct_dims_help(da.1, db.0).unwrap_or_else(|| {
                    "the columns of the left side must match the rows of the right side".to_string()
                });
                Error::input(
                    format!("cannot multiply: the left side `{a}` is {left}, the right side `{b}` is {right}"),
                    at,
                )
                .with_help(help)
            }
            Op::Elementwise => Error::input(
                format!("element-wise operands must have the same shape: the left side `{a}` is {left}, the right side `{b}` is {right}"),
                at,
            ),
            Op::Diag => Error::input(
                format!("`diag` needs a vector or a square matrix, but `{a}` is {left}"),
                at,
            ),
        }
    }

    /// Decides the deferred operations that the shapes now decide, until
    /// none changes.
    fn resolve_deferred(&mut self) -> Result<()> {
        loop {
            let pending = std::mem::take(&mut self.deferred);
            let before = pending.len();
            for d in pending {
                let (left, right) = (d.left.clone(), d.right.clone());
                self.decide(d.op, d.a, d.b, Some(d.result), d.at, &left, &right)?;
            }
            if self.deferred.len() == before {
                return Ok(());
            }
        }
    }

    /// The hint for two distinct declared dimensions meeting, or a product
    /// of dimensions (`m*n` of `vec(A)`) meeting another dimension.
    fn distinct_dims_help(&mut self, a: usize, b: usize) -> Option<String> {
        let (ra, rb) = (self.find(a), self.find(b));
        if self.is_product_root(ra) || self.is_product_root(rb) {
            let (x, y) = (self.resolve(ra), self.resolve(rb));
            return Some(format!(
                "`{x}` and `{y}` are distinct dimensions: a product of sizes such as `m*n` matches only the same product"
            ));
        }
        let declared = |typer: &mut Typer, root: usize| match &typer.bound[root] {
            Some(Bound::Named(n)) => Some(n.clone()),
            _ => None,
        };
        let (x, y) = (declared(self, ra)?, declared(self, rb)?);
        Some(format!(
            "`{x}` and `{y}` are distinct declared dimensions, which never match"
        ))
    }

    fn require_square(&mut self, dims: Dims, arg: &Expr, what: &str) -> Result<()> {
        if self.unify(dims.0, dims.1).is_err() {
            return Err(Error::input(
                format!(
                    "{what} needs a square matrix, but `{arg}` is {}",
                    self.describe(dims)
                ),
                arg.span,
            ));
        }
        Ok(())
    }
}
