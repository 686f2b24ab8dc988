//! The synthetic demo cohort: deterministic files, a well-formed manifest, parameter file and
//! study file (read back with the crate's own readers), masks that make sense (tumor inside the
//! liver, sizes as drawn), the outcome's prevalence and a stratified split, and the generation
//! time of the full 120-patient cohort. The planted signal itself is checked with perirad's
//! extraction and models in `scripts/demo_signal_check.py`, not here: a test must not compare
//! against numbers our own extraction produced.

use perirad_core::VoxelData;
use perirad_io::{read_image, ReadOptions};
use perirad_regions::RegionSpec;
use perirad_study::demo::PLANTED_RING_MM;
use perirad_study::study::{load_study, Validation};
use perirad_study::{load_settings, write_demo_cohort, DemoOptions, Manifest};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// SHA-256 of every file under `dir`, by path relative to `dir`.
fn hashes(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("cohort folder is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("cohort file is readable");
                let rel = path
                    .strip_prefix(dir)
                    .expect("file is under the cohort folder")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, format!("{:x}", Sha256::digest(&bytes)));
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_other_images() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let opts = DemoOptions {
        patients: 12,
        seed: 99,
    };
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    write_demo_cohort(&a, &opts).expect("first run");
    write_demo_cohort(&b, &opts).expect("second run");
    let (ha, hb) = (hashes(&a), hashes(&b));
    // 12 cases x 3 volumes + manifest, params, study file; no temporary files left behind.
    assert_eq!(ha.len(), 12 * 3 + 3, "files: {:?}", ha.keys());
    assert_eq!(ha, hb, "two runs with the same seed differ");

    let c = tmp.path().join("c");
    write_demo_cohort(
        &c,
        &DemoOptions {
            patients: 12,
            seed: 100,
        },
    )
    .expect("run with another seed");
    let hc = hashes(&c);
    assert_eq!(ha.len(), hc.len());
    assert_ne!(
        ha["images/case001_ct.nii.gz"], hc["images/case001_ct.nii.gz"],
        "another seed must give another phantom"
    );
}

#[test]
fn too_few_patients_is_an_error_naming_the_option() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let err = write_demo_cohort(
        tmp.path(),
        &DemoOptions {
            patients: 4,
            seed: 1,
        },
    )
    .expect_err("4 patients cannot fill both classes of both sets");
    assert!(err.to_string().contains("--patients 4"), "{err}");
}

fn u8_voxels(path: &Path) -> Vec<u8> {
    let image = read_image(path, &ReadOptions::default()).expect("mask is readable");
    match image.data() {
        VoxelData::U8(v) => v.clone(),
        other => panic!(
            "{}: expected u8 voxels, got {:?}",
            path.display(),
            other.dtype()
        ),
    }
}

