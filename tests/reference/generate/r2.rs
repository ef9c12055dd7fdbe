//! The productions of SPEC revision 2: numbers in scientific notation,
//! scalar broadcasting (`1 + x`, `A - alpha`), scalar exponents that are
//! expressions (`alpha ^ beta`, `x .^ (beta - 1)`, `det(S)^(-1/2)`) and the
//! element-wise functions `abs sign step relu sigmoid softplus log1p tan
//! asin acos atan sinh cosh`. Each keeps its operands in domain: powers with
//! a non-integer or variable exponent get positive bases, `asin`/`acos`
//! arguments within (-1/2, 1/2), `log1p` arguments above -1/2, `tan`
//! arguments within [-1, 1].

use super::{Generator, Shape};
use rand::seq::SliceRandom;
use rand::Rng;

/// Scientific notation, exact in the engine (1e-1 is 1/10): moderate
/// values, so that they scale without leaving the sampler's range.
const SCIENTIFIC: [&str; 6] = ["1e-1", "2.5E-1", "5e-1", "1.5e+0", "2E0", "2e+0"];

impl Generator<'_> {
    /// A scalar literal, sometimes in scientific notation.
    pub(super) fn number(&mut self) -> String {
        let pool: &[&str] = if self.chance(0.3) {
            &SCIENTIFIC
        } else {
            &["2", "3", "0.5", "1.5"]
        };
        pool.choose(self.rng).expect("a number").to_string()
    }

    /// An input marked positive of exactly this shape, if there is one.
    fn positive_input(&mut self, shape: Shape) -> Option<String> {
        let names: Vec<String> = self
            .inputs
            .iter()
            .filter(|(i, _)| i.positive && i.shape == shape)
            .map(|(i, _)| i.name.clone())
            .collect();
        let name = names.choose(self.rng)?.clone();
        Some(self.use_name(&name))
    }

    /// A vector input of this size (every size has one).
    fn vector_input(&mut self, size: usize) -> String {
        let names: Vec<String> = self
            .inputs
            .iter()
            .filter(|(i, _)| i.shape == (size, 1))
            .map(|(i, _)| i.name.clone())
            .collect();
        let name = names.choose(self.rng).expect("a vector input").clone();
        self.use_name(&name)
    }

    /// A scalar input, any sign, if there is one.
    fn scalar_input(&mut self) -> Option<String> {
        let names: Vec<String> = self
            .inputs
            .iter()
            .filter(|(i, _)| i.shape == (1, 1))
            .map(|(i, _)| i.name.clone())
            .collect();
        let name = names.choose(self.rng)?.clone();
        Some(self.use_name(&name))
    }

    /// An exponent as the grammar takes it after `^`/`.^` (a name, a call,
    /// a signed number or a parenthesised scalar), of moderate size so that
    /// a positive base's power stays in range.
    fn exponent(&mut self, depth: u32) -> String {
        match self.rng.gen_range(0..6) {
            0 | 1 => match self.scalar_input() {
                Some(name) if self.chance(0.5) => name,
                Some(name) => format!("({name} - 1)"),
                None => "0.5".into(),
            },
            2 => format!("tanh({})", self.expr((1, 1), depth)),
            3 => format!("({} / 2)", self.bounded((1, 1), depth)),
            _ => ["0.5", "1.5", "(-1/2)", "2.5E-1", "(1/3)", "-0.5", "-1.5"]
                .choose(self.rng)
                .expect("an exponent")
                .to_string(),
        }
    }

    /// Entry-wise in (-1/2, 1/2): arguments for asin, acos and log1p.
    fn small(&mut self, shape: Shape, depth: u32) -> String {
        let inner = self.expr(shape, depth);
        match self.rng.gen_range(0..3) {
            0 => format!("(tanh({inner}) / 2)"),
            1 => format!("(sin({inner}) / 3)"),
            // `- 1/2` on an array is a broadcast scalar.
            _ => format!("(sigmoid({inner}) - 1/2)"),
        }
    }

    /// A positive value with a fractional or variable power taken of it.
    fn positive_power(&mut self, shape: Shape, depth: u32) -> String {
        // The chance comes first: looking an input up marks it used.
        let input = if self.chance(0.5) {
            self.positive_input(shape)
        } else {
            None
        };
        let base = match input {
            Some(name) => name,
            None => format!("({})", self.positive(shape, depth)),
        };
        let exponent = self.exponent(depth);
        let operator = if shape == (1, 1) && self.chance(0.5) {
            "^"
        } else {
            ".^"
        };
        format!("({base} {operator} {exponent})")
    }

    /// Entry-wise positive values built with r2's language.
    pub(super) fn r2_positive(&mut self, shape: Shape, depth: u32) -> String {
        let scalar = shape == (1, 1);
        match self.rng.gen_range(0..9) {
            0 => match self.positive_input(shape) {
                Some(name) => name,
                None => format!("sigmoid({})", self.expr(shape, depth)),
            },
            1 => format!("sigmoid({})", self.expr(shape, depth)),
            2 => format!("softplus({})", self.expr(shape, depth)),
            3 => format!("cosh({})", self.bounded(shape, depth)),
            4 if self.chance(0.5) => format!("(1 + {})", self.positive(shape, depth)),
            4 => format!("({} + 1e-3)", self.positive(shape, depth)),
            5 => format!("(abs({}) + 1)", self.expr(shape, depth)),
            6 => self.positive_power(shape, depth),
            7 => format!("(2 - tanh({}))", self.expr(shape, depth)),
            _ if scalar => format!("2^({})", self.bounded(shape, depth)),
            _ => format!("exp(atan({}))", self.expr(shape, depth)),
        }
    }

    /// Scalars only r2 can write.
    pub(super) fn r2_scalar(&mut self, depth: u32) -> String {
        let scalar = (1, 1);
        match self.rng.gen_range(0..7) {
            0 => self.positive_power(scalar, depth),
            1 => {
                let base = self.positive(scalar, depth);
                let exponent = ["0.5", "1.5", "(-1/2)"].choose(self.rng).expect("k");
                format!("(({base})^{exponent})")
            }
            2 => {
                let k = self.size();
                format!("(det({})^(-1/2))", self.well_conditioned(k, depth))
            }
            // An input, not an earlier result: its values in [-1, 1] keep
            // the power moderate (2^(h' * h) of a large h overflows, and
            // its derivative is then 0 * inf in any correct form).
            3 if self.chance(0.5) => {
                let k = self.size();
                let x = self.vector_input(k);
                format!("(2^({x}' * {x} / {}))", self.size_text(k))
            }
            3 => format!("(2^{})", self.bounded(scalar, depth)),
            4 => {
                let k = self.size();
                let x = self.leaf((k, 1));
                format!("(({x}' * {x} + 1)^({}))", self.exponent(depth))
            }
            5 => match self.positive_input(scalar) {
                // `alpha ^ beta` as written in the SPEC: an input base.
                Some(base) => format!("({base} ^ {})", self.exponent(depth)),
                None => format!("(exp({}) ^ {})", self.leaf(scalar), self.exponent(depth)),
            },
            _ => {
                let shape = (self.size(), if self.chance(0.5) { 1 } else { self.size() });
                let f = ["abs", "relu", "sigmoid", "atan", "softplus"]
                    .choose(self.rng)
                    .expect("a function");
                format!("sum({f}({}))", self.expr(shape, depth))
            }
        }
    }

    /// An r2 production of this shape, or `None` if the drawn one does not
    /// fit it.
    pub(super) fn r2_expr(&mut self, shape: Shape, depth: u32) -> Option<String> {
        let array = shape != (1, 1);
        Some(match self.rng.gen_range(0..13) {
            // Broadcasting: a scalar expression or a number added to an array.
            0 if array => format!(
                "({} + {})",
                self.expr((1, 1), depth),
                self.expr(shape, depth)
            ),
            1 if array => format!(
                "({} - {})",
                self.expr(shape, depth),
                self.expr((1, 1), depth)
            ),
            2 if array => {
                let number = self.number();
                if self.chance(0.5) {
                    format!("({number} - {})", self.expr(shape, depth))
                } else {
                    format!("({} + {number})", self.expr(shape, depth))
                }
            }
            // Kinks: the derivative there is 0 by the SPEC; random points
            // miss them, and a finite difference across one is unstable, so
            // the judge redraws the point.
            3 => {
                let f = ["abs", "relu"].choose(self.rng).expect("a function");
                format!("{f}({})", self.expr(shape, depth))
            }
            4 => {
                let f = ["sign", "step"].choose(self.rng).expect("a function");
                let gate = format!("{f}({})", self.expr(shape, depth));
                if self.chance(0.3) {
                    gate
                } else {
                    format!("({gate} .* {})", self.expr(shape, depth))
                }
            }
            5 => {
                let f = ["sigmoid", "atan", "softplus"]
                    .choose(self.rng)
                    .expect("a function");
                format!("{f}({})", self.expr(shape, depth))
            }
            6 => {
                let f = ["tan", "sinh", "cosh"]
                    .choose(self.rng)
                    .expect("a function");
                format!("{f}({})", self.bounded(shape, depth))
            }
            7 if self.chance(0.5) => format!("log1p({})", self.small(shape, depth)),
            7 => format!("log1p({})", self.positive(shape, depth)),
            8 => {
                let f = ["asin", "acos"].choose(self.rng).expect("a function");
                format!("{f}({})", self.small(shape, depth))
            }
            9 => self.positive_power(shape, depth),
            // Scientific notation whose product is exactly 1/4.
            10 => format!("(2.5E+2 * 1e-3 * {})", self.expr(shape, depth)),
            11 if !array => self.r2_scalar(depth),
            12 if array => format!("({} .^ {})", self.expr(shape, depth), self.number_power()),
            _ => return None,
        })
    }

    /// An integer element-wise exponent, which takes bases of any sign.
    fn number_power(&mut self) -> &'static str {
        ["2", "3", "2E0"].choose(self.rng).expect("an exponent")
    }
}
