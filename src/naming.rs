//! Naming intermediates back into a result (`Namer`), or writing them out
//! (`--expand`), each within the result-size bound, checked before anything
//! is built. Shared by the modes and the step-by-step walk.

use crate::ast::{BinOp, Expr, ExprKind, Func, Name};
use crate::error::{Error, Result};
use crate::limits::MAX_RESULT_NODES;
use crate::shape::Model;
use crate::tidy::tidy;
use std::collections::HashMap;

/// Replaces every subexpression equal to an assignment's (tidied)
/// definition by the assigned name, outermost first.
pub(crate) struct Namer {
    /// Tidied definitions with their assignment's index, in program order;
    /// built once per derivation, since tidying them is the costly part.
    definitions: std::rc::Rc<Vec<(Expr, String, usize)>>,
    /// Positions in `definitions` by the definition's fingerprint, so that
    /// a long program's names are not each compared with every node.
    by_fingerprint: std::rc::Rc<HashMap<u64, Vec<usize>>>,
    /// Only assignments before this index are named.
    upto: usize,
}

impl Clone for Namer {
    fn clone(&self) -> Namer {
        Namer {
            definitions: self.definitions.clone(),
            by_fingerprint: self.by_fingerprint.clone(),
            upto: self.upto,
        }
    }
}

/// `expr` with each product `inv(M) * N` written as the solve `M \ N`.
fn as_solves(expr: &Expr) -> Expr {
    let expr = expr.map_children(&mut as_solves);
    match &expr.kind {
        ExprKind::Binary(BinOp::Mul, a, b) => match &a.kind {
            ExprKind::Call(Func::Inv, m) => {
                Expr::call(Func::Solve, vec![m[0].clone(), (**b).clone()])
            }
            _ => expr,
        },
        _ => expr,
    }
}

/// A hash of an expression's structure (spans aside) from its node and its
/// children's fingerprints; `fingerprints` records every subexpression's,
/// by address, so a whole tree is hashed in one pass.
fn fingerprint(expr: &Expr, fingerprints: &mut HashMap<*const Expr, u64>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::mem::discriminant(&expr.kind).hash(&mut hasher);
    match &expr.kind {
        ExprKind::Num(value) => value.hash(&mut hasher),
        ExprKind::Var(name) => name.hash(&mut hasher),
        ExprKind::Identity(dim) => dim.hash(&mut hasher),
        ExprKind::Ones(shape) => shape.hash(&mut hasher),
        ExprKind::Binary(op, _, _) => op.hash(&mut hasher),
        ExprKind::Power(_, k) => k.hash(&mut hasher),
        ExprKind::ElemPower(_, k) => k.hash(&mut hasher),
        ExprKind::Call(func, _) => func.hash(&mut hasher),
        ExprKind::Neg(_) | ExprKind::Transpose(_) => {}
    }
    for child in expr.children() {
        fingerprint(child, fingerprints).hash(&mut hasher);
    }
    let value = hasher.finish();
    fingerprints.insert(expr as *const Expr, value);
    value
}

impl Namer {
    /// Names every assignment (never the `f` of a bare output).
    pub(crate) fn all(model: &Model) -> Namer {
        // `f` of a bare expression is matdiff's name, not the user's: results
        // spell that value out.
        let named = if model.bare_output {
            model.bindings.len() - 1
        } else {
            model.bindings.len()
        };
        let mut definitions: Vec<(Expr, String, usize)> = model.bindings[..named]
            .iter()
            .enumerate()
            .map(|(i, b)| (tidy(&b.expr, &model.env), b.name.clone(), i))
            // Naming `A'` or `-A` would hide a plainer form of the same value.
            .filter(|(e, _, _)| !is_trivial(e))
            .collect();
        // Simplification writes a product with an inverse as a solve, so a
        // definition `inv(A) * B` is also found as `A \ B`.
        let solved: Vec<(Expr, String, usize)> = definitions
            .iter()
            .map(|(e, name, i)| (as_solves(e), name.clone(), *i))
            .filter(|(e, _, i)| definitions.iter().all(|(d, _, j)| j != i || d != e))
            .collect();
        definitions.extend(solved);
        let mut by_fingerprint: HashMap<u64, Vec<usize>> = HashMap::new();
        for (position, (expr, _, _)) in definitions.iter().enumerate() {
            let key = fingerprint(expr, &mut HashMap::new());
            by_fingerprint.entry(key).or_default().push(position);
        }
        Namer {
            definitions: std::rc::Rc::new(definitions),
            by_fingerprint: std::rc::Rc::new(by_fingerprint),
            upto: usize::MAX,
        }
    }

    /// The same names, restricted to the assignments before `upto`.
    pub(crate) fn upto(&self, upto: usize) -> Namer {
        Namer {
            upto,
            ..self.clone()
        }
    }

    pub(crate) fn name(&self, expr: &Expr) -> Expr {
        self.name_tracking(expr, &mut Vec::new())
    }

    /// [`Namer::name`], also noting which definitions (by index) it used.
    /// Pass after pass: a definition over an earlier name (`h2 = tanh(W2 *
    /// h1)`) is met only once the pass before has named its parts.
    pub(crate) fn name_tracking(&self, expr: &Expr, used: &mut Vec<usize>) -> Expr {
        let mut current = expr.clone();
        for _ in 0..=self.definitions.len() {
            let mut fingerprints = HashMap::new();
            fingerprint(&current, &mut fingerprints);
            let named = self.name_with(&current, &fingerprints, used);
            if named == current {
                break;
            }
            current = named;
        }
        current
    }

