//! Feature families. Each function returns `(name, value)` pairs in PyRadiomics' or IBSI's naming.

pub mod firstorder;
pub mod glcm;
pub mod glrlm;
pub mod texture;
pub mod zones;
