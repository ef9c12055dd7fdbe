//! Names, types and shapes: turns a parsed [`Program`] into a [`Model`] —
//! its inputs, its assignments in order, its output, and the shape of every
//! name — by unifying dimensions across the whole program.
//!
//! After analysis every `I` and `ones` carries its size, so later stages
//! compute shapes locally with [`Env::shape`], without unification.

use crate::ast::{
    BinOp, Dim, DimSpec, Expr, ExprKind, Func, Name, Program, Shape, Span, Stmt, Type,
};
use crate::error::{Error, Result};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What is known of a variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarInfo {
    /// Its shape.
    pub shape: Shape,
    /// Declared `symmetric`.
    pub symmetric: bool,
}

/// The shapes of the names in scope, for computing shapes of any
/// expression over them (its `I` and `ones` sized).
///
/// ```
/// let model = matdiff::shape::analyze_source("A: matrix(n, m); y = A * x").unwrap();
/// let e = matdiff::parse::parse_expr("A'").unwrap();
/// assert_eq!(model.env.shape(&e).to_string(), "m×n");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, VarInfo>,
}

impl Env {
    /// The variable called `base` (marks share the base's shape).
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("alpha * x").unwrap();
    /// assert!(model.env.var("alpha").unwrap().shape.is_scalar());
    /// ```
    pub fn var(&self, base: &str) -> Option<&VarInfo> {
        self.vars.get(base)
    }

    /// The shape of a name.
    ///
    /// ```
    /// use matdiff::ast::Name;
    /// let model = matdiff::shape::analyze_source("x' * x").unwrap();
    /// assert!(model.env.name_shape(&Name::plain("x").dot()).cols == matdiff::ast::Dim::One);
    /// ```
    pub fn name_shape(&self, name: &Name) -> Shape {
        self.vars
            .get(&name.base)
            .map_or_else(Shape::scalar, |v| v.shape.clone())
    }

    /// True when the name is a declared symmetric matrix (or a mark of one).
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("S: symmetric(n); tr(S)").unwrap();
    /// assert!(model.env.is_symmetric(&matdiff::ast::Name::plain("S")));
    /// ```
    pub fn is_symmetric(&self, name: &Name) -> bool {
        self.vars.get(&name.base).is_some_and(|v| v.symmetric)
    }

    /// The same names with `names` no longer known to be symmetric. An
    /// intermediate proved symmetric has a symmetric tangent, but the
    /// adjoint that later statements send back to it need not be: reverse
    /// mode differentiates each statement with its tangents unconstrained.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("S: symmetric(n); K = inv(S); L = K'").unwrap();
    /// let k = matdiff::ast::Name::plain("K");
    /// assert!(model.env.is_symmetric(&k));
    /// assert!(!model.env.without_symmetry(&["K"]).is_symmetric(&k));
    /// ```
    pub fn without_symmetry(&self, names: &[&str]) -> Env {
        let mut env = self.clone();
        for name in names {
            if let Some(info) = env.vars.get_mut(*name) {
                info.symmetric = false;
            }
        }
        env
    }

