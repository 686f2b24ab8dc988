//! Degenerate ROIs and unsupported requests: defined results or clear errors.

use perirad_core::DType::{F64, I16};
use perirad_core::{Geometry, Volume, IDENTITY};
use perirad_features::extract::{check_supported, extract_pyradiomics};
use perirad_features::PyRadiomicsParams;

fn grid() -> Geometry {
    Geometry::new([4, 4, 2], [1.0, 1.0, 2.0], [0.0; 3], IDENTITY).expect("valid")
}

fn params(yaml: &str) -> PyRadiomicsParams {
    PyRadiomicsParams::from_yaml(yaml).expect("valid")
}

const FIRSTORDER: &str = "featureClass:\n  firstorder:\n";

#[test]
fn empty_roi_is_an_error() {
    let img = Volume::filled(grid(), 1.0);
    let mask = Volume::filled(grid(), false);
    let e = extract_pyradiomics(&img, F64, &mask, &params(FIRSTORDER), false)
        .expect_err("empty")
        .to_string();
    assert!(e.contains("the ROI is empty"), "{e}");
}

#[test]
fn single_voxel_and_flat_rois_are_errors_as_in_pyradiomics() {
    let img = Volume::filled(grid(), 7.0);
    let mut m = vec![false; grid().len()];
    m[5] = true;
    let mask = Volume::new(grid(), m.clone()).expect("len");
    let p = params(&format!(
        "setting:\n  minimumROIDimensions: 1\n{FIRSTORDER}"
    ));
    let e = extract_pyradiomics(&img, F64, &mask, &p, false)
        .expect_err("1 voxel")
        .to_string();
    assert!(e.contains("single voxel"), "{e}");
    // A one-row ROI spans one dimension: refused with the default minimumROIDimensions (2)...
    m[6] = true;
    let mask = Volume::new(grid(), m).expect("len");
    let e = extract_pyradiomics(&img, F64, &mask, &params(FIRSTORDER), false)
        .expect_err("1D")
        .to_string();
    assert!(
        e.contains("minimumROIDimensions") && e.contains("1 dimension(s)"),
        "{e}"
    );
    // ...accepted with minimumROIDimensions 1.
    let f = extract_pyradiomics(&img, F64, &mask, &p, false).expect("defined");
    let get = |n: &str| {
        f.features
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| *v)
            .expect(n)
    };
    assert_eq!(get("original_firstorder_Mean"), 7.0);
    assert_eq!(get("original_firstorder_Variance"), 0.0);
}

#[test]
fn flat_intensities_give_defined_values() {
    let img = Volume::filled(grid(), 100.0);
    let mask = Volume::filled(grid(), true);
    let f = extract_pyradiomics(&img, F64, &mask, &params(FIRSTORDER), false).expect("defined");
    let get = |n: &str| {
        f.features
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| *v)
            .expect(n)
    };
    assert_eq!(get("original_firstorder_Range"), 0.0);
    assert_eq!(get("original_firstorder_Kurtosis"), 0.0);
    assert_eq!(get("original_firstorder_Uniformity"), 1.0);
    assert_eq!(get("original_firstorder_Energy"), 32.0 * 100.0 * 100.0);
    assert_eq!(
        get("original_firstorder_TotalEnergy"),
        2.0 * 32.0 * 100.0 * 100.0
    );
}

#[test]
fn nan_voxels_in_the_roi_are_an_error() {
    let mut v = vec![1.0; grid().len()];
    v[3] = f64::NAN;
    let img = Volume::new(grid(), v).expect("len");
    let mask = Volume::filled(grid(), true);
    let e = extract_pyradiomics(&img, F64, &mask, &params(FIRSTORDER), false)
        .expect_err("nan")
        .to_string();
    assert!(e.contains("non-finite"), "{e}");
}

