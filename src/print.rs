//! Printers: plain syntax (valid input, minimal parentheses), Unicode and
//! LaTeX. One walk with one precedence table serves all three, so they
//! bracket alike.
//!
//! Plain output re-parses to the same tree: a right-nested product keeps its
//! parentheses (`A * (B * x)`), a left-nested one is printed flat.

use crate::ast::{BinOp, Dim, Expr, ExprKind, Func, Latex, Mark, Name};
use num_rational::BigRational;
use num_traits::{One, Signed};
use std::fmt;

/// An output notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notation {
    /// The input language itself.
    Plain,
    /// Unicode mathematics: `−C Ȧ C`.
    Unicode,
    /// LaTeX without `$` delimiters: `-C \dot{A} C`.
    Latex,
}

/// Renders an expression in a notation.
///
/// ```
/// use matdiff::print::{render, Notation};
/// let e = matdiff::parse::parse_expr("-C * dot(A) * C").unwrap();
/// assert_eq!(render(&e, Notation::Plain), "-C * dot(A) * C");
/// assert_eq!(render(&e, Notation::Unicode), "−C A\u{307} C");
/// assert_eq!(render(&e, Notation::Latex), "-C \\dot{A} C");
/// ```
pub fn render(expr: &Expr, notation: Notation) -> String {
    render_sized(expr, notation, &[])
}

/// Renders an expression with the sizes of some constants written out:
/// `written[i]` for the i-th `I` or `ones` met left to right (as
/// [`Model::written_sizes`](crate::shape::Model::written_sizes) gives them).
/// A trace of a sized identity is always its size, `n` or `rows(A)`.
///
/// ```
/// use matdiff::print::{render_sized, Notation};
/// let model = matdiff::shape::analyze_source("A: matrix(n, m); f = sum(A)").unwrap();
/// let e = model.elaborate(&matdiff::parse::parse_expr("sum(ones(m)) * tr(I(n))").unwrap(), None).unwrap();
/// assert_eq!(render_sized(&e, Notation::Plain, &[true, true]), "sum(ones(m)) * n");
/// assert_eq!(render_sized(&e, Notation::Latex, &[true, true]), "\\operatorname{sum}\\left(\\mathbf{1}_{m}\\right) n");
/// // A product of sizes: `m*n`, `m·n`, `m \cdot n`; bracketed as a number.
/// let e = model.elaborate(&matdiff::parse::parse_expr("I(m*n) / tr(I(n*m))").unwrap(), None).unwrap();
/// assert_eq!(render_sized(&e, Notation::Plain, &[true, true]), "I(m*n) / (m*n)");
/// assert_eq!(render_sized(&e, Notation::Unicode, &[true, true]), "I[m·n] / (m·n)");
/// assert_eq!(render_sized(&e, Notation::Latex, &[true, true]), "\\frac{I_{m \\cdot n}}{\\left(m \\cdot n\\right)}");
/// ```
pub fn render_sized(expr: &Expr, notation: Notation, written: &[bool]) -> String {
    let mut out = String::new();
    Printer {
        notation,
        out: &mut out,
        written,
        constants: 0,
    }
    .expr(expr, Level::Sum);
    out
}

/// A dimension as the input language writes it: `n`, `3`, `rows(A)`.
///
/// ```
/// use matdiff::ast::Dim;
/// assert_eq!(matdiff::print::dim_text(&Dim::Named("len(x)".into())), "rows(x)");
/// let product = matdiff::ast::dim_product(&Dim::Named("len(x)".into()), &Dim::Size(2));
/// assert_eq!(matdiff::print::dim_text(&product), "2*rows(x)");
/// ```
pub fn dim_text(dim: &Dim) -> String {
    match dim {
        Dim::One => "1".to_string(),
        Dim::Size(k) => k.to_string(),
        Dim::Product(_) => {
            product_texts(dim, &|name| dim_text(&Dim::Named(name.clone()))).join("*")
        }
        Dim::Named(label) => {
            // Inferred dimensions are labelled by a variable; vectors' and
            // symmetric matrices' read back as their rows.
            for word in ["len(", "size("] {
                if let Some(rest) = label.strip_prefix(word) {
                    return format!("rows({rest}");
                }
            }
            label.to_string()
        }
    }
}

