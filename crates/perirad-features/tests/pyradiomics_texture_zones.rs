//! PyRadiomics `glszm`, `gldm` and `ngtdm` on brain1, breast1 and lung1:
//! * against PyRadiomics 3.1.0's own values (`../shared/data/pyradiomics/v3.1/values/<case>.csv`)
//!   for eight configurations, run with the very parameter files in `v3.1/params/`;
//! * against PyRadiomics' upstream regression baselines (`baseline/baseline_<class>.csv`, which
//!   PyRadiomics 3.1 reproduces to 1e-12), each column with the parameter file of its
//!   configuration.
//!
//! Tolerance: 1e-6 relative, 1e-9 absolute near zero.

mod common;

use perirad_core::{DType, Mask, Volume};
use perirad_features::extract::extract_pyradiomics;
use perirad_features::PyRadiomicsParams;
use perirad_testdata::{close_to_pyradiomics, pyradiomics_baseline, shared_data};
use std::collections::BTreeMap;

const CASES: [&str; 3] = ["brain1", "breast1", "lung1"];
const CLASSES: [&str; 3] = ["glszm", "gldm", "ngtdm"];
/// Features per class PyRadiomics 3.1 reports by default.
const PER_CASE: usize = 16 + 14 + 5;

struct Case {
    image: Volume<f64>,
    dtype: DType,
    mask: Mask,
}

fn load(case: &str) -> Case {
    let (image, dtype, mask) = common::pyradiomics_roi(case);
    Case { image, dtype, mask }
}

fn params(config: &str) -> PyRadiomicsParams {
    let text = std::fs::read_to_string(
        shared_data().join(format!("pyradiomics/v3.1/params/{config}.yaml")),
    )
    .expect("params");
    PyRadiomicsParams::from_yaml(&text).expect("valid parameter file")
}

fn is_zone_feature(key: &str) -> bool {
    CLASSES
        .iter()
        .any(|c| key.starts_with(&format!("original_{c}_")))
}

/// The zone-class features perirad computes for `case` with `params`.
fn computed(case: &Case, params: &PyRadiomicsParams) -> Result<BTreeMap<String, f64>, String> {
    let extraction = extract_pyradiomics(&case.image, case.dtype, &case.mask, params, true)
        .map_err(|e| e.to_string())?;
    Ok(extraction
        .features
        .into_iter()
        .filter(|(k, _)| is_zone_feature(k))
        .collect())
}

/// `config → feature → value` of a case's PyRadiomics 3.1 values, zone classes only.
fn reference(case: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    let text =
        std::fs::read_to_string(shared_data().join(format!("pyradiomics/v3.1/values/{case}.csv")))
            .expect("values");
    let mut out: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut it = line.splitn(3, ',');
        let (Some(c), Some(f), Some(v)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if is_zone_feature(f) {
            let v: f64 = v.parse().expect("a number");
            out.entry(c.to_string())
                .or_default()
                .insert(f.to_string(), v);
        }
    }
    out
}

#[test]
fn zone_classes_match_pyradiomics_3_1() {
    let configs = [
        "default",
        "normalization",
        "resampling",
        "resegmentation",
        "2d",
        "FBN",
        "combined",
        "flatRegion",
    ];
    let mut failures = Vec::new();
    let mut compared: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case_name in CASES {
        let case = load(case_name);
        let want_all = reference(case_name);
        for config in configs {
            let want = &want_all[config];
            assert_eq!(want.len(), PER_CASE, "{case_name} {config}: reference");
            let got = match computed(&case, &params(config)) {
                Ok(g) => g,
                Err(e) => {
                    failures.push(format!("{case_name} {config}: {e}"));
                    continue;
                }
            };
            for key in got.keys() {
                if !want.contains_key(key) {
                    failures.push(format!(
                        "{case_name} {config}: {key} is not in PyRadiomics' output"
                    ));
                }
            }
            let entry = compared.entry(config).or_default();
            for (key, &w) in want {
                let Some(&g) = got.get(key) else {
                    failures.push(format!("{case_name} {config}: {key} not computed"));
                    continue;
                };
                entry.0 += 1;
                if close_to_pyradiomics(g, w) {
                    entry.1 += 1;
                } else {
                    failures.push(format!(
                        "{case_name} {config} {key}: {g} vs {w} (rel {:.2e})",
                        (g - w).abs() / w.abs()
                    ));
                }
            }
        }
    }
    let total: usize = compared.values().map(|c| c.0).sum();
    eprintln!("compared/passing per configuration: {compared:?}");
    assert!(
        failures.is_empty(),
        "{} problems; compared/passing per config {compared:?}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, configs.len() * CASES.len() * PER_CASE);
}

#[test]
fn zone_classes_match_the_upstream_baseline() {
    // column → expected values of the three classes
    let mut columns: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for class in CLASSES {
        for (column, values) in pyradiomics_baseline(class) {
            columns.entry(column).or_default().extend(values);
        }
    }
    assert_eq!(columns.len(), 3 * 7, "3 cases × 7 configurations");
    let mut failures = Vec::new();
    let mut compared = 0;
    for case_name in CASES {
        let case = load(case_name);
        for (column, want) in &columns {
            let (c, config) = column
                .split_once('_')
                .unwrap_or((column.as_str(), "default"));
            if c != case_name {
                continue;
            }
            assert_eq!(want.len(), PER_CASE, "{column}");
            let got = match computed(&case, &params(config)) {
                Ok(g) => g,
                Err(e) => {
                    failures.push(format!("{column}: {e}"));
                    continue;
                }
            };
            for (key, &w) in want {
                let Some(&g) = got.get(key) else {
                    failures.push(format!("{column}: {key} not computed"));
                    continue;
                };
                compared += 1;
                if !close_to_pyradiomics(g, w) {
                    failures.push(format!("{column} {key}: {g} vs baseline {w}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems ({compared} values compared):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(compared, 3 * 7 * PER_CASE);
}
