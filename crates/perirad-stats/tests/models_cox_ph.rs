//! Cox proportional hazards against `stats/vectors/cox_ph.json` (statsmodels PHReg, lifelines,
//! cross-checked with R survival::coxph): rossi and whas500, Efron and Breslow ties.

mod common;
use common::*;
use perirad_stats::cox::{cox_ph, CoxOptions, Ties};
use perirad_stats::survival::concordance_index;
use perirad_stats::{Matrix, StatsError};

#[test]
fn statsmodels_phreg_rossi_and_whas500() {
    let v = vector("cox_ph.json");
    let cases = v["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 2);
    for (name, case) in cases {
        let inputs = &case["inputs"];
        let file = v["data_files"][inputs["dataset"].as_str().expect("dataset")]
            .as_str()
            .expect("file");
        let table = stats_csv(file);
        let x = table.matrix(&strings(&inputs["covariates"]));
        let time = table.numbers(inputs["time"].as_str().expect("time"));
        let event = table.bools(inputs["event"].as_str().expect("event"));
        for (tname, ties) in [("efron", Ties::Efron), ("breslow", Ties::Breslow)] {
            let want = &case["fits"][tname];
            let fit = cox_ph(&x, &time, &event, ties, &CoxOptions::default()).expect("fit");
            let l = format!("{name}/{tname}");
            let dc = compare(&format!("{l} coef"), &fit.coef, &nums(&want["coef"]), 1e-6);
            let ds = compare(&format!("{l} se"), &fit.se, &nums(&want["se"]), 1e-6);
            compare(&format!("{l} z"), &fit.z, &nums(&want["z"]), 1e-5);
            compare(&format!("{l} p"), &fit.p, &nums(&want["p"]), 1e-6);
            let dl = compare(
                &format!("{l} loglik"),
                &[fit.loglik],
                &[want["loglik"].as_f64().expect("ll")],
                1e-8,
            );
            compare(
                &format!("{l} loglik_null"),
                &[fit.loglik_null],
                &[want["loglik_null"].as_f64().expect("ll0")],
                1e-8,
            );
            compare(
                &format!("{l} lr_chi2"),
                &[fit.lr_chi2],
                &[want["lr_chi2"].as_f64().expect("lr")],
                1e-7,
            );
            compare(
                &format!("{l} linear predictor"),
                &fit.linear_predictor[..10],
                &nums(&want["linear_predictor_uncentered_first10"]),
                1e-5,
            );
            let c = concordance_index(&time, &event, &fit.linear_predictor).expect("C-index");
            let wc = &want["concordance_sksurv"];
            let dcx = compare(
                &format!("{l} C"),
                &[c.cindex],
                &[wc["cindex"].as_f64().expect("c")],
                1e-12,
            );
            let counts = [c.concordant, c.discordant, c.tied_risk, c.tied_time];
            let want_counts: Vec<u64> = ["concordant", "discordant", "tied_risk", "tied_time"]
                .iter()
                .map(|k| wc[*k].as_u64().expect("count"))
                .collect();
            assert_eq!(counts.to_vec(), want_counts, "{l} concordance counts");
            let mut msg = format!("{l}: coef {dc:.1e} se {ds:.1e} loglik {dl:.1e} C {dcx:.1e}");
            let base = &want["lifelines_baseline_cumhaz_at_mean_covariates"];
            if !base.is_null() {
                compare(
                    &format!("{l} baseline times"),
                    &fit.baseline.times,
                    &nums(&base["time"]),
                    0.0,
                );
                compare(
                    &format!("{l} means"),
                    &fit.baseline.means,
                    &nums(&base["covariate_means"]),
                    1e-12,
                );
                let dh = compare(
                    &format!("{l} baseline cumhaz"),
                    &fit.baseline.cumhaz,
                    &nums(&base["cumhaz"]),
                    1e-6,
                );
                msg += &format!(" baseline cumhaz {dh:.1e}");
            }
            eprintln!("{msg}");
        }
    }
}

#[test]
fn degenerate_survival_inputs() {
    let rows: Vec<Vec<f64>> = (0..10)
        .map(|i| vec![((i * 7) % 10) as f64, ((i * 3) % 4) as f64])
        .collect();
    let x = Matrix::from_rows(&rows).expect("rows");
    let time: Vec<f64> = (0..10).map(|i| (10 - i) as f64).collect();
    let event = vec![
        true, false, true, true, false, true, false, true, true, false,
    ];
    let o = CoxOptions::default();
    assert!(cox_ph(&x, &time, &event, Ties::Efron, &o).is_ok());
    assert!(matches!(
        cox_ph(&x, &time, &[false; 10], Ties::Efron, &o),
        Err(StatsError::Outcome(_))
    ));
    let mut t2 = time.clone();
    t2[2] = f64::NAN;
    let e = cox_ph(&x, &t2, &event, Ties::Efron, &o).expect_err("NaN time");
    assert!(e.to_string().contains("row 2"), "{e}");
    let c = Matrix::from_rows(
        &(0..10)
            .map(|i| vec![((i * 7) % 10) as f64, 1.0])
            .collect::<Vec<_>>(),
    )
    .expect("rows");
    assert!(matches!(
        cox_ph(&c, &time, &event, Ties::Breslow, &o),
        Err(StatsError::Numerical(_))
    ));
    // perfectly ordered risk (x0 decreasing in time, all events): monotone likelihood
    let all = vec![true; 10];
    let x1 = Matrix::from_rows(&(0..10).map(|i| vec![i as f64]).collect::<Vec<_>>()).expect("rows");
    let r = cox_ph(&x1, &time, &all, Ties::Breslow, &o);
    assert!(matches!(r, Err(StatsError::Numerical(_))), "{r:?}");
}
