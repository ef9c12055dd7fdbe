//! Programs in matdiff's language built from fuzzer bytes with `arbitrary`:
//! declarations, assignments that use earlier ones, and an output, over
//! every operator and function, with shapes left for the analysis to infer
//! or refuse. Most generated programs parse; many type-check, so the
//! fuzzer reaches differentiation, simplification and printing.

use arbitrary::Arbitrary;
use matdiff::ast::Func;
use std::fmt::{self, Write};

/// An input's name; its spelling sets its default type (matrix, vector,
/// scalar).
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Input {
    A,
    B,
    S,
    X,
    LowerX,
    LowerY,
    LowerZ,
    Alpha,
    Beta,
}

impl Input {
    fn name(self) -> &'static str {
        match self {
            Input::A => "A",
            Input::B => "B",
            Input::S => "S",
            Input::X => "X",
            Input::LowerX => "x",
            Input::LowerY => "y",
            Input::LowerZ => "z",
            Input::Alpha => "alpha",
            Input::Beta => "β",
        }
    }
}

/// A dimension in a declaration.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Dim {
    N,
    M,
    K,
    Fixed(u8),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Dim::N => f.write_str("n"),
            Dim::M => f.write_str("m"),
            Dim::K => f.write_str("k"),
            Dim::Fixed(size) => write!(f, "{}", size % 6),
        }
    }
}

/// A declaration.
#[derive(Arbitrary, Debug)]
pub enum Decl {
    Matrix(Input, Dim, Dim),
    Vector(Input, Dim),
    Symmetric(Input, Dim),
    Scalar(Input),
}

/// A binary operator.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Hadamard,
    HadamardDiv,
}

/// An expression.
#[derive(Arbitrary, Debug)]
pub enum Node {
    Input(Input),
    /// An earlier assignment, by index (wrapped to those defined).
    Earlier(u8),
    Number(i8, u8),
    Neg(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    Power(Box<Node>, i8),
    ElementwisePower(Box<Node>, i8, u8),
    Transpose(Box<Node>),
    TransposeT(Box<Node>),
    /// A function of one argument, by index among the language's.
    Call(u8, Box<Node>),
    Inner(Box<Node>, Box<Node>),
    Identity,
    Ones,
    Zero,
}

/// A whole program.
#[derive(Arbitrary, Debug)]
pub struct Program {
    pub declarations: Vec<Decl>,
    pub assignments: Vec<Node>,
    pub output: Node,
    /// Whether the output is a bare expression or assigned to `f`.
    pub bare_output: bool,
    /// Separate statements by new lines rather than `;`.
    pub newlines: bool,
}

impl Node {
    fn write(&self, out: &mut String, defined: usize) {
        match self {
            Node::Input(input) => out.push_str(input.name()),
            Node::Earlier(index) if defined > 0 => {
                let _ = write!(out, "t{}", *index as usize % defined);
            }
            Node::Earlier(_) => out.push('A'),
            Node::Number(numerator, denominator) => match denominator % 4 {
                0 | 1 => {
                    let _ = write!(out, "{numerator}");
                }
                2 => {
                    let _ = write!(out, "{}.5", numerator);
                }
                d => {
                    let _ = write!(out, "({numerator}/{d})");
                }
            },
            Node::Neg(a) => {
                out.push_str("-(");
                a.write(out, defined);
                out.push(')');
            }
            Node::Binary(op, a, b) => {
                out.push('(');
                a.write(out, defined);
                out.push_str(match op {
                    Op::Add => " + ",
                    Op::Sub => " - ",
                    Op::Mul => " * ",
                    Op::Div => " / ",
                    Op::Hadamard => " .* ",
                    Op::HadamardDiv => " ./ ",
                });
                b.write(out, defined);
                out.push(')');
            }
            Node::Power(a, k) => {
                out.push('(');
                a.write(out, defined);
                let _ = write!(out, ")^{}", (k % 6).max(-3));
            }
            Node::ElementwisePower(a, p, q) => {
                out.push('(');
                a.write(out, defined);
                let _ = write!(out, ").^({}/{})", p % 5, q % 3 + 1);
            }
            Node::Transpose(a) => {
                out.push('(');
                a.write(out, defined);
                out.push_str(")'");
            }
            Node::TransposeT(a) => {
                out.push('(');
                a.write(out, defined);
                out.push_str(")^T");
            }
            Node::Call(index, a) => {
                // The language's own functions, so a new one is fuzzed too.
                let unary: Vec<Func> = Func::all().filter(|f| f.arity() == 1).collect();
                out.push_str(unary[*index as usize % unary.len()].name());
                out.push('(');
                a.write(out, defined);
                out.push(')');
            }
            Node::Inner(a, b) => {
                out.push_str("inner(");
                a.write(out, defined);
                out.push_str(", ");
                b.write(out, defined);
                out.push(')');
            }
            Node::Identity => out.push('I'),
            Node::Ones => out.push_str("ones"),
            Node::Zero => out.push('0'),
        }
    }
}

impl Program {
    /// The program as text.
    pub fn text(&self) -> String {
        let separator = if self.newlines { "\n" } else { "; " };
        let mut out = String::new();
        for declaration in &self.declarations {
            match declaration {
                Decl::Matrix(name, rows, cols) => {
                    let _ = write!(out, "{}: matrix({rows}, {cols})", name.name());
                }
                Decl::Vector(name, size) => {
                    let _ = write!(out, "{}: vector({size})", name.name());
                }
                Decl::Symmetric(name, size) => {
                    let _ = write!(out, "{}: symmetric({size})", name.name());
                }
                Decl::Scalar(name) => {
                    let _ = write!(out, "{}: scalar", name.name());
                }
            }
            out.push_str(separator);
        }
        for (index, node) in self.assignments.iter().enumerate() {
            let _ = write!(out, "t{index} = ");
            node.write(&mut out, index);
            out.push_str(separator);
        }
        if !self.bare_output {
            out.push_str("f = ");
        }
        self.output.write(&mut out, self.assignments.len());
        out
    }
}
