//! Settling the constants' sizes once inference has fixed what it can,
//! and writing them into the expression.

use super::{Side, Slot, Typer};
use crate::ast::{BinOp, Expr, ExprKind, Shape};
use crate::error::{Error, Result};

impl Typer {
    /// Decides what waits, then sizes what nothing determined: an all-ones
    /// value with free columns is a column vector; any other open size is
    /// an error at the constant.
    pub(in crate::shape) fn settle(&mut self, slots: &[Slot]) -> Result<()> {
        self.settle_with(slots, true)
    }

    /// [`Typer::settle`], with or without the convention that a bare
    /// `ones` whose columns nothing fixes is a column. Printed results do not
    /// lean on it: a reader may not know it.
    pub(in crate::shape) fn settle_with(
        &mut self,
        slots: &[Slot],
        column_default: bool,
    ) -> Result<()> {
        self.resolve_deferred()?;
        let defaulted = slots
            .iter()
            .filter(|s| column_default && s.ones && !s.given)
            .copied()
            .collect::<Vec<_>>();
        for slot in &defaulted {
            if self.is_free(slot.dims.1) && !self.is_free(slot.dims.0) {
                let one = self.one();
                // A column here may contradict nothing: a free dimension unifies with 1.
                let _ = self.unify(slot.dims.1, one);
                self.resolve_deferred()?;
            }
        }
        for slot in &defaulted {
            if self.is_free(slot.dims.1) {
                let one = self.one();
                let _ = self.unify(slot.dims.1, one);
                self.resolve_deferred()?;
            }
        }
        for slot in slots {
            let what = if slot.ones { "ones" } else { "I" };
            if self.is_free(slot.dims.0) || self.is_free(slot.dims.1) {
                return Err(Error::input(
                    format!("the size of `{what}` cannot be inferred here"),
                    slot.span,
                )
                .with_help(if slot.ones {
                    "write its size, as in `ones(n)` or `ones(m, n)`, or use `ones` where the other operand fixes it, as in `A + ones`"
                } else {
                    "write its size, as in `I(n)`, or use `I` where the other operand fixes it, as in `A + I`"
                }));
            }
            if !slot.given && self.is_one(slot.dims.0) && self.is_one(slot.dims.1) {
                return Err(Error::input(
                    format!("`{what}` here would be 1×1, a scalar"),
                    slot.span,
                )
                .with_help("write the number 1"));
            }
        }
        if let Some(d) = self.deferred.first().cloned() {
            return Err(Error::input(
                format!(
                    "cannot tell whether `{}` or `{}` is a scalar here",
                    d.left, d.right
                ),
                d.at,
            )
            .with_help("write the sizes of `I` and `ones`, as in `I(n)` or `ones(m, n)`"));
        }
        Ok(())
    }

    /// True for a dimension of a constant that nothing has fixed.
    pub(in crate::shape) fn is_free(&mut self, id: usize) -> bool {
        let root = self.find(id);
        self.bound[root].is_none() && self.constant[root]
    }

    pub(in crate::shape) fn fill_sizes(
        &mut self,
        expr: &Expr,
        slots: &mut std::vec::IntoIter<Slot>,
    ) -> Expr {
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
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let a = self.fill_sizes(a, slots);
                let b = self.fill_sizes(b, slots);
                // A broadcast's slot follows its operands' slots.
                let side = match slots.as_slice().first() {
                    Some(slot) if slot.broadcast.is_some() && slot.span == expr.at => {
                        slot.broadcast
                    }
                    _ => None,
                };
                let spread =
                    |typer: &mut Self, scalar: Expr, slots: &mut std::vec::IntoIter<Slot>| {
                        let dims = slots.next().expect("the broadcast's slot").dims;
                        let ones = Expr::new(ExprKind::Ones(Some(typer.resolve_shape(dims))));
                        let span = scalar.span;
                        Expr::mul(scalar, ones.with_span(span)).with_span(span)
                    };
                let (a, b) = match side {
                    Some(Side::Left) => (spread(self, a, slots), b),
                    Some(Side::Right) => {
                        let b = spread(self, b, slots);
                        (a, b)
                    }
                    None => (a, b),
                };
                Expr::binary(*op, a, b)
                    .with_span(expr.span)
                    .pointing_at(expr.at)
            }
            _ => {
                let mut rebuilt = expr.map_children(&mut |c| self.fill_sizes(c, slots));
                rebuilt.at = expr.at;
                rebuilt
            }
        }
    }

    /// Each slot's size as inference left it, `None` where it is open.
    pub(in crate::shape) fn slot_sizes(&mut self, slots: &[Slot]) -> Vec<Option<Shape>> {
        slots
            .iter()
            .filter(|slot| slot.broadcast.is_none())
            .map(|slot| {
                if self.is_free(slot.dims.0) || self.is_free(slot.dims.1) {
                    None
                } else {
                    Some(self.resolve_shape(slot.dims))
                }
            })
            .collect()
    }
}
