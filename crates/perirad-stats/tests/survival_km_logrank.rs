//! Kaplan-Meier tables (S, Greenwood, log-log CI, both median conventions) and log-rank tests
//! against `stats/vectors/km_logrank.json` (lifelines 0.30.3; R survfit/survdiff cross-check).

mod common;
use common::*;
use perirad_stats::survival;

fn compare_km(
    c: &mut Check,
    tag: &str,
    km: &survival::KaplanMeier,
    w: &serde_json::Value,
    tol: &serde_json::Value,
) {
    let (t_s, t_se, t_ci) = (num(&tol["survival"]), num(&tol["se"]), num(&tol["ci"]));
    let counts = |v: &[usize]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    c.all_close(&format!("{tag} time"), &km.time, &nums(&w["time"]), 0.0);
    c.all_close(
        &format!("{tag} n_risk"),
        &counts(&km.n_risk),
        &nums(&w["n_risk"]),
        0.0,
    );
    c.all_close(
        &format!("{tag} n_event"),
        &counts(&km.n_event),
        &nums(&w["n_event"]),
        0.0,
    );
    c.all_close(
        &format!("{tag} n_censor"),
        &counts(&km.n_censor),
        &nums(&w["n_censor"]),
        0.0,
    );
    c.all_close(
        &format!("{tag} S"),
        &km.survival,
        &nums(&w["survival"]),
        t_s,
    );
    c.all_close(
        &format!("{tag} greenwood"),
        &km.greenwood_var_log,
        &nums(&w["greenwood_var_of_log_S_sum_d_over_n_n_minus_d"]),
        t_se,
    );
    c.all_close(
        &format!("{tag} se"),
        &km.se,
        &nums(&w["se_S_greenwood"]),
        t_se,
    );
    c.all_close(
        &format!("{tag} ci lower"),
        &km.ci_lower,
        &nums(&w["ci95_lower_loglog"]),
        t_ci,
    );
    c.all_close(
        &format!("{tag} ci upper"),
        &km.ci_upper,
        &nums(&w["ci95_upper_loglog"]),
        t_ci,
    );
    c.close(
        &format!("{tag} median (lifelines)"),
        km.median,
        num(&w["median_survival"]),
        0.0,
    );
    c.close(
        &format!("{tag} median (R)"),
        km.median_midpoint,
        num(&w["median_survival_R_convention"]),
        0.0,
    );
}

#[test]
fn km_logrank_reference() {
    let v = vector("km_logrank.json");
    let tol = &v["tolerance"];
    let out = &v["outputs"];
    let mut c = Check::default();

    // rossi: week / arrest / fin
    let r = stats_csv("data/rossi.csv").columns(&["week", "arrest", "fin"]);
    let (t, e, fin) = (
        &r[0],
        r[1].iter().map(|&x| x != 0.0).collect::<Vec<bool>>(),
        &r[2],
    );
    let subset = |keep: &dyn Fn(usize) -> bool| {
        let idx: Vec<usize> = (0..t.len()).filter(|&i| keep(i)).collect();
        (
            idx.iter().map(|&i| t[i]).collect::<Vec<f64>>(),
            idx.iter().map(|&i| e[i]).collect::<Vec<bool>>(),
        )
    };
    let rossi_km = out["rossi_km"].as_object().expect("rossi_km");
    assert_eq!(rossi_km.len(), 3);
    for (key, w) in rossi_km {
        let (tt, ee) = match key.as_str() {
            "all" => subset(&|_| true),
            "fin=0" => subset(&|i| fin[i] == 0.0),
            "fin=1" => subset(&|i| fin[i] == 1.0),
            other => panic!("unexpected rossi table {other}"),
        };
        let km = survival::kaplan_meier(&tt, &ee).expect("km");
        compare_km(&mut c, &format!("rossi {key}"), &km, w, tol);
    }
    let fin_g: Vec<i64> = fin.iter().map(|&x| x as i64).collect();
    let lr = survival::logrank(t, &e, &fin_g).expect("logrank fin");
    let w = &out["rossi_logrank_fin"];
    c.close(
        "rossi logrank chi2",
        lr.chi2,
        num(&w["chi2"]),
        num(&tol["chi2"]),
    );
    c.close("rossi logrank p", lr.p_value, num(&w["p"]), num(&tol["p"]));
    c.equal(
        "rossi logrank df",
        lr.df as u64,
        w["df"].as_u64().expect("df"),
    );

    // veterans: time / status / trt / celltype
    let vt = stats_csv("data/veterans.csv").columns(&["time", "status"]);
    let (t, e) = (
        &vt[0],
        vt[1].iter().map(|&x| x != 0.0).collect::<Vec<bool>>(),
    );
    let trt = stats_csv("data/veterans.csv").strings("trt");
    let cell = stats_csv("data/veterans.csv").strings("celltype");
    let vet_km = out["veterans_km"].as_object().expect("veterans_km");
    assert_eq!(vet_km.len(), 2);
    for (key, w) in vet_km {
        let level = key.strip_prefix("trt=").expect("trt= key");
        let idx: Vec<usize> = (0..t.len()).filter(|&i| trt[i] == level).collect();
        let tt: Vec<f64> = idx.iter().map(|&i| t[i]).collect();
        let ee: Vec<bool> = idx.iter().map(|&i| e[i]).collect();
        let km = survival::kaplan_meier(&tt, &ee).expect("km");
        compare_km(&mut c, &format!("veterans {key}"), &km, w, tol);
    }
    for (key, groups) in [
        ("veterans_logrank_trt", &trt),
        ("veterans_logrank_celltype", &cell),
    ] {
        let lr = survival::logrank(t, &e, groups).expect("logrank");
        let w = &out[key];
        c.close(
            &format!("{key} chi2"),
            lr.chi2,
            num(&w["chi2"]),
            num(&tol["chi2"]),
        );
        c.close(
            &format!("{key} p"),
            lr.p_value,
            num(&w["p"]),
            num(&tol["p"]),
        );
        c.equal(
            &format!("{key} df"),
            lr.df as u64,
            w["df"].as_u64().expect("df"),
        );
    }
    c.finish("km_logrank.json");
}
