//! The random well-typed programs of `tests/properties.rs`: shapes drawn
//! over the dimensions 1, `n` and `m`, and expressions built to stay
//! defined (positive where `log` and `sqrt` need it, well-conditioned
//! where `inv` does), from a stream of choices proptest can shrink.

use proptest::prelude::*;
use std::fmt;

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// A dimension of a generated value: 1, or one of the declared `n`, `m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum D {
    One,
    N,
    M,
}

type Sh = (D, D);

const SCALAR: Sh = (D::One, D::One);
const DIMS: [D; 3] = [D::One, D::N, D::M];
const SQUARE_DIMS: [D; 2] = [D::N, D::M];

fn is_square(s: Sh) -> bool {
    s.0 == s.1 && s.0 != D::One
}

fn transposed(s: Sh) -> Sh {
    (s.1, s.0)
}

/// The inputs, declared with distinct dimensions so a missing transpose
/// cannot hide. `T` is a legal name even though `A^T` is a transpose.
const HEADER: [&str; 7] = [
    "A, B: matrix(n, m)",
    "S: matrix(n, n)",
    "P: symmetric(n)",
    "T: matrix(m, m)",
    "x, y: vector(n)",
    "z: vector(m)",
    "alpha, beta: scalar",
];

/// Input leaves of a shape, as (text, level).
fn input_leaves(s: Sh) -> &'static [(&'static str, Level)] {
    use D::*;
    match s {
        (One, One) => &[("alpha", Level::Atom), ("beta", Level::Atom)],
        (N, One) => &[("x", Level::Atom), ("y", Level::Atom)],
        (M, One) => &[("z", Level::Atom)],
        (One, N) => &[("x'", Level::Postfix), ("y^T", Level::Power)],
        (One, M) => &[("z'", Level::Postfix)],
        (N, N) => &[("S", Level::Atom), ("P", Level::Atom)],
        (M, M) => &[("T", Level::Atom), ("T^T", Level::Power)],
        (N, M) => &[("A", Level::Atom), ("B", Level::Atom)],
        (M, N) => &[("A'", Level::Postfix), ("B^T", Level::Power)],
    }
}

/// Inputs of a shape with entries of order one (square inputs carry their
/// size on the diagonal, so they are scaled down), for [`Gen::small`].
fn small_leaves(s: Sh) -> &'static [(&'static str, Level)] {
    use D::*;
    match s {
        (N, N) => &[
            ("S / 4", Level::Product),
            ("P / 4", Level::Product),
            ("0.25 * S'", Level::Product),
        ],
        (M, M) => &[("T / 4", Level::Product), ("0.25 * T^T", Level::Product)],
        s => input_leaves(s),
    }
}

/// Numbers of order one for [`Gen::small`].
const SMALL_NUMBERS: [(&str, Level); 4] = [
    ("0.5", Level::Atom),
    ("0.25", Level::Atom),
    ("1.5", Level::Atom),
    ("1/3", Level::Product),
];

/// Positive numbers, as (text, level); `1/3` is folded by the parser.
const NUMBERS: [(&str, Level); 6] = [
    ("2", Level::Atom),
    ("0.5", Level::Atom),
    ("3", Level::Atom),
    ("1.5", Level::Atom),
    ("0.25", Level::Atom),
    ("1/3", Level::Product),
];

// ---------------------------------------------------------------------------
// Text fragments with their binding strength
// ---------------------------------------------------------------------------

/// Binding strength of a fragment, loosest first (SPEC §1 precedence). A
/// `^` or `.^` power cannot be followed by another postfix, so it sits
/// below `'`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Sum,
    Product,
    Unary,
    Power,
    Postfix,
    Atom,
}

#[derive(Clone, Debug)]
struct Frag {
    text: String,
    level: Level,
}

impl Frag {
    fn new(text: impl Into<String>, level: Level) -> Frag {
        Frag {
            text: text.into(),
            level,
        }
    }

