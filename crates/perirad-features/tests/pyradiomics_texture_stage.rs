//! `extract::pyradiomics_texture` (the texture stage alone, which discretises the ROI without
//! gathering its values when there is no re-segmentation) on brain1, breast1 and lung1 cropped
//! to their ROI, for every configuration whose values depend only on the ROI's box (no
//! normalisation, resampling or filters: see `pyradiomics_values_local`), against PyRadiomics
//! 3.1.0's own values (`v3.1/values/<case>.csv`) for glcm, glrlm, glszm, gldm and ngtdm.
//!
//! Tolerance: 1e-6 relative, 1e-9 absolute near zero.

mod common;

use perirad_core::BoundingBox;
use perirad_features::extract::{pyradiomics_texture, pyradiomics_values_local};
use perirad_features::PyRadiomicsParams;
use perirad_testdata::{close_to_pyradiomics, pyradiomics_config_values, pyradiomics_params_text};

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
const TEXTURES: [&str; 5] = ["glcm", "glrlm", "glszm", "gldm", "ngtdm"];

#[test]
fn texture_stage_matches_pyradiomics_3_1() {
    let (mut compared, mut failures, mut runs) = (0, Vec::new(), Vec::new());
    for case in CASES {
        let common::PyradiomicsCase { image, labels, .. } = common::pyradiomics_case(case);
        for config in CONFIGS {
            let params =
                PyRadiomicsParams::from_yaml(&pyradiomics_params_text(config)).expect("params");
            if !pyradiomics_values_local(&params) {
                continue;
            }
            let mask = labels.layers[0]
                .mask(params.setting.label.unwrap_or(1) as u32)
                .expect("label");
            // PyRadiomics crops image and mask to the ROI before its classes run.
            let bbox = BoundingBox::of(mask.geometry().size(), |l| mask.data()[l]).expect("ROI");
            let (image, mask) = (
                image.crop(&bbox).expect("crop"),
                mask.crop(&bbox).expect("crop"),
            );
            let got = pyradiomics_texture(&image, &mask, &params).expect("texture");
            let want = pyradiomics_config_values(case, config);
            let mut n = 0;
            for (key, &w) in want.iter().filter(|(k, _)| {
                TEXTURES
                    .iter()
                    .any(|t| k.starts_with(&format!("original_{t}_")))
            }) {
                n += 1;
                match got.iter().find(|(k, _)| k == key) {
                    Some(&(_, g)) if close_to_pyradiomics(g, w) => {}
                    Some(&(_, g)) => failures.push(format!("{case} {config} {key}: {g} vs {w}")),
                    None => failures.push(format!("{case} {config}: {key} not computed")),
                }
            }
            assert!(n >= 70, "{case} {config}: {n} reference values");
            compared += n;
            runs.push(format!("{case} {config}"));
        }
    }
    // The configurations without normalisation or resampling: default, resegmentation, 2d,
    // FBN and flatRegion at least, on each case.
    assert!(runs.len() >= 15, "{runs:?}");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
