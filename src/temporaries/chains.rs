//! Products the lines share in part. Each line is simplified on its own,
//! so a product is associated for that line alone: the gradient of
//! `tr(A1 * … * Ak)` is k rotations of one product, k² matrix products
//! where prefix and suffix products need about 3k. Here every maximal
//! product of the lines is read as a chain of factors and associated again
//! by the classic matrix-chain order, except that a sub-product an earlier
//! chain has already computed costs nothing; a sub-product used twice or
//! more becomes a temporary. The new lines are kept only when they cost
//! clearly fewer flops than the old.

use crate::ast::{BinOp, Expr, ExprKind, Name, Shape};
use crate::cost::{flops_all, product_flops};
use crate::first_order::Line;
use crate::shape::{Env, Model};
use std::collections::{HashMap, HashSet};

/// The new lines must cost at most this share of the old: a small saving
/// does not pay for the temporaries a reader has to follow.
const WORTH_IT: f64 = 0.95;

/// Chains are associated again only while the sum of their lengths cubed
/// (the matrix-chain search's work) stays under this.
const SEARCHED_WORK: usize = 20_000_000;

/// A provisional name prefix no name of the language can start with.
const PROVISIONAL: &str = "chain·";

/// The lines with the products they share in part computed once, the
/// program extended with the temporaries' names, and whether it named
/// any; unchanged when that does not pay.
pub(super) fn share_products(lines: Vec<Line>, model: Model) -> (Vec<Line>, Model, bool) {
    let results: HashSet<Name> = super::result_names(&lines).into_iter().cloned().collect();
    let mut chains = Chains::new(&model, &results);
    for line in &lines {
        chains.collect(&line.expr);
    }
    if !chains.worth_searching() {
        return (lines, model, false);
    }
    let forward: Vec<usize> = (0..chains.chains.len()).collect();
    let backward: Vec<usize> = forward.iter().rev().copied().collect();
    // The search is greedy, chain after chain, and for square factors every
    // order costs the same: which of the orders is later shared depends on
    // the order chains are met in and on how ties fall. Each way is tried.
    let plan = [
        (&forward, true),
        (&forward, false),
        (&backward, true),
        (&backward, false),
    ]
    .into_iter()
    .map(|(order, left_first)| chains.plan(order, left_first))
    .min_by(|a, b| a.flops.total_cmp(&b.flops))
    .expect("four plans");
    let mut builder = Builder {
        chains: &chains,
        plan: &plan,
        model: model.clone(),
        named: HashMap::new(),
        temporaries: Vec::new(),
        factors: HashMap::new(),
    };
    let rewritten: Vec<Line> = lines
        .iter()
        .map(|line| Line {
            expr: builder.rewrite(&line.expr),
            ..line.clone()
        })
        .collect();
    if builder.temporaries.is_empty() {
        return (lines, model, false);
    }
    let cost = |lines: &[Line], model: &Model| {
        flops_all(
            &lines.iter().map(|l| &l.expr).collect::<Vec<_>>(),
            &model.env,
        )
    };
    let arranged = arrange(rewritten, builder.temporaries);
    if cost(&arranged, &builder.model) < WORTH_IT * cost(&lines, &model) {
        (arranged, builder.model, true)
    } else {
        (lines, model, false)
    }
}

