//! Dimensions: 1, a fixed size, a named size, and products of these, which
//! `vec` and `kron` make (`vec(A)` of an m×n matrix has m*n rows).
//!
//! A product is kept canonical — a fixed size times a sorted list of named
//! factors — so that `m*n` and `n*m` are the same dimension and equality of
//! dimensions stays structural.

use std::fmt;
use std::sync::Arc;

/// One resolved dimension of a shape.
///
/// ```
/// use matdiff::ast::{dim_product, Dim};
/// assert_eq!(Dim::Named("n".into()).to_string(), "n");
/// let (m, n) = (Dim::Named("m".into()), Dim::Named("n".into()));
/// assert_eq!(dim_product(&n, &m).to_string(), "m*n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// The dimension 1 of scalars and vectors.
    One,
    /// A named dimension: declared (`n`) or inferred (`rows(A)`). Shared,
    /// so that copying a shape, which every stage does, copies no text.
    Named(Arc<str>),
    /// A fixed size from a declaration such as `matrix(3, 4)`.
    Size(u64),
    /// A product with at least one named factor, such as `m*n` or `2*n`;
    /// made only by [`Dim::from_factors`] and [`dim_product`], which keep it
    /// canonical.
    Product(DimProduct),
}

/// The canonical form of a product of dimensions: a fixed size times named
/// factors in sorted order, with either two factors or more, or one factor
/// and a fixed size above 1 (`1*n` is `n`, `2*3` is `6`, neither a product).
///
/// ```
/// use matdiff::ast::Dim;
/// let Dim::Product(p) = Dim::from_factors(2, vec!["n".into()]) else { panic!() };
/// assert_eq!((p.size(), p.names().len()), (2, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DimProduct {
    size: u64,
    names: Arc<[Arc<str>]>,
}

impl DimProduct {
    /// The fixed part of the product (1 when all its factors are named).
    ///
    /// ```
    /// use matdiff::ast::Dim;
    /// let Dim::Product(p) = Dim::from_factors(1, vec!["m".into(), "n".into()]) else { panic!() };
    /// assert_eq!(p.size(), 1);
    /// ```
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The named factors, sorted, a name repeated as often as it occurs.
    ///
    /// ```
    /// use matdiff::ast::Dim;
    /// let Dim::Product(p) = Dim::from_factors(1, vec!["n".into(), "m".into()]) else { panic!() };
    /// assert_eq!(&*p.names()[0], "m");
    /// ```
    pub fn names(&self) -> &[Arc<str>] {
        &self.names
    }
}

impl Dim {
    /// The canonical dimension `size` times the product of `names`: 1, a
    /// fixed size, a name, or a [`Dim::Product`]. A size too large for a
    /// number saturates (the typer refuses sizes above
    /// [`crate::limits::MAX_DECLARED_SIZE`] long before).
    ///
    /// ```
    /// use matdiff::ast::Dim;
    /// assert_eq!(Dim::from_factors(1, vec![]), Dim::One);
    /// assert_eq!(Dim::from_factors(6, vec![]), Dim::Size(6));
    /// assert_eq!(Dim::from_factors(1, vec!["n".into()]), Dim::Named("n".into()));
    /// assert_eq!(
    ///     Dim::from_factors(1, vec!["n".into(), "m".into()]),
    ///     Dim::from_factors(1, vec!["m".into(), "n".into()]),
    /// );
    /// ```
    pub fn from_factors(size: u64, mut names: Vec<Arc<str>>) -> Dim {
        names.sort();
        match (size, names.len()) {
            (1, 0) => Dim::One,
            (_, 0) => Dim::Size(size),
            (1, 1) => Dim::Named(names.remove(0)),
            _ => Dim::Product(DimProduct {
                size,
                names: names.into(),
            }),
        }
    }

    /// The fixed part and the named factors of this dimension: (1, []) for
    /// 1, (k, []) for a size k, (1, [n]) for a name n.
    ///
    /// ```
    /// use matdiff::ast::Dim;
    /// assert_eq!(Dim::Size(4).factors(), (4, vec![]));
    /// assert_eq!(Dim::Named("n".into()).factors(), (1, vec!["n".into()]));
    /// ```
    pub fn factors(&self) -> (u64, Vec<Arc<str>>) {
        match self {
            Dim::One => (1, Vec::new()),
            Dim::Size(k) => (*k, Vec::new()),
            Dim::Named(name) => (1, vec![name.clone()]),
            Dim::Product(p) => (p.size, p.names.to_vec()),
        }
    }

    /// This dimension's size, given the size of each named dimension;
    /// saturating rather than overflowing.
    ///
    /// ```
    /// use matdiff::ast::{dim_product, Dim};
    /// let mn = dim_product(&Dim::Named("m".into()), &Dim::Named("n".into()));
    /// let size = |d: &Dim| if *d == Dim::Named("m".into()) { 3 } else { 4 };
    /// assert_eq!(mn.size_with(&size), 12);
    /// assert_eq!(Dim::Size(5).size_with(&size), 5);
    /// ```
    pub fn size_with(&self, named: &dyn Fn(&Dim) -> usize) -> usize {
        let (size, names) = self.factors();
        names.into_iter().fold(
            usize::try_from(size).unwrap_or(usize::MAX),
            |total, name| total.saturating_mul(named(&Dim::Named(name))),
        )
    }

    /// True for a product of named dimensions (`m*n`, `2*n`).
    ///
    /// ```
    /// use matdiff::ast::{dim_product, Dim};
    /// assert!(dim_product(&Dim::Size(2), &Dim::Named("n".into())).is_product());
    /// assert!(!Dim::Named("n".into()).is_product());
    /// ```
    pub fn is_product(&self) -> bool {
        matches!(self, Dim::Product(_))
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::One => f.write_str("1"),
            Dim::Named(name) => f.write_str(name),
            Dim::Size(size) => write!(f, "{size}"),
            Dim::Product(p) => {
                let mut factors: Vec<String> = Vec::new();
                if p.size != 1 {
                    factors.push(p.size.to_string());
                }
                factors.extend(p.names.iter().map(|n| n.to_string()));
                f.write_str(&factors.join("*"))
            }
        }
    }
}

/// The product of two dimensions, canonical: `n*m` is `m*n`, `1*n` is `n`,
/// `2*3` is `6`.
///
/// ```
/// use matdiff::ast::{dim_product, Dim};
/// assert_eq!(dim_product(&Dim::Size(2), &Dim::Size(3)), Dim::Size(6));
/// assert_eq!(dim_product(&Dim::One, &Dim::Size(3)), Dim::Size(3));
/// let (m, n) = (Dim::Named("m".into()), Dim::Named("n".into()));
/// assert_eq!(dim_product(&m, &n), dim_product(&n, &m));
/// assert_eq!(dim_product(&dim_product(&m, &n), &Dim::Size(2)).to_string(), "2*m*n");
/// ```
pub fn dim_product(a: &Dim, b: &Dim) -> Dim {
    let ((x, mut names), (y, more)) = (a.factors(), b.factors());
    names.extend(more);
    Dim::from_factors(x.saturating_mul(y), names)
}
