//! Every function of the language, differentiated in every mode and
//! checked against finite differences of the program (`check` evaluates
//! the printed lines, read back strictly). The programs come from an
//! exhaustive match on `Func`, so a new function cannot be added without
//! its programs here; an element-wise one gets them from its table entry.

use matdiff::ast::{Func, Map};
use matdiff::CheckOptions;

/// Programs that use `func` with an array, a vector and a scalar argument
/// where it takes them, with non-square shapes where it allows them.
fn programs(func: Func) -> Vec<String> {
    let name = func.name();
    match func {
        Func::Map(_) => vec![
            format!("A: matrix(n, m); C = {name}(A)"),
            format!("x: vector(n); f = sum({name}(x))"),
            format!("x: vector(n); f = x' * {name}(x)"),
            format!("alpha: scalar; f = {name}(alpha)"),
        ],
        Func::Inv => vec![
            "A: matrix(n, n); C = inv(A)".into(),
            "S: symmetric(n); C = inv(S)".into(),
        ],
        Func::Tr | Func::Det | Func::Logdet => vec![
            format!("A: matrix(n, n); f = {name}(A)"),
            format!("A: matrix(n, m); f = {name}(A * A')"),
        ],
        Func::Inner => vec!["A, B: matrix(n, m); f = inner(A, B)".into()],
        Func::Sum | Func::Norm | Func::Norm1 => vec![
            format!("A: matrix(n, m); f = {name}(A)"),
            format!("x: vector(n); f = {name}(x)"),
        ],
        Func::Logsumexp => vec![
            "A: matrix(n, m); f = logsumexp(A)".into(),
            "x: vector(n); f = logsumexp(x)".into(),
            "alpha: scalar; f = logsumexp(alpha)".into(),
        ],
        Func::Softmax => vec![
            "x: vector(n); s = softmax(x)".into(),
            "A: matrix(m, n); x: vector(n); s = softmax(A * x)".into(),
            "x, y: vector(n); f = y' * softmax(x)".into(),
        ],
        Func::Solve => vec![
            "A: matrix(n, n); B: matrix(n, m); C = A \\ B".into(),
            "A: matrix(n, n); x: vector(n); y = solve(A, x)".into(),
            "S: symmetric(n); x: vector(n); f = x' * (S \\ x)".into(),
            "alpha: scalar; B: matrix(n, m); C = alpha \\ B".into(),
        ],
        Func::Vec => vec![
            "A: matrix(2, 3); v = vec(A)".into(),
            "A: matrix(3, 2); y: vector(6); f = y' * vec(A)".into(),
            "x: vector(3); v = vec(x')".into(),
        ],
        Func::Kron => vec![
            "A: matrix(2, 3); B: matrix(3, 2); K = kron(A, B)".into(),
            "x: vector(2); y: vector(3); v = kron(x, y)".into(),
            "A: matrix(2, 2); B: matrix(3, 3); x: vector(6); f = x' * kron(A, B) * x".into(),
            "alpha: scalar; B: matrix(2, 3); K = kron(alpha, B)".into(),
        ],
        Func::Diag => vec![
            "x: vector(n); C = diag(x)".into(),
            "A: matrix(n, n); y = diag(A)".into(),
            "x: vector(n); f = x' * diag(x) * x".into(),
        ],
    }
}

#[test]
fn every_function_is_checked_in_every_mode() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for func in Func::all() {
        for program in programs(func) {
            match matdiff::check(&program, &CheckOptions::new()) {
                Ok(report) if report.passed() => checked += 1,
                Ok(report) => failures.push(format!("{program}\n{report}")),
                Err(error) => failures.push(format!("{program}\n{error}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 4 * Map::ALL.len() + 14);
}
