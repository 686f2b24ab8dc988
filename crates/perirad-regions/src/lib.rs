//! perirad-regions: peritumoral regions in exact millimetres.
//!
//! * [`squared_distance`]: exact Euclidean distance transform for anisotropic voxels, in 3D or
//!   within each slice, linear in the number of voxels and independent of the thread count.
//! * [`RegionSpec`]: the region specs users type (`ring:5mm`, `shell:5-10mm`, `rings:0-10mm/1mm`,
//!   `ring:0.5r`, `inner:3mm`, `tumor+ring:10mm`).
//! * [`build_regions`]: every spec for every lesion, cut by the organ mask, exclusions, an
//!   intensity window and every lesion's tumor voxels.
//! * [`connected_components`]: lesions of a mask, largest first.
//!
//! The crate does no I/O. The rule (also `../shared/data/rings/README.md`): for a voxel centre
//! outside the tumor, `d` is the distance in mm to the nearest tumor voxel centre; inside,
//! `d_in` is the distance to the nearest non-tumor voxel centre; a distance equal to the width
//! (within 1e-9 relative) is inside.

mod build;
mod edt;
mod error;
mod lesions;
mod spec;

pub use build::{
    build_regions, equivalent_radius, Constraints, Region, RegionOptions, BOUNDARY_TOLERANCE,
};
pub use edt::{signed_distance, squared_distance, DistanceMode};
pub use error::RegionError;
pub use lesions::{connected_components, lesions_of, Connectivity, Lesions};
pub use spec::{RegionSpec, Width};
