//! The whole PyRadiomics extraction with image types, through `extract_pyradiomics`, against
//! PyRadiomics 3.1.0's values (`../shared/data/pyradiomics/v3.1/values/<case>.csv`) for the
//! `filters` configuration (Original, LoG σ 1/3/5 mm, Wavelet, Square, SquareRoot, Logarithm,
//! Exponential, Gradient, LBP2D, LBP3D) and `filters_ct` (1 mm B-spline resampling, Original, LoG,
//! Wavelet), run with their very parameter files. Every value is compared. Tolerance 1e-6
//! relative (1e-9 absolute near zero), tighter than the 1e-4.

use perirad_features::extract::extract_pyradiomics;
use perirad_features::PyRadiomicsParams;
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::{
    close_to_pyradiomics, pyradiomics_params_text, pyradiomics_values, shared_data,
};
use std::collections::BTreeMap;

fn run(config: &str, per_case: usize) {
    let params = PyRadiomicsParams::from_yaml(&pyradiomics_params_text(config)).expect("params");
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in ["brain1", "breast1", "lung1"] {
        let images = shared_data().join("pyradiomics/images");
        let stored = read_image(
            &images.join(format!("{case}_image.nrrd")),
            &ReadOptions::default(),
        )
        .expect("image");
        let mask = read_labels(
            &images.join(format!("{case}_label.nrrd")),
            &ReadOptions::default(),
        )
        .expect("mask")
        .layers[0]
            .mask(1)
            .expect("label 1");
        let ex = extract_pyradiomics(
            &stored.to_f64_volume(),
            stored.dtype(),
            &mask,
            &params,
            true,
        )
        .expect("features");
        let got: BTreeMap<String, f64> = ex.features.into_iter().collect();
        let want = pyradiomics_values(case).remove(config).expect("config");
        let mut n = 0;
        for (k, &w) in &want {
            n += 1;
            match got.get(k) {
                None => failures.push(format!("{case} {k}: not computed")),
                Some(&g) if !close_to_pyradiomics(g, w) => {
                    failures.push(format!("{case} {k}: {g} vs {w}"))
                }
                Some(_) => {}
            }
        }
        assert_eq!(n, per_case, "{case}: reference values compared");
        compared += n;
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn filters_configuration_matches_pyradiomics() {
    // 93 features (firstorder + five texture classes) × (1 original + 3 LoG + 8 wavelet + 4
    // intensity transforms + gradient + LBP2D = 18 images, + 3 LBP3D images: lbp-3D-m1,
    // lbp-3D-m2, lbp-3D-k).
    run("filters", 93 * (18 + 3));
}

#[test]
fn filters_ct_configuration_matches_pyradiomics() {
    // Shape (14) + 93 × (original + 3 LoG + 8 wavelet).
    run("filters_ct", 14 + 93 * 12);
}