    /// The shape of an analysed or derived expression, computed bottom-up.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("y = A * x").unwrap();
    /// let e = matdiff::parse::parse_expr("x' * A' * A * x").unwrap();
    /// assert!(model.env.shape(&e).is_scalar());
    /// ```
    pub fn shape(&self, expr: &Expr) -> Shape {
        match &expr.kind {
            ExprKind::Num(_) => Shape::scalar(),
            ExprKind::Var(name) => self.name_shape(name),
            ExprKind::Identity(dim) => {
                let dim = dim.clone().unwrap_or(Dim::One);
                Shape::new(dim.clone(), dim)
            }
            ExprKind::Ones(shape) => shape.clone().unwrap_or_else(Shape::scalar),
            ExprKind::Neg(a) | ExprKind::Power(a, _) | ExprKind::ElemPower(a, _) => self.shape(a),
            ExprKind::Transpose(a) => self.shape(a).transposed(),
            // Only the operand that decides the shape is looked into: this
            // is called at every node of long sums and products.
            ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) if a.is_zero() => self.shape(b),
            ExprKind::Binary(BinOp::Mul, a, b) => {
                let sa = self.shape(a);
                if sa.is_scalar() {
                    return self.shape(b);
                }
                let sb = self.shape(b);
                if sb.is_scalar() {
                    sa
                } else {
                    Shape::new(sa.rows, sb.cols)
                }
            }
            ExprKind::Binary(_, a, b) => {
                let sa = self.shape(a);
                if sa.is_scalar() {
                    self.shape(b)
                } else {
                    sa
                }
            }
            ExprKind::Call(func, args) => {
                let s = args
                    .first()
                    .map(|a| self.shape(a))
                    .unwrap_or_else(Shape::scalar);
                match func {
                    Func::Inv => s,
                    Func::Diag if s.is_scalar() => s,
                    Func::Diag if s.cols == Dim::One => Shape::new(s.rows.clone(), s.rows),
                    Func::Diag if s.rows == Dim::One => Shape::new(s.cols.clone(), s.cols),
                    Func::Diag => Shape::new(s.rows, Dim::One),
                    f if f.is_elementwise() => s,
                    _ => Shape::scalar(),
                }
            }
        }
    }
}

/// An assignment of the program, its expression analysed.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// The assigned name (`f` for a bare output expression).
    pub name: String,
    /// Its definition, with `I` and `ones` sized.
    pub expr: Expr,
    /// Where the name (or the bare expression) is written.
    pub span: Span,
}

/// An analysed program.
#[derive(Clone, Debug)]
pub struct Model {
    /// Names used but never assigned, in order of first use.
    pub inputs: Vec<Name>,
    /// The assignments in program order; the last is the output.
    pub bindings: Vec<Binding>,
    /// Shapes of every name.
    pub env: Env,
    /// Every distinct dimension other than 1, in order of appearance.
    pub dims: Vec<Dim>,
    /// True when the output is a bare expression, named `f` by matdiff
    /// rather than by the user.
    pub bare_output: bool,
}

impl Model {
    /// The output binding.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("B = A'; C = B * A").unwrap();
    /// assert_eq!(model.output().name, "C");
    /// ```
    pub fn output(&self) -> &Binding {
        self.bindings.last().expect("a model has an output")
    }

    /// The binding of an intermediate or output name.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("B = A'; C = B * A").unwrap();
    /// assert!(model.binding("B").is_some());
    /// ```
    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.name == name)
    }

    /// True for a name the program assigns.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
    /// assert!(model.is_assigned("C") && !model.is_assigned("A"));
    /// ```
    pub fn is_assigned(&self, base: &str) -> bool {
        self.binding(base).is_some()
    }

    /// Checks an expression over this program's names (inputs,
    /// intermediates and their `dot`/`bar` marks) and sizes its `I` and
    /// `ones`, so that it can be evaluated or tidied. `expected` is the shape
    /// it must have, when known (the left side of `bar(A) = bar(s) * I`).
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("y = A * x").unwrap();
    /// let e = matdiff::parse::parse_expr("A' * A + I").unwrap();
    /// let sized = model.elaborate(&e, None).unwrap();
    /// assert_eq!(model.env.shape(&sized).to_string(), "cols(A)×cols(A)");
    /// assert!(model.elaborate(&matdiff::parse::parse_expr("A + x").unwrap(), None).is_err());
    /// let a = model.env.var("A").unwrap().shape.clone();
    /// let id = matdiff::parse::parse_expr("2 * I").unwrap();
    /// assert!(model.elaborate(&id, None).is_err());
    /// assert!(model.elaborate(&matdiff::parse::parse_expr("A' * A").unwrap(), Some(&a)).is_err());
    /// ```
    pub fn elaborate(&self, expr: &Expr, expected: Option<&Shape>) -> Result<Expr> {
        let mut typer = Typer::default();
        let mut names = HashMap::new();
        for name in expr.names() {
            let Some(info) = self.env.var(&name.base) else {
                let span = first_use_of(expr, &|b| b == name.base).map_or(expr.span, |(_, s)| s);
                return Err(Error::input(
                    format!("`{}` is not a name of the program", name.base),
                    span,
                ));
            };
            let dims = (typer.known(&info.shape.rows), typer.known(&info.shape.cols));
            names.insert(name.base.clone(), dims);
        }
        let mut slots = Vec::new();
        let dims = typer.infer(expr, &names, &mut slots)?;
        if let Some(shape) = expected {
            let want = (typer.known(&shape.rows), typer.known(&shape.cols));
            if typer.unify_shapes(dims, want).is_err() {
                return Err(Error::input(
                    format!(
                        "`{expr}` is {}, but {} is expected here",
                        typer.describe(dims),
                        shape.describe()
                    ),
                    expr.span,
                ));
            }
        }
        typer.settle(&slots)?;
        Ok(typer.fill_sizes(expr, &mut slots.into_iter()))
    }
}

