//! Feature families. Each function returns `(name, value)` pairs in PyRadiomics' or IBSI's naming.

pub mod firstorder;
pub mod glcm;
pub mod glrlm;
pub mod hull;
pub mod ibsi_intensity;
pub mod ibsi_spatial;
mod linalg;
pub mod mesh;
pub mod morphology;
pub mod pyr_glcm;
pub mod pyr_gldm;
pub mod pyr_glrlm;
pub mod pyr_glszm;
pub(crate) mod pyr_grid;
pub(crate) mod pyr_neighbours;
pub mod pyr_ngtdm;
pub mod shape;
pub mod shape2d;
pub mod texture;
pub mod zones;