    fn name_with(
        &self,
        expr: &Expr,
        fingerprints: &HashMap<*const Expr, u64>,
        used: &mut Vec<usize>,
    ) -> Expr {
        // The latest visible assignment with this definition.
        let found = self
            .by_fingerprint
            .get(&fingerprints[&(expr as *const Expr)])
            .and_then(|positions| {
                positions.iter().rev().copied().find(|&p| {
                    let (definition, _, index) = &self.definitions[p];
                    *index < self.upto && definition == expr
                })
            });
        if let Some(i) = found {
            if !used.contains(&i) {
                used.push(i);
            }
            return Expr::var(&self.definitions[i].1);
        }
        expr.map_children(&mut |c| self.name_with(c, fingerprints, used))
    }

    /// The `index`th definition and its name.
    pub(crate) fn definition(&self, index: usize) -> (&Expr, &str) {
        let (expr, name, _) = &self.definitions[index];
        (expr, name)
    }
}

/// A definition that reads as well as a name: a variable, a number, or one
/// of those transposed or negated.
pub(crate) fn is_trivial(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Var(_) | ExprKind::Num(_) => true,
        ExprKind::Transpose(a) | ExprKind::Neg(a) => is_trivial(a),
        _ => false,
    }
}

/// An expression with some names replaced, each replacement stored with
/// its size so that the size of a substitution is known before it is built.
pub(crate) struct Replacements<K> {
    map: HashMap<K, Option<(Expr, usize)>>,
    key: fn(&Name) -> Option<K>,
}

impl<K: std::hash::Hash + Eq> Replacements<K> {
    pub(crate) fn new(key: fn(&Name) -> Option<K>) -> Self {
        Replacements {
            map: HashMap::new(),
            key,
        }
    }

    /// Records a replacement; `None` marks one too large to build.
    pub(crate) fn insert(&mut self, key: K, expr: Option<Expr>) {
        let entry = expr.map(|e| {
            let size = e.size();
            (e, size)
        });
        self.map.insert(key, entry);
    }

    /// Takes the replacement of `key` out: `None` when it has none,
    /// `Some(None)` when it was too large to build.
    pub(crate) fn take(&mut self, key: &K) -> Option<Option<Expr>> {
        self.map.remove(key).map(|entry| entry.map(|(e, _)| e))
    }

    /// Whether `name` has a replacement.
    pub(crate) fn replaces(&self, name: &Name) -> bool {
        (self.key)(name).is_some_and(|k| self.map.contains_key(&k))
    }

    /// `expr` with the replacements made, or `None` when the result would
    /// have more than [`MAX_RESULT_NODES`] nodes.
    pub(crate) fn apply(&self, expr: &Expr) -> Option<Expr> {
        let size = expr.substituted_size(&|n| {
            let entry = self.map.get(&(self.key)(n)?)?;
            Some(entry.as_ref().map_or(usize::MAX, |(_, size)| *size))
        });
        (size <= MAX_RESULT_NODES).then(|| {
            expr.substitute(&|n| {
                let entry = self.map.get(&(self.key)(n)?)?;
                entry.as_ref().map(|(e, _)| e.clone())
            })
        })
    }
}

/// Intermediates by their definitions in terms of the inputs only.
pub(crate) type Expansions = Replacements<String>;

/// Definitions with every intermediate substituted away, each only as long
/// as it stays within [`MAX_RESULT_NODES`]: `X2 = X1 * X1` doubles the size
/// of the expansion at every step.
pub(crate) fn expanded_definitions(model: &Model) -> Expansions {
    let mut out = Replacements::new(|n: &Name| n.is_plain().then(|| n.base.clone()));
    for binding in &model.bindings {
        let expr = out.apply(&binding.expr);
        out.insert(binding.name.clone(), expr);
    }
    out
}

/// `expr` with the intermediates expanded, or an error saying the result
/// for `what` is too large.
pub(crate) fn expand_with(expansions: &Expansions, expr: &Expr, what: &Name) -> Result<Expr> {
    expansions
        .apply(expr)
        .ok_or_else(|| too_large_expanded(what))
}

/// `expr` with `replace` applied to its names, or `None` when the result
/// would have more than [`MAX_RESULT_NODES`] nodes, found before anything
/// is built.
pub(crate) fn substitute_bounded<'a>(
    expr: &Expr,
    replace: &dyn Fn(&Name) -> Option<&'a Expr>,
) -> Option<Expr> {
    let sizes = std::cell::RefCell::new(HashMap::<Name, usize>::new());
    let size = expr.substituted_size(&|n| {
        let replacement = replace(n)?;
        Some(
            *sizes
                .borrow_mut()
                .entry(n.clone())
                .or_insert_with(|| replacement.size()),
        )
    });
    (size <= MAX_RESULT_NODES).then(|| expr.substitute(&|n| replace(n).cloned()))
}

/// The error for a result that writing out the intermediates (`--expand`)
/// makes too large.
pub(crate) fn too_large_expanded(what: &Name) -> Error {
    Error::whole_program(format!(
        "the result for {what} grows past {MAX_RESULT_NODES} nodes when the intermediates are written out"
    ))
    .with_help("leave out --expand: results then name the intermediates")
}

/// The error for a gradient that substituting the intermediates' adjoints
/// makes too large.
pub(crate) fn too_large_substituted(what: &Name) -> Error {
    Error::whole_program(format!(
        "the result for {what} grows past {MAX_RESULT_NODES} nodes when the intermediates' adjoints are substituted"
    ))
    .with_help("use `reverse`: its lines name the intermediates' adjoints, as in bar(C)")
}
