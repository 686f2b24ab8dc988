//! IBSI morphology against the IBSI-1 reference values (`../shared/data/ibsi/`), with IBSI's rule:
//! pass iff |signif(x, 3) − value| ≤ tolerance. Rows without a reference value (OMBB, MVEE) are
//! only checked to be finite; integrated intensity, Moran's I and Geary's C are not computed here.

use perirad_core::{Mask, Volume};
use perirad_features::families::morphology::{ibsi_morphology, IBSI_MORPHOLOGY};
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::shared_data;

const ELSEWHERE: [&str; 3] = ["morph_integ_int", "morph_moran_i", "morph_geary_c"];

fn signif3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let e = x.abs().log10().floor() as i32 - 2;
    let f = 10f64.powi(e);
    (x / f).round() * f
}

/// `(tag, value, tolerance)` of the morphology rows of `file` for `config` (None: the digital
/// phantom's file, which has no configuration column).
fn rows(file: &str, config: Option<&str>) -> Vec<(String, Option<(f64, f64)>)> {
    let text = std::fs::read_to_string(shared_data().join(format!("ibsi/{file}"))).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).expect(n);
    let (fam, tag, val, tol) = (col("family"), col("tag"), col("value"), col("tolerance"));
    let mut out: Vec<(String, Option<(f64, f64)>)> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        if f.len() < header.len() || f[fam] != "morphology" {
            continue;
        }
        if let Some(c) = config {
            if f[0] != c {
                continue;
            }
        }
        if out.iter().any(|(t, _)| t == f[tag]) {
            continue; // the digital phantom's file lists some rows twice
        }
        let v = f[val].parse::<f64>().ok().zip(f[tol].parse::<f64>().ok());
        out.push((f[tag].to_string(), v));
    }
    out
}

fn check(got: &[(&str, f64)], want: &[(String, Option<(f64, f64)>)]) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut failures = Vec::new();
    for (tag, reference) in want {
        if ELSEWHERE.contains(&tag.as_str()) {
            continue;
        }
        let Some(&(_, x)) = got.iter().find(|(t, _)| t == tag) else {
            failures.push(format!("{tag}: not computed"));
            continue;
        };
        match reference {
            Some((v, t)) => {
                compared += 1;
                if (signif3(x) - v).abs() > t + 1e-12 * v.abs() {
                    failures.push(format!("{tag}: {x} (signif {}) vs {v} ± {t}", signif3(x)));
                }
            }
            None => {
                if !x.is_finite() || x <= 0.0 {
                    failures.push(format!("{tag}: {x} (no reference, but must be positive)"));
                }
            }
        }
    }
    (compared, failures)
}

fn load(dir: &str) -> (Volume<f64>, Mask) {
    let d = shared_data().join(dir);
    let image = read_image(&d.join("phantom.nii.gz"), &ReadOptions::default())
        .expect("image")
        .to_f64_volume();
    let labels = read_labels(&d.join("mask.nii.gz"), &ReadOptions::default()).expect("mask");
    let mask = labels.layers[0].mask(1).expect("label 1");
    (image, mask)
}

#[test]
fn digital_phantom_morphology() {
    let (image, mask) = load("ibsi/phantoms/digital");
    let got = ibsi_morphology(&mask, &image, &mask);
    assert_eq!(got.len(), IBSI_MORPHOLOGY.len());
    let want = rows("reference_digital_phantom.csv", None);
    let (compared, failures) = check(&got, &want);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared, 22);
}

/// CT phantom, configuration A: no interpolation, so the morphological mask is the mask as
/// stored; the intensity mask is re-segmented to [−500, 400] HU; intensities rounded first.
#[test]
fn ct_phantom_config_a_morphology() {
    let (image, mask) = load("ibsi/phantoms/ct");
    let image = image.map(|v| v.round());
    let intensity: Vec<bool> = mask
        .data()
        .iter()
        .zip(image.data())
        .map(|(&m, &v)| m && (-500.0..=400.0).contains(&v))
        .collect();
    let intensity = Volume::new(mask.geometry().clone(), intensity).expect("same grid");
    let got = ibsi_morphology(&mask, &image, &intensity);
    let want = rows("reference_ct_phantom.csv", Some("A"));
    let (compared, failures) = check(&got, &want);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared, 22);
}