#[test]
fn full_cohort_is_well_formed_and_generated_in_time() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let opts = DemoOptions::default();
    assert_eq!((opts.patients, opts.seed), (120, 2026));
    let start = Instant::now();
    let cohort = write_demo_cohort(tmp.path(), &opts).expect("demo cohort");
    let seconds = start.elapsed().as_secs_f64();
    eprintln!("demo cohort of 120 patients generated in {seconds:.1} s");
    // The whole `perirad demo` run must stay under 3 minutes on 2 cores; generation is
    // about 5 s there when the machine is idle. The bound leaves room for a loaded machine.
    assert!(seconds < 60.0, "generation took {seconds:.1} s");
    assert_eq!(cohort.planted_ring_mm, PLANTED_RING_MM);
    assert_eq!(cohort.planted_ring_mm, 5.0);

    // Manifest: read by the crate's own reader, columns as promised, paths that exist.
    let manifest = Manifest::read(&cohort.manifest).expect("manifest is readable");
    assert_eq!(
        manifest.header,
        [
            "case_id",
            "image",
            "mask",
            "liver",
            "mvi",
            "set",
            "age",
            "afp_log",
            "tumor_diameter_mm"
        ]
    );
    assert_eq!(manifest.cases.len(), 120);
    assert_eq!(manifest.phases, [""]);
    let col = |name: &str| {
        manifest
            .passthrough
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("passthrough column {name}"))
    };
    let (mvi_c, set_c, age_c, afp_c, diam_c) = (
        col("mvi"),
        col("set"),
        col("age"),
        col("afp_log"),
        col("tumor_diameter_mm"),
    );
    let mut counts = BTreeMap::new();
    for (n, case) in manifest.cases.iter().enumerate() {
        assert_eq!(case.case_id, format!("case{:03}", n + 1));
        let mvi = case.passthrough[mvi_c].as_str();
        let set = case.passthrough[set_c].as_str();
        assert!(mvi == "0" || mvi == "1", "{}: mvi {mvi}", case.case_id);
        assert!(
            set == "train" || set == "test",
            "{}: set {set}",
            case.case_id
        );
        *counts
            .entry((mvi.to_string(), set.to_string()))
            .or_insert(0) += 1;
        let age: f64 = case.passthrough[age_c].parse().expect("age is a number");
        let afp: f64 = case.passthrough[afp_c]
            .parse()
            .expect("afp_log is a number");
        let diam: f64 = case.passthrough[diam_c]
            .parse()
            .expect("diameter is a number");
        assert!((30.0..=85.0).contains(&age), "{}: age {age}", case.case_id);
        assert!(
            (0.0..=11.0).contains(&afp),
            "{}: afp_log {afp}",
            case.case_id
        );
        assert!(
            (5.0..=70.0).contains(&diam),
            "{}: diameter {diam}",
            case.case_id
        );
        for p in [&case.mask, case.liver.as_ref().expect("liver mask column")] {
            assert!(p.is_file(), "{} is missing", p.display());
        }
        assert!(case.images[0].as_ref().expect("image").is_file());
    }
    // Prevalence 40 %, and 30 % of each class in the test set.
    let n = |m: &str, s: &str| {
        counts
            .get(&(m.to_string(), s.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(n("1", "train") + n("1", "test"), 48, "{counts:?}");
    assert_eq!(n("0", "train") + n("0", "test"), 72, "{counts:?}");
    assert_eq!(n("1", "test"), 14, "{counts:?}"); // round(0.3 * 48)
    assert_eq!(n("0", "test"), 22, "{counts:?}"); // round(0.3 * 72)

    // Parameter file: accepted by the settings loader as written.
    let params = load_settings(Some(&cohort.params), None, &[]).expect("params.yaml loads");
    assert_eq!(
        params.text,
        std::fs::read_to_string(&cohort.params).expect("params text")
    );
    for needle in [
        "binWidth: 25",
        "Original: {}",
        "firstorder:",
        "glcm:",
        "glszm:",
    ] {
        assert!(params.text.contains(needle), "params.yaml lacks {needle}");
    }

    // Study file: loaded by the study runner's reader, pointing at this cohort.
    let study = load_study(&cohort.study_file).expect("study.toml loads");
    assert_eq!(study.manifest, cohort.manifest);
    assert_eq!(study.params.as_deref(), Some(cohort.params.as_path()));
    let expected: Vec<RegionSpec> = [
        "ring:2mm",
        "ring:5mm",
        "ring:10mm",
        "ring:20mm",
        "ring:0.5r",
    ]
    .iter()
    .map(|s| s.parse().expect("region spec"))
    .collect();
    assert_eq!(study.regions, expected);
    assert_eq!(study.validation, Validation::Split("set".into()));
    assert_eq!(study.outcomes.len(), 1);
    let outcome = &study.outcomes[0];
    assert_eq!(outcome.target.as_deref(), Some("mvi"));
    assert_eq!(outcome.clinical, ["age", "afp_log", "tumor_diameter_mm"]);

    // Volumes: CT-like int16 on the anisotropic grid; the tumor inside the liver, clear of the
    // grid border, of the size the manifest's diameter says; the liver not filling the crop.
    let mut cases_with_air = 0;
    for case in manifest.cases.iter().step_by(7) {
        let ct = read_image(
            case.images[0].as_ref().expect("image"),
            &ReadOptions::default(),
        )
        .expect("CT is readable");
        let g = ct.geometry().clone();
        assert_eq!(g.size(), [128, 128, 40]);
        for (a, b) in g.spacing().iter().zip([0.8, 0.8, 2.5]) {
            assert!((a - b).abs() < 1e-6, "spacing {:?}", g.spacing());
        }
        let VoxelData::I16(hu) = ct.data() else {
            panic!("{}: CT is not int16", case.case_id)
        };
        let tumor = u8_voxels(&case.mask);
        let liver = u8_voxels(case.liver.as_ref().expect("liver"));
        assert_eq!(tumor.len(), hu.len());
        assert_eq!(liver.len(), hu.len());
        let mut tumor_n = 0usize;
        let (mut liver_sum, mut liver_n) = (0f64, 0usize);
        let (mut air, mut fat) = (0usize, 0usize);
        for idx in 0..hu.len() {
            assert!(tumor[idx] <= 1 && liver[idx] <= 1);
            if tumor[idx] == 1 {
                assert_eq!(
                    liver[idx], 1,
                    "{}: tumor voxel outside the liver",
                    case.case_id
                );
                let [i, j, k] = g.index_of(idx);
                assert!(
                    i > 0 && j > 0 && k > 0 && i < 127 && j < 127 && k < 39,
                    "{}: tumor touches the grid border",
                    case.case_id
                );
                tumor_n += 1;
            } else if liver[idx] == 1 {
                liver_sum += f64::from(hu[idx]);
                liver_n += 1;
            }
            if hu[idx] < -900 {
                air += 1;
            }
            if liver[idx] == 0 && (-150..-50).contains(&hu[idx]) {
                fat += 1;
            }
        }
        let liver_share = (liver_n + tumor_n) as f64 / hu.len() as f64;
        assert!(
            (0.3..0.97).contains(&liver_share),
            "{}: liver share {liver_share}",
            case.case_id
        );
        let liver_mean = liver_sum / liver_n as f64;
        assert!(
            (35.0..85.0).contains(&liver_mean),
            "{}: liver parenchyma mean {liver_mean} HU",
            case.case_id
        );
        assert!(fat > 1000, "{}: no fat outside the liver", case.case_id);
        cases_with_air += usize::from(air > 1000);
        // Tumor volume against the sphere of the manifest's diameter (measured with noise of
        // 2 mm SD and a lobulated surface: within a factor of two).
        let volume = tumor_n as f64 * 0.8 * 0.8 * 2.5;
        let d: f64 = case.passthrough[diam_c].parse().expect("diameter");
        let sphere = std::f64::consts::PI / 6.0 * d.powi(3);
        assert!(
            volume > 0.45 * sphere && volume < 2.2 * sphere,
            "{}: tumor {volume:.0} mm3 vs diameter {d} mm",
            case.case_id
        );
    }
    assert!(
        cases_with_air >= 3,
        "only {cases_with_air} of 18 crops reach the air"
    );
}
