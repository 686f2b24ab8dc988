//! Calibration (Brier, scaled Brier, CITL, slope, recalibration intercept) and Hosmer-Lemeshow in
//! both groupings against `stats/vectors/calibration.json` (statsmodels GLM; R glm / rms::val.prob /
//! hoslem.test cross-check).

mod common;
use common::*;
use perirad_stats::calibration::{self, HlGrouping};
use perirad_stats::metrics;

#[test]
fn calibration_reference() {
    let v = vector("calibration.json");
    let tol = &v["tolerance"];
    let (t_brier, t_slope, t_chi, t_p) = (
        num(&tol["brier"]),
        num(&tol["slope_intercept"]),
        num(&tol["hl_chi2"]),
        num(&tol["hl_p"]),
    );
    let cases = v["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 2);
    let mut c = Check::default();
    for (name, case) in cases {
        let y = bools(&case["inputs"]["y"]);
        let p = nums(&case["inputs"]["p"]);
        let o = &case["outputs"];
        let r = calibration::calibration(&y, &p).expect("calibration");
        c.close(&format!("{name} brier"), r.brier, num(&o["brier"]), t_brier);
        let b = metrics::brier_score(&y, &p).expect("brier");
        c.close(
            &format!("{name} metrics::brier_score"),
            b,
            num(&o["brier"]),
            t_brier,
        );
        c.close(
            &format!("{name} brier_scaled"),
            r.brier_scaled,
            num(&o["brier_scaled"]),
            t_brier,
        );
        c.close(
            &format!("{name} mean_p"),
            r.mean_p,
            num(&o["mean_p"]),
            t_brier,
        );
        c.close(
            &format!("{name} mean_y"),
            r.mean_y,
            num(&o["mean_y"]),
            t_brier,
        );
        c.close(
            &format!("{name} slope"),
            r.calibration_slope,
            num(&o["calibration_slope"]),
            t_slope,
        );
        c.close(
            &format!("{name} slope se"),
            r.calibration_slope_se,
            num(&o["calibration_slope_se"]),
            t_slope,
        );
        c.close(
            &format!("{name} recalibration intercept"),
            r.recalibration_intercept,
            num(&o["recalibration_intercept_with_slope"]),
            t_slope,
        );
        c.close(
            &format!("{name} citl"),
            r.calibration_in_the_large,
            num(&o["calibration_in_the_large"]),
            t_slope,
        );
        c.close(
            &format!("{name} citl se"),
            r.calibration_in_the_large_se,
            num(&o["calibration_in_the_large_se"]),
            t_slope,
        );
        for (key, grouping) in [
            ("hosmer_lemeshow_R_hoslem_test_g10", HlGrouping::Quantile),
            ("hosmer_lemeshow_equal_size_g10", HlGrouping::EqualSize),
        ] {
            let w = &o[key];
            let h = calibration::hosmer_lemeshow(&y, &p, 10, grouping).expect("HL");
            let tag = format!("{name} {key}");
            c.close(&format!("{tag} chi2"), h.chi2, num(&w["chi2"]), t_chi);
            c.close(&format!("{tag} p"), h.p_value, num(&w["p"]), t_p);
            c.equal(
                &format!("{tag} df"),
                h.df as u64,
                w["df"].as_u64().expect("df"),
            );
            let sizes: Vec<f64> = h.group_sizes.iter().map(|&s| s as f64).collect();
            c.all_close(
                &format!("{tag} sizes"),
                &sizes,
                &nums(&w["group_sizes"]),
                0.0,
            );
            c.all_close(
                &format!("{tag} O1"),
                &h.observed_1,
                &nums(&w["observed_1"]),
                0.0,
            );
            c.all_close(
                &format!("{tag} E1"),
                &h.expected_1,
                &nums(&w["expected_1"]),
                1e-12,
            );
            if grouping == HlGrouping::Quantile {
                c.all_close(
                    &format!("{tag} breaks"),
                    &h.breaks,
                    &nums(&w["breaks"]),
                    1e-15,
                );
            }
        }
    }
    c.finish("calibration.json");
}

/// Slope, recalibration intercept, Brier and HL against the independent R values (glm,
/// rms::val.prob, ResourceSelection::hoslem.test) stored in the vector.
#[test]
fn calibration_matches_r() {
    let v = vector("calibration.json");
    let rv = &v["crosscheck_R"]["values"]["cases"];
    let mut c = Check::default();
    for (name, case) in v["cases"].as_object().expect("cases") {
        let r = &rv[name];
        let y = bools(&case["inputs"]["y"]);
        let p = nums(&case["inputs"]["p"]);
        let got = calibration::calibration(&y, &p).expect("calibration");
        c.close(
            &format!("{name} R brier"),
            got.brier,
            num(&r["brier"]),
            1e-14,
        );
        c.close(
            &format!("{name} R glm slope"),
            got.calibration_slope,
            num(&r["calibration_slope"]),
            1e-8,
        );
        c.close(
            &format!("{name} R val.prob Slope"),
            got.calibration_slope,
            num(&r["rms_val_prob"]["Slope"]),
            1e-8,
        );
        c.close(
            &format!("{name} R val.prob Intercept"),
            got.recalibration_intercept,
            num(&r["rms_val_prob"]["Intercept"]),
            1e-8,
        );
        c.close(
            &format!("{name} R citl"),
            got.calibration_in_the_large,
            num(&r["calibration_in_the_large"]),
            1e-8,
        );
        let h = calibration::hosmer_lemeshow(&y, &p, 10, HlGrouping::Quantile).expect("HL");
        let hr = &r["hosmer_lemeshow_R_hoslem_test_g10"];
        c.close(
            &format!("{name} R hoslem chi2"),
            h.chi2,
            num(&hr["chi2"]),
            1e-10,
        );
        c.close(
            &format!("{name} R hoslem p"),
            h.p_value,
            num(&hr["p"]),
            1e-10,
        );
    }
    c.finish("calibration.json crosscheck_R");
}
