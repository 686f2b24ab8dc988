//! IBSI-2 phase 1: every test of `ibsi/ibsi2/phase1_tests.csv` that has a consensus reference
//! response map is run on its digital phantom, and must match the map within IBSI-2's
//! criterion: every voxel within 1 % of the reference map's intensity range.
//!
//! Left out (no reference map, so nothing to compare with):
//! * 9.b.2 and 10.b.2: structure-tensor aligned Riesz filters; the tensor σ is unconfirmed and
//!   the teams reached no consensus map;
//! * 10.a: Riesz-transformed Simoncelli on the impulse; parameters agree across sources, but
//!   there is no consensus map.

use perirad_features::filters::ibsi2::Ibsi2Filter;
use perirad_io::{read_image, ReadOptions};
use perirad_testdata::{shared_data, split_csv};
use std::collections::BTreeMap;

#[test]
fn ibsi2_phase1_response_maps() {
    let dir = shared_data().join("ibsi/ibsi2");
    let text = std::fs::read_to_string(dir.join("phase1_tests.csv")).expect("phase1_tests.csv");
    let mut lines = text.lines();
    let header = split_csv(lines.next().expect("header"));
    let opts = ReadOptions::default();
    let (mut run, mut passed, mut skipped) = (0, 0, Vec::new());
    let mut report = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let row: BTreeMap<String, String> = header.iter().cloned().zip(split_csv(line)).collect();
        let id = row["test_id"].clone();
        let map_file = row["response_map_file"].trim();
        if map_file.is_empty() {
            skipped.push(id);
            continue;
        }
        let filter = Ibsi2Filter::from_fields(&row)
            .unwrap_or_else(|e| panic!("{id}: cannot read the settings: {e}"));
        let phantom = read_image(&dir.join(&row["phantom_file"]), &opts)
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .to_f64_volume();
        let reference = read_image(&dir.join("reference_response_maps").join(map_file), &opts)
            .unwrap_or_else(|e| panic!("{id}: {e}"))
            .to_f64_volume();
        let t = std::time::Instant::now();
        let response = filter
            .apply(&phantom)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            response.geometry().size(),
            reference.geometry().size(),
            "{id}"
        );
        let (lo, hi) = reference
            .data()
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let range = hi - lo;
        let max_dev = response
            .data()
            .iter()
            .zip(reference.data())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let pct = 100.0 * max_dev / range;
        run += 1;
        let ok = pct <= 1.0;
        if ok {
            passed += 1;
        }
        report.push(format!(
            "{id:7} {:4} max |dev| = {pct:.2e} % of range {range:.4} ({secs:.2} s)",
            if ok { "pass" } else { "FAIL" }
        ));
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("left out (no reference map): {skipped:?}");
    assert_eq!(skipped, ["9.b.2", "10.a", "10.b.2"]);
    assert_eq!(run, 33);
    assert_eq!(passed, 33, "{}", report.join("\n"));
}
