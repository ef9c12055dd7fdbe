//! Random programs over the whole r1 language and r2's additions, each statement with the
//! shape the generator meant, built so that values stay in domain: logs,
//! square roots and fractional powers of positive things, inverses and
//! determinants of well-conditioned matrices, exp of bounded things.

use super::sizes::Shape;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashMap;

mod r2;

#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub shape: Shape,
    pub symmetric: bool,
    /// Drawn entry-wise in [1/2, 3/2] by the judge's sampler, so that the
    /// generator may take it as the base of a fractional or variable power
    /// (`alpha ^ beta`, `x .^ alpha`) without making it positive first.
    pub positive: bool,
}

#[derive(Clone, Debug)]
pub struct Statement {
    pub name: String,
    pub expr: String,
    pub shape: Shape,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub text: String,
    /// Inputs that the statements use, in order of first use.
    pub inputs: Vec<Input>,
    pub statements: Vec<Statement>,
    /// Declared dimension names and their sizes for evaluation.
    pub dimensions: HashMap<String, usize>,
}

/// Named dimensions have distinct sizes, so that a wrong size never
/// type-checks by accident; 2 is a size written as a number.
const NAMED_DIMENSIONS: [(&str, usize); 3] = [("n", 3), ("m", 4), ("p", 5)];
const FIXED_SIZE: usize = 2;

const MATRIX_NAMES: [&str; 7] = ["A", "B", "M", "W", "X", "Y", "Sigma"];
const VECTOR_NAMES: [&str; 6] = ["x", "y", "z", "b", "w", "v"];
const SCALAR_NAMES: [&str; 6] = ["alpha", "beta", "lambda", "σ", "mu2", "theta_reg"];
const MATRIX_RESULTS: [&str; 6] = ["C", "D", "G", "H", "K", "P"];
const VECTOR_RESULTS: [&str; 5] = ["u", "r", "q", "h", "g"];
const SCALAR_RESULTS: [&str; 5] = ["s", "c", "rho", "phi", "e1"];

struct Generator<'a> {
    rng: &'a mut StdRng,
    sizes: Vec<usize>,
    /// Candidate inputs, used or not.
    inputs: Vec<(Input, bool)>,
    statements: Vec<Statement>,
    used: Vec<String>,
    /// Declared inputs the program needs only for their dimensions' names:
    /// declared, and inputs only if some statement uses them.
    declared_only: Vec<String>,
    /// The chance that an expression node is one of r2's forms.
    r2_share: f64,
}

