//! Sums of entries are linear: over a sum, a sign and a scalar factor
//! they distribute (directed, never gathered back), and `n` ones sum to
//! `n`. So a centred vector's entries sum to zero, `𝟙ᵀ (x − μ 𝟙) = 0` for
//! `μ = sum(x) / n`, as the gradients of a variance or a normalisation
//! need.

use super::{
    column, not_ones, ones, row_of_ones, scalar, var, FromMatch, RightSideFromMatch, RuleSpec,
};
use crate::ast::{Dim, Func};
use crate::egraph::{Leaf, Math, MathGraph, Rational};
use egg::{ENodeOrVar, Id, PatternAst, RecExpr, Subst, Var};
use num_rational::BigRational;

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("sum-distributes", "the sum of entries is linear", "sum(A + B)" = "sum(A) + sum(B)";
            "(sum (+ ?a ?b))" => "(+ (sum ?a) (sum ?b))"),
        rule!("sum-negate", "the sum of entries is linear", "sum(−A)" = "−sum(A)";
            "(sum (neg ?a))" => "(neg (sum ?a))"),
        rule!("sum-scalar-factor", "a scalar factor comes out", "sum(s A)" = "s sum(A)";
            "(sum (* ?s ?a))" => "(* ?s (sum ?a))" if scalar("?s")),
        rule!("ones-row-distributes", "the sum of entries is linear", "𝟙ᵀ (u + v)" = "𝟙ᵀ u + 𝟙ᵀ v";
            "(* ?r (+ ?a ?b))" => "(+ (* ?r ?a) (* ?r ?b))" if row_of_ones("?r") if column("?a")),
        rule!("ones-row-times-vector", "ones pair with a vector as its sum", "𝟙ᵀ v" = "sum(v)";
            "(* ?r ?v)" => "(sum ?v)" if row_of_ones("?r") if column("?v") if not_ones("?v")),
        // The mean times the count, `(sum(x) / n) n`, is the sum again.
        rule!("scalar-quotient-cancel", "a factor over itself cancels", "(s / t) t" = "s";
            "(* (/ ?s ?t) ?t)" => "?s" if scalar("?s") if scalar("?t")),
        rule!("sum-of-ones", "n ones sum to n", "sum(𝟙ₙ)" = "n";
            "(sum ?o)" => { FromMatch(EntryCount(var("?o"))) } if ones("?o")),
        rule!("ones-times-ones", "n ones sum to n", "𝟙ₙᵀ 𝟙ₙ" = "n";
            "(* ?r ?o)" => { FromMatch(EntryCount(var("?o"))) } if row_of_ones("?r") if ones("?o") if column("?o")),
    ]
}

/// What the counts of entries write at most, their dimensions as
/// variables: `m n`, each as `tr(I)`; see [`super::written_by`].
pub(super) fn written_by(rule: &str) -> Option<PatternAst<Math>> {
    matches!(rule, "sum-of-ones" | "ones-times-ones").then(|| {
        "(* (tr ?rows) (tr ?cols))"
            .parse::<egg::Pattern<Math>>()
            .expect("a right side")
            .ast
    })
}

/// The number of entries of the value bound to the variable, as a number
/// or a dimension's name: the right side of a sum of ones.
struct EntryCount(Var);

impl EntryCount {
    /// Adds the dimension as a number to `rhs`: a fixed size as itself, a
    /// named one as `tr(I)`, the form analysis gives a dimension used in
    /// an expression.
    fn count(dim: &Dim, rhs: &mut PatternAst<Math>) -> Id {
        match dim {
            Dim::One => rhs.add(ENodeOrVar::ENode(Math::Num(Rational(
                BigRational::from_integer(1.into()),
            )))),
            Dim::Size(k) => rhs.add(ENodeOrVar::ENode(Math::Num(Rational(
                BigRational::from_integer((*k).into()),
            )))),
            Dim::Named(_) | Dim::Product(_) => {
                let identity = rhs.add(ENodeOrVar::ENode(Math::Leaf(Leaf::Identity(dim.clone()))));
                rhs.add(ENodeOrVar::ENode(Math::Call(Func::Tr, identity)))
            }
        }
    }
}

impl RightSideFromMatch for EntryCount {
    fn right_side(&self, egraph: &MathGraph, subst: &Subst) -> Option<PatternAst<Math>> {
        let shape = &egraph[subst[self.0]].data.shape;
        let mut rhs: PatternAst<Math> = RecExpr::default();
        match (&shape.rows, &shape.cols) {
            (Dim::One, dim) | (dim, Dim::One) => {
                Self::count(dim, &mut rhs);
            }
            (rows, cols) => {
                let rows = Self::count(rows, &mut rhs);
                let cols = Self::count(cols, &mut rhs);
                rhs.add(ENodeOrVar::ENode(Math::Mul([rows, cols])));
            }
        }
        Some(rhs)
    }

    fn uses(&self) -> Vec<Var> {
        vec![self.0]
    }
}
