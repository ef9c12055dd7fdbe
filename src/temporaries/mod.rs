//! matdiff's own temporaries (SPEC §2): a value the results would otherwise
//! repeat is computed once, printed before them as `t1 = …`, and used by
//! name after. A derivation marks such lines while it works, named by the
//! marked name they stand for (`bar(h_1)`, `dot(a_0)`), which the program's
//! shapes already know; this module settles them once the lines are final:
//! a temporary used once is put back where it is used, one used nowhere is
//! dropped; then the lines' matrix products are associated again to share
//! sub-products (`chains`), any larger subexpression the lines still repeat
//! is named too, and all are renamed `t1`, `t2`, … in printing order, with the
//! program extended to know the new names.

use crate::ast::{Expr, Name};
use crate::first_order::Line;
use crate::shape::Model;
use std::collections::HashMap;

mod chains;

/// Temporaries as small as this are written out wherever they are used.
const INLINED_NODES: usize = 3;

/// A temporary used once is written out where it is used unless it is
/// longer than this: a long chain of single uses stays in lines of a
/// printable length.
const PUT_BACK_ONCE_NODES: usize = 200;

/// The lines with their temporaries settled, and the program that knows
/// the temporaries' names; the lines and a copy of `model` when there are
/// none.
pub(crate) fn settle(lines: Vec<Line>, model: &Model) -> (Vec<Line>, Model) {
    let (lines, extended) = name_marked(lines, model);
    let (lines, extended, shared_products) = chains::share_products(lines, extended);
    let (lines, extended, shared_repeats) = share_repeats(lines, extended);
    if shared_products || shared_repeats {
        renumber(lines, &extended, model)
    } else {
        (lines, extended)
    }
}

/// The lines with their marked temporaries put back or renamed.
fn name_marked(lines: Vec<Line>, model: &Model) -> (Vec<Line>, Model) {
    if !lines.iter().any(|l| l.temporary) {
        return (lines, model.clone());
    }
    renumber(put_back_single_uses(lines), model, model)
}

/// A subexpression of at least this many nodes that the lines repeat is
/// named: smaller ones read better written out.
const REPEATED_NODES: usize = 8;

/// Nor is one that saves fewer nodes than this.
const REPEATED_SAVING: usize = 12;

/// Lines of more nodes than this together are not searched for repeats:
/// the search compares subtrees, quadratic in their depth.
const SEARCHED_NODES: usize = 5_000;

/// The lines with each subexpression of [`REPEATED_NODES`] or more that
/// they repeat (within a line or across lines) computed once as a
/// temporary, printed before the results, the largest saving first; the
/// temporaries numbered in printing order.
/// True when it named some.
fn share_repeats(mut lines: Vec<Line>, mut model: Model) -> (Vec<Line>, Model, bool) {
    if lines.iter().map(|l| l.expr.size()).sum::<usize>() > SEARCHED_NODES {
        return (lines, model, false);
    }
    let mut shared = 0;
    while let Some(repeated) = most_repeated(&lines) {
        // Printed first (SPEC §2), after the temporaries it may use, or
        // before the first temporary that uses it.
        let used = lines
            .iter()
            .position(|l| contains(&l.expr, &repeated))
            .expect("a repeat occurs in some line");
        let first = used.min(lines.iter().take_while(|l| l.temporary).count());
        // A name of its own for now, known to the model so that later
        // repeats containing it have a shape; numbered in printing order
        // below.
        let name = Name::plain(format!("{PROVISIONAL}{shared}"));
        shared += 1;
        let as_name = |e: &Expr| (*e == repeated).then(|| Expr::name(name.clone()));
        for line in &mut lines[first..] {
            line.expr = replace_subtree(&line.expr, &as_name);
        }
        model = model.with_temporaries(&[(name.base.clone(), model.env.shape(&repeated))]);
        lines.insert(first, Line::temporary(name, repeated));
    }
    (lines, model, shared > 0)
}

/// A prefix no name of the language can start with.
const PROVISIONAL: &str = "shared·";

/// The repeated subexpression whose naming saves the most nodes, the first
/// met on a tie.
// An `Expr` caches its shape in a cell, but its hash and equality are
// those of its tree alone, so it is a sound key.
#[allow(clippy::mutable_key_type)]
fn most_repeated(lines: &[Line]) -> Option<Expr> {
    let mut seen: HashMap<&Expr, (usize, usize)> = HashMap::new();
    for line in lines {
        count_subtrees(&line.expr, &mut seen);
    }
    // A temporary is printed before the results, so it uses none of them
    // (the adjoints of intermediates `reverse` prints, forward's tangents).
    let results = result_names(lines);
    seen.into_iter()
        .filter(|(e, (count, _))| {
            *count >= 2 && e.size() >= REPEATED_NODES && (count - 1) * e.size() >= REPEATED_SAVING
        })
        .filter(|(e, _)| !e.mentions(&|n| results.contains(&n)))
        .max_by_key(|(e, (count, order))| ((count - 1) * e.size(), std::cmp::Reverse(*order)))
        .map(|(e, _)| e.clone())
}

/// The values the results name, which a temporary, printed before them,
/// may not use. A Hessian block's or a Jacobian's `lhs` is an input's
/// name, which no line defines.
fn result_names(lines: &[Line]) -> Vec<&Name> {
    lines
        .iter()
        .filter(|l| !l.temporary && l.names_a_value())
        .map(|l| &l.lhs)
        .collect()
}

