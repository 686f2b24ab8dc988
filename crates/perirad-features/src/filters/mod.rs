//! Image filters (PyRadiomics image types).

pub mod wavelet;
pub mod wavelet_banks;
