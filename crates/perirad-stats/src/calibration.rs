//! Calibration of predicted probabilities and decision-curve analysis.
//!
//! - [`calibration`]: Brier score, scaled Brier, calibration-in-the-large, calibration slope and the
//!   recalibration intercept (two different "intercepts", see pitfall 7 of the reference README).
//! - [`hosmer_lemeshow`]: Hosmer-Lemeshow goodness-of-fit test in two groupings (R
//!   `ResourceSelection::hoslem.test` quantile groups, or equal-size groups).
//! - [`decision_curve`]: net benefit of the model, of treating all and of treating none.
//!
//! The two small logistic fits (intercept with offset; intercept + slope) are solved here by Newton's
//! method on the exact binomial log-likelihood; the general logistic model lives in `logistic`.

use crate::error::{Result, StatsError};
use crate::metrics::{
    brier_unchecked, check_probabilities, check_scores, chi2_sf, class_counts,
    quantile_type7_sorted,
};
use serde::Serialize;

/// Calibration summary of probabilities `p` for outcomes `y`.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// Brier score `mean (p - y)^2`.
    pub brier: f64,
    /// `1 - brier / (ybar (1 - ybar))`: the Brier score relative to predicting the prevalence.
    pub brier_scaled: f64,
    /// Mean predicted probability.
    pub mean_p: f64,
    /// Observed prevalence.
    pub mean_y: f64,
    /// Calibration-in-the-large: the intercept `a` of `logit P(y=1) = a + logit p` (logit p as offset).
    pub calibration_in_the_large: f64,
    /// Model-based standard error of `calibration_in_the_large`.
    pub calibration_in_the_large_se: f64,
    /// Calibration slope `b` of the recalibration model `logit P(y=1) = a + b logit p`.
    pub calibration_slope: f64,
    /// Model-based standard error of the slope.
    pub calibration_slope_se: f64,
    /// Intercept `a` of the recalibration model (rms `val.prob` "Intercept"); not the same as CITL.
    pub recalibration_intercept: f64,
    /// Model-based standard error of the recalibration intercept.
    pub recalibration_intercept_se: f64,
}

/// How Hosmer-Lemeshow groups are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HlGrouping {
    /// R `ResourceSelection::hoslem.test`: breaks = unique type-7 quantiles of `p` at 0, 1/g, ..., 1;
    /// groups are the right-closed intervals `(b_{k-1}, b_k]`, the lowest also closed on the left.
    /// Tied probabilities stay in one group, so groups can be fewer than `g` and unequal in size.
    Quantile,
    /// Sort `p` (stable) and split into `g` consecutive groups whose sizes differ by at most one,
    /// the larger groups first (`numpy.array_split`).
    EqualSize,
}

/// Hosmer-Lemeshow test result.
#[derive(Debug, Clone, Serialize)]
pub struct HosmerLemeshow {
    /// `sum_k (O1_k - E1_k)^2 / E1_k + (O0_k - E0_k)^2 / E0_k`.
    pub chi2: f64,
    /// `g - 2` (as hoslem.test, also when tied quantiles merge groups).
    pub df: usize,
    /// Upper chi-squared tail at `chi2` with `df` degrees of freedom.
    pub p_value: f64,
    /// Group boundaries (g + 1 values before removing duplicates) for [`HlGrouping::Quantile`];
    /// empty for [`HlGrouping::EqualSize`].
    pub breaks: Vec<f64>,
    /// Subjects per group.
    pub group_sizes: Vec<usize>,
    /// Observed positives per group `O1_k`.
    pub observed_1: Vec<f64>,
    /// Expected positives per group `E1_k = sum p`.
    pub expected_1: Vec<f64>,
}

