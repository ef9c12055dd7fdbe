//! `--format numpy`: a derivation as a Python module that imports only
//! numpy and defines `derivatives(**arrays)` (SPEC §2).
//!
//! The code follows the evaluator ([`crate::eval`]) operator by operator.
//! Scalars are 1×1 in matdiff; here they are numpy floats (0-d), and every
//! other value is a 2-D array, vectors n×1. Whether `*` is a scalar product
//! (`s * M`) or a matrix product (`A @ B`) is decided from the shapes
//! [`Env::shape`] gives, not at run time; a matrix product whose shape is
//! 1×1 (`x' * y`) is read out as a float with `[0, 0]`.
//!
//! Every line and every needed intermediate is computed once, in order, and
//! so is every subexpression that occurs more than once anywhere in them
//! (into temporaries `_t1`, `_t2`, …). `inv(A) * B` is solved, not inverted.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Mark, Name, Shape};
use crate::derive::Derivation;
use crate::print::Notation;
use crate::shape::{Env, Model};
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// The Python module for a derivation (SPEC §2, `--format numpy`).
///
/// `derivatives(**arrays)` takes every input by name, and the tangents
/// (`dot_A=…`) or the output's adjoint (`bar_C=…`) the lines use; scalars
/// as floats, vectors as 1-D or n×1 arrays. It returns a dict keyed by each
/// line's plain left-hand side: floats for scalars, 2-D arrays otherwise.
///
/// ```
/// use matdiff::derive::{derive, Mode, Options};
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let d = derive(&model, Mode::Reverse, &Options::default()).unwrap();
/// let module = matdiff::numpy::to_numpy(&d);
/// assert!(module.contains("\nimport numpy\n"));
/// assert!(module.contains("def derivatives(**arrays):"));
/// assert!(module.contains("    C = numpy.linalg.inv(A)\n"));
/// assert!(module.contains("    bar_A = -C.T @ bar_C @ C.T\n"));
/// assert!(module.contains("\"bar(A)\": _result(bar_A)"));
///
/// // inv(A) * M is a solve where inv(A) is not needed elsewhere.
/// let model = matdiff::shape::analyze_source("y = inv(A) * b").unwrap();
/// let wrt_b = Options { wrt: Some("b".into()), ..Options::default() };
/// let d = derive(&model, Mode::Forward, &wrt_b).unwrap();
/// assert!(matdiff::numpy::to_numpy(&d).contains("dot_y = numpy.linalg.solve(A, dot_b)\n"));
/// ```
pub fn to_numpy(derivation: &Derivation) -> String {
    to_numpy_titled(derivation, derivation.mode.name())
}

/// [`to_numpy`], its docstrings naming the command `mode_name` (`simplify`
/// builds its one line as a derivation of no mode of its own).
pub(crate) fn to_numpy_titled(derivation: &Derivation, mode_name: &str) -> String {
    Emitter::new(derivation, mode_name).module()
}

/// Python's keywords, and the names the generated function itself uses:
/// a program's name that is one of these gets a trailing `_` locally (its
/// argument key stays as written).
const RESERVED: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "numpy", "arrays",
];

/// Binding strength of emitted Python, loosest first; a child printed where
/// a stronger level is required gets parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// `a + b`, `a - b`
    Sum,
    /// `a * b`, `a @ b`, `a / b` (left-associative, one level in Python)
    Product,
    /// `-a`
    Unary,
    /// `a ** b`
    Power,
    /// names, calls, `.T`, subscripts, parenthesised expressions
    Atom,
}

/// A Python expression and how tightly it binds.
struct Py {
    text: String,
    level: Level,
}

impl Py {
    fn new(text: impl Into<String>, level: Level) -> Py {
        Py {
            text: text.into(),
            level,
        }
    }

    fn atom(text: impl Into<String>) -> Py {
        Py::new(text, Level::Atom)
    }

