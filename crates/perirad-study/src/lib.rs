//! perirad-study: cohort extraction. Reads a manifest of cases ([`manifest`]), extracts each
//! case's tumor and peritumoral regions per phase ([`case`], shared with single-case
//! extraction), runs a cohort in parallel with per-case part files, resume and shards
//! ([`batch`]), and writes the long and wide feature tables with their provenance ([`table`]).
//! Orchestration only: the numbers come from perirad-regions and perirad-features.

pub mod batch;
pub mod case;
pub mod csv_read;
pub mod demo;
mod error;
pub mod manifest;
mod parquet_table;
pub mod provenance;
pub mod pyradiomics_csv;
pub mod settings;
pub mod study;
pub mod table;

pub use batch::{merge, run_batch, BatchConfig, BatchSummary, Progress, Shard, Silent};
pub use case::{build_case_regions, extract_image, CaseRegions, ExtractOptions};
pub use demo::{write_demo_cohort, DemoCohort, DemoOptions};
pub use error::StudyError;
pub use manifest::{Layout, Manifest, ManifestCase};
pub use settings::{load_settings, LoadedSettings, RunSettings};
pub use table::{CaseMeta, CaseRecord, Format, Outputs, RunInfo, Sidecar};
