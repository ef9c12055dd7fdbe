//! Products of dimensions in the union–find: the rows of `vec(A)` and the
//! sizes of `kron(A, B)` over any sizes, named or fixed.
//!
//! A product variable holds its factors' variables, so that a factor
//! inferred later (`rows(B)` found to be `p`) shows in the product. Two
//! products are the same dimension when their canonical forms — a fixed
//! size times a sorted list of factors — agree; where they differ by one
//! factor still free on one side, that factor is the rest of the other
//! (`m*rows(B)` against `m*p` makes `rows(B)` = `p`). Anything else is a
//! mismatch, as two distinct named dimensions are.

use super::{Bound, Typer};
use crate::ast::Dim;
use std::sync::Arc;

/// One factor of a product's canonical form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Factor {
    /// A named dimension.
    Named(String),
    /// A variable nothing has fixed yet, by its root.
    Free(usize),
}

/// A product in canonical form: `size` times the sorted `factors`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Canonical {
    size: u64,
    factors: Vec<Factor>,
}

impl Canonical {
    /// A lower bound of the size: its fixed part.
    pub(super) fn least(&self) -> u64 {
        self.size
    }
}

/// Removes what `a` and `b` have in common, both factors and size.
fn cancel(a: &Canonical, b: &Canonical) -> (Canonical, Canonical) {
    let mut rest_b = b.factors.clone();
    let mut rest_a = Vec::new();
    for factor in &a.factors {
        match rest_b.iter().position(|f| f == factor) {
            Some(at) => {
                rest_b.remove(at);
            }
            None => rest_a.push(factor.clone()),
        }
    }
    let common = gcd(a.size, b.size).max(1);
    (
        Canonical {
            size: a.size / common,
            factors: rest_a,
        },
        Canonical {
            size: b.size / common,
            factors: rest_b,
        },
    )
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// How two dimensions of which one is a product can be unified.
pub(super) enum Match {
    /// They are the same dimension already.
    Equal,
    /// They are once the free variable is made the rest.
    Binding(usize, Canonical),
}

impl Typer {
    /// The canonical form of a variable's dimension.
    pub(super) fn canonical(&mut self, id: usize) -> Canonical {
        let root = self.find(id);
        match self.bound[root].clone() {
            Some(Bound::One) => Canonical {
                size: 1,
                factors: Vec::new(),
            },
            Some(Bound::Size(k)) => Canonical {
                size: k,
                factors: Vec::new(),
            },
            Some(Bound::Named(name)) => Canonical {
                size: 1,
                factors: vec![Factor::Named(name)],
            },
            None => Canonical {
                size: 1,
                factors: vec![Factor::Free(root)],
            },
            Some(Bound::Product(ids)) => {
                let mut out = Canonical {
                    size: 1,
                    factors: Vec::new(),
                };
                for id in ids {
                    let part = self.canonical(id);
                    out.size = out.size.saturating_mul(part.size);
                    out.factors.extend(part.factors);
                }
                out.factors.sort();
                out
            }
        }
    }

    /// A variable for the product of these variables' dimensions: 1, a
    /// fixed size, a factor itself, or a product variable.
    pub(super) fn product(&mut self, ids: &[usize]) -> usize {
        let mut canonical = Canonical {
            size: 1,
            factors: Vec::new(),
        };
        for &id in ids {
            let part = self.canonical(id);
            canonical.size = canonical.size.saturating_mul(part.size);
            canonical.factors.extend(part.factors);
        }
        canonical.factors.sort();
        self.variable_of(&canonical)
    }

    /// A variable with this canonical form.
    fn variable_of(&mut self, canonical: &Canonical) -> usize {
        match (canonical.size, &canonical.factors[..]) {
            (1, []) => self.one(),
            (k, []) => self.bound_var(Bound::Size(k)),
            (1, [Factor::Named(name)]) => self.known(&Dim::Named(name.as_str().into())),
            (1, [Factor::Free(root)]) => *root,
            (k, factors) => {
                let mut ids: Vec<usize> = factors
                    .iter()
                    .map(|factor| match factor {
                        Factor::Named(name) => self.known(&Dim::Named(name.as_str().into())),
                        Factor::Free(root) => *root,
                    })
                    .collect();
                if k != 1 {
                    ids.push(self.bound_var(Bound::Size(k)));
                }
                self.bound_var(Bound::Product(ids))
            }
        }
    }

    /// Whether a root is bound to a product.
    pub(super) fn is_product_root(&self, root: usize) -> bool {
        matches!(self.bound[root], Some(Bound::Product(_)))
    }

    /// How roots `a` and `b`, one of them a product, unify, if they can.
    pub(super) fn product_match(&mut self, a: usize, b: usize) -> Option<Match> {
        let (ka, kb) = (self.canonical(a), self.canonical(b));
        if ka == kb {
            return Some(Match::Equal);
        }
        let (ra, rb) = cancel(&ka, &kb);
        for (free, rest) in [(&ra, &rb), (&rb, &ra)] {
            if let (1, [Factor::Free(root)]) = (free.size, &free.factors[..]) {
                let rest_is_one = rest.size == 1 && rest.factors.is_empty();
                if !rest_is_one || self.may_be_one[*root] {
                    return Some(Match::Binding(*root, rest.clone()));
                }
            }
        }
        None
    }

    /// Makes the free root `root` the dimension `rest`; false if it cannot.
    pub(super) fn bind_free(&mut self, root: usize, rest: &Canonical) -> bool {
        let id = self.variable_of(rest);
        self.unify(root, id).is_ok()
    }

    /// The resolved dimension of a product root.
    pub(super) fn resolve_product(&mut self, root: usize) -> Dim {
        let canonical = self.canonical(root);
        let names: Vec<Arc<str>> = canonical
            .factors
            .iter()
            .map(|factor| match factor {
                Factor::Named(name) => name.as_str().into(),
                Factor::Free(root) => self.label[*root].as_str().into(),
            })
            .collect();
        Dim::from_factors(canonical.size, names)
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::{Dim, Shape};
    use crate::shape::analyze_source;

    fn shape_of(program: &str, name: &str) -> String {
        let model = analyze_source(program).unwrap_or_else(|e| panic!("{program}: {e:?}"));
        model.env.var(name).unwrap().shape.to_string()
    }

    #[test]
    fn kron_and_vec_multiply_named_and_fixed_sizes() {
        let kron = "A: matrix(m, n); B: matrix(p, q); C = kron(A, B)";
        assert_eq!(shape_of(kron, "C"), "(m*p)×(n*q)");
        assert_eq!(shape_of("A: matrix(m, n); v = vec(A)", "v"), "(m*n)×1");
        assert_eq!(shape_of("A: matrix(2, 3); v = vec(A)", "v"), "6×1");
        assert_eq!(shape_of("A: matrix(2, n); v = vec(A)", "v"), "(2*n)×1");
        // A factor of 1 leaves the other: kron(x, A) of a column x.
        let column = "x: vector(p); A: matrix(m, n); C = kron(x, A)";
        assert_eq!(shape_of(column, "C"), "(m*p)×n");
    }

    #[test]
    fn products_are_equal_whatever_the_order_of_their_factors() {
        let program = "A: matrix(m, n); B: matrix(p, q); C = kron(A, B) + kron(B, A)";
        assert_eq!(shape_of(program, "C"), "(m*p)×(n*q)");
    }

    #[test]
    fn a_free_factor_becomes_the_rest_of_the_other_product() {
        let program = "A: matrix(m, n); B: matrix(p, q); C = kron(A, B) + kron(A, E)";
        assert_eq!(shape_of(program, "E"), "p×q");
        // A vector met by a product takes the product as its length.
        assert_eq!(shape_of("A: matrix(m, n); f = y' * vec(A)", "y"), "(m*n)×1");
        // And a factor inferred later shows in the product.
        let later = "C = kron(A, B); D = C * z; B: matrix(p, q); A: matrix(m, n)";
        assert_eq!(shape_of(later, "C"), "(m*p)×(n*q)");
    }

    #[test]
    fn a_product_never_meets_a_distinct_dimension() {
        for program in [
            "A: matrix(m, n); x: vector(p); f = x' * vec(A)",
            "A: matrix(m, n); x: vector(m); y = vec(A) + x",
            // A vector is never its own product with another length.
            "z = kron(x, y) + x",
            "A: matrix(m, n); B: matrix(p, q); C = kron(A, B) + kron(B, B)",
        ] {
            assert!(analyze_source(program).is_err(), "{program}");
        }
    }

    #[test]
    fn the_fixed_part_of_a_product_is_bounded_like_a_declared_size() {
        let err = analyze_source("A: matrix(20, n); C = kron(A, A)").unwrap_err();
        assert!(err.message.contains("a size above 200"), "{}", err.message);
    }

    #[test]
    fn written_products_read_back_in_any_order() {
        let model = analyze_source("A: matrix(m, n); v = vec(A)").unwrap();
        let v = model.env.var("v").unwrap().shape.clone();
        let square = Shape::new(v.rows.clone(), v.rows.clone());
        for text in ["I(m*n)", "I(n*m)", "I(rows(A)*cols(A))"] {
            let parsed = crate::parse::parse_expr(text).unwrap();
            let read = model.read(&parsed, &square);
            assert!(read.is_ok(), "{text}: {read:?}");
        }
        let column = crate::parse::parse_expr("ones(n*m)").unwrap();
        assert!(model.read(&column, &v).is_ok());
        let wrong = crate::parse::parse_expr("I(m*m)").unwrap();
        assert!(model.read(&wrong, &square).is_err());
        assert!(v.rows.is_product() && v.cols == Dim::One);
    }
}
