//! The e-graph simplifier: an expression goes in, the rules it is given
//! (the caller passes them, usually `rules::all()`) saturate an e-graph under
//! [`Limits`], and the cheapest equivalent form by the flop model of
//! [`crate::cost`] comes out. The rules are a parameter, not an import, so
//! that this module knows the language and not the identities over it.
//!
//! Reaching a limit is not an error: the best form found so far is still
//! equal to the input, and the reason is reported in [`Simplified::stop`].

mod convert;
mod lang;
mod reach;

pub use convert::{from_rec, to_rec};
pub use lang::{Data, Leaf, Math, MathAnalysis, MathGraph, Rational};

use crate::ast::{Expr, Func, Shape};
use crate::cost::{node_flops, NodeKind};
use crate::shape::Env;
use egg::{CostFunction, Extractor, Id, Language, RecExpr, Rewrite, Runner, StopReason};
use num_traits::ToPrimitive;
use std::time::Duration;

/// A rewrite rule over matdiff's language.
pub type Rule = Rewrite<Math, MathAnalysis>;

/// Bounds on one simplification.
///
/// ```
/// let limits = matdiff::egraph::Limits::default();
/// assert_eq!(limits.nodes, 4_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most e-nodes in the graph. Default: 4 000.
    pub nodes: usize,
    /// Most rounds of rule application. Default: 8.
    pub iterations: usize,
    /// Longest time spent rewriting one expression. Default: 100 ms.
    pub time: Duration,
    /// Longest time spent rewriting over a whole derivation, all its lines
    /// together; lines after it are only tidied. Default: 1 s.
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            nodes: 4_000,
            iterations: 8,
            time: Duration::from_millis(100),
            budget: Duration::from_secs(1),
        }
    }
}

/// The limits as a note names them.
///
/// ```
/// let text = matdiff::egraph::Limits::default().to_string();
/// assert_eq!(text, "4000 nodes, 8 iterations, 100 ms an expression, 1000 ms a derivation");
/// ```
impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} nodes, {} iterations, {} ms an expression, {} ms a derivation",
            self.nodes,
            self.iterations,
            self.time.as_millis(),
            self.budget.as_millis()
        )
    }
}

impl Limits {
    /// These limits with the node and iteration limits multiplied by
    /// `factor`: where a derivation reached one of them, the run that tells
    /// whether it mattered.
    ///
    /// ```
    /// let raised = matdiff::egraph::Limits::default().raised(4);
    /// assert_eq!((raised.nodes, raised.iterations), (16_000, 32));
    /// ```
    pub fn raised(&self, factor: usize) -> Limits {
        Limits {
            nodes: self.nodes.saturating_mul(factor),
            iterations: self.iterations.saturating_mul(factor),
            ..self.clone()
        }
    }
}

/// Reads limits as `--limits` takes them: `key=value` pairs separated by
/// commas, the keys `nodes`, `iterations`, `time` and `budget` (the last
/// two in milliseconds), each optional, the others keeping their defaults.
///
/// ```
/// let limits: matdiff::egraph::Limits = "nodes=20000,time=500".parse().unwrap();
/// assert_eq!((limits.nodes, limits.iterations, limits.time.as_millis()), (20_000, 8, 500));
/// assert!("nodes=many".parse::<matdiff::egraph::Limits>().is_err());
/// ```
impl std::str::FromStr for Limits {
    type Err = String;

