//! The top-down expansion of a differential `d(E)`, one node a step, with
//! the children's differentials left as placeholders.

use super::{uni, Formula};
use crate::ast::{Expr, ExprKind, Name};
use crate::diff::{differentiate_node, tangent};
use crate::error::{Error, Result};
use crate::shape::Env;

/// Expands differentials one node at a time, building each node's tangent
/// exactly as [`tangent`] does, with its children's differentials left as
/// placeholders.
pub(super) struct Walk<'a> {
    pub(super) env: &'a Env,
    pub(super) leaf: &'a dyn Fn(&Name) -> Option<Expr>,
    /// Differentials not yet expanded: placeholder name, and `E` of `d(E)`.
    pub(super) pending: Vec<(Name, Expr)>,
    /// Placeholders made so far.
    pub(super) made: u32,
}

/// Placeholders are single characters of the Unicode private use planes.
const PLACEHOLDER_BASE: u32 = 0xF0000;
const PLACEHOLDER_COUNT: u32 = 0x1FFFD - 2;

fn placeholder_char(i: u32) -> Option<char> {
    char::from_u32(PLACEHOLDER_BASE + i)
}

impl Walk<'_> {
    /// The differential `d(e)`, a placeholder; one already pending for an
    /// equal `e` is reused.
    pub(super) fn placeholder(&mut self, e: &Expr) -> Result<Expr> {
        if let Some((name, _)) = self.pending.iter().find(|(_, p)| p == e) {
            return Ok(Expr::name(name.clone()));
        }
        let c = (self.made < PLACEHOLDER_COUNT)
            .then(|| placeholder_char(self.made))
            .flatten()
            .ok_or_else(|| {
                Error::whole_program("the derivation is too long to show step by step")
            })?;
        self.made += 1;
        let name = Name::plain(c.to_string());
        self.pending.push((name.clone(), e.clone()));
        Ok(Expr::name(name))
    }

    pub(super) fn formula(&self, current: &Expr) -> Formula {
        Formula {
            expr: current.clone(),
            differentials: self
                .pending
                .iter()
                .filter(|(n, _)| current.mentions(&|m| m == n))
                .cloned()
                .collect(),
        }
    }

    /// The first pending differential in reading order.
    pub(super) fn first_pending(&self, current: &Expr) -> Option<(Name, Expr)> {
        current
            .names()
            .into_iter()
            .find_map(|n| self.pending.iter().find(|(p, _)| p == n).cloned())
    }

    /// The differential of a child: a variable's tangent, `None` for a
    /// constant, else a placeholder `d(child)`.
    fn child(&mut self, c: &Expr) -> Result<Option<Expr>> {
        if let ExprKind::Var(name) = &c.kind {
            return Ok((self.leaf)(name));
        }
        if tangent(c, self.env, self.leaf).is_none() {
            return Ok(None);
        }
        self.placeholder(c).map(Some)
    }

    /// `d(e)` one level down, and the rule that gives it: the forward
    /// pass's own rule, with each child's differential left as `d(child)`.
    pub(super) fn expand(&mut self, e: &Expr) -> Result<(Option<Expr>, String)> {
        let mut failed = None;
        let (env, leaf) = (self.env, self.leaf);
        let (derivative, rule) = differentiate_node(e, env, leaf, &mut |c| match self.child(c) {
            Ok(d) => d,
            Err(err) => {
                failed = Some(err);
                None
            }
        });
        if let Some(err) = failed {
            return Err(err);
        }
        let text = match &rule.constant {
            Some(c) => format!("{}, with {} = 0", rule.text, differential_of(c)),
            None => rule.text.to_string(),
        };
        Ok((derivative, text))
    }
}

/// `dE` in words: `dA`, or `d(A B)` for a compound `E`.
fn differential_of(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Num(_) => format!("d{}", uni(e)),
        _ => format!("d({})", uni(e)),
    }
}