/// The factors of `expr` when it is a chain of matrix products (`a * b * c`
/// → a, b, c), each factor's columns the next one's rows, so that every
/// order of the products is defined. A product with a scalar side (a
/// scaling, `2 * A`, `(x' * y) * B`) is a factor, not a chain: read as a
/// chain, `w' * w * z` could be reordered into `w' * (w * z)`.
fn product_factors<'e>(expr: &'e Expr, env: &Env) -> Option<Vec<&'e Expr>> {
    fn matrix_product<'e>(expr: &'e Expr, env: &Env) -> Option<(&'e Expr, &'e Expr)> {
        match &expr.kind {
            ExprKind::Binary(BinOp::Mul, a, b)
                if !env.shape(a).is_scalar() && !env.shape(b).is_scalar() =>
            {
                Some((a, b))
            }
            _ => None,
        }
    }
    fn flatten<'e>(expr: &'e Expr, env: &Env, out: &mut Vec<&'e Expr>) {
        match matrix_product(expr, env) {
            Some((a, b)) => {
                flatten(a, env, out);
                flatten(b, env, out);
            }
            None => out.push(expr),
        }
    }
    matrix_product(expr, env)?;
    let mut out = Vec::new();
    flatten(expr, env, &mut out);
    let chained = out
        .windows(2)
        .all(|pair| env.shape(pair[0]).cols == env.shape(pair[1]).rows);
    chained.then_some(out)
}

/// Every maximal product of the lines, as a chain of factor ids.
struct Chains<'a> {
    model: &'a Model,
    results: &'a HashSet<Name>,
    /// The factors by id, as written in the lines.
    factors: Vec<Expr>,
    shapes: Vec<Shape>,
    /// A factor mentions a result: a product containing it cannot be a
    /// temporary, which is printed before the results.
    mentions_result: Vec<bool>,
    /// The id of each factor's transpose.
    transposed: Vec<u32>,
    ids: HashMap<Expr, u32>,
    /// The products in the order met, inner products before the product
    /// whose factor they are.
    chains: Vec<Vec<u32>>,
}

/// A sub-product a plan computes: the length of its left part, and how
/// many products (or lines) use it.
struct Entry {
    left: usize,
    uses: usize,
}

/// Which sub-products to compute and how each is split, and their flops.
struct Plan {
    computed: HashMap<Vec<u32>, Entry>,
    flops: f64,
}

