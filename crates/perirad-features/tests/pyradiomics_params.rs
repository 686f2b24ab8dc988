//! PyRadiomics parameter files: every file in ../shared/data/pyradiomics/v3.1/params (the files
//! PyRadiomics 3.1.0 ran with) is read as it is, and bad files are refused naming the key.

use perirad_features::{FeatureClass, ImageType, Interpolator, PyRadiomicsParams, WeightingNorm};
use perirad_testdata::shared_data;

#[test]
fn every_shared_parameter_file_is_read() {
    let dir = shared_data().join("pyradiomics/v3.1/params");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("params folder") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("readable");
        let p = PyRadiomicsParams::from_yaml(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !p.enabled_feature_classes().is_empty(),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 11, "{n} parameter files");
}

fn read(name: &str) -> PyRadiomicsParams {
    let text = std::fs::read_to_string(shared_data().join("pyradiomics/v3.1/params").join(name))
        .expect("readable");
    PyRadiomicsParams::from_yaml(&text).expect("valid")
}

#[test]
fn values_are_kept_as_written() {
    let r = read("resampling.yaml");
    assert_eq!(r.setting.resampled_pixel_spacing, Some(vec![2.0, 2.0, 2.0]));
    assert_eq!(r.setting.interpolator, Some(Interpolator::BSpline));
    assert_eq!(r.setting.pad_distance, Some(5));
    assert_eq!(
        r.setting.remove_outliers, None,
        "null keeps PyRadiomics' default"
    );
    assert_eq!(r.enabled_image_types(), vec![ImageType::Original]);
    assert!(r.enabled_feature_classes().contains(&FeatureClass::Shape));

    let f = read("filters.yaml");
    let types = f.image_types.as_ref().expect("imageType section");
    assert_eq!(types.len(), 10);
    let log = types
        .iter()
        .find(|(t, _)| *t == ImageType::LoG)
        .expect("LoG");
    assert_eq!(log.1.sigma, Some(vec![1.0, 3.0, 5.0]));
    assert_eq!(f.setting.bin_width, Some(25.0));

    let c = read("combined.yaml");
    assert_eq!(c.setting.weighting_norm, Some(WeightingNorm::NoWeighting));
}

#[test]
fn defaults_when_sections_are_absent() {
    let p = PyRadiomicsParams::from_yaml("setting:\n  binWidth: 10\n").expect("valid");
    assert_eq!(p.enabled_image_types(), vec![ImageType::Original]);
    assert_eq!(p.enabled_feature_classes().len(), 8);
    let empty = PyRadiomicsParams::from_yaml("").expect("an empty file is valid");
    assert_eq!(empty.setting.bin_width, None);
    // YAML 1.1 spellings PyRadiomics (PyYAML) accepts.
    let y11 = PyRadiomicsParams::from_yaml(
        "setting:\n  normalize: yes\n  correctMask: Off\n  geometryTolerance: '1e-06'\n",
    )
    .expect("valid");
    assert_eq!(y11.setting.normalize, Some(true));
    assert_eq!(y11.setting.correct_mask, Some(false));
    assert_eq!(y11.setting.geometry_tolerance, Some(1e-6));
    let numbered = PyRadiomicsParams::from_yaml("setting:\n  interpolator: 3\n").expect("valid");
    assert_eq!(numbered.setting.interpolator, Some(Interpolator::BSpline));
}

