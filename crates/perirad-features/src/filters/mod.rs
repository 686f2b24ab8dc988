//! Image filters.
//!
//! * [`pyradiomics`]: PyRadiomics' image types (LoG, Square, SquareRoot, Logarithm,
//!   Exponential, Gradient, LBP2D, LBP3D) as PyRadiomics and SimpleITK compute them, LBP3D's
//!   machinery (icosphere, spherical harmonics, SciPy's cubic spline sampling) in [`lbp3d`];
//!   [`wavelet`]: its undecimated wavelet bands (PyWavelets' `swtn`), with the filter banks in
//!   [`wavelet_banks`];
//! * [`boundary`]: how a filter sees the image outside its grid (zero, nearest, periodic,
//!   mirror);
//! * [`ibsi2`]: the convolutional filters of IBSI chapter 2 (mean, Laplacian of Gaussian, Laws,
//!   Gabor, separable and non-separable wavelets, Riesz transforms).

pub mod boundary;
pub mod ibsi2;
pub mod lbp3d;
pub mod pyradiomics;
pub mod wavelet;
pub mod wavelet_banks;

pub use boundary::Boundary;
