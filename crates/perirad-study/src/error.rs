//! The errors of cohort extraction. Messages name the manifest line, the case, the file or the
//! setting at fault.

use perirad_features::FeatureError;
use perirad_io::IoError;
use perirad_regions::RegionError;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StudyError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    Regions(#[from] RegionError),
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// An error with what was being done when it happened (a case, a region, a file).
    #[error("{context}: {source}")]
    Context {
        context: String,
        #[source]
        source: Box<StudyError>,
    },
    /// A manifest that cannot be used as a whole (no header, missing columns).
    #[error("manifest {}: {reason}", path.display())]
    Manifest { path: PathBuf, reason: String },
    /// One line of a manifest.
    #[error("manifest {}, line {line}: {reason}", path.display())]
    ManifestLine {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// A file that cannot be read or written.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An output of an earlier run (part file, shard table, sidecar) that does not fit.
    #[error("{}: {reason}", path.display())]
    Output { path: PathBuf, reason: String },
    /// A wrong option or setting (named in the message).
    #[error("{0}")]
    Invalid(String),
}

impl StudyError {
    /// This error with `context` in front of it.
    pub fn context(self, context: impl Into<String>) -> StudyError {
        StudyError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    pub(crate) fn file(path: &std::path::Path, source: std::io::Error) -> StudyError {
        StudyError::File {
            path: path.to_path_buf(),
            source,
        }
    }
}
