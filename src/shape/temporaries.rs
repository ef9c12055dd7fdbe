//! The program with matdiff's own temporaries (`t1 = …`, SPEC §2) known:
//! each a name no statement of the program uses, with the shape of the
//! value it stands for, so that the lines after it are typed, costed,
//! printed and read back as any line over the program's names.

use super::{Env, Model, VarInfo};
use crate::ast::Shape;

impl Model {
    /// `count` names for temporaries, `t1`, `t2`, …, skipping any the
    /// program uses for a variable or a dimension.
    ///
    /// ```
    /// let model = matdiff::shape::analyze_source("t1: matrix(n, n); f = tr(t1 * A)").unwrap();
    /// assert_eq!(model.fresh_names(2), vec!["t2", "t3"]);
    /// ```
    pub fn fresh_names(&self, count: usize) -> Vec<String> {
        let taken = |name: &str| {
            (self.env.var(name).is_some() && !self.temporaries.iter().any(|t| t == name))
                || self.is_assigned(name)
                || self.dimension_names.iter().any(|d| d == name)
                || self.dims.iter().any(|d| d.to_string() == name)
        };
        (1..)
            .map(|k| format!("t{k}"))
            .filter(|name| !taken(name))
            .take(count)
            .collect()
    }

    /// The program with `names` known, each with its shape, as values it
    /// neither assigns nor takes as inputs.
    ///
    /// ```
    /// use matdiff::ast::{Name, Shape};
    /// let model = matdiff::shape::analyze_source("A: matrix(n, m); f = sum(A)").unwrap();
    /// let a = model.env.var("A").unwrap().shape.clone();
    /// let extended = model.with_temporaries(&[("t1".to_string(), a.transposed())]);
    /// assert_eq!(extended.env.name_shape(&Name::plain("t1")).to_string(), "m×n");
    /// assert!(extended.inputs == model.inputs);
    /// ```
    pub fn with_temporaries(&self, names: &[(String, Shape)]) -> Model {
        let mut vars = self.env.vars.clone();
        let mut temporaries = self.temporaries.clone();
        for (name, shape) in names {
            temporaries.push(name.clone());
            let info = VarInfo {
                shape: shape.clone(),
                symmetric: false,
            };
            vars.insert(name.clone(), info);
        }
        Model {
            // New names, so shapes cached under the old scope are not reused.
            env: Env {
                vars,
                scope: super::fresh_scope(),
            },
            temporaries,
            ..self.clone()
        }
    }
}
