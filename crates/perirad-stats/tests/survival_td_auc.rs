//! Time-dependent cumulative/dynamic AUC (IPCW) against scikit-survival `cumulative_dynamic_auc`
//! (`tests/data/td_auc_sksurv.json`, made by scripts/make_stats_metrics_references.py on whas500).

mod common;
use common::*;
use perirad_stats::survival;

#[test]
fn td_auc_matches_sksurv() {
    let r = local("td_auc_sksurv.json");
    let cases = r["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 4);
    let mut c = Check::default();
    for (name, w) in cases {
        let got = survival::cumulative_dynamic_auc(
            &nums(&w["train_time"]),
            &bools(&w["train_event"]),
            &nums(&w["test_time"]),
            &bools(&w["test_event"]),
            &nums(&w["risk"]),
            &nums(&w["times"]),
        )
        .expect("td auc");
        c.all_close(&format!("{name} auc"), &got.auc, &nums(&w["auc"]), 1e-12);
        c.close(
            &format!("{name} mean auc"),
            got.mean_auc,
            num(&w["mean_auc"]),
            1e-12,
        );
    }
    c.finish("td_auc_sksurv.json");
}