    /// The text, parenthesised unless it binds at least as tightly as `min`.
    fn at(&self, min: Level) -> String {
        if self.level < min {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }

    /// `self.T`
    fn transposed(&self) -> Py {
        Py::atom(format!("{}.T", self.at(Level::Atom)))
    }
}

/// One distinct subexpression of the emitted statements.
struct Node<'a> {
    expr: &'a Expr,
    children: Vec<usize>,
    shape: Shape,
}

/// The statements' expressions as a DAG of distinct subexpressions (shared
/// structure found by hash-consing), each node's number of uses, and the
/// variable holding its value once computed.
struct Dag<'a> {
    nodes: Vec<Node<'a>>,
    ids: HashMap<String, usize>,
    uses: Vec<usize>,
}

impl<'a> Dag<'a> {
    /// The node of `expr`, added with its children if new. The key names the
    /// node's own content and its children's ids, so equal subtrees meet in
    /// one node without rehashing whole subtrees.
    fn intern(&mut self, expr: &'a Expr, env: &Env) -> usize {
        let children: Vec<usize> = expr
            .children()
            .into_iter()
            .map(|c| self.intern(c, env))
            .collect();
        let head = match &expr.kind {
            ExprKind::Num(r) => format!("num {r}"),
            ExprKind::Var(name) => format!("var {name}"),
            ExprKind::Identity(d) => format!("I {d:?}"),
            ExprKind::Ones(s) => format!("ones {s:?}"),
            ExprKind::Neg(_) => "neg".to_string(),
            ExprKind::Binary(op, _, _) => format!("bin {}", op.symbol()),
            ExprKind::Transpose(_) => "T".to_string(),
            ExprKind::Power(_, k) => format!("pow {k}"),
            ExprKind::ElemPower(_, r) => format!("epow {r}"),
            ExprKind::Call(f, _) => format!("call {}", f.name()),
        };
        let key = format!("{head} {children:?}");
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            expr,
            children,
            shape: env.shape(expr),
        });
        self.ids.insert(key, id);
        id
    }

    /// Counts uses: one per statement root and one per distinct parent —
    /// except that a transpose is free in numpy (a view) and is written out
    /// wherever it is used, so each of its uses counts for its operand.
    fn count_uses(&mut self, roots: &[usize]) {
        self.uses = vec![0; self.nodes.len()];
        for &root in roots {
            self.uses[root] += 1;
        }
        // Children are interned before their parents: walk parents first.
        for id in (0..self.nodes.len()).rev() {
            if self.uses[id] == 0 {
                continue;
            }
            let weight = if self.is_transpose(id) {
                self.uses[id]
            } else {
                1
            };
            for &child in &self.nodes[id].children {
                self.uses[child] += weight;
            }
        }
    }

    fn is_transpose(&self, id: usize) -> bool {
        matches!(self.nodes[id].expr.kind, ExprKind::Transpose(_))
    }

    /// True for a node worth a temporary when it is used more than once:
    /// anything that computes, not names, numbers or transposes.
    fn computes(&self, id: usize) -> bool {
        !matches!(
            self.nodes[id].expr.kind,
            ExprKind::Var(_) | ExprKind::Num(_) | ExprKind::Transpose(_)
        )
    }

    fn is_scalar(&self, id: usize) -> bool {
        self.nodes[id].shape.is_scalar()
    }

    /// The operand of an `inv(M)` or `M^-1` node.
    fn inverse_of(&self, id: usize) -> Option<usize> {
        match &self.nodes[id].expr.kind {
            ExprKind::Call(Func::Inv, _) | ExprKind::Power(_, -1) => {
                Some(self.nodes[id].children[0])
            }
            _ => None,
        }
    }
}

/// One assignment of the generated function: a needed intermediate of the
/// program, or a result line.
struct Statement<'a> {
    /// The plain left side: `C`, `bar(A)`, `hess(x)`.
    label: String,
    /// The name later expressions refer to it by (none for a Hessian block).
    name: Option<Name>,
    expr: &'a Expr,
    /// The value's shape, for a printed `0`.
    shape: Shape,
    local: String,
    /// A temporary of matdiff's own (`t1 = …`): computed, not returned.
    temporary: bool,
}

