//! perirad-report: turns a study's results ([`data::StudyReport`], plain data filled by the
//! study runner) into one self-contained HTML file with SVG figures. No files, no network: the
//! caller writes the returned string.

pub mod data;

pub use data::StudyReport;

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("report: {0}")]
    Invalid(String),
}
