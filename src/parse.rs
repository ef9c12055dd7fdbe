//! Text to [`Program`]: the pest grammar in `grammar/matdiff.pest`, one
//! Pratt table for precedence, exact numbers, and errors in plain words.
//!
//! Parsing knows nothing of shapes; it rejects only what the grammar, the
//! reserved words and the function table rule out.

use crate::ast::{
    dim_product, BinOp, Dim, DimSpec, Expr, ExprKind, Func, Name, Program, Shape, Span, Stmt, Type,
};
use crate::error::{Error, Result};
use crate::limits::{MAX_INPUT_BYTES, MAX_NUMBER_DIGITS};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use std::sync::OnceLock;

mod grammar {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/matdiff.pest"]
    pub struct Grammar;
}
use grammar::{Grammar, Rule};

/// Deepest parenthesis nesting accepted; deeper input is refused with an
/// error rather than risking the parser's stack.
pub const MAX_NESTING: usize = 200;

/// Longest run of prefix minus signs accepted, for the same reason.
pub const MAX_PREFIX_RUN: usize = 200;

/// Words a user may not name a variable.
const RESERVED: [&str; 10] = [
    "I",
    "ones",
    "rows",
    "cols",
    "dot",
    "bar",
    "scalar",
    "vector",
    "matrix",
    "symmetric",
];

/// Parses a whole program.
///
/// ```
/// let program = matdiff::parse::parse_program("C = inv(A)").unwrap();
/// assert_eq!(program.stmts.len(), 1);
/// ```
pub fn parse_program(source: &str) -> Result<Program> {
    parse_program_bounded(source, true)
}

/// Parses a result matdiff printed itself, which may be longer than a
/// statement a user may write: the numerical check reads back every line it
/// evaluates, including those too long to print.
pub(crate) fn parse_printed(source: &str) -> Result<Expr> {
    let program = parse_program_bounded(source, false)?;
    match program.stmts.as_slice() {
        [Stmt::Expr(e)] => Ok(e.clone()),
        _ => Err(Error::whole_program("expected a single expression")),
    }
}

fn parse_program_bounded(source: &str, count_operators: bool) -> Result<Program> {
    let prepared = prepare(source)?;
    let mut pairs =
        Grammar::parse(Rule::program, &prepared).map_err(|e| syntax_error(e, &prepared))?;
    let program = pairs
        .next()
        .expect("the program rule always yields one pair");
    let mut stmts = Vec::new();
    for pair in program.into_inner() {
        if count_operators {
            check_operator_count(&pair)?;
        }
        match pair.as_rule() {
            Rule::decl => stmts.push(build_decl(pair)?),
            Rule::assign => stmts.push(build_assign(pair)?),
            Rule::expr => stmts.push(Stmt::Expr(build_expr(pair)?)),
            _ => {}
        }
    }
    Ok(Program { stmts })
}

/// Parses a single expression (as `simplify` takes it).
///
/// ```
/// let e = matdiff::parse::parse_expr("A * B'").unwrap();
/// assert_eq!(e.to_string(), "A * B'");
/// ```
pub fn parse_expr(source: &str) -> Result<Expr> {
    let program = parse_program(source)?;
    match program.stmts.as_slice() {
        [Stmt::Expr(e)] => Ok(e.clone()),
        _ => Err(Error::whole_program("expected a single expression")),
    }
}

/// Blanks comments and turns newlines inside parentheses into spaces, byte
/// for byte, so spans still index the original text.
fn prepare(source: &str) -> Result<String> {
    if source.len() > MAX_INPUT_BYTES {
        // Point at the first character past the limit.
        let mut at = MAX_INPUT_BYTES;
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        let width = source[at..].chars().next().map_or(1, char::len_utf8);
        return Err(Error::input(
            format!(
                "the program is {} bytes long; matdiff reads at most {MAX_INPUT_BYTES} bytes (256 KiB)",
                source.len()
            ),
            Span::new(at, at + width),
        )
        .with_help("split the program, or derive its parts separately"));
    }
    let mut out = Vec::with_capacity(source.len());
    let mut open: Vec<usize> = Vec::new();
    let mut in_comment = false;
    for (i, byte) in source.bytes().enumerate() {
        let replaced = match byte {
            b'\n' => {
                in_comment = false;
                if !open.is_empty() {
                    b' '
                } else {
                    b'\n'
                }
            }
            _ if in_comment => b' ',
            b'#' => {
                in_comment = true;
                b' '
            }
            b'(' => {
                open.push(i);
                if open.len() > MAX_NESTING {
                    return Err(Error::input(
                        format!("parentheses nest deeper than {MAX_NESTING} levels"),
                        Span::new(i, i + 1),
                    ));
                }
                byte
            }
            b')' => {
                if open.pop().is_none() {
                    return Err(Error::input(
                        "this `)` has no matching `(`",
                        Span::new(i, i + 1),
                    ));
                }
                byte
            }
            _ => byte,
        };
        out.push(replaced);
    }
    if let Some(&i) = open.last() {
        return Err(
            Error::input("this `(` is never closed", Span::new(i, i + 1))
                .with_help("add the matching `)`"),
        );
    }
    // Only ASCII bytes were replaced, by ASCII bytes, so this stays UTF-8.
    Ok(String::from_utf8(out).expect("replacing ASCII bytes keeps UTF-8 valid"))
}

