//! The one error type of the statistics crate.

use thiserror::Error;

/// What is wrong with a statistics input; the message names the column, row or setting.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// The input cannot be used as given (sizes disagree, a value is not finite, ...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The outcome has a single class, or too few events for the design.
    #[error("outcome: {0}")]
    Outcome(String),
    /// An iterative fit did not converge or a system is singular.
    #[error("numerical: {0}")]
    Numerical(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, StatsError>;