impl<'a> Chains<'a> {
    fn new(model: &'a Model, results: &'a HashSet<Name>) -> Chains<'a> {
        Chains {
            model,
            results,
            factors: Vec::new(),
            shapes: Vec::new(),
            mentions_result: Vec::new(),
            transposed: Vec::new(),
            ids: HashMap::new(),
            chains: Vec::new(),
        }
    }

    /// The chain of the transpose of the product of `chain`: its factors
    /// transposed, in reverse order.
    fn transpose(&self, chain: &[u32]) -> Vec<u32> {
        chain
            .iter()
            .rev()
            .map(|id| self.transposed[*id as usize])
            .collect()
    }

    fn collect(&mut self, expr: &Expr) {
        match product_factors(expr, &self.model.env) {
            Some(factors) => {
                let ids = factors
                    .into_iter()
                    .map(|factor| {
                        self.collect(factor);
                        self.intern(factor)
                    })
                    .collect();
                self.chains.push(ids);
            }
            None => {
                for child in expr.children() {
                    self.collect(child);
                }
            }
        }
    }

    // An `Expr` caches its shape in a cell, but its hash and equality are
    // those of its tree alone, so it is a sound key.
    #[allow(clippy::mutable_key_type)]
    fn intern(&mut self, factor: &Expr) -> u32 {
        if let Some(id) = self.ids.get(factor) {
            return *id;
        }
        let transposed = match &factor.kind {
            ExprKind::Transpose(inner) => (**inner).clone(),
            _ if self.model.env.shape(factor).is_scalar() => factor.clone(),
            _ => Expr::transpose(factor.clone()),
        };
        let id = self.add_factor(factor);
        let transposed_id = match self.ids.get(&transposed) {
            Some(t) => *t,
            None => self.add_factor(&transposed),
        };
        self.transposed[id as usize] = transposed_id;
        self.transposed[transposed_id as usize] = id;
        id
    }

    #[allow(clippy::mutable_key_type)]
    fn add_factor(&mut self, factor: &Expr) -> u32 {
        let id = self.factors.len() as u32;
        self.factors.push(factor.clone());
        self.shapes.push(self.model.env.shape(factor));
        let results = self.results;
        self.mentions_result
            .push(factor.mentions(&|n| results.contains(n)));
        self.transposed.push(id);
        self.ids.insert(factor.clone(), id);
        id
    }

    /// Whether some pair of neighbouring factors occurs twice (else there
    /// is nothing to share) and the search is small enough.
    fn worth_searching(&self) -> bool {
        let work: usize = self.chains.iter().map(|c| c.len().pow(3)).sum();
        if work > SEARCHED_WORK {
            return false;
        }
        // A pair and its transpose are one pair: `B' C` in one line and
        // `C' B` in another share the product.
        let mut pairs = HashSet::new();
        self.chains.iter().flat_map(|c| c.windows(2)).any(|pair| {
            let transposed = self.transpose(pair);
            !pairs.insert(pair.to_vec().min(transposed))
        })
    }

    /// The sub-products to compute, chain after chain in `order`: each
    /// chain associated for the fewest flops given what the chains before
    /// it computed; of equally cheap splits, the last (`left_first`, which
    /// multiplies from the left) or the first.
    fn plan(&self, order: &[usize], left_first: bool) -> Plan {
        let mut plan = Plan {
            computed: HashMap::new(),
            flops: 0.0,
        };
        for &index in order {
            let chain = &self.chains[index];
            let best = self.cheapest_order(chain, &plan.computed, left_first);
            best.commit(self, chain, 0, chain.len(), &mut plan);
        }
        plan
    }

    /// The matrix-chain order of `chain`, a computed sub-product free.
    fn cheapest_order(
        &self,
        chain: &[u32],
        computed: &HashMap<Vec<u32>, Entry>,
        left_first: bool,
    ) -> Order {
        let n = chain.len();
        let at = |i: usize, j: usize| i * (n + 1) + j;
        let mut order = Order {
            n,
            flops: vec![0.0; (n + 1) * (n + 1)],
            split: vec![0; (n + 1) * (n + 1)],
            shapes: vec![Shape::scalar(); (n + 1) * (n + 1)],
        };
        for (i, id) in chain.iter().enumerate() {
            order.shapes[at(i, i + 1)] = self.shapes[*id as usize].clone();
        }
        for length in 2..=n {
            for i in 0..=n - length {
                let j = i + length;
                let shape = order.shapes[at(i, j - 1)]
                    .times(&order.shapes[at(j - 1, j)])
                    .unwrap_or_else(Shape::scalar);
                order.shapes[at(i, j)] = shape;
                if computed.contains_key(&chain[i..j])
                    || computed.contains_key(&self.transpose(&chain[i..j]))
                {
                    // Already computed: free, and its split is the plan's.
                    order.split[at(i, j)] = usize::MAX;
                    continue;
                }
                let mut best = (f64::INFINITY, 0);
                for s in i + 1..j {
                    let flops = order.flops[at(i, s)]
                        + order.flops[at(s, j)]
                        + product_flops(&order.shapes[at(i, s)], &order.shapes[at(s, j)]);
                    let tolerance = 1e-9 * flops.abs();
                    if flops < best.0 - tolerance || (left_first && flops <= best.0 + tolerance) {
                        best = (flops, s);
                    }
                }
                order.flops[at(i, j)] = best.0;
                order.split[at(i, j)] = best.1;
            }
        }
        order
    }
}

/// A chain's cheapest order: by interval `[i, j)`, its flops, split and
/// shape (a split of `usize::MAX` for a sub-product already computed).
struct Order {
    n: usize,
    flops: Vec<f64>,
    split: Vec<usize>,
    shapes: Vec<Shape>,
}

