//! Image filters: PyRadiomics' image types ([`pyradiomics`]: LoG, Square, SquareRoot,
//! Logarithm, Exponential, Gradient, LBP2D; [`wavelet`]: the undecimated wavelet bands).

pub mod pyradiomics;
pub mod wavelet;
pub mod wavelet_banks;
