//! IBSI mode on degenerate inputs: an empty ROI, a one-voxel ROI, flat intensities, NaN voxels,
//! and processing that leaves nothing. Each gives defined values or a clear error naming the
//! reason. Expected values follow from the IBSI definitions by hand (noted per assertion).

use perirad_core::{Geometry, Volume};
use perirad_features::ibsi::extract_ibsi;
use perirad_features::PeriradSettings;
use std::collections::BTreeMap;

fn volume(values: Vec<f64>, mask: Vec<bool>) -> (Volume<f64>, Volume<bool>) {
    let g = Geometry::with_spacing([4, 4, 4], [2.0, 2.0, 2.0]).expect("geometry");
    (
        Volume::new(g.clone(), values).expect("image"),
        Volume::new(g, mask).expect("mask"),
    )
}

fn settings(text: &str) -> PeriradSettings {
    PeriradSettings::from_yaml(text).expect("valid settings")
}

const FBS: &str = "mode: ibsi\ndiscretisation:\n  texture: {method: fbs, width: 10}\n  ivh: {method: none}\ntexture: {dimensions: [2d, 3d]}\n";

fn features(image: &Volume<f64>, mask: &Volume<bool>, s: &str) -> BTreeMap<String, f64> {
    extract_ibsi(image, mask, &settings(s))
        .expect("features")
        .features
        .into_iter()
        .collect()
}

#[test]
fn empty_roi_is_an_error() {
    let (image, mask) = volume(vec![1.0; 64], vec![false; 64]);
    let e = extract_ibsi(&image, &mask, &settings(FBS)).expect_err("empty ROI");
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn nan_in_the_roi_is_an_error_and_outside_it_is_ignored_where_unused() {
    let mut values = vec![5.0; 64];
    values[0] = f64::NAN;
    let mut m = vec![false; 64];
    m[0] = true;
    m[1] = true;
    let (image, mask) = volume(values.clone(), m);
    let e = extract_ibsi(&image, &mask, &settings(FBS)).expect_err("NaN voxel");
    assert!(e.to_string().contains("non-finite"), "{e}");
}

#[test]
fn one_voxel_roi_has_defined_first_order_and_morphology() {
    let values: Vec<f64> = (0..64).map(|i| i as f64).collect();
    let mut m = vec![false; 64];
    m[21] = true; // (1, 1, 1)
    let (image, mask) = volume(values, m);
    let f = features(&image, &mask, FBS);
    // One voxel of 2 × 2 × 2 mm: voxel volume 8 mm³, mean = the voxel, no spread.
    assert_eq!(f["morph_vol_approx"], 8.0);
    assert_eq!(f["stat_mean"], 21.0);
    assert_eq!(f["stat_var"], 0.0);
    assert_eq!(f["stat_range"], 0.0);
    // One bin: histogram entropy 0, uniformity 1.
    assert_eq!(f["ih_entropy"], 0.0);
    assert_eq!(f["ih_uniformity"], 1.0);
    // No voxel pairs, runs of length 1: GLCM has no matrix (left out), GLRLM/GLSZM have one
    // run / zone of size 1.
    assert!(!f.contains_key("cm_joint_max_3D_comb"));
    assert_eq!(f["rlm_sre_3D_comb"], 1.0);
    assert_eq!(f["szm_z_perc_3D"], 1.0);
}

#[test]
fn flat_roi_has_zero_spread_and_single_level_textures() {
    let (image, mask) = volume(vec![7.0; 64], (0..64).map(|i| i % 4 != 0).collect());
    let f = features(&image, &mask, FBS);
    assert_eq!(f["stat_var"], 0.0);
    assert_eq!(f["stat_skew"], 0.0, "IBSI: skewness 0 for a flat ROI");
    assert_eq!(
        f["stat_kurt"], 0.0,
        "IBSI: excess kurtosis 0 for a flat ROI"
    );
    // One grey level: the GLCM is a single cell, p = 1.
    assert_eq!(f["cm_joint_max_3D_comb"], 1.0);
    assert_eq!(f["cm_joint_entr_3D_comb"], 0.0);
    assert_eq!(f["cm_contrast_3D_comb"], 0.0);
    assert_eq!(f["cm_corr_3D_comb"], 0.0, "σ = 0: correlation set to 0");
    assert_eq!(f["szm_glnu_norm_3D"], 1.0);
    // Undefined (0/0) for one grey level, documented as NaN: the histogram gradients need two
    // bins, the IVH fraction γ = (X − X_min)/(X_max − X_min), and Moran's I and Geary's C divide
    // by the intensity variance.
    let nan: Vec<&str> = f
        .iter()
        .filter(|(_, v)| v.is_nan())
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        nan,
        [
            "ih_max_grad",
            "ih_max_grad_g",
            "ih_min_grad",
            "ih_min_grad_g",
            "ivh_diff_v10_v90",
            "ivh_v10",
            "ivh_v90",
            "morph_geary_c",
            "morph_moran_i"
        ]
    );
}

#[test]
fn processing_that_empties_the_roi_is_an_error() {
    let (image, mask) = volume(vec![7.0; 64], (0..64).map(|i| i % 4 != 0).collect());
    let s = format!("{FBS}resegmentation: {{range: [100, 200]}}\n");
    let e = extract_ibsi(&image, &mask, &settings(&s)).expect_err("nothing left");
    assert!(e.to_string().contains("re-segmentation"), "{e}");
}

#[test]
fn no_discretisation_needs_positive_integer_levels() {
    let (image, mask) = volume(vec![0.5; 64], vec![true; 64]);
    let e = extract_ibsi(
        &image,
        &mask,
        &settings("mode: ibsi\nfamilies: [glcm]\ndiscretisation: {texture: {method: none}}\n"),
    )
    .expect_err("0.5 is no grey level");
    assert!(e.to_string().contains("discretisation.texture"), "{e}");
}
