//! Helpers shared by the integration tests.

/// A long sum of products of square matrices, nested in a trace: many
/// bracketings and factorings for the e-graph, more than its default
/// limits allow.
pub fn pathological_program() -> String {
    let names = ["A", "B", "C", "D"];
    let terms: Vec<String> = (0..24)
        .map(|i| {
            let f: Vec<&str> = (0..4).map(|j| names[(i * 7 + j * 3 + i / 4) % 4]).collect();
            format!("{} * X * {}", f[0..2].join(" * "), f[2..4].join(" * "))
        })
        .collect();
    format!(
        "A, B, C, D, X: matrix(n, n); tr(({}) * X')",
        terms.join(" + ")
    )
}
