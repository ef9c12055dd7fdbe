//! The differentiation walk that records its steps. Each node's tangent is
//! built by the forward pass's own rule ([`differentiate_node`]) with its
//! children's differentials standing as placeholders, and the children's
//! tangents are then put in: the tangent the walk returns is the one the
//! derivation uses, and the chain `dot(C) = d(E) = …`, one rule a line, is
//! read off the same nodes top-down. The rules use a child's tangent only
//! as a whole (never looking inside it), so putting it in afterwards builds
//! exactly the tree [`crate::diff::tangent`] builds.

use super::chain::Out;
use super::{uni, Formula};
use crate::ast::{Expr, ExprKind, Name};
use crate::diff::{differentiate_node, LeafTangent};
use crate::error::{Error, Result};
use crate::print::{render_name, Notation};
use crate::shape::Env;

/// One node of the walk: its tangent with each differentiated child left
/// as a placeholder, and the rule that gave it.
struct NodeStep {
    expr: Expr,
    /// `None`: the node's tangent is an exact zero.
    template: Option<Expr>,
    rule: String,
    /// The placeholders in `template`, each with the node (an index into
    /// the walk's nodes) whose differential it stands for.
    children: Vec<(Name, usize)>,
}

/// The nodes walked so far, children before their parents.
struct Walk<'a> {
    env: &'a Env,
    leaf: &'a LeafTangent<'a>,
    nodes: Vec<NodeStep>,
    /// Most nodes a tangent may have: past it the walk stops, as
    /// [`crate::diff::tangent_within`] does, with the size reached.
    limit: usize,
    exceeded: Option<usize>,
}

/// Placeholders inside a node's tangent: never printed, and no program can
/// spell them.
fn internal_placeholder(i: usize) -> Name {
    Name::plain(format!("\u{10FFFD}{i}"))
}

impl Walk<'_> {
    /// The tangent of `e` and the index of its node.
    fn node(&mut self, e: &Expr) -> (Option<Expr>, usize) {
        if self.exceeded.is_some() {
            return (None, self.nodes.len());
        }
        let mut tangents: Vec<(Name, usize, Expr)> = Vec::new();
        let (env, leaf) = (self.env, self.leaf);
        let (template, rule) = differentiate_node(e, env, leaf, &mut |c| {
            if let ExprKind::Var(name) = &c.kind {
                return leaf(name);
            }
            let (tangent, index) = self.node(c);
            let tangent = tangent?;
            let placeholder = internal_placeholder(tangents.len());
            tangents.push((placeholder.clone(), index, tangent));
            Some(Expr::name(placeholder))
        });
        let tangent = match (&template, self.exceeded) {
            (Some(t), None) => Some(t.substitute(&|n| {
                let found = tangents.iter().find(|(p, _, _)| p == n);
                found.map(|(_, _, tangent)| tangent.clone())
            })),
            _ => None,
        };
        if let Some(size) = tangent.as_ref().map(Expr::size) {
            if size > self.limit {
                self.exceeded = Some(size);
            }
        }
        let rule = match &rule.constant {
            Some(c) => format!("{}, with {} = 0", rule.text, differential_of(c)),
            None => rule.text.to_string(),
        };
        self.nodes.push(NodeStep {
            expr: e.clone(),
            template,
            rule,
            children: tangents.into_iter().map(|(p, i, _)| (p, i)).collect(),
        });
        (tangent, self.nodes.len() - 1)
    }
}

/// `dE` in words: `dA`, or `d(A B)` for a compound `E`.
fn differential_of(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Var(_) | ExprKind::Num(_) => format!("d{}", uni(e)),
        _ => format!("d({})", uni(e)),
    }
}

/// Placeholders shown as `d(E)` are single characters of the Unicode
/// private use planes.
const PLACEHOLDER_BASE: u32 = 0xF0000;
const PLACEHOLDER_COUNT: u32 = 0x1FFFD - 2;

