//! Degenerate survival inputs: no events, one group, NaN, length mismatch, all subjects failing.

use perirad_stats::{survival, StatsError};

#[test]
fn no_events() {
    let t = [3.0, 1.0, 2.0, 2.0];
    let e = [false; 4];
    let km = survival::kaplan_meier(&t, &e).expect("KM without events is defined");
    assert_eq!(km.time, vec![1.0, 2.0, 3.0]);
    assert_eq!(km.n_risk, vec![4, 3, 1]);
    assert_eq!(km.n_censor, vec![1, 2, 1]);
    assert!(km.survival.iter().all(|&s| s == 1.0));
    assert!(km.ci_lower.iter().chain(&km.ci_upper).all(|&s| s == 1.0));
    assert_eq!(
        (km.median, km.median_midpoint),
        (f64::INFINITY, f64::INFINITY)
    );
    match survival::logrank(&t, &e, &[0, 1, 0, 1]) {
        Err(StatsError::Outcome(m)) => assert!(m.contains("no events"), "{m}"),
        other => panic!("expected Outcome, got {other:?}"),
    }
    match survival::concordance_index(&t, &e, &[0.1, 0.2, 0.3, 0.4]) {
        Err(StatsError::Outcome(m)) => assert!(m.contains("no comparable pairs"), "{m}"),
        other => panic!("expected Outcome, got {other:?}"),
    }
}

#[test]
fn bad_inputs() {
    let e = [true, false, true];
    for r in [
        survival::kaplan_meier(&[1.0, f64::NAN, 2.0], &e).map(|_| ()),
        survival::kaplan_meier(&[1.0, 2.0], &e).map(|_| ()),
        survival::kaplan_meier(&[], &[]).map(|_| ()),
        survival::logrank(&[1.0, 2.0, 3.0], &e, &[1, 2]).map(|_| ()),
        survival::concordance_index(&[1.0, 2.0, 3.0], &e, &[0.1, f64::INFINITY, 0.2]).map(|_| ()),
    ] {
        assert!(matches!(r, Err(StatsError::Invalid(_))), "{r:?}");
    }
    match survival::logrank(&[1.0, 2.0, 3.0], &e, &["a", "a", "a"]) {
        Err(StatsError::Outcome(m)) => assert!(m.contains("at least 2 groups"), "{m}"),
        other => panic!("expected Outcome, got {other:?}"),
    }
}

/// Everyone fails: S reaches 0, the last Greenwood term (n = d) is skipped, the CI is [0, 0].
#[test]
fn curve_reaches_zero() {
    let km = survival::kaplan_meier(&[1.0, 2.0, 2.0], &[true, true, true]).expect("km");
    assert_eq!(km.survival[1], 0.0);
    assert_eq!(km.greenwood_var_log[1], km.greenwood_var_log[0]);
    assert_eq!((km.ci_lower[1], km.ci_upper[1]), (0.0, 0.0));
    assert_eq!(km.median, 2.0);
}

mod td_auc_degenerate {
    use super::*;

    const T: [f64; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    const E: [bool; 6] = [false, true, true, false, true, false];
    const R: [f64; 6] = [0.1, 0.9, 0.5, 0.4, 0.6, 0.2];

    fn run(times: &[f64]) -> perirad_stats::error::Result<survival::TimeDependentAuc> {
        survival::cumulative_dynamic_auc(&T, &E, &T, &E, &R, times)
    }

    #[test]
    fn bad_times() {
        for (times, needle) in [
            (&[][..], "no evaluation times"),
            (&[6.0][..], "within the test follow-up"),
            (&[0.5][..], "within the test follow-up"),
            (&[3.0, 3.0][..], "strictly increasing"),
            (&[f64::NAN][..], "within the test follow-up"),
        ] {
            match run(times) {
                Err(StatsError::Invalid(m)) => assert!(m.contains(needle), "{m}"),
                other => panic!("expected Invalid containing {needle:?}, got {other:?}"),
            }
        }
        let bad = survival::cumulative_dynamic_auc(&T, &E, &T, &E, &R[..5], &[3.0]);
        assert!(matches!(bad, Err(StatsError::Invalid(_))), "{bad:?}");
    }

    /// At t = 1 nobody has had an event yet: no cases, the AUC is undefined.
    #[test]
    fn no_case_at_time() {
        match run(&[1.0]) {
            Err(StatsError::Outcome(m)) => assert!(m.contains("t = 1"), "{m}"),
            other => panic!("expected Outcome, got {other:?}"),
        }
    }

    /// Training data whose last time is a censoring of everyone left: G = 0 there, and a case at that
    /// time has no weight.
    #[test]
    fn zero_censoring_survival() {
        let tt = [1.0, 2.0, 2.0, 3.0];
        let te = [true, true, false, false];
        let r = survival::cumulative_dynamic_auc(
            &tt,
            &te,
            &[1.0, 2.0, 2.0, 3.0, 4.0],
            &[true, true, false, true, false],
            &[0.1, 0.2, 0.3, 0.4, 0.5],
            &[3.0],
        );
        assert!(matches!(r, Err(StatsError::Invalid(_))), "{r:?}");
    }
}
