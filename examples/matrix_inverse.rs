//! The seed exercise: the derivative of matrix inversion C = A⁻¹, in
//! forward mode (Ċ = −C Ȧ C) and reverse mode (Ā = −Cᵀ C̄ Cᵀ), derived
//! step by step with matdiff and checked numerically.
//!
//! The results and the check come from the library's front door
//! (`matdiff::forward`, `matdiff::reverse`, `matdiff::check`), exactly as the
//! command line prints them; the steps in between use the engine's modules.
//!
//! Run with `cargo run --example matrix_inverse`.

use matdiff::ast::{Expr, Name};
use matdiff::check::Sample;
use matdiff::diff::{pullback_with_steps, tangent};
use matdiff::eval::Values;
use matdiff::parse::parse_expr;
use matdiff::print::{render, Notation};
use matdiff::shape::analyze_source;
use matdiff::tidy::tidy;
use rand::SeedableRng;

fn unicode(e: &Expr) -> String {
    render(e, Notation::Unicode)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let program = "C = inv(A)";
    let model = analyze_source(program)?;
    let env = &model.env;
    let (a, c) = (Name::plain("A"), Name::plain("C"));
    println!("C = A⁻¹, A a non-singular square matrix.\n");

    println!("(a) Forward mode. C A = I is constant, so by the product rule");
    let product = model.elaborate(&parse_expr("C * A")?, None)?;
    let leaf = |n: &Name| (n.base == "A" || n.base == "C").then(|| Expr::name(n.dot()));
    let product_rule = tangent(&product, env, &leaf).expect("C A varies with A");
    println!(
        "    0 = d/dx (C A) = {}",
        unicode(&tidy(&product_rule, env))
    );
    let forward = matdiff::forward(program)?;
    // The printed result reads back as input: evaluate Ċ from its text.
    let c_shape = env.name_shape(&c);
    let dot_c = model.read(&parse_expr(forward.lines()[0].expr())?, &c_shape)?;
    println!("    Ċ A = −C Ȧ,  so  Ċ = −C Ȧ A⁻¹ = {}", unicode(&dot_c));
    println!("    matdiff forward: {forward}\n");

    // The product rule holds for the derived Ċ at a random point.
    let sample = Sample::draw(&model, 1)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let mut values = Values::new();
    values.insert(a.dot(), sample.random_like(&model, &a, &mut rng));
    values.insert(c.dot(), sample.eval(&dot_c, &values)?);
    let residual = sample.eval(&product_rule, &values)?.norm();
    println!("    numerically, ‖Ċ A + C Ȧ‖ = {residual:.1e} at a random A\n");

    println!("(b) Reverse mode. With ⟨X, Y⟩ = tr(Xᵀ Y) and (a):");
    let seed = Expr::name(c.bar());
    println!("    ⟨C̄, Ċ⟩ = tr(C̄ᵀ Ċ)");
    let is_leaf = |n: &Name| *n == a.dot();
    let (parts, steps) = pullback_with_steps(&dot_c, seed, env, &is_leaf)?;
    for step in &steps {
        println!(
            "          = ⟨{}, {}⟩    ({})",
            unicode(&tidy(&step.left, env)),
            unicode(&step.right),
            step.rule
        );
    }
    let (_, adjoint) = &parts[0];
    println!("    so Ā = {}", unicode(&tidy(adjoint, env)));
    println!("    matdiff reverse: {}\n", matdiff::reverse(program)?);

    println!("Numerical check (central differences and ⟨Ā, Ȧ⟩ = ⟨C̄, Ċ⟩):");
    let report = matdiff::check(program, &matdiff::CheckOptions::new())?;
    println!("{report}");
    if !report.passed() {
        return Err("the numerical check failed".into());
    }
    Ok(())
}
