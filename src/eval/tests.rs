//! The evaluator on hand-made expressions: values, shapes and errors.
use super::*;
use crate::ast::Map;
use crate::ast::Shape;

/// A matrix written row by row: `"1 2; 3 4"`.
fn mat(text: &str) -> Matrix {
    let rows: Vec<Vec<f64>> = (text.split(';'))
        .map(|row| row.split_whitespace().map(|x| x.parse().unwrap()).collect())
        .collect();
    Matrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

fn values(pairs: Vec<(&str, Matrix)>) -> Values {
    pairs
        .into_iter()
        .map(|(n, v)| (Name::plain(n), v))
        .collect()
}

/// A has det 10, S is singular, x is a column, s a scalar.
fn run(e: &Expr) -> Result<Matrix, EvalError> {
    let env = values(vec![
        ("A", mat("4 7; 2 6")),
        ("S", mat("1 2; 2 4")),
        ("B", mat("1 2 3; 4 5 6")),
        ("x", mat("1; -2")),
        ("s", mat("3")),
    ]);
    eval(e, &env, &|_| 2)
}

fn check(e: Expr, want: Matrix) {
    let got = run(&e).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(got.shape(), want.shape(), "{e:?}");
    assert!((got - want).amax() < 1e-9, "{e:?}");
}

fn err(e: Expr) -> String {
    run(&e).expect_err("expected an error").message
}

fn v(name: &str) -> Expr {
    Expr::var(name)
}

fn f(func: Func, arg: Expr) -> Expr {
    Expr::call(func, vec![arg])
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr::binary(op, a, b)
}

fn pow(a: Expr, k: i64) -> Expr {
    Expr::new(ExprKind::Power(Box::new(a), k))
}

fn epow(a: Expr, p: i64, q: i64) -> Expr {
    Expr::new(ExprKind::ElemPower(
        Box::new(a),
        BigRational::new(p.into(), q.into()),
    ))
}

#[test]
fn products_and_transposes() {
    check(Expr::mul(v("A"), v("B")), mat("32 43 54; 26 34 42"));
    check(Expr::mul(v("A"), v("x")), mat("-10; -10"));
    check(Expr::mul(v("s"), v("A")), mat("12 21; 6 18"));
    check(Expr::mul(v("A"), v("s")), mat("12 21; 6 18"));
    check(bin(BinOp::Div, v("A"), Expr::int(2)), mat("2 3.5; 1 3"));
    check(Expr::transpose(v("x")), mat("1 -2"));
    let xt_a = Expr::mul(Expr::transpose(v("x")), v("A"));
    check(Expr::mul(xt_a, v("x")), mat("10"));
    check(Expr::neg(v("x")), mat("-1; 2"));
}

#[test]
fn inverse_and_powers() {
    check(Expr::mul(v("A"), f(Func::Inv, v("A"))), mat("1 0; 0 1"));
    check(Expr::mul(pow(v("A"), -3), pow(v("A"), 3)), mat("1 0; 0 1"));
    check(pow(v("A"), 0), mat("1 0; 0 1"));
    check(pow(v("A"), 2), mat("30 70; 20 50"));
    let named = Dim::Named("n".into());
    check(Expr::new(ExprKind::Identity(Some(named))), mat("1 0; 0 1"));
}

#[test]
fn det_logdet_trace() {
    check(f(Func::Det, v("A")), mat("10"));
    check(f(Func::Logdet, v("A")), scalar(10f64.ln()));
    check(f(Func::Tr, v("A")), mat("10"));
    // A negative determinant still has a logdet, through |det|.
    let ones = Expr::new(ExprKind::Ones(Some(Shape::new(Dim::Size(2), Dim::Size(2)))));
    let swap = Expr::sub(ones, Expr::new(ExprKind::Identity(Some(Dim::Size(2)))));
    check(f(Func::Det, swap.clone()), mat("-1"));
    check(f(Func::Logdet, swap), mat("0"));
}

#[test]
fn diag_both_ways() {
    check(f(Func::Diag, v("x")), mat("1 0; 0 -2"));
    check(f(Func::Diag, Expr::transpose(v("x"))), mat("1 0; 0 -2"));
    check(f(Func::Diag, v("A")), mat("4; 6"));
    check(f(Func::Diag, v("s")), mat("3"));
    assert!(err(f(Func::Diag, v("B"))).contains("2×3"));
}

#[test]
fn reductions() {
    check(Expr::call(Func::Inner, vec![v("A"), v("S")]), mat("46"));
    check(f(Func::Norm, v("x")), scalar(5f64.sqrt()));
    check(f(Func::Norm, v("A")), scalar(105f64.sqrt()));
    check(f(Func::Sum, v("B")), mat("21"));
}

#[test]
fn elementwise_functions() {
    let funcs = [
        Func::Map(Map::Exp),
        Func::Map(Map::Sin),
        Func::Map(Map::Cos),
        Func::Map(Map::Tanh),
        Func::Map(Map::Sqrt),
    ];
    let maps = [f64::exp, f64::sin, f64::cos, f64::tanh, f64::sqrt];
    for (func, g) in funcs.into_iter().zip(maps) {
        check(f(func, v("A")), mat("4 7; 2 6").map(g));
    }
    assert!(err(f(Func::Map(Map::Log), v("x")))
        .contains("`log` of a negative number: `x` has an entry -2"));
    check(epow(v("A"), 1, 2), mat("4 7; 2 6").map(f64::sqrt));
    check(epow(v("x"), 3, 1), mat("1; -8"));
    check(epow(v("x"), -2, 1), mat("1; 0.25"));
    check(bin(BinOp::EMul, v("x"), v("x")), mat("1; 4"));
    check(bin(BinOp::EDiv, Expr::int(2), v("x")), mat("2; -1"));
    check(bin(BinOp::EMul, v("x"), v("s")), mat("3; -6"));
}

#[test]
fn zero_takes_the_other_size() {
    check(Expr::add(v("A"), Expr::int(0)), mat("4 7; 2 6"));
    check(Expr::sub(Expr::int(0), v("x")), mat("-1; 2"));
    assert_eq!(
        err(Expr::add(v("A"), Expr::int(1))),
        "cannot add 2×2 and 1×1"
    );
}

#[test]
fn constants() {
    let ten = num_bigint::BigInt::from(10);
    let huge = BigRational::new(num_traits::pow(ten.clone(), 400), num_traits::pow(ten, 399));
    check(Expr::num(huge), mat("10"));
    check(
        Expr::num(BigRational::new((-3).into(), 4.into())),
        mat("-0.75"),
    );
    assert_eq!(
        err(bin(BinOp::Div, v("s"), Expr::int(0))),
        "division by zero: the divisor `0` is 0"
    );
}

#[test]
fn errors() {
    assert_eq!(
        err(Expr::sub(v("A"), v("B"))),
        "cannot subtract 2×2 and 2×3"
    );
    assert_eq!(err(Expr::mul(v("B"), v("A"))), "cannot multiply 2×3 by 2×2");
    assert_eq!(
        err(f(Func::Inv, v("S"))),
        "cannot invert `S`: it is singular (or nearly so)"
    );
    assert_eq!(
        err(pow(v("S"), -1)),
        "cannot raise `S` to the power -1: it is singular (or nearly so)"
    );
    assert!(err(f(Func::Det, v("B"))).contains("square matrix, got 2×3"));
    assert!(err(Expr::call(Func::Inner, vec![v("A"), v("B")])).contains("2×2 and 2×3"));
    assert!(err(Expr::call(Func::Inner, vec![v("A")])).contains("takes 2"));
    assert!(err(bin(BinOp::Div, v("A"), v("x"))).contains("not a scalar"));
    assert!(err(bin(BinOp::EMul, v("A"), v("x"))).contains("2×2 and 2×1"));
    assert_eq!(
        err(Expr::name(Name::plain("A").dot())),
        "no value for `dot(A)`"
    );
    assert_eq!(
        err(Expr::new(ExprKind::Identity(None))),
        "the size of I is not known"
    );
    let huge = Expr::new(ExprKind::Identity(Some(Dim::Size(u64::MAX))));
    assert!(err(huge).contains("too large"));
    let named = Expr::new(ExprKind::Identity(Some(Dim::Named("n".into()))));
    assert!(eval(&named, &Values::new(), &|_| 20_000).is_err());
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let env = values(vec![
        ("E", Matrix::zeros(0, 0)),
        ("N", Matrix::from_element(2, 2, f64::NAN)),
        ("R", Matrix::zeros(0, 3)),
    ]);
    for name in ["E", "N", "R"] {
        let mut exprs = vec![Expr::mul(v(name), v(name))];
        exprs.extend(Func::all().map(|func| f(func, v(name))));
        exprs.extend(Func::all().map(|func| Expr::call(func, vec![v(name), v(name)])));
        exprs.extend([i64::MIN, -1, 0, 5, i64::MAX].map(|k| pow(v(name), k)));
        for e in exprs {
            let _ = eval(&e, &env, &|_| 0);
        }
    }
}

/// Each way to leave the finite numbers, and the problem it is reported as.
fn problem(e: Expr) -> (Problem, String) {
    let err = run(&e).expect_err("expected an error");
    (err.problem, err.message)
}

#[test]
fn never_a_nan_or_an_infinity() {
    let x = || v("x");
    let zero_x = || Expr::sub(x(), x());
    let cases = [
        (
            f(Func::Map(Map::Log), zero_x()),
            Problem::Domain,
            "`log` of zero: `x - x` has an entry 0",
        ),
        (
            f(Func::Map(Map::Sqrt), x()),
            Problem::Domain,
            "`sqrt` of a negative number: `x` has an entry -2",
        ),
        (
            epow(x(), 1, 2),
            Problem::Domain,
            "fractional power `.^ (1/2)` of a negative number",
        ),
        (
            epow(zero_x(), -1, 1),
            Problem::DivisionByZero,
            "negative power `.^ -1` of `x - x`",
        ),
        (
            bin(BinOp::EDiv, x(), zero_x()),
            Problem::DivisionByZero,
            "the divisor `x - x` has an entry 0",
        ),
        (
            bin(BinOp::Div, x(), Expr::sub(v("s"), v("s"))),
            Problem::DivisionByZero,
            "`s - s` is 0",
        ),
        (
            f(Func::Logdet, v("S")),
            Problem::Singular,
            "cannot take `logdet` of `S`",
        ),
        (
            f(Func::Inv, Expr::sub(v("A"), v("A"))),
            Problem::Singular,
            "cannot invert `A - A`",
        ),
        (
            f(Func::Map(Map::Exp), Expr::mul(Expr::int(1000), v("A"))),
            Problem::Overflow,
            "`exp(1000 * A)` overflows",
        ),
        (
            pow(Expr::mul(Expr::int(1_000_000), v("A")), 64),
            Problem::Overflow,
            "overflows",
        ),
        (pow(v("A"), i64::MAX), Problem::Overflow, "overflows"),
        (
            Expr::mul(epow(v("s"), 300, 1), epow(v("s"), 400, 1)),
            Problem::Overflow,
            "overflows",
        ),
    ];
    for (e, want, text) in cases {
        let (got, message) = problem(e);
        assert_eq!(got, want, "{message}");
        assert!(message.contains(text), "{message}");
    }
    let env = values(vec![("N", Matrix::from_element(2, 2, f64::NAN))]);
    let err = eval(&v("N"), &env, &|_| 2).unwrap_err();
    assert_eq!(err.problem, Problem::NotFinite);
    assert!(err.message.contains("`N` is not a finite number"));
}

#[test]
fn errors_point_at_the_written_sub_expression() {
    let inner = Expr::sub(v("x"), v("x")).with_span(Span::new(4, 9));
    let e = f(Func::Map(Map::Log), inner).with_span(Span::new(0, 10));
    let outer = Expr::mul(Expr::int(2), e).with_span(Span::new(0, 14));
    let err = run(&outer).unwrap_err();
    assert_eq!(err.span, Some(Span::new(0, 10)));
    // A derived node has no place; the error keeps the nearest written one.
    let err = run(&Expr::mul(Expr::int(2), f(Func::Inv, v("S")))).unwrap_err();
    assert_eq!(err.span, None);
}

#[test]
fn logdet_does_not_overflow_where_det_would() {
    let big = Expr::mul(
        Expr::int(1_000_000),
        Expr::new(ExprKind::Identity(Some(Dim::Size(60)))),
    );
    let logdet = run(&f(Func::Logdet, big.clone())).unwrap();
    assert!((logdet[(0, 0)] - 60.0 * 1e6f64.ln()).abs() < 1e-9);
    assert_eq!(problem(f(Func::Det, big)).0, Problem::Overflow);
    let norm = run(&f(
        Func::Norm,
        Expr::mul(
            Expr::num(BigRational::from_integer(num_traits::pow(
                num_bigint::BigInt::from(10),
                200,
            ))),
            v("x"),
        ),
    ))
    .unwrap();
    assert!((norm[(0, 0)] / 1e200 - 5f64.sqrt()).abs() < 1e-12);
}
