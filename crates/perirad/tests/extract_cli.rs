//! `perirad extract`: the long table from a PyRadiomics parameter file, checked against
//! PyRadiomics 3.1.0's values, plus peritumoral regions and the sidecar.

use perirad_testdata::{pyradiomics_config_values, shared_data};
use std::process::Command;

#[test]
fn lung1_tumor_features_equal_pyradiomics_and_rings_are_rows() {
    let data = shared_data().join("pyradiomics");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("features.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(["extract", "--image"])
        .arg(data.join("images/lung1_image.nrrd"))
        .arg("--mask")
        .arg(data.join("images/lung1_label.nrrd"))
        .arg("--params")
        .arg(data.join("v3.1/params/default.yaml"))
        .args([
            "--skip-unsupported",
            "--case-id",
            "lung1",
            "--region",
            "ring:5mm",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("not computed"),
        "every class of the default parameter file is computed"
    );
    let text = std::fs::read_to_string(&out).expect("table");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("case_id,phase,region,feature,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let reference = pyradiomics_config_values("lung1", "default");
    let tumor: Vec<&Vec<&str>> = rows.iter().filter(|r| r[2] == "tumor").collect();
    assert_eq!(
        tumor.len(),
        18 + 14 + 24 + 16 + 16 + 14 + 5,
        "every default class: firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm"
    );
    for r in &tumor {
        assert_eq!((r[0], r[1]), ("lung1", ""));
        let got: f64 = r[4].parse().expect("number");
        let want = reference[r[3]];
        assert!(
            (got - want).abs() <= 1e-9 || (got - want).abs() <= 1e-6 * want.abs(),
            "{}: {got} vs {want}",
            r[3]
        );
    }
    assert_eq!(
        rows.iter().filter(|r| r[2] == "ring:5mm").count(),
        tumor.len()
    );
    let sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("features.csv.json")).expect("sidecar"),
    )
    .expect("json");
    assert_eq!(sidecar["mode"], "pyradiomics");
    assert_eq!(
        sidecar["regions"][1]["voxels"], 2771,
        "ring:5mm of lung1 (../shared/data/rings/index.json)"
    );
    assert_eq!(sidecar["settings_sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn features_list_prints_the_registry() {
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(["features", "--list", "--json"])
        .output()
        .expect("runs");
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(
        lines.len(),
        perirad_features::registry::REGISTRY.len()
            + perirad_features::ibsi_registry::ibsi_registry().len()
    );
    let ibsi_mean = lines
        .iter()
        .find(|v| v["mode"] == "ibsi" && v["tag"] == "stat_mean")
        .expect("stat_mean");
    assert_eq!(ibsi_mean["ibsi"], "Q4LE");
    let mean = lines
        .iter()
        .find(|v| v["mode"] == "pyradiomics" && v["name"] == "Mean")
        .expect("Mean");
    // IBSI code of the mean intensity (../shared/data/ibsi/reference_digital_phantom.csv).
    let ibsi = std::fs::read_to_string(shared_data().join("ibsi/reference_digital_phantom.csv"))
        .expect("ibsi");
    assert!(
        ibsi.lines().any(|l| l.contains(",Mean intensity,Q4LE,")),
        "Q4LE is IBSI's mean intensity"
    );
    assert_eq!(mean["ibsi"], "Q4LE");
    assert_eq!(mean["pyradiomics_name"], "original_firstorder_Mean");
}

/// `correctMask: true` (PyRadiomics) puts a mask stored on a cropped grid back onto the image
/// grid; without it the grid mismatch is an error naming the mask.
#[test]
fn correct_mask_resamples_a_cropped_mask() {
    let data = shared_data().join("pyradiomics");
    let dir = tempfile::tempdir().expect("tempdir");
    let labels = perirad_io::read_labels(
        &data.join("images/breast1_label.nrrd"),
        &perirad_io::ReadOptions::default(),
    )
    .expect("mask");
    let lm = &labels.layers[0];
    let bbox = perirad_core::BoundingBox::of(lm.geometry().size(), |l| lm.volume().data()[l] != 0)
        .expect("ROI")
        .padded([2, 2, 1], lm.geometry().size());
    let cropped =
        perirad_core::LabelMap::new(lm.volume().crop(&bbox).expect("crop")).expect("labels");
    let mask = dir.path().join("cropped.nrrd");
    perirad_io::write_labels(&mask, &cropped).expect("write");
    let params = |correct: bool| {
        let p = dir.path().join(format!("params_{correct}.yaml"));
        std::fs::write(
            &p,
            format!("setting:\n  binWidth: 25\n  correctMask: {correct}\nfeatureClass:\n  firstorder:\n"),
        )
        .expect("params");
        p
    };
    let run = |correct: bool| {
        Command::new(env!("CARGO_BIN_EXE_perirad"))
            .args(["extract", "--image"])
            .arg(data.join("images/breast1_image.nrrd"))
            .arg("--mask")
            .arg(&mask)
            .arg("--params")
            .arg(params(correct))
            .arg("--out")
            .arg(dir.path().join(format!("out_{correct}.csv")))
            .output()
            .expect("runs")
    };
    let refused = run(false);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cropped.nrrd"));
    let ok = run(true);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // The same ROI as the original mask: PyRadiomics 3.1's default-config mean of breast1.
    let want: f64 = std::fs::read_to_string(data.join("v3.1/values/breast1.csv"))
        .expect("values")
        .lines()
        .find_map(|l| l.strip_prefix("default,original_firstorder_Mean,"))
        .and_then(|v| v.parse().ok())
        .expect("reference mean");
    let table = std::fs::read_to_string(dir.path().join("out_true.csv")).expect("table");
    let got: f64 = table
        .lines()
        .find_map(|l| l.split_once(",original_firstorder_Mean,").map(|(_, v)| v))
        .and_then(|v| v.parse().ok())
        .expect("mean");
    assert!((got - want).abs() <= 1e-9 * want.abs(), "{got} vs {want}");
}

/// `--image-type` replaces the parameter file's image types; values equal PyRadiomics 3.1's
/// `filters` configuration (same settings: binWidth 25); bad types and settings are named.
#[test]
fn image_type_options() {
    let data = shared_data().join("pyradiomics");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("t.csv");
    let run = |types: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_perirad"));
        c.args(["extract", "--image"])
            .arg(data.join("images/breast1_image.nrrd"))
            .arg("--mask")
            .arg(data.join("images/breast1_label.nrrd"))
            .arg("--out")
            .arg(&out);
        for t in types {
            c.args(["--image-type", t]);
        }
        c.output().expect("runs")
    };
    let o = run(&["LoG:{sigma: [3.0]}", "Square"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(&out).expect("table");
    let want = perirad_testdata::pyradiomics_config_values("breast1", "filters");
    let mut compared = 0;
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[3].starts_with("log-sigma-3-0-mm-3D_") || f[3].starts_with("square_") {
            let got: f64 = f[4].parse().expect("number");
            assert!(
                perirad_testdata::close_to_pyradiomics(got, want[f[3]]),
                "{}: {got} vs {}",
                f[3],
                want[f[3]]
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * 93);
    let bad = run(&["LoG:{sigmas: [1.0]}"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("imageType.LoG.sigmas"));
    let bad = run(&["Blur"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("imageType.Blur"));
}
