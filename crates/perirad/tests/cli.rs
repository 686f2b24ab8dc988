//! The `perirad` command as a user meets it: output streams, exit codes, error messages.

use perirad_testdata::workspace_root;
use std::path::PathBuf;
use std::process::{Command, Output};

fn perirad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn demo(name: &str) -> String {
    format!("data/demo/{name}")
}

#[test]
fn readme_main_job_runs_on_the_demo_data() {
    let out = perirad(&[
        "info",
        &demo("breast1_image.nrrd"),
        "--mask",
        &demo("breast1_label.nrrd"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // 143 lesion voxels (PyRadiomics' breast1 reference, ../shared/data/io/reference.json).
    assert!(stdout.contains("ROI        143 voxels"), "{stdout}");
    assert!(stdout.contains("size       45 × 120 × 21"), "{stdout}");
}

#[test]
fn json_is_one_object_per_file_and_a_failure_does_not_stop_the_others() {
    let out = perirad(&[
        "info",
        "--json",
        &demo("breast1_image.nrrd"),
        "no/such/file.nii.gz",
        &demo("breast1_label.nrrd"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file gives exit code 1"
    );
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON per line");
        assert!(v["path"].as_str().is_some_and(|p| p.ends_with(".nrrd")));
    }
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no/such/file.nii.gz") && stderr.contains("No such file"),
        "{stderr}"
    );
}

#[test]
fn mask_on_another_grid_fails_with_a_hint_and_resamples_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A 2 × 2 × 1 mask of 100 mm voxels covering the demo image's x/y extent and z ∈ [-50, 50).
    let mask = dir.path().join("mask.nrrd");
    let header = "NRRD0004\ntype: uchar\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 2 1\nspace directions: (100,0,0) (0,100,0) (0,0,100)\nspace origin: (-150,-100,0)\nencoding: raw\n\n".to_string();
    let mut bytes = header.into_bytes();
    bytes.extend_from_slice(&[1, 1, 1, 1]);
    std::fs::write(&mask, bytes).expect("write");
    let m = mask.to_string_lossy().into_owned();
    let out = perirad(&["info", &demo("breast1_image.nrrd"), "--mask", &m]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("mask.nrrd") && stderr.contains("different grids"),
        "{stderr}"
    );
    assert!(
        stderr.contains("size [45, 120, 21]") && stderr.contains("size [2, 2, 1]"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --resample-mask"), "{stderr}");

    let out = perirad(&[
        "info",
        "--json",
        &demo("breast1_image.nrrd"),
        "--mask",
        &m,
        "--resample-mask",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("json");
    // The one mask voxel covering z ∈ [-50, 50) mm holds slices with z = 9.45 + 2.1 k < 50,
    // k = 0..19 (20 of 21 slices); x, y cover the whole image.
    assert_eq!(v["roi_voxels"], 45 * 120 * 20, "{v}");
}

#[test]
fn convert_writes_a_file_that_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path: PathBuf = dir.path().join("breast1.nii.gz");
    let o = out_path.to_string_lossy().into_owned();
    let out = perirad(&["convert", &demo("breast1_image.nrrd"), &o]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let a = perirad(&["info", "--json", &demo("breast1_image.nrrd")]);
    let b = perirad(&["info", "--json", &o]);
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&a.stdout).expect("json"),
        serde_json::from_slice(&b.stdout).expect("json"),
    );
    for k in ["size", "dtype", "min", "max", "sum"] {
        assert_eq!(a[k], b[k], "{k}");
    }
}

#[test]
fn bad_usage_exits_with_code_2() {
    let out = perirad(&["info"]);
    assert_eq!(out.status.code(), Some(2));
    let out = perirad(&["info", "--spacing", "0,1", &demo("breast1_image.nrrd")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("spacing must be finite and > 0"));
}

#[test]
fn dicom_seg_and_rtstruct_masks_land_on_the_image_grid() {
    // The IBSI CT phantom ROI has 125,256 voxels (../shared/data/ibsi/README.md and
    // ../shared/data/io/reference.json).
    let want = perirad_testdata::load_io_reference(
        &perirad_testdata::shared_data().join("io/reference.json"),
    )
    .files["ibsi/phantoms/ct/mask.nii.gz"]
        .labels
        .clone()
        .expect("mask labels")["1"];
    let ct = perirad_testdata::shared_data().join("ibsi/phantoms/ct");
    let p = |s: &str| ct.join(s).to_string_lossy().into_owned();
    for (image, mask) in [
        ("dicom/image", "dicom/seg/mask_seg.dcm"),
        ("phantom.nii.gz", "dicom/rtstruct/DCM_RS_00060.dcm"),
        ("dicom/image", "mask.nii.gz"),
    ] {
        let out = perirad(&["info", "--json", &p(image), "--mask", &p(mask)]);
        assert!(
            out.status.success(),
            "{image} + {mask}: {}",
            text(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("json");
        assert_eq!(v["roi_voxels"].as_u64(), Some(want), "{image} + {mask}");
    }
}
