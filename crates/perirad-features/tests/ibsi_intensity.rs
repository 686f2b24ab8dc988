//! IBSI-1 intensity features (statistics, intensity histogram, intensity-volume histogram,
//! local intensity, Moran's I and Geary's C) against the IBSI-1 reference values in
//! `../shared/data/ibsi/reference_{digital,ct}_phantom.csv`, joined on the `tag` column. A value
//! passes iff `|signif(x, 3) − value| ≤ tolerance` (the IBSI comparison, see the data README).
//!
//! * Digital phantom: no processing, intensity mask = morphological mask, FBS width 1 from the
//!   ROI minimum (the phantom's own grey levels), IVH discrete with G = [min, max] = [1, 6].
//! * CT phantom configuration A: image rounded to integers, no interpolation, re-segmentation
//!   [−500, 400] of the intensity mask, FBS width 25 from −500 for the histogram, IVH discrete
//!   with G = [−500, 400], local intensity on the whole image.
//!
//! Not compared: `ivh_auc` (no reference value), `morph_integ_int` (needs the mesh volume, which
//! another module computes), configurations B–E (they need resampling).

use perirad_core::{Mask, Volume};
use perirad_features::discretise::ibsi_fixed_bin_size;
use perirad_features::families::ibsi_intensity::{
    intensity_histogram, intensity_statistics, intensity_volume_histogram, IvhUnits,
};
use perirad_features::families::ibsi_spatial::{local_intensity, moran_geary};
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::shared_data;
use std::collections::BTreeMap;
use std::time::Instant;

/// One reference row: value and tolerance.
#[derive(Debug, Clone, Copy)]
struct Reference {
    value: f64,
    tolerance: f64,
}

/// Splits one CSV line, honouring double quotes.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Reference rows with a value, by tag, for `families` (and the extra `tags`); `config` selects
/// the CT configuration (`None` for the digital phantom file).
fn references(
    file: &str,
    config: Option<&str>,
    families: &[&str],
    tags: &[&str],
) -> BTreeMap<String, Reference> {
    let text = std::fs::read_to_string(shared_data().join("ibsi").join(file)).expect("reference");
    let mut lines = text.lines();
    let header = split_csv(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_family, c_value, c_tol, c_tag) =
        (col("family"), col("value"), col("tolerance"), col("tag"));
    let c_config = config.map(|_| col("config"));
    let mut out = BTreeMap::new();
    for line in lines {
        let f = split_csv(line);
        if let (Some(c), Some(want)) = (c_config, config) {
            if f[c] != want {
                continue;
            }
        }
        if !(families.contains(&f[c_family].as_str()) || tags.contains(&f[c_tag].as_str())) {
            continue;
        }
        if f[c_value].is_empty() {
            continue;
        }
        out.insert(
            f[c_tag].clone(),
            Reference {
                value: f[c_value].parse().expect("value"),
                tolerance: f[c_tol].parse().expect("tolerance"),
            },
        );
    }
    out
}

/// R's `signif(x, 3)`.
fn signif3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let d = x.abs().log10().floor() as i32 + 1;
    let e = 3 - d;
    if e >= 0 {
        let f = 10f64.powi(e);
        (x * f).round() / f
    } else {
        let f = 10f64.powi(-e);
        (x / f).round() * f
    }
}

/// Compares every reference row with the computed features; returns (compared, failures).
fn compare(
    label: &str,
    want: &BTreeMap<String, Reference>,
    got: &BTreeMap<&'static str, f64>,
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    for (tag, r) in want {
        let Some(&x) = got.get(tag.as_str()) else {
            failures.push(format!("{label} {tag}: not computed"));
            continue;
        };
        let s = signif3(x);
        let ok = (s - r.value).abs() <= r.tolerance + 1e-9 * r.value.abs().max(1e-12);
        eprintln!(
            "{label} {tag}: {x} → {s} vs {} ± {} {}",
            r.value,
            r.tolerance,
            if ok { "ok" } else { "FAIL" }
        );
        if !ok {
            failures.push(format!(
                "{label} {tag}: {x} (signif {s}) vs {} ± {}",
                r.value, r.tolerance
            ));
        }
    }
    (want.len(), failures)
}

