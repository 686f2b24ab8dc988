//! Dev-only helpers for perirad's tests: where the shared reference data lives and loaders for
//! its reference files. Expected values always come from these files, never from perirad.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `../shared/data` seen from the workspace root (override with `PERIRAD_SHARED_DATA`).
pub fn shared_data() -> PathBuf {
    if let Ok(p) = std::env::var("PERIRAD_SHARED_DATA") {
        return PathBuf::from(p);
    }
    let p = workspace_root().join("../shared/data");
    p.canonicalize().unwrap_or(p)
}

/// The workspace root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    p.canonicalize().unwrap_or(p)
}

/// One file's entry in a SimpleITK reference file (`io/reference.json` layout).
#[derive(Debug, Clone, Deserialize)]
pub struct IoReference {
    pub size: Vec<usize>,
    pub spacing: Vec<f64>,
    pub origin: Vec<f64>,
    /// Empty where the reference has `null` (no geometry exists, e.g. a sheared NIfTI sform).
    #[serde(deserialize_with = "null_as_empty")]
    pub direction: Vec<f64>,
    pub dtype: String,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, u64>>,
    #[serde(default)]
    pub is_mask: bool,
    /// Every other key of the entry (segments, voxels, notes, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IoReferenceFile {
    pub generator: String,
    pub files: BTreeMap<String, IoReference>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Option::<Vec<f64>>::deserialize(d)?.unwrap_or_default())
}

/// Reads a reference file in the `io/reference.json` layout.
pub fn load_io_reference(path: &Path) -> IoReferenceFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read reference file {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse reference file {}: {e}", path.display()))
}

/// `true` when `a` and `b` agree within `rel` relative tolerance (absolute near zero).
pub fn close_rel(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}
