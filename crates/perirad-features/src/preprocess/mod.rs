//! Image preprocessing before feature extraction.
//!
//! * [`resample`]: ITK-exact resampling (`sitk.Resample`) with the nearest-neighbour, linear and
//!   cubic B-spline interpolators, and ITK's cast to the output voxel type.
//! * [`pyradiomics`]: PyRadiomics 3.1's `normalizeImage` and `resampleImage`, in the order its
//!   feature extractor applies them.

pub mod pyradiomics;
pub mod resample;

pub use pyradiomics::{normalize, preprocess, resample_image, Preprocessed};
pub use resample::{itk_cast, itk_resample, itk_resample_mask, ItkInterpolator};
