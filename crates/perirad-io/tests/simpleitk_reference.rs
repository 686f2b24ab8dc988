//! Every file under `tests/data/` against the values SimpleITK 2.5.7 (or, where SimpleITK cannot
//! read a file, nibabel/pynrrd with ITK's geometry rules) gives for it, as recorded in
//! `tests/data/reference.json` by `scripts/make_io_references.py`. Nothing here is a value
//! perirad produced.

use perirad_core::{Geometry, VoxelData};
use perirad_io::{nrrd, read_image, read_labels, ReadOptions};
use perirad_testdata::{close_rel, load_io_reference, IoReference};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn check_geometry(name: &str, g: &Geometry, r: &IoReference, errors: &mut Vec<String>) {
    if g.size().to_vec() != r.size {
        errors.push(format!("{name}: size {:?} != {:?}", g.size(), r.size));
    }
    let cmp = |what: &str, got: &[f64], want: &[f64], errors: &mut Vec<String>| {
        if got.len() != want.len() || got.iter().zip(want).any(|(a, b)| (a - b).abs() > 1e-6) {
            errors.push(format!("{name}: {what} {got:?} != {want:?}"));
        }
    };
    cmp("spacing", &g.spacing(), &r.spacing, errors);
    cmp("origin", &g.origin(), &r.origin, errors);
    cmp("direction", &g.direction_flat(), &r.direction, errors);
}

/// Per-voxel comparison with the reference list when the reference has one.
fn check_voxels(
    name: &str,
    got: &[f64],
    r: &IoReference,
    abs_tol: f64,
    scale: f64,
    errors: &mut Vec<String>,
) {
    let Some(list) = r.extra.get("voxels").and_then(|v| v.as_array()) else {
        return;
    };
    let want: Vec<f64> = list
        .iter()
        .map(|v| v.as_f64().unwrap_or(f64::NAN) * scale)
        .collect();
    if want.len() != got.len() {
        errors.push(format!(
            "{name}: {} voxels, reference has {}",
            got.len(),
            want.len()
        ));
        return;
    }
    let bad: Vec<usize> = (0..got.len())
        .filter(|&i| (got[i] - want[i]).abs() > abs_tol + 1e-12 * want[i].abs())
        .collect();
    if let Some(&i) = bad.first() {
        errors.push(format!(
            "{name}: {} voxels differ, first at {i}: {} != {}",
            bad.len(),
            got[i],
            want[i]
        ));
    }
}

fn check_stats(
    name: &str,
    data: &VoxelData,
    r: &IoReference,
    rel: f64,
    scale: f64,
    errors: &mut Vec<String>,
) {
    let s = data.stats();
    for (what, got, want) in [
        ("min", s.min, r.min * scale),
        ("max", s.max, r.max * scale),
        ("sum", s.sum, r.sum * scale),
    ] {
        if !close_rel(got, want, rel) {
            errors.push(format!("{name}: {what} {got} != {want}"));
        }
    }
}

