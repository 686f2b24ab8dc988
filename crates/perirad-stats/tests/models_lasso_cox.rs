//! LASSO-Cox path against `stats/vectors/lasso_cox.json` (+ path CSVs): scikit-survival
//! Coxnet on the exact Breslow partial likelihood, whas500 (14 standardised covariates), with
//! and without censored/event time ties.

mod common;
use common::*;
use perirad_stats::cox::{cox_path, cv_cox, CoxCvMeasure};
use perirad_stats::glmnet::Alignment;
use perirad_stats::glmnet::GlmnetOptions;
use perirad_stats::Matrix;

fn standardized_whas500(v: &serde_json::Value) -> (Matrix, Vec<String>) {
    let inputs = &v["inputs"];
    let table = stats_csv(inputs["file"].as_str().expect("file"));
    let covs = strings(&inputs["covariates"]);
    let raw = table.matrix(&covs);
    let (n, p) = (raw.rows(), raw.cols());
    let mut data = vec![0.0; n * p];
    for j in 0..p {
        let c = raw.col(j);
        let m = c.iter().sum::<f64>() / n as f64;
        let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt();
        for i in 0..n {
            data[i * p + j] = (c[i] - m) / s;
        }
    }
    (Matrix::from_row_major(n, p, data).expect("x"), covs)
}

