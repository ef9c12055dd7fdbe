//! Redefining a name at the prompt: a new assignment or declaration of a
//! name the session already defines replaces the old one, as in a MATLAB
//! or Python session, and the session says what it replaced.

use crate::ast::Stmt;
use std::collections::HashSet;

/// The names a line assigns or declares.
pub(super) fn defined_names(stmts: &[&Stmt]) -> HashSet<String> {
    let mut names = HashSet::new();
    for stmt in stmts {
        match stmt {
            Stmt::Assign { name, .. } => {
                names.insert(name.clone());
            }
            Stmt::Decl {
                names: declared, ..
            } => {
                names.extend(declared.iter().map(|(name, _)| name.clone()));
            }
            Stmt::Expr(_) => {}
        }
    }
    names
}

/// The kept lines with every definition of `names` taken out, and the
/// text of each definition taken out. A line that loses some of its
/// statements keeps the others, written again with `; ` between them.
/// With `in_place`, an assignment taken out is replaced by that text where
/// it stood, so that later lines that use the name still follow it.
pub(super) fn without_definitions(
    lines: &[(usize, String)],
    names: &HashSet<String>,
    in_place: Option<&str>,
) -> (Vec<(usize, String)>, Vec<String>) {
    let mut kept = Vec::new();
    let mut replaced = Vec::new();
    for (number, line) in lines {
        let Ok(program) = crate::parse::parse_program(line) else {
            kept.push((*number, line.clone()));
            continue;
        };
        let mut parts: Vec<String> = Vec::new();
        let mut changed = false;
        for stmt in &program.stmts {
            match stmt {
                Stmt::Assign {
                    name,
                    name_span,
                    expr,
                } => {
                    let text = line[name_span.start..expr.span.end].to_string();
                    if names.contains(name) {
                        replaced.push(text);
                        changed = true;
                        parts.extend(in_place.map(str::to_string));
                    } else {
                        parts.push(text);
                    }
                }
                Stmt::Decl {
                    names: declared,
                    span,
                    ..
                } => {
                    let text = &line[span.start..span.end];
                    let type_text = text.split_once(':').map_or("", |(_, t)| t.trim());
                    let (gone, stay): (Vec<_>, Vec<_>) =
                        declared.iter().partition(|(name, _)| names.contains(name));
                    if gone.is_empty() {
                        parts.push(text.to_string());
                        continue;
                    }
                    changed = true;
                    let gone: Vec<&str> = gone.iter().map(|(n, _)| n.as_str()).collect();
                    replaced.push(format!("{}: {type_text}", gone.join(", ")));
                    if !stay.is_empty() {
                        let stay: Vec<&str> = stay.iter().map(|(n, _)| n.as_str()).collect();
                        parts.push(format!("{}: {type_text}", stay.join(", ")));
                    }
                }
                Stmt::Expr(expr) => parts.push(line[expr.span.start..expr.span.end].to_string()),
            }
        }
        if !changed {
            kept.push((*number, line.clone()));
        } else if !parts.is_empty() {
            kept.push((*number, parts.join("; ")));
        }
    }
    (kept, replaced)
}
