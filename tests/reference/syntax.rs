//! A reader of matdiff's plain syntax (SPEC §1), written from the SPEC alone
//! so that a misreading in the engine's own parser or printer cannot hide
//! itself by being shared.

use std::fmt;

/// The functions of SPEC §1, r1 and r2.
#[derive(Clone, Copy, Debug)]
pub enum Function {
    Inv,
    Tr,
    Det,
    Logdet,
    Inner,
    Sum,
    Norm,
    Diag,
    /// An element-wise function, with its name for coverage reports.
    Elementwise(&'static str, fn(f64) -> f64),
    Softmax,
    Logsumexp,
    Norm1,
    Kron,
    Vec,
    Solve,
}

/// Names of the element-wise functions, so that a parsed call keeps its
/// name with a static lifetime.
const FUNCTION_NAMES: [&str; 19] = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "sign", "step", "relu", "sigmoid",
    "softplus", "log1p", "tan", "asin", "acos", "atan", "sinh", "cosh",
];

fn function_named(name: &str) -> Option<Function> {
    let elementwise = |f: fn(f64) -> f64| {
        let name = FUNCTION_NAMES.iter().find(|n| **n == name).copied()?;
        Some(Function::Elementwise(name, f))
    };
    match name {
        "inv" => Some(Function::Inv),
        "tr" => Some(Function::Tr),
        "det" => Some(Function::Det),
        "logdet" => Some(Function::Logdet),
        "inner" => Some(Function::Inner),
        "sum" => Some(Function::Sum),
        "norm" => Some(Function::Norm),
        "diag" => Some(Function::Diag),
        "softmax" => Some(Function::Softmax),
        "logsumexp" => Some(Function::Logsumexp),
        "norm1" => Some(Function::Norm1),
        "kron" => Some(Function::Kron),
        "vec" => Some(Function::Vec),
        "solve" => Some(Function::Solve),
        "exp" => elementwise(f64::exp),
        "log" => elementwise(f64::ln),
        "sqrt" => elementwise(f64::sqrt),
        "sin" => elementwise(f64::sin),
        "cos" => elementwise(f64::cos),
        "tanh" => elementwise(f64::tanh),
        "abs" => elementwise(f64::abs),
        "sign" => elementwise(|a| {
            if a > 0.0 {
                1.0
            } else if a < 0.0 {
                -1.0
            } else {
                0.0
            }
        }),
        "step" => elementwise(|a| if a > 0.0 { 1.0 } else { 0.0 }),
        "relu" => elementwise(|a| a.max(0.0)),
        "sigmoid" => elementwise(|a| 1.0 / (1.0 + (-a).exp())),
        "softplus" => elementwise(|a| a.exp().ln_1p()),
        "log1p" => elementwise(f64::ln_1p),
        "tan" => elementwise(f64::tan),
        "asin" => elementwise(f64::asin),
        "acos" => elementwise(f64::acos),
        "atan" => elementwise(f64::atan),
        "sinh" => elementwise(f64::sinh),
        "cosh" => elementwise(f64::cosh),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Add,
    Sub,
    Product,
    Divide,
    Hadamard,
    HadamardDivide,
    LeftDivide,
}

/// A parsed expression. Constants whose size may come from context carry
/// an `id`, so that the size inference can report and fix them one by one.
#[derive(Clone, Debug)]
pub enum Expr {
    Number(f64),
    /// A variable, intermediate, dimension, `dot(X)`, `bar(X)` or
    /// `dot(bar(X))`: all are looked up by their spelling.
    Name(String),
    Identity {
        id: usize,
        size: Option<Box<Expr>>,
    },
    /// `ones`, `ones(d)` (a column) or `ones(d1, d2)`.
    Ones {
        id: usize,
        rows: Option<Box<Expr>>,
        cols: Option<Box<Expr>>,
    },
    /// The literal `0`, which may stand for a zero array of any size.
    Zero {
        id: usize,
    },
    Rows(Box<Expr>),
    Cols(Box<Expr>),
    Negate(Box<Expr>),
    Binary(Operator, Box<Expr>, Box<Expr>),
    Transpose(Box<Expr>),
    Power(Box<Expr>, Box<Expr>),
    ElementPower(Box<Expr>, Box<Expr>),
    Call(Function, Vec<Expr>),
}

#[derive(Debug)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "syntax: {}", self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Ident(String),
    Symbol(&'static str),
}

const SYMBOLS: [&str; 13] = [
    ".^", ".*", "./", "(", ")", ",", "'", "^", "*", "/", "+", "-", "\\",
];

fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            // "2.*x" is 2 .* x: a '.' belongs to the number only before a digit.
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let literal: String = chars[start..i].iter().collect();
            let value = literal
                .parse()
                .map_err(|_| SyntaxError(format!("bad number {literal}")))?;
            tokens.push(Token::Number(value));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let symbol = SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .ok_or_else(|| SyntaxError(format!("unexpected character {c:?}")))?;
            tokens.push(Token::Symbol(symbol));
            i += symbol.chars().count();
        }
    }
    Ok(tokens)
}