/// Refuses a statement with more than [`crate::limits::MAX_OPERATORS`]
/// operators, counted on pest's flat token stream before any tree is built.
fn check_operator_count(statement: &Pair<Rule>) -> Result<()> {
    let count = statement
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| {
            matches!(
                p.as_rule(),
                Rule::add
                    | Rule::sub
                    | Rule::mul
                    | Rule::div
                    | Rule::emul
                    | Rule::ediv
                    | Rule::backslash
                    | Rule::neg
                    | Rule::transpose
                    | Rule::power
                    | Rule::call
            )
        })
        .count();
    if count > crate::limits::MAX_OPERATORS {
        return Err(Error::input(
            format!(
                "this statement has {count} operators; at most {} are accepted in one statement",
                crate::limits::MAX_OPERATORS
            ),
            span_of(statement),
        )
        .with_help("split it into named parts, as in `B = …; C = B + …`"));
    }
    Ok(())
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::emul, Assoc::Left)
                | Op::infix(Rule::ediv, Assoc::Left)
                | Op::infix(Rule::backslash, Assoc::Left))
            .op(Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::power))
            .op(Op::postfix(Rule::transpose))
    })
}

fn span_of(pair: &Pair<Rule>) -> Span {
    Span::new(pair.as_span().start(), pair.as_span().end())
}

fn build_expr(pair: Pair<Rule>) -> Result<Expr> {
    check_prefix_runs(pair.clone().into_inner())?;
    build_pratt(pair.into_inner())
}

fn check_prefix_runs(pairs: Pairs<Rule>) -> Result<()> {
    let mut run = 0;
    for pair in pairs {
        if pair.as_rule() == Rule::misplaced_postfix {
            return Err(Error::input(
                format!("`{}` cannot follow a power directly", pair.as_str()),
                span_of(&pair),
            )
            .with_help("add parentheses, as in `(A^2)'` or `(A^2)^3`"));
        }
        run = if pair.as_rule() == Rule::neg {
            run + 1
        } else {
            0
        };
        if run > MAX_PREFIX_RUN {
            return Err(Error::input(
                format!("more than {MAX_PREFIX_RUN} minus signs in a row"),
                span_of(&pair),
            ));
        }
    }
    Ok(())
}

fn build_pratt(pairs: Pairs<Rule>) -> Result<Expr> {
    pratt()
        .map_primary(build_primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = span_of(&op).join(rhs.span);
            Ok(match rhs.kind {
                ExprKind::Num(value) => Expr::num(-value).with_span(span),
                _ => Expr::neg(rhs).with_span(span).pointing_at(span_of(&op)),
            })
        })
        .map_postfix(|lhs, op| {
            let lhs = lhs?;
            let span = lhs.span.join(span_of(&op));
            let at = span_of(&op);
            let kind = match op.as_rule() {
                Rule::transpose => ExprKind::Transpose(Box::new(lhs)),
                _ => build_power(lhs, op)?,
            };
            Ok(Expr::new(kind).with_span(span).pointing_at(at))
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            if op.as_rule() == Rule::backslash {
                let span = lhs.span.join(rhs.span);
                return Ok(Expr::call(Func::Solve, vec![lhs, rhs])
                    .with_span(span)
                    .pointing_at(span_of(&op)));
            }
            let binop = match op.as_rule() {
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                Rule::div => BinOp::Div,
                Rule::emul => BinOp::EMul,
                _ => BinOp::EDiv,
            };
            let span = lhs.span.join(rhs.span);
            let at = span_of(&op);
            if binop == BinOp::Div {
                if let (Some(n), Some(d)) = (lhs.as_num(), rhs.as_num()) {
                    if d.is_zero() {
                        return Err(Error::input("division by zero", at));
                    }
                    return Ok(Expr::num(n / d).with_span(span));
                }
            }
            Ok(Expr::binary(binop, lhs, rhs)
                .with_span(span)
                .pointing_at(at))
        })
        .parse(pairs)
}

