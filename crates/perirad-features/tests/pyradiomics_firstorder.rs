//! PyRadiomics `firstorder` on brain1, breast1 and lung1 against PyRadiomics 3.1.0's own values
//! (`../shared/data/pyradiomics/v3.1/values/<case>.csv`) for the configurations whose
//! preprocessing is in place so far (`default`, `resegmentation`), run with the very parameter
//! files in `v3.1/params/`. Tolerance: 1e-6 relative, 1e-9 absolute near zero.

use perirad_features::discretise::Binning;
use perirad_features::families::firstorder;
use perirad_features::{PyRadiomicsParams, ResegmentMode};
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::shared_data;
use std::collections::BTreeMap;

fn reference(case: &str, config: &str) -> BTreeMap<String, f64> {
    let text =
        std::fs::read_to_string(shared_data().join(format!("pyradiomics/v3.1/values/{case}.csv")))
            .expect("values");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.splitn(3, ',');
            let (c, f, v) = (it.next()?, it.next()?, it.next()?);
            (c == config)
                .then(|| (f.to_string(), v.parse().ok()))
                .and_then(|(f, v)| v.map(|v| (f, v)))
        })
        .collect()
}

fn roi_values(case: &str, params: &PyRadiomicsParams) -> (Vec<f64>, f64) {
    let images = shared_data().join("pyradiomics/images");
    let image = read_image(
        &images.join(format!("{case}_image.nrrd")),
        &ReadOptions::default(),
    )
    .expect("image");
    let labels = read_labels(
        &images.join(format!("{case}_label.nrrd")),
        &ReadOptions::default(),
    )
    .expect("mask");
    let label = params.setting.label.unwrap_or(1) as u32;
    let mask = labels.layers[0].mask(label).expect("label");
    let mut values: Vec<f64> = mask
        .data()
        .iter()
        .enumerate()
        .filter(|(_, &b)| b)
        .map(|(i, _)| image.data().get_f64(i))
        .collect();
    if let Some(range) = &params.setting.resegment_range {
        // PyRadiomics imageoperations.resegmentMask.
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let mut r = range.clone();
        r.sort_by(f64::total_cmp);
        let th: Vec<f64> = match params
            .setting
            .resegment_mode
            .unwrap_or(ResegmentMode::Absolute)
        {
            ResegmentMode::Absolute => r,
            ResegmentMode::Relative => {
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                r.iter().map(|t| max * t).collect()
            }
            ResegmentMode::Sigma => r.iter().map(|t| mean + sd * t).collect(),
        };
        values.retain(|&v| v >= th[0] && th.get(1).is_none_or(|&hi| v <= hi));
    }
    let s = image.geometry().spacing();
    (values, s[0] * s[1] * s[2])
}

#[test]
fn firstorder_matches_pyradiomics_3_1() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for config in ["default", "resegmentation"] {
        let text = std::fs::read_to_string(
            shared_data().join(format!("pyradiomics/v3.1/params/{config}.yaml")),
        )
        .expect("params");
        let params = PyRadiomicsParams::from_yaml(&text).expect("valid parameter file");
        let binning = match (params.setting.bin_count, params.setting.bin_width) {
            (Some(c), _) => Binning::Count(c as u32),
            (None, w) => Binning::Width(w.unwrap_or(25.0)),
        };
        for case in ["brain1", "breast1", "lung1"] {
            let want = reference(case, config);
            let (values, voxel_volume) = roi_values(case, &params);
            let shift = params.setting.voxel_array_shift.unwrap_or(0) as f64;
            for (name, got) in firstorder::pyradiomics(&values, voxel_volume, shift, binning) {
                let key = format!("original_firstorder_{name}");
                if firstorder::DEPRECATED.contains(&name) {
                    // Not computed by PyRadiomics unless named in the parameter file.
                    assert!(!want.contains_key(&key), "{key} is in the reference");
                    continue;
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
    assert_eq!(compared, 2 * 3 * 18, "{failures:?}");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
