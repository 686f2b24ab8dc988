//! ROC analysis of a binary outcome: the empirical ROC curve, the AUC, its DeLong variance and
//! confidence interval, the paired DeLong test of two correlated AUCs, and the classification
//! metrics at the Youden-optimal threshold.
//!
//! Direction is fixed: a higher score means "more likely positive" (pROC `direction = "<"`). pROC's
//! automatic direction would flip predictors with AUC < 0.5; we never do.
//!
//! References matched by the tests: scikit-learn `roc_auc_score` / `roc_curve`, the fast DeLong
//! algorithm of Sun & Xu (2014, IEEE Signal Processing Letters 21:1389) as cross-checked with
//! pROC 1.18 (`var`, `cov`, `ci.auc(method = "delong")`, `roc.test(method = "delong")`).

use crate::error::{Result, StatsError};
use crate::metrics::{check_scores, class_counts, norm_ppf, norm_sf};
use serde::Serialize;

/// Empirical ROC curve, one point per distinct score (scikit-learn `roc_curve(drop_intermediate=False)`).
#[derive(Debug, Clone, Serialize)]
pub struct RocCurve {
    /// Decreasing thresholds; the first is `+inf` (nobody positive), then every distinct score.
    pub thresholds: Vec<f64>,
    /// False-positive rate `FP/N` of the rule "positive iff score >= threshold".
    pub fpr: Vec<f64>,
    /// True-positive rate `TP/P` of the same rule.
    pub tpr: Vec<f64>,
}

/// AUC with its DeLong variance and 95% confidence interval.
#[derive(Debug, Clone, Serialize)]
pub struct AucDelong {
    pub auc: f64,
    /// DeLong variance `S10/m + S01/n`.
    pub variance: f64,
    /// `sqrt(variance)`.
    pub se: f64,
    /// `max(0, auc - z_0.975 se)`.
    pub ci_lower: f64,
    /// `min(1, auc + z_0.975 se)`.
    pub ci_upper: f64,
    /// Number of positives (cases), `m`.
    pub n_positive: usize,
    /// Number of negatives (controls), `n`.
    pub n_negative: usize,
}

/// AUCs of several scores on the same subjects with their DeLong covariance matrix.
#[derive(Debug, Clone, Serialize)]
pub struct DelongCovariance {
    /// One AUC per score, in input order.
    pub aucs: Vec<f64>,
    /// K x K covariance, `cov[k][l]`.
    pub cov: Vec<Vec<f64>>,
    pub n_positive: usize,
    pub n_negative: usize,
}

/// Paired DeLong test of `H0: AUC1 = AUC2` for two scores on the same subjects.
#[derive(Debug, Clone, Serialize)]
pub struct DelongTest {
    pub auc1: f64,
    pub auc2: f64,
    /// `auc1 - auc2`.
    pub diff: f64,
    /// `V1 + V2 - 2 Cov12`.
    pub var_diff: f64,
    /// `diff / sqrt(var_diff)`.
    pub z: f64,
    /// Two-sided `2 (1 - Phi(|z|))`.
    pub p_value: f64,
}

/// Confusion-matrix metrics of the rule "positive iff score >= threshold".
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdMetrics {
    pub threshold: f64,
    /// Positives with score >= threshold (TP).
    pub true_positives: usize,
    /// Negatives with score >= threshold (FP).
    pub false_positives: usize,
    /// Negatives with score < threshold (TN).
    pub true_negatives: usize,
    /// Positives with score < threshold (FN).
    pub false_negatives: usize,
    /// `TP / (TP + FN)`.
    pub sensitivity: f64,
    /// `TN / (TN + FP)`.
    pub specificity: f64,
    /// `(TP + TN) / n`.
    pub accuracy: f64,
    /// `TP / (TP + FP)`; NaN when nobody is called positive.
    pub ppv: f64,
    /// `TN / (TN + FN)`; NaN when nobody is called negative.
    pub npv: f64,
    /// Youden's J = sensitivity + specificity - 1.
    pub youden_j: f64,
}

pub(crate) use crate::correlation::midranks;

/// Area under the ROC curve by the Mann-Whitney statistic with midranks:
///
/// ```text
/// AUC = (sum of midranks of the positives - m(m+1)/2) / (m n)
///     = P(score_pos > score_neg) + 0.5 P(score_pos == score_neg)
/// ```
///
/// `m` positives, `n` negatives. Matches scikit-learn `roc_auc_score` and pROC `auc` (direction "<").
/// Errors: length mismatch or non-finite score (`Invalid`), a single class (`Outcome`).
pub fn auc(y: &[bool], score: &[f64]) -> Result<f64> {
    check_scores(y, score, "score")?;
    let (m, n) = class_counts(y)?;
    let r = midranks(score);
    let sum_pos: f64 = r.iter().zip(y).filter(|(_, &yy)| yy).map(|(v, _)| v).sum();
    let mf = m as f64;
    Ok((sum_pos - mf * (mf + 1.0) / 2.0) / (mf * n as f64))
}

