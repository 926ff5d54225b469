//! The one error type of the benchmark: a human-readable message for setup and run failures.
//! It never carries secrets (tokens, passwords) and never panics.

use std::fmt;

/// A failure that ends the benchmark, with a message meant for the operator.
pub struct BenchError(pub String);

impl BenchError {
    pub fn new(msg: impl Into<String>) -> Self {
        BenchError(msg.into())
    }

    /// Wraps a lower-level error with what we were doing.
    pub fn ctx(what: &str, e: impl fmt::Display) -> Self {
        BenchError(format!("{what}: {e}"))
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

pub type Result<T> = std::result::Result<T, BenchError>;
