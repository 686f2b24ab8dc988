//! Pearson and Spearman matrices of 18 WORC-Liver first-order features against
//! `vectors/correlation_matrices.json` (numpy.corrcoef / scipy.stats.spearmanr).

mod common;

use common::{dataset, num_rows, vector, Check};
use perirad_stats::correlation::{pearson_matrix, spearman_matrix};
use perirad_stats::Matrix;

#[test]
fn correlation_matrices_match_numpy_scipy() {
    let v = vector("correlation_matrices.json");
    let tol = v["tolerance"]["abs"].as_f64().expect("abs tolerance");
    let names: Vec<String> = v["inputs"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect();
    let d = dataset("WORC-Liver");
    let idx: Vec<usize> = names
        .iter()
        .map(|n| d.features.iter().position(|f| f == n).expect("feature"))
        .collect();
    let x = d.x.select_cols(&idx);
    let mut m = Check::default();
    for (key, got) in [
        ("pearson", pearson_matrix(&x).expect("pearson")),
        ("spearman", spearman_matrix(&x).expect("spearman")),
    ] {
        let want = num_rows(&v["outputs"][key]);
        assert_eq!(want.len(), got.rows());
        for (i, row) in want.iter().enumerate() {
            for (j, w) in row.iter().enumerate() {
                m.close_rel(&format!("{key}[{i},{j}]"), got.get(i, j), *w, 0.0, tol);
            }
        }
    }
    m.finish("correlation_matrices.json");
}

#[test]
fn correlation_degenerate_inputs() {
    let x = Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 2.0], vec![3.0, 2.0]]).expect("3x2");
    let e = pearson_matrix(&x).expect_err("constant column");
    assert!(e.to_string().contains("column 1 is constant"), "{e}");
    let e =
        spearman_matrix(&Matrix::from_rows(&[vec![1.0, 2.0]]).expect("1x2")).expect_err("one row");
    assert!(e.to_string().contains("at least 2 rows"), "{e}");
    let nan = Matrix::from_rows(&[vec![1.0, f64::NAN], vec![2.0, 3.0]]).expect("2x2");
    let e = spearman_matrix(&nan).expect_err("NaN");
    assert!(e.to_string().contains("row 0, column 1"), "{e}");
}
