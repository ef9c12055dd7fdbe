//! The flop cost model (being written).