    fn from_str(text: &str) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!("`{part}` is not key=value, as in `nodes=20000`"));
            };
            let value: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{}` in `{part}` is not a whole number", value.trim()))?;
            if value == 0 || value > MAX_LIMIT {
                return Err(format!("`{part}`: a limit is from 1 to {MAX_LIMIT}"));
            }
            match key.trim() {
                "nodes" => limits.nodes = value as usize,
                "iterations" => limits.iterations = value as usize,
                "time" => limits.time = Duration::from_millis(value),
                "budget" => limits.budget = Duration::from_millis(value),
                other => {
                    return Err(format!(
                        "`{other}` is not a limit; the limits are nodes, iterations, time and budget (ms)"
                    ))
                }
            }
        }
        Ok(limits)
    }
}

/// The largest value a limit takes: a million nodes, iterations or
/// milliseconds (about 17 minutes) is beyond any use and keeps memory bounded
/// by the node limit.
const MAX_LIMIT: u64 = 1_000_000;

/// Why rewriting stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// No rule applies any more: the cheapest form is the cheapest known.
    Saturated,
    /// The node limit was reached.
    NodeLimit,
    /// The iteration limit was reached.
    IterationLimit,
    /// The time limit was reached.
    TimeLimit,
}

impl Stop {
    /// A short name, as in JSON's `stop_reason`.
    ///
    /// ```
    /// assert_eq!(matdiff::egraph::Stop::NodeLimit.name(), "node_limit");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Stop::Saturated => "saturated",
            Stop::NodeLimit => "node_limit",
            Stop::IterationLimit => "iteration_limit",
            Stop::TimeLimit => "time_limit",
        }
    }

    /// True when a limit cut rewriting short.
    ///
    /// ```
    /// assert!(!matdiff::egraph::Stop::Saturated.hit_limit());
    /// ```
    pub fn hit_limit(&self) -> bool {
        *self != Stop::Saturated
    }
}

/// A simplified expression and why rewriting stopped.
#[derive(Clone, Debug)]
pub struct Simplified {
    /// The cheapest form found.
    pub expr: Expr,
    /// Why rewriting stopped.
    pub stop: Stop,
}

/// The cheapest form of an analysed expression over the names of `env`,
/// by `rules`.
///
/// ```
/// let model = matdiff::shape::analyze_source("y = A * B * x").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("A * B * x").unwrap(), None).unwrap();
/// let rules = matdiff::rules::all();
/// let s = matdiff::egraph::simplify(&e, &model.env, &Default::default(), rules);
/// assert_eq!(s.expr.to_string(), "A * (B * x)");
/// ```
pub fn simplify(expr: &Expr, env: &Env, limits: &Limits, rules: &[Rule]) -> Simplified {
    simplify_in(expr, env, limits, rules, false).0
}

/// [`simplify`], also returning the runner it ran, with egg's explanations
/// recorded when `explain` is set: `--steps` reads the rewrites behind the
/// result out of the very graph that found it. Explanations cost time and
/// memory, so only a derivation that records its steps asks for them.
///
/// ```
/// let model = matdiff::shape::analyze_source("y = x''").unwrap();
/// let e = &model.output().expr;
/// let rules = matdiff::rules::all();
/// let (s, mut runner) = matdiff::egraph::simplify_in(e, &model.env, &Default::default(), rules, true);
/// assert_eq!(s.expr.to_string(), "x");
/// let (from, to) = (matdiff::egraph::to_rec(e), matdiff::egraph::to_rec(&s.expr));
/// assert!(runner.explain_equivalence(&from, &to).make_flat_explanation().len() > 1);
/// ```
pub fn simplify_in(
    expr: &Expr,
    env: &Env,
    limits: &Limits,
    rules: &[Rule],
    explain: bool,
) -> (Simplified, Runner<Math, MathAnalysis, ()>) {
    simplify_knowing(expr, env, limits, rules, explain, &[])
}

