//! Degenerate inputs of the evaluation metrics: single class, constant scores, NaN, length
//! mismatch. Each must give a clear error (or the documented value), never a panic.

use perirad_stats::{roc, StatsError};

fn is_invalid<T: std::fmt::Debug>(r: perirad_stats::error::Result<T>, needle: &str) {
    match r {
        Err(StatsError::Invalid(msg)) => {
            assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}")
        }
        other => panic!("expected Invalid containing {needle:?}, got {other:?}"),
    }
}

fn is_outcome<T: std::fmt::Debug>(r: perirad_stats::error::Result<T>, needle: &str) {
    match r {
        Err(StatsError::Outcome(msg)) => {
            assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}")
        }
        other => panic!("expected Outcome containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn roc_single_class() {
    let y = [true, true, true];
    let s = [0.1, 0.2, 0.3];
    is_outcome(roc::auc(&y, &s), "no negatives");
    is_outcome(roc::roc_curve(&y, &s), "single class");
    is_outcome(
        roc::auc_delong(&[false, false], &[0.1, 0.2]),
        "no positives",
    );
    is_outcome(roc::youden(&y, &s), "single class");
    is_outcome(roc::metrics_at_threshold(&y, &s, 0.5), "single class");
}

#[test]
fn roc_nan_and_length() {
    let y = [true, false, true, false];
    is_invalid(roc::auc(&y, &[0.1, f64::NAN, 0.3, 0.4]), "row 1");
    is_invalid(roc::auc(&y, &[0.1, 0.2]), "length mismatch");
    is_invalid(
        roc::delong_test(&y, &[0.1, 0.2, 0.3, 0.4], &[0.1, 0.2, 0.3]),
        "length mismatch",
    );
    is_invalid(roc::delong_covariance(&y, &[]), "no score");
    is_invalid(roc::auc(&[], &[]), "empty");
    is_invalid(
        roc::metrics_at_threshold(&y, &[0.1, 0.2, 0.3, 0.4], f64::NAN),
        "threshold",
    );
}

#[test]
fn delong_needs_two_of_each_class() {
    is_outcome(
        roc::auc_delong(&[true, false, false], &[0.9, 0.1, 0.2]),
        "at least 2 positives",
    );
}

/// Constant scores: every pair is a tie, AUC = 1/2 by the Mann-Whitney definition, the placement
/// values are all 1/2 so the DeLong variance is exactly 0, the CI collapses, and the paired test of
/// two constant scores is 0/0 = NaN (a value, not a panic).
#[test]
fn constant_scores() {
    let y = [true, false, true, false, true];
    let s = [0.3; 5];
    assert_eq!(roc::auc(&y, &s).expect("auc"), 0.5);
    let d = roc::auc_delong(&y, &s).expect("delong");
    assert_eq!((d.variance, d.ci_lower, d.ci_upper), (0.0, 0.5, 0.5));
    let t = roc::delong_test(&y, &s, &s).expect("test");
    assert!(t.z.is_nan() && t.p_value.is_nan(), "{t:?}");
    let curve = roc::roc_curve(&y, &s).expect("curve");
    assert_eq!(curve.fpr, vec![0.0, 1.0]);
    assert_eq!(curve.tpr, vec![0.0, 1.0]);
    // Youden: J = 0 everywhere, the first maximum is the +inf threshold (nobody positive).
    let m = roc::youden(&y, &s).expect("youden");
    assert_eq!(
        (m.true_positives, m.false_positives, m.threshold),
        (0, 0, f64::INFINITY)
    );
    assert!(m.ppv.is_nan() && m.npv == 0.4);
}

mod calibration_degenerate {
    use super::*;
    use perirad_stats::calibration::{self, HlGrouping};
    use perirad_stats::metrics;

    #[test]
    fn single_class_and_bad_probabilities() {
        let p = [0.2, 0.4, 0.6, 0.8];
        is_outcome(calibration::calibration(&[true; 4], &p), "no negatives");
        is_invalid(
            calibration::calibration(&[true, false, true, false], &[0.2, 0.4, 1.0, 0.8]),
            "0 < p < 1",
        );
        is_invalid(
            calibration::calibration(&[true, false, true, false], &[0.2, 0.4, 0.0, 0.8]),
            "row 2",
        );
        is_invalid(
            metrics::brier_score(&[true, false], &[0.2, 1.5]),
            "outside [0, 1]",
        );
        is_invalid(
            metrics::brier_score(&[true, false], &[0.2, f64::NAN]),
            "not finite",
        );
        is_invalid(
            metrics::brier_score(&[true, false], &[0.2]),
            "length mismatch",
        );
        is_invalid(
            calibration::decision_curve(&[true, false], &[0.2, 0.3], &[0.5, 1.0]),
            "threshold 1",
        );
        is_invalid(
            calibration::hosmer_lemeshow(&[true, false], &[0.2, 0.3], 2, HlGrouping::EqualSize),
            "g >= 3",
        );
        // Brier and net benefit stay defined for a single class.
        assert!(metrics::brier_score(&[true; 4], &p).is_ok());
        assert!(calibration::decision_curve(&[false; 4], &p, &[0.1, 0.5]).is_ok());
    }

    #[test]
    fn constant_probabilities() {
        let y = [true, false, true, false, false];
        let p = [0.4; 5];
        match calibration::calibration(&y, &p) {
            Err(StatsError::Numerical(msg)) => assert!(
                msg.contains("all 5 predicted probabilities are equal"),
                "{msg}"
            ),
            other => panic!("expected Numerical, got {other:?}"),
        }
        is_invalid(
            calibration::hosmer_lemeshow(&y, &p, 10, HlGrouping::Quantile),
            "all 5 probabilities are equal",
        );
        // Equal-size groups of 5 subjects in 3 groups: sizes 2, 2, 1, each with expected counts > 0.
        let h =
            calibration::hosmer_lemeshow(&y, &p, 3, HlGrouping::EqualSize).expect("HL equal size");
        assert_eq!(h.group_sizes, vec![2, 2, 1]);
        // More groups than subjects leaves an empty group: an error naming it, not a NaN.
        match calibration::hosmer_lemeshow(&y, &p, 10, HlGrouping::EqualSize) {
            Err(StatsError::Numerical(msg)) => {
                assert!(msg.contains("group 5 has 0 subjects"), "{msg}")
            }
            other => panic!("expected Numerical, got {other:?}"),
        }
    }

    #[test]
    fn perfect_separation_does_not_converge() {
        let y = [false, false, false, true, true, true];
        let p = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
        match calibration::calibration(&y, &p) {
            Err(StatsError::Numerical(msg)) => assert!(msg.contains("separation"), "{msg}"),
            other => panic!("expected Numerical (separation), got {other:?}"),
        }
    }
}

mod bootstrap_degenerate {
    use super::*;
    use perirad_stats::metrics;

    #[test]
    fn bad_arguments() {
        let y = [true, false, true, false];
        let s = [0.9, 0.1, 0.8, 0.3];
        let idx = metrics::bootstrap_indices(4, 10, 1).expect("indices");
        is_invalid(metrics::bootstrap_ci(&y, &s, roc::auc, &idx, 0.0), "alpha");
        is_invalid(
            metrics::bootstrap_ci(&y, &s, roc::auc, &[], 0.05),
            "no resamples",
        );
        is_invalid(
            metrics::bootstrap_ci(&y, &s, roc::auc, &[vec![0, 1, 2, 4]], 0.05),
            "index 4",
        );
        is_invalid(
            metrics::bootstrap_ci(&y, &s[..3], roc::auc, &idx, 0.05),
            "length mismatch",
        );
        is_invalid(metrics::bootstrap_indices(0, 10, 1), "n > 0");
        is_outcome(
            metrics::bootstrap_indices_stratified(&[false; 3], 10, 1),
            "no positives",
        );
        is_invalid(metrics::bootstrap_indices_stratified(&y, 0, 1), "b > 0");
        is_invalid(metrics::quantile_type7(&[], 0.5), "empty");
        is_invalid(metrics::quantile_type7(&[1.0, f64::NAN], 0.5), "not finite");
        is_invalid(metrics::quantile_type7(&[1.0, 2.0], 1.5), "outside");
        // A single class on the full data: the statistic's own error comes back.
        is_outcome(
            metrics::bootstrap_ci(&[true; 4], &s, roc::auc, &idx, 0.05),
            "single class",
        );
    }

    /// Single-class resamples are NaN replicates and are left out of the intervals.
    #[test]
    fn undefined_replicates_are_skipped() {
        let y = [true, false, true, false];
        let s = [0.9, 0.1, 0.8, 0.3];
        let idx = vec![
            vec![0, 0, 0, 0],
            vec![0, 1, 2, 3],
            vec![1, 1, 0, 2],
            vec![3, 1, 1, 1],
        ];
        let r = metrics::bootstrap_ci(&y, &s, roc::auc, &idx, 0.05).expect("bootstrap");
        assert!(r.replicates[0].is_nan() && r.replicates[3].is_nan());
        assert_eq!(r.n_valid, 2);
        // Every valid replicate equals the estimate (1.0): no replicate below it -> z0 = -inf -> no BCa.
        assert!(r.bca.is_none());
        assert_eq!(r.percentile, [1.0, 1.0]);
    }
}

/// Bootstrap replicates are computed in parallel; the result must not depend on the thread count.
#[test]
fn bootstrap_ignores_thread_count() {
    use perirad_stats::metrics;
    let y: Vec<bool> = (0..60).map(|i| (i * 7) % 5 < 2).collect();
    let s: Vec<f64> = (0..60).map(|i| ((i * 13) % 17) as f64 / 17.0).collect();
    let idx = metrics::bootstrap_indices(60, 300, 7).expect("indices");
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| metrics::bootstrap_ci(&y, &s, roc::auc, &idx, 0.05).expect("bootstrap"))
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(
        a.replicates.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.replicates.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!((a.percentile, a.basic), (b.percentile, b.basic));
    let (ba, bb) = (a.bca.expect("bca"), b.bca.expect("bca"));
    assert_eq!(
        (ba.lower, ba.upper, ba.acceleration),
        (bb.lower, bb.upper, bb.acceleration)
    );
}
