//! Bootstrap CIs (percentile R type 7, basic, BCa) of the AUC and the Brier score against
//! `stats/vectors/bootstrap_ci.json` with its given resample indices (`bootstrap_indices.csv`), and
//! with our own seeded resamples (within ~0.02 of the reference intervals, as the vector advises).

mod common;
use common::*;
use perirad_stats::{metrics, roc};

fn inputs() -> (serde_json::Value, Vec<bool>, Vec<f64>) {
    let v = vector("bootstrap_ci.json");
    let y = bools(&v["inputs"]["y"]);
    let p = nums(&v["inputs"]["p"]);
    (v, y, p)
}

#[test]
fn bootstrap_ci_with_given_indices() {
    let (v, y, p) = inputs();
    let indices = stats_csv("vectors/bootstrap_indices.csv");
    assert_eq!(indices.header.len(), y.len());
    let idx: Vec<Vec<usize>> = indices
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|x| x.parse::<usize>().expect("index"))
                .collect()
        })
        .collect();
    assert_eq!(idx.len() as u64, v["options"]["B"].as_u64().expect("B"));
    let alpha = num(&v["options"]["alpha"]);
    let (t_rep, t_ci) = (
        num(&v["tolerance"]["replicates"]),
        num(&v["tolerance"]["ci"]),
    );
    let o = &v["outputs"];
    let mut c = Check::default();

    let a = metrics::bootstrap_ci(&y, &p, roc::auc, &idx, alpha).expect("AUC bootstrap");
    c.close("auc", a.estimate, num(&o["auc"]), t_rep);
    c.all_close(
        "auc replicates",
        &a.replicates,
        &nums(&o["auc_replicates"]),
        t_rep,
    );
    c.all_close(
        "auc percentile",
        &a.percentile,
        &nums(&o["auc_percentile_ci"]),
        t_ci,
    );
    c.all_close("auc basic", &a.basic, &nums(&o["auc_basic_ci"]), t_ci);
    c.close("auc boot se", a.se, num(&o["auc_boot_se"]), t_ci);
    let bca = a.bca.expect("BCa defined");
    c.all_close(
        "auc bca",
        &[bca.lower, bca.upper],
        &nums(&o["auc_bca_ci"]),
        t_ci,
    );
    c.close("bca z0", bca.z0, num(&o["bca_z0"]), t_ci);
    c.close(
        "bca acceleration",
        bca.acceleration,
        num(&o["bca_acceleration"]),
        t_ci,
    );
    c.all_close(
        "bca levels",
        &bca.adjusted_levels,
        &nums(&o["bca_adjusted_quantiles"]),
        t_ci,
    );

    let b =
        metrics::bootstrap_ci(&y, &p, metrics::brier_score, &idx, alpha).expect("Brier bootstrap");
    c.close("brier", b.estimate, num(&o["brier"]), t_rep);
    c.all_close(
        "brier replicates",
        &b.replicates,
        &nums(&o["brier_replicates"]),
        t_rep,
    );
    c.all_close(
        "brier percentile",
        &b.percentile,
        &nums(&o["brier_percentile_ci"]),
        t_ci,
    );
    c.finish("bootstrap_ci.json (given indices)");
}

#[test]
fn bootstrap_ci_with_own_rng() {
    let (v, y, p) = inputs();
    let o = &v["outputs"];
    let idx = metrics::bootstrap_indices(y.len(), 2000, 20240611).expect("indices");
    let again = metrics::bootstrap_indices(y.len(), 2000, 20240611).expect("indices");
    assert_eq!(idx, again, "same seed, same resamples");
    let a = metrics::bootstrap_ci(&y, &p, roc::auc, &idx, 0.05).expect("AUC bootstrap");
    let mut c = Check::default();
    c.all_close(
        "auc percentile (own RNG)",
        &a.percentile,
        &nums(&o["auc_percentile_ci"]),
        0.02,
    );
    c.all_close(
        "auc basic (own RNG)",
        &a.basic,
        &nums(&o["auc_basic_ci"]),
        0.02,
    );
    let bca = a.bca.expect("BCa");
    c.all_close(
        "auc bca (own RNG)",
        &[bca.lower, bca.upper],
        &nums(&o["auc_bca_ci"]),
        0.02,
    );
    c.close("auc se (own RNG)", a.se, num(&o["auc_boot_se"]), 0.01);
    let b =
        metrics::bootstrap_ci(&y, &p, metrics::brier_score, &idx, 0.05).expect("Brier bootstrap");
    c.all_close(
        "brier percentile (own RNG)",
        &b.percentile,
        &nums(&o["brier_percentile_ci"]),
        0.02,
    );
    c.finish("bootstrap_ci.json (own SplitMix64 resamples)");
}

/// R type-7 quantiles against the vector's percentile CI, recomputed from its replicate list.
#[test]
fn quantile_type7_matches_numpy_percentile() {
    let (v, _, _) = inputs();
    let o = &v["outputs"];
    let reps: Vec<f64> = nums(&o["brier_replicates"]);
    let ci = nums(&o["brier_percentile_ci"]);
    let lo = metrics::quantile_type7(&reps, 0.025).expect("q");
    let hi = metrics::quantile_type7(&reps, 0.975).expect("q");
    let mut c = Check::default();
    c.close("Q7(0.025)", lo, ci[0], 1e-15);
    c.close("Q7(0.975)", hi, ci[1], 1e-15);
    c.finish("quantile_type7");
}

/// Stratified resamples keep the class counts; their AUC intervals stay close to the reference
/// (unstratified) ones, within the same ~0.02 allowance.
#[test]
fn stratified_bootstrap_keeps_classes() {
    let (v, y, p) = inputs();
    let o = &v["outputs"];
    let idx = metrics::bootstrap_indices_stratified(&y, 2000, 99).expect("indices");
    let m = y.iter().filter(|&&t| t).count();
    for row in &idx {
        assert_eq!(row.len(), y.len());
        assert_eq!(
            row.iter().filter(|&&i| y[i]).count(),
            m,
            "class counts kept"
        );
    }
    let a = metrics::bootstrap_ci(&y, &p, roc::auc, &idx, 0.05).expect("AUC bootstrap");
    assert_eq!(a.n_valid, 2000, "no single-class resample");
    let mut c = Check::default();
    c.all_close(
        "auc percentile (stratified)",
        &a.percentile,
        &nums(&o["auc_percentile_ci"]),
        0.02,
    );
    c.finish("bootstrap_ci.json (stratified SplitMix64 resamples)");
}