impl Order {
    /// Adds the sub-products of `[i, j)` to the plan, or a use of it when
    /// the plan computes it already.
    fn commit(&self, chains: &Chains, chain: &[u32], i: usize, j: usize, plan: &mut Plan) {
        if j - i < 2 {
            return;
        }
        if let Some(entry) = plan.computed.get_mut(&chain[i..j]) {
            entry.uses += 1;
            return;
        }
        if let Some(entry) = plan.computed.get_mut(&chains.transpose(&chain[i..j])) {
            entry.uses += 1;
            return;
        }
        let at = |i: usize, j: usize| i * (self.n + 1) + j;
        let s = self.split[at(i, j)];
        plan.flops += product_flops(&self.shapes[at(i, s)], &self.shapes[at(s, j)]);
        plan.computed.insert(
            chain[i..j].to_vec(),
            Entry {
                left: s - i,
                uses: 1,
            },
        );
        self.commit(chains, chain, i, s, plan);
        self.commit(chains, chain, s, j, plan);
    }
}

/// The lines written out by a plan.
struct Builder<'a> {
    chains: &'a Chains<'a>,
    plan: &'a Plan,
    /// The program, extended with each temporary as it is named.
    model: Model,
    named: HashMap<Vec<u32>, Name>,
    temporaries: Vec<Line>,
    /// Each factor as rewritten (its own products associated by the plan).
    factors: HashMap<u32, Expr>,
}

impl Builder<'_> {
    fn rewrite(&mut self, expr: &Expr) -> Expr {
        let chains = self.chains;
        match product_factors(expr, &chains.model.env) {
            Some(factors) => {
                let ids: Vec<u32> = factors.iter().map(|f| self.chains.ids[*f]).collect();
                self.product(&ids)
            }
            None => expr.map_children(&mut |child| self.rewrite(child)),
        }
    }

    fn factor(&mut self, id: u32) -> Expr {
        if let Some(done) = self.factors.get(&id) {
            return done.clone();
        }
        let chains = self.chains;
        let done = self.rewrite(&chains.factors[id as usize]);
        self.factors.insert(id, done.clone());
        done
    }

    fn product(&mut self, chain: &[u32]) -> Expr {
        if let [id] = chain {
            return self.factor(*id);
        }
        if let Some(name) = self.named.get(chain) {
            return Expr::name(name.clone());
        }
        let plan = self.plan;
        let Some(entry) = plan.computed.get(chain) else {
            // The plan computes its transpose.
            let transposed = self.product(&self.chains.transpose(chain));
            // A scalar is its own transpose.
            return if self.model.env.shape(&transposed).is_scalar() {
                transposed
            } else {
                Expr::transpose(transposed)
            };
        };
        let (left, right) = chain.split_at(entry.left);
        let expr = Expr::mul(self.product(left), self.product(right));
        let printable_first = !chain
            .iter()
            .any(|id| self.chains.mentions_result[*id as usize]);
        if entry.uses < 2 || !printable_first {
            return expr;
        }
        let name = Name::plain(format!("{PROVISIONAL}{}", self.temporaries.len()));
        let shape = self.model.env.shape(&expr);
        self.model = self.model.with_temporaries(&[(name.base.clone(), shape)]);
        self.temporaries.push(Line::temporary(name.clone(), expr));
        self.named.insert(chain.to_vec(), name.clone());
        Expr::name(name)
    }
}

/// The temporaries first, each after those it uses (the lines' own first,
/// in their order, then the products'), then the results in their order.
fn arrange(lines: Vec<Line>, products: Vec<Line>) -> Vec<Line> {
    let (mut waiting, results): (Vec<Line>, Vec<Line>) =
        lines.into_iter().partition(|l| l.temporary);
    waiting.extend(products);
    let mut out: Vec<Line> = Vec::new();
    while !waiting.is_empty() {
        let ready = |line: &Line, waiting: &[Line]| {
            !line
                .expr
                .mentions(&|n| waiting.iter().any(|w| w.lhs == *n && w.lhs != line.lhs))
        };
        let next = (0..waiting.len())
            .find(|&i| ready(&waiting[i], &waiting))
            .expect("temporaries use each other without a cycle");
        out.push(waiting.remove(next));
    }
    out.extend(results);
    out
}