/// The differentials shown so far and not yet expanded.
#[derive(Default)]
struct Pending {
    /// Placeholder, the `E` of `d(E)`, and the walk's node for it.
    open: Vec<(Name, Expr, usize)>,
    made: u32,
}

impl Pending {
    /// The placeholder for `d(e)`; one already open for an equal `e` is
    /// reused.
    fn placeholder(&mut self, e: &Expr, node: usize) -> Result<Name> {
        if let Some((name, _, _)) = self.open.iter().find(|(_, p, _)| p == e) {
            return Ok(name.clone());
        }
        let c = (self.made < PLACEHOLDER_COUNT)
            .then(|| char::from_u32(PLACEHOLDER_BASE + self.made))
            .flatten()
            .ok_or_else(|| {
                Error::whole_program("the derivation is too long to show step by step")
            })?;
        self.made += 1;
        let name = Name::plain(c.to_string());
        self.open.push((name.clone(), e.clone(), node));
        Ok(name)
    }

    fn formula(&self, current: &Expr) -> Formula {
        Formula {
            expr: current.clone(),
            differentials: self
                .open
                .iter()
                .filter(|(n, _, _)| current.mentions(&|m| m == n))
                .map(|(n, e, _)| (n.clone(), e.clone()))
                .collect(),
        }
    }

    /// The first open differential in reading order, taken out.
    fn take_first(&mut self, current: &Expr) -> Option<(Name, usize)> {
        let at = current
            .names()
            .into_iter()
            .find_map(|n| self.open.iter().position(|(p, _, _)| p == n))?;
        let (name, _, node) = self.open.remove(at);
        Some((name, node))
    }
}

/// Differentiates `definition`, the right side of `name`'s assignment, and
/// records the chain `dot(name) = d(definition) = …` in `out`, expanded
/// top-down one rule a line. Returns the tangent (`None` for zero), or the
/// size it reached past `limit`.
pub(super) fn differentiate(
    out: &mut Out,
    name: &Name,
    definition: &Expr,
    env: &Env,
    leaf: &LeafTangent,
    limit: usize,
) -> Result<std::result::Result<Option<Expr>, usize>> {
    let mut walk = Walk {
        env,
        leaf,
        nodes: Vec::new(),
        limit,
        exceeded: None,
    };
    let (tangent, root) = walk.node(definition);
    if let Some(size) = walk.exceeded {
        return Ok(Err(size));
    }
    let lhs = Expr::name(name.dot());
    let Some(tangent) = tangent else {
        let rule = format!("{name} does not depend on the inputs differentiated");
        out.start(lhs, Formula::new(Expr::int(0)), rule)?;
        return Ok(Ok(None));
    };
    let assignment = format!(
        "differentiate both sides of {} = {}",
        render_name(name, Notation::Unicode),
        uni(definition)
    );
    if let ExprKind::Var(_) = definition.kind {
        out.start(lhs, Formula::new(tangent.clone()), assignment)?;
        return Ok(Ok(Some(tangent)));
    }
    let mut pending = Pending::default();
    let mut current = Expr::name(pending.placeholder(definition, root)?);
    out.start(lhs, pending.formula(&current), assignment)?;
    while let Some((placeholder, index)) = pending.take_first(&current) {
        let node = &walk.nodes[index];
        let derivative = match &node.template {
            None => Expr::int(0),
            Some(template) => {
                let mut shown = Vec::new();
                for (inner, child) in &node.children {
                    let name = pending.placeholder(&walk.nodes[*child].expr, *child)?;
                    shown.push((inner.clone(), Expr::name(name)));
                }
                template.substitute(&|n| {
                    let found = shown.iter().find(|(inner, _)| inner == n);
                    found.map(|(_, e)| e.clone())
                })
            }
        };
        current = current.substitute(&|n| (*n == placeholder).then(|| derivative.clone()));
        out.then(pending.formula(&current), node.rule.clone())?;
    }
    debug_assert_eq!(current, tangent, "the chain ends on the walk's tangent");
    Ok(Ok(Some(tangent)))
}
