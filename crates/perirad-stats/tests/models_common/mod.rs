//! Shared loaders of the model tests: reference vectors and the datasets they point to.
#![allow(dead_code)]

use perirad_stats::Matrix;
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;

/// `<shared>/stats`.
pub fn stats_dir() -> PathBuf {
    perirad_testdata::shared_data().join("stats")
}

/// A reference vector `<shared>/stats/vectors/<name>`.
pub fn vector(name: &str) -> Value {
    let p = stats_dir().join("vectors").join(name);
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("cannot read reference vector {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", p.display()))
}

/// Our own generated reference under `tests/data/<name>`.
pub fn own_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn own_json(name: &str) -> Value {
    let p = own_data(name);
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", p.display()))
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|x| {
            x.as_f64()
                .unwrap_or_else(|| panic!("expected a number, got {x}"))
        })
        .collect()
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

/// A CSV table: header and string cells.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn col_index(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} not in table"))
    }
    pub fn column(&self, name: &str) -> Vec<f64> {
        let c = self.col_index(name);
        self.rows
            .iter()
            .map(|r| {
                r[c].parse::<f64>()
                    .unwrap_or_else(|e| panic!("column {name}: {:?}: {e}", r[c]))
            })
            .collect()
    }
    pub fn matrix(&self, names: &[String]) -> Matrix {
        let cols: Vec<Vec<f64>> = names.iter().map(|n| self.column(n)).collect();
        let n = self.rows.len();
        let mut data = Vec::with_capacity(n * cols.len());
        for i in 0..n {
            for c in &cols {
                data.push(c[i]);
            }
        }
        Matrix::from_row_major(n, cols.len(), data).expect("matrix")
    }
    pub fn bools(&self, name: &str) -> Vec<bool> {
        self.column(name).iter().map(|&v| v != 0.0).collect()
    }
}

pub fn parse_csv(text: &str) -> Table {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = perirad_testdata::split_csv(lines.next().expect("header"));
    let rows = lines.map(perirad_testdata::split_csv).collect();
    Table { header, rows }
}

/// A CSV file, gzipped when its name ends in `.gz`.
pub fn read_csv(path: &std::path::Path) -> Table {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .expect("gunzip");
        s
    } else {
        String::from_utf8(bytes).expect("utf8")
    };
    parse_csv(&text)
}

/// A file named relative to `<shared>/stats` (e.g. `data/WORC-Liver.csv.gz`).
pub fn stats_csv(rel: &str) -> Table {
    read_csv(&stats_dir().join(rel))
}

/// Largest absolute difference, printing every mismatch above `tol` in one table.
pub fn compare(label: &str, got: &[f64], want: &[f64], tol: f64) -> f64 {
    assert_eq!(
        got.len(),
        want.len(),
        "{label}: length {} vs {}",
        got.len(),
        want.len()
    );
    let mut worst: f64 = 0.0;
    let mut bad = Vec::new();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        if d.is_nan() || d > tol {
            bad.push(format!(
                "  {label}[{i}]: got {g:.12e} want {w:.12e} diff {d:.3e}"
            ));
        }
        if d > worst || d.is_nan() {
            worst = if d.is_nan() { f64::INFINITY } else { d };
        }
    }
    assert!(
        bad.is_empty(),
        "{label}: {} mismatches (tol {tol:e}):\n{}",
        bad.len(),
        bad.join("\n")
    );
    worst
}
