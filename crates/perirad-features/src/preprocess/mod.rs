//! Image preprocessing before feature extraction.
//!
//! * [`resample`]: ITK-exact resampling (`sitk.Resample`) with the nearest-neighbour, linear and
//!   cubic B-spline interpolators, and ITK's cast to the output voxel type.
//! * [`pyradiomics`]: PyRadiomics 3.1's `normalizeImage` and `resampleImage`, in the order its
//!   feature extractor applies them.
//! * [`ibsi`]: IBSI-1 interpolation (grid with aligned centres, nearest-neighbour extrapolation,
//!   intensity rounding, partial-volume mask threshold) and re-segmentation.

pub mod ibsi;
pub mod pyradiomics;
pub mod resample;

pub use ibsi::{
    ibsi_process, ibsi_resample, ibsi_resegment, IbsiInterpolation, IbsiProcessed, Interp,
};
pub use pyradiomics::{normalize, preprocess, resample_image, Preprocessed};
pub use resample::{itk_cast, itk_resample, itk_resample_mask, ItkInterpolator};