/// The factors of a product dimension, its fixed size first, each named
/// one rendered by `named`.
fn product_texts(dim: &Dim, named: &dyn Fn(&std::sync::Arc<str>) -> String) -> Vec<String> {
    let (size, names) = dim.factors();
    let fixed = (size != 1).then(|| size.to_string());
    fixed.into_iter().chain(names.iter().map(named)).collect()
}

/// Renders a (possibly marked) name in a notation.
///
/// ```
/// use matdiff::ast::Name;
/// use matdiff::print::{render_name, Notation};
/// assert_eq!(render_name(&Name::plain("A").bar(), Notation::Latex), "\\bar{A}");
/// ```
pub fn render_name(name: &Name, notation: Notation) -> String {
    match notation {
        Notation::Plain => name.to_string(),
        Notation::Unicode => {
            // The marks sit on the letter, not on an index: λ̄_reg, W̄1.
            let base = unicode_base(&name.base);
            let split = base.char_indices().nth(1).map_or(base.len(), |(i, _)| i);
            let (letter, rest) = base.split_at(split);
            let mut out = letter.to_string();
            for mark in &name.marks {
                out.push(match mark {
                    Mark::Dot => '\u{307}',
                    Mark::Bar => '\u{304}',
                });
            }
            out + rest
        }
        Notation::Latex => {
            let (mut out, index) = latex_parts(&name.base);
            for mark in &name.marks {
                out = match mark {
                    Mark::Dot => format!("\\dot{{{out}}}"),
                    Mark::Bar => format!("\\bar{{{out}}}"),
                };
            }
            out + &index
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self, Notation::Plain))
    }
}

/// Binding strength, loosest first; a child printed where a stronger level
/// is required gets parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Sum,
    Product,
    Unary,
    Power,
    Postfix,
    Atom,
}

fn level(expr: &Expr) -> Level {
    match &expr.kind {
        ExprKind::Num(value) if !value.is_integer() => Level::Product,
        ExprKind::Num(value) if value.is_negative() => Level::Unary,
        ExprKind::Neg(_) => Level::Unary,
        ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) => Level::Sum,
        ExprKind::Binary(BinOp::Pow | BinOp::EPow, _, _) => Level::Power,
        ExprKind::Binary(..) | ExprKind::Call(Func::Solve, _) => Level::Product,
        ExprKind::Power(..) | ExprKind::ElemPower(..) => Level::Power,
        ExprKind::Transpose(_) => Level::Postfix,
        ExprKind::Ones(Some(s)) if s.rows == Dim::One && s.cols != Dim::One => Level::Postfix,
        _ => Level::Atom,
    }
}

struct Printer<'a> {
    notation: Notation,
    out: &'a mut String,
    /// Which constants, in order met, are printed with their size.
    written: &'a [bool],
    /// How many constants have been met so far.
    constants: usize,
}

