//! ComBat harmonisation (Johnson, Li & Rabinovic 2007) with the semantics of neuroCombat
//! (Fortin et al.) and R `sva::ComBat`: location/scale batch effects per feature, optionally
//! shrunk by empirical Bayes, while preserving the effect of given covariates.
//!
//! Model, per feature `j` and sample `i` of batch `b`:
//! ```text
//! x_ij = α_j + c_iᵀβ_j + γ_bj + δ_bj·ε_ij,     ε_ij ~ N(0, σ_j²)
//! ```
//! Fit: OLS of `x_j` on [batch one-hot, covariates] gives `B̂`; grand mean
//! `α_j = Σ_b (n_b/n)·B̂_bj`; pooled variance `σ_j² = (1/n)·Σ_i residual²` (divides by n, as both
//! references do); standardised data `s_ij = (x_ij - α_j - c_iᵀβ_j)/σ_j`; `γ̂_bj` = batch mean of
//! `s`, `δ̂_bj` = batch variance of `s` (ddof 1; 0 becomes 1). Empirical Bayes: priors
//! `γ_bj ~ N(γ̄_b, τ_b²)` and `δ_bj ~ InvGamma(a_b, b_b)` by the method of moments across
//! features; posterior means found by the fixed-point iteration of `it.sol`, stopped when
//! `max(|γ_new-γ_old|/γ_old, |δ_new-δ_old|/δ_old) < conv` with the **signed** denominators of
//! the references. Adjusted data: `((s_ij - γ*_bj)/√δ*_bj)·σ_j + α_j + c_iᵀβ_j`.
//!
//! The fitted [`Combat`] keeps every estimate, so it can be applied to new rows of the batches
//! it was fitted on (harmonising a test fold with the training fold's estimates). Applied to its
//! own training rows it reproduces the fit.
//!
//! Covariates are numeric design columns: pass a categorical covariate as dummy columns without
//! its first level (what neuroCombat's `categorical_cols` builds). neuroCombat casts continuous
//! covariates to float32; this implementation keeps f64.

use crate::error::{Result, StatsError};
use crate::matrix::{cholesky_solve, Matrix};
use serde::{Deserialize, Serialize};

/// How the batch effects are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CombatOptions {
    /// Shrink the per-batch estimates with empirical Bayes (false: use the raw `γ̂`, `δ̂`).
    pub eb: bool,
    /// Parametric priors (normal / inverse gamma); false: neuroCombat's non-parametric prior
    /// (the other features' estimates weighted by their likelihood).
    pub parametric: bool,
    /// Adjust only the location (δ* = 1).
    pub mean_only: bool,
    /// Convergence threshold of the parametric EB iteration (neuroCombat/sva: 1e-4).
    pub conv: f64,
    /// Iteration limit of the parametric EB iteration (the references have none).
    pub max_iter: usize,
}

impl Default for CombatOptions {
    fn default() -> Self {
        Self {
            eb: true,
            parametric: true,
            mean_only: false,
            conv: 1e-4,
            max_iter: 10_000,
        }
    }
}

/// A fitted ComBat model. Batch-indexed fields follow `batch_levels` (sorted); feature-indexed
/// fields follow the columns of the training matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combat {
    pub options: CombatOptions,
    /// Batch labels, sorted.
    pub batch_levels: Vec<String>,
    /// Training rows per batch.
    pub batch_sizes: Vec<usize>,
    /// Grand mean `α_j` (neuroCombat `stand.mean[:, 0]`).
    pub grand_mean: Vec<f64>,
    /// Pooled variance `σ_j²` (neuroCombat `var.pooled`).
    pub var_pooled: Vec<f64>,
    /// Covariate coefficients `β`, one row per covariate column, one value per feature.
    pub covariate_coef: Vec<Vec<f64>>,
    /// Per batch × feature location estimate of the standardised data.
    pub gamma_hat: Vec<Vec<f64>>,
    /// Per batch × feature scale estimate (1 when `mean_only`).
    pub delta_hat: Vec<Vec<f64>>,
    /// Prior mean `γ̄_b` and variance `τ_b²` of the locations, per batch.
    pub gamma_bar: Vec<f64>,
    pub t2: Vec<f64>,
    /// Inverse-gamma prior of the scales, per batch (absent when `mean_only`).
    pub a_prior: Option<Vec<f64>>,
    pub b_prior: Option<Vec<f64>>,
    /// The estimates used for adjustment.
    pub gamma_star: Vec<Vec<f64>>,
    pub delta_star: Vec<Vec<f64>>,
    /// Iterations of the parametric EB solver per batch (0 when not iterated).
    pub iterations: Vec<usize>,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample variance (ddof 1).