/// What one `derivatives` argument is.
struct Argument {
    name: Name,
    key: String,
    local: String,
}

struct Emitter<'a> {
    derivation: &'a Derivation,
    /// The command the docstrings name.
    mode_name: &'a str,
    model: &'a Model,
    dag: Dag<'a>,
    /// The variable holding a node's value, once computed.
    vars: Vec<Option<String>>,
    /// Local identifiers of the program's names.
    locals: HashMap<Name, String>,
    used: HashSet<String>,
    /// A Python expression for each named dimension's size at run time.
    sizes: HashMap<Dim, String>,
    temps: usize,
    body: String,
}

impl<'a> Emitter<'a> {
    fn new(derivation: &'a Derivation, mode_name: &'a str) -> Emitter<'a> {
        Emitter {
            derivation,
            mode_name,
            model: &derivation.model,
            dag: Dag {
                nodes: Vec::new(),
                ids: HashMap::new(),
                uses: Vec::new(),
            },
            vars: Vec::new(),
            locals: HashMap::new(),
            used: RESERVED.iter().map(|s| s.to_string()).collect(),
            sizes: HashMap::new(),
            temps: 0,
            body: String::new(),
        }
    }

    fn module(mut self) -> String {
        let (mut statements, first_line) = self.statements();
        let arguments = self.arguments(&statements);
        for statement in &mut statements {
            let wanted = statement.name.as_ref().map_or(statement.label.clone(), key);
            statement.local = self.allocate(&wanted);
            if let Some(name) = &statement.name {
                self.locals.insert(name.clone(), statement.local.clone());
            }
        }
        let roots: Vec<usize> = statements
            .iter()
            .map(|s| self.dag.intern(s.expr, &self.model.env))
            .collect();
        self.dag.count_uses(&roots);
        self.vars = vec![None; self.dag.nodes.len()];

        self.emit_arguments(&arguments);
        for (index, (statement, &root)) in statements.iter().zip(&roots).enumerate() {
            self.emit_statement(statement, root, index >= first_line);
        }

        // matdiff's temporaries, like the intermediates, are not returned.
        let results: Vec<&Statement> = statements[first_line..]
            .iter()
            .filter(|s| !s.temporary)
            .collect();
        let results = &results[..];
        let mut out = String::new();
        self.docstring(&mut out, &arguments, results);
        out.push_str("\nimport numpy\n\n\ndef derivatives(**arrays):\n");
        let _ = writeln!(
            out,
            "    \"\"\"The {} results; see the module's docstring.\"\"\"",
            self.mode_name
        );
        out.push_str(&self.body);
        out.push_str("    return {\n");
        for statement in results {
            let _ = writeln!(
                out,
                "        {}: _result({}),",
                python_string(&statement.label),
                statement.local
            );
        }
        out.push_str("    }\n");
        out.push_str(HELPERS);
        out
    }

    /// What the function assigns, in order: the intermediates the lines
    /// need (directly or through other intermediates) in program order,
    /// then the lines; and the index of the first line.
    fn statements(&self) -> (Vec<Statement<'a>>, usize) {
        let model = self.model;
        let lines = &self.derivation.lines;
        // Lines other expressions can refer to by name.
        let computed: HashSet<&Name> = lines
            .iter()
            .filter(|l| l.names_a_value())
            .map(|l| &l.lhs)
            .collect();
        let mut needed: HashSet<usize> = HashSet::new();
        let mut pending: Vec<&Expr> = lines.iter().map(|l| &l.expr).collect();
        while let Some(expr) = pending.pop() {
            for name in expr.names() {
                if !name.is_plain() || computed.contains(name) {
                    continue;
                }
                if let Some(i) = model.bindings.iter().position(|b| b.name == name.base) {
                    if needed.insert(i) {
                        pending.push(&model.bindings[i].expr);
                    }
                }
            }
        }
        let mut needed: Vec<usize> = needed.into_iter().collect();
        needed.sort_unstable();
        let mut statements: Vec<Statement> = needed
            .iter()
            .map(|&i| {
                let b = &model.bindings[i];
                let name = Name::plain(&b.name);
                Statement {
                    label: name.to_string(),
                    shape: model.env.name_shape(&name),
                    name: Some(name),
                    expr: &b.expr,
                    local: String::new(),
                    temporary: false,
                }
            })
            .collect();
        for line in lines {
            let name = line.names_a_value().then(|| line.lhs.clone());
            let shape = line.shape(&model.env);
            statements.push(Statement {
                label: line.lhs_text(Notation::Plain),
                name,
                expr: &line.expr,
                shape,
                local: String::new(),
                temporary: line.temporary,
            });
        }
        (statements, needed.len())
    }

    /// The arguments: every input, then the tangents and adjoints the
    /// statements use; each given its local name.
    fn arguments(&mut self, statements: &[Statement]) -> Vec<Argument> {
        let mut arguments: Vec<Argument> = Vec::new();
        let mut seen: HashSet<&Name> = HashSet::new();
        let assigned: HashSet<&Name> = statements.iter().filter_map(|s| s.name.as_ref()).collect();
        let referenced = statements.iter().flat_map(|s| s.expr.names());
        for name in self.model.inputs.iter().chain(referenced) {
            if assigned.contains(name) || !seen.insert(name) {
                continue;
            }
            let key = key(name);
            let local = self.allocate(&key);
            self.locals.insert(name.clone(), local.clone());
            arguments.push(Argument {
                name: name.clone(),
                key,
                local,
            });
        }
        arguments
    }

    /// Checks the keywords, then converts each argument, binding the
    /// run-time size of each named dimension to the first that has it.
    fn emit_arguments(&mut self, arguments: &[Argument]) {
        let model = self.model;
        // Accepted besides the arguments: whatever another mode would take,
        // so that one dict of inputs, tangents and adjoint serves every mode.
        let output = Name::plain(&model.output().name);
        let mut accepted: Vec<String> = arguments.iter().map(|a| a.key.clone()).collect();
        for name in model.inputs.iter().map(Name::dot).chain([output.bar()]) {
            let k = key(&name);
            if !accepted.contains(&k) {
                accepted.push(k);
            }
        }
        let mut quoted: Vec<String> = accepted.iter().map(|k| python_string(k)).collect();
        if quoted.len() == 1 {
            quoted[0].push(',');
        }
        let _ = writeln!(
            self.body,
            "    _check_names(arrays, ({}))",
            quoted.join(", ")
        );
        self.body.push_str("    _sizes = {}\n");
        for argument in arguments {
            let shape = model.env.name_shape(&argument.name);
            let (local, key) = (&argument.local, python_string(&argument.key));
            let _ = if shape.is_scalar() {
                writeln!(self.body, "    {local} = _scalar(arrays, {key})")
            } else {
                let (rows, cols) = (dim_spec(&shape.rows), dim_spec(&shape.cols));
                writeln!(
                    self.body,
                    "    {local} = _argument(arrays, _sizes, {key}, {rows}, {cols})"
                )
            };
            if shape.is_scalar() {
                continue;
            }
            for (dim, axis) in [(&shape.rows, 0), (&shape.cols, 1)] {
                if matches!(dim, Dim::Named(_) | Dim::Product(_)) {
                    self.sizes
                        .entry(dim.clone())
                        .or_insert_with(|| format!("{local}.shape[{axis}]"));
                }
            }
        }
    }

    /// `local = value`, after a comment with the statement in plain syntax.
    fn emit_statement(&mut self, statement: &Statement, root: usize, is_line: bool) {
        let target = &statement.local;
        let _ = writeln!(self.body, "    # {} = {}", statement.label, statement.expr);
        let shape = &statement.shape;
        // A printed `0` takes its left side's shape, as in `check`.
        if is_line && statement.expr.is_zero() && !shape.is_scalar() {
            let (rows, cols) = (self.size(&shape.rows), self.size(&shape.cols));
            let _ = writeln!(self.body, "    {target} = numpy.zeros(({rows}, {cols}))");
            return;
        }
        let value = match &self.vars[root] {
            Some(var) => Py::atom(var.clone()),
            None => self.compute(root),
        };
        let _ = writeln!(self.body, "    {target} = {}", value.text);
        if self.dag.computes(root) && self.vars[root].is_none() {
            self.vars[root] = Some(target.clone());
        }
    }

    fn docstring(&self, out: &mut String, arguments: &[Argument], results: &[&Statement]) {
        let model = self.model;
        let _ = writeln!(out, "\"\"\"matdiff {} of the program\n", self.mode_name);
        for binding in &model.bindings {
            let _ = writeln!(out, "    {} = {}", binding.name, binding.expr);
        }
        let keys: Vec<String> = arguments.iter().map(|a| format!("{}=…", a.key)).collect();
        let results: Vec<String> = results.iter().map(|s| python_string(&s.label)).collect();
        let _ = write!(
            out,
            "\nderivatives({}) returns a dict with the keys {}.\n\
             Scalars are floats; vectors are n×1 arrays (1-D arrays are accepted).\n\
             Generated by matdiff; it imports only numpy.\n\"\"\"\n",
            keys.join(", "),
            results.join(", ")
        );
    }

    /// A fresh local identifier for `wanted` (an argument key or a line's
    /// left side): itself when that is a usable Python name, else its
    /// characters made usable, then `_` appended until unique.
    fn allocate(&mut self, wanted: &str) -> String {
        let mut candidate = identifier(wanted);
        while self.used.contains(&candidate) {
            candidate.push('_');
        }
        self.used.insert(candidate.clone());
        candidate
    }

    /// The size of a dimension at run time.
    fn size(&self, dim: &Dim) -> String {
        match dim {
            Dim::One => "1".to_string(),
            Dim::Size(k) => k.to_string(),
            Dim::Named(name) => self
                .sizes
                .get(dim)
                .cloned()
                .unwrap_or_else(|| format!("_sizes[{}]", python_string(name))),
            // An argument of this size gives it; else its factors do.
            Dim::Product(p) => self.sizes.get(dim).cloned().unwrap_or_else(|| {
                let (size, names) = (p.size(), p.names());
                let mut factors: Vec<String> = Vec::new();
                if size != 1 {
                    factors.push(size.to_string());
                }
                factors.extend(names.iter().map(|n| self.size(&Dim::Named(n.clone()))));
                format!("({})", factors.join(" * "))
            }),
        }
    }

    /// A node's value as an operand: its variable, or its expression — put
    /// into a temporary first when the node is used more than once.
    fn value(&mut self, id: usize) -> Py {
        if let Some(var) = &self.vars[id] {
            return Py::atom(var.clone());
        }
        let py = self.compute(id);
        if self.dag.uses[id] < 2 || !self.dag.computes(id) {
            return py;
        }
        self.temps += 1;
        let temp = format!("_t{}", self.temps);
        let _ = writeln!(self.body, "    {temp} = {}", py.text);
        self.vars[id] = Some(temp.clone());
        Py::atom(temp)
    }

    /// A node's value transposed: the operand itself when the node is a
    /// transpose (`A`, not `A.T.T`).
    fn transposed_value(&mut self, id: usize) -> Py {
        if self.dag.is_transpose(id) && !self.dag.is_scalar(id) {
            return self.value(self.dag.nodes[id].children[0]);
        }
        self.value(id).transposed()
    }

    /// True when the node will be computed inline where it is used, once:
    /// not held in a variable, not shared.
    fn inline_once(&self, id: usize) -> bool {
        self.vars[id].is_none() && self.dag.uses[id] < 2
    }

    /// The Python expression computing a node, its operands by [`Self::value`].
    fn compute(&mut self, id: usize) -> Py {
        let node = &self.dag.nodes[id];
        let expr = node.expr;
        let children = node.children.clone();
        let scalar = node.shape.is_scalar();
        let shape = node.shape.clone();
        match &expr.kind {
            ExprKind::Num(r) => number(r),
            ExprKind::Var(name) => Py::atom(
                self.locals
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| identifier(&key(name))),
            ),
            ExprKind::Identity(_) | ExprKind::Ones(_) if scalar => Py::atom("1.0"),
            ExprKind::Identity(_) => Py::atom(format!("numpy.eye({})", self.size(&shape.rows))),
            ExprKind::Ones(_) => Py::atom(format!(
                "numpy.ones(({}, {}))",
                self.size(&shape.rows),
                self.size(&shape.cols)
            )),
            ExprKind::Neg(_) => {
                let a = self.value(children[0]);
                Py::new(format!("-{}", a.at(Level::Unary)), Level::Unary)
            }
            ExprKind::Transpose(_) => {
                let a = self.value(children[0]);
                if scalar {
                    a
                } else {
                    a.transposed()
                }
            }
            ExprKind::Binary(op, _, _) => self.binary(*op, id, children[0], children[1]),
            ExprKind::Power(_, k) => {
                let a = self.value(children[0]);
                if scalar {
                    power(&a, &Py::new(k.to_string(), literal_level(*k)))
                } else if *k == -1 {
                    Py::atom(format!("numpy.linalg.inv({})", a.text))
                } else if *k == 1 {
                    a
                } else {
                    Py::atom(format!("numpy.linalg.matrix_power({}, {k})", a.text))
                }
            }
            ExprKind::ElemPower(_, r) => {
                let a = self.value(children[0]);
                power(&a, &number(r))
            }
            ExprKind::Call(func, _) => {
                let args: Vec<Py> = children.iter().map(|&c| self.value(c)).collect();
                call(*func, &args, &self.dag.nodes[children[0]].shape)
            }
        }
    }

    fn binary(&mut self, op: BinOp, id: usize, a: usize, b: usize) -> Py {
        let matrix_product = op == BinOp::Mul && !self.dag.is_scalar(a) && !self.dag.is_scalar(b);
        if !matrix_product {
            let (x, y) = (self.value(a), self.value(b));
            let symbol = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul | BinOp::EMul => "*",
                BinOp::Div | BinOp::EDiv => "/",
                // numpy.power keeps a negative base's fractional power
                // real (nan), where Python's float ** would go complex.
                BinOp::Pow | BinOp::EPow => {
                    return Py::atom(format!("numpy.power({}, {})", x.text, y.text));
                }
            };
            let (level, right) = match op {
                BinOp::Add | BinOp::Sub => (Level::Sum, Level::Product),
                _ => (Level::Product, Level::Unary),
            };
            return Py::new(format!("{} {symbol} {}", x.at(level), y.at(right)), level);
        }
        let product = self.matrix_product(a, b);
        if self.dag.is_scalar(id) {
            // A 1×1 product (x' * y) is a scalar in matdiff: a float here.
            Py::atom(format!("({})[0, 0]", product.text))
        } else {
            product
        }
    }

    /// `a @ b`, or a solve when one side is an inverse used only here:
    /// inv(M) B = solve(M, B), inv(M)' B = solve(M', B),
    /// A inv(M) = solve(M', A')', A inv(M)' = solve(M, A')'.
    fn matrix_product(&mut self, a: usize, b: usize) -> Py {
        let dag = &self.dag;
        let left = dag
            .inverse_of(a)
            .filter(|_| self.inline_once(a))
            .map(|m| (m, false))
            .or_else(|| {
                let inner = match dag.nodes[a].expr.kind {
                    ExprKind::Transpose(_) => dag.nodes[a].children[0],
                    _ => return None,
                };
                let m = dag.inverse_of(inner).filter(|_| self.inline_once(inner))?;
                self.vars[a].is_none().then_some((m, true))
            });
        if let Some((m, transposed)) = left {
            let m = if transposed {
                self.transposed_value(m)
            } else {
                self.value(m)
            };
            let rhs = self.value(b);
            return Py::atom(format!("numpy.linalg.solve({}, {})", m.text, rhs.text));
        }
        let right = dag
            .inverse_of(b)
            .filter(|_| self.inline_once(b))
            .map(|m| (m, false))
            .or_else(|| {
                let inner = match dag.nodes[b].expr.kind {
                    ExprKind::Transpose(_) => dag.nodes[b].children[0],
                    _ => return None,
                };
                let m = dag.inverse_of(inner).filter(|_| self.inline_once(inner))?;
                self.vars[b].is_none().then_some((m, true))
            });
        if let Some((m, transposed)) = right {
            let lhs = self.transposed_value(a);
            let m = if transposed {
                self.value(m)
            } else {
                self.transposed_value(m)
            };
            return Py::atom(format!("numpy.linalg.solve({}, {}).T", m.text, lhs.text));
        }
        let (x, y) = (self.value(a), self.value(b));
        Py::new(
            format!("{} @ {}", x.at(Level::Product), y.at(Level::Unary)),
            Level::Product,
        )
    }
}