impl Printer<'_> {
    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn expr(&mut self, expr: &Expr, min: Level) {
        let wrap = level(expr) < min;
        if wrap {
            self.push(self.open());
        }
        self.node(expr);
        if wrap {
            self.push(self.close());
        }
    }

    fn open(&self) -> &'static str {
        match self.notation {
            Notation::Latex => "\\left(",
            _ => "(",
        }
    }

    fn close(&self) -> &'static str {
        match self.notation {
            Notation::Latex => "\\right)",
            _ => ")",
        }
    }

    fn minus(&self) -> &'static str {
        match self.notation {
            Notation::Unicode => "−",
            _ => "-",
        }
    }

    fn node(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Num(value) => self.number(value),
            ExprKind::Var(name) => self.push(&render_name(name, self.notation)),
            ExprKind::Identity(size) => {
                let written = self.next_constant_written();
                self.push("I");
                if let (true, Some(d)) = (written, size) {
                    self.sizes(&[d]);
                }
            }
            ExprKind::Ones(shape) => {
                let written = self.next_constant_written();
                if let (true, Some(s)) = (written, shape) {
                    self.push(match self.notation {
                        Notation::Plain => "ones",
                        Notation::Unicode => "𝟙",
                        Notation::Latex => "\\mathbf{1}",
                    });
                    if s.cols == Dim::One {
                        self.sizes(&[&s.rows]);
                    } else {
                        self.sizes(&[&s.rows, &s.cols]);
                    }
                    return;
                }
                self.push(match self.notation {
                    Notation::Plain => "ones",
                    Notation::Unicode => "𝟙",
                    Notation::Latex => "\\mathbf{1}",
                });
                // A row of ones reads back as `ones'`; plain `ones` is a column.
                if shape
                    .as_ref()
                    .is_some_and(|s| s.rows == Dim::One && s.cols != Dim::One)
                {
                    self.push(match self.notation {
                        Notation::Plain => "'",
                        Notation::Unicode => "ᵀ",
                        Notation::Latex => "^{\\top}",
                    });
                }
            }
            ExprKind::Neg(inner) => {
                self.push(self.minus());
                self.expr(inner, Level::Unary);
            }
            ExprKind::Binary(op @ (BinOp::Pow | BinOp::EPow), base, exponent) => {
                self.general_power(*op, base, exponent)
            }
            ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs),
            ExprKind::Transpose(inner) => match &inner.kind {
                // inv(A)' reads A⁻ᵀ, and avoids a double superscript in LaTeX.
                ExprKind::Call(Func::Inv, args) if self.notation != Notation::Plain => {
                    self.superscript_base(&args[0]);
                    self.push(if self.notation == Notation::Unicode {
                        "⁻ᵀ"
                    } else {
                        "^{-\\top}"
                    });
                }
                _ => {
                    self.superscript_base(inner);
                    self.push(match self.notation {
                        Notation::Plain => "'",
                        Notation::Unicode => "ᵀ",
                        Notation::Latex => "^{\\top}",
                    });
                }
            },
            ExprKind::Power(base, k) => {
                self.superscript_base(base);
                match self.notation {
                    Notation::Plain => self.push(&format!("^{k}")),
                    Notation::Unicode => self.push(&superscript(&k.to_string())),
                    Notation::Latex => self.push(&format!("^{{{k}}}")),
                }
            }
            ExprKind::ElemPower(base, k) => {
                self.superscript_base(base);
                match self.notation {
                    Notation::Plain if k.is_integer() => self.push(&format!(" .^ {k}")),
                    Notation::Plain => self.push(&format!(" .^ ({k})")),
                    Notation::Unicode => self.push(&format!("∘{}", superscript(&k.to_string()))),
                    Notation::Latex => self.push(&format!("^{{\\circ {}}}", latex_number(k))),
                }
            }
            ExprKind::Call(func, args) => self.call(*func, args),
        }
    }

    /// The base of a superscript. In LaTeX a base that already ends in a
    /// superscript is braced, since `A^{2}^{\top}` does not typeset.
    fn superscript_base(&mut self, base: &Expr) {
        let ends_in_superscript = matches!(
            base.kind,
            ExprKind::Transpose(_)
                | ExprKind::Power(..)
                | ExprKind::ElemPower(..)
                | ExprKind::Binary(BinOp::Pow | BinOp::EPow, _, _)
                | ExprKind::Call(Func::Inv, _)
        ) || matches!(&base.kind, ExprKind::Ones(Some(s)) if s.rows == Dim::One && s.cols != Dim::One);
        if self.notation == Notation::Latex && ends_in_superscript {
            self.push("{");
            self.node(base);
            self.push("}");
        } else {
            self.expr(base, Level::Postfix);
        }
    }

    /// `s^t` or `M .^ t` with an exponent that is an expression. The
    /// exponent is what the grammar takes after `^`: an integer, a name, a
    /// call, or anything else in parentheses.
    fn general_power(&mut self, op: BinOp, base: &Expr, exponent: &Expr) {
        self.superscript_base(base);
        let bare = match &exponent.kind {
            ExprKind::Num(value) => value.is_integer() && !value.is_negative(),
            ExprKind::Var(_) | ExprKind::Call(..) => true,
            _ => false,
        };
        let elementwise = op == BinOp::EPow;
        match self.notation {
            Notation::Latex => {
                self.push(if elementwise { "^{\\circ " } else { "^{" });
                self.expr(exponent, Level::Sum);
                self.push("}");
            }
            notation => {
                self.push(match (notation, elementwise) {
                    (Notation::Plain, true) => " .^ ",
                    (Notation::Unicode, true) => "∘^",
                    _ => "^",
                });
                if bare {
                    self.node(exponent);
                } else {
                    self.push("(");
                    self.node(exponent);
                    self.push(")");
                }
            }
        }
    }

    fn next_constant_written(&mut self) -> bool {
        let written = self.written.get(self.constants).copied().unwrap_or(false);
        self.constants += 1;
        written
    }

    /// The sizes of a constant: `(m, n)` in plain text, a subscript else.
    fn sizes(&mut self, dims: &[&Dim]) {
        let texts: Vec<String> = dims.iter().map(|d| self.dim(d)).collect();
        match self.notation {
            Notation::Plain => self.push(&format!("({})", texts.join(", "))),
            Notation::Unicode => self.push(&format!("[{}]", texts.join("×"))),
            Notation::Latex => self.push(&format!("_{{{}}}", texts.join(" \\times "))),
        }
    }

    fn dim(&self, dim: &Dim) -> String {
        if dim.is_product() {
            let times = match self.notation {
                Notation::Plain => "*",
                Notation::Unicode => "·",
                Notation::Latex => " \\cdot ",
            };
            let factor = |name: &std::sync::Arc<str>| self.dim(&Dim::Named(name.clone()));
            return product_texts(dim, &factor).join(times);
        }
        let text = dim_text(dim);
        match (self.notation, text.split_once('(')) {
            (Notation::Latex, Some((word, rest))) => {
                let (open, close) = (self.open(), self.close());
                let var = rest.trim_end_matches(')');
                let (base, index) = latex_parts(var);
                format!("\\operatorname{{{word}}}{open}{base}{index}{close}")
            }
            _ => text,
        }
    }

    fn number(&mut self, value: &BigRational) {
        match self.notation {
            Notation::Plain => self.push(&value.to_string()),
            Notation::Unicode => {
                let text = value.abs().to_string();
                if value.is_negative() {
                    self.push("−");
                }
                self.push(&text);
            }
            Notation::Latex => self.push(&latex_number(value)),
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) {
        let (left_min, right_min) = match op {
            BinOp::Add | BinOp::Sub => (Level::Sum, Level::Product),
            // Juxtaposed factors must not read as a subtraction: `A (−B)`.
            BinOp::Mul if self.notation != Notation::Plain => (Level::Product, Level::Power),
            _ => (Level::Product, Level::Unary),
        };
        if op == BinOp::Div && self.notation == Notation::Latex {
            self.push("\\frac{");
            self.expr(lhs, Level::Sum);
            self.push("}{");
            self.expr(rhs, Level::Sum);
            self.push("}");
            return;
        }
        self.operand(op, lhs, left_min);
        let symbol = match (self.notation, op) {
            (Notation::Plain, op) => format!(" {} ", op.symbol()),
            (_, BinOp::Mul) => " ".to_string(),
            (Notation::Unicode, BinOp::Sub) => " − ".to_string(),
            (Notation::Unicode, BinOp::EMul) => " ⊙ ".to_string(),
            (Notation::Unicode, BinOp::EDiv) => " ⊘ ".to_string(),
            (Notation::Latex, BinOp::EMul) => " \\odot ".to_string(),
            (Notation::Latex, BinOp::EDiv) => " \\oslash ".to_string(),
            (_, op) => format!(" {} ", op.symbol()),
        };
        self.push(&symbol);
        self.operand(op, rhs, right_min);
    }

    /// An operand of `op`, bracketed where its level requires, and in
    /// Unicode and LaTeX also where a Hadamard operation meets a product:
    /// juxtaposition reads tighter than ⊙ to most people, so `Ē ⊙ E K`
    /// would read as Ē ⊙ (E K) whichever was meant.
    fn operand(&mut self, op: BinOp, child: &Expr, min: Level) {
        let hadamard = |op: BinOp| matches!(op, BinOp::EMul | BinOp::EDiv);
        let product = |op: BinOp| matches!(op, BinOp::Mul);
        let mixed = match &child.kind {
            ExprKind::Binary(inner, _, _) => {
                (hadamard(op) && product(*inner)) || (product(op) && hadamard(*inner))
            }
            _ => false,
        };
        if mixed && self.notation != Notation::Plain && level(child) >= min {
            self.push(self.open());
            self.node(child);
            self.push(self.close());
        } else {
            self.expr(child, min);
        }
    }

    fn call(&mut self, func: Func, args: &[Expr]) {
        if let (Func::Solve, [a, b]) = (func, args) {
            // `A \\ B`, as users write it; A⁻¹ B in the notations, whose
            // juxtaposed factor must not read as a subtraction. A product
            // on the left is bracketed, `(A * X) \\ B`: it would read the
            // same without, left to right, but not to every reader.
            if self.notation == Notation::Plain {
                self.expr(a, Level::Unary);
                self.push(" \\ ");
                self.expr(b, Level::Unary);
            } else {
                let unicode = self.notation == Notation::Unicode;
                // A' \\ B reads A⁻ᵀ B, as inv(A)' does.
                if let ExprKind::Transpose(inner) = &a.kind {
                    self.superscript_base(inner);
                    self.push(if unicode { "⁻ᵀ " } else { "^{-\\top} " });
                } else {
                    self.superscript_base(a);
                    self.push(if unicode { "⁻¹ " } else { "^{-1} " });
                }
                self.expr(b, Level::Power);
            }
            return;
        }
        if let (
            Func::Tr,
            [Expr {
                kind: ExprKind::Identity(Some(d)),
                ..
            }],
        ) = (func, args)
        {
            // The trace of an identity is its size, a number; a product
            // of sizes is bracketed, as the number it stands for is one.
            self.constants += 1;
            let text = match self.dim(d) {
                text if d.is_product() => format!("{}{text}{}", self.open(), self.close()),
                text => text,
            };
            self.push(&text);
            return;
        }
        if self.notation == Notation::Plain {
            self.push(func.name());
            self.push("(");
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.expr(arg, Level::Sum);
            }
            self.push(")");
            return;
        }
        let unicode = self.notation == Notation::Unicode;
        match (func, args) {
            (Func::Inv, [a]) => {
                self.superscript_base(a);
                self.push(if unicode { "⁻¹" } else { "^{-1}" });
            }
            // Bracketed: ⊗ has no place in the precedence table.
            (Func::Kron, [a, b]) => {
                self.push(self.open());
                self.expr(a, Level::Power);
                self.push(if unicode { " ⊗ " } else { " \\otimes " });
                self.expr(b, Level::Power);
                self.push(self.close());
            }
            (Func::Inner, [a, b]) => {
                self.push(if unicode { "⟨" } else { "\\left\\langle " });
                self.expr(a, Level::Sum);
                self.push(", ");
                self.expr(b, Level::Sum);
                self.push(if unicode { "⟩" } else { " \\right\\rangle" });
            }
            (Func::Norm, [a]) => {
                self.push(if unicode { "‖" } else { "\\left\\lVert " });
                self.expr(a, Level::Sum);
                self.push(if unicode { "‖" } else { " \\right\\rVert" });
            }
            (Func::Norm1, [a]) => {
                self.push(if unicode { "‖" } else { "\\left\\lVert " });
                self.expr(a, Level::Sum);
                self.push(if unicode {
                    "‖₁"
                } else {
                    " \\right\\rVert_{1}"
                });
            }
            (Func::Map(map), [a]) if !unicode && map.spec().latex == Latex::Root => {
                self.push("\\sqrt{");
                self.expr(a, Level::Sum);
                self.push("}");
            }
            (Func::Logdet, [a]) => {
                self.push(if unicode {
                    "log|det("
                } else {
                    "\\log\\left|\\det\\left("
                });
                self.expr(a, Level::Sum);
                self.push(if unicode { ")|" } else { "\\right)\\right|" });
            }
            _ => {
                let name = match (unicode, func) {
                    (true, Func::Map(map)) => map.spec().unicode.unwrap_or(func.name()).to_string(),
                    (true, func) => func.name().to_string(),
                    (false, Func::Map(map)) => match map.spec().latex {
                        Latex::Command(command) => command.to_string(),
                        // Written as `\\sqrt{…}` above; never reached.
                        Latex::Root => "\\sqrt".to_string(),
                    },
                    (false, Func::Det) => "\\det".to_string(),
                    (false, func) => format!("\\operatorname{{{}}}", func.name()),
                };
                self.push(&name);
                self.push(self.open());
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(arg, Level::Sum);
                }
                self.push(self.close());
            }
        }
    }
}

