//! The library's front door (SPEC §3): every function at the crate root,
//! the options' builders, what a derivation and an error print, and that
//! the front door and the command line print the same.

use matdiff::{CheckOptions, Mode, Options};
use std::process::Command;

/// The command line's standard output and error for `args`.
fn command_line(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_matdiff"))
        .args(args)
        .output()
        .expect("the binary runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_string();
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_two_line_snapshot_test() -> Result<(), matdiff::Error> {
    let d = matdiff::reverse("C = inv(A)")?;
    assert_eq!(d.to_string(), "bar(A) = -C' * bar(C) * C'");
    insta::assert_snapshot!(matdiff::grad("x' * A * x")?, @r"
    bar(x) = (A + A') * x
    bar(A) = x * x'
    ");
    Ok(())
}

#[test]
fn each_mode_has_its_function() -> Result<(), matdiff::Error> {
    assert_eq!(
        matdiff::forward("C = inv(A)")?.to_string(),
        "dot(C) = -C * dot(A) * C"
    );
    assert_eq!(
        matdiff::reverse("C = inv(A)")?.to_string(),
        "bar(A) = -C' * bar(C) * C'"
    );
    assert_eq!(matdiff::grad("f = tr(A * X)")?.lines()[1].expr(), "A'");
    assert_eq!(matdiff::hessian("x' * x")?.to_string(), "hess(x) = 2 * I");
    assert_eq!(matdiff::simplify("(A * B)''")?.to_string(), "A * B");
    for (mode, function) in [
        (Mode::Forward, matdiff::forward as fn(&str) -> _),
        (Mode::Reverse, matdiff::reverse),
        (Mode::Grad, matdiff::grad),
        (Mode::Hessian, matdiff::hessian),
    ] {
        let program = "B = A * x; f = x' * B";
        assert_eq!(
            matdiff::derive(program, mode, &Options::default())?,
            function(program)?,
            "{mode:?}"
        );
    }
    Ok(())
}

#[test]
fn jacobian_has_its_function_and_every_form() -> Result<(), matdiff::Error> {
    let program = "y = alpha * exp(A * x)";
    let options = Options::new().wrt(["x", "alpha"]);
    let d = matdiff::derive(program, Mode::Jacobian, &options)?;
    assert_eq!(
        d.to_string(),
        "jac(y, x) = A .* (y * ones(1, cols(A)))\njac(y, alpha) = exp(A * x)"
    );
    let bare = "exp(A * x) + b";
    let all = matdiff::derive(bare, Mode::Jacobian, &Options::new().wrt(["x", "b"]))?;
    assert_eq!(
        all.to_string(),
        "jac(f, x) = A .* (exp(A * x) * ones(1, cols(A)))\njac(f, b) = I"
    );
    let line = &d.lines()[0];
    assert_eq!((line.lhs(), line.wrt()), ("jac(y, x)", "x"));
    assert!(line.unicode().starts_with("∂y/∂x = "), "{}", line.unicode());
    assert!(
        line.latex()
            .starts_with("\\frac{\\partial y}{\\partial x} = "),
        "{}",
        line.latex()
    );
    let json = d.to_json();
    assert_eq!(json["mode"], "jacobian");
    assert_eq!(json["results"][1]["lhs"], "jac(y, alpha)");
    assert_eq!(json["results"][1]["wrt"], "alpha");
    assert!(d.to_numpy().contains("\"jac(y, alpha)\": _result("));
    assert_eq!(
        matdiff::jacobian("x .* y")?,
        matdiff::derive("x .* y", Mode::Jacobian, &Options::new())?
    );
    assert_eq!(
        matdiff::jacobian("x .* y")?.to_string(),
        "jac(f, x) = diag(y)\njac(f, y) = diag(x)"
    );
    let (stdout, _) = command_line(&["jacobian", "--wrt", "x,alpha", program]);
    assert_eq!(stdout.trim_end(), d.to_string());
    Ok(())
}

#[test]
fn options_build_and_default() -> Result<(), matdiff::Error> {
    assert_eq!(Options::new(), Options::default());
    let options = Options::new().wrt(["A", "x"]).expand(true).steps(false);
    assert_eq!(options, Options::new().wrt_list("A,x").expand(true));
    let d = matdiff::derive("B = A * x; y = exp(B)", Mode::Reverse, &options)?;
    let lhs: Vec<&str> = d.lines().iter().map(|line| line.lhs()).collect();
    assert_eq!(lhs, ["bar(A)", "bar(x)"]);
    assert!(!d.to_string().contains("bar(B)"), "{d}");

    let with_steps = Options::new().steps(true);
    let d = matdiff::derive("C = inv(A)", Mode::Forward, &with_steps)?;
    let steps = d.steps().expect("steps were asked for");
    assert_eq!(
        d.to_string(),
        format!("{steps}\n\ndot(C) = -C * dot(A) * C")
    );
    assert!(d.to_json()["steps"].is_array());

    assert_eq!(CheckOptions::new(), CheckOptions::default());
    let report = matdiff::check("C = inv(A) * B", &CheckOptions::new().wrt(["B"]).seed(3))?;
    assert!(report.passed(), "{report}");
    assert!(report.to_string().ends_with("0 failed"), "{report}");
    Ok(())
}

#[test]
fn lines_carry_every_notation() -> Result<(), matdiff::Error> {
    let d = matdiff::reverse("C = inv(A)")?;
    let line = &d.lines()[0];
    assert_eq!(line.lhs(), "bar(A)");
    assert_eq!(line.wrt(), "A");
    assert_eq!(line.expr(), "-C' * bar(C) * C'");
    assert_eq!(line.unicode(), "A\u{304} = −Cᵀ C\u{304} Cᵀ");
    assert_eq!(line.latex(), "\\bar{A} = -C^{\\top} \\bar{C} C^{\\top}");
    assert_eq!(d.to_unicode(), line.unicode());
    assert_eq!(d.to_latex(), line.latex());
    // Constants' sizes are written where context leaves them open.
    let d = matdiff::grad("x: vector(n); f = sum(x) / n")?;
    assert_eq!(d.lines()[0].expr(), "ones / n");
    Ok(())
}

#[test]
fn display_is_what_the_command_line_prints() -> Result<(), matdiff::Error> {
    let programs = [
        ("forward", "B = A * A; C = inv(B)"),
        ("reverse", "B = A * x; y = tanh(B)"),
        ("grad", "f = log(det(X)) + tr(X' * A)"),
        ("grad", "x: vector(n); f = sum(x) / n"),
        ("hessian", "f = x' * A * x + sum(exp(x))"),
    ];
    for (command, program) in programs {
        let d = match command {
            "forward" => matdiff::forward(program)?,
            "reverse" => matdiff::reverse(program)?,
            "grad" => matdiff::grad(program)?,
            _ => matdiff::hessian(program)?,
        };
        let cases = [
            ("plain", d.to_string()),
            ("unicode", d.to_unicode()),
            ("latex", d.to_latex()),
            ("numpy", d.to_numpy().trim_end().to_string()),
        ];
        for (format, text) in cases {
            let (out, _) = command_line(&[command, "--format", format, program]);
            assert_eq!(
                out,
                format!("{text}\n"),
                "{command} --format {format} {program}"
            );
        }
        let (out, _) = command_line(&[command, "--format", "json", program]);
        let printed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(printed, d.to_json(), "{command} --format json {program}");
    }
    let expr = "tr(A * B) - tr(B * A) + y' * x";
    let (out, _) = command_line(&["simplify", expr]);
    assert_eq!(out, format!("{}\n", matdiff::simplify(expr)?));
    let (out, _) = command_line(&["forward", "--steps", "--wrt", "A", "C = inv(A) * B"]);
    let options = Options::new().steps(true).wrt(["A"]);
    let d = matdiff::derive("C = inv(A) * B", Mode::Forward, &options)?;
    assert_eq!(out, format!("{d}\n"));
    Ok(())
}

#[test]
fn json_is_the_spec_object() -> Result<(), matdiff::Error> {
    let v = matdiff::reverse("C = inv(A)")?.to_json();
    assert_eq!(v["mode"], "reverse");
    assert_eq!(v["input"], "C = inv(A)");
    let result = &v["results"][0];
    assert_eq!(result["lhs"], "bar(A)");
    assert_eq!(result["wrt"], "A");
    assert_eq!(result["expr"], "-C' * bar(C) * C'");
    assert_eq!(result["unicode"], "A\u{304} = −Cᵀ C\u{304} Cᵀ");
    assert_eq!(v["bindings"][0]["name"], "C");
    assert!(v.get("steps").is_none());
    let v = matdiff::simplify("(A')'")?.to_json();
    assert_eq!(v["mode"], "simplify");
    assert_eq!(v["results"][0]["expr"], "A");
    Ok(())
}

#[test]
fn numpy_is_the_module() -> Result<(), matdiff::Error> {
    let module = matdiff::grad("f = sum(exp(A * x))")?.to_numpy();
    assert!(module.contains("\nimport numpy\n"), "{module}");
    assert!(module.contains("def derivatives(**arrays):"), "{module}");
    assert!(module.contains("\"bar(A)\": "), "{module}");
    assert!(module.contains("\"bar(x)\": "), "{module}");
    let module = matdiff::simplify("(A')' * x")?.to_numpy();
    assert!(
        module.starts_with("\"\"\"matdiff simplify of the program"),
        "{module}"
    );
    assert!(module.contains("\"f\": "), "{module}");
    Ok(())
}

#[test]
fn stop_says_why_simplification_stopped() -> Result<(), matdiff::Error> {
    assert_eq!(matdiff::reverse("C = inv(A)")?.stop(), None);
    let program = "X1 = tanh(A * X0); X2 = tanh(A * X1); X3 = tanh(A * X2); \
                   X4 = tanh(A * X3); X5 = tanh(A * X4); f = sum(X5 .* X5)";
    let d = matdiff::grad(program)?;
    if let Some(stop) = d.stop() {
        assert!(stop.hit_limit());
        let (_, note) = command_line(&["grad", program]);
        assert!(note.contains(&stop.name().replace('_', " ")), "{note}");
    }
    Ok(())
}

#[test]
fn a_program_error_points_into_the_program() {
    let program = "A: matrix(n, m)\nC = inv(A)";
    let err = matdiff::forward(program).unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(2), Some(9)));
    assert!(err.message().contains("square"), "{}", err.message());
    let (_, printed) = command_line(&["forward", program]);
    assert_eq!(printed, format!("{err}\n"));
    assert!(err.to_string().contains("\n2 | C = inv(A)\n"), "{err}");
    let as_std: &dyn std::error::Error = &err;
    assert_eq!(as_std.to_string(), err.to_string());
}

#[test]
fn a_wrt_error_points_into_the_wrt_list() {
    let options = Options::new().wrt(["A", "C"]);
    let err = matdiff::derive("C = inv(A)", Mode::Reverse, &options).unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(1), Some(3)));
    assert!(
        err.message().contains("which the program assigns"),
        "{}",
        err.message()
    );
    let report = err.to_string();
    assert!(report.contains("--> --wrt 1:3\n"), "{report}");
    assert!(report.contains("\n1 | A,C\n"), "{report}");
    assert!(report.contains("\n  |   ^\n"), "{report}");
    let (_, printed) = command_line(&["reverse", "--wrt", "A,C", "C = inv(A)"]);
    assert_eq!(printed, format!("{report}\n"));

    let options = CheckOptions::new().wrt_list("A, Z");
    let err = matdiff::check("C = inv(A)", &options).unwrap_err();
    assert_eq!(err.column(), Some(4));
}

