//! Image filters.
//!
//! * [`pyradiomics`]: PyRadiomics' image types (LoG, Square, SquareRoot, Logarithm,
//!   Exponential, Gradient, LBP2D) as PyRadiomics and SimpleITK compute them; [`wavelet`]: its
//!   undecimated wavelet bands (PyWavelets' `swtn`), with the filter banks in [`wavelet_banks`];
//! * [`boundary`]: how a filter sees the image outside its grid (zero, nearest, periodic,
//!   mirror);
//! * [`ibsi2`]: the convolutional filters of IBSI chapter 2 (mean, Laplacian of Gaussian, Laws,
//!   Gabor, separable and non-separable wavelets, Riesz transforms).

pub mod boundary;
pub mod ibsi2;
pub mod pyradiomics;
pub mod wavelet;
pub mod wavelet_banks;

pub use boundary::Boundary;
