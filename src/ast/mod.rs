//! The syntax tree every stage shares: programs, statements, expressions,
//! names with their tangent/adjoint marks, and resolved shapes.
//!
//! Equality of [`Expr`] ignores source spans, so a printed and re-parsed
//! expression compares equal to the original.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use std::cell::OnceCell;
use std::fmt;
use std::hash::{Hash, Hasher};

mod dim;
mod functions;

pub use dim::{dim_product, Dim, DimProduct};

/// A byte range in the source text.
///
/// ```
/// let span = matdiff::ast::Span::new(2, 5);
/// assert_eq!(span.end - span.start, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end` (bytes).
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Span::new(1, 4).start, 1);
    /// ```
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    ///
    /// ```
    /// use matdiff::ast::Span;
    /// assert_eq!(Span::new(1, 2).join(Span::new(5, 7)), Span::new(1, 7));
    /// ```
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A derivative mark on a name: `dot(X)` (tangent) or `bar(X)` (adjoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mark {
    /// The forward-mode tangent Ẋ.
    Dot,
    /// The reverse-mode adjoint X̄.
    Bar,
}

/// A variable: a base name with derivative marks, innermost first, so
/// `dot(bar(X))` is `X` with marks `[Bar, Dot]`.
///
/// ```
/// use matdiff::ast::Name;
/// assert_eq!(Name::plain("X").bar().dot().to_string(), "dot(bar(X))");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    /// The user's identifier.
    pub base: String,
    /// Marks applied to it, innermost first.
    pub marks: Vec<Mark>,
}

impl Name {
    /// An unmarked name.
    ///
    /// ```
    /// assert!(matdiff::ast::Name::plain("A").is_plain());
    /// ```
    pub fn plain(base: impl Into<String>) -> Name {
        Name {
            base: base.into(),
            marks: Vec::new(),
        }
    }

    /// This name with one more mark outside.
    ///
    /// ```
    /// use matdiff::ast::{Mark, Name};
    /// assert_eq!(Name::plain("A").marked(Mark::Dot).to_string(), "dot(A)");
    /// ```
    pub fn marked(&self, mark: Mark) -> Name {
        let mut marks = self.marks.clone();
        marks.push(mark);
        Name {
            base: self.base.clone(),
            marks,
        }
    }

    /// The tangent `dot(self)`.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Name::plain("A").dot().to_string(), "dot(A)");
    /// ```
    pub fn dot(&self) -> Name {
        self.marked(Mark::Dot)
    }

    /// The adjoint `bar(self)`.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Name::plain("A").bar().to_string(), "bar(A)");
    /// ```
    pub fn bar(&self) -> Name {
        self.marked(Mark::Bar)
    }

    /// True when the name carries no mark.
    ///
    /// ```
    /// assert!(!matdiff::ast::Name::plain("A").dot().is_plain());
    /// ```
    pub fn is_plain(&self) -> bool {
        self.marks.is_empty()
    }

    /// The name with its outermost mark removed: `A` for `dot(A)`.
    ///
    /// ```
    /// use matdiff::ast::Name;
    /// assert_eq!(Name::plain("A").bar().dot().unmark(), Name::plain("A").bar());
    /// ```
    pub fn unmark(&self) -> Name {
        let mut marks = self.marks.clone();
        marks.pop();
        Name {
            base: self.base.clone(),
            marks,
        }
    }