#[test]
fn every_reference_file_reads_as_simpleitk_reads_it() {
    let reference = load_io_reference(&data_dir().join("reference.json"));
    assert!(
        reference.generator.contains("SimpleITK"),
        "{}",
        reference.generator
    );
    assert!(
        reference.files.len() >= 40,
        "only {} reference files",
        reference.files.len()
    );
    let mut errors = Vec::new();
    let mut checked = 0;
    for (name, r) in &reference.files {
        let path = data_dir().join(name);
        let is_jpeg = name.ends_with(".jpg");
        // JPEG decoders may round the inverse DCT differently by one grey level per channel
        // (libjpeg in ITK, zune-jpeg here); everything else must match exactly.
        let (voxel_tol, sum_rel) = if is_jpeg {
            (1.0 + 1e-9, 1e-3)
        } else {
            (0.0, 1e-9)
        };
        // SimpleITK read as float64 multiplies RGBA luminance by the raw alpha (ITK's
        // ConvertPixelBuffer skips the alpha normalisation for outputs wider than 2 bytes);
        // perirad scales by alpha/255 as ITK does for 8/16-bit outputs.
        let scale = if r.extra.get("channels").and_then(|c| c.as_u64()) == Some(4) {
            1.0 / 255.0
        } else {
            1.0
        };

        if r.extra.get("direction").is_some_and(|d| d.is_null()) || r.direction.is_empty() {
            // No ITK geometry exists (sheared sform without qform): perirad must refuse it.
            match read_image(&path, &ReadOptions::default()) {
                Err(e) => {
                    let msg = e.to_string();
                    if !(msg.contains(name.rsplit('/').next().unwrap_or(name))
                        && msg.contains("orthonormal"))
                    {
                        errors.push(format!(
                            "{name}: error does not name the file and the shear: {msg}"
                        ));
                    }
                }
                Ok(_) => errors.push(format!("{name}: sheared sform without qform was accepted")),
            }
            checked += 1;
            continue;
        }

        if r.is_mask {
            let labels = match read_labels(&path, &ReadOptions::default()) {
                Ok(l) => l,
                Err(e) => {
                    errors.push(format!("{name}: {e}"));
                    continue;
                }
            };
            check_geometry(name, labels.geometry(), r, &mut errors);
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for lm in &labels.layers {
                for (l, c) in lm.counts() {
                    *counts.entry(l.to_string()).or_insert(0) += c as u64;
                }
            }
            if Some(&counts) != r.labels.as_ref() {
                errors.push(format!("{name}: labels {counts:?} != {:?}", r.labels));
            }
            if let Some(per_layer) = r.extra.get("labels_per_layer").and_then(|v| v.as_array()) {
                for (i, want) in per_layer.iter().enumerate() {
                    let got: BTreeMap<String, u64> = labels
                        .layers
                        .get(i)
                        .map(|lm| {
                            lm.counts()
                                .into_iter()
                                .map(|(l, c)| (l.to_string(), c as u64))
                                .collect()
                        })
                        .unwrap_or_default();
                    let want: BTreeMap<String, u64> =
                        serde_json::from_value(want.clone()).unwrap_or_default();
                    if got != want {
                        errors.push(format!("{name}: layer {i} labels {got:?} != {want:?}"));
                    }
                }
            }
            if let Some(segs) = r.extra.get("segments").and_then(|v| v.as_array()) {
                for s in segs {
                    let seg_name = s["name"].as_str().unwrap_or_default();
                    let layer = s["layer"].as_u64().unwrap_or(0) as usize;
                    let value = s["label_value"].as_u64().unwrap_or(0) as u32;
                    let found = labels
                        .layers
                        .get(layer)
                        .and_then(|lm| lm.segments().iter().find(|x| x.name == seg_name));
                    match found {
                        Some(x) if x.value == value && x.id.as_deref() == s["id"].as_str() => {
                            let want = s["voxel_count"].as_u64().or(s["count"].as_u64());
                            let got = labels.layers[layer].counts().get(&value).copied().unwrap_or(0) as u64;
                            if let Some(w) = want {
                                if w != got {
                                    errors.push(format!("{name}: segment {seg_name} has {got} voxels, reference {w}"));
                                }
                            }
                        }
                        other => errors.push(format!("{name}: segment {seg_name} (layer {layer}, value {value}) not read as expected: {other:?}")),
                    }
                }
            }
            // Statistics over all stored samples (every layer).
            match nrrd::read_nrrd(&path) {
                Ok(n) => {
                    check_stats(name, &n.data, r, 1e-9, 1.0, &mut errors);
                    if n.data.dtype().name() != r.dtype {
                        errors.push(format!("{name}: dtype {} != {}", n.data.dtype(), r.dtype));
                    }
                    check_voxels(name, &n.data.to_f64(), r, 0.0, 1.0, &mut errors);
                }
                Err(e) => errors.push(format!("{name}: {e}")),
            }
            checked += 1;
            continue;
        }

        match read_image(&path, &ReadOptions::default()) {
            Ok(img) => {
                check_geometry(name, img.geometry(), r, &mut errors);
                check_stats(name, img.data(), r, sum_rel, scale, &mut errors);
                check_voxels(name, &img.data().to_f64(), r, voxel_tol, scale, &mut errors);
                // `dtype` is the stored type; a rescaled NIfTI holds f32 as SimpleITK does.
                let stored_ok = img.dtype().name() == r.dtype
                    || (r.extra.get("sitk_pixel_type").and_then(|t| t.as_str())
                        == Some("32-bit float")
                        && img.dtype().name() == "f32")
                    || r.extra
                        .get("channels")
                        .and_then(|c| c.as_u64())
                        .is_some_and(|c| c > 1);
                if !stored_ok {
                    errors.push(format!("{name}: voxel type {} != {}", img.dtype(), r.dtype));
                }
            }
            Err(e) => errors.push(format!("{name}: {e}")),
        }
        checked += 1;
    }
    assert!(
        errors.is_empty(),
        "{} of {checked} files disagree with the reference:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
