//! Dev-only helpers for perirad's tests: where the shared reference data lives and loaders for
//! its reference files. Expected values always come from these files, never from perirad.

pub mod browser;

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

/// Splits one CSV record with quoted fields (no embedded newlines).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => {
                if let Some(field) = out.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    out
}

/// PyRadiomics 3.1.0's values for `case` (`../shared/data/pyradiomics/v3.1/values/<case>.csv`):
/// configuration → feature → value.
pub fn pyradiomics_values(case: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    let path = shared_data().join(format!("pyradiomics/v3.1/values/{case}.csv"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut it = line.splitn(3, ',');
        if let (Some(c), Some(f), Some(Ok(v))) =
            (it.next(), it.next(), it.next().map(str::parse::<f64>))
        {
            out.entry(c.to_string())
                .or_default()
                .insert(f.to_string(), v);
        }
    }
    out
}

/// PyRadiomics 3.1.0's values of one configuration for `case`: feature → value.
pub fn pyradiomics_config_values(case: &str, config: &str) -> BTreeMap<String, f64> {
    pyradiomics_values(case).remove(config).unwrap_or_default()
}

/// The text of `../shared/data/pyradiomics/v3.1/params/<config>.yaml`.
pub fn pyradiomics_params_text(config: &str) -> String {
    let path = shared_data().join(format!("pyradiomics/v3.1/params/{config}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// PyRadiomics' upstream baseline `../shared/data/pyradiomics/baseline/baseline_<class>.csv`:
/// column (`brain1`, `brain1_2d`, ...) → feature → value; diagnostics rows left out.
pub fn pyradiomics_baseline(class: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    let path = shared_data().join(format!("pyradiomics/baseline/baseline_{class}.csv"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap_or_default());
    let mut out: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for line in lines {
        let fields = split_csv(line);
        if fields[0].starts_with("diagnostics_") {
            continue;
        }
        for (column, value) in header.iter().zip(&fields).skip(1) {
            if let Ok(v) = value.parse::<f64>() {
                out.entry(column.clone())
                    .or_default()
                    .insert(fields[0].clone(), v);
            }
        }
    }
    out
}

/// The tolerance of the PyRadiomics comparisons: 1e-6 relative, or 1e-9 absolute near zero.
pub fn close_to_pyradiomics(got: f64, want: f64) -> bool {
    let d = (got - want).abs();
    d <= 1e-9 || d <= 1e-6 * want.abs()
}
