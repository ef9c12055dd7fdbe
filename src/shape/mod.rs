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
use std::sync::atomic::{AtomicU64, Ordering};

mod spelling;
mod temporaries;
mod typer;
use spelling::with_spelling_hint;
use typer::{Dims, Typer};

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
    /// Identifies these shapes among every scope analysed in the process,
    /// so that a shape cached on an expression node is used only by the
    /// scope that computed it (the empty scope is 0).
    scope: u64,
}

/// A scope identity not used before.
fn fresh_scope() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
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

    /// The shape of an analysed or derived expression, computed bottom-up
    /// once per node and then read from the node.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("y = A * x").unwrap();
    /// let e = matdiff::parse::parse_expr("x' * A' * A * x").unwrap();
    /// assert!(model.env.shape(&e).is_scalar());
    /// ```
    pub fn shape(&self, expr: &Expr) -> Shape {
        if let Some(shape) = expr.cached_shape(self.scope) {
            return shape.clone();
        }
        let shape = self.compute_shape(expr);
        expr.cache_shape(self.scope, &shape);
        shape
    }

    fn compute_shape(&self, expr: &Expr) -> Shape {
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
                match args.get(1) {
                    Some(second) if matches!(func, Func::Solve | Func::Kron) => {
                        func.result_shape2(s, self.shape(second))
                    }
                    _ => func.result_shape(s),
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
    /// Every distinct dimension other than 1, in order of appearance; of a
    /// product such as `m*n`, its factors.
    pub dims: Vec<Dim>,
    /// True when the output is a bare expression, named `f` by matdiff
    /// rather than by the user.
    pub bare_output: bool,
    /// The dimension names the declarations introduce (`n` of
    /// `matrix(n, m)`); used in an expression, each is that size as a number.
    pub dimension_names: Vec<String>,
    /// The names a derivation gave its own temporaries (`t1`, …; see
    /// [`Model::with_temporaries`]): known, but free again for the
    /// temporaries of another derivation over this model.
    pub temporaries: Vec<String>,
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
        let expr = &sized_dimensions(expr, &self.dimension_names, &|n| self.env.var(n).is_some());
        let (_, slots) = self.infer_in_context(&mut typer, expr, expected)?;
        typer.settle(&slots)?;
        Ok(typer.fill_sizes(expr, &mut slots.into_iter()))
    }

    /// Reads a printed result strictly: [`Model::elaborate`] with the
    /// result's shape given and without the convention that a bare `ones`
    /// whose columns nothing fixes is a column, so that a constant whose
    /// size the text leaves open is an error.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("Y, V: matrix; f = sum(Y * ones(cols(Y), cols(V)) - V)").unwrap();
    /// let y = model.env.var("Y").unwrap().shape.clone();
    /// let open = matdiff::parse::parse_expr("ones * ones").unwrap();
    /// assert!(model.elaborate(&open, Some(&y)).is_ok());
    /// assert!(model.read(&open, &y).is_err());
    /// ```
    pub fn read(&self, expr: &Expr, expected: &Shape) -> Result<Expr> {
        let mut typer = Typer::reading();
        let expr = &sized_dimensions(expr, &self.dimension_names, &|n| self.env.var(n).is_some());
        let (_, slots) = self.infer_in_context(&mut typer, expr, Some(expected))?;
        typer.settle_with(&slots, false)?;
        Ok(typer.fill_sizes(expr, &mut slots.into_iter()))
    }

    /// Which of the `I` and `ones` in `expr` (sized, as derivation leaves
    /// them) must be printed with their size, in the order the printer meets
    /// them: those whose size a reader, given the program and the line's
    /// shape `expected`, could not infer, or would infer otherwise
    /// (SPEC §2: every constant in a printed line has exactly one size).
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("A: matrix(n, m); f = sum(A)").unwrap();
    /// let sized = |text: &str| model.elaborate(&matdiff::parse::parse_expr(text).unwrap(), None).unwrap();
    /// let scalar = matdiff::ast::Shape::scalar();
    /// let a = model.env.var("A").unwrap().shape.clone();
    /// assert_eq!(model.written_sizes(&sized("A + ones"), &a), vec![false]);
    /// let column = matdiff::ast::Shape::new(a.rows.clone(), matdiff::ast::Dim::One);
    /// assert_eq!(model.written_sizes(&sized("A * ones(m)"), &column), vec![false]);
    /// assert_eq!(model.written_sizes(&sized("sum(ones(n))"), &scalar), vec![true]);
    /// ```
    pub fn written_sizes(&self, expr: &Expr, expected: &Shape) -> Vec<bool> {
        self.written_sizes_in(expr, Some(expected))
    }

    /// [`Model::written_sizes`] for a line whose left side a reader does
    /// not know the shape of (a temporary `t1 = …`): its text alone fixes
    /// every size.
    pub(crate) fn written_sizes_in(&self, expr: &Expr, expected: Option<&Shape>) -> Vec<bool> {
        let mut meant = Vec::new();
        constants(expr, &mut meant);
        // A size inside `tr(I(d))`, printed as the number `d`, is written.
        let mut written: Vec<bool> = meant.iter().map(|(_, in_trace)| *in_trace).collect();
        for _ in 0..=meant.len() {
            let mut index = 0;
            let reading = strip_sizes(expr, &written, &mut index);
            let mut typer = Typer::reading();
            let inferred = self
                .infer_in_context(&mut typer, &reading, expected)
                .and_then(|(_, slots)| {
                    typer.settle_with(&slots, false)?;
                    Ok(typer.slot_sizes(&slots))
                });
            let Ok(inferred) = inferred else {
                return vec![true; meant.len()];
            };
            let mut changed = false;
            for ((flag, (shape, _)), got) in written.iter_mut().zip(&meant).zip(inferred) {
                if !*flag && got.as_ref() != Some(shape) {
                    *flag = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        written
    }

    /// Types `expr` over the program's names, its result unified with
    /// `expected`; the constants' sizes are not yet settled.
    fn infer_in_context(
        &self,
        typer: &mut Typer,
        expr: &Expr,
        expected: Option<&Shape>,
    ) -> Result<(Dims, typer::Slots)> {
        for name in &self.dimension_names {
            typer.known(&Dim::Named(name.as_str().into()));
        }
        let mut names = HashMap::new();
        let mut used: Vec<(String, Span)> = expr
            .names()
            .into_iter()
            .map(|n| (n.base.clone(), expr.span))
            .collect();
        size_variables(expr, &mut used);
        for (base, span) in used {
            let Some(info) = self.env.var(&base) else {
                let span = first_use_of(expr, &|b| b == base).map_or(span, |(_, s)| s);
                return Err(Error::input(
                    format!("`{base}` is not a name of the program"),
                    span,
                ));
            };
            let dims = (typer.known(&info.shape.rows), typer.known(&info.shape.cols));
            names.insert(base, dims);
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
        Ok((dims, slots))
    }
}

/// The sizes of the `I` and `ones` in `expr`, in visiting order, each with
/// whether it is always written: in `tr(…)` (printed as a number) or a
/// square constant under `diag(…)`.
fn constants(expr: &Expr, out: &mut Vec<(Shape, bool)>) {
    match &expr.kind {
        ExprKind::Identity(size) => {
            let d = size.clone().unwrap_or(Dim::One);
            out.push((Shape::new(d.clone(), d), false));
        }
        ExprKind::Ones(shape) => out.push((shape.clone().unwrap_or_else(Shape::scalar), false)),
        ExprKind::Call(Func::Tr, args)
            if matches!(
                args[..],
                [Expr {
                    kind: ExprKind::Identity(Some(_)),
                    ..
                }]
            ) =>
        {
            constants(&args[0], out);
            if let Some(last) = out.last_mut() {
                last.1 = true;
            }
        }
        // Under `diag`, a bare `I` would type-check as 1×1 to a reader who
        // allows that (`diag(I / s)`), so its size is always written there.
        ExprKind::Call(Func::Diag, args) => {
            let from = out.len();
            constants(&args[0], out);
            for (shape, written) in &mut out[from..] {
                if shape.is_square() {
                    *written = true;
                }
            }
        }
        _ => expr.children().into_iter().for_each(|c| constants(c, out)),
    }
}

/// `expr` with the sizes of the constants not `written` left out, as a
/// reader of its printed form would see it.
fn strip_sizes(expr: &Expr, written: &[bool], index: &mut usize) -> Expr {
    match &expr.kind {
        ExprKind::Identity(_) | ExprKind::Ones(_) => {
            let keep = written.get(*index).copied().unwrap_or(true);
            *index += 1;
            if keep {
                expr.clone()
            } else if matches!(expr.kind, ExprKind::Identity(_)) {
                Expr::new(ExprKind::Identity(None))
            } else {
                Expr::new(ExprKind::Ones(None))
            }
        }
        _ => expr.map_children(&mut |c| strip_sizes(c, written, index)),
    }
}

/// The variables named in written sizes (`X` of `ones(rows(X))`), with
/// the constant's place.
fn size_variables(expr: &Expr, out: &mut Vec<(String, Span)>) {
    let mut dims = Vec::new();
    match &expr.kind {
        ExprKind::Identity(Some(d)) => dims.push(d),
        ExprKind::Ones(Some(s)) => dims.extend([&s.rows, &s.cols]),
        _ => {}
    }
    for (_, names) in dims.into_iter().map(Dim::factors) {
        for text in names {
            let var = text
                .strip_suffix(')')
                .and_then(|t| t.split_once('('))
                .filter(|(word, _)| matches!(*word, "rows" | "cols"))
                .map(|(_, var)| var);
            if let Some(var) = var {
                out.push((var.to_string(), expr.span));
            }
        }
    }
    for child in expr.children() {
        size_variables(child, out);
    }
}

/// Every variable of `expr` with where it starts.
fn variable_uses(expr: &Expr, out: &mut Vec<(usize, Name)>) {
    if let ExprKind::Var(name) = &expr.kind {
        out.push((expr.span.start, name.clone()));
    }
    for child in expr.children() {
        variable_uses(child, out);
    }
}

/// `expr` with each use of a dimension name `n` (a plain name that is not
/// a variable) made the size it stands for, `tr(I(n))`.
fn sized_dimensions(
    expr: &Expr,
    dimensions: &[String],
    is_variable: &dyn Fn(&str) -> bool,
) -> Expr {
    match &expr.kind {
        ExprKind::Var(name)
            if name.is_plain() && dimensions.contains(&name.base) && !is_variable(&name.base) =>
        {
            let identity = Expr::new(ExprKind::Identity(Some(Dim::Named(
                name.base.as_str().into(),
            ))))
            .with_span(expr.span);
            Expr::call(Func::Tr, vec![identity]).with_span(expr.span)
        }
        _ => {
            let mut rebuilt =
                expr.map_children(&mut |c| sized_dimensions(c, dimensions, is_variable));
            rebuilt.at = expr.at;
            rebuilt
        }
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
    let dimension_names = declared_dimensions(program);
    let assigned_names: HashSet<String> = statements.iter().map(|(n, _, _)| n.clone()).collect();
    for stmt in &program.stmts {
        let clashing = match stmt {
            Stmt::Decl { names, .. } => names.iter().find(|(n, _)| dimension_names.contains(n)),
            _ => None,
        };
        if let Some((name, span)) = clashing {
            return Err(name_and_dimension(name, *span));
        }
    }
    if let Some((name, span, _)) = statements
        .iter()
        .find(|(n, _, _)| dimension_names.contains(n))
    {
        return Err(name_and_dimension(name, *span));
    }
    let is_variable = |n: &str| declared.contains_key(n) || assigned_names.contains(n);
    let statements: Vec<(String, Span, Expr)> = statements
        .into_iter()
        .map(|(name, span, expr)| {
            let expr = sized_dimensions(&expr, &dimension_names, &is_variable);
            (name, span, expr)
        })
        .collect();
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
            if !shapes.contains_key(&used.base) {
                let shape = typer.spelled_shape(&used.base);
                shapes.insert(used.base.clone(), shape);
            }
        }
        let mut sized = Vec::new();
        size_variables(expr, &mut sized);
        // A name used only in a size (`rows(x)`) is still used, so it is an
        // input (of derivative zero), in the order of first use.
        let mut uses: Vec<(usize, Name)> = sized
            .iter()
            .map(|(base, span)| (span.start, Name::plain(base)))
            .collect();
        variable_uses(expr, &mut uses);
        uses.sort_by_key(|(start, _)| *start);
        for (_, used) in uses {
            if !assigned.contains(used.base.as_str()) && seen_inputs.insert(used.clone()) {
                inputs.push(used);
            }
        }
        for (base, _) in sized {
            if let std::collections::hash_map::Entry::Vacant(entry) = shapes.entry(base) {
                let shape = typer.spelled_shape(entry.key());
                entry.insert(shape);
            }
        }
        let mut slots = Vec::new();
        let shape = typer.infer(expr, &shapes, &mut slots).map_err(|error| {
            let spelled = |base: &str| !declared.contains_key(base) && !assigned.contains(base);
            with_spelling_hint(error, expr, &spelled)
        })?;
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
    let mut env = Env {
        vars: HashMap::new(),
        scope: fresh_scope(),
    };
    let mut dims = Vec::new();
    for name in names {
        let shape = typer.resolve_shape(shapes[name]);
        // A product (`m*n` of `vec(A)`) is sized by its factors.
        for dim in [&shape.rows, &shape.cols] {
            let (fixed, names) = dim.factors();
            let factors = names.into_iter().map(Dim::Named);
            for factor in std::iter::once(Dim::from_factors(fixed, Vec::new())).chain(factors) {
                if factor != Dim::One && !dims.contains(&factor) {
                    dims.push(factor);
                }
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
        dimension_names,
        temporaries: Vec::new(),
    })
}

/// The dimension names of the declarations, in order of appearance.
fn declared_dimensions(program: &Program) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for stmt in &program.stmts {
        let Stmt::Decl { ty, .. } = stmt else {
            continue;
        };
        let specs: Vec<&DimSpec> = match ty {
            Type::Scalar => Vec::new(),
            Type::Vector(d) | Type::Symmetric(d) => d.iter().collect(),
            Type::Matrix(d) => d.iter().flat_map(|(r, c)| [r, c]).collect(),
        };
        for spec in specs {
            if let DimSpec::Name(name, _) = spec {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

fn name_and_dimension(name: &str, span: Span) -> Error {
    Error::input(
        format!("`{name}` names a dimension, so it cannot also name a variable"),
        span,
    )
    .with_help("a declared dimension used in an expression is its size as a number; give the variable another name")
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