/// Net benefit curves at the requested threshold probabilities.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionCurve {
    pub thresholds: Vec<f64>,
    /// `TP/n - FP/n * pt/(1-pt)` of the rule "treat iff p >= pt".
    pub net_benefit_model: Vec<f64>,
    /// `prevalence - (1 - prevalence) * pt/(1-pt)` (treat everybody).
    pub net_benefit_all: Vec<f64>,
    /// Treat nobody: 0 at every threshold.
    pub net_benefit_none: Vec<f64>,
    /// `TP/n` of the model rule (dcurves `tp_rate`).
    pub tp_rate: Vec<f64>,
    /// `FP/n` of the model rule (dcurves `fp_rate`).
    pub fp_rate: Vec<f64>,
}

fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Logits `ln(p / (1 - p))`, requiring every `p` strictly inside (0, 1).
fn logits(p: &[f64]) -> Result<Vec<f64>> {
    p.iter()
        .enumerate()
        .map(|(i, &q)| {
            if q > 0.0 && q < 1.0 {
                Ok((q / (1.0 - q)).ln())
            } else {
                Err(StatsError::Invalid(format!(
                    "probability at row {i} is {q}: the calibration models need 0 < p < 1 (logit p finite)"
                )))
            }
        })
        .collect()
}

/// Fits `logit P(y=1) = a + b * x + offset` by Newton's method, either with the slope (`with_slope`)
/// or with `b` fixed at 0. Returns `(a, b, se_a, se_b)` (`b`, `se_b` = 0 / NaN without slope).
fn fit_logistic_1d(y: &[bool], x: &[f64], offset: &[f64], with_slope: bool) -> Result<[f64; 4]> {
    let mut a = 0.0;
    let mut b = 0.0;
    let what = if with_slope {
        "calibration slope model"
    } else {
        "calibration-in-the-large model"
    };
    for _ in 0..100 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..y.len() {
            let mu = logistic(a + b * x[i] + offset[i]);
            let r = if y[i] { 1.0 - mu } else { -mu };
            let w = mu * (1.0 - mu);
            g0 += r;
            h00 += w;
            if with_slope {
                g1 += r * x[i];
                h01 += w * x[i];
                h11 += w * x[i] * x[i];
            }
        }
        let (da, db) = if with_slope {
            let det = h00 * h11 - h01 * h01;
            if det.is_nan() || det <= 0.0 {
                return Err(StatsError::Numerical(format!(
                    "{what}: singular information matrix (fitted probabilities at 0 or 1: perfect separation of the outcome by p?)"
                )));
            }
            ((h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det)
        } else {
            if h00.is_nan() || h00 <= 0.0 {
                return Err(StatsError::Numerical(format!(
                    "{what}: zero information (fitted probabilities at 0 or 1: perfect separation?)"
                )));
            }
            (g0 / h00, 0.0)
        };
        a += da;
        b += db;
        if !(a.is_finite() && b.is_finite()) {
            break;
        }
        if da.abs() <= 1e-13 * a.abs().max(1.0) && db.abs() <= 1e-13 * b.abs().max(1.0) {
            // One more evaluation of the information at the solution for the standard errors.
            let (mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0);
            for i in 0..y.len() {
                let mu = logistic(a + b * x[i] + offset[i]);
                let w = mu * (1.0 - mu);
                h00 += w;
                h01 += w * x[i];
                h11 += w * x[i] * x[i];
            }
            return Ok(if with_slope {
                let det = h00 * h11 - h01 * h01;
                [a, b, (h11 / det).sqrt(), (h00 / det).sqrt()]
            } else {
                [a, 0.0, (1.0 / h00).sqrt(), f64::NAN]
            });
        }
    }
    Err(StatsError::Numerical(format!(
        "{what} did not converge in 100 Newton steps (perfect separation of the outcome by p?)"
    )))
}

