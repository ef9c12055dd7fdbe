//! Every e-graph rule of `src/rules`: declared with its words, and sound.
//!
//! Soundness is checked numerically, one rule at a time. Each seed below is
//! put in an e-graph of its own and the rule applied once, everywhere it
//! matches and its condition holds; then every e-class holding more than
//! one e-node is a claim that those e-nodes are equal, and each e-node,
//! its children written out by their smallest terms, is evaluated at
//! random inputs whose dimensions all differ (n, m and p), so that a
//! transpose too many or a wrongly sized identity cannot hide. Comparing
//! every class, not only the matched one, also checks what the e-graph
//! adds by itself: folded constants, congruences, and the analysis's
//! shapes and symmetry that the conditions read.
//!
//! Every rule must apply to some seed, with its condition holding; a rule
//! no seed exercises fails the test by name, so a new rule needs a seed.

use egg::{AstSize, Extractor, Language, RecExpr};
use matdiff::check::Sample;
use matdiff::egraph::{from_rec, to_rec, Math, MathAnalysis, MathGraph};
use matdiff::eval::{Matrix, Values};
use matdiff::rules::{declared, words, RuleSpec, RuleWords};
use matdiff::shape::{analyze_source, Model};
use std::collections::{BTreeMap, HashSet};

/// The inputs, of distinct sizes, and one seed a line. A seed is written
/// for the rule it names, but every rule is tried on every seed. Some seeds
/// are there for a condition to refuse them (marked "refused").
const SEEDS: &str = "
A, B, C: matrix(n, n)
D, F: matrix(n, m)
E: matrix(m, n)
G: matrix(m, p)
S, T: symmetric(n)
x, y: vector(n)
u: vector(m)
s, t: scalar
K, K2: matrix(2, 3)
L: matrix(3, 2)
M: matrix(2, 2)
P: matrix(3, 3)
w: vector(3)

