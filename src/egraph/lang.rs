//! The e-graph's language, mirroring the AST, and its analysis: every
//! e-class knows its shape and, for scalar constants, its exact value.

use crate::ast::{Dim, Func, Name, Shape};
use crate::shape::Env;
use egg::{Analysis, DidMerge, EGraph, Id};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use std::fmt;
use std::str::FromStr;

/// An exact rational constant, printable and parseable for egg patterns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rational(pub BigRational);

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Rational {
    type Err = ();
    fn from_str(s: &str) -> Result<Rational, ()> {
        let (n, d) = s.split_once('/').unwrap_or((s, "1"));
        let n: BigInt = n.parse().map_err(|_| ())?;
        let d: BigInt = d.parse().map_err(|_| ())?;
        if d.is_zero() {
            return Err(());
        }
        Ok(Rational(BigRational::new(n, d)))
    }
}

/// A leaf: a variable, or the sized constants `I` and `ones`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Leaf {
    /// A (possibly marked) variable.
    Var(Name),
    /// The identity of a size.
    Identity(Dim),
    /// All ones of a shape.
    Ones(Dim, Dim),
}

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leaf::Var(name) => write!(f, "{name}"),
            Leaf::Identity(d) => write!(f, "I[{d}]"),
            Leaf::Ones(r, c) => write!(f, "ones[{r},{c}]"),
        }
    }
}

impl FromStr for Leaf {
    type Err = ();
    /// Rules never name leaves; only pattern variables and numbers.
    fn from_str(_: &str) -> Result<Leaf, ()> {
        Err(())
    }
}

/// Matrix expressions as e-nodes. `-` is `+` of a negation; a power's
/// exponent is a constant child. Variants are named after the operators
/// they stand for.
///
/// Written out rather than by `define_language!` for one reason: egg finds
/// a pattern's candidate classes by the discriminant of its root, and the
/// macro's discriminant is the variant alone, so every rule rooted at a call
/// (`tr`, `inv`, `exp`, …) would scan every class holding any call. Here a
/// call's discriminant includes its function.
#[allow(missing_docs)]
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Clone)]
pub enum Math {
    Add([Id; 2]),
    Mul([Id; 2]),
    Div([Id; 2]),
    EMul([Id; 2]),
    EDiv([Id; 2]),
    Neg(Id),
    Trans(Id),
    Pow([Id; 2]),
    EPow([Id; 2]),
    // Every function is an op plus children, named as in the input
    // language (`(tr ?a)`, `(exp ?a)`); see `ast::Func`. Unary and binary
    // calls are separate variants so that children stay inline (no
    // allocation per e-node).
    Call(Func, Id),
    Call2(Func, [Id; 2]),
    Num(Rational),
    Leaf(Leaf),
}

impl egg::Language for Math {
    type Discriminant = (std::mem::Discriminant<Math>, Option<Func>);

    #[inline(always)]
    fn discriminant(&self) -> Self::Discriminant {
        (std::mem::discriminant(self), self.func())
    }

    #[inline(always)]
    fn matches(&self, other: &Self) -> bool {
        match (self, other) {
            (Math::Num(a), Math::Num(b)) => a == b,
            (Math::Leaf(a), Math::Leaf(b)) => a == b,
            _ => self.discriminant() == other.discriminant(),
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            Math::Add(ids)
            | Math::Mul(ids)
            | Math::Div(ids)
            | Math::EMul(ids)
            | Math::EDiv(ids)
            | Math::Pow(ids)
            | Math::EPow(ids)
            | Math::Call2(_, ids) => ids,
            Math::Neg(id) | Math::Trans(id) | Math::Call(_, id) => std::slice::from_ref(id),
            Math::Num(_) | Math::Leaf(_) => &[],
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            Math::Add(ids)
            | Math::Mul(ids)
            | Math::Div(ids)
            | Math::EMul(ids)
            | Math::EDiv(ids)
            | Math::Pow(ids)
            | Math::EPow(ids)
            | Math::Call2(_, ids) => ids,
            Math::Neg(id) | Math::Trans(id) | Math::Call(_, id) => std::slice::from_mut(id),
            Math::Num(_) | Math::Leaf(_) => &mut [],
        }
    }
}

