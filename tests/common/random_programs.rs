//! Random well-typed programs over vectors, square matrices and scalars,
//! for tests that compare derivatives of many programs with differences.

use rand::rngs::StdRng;
use rand::Rng;

/// Random well-typed expressions: vectors of length n, n×n matrices and
/// scalars, over inputs x, y (vectors) and a, b (scalars) and constants A
/// (n×n), E (m×n) and c (n).
pub struct Programs {
    rng: StdRng,
    /// True once `u` is assigned, so expressions may use it.
    assigned: bool,
}

impl Programs {
    pub fn new(rng: StdRng) -> Programs {
        Programs {
            rng,
            assigned: false,
        }
    }

    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.rng.gen_range(0..options.len())]
    }

    pub fn vector(&mut self, depth: u32) -> String {
        if depth == 0 || self.rng.gen_bool(0.25) {
            let leaves: &[&str] = if self.assigned {
                &["x", "y", "u", "c"]
            } else {
                &["x", "y", "x", "c"]
            };
            return self.pick(leaves).to_string();
        }
        let d = depth - 1;
        let body = match self.rng.gen_range(0..13) {
            0 => format!("A * {}", self.vector(d)),
            1 => format!("{} .* {}", self.vector(d), self.vector(d)),
            2 => format!(
                "{}({})",
                self.pick(&["exp", "sin", "tanh", "cos"]),
                self.vector(d)
            ),
            3 => format!("{} * {}", self.scalar(d), self.vector(d)),
            4 => format!("({} + {})", self.vector(d), self.vector(d)),
            5 => format!("({} - {})", self.vector(d), self.vector(d)),
            6 => format!("diag({})", self.matrix(d)),
            7 => format!("{} * {}", self.matrix(d), self.vector(d)),
            8 => format!("{} ./ (2 * ones + sin({}))", self.vector(d), self.vector(d)),
            9 => format!("{} .^ {}", self.vector(d), self.pick(&["2", "3"])),
            10 => format!("({}' * {})'", self.vector(d), self.matrix(d)),
            11 => format!("{} / (2 + sin({}))", self.vector(d), self.scalar(d)),
            _ => format!("E' * tanh(E * {})", self.vector(d)),
        };
        format!("({body})")
    }

    pub fn matrix(&mut self, depth: u32) -> String {
        if depth == 0 || self.rng.gen_bool(0.2) {
            return self.pick(&["A", "diag(x)", "(x * y')", "A'"]).to_string();
        }
        let d = depth - 1;
        let body = match self.rng.gen_range(0..9) {
            0 => format!("diag({})", self.vector(d)),
            1 => format!("{} * {}'", self.vector(d), self.vector(d)),
            2 => format!("{} * {}", self.matrix(d), self.matrix(d)),
            3 => format!("({})'", self.matrix(d)),
            4 => format!("{} * {}", self.scalar(d), self.matrix(d)),
            5 => format!("{} .* {}", self.matrix(d), self.matrix(d)),
            6 => format!("{}({})", self.pick(&["sin", "tanh", "cos"]), self.matrix(d)),
            7 => format!("({} + {})", self.matrix(d), self.matrix(d)),
            _ => format!("inv(I + {} * {}')", self.vector(d), self.vector(d)),
        };
        format!("({body})")
    }

    pub fn scalar(&mut self, depth: u32) -> String {
        if depth == 0 || self.rng.gen_bool(0.2) {
            return self.pick(&["a", "b", "a"]).to_string();
        }
        let d = depth - 1;
        let body = match self.rng.gen_range(0..16) {
            0 => format!("{}' * {}", self.vector(d), self.vector(d)),
            1 => format!(
                "{}' * {} * {}",
                self.vector(d),
                self.matrix(d),
                self.vector(d)
            ),
            2 => format!("sum({})", self.vector(d)),
            3 => format!("norm({})", self.vector(d)),
            4 => format!("tr({})", self.matrix(d)),
            5 => format!("inner({}, {})", self.matrix(d), self.matrix(d)),
            6 => format!("{} * {}", self.scalar(d), self.scalar(d)),
            7 => format!("{}({})", self.pick(&["exp", "sin", "tanh"]), self.scalar(d)),
            8 => format!("logdet(A' * diag(exp({})) * A)", self.vector(d)),
            9 => format!("({} + {})", self.scalar(d), self.scalar(d)),
            10 => format!("{} / (2 + sin({}))", self.scalar(d), self.scalar(d)),
            11 => format!("sum({})", self.matrix(d)),
            12 => format!("norm(E * {})", self.vector(d)),
            13 => format!("log(1 + exp({}))", self.scalar(d)),
            14 => format!("{}^{}", self.scalar(d), self.pick(&["2", "3"])),
            _ => format!("norm({}')", self.vector(d)),
        };
        format!("({body})")
    }

    /// A scalar program, sometimes through an assignment, and the inputs
    /// to differentiate in.
    pub fn program(&mut self) -> (String, String) {
        self.program_of(|p| p.scalar(3))
    }

    /// A program whose output `output` makes, sometimes through an
    /// assignment, and the inputs (vectors x, y and scalars a, b) it uses.
    pub fn program_of(&mut self, output: impl Fn(&mut Self) -> String) -> (String, String) {
        let header = "x, y, c: vector(n); A: matrix(n, n); E: matrix(m, n); a, b: scalar";
        self.assigned = false;
        let body = if self.rng.gen_bool(0.3) {
            let u = self.vector(2);
            self.assigned = true;
            format!("u = {u}; f = {}", output(self))
        } else {
            format!("f = {}", output(self))
        };
        let program = format!("{header}; {body}");
        let used: Vec<&str> = ["x", "y", "a", "b"]
            .into_iter()
            .filter(|name| {
                body.split(|ch: char| !ch.is_alphanumeric())
                    .any(|word| word == *name)
            })
            .collect();
        (program, used.join(","))
    }
}
