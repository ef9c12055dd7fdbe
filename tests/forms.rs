//! The four text forms — plain, Unicode, LaTeX, JSON — of the seed and ten
//! other derivations, as insta snapshots: one snapshot a case, all forms in
//! it, so a change to any printer shows beside the others.

use matdiff::derive::{derive, Mode, Options};
use matdiff::print::{render, Notation};
use matdiff::shape::analyze_source;

const CASES: [(&str, Mode, &str, Option<&str>); 12] = [
    ("seed-forward", Mode::Forward, "C = inv(A)", None),
    ("seed-reverse", Mode::Reverse, "C = inv(A)", None),
    ("trace-quadratic", Mode::Grad, "tr(X' * A * X)", Some("X")),
    ("trace-power", Mode::Grad, "tr(X^4)", None),
    (
        "logdet-product",
        Mode::Grad,
        "A, X: matrix(n, n); logdet(A * X)",
        None,
    ),
    ("least-squares", Mode::Grad, "norm(X * W - Y)^2", Some("W")),
    ("logistic", Mode::Grad, "log(1 + exp(b' * w))", Some("w")),
    ("two-assignments", Mode::Reverse, "B = A'; C = B * A", None),
    ("hadamard-quotient", Mode::Forward, "C = A ./ B", None),
    (
        "symmetric-nll",
        Mode::Grad,
        "S: symmetric(n); logdet(S) + x' * inv(S) * x",
        Some("S"),
    ),
    (
        "greek-scalar",
        Mode::Grad,
        "lambda_reg * norm(w)^2 + sum(exp(σ * w))",
        None,
    ),
    ("hessian-blocks", Mode::Hessian, "alpha * x' * x", None),
];

fn forms(mode: Mode, program: &str, wrt: Option<&str>) -> String {
    let model = analyze_source(program).unwrap();
    let options = Options {
        wrt: wrt.map(str::to_string),
        ..Default::default()
    };
    let derivation = derive(&model, mode, &options).unwrap();
    let mut out = String::new();
    for notation in [Notation::Plain, Notation::Unicode, Notation::Latex] {
        out.push_str(&format!("{notation:?}:\n"));
        for line in &derivation.lines {
            out.push_str(&format!(
                "  {} = {}\n",
                line.lhs_text(notation),
                render(&line.expr, notation)
            ));
        }
    }
    let json = matdiff::json::to_json(&derivation, program);
    out.push_str("Json:\n");
    out.push_str(&serde_json::to_string_pretty(&json).unwrap());
    out
}

#[test]
fn four_forms_of_twelve_derivations() {
    insta::with_settings!({ snapshot_path => "snapshots/forms", prepend_module_to_snapshot => false }, {
        for (name, mode, program, wrt) in CASES {
            insta::assert_snapshot!(name, forms(mode, program, wrt));
        }
    });
}

#[test]
fn plain_forms_read_back_as_the_same_expressions() {
    for (_, mode, program, wrt) in CASES {
        let model = analyze_source(program).unwrap();
        let options = Options {
            wrt: wrt.map(str::to_string),
            ..Default::default()
        };
        for line in derive(&model, mode, &options).unwrap().lines {
            let text = render(&line.expr, Notation::Plain);
            let back = matdiff::parse::parse_expr(&text).unwrap();
            assert_eq!(render(&back, Notation::Plain), text);
        }
    }
}