/// Parses and analyses a program.
///
/// ```
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// assert_eq!(model.inputs[0].to_string(), "A");
/// ```
pub fn analyze_source(source: &str) -> Result<Model> {
    analyze(&crate::parse::parse_program(source)?)
}

/// Analyses a parsed program: scoping rules, types, shapes.
///
/// ```
/// let program = matdiff::parse::parse_program("A: matrix(n, m); inv(A)").unwrap();
/// let err = matdiff::shape::analyze(&program).unwrap_err();
/// assert!(err.message.contains("square"));
/// ```
pub fn analyze(program: &Program) -> Result<Model> {
    let statements = collect_statements(program)?;
    let mut typer = Typer::default();
    let mut declared = HashMap::new();
    for stmt in &program.stmts {
        if let Stmt::Decl { names, ty, .. } = stmt {
            for (name, span) in names {
                if declared.contains_key(name) {
                    return Err(Error::input(format!("`{name}` is declared twice"), *span));
                }
                let shape = typer.declared_shape(ty, name)?;
                declared.insert(
                    name.clone(),
                    (shape, matches!(ty, Type::Symmetric(_)), *span),
                );
            }
        }
    }
    let mut shapes: HashMap<String, (usize, usize)> = HashMap::new();
    let mut symmetric = BTreeSet::new();
    for (name, (shape, sym, _)) in &declared {
        shapes.insert(name.clone(), *shape);
        if *sym {
            symmetric.insert(name.clone());
        }
    }
    let assigned: HashSet<&str> = statements.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut inputs: Vec<Name> = Vec::new();
    let mut seen_inputs: HashSet<Name> = HashSet::new();
    let mut inferred = Vec::new();
    for (name, span, expr) in &statements {
        for used in expr.names() {
            if !assigned.contains(used.base.as_str()) && seen_inputs.insert(used.clone()) {
                inputs.push(used.clone());
            }
            if !shapes.contains_key(&used.base) {
                let shape = typer.spelled_shape(&used.base);
                shapes.insert(used.base.clone(), shape);
            }
        }
        let mut slots = Vec::new();
        let shape = typer.infer(expr, &shapes, &mut slots)?;
        if let Some((declared_shape, _, _)) = declared.get(name) {
            let declared_shape = *declared_shape;
            typer.unify_shapes(declared_shape, shape).map_err(|_| {
                Error::input(
                    format!(
                        "`{name}` is declared {} but assigned {}",
                        typer.describe(declared_shape),
                        typer.describe(shape)
                    ),
                    *span,
                )
            })?;
        }
        shapes.insert(name.clone(), shape);
        inferred.push(slots);
    }
    typer.settle(&inferred.concat())?;
    let mut names: Vec<&String> = shapes.keys().collect();
    names.sort();
    let mut env = Env::default();
    let mut dims = Vec::new();
    for name in names {
        let shape = typer.resolve_shape(shapes[name]);
        for dim in [&shape.rows, &shape.cols] {
            if *dim != Dim::One && !dims.contains(dim) {
                dims.push(dim.clone());
            }
        }
        let info = VarInfo {
            shape,
            symmetric: symmetric.contains(name),
        };
        env.vars.insert(name.clone(), info);
    }
    let bindings = statements
        .into_iter()
        .zip(inferred)
        .map(|((name, span, expr), slots)| {
            let mut slots = slots.into_iter();
            Binding {
                name,
                expr: typer.fill_sizes(&expr, &mut slots),
                span,
            }
        })
        .collect();
    let bindings: Vec<Binding> = bindings;
    // An assignment whose definition is symmetric whatever the inputs
    // (`C = inv(S)`, `G = X * X'`) is known to be, like a declared one.
    for binding in &bindings {
        if env.shape(&binding.expr).is_square() && provably_symmetric(&binding.expr, &env) {
            if let Some(info) = env.vars.get_mut(&binding.name) {
                info.symmetric = true;
            }
        }
    }
    let bare_output = has_bare_output(program);
    Ok(Model {
        inputs,
        bindings,
        env,
        dims,
        bare_output,
    })
}

