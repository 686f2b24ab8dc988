//! Image preprocessing before feature extraction.
//!
//! * [`resample`]: ITK-exact resampling (`sitk.Resample`) with the nearest-neighbour, linear and
//!   cubic B-spline interpolators, and ITK's cast to the output voxel type.

pub mod resample;

pub use resample::{itk_cast, itk_resample, itk_resample_mask, ItkInterpolator};