fn var1(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() as f64 - 1.0)
}

/// neuroCombat's `max(a, b)` (Python builtin) of numpy maxima: NaN in the first argument wins,
/// NaN in the second is ignored; numpy's `.max()` propagates NaN.
fn py_max(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

fn np_max(v: impl Iterator<Item = f64>) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for x in v {
        if x.is_nan() {
            return f64::NAN;
        }
        m = m.max(x);
    }
    m
}

impl Combat {
    /// Fits ComBat on the rows of `x` (samples × features) with batch label `batch[i]` for row
    /// `i` and optional covariates to preserve (rows × q numeric columns).
    ///
    /// Reference: neuroCombat 0.2.12 `neuroCombat(dat, covars, batch_col, categorical_cols,
    /// eb, parametric, mean_only)` (= R `sva::ComBat` to 8e-13 on the vectors).
    /// Errors name the batch or feature: a non-finite value, a single batch, a batch of one row
    /// (its variance is undefined; allowed with `mean_only`), a feature with zero pooled variance,
    /// fewer than 2 features with empirical Bayes (the priors need a spread), covariates collinear
    /// with the batches, or a parametric iteration that does not stop within `max_iter`.
    pub fn fit<S: AsRef<str>>(
        x: &Matrix,
        batch: &[S],
        covariates: Option<&Matrix>,
        options: CombatOptions,
    ) -> Result<Self> {
        let n = x.rows();
        let p = x.cols();
        if batch.len() != n {
            return Err(StatsError::Invalid(format!(
                "ComBat: {} batch labels for {n} rows",
                batch.len()
            )));
        }
        crate::preprocess::check_finite(x, "ComBat")?;
        let q = covariates.map_or(0, Matrix::cols);
        if let Some(c) = covariates {
            if c.rows() != n {
                return Err(StatsError::Invalid(format!(
                    "ComBat: covariates have {} rows, data {n}",
                    c.rows()
                )));
            }
            crate::preprocess::check_finite(c, "ComBat covariates")?;
        }
        if p == 0 {
            return Err(StatsError::Invalid("ComBat: no features".into()));
        }
        let mut levels: Vec<String> = batch.iter().map(|b| b.as_ref().to_string()).collect();
        levels.sort();
        levels.dedup();
        if levels.len() < 2 {
            return Err(StatsError::Invalid(format!(
                "ComBat needs at least 2 batches, got {} ({:?})",
                levels.len(),
                levels
            )));
        }
        let nb = levels.len();
        let bidx: Vec<usize> = batch
            .iter()
            .map(|b| levels.binary_search(&b.as_ref().to_string()).unwrap_or(0))
            .collect();
        let members: Vec<Vec<usize>> = (0..nb)
            .map(|b| (0..n).filter(|&i| bidx[i] == b).collect())
            .collect();
        let sizes: Vec<usize> = members.iter().map(Vec::len).collect();
        if !options.mean_only {
            if let Some(b) = sizes.iter().position(|&s| s < 2) {
                return Err(StatsError::Invalid(format!(
                    "ComBat: batch {:?} has {} row; its variance needs at least 2 (merge it or use mean_only)",
                    levels[b], sizes[b]
                )));
            }
        }
        if options.eb && p < 2 {
            return Err(StatsError::Invalid(
                "ComBat empirical Bayes needs at least 2 features to estimate its priors (use eb = false)".into(),
            ));
        }
        if options.conv.is_nan() || options.conv <= 0.0 {
            return Err(StatsError::Invalid(format!(
                "ComBat conv must be > 0, got {}",
                options.conv
            )));
        }

        // Design [batch one-hot | covariates] and its normal equations.
        let k = nb + q;
        let design_row = |i: usize| -> Vec<f64> {
            let mut r = vec![0.0; k];
            r[bidx[i]] = 1.0;
            if let Some(c) = covariates {
                r[nb..].copy_from_slice(c.row(i));
            }
            r
        };
        let design: Vec<Vec<f64>> = (0..n).map(design_row).collect();
        let mut xtx = vec![0.0; k * k];
        for r in &design {
            for a in 0..k {
                for b in 0..k {
                    xtx[a * k + b] += r[a] * r[b];
                }
            }
        }
        let mut grand_mean = vec![0.0; p];
        let mut var_pooled = vec![0.0; p];
        let mut covariate_coef = vec![vec![0.0; p]; q];
        let mut s = Matrix::zeros(n, p);
        for j in 0..p {
            let mut xty = vec![0.0; k];
            for (i, r) in design.iter().enumerate() {
                let v = x.get(i, j);
                for a in 0..k {
                    xty[a] += r[a] * v;
                }
            }
            let beta = cholesky_solve(&xtx, k, &xty).map_err(|_| {
                StatsError::Numerical(
                    "ComBat: the design [batches, covariates] is singular (a covariate is constant or confounded with the batches)".into(),
                )
            })?;
            grand_mean[j] = (0..nb).map(|b| sizes[b] as f64 / n as f64 * beta[b]).sum();
            let mut ss = 0.0;
            for (i, r) in design.iter().enumerate() {
                let fit: f64 = r.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let e = x.get(i, j) - fit;
                ss += e * e;
            }
            var_pooled[j] = ss / n as f64;
            // Zero up to rounding: residuals no larger than n ulps of the feature's magnitude.
            let scale = (0..n).map(|i| x.get(i, j).abs()).fold(0.0, f64::max);
            if var_pooled[j] <= (n as f64 * f64::EPSILON * scale).powi(2) {
                return Err(StatsError::Invalid(format!(
                    "ComBat: feature {j} has zero variance around the batch/covariate fit (constant within batches); drop it first"
                )));
            }
            for c in 0..q {
                covariate_coef[c][j] = beta[nb + c];
            }
        }
        let cov_term = |i: usize, j: usize| -> f64 {
            covariates.map_or(0.0, |c| {
                (0..q).map(|a| c.get(i, a) * covariate_coef[a][j]).sum()
            })
        };
        for i in 0..n {
            for j in 0..p {
                s.set(
                    i,
                    j,
                    (x.get(i, j) - grand_mean[j] - cov_term(i, j)) / var_pooled[j].sqrt(),
                );
            }
        }

        // Per-batch location/scale estimates and their priors.
        let batch_col =
            |b: usize, j: usize| -> Vec<f64> { members[b].iter().map(|&i| s.get(i, j)).collect() };
        let mut gamma_hat = vec![vec![0.0; p]; nb];
        let mut delta_hat = vec![vec![1.0; p]; nb];
        for b in 0..nb {
            for j in 0..p {
                let v = batch_col(b, j);
                gamma_hat[b][j] = mean(&v);
                if !options.mean_only {
                    let d = var1(&v);
                    delta_hat[b][j] = if d == 0.0 { 1.0 } else { d };
                }
            }
        }
        let gamma_bar: Vec<f64> = gamma_hat.iter().map(|g| mean(g)).collect();
        let t2: Vec<f64> = gamma_hat
            .iter()
            .map(|g| if p > 1 { var1(g) } else { f64::NAN })
            .collect();
        let (a_prior, b_prior) = if options.mean_only {
            (None, None)
        } else {
            let mut a = Vec::with_capacity(nb);
            let mut bb = Vec::with_capacity(nb);
            for d in &delta_hat {
                let m = mean(d);
                let s2 = if p > 1 { var1(d) } else { f64::NAN };
                a.push((2.0 * s2 + m * m) / s2);
                bb.push((m * s2 + m * m * m) / s2);
            }
            (Some(a), Some(bb))
        };

        let mut gamma_star = gamma_hat.clone();
        let mut delta_star = delta_hat.clone();
        let mut iterations = vec![0; nb];
        if options.eb {
            for b in 0..nb {
                if !options.parametric {
                    let cols: Vec<Vec<f64>> = (0..p).map(|j| batch_col(b, j)).collect();
                    let (g, d) = nonparametric_prior(&cols, &gamma_hat[b], &delta_hat[b]);
                    gamma_star[b] = g;
                    delta_star[b] = d;
                } else if options.mean_only {
                    // Both references call postmean(γ̂, γ̄, n = 1, δ = 1, τ²) here.
                    gamma_star[b] = gamma_hat[b]
                        .iter()
                        .map(|g| (t2[b] * g + gamma_bar[b]) / (t2[b] + 1.0))
                        .collect();
                } else {
                    let (a, bp) = match (&a_prior, &b_prior) {
                        (Some(a), Some(bp)) => (a[b], bp[b]),
                        _ => (f64::NAN, f64::NAN),
                    };
                    let cols: Vec<Vec<f64>> = (0..p).map(|j| batch_col(b, j)).collect();
                    let (g, d, it) = iterate_parametric(
                        &cols,
                        &gamma_hat[b],
                        &delta_hat[b],
                        gamma_bar[b],
                        t2[b],
                        a,
                        bp,
                        options,
                    )
                    .map_err(|e| {
                        StatsError::Numerical(format!("ComBat batch {:?}: {e}", levels[b]))
                    })?;
                    gamma_star[b] = g;
                    delta_star[b] = d;
                    iterations[b] = it;
                }
            }
        }
        Ok(Self {
            options,
            batch_levels: levels,
            batch_sizes: sizes,
            grand_mean,
            var_pooled,
            covariate_coef,
            gamma_hat,
            delta_hat,
            gamma_bar,
            t2,
            a_prior,
            b_prior,
            gamma_star,
            delta_star,
            iterations,
        })
    }

