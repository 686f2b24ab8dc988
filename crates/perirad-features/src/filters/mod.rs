//! Image filters (convolutional response maps).
//!
//! * [`boundary`]: how a filter sees the image outside its grid (zero, nearest, periodic,
//!   mirror);
//! * [`ibsi2`]: the convolutional filters of IBSI chapter 2 (mean, Laplacian of Gaussian, Laws,
//!   Gabor, separable and non-separable wavelets, Riesz transforms).

pub mod boundary;
pub mod ibsi2;

pub use boundary::Boundary;