impl fmt::Display for Math {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Math::Add(_) => f.write_str("+"),
            Math::Mul(_) => f.write_str("*"),
            Math::Div(_) => f.write_str("/"),
            Math::EMul(_) => f.write_str(".*"),
            Math::EDiv(_) => f.write_str("./"),
            Math::Neg(_) => f.write_str("neg"),
            Math::Trans(_) => f.write_str("T"),
            Math::Pow(_) => f.write_str("pow"),
            Math::EPow(_) => f.write_str("epow"),
            Math::Call(func, _) | Math::Call2(func, _) => fmt::Display::fmt(func, f),
            Math::Num(n) => fmt::Display::fmt(n, f),
            Math::Leaf(leaf) => fmt::Display::fmt(leaf, f),
        }
    }
}

/// Reads rule patterns: operators by the names [`Math`]'s `Display` gives
/// them, functions by their names in the input language, numbers exactly.
impl egg::FromOp for Math {
    type Error = egg::FromOpError;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Math, egg::FromOpError> {
        let node = match (op, children.as_slice()) {
            ("+", &[a, b]) => Math::Add([a, b]),
            ("*", &[a, b]) => Math::Mul([a, b]),
            ("/", &[a, b]) => Math::Div([a, b]),
            (".*", &[a, b]) => Math::EMul([a, b]),
            ("./", &[a, b]) => Math::EDiv([a, b]),
            ("neg", &[a]) => Math::Neg(a),
            ("T", &[a]) => Math::Trans(a),
            ("pow", &[a, b]) => Math::Pow([a, b]),
            ("epow", &[a, b]) => Math::EPow([a, b]),
            (_, &[a]) if op.parse::<Func>().is_ok() => Math::Call(op.parse().unwrap(), a),
            (_, &[a, b]) if op.parse::<Func>().is_ok() => Math::Call2(op.parse().unwrap(), [a, b]),
            (_, []) if op.parse::<Rational>().is_ok() => Math::Num(op.parse().unwrap()),
            (_, []) if op.parse::<Leaf>().is_ok() => Math::Leaf(op.parse().unwrap()),
            _ => return Err(egg::FromOpError::new(op, children)),
        };
        Ok(node)
    }
}

impl Math {
    /// The function an e-node applies, for the calls.
    pub fn func(&self) -> Option<Func> {
        match self {
            Math::Call(func, _) | Math::Call2(func, _) => Some(*func),
            _ => None,
        }
    }
}

/// What an e-class knows of itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// Its shape.
    pub shape: Shape,
    /// Its exact value, for scalar constants.
    pub constant: Option<BigRational>,
    /// True for a symmetric value (a symmetric input or its tangent, `I`).
    pub symmetric: bool,
}

/// The analysis: shapes from the program's [`Env`], constants folded
/// exactly (never a panic on 1/0: such a fold is simply not made).
#[derive(Clone, Debug, Default)]
pub struct MathAnalysis {
    /// Shapes of the program's names.
    pub env: Env,
}

/// The graph type used throughout.
pub type MathGraph = EGraph<Math, MathAnalysis>;

