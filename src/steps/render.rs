//! Steps as text: plain or Unicode, one equation a line with its chain
//! aligned and its rule in brackets, or one LaTeX `aligned` block.

use super::StepLine;
use crate::ast::{Expr, ExprKind};
use crate::print::{render, render_name, Notation};

pub(super) fn render_side(lhs: &Expr, notation: Notation) -> String {
    match &lhs.kind {
        ExprKind::Var(name) => render_name(name, notation),
        _ => render(lhs, notation),
    }
}

/// Renders steps as text (plain or Unicode: one equation a line, chains
/// aligned, the rule in brackets) or as one LaTeX `aligned` block.
///
/// ```
/// use matdiff::derive::{Mode, Options};
/// use matdiff::print::Notation;
/// let model = matdiff::shape::analyze_source("C = inv(A)").unwrap();
/// let steps = matdiff::steps::explain(&model, Mode::Forward, &Options::default()).unwrap();
/// let latex = matdiff::steps::render_steps(&steps, Notation::Latex);
/// assert!(latex.starts_with("\\begin{aligned}\n\\dot{C} &= "));
/// ```
pub fn render_steps(steps: &[StepLine], notation: Notation) -> String {
    if notation == Notation::Latex {
        return render_latex(steps);
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let end = steps[start + 1..]
            .iter()
            .position(|s| !s.continues)
            .map_or(steps.len(), |i| start + 1 + i);
        out.extend(render_chain(&steps[start..end], notation));
        start = end;
    }
    out.join("\n")
}

/// Widest equation that still sets the column the rules line up in.
const RULE_COLUMN_MAX: usize = 72;

/// Left sides up to this width have their continuation lines' `=` aligned
/// under theirs; longer ones indent continuations by four spaces.
const ALIGN_MAX: usize = 16;

fn render_chain(chain: &[StepLine], notation: Notation) -> Vec<String> {
    let lhs = render_side(&chain[0].lhs, notation);
    let lhs_width = width(&lhs);
    let indent = if lhs_width <= ALIGN_MAX {
        lhs_width + 1
    } else {
        4
    };
    let texts: Vec<String> = chain
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let rhs = step.rhs.render(notation);
            if i == 0 {
                format!("{lhs} = {rhs}")
            } else {
                format!("{}= {rhs}", " ".repeat(indent))
            }
        })
        .collect();
    let column = texts
        .iter()
        .map(|t| width(t))
        .filter(|w| *w <= RULE_COLUMN_MAX)
        .max()
        .unwrap_or(0);
    texts
        .into_iter()
        .zip(chain)
        .map(|(text, step)| {
            let pad = column.saturating_sub(width(&text)) + 2;
            format!("{text}{}[{}]", " ".repeat(pad), step.rule)
        })
        .collect()
}

/// Display width: combining marks (the dot and bar accents) take none.
fn width(text: &str) -> usize {
    text.chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .count()
}

fn render_latex(steps: &[StepLine]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .map(|step| {
            let lhs = if step.continues {
                String::new()
            } else {
                format!("{} ", render_side(&step.lhs, Notation::Latex))
            };
            format!(
                "{lhs}&= {} && \\text{{{}}}",
                step.rhs.render(Notation::Latex),
                latex_text(&step.rule)
            )
        })
        .collect();
    format!(
        "\\begin{{aligned}}\n{}\n\\end{{aligned}}",
        rows.join(" \\\\\n")
    )
}

/// Escapes the characters LaTeX's text mode treats specially.
fn latex_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '#' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            c => out.push(c),
        }
    }
    out
}