    /// Harmonises rows of known batches with the fitted estimates:
    /// `((x - α - cᵀβ)/σ - γ*_b)/√δ*_b · σ + α + cᵀβ`. On the training rows this is the
    /// neuroCombat output; on new rows without covariates it equals neuroCombat's
    /// `neuroCombatFromTraining`. Covariates must be given iff the model was fitted with them
    /// (the new rows' own covariate values are used). Errors name an unknown batch.
    pub fn transform<S: AsRef<str>>(
        &self,
        x: &Matrix,
        batch: &[S],
        covariates: Option<&Matrix>,
    ) -> Result<Matrix> {
        let p = self.grand_mean.len();
        if x.cols() != p {
            return Err(StatsError::Invalid(format!(
                "ComBat was fitted on {p} features, got {}",
                x.cols()
            )));
        }
        if batch.len() != x.rows() {
            return Err(StatsError::Invalid(format!(
                "ComBat: {} batch labels for {} rows",
                batch.len(),
                x.rows()
            )));
        }
        crate::preprocess::check_finite(x, "ComBat transform")?;
        let q = self.covariate_coef.len();
        match covariates {
            None if q > 0 => {
                return Err(StatsError::Invalid(format!(
                    "ComBat was fitted with {q} covariate columns; give them for the new rows"
                )))
            }
            Some(c) if c.cols() != q || c.rows() != x.rows() => {
                return Err(StatsError::Invalid(format!(
                    "ComBat covariates are {} × {}, expected {} × {q}",
                    c.rows(),
                    c.cols(),
                    x.rows()
                )))
            }
            _ => {}
        }
        let mut out = Matrix::zeros(x.rows(), p);
        for (i, lab) in batch.iter().enumerate() {
            let b = self
                .batch_levels
                .binary_search(&lab.as_ref().to_string())
                .map_err(|_| {
                    StatsError::Invalid(format!(
                        "ComBat: row {i} has batch {:?}, not among the fitted batches {:?}",
                        lab.as_ref(),
                        self.batch_levels
                    ))
                })?;
            for j in 0..p {
                let cov: f64 = covariates.map_or(0.0, |c| {
                    (0..q)
                        .map(|a| c.get(i, a) * self.covariate_coef[a][j])
                        .sum()
                });
                let sd = self.var_pooled[j].sqrt();
                let s = (x.get(i, j) - self.grand_mean[j] - cov) / sd;
                let adj = (s - self.gamma_star[b][j]) / self.delta_star[b][j].sqrt();
                out.set(i, j, adj * sd + self.grand_mean[j] + cov);
            }
        }
        Ok(out)
    }
}