/// Programs nested deeper than a small stack holds, derived from a thread
/// with that small stack: the front door's own stack carries them.
#[test]
fn deep_programs_do_not_overflow_the_callers_stack() {
    let depth = 190;
    let nested = |f: &str| {
        format!(
            "sum({}x{})",
            format!("{f}(").repeat(depth),
            ")".repeat(depth)
        )
    };
    let tanh = nested("tanh");
    let transposes = format!("sum({}x{})", "(".repeat(depth), ")'".repeat(depth));
    let caller = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            // Written out, this gradient is too large to print: an error.
            let too_large = matdiff::grad(&tanh).unwrap_err().to_string();
            let simplified = matdiff::simplify(&tanh).expect("the simplified form");
            let gradient = matdiff::grad(&transposes).expect("the gradient");
            let unfinished = matdiff::forward(&format!("{tanh} +")).unwrap_err();
            (
                too_large,
                simplified.to_string(),
                gradient,
                unfinished.to_string(),
            )
        })
        .expect("the caller starts");
    let (too_large, simplified, gradient, unfinished) = caller.join().expect("no overflow");
    assert!(
        too_large.contains("operators; matdiff prints at most"),
        "{too_large}"
    );
    assert!(simplified.starts_with("sum(tanh(tanh("), "{simplified}");
    assert_eq!(gradient.to_string(), "bar(x) = ones");
    assert_eq!(gradient.to_json()["results"][0]["expr"], "ones");
    assert!(
        unfinished.starts_with("error: syntax error"),
        "{unfinished}"
    );
}

#[test]
fn a_name_used_only_in_a_size_is_an_input_of_derivative_zero() -> Result<(), matdiff::Error> {
    // `x` is used (by `rows(x)`), so it is an input, in the order of first use.
    let d = matdiff::grad("f = sum(y) / rows(x)")?;
    assert_eq!(
        d.to_string(),
        "bar(y) = ones(rows(y)) / rows(x)\nbar(x) = 0"
    );
    let d = matdiff::grad("f = cols(X) * sum(y)")?;
    assert_eq!(d.lines()[0].to_string(), "bar(X) = 0");
    Ok(())
}
