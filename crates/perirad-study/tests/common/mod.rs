//! Support shared by perirad-study's integration tests.

use std::path::Path;

/// Every record of a CSV file (the header too), cell by cell as written.
pub fn csv_cells(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("csv");
    r.records()
        .map(|x| x.expect("record").iter().map(str::to_string).collect())
        .collect()
}
