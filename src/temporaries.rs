//! matdiff's own temporaries (SPEC §2): a value the results would otherwise
//! repeat is computed once, printed before them as `t1 = …`, and used by
//! name after. A derivation marks such lines while it works, named by the
//! marked name they stand for (`bar(h_1)`, `dot(a_0)`), which the program's
//! shapes already know; this module settles them once the lines are final:
//! a temporary used once is put back where it is used, one used nowhere is
//! dropped, and the rest are renamed `t1`, `t2`, … in printing order, with
//! the program extended to know the new names.

use crate::ast::{Expr, Name};
use crate::first_order::Line;
use crate::shape::Model;
use std::collections::HashMap;

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
    if !lines.iter().any(|l| l.temporary) {
        return (lines, model.clone());
    }
    let lines = put_back_single_uses(lines);
    let count = lines.iter().filter(|l| l.temporary).count();
    let names = model.fresh_names(count);
    let mut renamed: HashMap<Name, Name> = HashMap::new();
    let mut shapes = Vec::new();
    for (line, name) in lines.iter().filter(|l| l.temporary).zip(names) {
        shapes.push((name.clone(), line.shape(&model.env)));
        renamed.insert(line.lhs.clone(), Name::plain(&name));
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
    (lines, model.with_temporaries(&shapes))
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