    fn atom(text: impl Into<String>) -> Frag {
        Frag::new(text, Level::Atom)
    }

    /// The text, parenthesised unless it binds at least as tightly as `min`.
    fn at(&self, min: Level) -> String {
        if self.level < min {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }
}

fn binary(lhs: Frag, op: &str, rhs: Frag) -> Frag {
    let (left, right, level) = match op {
        "+" | "-" => (Level::Sum, Level::Product, Level::Sum),
        _ => (Level::Product, Level::Unary, Level::Product),
    };
    Frag::new(format!("{} {op} {}", lhs.at(left), rhs.at(right)), level)
}

fn neg(inner: Frag) -> Frag {
    Frag::new(format!("-{}", inner.at(Level::Unary)), Level::Unary)
}

fn call(name: &str, args: &[Frag]) -> Frag {
    let args: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
    Frag::atom(format!("{name}({})", args.join(", ")))
}

fn postfix(base: Frag, suffix: &str) -> Frag {
    let level = if suffix == "'" {
        Level::Postfix
    } else {
        Level::Power
    };
    Frag::new(format!("{}{suffix}", base.at(Level::Postfix)), level)
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// What an intermediate is known to be, so later statements may use it
/// where that matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Anything.
    General,
    /// Moderate entries and moderate sensitivity: fit for `exp`, `sin`, ….
    Small,
    /// Entrywise positive: fit for `log`, `sqrt`, denominators.
    Positive,
    /// A well-conditioned square matrix: fit for `inv`, `det`, `logdet`.
    WellConditioned,
}

struct Intermediate {
    name: String,
    shape: Sh,
    kind: Kind,
}

/// The rules of the general generator.
#[derive(Clone, Copy, Debug)]
enum R {
    Leaf,
    Add,
    Sub,
    Neg,
    Product,
    Scale,
    ScaleRight,
    Div,
    EMul,
    EMulScalar,
    EDiv,
    EPow,
    FracPow,
    Transpose,
    Elementwise,
    LogSqrt,
    Inv,
    MatPow,
    DiagOfVector,
    WithIdentity,
    WithOnes,
    DiagOfMatrix,
    Trace,
    Det,
    Inner,
    Sum,
    Norm,
    ScalarPow,
    DiagScalar,
}

/// The rules of the positive generator.
#[derive(Clone, Copy, Debug)]
enum P {
    Leaf,
    Exp,
    OnesPlusSquare,
    EMul,
    Add,
    EDiv,
    Sqrt,
    FracPow,
    Scale,
    Transpose,
    Sum,
    Inner,
    Norm,
    Trace,
    Det,
}

/// The rules of the small-value generator.
#[derive(Clone, Copy, Debug)]
enum Sm {
    Leaf,
    Add,
    Sub,
    Half,
    EMul,
    Bounded,
    Transpose,
    Neg,
}

/// The rules of the well-conditioned square generator.
#[derive(Clone, Copy, Debug)]
enum W {
    Leaf,
    Gram,
    NearIdentity,
    DiagExp,
    Scale,
    Transpose,
    Neg,
    Product,
    Inv,
}

struct Gen<'a> {
    /// The current statement's choices.
    choices: &'a [u16],
    next: usize,
    intermediates: Vec<Intermediate>,
    /// Whether an input has been written yet: a program without inputs has
    /// nothing to differentiate, and is refused.
    used_input: bool,
}