    /// The outermost mark, if any.
    ///
    /// ```
    /// use matdiff::ast::{Mark, Name};
    /// assert_eq!(Name::plain("A").bar().dot().outer_mark(), Some(Mark::Dot));
    /// ```
    pub fn outer_mark(&self) -> Option<Mark> {
        self.marks.last().copied()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for mark in self.marks.iter().rev() {
            f.write_str(match mark {
                Mark::Dot => "dot(",
                Mark::Bar => "bar(",
            })?;
        }
        f.write_str(&self.base)?;
        for _ in &self.marks {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The shape of a value; 1×1 is a scalar.
///
/// ```
/// use matdiff::ast::{Dim, Shape};
/// assert!(Shape::scalar().is_scalar());
/// assert_eq!(Shape::new(Dim::Named("n".into()), Dim::One).to_string(), "n×1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Number of rows.
    pub rows: Dim,
    /// Number of columns.
    pub cols: Dim,
}

impl Shape {
    /// A `rows × cols` shape.
    ///
    /// ```
    /// use matdiff::ast::{Dim, Shape};
    /// assert!(!Shape::new(Dim::Size(2), Dim::Size(3)).is_square());
    /// ```
    pub fn new(rows: Dim, cols: Dim) -> Shape {
        Shape { rows, cols }
    }

    /// The 1×1 shape.
    ///
    /// ```
    /// assert!(matdiff::ast::Shape::scalar().is_square());
    /// ```
    pub fn scalar() -> Shape {
        Shape::new(Dim::One, Dim::One)
    }

    /// True for 1×1.
    ///
    /// ```
    /// assert!(matdiff::ast::Shape::scalar().is_scalar());
    /// ```
    pub fn is_scalar(&self) -> bool {
        self.rows == Dim::One && self.cols == Dim::One
    }

    /// True when rows and columns are the same dimension.
    ///
    /// ```
    /// use matdiff::ast::{Dim, Shape};
    /// assert!(Shape::new(Dim::Size(3), Dim::Size(3)).is_square());
    /// ```
    pub fn is_square(&self) -> bool {
        self.rows == self.cols
    }

    /// The shape of `self * other` under matdiff's `*`: a scalar times
    /// anything, else a matrix product; `None` when the inner dimensions
    /// differ. The one definition every stage uses.
    ///
    /// ```
    /// use matdiff::ast::{Dim, Shape};
    /// let (a, x) = (Shape::new(Dim::Size(2), Dim::Size(3)), Shape::new(Dim::Size(3), Dim::One));
    /// assert_eq!(a.times(&x), Some(Shape::new(Dim::Size(2), Dim::One)));
    /// assert_eq!(x.times(&a), None);
    /// assert_eq!(Shape::scalar().times(&a), Some(a.clone()));
    /// ```
    pub fn times(&self, other: &Shape) -> Option<Shape> {
        if self.is_scalar() {
            Some(other.clone())
        } else if other.is_scalar() {
            Some(self.clone())
        } else if self.cols == other.rows {
            Some(Shape::new(self.rows.clone(), other.cols.clone()))
        } else {
            None
        }
    }

    /// The transposed shape.
    ///
    /// ```
    /// use matdiff::ast::{Dim, Shape};
    /// let s = Shape::new(Dim::Size(2), Dim::One).transposed();
    /// assert_eq!(s.rows, Dim::One);
    /// ```
    pub fn transposed(&self) -> Shape {
        Shape::new(self.cols.clone(), self.rows.clone())
    }
}

impl Shape {
    /// The shape in words: `a matrix (n×m)`, `a column vector (n×1)`, …
    ///
    /// ```
    /// use matdiff::ast::{Dim, Shape};
    /// let v = Shape::new(Dim::Named("n".into()), Dim::One);
    /// assert_eq!(v.describe(), "a column vector (n×1)");
    /// ```
    pub fn describe(&self) -> String {
        let kind = if self.is_scalar() {
            "scalar"
        } else if self.cols == Dim::One {
            "column vector"
        } else if self.rows == Dim::One {
            "row vector"
        } else {
            "matrix"
        };
        format!("a {kind} ({self})")
    }
}

impl fmt::Display for Shape {
    /// `m×n`; a product of sizes is bracketed, `(m*n)×1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |d: &Dim| match d {
            Dim::Product(_) => format!("({d})"),
            _ => d.to_string(),
        };
        write!(f, "{}×{}", side(&self.rows), side(&self.cols))
    }
}