/// Parses one expression.
pub fn parse_expr(text: &str) -> Result<Expr, SyntaxError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        position: 0,
        next_id: 0,
    };
    let expr = parser.expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(SyntaxError(format!("trailing {token:?} in {text}"))),
    }
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    next_id: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn at(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol)
    }

    fn eat(&mut self, symbol: &str) -> bool {
        let found = self.at(symbol);
        if found {
            self.position += 1;
        }
        found
    }

    fn expect(&mut self, symbol: &str) -> Result<(), SyntaxError> {
        if self.eat(symbol) {
            Ok(())
        } else {
            Err(SyntaxError(format!(
                "expected {symbol}, found {:?}",
                self.peek()
            )))
        }
    }

    fn fresh_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.term()?;
        loop {
            let op = if self.eat("+") {
                Operator::Add
            } else if self.eat("-") {
                Operator::Sub
            } else {
                return Ok(left);
            };
            left = Expr::Binary(op, Box::new(left), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Symbol("*")) => Operator::Product,
                Some(Token::Symbol("/")) => Operator::Divide,
                Some(Token::Symbol(".*")) => Operator::Hadamard,
                Some(Token::Symbol("./")) => Operator::HadamardDivide,
                Some(Token::Symbol("\\")) => Operator::LeftDivide,
                _ => return Ok(left),
            };
            self.position += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat("-") {
            return Ok(Expr::Negate(Box::new(self.unary()?)));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, SyntaxError> {
        let base = self.postfix()?;
        if self.eat("^") {
            if let Some(Token::Ident(name)) = self.peek() {
                if name == "T" {
                    self.position += 1;
                    return Ok(Expr::Transpose(Box::new(base)));
                }
            }
            let exponent = self.exponent()?;
            return Ok(Expr::Power(Box::new(base), Box::new(exponent)));
        }
        if self.eat(".^") {
            let exponent = self.exponent()?;
            return Ok(Expr::ElementPower(Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn exponent(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat("-") {
            return match self.peek().cloned() {
                Some(Token::Number(value)) => {
                    self.position += 1;
                    Ok(Expr::Number(-value))
                }
                other => Err(SyntaxError(format!("`^-` needs a number, found {other:?}"))),
            };
        }
        self.atom()
    }

    fn postfix(&mut self) -> Result<Expr, SyntaxError> {
        let mut expr = self.atom()?;
        while self.eat("'") {
            expr = Expr::Transpose(Box::new(expr));
        }
        Ok(expr)
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        match self.peek().cloned() {
            Some(Token::Number(value)) => {
                self.position += 1;
                if value == 0.0 {
                    let id = self.fresh_id();
                    return Ok(Expr::Zero { id });
                }
                Ok(Expr::Number(value))
            }
            Some(Token::Symbol("(")) => {
                self.position += 1;
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Token::Ident(name)) => {
                self.position += 1;
                if self.at("(") {
                    self.position += 1;
                    let mut args = Vec::new();
                    if !self.at(")") {
                        args.push(self.expr()?);
                        while self.eat(",") {
                            args.push(self.expr()?);
                        }
                    }
                    self.expect(")")?;
                    self.call(&name, args)
                } else {
                    Ok(self.bare_name(name))
                }
            }
            other => Err(SyntaxError(format!("expected an operand, found {other:?}"))),
        }
    }

    fn bare_name(&mut self, name: String) -> Expr {
        match name.as_str() {
            "I" => Expr::Identity {
                id: self.fresh_id(),
                size: None,
            },
            "ones" => Expr::Ones {
                id: self.fresh_id(),
                rows: None,
                cols: None,
            },
            _ => Expr::Name(name),
        }
    }

    fn call(&mut self, name: &str, mut args: Vec<Expr>) -> Result<Expr, SyntaxError> {
        let arity_error = || SyntaxError(format!("wrong number of arguments to {name}"));
        let single = |args: &mut Vec<Expr>| {
            if args.len() == 1 {
                Ok(args.pop().expect("one argument"))
            } else {
                Err(arity_error())
            }
        };
        match name {
            "dot" | "bar" => match single(&mut args)? {
                Expr::Name(inner) => Ok(Expr::Name(format!("{name}({inner})"))),
                _ => Err(SyntaxError(format!("{name}() takes a name"))),
            },
            "I" => {
                let size = single(&mut args)?;
                Ok(Expr::Identity {
                    id: self.fresh_id(),
                    size: Some(Box::new(size)),
                })
            }
            "ones" => {
                let id = self.fresh_id();
                let mut args = args.into_iter();
                let rows = args.next().ok_or_else(arity_error)?;
                // ones(d) is a column.
                let cols = args.next().unwrap_or(Expr::Number(1.0));
                if args.next().is_some() {
                    return Err(arity_error());
                }
                Ok(Expr::Ones {
                    id,
                    rows: Some(Box::new(rows)),
                    cols: Some(Box::new(cols)),
                })
            }
            "rows" => Ok(Expr::Rows(Box::new(single(&mut args)?))),
            "cols" => Ok(Expr::Cols(Box::new(single(&mut args)?))),
            _ => {
                let function = function_named(name)
                    .ok_or_else(|| SyntaxError(format!("unknown function {name}")))?;
                let arity = match function {
                    Function::Inner | Function::Kron | Function::Solve => 2,
                    _ => 1,
                };
                if args.len() != arity {
                    return Err(arity_error());
                }
                Ok(Expr::Call(function, args))
            }
        }
    }
}