/// R cv.glmnet(family = "cox") with the vector's foldid (deviance grouped, and C), default
/// alignment: `crosscheck_R` holds the reference (README: 1e-4). On the tied data glmnet's
/// own Breslow variant differs (pitfall 3), so that case gets a looser tolerance.
#[test]
fn r_cv_glmnet_cox() {
    let v = vector("lasso_cox.json");
    let (x, _) = standardized_whas500(&v);
    let foldid: Vec<usize> = nums(&v["inputs"]["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let o = &v["options"];
    let opts = GlmnetOptions {
        alpha: 1.0,
        nlambda: o["n_lambda"].as_u64().expect("n_lambda") as usize,
        lambda_min_ratio: o["lambda_min_ratio"].as_f64(),
        lambda: None,
        standardize: false,
        thresh: 1e-12,
        maxit: 10_000_000,
    };
    for (name, case) in v["cases"].as_object().expect("cases") {
        let te = stats_csv(case["time_event_file"].as_str().expect("file"));
        let time = te.numbers("time");
        let event = te.bools("event");
        let tol = if name.contains("ties_broken") {
            1e-4
        } else {
            2e-3
        };
        for (mname, measure) in [
            ("deviance", CoxCvMeasure::Deviance),
            ("C", CoxCvMeasure::CIndex),
        ] {
            let want = &v["crosscheck_R"]["values"]["cases"][name.as_str()]["cv"][mname];
            let cv = cv_cox(
                &x,
                &time,
                &event,
                &foldid,
                &opts,
                measure,
                Alignment::Fraction,
            )
            .expect("cv");
            let l = format!("{name} {mname}");
            let dm = compare(&format!("{l} cvm"), &cv.cvm, &nums(&want["cvm"]), tol);
            let ds = compare(&format!("{l} cvsd"), &cv.cvsd, &nums(&want["cvsd"]), tol);
            eprintln!(
                "{l}: cvm {dm:.1e} cvsd {ds:.1e} indices {} {} (R {} {})",
                cv.index_min, cv.index_1se, want["index_min"], want["index_1se"]
            );
            if name.contains("ties_broken") {
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
            }
        }
    }
}

#[test]
fn sksurv_coxnet_whas500() {
    let v = vector("lasso_cox.json");
    let inputs = &v["inputs"];
    let table = stats_csv(inputs["file"].as_str().expect("file"));
    let covs = strings(&inputs["covariates"]);
    let raw = table.matrix(&covs);
    let (n, p) = (raw.rows(), raw.cols());
    // standardise with mean and population SD over all rows (the vector's preprocessing)
    let mut data = vec![0.0; n * p];
    let mut means = vec![0.0; p];
    let mut sds = vec![0.0; p];
    for j in 0..p {
        let c = raw.col(j);
        let m = c.iter().sum::<f64>() / n as f64;
        let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt();
        means[j] = m;
        sds[j] = s;
        for i in 0..n {
            data[i * p + j] = (c[i] - m) / s;
        }
    }
    compare("means", &means, &nums(&inputs["means"]), 1e-12);
    compare("sds", &sds, &nums(&inputs["sds_ddof0"]), 1e-12);
    let x = Matrix::from_row_major(n, p, data).expect("x");
    let o = &v["options"];
    let opts = GlmnetOptions {
        alpha: o["l1_ratio"].as_f64().expect("l1_ratio"),
        nlambda: o["n_lambda"].as_u64().expect("n_lambda") as usize,
        lambda_min_ratio: o["lambda_min_ratio"].as_f64(),
        lambda: None,
        standardize: false,
        thresh: 1e-12,
        maxit: 10_000_000,
    };
    for (name, case) in v["cases"].as_object().expect("cases") {
        let rel = case["time_event_file"].as_str().expect("file");
        let te = stats_csv(rel);
        let time = te.numbers("time");
        let event = te.bools("event");
        let path = cox_path(&x, &time, &event, &opts).expect("path");
        let dl = compare(
            &format!("{name} lambda"),
            &path.lambdas,
            &nums(&case["lambda"]),
            1e-10,
        );
        compare(
            &format!("{name} lambda_max"),
            &path.lambdas[..1],
            &[case["lambda_max_closed_form"].as_f64().expect("lmax")],
            1e-10,
        );
        let want = stats_csv(case["path_file"].as_str().expect("path"));
        let mut worst: f64 = 0.0;
        for (j, cname) in covs.iter().enumerate() {
            let got: Vec<f64> = path.betas.iter().map(|b| b[j]).collect();
            worst = worst.max(compare(
                &format!("{name} {cname}"),
                &got,
                &want.numbers(cname),
                1e-5,
            ));
        }
        // R glmnet (Fortran coxnet) at the same lambdas: 5e-4 on tied data, tight once the
        // censored/event ties are broken (README pitfall 3).
        let r = &v["crosscheck_R"]["values"]["cases"][name.as_str()]["beta_at_sksurv_lambdas"];
        let tol_r = if name.contains("ties_broken") {
            5e-6
        } else {
            5e-4
        };
        let mut worst_r: f64 = 0.0;
        for (j, row) in r.as_array().expect("R betas").iter().enumerate() {
            let got: Vec<f64> = path.betas.iter().map(|b| b[j]).collect();
            worst_r = worst_r.max(compare(
                &format!("{name} R glmnet col {j}"),
                &got,
                &nums(row),
                tol_r,
            ));
        }
        let want_df: Vec<usize> = nums(&case["df"]).iter().map(|&d| d as usize).collect();
        let df_mismatch = path.df.iter().zip(&want_df).filter(|(a, b)| a != b).count();
        let kkt = path.kkt_violation.iter().cloned().fold(0.0, f64::max);
        assert!(kkt < 1e-8, "{name}: our KKT violation {kkt:e}");
        assert_eq!(df_mismatch, 0, "{name}: df {:?} vs {:?}", path.df, want_df);
        eprintln!("lasso_cox {name}: lambda {dl:.1e}, coef max abs diff {worst:.1e} (R glmnet {worst_r:.1e}), our max KKT violation {kkt:.1e} (sksurv {})",
            case["max_kkt_violation_breslow"]);
    }
}

#[test]
fn cox_path_degenerate_inputs() {
    let rows: Vec<Vec<f64>> = (0..12)
        .map(|i| vec![((i * 7) % 12) as f64, 3.0, ((i * 5) % 4) as f64])
        .collect();
    let x = Matrix::from_rows(&rows).expect("rows");
    let time: Vec<f64> = (0..12).map(|i| (i + 1) as f64).collect();
    let event: Vec<bool> = (0..12).map(|i| i % 3 != 0).collect();
    let opts = GlmnetOptions {
        lambda_min_ratio: Some(0.05),
        nlambda: 10,
        thresh: 1e-12,
        ..GlmnetOptions::default()
    };
    let path = cox_path(&x, &time, &event, &opts).expect("path");
    // the constant column stays out of the model
    assert!(path.betas.iter().all(|b| b[1] == 0.0));
    assert!(cox_path(&x, &time, &[false; 12], &opts).is_err());
    let mut t = time.clone();
    t[4] = f64::INFINITY;
    let e = cox_path(&x, &t, &event, &opts).expect_err("inf time");
    assert!(e.to_string().contains("row 4"), "{e}");
    assert!(cox_path(&x, &time[..5], &event, &opts).is_err());
}

/// `standardize = true` on the raw covariates fits the same model on the standardised scale:
/// raw-scale coefficients × SD equal the sksurv path of the pre-standardised data.
#[test]
fn internal_standardization_matches_sksurv_path() {
    let v = vector("lasso_cox.json");
    let inputs = &v["inputs"];
    let table = stats_csv(inputs["file"].as_str().expect("file"));
    let covs = strings(&inputs["covariates"]);
    let raw = table.matrix(&covs);
    let sds = nums(&inputs["sds_ddof0"]);
    let case = &v["cases"]["whas500_censor_ties_broken"];
    let te = stats_csv(case["time_event_file"].as_str().expect("file"));
    let o = &v["options"];
    let opts = GlmnetOptions {
        alpha: 1.0,
        nlambda: o["n_lambda"].as_u64().expect("n") as usize,
        lambda_min_ratio: o["lambda_min_ratio"].as_f64(),
        lambda: None,
        standardize: true,
        thresh: 1e-12,
        maxit: 10_000_000,
    };
    let path = cox_path(&raw, &te.numbers("time"), &te.bools("event"), &opts).expect("path");
    compare("lambda", &path.lambdas, &nums(&case["lambda"]), 1e-10);
    let want = stats_csv(case["path_file"].as_str().expect("path"));
    for (j, cname) in covs.iter().enumerate() {
        let got: Vec<f64> = path.betas.iter().map(|b| b[j] * sds[j]).collect();
        compare(cname, &got, &want.numbers(cname), 1e-5);
    }
}
