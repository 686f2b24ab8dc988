//! z-score fitted on the first 124 WORC-Liver rows and applied to all 186 rows, against
//! `vectors/zscore.json` (sklearn StandardScaler ddof 0, numpy ddof 1) and its CSVs.

mod common;

use common::{dataset, nums, stats_csv, vector, Check};
use perirad_stats::preprocess::ZScore;
use perirad_stats::Matrix;

#[test]
fn zscore_matches_sklearn_and_numpy() {
    let v = vector("zscore.json");
    let names: Vec<String> = v["inputs"]["columns"]
        .as_array()
        .expect("column list")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect();
    let tol = v["tolerance"]["rel"].as_f64().expect("rel tolerance");
    let d = dataset("WORC-Liver");
    let idx: Vec<usize> = names
        .iter()
        .map(|n| {
            d.features
                .iter()
                .position(|f| f == n)
                .expect("feature in dataset")
        })
        .collect();
    let x = d.x.select_cols(&idx);
    let train: Vec<usize> = (0..124).collect();
    let xtr = x.select_rows(&train);
    let out = &v["outputs"];
    let mut m = Check::default();
    for (ddof, sd_key, file_key) in [
        (0, "sd_train_ddof0", "z_ddof0_file"),
        (1, "sd_train_ddof1", "z_ddof1_file"),
    ] {
        let z = ZScore::fit(&xtr, ddof).expect("fit on training rows");
        for (j, (g, w)) in z.mean.iter().zip(nums(&out["mean_train"])).enumerate() {
            m.close_rel(&format!("mean[{j}]"), *g, w, tol, tol);
        }
        for (j, (g, w)) in z.scale.iter().zip(nums(&out[sd_key])).enumerate() {
            m.close_rel(&format!("{sd_key}[{j}]"), *g, w, tol, tol);
        }
        // Saved in model files: a JSON round trip gives back the same object.
        let back: ZScore =
            serde_json::from_str(&serde_json::to_string(&z).expect("serialize")).expect("parse");
        m.equal("ZScore JSON round trip", back == z, true);
        let zall: Matrix = z.transform(&x).expect("transform all rows");
        let file = out[file_key].as_str().expect("file name");
        let t = stats_csv(file);
        let want = t.matrix(&names);
        assert_eq!(want.rows(), 186);
        assert_eq!(t.numbers("row")[185], 185.0);
        for r in 0..want.rows() {
            for c in 0..want.cols() {
                m.close_rel(
                    &format!("{file} row {r} col {c}"),
                    zall.get(r, c),
                    want.get(r, c),
                    tol,
                    tol,
                );
            }
        }
    }
    m.finish("zscore.json");
}

#[test]
fn zscore_degenerate_inputs() {
    let one = Matrix::from_rows(&[vec![1.0, 2.0]]).expect("1x2");
    let e = ZScore::fit(&one, 1).expect_err("one row, ddof 1");
    assert!(e.to_string().contains("more than 1 training rows"), "{e}");
    let x = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 2.0]]).expect("2x2");
    let z = ZScore::fit(&x, 1).expect("fit");
    let e = z
        .transform(&Matrix::zeros(2, 3))
        .expect_err("wrong column count");
    assert!(e.to_string().contains("fitted on 2 columns, got 3"), "{e}");
    let inf = Matrix::from_rows(&[vec![1.0, f64::INFINITY]]).expect("1x2");
    let e = z.transform(&inf).expect_err("infinite value");
    assert!(e.to_string().contains("row 0, column 1"), "{e}");
}
