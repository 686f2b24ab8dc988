//! perirad-features: the radiomics feature engine.
//!
//! * settings: [`Mode`] (IBSI or PyRadiomics conformance) and [`PyRadiomicsParams`], PyRadiomics
//!   3.1 parameter files read as they are: every key PyRadiomics' schema accepts is accepted (and
//!   kept for the stages that use it), anything else is an error that names the key;
//! * [`preprocess`]: ITK-exact resampling, PyRadiomics' normalisation and resampling, IBSI-1
//!   interpolation and re-segmentation; [`discretise`]: PyRadiomics' and IBSI's bins;
//! * [`filters`]: PyRadiomics' image types (LoG, wavelets, Square, ..., LBP2D) and the IBSI-2
//!   convolutional filters;
//! * [`families`]: PyRadiomics' classes (`firstorder`, `shape`, `shape2D`, `glcm`, `glrlm`,
//!   `glszm`, `gldm`, `ngtdm`) and every IBSI-1 family with its aggregations;
//! * [`extract`]: PyRadiomics-mode extraction (image types × classes); [`ibsi`]: IBSI-mode
//!   extraction from a perirad settings file ([`settings`]); [`conformance`]: the IBSI reference
//!   tables and comparison rule; [`diagnostics`]: PyRadiomics' `additionalInfo`;
//! * [`registry`] and [`ibsi_registry`]: every computed feature with its IBSI code and formula.
//!
//! The crate does no I/O.

pub mod conformance;
pub mod diagnostics;
pub mod discretise;
mod error;
pub mod extract;
pub mod families;
pub mod filters;
pub mod ibsi;
pub mod ibsi_registry;
pub mod preprocess;
pub mod pyradiomics;
pub mod registry;
pub mod settings;
mod simd;

pub use error::FeatureError;
pub use pyradiomics::{
    FeatureClass, ImageType, Interpolator, PyRadiomicsParams, ResegmentMode, Settings,
    VoxelSettings, WeightingNorm,
};
pub use settings::{Family, PeriradSettings};

/// Which definitions the features follow; recorded in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// IBSI-1 reference manual definitions.
    Ibsi,
    /// What PyRadiomics 3.1 computes, its known deviations included.
    PyRadiomics,
}

impl std::str::FromStr for Mode {
    type Err = FeatureError;
    fn from_str(s: &str) -> Result<Self, FeatureError> {
        match s {
            "ibsi" => Ok(Mode::Ibsi),
            "pyradiomics" => Ok(Mode::PyRadiomics),
            other => Err(FeatureError::Param {
                key: "mode".into(),
                reason: format!("{other:?}: expected ibsi or pyradiomics"),
            }),
        }
    }
}