#[test]
fn bad_files_are_refused_naming_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "setting:\n  binWidht: 25\n",
            "setting.binWidht",
            "not a PyRadiomics 3.1 setting",
        ),
        (
            "setting:\n  binwidth: 25\n",
            "setting.binwidth",
            "did you mean binWidth",
        ),
        (
            "setting:\n  binWidth: -5\n",
            "setting.binWidth",
            "must be > 0",
        ),
        (
            "setting:\n  binWidth: wide\n",
            "setting.binWidth",
            "expected a number",
        ),
        (
            "setting:\n  binCount: 2.5\n",
            "setting.binCount",
            "whole number",
        ),
        ("setting:\n  label: 0\n", "setting.label", "must be > 0"),
        (
            "setting:\n  minimumROIDimensions: 4\n",
            "setting.minimumROIDimensions",
            "between 1 and 3",
        ),
        (
            "setting:\n  normalize: yes please\n",
            "setting.normalize",
            "true or false",
        ),
        (
            "setting:\n  interpolator: sitkCubic\n",
            "setting.interpolator",
            "sitkBSpline",
        ),
        (
            "setting:\n  interpolator: 11\n",
            "setting.interpolator",
            "1 to 10",
        ),
        (
            "setting:\n  weightingNorm: chebyshev\n",
            "setting.weightingNorm",
            "no_weighting",
        ),
        (
            "setting:\n  resegmentMode: percent\n",
            "setting.resegmentMode",
            "sigma",
        ),
        (
            "setting:\n  resegmentRange: [100, -50]\n",
            "setting.resegmentRange",
            "lower ≤ upper",
        ),
        (
            "setting:\n  resampledPixelSpacing: [1, 1]\n",
            "setting.resampledPixelSpacing",
            "one spacing per axis",
        ),
        (
            "setting:\n  distances: [1, 0]\n",
            "setting.distances[1]",
            "must be > 0",
        ),
        (
            "setting:\n  force2Ddimension: 3\n",
            "setting.force2Ddimension",
            "between 0 and 2",
        ),
        (
            "imageType:\n  Wavelet:\n    wavelet: db99\n",
            "imageType.Wavelet.wavelet",
            "PyWavelets",
        ),
        (
            "imageType:\n  LoG:\n    sigma: [1.0, 0]\n",
            "imageType.LoG.sigma[1]",
            "must be > 0",
        ),
        (
            "imageType:\n  Laplacian: {}\n",
            "imageType.Laplacian",
            "not a PyRadiomics image type",
        ),
        ("imageType:\n", "imageType", "cannot be null"),
        (
            "featureClass:\n  texture:\n",
            "featureClass.texture",
            "not a PyRadiomics feature class",
        ),
        (
            "featureClass:\n  glcm: [Contrast, Sharpness]\n",
            "featureClass.glcm",
            "\"Sharpness\" is not a feature of class glcm",
        ),
        (
            "featureClass:\n  firstorder: Mean\n",
            "featureClass.firstorder",
            "expected a list",
        ),
        (
            "voxelSetting:\n  kernelRadius: 0\n",
            "voxelSetting.kernelRadius",
            "must be > 0",
        ),
        (
            "voxelSetting:\n  kernelSize: 2\n",
            "voxelSetting.kernelSize",
            "not a PyRadiomics 3.1 voxel setting",
        ),
        ("settings:\n  binWidth: 25\n", "settings", "not a section"),
    ];
    for (yaml, key, reason) in cases {
        let err = PyRadiomicsParams::from_yaml(yaml)
            .expect_err(yaml)
            .to_string();
        assert!(err.contains(&format!("`{key}`")), "{yaml:?}: {err}");
        assert!(err.contains(reason), "{yaml:?}: {err}");
    }
    let err = PyRadiomicsParams::from_yaml("setting: [unclosed\n")
        .expect_err("yaml")
        .to_string();
    assert!(err.contains("not valid YAML"), "{err}");
}

#[test]
fn deprecated_pyradiomics_features_are_accepted_when_named() {
    // glcm SumAverage, Homogeneity1/2 and Dissimilarity are deprecated in PyRadiomics but valid names.
    let p = PyRadiomicsParams::from_yaml(
        "featureClass:\n  glcm: [SumAverage, Homogeneity1, Dissimilarity]\n",
    )
    .expect("valid");
    assert_eq!(
        p.feature_classes.expect("section")[0]
            .1
            .as_ref()
            .map(Vec::len),
        Some(3)
    );
}

/// An image type's own settings replace the section's as PyRadiomics' `dict.update` does,
/// `interpolator: null` included.
#[test]
fn image_type_settings_overlay_the_section() {
    let p = PyRadiomicsParams::from_yaml(
        "setting:\n  interpolator: null\n  binWidth: 25\nimageType:\n  LoG:\n    sigma: [1.0]\n    interpolator: sitkLinear\n    binWidth: 5\n  Wavelet: {}\n",
    )
    .expect("valid");
    let types = p.image_types.as_ref().expect("image types");
    let log = p.setting.overlaid(&types[0].1);
    assert!(!log.interpolator_null);
    assert_eq!(
        log.interpolator,
        Some(perirad_features::Interpolator::Linear)
    );
    assert_eq!(log.bin_width, Some(5.0));
    assert_eq!(log.sigma, Some(vec![1.0]));
    let wavelet = p.setting.overlaid(&types[1].1);
    assert!(wavelet.interpolator_null);
    assert_eq!(wavelet.bin_width, Some(25.0));
}
