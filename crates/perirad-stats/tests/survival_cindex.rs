//! Harrell's C with pair counts against `stats/vectors/cindex.json` (scikit-survival, lifelines,
//! brute force; R survival::concordance cross-check).

mod common;
use common::*;
use perirad_stats::survival;

#[test]
fn cindex_reference() {
    let v = vector("cindex.json");
    let tol = num(&v["tolerance"]["cindex"]);
    let d = stats_csv("data/rossi.csv").columns(&["week", "arrest", "prio", "age"]);
    let e: Vec<bool> = d[1].iter().map(|&x| x != 0.0).collect();
    let mut c = Check::default();
    for (key, col, sign) in [("prio", 2usize, 1.0), ("age", 3usize, -1.0)] {
        let w = &v["outputs"][key];
        let risk: Vec<f64> = d[col].iter().map(|x| sign * x).collect();
        let r = survival::concordance_index(&d[0], &e, &risk).expect("cindex");
        c.close(
            &format!("{key} C (sksurv)"),
            r.cindex,
            num(&w["cindex_sksurv"]),
            tol,
        );
        c.close(
            &format!("{key} C (lifelines)"),
            r.cindex,
            num(&w["cindex_lifelines"]),
            tol,
        );
        c.close(
            &format!("{key} C (brute force)"),
            r.cindex,
            num(&w["cindex_bruteforce"]),
            tol,
        );
        for (k, got) in [
            ("concordant", r.concordant),
            ("discordant", r.discordant),
            ("tied_risk", r.tied_risk),
            ("tied_time", r.tied_time),
        ] {
            c.equal(&format!("{key} {k}"), got, w[k].as_u64().expect("count"));
        }
        c.close(
            &format!("{key} comparable"),
            r.comparable as f64,
            num(&w["comparable_pairs"]),
            0.0,
        );
        // Pitfall 6: the strict-time-only variant must differ.
        assert!((r.cindex - num(&w["cindex_bruteforce_strict_time_only"])).abs() > 1e-3);
    }
    c.finish("cindex.json");
}
