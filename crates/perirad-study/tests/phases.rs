//! Manifests with several phases (`image_<phase>` columns, one mask): rows per phase in the long
//! table, `{phase}__{region}__{feature}` columns in the wide table, a missing phase cell skipped
//! with a warning, and the values of each phase those of single-image extraction.

use perirad_study::{
    build_case_regions, extract_image, load_settings, run_batch, BatchConfig, ExtractOptions,
    Format, Manifest, Silent,
};
use perirad_testdata::shared_data;

#[test]
fn phases_are_rows_and_wide_columns() {
    let images = shared_data().join("pyradiomics/images");
    let dir = tempfile::tempdir().expect("tempdir");
    let i = |n: &str| images.join(n).display().to_string();
    let manifest = dir.path().join("cases.csv");
    std::fs::write(
        &manifest,
        format!(
            "case_id,image_arterial,image_portal,mask,center\n\
             b1,{},{},{},A\n\
             b2,{},,{},B\n",
            i("breast1_image.nrrd"),
            i("breast1_image.nrrd"),
            i("breast1_label.nrrd"),
            i("breast1_image.nrrd"),
            i("breast1_label.nrrd"),
        ),
    )
    .expect("manifest");
    let settings = load_settings(None, None, &["Original".to_string()]).expect("settings");
    let options = ExtractOptions {
        specs: vec!["ring:3mm".parse().expect("spec")],
        skip_unsupported: true,
        ..Default::default()
    };
    let out = dir.path().join("f.csv");
    let cfg = BatchConfig {
        manifest: Manifest::read(&manifest).expect("manifest"),
        settings: settings.clone(),
        options: options.clone(),
        label: None,
        out: out.clone(),
        format: Format::Csv,
        pyradiomics_csv: None,
        jobs: Some(1),
        resume: false,
        shard: None,
    };
    let summary = run_batch(&cfg, &Silent).expect("run");
    assert!(summary.all_ok(), "{:?}", summary.sidecar.failed_cases);
    assert!(
        summary.sidecar.cases[1]
            .warnings
            .contains(&"phase portal: no image in the manifest".to_string()),
        "{:?}",
        summary.sidecar.cases[1].warnings
    );

    // Single-image extraction of breast1, for the values.
    let image = perirad_io::read_image(&images.join("breast1_image.nrrd"), &Default::default())
        .expect("image");
    let regions = build_case_regions(
        &images.join("breast1_label.nrrd"),
        None,
        1,
        image.geometry(),
        &settings,
        &options,
    )
    .expect("regions");
    let single = extract_image(&image, &regions, &settings, &options).expect("features");
    let expected: Vec<String> = single
        .regions
        .iter()
        .flat_map(|r| {
            let region = r.region.clone();
            r.result
                .as_ref()
                .expect("region values")
                .iter()
                .map(move |(f, v)| format!("{region},{f},{v}"))
        })
        .collect();

    let long = std::fs::read_to_string(&out).expect("long table");
    for (case, phase) in [("b1", "arterial"), ("b1", "portal"), ("b2", "arterial")] {
        let got: Vec<&str> = long
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{case},{phase},")))
            .collect();
        assert_eq!(got, expected, "{case} {phase}");
    }
    assert!(!long.contains("b2,portal,"));

    let wide = std::fs::read_to_string(dir.path().join("f.wide.csv")).expect("wide");
    let lines: Vec<Vec<&str>> = wide.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(&lines[0][..2], &["case_id", "center"]);
    assert_eq!(lines[0].len(), 2 + 2 * expected.len(), "two phases");
    let col = |name: &str| {
        lines[0]
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let portal = col("portal__ring:3mm__original_firstorder_Mean");
    let arterial = col("arterial__ring:3mm__original_firstorder_Mean");
    assert_eq!(lines[1][portal], lines[1][arterial]);
    assert_eq!(lines[2][portal], "", "b2 has no portal image");
    assert_eq!(lines[2][arterial], lines[1][arterial]);
}
