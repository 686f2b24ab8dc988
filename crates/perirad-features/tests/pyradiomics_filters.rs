//! PyRadiomics' derived image types (`filters::pyradiomics`) on brain1, breast1 and lung1,
//! checked through the features PyRadiomics 3.1.0 computed on them (`v3.1/values/<case>.csv`):
//! * config `filters` (no resampling): each image type's filter on the whole image, then image
//!   and mask cropped to the ROI's bounding box, firstorder and the five texture classes;
//! * config `filters_ct` (1 mm B-spline resampling, padDistance 10, voxelArrayShift 1000): the
//!   LoG images of the resampled, padded crop.
//!
//! Pass: 1e-4 relative (1e-9 absolute near zero); the values beyond 1e-6 are counted and
//! printed (`--nocapture`).

mod common;

use perirad_core::{BoundingBox, DType, Mask, Volume};
use perirad_features::discretise::Binning;
use perirad_features::extract::pyradiomics_texture;
use perirad_features::families::firstorder;
use perirad_features::filters::pyradiomics::filtered_images;
use perirad_features::{ImageType, PyRadiomicsParams};
use perirad_testdata::{close_to_pyradiomics, pyradiomics_config_values, pyradiomics_params_text};
use std::collections::BTreeMap;

const CASES: [&str; 3] = ["brain1", "breast1", "lung1"];
/// 18 firstorder + 24 glcm + 16 glrlm + 16 glszm + 14 gldm + 5 ngtdm features per image.
const PER_IMAGE: usize = 93;

fn load(case: &str) -> (Volume<f64>, DType, Mask) {
    common::pyradiomics_roi(case)
}

