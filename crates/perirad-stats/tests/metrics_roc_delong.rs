//! ROC AUC, DeLong variance / CI and the paired DeLong test against `stats/vectors/roc_delong.json`
//! (fast DeLong in gen_reference.py, cross-checked with pROC 1.18).

mod common;
use common::*;
use perirad_stats::roc;

/// y and the two scores of one case (inline or from the dataset file).
fn case_inputs(case: &serde_json::Value) -> (Vec<bool>, Vec<f64>, Vec<f64>) {
    let inp = &case["inputs"];
    if let Some(file) = inp["file"].as_str() {
        let cols: Vec<&str> = inp["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| c.as_str().expect("column name"))
            .collect();
        let target = inp["target_column"].as_str().expect("target column");
        let mut v = stats_csv(file).columns(&[target, cols[0], cols[1]]);
        let s2 = v.pop().expect("score 2");
        let s1 = v.pop().expect("score 1");
        let y = v[0].iter().map(|&t| t != 0.0).collect();
        (y, s1, s2)
    } else {
        (bools(&inp["y"]), nums(&inp["score1"]), nums(&inp["score2"]))
    }
}

#[test]
fn roc_delong_reference() {
    let v = vector("roc_delong.json");
    let tol = &v["tolerance"];
    let (t_auc, t_var, t_ci, t_z, t_p) = (
        num(&tol["auc"]),
        num(&tol["var"]),
        num(&tol["ci"]),
        num(&tol["z"]),
        num(&tol["p"]),
    );
    let cases = v["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 3);
    let mut c = Check::default();
    for (name, case) in cases {
        let (y, s1, s2) = case_inputs(case);
        let auc_w = nums(&case["auc"]);
        let var_w = nums(&case["var_delong"]);
        let se_w = nums(&case["se_delong"]);
        let lo_w = nums(&case["ci95_lower"]);
        let hi_w = nums(&case["ci95_upper"]);
        for (k, s) in [&s1, &s2].into_iter().enumerate() {
            let a = roc::auc(&y, s).expect("auc");
            c.close(&format!("{name} auc[{k}]"), a, auc_w[k], t_auc);
            let d = roc::auc_delong(&y, s).expect("auc_delong");
            c.close(&format!("{name} delong auc[{k}]"), d.auc, auc_w[k], t_auc);
            c.close(&format!("{name} var[{k}]"), d.variance, var_w[k], t_var);
            c.close(&format!("{name} se[{k}]"), d.se, se_w[k], t_var);
            c.close(&format!("{name} ci lower[{k}]"), d.ci_lower, lo_w[k], t_ci);
            c.close(&format!("{name} ci upper[{k}]"), d.ci_upper, hi_w[k], t_ci);
            c.equal(
                &format!("{name} n_cases"),
                d.n_positive as u64,
                case["n_cases"].as_u64().expect("n"),
            );
            c.equal(
                &format!("{name} n_controls"),
                d.n_negative as u64,
                case["n_controls"].as_u64().expect("n"),
            );
        }
        let cov = roc::delong_covariance(&y, &[&s1, &s2]).expect("covariance");
        c.close(
            &format!("{name} cov"),
            cov.cov[0][1],
            num(&case["cov_delong"]),
            t_var,
        );
        c.close(
            &format!("{name} cov sym"),
            cov.cov[1][0],
            num(&case["cov_delong"]),
            t_var,
        );
        let t = roc::delong_test(&y, &s1, &s2).expect("test");
        let tw = &case["test"];
        c.close(&format!("{name} diff"), t.diff, num(&tw["diff"]), t_auc);
        c.close(
            &format!("{name} var_diff"),
            t.var_diff,
            num(&tw["var_diff"]),
            t_var,
        );
        c.close(&format!("{name} z"), t.z, num(&tw["z"]), t_z);
        c.close(
            &format!("{name} p"),
            t.p_value,
            num(&tw["p_two_sided"]),
            t_p,
        );
    }
    c.finish("roc_delong.json");
}

/// pROC's automatic direction would flip a predictor with AUC < 0.5; ours must not (pitfall 10).
#[test]
fn delong_direction_is_fixed() {
    let v = vector("roc_delong.json");
    let case = &v["cases"]["prediction_set_ties"];
    let (y, s1, _) = case_inputs(case);
    let neg: Vec<f64> = s1.iter().map(|x| -x).collect();
    let a = roc::auc_delong(&y, &neg).expect("auc");
    let want = 1.0 - num(&case["auc"][0]);
    assert!(
        (a.auc - want).abs() < 1e-12,
        "AUC of the negated score {} != 1 - reference {}",
        a.auc,
        want
    );
    assert!(
        (a.variance - num(&case["var_delong"][0])).abs() < 1e-12,
        "variance is symmetric under negation"
    );
}

/// The same quantities against the independent R pROC 1.18 values stored in the vector.
#[test]
fn roc_delong_matches_proc() {
    let v = vector("roc_delong.json");
    let rv = &v["crosscheck_R"]["values"]["cases"];
    let mut c = Check::default();
    for (name, case) in v["cases"].as_object().expect("cases") {
        let r = &rv[name];
        let (y, s1, s2) = case_inputs(case);
        let auc = nums(&r["auc"]);
        let var = nums(&r["var_delong"]);
        let lo = nums(&r["ci95_lower"]);
        let hi = nums(&r["ci95_upper"]);
        for (k, s) in [&s1, &s2].into_iter().enumerate() {
            let d = roc::auc_delong(&y, s).expect("auc_delong");
            c.close(&format!("{name} pROC auc[{k}]"), d.auc, auc[k], 1e-12);
            c.close(&format!("{name} pROC var[{k}]"), d.variance, var[k], 1e-12);
            c.close(
                &format!("{name} pROC ci lower[{k}]"),
                d.ci_lower,
                lo[k],
                1e-10,
            );
            c.close(
                &format!("{name} pROC ci upper[{k}]"),
                d.ci_upper,
                hi[k],
                1e-10,
            );
        }
        let cov = roc::delong_covariance(&y, &[&s1, &s2]).expect("cov");
        c.close(
            &format!("{name} pROC cov"),
            cov.cov[0][1],
            num(&r["cov_delong"]),
            1e-12,
        );
        let t = roc::delong_test(&y, &s1, &s2).expect("test");
        c.close(&format!("{name} pROC z"), t.z, num(&r["test"]["z"]), 1e-9);
        c.close(
            &format!("{name} pROC p"),
            t.p_value,
            num(&r["test"]["p_two_sided"]),
            1e-9,
        );
    }
    c.finish("roc_delong.json crosscheck_R (pROC)");
}