/// [`simplify_in`], the graph also told that each name of `known` equals
/// its definition: a rule can then see through a program's intermediate
/// (`Y .* step(Z)` with `Y = relu(Z)` is `Y`), and the name, which costs
/// nothing, is what is extracted.
///
/// ```
/// let model = matdiff::shape::analyze_source("Y = relu(Z); f = sum(Y .* step(Z))").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("Y .* step(Z)").unwrap(), None).unwrap();
/// let known = [(matdiff::ast::Name::plain("Y"), model.bindings[0].expr.clone())];
/// let rules = matdiff::rules::all();
/// let (s, _) = matdiff::egraph::simplify_knowing(&e, &model.env, &Default::default(), rules, false, &known);
/// assert_eq!(s.expr.to_string(), "Y");
/// ```
pub fn simplify_knowing(
    expr: &Expr,
    env: &Env,
    limits: &Limits,
    rules: &[Rule],
    explain: bool,
    known: &[(crate::ast::Name, Expr)],
) -> (Simplified, Runner<Math, MathAnalysis, ()>) {
    let known: Vec<(crate::ast::Name, RecExpr<Math>)> = known
        .iter()
        .map(|(name, definition)| (name.clone(), to_rec(definition)))
        .collect();
    let runner = run_knowing(&to_rec(expr), env, limits, rules, explain, &known);
    let stop = match &runner.stop_reason {
        Some(StopReason::NodeLimit(_)) => Stop::NodeLimit,
        Some(StopReason::IterationLimit(_)) => Stop::IterationLimit,
        Some(StopReason::TimeLimit(_)) => Stop::TimeLimit,
        Some(StopReason::Other(why)) if why == TIME_LIMIT => Stop::TimeLimit,
        _ => Stop::Saturated,
    };
    let root = runner.roots[0];
    let best = {
        let extractor = Extractor::new(
            &runner.egraph,
            FlopCost {
                egraph: &runner.egraph,
            },
        );
        extractor.find_best(root).1
    };
    let simplified = Simplified {
        expr: from_rec(&best),
        stop,
    };
    (simplified, runner)
}

/// egg's runner, run from `start` by `rules` under `limits`, recording
/// explanations when `explain` is set: the one run that [`simplify`] and
/// `--steps`' proofs share, so that a proof is sought in the same graph.
///
/// ```
/// let model = matdiff::shape::analyze_source("y = x''").unwrap();
/// let start = matdiff::egraph::to_rec(&model.output().expr);
/// let rules = matdiff::rules::all();
/// let runner = matdiff::egraph::run(&start, &model.env, &Default::default(), rules, false);
/// assert!(runner.egraph.number_of_classes() >= 2);
/// ```
pub fn run(
    start: &RecExpr<Math>,
    env: &Env,
    limits: &Limits,
    rules: &[Rule],
    explain: bool,
) -> Runner<Math, MathAnalysis, ()> {
    run_knowing(start, env, limits, rules, explain, &[])
}

/// [`run`] with each name of `known` equal to its definition in the graph
/// (see [`simplify_knowing`]); the root is `start`'s.
fn run_knowing(
    start: &RecExpr<Math>,
    env: &Env,
    limits: &Limits,
    rules: &[Rule],
    explain: bool,
    known: &[(crate::ast::Name, RecExpr<Math>)],
) -> Runner<Math, MathAnalysis, ()> {
    let analysis = MathAnalysis { env: env.clone() };
    // The rules that can apply: by the operators of the expression and of
    // the definitions alike.
    let mut everything = start.clone();
    for (_, definition) in known {
        let offset = everything.as_ref().len();
        for node in definition.as_ref() {
            let node = node
                .clone()
                .map_children(|c| Id::from(usize::from(c) + offset));
            everything.add(node);
        }
    }
    let rules = reach::reachable_rules(&everything, rules);
    let started = std::time::Instant::now();
    let time_limit = limits.time;
    // egg reads quanta's clock, whose first use calibrates for milliseconds —
    // most of a short process. Under a mock clock egg's own timer stands
    // still; the hook below keeps the time limit with the standard clock.
    let (mock_clock, _) = quanta::Clock::mock();
    quanta::with_clock(&mock_clock, || {
        let runner = Runner::<Math, MathAnalysis, ()>::new(analysis);
        let runner = if explain {
            runner.with_explanations_enabled()
        } else {
            runner
        };
        let mut runner = runner
            .with_node_limit(limits.nodes)
            .with_iter_limit(limits.iterations)
            .with_hook(move |runner| {
                if started.elapsed() >= time_limit {
                    return Err(TIME_LIMIT.to_string());
                }
                // A round that rewrote nothing in a small graph: what grows
                // after it is only folded constants, and egg would go on
                // searching every rule until the size stops changing.
                let idle = runner.iterations.last().is_some_and(|it| {
                    it.applied.values().all(|&n| n == 0) && it.egraph_nodes < SMALL_GRAPH
                });
                if idle {
                    Err(IDLE.to_string())
                } else {
                    Ok(())
                }
            })
            .with_expr(start);
        for (name, definition) in known {
            let leaf = runner.egraph.add(Math::Leaf(Leaf::Var(name.clone())));
            let value = runner.egraph.add_expr(definition);
            // Trusted: an explanation shows it as the definition it is.
            let reason = format!("the definition of {name}");
            runner.egraph.union_trusted(leaf, value, reason);
        }
        if !known.is_empty() {
            runner.egraph.rebuild();
        }
        runner.run(rules)
    })
}