/// A function applied to its operands, whose first has shape `shape`.
fn call(func: Func, args: &[Py], shape: &Shape) -> Py {
    let a = &args[0];
    let scalar = shape.is_scalar();
    let np = |f: &str| Py::atom(format!("numpy.{f}({})", a.text));
    match func {
        Func::Inv if scalar => Py::new(format!("1.0 / {}", a.at(Level::Unary)), Level::Product),
        Func::Inv => np("linalg.inv"),
        Func::Tr | Func::Det | Func::Sum | Func::Diag if scalar => Py::new(a.text.clone(), a.level),
        Func::Tr => np("trace"),
        Func::Det => np("linalg.det"),
        Func::Logdet if scalar => Py::atom(format!("numpy.log(numpy.abs({}))", a.text)),
        // slogdet is log |det M| without overflow, as matdiff means logdet.
        Func::Logdet => Py::atom(format!("numpy.linalg.slogdet({})[1]", a.text)),
        Func::Inner if scalar => Py::new(
            format!("{} * {}", a.at(Level::Product), args[1].at(Level::Unary)),
            Level::Product,
        ),
        Func::Inner => Py::atom(format!(
            "numpy.sum({} * {})",
            a.at(Level::Product),
            args[1].at(Level::Unary)
        )),
        Func::Sum => np("sum"),
        Func::Norm | Func::Norm1 if scalar => np("abs"),
        Func::Norm1 => Py::atom(format!("numpy.sum(numpy.abs({}))", a.text)),
        Func::Logsumexp if scalar => Py::new(a.text.clone(), a.level),
        // logaddexp adds pairwise without overflow, over every axis.
        Func::Logsumexp => Py::atom(format!("numpy.logaddexp.reduce({}, axis=None)", a.text)),
        Func::Softmax if scalar => Py::atom("1.0".to_string()),
        Func::Softmax => Py::atom(format!("_softmax({})", a.text)),
        Func::Solve if scalar => Py::new(
            format!("{} / {}", args[1].at(Level::Product), a.at(Level::Unary)),
            Level::Product,
        ),
        Func::Solve => Py::atom(format!("numpy.linalg.solve({}, {})", a.text, args[1].text)),
        Func::Vec if scalar => Py::new(a.text.clone(), a.level),
        // Column-major, as vec stacks columns.
        Func::Vec => Py::atom(format!("{}.reshape(-1, 1, order=\"F\")", a.at(Level::Atom))),
        Func::Kron => Py::atom(format!("numpy.kron({}, {})", a.text, args[1].text)),
        // Frobenius for a matrix, Euclidean for an n×1 vector.
        Func::Norm => np("linalg.norm"),
        // A vector (column or row) becomes a diagonal matrix…
        Func::Diag if shape.rows == Dim::One || shape.cols == Dim::One => np("diagflat"),
        // …and a square matrix gives its diagonal as a column.
        Func::Diag => Py::atom(format!("numpy.diag({}).reshape(-1, 1)", a.text)),
        Func::Map(map) => Py::atom(map.spec().numpy.replace("{}", &a.text)),
    }
}

