//! `perirad extract --manifest` and `perirad merge` on a cohort built from PyRadiomics' test
//! cases: bad cases become error rows, values equal single-case extraction (and PyRadiomics
//! 3.1.0's reference values), resume after kill -9 and shards give the uninterrupted table.

use perirad_testdata::shared_data;
use std::collections::BTreeMap;
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
        let reference: BTreeMap<String, f64> =
            read(&shared_data().join(format!("pyradiomics/v3.1/values/{case}.csv")))
                .lines()
                .filter_map(|l| l.strip_prefix("default,"))
                .filter_map(|l| {
                    l.split_once(',')
                        .and_then(|(f, v)| v.parse().ok().map(|v| (f.to_string(), v)))
                })
                .collect();
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

    // The same files whatever the number of jobs.
    let out1 = dir.path().join("one_job.csv");
    assert_eq!(run(&out1, "1").status.code(), Some(1));
    assert_eq!(read(&out1), long);
    assert_eq!(
        read(&dir.path().join("one_job.wide.csv")),
        read(&dir.path().join("features.wide.csv"))
    );
}
