//! Edge cases of the IBSI intensity features: empty ROI, one-voxel ROI, flat intensities, NaN
//! voxels, and independence from the rayon thread count. Every expected number is derived by
//! hand from the IBSI definitions (the derivation is in the comments).

use perirad_core::{Geometry, Mask, Volume};
use perirad_features::discretise::{ibsi_fixed_bin_number, ibsi_fixed_bin_size};
use perirad_features::families::ibsi_intensity::{
    intensity_histogram, intensity_statistics, intensity_volume_histogram, IvhUnits,
};
use perirad_features::families::ibsi_spatial::{
    integrated_intensity, local_intensity, moran_geary,
};
use perirad_features::FeatureError;
use std::collections::BTreeMap;

fn volume(size: [usize; 3], spacing: [f64; 3], data: Vec<f64>) -> Volume<f64> {
    Volume::new(Geometry::with_spacing(size, spacing).expect("grid"), data).expect("volume")
}

fn mask_of(image: &Volume<f64>, inside: &[usize]) -> Mask {
    let mut m = vec![false; image.data().len()];
    for &l in inside {
        m[l] = true;
    }
    Volume::new(image.geometry().clone(), m).expect("mask")
}

fn map(v: Vec<(&'static str, f64)>) -> BTreeMap<&'static str, f64> {
    v.into_iter().collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn empty_roi_is_an_error() {
    let image = volume([3, 3, 3], [1.0; 3], vec![1.0; 27]);
    let mask = mask_of(&image, &[]);
    assert!(matches!(
        intensity_statistics(&[]),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(matches!(
        intensity_histogram(&[], 8),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(matches!(
        intensity_volume_histogram(&[], IvhUnits::Arbitrary { bins: 1000 }),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(matches!(
        local_intensity(&image, &mask),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(matches!(
        moran_geary(&image, &mask),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(matches!(
        integrated_intensity(&[], 1.0),
        Err(FeatureError::EmptyRoi)
    ));
    assert!(ibsi_fixed_bin_number(&[], 32).expect("empty").is_empty());
    assert!(ibsi_fixed_bin_size(&[], 25.0, 0.0)
        .expect("empty")
        .is_empty());
}

#[test]
fn one_voxel_roi() {
    let s = map(intensity_statistics(&[-4.0]).expect("defined"));
    // μ = −4, every spread 0, skewness and kurtosis 0 (IBSI: m2 = 0), cov = 0/−4 = 0,
    // qcod = 0/−8 = 0, energy 16, rms 4.
    for (tag, want) in [
        ("stat_mean", -4.0),
        ("stat_var", 0.0),
        ("stat_skew", 0.0),
        ("stat_kurt", 0.0),
        ("stat_median", -4.0),
        ("stat_min", -4.0),
        ("stat_p10", -4.0),
        ("stat_p90", -4.0),
        ("stat_max", -4.0),
        ("stat_iqr", 0.0),
        ("stat_range", 0.0),
        ("stat_mad", 0.0),
        ("stat_rmad", 0.0),
        ("stat_medad", 0.0),
        ("stat_cov", 0.0),
        ("stat_qcod", 0.0),
        ("stat_energy", 16.0),
        ("stat_rms", 4.0),
    ] {
        assert_eq!(s[tag], want, "{tag}");
    }
    assert_eq!(s.len(), 18);

    // One level of one bin: mode 1, entropy 0, uniformity 1; the gradient needs 2 bins: NaN.
    let h = map(intensity_histogram(&[1], 1).expect("defined"));
    assert_eq!(h.len(), 23);
    assert_eq!(
        (h["ih_mode"], h["ih_entropy"], h["ih_uniformity"]),
        (1.0, 0.0, 1.0)
    );
    assert!(h["ih_max_grad"].is_nan() && h["ih_min_grad_g"].is_nan());
    // In 3 bins: n = (0, 1, 0), H' = (1, 0, −1).
    let h = map(intensity_histogram(&[2], 3).expect("defined"));
    assert_eq!((h["ih_max_grad"], h["ih_max_grad_g"]), (1.0, 1.0));
    assert_eq!((h["ih_min_grad"], h["ih_min_grad_g"]), (-1.0, 3.0));

    // IVH with G = [min, max] = [7, 7]: γ is 0/0, so V10, V90 are NaN; ν(7) = 1, the first
    // point above the voxel is 8 (ν = 0): I10 = I90 = 8; one intensity: AUC 0.
    let v = map(intensity_volume_histogram(
        &[7.0],
        IvhUnits::Discrete {
            lower: None,
            upper: None,
        },
    )
    .expect("defined"));
    assert!(v["ivh_v10"].is_nan() && v["ivh_v90"].is_nan() && v["ivh_diff_v10_v90"].is_nan());
    assert_eq!((v["ivh_i10"], v["ivh_i90"], v["ivh_auc"]), (8.0, 8.0, 0.0));
    // With G = [0, 10]: ν_i = 1 for i ≤ 7, 0 above; V10 = ν(1) = 1, V90 = ν(9) = 0, I10 = 8.
    let v = map(intensity_volume_histogram(
        &[7.0],
        IvhUnits::Discrete {
            lower: Some(0.0),
            upper: Some(10.0),
        },
    )
    .expect("defined"));
    assert_eq!((v["ivh_v10"], v["ivh_v90"], v["ivh_i10"]), (1.0, 0.0, 8.0));

    // 3×3×3 image of 2 mm voxels: every voxel centre is within 2√3 mm < 6.2 mm of the centre,
    // so the sphere mean at the centre is the mean of 0..26 = 13; both peaks are 13.
    let image = volume([3, 3, 3], [2.0; 3], (0..27).map(f64::from).collect());
    let mask = mask_of(&image, &[13]);
    let l = map(local_intensity(&image, &mask).expect("defined"));
    assert_eq!((l["loc_peak_loc"], l["loc_peak_glob"]), (13.0, 13.0));
    // Moran and Geary: Σw = 0 (no pair), 0/0: NaN.
    let (i, c) = moran_geary(&image, &mask).expect("defined");
    assert!(i.is_nan() && c.is_nan());
    assert_eq!(integrated_intensity(&[-4.0], 2.5).ok(), Some(-10.0));
}

#[test]
fn flat_intensities() {
    let flat = [0.1; 10];
    let s = map(intensity_statistics(&flat).expect("defined"));
    // μ = 0.1 exactly (not Σ/N rounded), no spread: var, skew, kurt, mad, rmad, medad, cov 0.
    assert_eq!(s["stat_mean"], 0.1);
    for tag in [
        "stat_var",
        "stat_skew",
        "stat_kurt",
        "stat_iqr",
        "stat_range",
        "stat_mad",
        "stat_rmad",
        "stat_medad",
        "stat_cov",
        "stat_qcod",
    ] {
        assert_eq!(s[tag], 0.0, "{tag}");
    }
    // Flat at 0: cov = 0/0 and qcod = 0/0 are NaN.
    let s = map(intensity_statistics(&[0.0; 4]).expect("defined"));
    assert!(s["stat_cov"].is_nan() && s["stat_qcod"].is_nan());
    assert_eq!(s["stat_skew"], 0.0);

    // Fixed bin number of a flat ROI: everything in bin 1.
    assert_eq!(
        ibsi_fixed_bin_number(&flat, 32).expect("defined"),
        vec![1; 10]
    );
    // IVH, arbitrary units with 4 bins: all in bin 1, G = [1, 4]; ν(1) = 1, ν(2..4) = 0.
    // V10 = ν at γ ≥ 0.1, i.e. i = 2: 0; I10 = I90 = 2; single intensity: AUC 0.
    let v = map(intensity_volume_histogram(&flat, IvhUnits::Arbitrary { bins: 4 }).expect("ok"));
    assert_eq!(
        (v["ivh_v10"], v["ivh_i10"], v["ivh_i90"], v["ivh_auc"]),
        (0.0, 2.0, 2.0, 0.0)
    );

    // Moran/Geary: Σ (X − μ)² = 0, 0/0: NaN. Peaks: the image is flat at 5.
    let image = volume([4, 3, 2], [1.0, 1.0, 2.0], vec![5.0; 24]);
    let mask = mask_of(&image, &[0, 1, 5, 17]);
    let (i, c) = moran_geary(&image, &mask).expect("defined");
    assert!(i.is_nan() && c.is_nan());
    let l = map(local_intensity(&image, &mask).expect("defined"));
    assert_eq!((l["loc_peak_loc"], l["loc_peak_glob"]), (5.0, 5.0));
}

#[test]
fn nan_voxel_is_an_error() {
    assert!(matches!(
        intensity_statistics(&[1.0, f64::NAN]),
        Err(FeatureError::NonFinite { .. })
    ));
    assert!(matches!(
        intensity_volume_histogram(
            &[1.0, f64::INFINITY],
            IvhUnits::Discrete {
                lower: None,
                upper: None
            }
        ),
        Err(FeatureError::NonFinite { .. })
    ));
    assert!(ibsi_fixed_bin_size(&[f64::NAN], 1.0, 0.0).is_err());
    assert!(ibsi_fixed_bin_number(&[0.0, f64::NAN], 8).is_err());
    assert!(integrated_intensity(&[f64::NAN], 1.0).is_err());

    // A NaN in the ROI: Moran/Geary and the peaks refuse it.
    let mut data = vec![1.0; 5 * 5 * 5];
    data[62] = f64::NAN;
    let image = volume([5, 5, 5], [2.0; 3], data.clone());
    let mask = mask_of(&image, &[61, 62, 63]);
    assert!(matches!(
        moran_geary(&image, &mask),
        Err(FeatureError::NonFinite { .. })
    ));
    assert!(matches!(
        local_intensity(&image, &mask),
        Err(FeatureError::NonFinite { .. })
    ));
    // A NaN outside the ROI but inside a peak sphere (2 mm from voxel 61) is an error too.
    let mask = mask_of(&image, &[61]);
    assert!(local_intensity(&image, &mask).is_err());
    // A NaN outside every sphere does not matter: voxel 0 is (0,0,0), the ROI voxel (4,4,4) is
    // 8√3 mm away.
    let mut data = vec![1.0; 125];
    data[0] = f64::NAN;
    let image = volume([5, 5, 5], [2.0; 3], data);
    let mask = mask_of(&image, &[124]);
    let l = map(local_intensity(&image, &mask).expect("defined"));
    assert_eq!(l["loc_peak_glob"], 1.0);
    // Histogram levels outside 1..=N_g are refused.
    assert!(intensity_histogram(&[0, 1], 4).is_err());
    assert!(intensity_histogram(&[5], 4).is_err());
}

#[test]
fn moran_geary_hand_computed() {
    // Two voxels: z = ±c, I = 2/(2w) · (−2wc²)/(2c²) = −1; C = 1/(4w) · 2w(2c)²/(2c²) = 1.
    let image = volume([3, 1, 1], [1.5, 1.0, 1.0], vec![2.0, 9.0, 7.0]);
    let (i, c) = moran_geary(&image, &mask_of(&image, &[0, 2])).expect("defined");
    assert!(close(i, -1.0) && close(c, 1.0), "{i} {c}");

    // Values (0, 0, 3) at 0, 1, 2 mm: μ = 1, z = (−1, −1, 2), Σz² = 6; w01 = w12 = 1, w02 = 1/2,
    // Σw = 5; Moran numerator 2(1 − 2 − 1) = −4: I = 3/5 · −4/6 = −0.4; Geary numerator
    // 2(0 + 9 + 9/2) = 27: C = 2/10 · 27/6 = 0.9. Along x (one row), y and z (one voxel per row).
    for (size, spacing) in [
        ([3, 1, 1], [1.0, 7.0, 7.0]),
        ([1, 3, 1], [7.0, 1.0, 7.0]),
        ([1, 1, 3], [7.0, 7.0, 1.0]),
    ] {
        let image = volume(size, spacing, vec![0.0, 0.0, 3.0]);
        let (i, c) = moran_geary(&image, &mask_of(&image, &[0, 1, 2])).expect("defined");
        assert!(close(i, -0.4) && close(c, 0.9), "{size:?}: {i} {c}");
    }

    // A hole in the row: (0, 0, 3) at 0, 1, 3 mm (voxel 2 excluded, its value ignored):
    // w01 = 1, w13 = 1/2, w03 = 1/3, Σw = 11/3; Moran numerator 2(1 − 1 − 2/3) = −4/3:
    // I = 3/(11/3) · (−4/3)/6 = −2/11; Geary numerator 2(9/2 + 3) = 15: C = 3/11 · 15/6 = 15/22.
    let image = volume([4, 1, 1], [1.0; 3], vec![0.0, 0.0, 100.0, 3.0]);
    let (i, c) = moran_geary(&image, &mask_of(&image, &[0, 1, 3])).expect("defined");
    assert!(close(i, -2.0 / 11.0) && close(c, 15.0 / 22.0), "{i} {c}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // A pseudo-random 12×10×8 image (integer LCG) with an irregular ROI.
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / 1e6
    };
    let data: Vec<f64> = (0..960).map(|_| next()).collect();
    let image = volume([12, 10, 8], [0.8, 0.9, 2.5], data);
    let inside: Vec<usize> = (0..960).filter(|l| (l * 7919) % 3 != 0).collect();
    let mask = mask_of(&image, &inside);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| {
                let (i, c) = moran_geary(&image, &mask).expect("defined");
                let l = local_intensity(&image, &mask).expect("defined");
                (i.to_bits(), c.to_bits(), l[0].1.to_bits(), l[1].1.to_bits())
            })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(5));
}

#[test]
fn ivh_continuous_and_arbitrary_hand_computed() {
    // Continuous, w = 1 from 0, range [0, 3]: bins 1, 1, 2, 3 → centres 0.5, 0.5, 1.5, 2.5;
    // G = [0.5, 2.5], points 0.5, 1.5, 2.5 with γ = 0, 0.5, 1 and ν = 1, 0.5, 0.25.
    // V10 = ν(1.5) = 0.5, V90 = ν(2.5) = 0.25; I90 = 1.5; no point of G has ν ≤ 0.1, the first
    // bin centre above every voxel is 3.5: I10 = 3.5. AUC = 0.5·1.5/2 + 0.5·0.75/2 = 0.5625.
    let v = map(intensity_volume_histogram(
        &[0.0, 0.3, 1.0, 2.2],
        IvhUnits::Continuous {
            width: 1.0,
            lower: Some(0.0),
            upper: Some(3.0),
        },
    )
    .expect("defined"));
    for (tag, want) in [
        ("ivh_v10", 0.5),
        ("ivh_v90", 0.25),
        ("ivh_i10", 3.5),
        ("ivh_i90", 1.5),
        ("ivh_diff_v10_v90", 0.25),
        ("ivh_diff_i10_i90", 2.0),
        ("ivh_auc", 0.5625),
    ] {
        assert!(close(v[tag], want), "{tag}: {}", v[tag]);
    }
    // Arbitrary, 4 bins on [0, 4]: levels 1, 2, 3, 4, 4; G = [1, 4], γ = 0, 1/3, 2/3, 1,
    // ν = 1, 0.8, 0.6, 0.4: V10 = ν(2) = 0.8, V90 = ν(4) = 0.4, I90 = 2, I10 = 5 (above G).
    let v = map(intensity_volume_histogram(
        &[0.0, 1.0, 2.0, 3.0, 4.0],
        IvhUnits::Arbitrary { bins: 4 },
    )
    .expect("defined"));
    for (tag, want) in [
        ("ivh_v10", 0.8),
        ("ivh_v90", 0.4),
        ("ivh_i10", 5.0),
        ("ivh_i90", 2.0),
    ] {
        assert!(close(v[tag], want), "{tag}: {}", v[tag]);
    }
    // Invalid settings are errors.
    assert!(intensity_volume_histogram(
        &[1.0],
        IvhUnits::Continuous {
            width: 0.0,
            lower: None,
            upper: None
        }
    )
    .is_err());
    assert!(intensity_volume_histogram(&[1.0], IvhUnits::Arbitrary { bins: 0 }).is_err());
    assert!(intensity_volume_histogram(
        &[1.0],
        IvhUnits::Discrete {
            lower: Some(5.0),
            upper: Some(2.0)
        }
    )
    .is_err());
}