/// Empirical ROC curve of the rule "positive iff score >= threshold", one point per distinct score,
/// thresholds decreasing from `+inf` (point (0, 0)) to the smallest score (point (1, 1)).
///
/// Matches scikit-learn `roc_curve(y, score, drop_intermediate=False)` (scikit-learn >= 1.3 puts
/// `inf` as the first threshold). Errors as [`auc`].
pub fn roc_curve(y: &[bool], score: &[f64]) -> Result<RocCurve> {
    check_scores(y, score, "score")?;
    let (m, n) = class_counts(y)?;
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut thresholds = vec![f64::INFINITY];
    let mut fpr = vec![0.0];
    let mut tpr = vec![0.0];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < order.len() {
        let t = score[order[i]];
        while i < order.len() && score[order[i]] == t {
            if y[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        thresholds.push(t);
        tpr.push(tp as f64 / m as f64);
        fpr.push(fp as f64 / n as f64);
    }
    Ok(RocCurve {
        thresholds,
        fpr,
        tpr,
    })
}

/// AUCs and their DeLong covariance matrix for K scores measured on the same subjects, by the fast
/// algorithm of Sun & Xu (2014):
///
/// ```text
/// tz = midranks of score_k over all m+n subjects, tx over positives only, ty over negatives only
/// AUC_k   = sum_pos tz / (m n) - (m+1)/(2n)
/// V10_i   = (tz_i - tx_i) / n           (placement of positive i among the negatives)
/// V01_j   = 1 - (tz_j - ty_j) / m        (placement of negative j among the positives)
/// S10, S01 = sample covariance matrices (divisor m-1, n-1) of V10 and V01 across subjects
/// Cov     = S10/m + S01/n
/// ```
///
/// Same values as pROC `var`/`cov` with `method = "delong"` (direction "<").
/// Errors: no scores, length mismatch, non-finite score (`Invalid`); fewer than 2 positives or 2
/// negatives, where the sample covariances are undefined (`Outcome`).
pub fn delong_covariance(y: &[bool], scores: &[&[f64]]) -> Result<DelongCovariance> {
    if scores.is_empty() {
        return Err(StatsError::Invalid("DeLong: no score vectors given".into()));
    }
    for (k, s) in scores.iter().enumerate() {
        check_scores(y, s, &format!("score {k}"))?;
    }
    let (m, n) = class_counts(y)?;
    if m < 2 || n < 2 {
        return Err(StatsError::Outcome(format!(
            "DeLong variance needs at least 2 positives and 2 negatives (got {m} and {n})"
        )));
    }
    let (mf, nf) = (m as f64, n as f64);
    let kk = scores.len();
    let mut aucs = Vec::with_capacity(kk);
    let mut v10 = Vec::with_capacity(kk); // per score: m placement values of the positives
    let mut v01 = Vec::with_capacity(kk); // per score: n placement values of the negatives
    for s in scores {
        let pos: Vec<f64> = s
            .iter()
            .zip(y)
            .filter(|(_, &t)| t)
            .map(|(v, _)| *v)
            .collect();
        let neg: Vec<f64> = s
            .iter()
            .zip(y)
            .filter(|(_, &t)| !t)
            .map(|(v, _)| *v)
            .collect();
        let tx = midranks(&pos);
        let ty = midranks(&neg);
        let all: Vec<f64> = pos.iter().chain(neg.iter()).copied().collect();
        let tz = midranks(&all);
        let sum_pos: f64 = tz[..m].iter().sum();
        aucs.push(sum_pos / mf / nf - (mf + 1.0) / 2.0 / nf);
        v10.push((0..m).map(|i| (tz[i] - tx[i]) / nf).collect::<Vec<f64>>());
        v01.push(
            (0..n)
                .map(|j| 1.0 - (tz[m + j] - ty[j]) / mf)
                .collect::<Vec<f64>>(),
        );
    }
    let mut cov = vec![vec![0.0; kk]; kk];
    for a in 0..kk {
        for b in a..kk {
            let c = sample_cov(&v10[a], &v10[b]) / mf + sample_cov(&v01[a], &v01[b]) / nf;
            cov[a][b] = c;
            cov[b][a] = c;
        }
    }
    Ok(DelongCovariance {
        aucs,
        cov,
        n_positive: m,
        n_negative: n,
    })
}

/// Sample covariance with divisor `len - 1` (numpy `cov`), two-pass.
fn sample_cov(a: &[f64], b: &[f64]) -> f64 {
    let len = a.len() as f64;
    let ma = a.iter().sum::<f64>() / len;
    let mb = b.iter().sum::<f64>() / len;
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (len - 1.0)
}

/// AUC with its DeLong variance and Wald 95% confidence interval clipped to [0, 1]:
///
/// ```text
/// CI = [max(0, AUC - z se), min(1, AUC + z se)],  z = Phi^-1(0.975),  se = sqrt(Var_DeLong)
/// ```
///
/// Matches pROC `ci.auc(method = "delong")`. See [`delong_covariance`] for the variance and errors.
pub fn auc_delong(y: &[bool], score: &[f64]) -> Result<AucDelong> {
    let d = delong_covariance(y, &[score])?;
    let auc = d.aucs[0];
    let variance = d.cov[0][0];
    let se = variance.sqrt();
    let z = norm_ppf(0.975);
    Ok(AucDelong {
        auc,
        variance,
        se,
        ci_lower: (auc - z * se).max(0.0),
        ci_upper: (auc + z * se).min(1.0),
        n_positive: d.n_positive,
        n_negative: d.n_negative,
    })
}

/// Paired DeLong test of two correlated AUCs (two scores on the same subjects):
///
/// ```text
/// z = (AUC1 - AUC2) / sqrt(V1 + V2 - 2 Cov12),   p = 2 (1 - Phi(|z|))
/// ```
///
/// Matches pROC `roc.test(method = "delong", paired = TRUE)`. When the two scores rank every pair
/// identically, `var_diff` is 0: then `z` is NaN and `p` is NaN if the AUCs are equal (0/0), which is
/// returned as a value rather than an error. Errors as [`delong_covariance`].
pub fn delong_test(y: &[bool], score1: &[f64], score2: &[f64]) -> Result<DelongTest> {
    let d = delong_covariance(y, &[score1, score2])?;
    let diff = d.aucs[0] - d.aucs[1];
    let var_diff = d.cov[0][0] + d.cov[1][1] - 2.0 * d.cov[0][1];
    let z = diff / var_diff.sqrt();
    Ok(DelongTest {
        auc1: d.aucs[0],
        auc2: d.aucs[1],
        diff,
        var_diff,
        z,
        p_value: 2.0 * norm_sf(z.abs()),
    })
}

/// Confusion-matrix metrics of the rule "positive iff score >= threshold" (ties at the threshold are
/// called positive, as scikit-learn's `roc_curve` thresholds and dcurves do).
///
/// ```text
/// sensitivity = TP/(TP+FN)  specificity = TN/(TN+FP)  accuracy = (TP+TN)/n
/// PPV = TP/(TP+FP) (NaN if no predicted positive)  NPV = TN/(TN+FN) (NaN if no predicted negative)
/// ```
///
/// Errors: length mismatch, non-finite score, NaN threshold (`Invalid`); a single class (`Outcome`).
pub fn metrics_at_threshold(y: &[bool], score: &[f64], threshold: f64) -> Result<ThresholdMetrics> {
    check_scores(y, score, "score")?;
    class_counts(y)?;
    if threshold.is_nan() {
        return Err(StatsError::Invalid("threshold is NaN".into()));
    }
    let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
    for (&t, &s) in y.iter().zip(score) {
        match (t, s >= threshold) {
            (true, true) => tp += 1,
            (true, false) => fn_ += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
        }
    }
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            f64::NAN
        } else {
            a as f64 / b as f64
        }
    };
    let sensitivity = ratio(tp, tp + fn_);
    let specificity = ratio(tn, tn + fp);
    Ok(ThresholdMetrics {
        threshold,
        true_positives: tp,
        false_positives: fp,
        true_negatives: tn,
        false_negatives: fn_,
        sensitivity,
        specificity,
        accuracy: ratio(tp + tn, y.len()),
        ppv: ratio(tp, tp + fp),
        npv: ratio(tn, tn + fn_),
        youden_j: sensitivity + specificity - 1.0,
    })
}

/// Metrics at the Youden-optimal threshold: the ROC point of [`roc_curve`] maximising
/// `J = TPR - FPR`, ties resolved to the **first** maximum in decreasing-threshold order, i.e. the
/// highest such threshold (the most specific rule; `numpy.argmax(tpr - fpr)` on scikit-learn's
/// `roc_curve`). The threshold is an observed score and a subject is positive iff score >= it.
///
/// J is compared exactly as computed from `tp/m - fp/n` (the same floating-point expression as
/// scikit-learn's), so equal-J points are recognised as ties. Errors as [`roc_curve`].
pub fn youden(y: &[bool], score: &[f64]) -> Result<ThresholdMetrics> {
    let roc = roc_curve(y, score)?;
    let mut best = 0;
    let mut best_j = f64::NEG_INFINITY;
    for (k, (t, f)) in roc.tpr.iter().zip(&roc.fpr).enumerate() {
        let j = t - f;
        if j > best_j {
            best_j = j;
            best = k;
        }
    }
    // Index 0 is the +inf threshold (J = 0); it wins only if no score does better, and then the
    // rule "nobody positive" is reported with threshold +inf.
    metrics_at_threshold(y, score, roc.thresholds[best])
}
