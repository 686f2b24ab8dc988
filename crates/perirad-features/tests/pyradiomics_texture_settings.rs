//! PyRadiomics texture settings that the shared v3.1 values do not exercise: `symmetricalGLCM:
//! false`, `weightingNorm` manhattan / euclidean / infinity (with distances 1 and 2), `distances:
//! [1, 2, 3]` and `gldm_a: 2`, on brain1 and lung1: every feature of the five texture classes
//! against PyRadiomics 3.1.0 (`tests/data/texture_settings/`, made by
//! `scripts/make_texture_settings_references.py` with the parameter files beside the values).
//!
//! Tolerance: 1e-6 relative, 1e-9 absolute near zero.

mod common;

use perirad_features::extract::extract_pyradiomics;
use perirad_features::PyRadiomicsParams;
use perirad_testdata::close_to_pyradiomics;
use std::path::PathBuf;

const CASES: [&str; 2] = ["brain1", "lung1"];
const VARIANTS: [&str; 6] = [
    "asymmetric",
    "manhattan",
    "euclidean",
    "infinity",
    "distances",
    "gldm_a",
];
/// glcm 24 + glrlm 16 + glszm 16 + gldm 14 + ngtdm 5.
const PER_RUN: usize = 75;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/texture_settings")
}

fn reference(case: &str, variant: &str) -> Vec<(String, f64)> {
    let path = data().join(format!("{case}_{variant}.csv"));
    let text = std::fs::read_to_string(&path).expect("reference values");
    text.lines()
        .skip(1)
        .map(|line| {
            let (k, v) = line.split_once(',').expect("feature,value");
            (k.to_string(), v.parse().expect("a number"))
        })
        .collect()
}

#[test]
fn texture_settings_match_pyradiomics_3_1() {
    let (mut failures, mut compared) = (Vec::new(), 0);
    for case in CASES {
        let common::PyradiomicsCase {
            stored,
            image,
            labels,
        } = common::pyradiomics_case(case);
        let mask = labels.layers[0].mask(1).expect("label 1");
        for variant in VARIANTS {
            let text =
                std::fs::read_to_string(data().join(format!("{variant}.yaml"))).expect("params");
            let params = PyRadiomicsParams::from_yaml(&text).expect("valid parameters");
            let got = extract_pyradiomics(&image, stored.dtype(), &mask, &params, true)
                .expect("features")
                .features;
            let want = reference(case, variant);
            assert_eq!(want.len(), PER_RUN, "{case} {variant}: reference rows");
            for (key, w) in &want {
                let Some(&(_, g)) = got.iter().find(|(k, _)| k == key) else {
                    failures.push(format!("{case} {variant}: {key} not computed"));
                    continue;
                };
                compared += 1;
                if !close_to_pyradiomics(g, *w) {
                    failures.push(format!(
                        "{case} {variant} {key}: {g} vs {w} (rel {:.2e})",
                        (g - w).abs() / w.abs()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(compared, CASES.len() * VARIANTS.len() * PER_RUN);
}