impl Gen<'_> {
    /// The next choice, in `0..n`; 0 once the choices run out.
    fn pick(&mut self, n: usize) -> usize {
        let c = self.choices.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        usize::from(c) % n.max(1)
    }

    fn one_of<T: Clone>(&mut self, options: &[T]) -> T {
        options[self.pick(options.len())].clone()
    }

    /// A rule by weight; the first listed is choice 0.
    fn weighted<T: Copy>(&mut self, options: &[(usize, T)]) -> T {
        let total: usize = options.iter().map(|(w, _)| w).sum();
        let mut c = self.pick(total);
        for (w, rule) in options {
            if c < *w {
                return *rule;
            }
            c -= w;
        }
        unreachable!("a choice below the total weight")
    }

    fn dim(&mut self) -> D {
        self.one_of(&DIMS)
    }

    fn square_dim(&mut self) -> D {
        self.one_of(&SQUARE_DIMS)
    }

    fn shape(&mut self) -> Sh {
        (self.dim(), self.dim())
    }

    /// Intermediates usable as a leaf of shape `s` (also through a
    /// transpose), whose kind `fits`.
    fn intermediate_leaves(&self, s: Sh, fits: &dyn Fn(Kind) -> bool) -> Vec<Frag> {
        let mut out = Vec::new();
        for i in self.intermediates.iter().filter(|i| fits(i.kind)) {
            if i.shape == s {
                out.push(Frag::atom(&i.name));
                out.push(Frag::atom(&i.name));
            }
            if i.shape != transposed(i.shape) && transposed(i.shape) == s {
                out.push(Frag::new(format!("{}'", i.name), Level::Postfix));
            }
        }
        out
    }

    fn leaf_from(&mut self, s: Sh, fits: &dyn Fn(Kind) -> bool, numbers: bool) -> Frag {
        let numbers: &[(&str, Level)] = if numbers && s == SCALAR {
            &NUMBERS
        } else {
            &[]
        };
        self.leaf_among(input_leaves(s), numbers, s, fits)
    }

    /// One of the given inputs, constants, or fitting intermediates.
    fn leaf_among(
        &mut self,
        inputs: &[(&str, Level)],
        constants: &[(&str, Level)],
        s: Sh,
        fits: &dyn Fn(Kind) -> bool,
    ) -> Frag {
        let mut options: Vec<Frag> = inputs
            .iter()
            .chain(constants)
            .map(|(t, l)| Frag::new(*t, *l))
            .collect();
        options.extend(self.intermediate_leaves(s, fits));
        let index = self.pick(options.len());
        self.used_input |= index < inputs.len();
        options.swap_remove(index)
    }

    /// An input of shape `s`.
    fn input(&mut self, s: Sh) -> Frag {
        let (text, level) = self.one_of(input_leaves(s));
        self.used_input = true;
        Frag::new(text, level)
    }

    /// Any value of shape `s`.
    fn expr(&mut self, s: Sh, depth: u32) -> Frag {
        if depth == 0 {
            return self.leaf_from(s, &|_| true, true);
        }
        let mut rules = vec![
            (5, R::Leaf),
            (2, R::Add),
            (2, R::Sub),
            (1, R::Neg),
            (4, R::Product),
            (1, R::Div),
            (2, R::EMul),
            (1, R::EDiv),
            (1, R::EPow),
            (1, R::FracPow),
            (2, R::Transpose),
            (2, R::Elementwise),
            (1, R::LogSqrt),
        ];
        if s != SCALAR {
            rules.extend([
                (2, R::Scale),
                (1, R::ScaleRight),
                (1, R::EMulScalar),
                (1, R::WithOnes),
            ]);
        }
        if is_square(s) {
            rules.extend([
                (2, R::Inv),
                (1, R::MatPow),
                (1, R::DiagOfVector),
                (1, R::WithIdentity),
            ]);
        }
        if s.1 == D::One && s.0 != D::One {
            rules.push((1, R::DiagOfMatrix));
        }
        if s == SCALAR {
            rules.extend([
                (1, R::Trace),
                (1, R::Det),
                (1, R::Inner),
                (1, R::Sum),
                (1, R::Norm),
                (1, R::ScalarPow),
                (1, R::DiagScalar),
            ]);
        }
        let d = depth - 1;
        match self.weighted(&rules) {
            R::Leaf => self.leaf_from(s, &|_| true, true),
            R::Add => binary(self.expr(s, d), "+", self.expr(s, d)),
            R::Sub => binary(self.expr(s, d), "-", self.expr(s, d)),
            R::Neg => neg(self.expr(s, d)),
            R::Product => {
                let k = self.dim();
                binary(self.expr((s.0, k), d), "*", self.expr((k, s.1), d))
            }
            R::Scale => binary(self.expr(SCALAR, d), "*", self.expr(s, d)),
            R::ScaleRight => binary(self.expr(s, d), "*", self.expr(SCALAR, d)),
            R::Div => binary(self.expr(s, d), "/", self.positive(SCALAR, d)),
            R::EMul => binary(self.expr(s, d), ".*", self.expr(s, d)),
            R::EMulScalar => binary(self.expr(SCALAR, d), ".*", self.expr(s, d)),
            R::EDiv => {
                let den = if s != SCALAR && self.pick(3) == 1 {
                    SCALAR
                } else {
                    s
                };
                binary(self.expr(s, d), "./", self.positive(den, d))
            }
            R::EPow => match self.pick(4) {
                // Cubes only of small values, so magnitudes stay moderate.
                0 | 1 => postfix(self.expr(s, d), " .^ 2"),
                2 => postfix(self.small(s, d), " .^ 3"),
                _ => postfix(self.expr(s, d), " .^ 1"),
            },
            R::FracPow => {
                let k = self.one_of(&["(1/2)", "(3/2)", "(-1/2)", "-1", "(0.5)"]);
                postfix(self.positive(s, d), &format!(" .^ {k}"))
            }
            R::Transpose => {
                let suffix = self.one_of(&["'", "^T"]);
                postfix(self.expr(transposed(s), d), suffix)
            }
            R::Elementwise => {
                let f = self.one_of(&["exp", "sin", "cos", "tanh"]);
                call(f, &[self.small(s, d)])
            }
            R::LogSqrt => {
                let f = self.one_of(&["log", "sqrt"]);
                call(f, &[self.positive(s, d)])
            }
            R::Inv => {
                let w = self.well_conditioned(s.0, d);
                match self.pick(3) {
                    0 => call("inv", &[w]),
                    1 => postfix(w, "^-1"),
                    _ => postfix(w, "^-2"),
                }
            }
            R::MatPow => match self.pick(2) {
                0 => postfix(self.expr(s, d), "^2"),
                _ => postfix(self.small(s, d), "^3"),
            },
            R::DiagOfVector => {
                let v = if self.pick(3) == 2 {
                    (D::One, s.0)
                } else {
                    (s.0, D::One)
                };
                call("diag", &[self.expr(v, d)])
            }
            R::WithIdentity => match self.pick(4) {
                0 => binary(
                    self.expr(s, d),
                    "+",
                    binary(self.expr(SCALAR, d), "*", Frag::atom("I")),
                ),
                1 => binary(Frag::atom("I"), "-", self.expr(s, d)),
                2 => binary(Frag::atom("I"), "*", self.expr(s, d)),
                _ => binary(self.expr(s, d), ".*", Frag::atom("I")),
            },
            R::WithOnes => match self.pick(4) {
                0 => binary(
                    self.expr(s, d),
                    "+",
                    binary(self.expr(SCALAR, d), "*", Frag::atom("ones")),
                ),
                1 => binary(Frag::atom("ones"), ".*", self.expr(s, d)),
                2 => binary(Frag::atom("ones"), "./", self.positive(s, d)),
                _ => binary(self.expr(s, d), "-", Frag::atom("ones")),
            },
            R::DiagOfMatrix => call("diag", &[self.expr((s.0, s.0), d)]),
            R::Trace => {
                let k = self.square_dim();
                call("tr", &[self.expr((k, k), d)])
            }
            R::Det => {
                let k = self.square_dim();
                let f = self.one_of(&["det", "logdet"]);
                call(f, &[self.well_conditioned(k, d)])
            }
            R::Inner => {
                let t = self.shape();
                call("inner", &[self.expr(t, d), self.expr(t, d)])
            }
            R::Sum => {
                let t = self.shape();
                call("sum", &[self.expr(t, d)])
            }
            R::Norm => {
                let t = self.shape();
                call("norm", &[self.positive(t, d)])
            }
            R::ScalarPow => match self.pick(3) {
                0 => postfix(self.expr(SCALAR, d), "^2"),
                1 => postfix(self.small(SCALAR, d), "^3"),
                _ => postfix(self.positive(SCALAR, d), "^-1"),
            },
            R::DiagScalar => call("diag", &[self.expr(SCALAR, d)]),
        }
    }

    /// A value of shape `s` with entries of order one (at most about 5),
    /// so `tanh` does not saturate and `exp` stays moderate: inputs scaled to
    /// order one, small intermediates (which are bounded by 1), sums,
    /// Hadamard products of leaves, and bounded functions.
    fn small(&mut self, s: Sh, depth: u32) -> Frag {
        let depth = depth.min(2);
        let fits = |k: Kind| k == Kind::Small;
        let numbers: &[(&str, Level)] = if s == SCALAR { &SMALL_NUMBERS } else { &[] };
        if depth == 0 {
            return self.leaf_among(small_leaves(s), numbers, s, &fits);
        }
        let d = depth - 1;
        let rules = [
            (4, Sm::Leaf),
            (1, Sm::Add),
            (1, Sm::Sub),
            (1, Sm::Half),
            (1, Sm::EMul),
            (1, Sm::Bounded),
            (1, Sm::Transpose),
            (1, Sm::Neg),
        ];
        match self.weighted(&rules) {
            Sm::Leaf => self.leaf_among(small_leaves(s), numbers, s, &fits),
            Sm::Add => binary(self.small(s, d), "+", self.small(s, d)),
            Sm::Sub => binary(self.small(s, d), "-", self.small(s, d)),
            Sm::Half => {
                let (c, op) = self.one_of(&[("0.5", "*"), ("2", "/")]);
                if op == "*" {
                    binary(Frag::atom(c), op, self.small(s, d))
                } else {
                    binary(self.small(s, d), op, Frag::atom(c))
                }
            }
            Sm::EMul => binary(self.small(s, 0), ".*", self.small(s, 0)),
            Sm::Bounded => {
                let f = self.one_of(&["sin", "cos", "tanh"]);
                call(f, &[self.small(s, d)])
            }
            Sm::Transpose => {
                let suffix = self.one_of(&["'", "^T"]);
                postfix(self.small(transposed(s), d), suffix)
            }
            Sm::Neg => neg(self.small(s, d)),
        }
    }

    /// An entrywise positive value of shape `s`. Only used where the
    /// checker knows to draw the inputs under it positive (under `log`,
    /// `sqrt`, a fractional or negative power, a denominator) or where any
    /// nonzero value will do (`norm`).
    fn positive(&mut self, s: Sh, depth: u32) -> Frag {
        // Shallow, so values stay within a few orders of magnitude of 1.
        let depth = depth.min(2);
        let fits = |k: Kind| k == Kind::Positive;
        if depth == 0 {
            return self.leaf_from(s, &fits, true);
        }
        let d = depth - 1;
        let mut rules = vec![
            (2, P::Leaf),
            (3, P::Exp),
            (2, P::OnesPlusSquare),
            (1, P::EMul),
            (1, P::Add),
            (1, P::EDiv),
            (1, P::Sqrt),
            (1, P::FracPow),
            (1, P::Scale),
            (1, P::Transpose),
        ];
        if s == SCALAR {
            rules.extend([
                (1, P::Sum),
                (1, P::Inner),
                (1, P::Norm),
                (1, P::Trace),
                (1, P::Det),
            ]);
        }
        match self.weighted(&rules) {
            P::Leaf => self.leaf_from(s, &fits, true),
            P::Exp => call("exp", &[self.small(s, d)]),
            P::OnesPlusSquare => {
                let e = self.small(s, d.min(1));
                if s == SCALAR {
                    binary(Frag::atom("1"), "+", postfix(e, " .^ 2"))
                } else {
                    binary(Frag::atom("ones"), "+", binary(e.clone(), ".*", e))
                }
            }
            P::EMul => binary(self.positive(s, d), ".*", self.positive(s, d)),
            P::Add => binary(self.positive(s, d), "+", self.positive(s, d)),
            P::EDiv => binary(self.positive(s, d), "./", self.positive(s, d)),
            P::Sqrt => call("sqrt", &[self.positive(s, d)]),
            P::FracPow => {
                let k = self.one_of(&["(1/2)", "(3/2)", "-1"]);
                postfix(self.positive(s, d), &format!(" .^ {k}"))
            }
            P::Scale => binary(self.positive(SCALAR, d), "*", self.positive(s, d)),
            P::Transpose => {
                let suffix = self.one_of(&["'", "^T"]);
                postfix(self.positive(transposed(s), d), suffix)
            }
            P::Sum => {
                let t = self.shape();
                call("sum", &[self.positive(t, d)])
            }
            P::Inner => {
                let t = self.shape();
                call("inner", &[self.positive(t, d), self.positive(t, d)])
            }
            P::Norm => {
                let t = self.shape();
                call("norm", &[self.positive(t, d)])
            }
            P::Trace => {
                let k = self.square_dim();
                call("tr", &[self.positive((k, k), d)])
            }
            P::Det => {
                // Near the identity, so the determinant is near 1, and positive.
                let k = self.square_dim();
                call("det", &[self.near_identity(k, d)])
            }
        }
    }

    /// `X' * X + I`: symmetric positive definite, eigenvalues at least 1.
    fn gram(&mut self, k: D, depth: u32) -> Frag {
        let j = self.dim();
        let x = self.small((j, k), depth);
        let xt = postfix(x.clone(), "'");
        binary(binary(xt, "*", x), "+", Frag::atom("I"))
    }

    /// `I + 0.1 * tanh(E)`: diagonally dominant with a positive diagonal,
    /// since the perturbation's rows sum below 1.
    fn near_identity(&mut self, k: D, depth: u32) -> Frag {
        let t = call("tanh", &[self.small((k, k), depth)]);
        binary(Frag::atom("I"), "+", binary(Frag::atom("0.1"), "*", t))
    }

    /// A well-conditioned `k × k` matrix, safe to invert.
    fn well_conditioned(&mut self, k: D, depth: u32) -> Frag {
        let fits = |kind: Kind| kind == Kind::WellConditioned;
        let s = (k, k);
        if depth == 0 {
            return self.leaf_from(s, &fits, false);
        }
        let d = depth - 1;
        let rules = [
            (4, W::Leaf),
            (1, W::Gram),
            (1, W::NearIdentity),
            (1, W::DiagExp),
            (1, W::Scale),
            (1, W::Transpose),
            (1, W::Neg),
            (1, W::Product),
            (1, W::Inv),
        ];
        match self.weighted(&rules) {
            W::Leaf => self.leaf_from(s, &fits, false),
            W::Gram => self.gram(k, d),
            W::NearIdentity => self.near_identity(k, d),
            W::DiagExp => call("diag", &[call("exp", &[self.small((k, D::One), d)])]),
            W::Scale => {
                let c = self.one_of(&[Frag::atom("alpha"), Frag::atom("2"), Frag::atom("beta")]);
                binary(c, "*", self.well_conditioned(k, d))
            }
            W::Transpose => {
                let suffix = self.one_of(&["'", "^T"]);
                postfix(self.well_conditioned(k, d), suffix)
            }
            W::Neg => neg(self.well_conditioned(k, d)),
            W::Product => binary(
                self.well_conditioned(k, d),
                "*",
                self.well_conditioned(k, d),
            ),
            W::Inv => call("inv", &[self.well_conditioned(k, d)]),
        }
    }
}