# elementwise
hadamard_commute = D .* F
hadamard_scalar = s .* D
hadamard_scalar_right = x .* t
hadamard_quotient_scalar = D ./ s
hadamard_square = D .* D
hadamard_quotient_associate = (D ./ F) .* D
hadamard_ones = ones(n, m) .* D
hadamard_ones_vector = x .* ones(n)
diagonal_times_ones = diag(x) * ones(n)
diagonal_of_matrix_times_ones = diag(diag(A)) * ones(n)
ones_times_diagonal = ones(n)' * diag(x)
row_of_ones_times_diagonal = ones(1, n) * diag(x)
elementwise_power_one = D .^ 1
exp_log = exp(log(exp(D)))
log_exp = log(exp(D))
relu_step = relu(D) .* step(D)
sqrt_as_power = sqrt(exp(D))
reciprocal_as_power = ones(n, m) ./ exp(D)
power_of_power = (exp(D) .^ (1/2)) .^ 3
powers_multiply = exp(D) .^ (1/2) .* exp(D) .^ 2
power_times_base = exp(D) .* exp(D) .^ (-1/2)
powers_divide = exp(D) .^ 3 ./ exp(D) .^ (1/2)
power_over_base = exp(D) .^ 3 ./ exp(D)
scaled_power = (2 * exp(D)) .^ 3
scaled_ones_hadamard = (s * ones(n, m)) .* D
hadamard_scalar_factor = (s * D) .* F
abs_square = abs(D) .^ 2
sign_times_abs_square = sign(D) .* abs(D) .^ 2
sign_times_square = sign(D) .* D .^ 2
ones_outer_left = ones(n, m) * E
ones_outer_right = D * ones(m, n)
diagonal_scales_rows = diag(x) * D
diagonal_scales_columns = E * diag(x)
quotient_of_quotient = (D ./ exp(F)) ./ exp(D)
quotient_by_quotient = D ./ (exp(F) ./ exp(D))
quotient_cancel = (F .* exp(D)) ./ exp(D)
quotient_cancel_left = (exp(D) .* F) ./ (exp(D) .* exp(F))
hadamard_distribute = exp(D) .* (F - D ./ exp(D))
hadamard_negate = D .* -F
row_scaled_times_vector = ((exp(x) * ones(1, m)) .* D) * u
scaled_ones_quotient = (s * ones(n, m)) ./ exp(D)
row_divided_times_vector = (D ./ (exp(x) * ones(m)')) * u
sum_distributes = sum(D + exp(F))
sum_negate = sum(-D)
sum_scalar_factor = sum(s * D)
ones_row_distributes = ones(n)' * (x + exp(y))
ones_row_times_vector = ones(1, n) * x
scalar_quotient_cancel = (s / exp(t)) * exp(t)
sum_of_ones = sum(ones(n, m)) + sum(ones(3)) + sum(ones(n))
ones_times_ones = ones(1, n) * ones(n)
product_negate_right = A * -B

# diagonal
inner_identity_trace = inner(A, I) + inner(I, B)
inverse_of_power = inv(A^3)
trace_of_square = tr(A^2)
solve_scaled = A \\ (s * B)
solve_negated = A \\ -B
power_times_vector = A^3 * x
vector_times_power = y' * A^2
diagonal_times_vector = diag(x) * y
vector_times_diagonal = y' * diag(x)
diagonal_product = diag(x) * diag(y)
diagonal_sum = diag(x) + diag(y)
diagonal_negate = -diag(x)
diagonal_scalar = s * diag(x)
diagonal_power = diag(x)^3
diagonal_inverse = inv(diag(x))
diagonal_of_diagonal_matrix = diag(diag(x))
diagonal_of_outer_product = diag(x * y')

# inner
inner_product = inner(D, F)
inner_vectors = inner(x, y)
inner_hadamard = inner(D, F .* D)
inner_scalar_factor = inner(s * D, F)
inner_sum_of_hadamard = sum(D .* F)
trace_product_as_inner = tr(D * E)
inner_ones_sum = x' * ones(n)

# inverse and determinant
inverse_twice = inv(inv(A))
inverse_cancel_right = A * inv(A)
inverse_cancel_left = inv(A) * A
inverse_cancel_scalar = s * inv(s)
inverse_product = inv(A * B)
inverse_product_refused = inv(D * E)
inverse_product_back = inv(B) * inv(A)
inverse_scalar_factor = inv(s * A)
inverse_of_scalar = inv(s)
determinant_inverse = det(inv(A))
determinant_transpose = det(A')
determinant_product = det(A * B)
determinant_product_refused = det(D * E)
logdet_product = logdet(A * B)
logdet_inverse = logdet(inv(A))
logdet_transpose = logdet(A')

# powers
power_square = A * A
power_grow_right = A^2 * A
power_grow_left = A * A^3
power_product = A^2 * A^3
power_one = A^1
power_symmetric = S^2 * S

# products and sums
scalar_commute = s * D
scalar_commute_scalars = s * t
product_associate = A * D * E
product_associate_left = A * (D * E)
product_associate_vectors = x' * A * y
product_associate_refused = (x' * y) * A
product_associate_left_refused = S * (x' * y)
product_one = 1 * D
product_identity_right = D * I(m)
product_identity_left = I(n) * D
product_identity_refused = s * I(n)
negate_twice = -(-D)
negate_as_product = -D
product_as_negate = (-1) * D
sum_commute = D + F
sum_associate = (D + F) + D
sum_factor_right = D * E + F * E
sum_factor_left = A * D + A * F
sum_factor_scalars = s * t + s * s
sum_coefficient = D + s * D
sum_double = D + D
sum_cancel = s - s
quotient_as_product = D / s

# traces
trace_cyclic = tr(D * E)
trace_cyclic_vectors = tr(x * y')
trace_sum = tr(A + B)
trace_negate = tr(-A)
trace_scalar_factor = tr(s * A)
trace_transpose = tr(A')
trace_of_scalar = tr(s)
trace_as_inner = tr(D' * F)
trace_as_inner_vectors = tr(x' * y)

# transposes
transpose_product = (D * E)'
transpose_product_back = E' * D'
transpose_sum = (D + F)'
transpose_twice = D''
transpose_hadamard = (D .* F)'
transpose_hadamard_back = D' .* F'
transpose_negate = (-D)'
transpose_symmetric = S'
transpose_symmetric_sum = (S + T)'
transpose_symmetric_product = (S .* T)'
transpose_symmetric_inverse = inv(S + I)'
transpose_symmetric_power = (S^3)'
transpose_symmetric_scalar = (x' * A * y)'
transpose_inverse = inv(A)'
transpose_inverse_back = inv(A')
transpose_power = (A^3)'
transpose_power_back = (A')^3

# rules at other shapes and inside larger terms
mixed_scalar_square = s * s
mixed_sum_square = (A + B) * (A + B)
mixed_scalar_hadamard = s .* t
mixed_inner_vectors = inner(s * x, y .* x)
mixed_inner_scalars = inner(s, t)
mixed_trace_chain = tr(D * G * G' * E)
mixed_trace_cancel = tr(A * inv(A) * B)
mixed_transpose_scaled = (s * D)'
mixed_transpose_row = (x' * A)'
mixed_factor_vectors = x * s + y * s
mixed_factor_rows = x' * y + x' * x
mixed_logdet_chain = logdet(A * B * C)
mixed_determinant_inverse = det(inv(A * B))
mixed_exp_log_scalar = exp(log(exp(s)))
mixed_diagonal_product = diag(D * u) * ones(n)
mixed_negate_scalar = -(-s)
mixed_inverse_scalar = inv(inv(s))
mixed_power_transpose = (A' * A')'

# functions
norm1_as_sum_abs = sum(abs(D))
norm1_transpose = norm1(D')
norm1_negate = norm1(-D)
norm1_abs = norm1(abs(x))
logsumexp_definition = log(sum(exp(D)))
exp_logsumexp = exp(logsumexp(x))
logsumexp_transpose = logsumexp(D')
softmax_definition = exp(x) / sum(exp(x))
softmax_definition_scaled = exp(s * x) / sum(exp(s * x))
softmax_sum = sum(softmax(u))
softmax_quotient_cancel = (y ./ softmax(x)) .* softmax(x)
softmax_quotient_pair = softmax(x)' * (y ./ softmax(x))
hadamard_quotient_by_scalar = (D / s) .* F
cosine_double = cos(D) .^ 2 - sin(D) .^ 2
sine_double = sin(D) .* cos(D)
determinant_power = det(A^3)
logdet_power = logdet(A^2)
inverse_of_power_right = inv(A^3) * A^2
inverse_of_power_left = A^2 * inv(A^3)
inverse_of_power_times = inv(A^3) * A
times_inverse_of_power = A * inv(A^3)
inverse_of_scalar_power = inv(s^2) * s
power_minus_one = A^-1
power_minus_one_scalar = s^-1
solve_as_inverse = inv(A) * D
solve_as_inverse_vector = inv(A) * x
solve_as_inverse_refused = inv(A) * s
solve_identity = A \\ I(n)
solve_cancel = A \\ (A * D)
solve_cancel_refused = A \\ (A * s)
solve_scalar = s \\ D
kron_transpose = kron(K, L)'
kron_trace = tr(kron(M, P))
kron_mixed_product = kron(K, L) * kron(L, K)
kron_mixed_product_vectors = kron(M, w') * kron(K, w)
vec_sum = sum(vec(K))
vec_inner = inner(vec(K), vec(K2))
vec_inner_refused = inner(vec(K), vec(L))
vec_product = vec(M * K * P)
";

/// Two random points: a rule true at one point by accident is not at both.
const POINTS: [u64; 2] = [11, 29];

/// Relative error allowed between two sides; both are exact identities, so
/// only rounding separates them.
const TOLERANCE: f64 = 1e-9;

#[test]
fn every_rule_has_words() {
    let specs = declared();
    assert!(specs.len() >= 60, "only {} rules", specs.len());
    let mut names = HashSet::new();
    for spec in specs {
        let w = &spec.words;
        assert_eq!(spec.rewrite.name.as_str(), w.name, "a rule's two names");
        assert!(names.insert(w.name), "{} is declared twice", w.name);
        for (part, text) in [("words", w.words), ("lhs", w.lhs), ("rhs", w.rhs)] {
            assert!(!text.trim().is_empty(), "{} has no {part}", w.name);
        }
        assert_ne!(w.lhs, w.rhs, "{}: its two sides are the same text", w.name);
        assert_eq!(words(w.name), Some(w), "words({}) finds it", w.name);
    }
}

#[test]
fn every_rule_is_sound_at_random_inputs() {
    let model = analyze_source(SEEDS).expect("the seeds are a program");
    let samples: Vec<Sample> = POINTS
        .iter()
        .map(|&seed| Sample::draw(&model, seed).expect("the seeds evaluate"))
        .collect();
    // Distinct sizes, or a transpose too many could go unseen. The fixed
    // sizes (2, 3, 6: `vec` and `kron` take only those) differ by their
    // declarations, and the drawn n, m and p from them and each other.
    let sizes: HashSet<usize> = samples[0].sizes().iter().map(|(_, k)| *k).collect();
    assert_eq!(
        sizes.len(),
        samples[0].sizes().len(),
        "n, m and p differ from each other and the fixed sizes: {:?}",
        samples[0].sizes()
    );
    let mut applied: BTreeMap<&str, usize> = declared().iter().map(|s| (s.words.name, 0)).collect();
    let mut failures = Vec::new();
    let mut compared = 0;
    for binding in &model.bindings {
        let seed = to_rec(&binding.expr);
        for spec in declared() {
            let (changes, checks) = check_rule(spec, &seed, &model, &samples, &mut failures);
            *applied.get_mut(spec.words.name).unwrap() += changes;
            compared += checks;
        }
    }
    let never: Vec<&str> = applied
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(name, _)| *name)
        .collect();
    assert!(
        failures.is_empty(),
        "{} unsound rewrites:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(never.is_empty(), "rules no seed exercises: {never:?}");
    let total: usize = applied.values().sum();
    eprintln!(
        "{} rules applied {total} times on {} seeds; {compared} e-nodes compared at {} points",
        applied.len(),
        model.bindings.len(),
        POINTS.len()
    );
}

#[test]
fn conditions_refuse_where_the_identity_fails() {
    // Each of these seeds matches the rule's pattern, and the rewrite would
    // be ill-typed or false there.
    let refusals = [
        ("inverse_product_refused", "inverse-product"),
        ("determinant_product_refused", "determinant-product"),
        ("product_associate_refused", "product-associate-right"),
        ("product_associate_left_refused", "product-associate-left"),
        ("product_identity_refused", "product-identity-right"),
        ("solve_as_inverse_refused", "solve-as-inverse"),
        ("solve_cancel_refused", "solve-cancel"),
        ("vec_inner_refused", "vec-inner"),
    ];
    let model = analyze_source(SEEDS).expect("the seeds are a program");
    let samples = [Sample::draw(&model, POINTS[0]).expect("the seeds evaluate")];
    for (seed, rule) in refusals {
        let spec = declared().iter().find(|s| s.words.name == rule).unwrap();
        let seed_rec = to_rec(&model.binding(seed).unwrap().expr);
        let mut egraph = MathGraph::new(MathAnalysis {
            env: model.env.clone(),
        });
        egraph.add_expr(&seed_rec);
        egraph.rebuild();
        let matches = spec.rewrite.search(&egraph);
        assert!(!matches.is_empty(), "{rule}'s pattern matches {seed}");
        let mut failures = Vec::new();
        let (changes, _) = check_rule(spec, &seed_rec, &model, &samples, &mut failures);
        assert_eq!(changes, 0, "{rule} rewrote {seed}");
    }
}

#[test]
fn the_check_catches_a_wrong_rule() {
    // Two false identities: one of the wrong size, one of the wrong value.
    let wrong = |name: &'static str, rewrite| RuleSpec {
        words: RuleWords {
            name,
            words: "wrong",
            lhs: "lhs",
            rhs: "rhs",
            condition: "",
        },
        rewrite,
    };
    let cases = [
        (
            wrong(
                "wrong-transpose-product",
                egg::rewrite!("wrong-transpose-product"; "(T (* ?a ?b))" => "(* (T ?a) (T ?b))"),
            ),
            "transpose_product",
        ),
        (
            wrong(
                "wrong-inverse-product",
                egg::rewrite!("wrong-inverse-product"; "(inv (* ?a ?b))" => "(* (inv ?a) (inv ?b))"),
            ),
            "inverse_product",
        ),
    ];
    let model = analyze_source(SEEDS).expect("the seeds are a program");
    let samples = [Sample::draw(&model, POINTS[0]).expect("the seeds evaluate")];
    for (spec, seed) in &cases {
        let seed_rec = to_rec(&model.binding(seed).unwrap().expr);
        let mut failures = Vec::new();
        let (changes, _) = check_rule(spec, &seed_rec, &model, &samples, &mut failures);
        assert!(changes > 0, "{} applies to {seed}", spec.words.name);
        assert!(!failures.is_empty(), "{} passed the check", spec.words.name);
    }
}

/// Applies one rule once to `seed` and compares every e-class that holds
/// more than one e-node. Returns how many unions the rule made and how many
/// e-nodes were compared; a disagreement is pushed onto `failures`.
fn check_rule(
    spec: &RuleSpec,
    seed: &RecExpr<Math>,
    model: &Model,
    samples: &[Sample],
    failures: &mut Vec<String>,
) -> (usize, usize) {
    let mut egraph = MathGraph::new(MathAnalysis {
        env: model.env.clone(),
    });
    egraph.add_expr(seed);
    egraph.rebuild();
    let matches = spec.rewrite.search(&egraph);
    if matches.is_empty() {
        return (0, 0);
    }
    let changes = spec.rewrite.apply(&mut egraph, &matches).len();
    egraph.rebuild();
    if changes == 0 {
        return (0, 0);
    }
    let extractor = Extractor::new(&egraph, AstSize);
    let mut compared = 0;
    for class in egraph.classes().filter(|c| c.nodes.len() > 1) {
        // Each e-node with its children's smallest terms: if the rule made
        // two unequal things one class, two of these differ.
        let terms: Vec<RecExpr<Math>> = class
            .nodes
            .iter()
            .map(|node| node.build_recexpr(|id| extractor.find_best_node(id).clone()))
            .collect();
        for sample in samples {
            let values: Vec<Result<Matrix, String>> = terms
                .iter()
                .map(|t| {
                    sample
                        .eval(&from_rec(t), &Values::new())
                        .map_err(|e| e.to_string())
                })
                .collect();
            compared += terms.len();
            let first = &terms[0];
            for (term, value) in terms.iter().zip(&values).skip(1) {
                if let Some(why) = disagreement(&values[0], value) {
                    failures.push(format!(
                        "{}: {} ≠ {} ({why})",
                        spec.words.name,
                        from_rec(first),
                        from_rec(term)
                    ));
                }
            }
        }
    }
    (changes, compared)
}

/// Why two values differ, if they do: a size, an entry beyond rounding, or
/// one side that cannot be evaluated.
fn disagreement(a: &Result<Matrix, String>, b: &Result<Matrix, String>) -> Option<String> {
    match (a, b) {
        (Ok(a), Ok(b)) if a.shape() != b.shape() => {
            Some(format!("sizes {:?} and {:?}", a.shape(), b.shape()))
        }
        (Ok(a), Ok(b)) => {
            let scale = 1.0 + a.amax().max(b.amax());
            let error = (a - b).amax() / scale;
            (error > TOLERANCE).then(|| format!("relative error {error:.2e}"))
        }
        (Err(e), _) | (_, Err(e)) => Some(format!("not evaluated: {e}")),
    }
}