fn latex_number(value: &BigRational) -> String {
    if value.is_integer() {
        return value.to_string();
    }
    let sign = if value.is_negative() { "-" } else { "" };
    let abs = value.abs();
    format!("{sign}\\frac{{{}}}{{{}}}", abs.numer(), abs.denom())
}

fn superscript(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' => '⁻',
            '/' => 'ᐟ',
            other => other,
        })
        .collect()
}

const GREEK: [(&str, &str, &str); 24] = [
    ("alpha", "α", "\\alpha"),
    ("beta", "β", "\\beta"),
    ("gamma", "γ", "\\gamma"),
    ("delta", "δ", "\\delta"),
    ("epsilon", "ε", "\\epsilon"),
    ("zeta", "ζ", "\\zeta"),
    ("eta", "η", "\\eta"),
    ("theta", "θ", "\\theta"),
    ("iota", "ι", "\\iota"),
    ("kappa", "κ", "\\kappa"),
    ("lambda", "λ", "\\lambda"),
    ("mu", "μ", "\\mu"),
    ("nu", "ν", "\\nu"),
    ("xi", "ξ", "\\xi"),
    ("omicron", "ο", "o"),
    ("pi", "π", "\\pi"),
    ("rho", "ρ", "\\rho"),
    ("sigma", "σ", "\\sigma"),
    ("tau", "τ", "\\tau"),
    ("upsilon", "υ", "\\upsilon"),
    ("phi", "φ", "\\phi"),
    ("chi", "χ", "\\chi"),
    ("psi", "ψ", "\\psi"),
    ("omega", "ω", "\\omega"),
];

