//! `perirad regions` end to end: files on the image grid equal to the SciPy references, JSON as
//! documented, per-lesion naming, label map, errors.

use perirad_io::{read_labels, ReadOptions};
use perirad_testdata::shared_data;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn perirad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args)
        .output()
        .expect("runs")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn labels(p: &Path) -> Vec<u32> {
    read_labels(p, &ReadOptions::default())
        .expect("readable")
        .layers[0]
        .labels()
        .to_vec()
}

#[test]
fn lung1_rings_kept_in_the_organ_match_the_reference_files() {
    let data = shared_data();
    let rings = data.join("rings");
    let constrained: Value = serde_json::from_str(
        &std::fs::read_to_string(rings.join("constrained.json")).expect("ref"),
    )
    .expect("json");
    let case = &constrained["lung1"];
    let out = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "regions".to_string(),
        "--image".into(),
        s(&rings.join(case["image"].as_str().expect("image"))),
        "--mask".into(),
        s(&rings.join(case["mask"].as_str().expect("mask"))),
        "--liver".into(),
        s(&rings.join(case["organ"].as_str().expect("organ"))),
        "--out".into(),
        s(out.path()),
        "--json".into(),
    ];
    for r in case["regions"].as_array().expect("regions") {
        args.push("--region".into());
        args.push(r["spec"].as_str().expect("spec").into());
    }
    let o = perirad(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<Value> = serde_json::from_slice(&o.stdout).expect("json array");
    for (r, g) in case["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .zip(&got)
    {
        assert_eq!(g["lesion"], Value::Null);
        assert_eq!(g["region"], r["spec"]);
        assert_eq!(g["voxels"], r["voxels"]);
        assert!(
            (g["kept_fraction"].as_f64().expect("kept")
                - r["kept_fraction"].as_f64().expect("kept"))
            .abs()
                < 1e-12
        );
        let file = out.path().join(g["file"].as_str().expect("file"));
        assert!(file.to_string_lossy().ends_with(".nii.gz"));
        assert_eq!(
            labels(&file),
            labels(&rings.join(r["file"].as_str().expect("file"))),
            "{}",
            r["spec"]
        );
    }
    assert!(out.path().join("regions.json").exists());
}

#[test]
fn per_lesion_regions_are_prefixed_and_a_label_map_is_written_when_disjoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two lesions in one label: a 3-voxel bar and a single voxel, 1 mm voxels.
    let image = dir.path().join("img.nrrd");
    let mask = dir.path().join("mask.nrrd");
    let header = "NRRD0004\ntype: uchar\ndimension: 3\nspace: left-posterior-superior\nsizes: 12 1 1\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: raw\n\n";
    let mut img = header.as_bytes().to_vec();
    img.extend_from_slice(&[100; 12]);
    std::fs::write(&image, img).expect("write");
    let mut m = header.as_bytes().to_vec();
    m.extend_from_slice(&[0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
    std::fs::write(&mask, m).expect("write");
    let out = dir.path().join("out");
    let o = perirad(&[
        "regions",
        "--image",
        &s(&image),
        "--mask",
        &s(&mask),
        "--per-lesion",
        "--region",
        "shell:1-2mm",
        "--out",
        &s(&out),
        "--format",
        "nrrd",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Vec<Value> = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["lesion"], 1);
    assert_eq!(got[0]["file"], "lesion1_shell_1-2mm.nrrd");
    assert_eq!(got[1]["file"], "lesion2_shell_1-2mm.nrrd");
    // Lesion 1 (x = 2..=4): shell 1-2 mm is x = 0 and 6; lesion 2 (x = 7): x = 5 and 9.
    assert_eq!(
        labels(&out.join("lesion1_shell_1-2mm.nrrd")),
        vec![1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        labels(&out.join("lesion2_shell_1-2mm.nrrd")),
        vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    );
    assert_eq!(
        labels(&out.join("regions_labelmap.nrrd")),
        vec![1, 0, 0, 0, 0, 2, 1, 0, 0, 2, 0, 0]
    );
    // The 1-voxel regions are under --min-voxels: a warning, not a failure.
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("warning: lesion 2 shell:1-2mm has only 2 voxels"));
}

#[test]
fn bad_specs_and_missing_labels_are_clear_errors() {
    let data = shared_data();
    let img = s(&data.join("pyradiomics/images/breast1_image.nrrd"));
    let mask = s(&data.join("pyradiomics/images/breast1_label.nrrd"));
    let out = tempfile::tempdir().expect("tempdir");
    let o = perirad(&[
        "regions",
        "--image",
        &img,
        "--mask",
        &mask,
        "--region",
        "ring:5",
        "--out",
        &s(out.path()),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("ring:5") && e.contains("give a unit"), "{e}");
    let o = perirad(&[
        "regions",
        "--image",
        &img,
        "--mask",
        &mask,
        "--label",
        "3",
        "--region",
        "ring:5mm",
        "--out",
        &s(out.path()),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("label 3 is not present") && e.contains("breast1_label.nrrd"),
        "{e}"
    );
}

#[test]
fn distance_map_agrees_with_the_scipy_rings() {
    // lung1: the 5 and 10 mm rings of ../shared/data/rings (SciPy) against the written map,
    // away from the float32 rounding at the boundary.
    let data = shared_data();
    let rings = data.join("rings");
    let out = tempfile::tempdir().expect("tempdir");
    let map = out.path().join("d.nrrd");
    let mask = data.join("pyradiomics/images/lung1_label.nrrd");
    let o = perirad(&[
        "distance",
        "--mask",
        &s(&mask),
        "--out",
        &s(&map),
        "--signed",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = perirad_io::read_image(&map, &ReadOptions::default())
        .expect("map")
        .to_f64_volume();
    let tumor = labels(&mask);
    for (w, file) in [
        (5.0, "lung1/3d/ring_5mm.nrrd"),
        (10.0, "lung1/3d/ring_10mm.nrrd"),
    ] {
        let ring = labels(&rings.join(file));
        let mut checked = 0;
        for (l, &v) in d.data().iter().enumerate() {
            assert_eq!(v < 0.0, tumor[l] == 1, "sign at {l}");
            if (v - w).abs() > 1e-4 && v > 0.0 {
                assert_eq!(v < w, ring[l] == 1, "voxel {l}: d = {v}, ring {w} mm");
                checked += 1;
            }
        }
        assert!(checked > 1_000_000);
    }
}