/// The fixed-point iteration of neuroCombat `it_sol` / sva `it.sol` for one batch; `cols[j]` are
/// the batch's standardised values of feature `j`. Returns (γ*, δ*, iterations).
#[allow(clippy::too_many_arguments)]
fn iterate_parametric(
    cols: &[Vec<f64>],
    g_hat: &[f64],
    d_hat: &[f64],
    g_bar: f64,
    t2: f64,
    a: f64,
    b: f64,
    options: CombatOptions,
) -> std::result::Result<(Vec<f64>, Vec<f64>, usize), String> {
    let n = cols.first().map_or(0, Vec::len) as f64;
    let mut g_old = g_hat.to_vec();
    let mut d_old = d_hat.to_vec();
    let mut change = 1.0;
    let mut count = 0;
    while change > options.conv {
        if count >= options.max_iter {
            return Err(format!(
                "empirical Bayes did not converge in {} iterations (last relative change {change})",
                options.max_iter
            ));
        }
        let g_new: Vec<f64> = g_hat
            .iter()
            .zip(&d_old)
            .map(|(g, d)| (t2 * n * g + d * g_bar) / (t2 * n + d))
            .collect();
        let d_new: Vec<f64> = cols
            .iter()
            .zip(&g_new)
            .map(|(c, g)| {
                let sum2: f64 = c.iter().map(|v| (v - g) * (v - g)).sum();
                (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)
            })
            .collect();
        // Signed denominators, exactly as the references (pitfall 9).
        let cg = np_max(
            g_new
                .iter()
                .zip(&g_old)
                .map(|(nw, od)| (nw - od).abs() / od),
        );
        let cd = np_max(
            d_new
                .iter()
                .zip(&d_old)
                .map(|(nw, od)| (nw - od).abs() / od),
        );
        change = py_max(cg, cd);
        g_old = g_new;
        d_old = d_new;
        count += 1;
    }
    Ok((g_old, d_old, count))
}

