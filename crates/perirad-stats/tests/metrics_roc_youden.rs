//! ROC curve and Youden-threshold metrics against scikit-learn
//! (`tests/data/roc_youden_sklearn.json`, made by scripts/make_stats_metrics_references.py).

mod common;
use common::*;
use perirad_stats::roc;

#[test]
fn roc_curve_and_youden_match_sklearn() {
    let r = local("roc_youden_sklearn.json");
    let cases = r["cases"].as_object().expect("cases");
    assert_eq!(cases.len(), 4);
    let mut c = Check::default();
    for (name, case) in cases {
        let inp = &case["inputs"];
        let (y, scores) = if let Some(file) = inp["file"].as_str() {
            let target = inp["target_column"].as_str().expect("target");
            let cols: Vec<&str> = inp["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .map(|x| x.as_str().expect("name"))
                .collect();
            let mut v = stats_csv(file).columns(&[target, cols[0], cols[1]]);
            let y = v.remove(0).iter().map(|&t| t != 0.0).collect::<Vec<bool>>();
            (y, v)
        } else {
            (
                bools(&inp["y"]),
                vec![nums(&inp["score1"]), nums(&inp["score2"])],
            )
        };
        for (s, want) in scores
            .iter()
            .zip(case["scores"].as_array().expect("scores"))
        {
            let tag = format!("{name}/{}", want["score_name"].as_str().expect("name"));
            let curve = roc::roc_curve(&y, s).expect("roc curve");
            c.all_close(
                &format!("{tag} thresholds"),
                &curve.thresholds,
                &nums(&want["roc_thresholds"]),
                0.0,
            );
            c.all_close(
                &format!("{tag} fpr"),
                &curve.fpr,
                &nums(&want["roc_fpr"]),
                1e-15,
            );
            c.all_close(
                &format!("{tag} tpr"),
                &curve.tpr,
                &nums(&want["roc_tpr"]),
                1e-15,
            );
            let m = roc::youden(&y, s).expect("youden");
            c.close(
                &format!("{tag} threshold"),
                m.threshold,
                num(&want["youden_threshold"]),
                0.0,
            );
            c.close(
                &format!("{tag} J"),
                m.youden_j,
                num(&want["youden_j"]),
                1e-15,
            );
            for (k, got) in [
                ("tp", m.true_positives),
                ("fp", m.false_positives),
                ("tn", m.true_negatives),
                ("fn", m.false_negatives),
            ] {
                c.equal(
                    &format!("{tag} {k}"),
                    got as u64,
                    want[k].as_u64().expect("count"),
                );
            }
            for (k, got) in [
                ("sensitivity", m.sensitivity),
                ("specificity", m.specificity),
                ("accuracy", m.accuracy),
                ("ppv", m.ppv),
                ("npv", m.npv),
            ] {
                c.close(&format!("{tag} {k}"), got, num(&want[k]), 1e-15);
            }
        }
    }
    c.finish("roc_youden_sklearn.json");
}