#[test]
fn unsupported_requests_are_named() {
    let img = Volume::filled(grid(), 1.0);
    let mask = Volume::filled(grid(), true);
    // Every image type is computed now (LBP3D was the last): nothing to skip or refuse, with or
    // without `--skip-unsupported`.
    let both = "imageType:\n  Original: {}\n  LBP3D: {}\nfeatureClass:\n  firstorder:\n";
    for skip in [false, true] {
        assert!(check_supported(&params(both), skip)
            .expect("supported")
            .is_empty());
    }
    let ramp = Volume::new(grid(), (0..32).map(|i| f64::from(i * 7 % 11)).collect()).expect("ramp");
    let ex = extract_pyradiomics(&ramp, I16, &mask, &params(both), false).expect("LBP3D");
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    // original + lbp-3D-m1, lbp-3D-m2, lbp-3D-k: 18 firstorder features each.
    assert_eq!(ex.features.len(), 4 * 18);
    assert!(ex
        .features
        .iter()
        .any(|(k, _)| k == "lbp-3D-k_firstorder_Mean"));
    // PyRadiomics fails on a single LBP3D level; so does perirad, naming the setting.
    let one = "imageType:\n  LBP3D:\n    lbp3DLevels: 1\nfeatureClass:\n  firstorder:\n";
    let e = extract_pyradiomics(&ramp, I16, &mask, &params(one), true)
        .expect_err("one level")
        .to_string();
    assert!(e.contains("lbp3DLevels"), "{e}");
    // PyRadiomics skips LoG with a warning on an image with an axis under 4 voxels.
    let small = extract_pyradiomics(
        &img,
        F64,
        &mask,
        &params("imageType:\n  LoG:\n    sigma: [1.0]\n"),
        false,
    )
    .expect("LoG skipped");
    assert!(small.warnings.iter().any(|w| w.contains("too small")));
    assert!(!small.features.iter().any(|(k, _)| k.starts_with("log-")));
    let e = extract_pyradiomics(
        &img,
        F64,
        &mask,
        &params("setting:\n  normalize: true\n"),
        true,
    )
    .expect_err("normalize")
    .to_string();
    // A flat image has no standard deviation to normalise by.
    assert!(
        e.contains("`setting.normalize`") && e.contains("cannot be normalised"),
        "{e}"
    );
    let e = extract_pyradiomics(
        &img,
        F64,
        &mask,
        &params("setting:\n  resampledPixelSpacing: [2, 2, 2]\n  interpolator: sitkGaussian\n"),
        true,
    )
    .expect_err("interpolator")
    .to_string();
    assert!(e.contains("`setting.interpolator`"), "{e}");
    // Deprecated features are computed when named.
    let named = extract_pyradiomics(
        &img,
        F64,
        &mask,
        &params("featureClass:\n  firstorder: [StandardDeviation, Mean]\n"),
        false,
    )
    .expect("named");
    assert_eq!(
        named
            .features
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        vec![
            "original_firstorder_Mean",
            "original_firstorder_StandardDeviation"
        ]
    );
}

/// PyRadiomics 3.1 (`featureextractor.py`, `loadImage`) resamples only when both
/// `resampledPixelSpacing` and `interpolator` are set: an explicit `interpolator: null` keeps the
/// original grid, so breast1 gives PyRadiomics' values of the `default` configuration.
#[test]
fn explicit_null_interpolator_turns_resampling_off() {
    use perirad_io::{read_image, read_labels, ReadOptions};
    use perirad_testdata::shared_data;
    let data = shared_data().join("pyradiomics");
    let text = std::fs::read_to_string(data.join("v3.1/params/default.yaml")).expect("params");
    assert!(
        text.contains("  interpolator: null\n") && text.contains("  resampledPixelSpacing: null\n")
    );
    let text = text.replace(
        "  resampledPixelSpacing: null\n",
        "  resampledPixelSpacing: [2, 2, 2]\n",
    );
    let p = params(&text);
    let stored = read_image(
        &data.join("images/breast1_image.nrrd"),
        &ReadOptions::default(),
    )
    .expect("image");
    let mask = read_labels(
        &data.join("images/breast1_label.nrrd"),
        &ReadOptions::default(),
    )
    .expect("mask")
    .layers[0]
        .mask(1)
        .expect("label 1");
    let got = extract_pyradiomics(&stored.to_f64_volume(), stored.dtype(), &mask, &p, true)
        .expect("features");
    let want: f64 = std::fs::read_to_string(data.join("v3.1/values/breast1.csv"))
        .expect("values")
        .lines()
        .find_map(|l| l.strip_prefix("default,original_firstorder_Mean,"))
        .and_then(|v| v.parse().ok())
        .expect("reference");
    let mean = got
        .features
        .iter()
        .find(|(k, _)| k == "original_firstorder_Mean")
        .map(|(_, v)| *v)
        .expect("mean");
    assert!((mean - want).abs() <= 1e-9 * want.abs(), "{mean} vs {want}");
}
