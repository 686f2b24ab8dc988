//! glmnet elastic-net (0 < alpha < 1) binomial path and cv.glmnet against
//! `tests/data/elastic_net_logistic.json`, made by `scripts/make_stats_models_references.py`
//! with glmnet's Fortran (python-glmnet 2.6.1). Includes paths that stop early (deviance-ratio
//! gain < fdev) so folds have paths of their own lengths, and one unstandardised fit.

mod common;
use common::*;
use perirad_stats::glmnet::{
    cv_logistic_measures, logistic_path, Alignment, CvMeasure, GlmnetOptions,
};

#[test]
fn elastic_net_paths_and_cv_match_glmnet_fortran() {
    let r = local("elastic_net_logistic.json");
    let shared = vector("lasso_logistic.json");
    let table = stats_csv(shared["inputs"]["file"].as_str().expect("file"));
    let cols = strings(&r["inputs"]["columns"]);
    assert_eq!(cols, strings(&shared["inputs"]["columns"]));
    let y = table.bools("Target");
    let foldid: Vec<usize> = nums(&r["inputs"]["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let o = &r["options"];
    let cases = r["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 6);
    for (name, c) in cases {
        let ncol = c["columns_used"].as_u64().expect("ncol") as usize;
        let x = table.matrix(&cols[..ncol]);
        let opts = GlmnetOptions {
            alpha: c["alpha"].as_f64().expect("alpha"),
            nlambda: o["nlambda"].as_u64().expect("nlambda") as usize,
            lambda_min_ratio: c["lambda_min_ratio"].as_f64(),
            lambda: None,
            standardize: c["standardize"].as_bool().expect("standardize"),
            thresh: o["thresh"].as_f64().expect("thresh"),
            maxit: o["maxit"].as_u64().expect("maxit") as usize,
        };
        let path = logistic_path(&x, &y, &opts).expect("path");
        let want_l = nums(&c["lambda"]);
        assert_eq!(
            path.lambdas.len(),
            want_l.len(),
            "{name}: path length (early stop)"
        );
        let dl = compare(&format!("{name} lambda"), &path.lambdas, &want_l, 1e-10);
        compare(
            &format!("{name} lambda_max"),
            &path.lambdas[..1],
            &[c["lambda_max_closed_form"].as_f64().expect("lmax")],
            1e-10,
        );
        let df: Vec<f64> = path.df.iter().map(|&d| d as f64).collect();
        compare(&format!("{name} df"), &df, &nums(&c["df"]), 0.0);
        compare(
            &format!("{name} dev_ratio"),
            &path.dev_ratio,
            &nums(&c["dev_ratio_from_coefficients"]),
            1e-8,
        );
        let mut worst: f64 = 0.0;
        for j in 0..ncol {
            let col = x.col(j);
            let m = col.iter().sum::<f64>() / col.len() as f64;
            let sd = (col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / col.len() as f64).sqrt();
            for (l, row) in c["beta_raw_scale"]
                .as_array()
                .expect("beta")
                .iter()
                .enumerate()
            {
                let want = row[j].as_f64().expect("b");
                worst = worst.max(((path.betas[l][j] - want) * sd).abs());
            }
        }
        assert!(worst < 1e-6, "{name}: std-scale coefficient diff {worst:e}");
        compare(
            &format!("{name} intercept"),
            &path.intercepts,
            &nums(&c["intercept"]),
            1e-6,
        );
        let mut msg = format!("{name}: lambda {dl:.1e} coef {worst:.1e}");
        for (key, align) in [
            ("cv", Alignment::Fraction),
            ("cv_user_lambda_alignment", Alignment::Lambda),
        ] {
            let measures = [CvMeasure::Deviance, CvMeasure::Auc, CvMeasure::Class];
            let all = cv_logistic_measures(&x, &y, &foldid, &opts, &measures, align).expect("cv");
            for (mname, cv) in ["deviance", "auc", "class"].into_iter().zip(all) {
                let want = &c[key][mname];
                let l = format!("{name} {key}/{mname}");
                let dm = compare(&format!("{l} cvm"), &cv.cvm, &nums(&want["cvm"]), 1e-5);
                compare(&format!("{l} cvsd"), &cv.cvsd, &nums(&want["cvsd"]), 1e-5);
                assert_eq!(
                    cv.index_min as u64,
                    want["index_min"].as_u64().expect("i"),
                    "{l} index_min"
                );
                assert_eq!(
                    cv.index_1se as u64,
                    want["index_1se"].as_u64().expect("i"),
                    "{l} index_1se"
                );
                msg += &format!(" {key}/{mname} {dm:.0e}");
            }
        }
        eprintln!("{msg}");
    }
}