/// The spelled Greek letter a name starts with, and the rest (`lambda_reg`
/// → `lambda`, `_reg`), when the rest is digits or starts with `_`.
///
/// ```
/// assert_eq!(matdiff::print::greek_prefix("alpha2"), Some(("alpha", "2")));
/// assert_eq!(matdiff::print::greek_prefix("pie"), None);
/// ```
pub fn greek_prefix(name: &str) -> Option<(&'static str, &str)> {
    GREEK.iter().find_map(|(spelled, _, _)| {
        let rest = name.strip_prefix(spelled)?;
        let fits = rest.is_empty()
            || rest.starts_with('_')
            || rest.chars().next().is_some_and(|c| c.is_ascii_digit())
                && rest
                    .split('_')
                    .next()
                    .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()));
        fits.then_some((*spelled, rest))
    })
}

fn split_suffix(rest: &str) -> &str {
    rest.strip_prefix('_').unwrap_or(rest)
}

fn unicode_base(base: &str) -> String {
    match greek_prefix(base) {
        Some((spelled, rest)) => {
            let letter = GREEK.iter().find(|g| g.0 == spelled).map_or("", |g| g.1);
            format!("{letter}{rest}")
        }
        None => base.to_string(),
    }
}

/// A name in LaTeX as its letter and its index: `\lambda`, `_{\mathrm{reg}}`.
/// A name that is not a letter with an index is one italic word, no index.
fn latex_parts(base: &str) -> (String, String) {
    let (head, rest) = match greek_prefix(base) {
        Some((spelled, rest)) => {
            let letter = GREEK.iter().find(|g| g.0 == spelled).map_or("", |g| g.2);
            (letter.to_string(), rest)
        }
        None => {
            let mut chars = base.char_indices();
            let first_end = chars.nth(1).map_or(base.len(), |(i, _)| i);
            let head = latex_unicode_letter(&base[..first_end]);
            let rest = &base[first_end..];
            let tail_is_index = rest.starts_with('_') || rest.chars().all(|c| c.is_ascii_digit());
            if !tail_is_index {
                return (
                    format!("\\mathit{{{}}}", base.replace('_', "\\_")),
                    String::new(),
                );
            }
            (head, rest)
        }
    };
    let suffix = split_suffix(rest);
    if suffix.is_empty() {
        (head, String::new())
    } else {
        (
            head,
            format!("_{{\\mathrm{{{}}}}}", suffix.replace('_', "\\_")),
        )
    }
}

fn latex_unicode_letter(letter: &str) -> String {
    GREEK
        .iter()
        .find(|g| g.1 == letter)
        .map_or_else(|| letter.to_string(), |g| g.2.to_string())
}

/// True when a rational prints as a plain integer.
fn _is_integer(value: &BigRational) -> bool {
    value.denom().is_one()
}
