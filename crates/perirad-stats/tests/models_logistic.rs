//! Logistic regression against `stats/vectors/logistic_regression.json` (statsmodels Logit,
//! cross-checked with R glm).

mod common;
use common::*;
use perirad_stats::logistic::{logistic_regression, predict, LogisticOptions};
use perirad_stats::{Matrix, StatsError};

#[test]
fn statsmodels_logit_worc_liver() {
    let v = vector("logistic_regression.json");
    let inputs = &v["inputs"];
    let table = stats_csv(inputs["file"].as_str().expect("file"));
    let cols = strings(&inputs["columns"]);
    let x = table.matrix(&cols);
    let y = table.bools(inputs["target_column"].as_str().expect("target"));
    let fit = logistic_regression(&x, &y, &LogisticOptions::default()).expect("fit");
    let o = &v["outputs"];
    let d_coef = compare("coef", &fit.coef, &nums(&o["coef"]), 1e-6);
    let d_se = compare("se", &fit.se, &nums(&o["se"]), 1e-6);
    let d_z = compare("z", &fit.z, &nums(&o["z"]), 1e-6);
    let d_p = compare("p", &fit.p, &nums(&o["p"]), 1e-6);
    compare(
        "ci lower",
        &fit.ci_lower,
        &nums(&o["wald_ci95_lower"]),
        1e-6,
    );
    compare(
        "ci upper",
        &fit.ci_upper,
        &nums(&o["wald_ci95_upper"]),
        1e-6,
    );
    compare("fitted", &fit.fitted, &nums(&o["fitted_prob"]), 1e-8);
    let scalars = [
        ("loglik", fit.loglik),
        ("loglik_null", fit.loglik_null),
        ("deviance", fit.deviance),
        ("null_deviance", fit.null_deviance),
        ("aic", fit.aic),
        ("bic", fit.bic),
        ("lr_chi2", fit.lr_chi2),
    ];
    for (k, got) in scalars {
        compare(k, &[got], &[o[k].as_f64().expect("number")], 1e-8);
    }
    compare(
        "lr_pvalue",
        &[fit.lr_pvalue],
        &[o["lr_pvalue"].as_f64().expect("p")],
        1e-10,
    );
    // predict on the training rows reproduces the fitted probabilities of the reference.
    let pred = predict(&x, &fit.coef).expect("predict");
    compare("predict", &pred, &nums(&o["fitted_prob"]), 1e-8);
    eprintln!("logistic_regression.json: max abs diff coef {d_coef:.1e} se {d_se:.1e} z {d_z:.1e} p {d_p:.1e}");
}

fn small() -> (Matrix, Vec<bool>) {
    let rows: Vec<Vec<f64>> = (0..12)
        .map(|i| vec![i as f64, ((i * 7) % 5) as f64])
        .collect();
    let y = vec![
        false, false, true, false, false, true, true, false, true, true, false, true,
    ];
    (Matrix::from_rows(&rows).expect("rows"), y)
}

#[test]
fn degenerate_inputs_are_errors() {
    let (x, y) = small();
    let opts = LogisticOptions::default();
    assert!(logistic_regression(&x, &y, &opts).is_ok());
    // single class
    let ones = vec![true; y.len()];
    assert!(matches!(
        logistic_regression(&x, &ones, &opts),
        Err(StatsError::Outcome(_))
    ));
    // NaN
    let mut bad = x.clone();
    bad.set(3, 1, f64::NAN);
    let e = logistic_regression(&bad, &y, &opts).expect_err("NaN");
    assert!(e.to_string().contains("row 3, column 1"), "{e}");
    // constant column (collinear with the intercept)
    let c =
        Matrix::from_rows(&(0..12).map(|i| vec![i as f64, 2.0]).collect::<Vec<_>>()).expect("rows");
    assert!(matches!(
        logistic_regression(&c, &y, &opts),
        Err(StatsError::Numerical(_))
    ));
    // perfect separation: y = x0 > 5
    let sep: Vec<bool> = (0..12).map(|i| i > 5).collect();
    assert!(matches!(
        logistic_regression(&x, &sep, &opts),
        Err(StatsError::Numerical(_))
    ));
    // size mismatch
    assert!(matches!(
        logistic_regression(&x, &y[..5], &opts),
        Err(StatsError::Invalid(_))
    ));
}
