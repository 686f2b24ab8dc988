//! Normal cdf / sf / ppf and chi-squared sf helpers against scipy
//! (`tests/data/distributions_scipy.json`, made by scripts/make_stats_metrics_references.py).

mod common;
use common::*;
use perirad_stats::metrics;

/// Relative difference, with exact equality (including 0 and infinities) passing.
fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs()
    }
}

#[test]
fn distributions_match_scipy() {
    let r = local("distributions_scipy.json");
    let mut c = Check::default();
    let x = nums(&r["norm"]["x"]);
    for ((&xi, cdf), sf) in x
        .iter()
        .zip(nums(&r["norm"]["cdf"]))
        .zip(nums(&r["norm"]["sf"]))
    {
        c.close(
            &format!("cdf({xi}) rel"),
            rel(metrics::norm_cdf(xi), cdf),
            0.0,
            1e-13,
        );
        c.close(
            &format!("sf({xi}) rel"),
            rel(metrics::norm_sf(xi), sf),
            0.0,
            1e-13,
        );
    }
    let q = nums(&r["norm_ppf"]["q"]);
    for (&qi, ppf) in q.iter().zip(nums(&r["norm_ppf"]["ppf"])) {
        c.close(
            &format!("ppf({qi}) rel"),
            rel(metrics::norm_ppf(qi), ppf),
            0.0,
            1e-13,
        );
    }
    let cx = nums(&r["chi2_sf"]["x"]);
    let dfs = nums(&r["chi2_sf"]["df"]);
    for (k, &df) in dfs.iter().enumerate() {
        let want = nums(&r["chi2_sf"]["sf"][k]);
        for (&xi, w) in cx.iter().zip(want) {
            c.close(
                &format!("chi2_sf({xi}, {df}) rel"),
                rel(metrics::chi2_sf(xi, df), w),
                0.0,
                1e-13,
            );
        }
    }
    c.finish("distributions_scipy.json (relative)");
}
