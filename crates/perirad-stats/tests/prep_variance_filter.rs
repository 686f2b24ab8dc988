//! Variance filter on HCC-TACE-Seg (420 features), raw and min-max scaled, against
//! `vectors/variance_filter.json` (sklearn VarianceThreshold; numpy var ddof 1).

mod common;

use common::{dataset, nums, usizes, vector, Check};
use perirad_stats::preprocess::{VarianceFilter, VarianceFilterOptions};
use perirad_stats::Matrix;

#[test]
fn variance_filter_matches_sklearn() {
    let v = vector("variance_filter.json");
    let out = &v["outputs"];
    let tol = v["tolerance"]["variance_rel"].as_f64().expect("tolerance");
    let d = dataset("HCC-TACE-Seg");
    let names: Vec<String> = out["feature_names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        names, d.features,
        "feature order of the vector and the dataset"
    );
    let mut m = Check::default();
    for (ddof, min_max, key) in [
        (0, false, "var_ddof0"),
        (1, false, "var_ddof1"),
        (0, true, "minmax_var_ddof0"),
    ] {
        let f = VarianceFilter::fit(
            &d.x,
            VarianceFilterOptions {
                threshold: 1.0,
                ddof,
                min_max,
            },
        )
        .expect("fit");
        for (j, (g, w)) in f.variances.iter().zip(nums(&out[key])).enumerate() {
            m.close_rel(&format!("{key}[{j}]"), *g, w, tol, 0.0);
        }
    }
    let kept = out["kept_indices"].as_object().expect("kept sets");
    for (raw_or_mm, list_key) in [(false, "thresholds_raw"), (true, "thresholds_minmax")] {
        for t in nums(&v["options"][list_key]) {
            let key = format!(
                "{}_var_gt_{}",
                if raw_or_mm { "minmax" } else { "raw" },
                py_float(t)
            );
            let want = usizes(kept.get(&key).expect("kept set in vector"));
            let f = VarianceFilter::fit(
                &d.x,
                VarianceFilterOptions {
                    threshold: t,
                    ddof: 0,
                    min_max: raw_or_mm,
                },
            )
            .expect("fit");
            m.equal(&key, f.kept.clone(), want);
            let back: VarianceFilter =
                serde_json::from_str(&serde_json::to_string(&f).expect("serialize"))
                    .expect("parse");
            m.equal("VarianceFilter JSON round trip", back == f, true);
            let xt = f.transform(&d.x).expect("transform");
            m.equal(&format!("{key} columns"), xt.cols(), f.kept.len());
        }
    }
    m.finish("variance_filter.json");
}

/// Python's `str(float)` for the thresholds used as keys (0.0, 0.001, 1.0, 0.01, 0.02).
fn py_float(t: f64) -> String {
    let s = format!("{t}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[test]
fn variance_filter_degenerate_inputs() {
    // A constant column: dropped at threshold 0 (sklearn's range rule), variance 0 under min-max.
    let x = Matrix::from_rows(&[vec![0.1, 1.0], vec![0.1, 2.0], vec![0.1, 4.0]]).expect("3x2");
    for min_max in [false, true] {
        let f = VarianceFilter::fit(
            &x,
            VarianceFilterOptions {
                threshold: 0.0,
                ddof: 0,
                min_max,
            },
        )
        .expect("fit");
        assert_eq!(f.kept, vec![1]);
        assert_eq!(f.variances[0], 0.0);
    }
    let nan = Matrix::from_rows(&[vec![0.1, 1.0], vec![f64::NAN, 2.0]]).expect("2x2");
    let opts = VarianceFilterOptions {
        threshold: 0.0,
        ddof: 0,
        min_max: false,
    };
    let e = VarianceFilter::fit(&nan, opts).expect_err("NaN");
    assert!(e.to_string().contains("row 1, column 0"), "{e}");
    let e = VarianceFilter::fit(
        &x,
        VarianceFilterOptions {
            threshold: -1.0,
            ..opts
        },
    )
    .expect_err("negative threshold");
    assert!(e.to_string().contains("threshold"), "{e}");
}
