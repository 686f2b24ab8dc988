//! PyRadiomics' `Wavelet` image type (coif1, one level) on brain1, breast1 and lung1, against
//! PyRadiomics 3.1.0's own values (`v3.1/values/<case>.csv`, rows `wavelet-XYZ_<class>_<name>`):
//! * config `filters`: the whole image is filtered, then image and mask are cropped to the mask's
//!   bounding box (PyRadiomics' `cropToTumorMask`) and the feature classes run on the crop;
//! * config `filters_ct`: the image is first resampled to 1 mm (B-spline, padDistance 10, as
//!   PyRadiomics' `loadImage` does), then the resampled crop is filtered.
//!
//! Each band's firstorder features come from `firstorder::pyradiomics`, its texture features from
//! `extract::pyradiomics_texture`. Pass: 1e-4 relative (1e-9 absolute near zero); how many
//! values exceed 1e-6 is printed.

mod common;

use perirad_core::{BoundingBox, Mask, Volume};
use perirad_features::discretise::Binning;
use perirad_features::extract::pyradiomics_texture;
use perirad_features::families::firstorder;
use perirad_features::filters::wavelet::wavelet_images;
use perirad_features::preprocess::pyradiomics::preprocess;
use perirad_features::{ImageType, PyRadiomicsParams, Settings};
use perirad_testdata::{pyradiomics_config_values, pyradiomics_params_text};
use std::collections::BTreeMap;

const CASES: [&str; 3] = ["brain1", "breast1", "lung1"];
const BANDS: [&str; 8] = [
    "wavelet-LLH",
    "wavelet-LHL",
    "wavelet-LHH",
    "wavelet-HLL",
    "wavelet-HLH",
    "wavelet-HHL",
    "wavelet-HHH",
    "wavelet-LLL",
];
/// 18 firstorder + 24 glcm + 16 glrlm + 16 glszm + 14 gldm + 5 ngtdm values per band.
const PER_BAND: usize = 93;

/// The `setting` section with the `Wavelet` image type's own settings in their place.
fn wavelet_settings(params: &PyRadiomicsParams) -> Settings {
    let over = params
        .image_types
        .iter()
        .flatten()
        .find(|(t, _)| *t == ImageType::Wavelet)
        .map(|(_, o)| o.clone())
        .unwrap_or_default();
    params.setting.overlaid(&over)
}

/// Band name → feature (`<class>_<name>`) → value, for one case and configuration.
fn features(case: &str, config: &str) -> BTreeMap<String, BTreeMap<String, f64>> {
    let common::PyradiomicsCase {
        stored,
        image,
        labels,
    } = common::pyradiomics_case(case);
    let params = PyRadiomicsParams::from_yaml(&pyradiomics_params_text(config)).expect("params");
    let mask = labels.layers[0]
        .mask(params.setting.label.unwrap_or(1) as u32)
        .expect("label");
    let pre = preprocess(&image, stored.dtype(), &mask, &params).expect("preprocess");
    let (image, mask): (&Volume<f64>, &Mask) = match &pre {
        Some(p) => (&p.image, &p.mask),
        None => (&image, &mask),
    };
    let bbox = BoundingBox::of(mask.geometry().size(), |l| mask.data()[l]).expect("ROI");
    let roi = mask.crop(&bbox).expect("crop");
    let s = &params.setting;
    let binning = match (s.bin_count, s.bin_width) {
        (Some(c), _) => Binning::Count(c as u32),
        (None, w) => Binning::Width(w.unwrap_or(25.0)),
    };
    let shift = s.voxel_array_shift.unwrap_or(0) as f64;
    let mut out = BTreeMap::new();
    for (name, band) in wavelet_images(image, &wavelet_settings(&params)).expect("wavelet") {
        let band = band.crop(&bbox).expect("crop");
        let values: Vec<f64> = roi
            .data()
            .iter()
            .zip(band.data())
            .filter_map(|(&m, &v)| m.then_some(v))
            .collect();
        let mut f = BTreeMap::new();
        for (n, v) in
            firstorder::pyradiomics(&values, band.geometry().voxel_volume(), shift, binning)
        {
            f.insert(format!("firstorder_{n}"), v);
        }
        for (n, v) in pyradiomics_texture(&band, &roi, &params).expect("texture") {
            f.insert(n.trim_start_matches("original_").to_string(), v);
        }
        out.insert(name, f);
    }
    out
}

