//! `perirad extract --manifest` and `perirad merge` on a cohort built from PyRadiomics' test
//! cases: bad cases become error rows, values equal single-case extraction (and PyRadiomics
//! 3.1.0's reference values), resume after kill -9 and shards give the uninterrupted table.

use perirad_testdata::{pyradiomics_config_values, shared_data};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn perirad(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args)
        .output()
        .expect("perirad runs")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

fn images() -> PathBuf {
    shared_data().join("pyradiomics/images")
}

fn params(name: &str) -> PathBuf {
    shared_data().join(format!("pyradiomics/v3.1/params/{name}.yaml"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A mask on breast1's grid with no voxel set.
fn empty_mask(dir: &Path) -> PathBuf {
    let labels = perirad_io::read_labels(
        &images().join("breast1_label.nrrd"),
        &perirad_io::ReadOptions::default(),
    )
    .expect("breast1 mask");
    let zero = labels.layers[0].volume().map(|_| 0u32);
    let empty = perirad_core::LabelMap::new(zero).expect("label map");
    let path = dir.join("empty_label.nrrd");
    perirad_io::write_labels(&path, &empty).expect("write empty mask");
    path
}

/// Parses CSV lines into fields (quoted fields with commas included).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => out.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

#[test]
fn cohort_has_every_good_case_error_rows_and_single_case_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = empty_mask(dir.path());
    let img = images();
    // Relative paths are relative to the manifest's folder: copy nothing, write a manifest in
    // the temp folder with absolute image paths and one relative path (the empty mask).
    let manifest = dir.path().join("cases.csv");
    let i = |n: &str| img.join(n).display().to_string();
    std::fs::write(
        &manifest,
        format!(
            "case_id,image,mask,outcome,center\n\
             brain1,{},{},1,\"A, north\"\n\
             gone,{},{},0,B\n\
             breast1,{},{},0,A\n\
             empty,{},empty_label.nrrd,1,B\n\
             lung1,{},{},1,C\n",
            i("brain1_image.nrrd"),
            i("brain1_label.nrrd"),
            i("no_such_image.nrrd"),
            i("brain1_label.nrrd"),
            i("breast1_image.nrrd"),
            i("breast1_label.nrrd"),
            i("breast1_image.nrrd"),
            i("lung1_image.nrrd"),
            i("lung1_label.nrrd"),
        ),
    )
    .expect("manifest");
    assert!(empty.exists());
    let run = |out: &Path, jobs: &str| {
        perirad(&[
            os("extract"),
            os("--manifest"),
            os(&manifest),
            os("--params"),
            os(&params("default")),
            os("--skip-unsupported"),
            os("--region"),
            os("ring:5mm"),
            os("--jobs"),
            os(jobs),
            os("--quiet"),
            os("--pyradiomics-csv"),
            os(&out.with_extension("pyradiomics.csv")),
            os("--out"),
            os(out),
        ])
    };
    let out = dir.path().join("features.csv");
    let o = run(&out, "2");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a failed case gives exit 1: {stderr}"
    );
    assert!(stderr.contains("no_such_image.nrrd"), "{stderr}");

    // Error rows: the missing file and the empty mask, in manifest order, with their reasons.
    let errors = csv_rows(&read(&dir.path().join("features.errors.csv")));
    assert_eq!(errors[0], vec!["case_id", "error"]);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[1][0], "gone");
    assert!(
        errors[1][1].contains("no_such_image.nrrd") && errors[1][1].contains("No such file"),
        "{errors:?}"
    );
    assert_eq!(errors[2][0], "empty");
    assert!(errors[2][1].contains("empty_label.nrrd"), "{errors:?}");
    let sidecar: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("features.csv.json"))).expect("json");
    let failed: Vec<&str> = sidecar["failed_cases"]
        .as_array()
        .expect("failed_cases")
        .iter()
        .filter_map(|f| f["case_id"].as_str())
        .collect();
    assert_eq!(failed, vec!["gone", "empty"]);
    assert_eq!(sidecar["mode"], "pyradiomics");
    assert_eq!(sidecar["regions"][0], "ring:5mm");

    // Every good case, each equal to single-case `perirad extract` of the same case.
    let long = read(&out);
    let rows = csv_rows(&long);
    assert_eq!(
        rows[0],
        vec!["case_id", "phase", "region", "feature", "value"]
    );
    let cases: Vec<&str> = {
        let mut c: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        c.dedup();
        c
    };
    assert_eq!(cases, vec!["brain1", "breast1", "lung1"]);
    for case in ["brain1", "breast1", "lung1"] {
        let single = dir.path().join(format!("{case}.csv"));
        let o = perirad(&[
            os("extract"),
            os("--image"),
            os(&img.join(format!("{case}_image.nrrd"))),
            os("--mask"),
            os(&img.join(format!("{case}_label.nrrd"))),
            os("--params"),
            os(&params("default")),
            os("--skip-unsupported"),
            os("--region"),
            os("ring:5mm"),
            os("--case-id"),
            os(case),
            os("--out"),
            os(&single),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let single_text = read(&single);
        let single_rows: Vec<&str> = single_text.lines().skip(1).collect();
        let batch_rows: Vec<&str> = long
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{case},")))
            .collect();
        assert!(
            single_rows.len() > 100,
            "{case}: {} rows",
            single_rows.len()
        );
        assert_eq!(
            batch_rows, single_rows,
            "{case}: batch rows equal single-case rows"
        );

        // And the tumor values are PyRadiomics 3.1.0's.
        let reference = pyradiomics_config_values(case, "default");
        let mut checked = 0;
        for r in rows[1..].iter().filter(|r| r[0] == case && r[2] == "tumor") {
            let got: f64 = r[4].parse().expect("number");
            let want = reference[&r[3]];
            assert!(
                (got - want).abs() <= 1e-9 || (got - want).abs() <= 1e-6 * want.abs(),
                "{case} {}: {got} vs PyRadiomics {want}",
                r[3]
            );
            checked += 1;
        }
        assert_eq!(checked, 107, "{case}: every default-class feature");
    }

    // Wide table: one row per good case, passthrough columns kept, values from the long table.
    let wide = csv_rows(&read(&dir.path().join("features.wide.csv")));
    assert_eq!(&wide[0][..3], &["case_id", "outcome", "center"]);
    assert_eq!(wide.len(), 4);
    assert_eq!(wide[1][..3], ["brain1", "1", "A, north"]);
    let col = wide[0]
        .iter()
        .position(|c| c == "ring:5mm__original_firstorder_Mean")
        .expect("no phase prefix with one phase");
    let in_long = rows
        .iter()
        .find(|r| r[0] == "lung1" && r[2] == "ring:5mm" && r[3] == "original_firstorder_Mean")
        .expect("lung1 ring mean");
    assert_eq!(wide[3][0], "lung1");
    assert_eq!(wide[3][col], in_long[4]);
    assert_eq!(wide[0].len(), 3 + 2 * 107);

    // PyRadiomics' layout: one row per case and region, the region after the manifest columns,
    // a failed case with its manifest columns only.
    let py = csv_rows(&read(&dir.path().join("features.pyradiomics.csv")));
    assert_eq!(
        &py[0][..6],
        &["case_id", "image", "mask", "outcome", "center", "Region"]
    );
    assert_eq!(py[0][6], "diagnostics_Versions_PyRadiomics");
    let keys: Vec<(&str, &str)> = py[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("brain1", "tumor"),
            ("brain1", "ring:5mm"),
            ("gone", ""),
            ("breast1", "tumor"),
            ("breast1", "ring:5mm"),
            ("empty", ""),
            ("lung1", "tumor"),
            ("lung1", "ring:5mm"),
        ]
    );

    // The same files whatever the number of jobs.
    let out1 = dir.path().join("one_job.csv");
    assert_eq!(run(&out1, "1").status.code(), Some(1));
    assert_eq!(read(&out1), long);
    assert_eq!(
        read(&dir.path().join("one_job.wide.csv")),
        read(&dir.path().join("features.wide.csv"))
    );
}

