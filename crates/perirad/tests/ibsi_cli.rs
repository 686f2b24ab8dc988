//! `perirad conformance ibsi` and `perirad extract --mode ibsi` from the command line. The full
//! suite (all six configurations) runs in CI (`.ci/run`); here the digital phantom and the
//! error paths.

use perirad_testdata::shared_data;
use std::process::Command;

fn perirad(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn conformance_digital_phantom_matches_every_reference_value() {
    let data = shared_data().join("ibsi");
    let o = perirad(&[
        "conformance",
        "ibsi",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--config",
        "digital",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 482 digital-phantom values have a reference (../shared/data/ibsi/README.md).
    assert_eq!(
        stdout.lines().last(),
        Some("IBSI-1: 482/482 reference values within tolerance (0 not computed)")
    );
    assert!(stdout
        .contains("digital  glcm                            150    150      0              0"));
}

#[test]
fn conformance_errors_name_the_file_or_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = perirad(&[
        "conformance",
        "ibsi",
        "--data",
        dir.path().to_str().expect("utf-8 path"),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("reference_digital_phantom.csv"));
    let data = shared_data().join("ibsi");
    let o = perirad(&[
        "conformance",
        "ibsi",
        "--data",
        data.to_str().expect("utf-8 path"),
        "--config",
        "F",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"F\""));
}

#[test]
fn extract_ibsi_mode_writes_ibsi_tags() {
    let data = shared_data().join("ibsi/phantoms/digital");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("digital.csv");
    let settings = perirad_testdata::workspace_root().join("examples/ibsi/digital_phantom.yaml");
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(["extract", "--image"])
        .arg(data.join("phantom.nii.gz"))
        .arg("--mask")
        .arg(data.join("mask.nii.gz"))
        .arg("--params")
        .arg(&settings)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(&out).expect("table");
    // IBSI reference (reference_digital_phantom.csv): stat_mean 2.15, morph_vol_approx 592.
    let value = |tag: &str| -> f64 {
        table
            .lines()
            .find_map(|l| l.strip_prefix(&format!("phantom,,tumor,original_{tag},")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{tag} in\n{table}"))
    };
    assert!((value("stat_mean") - 2.15).abs() < 0.005);
    assert_eq!(value("morph_vol_approx"), 592.0);
    assert!(table.contains(",original_cm_joint_max_3D_comb,"));
    let sidecar: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("digital.csv.json")).expect("sidecar"),
    )
    .expect("json");
    assert_eq!(sidecar["mode"], "ibsi");
    // A perirad settings file cannot run as a PyRadiomics parameter file.
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(["extract", "--mode", "pyradiomics", "--image"])
        .arg(data.join("phantom.nii.gz"))
        .arg("--mask")
        .arg(data.join("mask.nii.gz"))
        .arg("--params")
        .arg(&settings)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("digital_phantom.yaml"));
}

#[test]
fn extract_ibsi_mode_names_filtered_values_by_filter() {
    let data = shared_data().join("ibsi/phantoms/ct");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ct.csv");
    // IBSI-2 phase 2, configuration A with its mean filter only (examples/ibsi2).
    let settings = dir.path().join("mean.yaml");
    std::fs::write(
        &settings,
        "mode: ibsi\nround_intensities: true\nresegmentation: {range: [-1000, 400]}\n\
         families: [intensity_statistics]\nfilters:\n  - {name: mean5, kind: mean, dims: 2d, \
         support: 5, boundary: mirror}\n",
    )
    .expect("settings");
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(["extract", "--image"])
        .arg(data.join("phantom.nii.gz"))
        .arg("--mask")
        .arg(data.join("mask.nii.gz"))
        .arg("--params")
        .arg(&settings)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(&out).expect("table");
    let value = |feature: &str| -> f64 {
        table
            .lines()
            .find_map(|l| l.strip_prefix(&format!("phantom,,tumor,{feature},")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{feature} in\n{table}"))
    };
    // IBSI-2 phase-2 consensus (reference_values_phase2_normalised.csv): 1.A stat_mean
    // -47.0 ± 4.6, 2.A stat_mean -49.9 ± 4.4.
    assert!((value("original_stat_mean") + 47.0).abs() <= 4.6);
    assert!((value("mean5_stat_mean") + 49.9).abs() <= 4.4);
    assert!(!table.contains("original_mean5_"));
    assert_eq!(table.matches(",mean5_stat_").count(), 18);
}