/// Counts every subtree of `expr`, remembering the order first met.
#[allow(clippy::mutable_key_type)]
fn count_subtrees<'a>(expr: &'a Expr, seen: &mut HashMap<&'a Expr, (usize, usize)>) {
    if expr.children().is_empty() {
        return;
    }
    let order = seen.len();
    let entry = seen.entry(expr).or_insert((0, order));
    entry.0 += 1;
    // A repeat's own parts repeat with it; counting them again would only
    // find the smaller saving.
    if entry.0 == 1 {
        for child in expr.children() {
            count_subtrees(child, seen);
        }
    }
}

fn contains(expr: &Expr, part: &Expr) -> bool {
    expr == part || expr.children().into_iter().any(|c| contains(c, part))
}

/// `expr` with each subtree `replace` answers for replaced, outermost first.
fn replace_subtree(expr: &Expr, replace: &dyn Fn(&Expr) -> Option<Expr>) -> Expr {
    match replace(expr) {
        Some(replaced) => replaced,
        None => expr.map_children(&mut |c| replace_subtree(c, replace)),
    }
}

/// Every temporary named `t1`, `t2`, … in printing order: `extended`
/// knows the names they have (a marked name such as `bar(h_1)`, or a
/// provisional one), `program` is the program they are new to.
fn renumber(lines: Vec<Line>, extended: &Model, program: &Model) -> (Vec<Line>, Model) {
    let temporaries: Vec<&Name> = lines
        .iter()
        .filter(|l| l.temporary)
        .map(|l| &l.lhs)
        .collect();
    let fresh = program.fresh_names(temporaries.len());
    let mut shapes = Vec::new();
    let mut renamed: HashMap<Name, Name> = HashMap::new();
    for (old, new) in temporaries.iter().zip(fresh) {
        shapes.push((new.clone(), extended.env.name_shape(old)));
        renamed.insert((*old).clone(), Name::plain(&new));
    }
    let rename = |n: &Name| renamed.get(n).map(|t| Expr::name(t.clone()));
    let lines = lines
        .into_iter()
        .map(|mut line| {
            line.expr = line.expr.substitute(&rename);
            if line.temporary {
                line.lhs = renamed[&line.lhs].clone();
            }
            line
        })
        .collect();
    (lines, program.with_temporaries(&shapes))
}

/// How often the lines after `index` use the temporary of line `index`.
fn uses(lines: &[Line], index: usize) -> usize {
    let name = &lines[index].lhs;
    lines[index + 1..]
        .iter()
        .map(|l| l.expr.names().into_iter().filter(|n| *n == name).count())
        .sum()
}

/// The lines with each temporary that naming saves nothing put back where
/// it is used: one used nowhere, once (unless long), or small.
fn put_back_single_uses(mut lines: Vec<Line>) -> Vec<Line> {
    let put_back = |lines: &[Line], i: usize| {
        let size = lines[i].expr.size();
        match uses(lines, i) {
            0 => true,
            1 => size <= PUT_BACK_ONCE_NODES,
            _ => size <= INLINED_NODES,
        }
    };
    while let Some(index) = (0..lines.len())
        .rev()
        .find(|&i| lines[i].temporary && put_back(&lines, i))
    {
        let line = lines.remove(index);
        let put_back = |n: &Name| (*n == line.lhs).then(|| line.expr.clone());
        for later in &mut lines[index..] {
            later.expr = later.expr.substitute(&put_back);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        crate::shape::analyze_source("A: matrix(n, m); B = A * A'; f = tr(B * B)").unwrap()
    }

    fn line(text: &str) -> Expr {
        crate::parse::parse_expr(text).unwrap()
    }

    #[test]
    fn a_temporary_used_twice_is_named_and_known() {
        let b = Name::plain("B").bar();
        let lines = vec![
            Line::temporary(b.clone(), line("2 * (A * A')")),
            Line::new(Name::plain("A").bar(), line("bar(B) * A + bar(B)' * A")),
        ];
        let (lines, extended) = settle(lines, &model());
        assert_eq!(lines[0].to_string(), "t1 = 2 * (A * A')");
        assert_eq!(lines[1].to_string(), "bar(A) = t1 * A + t1' * A");
        let t1 = extended.env.name_shape(&Name::plain("t1"));
        assert_eq!(t1, model().env.name_shape(&Name::plain("B")));
    }

    #[test]
    fn a_temporary_used_once_or_small_is_put_back() {
        let b = Name::plain("B").bar();
        let once = vec![
            Line::temporary(b.clone(), line("2 * (A * A')")),
            Line::new(Name::plain("A").bar(), line("bar(B) * A")),
        ];
        let (lines, _) = settle(once, &model());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].to_string(), "bar(A) = 2 * (A * A') * A");
        let small = vec![
            Line::temporary(b, line("2 * B")),
            Line::new(Name::plain("A").bar(), line("bar(B) * A + bar(B)' * A")),
        ];
        let (lines, _) = settle(small, &model());
        assert_eq!(lines[0].to_string(), "bar(A) = 2 * B * A + (2 * B)' * A");
    }
}