/// A generated program and the seed its numerical check uses.
#[derive(Clone)]
pub struct Case {
    pub text: String,
    pub seed: u64,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed {}, program:\n{}\n", self.seed, self.text)
    }
}

/// The choices a program is written from: one list per intermediate (so
/// shrinking can drop an intermediate), one for the output, and the layout.
#[derive(Clone, Debug)]
struct Choices {
    intermediates: Vec<Vec<u16>>,
    output: Vec<u16>,
    /// Header separator, statement separator, `F = …` or bare, a comment.
    layout: (usize, usize, usize, usize),
    seed: u64,
}

/// Writes a program: the declarations, the intermediates `C1`, `C2`, …,
/// and the output (a scalar when `scalar_output`).
fn build(choices: &Choices, scalar_output: bool) -> Case {
    let mut g = Gen {
        choices: &[],
        next: 0,
        intermediates: Vec::new(),
        used_input: false,
    };
    let mut statements: Vec<String> = Vec::new();
    for (index, stream) in choices.intermediates.iter().enumerate() {
        g.choices = stream;
        g.next = 0;
        let name = format!("C{}", index + 1);
        let mut shape = g.shape();
        let kind = g.weighted(&[
            (3, Kind::General),
            (1, Kind::Small),
            (1, Kind::Positive),
            (1, Kind::WellConditioned),
        ]);
        let text = match kind {
            Kind::General => g.expr(shape, 3),
            Kind::Small => {
                let f = g.one_of(&["sin", "cos", "tanh"]);
                call(f, &[g.small(shape, 2)])
            }
            Kind::Positive => g.positive(shape, 2),
            Kind::WellConditioned => {
                let k = g.square_dim();
                shape = (k, k);
                g.well_conditioned(k, 3)
            }
        };
        statements.push(format!("{name} = {}", text.text));
        g.intermediates.push(Intermediate { name, shape, kind });
    }
    g.choices = &choices.output;
    g.next = 0;
    let (output, shape) = if scalar_output {
        let output = match g.pick(4) {
            0 => g.expr(SCALAR, 4),
            1 => {
                let k = g.square_dim();
                call("tr", &[g.expr((k, k), 3)])
            }
            2 => {
                let t = g.shape();
                call("sum", &[g.expr(t, 3)])
            }
            _ => {
                let t = g.shape();
                call("inner", &[g.expr(t, 3), g.expr(t, 2)])
            }
        };
        (output, SCALAR)
    } else {
        let s = g.shape();
        (g.expr(s, 4), s)
    };
    // A program that uses no input has nothing to differentiate.
    let output = if g.used_input {
        output
    } else {
        binary(output, "+", g.input(shape))
    };
    let (header, separator, named, comment) = choices.layout;
    match named {
        0 => statements.push(format!("F = {}", output.text)),
        _ => statements.push(output.text),
    }
    let header_separator = ["; ", "\n"][header];
    let mut text = HEADER.join(header_separator);
    text.push_str(if header == 1 { "\n" } else { "; " });
    text.push_str(&statements.join(["\n", "; ", ";\n"][separator]));
    if comment == 1 {
        text.push_str("  # the output\n");
    }
    Case {
        text,
        seed: choices.seed,
    }
}

pub fn programs(scalar_output: bool) -> impl Strategy<Value = Case> {
    let stream = || prop::collection::vec(any::<u16>(), 0..120);
    (
        prop::collection::vec(stream(), 0..=3),
        stream(),
        (0..2usize, 0..3usize, 0..2usize, 0..3usize),
        0u64..1_000_000,
    )
        .prop_map(move |(intermediates, output, layout, seed)| {
            let choices = Choices {
                intermediates,
                output,
                layout,
                seed,
            };
            build(&choices, scalar_output)
        })
}
