//! A user's crate: it only tests a derivation with a snapshot.
