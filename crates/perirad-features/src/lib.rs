//! perirad-features: the radiomics feature engine.
//!
//! So far:
//! * settings: [`Mode`] (IBSI or PyRadiomics conformance) and [`PyRadiomicsParams`], PyRadiomics
//!   3.1 parameter files read as they are: every key PyRadiomics' schema accepts is accepted (and
//!   kept for the stages that use it), anything else is an error that names the key;
//! * [`discretise`]: PyRadiomics' fixed bin width / bin count discretisation, and IBSI's fixed bin
//!   size / bin number;
//! * [`families::firstorder`]: PyRadiomics' `firstorder` class;
//! * [`families::ibsi_intensity`]: IBSI intensity statistics, intensity histogram and
//!   intensity-volume histogram; [`families::ibsi_spatial`]: IBSI local intensity peaks, Moran's I,
//!   Geary's C and integrated intensity;
//! * [`registry`]: every computed feature with its IBSI code and formula.
//!
//! Resampling, normalisation, the other families and the IBSI mode come next. The crate does no
//! I/O.

pub mod discretise;
mod error;
pub mod extract;
pub mod families;
pub mod pyradiomics;
pub mod registry;

pub use error::FeatureError;
pub use pyradiomics::{
    FeatureClass, ImageType, Interpolator, PyRadiomicsParams, ResegmentMode, Settings,
    VoxelSettings, WeightingNorm,
};

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
