//! The whole PyRadiomics extraction with image types, through `extract_pyradiomics`, against
//! PyRadiomics 3.1.0's values (`../shared/data/pyradiomics/v3.1/values/<case>.csv`) for the
//! `filters` configuration (Original, LoG σ 1/3/5 mm, Wavelet, Square, SquareRoot, Logarithm,
//! Exponential, Gradient, LBP2D, LBP3D) and `filters_ct` (1 mm B-spline resampling, Original, LoG,
//! Wavelet), run with their very parameter files. Every value is compared. Tolerance 1e-6
//! relative (1e-9 absolute near zero), tighter than the 1e-4.

mod common;

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
        let (image, dtype, mask) = common::pyradiomics_roi(case);
        let ex = extract_pyradiomics(&image, dtype, &mask, &params, true).expect("features");
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

/// Several regions in one run (each filtered image made once) give exactly what one run per
/// region gives; a failing region (empty) does not stop the others.
#[test]
fn regions_together_equal_regions_one_by_one() {
    use perirad_features::extract::extract_pyradiomics_regions;
    let params = PyRadiomicsParams::from_yaml(
        "setting:\n  binWidth: 25\nimageType:\n  Original: {}\n  LoG:\n    sigma: [2.0]\n  Wavelet: {}\n",
    )
    .expect("params");
    let images = shared_data().join("pyradiomics/images");
    let stored =
        read_image(&images.join("breast1_image.nrrd"), &ReadOptions::default()).expect("image");
    let image = stored.to_f64_volume();
    let tumor = read_labels(&images.join("breast1_label.nrrd"), &ReadOptions::default())
        .expect("mask")
        .layers[0]
        .mask(1)
        .expect("label 1");
    let ring = read_labels(
        &shared_data().join("rings/breast1/3d/ring_5mm.nrrd"),
        &ReadOptions::default(),
    )
    .expect("ring")
    .layers[0]
        .foreground()
        .expect("ring voxels");
    let empty = tumor.map(|_| false);
    let together = extract_pyradiomics_regions(
        &image,
        stored.dtype(),
        &[&tumor, &ring, &empty],
        &params,
        false,
    )
    .expect("runs");
    assert_eq!(together.len(), 3);
    for (i, m) in [&tumor, &ring].into_iter().enumerate() {
        let alone = extract_pyradiomics(&image, stored.dtype(), m, &params, false).expect("alone");
        let both = together[i].as_ref().expect("region features");
        assert_eq!(both.features.len(), 14 + 93 * 10);
        assert_eq!(both.features, alone.features, "region {i}");
    }
    assert!(together[2].is_err(), "the empty region fails on its own");
}

/// `preCrop: true` (image cropped to the mask's bounding box plus `padDistance` before
/// filtering, so filter values near the crop edge depend on the mask) against PyRadiomics 3.1.0
/// run on breast1 by `scripts/make_precrop_reference.py` (LoG, Wavelet, Gradient).
#[test]
fn pre_crop_matches_pyradiomics() {
    let data =
        perirad_testdata::workspace_root().join("crates/perirad-features/tests/data/precrop");
    let params = PyRadiomicsParams::from_yaml(
        &std::fs::read_to_string(data.join("params.yaml")).expect("params"),
    )
    .expect("valid");
    let want: BTreeMap<String, f64> = std::fs::read_to_string(data.join("breast1.csv"))
        .expect("reference")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(k, v)| (k.to_string(), v.parse().expect("number")))
        .collect();
    let images = shared_data().join("pyradiomics/images");
    let stored =
        read_image(&images.join("breast1_image.nrrd"), &ReadOptions::default()).expect("image");
    let mask = read_labels(&images.join("breast1_label.nrrd"), &ReadOptions::default())
        .expect("mask")
        .layers[0]
        .mask(1)
        .expect("label 1");
    let got: BTreeMap<String, f64> = extract_pyradiomics(
        &stored.to_f64_volume(),
        stored.dtype(),
        &mask,
        &params,
        false,
    )
    .expect("features")
    .features
    .into_iter()
    .collect();
    assert_eq!(got.len(), want.len());
    assert_eq!(want.len(), 638);
    for (k, &w) in &want {
        let g = got[k];
        assert!(close_to_pyradiomics(g, w), "{k}: {g} vs {w}");
    }
}
