//! The simplifier's limits: a pathological input hits them, still returns,
//! and its result is still right (numerically the same as a fully checked
//! derivation).

mod common;
use common::pathological_program;

use matdiff::ast::Name;
use matdiff::check::{check, Sample};
use matdiff::derive::{derive, Derivation, Mode, Options};
use matdiff::egraph::{Limits, Stop};
use matdiff::eval::Values;
use matdiff::shape::{analyze_source, Model};
use rand::SeedableRng;
use std::time::Duration;

fn values_of(model: &Model, derivation: &Derivation, seed: u64) -> Vec<matdiff::eval::Matrix> {
    let sample = Sample::draw(model, seed).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut values = Values::new();
    let output = Name::plain(&model.output().name);
    values.insert(output.bar(), sample.random_like(model, &output, &mut rng));
    // The results' values: a temporary (`t1 = …`) is computed for the
    // lines after it, and compared through them.
    derivation
        .lines
        .iter()
        .filter_map(|line| {
            let v = sample.eval(&line.expr, &values).unwrap();
            values.insert(line.lhs.clone(), v.clone());
            (!line.temporary).then_some(v)
        })
        .collect()
}

/// Asserts that a limited derivation's lines have the values of the full
/// one's at a random point.
fn assert_same_values(model: &Model, cut: &Derivation, full: &Derivation, seed: u64) {
    for (a, b) in values_of(model, cut, seed)
        .iter()
        .zip(values_of(model, full, seed))
    {
        let error = (a - &b).norm() / b.norm().max(1e-12);
        assert!(error < 1e-9, "limited result differs by {error:.2e}");
    }
}

#[test]
fn tight_limits_stop_early_and_stay_correct() {
    let source = pathological_program();
    let model = analyze_source(&source).unwrap();
    let tight = Options {
        limits: Limits {
            nodes: 300,
            iterations: 50,
            time: Duration::from_secs(5),
            budget: Duration::from_secs(60),
        },
        ..Default::default()
    };
    let cut = derive(&model, Mode::Reverse, &tight).unwrap();
    assert_eq!(
        cut.stop,
        Stop::NodeLimit,
        "the node limit should be reached"
    );

    let full = derive(&model, Mode::Reverse, &Options::default()).unwrap();
    let report = check(&model, None, 4).unwrap();
    assert!(report.passed(), "{report}");
    assert_same_values(&model, &cut, &full, 9);
}

#[test]
fn a_zero_time_limit_still_gives_a_correct_result() {
    let source = pathological_program();
    let model = analyze_source(&source).unwrap();
    let hurried = Options {
        limits: Limits {
            time: Duration::ZERO,
            ..Limits::default()
        },
        ..Default::default()
    };
    let cut = derive(&model, Mode::Grad, &hurried).unwrap();
    assert!(cut.stop.hit_limit(), "stopped by {:?}", cut.stop);
    let full = derive(&model, Mode::Grad, &Options::default()).unwrap();
    assert_same_values(&model, &cut, &full, 2);
}

#[test]
fn a_spent_budget_leaves_lines_tidied_and_correct() {
    let source = pathological_program();
    let model = analyze_source(&source).unwrap();
    let spent = Options {
        limits: Limits {
            budget: Duration::ZERO,
            ..Limits::default()
        },
        ..Default::default()
    };
    let cut = derive(&model, Mode::Reverse, &spent).unwrap();
    assert_eq!(cut.stop, Stop::TimeLimit);
    let full = derive(&model, Mode::Reverse, &Options::default()).unwrap();
    assert_same_values(&model, &cut, &full, 5);
}