fn fold(node: &Math, c: &dyn Fn(Id) -> Option<BigRational>) -> Option<BigRational> {
    Some(match node {
        Math::Num(r) => r.0.clone(),
        Math::Add([a, b]) => c(*a)? + c(*b)?,
        Math::Mul([a, b]) => c(*a)? * c(*b)?,
        Math::Neg(a) => -c(*a)?,
        Math::Div([a, b]) => {
            let d = c(*b)?;
            if d.is_zero() {
                return None;
            }
            c(*a)? / d
        }
        Math::Pow([a, k]) | Math::EPow([a, k]) => {
            let (base, k) = (c(*a)?, c(*k)?);
            // An entry-wise exponent may be a fraction, which has no exact
            // value to fold to.
            if !k.is_integer() {
                return None;
            }
            let k = k.to_integer().to_i64().filter(|k| k.unsigned_abs() <= 64)?;
            if base.is_zero() && k < 0 || !crate::limits::power_fits(&base, k) {
                return None;
            }
            let p = num_traits::pow(base, k.unsigned_abs() as usize);
            if k < 0 {
                p.recip()
            } else {
                p
            }
        }
        Math::Trans(a) => c(*a)?,
        Math::Call(Func::Tr | Func::Det | Func::Sum | Func::Diag, a) => c(*a)?,
        _ => return None,
    })
}

impl Analysis<Math> for MathAnalysis {
    type Data = Data;

    fn make(egraph: &mut MathGraph, node: &Math, _id: Id) -> Data {
        let data = |id: &Id| egraph[*id].data.clone();
        let shape_of = |id: &Id| egraph[*id].data.shape.clone();
        let scalar = Shape::scalar;
        let shape = match node {
            Math::Num(_) => scalar(),
            Math::Leaf(Leaf::Var(name)) => egraph.analysis.env.name_shape(name),
            Math::Leaf(Leaf::Identity(d)) => Shape::new(d.clone(), d.clone()),
            Math::Leaf(Leaf::Ones(r, c)) => Shape::new(r.clone(), c.clone()),
            Math::Add([a, b]) | Math::EMul([a, b]) | Math::EDiv([a, b]) => {
                let (sa, sb) = (shape_of(a), shape_of(b));
                if sa.is_scalar() {
                    sb
                } else {
                    sa
                }
            }
            Math::Mul([a, b]) => shape_of(a).times(&shape_of(b)).unwrap_or_else(scalar),
            Math::Div([a, _]) | Math::Neg(a) | Math::Pow([a, _]) | Math::EPow([a, _]) => {
                shape_of(a)
            }
            Math::Trans(a) => shape_of(a).transposed(),
            Math::Call(func, a) => func.result_shape(shape_of(a)),
            Math::Call2(func, [a, b]) => func.result_shape2(shape_of(a), shape_of(b)),
        };
        let constant = if shape.is_scalar() {
            fold(node, &|id| egraph[id].data.constant.clone())
        } else {
            None
        };
        let symmetric = match node {
            Math::Leaf(Leaf::Var(name)) => {
                egraph.analysis.env.is_symmetric(name)
                    && name.marks.iter().all(|m| *m == crate::ast::Mark::Dot)
            }
            Math::Leaf(Leaf::Identity(_)) => true,
            Math::Add([a, b]) | Math::EMul([a, b]) => data(a).symmetric && data(b).symmetric,
            Math::Neg(a) | Math::Trans(a) | Math::Pow([a, _]) => data(a).symmetric,
            Math::Call(Func::Inv, a) => data(a).symmetric,
            _ => false,
        } || shape.is_scalar();
        Data {
            shape,
            constant,
            symmetric,
        }
    }

    fn merge(&mut self, a: &mut Data, b: Data) -> DidMerge {
        let mut changed_a = false;
        if a.constant.is_none() && b.constant.is_some() {
            a.constant = b.constant.clone();
            changed_a = true;
        }
        if !a.symmetric && b.symmetric {
            a.symmetric = true;
            changed_a = true;
        }
        let changed_b =
            (a.constant.is_some() && b.constant.is_none()) || (a.symmetric && !b.symmetric);
        DidMerge(changed_a, changed_b)
    }

    fn modify(egraph: &mut MathGraph, id: Id) {
        if let Some(c) = egraph[id].data.constant.clone() {
            let num = egraph.add(Math::Num(Rational(c)));
            egraph.union(id, num);
        }
    }
}
