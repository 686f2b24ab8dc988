use perirad_core::CoreError;
use std::path::PathBuf;
use thiserror::Error;

/// Errors of the readers and writers. Every variant names the file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a {format} file: {found}", path.display())]
    BadMagic {
        path: PathBuf,
        format: &'static str,
        found: String,
    },
    #[error("{}: file is truncated: {what} needs {expected} bytes but only {actual} are there", path.display())]
    Truncated {
        path: PathBuf,
        what: &'static str,
        expected: u64,
        actual: u64,
    },
    #[error("{}: corrupt compressed data: {source}", path.display())]
    Decompress {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: invalid header field `{field}`: {reason}", path.display())]
    Header {
        path: PathBuf,
        field: String,
        reason: String,
    },
    #[error("{}: the header declares {voxels} voxels, more than perirad accepts (2^31)", path.display())]
    TooLarge { path: PathBuf, voxels: String },
    #[error("{}: unsupported {what}", path.display())]
    Unsupported { path: PathBuf, what: String },
    /// Invalid geometry, voxel array or labels (the image model's error, with the file).
    #[error("{}: {source}", path.display())]
    Geometry {
        path: PathBuf,
        #[source]
        source: CoreError,
    },
    #[error("{}: {reason}", path.display())]
    Dicom { path: PathBuf, reason: String },
    #[error("{}: DICOM series problem: {reason}", path.display())]
    Series { path: PathBuf, reason: String },
    #[error("{}: cannot tell the file format (known: .nii, .nii.gz, .nrrd, .nhdr, .seg.nrrd, .mha, .mhd, .png, .jpg, .jpeg, .bmp, .tif, .tiff, DICOM files and folders)", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Image {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    #[error("{}: no segment named {name:?} (segments in the file: {available})", path.display())]
    SegmentNotFound {
        path: PathBuf,
        name: String,
        available: String,
    },
    #[error("{}: cannot write: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

impl IoError {
    pub(crate) fn io(path: &std::path::Path, action: &'static str, source: std::io::Error) -> Self {
        IoError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
    pub(crate) fn header(
        path: &std::path::Path,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        IoError::Header {
            path: path.to_path_buf(),
            field: field.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn geometry(path: &std::path::Path, source: CoreError) -> Self {
        IoError::Geometry {
            path: path.to_path_buf(),
            source,
        }
    }
}
