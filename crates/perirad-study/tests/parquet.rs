//! `--format parquet`: the long and wide tables read back with the parquet crate's own record
//! reader hold exactly the CSV tables' cells (values as doubles, a missing wide cell as null),
//! and Parquet shards merge into the unsharded file byte for byte.

mod common;

use common::csv_cells;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use perirad_study::{
    load_settings, merge, run_batch, BatchConfig, ExtractOptions, Format, Manifest, Shard, Silent,
};
use perirad_testdata::shared_data;
use std::path::{Path, PathBuf};

/// Header and rows of a Parquet file, every cell as the CSV writes it (null as empty).
fn parquet_cells(path: &Path) -> Vec<Vec<String>> {
    let reader =
        SerializedFileReader::new(std::fs::File::open(path).expect("open")).expect("parquet");
    let header: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let mut out = vec![header];
    for row in reader.get_row_iter(None).expect("rows") {
        let row = row.expect("row");
        out.push(
            row.get_column_iter()
                .map(|(_, f)| match f {
                    Field::Str(s) => s.clone(),
                    Field::Double(v) => v.to_string(),
                    Field::Null => String::new(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect(),
        );
    }
    out
}

fn config(dir: &Path, format: Format, out: &str, shard: Option<Shard>) -> BatchConfig {
    let images = shared_data().join("pyradiomics/images");
    let i = |n: &str| images.join(n).display().to_string();
    let manifest = dir.join("cases.csv");
    std::fs::write(
        &manifest,
        format!(
            "case_id,image,mask,site\nb1,{},{},\"x, y\"\ngone,{},{},\nbr1,{},{},z\n",
            i("brain1_image.nrrd"),
            i("brain1_label.nrrd"),
            i("missing.nrrd"),
            i("brain1_label.nrrd"),
            i("breast1_image.nrrd"),
            i("breast1_label.nrrd"),
        ),
    )
    .expect("manifest");
    BatchConfig {
        manifest: Manifest::read(&manifest).expect("manifest"),
        settings: load_settings(
            None,
            None,
            &["Original".into(), "LoG:{sigma: [2.0]}".into()],
        )
        .expect("settings"),
        options: ExtractOptions {
            specs: vec!["ring:5mm".parse().expect("spec")],
            skip_unsupported: true,
            ..Default::default()
        },
        label: None,
        out: dir.join(out),
        format,
        pyradiomics_csv: None,
        jobs: Some(2),
        resume: false,
        shard,
    }
}

#[test]
fn parquet_tables_hold_the_csv_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_batch(&config(dir.path(), Format::Csv, "f.csv", None), &Silent).expect("csv run");
    let s = run_batch(
        &config(dir.path(), Format::Parquet, "f.parquet", None),
        &Silent,
    )
    .expect("parquet run");
    assert_eq!(s.outputs.wide, dir.path().join("f.wide.parquet"));
    assert_eq!(s.outputs.errors, dir.path().join("f.errors.csv"));

    let long_csv = csv_cells(&dir.path().join("f.csv"));
    let long_pq = parquet_cells(&dir.path().join("f.parquet"));
    assert!(long_csv.len() > 400, "{} rows", long_csv.len());
    assert_eq!(long_pq, long_csv);

    let wide_csv = csv_cells(&dir.path().join("f.wide.csv"));
    let wide_pq = parquet_cells(&dir.path().join("f.wide.parquet"));
    assert_eq!(wide_pq, wide_csv);
    assert_eq!(wide_csv.len(), 3, "header and the two good cases");
    assert_eq!(wide_csv[1][1], "x, y");
}

#[test]
fn parquet_shards_merge_into_the_unsharded_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_batch(
        &config(dir.path(), Format::Parquet, "all.parquet", None),
        &Silent,
    )
    .expect("unsharded");
    let mut parts: Vec<PathBuf> = Vec::new();
    for k in [2, 1] {
        let s = run_batch(
            &config(
                dir.path(),
                Format::Parquet,
                "f.parquet",
                Some(Shard { k, n: 2 }),
            ),
            &Silent,
        )
        .expect("shard");
        parts.push(s.outputs.long);
    }
    let merged = dir.path().join("merged.parquet");
    merge(&merged, &parts, None).expect("merge");
    for (a, b) in [
        ("merged.parquet", "all.parquet"),
        ("merged.wide.parquet", "all.wide.parquet"),
        ("merged.errors.csv", "all.errors.csv"),
    ] {
        let (a, b) = (dir.path().join(a), dir.path().join(b));
        assert!(
            std::fs::read(&a).expect("merged") == std::fs::read(&b).expect("unsharded"),
            "{} differs from {}",
            a.display(),
            b.display()
        );
    }
}
