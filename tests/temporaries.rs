//! matdiff's own temporaries (SPEC §2 [r2]): a value the results would
//! otherwise repeat is printed once as `t1 = …` and used by name, so that
//! the gradient and the Hessian of a deep program grow with its depth.
//! What is checked is what is printed: `check` reads every printed line
//! back, temporaries first, at distinct sizes.

use matdiff::{CheckOptions, Mode, Options};

/// The residual tanh net of depth `k`: `a_i = tanh(h_i * w1_i)`,
/// `h_{i+1} = h_i + a_i * w2_i` from `h_0 = x`, output `sum(h_k .* h_k)`.
fn residual_tanh_net(k: usize) -> String {
    let mut program = String::from("x: matrix(nb, nd)");
    for i in 0..k {
        program += &format!("; w1_{i}: matrix(nd, nf); w2_{i}: matrix(nf, nd)");
    }
    let mut h = "x".to_string();
    for i in 0..k {
        program += &format!(
            "; a_{i} = tanh({h} * w1_{i}); h_{} = {h} + a_{i} * w2_{i}",
            i + 1
        );
        h = format!("h_{}", i + 1);
    }
    program + &format!("; f = sum({h} .* {h})")
}

#[test]
fn the_hessian_of_a_residual_tanh_net_grows_linearly_with_its_depth() {
    let options = Options::new().wrt(["w1_0"]);
    let mut sizes = Vec::new();
    for k in 1..=8 {
        let program = residual_tanh_net(k);
        let hessian = matdiff::derive(&program, Mode::Hessian, &options)
            .unwrap_or_else(|e| panic!("depth {k}: {e}"));
        let text = hessian.to_string();
        let last = hessian.lines().last().unwrap();
        assert_eq!(last.lhs(), "dot(bar(w1_0))", "depth {k}:\n{text}");
        assert!(hessian.lines()[..hessian.lines().len() - 1]
            .iter()
            .all(|l| l.is_temporary()));
        sizes.push(text.len());
    }
    // Each block adds about as much as the one before: no doubling.
    let steps: Vec<usize> = sizes.windows(2).map(|w| w[1] - w[0]).collect();
    let most = *steps[1..].iter().max().unwrap();
    assert!(most <= 2 * steps[2], "sizes by depth: {sizes:?}");
    assert!(sizes[7] < 8 * 300, "sizes by depth: {sizes:?}");
}

#[test]
fn a_deep_hessian_is_checked_from_its_printed_lines() {
    for k in [3, 6] {
        let program = residual_tanh_net(k);
        let report = matdiff::check(&program, &CheckOptions::new().wrt(["w1_0"]))
            .unwrap_or_else(|e| panic!("depth {k}: {e}"));
        assert!(report.passed(), "depth {k}:\n{report}");
        let compared: Vec<&str> = report.comparisons.iter().map(|c| c.what.as_str()).collect();
        assert!(
            compared.contains(&"dot(bar(w1_0)) against differences of the gradient"),
            "depth {k}: {compared:?}"
        );
    }
}

#[test]
fn a_deep_gradient_names_a_repeated_adjoint_in_every_format() {
    let program = residual_tanh_net(4);
    let d = matdiff::derive(&program, Mode::Grad, &Options::new().wrt(["w1_0"])).unwrap();
    let lines = d.lines();
    assert!(lines[0].is_temporary() && lines[0].lhs() == "t1", "{d}");
    assert!(d.to_string().starts_with("t1 = "), "{d}");
    assert!(lines.last().unwrap().expr().contains("t"), "{d}");
    // JSON: the temporaries are bindings, after the program's, not results.
    let json = d.to_json();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["lhs"], "bar(w1_0)");
    let bindings = json["bindings"].as_array().unwrap();
    let t1 = bindings.iter().find(|b| b["name"] == "t1").unwrap();
    assert_eq!(t1["expr"], lines[0].expr());
    assert_eq!(
        bindings.last().unwrap()["name"],
        lines[lines.len() - 2].lhs()
    );
    // Unicode and LaTeX write the name as a name.
    assert!(d.to_unicode().starts_with("t1 = "), "{}", d.to_unicode());
    assert!(
        d.to_latex().starts_with("t_{\\mathrm{1}} = "),
        "{}",
        d.to_latex()
    );
    // NumPy computes it and returns only the result.
    let numpy = d.to_numpy();
    assert!(numpy.contains("\n    t1 = "), "{numpy}");
    assert!(!numpy.contains("\"t1\": _result"), "{numpy}");
}

#[test]
fn a_temporary_never_takes_a_name_of_the_program() {
    let program = residual_tanh_net(4)
        .replace("x:", "t1: matrix(nb, nd); x:")
        .replace("a_0 = tanh(x * w1_0)", "a_0 = tanh((x + t1) * w1_0)");
    let d = matdiff::derive(&program, Mode::Grad, &Options::new().wrt(["w1_0"])).unwrap();
    assert!(d.lines()[0].is_temporary());
    assert_eq!(d.lines()[0].lhs(), "t2", "{d}");
    let report = matdiff::check(&program, &CheckOptions::new().wrt(["w1_0"])).unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn a_shallow_program_has_no_temporaries() {
    for program in [
        "C = inv(A); f = tr(C * B)",
        "f = x' * A * x",
        "B = A * x; y = exp(B)",
    ] {
        for mode in [Mode::Grad, Mode::Reverse, Mode::Forward] {
            let Ok(d) = matdiff::derive(program, mode, &Options::new()) else {
                continue;
            };
            assert!(
                !d.lines().iter().any(|l| l.is_temporary()),
                "{program}: {d}"
            );
        }
    }
}

/// The printed products of a derivation: each `*` of each line.
fn products(derivation: &matdiff::Derivation) -> usize {
    derivation
        .lines()
        .iter()
        .map(|l| l.expr().matches('*').count())
        .sum()
}

#[test]
fn the_gradient_of_a_long_trace_shares_prefix_and_suffix_products() {
    for k in [8, 16, 32] {
        let factors: Vec<String> = (1..=k).map(|i| format!("A{i}")).collect();
        let program = format!("f = tr({})", factors.join(" * "));
        let gradient = matdiff::grad(&program).unwrap_or_else(|e| panic!("{e}"));
        // Each adjoint written out is k - 2 products, k (k - 2) in all;
        // prefix and suffix products need about 3k.
        let printed = products(&gradient);
        assert!(printed <= 3 * k, "k = {k}: {printed} products\n{gradient}");
        let results = gradient.lines().iter().filter(|l| !l.is_temporary());
        assert_eq!(results.count(), k);
    }
    let report = matdiff::check(
        "f = tr(A1 * A2 * A3 * A4 * A5 * A6 * A7 * A8)",
        &CheckOptions::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(report.passed(), "{report}");
}

#[test]
fn a_chain_of_matrix_vector_products_shares_them_as_backpropagation_does() {
    let k = 8;
    let factors: Vec<String> = (1..=k).map(|i| format!("A{i}")).collect();
    let program = format!("x' * {} * y", factors.join(" * "));
    let gradient = matdiff::grad(&program).unwrap_or_else(|e| panic!("{e}"));
    // Forward and backward vectors (2k products), one outer product per
    // matrix: no adjoint written out as its own chain of k products.
    let printed = products(&gradient);
    assert!(printed <= 3 * k + 2, "{printed} products\n{gradient}");
    let report = matdiff::check(&program, &CheckOptions::new()).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.passed(), "{report}");
}
