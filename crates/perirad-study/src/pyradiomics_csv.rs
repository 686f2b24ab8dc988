//! The PyRadiomics batch output layout (`pyradiomics cases.csv -o out.csv -f csv`), for scripts
//! written against it: one row per case (and per phase and region), the manifest's columns as
//! they were (PyRadiomics' `Image` and `Mask` as absolute paths), then `Phase` when the manifest
//! has several phases and `Region` when peritumoral regions were asked for, then the
//! `diagnostics_*` columns, then the features under PyRadiomics' names, grouped by image type
//! and class in extraction order and sorted by name within a class, as PyRadiomics sorts them.
//! A failed case is a row with its manifest columns only, as in PyRadiomics.
//!
//! Diagnostics perirad does not have are left empty (`diagnostics_Versions_Numpy`, ...);
//! `diagnostics_Versions_PyRadiomics` names perirad's version and
//! `diagnostics_Configuration_Settings` the settings' SHA-256 (the sidecar holds the settings).

use crate::table::{field, AtomicFile, CaseRecord, Records, RunInfo};
use crate::StudyError;
use perirad_features::diagnostics::python_float;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// PyRadiomics' diagnostics in the order its batch output has them.
const DIAGNOSTICS: [&str; 22] = [
    "diagnostics_Versions_PyRadiomics",
    "diagnostics_Versions_Numpy",
    "diagnostics_Versions_SimpleITK",
    "diagnostics_Versions_PyWavelet",
    "diagnostics_Versions_Python",
    "diagnostics_Configuration_Settings",
    "diagnostics_Configuration_EnabledImageTypes",
    "diagnostics_Image-original_Hash",
    "diagnostics_Image-original_Dimensionality",
    "diagnostics_Image-original_Spacing",
    "diagnostics_Image-original_Size",
    "diagnostics_Image-original_Mean",
    "diagnostics_Image-original_Minimum",
    "diagnostics_Image-original_Maximum",
    "diagnostics_Mask-original_Hash",
    "diagnostics_Mask-original_Spacing",
    "diagnostics_Mask-original_Size",
    "diagnostics_Mask-original_BoundingBox",
    "diagnostics_Mask-original_VoxelNum",
    "diagnostics_Mask-original_VolumeNum",
    "diagnostics_Mask-original_CenterOfMassIndex",
    "diagnostics_Mask-original_CenterOfMass",
];

/// A value as PyRadiomics' CSV writes a Python float (`143.0`, `nan`).
fn python_value(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(x) if x.is_nan() => "nan".into(),
        Ok(x) if x.is_infinite() => if x > 0.0 { "inf" } else { "-inf" }.into(),
        Ok(x) => python_float(x),
        Err(_) => v.to_string(),
    }
}

/// `path` made absolute (against the working folder) with `.` and `..` removed, as Python's
/// `os.path.abspath` does.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Feature columns in PyRadiomics' order: (image type, class) groups in order of first
/// appearance, names sorted within a group.
fn order_features(names: Vec<String>) -> Vec<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for n in names {
        let mut parts = n.splitn(3, '_');
        let key = format!(
            "{}_{}",
            parts.next().unwrap_or(""),
            parts.next().unwrap_or("")
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(n),
            None => groups.push((key, vec![n])),
        }
    }
    groups
        .into_iter()
        .flat_map(|(_, mut v)| {
            // PyRadiomics lists a class's features in the order of their getter methods,
            // `get<Name>FeatureValue`: `MeanAbsoluteDeviation` before `Mean`.
            v.sort_by_cached_key(|n| format!("{n}FeatureValue"));
            v
        })
        .collect()
}

/// One output row: (phase, region) of a case, or `None` for a failed case.
type RowKey = Option<(String, String)>;

fn row_keys(record: &CaseRecord) -> Vec<RowKey> {
    let mut keys: Vec<RowKey> = Vec::new();
    for r in &record.rows {
        let k = Some((r[0].clone(), r[1].clone()));
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        keys.push(None);
    }
    keys
}

