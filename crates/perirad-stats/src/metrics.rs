//! Scalar prediction metrics and bootstrap confidence intervals.
//!
//! - [`brier_score`]: mean squared error of predicted probabilities.
//! - [`quantile_type7`]: R's default sample quantile (= numpy `percentile(method="linear")`).
//! - [`bootstrap_ci`]: percentile, basic and BCa intervals for any statistic of `(y, score)`, either from
//!   resample indices the caller gives (to reproduce a reference exactly) or from the seeded
//!   [`SplitMix64`] generator of this module (deterministic, no `rand` dependency).
//!
//! Shared input checks and the normal / chi-squared helpers used by the other evaluation modules
//! (`roc`, `calibration`, `survival`) live here too. The helpers are public because statrs 0.18's
//! `erfc` (and so `Normal::cdf`/`sf`) is only good to ~1e-11 relative near |x| = 0.86; ours go
//! through the incomplete gamma function and agree with scipy to ~1e-15 relative.

use crate::error::{Result, StatsError};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::erf::erfc_inv;

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Standard normal upper tail `1 - Phi(x)`.
///
/// Computed as `P(chi2_1 > x^2) / 2` (the regularised upper incomplete gamma `Q(1/2, x^2/2)`),
/// because statrs 0.18's `erfc` is only good to ~1e-11 relative around x ~ 0.9 (p of z = 1.216 off by
/// 1e-11), while its incomplete gamma is accurate to a few ulp.
pub fn norm_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let half_tail = 0.5 * chi2_sf(x * x, 1.0);
    if x >= 0.0 {
        half_tail
    } else {
        1.0 - half_tail
    }
}

/// Standard normal CDF `Phi(x) = 1 - Phi(-x)`, see [`norm_sf`].
pub fn norm_cdf(x: f64) -> f64 {
    norm_sf(-x)
}

/// Standard normal quantile `Phi^-1(p)`: statrs' `erfc_inv` start, polished by Newton steps on the
/// accurate [`norm_cdf`]. `p` = 0 / 1 gives -inf / +inf, outside [0, 1] NaN.
pub fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let mut x = -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p);
    let inv_sqrt_2pi = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    for _ in 0..4 {
        let density = inv_sqrt_2pi * (-0.5 * x * x).exp();
        if density.is_nan() || density <= 0.0 {
            break;
        }
        // Solve on the smaller tail so the residual keeps its relative precision.
        let step = if x > 0.0 {
            ((1.0 - p) - norm_sf(x)) / density
        } else {
            (norm_cdf(x) - p) / density
        };
        x -= step;
        if step.abs() <= 1e-16 * x.abs().max(1.0) {
            break;
        }
    }
    x
}

/// Upper tail of the chi-squared distribution with `df` degrees of freedom, `Q(df/2, x/2)`
/// (statrs' regularised incomplete gamma). 1 for `x <= 0`, 0 for `x = +inf`, NaN when `df <= 0` or
/// `x` is NaN. Matches `scipy.stats.chi2.sf`.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    match ChiSquared::new(df) {
        Ok(d) if x.is_finite() => {
            if x <= 0.0 {
                1.0
            } else {
                d.sf(x)
            }
        }
        Ok(_) if x == f64::INFINITY => 0.0,
        _ => f64::NAN,
    }
}

/// Checks a binary outcome against a score vector: equal non-zero lengths and finite scores.
/// `what` names the score in the message (e.g. "score", "probability").
pub(crate) fn check_scores(y: &[bool], s: &[f64], what: &str) -> Result<()> {
    if y.is_empty() {
        return Err(StatsError::Invalid(format!(
            "empty input: no outcomes and no {what} values"
        )));
    }
    if y.len() != s.len() {
        return Err(StatsError::Invalid(format!(
            "length mismatch: {} outcomes but {} {what} values",
            y.len(),
            s.len()
        )));
    }
    if let Some(i) = s.iter().position(|v| !v.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "{what} at row {i} is not finite ({})",
            s[i]
        )));
    }
    Ok(())
}

