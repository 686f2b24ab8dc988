//! Degenerate inputs of the glmnet path and cv.glmnet: errors that name the problem, and
//! glmnet's treatment of a constant column (left out, coefficient 0) checked against the
//! reference path of `lasso_logistic.json`.

mod common;
use common::*;
use perirad_stats::glmnet::{cv_logistic, logistic_path, Alignment, CvMeasure, GlmnetOptions};
use perirad_stats::{Matrix, StatsError};

fn data() -> (Matrix, Vec<bool>, Vec<String>, serde_json::Value) {
    let v = vector("lasso_logistic.json");
    let table = stats_csv(v["inputs"]["file"].as_str().expect("file"));
    let cols = strings(&v["inputs"]["columns"]);
    (table.matrix(&cols), table.bools("Target"), cols, v)
}

fn opts() -> GlmnetOptions {
    GlmnetOptions {
        lambda_min_ratio: Some(0.01),
        thresh: 1e-10,
        ..GlmnetOptions::default()
    }
}

#[test]
fn constant_column_gets_zero_coefficient_and_leaves_the_path_unchanged() {
    let (x, y, _cols, v) = data();
    // insert a constant column at position 3
    let mut rows = Vec::new();
    for r in 0..x.rows() {
        let mut row = x.row(r).to_vec();
        row.insert(3, 7.25);
        rows.push(row);
    }
    let xc = Matrix::from_rows(&rows).expect("rows");
    let path = logistic_path(&xc, &y, &opts()).expect("path");
    assert!(
        path.betas.iter().all(|b| b[3] == 0.0),
        "constant column must stay at 0"
    );
    compare(
        "lambda",
        &path.lambdas,
        &nums(&v["outputs"]["lambda"]),
        1e-10,
    );
    compare(
        "dev_ratio",
        &path.dev_ratio,
        &nums(&v["outputs"]["dev_ratio"]),
        1e-8,
    );
}

#[test]
fn errors_name_the_problem() {
    let (x, y, _, _) = data();
    let o = opts();
    // single class
    let ones = vec![true; y.len()];
    assert!(matches!(
        logistic_path(&x, &ones, &o),
        Err(StatsError::Outcome(_))
    ));
    // one positive only (glmnet: a class with <= 1 observation is not allowed)
    let mut one = vec![false; y.len()];
    one[4] = true;
    assert!(matches!(
        logistic_path(&x, &one, &o),
        Err(StatsError::Outcome(_))
    ));
    // NaN
    let mut bad = x.clone();
    bad.set(5, 2, f64::NAN);
    let e = logistic_path(&bad, &y, &o).expect_err("NaN");
    assert!(e.to_string().contains("row 5, column 2"), "{e}");
    // all columns constant
    let cst = Matrix::from_rows(&vec![vec![1.0, 2.0]; y.len()]).expect("rows");
    assert!(matches!(
        logistic_path(&cst, &y, &o),
        Err(StatsError::Invalid(_))
    ));
    // bad options
    let e = logistic_path(
        &x,
        &y,
        &GlmnetOptions {
            alpha: 1.5,
            ..o.clone()
        },
    )
    .expect_err("alpha");
    assert!(e.to_string().contains("alpha"), "{e}");
    let e = logistic_path(
        &x,
        &y,
        &GlmnetOptions {
            lambda: Some(vec![]),
            ..o.clone()
        },
    )
    .expect_err("lambda");
    assert!(e.to_string().contains("lambda"), "{e}");
}

#[test]
fn cv_rejects_bad_fold_assignments() {
    let (x, y, _, _) = data();
    let o = opts();
    // fewer rows than folds: 6 rows in 10 folds leaves folds empty
    let rows: Vec<Vec<f64>> = (0..6).map(|r| x.row(r).to_vec()).collect();
    let xs = Matrix::from_rows(&rows).expect("rows");
    let ys = vec![true, false, true, false, true, false];
    let fid: Vec<usize> = (1..=6).collect();
    let tenfold: Vec<usize> = vec![1, 2, 3, 4, 5, 10];
    let e = cv_logistic(
        &xs,
        &ys,
        &tenfold,
        &o,
        CvMeasure::Deviance,
        Alignment::Fraction,
    )
    .expect_err("empty folds");
    assert!(e.to_string().contains("empty"), "{e}");
    // leave-one-out on 6 rows: the training folds keep both classes, so it runs, and AUC falls
    // back to deviance (cv.glmnet: < 10 rows per fold)
    let cv = cv_logistic(&xs, &ys, &fid, &o, CvMeasure::Auc, Alignment::Lambda).expect("loo");
    assert_eq!(cv.measure, CvMeasure::Deviance);
    // a fold whose training part has a single class is an error naming the fold
    let yb = vec![true, true, false, false, false, false];
    let e = cv_logistic(
        &xs,
        &yb,
        &[1, 1, 2, 2, 2, 2],
        &o,
        CvMeasure::Deviance,
        Alignment::Lambda,
    )
    .expect_err("single-class training fold");
    assert!(e.to_string().contains("fold 1"), "{e}");
    // wrong length / zero fold id
    assert!(cv_logistic(&x, &y, &[1, 2], &o, CvMeasure::Deviance, Alignment::Lambda).is_err());
    let mut z = vec![1usize; y.len()];
    z[0] = 0;
    assert!(cv_logistic(&x, &y, &z, &o, CvMeasure::Deviance, Alignment::Lambda).is_err());
}

/// Folds run in parallel; the result must not depend on the number of threads.
#[test]
fn cv_is_identical_with_one_thread() {
    let (x, y, _, v) = data();
    let foldid: Vec<usize> = nums(&v["inputs"]["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let o = opts();
    let run = || {
        cv_logistic(
            &x,
            &y,
            &foldid,
            &o,
            CvMeasure::Deviance,
            Alignment::Fraction,
        )
        .expect("cv")
    };
    let many = run();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let one = pool.install(run);
    assert_eq!(many.cvm, one.cvm);
    assert_eq!(many.cvsd, one.cvsd);
    assert_eq!(many.path, one.path);
    // and both equal the reference selection
    assert_eq!(
        one.index_min as u64,
        v["outputs"]["cv"]["deviance"]["index_min"]
            .as_u64()
            .expect("i")
    );
}

/// A user sequence of one repeated lambda: fitted whole, cross-validated without panicking.
#[test]
fn repeated_user_lambda() {
    let (x, y, _, v) = data();
    let foldid: Vec<usize> = nums(&v["inputs"]["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let o = GlmnetOptions {
        lambda: Some(vec![0.05, 0.05]),
        ..opts()
    };
    let cv = cv_logistic(
        &x,
        &y,
        &foldid,
        &o,
        CvMeasure::Deviance,
        Alignment::Fraction,
    )
    .expect("cv");
    assert_eq!(cv.path.lambdas, vec![0.05, 0.05]);
    assert_eq!(cv.cvm[0], cv.cvm[1]);
}
