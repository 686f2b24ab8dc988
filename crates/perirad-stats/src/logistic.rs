//! Unpenalised maximum-likelihood logistic regression with an intercept, fitted by Newton's
//! method (equivalently IRLS), with Wald inference as statsmodels `Logit` and R `glm(binomial)`
//! report it.
//!
//! ```text
//! P(y=1 | x) = 1 / (1 + exp(-(b0 + x·b)))
//! loglik     = Σ y log p + (1-y) log(1-p)
//! SE         = sqrt(diag((Xᵀ W X)⁻¹)),  W = diag(p(1-p)),  X with a leading column of ones
//! z = b / SE,  p = 2 Φ(-|z|),  95% CI = b ± Φ⁻¹(0.975) SE
//! AIC = -2 loglik + 2 (k+1),  BIC = -2 loglik + (k+1) ln n
//! ```

use crate::error::{Result, StatsError};
use crate::matrix::{cholesky_inverse, cholesky_solve, Matrix};
use serde::Serialize;

/// Φ⁻¹(0.975), the two-sided 95% normal quantile.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// A fitted logistic regression. Vectors of coefficients start with the intercept.
#[derive(Debug, Clone, Serialize)]
pub struct LogisticFit {
    /// Intercept then one coefficient per column of the design.
    pub coef: Vec<f64>,
    pub se: Vec<f64>,
    pub z: Vec<f64>,
    /// Two-sided Wald p-values.
    pub p: Vec<f64>,
    pub ci_lower: Vec<f64>,
    pub ci_upper: Vec<f64>,
    /// Covariance matrix of `coef`, row-major, (k+1) × (k+1).
    pub cov: Vec<f64>,
    pub loglik: f64,
    /// Log-likelihood of the intercept-only model.
    pub loglik_null: f64,
    pub deviance: f64,
    pub null_deviance: f64,
    pub aic: f64,
    pub bic: f64,
    /// Likelihood-ratio χ² against the intercept-only model and its p-value (df = k).
    pub lr_chi2: f64,
    pub lr_pvalue: f64,
    /// Fitted probabilities P(y = true) for the training rows.
    pub fitted: Vec<f64>,
    /// Newton iterations used.
    pub iterations: usize,
}

/// Options of the Newton iteration.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LogisticOptions {
    /// Stop when the largest absolute coefficient change is below this.
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_iter: 100,
        }
    }
}

/// Two-sided normal p-value `2 Φ(-|z|)`, accurate in the far tail.
pub fn normal_two_sided_p(z: f64) -> f64 {
    2.0 * crate::metrics::norm_sf(z.abs())
}

pub use crate::metrics::chi2_sf;

fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + exp(eta))` without overflow.
fn log1pexp(eta: f64) -> f64 {
    if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    }
}

/// Checks a design and a binary outcome: sizes, finite values, two classes.
pub(crate) fn check_binary(x: &Matrix, y: &[bool]) -> Result<()> {
    if x.rows() != y.len() {
        return Err(StatsError::Invalid(format!(
            "design has {} rows but the outcome has {} values",
            x.rows(),
            y.len()
        )));
    }
    if y.is_empty() {
        return Err(StatsError::Invalid("no observations".into()));
    }
    for r in 0..x.rows() {
        for (c, v) in x.row(r).iter().enumerate() {
            if !v.is_finite() {
                return Err(StatsError::Invalid(format!(
                    "value at row {r}, column {c} is not finite ({v})"
                )));
            }
        }
    }
    let pos = y.iter().filter(|&&v| v).count();
    if pos == 0 || pos == y.len() {
        return Err(StatsError::Outcome(format!(
            "outcome has a single class ({} of {} positive)",
            pos,
            y.len()
        )));
    }
    Ok(())
}

/// Maximum-likelihood logistic regression with intercept. Matches statsmodels `Logit(...).fit()`
/// (Newton) and R `glm(family = binomial)`: coefficients, SE, z, Wald p and 95% CI, log-likelihood,
/// AIC/BIC, fitted probabilities.
///
/// Errors: size mismatch or non-finite values ([`StatsError::Invalid`]), a single outcome class
/// ([`StatsError::Outcome`]), a singular design such as a constant or duplicated column, perfect
/// separation (a coefficient diverging while fitted probabilities reach 0 or 1), or no convergence
/// ([`StatsError::Numerical`]).
pub fn logistic_regression(x: &Matrix, y: &[bool], opts: &LogisticOptions) -> Result<LogisticFit> {
    check_binary(x, y)?;
    let n = x.rows();
    let k = x.cols() + 1;
    if n < k {
        return Err(StatsError::Invalid(format!(
            "{n} observations cannot identify {k} coefficients (intercept + {} columns)",
            k - 1
        )));
    }
    for j in 0..x.cols() {
        let first = x.get(0, j);
        if (0..n).all(|i| x.get(i, j) == first) {
            return Err(StatsError::Numerical(format!(
                "column {j} is constant ({first}); it is collinear with the intercept"
            )));
        }
    }
    let design = |i: usize, j: usize| if j == 0 { 1.0 } else { x.get(i, j - 1) };
    // Start at the null model: intercept = logit of the event rate.
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let rate = pos / n as f64;
    let mut beta = vec![0.0; k];
    beta[0] = (rate / (1.0 - rate)).ln();
    let loglik_null = n as f64 * (rate * rate.ln() + (1.0 - rate) * (1.0 - rate).ln());

    let mut iterations = 0;
    let mut converged = false;
    let mut eta = vec![0.0; n];
    while iterations < opts.max_iter {
        iterations += 1;
        for (i, e) in eta.iter_mut().enumerate() {
            *e = (0..k).map(|j| design(i, j) * beta[j]).sum();
        }
        let mut grad = vec![0.0; k];
        let mut hess = vec![0.0; k * k];
        for i in 0..n {
            let p = sigmoid(eta[i]);
            let w = p * (1.0 - p);
            let resid = if y[i] { 1.0 } else { 0.0 } - p;
            for a in 0..k {
                let xa = design(i, a);
                grad[a] += xa * resid;
                for b in 0..=a {
                    hess[a * k + b] += w * xa * design(i, b);
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                hess[b * k + a] = hess[a * k + b];
            }
        }
        let step = cholesky_solve(&hess, k, &grad).map_err(|_| {
            StatsError::Numerical(
                "information matrix is singular: the design has a constant, duplicated or \
                 collinear column, or the classes are perfectly separated"
                    .into(),
            )
        })?;
        let mut change: f64 = 0.0;
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
            change = change.max(s.abs());
        }
        if !change.is_finite() {
            break;
        }
        if change < opts.tol {
            converged = true;
            break;
        }
    }
    for (i, e) in eta.iter_mut().enumerate() {
        *e = (0..k).map(|j| design(i, j) * beta[j]).sum();
    }
    let fitted: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
    let separated = fitted.iter().zip(y).all(|(&p, &yi)| {
        let d = if yi { 1.0 - p } else { p };
        d < 1e-8
    }) || fitted.iter().any(|&p| p.min(1.0 - p) < f64::EPSILON * 4.0);
    if separated {
        return Err(StatsError::Numerical(
            "perfect (or quasi-complete) separation: fitted probabilities reach 0 or 1 and the \
             maximum-likelihood estimate does not exist"
                .into(),
        ));
    }
    if !converged {
        return Err(StatsError::Numerical(format!(
            "Newton iteration did not converge in {} iterations (separation or collinearity?)",
            opts.max_iter
        )));
    }
    let mut hess = vec![0.0; k * k];
    for (i, &p) in fitted.iter().enumerate() {
        let w = p * (1.0 - p);
        for a in 0..k {
            for b in 0..k {
                hess[a * k + b] += w * design(i, a) * design(i, b);
            }
        }
    }
    let cov = cholesky_inverse(&hess, k)?;
    let loglik: f64 = eta
        .iter()
        .zip(y)
        .map(|(&e, &yi)| if yi { e } else { 0.0 } - log1pexp(e))
        .sum();
    let se: Vec<f64> = (0..k).map(|j| cov[j * k + j].sqrt()).collect();
    let z: Vec<f64> = beta.iter().zip(&se).map(|(b, s)| b / s).collect();
    let p: Vec<f64> = z.iter().map(|&z| normal_two_sided_p(z)).collect();
    let ci_lower = beta.iter().zip(&se).map(|(b, s)| b - Z_975 * s).collect();
    let ci_upper = beta.iter().zip(&se).map(|(b, s)| b + Z_975 * s).collect();
    let lr_chi2 = 2.0 * (loglik - loglik_null);
    Ok(LogisticFit {
        coef: beta,
        se,
        z,
        p,
        ci_lower,
        ci_upper,
        cov,
        loglik,
        loglik_null,
        deviance: -2.0 * loglik,
        null_deviance: -2.0 * loglik_null,
        aic: -2.0 * loglik + 2.0 * k as f64,
        bic: -2.0 * loglik + k as f64 * (n as f64).ln(),
        lr_chi2,
        lr_pvalue: chi2_sf(lr_chi2, (k - 1) as f64),
        fitted,
        iterations,
    })
}

/// Linear predictor `b0 + x·b` for new rows, `coef` = intercept then one value per column.
pub fn linear_predictor(x: &Matrix, coef: &[f64]) -> Result<Vec<f64>> {
    if coef.len() != x.cols() + 1 {
        return Err(StatsError::Invalid(format!(
            "{} coefficients for {} columns (expected intercept + one per column)",
            coef.len(),
            x.cols()
        )));
    }
    Ok((0..x.rows())
        .map(|r| {
            coef[0]
                + x.row(r)
                    .iter()
                    .zip(&coef[1..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
        })
        .collect())
}

/// Predicted probabilities `1 / (1 + exp(-(b0 + x·b)))` for new rows (as `predict` of
/// statsmodels/glm with `type = "response"`).
pub fn predict(x: &Matrix, coef: &[f64]) -> Result<Vec<f64>> {
    Ok(linear_predictor(x, coef)?
        .into_iter()
        .map(sigmoid)
        .collect())
}

/// Logistic function, overflow-safe.
pub fn inv_logit(eta: f64) -> f64 {
    sigmoid(eta)
}