const FAMILIES: &[&str] = &[
    "intensity_statistics",
    "intensity_histogram",
    "intensity_volume_histogram",
    "local_intensity",
];
const MORPH_TAGS: &[&str] = &["morph_moran_i", "morph_geary_c"];

fn load(dir: &str) -> (Volume<f64>, Mask) {
    let d = shared_data().join("ibsi/phantoms").join(dir);
    let image = read_image(&d.join("phantom.nii.gz"), &ReadOptions::default())
        .expect("image")
        .to_f64_volume();
    let labels = read_labels(&d.join("mask.nii.gz"), &ReadOptions::default()).expect("mask");
    let mask = labels.layers[0].foreground().expect("mask voxels");
    (image, mask)
}

fn roi_values(image: &Volume<f64>, mask: &Mask) -> Vec<f64> {
    image
        .data()
        .iter()
        .zip(mask.data())
        .filter_map(|(&x, &m)| m.then_some(x))
        .collect()
}

/// All features of the four families plus Moran/Geary; `lower` and `width`: FBS for the
/// histogram; `range`: G of the discrete IVH.
fn all_features(
    image: &Volume<f64>,
    mask: &Mask,
    lower: f64,
    width: f64,
    range: (Option<f64>, Option<f64>),
    label: &str,
) -> BTreeMap<&'static str, f64> {
    let values = roi_values(image, mask);
    let mut got = BTreeMap::new();
    got.extend(intensity_statistics(&values).expect("statistics"));
    let levels = ibsi_fixed_bin_size(&values, width, lower).expect("discretised");
    let n_g = levels.iter().copied().max().expect("non-empty");
    got.extend(intensity_histogram(&levels, n_g).expect("histogram"));
    got.extend(
        intensity_volume_histogram(
            &values,
            IvhUnits::Discrete {
                lower: range.0,
                upper: range.1,
            },
        )
        .expect("ivh"),
    );
    let t = Instant::now();
    got.extend(local_intensity(image, mask).expect("local intensity"));
    eprintln!(
        "{label}: local intensity {:.3} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let (moran, geary) = moran_geary(image, mask).expect("moran/geary");
    eprintln!(
        "{label}: Moran/Geary over {} voxels {:.3} s ({} rayon threads)",
        values.len(),
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    got.insert("morph_moran_i", moran);
    got.insert("morph_geary_c", geary);
    got
}

#[test]
fn digital_phantom_matches_ibsi() {
    let (image, mask) = load("digital");
    let values = roi_values(&image, &mask);
    assert_eq!(values.len(), 74, "the phantom ROI has 74 voxels");
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let got = all_features(&image, &mask, min, 1.0, (None, None), "digital");
    let want = references("reference_digital_phantom.csv", None, FAMILIES, MORPH_TAGS);
    let (compared, failures) = compare("digital", &want, &got);
    assert_eq!(compared, 18 + 23 + 6 + 2 + 2);
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ct_phantom_config_a_matches_ibsi() {
    let (image, morph_mask) = load("ct");
    // IBSI: convert the NIfTI image to float and round to the nearest integer.
    let image = image.map(|x| x.round());
    assert_eq!(morph_mask.data().iter().filter(|&&m| m).count(), 125256);
    // Re-segmentation [−500, 400] restricts the intensity mask only.
    let mask = Volume::new(
        image.geometry().clone(),
        image
            .data()
            .iter()
            .zip(morph_mask.data())
            .map(|(&x, &m)| m && (-500.0..=400.0).contains(&x))
            .collect(),
    )
    .expect("mask on the image grid");
    let got = all_features(
        &image,
        &mask,
        -500.0,
        25.0,
        (Some(-500.0), Some(400.0)),
        "CT A",
    );
    let want = references("reference_ct_phantom.csv", Some("A"), FAMILIES, MORPH_TAGS);
    let (compared, failures) = compare("CT A", &want, &got);
    assert_eq!(compared, 18 + 23 + 6 + 2 + 2);
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
