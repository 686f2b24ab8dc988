//! Scalar prediction metrics and bootstrap confidence intervals.
//!
//! - [`brier_score`]: mean squared error of predicted probabilities.
//! - [`quantile_type7`]: R's default sample quantile (= numpy `percentile(method="linear")`).
//! - [`bootstrap_ci`]: percentile, basic and BCa intervals for any statistic of `(y, score)`, either from
//!   resample indices the caller gives (to reproduce a reference exactly) or from the seeded
//!   [`SplitMix64`] generator of this module (deterministic, no `rand` dependency).
//!
//! Shared input checks and the normal / chi-squared helpers used by the other evaluation modules
//! (`roc`, `calibration`, `survival`) live here too.

use crate::error::{Result, StatsError};
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
pub(crate) fn norm_sf(x: f64) -> f64 {
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
pub(crate) fn norm_cdf(x: f64) -> f64 {
    norm_sf(-x)
}

/// Standard normal quantile `Phi^-1(p)`: statrs' `erfc_inv` start, polished by Newton steps on the
/// accurate [`norm_cdf`]. `p` = 0 / 1 gives -inf / +inf, outside [0, 1] NaN.
pub(crate) fn norm_ppf(p: f64) -> f64 {
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

/// Upper tail of the chi-squared distribution with `df` degrees of freedom (NaN when `df <= 0`).
pub(crate) fn chi2_sf(x: f64, df: f64) -> f64 {
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