fn build_power(base: Expr, op: Pair<Rule>) -> Result<ExprKind> {
    let inner = op.into_inner().next().expect("power has one alternative");
    let rule = inner.as_rule();
    if rule == Rule::transpose_power {
        return Ok(ExprKind::Transpose(Box::new(base)));
    }
    let exponent = inner.into_inner().next().expect("a power has an exponent");
    let span = span_of(&exponent);
    let exponent = build_exponent(exponent)?;
    let elementwise = rule == Rule::elem_power;
    let Some(value) = exponent.as_num().cloned() else {
        // An exponent that is an expression: a scalar's power, or an
        // entry-wise one; the typer checks the base and the exponent.
        let op = if elementwise { BinOp::EPow } else { BinOp::Pow };
        return Ok(ExprKind::Binary(op, Box::new(base), Box::new(exponent)));
    };
    if elementwise {
        return Ok(ExprKind::ElemPower(Box::new(base), value));
    }
    if !value.is_integer() {
        // `s^0.5` is a scalar's power; the typer refuses it on a matrix.
        let exponent = Expr::num(value).with_span(span);
        return Ok(ExprKind::Binary(
            BinOp::Pow,
            Box::new(base),
            Box::new(exponent),
        ));
    }
    let k = value
        .to_integer()
        .to_i64()
        .filter(|k| k.unsigned_abs() <= crate::limits::MAX_EXPONENT)
        .ok_or_else(|| {
            Error::input(
                format!(
                    "the exponent {value} is too large; at most {} is accepted",
                    crate::limits::MAX_EXPONENT
                ),
                span,
            )
        })?;
    Ok(ExprKind::Power(Box::new(base), k))
}

/// The exponent of `^` or `.^`: a number (exact), a name, a call, or a
/// parenthesised expression, whose numbers fold (`(-1/2)` is a number).
fn build_exponent(exponent: Pair<Rule>) -> Result<Expr> {
    let span = span_of(&exponent);
    let inner = exponent
        .into_inner()
        .next()
        .expect("an exponent has a part");
    match inner.as_rule() {
        Rule::signed_number => {
            let text = inner.as_str();
            let magnitude = parse_number(text.trim_start_matches('-'), span)?;
            let value = if text.starts_with('-') {
                -magnitude
            } else {
                magnitude
            };
            Ok(Expr::num(value).with_span(span))
        }
        _ => Ok(build_primary(inner)?.with_span(span)),
    }
}