impl Generator<'_> {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn size(&mut self) -> usize {
        *self.sizes.choose(self.rng).expect("a size")
    }

    fn use_name(&mut self, name: &str) -> String {
        if !self.used.iter().any(|u| u == name) {
            self.used.push(name.to_string());
        }
        name.to_string()
    }

    /// An input or earlier result of exactly this shape (or transposed).
    fn leaf(&mut self, shape: Shape) -> String {
        let mut exact: Vec<String> = Vec::new();
        let mut transposed: Vec<String> = Vec::new();
        let results = self.statements.iter().map(|s| (&s.name, s.shape));
        for (name, s) in self
            .inputs
            .iter()
            .map(|(i, _)| (&i.name, i.shape))
            .chain(results)
        {
            if s == shape {
                exact.push(name.clone());
            } else if (s.1, s.0) == shape {
                transposed.push(name.clone());
            }
        }
        // Prefer earlier results, so intermediates are reused.
        let results: Vec<String> = exact
            .iter()
            .filter(|n| self.statements.iter().any(|s| &&s.name == n))
            .cloned()
            .collect();
        if !results.is_empty() && self.chance(0.5) {
            let name = results.choose(self.rng).expect("a result").clone();
            return self.use_name(&name);
        }
        if shape == (1, 1) && self.chance(0.06) {
            if let Some(size) = self.size_as_scalar() {
                return size;
            }
        }
        if shape == (1, 1) && (exact.is_empty() || self.chance(0.25)) {
            return self.number();
        }
        if !exact.is_empty() && (transposed.is_empty() || self.chance(0.8)) {
            let name = exact.choose(self.rng).expect("a name").clone();
            return self.use_name(&name);
        }
        if !transposed.is_empty() {
            let name = transposed.choose(self.rng).expect("a name").clone();
            let name = self.use_name(&name);
            return if self.chance(0.8) {
                format!("{name}'")
            } else {
                format!("({name}^T)")
            };
        }
        // Every size has a vector input, so an outer product always exists.
        let (left, right) = (self.leaf((shape.0, 1)), self.leaf((shape.1, 1)));
        format!("({left} * {right}')")
    }

    /// A size written out (SPEC r2): `2`, `rows(X)`, `cols(X)` or a
    /// declared dimension's name, naming an input of that size so that the
    /// program declares or infers it.
    fn size_text(&mut self, size: usize) -> String {
        #[derive(Clone)]
        enum Written {
            Number,
            Rows(String),
            Cols(String),
            /// The dimension's name, which `input`'s declaration introduces.
            Dimension(String),
        }
        let mut choices = Vec::new();
        if size == FIXED_SIZE {
            choices.push(Written::Number);
        }
        for (input, declared) in &self.inputs {
            if input.shape.0 == size && input.shape != (1, 1) {
                choices.push(Written::Rows(input.name.clone()));
                if *declared && size != FIXED_SIZE {
                    choices.push(Written::Dimension(input.name.clone()));
                }
            }
            if input.shape.1 == size && input.shape.1 != 1 {
                choices.push(Written::Cols(input.name.clone()));
            }
        }
        let Some(choice) = choices.choose(self.rng).cloned() else {
            return size.to_string();
        };
        // The named input must appear in the program, so that its size (or
        // its declaration, for a dimension's name) is there.
        match choice {
            Written::Number => size.to_string(),
            Written::Rows(name) => format!("rows({})", self.use_name(&name)),
            Written::Cols(name) => format!("cols({})", self.use_name(&name)),
            Written::Dimension(name) => {
                if !self.declared_only.contains(&name) {
                    self.declared_only.push(name);
                }
                dimension_text(size)
            }
        }
    }

    /// A size used as a scalar constant: `rows(X)`, `cols(X)` or a
    /// dimension's name.
    fn size_as_scalar(&mut self) -> Option<String> {
        let size = self.size();
        let text = self.size_text(size);
        (text != FIXED_SIZE.to_string()).then_some(text)
    }

    /// `I(d)`, `ones(d)` or `ones(d1, d2)` for this shape, or `None` for a scalar.
    fn sized_constant(&mut self, shape: Shape) -> Option<String> {
        match shape {
            (1, 1) => None,
            (r, c) if r == c && self.chance(0.5) => Some(format!("I({})", self.size_text(r))),
            (r, 1) if self.chance(0.5) => Some(format!("ones({})", self.size_text(r))),
            (r, c) => Some(format!(
                "ones({}, {})",
                self.size_text(r),
                self.size_text(c)
            )),
        }
    }

    /// Values in [-1, 1], so that exp and powers stay moderate.
    fn bounded(&mut self, shape: Shape, depth: u32) -> String {
        let inner = self.expr(shape, depth.saturating_sub(1));
        let f = ["sin", "cos", "tanh"].choose(self.rng).expect("a function");
        format!("{f}({inner})")
    }

    /// Entry-wise positive values.
    fn positive(&mut self, shape: Shape, depth: u32) -> String {
        if depth == 0 {
            // No deeper recursion: a leaf made positive.
            let leaf = self.leaf(shape);
            return format!("exp(tanh({leaf}))");
        }
        let d = depth - 1;
        let scalar = shape == (1, 1);
        match self.rng.gen_range(0..12) {
            9..=11 => self.r2_positive(shape, d),
            0 | 1 => format!("exp({})", self.bounded(shape, d)),
            2 if scalar => format!("(({}) ^ 2 + 1)", self.expr(shape, d)),
            2 => format!("(({}) .^ 2 + ones)", self.expr(shape, d)),
            3 if scalar => format!("(norm({}) + 1)", self.any_expr(d)),
            3 => format!("({0} .* {0} + ones)", self.leaf(shape)),
            4 => format!("sqrt({})", self.positive(shape, d)),
            5 => format!(
                "({} .* {})",
                self.positive(shape, d),
                self.positive(shape, d)
            ),
            6 => format!(
                "({} ./ {})",
                self.positive(shape, d),
                self.positive(shape, d)
            ),
            // The engine takes only integers after a scalar's `^` (r2 allows any):
            // `.^` gives the fractional powers of scalars too.
            7 => format!("(({}) .^ (1/2))", self.positive(shape, d)),
            _ => format!(
                "(2 * {} + {})",
                self.positive(shape, d),
                self.positive(shape, d)
            ),
        }
    }

    /// A k×k matrix whose eigenvalues stay near 1: I plus something of
    /// spectral radius at most k/8 < 1, or G G' + I.
    fn well_conditioned(&mut self, k: usize, depth: u32) -> String {
        if let Some(s) = self
            .inputs
            .iter()
            .find(|(i, _)| i.symmetric && i.shape.0 == k)
            .map(|(i, _)| i.name.clone())
        {
            if self.chance(0.3) {
                let s = self.use_name(&s);
                return format!("({s} * {s} + I)");
            }
        }
        if self.chance(0.3) {
            let j = self.size();
            let g = self.leaf((k, j));
            return format!("({g} * {g}' + I)");
        }
        let inner = self.bounded((k, k), depth);
        if self.chance(0.5) {
            format!("(I + {inner} / 8)")
        } else {
            format!("({inner} / 8 + 2 * I)")
        }
    }

    fn any_expr(&mut self, depth: u32) -> String {
        let shape = (self.size(), if self.chance(0.5) { 1 } else { self.size() });
        self.expr(shape, depth)
    }

    fn scalar_only(&mut self, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        let k = self.size();
        match self.rng.gen_range(0..15) {
            12..=14 => self.r2_scalar(d),
            10 => format!("(({}) ^ 3)", self.expr((1, 1), d)),
            11 => {
                let v = self.expr((k, 1), d);
                format!("(sum({v}) / {})", self.size_text(k))
            }
            0 => format!("tr({})", self.expr((k, k), d)),
            1 => format!("det({})", self.well_conditioned(k, d)),
            2 => format!("logdet({})", self.well_conditioned(k, d)),
            3 => {
                let shape = (k, self.size());
                format!("inner({}, {})", self.expr(shape, d), self.expr(shape, d))
            }
            4 => format!("sum({})", self.any_expr(d)),
            5 => format!("norm({})", self.any_expr(d)),
            6 => format!("({} ^ 2)", self.leaf((1, 1))),
            7 => format!("log({})", self.positive((1, 1), d)),
            8 => format!("(({}) .^ (-1/2))", self.positive((1, 1), d)),
            _ => format!("({}' * {})", self.expr((k, 1), d), self.expr((k, 1), d)),
        }
    }

    fn expr(&mut self, shape: Shape, depth: u32) -> String {
        if depth == 0 || self.chance(0.15) {
            return self.leaf(shape);
        }
        let d = depth - 1;
        let (rows, cols) = shape;
        let square = rows == cols && rows > 1;
        // The r2 language: broadcasting, scalar exponents, the new
        // element-wise functions, scientific notation.
        if self.chance(self.r2_share) {
            if let Some(text) = self.r2_expr(shape, d) {
                return text;
            }
        }
        loop {
            let text = match self.rng.gen_range(0..33) {
                0 | 1 => format!("({} + {})", self.expr(shape, d), self.expr(shape, d)),
                2 => {
                    let (a, b) = (self.expr(shape, d), self.expr(shape, d));
                    // `x - x` is zero everywhere, where norm() has no derivative.
                    if a == b {
                        format!("({a} + {b})")
                    } else {
                        format!("({a} - {b})")
                    }
                }
                3 => format!("-{}", self.expr(shape, d)),
                4 => format!("({} * {})", self.expr((1, 1), d), self.expr(shape, d)),
                5 => format!("({} / {})", self.expr(shape, d), self.positive((1, 1), d)),
                6 | 7 => {
                    let k = if self.chance(0.15) { 1 } else { self.size() };
                    format!(
                        "({} * {})",
                        self.expr((rows, k), d),
                        self.expr((k, cols), d)
                    )
                }
                8 => format!("({} .* {})", self.expr(shape, d), self.expr(shape, d)),
                9 => format!("({} ./ {})", self.expr(shape, d), self.positive(shape, d)),
                10 => format!("({})'", self.expr((cols, rows), d)),
                11 => format!("exp({})", self.bounded(shape, d)),
                12 => self.bounded(shape, d),
                13 => format!("log({})", self.positive(shape, d)),
                14 => format!("sqrt({})", self.positive(shape, d)),
                15 => format!(
                    "({} .^ {})",
                    self.leaf(shape),
                    ["2", "3"].choose(self.rng).expect("k")
                ),
                16 => format!("(({}) .^ (-1/2))", self.positive(shape, d)),
                17 if square => format!("inv({})", self.well_conditioned(rows, d)),
                18 if square => format!("({} ^ -1)", self.well_conditioned(rows, d)),
                19 if square => {
                    format!("(({}) ^ {})", self.expr(shape, d), self.rng.gen_range(2..4))
                }
                20 if square => format!("diag({})", self.expr((rows, 1), d)),
                20 if cols == 1 && rows > 1 => format!("diag({})", self.expr((rows, rows), d)),
                21 if square => format!("({} + {} * I)", self.expr(shape, d), self.leaf((1, 1))),
                21 if rows > 1 || cols > 1 => format!("({} - ones)", self.expr(shape, d)),
                22 if shape == (1, 1) => self.scalar_only(depth),
                23 => format!("(0 + {})", self.expr(shape, d)),
                // Scalar-by-array element-wise operations broadcast the scalar.
                24 if shape != (1, 1) => {
                    format!("({} .* {})", self.expr((1, 1), d), self.expr(shape, d))
                }
                25 if shape != (1, 1) => {
                    format!("({} ./ {})", self.expr((1, 1), d), self.positive(shape, d))
                }
                26 if shape != (1, 1) => {
                    format!("({} .* {})", self.expr(shape, d), self.leaf((1, 1)))
                }
                27 if shape != (1, 1) => {
                    format!("({} ./ {})", self.expr(shape, d), self.positive((1, 1), d))
                }
                // A scalar factor on the right of a product.
                28 if shape != (1, 1) => {
                    format!("({} * {})", self.expr(shape, d), self.expr((1, 1), d))
                }
                // Constants with their sizes written out (SPEC r2).
                29 if shape != (1, 1) => {
                    let constant = self.sized_constant(shape).expect("an array");
                    let scale = self.leaf((1, 1));
                    format!("({} + {scale} * {constant})", self.expr(shape, d))
                }
                // A bare identity whose size the other factor gives (a bare
                // `I` is never 1x1).
                30 if cols > 1 => format!("({} * I)", self.expr(shape, d)),
                // A sum taken by a row or column of ones of a written size.
                31 if shape == (1, 1) => {
                    let k = self.size();
                    let ones = format!("ones({})", self.size_text(k));
                    if self.chance(0.5) {
                        format!("({ones}' * {})", self.expr((k, 1), d))
                    } else {
                        format!("({}' * {ones})", self.expr((k, 1), d))
                    }
                }
                32 if square => format!("(({}) ^ (-2))", self.well_conditioned(rows, d)),
                _ => continue,
            };
            return text;
        }
    }

    fn result_name(&mut self, shape: Shape) -> String {
        let pool: &[&str] = match shape {
            (1, 1) => &SCALAR_RESULTS,
            (_, 1) => &VECTOR_RESULTS,
            _ => &MATRIX_RESULTS,
        };
        let free: Vec<&str> = pool
            .iter()
            .copied()
            .filter(|n| !self.statements.iter().any(|s| s.name == *n))
            .collect();
        free.choose(self.rng)
            .map_or_else(|| format!("T{}", self.statements.len()), |n| n.to_string())
    }
}

