//! Derivations step by step (being written).
