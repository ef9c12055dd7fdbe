//! The functions of the input language. The element-wise ones are one
//! table, [`Map::spec`]: everything a stage needs to know of `exp` or
//! `tanh` — its name, value, domain, derivative with its words, printed
//! forms and cost — is one entry there, so adding one is one entry (and
//! its identities in `rules/`). The structural functions (`inv`, `tr`,
//! `det`, …) each have their own rules in the stages, reached through
//! exhaustive matches so that the compiler names any stage a new one
//! misses.

use super::{dim_product, Dim, Expr, ExprKind, Shape};
use std::fmt;
use std::str::FromStr;

/// The built-in functions of the input language.
///
/// ```
/// use matdiff::ast::{Func, Map};
/// assert_eq!(Func::from_name("logdet"), Some(Func::Logdet));
/// assert_eq!(Func::Logdet.name(), "logdet");
/// assert_eq!(Func::from_name("tanh"), Some(Func::Map(Map::Tanh)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// `inv(A)`
    Inv,
    /// `tr(A)`
    Tr,
    /// `det(A)`
    Det,
    /// `logdet(A)`: log |det A|
    Logdet,
    /// `inner(A, B)` = tr(Aᵀ B)
    Inner,
    /// `sum(A)`: sum of all entries
    Sum,
    /// `norm(A)`: Euclidean or Frobenius norm
    Norm,
    /// `diag(x)` or `diag(A)`
    Diag,
    /// `norm1(A)`: the sum of the entries' absolute values
    Norm1,
    /// `logsumexp(A)`: log(sum(exp(A))), computed stably
    Logsumexp,
    /// `softmax(x)`: exp(x) / sum(exp(x)) of a column vector
    Softmax,
    /// `solve(A, B)`, written `A \ B` too: A⁻¹ B, computed by a solve (for a
    /// scalar `s`, `s \ B` is `B / s`)
    Solve,
    /// `vec(A)`: the columns of A stacked into one column
    Vec,
    /// `kron(A, B)`: the Kronecker product A ⊗ B
    Kron,
    /// An element-wise function (`exp`, `log`, …), from [`Map::spec`].
    Map(Map),
}

/// The functions that are not element-wise.
const STRUCTURAL: [Func; 14] = [
    Func::Inv,
    Func::Tr,
    Func::Det,
    Func::Logdet,
    Func::Inner,
    Func::Sum,
    Func::Norm,
    Func::Diag,
    Func::Norm1,
    Func::Logsumexp,
    Func::Softmax,
    Func::Solve,
    Func::Vec,
    Func::Kron,
];

impl Func {
    /// Every function, for tables and completion.
    ///
    /// ```
    /// assert!(matdiff::ast::Func::all().any(|f| f.name() == "sqrt"));
    /// ```
    pub fn all() -> impl Iterator<Item = Func> {
        STRUCTURAL
            .into_iter()
            .chain(Map::ALL.iter().copied().map(Func::Map))
    }

    /// The function's name in the input language.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Func::Tr.name(), "tr");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Func::Inv => "inv",
            Func::Tr => "tr",
            Func::Det => "det",
            Func::Logdet => "logdet",
            Func::Inner => "inner",
            Func::Sum => "sum",
            Func::Norm => "norm",
            Func::Diag => "diag",
            Func::Norm1 => "norm1",
            Func::Logsumexp => "logsumexp",
            Func::Softmax => "softmax",
            Func::Solve => "solve",
            Func::Vec => "vec",
            Func::Kron => "kron",
            Func::Map(map) => map.spec().name,
        }
    }

    /// The function called `name`, if there is one.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Func::from_name("foo"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Func> {
        Func::all().find(|f| f.name() == name)
    }

    /// How many arguments it takes.
    ///
    /// ```
    /// assert_eq!(matdiff::ast::Func::Inner.arity(), 2);
    /// ```
    pub fn arity(self) -> usize {
        match self {
            Func::Inner | Func::Solve | Func::Kron => 2,
            _ => 1,
        }
    }

    /// True for the functions applied entry by entry.
    ///
    /// ```
    /// use matdiff::ast::{Func, Map};
    /// assert!(Func::Map(Map::Exp).is_elementwise());
    /// assert!(!Func::Inv.is_elementwise());
    /// ```
    pub fn is_elementwise(self) -> bool {
        matches!(self, Func::Map(_))
    }

    /// True for an element-wise function with f(0) = 1 (`exp`, `cos`): a
    /// zero argument makes ones.
    ///
    /// ```
    /// use matdiff::ast::{Func, Map};
    /// assert!(Func::Map(Map::Exp).is_one_at_zero());
    /// ```
    pub fn is_one_at_zero(self) -> bool {
        matches!(self, Func::Map(map) if map.spec().at_zero == AtZero::One)
    }

    /// The shape of its value given its first argument's (a one-argument
    /// function's, or `inner`'s; [`Func::result_shape2`] takes both).
    ///
    /// ```
    /// use matdiff::ast::{Dim, Func, Shape};
    /// let x = Shape::new(Dim::Named("n".into()), Dim::One);
    /// assert_eq!(Func::Diag.result_shape(x.clone()).cols, Dim::Named("n".into()));
    /// assert!(Func::Sum.result_shape(x).is_scalar());
    /// ```
    pub fn result_shape(self, s: Shape) -> Shape {
        match self {
            Func::Inv | Func::Softmax | Func::Solve | Func::Kron | Func::Map(_) => s,
            Func::Vec => Shape::new(dim_product(&s.rows, &s.cols), Dim::One),
            Func::Diag if s.is_scalar() => s,
            Func::Diag if s.cols == Dim::One => Shape::new(s.rows.clone(), s.rows),
            Func::Diag if s.rows == Dim::One => Shape::new(s.cols.clone(), s.cols),
            Func::Diag => Shape::new(s.rows, Dim::One),
            Func::Tr
            | Func::Det
            | Func::Logdet
            | Func::Inner
            | Func::Sum
            | Func::Norm
            | Func::Norm1
            | Func::Logsumexp => Shape::scalar(),
        }
    }
}