const TIME_LIMIT: &str = "time limit";

/// Why a run stopped after a round that rewrote nothing: saturated.
const IDLE: &str = "idle";

/// Graphs smaller than this stop after a round that rewrote nothing; a
/// larger one may have rules banned by egg's scheduler for a while.
const SMALL_GRAPH: usize = 100;

/// Tree cost by the flop model, plus a thousandth of a flop a node so that
/// of equally fast forms the smaller wins; a class both operands of one
/// node are is counted once.
struct FlopCost<'a> {
    egraph: &'a MathGraph,
}

impl FlopCost<'_> {
    fn kind(&self, node: &Math) -> NodeKind {
        match node {
            Math::Num(_) | Math::Leaf(_) => NodeKind::Leaf,
            Math::Add(_) => NodeKind::Add,
            Math::Mul(_) => NodeKind::Mul,
            Math::Div(_) => NodeKind::Div,
            Math::EMul(_) => NodeKind::EMul,
            Math::EDiv(_) => NodeKind::EDiv,
            Math::Neg(_) => NodeKind::Neg,
            Math::Trans(_) => NodeKind::Transpose,
            Math::Pow([_, k]) => {
                let k = self.egraph[*k].data.constant.as_ref();
                NodeKind::Power(
                    k.and_then(|k| k.to_integer().to_i64())
                        .unwrap_or(i64::MAX / 2),
                )
            }
            Math::EPow(_) => NodeKind::ElemPower,
            other => NodeKind::Call(other.func().expect("the remaining nodes are calls")),
        }
    }
}

impl CostFunction<Math> for FlopCost<'_> {
    type Cost = f64;

    fn cost<C>(&mut self, node: &Math, mut costs: C) -> f64
    where
        C: FnMut(Id) -> f64,
    {
        let children: Vec<Shape> = node
            .children()
            .iter()
            .map(|c| self.egraph[*c].data.shape.clone())
            .collect();
        let shape = self.egraph[self
            .egraph
            .lookup(node.clone())
            .unwrap_or_else(|| node.children()[0])]
        .data
        .shape
        .clone();
        // `tr(I)` is a dimension used as a number: no flops.
        let dimension = matches!(node, Math::Call(Func::Tr, c) if self.egraph[*c]
            .nodes
            .iter()
            .any(|n| matches!(n, Math::Leaf(Leaf::Identity(_)))));
        let own = if dimension {
            0.0
        } else {
            node_flops(self.kind(node), &shape, &children)
        };
        // A value both operands use (`K * K`, `K .* K`) is computed once.
        // Not so a transpose (`inner(K', K)`): the extractor may write the
        // transposed class in a form of its own.
        let kids = node.children();
        let mut total = own + 1e-3;
        for (i, kid) in kids.iter().enumerate() {
            if !kids[..i]
                .iter()
                .any(|before| self.egraph.find(*before) == self.egraph.find(*kid))
            {
                total += costs(*kid);
            }
        }
        total
    }
}
