//! perirad-report: turns a study's results ([`data::StudyReport`], plain data filled by the
//! study runner) into one self-contained HTML file with SVG figures. No files, no network: the
//! caller writes the returned string.
//!
//! The page needs nothing from outside: styles are inline, figures are inline SVG (drawn with
//! plotters' SVG backend, which needs no fonts) and slices are PNG `data:` URIs. No JavaScript.
//! Every string from the study (case ids, feature names, model names) is escaped.

pub mod base64;
pub mod data;
pub mod figures;
mod html;
pub mod text;

pub use data::StudyReport;
pub use html::render_html;

/// What can go wrong while rendering.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("report: {0}")]
    Invalid(String),
    #[error("report: figure {figure:?}: {message}")]
    Figure { figure: String, message: String },
}