/// The assignments (with a bare output named `f`) after the scoping rules:
/// no name assigned twice, none used before its assignment.
fn collect_statements(program: &Program) -> Result<Vec<(String, Span, Expr)>> {
    let last_value = program
        .stmts
        .iter()
        .rposition(|s| !matches!(s, Stmt::Decl { .. }))
        .ok_or_else(|| {
            let message = if program.stmts.is_empty() {
                "the program is empty"
            } else {
                "the program has only declarations, no expression"
            };
            Error::whole_program(message)
                .with_help("write an expression, such as `C = inv(A)` or `tr(A * X)`")
        })?;
    let mut out: Vec<(String, Span, Expr)> = Vec::new();
    let mut assigned: HashSet<String> = HashSet::new();
    for (index, stmt) in program.stmts.iter().enumerate() {
        let (name, span, expr) = match stmt {
            Stmt::Decl { .. } => continue,
            Stmt::Assign {
                name,
                name_span,
                expr,
            } => (name.clone(), *name_span, expr.clone()),
            Stmt::Expr(expr) if index == last_value => ("f".to_string(), expr.span, expr.clone()),
            Stmt::Expr(expr) => {
                return Err(Error::input(
                    "only the last statement may be a bare expression",
                    expr.span,
                )
                .with_help("give this value a name of its own (`name = …`), or remove it"))
            }
        };
        if !assigned.insert(name.clone()) {
            if matches!(stmt, Stmt::Expr(_)) {
                return Err(Error::input(
                    "the output of a bare expression is named `f`, but the program already assigns `f`",
                    span,
                )
                .with_help("name the output yourself, as in `g = …`"));
            }
            return Err(Error::input(format!("`{name}` is assigned twice"), span)
                .with_help("each name is assigned once; give the new value another name"));
        }
        out.push((name, span, expr));
    }
    check_order(&out, program)?;
    Ok(out)
}