pub use functions::{AtZero, Domain, Func, Latex, Local, Map, MapSpec, Slope};

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`: matrix product, or scalar times anything
    Mul,
    /// `/`: division by a scalar
    Div,
    /// `.*`: Hadamard product
    EMul,
    /// `./`: Hadamard quotient
    EDiv,
    /// `s ^ t`: a scalar to the power of any scalar expression
    /// (`alpha ^ beta`, `det(S) ^ (-1/2)`); an integer power of a matrix
    /// is [`ExprKind::Power`].
    Pow,
    /// `M .^ t`: entry-wise power by a scalar expression that is not a
    /// number (`x .^ alpha`); a number exponent is [`ExprKind::ElemPower`].
    EPow,
}

impl BinOp {
    /// The operator as written in plain syntax.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::BinOp::EMul.symbol(), ".*");
    /// ```
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::EMul => ".*",
            BinOp::EDiv => "./",
            BinOp::Pow => "^",
            BinOp::EPow => ".^",
        }
    }
}

/// An expression node; equality and hashing ignore the span.
///
/// ```
/// use matdiff::ast::{Expr, Span};
/// let a = Expr::var("A").with_span(Span::new(0, 1));
/// assert_eq!(a, Expr::var("A"));
/// ```
#[derive(Clone)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it was written; empty for derived nodes.
    pub span: Span,
    /// The place an error about this node points at: the operator of a
    /// binary or postfix node, the name of a call, else the whole span.
    pub at: Span,
    /// The node's shape once a stage has asked for it, with the identity
    /// of the scope it was computed in. Nodes are never changed after they
    /// are built, and a clone carries the shape along, so every pass that
    /// shares a tree asks [`crate::shape::Env::shape`] for it in O(1) after
    /// the first time instead of recomputing it bottom-up. Shared, so that
    /// a node grows by one pointer and a clone of a tree copies no shape.
    shape: OnceCell<std::sync::Arc<(u64, Shape)>>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr")
            .field("kind", &self.kind)
            .field("span", &self.span)
            .field("at", &self.at)
            .finish()
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

impl Eq for Expr {}

impl Hash for Expr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state)
    }
}

/// The kinds of expression nodes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// An exact rational constant.
    Num(BigRational),
    /// A variable, possibly marked: `A`, `dot(A)`, `bar(C)`.
    Var(Name),
    /// The identity `I`; its size once shapes are known.
    Identity(Option<Dim>),
    /// The all-ones `ones`; its shape once shapes are known.
    Ones(Option<Shape>),
    /// `-a`
    Neg(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a'`
    Transpose(Box<Expr>),
    /// `A^k`: integer matrix power (negative: power of the inverse).
    Power(Box<Expr>, i64),
    /// `a .^ k`: element-wise rational power.
    ElemPower(Box<Expr>, BigRational),
    /// `f(args)`
    Call(Func, Vec<Expr>),
}