/// Calibration summary (reference: statsmodels GLM Binomial and R `glm` / `rms::val.prob`):
///
/// ```text
/// Brier            = mean (p - y)^2
/// scaled Brier     = 1 - Brier / (ybar (1 - ybar))
/// CITL a           : logit P(y=1) = a + offset(logit p)          (calibration-in-the-large)
/// slope b, int. a  : logit P(y=1) = a + b logit p                 (logistic recalibration)
/// SEs              : sqrt of the diagonal of the inverse Fisher information at the MLE
/// ```
///
/// Errors: empty input, length mismatch, non-finite `p`, `p` outside (0, 1) (`Invalid`); a single
/// class (`Outcome`); all `p` equal (slope undefined) or no convergence, e.g. when `p` separates the
/// classes perfectly (`Numerical`).
pub fn calibration(y: &[bool], p: &[f64]) -> Result<Calibration> {
    check_scores(y, p, "probability")?;
    check_probabilities(p)?;
    let (m, _) = class_counts(y)?;
    let lp = logits(p)?;
    if lp.iter().all(|&v| v == lp[0]) {
        return Err(StatsError::Numerical(format!(
            "calibration slope undefined: all {} predicted probabilities are equal ({})",
            p.len(),
            p[0]
        )));
    }
    let n = y.len() as f64;
    let brier = brier_unchecked(y, p);
    let mean_y = m as f64 / n;
    let mean_p = p.iter().sum::<f64>() / n;
    let zeros = vec![0.0; y.len()];
    let [citl, _, citl_se, _] = fit_logistic_1d(y, &zeros, &lp, false)?;
    let [a, b, a_se, b_se] = fit_logistic_1d(y, &lp, &zeros, true)?;
    Ok(Calibration {
        brier,
        brier_scaled: 1.0 - brier / (mean_y * (1.0 - mean_y)),
        mean_p,
        mean_y,
        calibration_in_the_large: citl,
        calibration_in_the_large_se: citl_se,
        calibration_slope: b,
        calibration_slope_se: b_se,
        recalibration_intercept: a,
        recalibration_intercept_se: a_se,
    })
}

/// Hosmer-Lemeshow goodness-of-fit test with `g` groups:
///
/// ```text
/// chi2 = sum_k [ (O1_k - E1_k)^2 / E1_k + (O0_k - E0_k)^2 / E0_k ],   E1_k = sum_{i in k} p_i,
/// O1_k = positives in group k, O0_k / E0_k = n_k - O1_k / n_k - E1_k,   df = g - 2
/// ```
///
/// Grouping per [`HlGrouping`]; `Quantile` reproduces R `ResourceSelection::hoslem.test` (on the
/// reference data 9.325, p 0.316, versus 10.328 with `EqualSize`; pitfall 8).
/// Errors: empty input, length mismatch, `p` non-finite or outside [0, 1] (`Invalid`); `g < 3` or
/// all `p` equal (`Invalid`); a group with no subjects or an expected count of 0 in either column, where the
/// statistic is undefined (`Numerical`, naming the group).
pub fn hosmer_lemeshow(
    y: &[bool],
    p: &[f64],
    g: usize,
    grouping: HlGrouping,
) -> Result<HosmerLemeshow> {
    check_scores(y, p, "probability")?;
    check_probabilities(p)?;
    if g < 3 {
        return Err(StatsError::Invalid(format!(
            "Hosmer-Lemeshow needs g >= 3 groups (df = g - 2), got g = {g}"
        )));
    }
    let n = y.len();
    let mut order: Vec<usize> = (0..n).collect();
    // Stable sort, ties keep input order (numpy argsort kind="mergesort").
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (breaks, members): (Vec<f64>, Vec<Vec<usize>>) = match grouping {
        HlGrouping::Quantile => {
            let sorted: Vec<f64> = order.iter().map(|&i| p[i]).collect();
            let mut br: Vec<f64> = (0..=g)
                .map(|k| quantile_type7_sorted(&sorted, k as f64 / g as f64))
                .collect();
            br.dedup();
            if br.len() < 2 {
                return Err(StatsError::Invalid(format!(
                    "Hosmer-Lemeshow: all {n} probabilities are equal ({}), so there are no quantile groups",
                    br[0]
                )));
            }
            let groups = br.len().saturating_sub(1).max(1);
            let mut members = vec![Vec::new(); groups];
            for (i, &pi) in p.iter().enumerate() {
                // Number of breaks strictly below p_i; (b_{k-1}, b_k] -> k - 1; p_i == b_0 -> group 0.
                let below = br.partition_point(|&b| b < pi);
                members[below.clamp(1, groups) - 1].push(i);
            }
            (br, members)
        }
        HlGrouping::EqualSize => {
            let base = n / g;
            let extra = n % g;
            let mut members = Vec::with_capacity(g);
            let mut start = 0;
            for k in 0..g {
                let size = base + usize::from(k < extra);
                members.push(order[start..start + size].to_vec());
                start += size;
            }
            (Vec::new(), members)
        }
    };
    let mut chi2 = 0.0;
    let mut group_sizes = Vec::with_capacity(members.len());
    let mut observed_1 = Vec::with_capacity(members.len());
    let mut expected_1 = Vec::with_capacity(members.len());
    for (k, idx) in members.iter().enumerate() {
        let nk = idx.len() as f64;
        let o1 = idx.iter().filter(|&&i| y[i]).count() as f64;
        let e1: f64 = idx.iter().map(|&i| p[i]).sum();
        let (o0, e0) = (nk - o1, nk - e1);
        if idx.is_empty() || e1 <= 0.0 || e0 <= 0.0 {
            return Err(StatsError::Numerical(format!(
                "Hosmer-Lemeshow group {k} has {} subjects, expected positives {e1} and negatives {e0}: \
                 the statistic is undefined (fewer groups or fewer ties needed)",
                idx.len()
            )));
        }
        chi2 += (o1 - e1) * (o1 - e1) / e1 + (o0 - e0) * (o0 - e0) / e0;
        group_sizes.push(idx.len());
        observed_1.push(o1);
        expected_1.push(e1);
    }
    let df = g - 2;
    Ok(HosmerLemeshow {
        chi2,
        df,
        p_value: chi2_sf(chi2, df as f64),
        breaks,
        group_sizes,
        observed_1,
        expected_1,
    })
}