fn dimension_text(size: usize) -> String {
    NAMED_DIMENSIONS
        .iter()
        .find(|(_, s)| *s == size)
        .map_or(size.to_string(), |(n, _)| n.to_string())
}

fn declaration_type(input: &Input) -> String {
    let (rows, cols) = (dimension_text(input.shape.0), dimension_text(input.shape.1));
    match input.shape {
        (1, 1) => "scalar".into(),
        _ if input.symmetric => format!("symmetric({rows})"),
        (_, 1) => format!("vector({rows})"),
        _ => format!("matrix({rows}, {cols})"),
    }
}

/// The share of expression nodes drawn from r2's productions by default.
pub const R2_SHARE: f64 = 0.2;

/// A random program with at least one input; `scalar_output` asks for a
/// scalar last statement, `r2_share` is the chance that an expression node
/// is one of r2's forms (`R2_SHARE` by default; more to focus a campaign).
pub fn program(rng: &mut StdRng, scalar_output: bool, r2_share: f64) -> Program {
    loop {
        let program = draw(rng, scalar_output, r2_share);
        if !program.inputs.is_empty() {
            return program;
        }
    }
}

fn draw(rng: &mut StdRng, scalar_output: bool, r2_share: f64) -> Program {
    let mut sizes: Vec<usize> = NAMED_DIMENSIONS
        .iter()
        .map(|d| d.1)
        .chain([FIXED_SIZE])
        .collect();
    sizes.shuffle(rng);
    sizes.truncate(rng.gen_range(1..=3));
    let mut inputs = Vec::new();
    let mut vector_names = VECTOR_NAMES.to_vec();
    vector_names.shuffle(rng);
    for (&size, name) in sizes.iter().zip(&vector_names) {
        inputs.push((
            Input {
                name: name.to_string(),
                shape: (size, 1),
                symmetric: false,
                positive: rng.gen_bool(0.25),
            },
            rng.gen_bool(0.6),
        ));
    }
    let mut matrix_names = MATRIX_NAMES.to_vec();
    matrix_names.shuffle(rng);
    for name in matrix_names.iter().take(rng.gen_range(0..=3)) {
        let symmetric = rng.gen_bool(0.3);
        let rows = *sizes.choose(rng).expect("a size");
        let cols = if symmetric || rng.gen_bool(0.4) {
            rows
        } else {
            *sizes.choose(rng).expect("a size")
        };
        let declared = symmetric || rng.gen_bool(0.6);
        inputs.push((
            Input {
                name: name.to_string(),
                shape: (rows, cols),
                symmetric,
                positive: !symmetric && rng.gen_bool(0.15),
            },
            declared,
        ));
    }
    let mut scalar_names = SCALAR_NAMES.to_vec();
    scalar_names.shuffle(rng);
    for name in scalar_names.iter().take(rng.gen_range(0..=2)) {
        inputs.push((
            Input {
                name: name.to_string(),
                shape: (1, 1),
                symmetric: false,
                positive: rng.gen_bool(0.4),
            },
            rng.gen_bool(0.4),
        ));
    }
    let mut generator = Generator {
        rng,
        sizes,
        inputs,
        statements: Vec::new(),
        used: Vec::new(),
        declared_only: Vec::new(),
        r2_share,
    };
    let intermediates = generator.rng.gen_range(0..=3);
    for index in 0..=intermediates {
        let last = index == intermediates;
        // Short-circuit: a scalar output draws no chance, so seeds stay put.
        let scalar = (last && scalar_output) || generator.chance(0.3);
        let shape = if scalar {
            (1, 1)
        } else {
            let rows = generator.size();
            (
                rows,
                if generator.chance(0.4) {
                    1
                } else {
                    generator.size()
                },
            )
        };
        let depth = generator.rng.gen_range(1..=3);
        let expr = generator.expr(shape, depth);
        let bare = last && generator.chance(0.5);
        let name = if bare {
            "f".to_string()
        } else {
            generator.result_name(shape)
        };
        generator.statements.push(Statement { name, expr, shape });
    }
    let used_inputs: Vec<(Input, bool)> = generator
        .used
        .iter()
        .filter_map(|u| generator.inputs.iter().find(|(i, _)| &i.name == u).cloned())
        .collect();
    let mut lines = Vec::new();
    for (input, declared) in &used_inputs {
        if *declared {
            lines.push(format!("{}: {}", input.name, declaration_type(input)));
        }
    }
    for name in &generator.declared_only {
        if !generator.used.contains(name) {
            let (input, _) = generator
                .inputs
                .iter()
                .find(|(i, _)| &i.name == name)
                .expect("a candidate input");
            lines.push(format!("{}: {}", input.name, declaration_type(input)));
        }
    }
    for (index, s) in generator.statements.iter().enumerate() {
        let bare = index + 1 == generator.statements.len() && s.name == "f";
        lines.push(if bare {
            s.expr.clone()
        } else {
            format!("{} = {}", s.name, s.expr)
        });
    }
    let separator = if generator.rng.gen_bool(0.5) {
        "\n"
    } else {
        "; "
    };
    let mut text = lines.join(separator);
    if separator == "\n" && generator.rng.gen_bool(0.2) {
        text = format!("# a random program\n\n{text}  # its output\n");
    }
    Program {
        text,
        inputs: used_inputs.into_iter().map(|(i, _)| i).collect(),
        statements: generator.statements,
        dimensions: NAMED_DIMENSIONS
            .iter()
            .map(|(n, s)| (n.to_string(), *s))
            .collect(),
    }
}
