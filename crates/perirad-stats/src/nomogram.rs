//! Rad-score and logistic nomogram, as radiomics papers build them: the rad-score is the
//! linear predictor of a penalised logistic model (usually glmnet at lambda.1se), and the
//! nomogram maps each predictor of a logistic model onto a 0-100 points axis (R `rms::nomogram`
//! conventions).
//!
//! ```text
//! radscore(x) = b0 + Σ_j b_j x_j
//! range_j     = |b_j (hi_j - lo_j)|,  R = max_j range_j     (lo/hi: axis ends of predictor j)
//! points_j(x) = 100 (b_j x - min(b_j lo_j, b_j hi_j)) / R
//! lp(total)   = b0 + Σ_j min(b_j lo_j, b_j hi_j) + total × R / 100,   P = 1 / (1 + e^-lp)
//! ```

use crate::error::{Result, StatsError};
use crate::glmnet::CvResult;
use crate::logistic::{inv_logit, logistic_regression, LogisticFit, LogisticOptions};
use crate::matrix::Matrix;
use serde::Serialize;

/// Rad-score of every row: `intercept + x·coef`.
pub fn radscore(x: &Matrix, intercept: f64, coef: &[f64]) -> Result<Vec<f64>> {
    if coef.len() != x.cols() {
        return Err(StatsError::Invalid(format!(
            "{} rad-score coefficients for {} columns",
            coef.len(),
            x.cols()
        )));
    }
    Ok((0..x.rows())
        .map(|r| intercept + x.row(r).iter().zip(coef).map(|(a, b)| a * b).sum::<f64>())
        .collect())
}

/// Rad-score from a cross-validated glmnet path at lambda.1se (R
/// `predict(cvfit, newx, s = "lambda.1se", type = "link")`).
pub fn radscore_1se(cv: &CvResult, x: &Matrix) -> Result<Vec<f64>> {
    let i = cv.index_1se;
    radscore(x, cv.path.intercepts[i], &cv.path.betas[i])
}

/// A logistic nomogram: the fitted model and its points scale.
#[derive(Debug, Clone, Serialize)]
pub struct Nomogram {
    /// The logistic model (intercept first).
    pub fit: LogisticFit,
    /// Axis ends of each predictor (default: min and max over the fitting rows).
    pub axis_lo: Vec<f64>,
    pub axis_hi: Vec<f64>,
    /// Points per unit of each predictor, `100 b_j / R` (negative for a protective predictor).
    pub points_per_unit: Vec<f64>,
    /// `R = max_j |b_j (hi_j - lo_j)|`, the linear-predictor span of 100 points.
    pub max_range_lp_units: f64,
    /// `min(b_j lo_j, b_j hi_j)`, the linear-predictor value at 0 points of each axis.
    pub lp_at_zero_points: Vec<f64>,
}

impl Nomogram {
    /// Points of one row on every axis.
    pub fn points(&self, row: &[f64]) -> Result<Vec<f64>> {
        if row.len() != self.lp_at_zero_points.len() {
            return Err(StatsError::Invalid(format!(
                "row has {} values, the nomogram has {} predictors",
                row.len(),
                self.lp_at_zero_points.len()
            )));
        }
        Ok(row
            .iter()
            .enumerate()
            .map(|(j, &v)| {
                100.0 * (self.fit.coef[j + 1] * v - self.lp_at_zero_points[j])
                    / self.max_range_lp_units
            })
            .collect())
    }

    /// Total points of one row.
    pub fn total_points(&self, row: &[f64]) -> Result<f64> {
        Ok(self.points(row)?.iter().sum())
    }

    /// Linear predictor read off the total-points axis.
    pub fn linear_predictor(&self, total_points: f64) -> f64 {
        self.fit.coef[0]
            + self.lp_at_zero_points.iter().sum::<f64>()
            + total_points * self.max_range_lp_units / 100.0
    }

    /// Probability read off the total-points axis.
    pub fn probability(&self, total_points: f64) -> f64 {
        inv_logit(self.linear_predictor(total_points))
    }
}

/// Fits `logit P(y) = b0 + Σ b_j x_j` by maximum likelihood and builds the rms-style points
/// scale with axis ends at the observed min/max of each column (R `rms::lrm` +
/// `rms::nomogram(fit, var = c(min, max))`).
pub fn nomogram(x: &Matrix, y: &[bool], opts: &LogisticOptions) -> Result<Nomogram> {
    let fit = logistic_regression(x, y, opts)?;
    let k = x.cols();
    let mut lo = vec![f64::INFINITY; k];
    let mut hi = vec![f64::NEG_INFINITY; k];
    for r in 0..x.rows() {
        for (j, &v) in x.row(r).iter().enumerate() {
            lo[j] = lo[j].min(v);
            hi[j] = hi[j].max(v);
        }
    }
    let ranges: Vec<f64> = (0..k)
        .map(|j| (fit.coef[j + 1] * (hi[j] - lo[j])).abs())
        .collect();
    let r = ranges.iter().copied().fold(0.0, f64::max);
    if r.is_nan() || r <= 0.0 || r.is_infinite() {
        return Err(StatsError::Numerical(
            "every predictor has a zero effect range; the nomogram has no scale".into(),
        ));
    }
    let lp_at_zero_points = (0..k)
        .map(|j| (fit.coef[j + 1] * lo[j]).min(fit.coef[j + 1] * hi[j]))
        .collect();
    let points_per_unit = (0..k).map(|j| 100.0 * fit.coef[j + 1] / r).collect();
    Ok(Nomogram {
        fit,
        axis_lo: lo,
        axis_hi: hi,
        points_per_unit,
        max_range_lp_units: r,
        lp_at_zero_points,
    })
}
