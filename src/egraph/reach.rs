//! Which rules can ever apply to an expression. A rule whose left side
//! needs an operator that neither the expression nor any applicable rule's
//! right side writes can never match, yet egg would search for it every
//! iteration; most derivations use a few of the rule families, so leaving
//! the others out saves most of the search and changes no result.

use super::{Math, Rule};
use egg::{ENodeOrVar, Language, PatternAst, RecExpr};
use std::cell::RefCell;
use std::rc::Rc;

/// An operator or function as egg tells patterns apart.
type Operator = <Math as Language>::Discriminant;

/// The operator of an e-node; leaves and numbers have none.
fn operator(node: &Math) -> Option<Operator> {
    (!node.is_leaf()).then(|| node.discriminant())
}

/// The operators a pattern writes; none for a right side that is not a
/// pattern (`IdentityLike`, which writes only a leaf), unless the rules
/// say what it writes (`crate::rules::written_by`): the scalings' columns
/// of ones, the counts of entries.
fn pattern_operators(ast: Option<&PatternAst<Math>>) -> Vec<Operator> {
    let nodes = ast.map(|ast| ast.as_ref()).unwrap_or_default();
    let mut ops: Vec<Operator> = Vec::new();
    for node in nodes {
        if let ENodeOrVar::ENode(node) = node {
            if let Some(op) = operator(node) {
                if !ops.contains(&op) {
                    ops.push(op);
                }
            }
        }
    }
    ops
}

/// What each rule of a rule list needs and writes, with the identity of
/// its searcher and applier to tell the list it was made from.
struct Index {
    identity: Vec<(*const (), *const ())>,
    needs: Vec<Vec<Operator>>,
    writes: Vec<Vec<Operator>>,
}

fn identity(rule: &Rule) -> (*const (), *const ()) {
    (
        std::sync::Arc::as_ptr(&rule.searcher) as *const (),
        std::sync::Arc::as_ptr(&rule.applier) as *const (),
    )
}

impl Index {
    fn new(rules: &[Rule]) -> Index {
        Index {
            identity: rules.iter().map(identity).collect(),
            needs: rules
                .iter()
                .map(|r| pattern_operators(r.searcher.get_pattern_ast()))
                .collect(),
            writes: rules
                .iter()
                .map(|r| match crate::rules::written_by(r.name.as_str()) {
                    Some(written) => pattern_operators(Some(&written)),
                    None => pattern_operators(r.applier.get_pattern_ast()),
                })
                .collect(),
        }
    }

    /// True when made from these very rules: the same searchers and
    /// appliers, shared, in the same order.
    fn is_for(&self, rules: &[Rule]) -> bool {
        self.identity.len() == rules.len()
            && self
                .identity
                .iter()
                .zip(rules)
                .all(|(id, r)| *id == identity(r))
    }
}

thread_local! {
    /// The index of the rule list last used. A derivation simplifies many
    /// expressions by one list, and reading the patterns anew each time
    /// costs as much as a small search.
    static LAST: RefCell<Option<Rc<Index>>> = const { RefCell::new(None) };
}

fn index(rules: &[Rule]) -> Rc<Index> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some(index) if index.is_for(rules) => index.clone(),
            _ => {
                let index = Rc::new(Index::new(rules));
                *last = Some(index.clone());
                index
            }
        }
    })
}

/// The rules that can ever apply to `start`: those whose left side's
/// operators all occur in `start` or in the right side of such a rule.
pub(super) fn reachable_rules<'r>(start: &RecExpr<Math>, rules: &'r [Rule]) -> Vec<&'r Rule> {
    let index = index(rules);
    // Few operators occur in one derivation, so a list beats hashing.
    let mut present: Vec<Operator> = Vec::new();
    let note = |present: &mut Vec<Operator>, op: &Operator| {
        if !present.contains(op) {
            present.push(*op);
        }
    };
    for op in start.as_ref().iter().filter_map(operator) {
        note(&mut present, &op);
    }
    let mut taken = vec![false; rules.len()];
    loop {
        let mut grew = false;
        for (i, taken) in taken.iter_mut().enumerate() {
            if !*taken && index.needs[i].iter().all(|op| present.contains(op)) {
                *taken = true;
                grew = true;
                for op in &index.writes[i] {
                    note(&mut present, op);
                }
            }
        }
        if !grew {
            break;
        }
    }
    rules
        .iter()
        .zip(taken)
        .filter_map(|(rule, taken)| taken.then_some(rule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The e-graph's form of the output of `program`.
    fn rec(program: &str) -> RecExpr<Math> {
        let model = crate::shape::analyze_source(program).expect("the program is valid");
        super::super::to_rec(&model.output().expr)
    }

    #[test]
    fn a_rule_whose_operators_never_occur_is_left_out() {
        let rules = crate::rules::all();
        let taken = reachable_rules(&rec("s = tr(inv(A) * B)"), rules);
        let names: Vec<&str> = taken.iter().map(|r| r.name.as_str()).collect();
        assert!(names.contains(&"trace-cyclic"));
        // exp occurs nowhere and no rule applicable here writes it.
        assert!(!names.iter().any(|n| n.contains("exp")), "{names:?}");
        assert!(taken.len() < rules.len());
    }

    #[test]
    fn a_rule_needing_what_another_rule_writes_is_kept() {
        let rules = crate::rules::all();
        // `tr(A B)` becomes `⟨Aᵀ, B⟩`, so the inner product's rules apply.
        let taken = reachable_rules(&rec("s = tr(A * B)"), rules);
        assert!(taken.iter().any(|r| r.name.as_str() == "inner-symmetric"));
    }
}