/// neuroCombat `int_eprior`: for feature `j`, the other features' (γ̂, δ̂) weighted by the
/// normal likelihood of feature `j`'s standardised values. The weights are normalised in log
/// space, which equals neuroCombat wherever its likelihoods do not underflow (it returns NaN
/// when they all do, e.g. for large batches).
fn nonparametric_prior(cols: &[Vec<f64>], g_hat: &[f64], d_hat: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let p = cols.len();
    let mut gs = Vec::with_capacity(p);
    let mut ds = Vec::with_capacity(p);
    for (j, x) in cols.iter().enumerate() {
        let n = x.len() as f64;
        let logl: Vec<(usize, f64)> = (0..p)
            .filter(|&k| k != j)
            .map(|k| {
                let sum2: f64 = x.iter().map(|v| (v - g_hat[k]) * (v - g_hat[k])).sum();
                let d = d_hat[k];
                (
                    k,
                    -(n / 2.0) * (2.0 * std::f64::consts::PI * d).ln() - sum2 / (2.0 * d),
                )
            })
            .collect();
        let mx = logl.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max);
        let (mut sw, mut sg, mut sd) = (0.0, 0.0, 0.0);
        for &(k, l) in &logl {
            let w = (l - mx).exp();
            sw += w;
            sg += g_hat[k] * w;
            sd += d_hat[k] * w;
        }
        gs.push(sg / sw);
        ds.push(sd / sw);
    }
    (gs, ds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_denominator_max_follows_python() {
        assert!(np_max([1.0, f64::NAN].into_iter()).is_nan());
        assert!(py_max(f64::NAN, 2.0).is_nan());
        assert_eq!(py_max(2.0, f64::NAN), 2.0);
    }
}