impl Func {
    /// The shape of its value given both arguments' shapes.
    ///
    /// ```
    /// use matdiff::ast::{Dim, Func, Shape};
    /// let (a, b) = (Dim::Named("n".into()), Dim::Named("k".into()));
    /// let solved = Func::Solve.result_shape2(Shape::new(a.clone(), a.clone()), Shape::new(a.clone(), b.clone()));
    /// assert_eq!(solved, Shape::new(a, b));
    /// ```
    pub fn result_shape2(self, first: Shape, second: Shape) -> Shape {
        match self {
            // s \ B is B / s.
            Func::Solve if first.is_scalar() => second,
            Func::Solve => Shape::new(first.rows, second.cols),
            Func::Kron => Shape::new(
                dim_product(&first.rows, &second.rows),
                dim_product(&first.cols, &second.cols),
            ),
            _ => self.result_shape(first),
        }
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a function's name (egg patterns name functions this way).
impl FromStr for Func {
    type Err = ();
    fn from_str(s: &str) -> Result<Func, ()> {
        Func::from_name(s).ok_or(())
    }
}

/// Defines [`Map`], its list and its table from one line per function:
/// `Variant => SPEC,` with `SPEC` the function's [`MapSpec`].
macro_rules! element_wise_functions {
    ($($(#[$doc:meta])* $variant:ident => $spec:ident,)*) => {
        /// An element-wise function: one row of the table [`Map::spec`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Map {
            $($(#[$doc])* $variant,)*
        }

        impl Map {
            /// Every element-wise function.
            pub const ALL: &'static [Map] = &[$(Map::$variant,)*];

            /// The function's row of the table.
            ///
            /// ```
            /// use matdiff::ast::Map;
            /// assert_eq!((Map::Exp.spec().value)(0.0), 1.0);
            /// ```
            pub fn spec(self) -> &'static MapSpec {
                match self {
                    $(Map::$variant => &$spec,)*
                }
            }
        }
    };
}

element_wise_functions! {
    /// `exp`
    Exp => EXP,
    /// `log`
    Log => LOG,
    /// `sqrt`
    Sqrt => SQRT,
    /// `sin`
    Sin => SIN,
    /// `cos`
    Cos => COS,
    /// `tanh`
    Tanh => TANH,
    /// `sinh`
    Sinh => SINH,
    /// `cosh`
    Cosh => COSH,
    /// `abs`
    Abs => ABS,
    /// `sign`
    Sign => SIGN,
    /// `step`
    Step => STEP,
    /// `relu`
    Relu => RELU,
    /// `sigmoid`
    Sigmoid => SIGMOID,
    /// `softplus`
    Softplus => SOFTPLUS,
    /// `log1p`
    Log1p => LOG1P,
    /// `tan`
    Tan => TAN,
    /// `asin`
    Asin => ASIN,
    /// `acos`
    Acos => ACOS,
    /// `atan`
    Atan => ATAN,
}

/// Where an element-wise function is defined; `check` draws inside it and
/// the evaluator names a value outside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Every real number.
    Everywhere,
    /// Positive numbers (`log`).
    Positive,
    /// Non-negative numbers (`sqrt`).
    NonNegative,
    /// Numbers above −1 (`log1p`).
    AboveMinusOne,
    /// Numbers strictly between −1 and 1 (`asin`, `acos`).
    OpenUnitInterval,
}

impl Domain {
    /// Whether `x` is inside.
    ///
    /// ```
    /// use matdiff::ast::Domain;
    /// assert!(Domain::OpenUnitInterval.admits(0.5));
    /// assert!(!Domain::Positive.admits(0.0));
    /// ```
    pub fn admits(self, x: f64) -> bool {
        match self {
            Domain::Everywhere => true,
            Domain::Positive => x > 0.0,
            Domain::NonNegative => x >= 0.0,
            Domain::AboveMinusOne => x > -1.0,
            Domain::OpenUnitInterval => x > -1.0 && x < 1.0,
        }
    }

    /// What `x`, outside the domain, is, for an error message.
    pub fn outside(self, x: f64) -> &'static str {
        match self {
            _ if x == 0.0 => "zero",
            Domain::AboveMinusOne if x == -1.0 => "−1",
            Domain::AboveMinusOne => "a number below −1",
            Domain::OpenUnitInterval => "a number outside (−1, 1)",
            _ => "a negative number",
        }
    }
}

/// f(0), exactly: what a zero argument simplifies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtZero {
    /// f(0) = 0, so a zero argument gives a zero.
    Zero,
    /// f(0) = 1, so a zero argument gives ones.
    One,
    /// f(0) is another number (`sigmoid`, `acos`): kept as written.
    Other,
    /// f(0) is not a number (`log`).
    Undefined,
}

/// The argument of an element-wise function, seen by its derivative.
#[derive(Clone, Debug)]
pub struct Local<'a> {
    /// `a` of f(a).
    pub arg: &'a Expr,
    /// f(a) itself, so that `exp` reuses its value.
    pub value: &'a Expr,
    /// `1` or ones of a's shape, for forms like 1 − tanh(a)∘².
    pub ones: Expr,
}