/// `12.25` as the exact rational 49/4, `1e-3` as 1/1000; `span` is where
/// `text` is written.
fn parse_number(text: &str, span: Span) -> Result<BigRational> {
    let (text, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let count = text.bytes().filter(u8::is_ascii_digit).count();
    if count > MAX_NUMBER_DIGITS {
        return Err(Error::input(
            format!("this number has {count} digits; at most {MAX_NUMBER_DIGITS} are accepted"),
            span,
        )
        .with_help("numbers are kept exact; write a shorter one, or scale the expression"));
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits: BigInt = format!("{int}{frac}").parse().unwrap_or_default();
    // The exponent is bounded like the digits: each power of ten is one
    // more digit of the exact value.
    let power: i64 = match exponent {
        None => 0,
        Some(written) => match written.parse::<i64>() {
            Ok(power) if power.unsigned_abs() <= MAX_NUMBER_DIGITS as u64 => power,
            _ => {
                return Err(Error::input(
                    format!(
                        "the exponent `e{written}` is too large; at most e±{MAX_NUMBER_DIGITS} is accepted"
                    ),
                    span,
                )
                .with_help("numbers are kept exact; scale the expression instead"))
            }
        },
    };
    let shift = power - frac.len() as i64;
    let ten = |k: i64| BigInt::from(10u8).pow(k.unsigned_abs() as u32);
    Ok(if shift >= 0 {
        BigRational::from_integer(digits * ten(shift))
    } else {
        BigRational::new(digits, ten(shift))
    })
}

fn build_primary(pair: Pair<Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    match pair.as_rule() {
        Rule::number => Ok(Expr::num(parse_number(pair.as_str(), span)?).with_span(span)),
        Rule::ident => build_ident(pair.as_str(), span),
        Rule::call => build_call(pair),
        Rule::expr => Ok(build_expr(pair)?.with_span(span)),
        rule => unreachable!("not a primary: {rule:?}"),
    }
}

fn build_ident(name: &str, span: Span) -> Result<Expr> {
    let kind = match name {
        "I" => ExprKind::Identity(None),
        "ones" => ExprKind::Ones(None),
        _ if Func::from_name(name).is_some() => {
            return Err(Error::input(
                format!("`{name}` is a function; call it with parentheses, as in `{name}(A)`"),
                span,
            ))
        }
        _ => {
            check_name(name, "variable", span)?;
            ExprKind::Var(Name::plain(name))
        }
    };
    Ok(Expr::new(kind).with_span(span))
}

/// Rejects reserved words and function names as names of a `what`
/// ("variable", "dimension").
fn check_name(name: &str, what: &str, span: Span) -> Result<()> {
    if Func::from_name(name).is_some() {
        return Err(Error::input(
            format!("`{name}` is a function name and cannot name a {what}"),
            span,
        ));
    }
    if RESERVED.contains(&name) {
        return Err(Error::input(
            format!("`{name}` is a reserved word and cannot name a {what}"),
            span,
        ));
    }
    Ok(())
}

fn build_call(pair: Pair<Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let name_pair = inner.next().expect("a call has a name");
    let name = name_pair.as_str();
    let name_span = span_of(&name_pair);
    let args = inner.map(build_expr).collect::<Result<Vec<_>>>()?;
    if name == "dot" || name == "bar" {
        return build_marked(name, args, span);
    }
    if let Some(sized) = build_sized(name, &args, span)? {
        return Ok(sized.pointing_at(name_span));
    }
    let func = Func::from_name(name).ok_or_else(|| {
        Error::input(format!("unknown function `{name}`"), name_span).with_help(format!(
            "the functions are {}",
            Func::all().map(Func::name).collect::<Vec<_>>().join(", ")
        ))
    })?;
    if args.len() != func.arity() {
        let plural = if func.arity() == 1 { "" } else { "s" };
        return Err(Error::input(
            format!(
                "`{name}` takes {} argument{plural}, but {} {} given",
                func.arity(),
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            ),
            span,
        ));
    }
    Ok(Expr::call(func, args)
        .with_span(span)
        .pointing_at(name_span))
}

/// The size syntax of SPEC r2: `I(d)`, `ones(d)`, `ones(d1, d2)`, and the
/// scalars `rows(X)` and `cols(X)`, which stand for `tr(I(d))` (the size as
/// a number) so that every later stage knows them as a constant. `None`
/// for any other call.
fn build_sized(name: &str, args: &[Expr], span: Span) -> Result<Option<Expr>> {
    let kind = match (name, args) {
        ("I", [d]) => ExprKind::Identity(Some(size_argument(d)?)),
        ("ones", [d]) => ExprKind::Ones(Some(Shape::new(size_argument(d)?, Dim::One))),
        ("ones", [r, c]) => ExprKind::Ones(Some(Shape::new(size_argument(r)?, size_argument(c)?))),
        ("rows" | "cols", [arg]) => {
            let ExprKind::Var(var) = &arg.kind else {
                return Err(Error::input(
                    format!("`{name}` takes the name of a variable, as in `{name}(A)`"),
                    arg.span,
                ));
            };
            let dim = Dim::Named(format!("{name}({})", var.base).into());
            let identity = Expr::new(ExprKind::Identity(Some(dim))).with_span(span);
            ExprKind::Call(Func::Tr, vec![identity])
        }
        ("I" | "rows" | "cols", _) => {
            return Err(Error::input(
                format!("`{name}` takes one argument, as in `{name}(n)`"),
                span,
            ))
        }
        ("ones", _) => {
            return Err(Error::input(
                "`ones` takes one or two sizes, as in `ones(n)` or `ones(m, n)`",
                span,
            ))
        }
        _ => return Ok(None),
    };
    Ok(Some(Expr::new(kind).with_span(span)))
}

/// A size written in `I(…)` or `ones(…)`: a positive integer, a declared
/// dimension name, `rows(X)` or `cols(X)`, or a product of these (`m*n`,
/// as matdiff prints the sizes of `vec` and `kron`). Names are resolved by
/// shape analysis, which knows the program's dimensions and variables.
fn size_argument(arg: &Expr) -> Result<Dim> {
    let refused = || {
        Error::input(
            format!("`{arg}` is not a size"),
            arg.span,
        )
        .with_help("a size is a positive integer, a declared dimension such as `n`, `rows(X)` or `cols(X)`, or a product of these such as `m*n`")
    };
    match &arg.kind {
        ExprKind::Binary(BinOp::Mul, a, b) => {
            let product = dim_product(&size_argument(a)?, &size_argument(b)?);
            // The product's fixed part is bounded like a single size.
            let (fixed, _) = product.factors();
            if fixed > crate::limits::MAX_DECLARED_SIZE {
                return Err(refused());
            }
            Ok(product)
        }
        ExprKind::Num(value) => {
            let size = value
                .to_integer()
                .to_u64()
                .filter(|k| {
                    value.is_integer() && (1..=crate::limits::MAX_DECLARED_SIZE).contains(k)
                })
                .ok_or_else(refused)?;
            Ok(if size == 1 { Dim::One } else { Dim::Size(size) })
        }
        ExprKind::Var(name) if name.is_plain() => Ok(Dim::Named(name.base.as_str().into())),
        ExprKind::Call(Func::Tr, inner) => match &inner[..] {
            [Expr {
                kind: ExprKind::Identity(Some(dim @ Dim::Named(_))),
                ..
            }] => Ok(dim.clone()),
            _ => Err(refused()),
        },
        _ => Err(refused()),
    }
}

fn build_marked(which: &str, args: Vec<Expr>, span: Span) -> Result<Expr> {
    let mark = if which == "dot" {
        crate::ast::Mark::Dot
    } else {
        crate::ast::Mark::Bar
    };
    match args.as_slice() {
        [Expr {
            kind: ExprKind::Var(name),
            ..
        }] => Ok(Expr::name(name.marked(mark)).with_span(span)),
        _ => Err(Error::input(
            format!("`{which}` takes the name of a variable, as in `{which}(A)`"),
            span,
        )),
    }
}

fn build_assign(pair: Pair<Rule>) -> Result<Stmt> {
    let mut inner = pair.into_inner();
    let name = inner.next().expect("an assignment has a name");
    let name_span = span_of(&name);
    check_name(name.as_str(), "variable", name_span)?;
    let expr = build_expr(inner.next().expect("an assignment has a value"))?;
    Ok(Stmt::Assign {
        name: name.as_str().to_string(),
        name_span,
        expr,
    })
}

fn build_decl(pair: Pair<Rule>) -> Result<Stmt> {
    let span = span_of(&pair);
    let mut names = Vec::new();
    let mut ty = None;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::ident => {
                let name_span = span_of(&part);
                check_name(part.as_str(), "variable", name_span)?;
                names.push((part.as_str().to_string(), name_span));
            }
            _ => ty = Some(build_type(part)?),
        }
    }
    Ok(Stmt::Decl {
        names,
        ty: ty.expect("a declaration has a type"),
        span,
    })
}