fn check_order(statements: &[(String, Span, Expr)], program: &Program) -> Result<()> {
    let assigned_at: HashMap<&str, usize> = statements
        .iter()
        .enumerate()
        .map(|(index, (name, _, _))| (name.as_str(), index))
        .collect();
    for (_, _, expr) in statements {
        let marked_intermediate =
            |n: &Name| !n.is_plain() && assigned_at.contains_key(n.base.as_str());
        if let Some(span) = first_marked_use(expr, &marked_intermediate) {
            return Err(Error::input(
                "a tangent or adjoint can only be written of an input, not of an assigned name",
                span,
            )
            .with_help("matdiff derives the tangents and adjoints of assigned names itself"));
        }
    }
    let bare_output = has_bare_output(program);
    for (index, (_, _, expr)) in statements.iter().enumerate() {
        if let Some((name, span)) = first_use_of(expr, &|base| {
            assigned_at.get(base).is_some_and(|&at| at >= index)
        }) {
            if bare_output && name == "f" {
                return Err(Error::input(
                    "the output of a bare expression is named `f`, so the program cannot use `f`",
                    span,
                )
                .with_help("name the output yourself, as in `g = …`"));
            }
            return Err(Error::input(
                format!("`{name}` is used before it is assigned"),
                span,
            ));
        }
    }
    Ok(())
}

/// True when `expr` equals its transpose for every value of its inputs, by
/// a syntactic argument: symmetric names and `I`, and what keeps symmetry
/// (sums, inverses, powers, transposes, scalar multiples, `A * A'`, `diag`
/// of a vector, element-wise functions).
fn provably_symmetric(expr: &Expr, env: &Env) -> bool {
    let sym = |e: &Expr| provably_symmetric(e, env);
    if env.shape(expr).is_scalar() {
        return true;
    }
    match &expr.kind {
        ExprKind::Var(name) => env.is_symmetric(name) && name.is_plain(),
        ExprKind::Identity(_) => true,
        ExprKind::Ones(Some(s)) => s.is_square(),
        ExprKind::Neg(a)
        | ExprKind::Transpose(a)
        | ExprKind::Power(a, _)
        | ExprKind::ElemPower(a, _) => sym(a),
        ExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::EMul | BinOp::EDiv, a, b) => {
            sym(a) && sym(b)
        }
        ExprKind::Binary(BinOp::Div, a, _) => sym(a),
        ExprKind::Binary(BinOp::Mul, a, b) => {
            let scalar = |e: &Expr| env.shape(e).is_scalar();
            (scalar(a) && sym(b))
                || (scalar(b) && sym(a))
                || matches!(&b.kind, ExprKind::Transpose(t) if **t == **a)
                || matches!(&a.kind, ExprKind::Transpose(t) if **t == **b)
        }
        ExprKind::Call(Func::Inv, args) => sym(&args[0]),
        ExprKind::Call(Func::Diag, args) => env.shape(&args[0]).cols == Dim::One,
        ExprKind::Call(f, args) if f.is_elementwise() => sym(&args[0]),
        _ => false,
    }
}

/// True when the program's output is a bare expression (named `f`).
fn has_bare_output(program: &Program) -> bool {
    matches!(
        program
            .stmts
            .iter()
            .rev()
            .find(|s| !matches!(s, Stmt::Decl { .. })),
        Some(Stmt::Expr(_))
    )
}

/// The span of the first variable satisfying `pred`.
fn first_marked_use(expr: &Expr, pred: &dyn Fn(&Name) -> bool) -> Option<Span> {
    if let ExprKind::Var(name) = &expr.kind {
        if pred(name) {
            return Some(expr.span);
        }
    }
    expr.children()
        .into_iter()
        .find_map(|c| first_marked_use(c, pred))
}

/// The first variable (plain or marked) whose base satisfies `pred`, with its span.
fn first_use_of(expr: &Expr, pred: &dyn Fn(&str) -> bool) -> Option<(String, Span)> {
    if let ExprKind::Var(name) = &expr.kind {
        if pred(&name.base) {
            return Some((name.base.clone(), expr.span));
        }
    }
    expr.children()
        .into_iter()
        .find_map(|c| first_use_of(c, pred))
}

/// What a dimension variable is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    One,
    Named(String),
    Size(u64),
}

