//! glmnet binomial LASSO path and cv.glmnet against `stats/vectors/lasso_logistic.json` and
//! `lasso_logistic_path.csv` (python-glmnet Fortran + cv.glmnet replica, cross-checked with R).

mod common;
use common::*;
use perirad_stats::glmnet::{cv_logistic, logistic_path, Alignment, CvMeasure, GlmnetOptions};
use perirad_stats::Matrix;
use serde_json::Value;

struct Case {
    v: Value,
    x: Matrix,
    y: Vec<bool>,
    cols: Vec<String>,
    foldid: Vec<usize>,
    opts: GlmnetOptions,
}

fn case() -> Case {
    let v = vector("lasso_logistic.json");
    let inputs = &v["inputs"];
    let table = stats_csv(inputs["file"].as_str().expect("file"));
    let cols = strings(&inputs["columns"]);
    let x = table.matrix(&cols);
    let y = table.bools(inputs["target_column"].as_str().expect("target"));
    let foldid = nums(&inputs["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let o = &v["options"];
    let opts = GlmnetOptions {
        alpha: o["alpha"].as_f64().expect("alpha"),
        nlambda: o["nlambda"].as_u64().expect("nlambda") as usize,
        lambda_min_ratio: o["lambda_min_ratio"].as_f64(),
        lambda: None,
        standardize: o["standardize"].as_bool().expect("standardize"),
        thresh: o["thresh"].as_f64().expect("thresh"),
        maxit: o["maxit"].as_u64().expect("maxit") as usize,
    };
    Case {
        v,
        x,
        y,
        cols,
        foldid,
        opts,
    }
}

fn sd_ddof0(c: &[f64]) -> f64 {
    let n = c.len() as f64;
    let m = c.iter().sum::<f64>() / n;
    (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt()
}

#[test]
fn path_matches_glmnet() {
    let c = case();
    let path = logistic_path(&c.x, &c.y, &c.opts).expect("path");
    let o = &c.v["outputs"];
    let want_l = nums(&o["lambda"]);
    assert_eq!(path.lambdas.len(), want_l.len(), "path length");
    let dl = compare("lambda", &path.lambdas, &want_l, 1e-10);
    assert_eq!(
        path.df,
        nums(&o["df"])
            .iter()
            .map(|&d| d as usize)
            .collect::<Vec<_>>(),
        "df"
    );
    compare("dev_ratio", &path.dev_ratio, &nums(&o["dev_ratio"]), 1e-6);
    compare(
        "null_deviance",
        &[path.null_deviance],
        &[o["null_deviance"].as_f64().expect("nd")],
        1e-8,
    );
    // Whole path from the CSV (raw scale): tight for the first 50 lambdas, looser at the
    // ill-conditioned end (README pitfall 2), compared on the standardised scale.
    let csv = stats_csv("vectors/lasso_logistic_path.csv");
    let sds: Vec<f64> = (0..c.x.cols()).map(|j| sd_ddof0(&c.x.col(j))).collect();
    let want_a0 = csv.numbers("intercept");
    let mut worst_head: f64 = 0.0;
    let mut worst_tail: f64 = 0.0;
    for (j, name) in c.cols.iter().enumerate() {
        let want = csv.numbers(name);
        for (l, w) in want.iter().enumerate() {
            let d = ((path.betas[l][j] - w) * sds[j]).abs();
            if l < 50 {
                worst_head = worst_head.max(d);
            } else {
                worst_tail = worst_tail.max(d);
            }
        }
    }
    let da0 = compare(
        "intercept[..50]",
        &path.intercepts[..50],
        &want_a0[..50],
        1e-6,
    );
    assert!(
        worst_head < 1e-6,
        "path coefficients (std scale) lambda 0..49: {worst_head:e}"
    );
    assert!(
        worst_tail < 1e-3,
        "path coefficients (std scale) lambda 50..: {worst_tail:e}"
    );
    eprintln!(
        "lasso_logistic path: lambda {dl:.1e}, std coef head {worst_head:.1e} tail {worst_tail:.1e}, intercept {da0:.1e}"
    );
}

fn check_cv(c: &Case, key: &str, align: Alignment) {
    for (mname, measure) in [
        ("deviance", CvMeasure::Deviance),
        ("auc", CvMeasure::Auc),
        ("class", CvMeasure::Class),
    ] {
        let want = &c.v["outputs"][key][mname];
        let cv = cv_logistic(&c.x, &c.y, &c.foldid, &c.opts, measure, align).expect("cv");
        let label = format!("{key}/{mname}");
        let dm = compare(&format!("{label} cvm"), &cv.cvm, &nums(&want["cvm"]), 1e-5);
        let ds = compare(
            &format!("{label} cvsd"),
            &cv.cvsd,
            &nums(&want["cvsd"]),
            1e-5,
        );
        for (f, row) in want["cvraw_per_fold"]
            .as_array()
            .expect("folds")
            .iter()
            .enumerate()
        {
            compare(
                &format!("{label} cvraw fold {f}"),
                &cv.cvraw[f],
                &nums(row),
                1e-5,
            );
        }
        assert_eq!(
            cv.index_min as u64,
            want["index_min"].as_u64().expect("i"),
            "{label} index_min"
        );
        assert_eq!(
            cv.index_1se as u64,
            want["index_1se"].as_u64().expect("i"),
            "{label} index_1se"
        );
        if let Some(lm) = want["lambda_min"].as_f64() {
            compare(
                &format!("{label} lambda_min"),
                &[cv.lambda_min],
                &[lm],
                1e-10,
            );
            compare(
                &format!("{label} lambda_1se"),
                &[cv.lambda_1se],
                &[want["lambda_1se"].as_f64().expect("l")],
                1e-10,
            );
        }
        eprintln!(
            "{label}: cvm {dm:.1e} cvsd {ds:.1e}, indices {} {}",
            cv.index_min, cv.index_1se
        );
    }
}

#[test]
fn cv_default_alignment_matches_cv_glmnet() {
    let c = case();
    check_cv(&c, "cv", Alignment::Fraction);
}

#[test]
fn cv_user_lambda_alignment_matches_cv_glmnet() {
    let c = case();
    check_cv(&c, "cv_user_lambda_alignment", Alignment::Lambda);
}

#[test]
fn selected_models_match_at_lambda_min_and_1se() {
    let c = case();
    let cv = cv_logistic(
        &c.x,
        &c.y,
        &c.foldid,
        &c.opts,
        CvMeasure::Deviance,
        Alignment::Fraction,
    )
    .expect("cv");
    let sel = &c.v["outputs"]["selected_by_deviance"];
    for (key, idx) in [("min", cv.index_min), ("1se", cv.index_1se)] {
        let s = &sel[key];
        assert_eq!(idx as u64, s["index"].as_u64().expect("index"));
        let nz = s["coef_nonzero"].as_object().expect("coef");
        let mut worst: f64 = 0.0;
        for (j, name) in c.cols.iter().enumerate() {
            let want = nz.get(name).and_then(Value::as_f64).unwrap_or(0.0);
            let got = cv.path.betas[idx][j];
            assert_eq!(got != 0.0, want != 0.0, "{key}: support of {name}");
            // the stored values are raw-scale; compare on the standardised scale (README)
            let d = ((got - want) * sd_ddof0(&c.x.col(j))).abs();
            worst = worst.max(d);
        }
        assert!(worst < 1e-4, "{key}: std-scale coefficient diff {worst:e}");
        compare(
            &format!("{key} intercept"),
            &[cv.path.intercepts[idx]],
            &[s["intercept"].as_f64().expect("a0")],
            1e-4,
        );
        eprintln!("selected {key}: std-scale coef diff {worst:.1e}");
    }
}
