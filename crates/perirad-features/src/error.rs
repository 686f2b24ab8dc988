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
}

pub(crate) fn param(key: impl Into<String>, reason: impl Into<String>) -> FeatureError {
    FeatureError::Param {
        key: key.into(),
        reason: reason.into(),
    }
}
