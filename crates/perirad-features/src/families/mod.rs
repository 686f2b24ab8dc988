//! Feature families. Each function returns `(name, value)` pairs in PyRadiomics' or IBSI's naming.

pub mod firstorder;
pub mod ibsi_intensity;
pub mod ibsi_spatial;