/// A manifest of `cases` (case id, image, mask file names in the PyRadiomics images folder).
fn write_manifest(path: &Path, cases: &[(&str, &str, &str)]) {
    let img = images();
    let mut text = String::from("case_id,image,mask,outcome\n");
    for (k, (id, image, mask)) in cases.iter().enumerate() {
        text.push_str(&format!(
            "{id},{},{},{}\n",
            img.join(image).display(),
            img.join(mask).display(),
            k % 2
        ));
    }
    std::fs::write(path, text).expect("manifest");
}

/// The four files of a cohort table, for byte-for-byte comparison.
fn table_files(long: &Path) -> Vec<(String, String)> {
    let stem = long
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = long.parent().expect("folder");
    [
        long.to_path_buf(),
        dir.join(format!("{stem}.wide.csv")),
        dir.join(format!("{stem}.errors.csv")),
        PathBuf::from(format!("{}.json", long.display())),
    ]
    .iter()
    .map(|p| {
        (
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            read(p),
        )
    })
    .collect()
}

fn assert_same_tables(got: &Path, want: &Path) {
    for ((gn, g), (wn, w)) in table_files(got).iter().zip(table_files(want)) {
        assert!(g == &w, "{gn} differs from {wn}");
    }
}

#[test]
fn resume_after_kill_9_gives_the_uninterrupted_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("cases.csv");
    // Eight cases of about a second each (Original, LoG, wavelet and other filters), one failing.
    let mut cases = vec![("gone", "no_such_image.nrrd", "brain1_label.nrrd")];
    let ids: Vec<String> = (1..=7).map(|k| format!("brain1_{k}")).collect();
    for id in &ids {
        cases.push((id.as_str(), "brain1_image.nrrd", "brain1_label.nrrd"));
    }
    cases.swap(0, 3);
    write_manifest(&manifest, &cases);
    let args = |out: &Path, extra: &[&str]| -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = vec![
            "extract".into(),
            "--manifest".into(),
            manifest.clone().into(),
            "--params".into(),
            params("filters").into(),
            "--skip-unsupported".into(),
            "--region".into(),
            "ring:5mm".into(),
            "--jobs".into(),
            "1".into(),
            "--quiet".into(),
            "--out".into(),
            out.into(),
        ];
        a.extend(extra.iter().map(|s| s.into()));
        a
    };
    let out = dir.path().join("interrupted.csv");
    let parts = dir.path().join("interrupted.csv.parts");
    let mut child = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args(&out, &[]))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn perirad");
    let start = std::time::Instant::now();
    let finished_parts = |p: &Path| -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.ends_with(".json") && !n.starts_with('.')
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    while finished_parts(&parts) == 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "no part file after 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill -9"); // SIGKILL on Unix
    child.wait().expect("reaped");
    let done = finished_parts(&parts);
    assert!(
        (1..cases.len()).contains(&done) && !out.exists(),
        "the run was interrupted mid-way ({done} parts, table {})",
        out.exists()
    );

    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args(&out, &["--resume"]))
        .output()
        .expect("resume");
    assert_eq!(o.status.code(), Some(1), "the failing case still fails");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(&format!("({done} resumed)")), "{stderr}");

    let full = dir.path().join("uninterrupted.csv");
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args(&full, &[]))
        .output()
        .expect("full run");
    assert_eq!(o.status.code(), Some(1));
    assert_same_tables(&out, &full);
    let long = read(&full);
    for id in &ids {
        assert!(long.contains(&format!("\n{id},,ring:5mm,wavelet-LLH_glszm_ZoneEntropy,")));
    }

    // Other regions: the part files do not match, every case runs again.
    let o = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args(&out, &["--resume", "--region", "ring:10mm"]))
        .output()
        .expect("resume with other settings");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("resumed"), "{stderr}");
    assert!(read(&out).contains(",ring:10mm,"));
}