/// Decision-curve analysis (Vickers & Elkin 2006; reference dcurves 1.1.7 `dca`, harm 0):
///
/// ```text
/// model: NB(pt) = TP/n - FP/n * pt/(1 - pt),   test positive iff p >= pt
/// all:   NB(pt) = prev - (1 - prev) * pt/(1 - pt)
/// none:  NB(pt) = 0
/// ```
///
/// Errors: empty input, length mismatch, `p` non-finite or outside [0, 1], a threshold outside
/// [0, 1) (`Invalid`). A single class is allowed (net benefit is still defined).
pub fn decision_curve(y: &[bool], p: &[f64], thresholds: &[f64]) -> Result<DecisionCurve> {
    check_scores(y, p, "probability")?;
    check_probabilities(p)?;
    if let Some(k) = thresholds.iter().position(|t| !(0.0..1.0).contains(t)) {
        return Err(StatsError::Invalid(format!(
            "decision-curve threshold {k} is {}: thresholds must lie in [0, 1)",
            thresholds[k]
        )));
    }
    let n = y.len() as f64;
    let prev = y.iter().filter(|&&t| t).count() as f64 / n;
    let mut out = DecisionCurve {
        thresholds: thresholds.to_vec(),
        net_benefit_model: Vec::with_capacity(thresholds.len()),
        net_benefit_all: Vec::with_capacity(thresholds.len()),
        net_benefit_none: vec![0.0; thresholds.len()],
        tp_rate: Vec::with_capacity(thresholds.len()),
        fp_rate: Vec::with_capacity(thresholds.len()),
    };
    for &pt in thresholds {
        let odds = pt / (1.0 - pt);
        let (mut tp, mut fp) = (0usize, 0usize);
        for (&t, &q) in y.iter().zip(p) {
            if q >= pt {
                if t {
                    tp += 1;
                } else {
                    fp += 1;
                }
            }
        }
        let (tpr, fpr) = (tp as f64 / n, fp as f64 / n);
        out.net_benefit_model.push(tpr - fpr * odds);
        out.net_benefit_all.push(prev - (1.0 - prev) * odds);
        out.tp_rate.push(tpr);
        out.fp_rate.push(fpr);
    }
    Ok(out)
}
