//! The seed exercise: the derivative of matrix inversion C = A⁻¹, in
//! forward mode (Ċ = −C Ȧ C) and reverse mode (Ā = −Cᵀ C̄ Cᵀ), derived
//! step by step with matdiff and checked numerically.
//!
//! Run with `cargo run --example matrix_inverse`.

use matdiff::ast::{Expr, Name};
use matdiff::check::{check, Sample};
use matdiff::derive::{derive, Mode, Options};
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
    let model = analyze_source("C = inv(A)")?;
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
    let forward = derive(&model, Mode::Forward, &Options::default())?;
    let dot_c = &forward.lines[0];
    println!(
        "    Ċ A = −C Ȧ,  so  Ċ = −C Ȧ A⁻¹ = {}",
        unicode(&dot_c.expr)
    );
    println!("    matdiff forward: {dot_c}\n");

    // The product rule holds for the derived Ċ at a random point.
    let sample = Sample::draw(&model, 1)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2);
    let mut values = Values::new();
    values.insert(a.dot(), sample.random_like(&model, &a, &mut rng));
    values.insert(c.dot(), sample.eval(&dot_c.expr, &values)?);
    let residual = sample.eval(&product_rule, &values)?.norm();
    println!("    numerically, ‖Ċ A + C Ȧ‖ = {residual:.1e} at a random A\n");

    println!("(b) Reverse mode. With ⟨X, Y⟩ = tr(Xᵀ Y) and (a):");
    let seed = Expr::name(c.bar());
    println!("    ⟨C̄, Ċ⟩ = tr(C̄ᵀ Ċ)");
    let is_leaf = |n: &Name| *n == a.dot();
    let (parts, steps) = pullback_with_steps(&dot_c.expr, seed, env, &is_leaf)?;
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
    let reverse = derive(&model, Mode::Reverse, &Options::default())?;
    println!("    matdiff reverse: {}\n", reverse.lines[0]);

    println!("Numerical check (central differences and ⟨Ā, Ȧ⟩ = ⟨C̄, Ċ⟩):");
    let report = check(&model, None, 1)?;
    println!("{report}");
    if !report.passed() {
        return Err("the numerical check failed".into());
    }
    Ok(())
}
