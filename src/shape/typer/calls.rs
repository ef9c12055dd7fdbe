//! Typing a function call: each function's shape rule, with the products
//! of sizes that `vec` and `kron` make.

use super::{Dims, Op, Typer};
use crate::ast::{Expr, Func};
use crate::error::{Error, Result};

impl Typer {
    /// The shape of `vec(A)` (mn×1) or `kron(A, B)` (mp×nq), for sizes
    /// named or fixed. A product's fixed part is bounded like a declared
    /// size, since `check` allocates at least that much.
    pub(super) fn product_of_sizes(
        &mut self,
        func: Func,
        args: &[Expr],
        dims: &[Dims],
    ) -> Result<Dims> {
        let (rows, cols) = match dims {
            [(rows, cols)] => (self.product(&[*rows, *cols]), self.one()),
            [(r1, c1), (r2, c2)] => (self.product(&[*r1, *r2]), self.product(&[*c1, *c2])),
            _ => unreachable!("vec takes one argument, kron two"),
        };
        let most = crate::limits::MAX_DECLARED_SIZE;
        if self.canonical(rows).least() > most || self.canonical(cols).least() > most {
            let shape = self.resolve_shape((rows, cols));
            return Err(Error::input(
                format!(
                    "`{}` here is {shape}; a size above {most} is not accepted, as in a declaration",
                    func.name()
                ),
                args[0].span.join(args[args.len() - 1].span),
            ));
        }
        Ok((rows, cols))
    }

    pub(super) fn call(
        &mut self,
        func: Func,
        expr: &Expr,
        args: &[Expr],
        dims: &[Dims],
    ) -> Result<Dims> {
        let (arg, d) = (&args[0], dims[0]);
        let what = format!("`{}`", func.name());
        match func {
            Func::Inv => {
                self.require_square(d, arg, &what)?;
                Ok(d)
            }
            Func::Tr | Func::Det | Func::Logdet => {
                self.require_square(d, arg, &what)?;
                Ok(self.scalar())
            }
            Func::Inner => {
                if self.unify_shapes(d, dims[1]).is_err() {
                    return Err(Error::input(
                        format!(
                            "`inner` needs two values of the same shape, but `{}` is {} and `{}` is {}",
                            args[0],
                            self.describe(d),
                            args[1],
                            self.describe(dims[1])
                        ),
                        expr.at,
                    ));
                }
                Ok(self.scalar())
            }
            Func::Sum | Func::Norm | Func::Norm1 | Func::Logsumexp => Ok(self.scalar()),
            Func::Vec | Func::Kron => self.product_of_sizes(func, args, dims),
            Func::Solve => {
                let (b, db) = (&args[1], dims[1]);
                if self.is_scalar(d) {
                    return Ok(db);
                }
                self.require_square(d, arg, &what)?;
                if self.unify(d.1, db.0).is_err() {
                    return Err(Error::input(
                        format!(
                            "`solve` needs as many rows in `{b}` as `{arg}` has, but `{arg}` is {} and `{b}` is {}",
                            self.describe(d),
                            self.describe(db)
                        ),
                        expr.at,
                    ));
                }
                Ok((d.0, db.1))
            }
            Func::Softmax => {
                let one = self.one();
                if self.unify(d.1, one).is_err() {
                    return Err(Error::input(
                        format!(
                            "`softmax` needs a column vector, but `{arg}` is {}",
                            self.describe(d)
                        ),
                        arg.span,
                    ));
                }
                Ok(d)
            }
            Func::Diag => {
                if self.is_scalar(d) {
                    Ok(d)
                } else if self.is_one(d.1) && self.cannot_be_one(d.0) {
                    Ok((d.0, d.0))
                } else if self.is_one(d.0) && self.cannot_be_one(d.1) {
                    Ok((d.1, d.1))
                } else if self.cannot_be_one(d.0) && self.cannot_be_one(d.1) {
                    self.require_square(d, arg, &what)?;
                    Ok((d.0, self.one()))
                } else {
                    self.decide(Op::Diag, d, d, None, arg.span, arg, arg)
                }
            }
            _ => Ok(d),
        }
    }
}
