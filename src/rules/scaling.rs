//! Scalings written as what they cost: a product with a diagonal matrix
//! scales rows or columns (m n flops, not n² m), and a matrix of ones is
//! the outer product of two vectors of ones, so that a product with it is
//! two matrix-vector products. The vectors of ones take their sizes from
//! the match, which a pattern cannot write: [`WithOnes`] makes them.

use super::{column, data, matrix, not_ones, ones, var, FromMatch, RightSideFromMatch, RuleSpec};
use crate::ast::Dim;
use crate::egraph::{Leaf, Math, MathGraph};
use egg::{ENodeOrVar, Pattern, PatternAst, RecExpr, Subst, Var};

// The right sides, their columns of ones as the variables `?o`, `?u`, `?w`.
const ROWS_SCALED: &str = "(.* (* ?v (T ?o)) ?a)";
const COLUMNS_SCALED: &str = "(.* ?a (* ?o (T ?v)))";
const ONES_ON_THE_LEFT: &str = "(* ?u (* (T ?w) ?b))";
const ONES_ON_THE_RIGHT: &str = "(* (* ?a ?u) (T ?w))";

pub(super) fn rules() -> Vec<RuleSpec> {
    vec![
        rule!("diagonal-scales-rows", "a diagonal matrix on the left scales rows",
            "diag(v) A" = "(v 𝟙ᵀ) ⊙ A";
            "(* (diag ?v) ?a)" => {
                FromMatch(WithOnes::new(ROWS_SCALED, &[("?o", "?a", Side::Cols)]))
            } if column("?v") if wide("?a")),
        rule!("diagonal-scales-columns", "a diagonal matrix on the right scales columns",
            "A diag(v)" = "A ⊙ (𝟙 vᵀ)";
            "(* ?a (diag ?v))" => {
                FromMatch(WithOnes::new(COLUMNS_SCALED, &[("?o", "?a", Side::Rows)]))
            } if column("?v") if tall("?a")),
        rule!("ones-outer-left", "a matrix of ones is an outer product", "𝟙 B" = "𝟙 (𝟙ᵀ B)";
            "(* ?o ?b)" => {
                FromMatch(WithOnes::new(ONES_ON_THE_LEFT, &[("?u", "?o", Side::Rows), ("?w", "?o", Side::Cols)]))
            } if ones("?o") if wide("?o") if tall("?o") if matrix("?b") if not_ones("?b")),
        rule!("ones-outer-right", "a matrix of ones is an outer product", "A 𝟙" = "(A 𝟙) 𝟙ᵀ";
            "(* ?a ?o)" => {
                FromMatch(WithOnes::new(ONES_ON_THE_RIGHT, &[("?u", "?o", Side::Rows), ("?w", "?o", Side::Cols)]))
            } if ones("?o") if wide("?o") if tall("?o") if matrix("?a") if not_ones("?a")),
    ]
}

/// The right side each rule here writes, its columns of ones as pattern
/// variables; see [`super::written_by`].
pub(super) fn written_by(rule: &str) -> Option<PatternAst<Math>> {
    let template = match rule {
        "diagonal-scales-rows" => ROWS_SCALED,
        "diagonal-scales-columns" => COLUMNS_SCALED,
        "ones-outer-left" => ONES_ON_THE_LEFT,
        "ones-outer-right" => ONES_ON_THE_RIGHT,
        _ => return None,
    };
    Some(template.parse::<Pattern<Math>>().expect("a right side").ast)
}

/// `v` has more than one column.
fn wide(v: &str) -> super::Condition {
    let v = var(v);
    Box::new(move |g, _, s| data(g, s, v).shape.cols != Dim::One)
}

/// `v` has more than one row.
fn tall(v: &str) -> super::Condition {
    let v = var(v);
    Box::new(move |g, _, s| data(g, s, v).shape.rows != Dim::One)
}

/// Which size of the matched value a vector of ones takes.
#[derive(Clone, Copy)]
enum Side {
    Rows,
    Cols,
}

/// A right side with vectors of ones sized from the match: each of
/// `made` binds a pattern variable to the column of ones as long as the
/// rows or columns of another.
struct WithOnes {
    template: Pattern<Math>,
    made: Vec<(Var, Var, Side)>,
}

impl WithOnes {
    fn new(template: &str, made: &[(&str, &str, Side)]) -> WithOnes {
        WithOnes {
            template: template.parse().expect("a right side"),
            made: made
                .iter()
                .map(|(ones, like, side)| (var(ones), var(like), *side))
                .collect(),
        }
    }
}

impl RightSideFromMatch for WithOnes {
    fn right_side(&self, egraph: &MathGraph, subst: &Subst) -> Option<PatternAst<Math>> {
        // The right side with each made variable written as its column of
        // ones: every variable left is bound by the match, as an
        // explaining run needs to replay the rewrite.
        let nodes = self
            .template
            .ast
            .as_ref()
            .iter()
            .map(|node| match node {
                ENodeOrVar::Var(v) => match self.made.iter().find(|(ones, ..)| ones == v) {
                    Some((_, like, side)) => {
                        let shape = &egraph[subst[*like]].data.shape;
                        let length = match side {
                            Side::Rows => shape.rows.clone(),
                            Side::Cols => shape.cols.clone(),
                        };
                        ENodeOrVar::ENode(Math::Leaf(Leaf::Ones(length, Dim::One)))
                    }
                    None => ENodeOrVar::Var(*v),
                },
                ENodeOrVar::ENode(n) => ENodeOrVar::ENode(n.clone()),
            })
            .collect::<Vec<_>>();
        Some(RecExpr::from(nodes))
    }

    fn uses(&self) -> Vec<Var> {
        self.template
            .vars()
            .into_iter()
            .filter(|v| !self.made.iter().any(|(ones, ..)| ones == v))
            .collect()
    }
}
