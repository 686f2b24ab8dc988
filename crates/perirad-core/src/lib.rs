//! perirad-core: the image model every other perirad crate speaks.
//!
//! * [`Geometry`]: size, spacing, origin and direction cosines of a voxel grid, in LPS physical
//!   space as ITK/SimpleITK define it, with index↔physical transforms.
//! * [`Volume<T>`]: a typed voxel array on a geometry (x fastest: `i + nx*(j + ny*k)`).
//! * [`Image`]: a volume whose voxel type is the one stored in the file ([`VoxelData`]), so that
//!   statistics are exact and memory stays as small as the file.
//! * [`LabelMap`] and [`Mask`]: integer label maps with named segments, and binary masks.
//! * [`BoundingBox`]: index boxes, padding and cropping.
//!
//! A 2D image is a volume with one slice (`size[2] == 1`). The crate does no I/O.

mod bbox;
mod error;
mod geometry;
mod image;
mod labels;
mod volume;

pub use bbox::BoundingBox;
pub use error::CoreError;
pub use geometry::{inverse3, Geometry, IDENTITY, MAX_VOXELS};
pub use image::{DType, Image, IntensityStats, VoxelData};
pub use labels::{LabelMap, Mask, Segment};
pub use volume::Volume;