/// Writes the PyRadiomics batch layout of the records to `path`.
pub fn write(path: &Path, run: &RunInfo, records: &Records<'_>) -> Result<(), StudyError> {
    let header = &run.manifest_header;
    let pyradiomics_layout = header.iter().any(|h| h == "Image")
        && header.iter().any(|h| h == "Mask")
        && !header.iter().any(|h| h == "mask");
    let base = run
        .manifest
        .get("path")
        .and_then(Value::as_str)
        .map(|p| Path::new(p).parent().unwrap_or(Path::new("")).to_path_buf())
        .unwrap_or_default();
    let with_phase = run.phases.len() > 1;
    let with_region = !run.regions.is_empty();
    // Pass 1: the feature columns.
    let mut names = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in records() {
        for r in &record?.rows {
            if seen.insert(r[2].clone()) {
                names.push(r[2].clone());
            }
        }
    }
    let features = order_features(names);
    let mut columns: Vec<String> = header.clone();
    if with_phase {
        columns.push("Phase".into());
    }
    if with_region {
        columns.push("Region".into());
    }
    columns.extend(DIAGNOSTICS.iter().map(|s| s.to_string()));
    columns.extend(features.iter().cloned());
    let mut file = AtomicFile::create(path)?;
    let line: Vec<String> = columns.iter().map(|c| field(c)).collect();
    file.write(&(line.join(",") + "\n"))?;
    let feature_index: HashMap<&str, usize> = features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), i))
        .collect();
    for record in records() {
        let record = record?;
        let mut manifest_fields = record.meta.fields.clone();
        if pyradiomics_layout {
            for (i, h) in header.iter().enumerate() {
                if (h == "Image" || h == "Mask") && i < manifest_fields.len() {
                    let p = Path::new(&manifest_fields[i]);
                    let p = if p.is_absolute() {
                        p.to_path_buf()
                    } else {
                        base.join(p)
                    };
                    manifest_fields[i] = absolute(&p).display().to_string();
                }
            }
        }
        for key in row_keys(&record) {
            let mut cells: Vec<String> = manifest_fields.clone();
            let Some((phase, region)) = key else {
                // A failed case: its manifest columns only.
                cells.resize(columns.len(), String::new());
                let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
                file.write(&(line.join(",") + "\n"))?;
                continue;
            };
            if with_phase {
                cells.push(phase.clone());
            }
            if with_region {
                cells.push(region.clone());
            }
            let diagnostics = record
                .meta
                .provenance
                .pointer(&format!(
                    "/phases/{}/diagnostics/{}",
                    phase.replace('~', "~0").replace('/', "~1"),
                    region.replace('~', "~0").replace('/', "~1")
                ))
                .cloned()
                .unwrap_or(Value::Null);
            for d in DIAGNOSTICS {
                let v = match d {
                    "diagnostics_Versions_PyRadiomics" => {
                        format!("perirad {}", run.perirad_version)
                    }
                    "diagnostics_Configuration_Settings" => {
                        format!("{} settings sha256 {}", run.mode, run.settings_sha256)
                    }
                    _ => diagnostics
                        .get(d)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                };
                cells.push(v);
            }
            let mut values = vec![String::new(); features.len()];
            for r in record
                .rows
                .iter()
                .filter(|r| r[0] == phase && r[1] == region)
            {
                if let Some(&i) = feature_index.get(r[2].as_str()) {
                    values[i] = python_value(&r[3]);
                }
            }
            cells.extend(values);
            let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
            file.write(&(line.join(",") + "\n"))?;
        }
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floats_and_paths() {
        assert_eq!(python_value("143"), "143.0");
        assert_eq!(python_value("NaN"), "nan");
        assert_eq!(python_value("0.25"), "0.25");
        assert_eq!(
            absolute(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }

    #[test]
    fn features_grouped_by_image_type_and_class_then_sorted() {
        let names = [
            "original_shape_VoxelVolume",
            "original_shape_Elongation",
            "original_firstorder_Mean",
            "original_firstorder_MeanAbsoluteDeviation",
            "original_firstorder_10Percentile",
            "wavelet-LLH_glcm_Idm",
            "wavelet-LLH_glcm_Contrast",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            order_features(names),
            vec![
                "original_shape_Elongation",
                "original_shape_VoxelVolume",
                "original_firstorder_10Percentile",
                "original_firstorder_MeanAbsoluteDeviation",
                "original_firstorder_Mean",
                "wavelet-LLH_glcm_Contrast",
                "wavelet-LLH_glcm_Idm",
            ]
        );
    }
}