/// Union–find over dimension variables.
#[derive(Default)]
struct Typer {
    parent: Vec<usize>,
    bound: Vec<Option<Bound>>,
    /// Dimensions of `I`, `ones` and `0` may turn out to be 1; a matrix's may not.
    may_be_one: Vec<bool>,
    label: Vec<String>,
    named: HashMap<String, usize>,
}

type Dims = (usize, usize);

/// An `I` or `ones` whose size inference decides.
#[derive(Clone, Copy)]
struct Slot {
    dims: Dims,
    span: Span,
    ones: bool,
}

/// The `I` and `ones` nodes of one expression, in visiting order.
type Slots = Vec<Slot>;

impl Typer {
    fn fresh(&mut self, label: String, may_be_one: bool) -> usize {
        self.parent.push(self.parent.len());
        self.bound.push(None);
        self.may_be_one.push(may_be_one);
        self.label.push(label);
        self.parent.len() - 1
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

    fn unify(&mut self, a: usize, b: usize) -> std::result::Result<(), ()> {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Ok(());
        }
        let bound = match (self.bound[ra].clone(), self.bound[rb].clone()) {
            (Some(x), Some(y)) if x == y => Some(x),
            (Some(_), Some(_)) => return Err(()),
            (Some(x), None) | (None, Some(x)) => Some(x),
            (None, None) => None,
        };
        let may_be_one = self.may_be_one[ra] && self.may_be_one[rb];
        let cannot_be_one = |r: usize| self.bound[r].is_none() && !self.may_be_one[r];
        if bound == Some(Bound::One) && (cannot_be_one(ra) || cannot_be_one(rb)) {
            return Err(());
        }
        // The root keeps its label in messages: prefer a matrix's dimension
        // to a constant's, and the earlier of two.
        let (root, child) = if self.may_be_one[ra] != self.may_be_one[rb] {
            if self.may_be_one[ra] {
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
        Ok(())
    }

    fn unify_shapes(&mut self, a: Dims, b: Dims) -> std::result::Result<(), ()> {
        self.unify(a.0, b.0)?;
        self.unify(a.1, b.1)
    }

    fn is_one(&mut self, id: usize) -> bool {
        let root = self.find(id);
        self.bound[root] == Some(Bound::One)
    }

    fn is_scalar(&mut self, dims: Dims) -> bool {
        self.is_one(dims.0) && self.is_one(dims.1)
    }

    fn resolve(&mut self, id: usize) -> Dim {
        let root = self.find(id);
        match &self.bound[root] {
            Some(Bound::One) => Dim::One,
            Some(Bound::Named(n)) => Dim::Named(n.clone()),
            Some(Bound::Size(k)) => Dim::Size(*k),
            None => Dim::Named(self.label[root].clone()),
        }
    }

    fn resolve_shape(&mut self, dims: Dims) -> Shape {
        Shape::new(self.resolve(dims.0), self.resolve(dims.1))
    }

    fn describe(&mut self, dims: Dims) -> String {
        self.resolve_shape(dims).describe()
    }

    fn dim_spec(&mut self, spec: &DimSpec) -> Result<usize> {
        Ok(match spec {
            DimSpec::Size(1, _) => self.one(),
            DimSpec::Size(k, _) => self.known(&Dim::Size(*k)),
            DimSpec::Name(name, _) => self.known(&Dim::Named(name.clone())),
        })
    }

    /// A variable fixed to an already resolved dimension.
    fn known(&mut self, dim: &Dim) -> usize {
        match dim {
            Dim::One => self.one(),
            Dim::Size(k) => self.bound_var(Bound::Size(*k)),
            Dim::Named(name) => match self.named.get(name) {
                Some(&id) => id,
                None => {
                    let id = self.bound_var(Bound::Named(name.clone()));
                    self.label[id] = name.clone();
                    self.named.insert(name.clone(), id);
                    id
                }
            },
        }
    }

    fn declared_shape(&mut self, ty: &Type, name: &str) -> Result<Dims> {
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
    fn spelled_shape(&mut self, name: &str) -> Dims {
        let first = name.chars().next().unwrap_or('x');
        if is_greek_name(name) {
            self.scalar()
        } else if first.is_uppercase() {
            (
                self.fresh(format!("rows({name})"), false),
                self.fresh(format!("cols({name})"), false),
            )
        } else {
            (self.fresh(format!("len({name})"), false), self.one())
        }
    }

    fn infer(
        &mut self,
        expr: &Expr,
        names: &HashMap<String, Dims>,
        slots: &mut Slots,
    ) -> Result<Dims> {
        match &expr.kind {
            ExprKind::Num(_) => Ok(self.scalar()),
            ExprKind::Var(name) => Ok(names[&name.base]),
            ExprKind::Identity(_) => {
                let d = self.fresh("size(I)".to_string(), true);
                slots.push(Slot {
                    dims: (d, d),
                    span: expr.span,
                    ones: false,
                });
                Ok((d, d))
            }
            ExprKind::Ones(_) => {
                let dims = (
                    self.fresh("rows(ones)".to_string(), true),
                    self.fresh("cols(ones)".to_string(), true),
                );
                slots.push(Slot {
                    dims,
                    span: expr.span,
                    ones: true,
                });
                Ok(dims)
            }
            ExprKind::Neg(a) | ExprKind::ElemPower(a, _) => self.infer(a, names, slots),
            ExprKind::Transpose(a) => {
                let (r, c) = self.infer(a, names, slots)?;
                Ok((c, r))
            }
            ExprKind::Power(a, _) => {
                let dims = self.infer(a, names, slots)?;
                self.require_square(dims, a, "a matrix power")?;
                Ok(dims)
            }
            ExprKind::Binary(op, a, b) => {
                let da = self.infer(a, names, slots)?;
                let db = self.infer(b, names, slots)?;
                self.binary(*op, expr, (a, da), (b, db))
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
                let (sa, sb) = (self.is_scalar(da), self.is_scalar(db));
                if sa != sb {
                    let err = mismatch(&format!(
                        "cannot {} a scalar and a non-scalar",
                        if op == BinOp::Add { "add" } else { "subtract" }
                    ));
                    return Err(err.with_help(
                        "to add a multiple of the identity write `2 * I`; for all-ones, `2 * ones`",
                    ));
                }
                if self.unify_shapes(da, db).is_err() {
                    let word = if op == BinOp::Add { "add" } else { "subtract" };
                    return Err(mismatch(&format!(
                        "cannot {word} values of different shapes"
                    )));
                }
                Ok(da)
            }
            BinOp::Mul => {
                if self.is_scalar(da) {
                    return Ok(db);
                }
                if self.is_scalar(db) {
                    return Ok(da);
                }
                if self.unify(da.1, db.0).is_err() {
                    let help = self.distinct_dims_help(da.1, db.0).unwrap_or_else(|| {
                        "the columns of the left side must match the rows of the right side"
                            .to_string()
                    });
                    return Err(mismatch("cannot multiply").with_help(help));
                }
                Ok((da.0, db.1))
            }
            BinOp::Div => {
                if !self.is_scalar(db) {
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
                if self.is_scalar(da) {
                    return Ok(db);
                }
                if self.is_scalar(db) {
                    return Ok(da);
                }
                if self.unify_shapes(da, db).is_err() {
                    return Err(mismatch("element-wise operands must have the same shape"));
                }
                Ok(da)
            }
        }
    }

    /// The hint for two distinct declared dimensions meeting.
    fn distinct_dims_help(&mut self, a: usize, b: usize) -> Option<String> {
        let declared = |typer: &mut Typer, id: usize| {
            let root = typer.find(id);
            match &typer.bound[root] {
                Some(Bound::Named(n)) => Some(n.clone()),
                _ => None,
            }
        };
        let (x, y) = (declared(self, a)?, declared(self, b)?);
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

    fn call(&mut self, func: Func, expr: &Expr, args: &[Expr], dims: &[Dims]) -> Result<Dims> {
        let (arg, d) = (&args[0], dims[0]);
        let what = format!("`{}`", func.name());
        match func {
            Func::Inv => {
                self.require_square(d, arg, &what)?;
                Ok(d)
            }
            Func::Tr | Func::Det | Func::Logdet => {
                self.require_square(d, arg, &what)?;
                Ok(self.scalar())
            }
            Func::Inner => {
                if self.unify_shapes(d, dims[1]).is_err() {
                    return Err(Error::input(
                        format!(
                            "`inner` needs two values of the same shape, but `{}` is {} and `{}` is {}",
                            args[0],
                            self.describe(d),
                            args[1],
                            self.describe(dims[1])
                        ),
                        expr.at,
                    ));
                }
                Ok(self.scalar())
            }
            Func::Sum | Func::Norm => Ok(self.scalar()),
            Func::Diag => {
                if self.is_scalar(d) {
                    Ok(d)
                } else if self.is_one(d.1) {
                    Ok((d.0, d.0))
                } else if self.is_one(d.0) {
                    Ok((d.1, d.1))
                } else {
                    self.require_square(d, arg, &what)?;
                    Ok((d.0, self.one()))
                }
            }
            _ => Ok(d),
        }
    }

    /// Sizes nothing determined: an all-ones value with free columns is a
    /// column vector; any other free size is an error at the constant.
    fn settle(&mut self, slots: &[Slot]) -> Result<()> {
        for slot in slots.iter().filter(|s| s.ones) {
            if self.is_free(slot.dims.1) {
                let one = self.one();
                self.unify(slot.dims.1, one)
                    .expect("a free dimension unifies with 1");
            }
        }
        for slot in slots {
            if self.is_free(slot.dims.0) || self.is_free(slot.dims.1) {
                let what = if slot.ones { "ones" } else { "I" };
                return Err(Error::input(
                    format!("the size of `{what}` cannot be inferred here"),
                    slot.span,
                )
                .with_help(format!(
                    "use `{what}` where the other operand fixes its size, as in `A + {what}`"
                )));
            }
        }
        Ok(())
    }

    /// True for a dimension of a constant that nothing has fixed.
    fn is_free(&mut self, id: usize) -> bool {
        let root = self.find(id);
        self.bound[root].is_none() && self.may_be_one[root]
    }

    fn fill_sizes(&mut self, expr: &Expr, slots: &mut std::vec::IntoIter<Slot>) -> Expr {
        match &expr.kind {
            ExprKind::Identity(_) => {
                let (d, _) = slots.next().expect("one slot per I").dims;
                let dim = self.resolve(d);
                Expr::new(ExprKind::Identity(Some(dim))).with_span(expr.span)
            }
            ExprKind::Ones(_) => {
                let dims = slots.next().expect("one slot per ones").dims;
                let shape = self.resolve_shape(dims);
                Expr::new(ExprKind::Ones(Some(shape))).with_span(expr.span)
            }
            _ => {
                let mut rebuilt = expr.map_children(&mut |c| self.fill_sizes(c, slots));
                rebuilt.at = expr.at;
                rebuilt
            }
        }
    }
}

/// True for names typed as scalars by their spelling: Greek letters, spelled
/// (`alpha`, `lambda_reg`) or in Unicode (`σ`), lowercase.
///
/// ```
/// use matdiff::shape::is_greek_name;
/// assert!(is_greek_name("alpha") && is_greek_name("σ2") && is_greek_name("lambda_reg"));
/// assert!(!is_greek_name("x") && !is_greek_name("Sigma") && !is_greek_name("pie"));
/// ```
pub fn is_greek_name(name: &str) -> bool {
    let first = name.chars().next().unwrap_or('x');
    if ('α'..='ω').contains(&first) {
        return true;
    }
    crate::print::greek_prefix(name).is_some()
}
