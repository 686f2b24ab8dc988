//! Decision-curve net benefit (model / treat all / treat none) against
//! `stats/vectors/decision_curve.json` (dcurves 1.1.7).

mod common;
use common::*;
use perirad_stats::calibration;

#[test]
fn decision_curve_reference() {
    let v = vector("decision_curve.json");
    let y = bools(&v["inputs"]["y"]);
    let p = nums(&v["inputs"]["p"]);
    let thr = nums(&v["options"]["thresholds"]);
    let tol = num(&v["tolerance"]["net_benefit"]);
    let d = calibration::decision_curve(&y, &p, &thr).expect("decision curve");
    let r = &v["outputs"]["dcurves"];
    let mut c = Check::default();
    c.all_close(
        "threshold",
        &d.thresholds,
        &nums(&r["model"]["threshold"]),
        0.0,
    );
    c.all_close(
        "model net benefit",
        &d.net_benefit_model,
        &nums(&r["model"]["net_benefit"]),
        tol,
    );
    c.all_close(
        "model tp_rate",
        &d.tp_rate,
        &nums(&r["model"]["tp_rate"]),
        tol,
    );
    c.all_close(
        "model fp_rate",
        &d.fp_rate,
        &nums(&r["model"]["fp_rate"]),
        tol,
    );
    c.all_close(
        "all net benefit",
        &d.net_benefit_all,
        &nums(&r["all"]["net_benefit"]),
        tol,
    );
    c.all_close(
        "none net benefit",
        &d.net_benefit_none,
        &nums(&r["none"]["net_benefit"]),
        tol,
    );
    c.all_close(
        "closed-form model",
        &d.net_benefit_model,
        &nums(&v["outputs"]["closed_form_model"]),
        tol,
    );
    c.all_close(
        "closed-form all",
        &d.net_benefit_all,
        &nums(&v["outputs"]["closed_form_treat_all"]),
        tol,
    );
    c.finish("decision_curve.json");
}
