//! Differentiation: forward-mode tangents and reverse-mode adjoints.
//!
//! Both emit unsimplified terms; the caller tidies them. Reverse mode works
//! on the tangent: the adjoint of an input is read off ⟨C̄, Ċ⟩ = tr(C̄ᵀĊ) by
//! moving each tangent to the end of its term, as the seed exercise does.

mod forward;
mod jacobian;
mod reverse;

pub use forward::{differentiate_node, tangent, tangent_within, LeafTangent, Rule};
pub use jacobian::linear_map;
pub use reverse::{pullback, pullback_with_steps, Contribution, Step};