/// PyRadiomics' features of one derived image: cropped to the ROI's bounding box, firstorder
/// and the texture classes of `params`, named `<image type>_<class>_<feature>`.
fn features(
    name: &str,
    image: &Volume<f64>,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Vec<(String, f64)> {
    let g = mask.geometry();
    let bbox = BoundingBox::of(g.size(), |l| mask.data()[l]).expect("ROI");
    let image = image.crop(&bbox).expect("crop");
    let mask = mask.crop(&bbox).expect("crop");
    let values: Vec<f64> = mask
        .data()
        .iter()
        .zip(image.data())
        .filter_map(|(&m, &v)| m.then_some(v))
        .collect();
    let s = &params.setting;
    let binning = match s.bin_count {
        Some(c) => Binning::Count(c as u32),
        None => Binning::Width(s.bin_width.unwrap_or(25.0)),
    };
    let shift = s.voxel_array_shift.unwrap_or(0) as f64;
    let mut out: Vec<(String, f64)> =
        firstorder::pyradiomics(&values, image.geometry().voxel_volume(), shift, binning)
            .into_iter()
            .map(|(f, v)| (format!("{name}_firstorder_{f}"), v))
            .collect();
    for (f, v) in pyradiomics_texture(&image, &mask, params).expect("texture") {
        let f = f.strip_prefix("original_").unwrap_or(&f);
        out.push((format!("{name}_{f}"), v));
    }
    out
}

/// Whether PyRadiomics names an image of type `t` `name`.
fn is_image_of(t: ImageType, name: &str) -> bool {
    match t {
        ImageType::LoG => name.starts_with("log-sigma-"),
        ImageType::Lbp2D => name == "lbp-2D",
        ImageType::Lbp3D => name.starts_with("lbp-3D-"),
        _ => name == t.name().to_lowercase(),
    }
}

#[derive(Default)]
struct Tally {
    compared: usize,
    passed: usize,
    beyond_1e6: Vec<String>,
    failures: Vec<String>,
    max_rel: f64,
}

fn relative(got: f64, want: f64) -> f64 {
    let d = (got - want).abs();
    if d <= 1e-9 {
        0.0
    } else {
        d / want.abs()
    }
}

/// Runs `types` of `config` on every case and compares with PyRadiomics' values; returns one
/// line per (image, case) and the tally.
fn run(config: &str, types: &[ImageType], resample: bool) -> (Vec<String>, Tally) {
    let params = PyRadiomicsParams::from_yaml(&pyradiomics_params_text(config)).expect("params");
    let own = params.image_types.clone().unwrap_or_default();
    let mut lines = Vec::new();
    let mut tally = Tally::default();
    for case in CASES {
        let want = pyradiomics_config_values(case, config);
        let (image, dtype, mask) = load(case);
        let (image, dtype, mask) = if resample {
            let p = perirad_features::preprocess::pyradiomics::preprocess(
                &image, dtype, &mask, &params,
            )
            .expect("resampling")
            .expect("resampling asked for");
            (p.image, p.dtype, p.mask)
        } else {
            (image, dtype, mask)
        };
        for &t in types {
            let overrides = own
                .iter()
                .find(|(o, _)| *o == t)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            let settings = params.setting.overlaid(&overrides);
            let filtered = filtered_images(t, &image, dtype, &mask, &settings).expect("filter");
            // LBP2D warns that it works in 2D while the features are 3D (as PyRadiomics does).
            let expected_warnings = usize::from(t == ImageType::Lbp2D);
            assert_eq!(
                filtered.warnings.len(),
                expected_warnings,
                "{case} {t:?}: {:?}",
                filtered.warnings
            );
            let names: Vec<&String> = filtered.images.iter().map(|(n, _)| n).collect();
            let expected: std::collections::BTreeSet<&str> = want
                .keys()
                .filter_map(|k| k.split('_').next())
                .filter(|n| is_image_of(t, n))
                .collect();
            assert_eq!(
                names
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<std::collections::BTreeSet<_>>(),
                expected,
                "{case} {t:?}: image names"
            );
            for (name, derived) in &filtered.images {
                let got: BTreeMap<String, f64> = features(name, derived, &mask, &params)
                    .into_iter()
                    .collect();
                let prefix = format!("{name}_");
                let (mut n, mut ok, mut worst) = (0, 0, 0.0f64);
                for (key, &w) in want.iter().filter(|(k, _)| k.starts_with(&prefix)) {
                    let Some(&g) = got.get(key) else {
                        tally.failures.push(format!("{case} {key}: not computed"));
                        continue;
                    };
                    n += 1;
                    let r = relative(g, w);
                    worst = worst.max(r);
                    if !close_to_pyradiomics(g, w) {
                        tally
                            .beyond_1e6
                            .push(format!("{case} {key}: {g} vs {w} (rel {r:.2e})"));
                    }
                    if r <= 1e-4 {
                        ok += 1;
                    } else {
                        tally
                            .failures
                            .push(format!("{case} {key}: {g} vs {w} (rel {r:.2e})"));
                    }
                }
                assert_eq!(n, PER_IMAGE, "{case} {name}: reference rows");
                tally.compared += n;
                tally.passed += ok;
                tally.max_rel = tally.max_rel.max(worst);
                lines.push(format!(
                    "{config} {case} {name}: {ok}/{n}, max rel {worst:.2e}"
                ));
            }
        }
    }
    (lines, tally)
}

fn check(config: &str, types: &[ImageType], resample: bool) {
    let (lines, tally) = run(config, types, resample);
    println!("{}", lines.join("\n"));
    println!(
        "{config} {types:?}: {}/{} within 1e-4, {} beyond 1e-6, max rel {:.2e}",
        tally.passed,
        tally.compared,
        tally.beyond_1e6.len(),
        tally.max_rel
    );
    for b in &tally.beyond_1e6 {
        println!("  beyond 1e-6: {b}");
    }
    assert!(
        tally.failures.is_empty(),
        "{} of {} differ by more than 1e-4:\n{}",
        tally.failures.len(),
        tally.compared,
        tally.failures.join("\n")
    );
}

#[test]
fn log_matches_pyradiomics() {
    check("filters", &[ImageType::LoG], false);
}

#[test]
fn log_after_resampling_matches_pyradiomics() {
    check("filters_ct", &[ImageType::LoG], true);
}

#[test]
fn intensity_transforms_match_pyradiomics() {
    check(
        "filters",
        &[
            ImageType::Square,
            ImageType::SquareRoot,
            ImageType::Logarithm,
            ImageType::Exponential,
        ],
        false,
    );
}

#[test]
fn gradient_matches_pyradiomics() {
    check("filters", &[ImageType::Gradient], false);
}

#[test]
fn lbp_2d_matches_pyradiomics() {
    check("filters", &[ImageType::Lbp2D], false);
}

#[test]
fn lbp_3d_matches_pyradiomics() {
    check("filters", &[ImageType::Lbp3D], false);
}
