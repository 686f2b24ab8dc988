use thiserror::Error;

/// Errors of the image model. Messages name the offending value; callers add the file and case.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("size {size:?} is invalid: {reason}")]
    InvalidSize { size: [usize; 3], reason: String },
    #[error("spacing {spacing:?} is invalid: every spacing must be finite and > 0")]
    InvalidSpacing { spacing: [f64; 3] },
    #[error("origin {origin:?} is invalid: every coordinate must be finite")]
    InvalidOrigin { origin: [f64; 3] },
    #[error("direction matrix {direction:?} is invalid: {reason}")]
    InvalidDirection {
        direction: [[f64; 3]; 3],
        reason: String,
    },
    #[error("voxel array holds {actual} values but the geometry {size:?} needs {expected}")]
    DataLength {
        size: [usize; 3],
        expected: usize,
        actual: usize,
    },
    #[error("mask and image are on different grids:\n  image: {image}\n  mask:  {mask}")]
    GridMismatch { image: String, mask: String },
    #[error("voxel value {value} at index {index} is not a valid label (labels are integers 0..=4294967295)")]
    InvalidLabel { value: f64, index: usize },
    #[error("label {label} is not present (labels present: {present})")]
    LabelNotPresent { label: u32, present: String },
    #[error("the mask is empty (no voxel with a non-zero label)")]
    EmptyMask,
    #[error("bounding box {bbox:?} does not fit in size {size:?}")]
    BoxOutOfRange { bbox: String, size: [usize; 3] },
}
