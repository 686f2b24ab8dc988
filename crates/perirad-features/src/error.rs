use thiserror::Error;

/// Errors of the feature engine. Parameter errors name the key path (`setting.binWidth`,
/// `imageType.LoG.sigma[1]`).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FeatureError {
    #[error("parameter file is not valid YAML: {0}")]
    Yaml(String),
    #[error("parameter `{key}`: {reason}")]
    Param { key: String, reason: String },
    /// The ROI (intensity mask) holds no voxel.
    #[error("the ROI is empty: no feature can be computed")]
    EmptyRoi,
    /// A NaN or infinite value where IBSI's definitions need finite intensities.
    #[error("non-finite value: {what}")]
    NonFinite { what: String },
    /// Image and mask (or other inputs) do not fit together.
    #[error("invalid input: {0}")]
    Input(String),
}

pub(crate) fn param(key: impl Into<String>, reason: impl Into<String>) -> FeatureError {
    FeatureError::Param {
        key: key.into(),
        reason: reason.into(),
    }
}