fn build_type(pair: Pair<Rule>) -> Result<Type> {
    let rule = pair.as_rule();
    if rule == Rule::unknown_type {
        return Err(
            Error::input(format!("unknown type `{}`", pair.as_str()), span_of(&pair)).with_help(
                "the types are scalar, vector, matrix and symmetric, as in `A: matrix(n, m)`",
            ),
        );
    }
    let dims = pair
        .into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::comma | Rule::close))
        .map(build_dim)
        .collect::<Result<Vec<_>>>()?;
    let mut dims = dims.into_iter();
    Ok(match rule {
        Rule::scalar_type => Type::Scalar,
        Rule::vector_type => Type::Vector(dims.next()),
        Rule::symmetric_type => Type::Symmetric(dims.next()),
        _ => Type::Matrix(dims.next().zip(dims.next())),
    })
}

fn build_dim(pair: Pair<Rule>) -> Result<DimSpec> {
    let span = span_of(&pair);
    if pair.as_rule() == Rule::integer {
        let size = pair
            .as_str()
            .parse::<u64>()
            .ok()
            .filter(|&n| (1..=crate::limits::MAX_DECLARED_SIZE).contains(&n))
            .ok_or_else(|| {
                Error::input(
                    format!(
                        "a dimension must be a whole number from 1 to {}",
                        crate::limits::MAX_DECLARED_SIZE
                    ),
                    span,
                )
            })?;
        return Ok(DimSpec::Size(size, span));
    }
    check_name(pair.as_str(), "dimension", span)?;
    Ok(DimSpec::Name(pair.as_str().to_string(), span))
}

