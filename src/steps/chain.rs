//! The steps collected so far, chain by chain: a chain's lines share a
//! left side, and a line that differs from the one above only in
//! bookkeeping (bracketing, the place of a sign or of a number factor)
//! takes no line of its own.

use super::{Formula, StepLine, MAX_STEP_NODES};
use crate::ast::{BinOp, Expr, ExprKind};
use crate::error::{Error, Result};
use crate::print::Notation;
use num_rational::BigRational;
use num_traits::{One, Signed};

/// The steps collected so far.
#[derive(Clone, Default)]
pub(super) struct Out {
    lines: Vec<StepLine>,
    /// The right side the current chain has reached. The last line shows
    /// it, or a form of it that differs only in bookkeeping.
    current: Option<Formula>,
    nodes: usize,
}

impl Out {
    /// Starts a chain `lhs = rhs`.
    pub(super) fn start(&mut self, lhs: Expr, rhs: Formula, rule: impl Into<String>) -> Result<()> {
        self.close_chain();
        self.current = Some(rhs.clone());
        self.push(StepLine {
            lhs,
            rhs,
            rule: rule.into(),
            continues: false,
        })
    }

    /// Continues the current chain with `= rhs`. A right side equal to the
    /// last one is dropped. One that differs from it only in how products
    /// and sums are bracketed, where a sign stands or where a number
    /// factor stands takes no line of its own: the shorter of the two is
    /// shown, and the chain's last line always shows where it ends.
    pub(super) fn then(&mut self, rhs: Formula, rule: impl Into<String>) -> Result<()> {
        let current = self.current.as_ref().expect("a chain has been started");
        if *current == rhs {
            return Ok(());
        }
        let last = self.lines.last_mut().expect("a chain has been started");
        if last.rhs.differentials == rhs.differentials
            && bookkeeping_form(&last.rhs.expr) == bookkeeping_form(&rhs.expr)
        {
            let shorter =
                rhs.render(Notation::Plain).len() <= last.rhs.render(Notation::Plain).len();
            if shorter {
                self.nodes += rhs.expr.size();
                last.rhs = rhs.clone();
            }
            self.current = Some(rhs);
            return self.check_size();
        }
        let lhs = self
            .lines
            .last()
            .expect("a chain has been started")
            .lhs
            .clone();
        self.current = Some(rhs.clone());
        self.push(StepLine {
            lhs,
            rhs,
            rule: rule.into(),
            continues: true,
        })
    }

    /// Makes the last line show exactly where the chain has got to.
    fn close_chain(&mut self) {
        if let (Some(current), Some(last)) = (&self.current, self.lines.last_mut()) {
            if last.rhs != *current {
                last.rhs = current.clone();
            }
        }
    }

    fn push(&mut self, line: StepLine) -> Result<()> {
        self.nodes += line.rhs.expr.size() + line.lhs.size();
        self.lines.push(line);
        self.check_size()
    }

    fn check_size(&self) -> Result<()> {
        if self.nodes > MAX_STEP_NODES {
            return Err(Error::whole_program(format!(
                "the derivation is too long to show step by step (more than {MAX_STEP_NODES} nodes)"
            ))
            .with_help("leave out --steps, or differentiate a smaller program"));
        }
        Ok(())
    }

    /// The lines, the last chain closed.
    pub(super) fn finish(mut self) -> Vec<StepLine> {
        self.close_chain();
        self.lines
    }
}

/// The expression with products and sums flattened and every sign moved to
/// the front of its term: two expressions with the same form differ only in
/// bookkeeping (`-(A * B) * C` and `-A * (B * C)`).
pub(super) fn bookkeeping_form(e: &Expr) -> Expr {
    let mut terms = Vec::new();
    collect_signed_terms(e, false, &mut terms);
    terms
        .into_iter()
        .map(|(negative, factors)| {
            let product = factors
                .into_iter()
                .reduce(Expr::mul)
                .unwrap_or_else(|| Expr::int(1));
            if negative {
                Expr::neg(product)
            } else {
                product
            }
        })
        .reduce(Expr::add)
        .unwrap_or_else(|| Expr::int(0))
}

pub(super) fn collect_signed_terms(e: &Expr, negative: bool, out: &mut Vec<(bool, Vec<Expr>)>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Add, a, b) => {
            collect_signed_terms(a, negative, out);
            collect_signed_terms(b, negative, out);
        }
        ExprKind::Binary(BinOp::Sub, a, b) => {
            collect_signed_terms(a, negative, out);
            collect_signed_terms(b, !negative, out);
        }
        ExprKind::Neg(a) => collect_signed_terms(a, !negative, out),
        _ => {
            let mut sign = negative;
            let mut factors = Vec::new();
            collect_signed_factors(e, &mut sign, &mut factors);
            // Numbers commute with every factor: they gather in front.
            let (numbers, rest): (Vec<Expr>, Vec<Expr>) =
                factors.into_iter().partition(|f| f.as_num().is_some());
            let coefficient = numbers
                .iter()
                .filter_map(Expr::as_num)
                .fold(BigRational::one(), |c, n| c * n);
            let mut factors = Vec::new();
            if !coefficient.is_one() {
                factors.push(Expr::num(coefficient));
            }
            factors.extend(rest);
            out.push((sign, factors));
        }
    }
}

fn collect_signed_factors(e: &Expr, negative: &mut bool, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, b) => {
            collect_signed_factors(a, negative, out);
            collect_signed_factors(b, negative, out);
        }
        ExprKind::Neg(a) => {
            *negative = !*negative;
            collect_signed_factors(a, negative, out);
        }
        ExprKind::Num(v) if v.is_negative() => {
            *negative = !*negative;
            let magnitude = v.abs();
            if !magnitude.is_one() {
                out.push(Expr::num(magnitude));
            }
        }
        ExprKind::Num(v) if v.is_one() => {}
        ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => out.push(bookkeeping_form(e)),
        _ => out.push(e.map_children(&mut bookkeeping_form)),
    }
}