#[allow(clippy::should_implement_trait)]
impl Expr {
    /// A node with no source position.
    ///
    /// ```
    /// use matdiff::ast::{Expr, ExprKind};
    /// assert!(matches!(Expr::new(ExprKind::Identity(None)).kind, ExprKind::Identity(_)));
    /// ```
    pub fn new(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
            at: Span::default(),
            shape: OnceCell::new(),
        }
    }

    /// The shape cached on this node by the scope `scope`, if any.
    pub(crate) fn cached_shape(&self, scope: u64) -> Option<&Shape> {
        self.shape
            .get()
            .and_then(|cached| (cached.0 == scope).then_some(&cached.1))
    }

    /// Caches the node's shape in the scope `scope`; a node keeps the first
    /// shape it was given.
    pub(crate) fn cache_shape(&self, scope: u64, shape: &Shape) {
        let _ = self.shape.set(std::sync::Arc::new((scope, shape.clone())));
    }

    /// The same node placed at `span`.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Span};
    /// assert_eq!(Expr::var("A").with_span(Span::new(3, 4)).span.start, 3);
    /// ```
    pub fn with_span(mut self, span: Span) -> Expr {
        self.span = span;
        self.at = span;
        self
    }

    /// The same node with errors about it pointing at `at`.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Span};
    /// let e = Expr::var("A").with_span(Span::new(0, 5)).pointing_at(Span::new(2, 3));
    /// assert_eq!((e.span.end, e.at.start), (5, 2));
    /// ```
    pub fn pointing_at(mut self, at: Span) -> Expr {
        self.at = at;
        self
    }

    /// An unmarked variable.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Expr::var("A").to_string(), "A");
    /// ```
    pub fn var(name: &str) -> Expr {
        Expr::name(Name::plain(name))
    }

    /// A (possibly marked) variable.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Name};
    /// assert_eq!(Expr::name(Name::plain("A").dot()).to_string(), "dot(A)");
    /// ```
    pub fn name(name: Name) -> Expr {
        Expr::new(ExprKind::Var(name))
    }

    /// An integer constant.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Expr::int(-2).to_string(), "-2");
    /// ```
    pub fn int(value: i64) -> Expr {
        Expr::num(BigRational::from_integer(BigInt::from(value)))
    }

    /// A rational constant.
    ///
    /// ```
    /// use num_rational::BigRational;
    /// let half = BigRational::new(1.into(), 2.into());
    /// assert_eq!(matdiff::ast::Expr::num(half).to_string(), "1/2");
    /// ```
    pub fn num(value: BigRational) -> Expr {
        Expr::new(ExprKind::Num(value))
    }

    /// `a op b`.
    ///
    /// ```
    /// use matdiff::ast::{BinOp, Expr};
    /// let e = Expr::binary(BinOp::Mul, Expr::var("A"), Expr::var("B"));
    /// assert_eq!(e.to_string(), "A * B");
    /// ```
    pub fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
        Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)))
    }

    /// `a * b`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert_eq!(Expr::mul(Expr::var("A"), Expr::var("x")).to_string(), "A * x");
    /// ```
    pub fn mul(lhs: Expr, rhs: Expr) -> Expr {
        Expr::binary(BinOp::Mul, lhs, rhs)
    }

    /// `a + b`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert_eq!(Expr::add(Expr::var("A"), Expr::var("B")).to_string(), "A + B");
    /// ```
    pub fn add(lhs: Expr, rhs: Expr) -> Expr {
        Expr::binary(BinOp::Add, lhs, rhs)
    }

    /// `a - b`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert_eq!(Expr::sub(Expr::var("A"), Expr::var("B")).to_string(), "A - B");
    /// ```
    pub fn sub(lhs: Expr, rhs: Expr) -> Expr {
        Expr::binary(BinOp::Sub, lhs, rhs)
    }

    /// `-a`.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Expr::neg(matdiff::ast::Expr::var("A")).to_string(), "-A");
    /// ```
    pub fn neg(inner: Expr) -> Expr {
        Expr::new(ExprKind::Neg(Box::new(inner)))
    }

    /// `a'`.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Expr::transpose(matdiff::ast::Expr::var("A")).to_string(), "A'");
    /// ```
    pub fn transpose(inner: Expr) -> Expr {
        Expr::new(ExprKind::Transpose(Box::new(inner)))
    }

    /// `f(args)`.
    ///
    /// ```
    /// use matdiff::ast::{Expr, Func};
    /// assert_eq!(Expr::call(Func::Inv, vec![Expr::var("A")]).to_string(), "inv(A)");
    /// ```
    pub fn call(func: Func, args: Vec<Expr>) -> Expr {
        Expr::new(ExprKind::Call(func, args))
    }

    /// The constant's value, if this is a constant.
    ///
    /// ```
    /// assert!(matdiff::ast::Expr::int(3).as_num().is_some());
    /// ```
    pub fn as_num(&self) -> Option<&BigRational> {
        match &self.kind {
            ExprKind::Num(value) => Some(value),
            _ => None,
        }
    }

    /// True for the constant 0.
    ///
    /// ```
    /// assert!(matdiff::ast::Expr::int(0).is_zero());
    /// ```
    pub fn is_zero(&self) -> bool {
        self.as_num().is_some_and(|v| v.is_zero())
    }

    /// True for the constant 1.
    ///
    /// ```
    /// assert!(matdiff::ast::Expr::int(1).is_one());
    /// ```
    pub fn is_one(&self) -> bool {
        self.as_num().is_some_and(|v| v.is_one())
    }

    /// The direct children, left to right.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert_eq!(Expr::add(Expr::var("A"), Expr::var("B")).children().len(), 2);
    /// ```
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Num(_) | ExprKind::Var(_) | ExprKind::Identity(_) | ExprKind::Ones(_) => {
                Vec::new()
            }
            ExprKind::Neg(a)
            | ExprKind::Transpose(a)
            | ExprKind::Power(a, _)
            | ExprKind::ElemPower(a, _) => vec![a],
            ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::Call(_, args) => args.iter().collect(),
        }
    }

    /// The same node with each child replaced by `f(child)`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// let e = Expr::neg(Expr::var("A")).map_children(&mut |_| Expr::var("B"));
    /// assert_eq!(e.to_string(), "-B");
    /// ```
    pub fn map_children(&self, f: &mut dyn FnMut(&Expr) -> Expr) -> Expr {
        let kind = match &self.kind {
            ExprKind::Num(_) | ExprKind::Var(_) | ExprKind::Identity(_) | ExprKind::Ones(_) => {
                self.kind.clone()
            }
            ExprKind::Neg(a) => ExprKind::Neg(Box::new(f(a))),
            ExprKind::Transpose(a) => ExprKind::Transpose(Box::new(f(a))),
            ExprKind::Power(a, k) => ExprKind::Power(Box::new(f(a)), *k),
            ExprKind::ElemPower(a, k) => ExprKind::ElemPower(Box::new(f(a)), k.clone()),
            ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, Box::new(f(a)), Box::new(f(b))),
            ExprKind::Call(func, args) => ExprKind::Call(*func, args.iter().map(f).collect()),
        };
        // New children may have other shapes: the node starts uncached.
        Expr::new(kind).with_span(self.span).pointing_at(self.at)
    }

    /// Every variable in the expression, left to right, with repeats.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// let e = Expr::mul(Expr::var("A"), Expr::var("A"));
    /// assert_eq!(e.names().len(), 2);
    /// ```
    pub fn names(&self) -> Vec<&Name> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a Name>) {
        if let ExprKind::Var(name) = &self.kind {
            out.push(name);
        }
        for child in self.children() {
            child.collect_names(out);
        }
    }

    /// True when some variable satisfies `pred`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert!(Expr::var("A").mentions(&|n| n.base == "A"));
    /// ```
    pub fn mentions(&self, pred: &dyn Fn(&Name) -> bool) -> bool {
        match &self.kind {
            ExprKind::Var(name) => pred(name),
            _ => self.children().into_iter().any(|c| c.mentions(pred)),
        }
    }

    /// Number of nodes.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// assert_eq!(Expr::add(Expr::var("A"), Expr::var("B")).size(), 3);
    /// ```
    pub fn size(&self) -> usize {
        1 + self.children().into_iter().map(Expr::size).sum::<usize>()
    }

    /// The number of operators its printed form has, as the parser counts
    /// them against [`MAX_OPERATORS`](crate::limits::MAX_OPERATORS): every
    /// operation and call, each mark (`dot(A)` is a call), and the sign and
    /// fraction bar of a number. It may overcount by a sign, never under.
    ///
    /// ```
    /// let e = matdiff::parse::parse_expr("-C' * dot(A) * C / 2").unwrap();
    /// assert_eq!(e.operator_count(), 6);
    /// ```
    pub fn operator_count(&self) -> usize {
        let own = match &self.kind {
            ExprKind::Var(name) => name.marks.len(),
            ExprKind::Num(v) => usize::from(v.is_negative()) + usize::from(!v.is_integer()),
            // A row of ones prints as `ones'`, a transpose.
            ExprKind::Ones(Some(s)) if s.rows == Dim::One && s.cols != Dim::One => 1,
            ExprKind::Identity(_) | ExprKind::Ones(_) => 0,
            _ => 1,
        };
        own + self
            .children()
            .into_iter()
            .map(Expr::operator_count)
            .sum::<usize>()
    }

    /// The most digits of any number in it, numerator and denominator
    /// apart, as the parser counts them against
    /// [`MAX_NUMBER_DIGITS`](crate::limits::MAX_NUMBER_DIGITS).
    ///
    /// ```
    /// let e = matdiff::parse::parse_expr("1234/5 * A + 2").unwrap();
    /// assert_eq!(e.longest_number(), 4);
    /// ```
    pub fn longest_number(&self) -> usize {
        let own = match &self.kind {
            ExprKind::Num(value) | ExprKind::ElemPower(_, value) => {
                let digits = |n: &BigInt| n.magnitude().to_string().len();
                digits(value.numer()).max(digits(value.denom()))
            }
            _ => 0,
        };
        self.children()
            .into_iter()
            .map(Expr::longest_number)
            .fold(own, usize::max)
    }

    /// Replaces every variable for which `f` returns a value.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// let e = Expr::var("C").substitute(&|n| (n.base == "C").then(|| Expr::var("D")));
    /// assert_eq!(e.to_string(), "D");
    /// ```
    pub fn substitute(&self, f: &dyn Fn(&Name) -> Option<Expr>) -> Expr {
        match &self.kind {
            ExprKind::Var(name) => f(name).unwrap_or_else(|| self.clone()),
            _ => self.map_children(&mut |c| c.substitute(f)),
        }
    }

    /// The number of nodes [`Expr::substitute`] would build, where `size_of`
    /// gives the size of each replacement, without building it: a chain of
    /// definitions can double in size at every step. Saturates at
    /// `usize::MAX`.
    ///
    /// ```
    /// use matdiff::ast::Expr;
    /// let e = Expr::add(Expr::var("C"), Expr::var("C"));
    /// assert_eq!(e.substituted_size(&|n| (n.base == "C").then_some(10)), 21);
    /// ```
    pub fn substituted_size(&self, size_of: &dyn Fn(&Name) -> Option<usize>) -> usize {
        match &self.kind {
            ExprKind::Var(name) => size_of(name).unwrap_or(1),
            _ => self.children().into_iter().fold(1, |total: usize, c| {
                total.saturating_add(c.substituted_size(size_of))
            }),
        }
    }
}

/// A type written in a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `scalar`
    Scalar,
    /// `vector` or `vector(n)`
    Vector(Option<DimSpec>),
    /// `matrix` or `matrix(n, m)`
    Matrix(Option<(DimSpec, DimSpec)>),
    /// `symmetric` or `symmetric(n)`
    Symmetric(Option<DimSpec>),
}

/// A dimension as written: a name or a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimSpec {
    /// `n`
    Name(String, Span),
    /// `3`
    Size(u64, Span),
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `A, B: matrix(n, n)`
    Decl {
        /// The declared names and where each is written.
        names: Vec<(String, Span)>,
        /// Their type.
        ty: Type,
        /// The whole declaration.
        span: Span,
    },
    /// `C = expr`
    Assign {
        /// The assigned name.
        name: String,
        /// Where the name is written.
        name_span: Span,
        /// Its definition.
        expr: Expr,
    },
    /// A bare expression, the output `f`.
    Expr(Expr),
}

/// A parsed program: statements in order, with the source they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The statements, blank ones skipped.
    pub stmts: Vec<Stmt>,
}
