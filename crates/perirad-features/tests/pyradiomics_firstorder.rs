//! PyRadiomics `firstorder` on brain1, breast1 and lung1 against PyRadiomics 3.1.0's own values
//! (`../shared/data/pyradiomics/v3.1/values/<case>.csv`) for the configurations whose
//! preprocessing is in place so far (`default`, `resegmentation`, `normalization`: whole-image
//! normalisation × 100, `resampling`: B-spline resampling to 2 mm of the int16 images, cast back
//! to int16), run with the very parameter files in `v3.1/params/`. Tolerance: 1e-6 relative,
//! 1e-9 absolute near zero.

mod common;

use perirad_features::extract::extract_pyradiomics;
use perirad_features::PyRadiomicsParams;
use perirad_testdata::{pyradiomics_config_values, shared_data};

#[test]
fn firstorder_matches_pyradiomics_3_1() {
    let mut failures = Vec::new();
    let mut compared = 0;
    let configs = ["default", "resegmentation", "normalization", "resampling"];
    for config in configs {
        let text = std::fs::read_to_string(
            shared_data().join(format!("pyradiomics/v3.1/params/{config}.yaml")),
        )
        .expect("params");
        let params = PyRadiomicsParams::from_yaml(&text).expect("valid parameter file");
        for case in ["brain1", "breast1", "lung1"] {
            let want = pyradiomics_config_values(case, config);
            let common::PyradiomicsCase {
                stored,
                image,
                labels,
            } = common::pyradiomics_case(case);
            let mask = labels.layers[0]
                .mask(params.setting.label.unwrap_or(1) as u32)
                .expect("label");
            let extraction = extract_pyradiomics(&image, stored.dtype(), &mask, &params, true)
                .expect("features");
            for (key, got) in extraction.features {
                if !key.contains("_firstorder_") {
                    continue; // shape: tests/pyradiomics_shape.rs
                }
                let Some(&w) = want.get(&key) else {
                    failures.push(format!("{case} {config}: no reference for {key}"));
                    continue;
                };
                compared += 1;
                let ok = (got - w).abs() <= 1e-9 || (got - w).abs() <= 1e-6 * w.abs();
                if !ok {
                    failures.push(format!(
                        "{case} {config} {key}: {got} vs {w} (rel {:.2e})",
                        (got - w).abs() / w.abs()
                    ));
                }
            }
        }
    }
    assert_eq!(compared, configs.len() * 3 * 18, "{failures:?}");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