#[test]
fn shards_merged_equal_the_unsharded_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("cases.csv");
    write_manifest(
        &manifest,
        &[
            ("brain1", "brain1_image.nrrd", "brain1_label.nrrd"),
            ("gone", "no_such_image.nrrd", "brain1_label.nrrd"),
            ("breast1", "breast1_image.nrrd", "breast1_label.nrrd"),
            ("lung1", "lung1_image.nrrd", "lung1_label.nrrd"),
            ("breast1_again", "breast1_image.nrrd", "breast1_label.nrrd"),
        ],
    );
    let extract = |out: &Path, shard: Option<&str>, env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_perirad"));
        c.args(["extract", "--manifest"])
            .arg(&manifest)
            .args([
                "--region",
                "ring:5mm",
                "--region",
                "ring:10mm",
                "--quiet",
                "--out",
            ])
            .arg(out);
        if let Some(s) = shard {
            c.args(["--shard", s]);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("perirad runs")
    };
    let full = dir.path().join("full.csv");
    assert_eq!(extract(&full, None, &[]).status.code(), Some(1));
    let out = dir.path().join("f.csv");
    // Shard 1 by option, 2 from a Slurm array (ids 1..3), 3 from a Kubernetes indexed job.
    let o = extract(&out, Some("1/3"), &[]);
    assert_eq!(o.status.code(), Some(0), "shard 1 holds brain1 and lung1");
    let o = extract(
        &out,
        Some("auto"),
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "shard 2 holds the failing case");
    let o = extract(
        &out,
        Some("auto"),
        &[("JOB_COMPLETION_INDEX", "2"), ("JOB_COMPLETIONS", "3")],
    );
    assert_eq!(o.status.code(), Some(0));
    let shard = |k: usize| dir.path().join(format!("f.shard{k}-of-3.csv"));
    let shard1 = read(&shard(1));
    assert!(shard1.contains("\nlung1,") && !shard1.contains("\nbreast1,"));

    let merged = dir.path().join("merged.csv");
    let merge = |parts: &[PathBuf]| {
        Command::new(env!("CARGO_BIN_EXE_perirad"))
            .arg("merge")
            .arg(&merged)
            .args(parts)
            .output()
            .expect("merge runs")
    };
    let o = merge(&[shard(3), shard(1), shard(2)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the merged table has a failed case"
    );
    assert_same_tables(&merged, &full);

    let o = merge(&[shard(1), shard(3)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing shard(s) 2/3"));
    let o = merge(&[shard(1), shard(1), shard(2)]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("given twice"));
}

#[test]
fn regions_section_of_the_parameter_file_comes_before_region_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("cases.csv");
    write_manifest(
        &manifest,
        &[("breast1", "breast1_image.nrrd", "breast1_label.nrrd")],
    );
    let params = dir.path().join("params.yaml");
    std::fs::write(
        &params,
        "setting:\n  binWidth: 25\nfeatureClass:\n  firstorder:\nregions: [ring:5mm]\n",
    )
    .expect("params");
    let out = dir.path().join("f.csv");
    let o = perirad(&[
        os("extract"),
        os("--manifest"),
        os(&manifest),
        os("--params"),
        os(&params),
        os("--region"),
        os("ring:2mm"),
        os("--region"),
        os("ring:5mm"),
        os("--quiet"),
        os("--out"),
        os(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut regions: Vec<String> = read(&out)
        .lines()
        .skip(1)
        .map(|l| csv_rows(l)[0][2].clone())
        .collect();
    regions.dedup();
    assert_eq!(regions, vec!["tumor", "ring:5mm", "ring:2mm"]);
    let sidecar: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("f.csv.json"))).expect("json");
    assert_eq!(
        sidecar["regions"],
        serde_json::json!(["ring:5mm", "ring:2mm"])
    );
    assert!(
        sidecar["settings"]
            .as_str()
            .is_some_and(|s| s.contains("regions: [ring:5mm]")),
        "the file's text as it is"
    );
}