/// `a ** k`; Python's `**` binds tighter than unary minus on its left.
fn power(a: &Py, k: &Py) -> Py {
    Py::new(
        format!("{} ** {}", a.at(Level::Atom), k.at(Level::Unary)),
        Level::Power,
    )
}

fn literal_level(k: i64) -> Level {
    if k < 0 {
        Level::Unary
    } else {
        Level::Atom
    }
}

/// An exact rational as Python: an integer literal, `n / d` (correctly
/// rounded, as the evaluator converts it), or the nearest float when the
/// parts are too large for exact floats.
fn number(r: &BigRational) -> Py {
    const EXACT: i64 = 1 << 53;
    let small = |x: &num_bigint::BigInt| x.to_i64().is_some_and(|v| v.abs() <= EXACT);
    let negative_level = |level| if r.is_negative() { Level::Unary } else { level };
    if small(r.numer()) && small(r.denom()) {
        if r.is_integer() {
            return Py::new(r.numer().to_string(), negative_level(Level::Atom));
        }
        return Py::new(format!("{} / {}", r.numer(), r.denom()), Level::Product);
    }
    let value = r
        .to_f64()
        .or_else(|| Some(r.numer().to_f64()? / r.denom().to_f64()?))
        .unwrap_or(f64::NAN);
    if value.is_infinite() {
        let sign = if value < 0.0 { "-" } else { "" };
        return Py::new(format!("{sign}numpy.inf"), negative_level(Level::Atom));
    }
    if value.is_nan() || value.is_zero() && !r.is_zero() {
        // Not representable: let numpy say so where it is used.
        return Py::atom("numpy.nan");
    }
    Py::new(format!("{value:?}"), negative_level(Level::Atom))
}