fn compare(config: &str) {
    let mut failures = Vec::new();
    let mut report = Vec::new();
    let mut compared = 0;
    let mut over_1e6 = Vec::new();
    for case in CASES {
        let want = pyradiomics_config_values(case, config);
        let got = features(case, config);
        let names: Vec<&String> = got.keys().collect();
        assert_eq!(names.len(), BANDS.len(), "{case} {config}: bands {names:?}");
        for band in BANDS {
            let prefix = format!("{band}_");
            let rows: Vec<(&str, f64)> = want
                .iter()
                .filter_map(|(k, &v)| k.strip_prefix(&prefix).map(|f| (f, v)))
                .collect();
            assert_eq!(
                rows.len(),
                PER_BAND,
                "{case} {config} {band}: reference rows"
            );
            let (mut n, mut ok, mut max_rel) = (0, 0, 0.0f64);
            for (feature, w) in rows {
                let Some(&g) = got[band].get(feature) else {
                    failures.push(format!("{case} {config} {band}_{feature}: not computed"));
                    continue;
                };
                n += 1;
                let d = (g - w).abs();
                let rel = if d == 0.0 { 0.0 } else { d / w.abs() };
                if d > 1e-9 {
                    max_rel = max_rel.max(rel);
                }
                if d <= 1e-9 || d <= 1e-4 * w.abs() {
                    ok += 1;
                } else {
                    failures.push(format!(
                        "{case} {config} {band}_{feature}: {g} vs {w} (rel {rel:.2e})"
                    ));
                }
                if d > 1e-9 && d > 1e-6 * w.abs() {
                    over_1e6.push(format!(
                        "{case} {band}_{feature}: {g} vs {w} (rel {rel:.2e})"
                    ));
                }
            }
            report.push(format!(
                "{case} {config} {band}: {ok}/{n} (max rel {max_rel:.1e})"
            ));
            compared += n;
        }
    }
    println!("{}", report.join("\n"));
    println!(
        "{} values beyond 1e-6:\n{}",
        over_1e6.len(),
        over_1e6.join("\n")
    );
    assert_eq!(
        compared,
        CASES.len() * BANDS.len() * PER_BAND,
        "{failures:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wavelet_filters_match_pyradiomics_3_1() {
    compare("filters");
}

#[test]
fn wavelet_filters_ct_match_pyradiomics_3_1() {
    compare("filters_ct");
}

/// One synthetic case: id, settings, input voxels, size, PyRadiomics' images (name, voxels).
type VoxelCase = (
    String,
    Settings,
    Vec<f64>,
    [usize; 3],
    Vec<(String, Vec<f64>)>,
);

/// PyRadiomics' own wavelet images of small synthetic images
/// (`tests/data/wavelet/pyradiomics_wavelet.txt`, from `scripts/make_wavelet_references.py`):
/// odd sizes, axes shorter than the filter, haar/db3/sym4/bior2.4/rbio3.1/dmey, levels 2 and 3,
/// `start_level`, `force2D` along each axis, one slice. Every voxel must agree to the bit (the
/// sums are added in PyWavelets' order); the largest difference is printed otherwise.
#[test]
fn wavelet_voxels_match_pyradiomics_3_1() {
    use perirad_core::Geometry;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/wavelet/pyradiomics_wavelet.txt");
    let text = std::fs::read_to_string(&path).expect("reference file");
    let numbers = |fields: std::str::SplitWhitespace| -> Vec<f64> {
        fields.map(|v| v.parse::<f64>().expect("number")).collect()
    };
    let mut cases: Vec<VoxelCase> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("case") => {
                let f: Vec<&str> = fields.collect();
                assert_eq!(f.len(), 9, "{line}");
                let int = |s: &str| s.parse::<i64>().expect("integer");
                let settings = Settings {
                    wavelet: Some(f[1].to_string()),
                    level: Some(int(f[2])),
                    start_level: Some(int(f[3])),
                    force_2d: Some(f[4] == "1"),
                    force_2d_dimension: Some(int(f[5])),
                    ..Settings::default()
                };
                let size = [int(f[6]), int(f[7]), int(f[8])].map(|n| n as usize);
                cases.push((f[0].to_string(), settings, Vec::new(), size, Vec::new()));
            }
            Some("input") => cases.last_mut().expect("case").2 = numbers(fields),
            Some("band") => {
                let name = fields.next().expect("band name").to_string();
                cases
                    .last_mut()
                    .expect("case")
                    .4
                    .push((name, numbers(fields)));
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    assert_eq!(cases.len(), 10);
    let mut differing = Vec::new();
    let mut voxels = 0;
    for (id, settings, input, size, want) in &cases {
        let g = Geometry::with_spacing(*size, [0.7, 0.8, 2.5]).expect("geometry");
        let image = Volume::new(g, input.clone()).expect("volume");
        let got = wavelet_images(&image, settings).expect("wavelet");
        let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        let want_names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got_names, want_names, "{id}: images");
        for ((name, band), (_, w)) in got.iter().zip(want) {
            assert_eq!(band.data().len(), w.len(), "{id} {name}");
            let worst = band
                .data()
                .iter()
                .zip(w)
                .map(|(g, w)| (g - w).abs() / w.abs().max(1.0))
                .fold(0.0f64, f64::max);
            voxels += w.len();
            if band.data() != w.as_slice() {
                differing.push(format!("{id} {name}: max rel {worst:.1e}"));
            }
        }
    }
    println!("{voxels} voxels compared");
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}
