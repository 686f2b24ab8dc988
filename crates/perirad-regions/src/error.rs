use perirad_core::CoreError;
use thiserror::Error;

/// Errors of region building. Messages name the spec or the input at fault.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RegionError {
    #[error("region spec {spec:?}: {reason}")]
    Spec { spec: String, reason: String },
    #[error("the tumor mask is empty")]
    EmptyTumor,
    #[error("{what} is not on the tumor mask's grid")]
    Grid { what: &'static str },
    #[error(transparent)]
    Core(#[from] CoreError),
}
