//! PyRadiomics `glcm` and `glrlm` on brain1, breast1 and lung1, for the configurations default,
//! normalization, resampling, resegmentation, 2d (force2D), FBN (bin count 64), combined
//! (weightingNorm: no_weighting) and flatRegion (a single grey level), run with the parameter
//! files in `../shared/data/pyradiomics/v3.1/params/`, against
//! * PyRadiomics 3.1.0's own values (`v3.1/values/<case>.csv`), and
//! * PyRadiomics' upstream baselines (`baseline/baseline_{glcm,glrlm}.csv`, one column per
//!   case × configuration), which PyRadiomics 3.1 reproduces to 1e-12.
//!
//! Tolerance: 1e-6 relative, 1e-9 absolute near zero.

mod common;

use perirad_features::extract::extract_pyradiomics;
use perirad_features::{FeatureClass, PyRadiomicsParams};
use perirad_testdata::{
    close_to_pyradiomics, pyradiomics_baseline, pyradiomics_config_values, shared_data,
};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CASES: [&str; 3] = ["brain1", "breast1", "lung1"];
const CONFIGS: [&str; 8] = [
    "default",
    "normalization",
    "resampling",
    "resegmentation",
    "2d",
    "FBN",
    "combined",
    "flatRegion",
];
/// 24 glcm + 16 glrlm features per case and configuration.
const PER_RUN: usize = 40;

/// (case, config) → perirad's feature values.
type Runs = BTreeMap<(String, String), Vec<(String, f64)>>;

/// perirad's glcm and glrlm values for every (case, config), computed once.
fn computed() -> &'static Runs {
    static CELL: OnceLock<Runs> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut out = BTreeMap::new();
        for case in CASES {
            let common::PyradiomicsCase {
                stored,
                image,
                labels,
            } = common::pyradiomics_case(case);
            for config in CONFIGS {
                let text = std::fs::read_to_string(
                    shared_data().join(format!("pyradiomics/v3.1/params/{config}.yaml")),
                )
                .expect("params");
                let mut params = PyRadiomicsParams::from_yaml(&text).expect("valid parameters");
                // Only the two classes under test (the others have their own tests).
                params.feature_classes = Some(vec![
                    (FeatureClass::Glcm, None),
                    (FeatureClass::Glrlm, None),
                ]);
                let mask = labels.layers[0]
                    .mask(params.setting.label.unwrap_or(1) as u32)
                    .expect("label");
                let extraction = extract_pyradiomics(&image, stored.dtype(), &mask, &params, true)
                    .expect("features");
                out.insert((case.to_string(), config.to_string()), extraction.features);
            }
        }
        out
    })
}

#[test]
fn glcm_glrlm_match_pyradiomics_3_1() {
    let mut failures = Vec::new();
    let mut report = Vec::new();
    let mut compared = 0;
    for case in CASES {
        for config in CONFIGS {
            let want: BTreeMap<String, f64> = pyradiomics_config_values(case, config)
                .into_iter()
                .filter(|(k, _)| {
                    k.starts_with("original_glcm_") || k.starts_with("original_glrlm_")
                })
                .collect();
            assert_eq!(want.len(), PER_RUN, "{case} {config}: reference rows");
            let got = &computed()[&(case.to_string(), config.to_string())];
            let (mut n, mut ok) = (0, 0);
            for (key, &w) in &want {
                let Some(&(_, g)) = got.iter().find(|(k, _)| k == key) else {
                    failures.push(format!("{case} {config}: {key} not computed"));
                    continue;
                };
                n += 1;
                if close_to_pyradiomics(g, w) {
                    ok += 1;
                } else {
                    failures.push(format!(
                        "{case} {config} {key}: {g} vs {w} (rel {:.2e})",
                        (g - w).abs() / w.abs()
                    ));
                }
            }
            assert_eq!(got.len(), PER_RUN, "{case} {config}: computed values");
            report.push(format!("{case} {config}: {ok}/{n}"));
            compared += n;
        }
    }
    println!("{}", report.join("\n"));
    assert_eq!(
        compared,
        CASES.len() * CONFIGS.len() * PER_RUN,
        "{failures:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn glcm_glrlm_match_the_upstream_baselines() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for class in ["glcm", "glrlm"] {
        let columns = pyradiomics_baseline(class);
        assert_eq!(
            columns.len(),
            CASES.len() * CONFIGS.len(),
            "{class} columns"
        );
        for (column, want) in &columns {
            let (case, config) = column
                .split_once('_')
                .unwrap_or((column.as_str(), "default"));
            let got = &computed()[&(case.to_string(), config.to_string())];
            for (key, &w) in want {
                let Some(&(_, g)) = got.iter().find(|(k, _)| k == key) else {
                    failures.push(format!("{column}: {key} not computed"));
                    continue;
                };
                compared += 1;
                if !close_to_pyradiomics(g, w) {
                    failures.push(format!(
                        "{column} {key}: {g} vs {w} (rel {:.2e})",
                        (g - w).abs() / w.abs()
                    ));
                }
            }
        }
    }
    assert_eq!(
        compared,
        CASES.len() * CONFIGS.len() * PER_RUN,
        "{failures:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