/// How f'(a) meets the argument's tangent ȧ.
#[derive(Clone, Debug)]
pub enum Slope {
    /// f'(a) ⊙ ȧ.
    Times(Expr),
    /// −(g ⊙ ȧ), for f'(a) = −g.
    NegatedTimes(Expr),
    /// ȧ ⊘ g, for f'(a) = 1 ⊘ g.
    Over(Expr),
    /// −(ȧ ⊘ g), for f'(a) = −1 ⊘ g.
    NegatedOver(Expr),
    /// 0: the function is piecewise constant (`sign`, `step`), and at a
    /// kink the derivative taken is 0, as PyTorch and JAX take it.
    Zero,
}

/// How LaTeX writes a function's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Latex {
    /// A command of its own (`\exp`), followed by its argument in parentheses.
    Command(&'static str),
    /// `\sqrt{…}`.
    Root,
}

/// Everything the stages know of an element-wise function.
#[derive(Clone, Copy, Debug)]
pub struct MapSpec {
    /// Its name in the input language.
    pub name: &'static str,
    /// Its value at a number.
    pub value: fn(f64) -> f64,
    /// Where it is defined.
    pub domain: Domain,
    /// Its value at 0.
    pub at_zero: AtZero,
    /// Its derivative, built from its argument and value.
    pub slope: fn(&Local) -> Slope,
    /// The chain rule in words, for an array argument and a scalar one.
    pub words: [&'static str; 2],
    /// Its Unicode name, where that is not its plain name (`√`).
    pub unicode: Option<&'static str>,
    /// Its LaTeX form.
    pub latex: Latex,
    /// The NumPy expression computing it, `{}` standing for the argument.
    pub numpy: &'static str,
}

fn call(map: Map, arg: &Expr) -> Expr {
    Expr::call(Func::Map(map), vec![arg.clone()])
}

fn two() -> Expr {
    Expr::int(2)
}

const EXP: MapSpec = MapSpec {
    name: "exp",
    value: f64::exp,
    domain: Domain::Everywhere,
    at_zero: AtZero::One,
    slope: |l| Slope::Times(l.value.clone()),
    words: [
        "chain rule, entry by entry: d exp(M) = exp(M) ⊙ dM",
        "chain rule: d exp(s) = exp(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\exp"),
    numpy: "numpy.exp({})",
};

const LOG: MapSpec = MapSpec {
    name: "log",
    value: f64::ln,
    domain: Domain::Positive,
    at_zero: AtZero::Undefined,
    slope: |l| Slope::Over(l.arg.clone()),
    words: [
        "chain rule, entry by entry: d log(M) = dM ⊘ M",
        "chain rule: d log(s) = ds / s",
    ],
    unicode: None,
    latex: Latex::Command("\\log"),
    numpy: "numpy.log({})",
};

const SQRT: MapSpec = MapSpec {
    name: "sqrt",
    value: f64::sqrt,
    domain: Domain::NonNegative,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Over(Expr::mul(two(), l.value.clone())),
    words: [
        "chain rule, entry by entry: d √M = dM ⊘ (2 √M)",
        "chain rule: d √s = ds / (2 √s)",
    ],
    unicode: Some("√"),
    latex: Latex::Root,
    numpy: "numpy.sqrt({})",
};

const SIN: MapSpec = MapSpec {
    name: "sin",
    value: f64::sin,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(call(Map::Cos, l.arg)),
    words: [
        "chain rule, entry by entry: d sin(M) = cos(M) ⊙ dM",
        "chain rule: d sin(s) = cos(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\sin"),
    numpy: "numpy.sin({})",
};

const COS: MapSpec = MapSpec {
    name: "cos",
    value: f64::cos,
    domain: Domain::Everywhere,
    at_zero: AtZero::One,
    slope: |l| Slope::NegatedTimes(call(Map::Sin, l.arg)),
    words: [
        "chain rule, entry by entry: d cos(M) = −sin(M) ⊙ dM",
        "chain rule: d cos(s) = −sin(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\cos"),
    numpy: "numpy.cos({})",
};

// tanh' = 1 − tanh²
const TANH: MapSpec = MapSpec {
    name: "tanh",
    value: f64::tanh,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(Expr::sub(l.ones.clone(), square(l.value))),
    words: [
        "chain rule, entry by entry: d tanh(M) = (𝟙 − tanh(M)∘²) ⊙ dM",
        "chain rule: d tanh(s) = (1 − tanh(s)²) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\tanh"),
    numpy: "numpy.tanh({})",
};

const SINH: MapSpec = MapSpec {
    name: "sinh",
    value: f64::sinh,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(call(Map::Cosh, l.arg)),
    words: [
        "chain rule, entry by entry: d sinh(M) = cosh(M) ⊙ dM",
        "chain rule: d sinh(s) = cosh(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\sinh"),
    numpy: "numpy.sinh({})",
};

const COSH: MapSpec = MapSpec {
    name: "cosh",
    value: f64::cosh,
    domain: Domain::Everywhere,
    at_zero: AtZero::One,
    slope: |l| Slope::Times(call(Map::Sinh, l.arg)),
    words: [
        "chain rule, entry by entry: d cosh(M) = sinh(M) ⊙ dM",
        "chain rule: d cosh(s) = sinh(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\cosh"),
    numpy: "numpy.cosh({})",
};

fn square(e: &Expr) -> Expr {
    let two = num_rational::BigRational::from_integer(2.into());
    Expr::new(ExprKind::ElemPower(Box::new(e.clone()), two))
}

const ABS: MapSpec = MapSpec {
    name: "abs",
    value: f64::abs,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(call(Map::Sign, l.arg)),
    words: [
        "chain rule, entry by entry: d|M| = sign(M) ⊙ dM (0 at a kink)",
        "chain rule: d|s| = sign(s) ds (0 at the kink)",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{abs}"),
    numpy: "numpy.abs({})",
};

const SIGN: MapSpec = MapSpec {
    name: "sign",
    value: |a| {
        if a > 0.0 {
            1.0
        } else if a < 0.0 {
            -1.0
        } else {
            0.0
        }
    },
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |_| Slope::Zero,
    words: [
        "sign is piecewise constant: d sign(M) = 0 (0 at a kink)",
        "sign is piecewise constant: d sign(s) = 0 (0 at the kink)",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{sign}"),
    numpy: "numpy.sign({})",
};

const STEP: MapSpec = MapSpec {
    name: "step",
    value: |a| if a > 0.0 { 1.0 } else { 0.0 },
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |_| Slope::Zero,
    words: [
        "the unit step is piecewise constant: d step(M) = 0 (0 at a kink)",
        "the unit step is piecewise constant: d step(s) = 0 (0 at the kink)",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{step}"),
    numpy: "numpy.heaviside({}, 0.0)",
};

const RELU: MapSpec = MapSpec {
    name: "relu",
    value: |a| a.max(0.0),
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(call(Map::Step, l.arg)),
    words: [
        "chain rule, entry by entry: d relu(M) = step(M) ⊙ dM (0 at a kink)",
        "chain rule: d relu(s) = step(s) ds (0 at the kink)",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{relu}"),
    numpy: "numpy.maximum({}, 0.0)",
};

// σ' = σ (1 − σ)
const SIGMOID: MapSpec = MapSpec {
    name: "sigmoid",
    value: |a| {
        // 1/(1 + e^-a) without overflow for large negative a.
        if a >= 0.0 {
            1.0 / (1.0 + (-a).exp())
        } else {
            let e = a.exp();
            e / (1.0 + e)
        }
    },
    domain: Domain::Everywhere,
    at_zero: AtZero::Other,
    slope: |l| {
        let complement = Expr::sub(l.ones.clone(), l.value.clone());
        Slope::Times(Expr::binary(
            super::BinOp::EMul,
            l.value.clone(),
            complement,
        ))
    },
    words: [
        "chain rule, entry by entry: d σ(M) = σ(M) ⊙ (𝟙 − σ(M)) ⊙ dM",
        "chain rule: d σ(s) = σ(s) (1 − σ(s)) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{sigmoid}"),
    numpy: "(1.0 / (1.0 + numpy.exp(-({}))))",
};

// softplus' = sigmoid
const SOFTPLUS: MapSpec = MapSpec {
    name: "softplus",
    // log(1 + e^a) = max(a, 0) + log(1 + e^-|a|), without overflow.
    value: |a| a.max(0.0) + (-a.abs()).exp().ln_1p(),
    domain: Domain::Everywhere,
    at_zero: AtZero::Other,
    slope: |l| Slope::Times(call(Map::Sigmoid, l.arg)),
    words: [
        "chain rule, entry by entry: d softplus(M) = σ(M) ⊙ dM",
        "chain rule: d softplus(s) = σ(s) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{softplus}"),
    numpy: "numpy.logaddexp(0.0, {})",
};

const LOG1P: MapSpec = MapSpec {
    name: "log1p",
    value: f64::ln_1p,
    domain: Domain::AboveMinusOne,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Over(Expr::add(l.ones.clone(), l.arg.clone())),
    words: [
        "chain rule, entry by entry: d log1p(M) = dM ⊘ (𝟙 + M)",
        "chain rule: d log1p(s) = ds / (1 + s)",
    ],
    unicode: None,
    latex: Latex::Command("\\operatorname{log1p}"),
    numpy: "numpy.log1p({})",
};

// tan' = 1 + tan²
const TAN: MapSpec = MapSpec {
    name: "tan",
    value: f64::tan,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Times(Expr::add(l.ones.clone(), square(l.value))),
    words: [
        "chain rule, entry by entry: d tan(M) = (𝟙 + tan(M)∘²) ⊙ dM",
        "chain rule: d tan(s) = (1 + tan(s)²) ds",
    ],
    unicode: None,
    latex: Latex::Command("\\tan"),
    numpy: "numpy.tan({})",
};

fn root_of_one_minus_square(l: &Local) -> Expr {
    call(Map::Sqrt, &Expr::sub(l.ones.clone(), square(l.arg)))
}

const ASIN: MapSpec = MapSpec {
    name: "asin",
    value: f64::asin,
    domain: Domain::OpenUnitInterval,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Over(root_of_one_minus_square(l)),
    words: [
        "chain rule, entry by entry: d asin(M) = dM ⊘ √(𝟙 − M∘²)",
        "chain rule: d asin(s) = ds / √(1 − s²)",
    ],
    unicode: None,
    latex: Latex::Command("\\arcsin"),
    numpy: "numpy.arcsin({})",
};

const ACOS: MapSpec = MapSpec {
    name: "acos",
    value: f64::acos,
    domain: Domain::OpenUnitInterval,
    at_zero: AtZero::Other,
    slope: |l| Slope::NegatedOver(root_of_one_minus_square(l)),
    words: [
        "chain rule, entry by entry: d acos(M) = −dM ⊘ √(𝟙 − M∘²)",
        "chain rule: d acos(s) = −ds / √(1 − s²)",
    ],
    unicode: None,
    latex: Latex::Command("\\arccos"),
    numpy: "numpy.arccos({})",
};

const ATAN: MapSpec = MapSpec {
    name: "atan",
    value: f64::atan,
    domain: Domain::Everywhere,
    at_zero: AtZero::Zero,
    slope: |l| Slope::Over(Expr::add(l.ones.clone(), square(l.arg))),
    words: [
        "chain rule, entry by entry: d atan(M) = dM ⊘ (𝟙 + M∘²)",
        "chain rule: d atan(s) = ds / (1 + s²)",
    ],
    unicode: None,
    latex: Latex::Command("\\arctan"),
    numpy: "numpy.arctan({})",
};