/// The argument key of a name: `A`, `dot_A`, `bar_C`, `dot_bar_X`.
fn key(name: &Name) -> String {
    let mut out = String::new();
    for mark in name.marks.iter().rev() {
        out.push_str(match mark {
            Mark::Dot => "dot_",
            Mark::Bar => "bar_",
        });
    }
    out.push_str(&name.base);
    out
}

/// A Python identifier for a key: ASCII letters, digits and `_`, and Greek
/// letters (which Python's NFKC normalisation leaves alone); each run of
/// other characters becomes one `_` (`hess(x, y)` → `hess_x_y`).
fn identifier(key: &str) -> String {
    let ok = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '_'
            || ('α'..='ω').contains(&c)
            || ('Α'..='Ω').contains(&c)
    };
    let mut out = String::new();
    for c in key.chars() {
        if ok(c) {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_end_matches('_');
    let mut out = if trimmed.is_empty() {
        out
    } else {
        trimmed.to_string()
    };
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'v');
    }
    out
}

/// A dimension as `_argument` takes it: an integer, or a name the first
/// argument of that size binds.
fn dim_spec(dim: &Dim) -> String {
    match dim {
        Dim::One => "1".to_string(),
        Dim::Size(k) => k.to_string(),
        Dim::Named(name) => python_string(name),
        // Bound by name like a named dimension, so that arguments of this
        // size must agree with each other.
        Dim::Product(_) => python_string(&dim.to_string()),
    }
}

/// A double-quoted Python string literal.
fn python_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The module's helpers: argument checking and conversion, and results in
/// the shapes matdiff means.
const HELPERS: &str = include_str!("helpers.py");

#[cfg(test)]
mod tests;
