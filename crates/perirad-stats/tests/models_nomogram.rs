//! Rad-score and nomogram against `stats/vectors/radscore_nomogram.json` and its per-patient
//! CSV (numpy/statsmodels, cross-checked with R rms::lrm + rms::nomogram). The rad-score is
//! computed twice: from the vector's stored model and from our own cv.glmnet lambda.1se model
//! on the `lasso_logistic.json` inputs.

mod common;
use common::*;
use perirad_stats::glmnet::{cv_logistic, Alignment, CvMeasure, GlmnetOptions};
use perirad_stats::logistic::LogisticOptions;
use perirad_stats::nomogram::{nomogram, radscore, radscore_1se};
use perirad_stats::Matrix;

#[test]
fn radscore_and_rms_nomogram() {
    let v = vector("radscore_nomogram.json");
    let o = &v["outputs"];
    let data = &v["inputs"]["data"];
    let table = stats_csv(data["file"].as_str().expect("file"));
    let y = table.bools(data["target_column"].as_str().expect("target"));
    let coef_map = o["radscore_coef"].as_object().expect("coef");
    let rs_cols: Vec<String> = coef_map.keys().cloned().collect();
    let rs_coef: Vec<f64> = coef_map.values().map(|c| c.as_f64().expect("c")).collect();
    let xr = table.matrix(&rs_cols);
    let rs = radscore(&xr, o["radscore_intercept"].as_f64().expect("b0"), &rs_coef).expect("rs");
    let pp = stats_csv(o["per_patient_file"].as_str().expect("csv"));
    let d_rs = compare("radscore", &rs, &pp.numbers("radscore"), 1e-6);
    compare(
        "radscore first10",
        &rs[..10],
        &nums(&o["radscore_first10"]),
        1e-6,
    );

    // Our own lambda.1se model on the lasso vector's inputs gives the same rad-score.
    let lv = vector("lasso_logistic.json");
    let lcols = strings(&lv["inputs"]["columns"]);
    let xl = table.matrix(&lcols);
    let foldid: Vec<usize> = nums(&lv["inputs"]["foldid_1based"])
        .iter()
        .map(|&f| f as usize)
        .collect();
    let opts = GlmnetOptions {
        lambda_min_ratio: Some(0.01),
        thresh: 1e-10,
        maxit: 1_000_000,
        ..GlmnetOptions::default()
    };
    let cv = cv_logistic(
        &xl,
        &y,
        &foldid,
        &opts,
        CvMeasure::Deviance,
        Alignment::Fraction,
    )
    .expect("cv");
    let rs_own = radscore_1se(&cv, &xl).expect("rs");
    let d_own = compare(
        "radscore from own cv.glmnet",
        &rs_own,
        &pp.numbers("radscore"),
        1e-6,
    );

    // Nomogram: logit(Target) ~ radscore + size.
    let size_name = "MR_original_shape_Maximum3DDiameter";
    let size = table.numbers(size_name);
    compare("size column", &size, &pp.numbers(size_name), 1e-12);
    let rows: Vec<Vec<f64>> = rs.iter().zip(&size).map(|(&a, &b)| vec![a, b]).collect();
    let x = Matrix::from_rows(&rows).expect("rows");
    let nom = nomogram(&x, &y, &LogisticOptions::default()).expect("nomogram");
    let d_coef = compare(
        "nomogram coef",
        &nom.fit.coef,
        &nums(&o["nomogram_coef"]),
        1e-6,
    );
    compare("nomogram se", &nom.fit.se, &nums(&o["nomogram_se"]), 1e-6);
    compare("axis lo", &nom.axis_lo, &nums(&o["axis_lo"]), 1e-6);
    compare("axis hi", &nom.axis_hi, &nums(&o["axis_hi"]), 1e-6);
    compare(
        "points per unit",
        &nom.points_per_unit,
        &nums(&o["points_per_unit"]),
        1e-6,
    );
    compare(
        "max range",
        &[nom.max_range_lp_units],
        &[o["max_range_lp_units"].as_f64().expect("r")],
        1e-6,
    );
    let mut pts_r = Vec::new();
    let mut pts_s = Vec::new();
    let mut tot = Vec::new();
    let mut lp = Vec::new();
    let mut prob = Vec::new();
    for r in 0..x.rows() {
        let p = nom.points(x.row(r)).expect("points");
        let t = nom.total_points(x.row(r)).expect("total");
        pts_r.push(p[0]);
        pts_s.push(p[1]);
        tot.push(t);
        lp.push(nom.linear_predictor(t));
        prob.push(nom.probability(t));
    }
    compare(
        "points radscore",
        &pts_r,
        &pp.numbers("points_radscore"),
        1e-6,
    );
    compare("points size", &pts_s, &pp.numbers("points_size"), 1e-6);
    let d_tot = compare("total points", &tot, &pp.numbers("total_points"), 1e-6);
    compare(
        "linear predictor",
        &lp,
        &pp.numbers("linear_predictor"),
        1e-6,
    );
    let d_p = compare("probability", &prob, &pp.numbers("prob"), 1e-6);
    // R rms::nomogram: points of the axis ends
    let rv = &v["crosscheck_R"]["values"];
    let ends_r: Vec<f64> = [nom.axis_lo[0], nom.axis_hi[0]]
        .iter()
        .map(|&a| nom.points(&[a, nom.axis_lo[1]]).expect("points")[0])
        .collect();
    compare(
        "R points radscore ends",
        &ends_r,
        &nums(&rv["points_radscore_at_lo_hi"]),
        1e-6,
    );
    let ends_s: Vec<f64> = [nom.axis_lo[1], nom.axis_hi[1]]
        .iter()
        .map(|&a| nom.points(&[nom.axis_lo[0], a]).expect("points")[1])
        .collect();
    compare(
        "R points size ends",
        &ends_s,
        &nums(&rv["points_size_at_lo_hi"]),
        1e-6,
    );
    assert!(nom.points(&[1.0]).is_err());
    eprintln!("radscore_nomogram: radscore {d_rs:.1e} (own cv.glmnet {d_own:.1e}), coef {d_coef:.1e}, total points {d_tot:.1e}, prob {d_p:.1e}");
}