fn syntax_error(err: pest::error::Error<Rule>, text: &str) -> Error {
    let (start, end) = match err.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let unexpected = text[start.min(text.len())..].chars().next();
    let expected = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    // Juxtaposition reads as a missing operator only where one could go.
    let operator_expected = matches!(&err.variant,
        pest::error::ErrorVariant::ParsingError { positives, .. }
            if positives.iter().any(|r| matches!(r, Rule::add | Rule::mul | Rule::EOI)));
    let found = match unexpected {
        Some('\n') => "unexpected end of line".to_string(),
        Some(c) => format!("unexpected `{c}`"),
        None => "unexpected end of input".to_string(),
    };
    let width = unexpected.map_or(1, char::len_utf8);
    let error = Error::input(
        format!("syntax error: {found}; expected {expected}"),
        Span::new(start, end.max(start + width)),
    );
    match habit_hint(text, start.min(text.len()), operator_expected) {
        Some(hint) => error.with_help(hint),
        None => error,
    }
}

/// The end of `text` made of characters that `keep` accepts.
fn trailing(text: &str, keep: impl Fn(char) -> bool) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| keep(*c))
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// A hint for a syntax error that a MATLAB, NumPy or pen-and-paper habit
/// explains, from the text around the place it was found.
fn habit_hint(text: &str, at: usize, operator_expected: bool) -> Option<String> {
    let rest = &text[at..];
    let before = text[..at].trim_end_matches([' ', '\t']);
    let previous = before.chars().next_back()?;
    let next = rest.chars().next()?;
    let word_start = |c: char| c.is_alphabetic() || c == '(';
    if rest.starts_with(".'") {
        return Some(
            "MATLAB's `.'` is `'` here: matrices are real, so `'` transposes without conjugating"
                .to_string(),
        );
    }
    if next == '*' && text[..at].ends_with('*') {
        return Some("NumPy's `**` is `^` here (`.^` entry by entry)".to_string());
    }
    if !operator_expected {
        return None;
    }
    if previous.is_ascii_digit() && word_start(next) {
        let number = trailing(before, |c| c.is_ascii_digit() || c == '.');
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let name = if name.is_empty() {
            "(…)".to_string()
        } else {
            name
        };
        return Some(format!("a product needs `*`: write `{number} * {name}`"));
    }
    let previous_word = trailing(before, |c| c.is_alphanumeric() || c == '_');
    if previous_word.parse::<crate::ast::Func>().is_ok() && word_start(next) {
        let argument: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        return Some(format!(
            "a function takes its argument in parentheses: write `{previous_word}({argument})`"
        ));
    }
    if (previous == '\'' || previous == ')' || previous.is_alphanumeric()) && word_start(next) {
        return Some(
            "factors written side by side are not a product here: write `*` between them, as in `x' * A * x`"
                .to_string(),
        );
    }
    None
}

/// Plain words for grammar rules, as a reader would say them.
fn describe_expected(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = Vec::new();
    for rule in rules {
        let word = match rule {
            Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::emul
            | Rule::ediv
            | Rule::backslash => "an operator",
            Rule::transpose | Rule::power | Rule::misplaced_postfix => "an operator",
            Rule::expr | Rule::neg | Rule::number | Rule::call => "an expression",
            Rule::ident => "a name",
            Rule::integer => "a number",
            Rule::scalar_type | Rule::vector_type | Rule::matrix_type | Rule::symmetric_type => {
                "a type (scalar, vector, matrix or symmetric)"
            }
            Rule::exponent | Rule::signed_number => {
                "an exponent (a number, `T`, a name, or a parenthesised expression such as `(1/2)`)"
            }
            Rule::EOI => "the end of the statement",
            Rule::decl | Rule::assign | Rule::program => {
                "a statement (a declaration, an assignment or an expression)"
            }
            Rule::comma => "`,`",
            Rule::close => "`)`",
            _ => "something else",
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if words.contains(&"an expression") {
        words.retain(|w| *w != "a name");
        // After a `;` or a new line: a new statement may start there.
        if words.contains(&"the end of the statement") {
            words = vec!["a statement (a declaration, an assignment or an expression)"];
        }
    }
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