/// Number of positives and negatives; an error naming the missing class if either is zero.
pub(crate) fn class_counts(y: &[bool]) -> Result<(usize, usize)> {
    let m = y.iter().filter(|&&v| v).count();
    let n = y.len() - m;
    if m == 0 {
        return Err(StatsError::Outcome(format!(
            "single class: all {} outcomes are negative (no positives)",
            y.len()
        )));
    }
    if n == 0 {
        return Err(StatsError::Outcome(format!(
            "single class: all {} outcomes are positive (no negatives)",
            y.len()
        )));
    }
    Ok((m, n))
}

/// Checks that probabilities lie in [0, 1].
pub(crate) fn check_probabilities(p: &[f64]) -> Result<()> {
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(StatsError::Invalid(format!(
            "probability at row {i} is outside [0, 1] ({})",
            p[i]
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Brier score
// ---------------------------------------------------------------------------------------------

/// Brier score, the mean squared difference between predicted probability and outcome:
///
/// ```text
/// BS = (1/n) sum_i (p_i - y_i)^2,   y_i in {0, 1}
/// ```
///
/// Matches scikit-learn `brier_score_loss` and rms `val.prob` "Brier". A single class is allowed
/// (the score is still defined). Errors: empty input, length mismatch, non-finite or out-of-[0, 1]
/// probability (`Invalid`).
pub fn brier_score(y: &[bool], p: &[f64]) -> Result<f64> {
    check_scores(y, p, "probability")?;
    check_probabilities(p)?;
    Ok(brier_unchecked(y, p))
}

/// The Brier sum without checks (inputs validated by the caller).
pub(crate) fn brier_unchecked(y: &[bool], p: &[f64]) -> f64 {
    let s: f64 = y
        .iter()
        .zip(p)
        .map(|(&t, &q)| {
            let d = q - if t { 1.0 } else { 0.0 };
            d * d
        })
        .sum();
    s / y.len() as f64
}

// ---------------------------------------------------------------------------------------------
// Quantiles and the bootstrap
// ---------------------------------------------------------------------------------------------

/// Sample quantile of R type 7 (R's default; numpy `quantile(method="linear")`):
///
/// ```text
/// h = (n - 1) q,   Q(q) = x_(floor h) + (h - floor h) (x_(floor h + 1) - x_(floor h))   (0-based order statistics)
/// ```
///
/// Errors: empty `x`, a non-finite value, `q` outside [0, 1] (`Invalid`).
pub fn quantile_type7(x: &[f64], q: f64) -> Result<f64> {
    if x.is_empty() {
        return Err(StatsError::Invalid("quantile of an empty sample".into()));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "quantile: value {i} is not finite ({})",
            x[i]
        )));
    }
    if !(0.0..=1.0).contains(&q) {
        return Err(StatsError::Invalid(format!(
            "quantile level {q} is outside [0, 1]"
        )));
    }
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    Ok(quantile_type7_sorted(&s, q))
}

/// Type-7 quantile of sorted, finite, non-empty data. Interpolates as numpy does (from the upper
/// neighbour when the fraction is >= 1/2), so values agree with numpy to the last bit.
pub(crate) fn quantile_type7_sorted(s: &[f64], q: f64) -> f64 {
    let h = (s.len() - 1) as f64 * q;
    let lo = (h.floor() as usize).min(s.len() - 1);
    let hi = (lo + 1).min(s.len() - 1);
    let t = h - lo as f64;
    let (a, b) = (s[lo], s[hi]);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

pub use crate::cv::SplitMix64;

/// `b` nonparametric bootstrap resamples of `0..n` (each drawn with replacement, size `n`) from a
/// [`SplitMix64`] seeded with `seed`: row `k` holds resample `k`. Deterministic for a given seed.
/// Errors: `n == 0` or `b == 0` (`Invalid`).
pub fn bootstrap_indices(n: usize, b: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if n == 0 || b == 0 {
        return Err(StatsError::Invalid(format!(
            "bootstrap needs n > 0 subjects and b > 0 resamples (got n = {n}, b = {b})"
        )));
    }
    let mut rng = SplitMix64::new(seed);
    Ok((0..b)
        .map(|_| (0..n).map(|_| rng.below_u64(n as u64) as usize).collect())
        .collect())
}

/// `b` stratified bootstrap resamples: each resample draws, with replacement, as many positives from
/// the positives and as many negatives from the negatives as `y` holds (pROC's default for
/// `ci.auc(method = "bootstrap")`), so every resample keeps both classes. Row `k` lists the positives'
/// draws first, then the negatives'. Deterministic for a given seed ([`SplitMix64`]).
/// Errors: empty `y` or `b == 0` (`Invalid`); a single class (`Outcome`).
pub fn bootstrap_indices_stratified(y: &[bool], b: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if y.is_empty() || b == 0 {
        return Err(StatsError::Invalid(format!(
            "bootstrap needs n > 0 subjects and b > 0 resamples (got n = {}, b = {b})",
            y.len()
        )));
    }
    class_counts(y)?;
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    let mut rng = SplitMix64::new(seed);
    Ok((0..b)
        .map(|_| {
            let mut row = Vec::with_capacity(y.len());
            for class in [&pos, &neg] {
                for _ in 0..class.len() {
                    row.push(class[rng.below_u64(class.len() as u64) as usize]);
                }
            }
            row
        })
        .collect())
}

/// BCa (bias-corrected and accelerated) interval and its ingredients.
#[derive(Debug, Clone, Serialize)]
pub struct Bca {
    pub lower: f64,
    pub upper: f64,
    /// Bias correction `z0 = Phi^-1(#{theta*_b < theta_hat} / B)`.
    pub z0: f64,
    /// Jackknife acceleration `a = sum (m - theta_(i))^3 / (6 (sum (m - theta_(i))^2)^1.5)`.
    pub acceleration: f64,
    /// Adjusted quantile levels of the replicates used for the bounds.
    pub adjusted_levels: [f64; 2],
}

/// Bootstrap confidence intervals of a statistic of `(y, score)`.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapCi {
    /// The statistic on the full data, `theta_hat`.
    pub estimate: f64,
    /// One replicate per resample, in resample order; NaN where the statistic is undefined on that
    /// resample (an `Outcome` error, e.g. a single class for the AUC).
    pub replicates: Vec<f64>,
    /// Number of finite replicates used for the intervals.
    pub n_valid: usize,
    /// Bootstrap standard error: sample SD (divisor B - 1) of the valid replicates.
    pub se: f64,
    /// Percentile interval: type-7 quantiles of the replicates at alpha/2 and 1 - alpha/2.
    pub percentile: [f64; 2],
    /// Basic (reverse percentile) interval: `[2 theta_hat - q_hi, 2 theta_hat - q_lo]`.
    pub basic: [f64; 2],
    /// BCa interval; `None` when it is undefined (every replicate on one side of the estimate, or the
    /// jackknife fails or has no spread).
    pub bca: Option<Bca>,
}

/// Percentile, basic and BCa bootstrap intervals (Efron & Tibshirani 1993, ch. 13-14) of
/// `statistic(y, score)`, from the resamples in `indices` (row `b` = 0-based subject indices of
/// resample `b`; give your own to reproduce a reference exactly, or use [`bootstrap_indices`]).
///
/// ```text
/// percentile = [Q7(alpha/2), Q7(1 - alpha/2)] of the valid replicates      (Q7 = R type-7 quantile)
/// basic      = [2 theta - Q7(1 - alpha/2), 2 theta - Q7(alpha/2)]
/// BCa        = [Q7(a1), Q7(a2)],  a_k = Phi(z0 + (z0 + z_k) / (1 - acc (z0 + z_k))),  z_k = Phi^-1(alpha/2), Phi^-1(1 - alpha/2)
///              z0 = Phi^-1(#{theta*_b < theta} / B_valid),  acc from the leave-one-out jackknife on (y, score)
/// ```
///
/// Replicates where `statistic` returns an `Outcome` error (e.g. single-class resamples for the AUC)
/// are recorded as NaN and left out, as the reference does; any other error is returned. Replicates
/// are computed in parallel and collected in resample order, so results do not depend on the number
/// of threads. Matches `stats/vectors/bootstrap_ci.json` (numpy; R type-7) to 1e-12.
/// Errors: `alpha` outside (0, 1), an index out of range, empty resample list, input checks
/// (`Invalid`); fewer than 2 valid replicates (`Outcome`); errors of `statistic` on the full data.
pub fn bootstrap_ci<F>(
    y: &[bool],
    score: &[f64],
    statistic: F,
    indices: &[Vec<usize>],
    alpha: f64,
) -> Result<BootstrapCi>
where
    F: Fn(&[bool], &[f64]) -> Result<f64> + Sync,
{
    use rayon::prelude::*;
    check_scores(y, score, "score")?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(StatsError::Invalid(format!(
            "bootstrap alpha {alpha} is outside (0, 1)"
        )));
    }
    if indices.is_empty() {
        return Err(StatsError::Invalid("bootstrap: no resamples given".into()));
    }
    let n = y.len();
    for (b, row) in indices.iter().enumerate() {
        if let Some(&bad) = row.iter().find(|&&i| i >= n) {
            return Err(StatsError::Invalid(format!(
                "bootstrap resample {b} holds index {bad}, but there are only {n} subjects"
            )));
        }
    }
    let estimate = statistic(y, score)?;
    let replicates: Vec<f64> = indices
        .par_iter()
        .map(|row| {
            let yb: Vec<bool> = row.iter().map(|&i| y[i]).collect();
            let sb: Vec<f64> = row.iter().map(|&i| score[i]).collect();
            match statistic(&yb, &sb) {
                Ok(v) => Ok(v),
                Err(StatsError::Outcome(_)) => Ok(f64::NAN),
                Err(e) => Err(e),
            }
        })
        .collect::<Result<Vec<f64>>>()?;
    let mut valid: Vec<f64> = replicates
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if valid.len() < 2 {
        return Err(StatsError::Outcome(format!(
            "bootstrap: only {} of {} resamples gave a defined statistic",
            valid.len(),
            indices.len()
        )));
    }
    let nv = valid.len() as f64;
    let mean = valid.iter().sum::<f64>() / nv;
    let se = (valid.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nv - 1.0)).sqrt();
    let below = valid.iter().filter(|&&v| v < estimate).count() as f64;
    valid.sort_by(f64::total_cmp);
    let lo = quantile_type7_sorted(&valid, alpha / 2.0);
    let hi = quantile_type7_sorted(&valid, 1.0 - alpha / 2.0);

    let bca = (|| {
        let z0 = norm_ppf(below / nv);
        if !z0.is_finite() {
            return None;
        }
        let jack: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|i| {
                let yj: Vec<bool> = y
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != i)
                    .map(|(_, &v)| v)
                    .collect();
                let sj: Vec<f64> = score
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != i)
                    .map(|(_, &v)| v)
                    .collect();
                statistic(&yj, &sj).unwrap_or(f64::NAN)
            })
            .collect();
        if jack.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let jm = jack.iter().sum::<f64>() / n as f64;
        let s2: f64 = jack.iter().map(|v| (jm - v) * (jm - v)).sum();
        let s3: f64 = jack.iter().map(|v| (jm - v).powi(3)).sum();
        if s2 <= 0.0 {
            return None;
        }
        let acc = s3 / (6.0 * s2.powf(1.5));
        let level = |q: f64| {
            let zq = norm_ppf(q);
            norm_cdf(z0 + (z0 + zq) / (1.0 - acc * (z0 + zq)))
        };
        let levels = [level(alpha / 2.0), level(1.0 - alpha / 2.0)];
        if levels.iter().any(|l| !(0.0..=1.0).contains(l)) {
            return None;
        }
        Some(Bca {
            lower: quantile_type7_sorted(&valid, levels[0]),
            upper: quantile_type7_sorted(&valid, levels[1]),
            z0,
            acceleration: acc,
            adjusted_levels: levels,
        })
    })();

    Ok(BootstrapCi {
        estimate,
        n_valid: valid.len(),
        replicates,
        se,
        percentile: [lo, hi],
        basic: [2.0 * estimate - hi, 2.0 * estimate - lo],
        bca,
    })
}
