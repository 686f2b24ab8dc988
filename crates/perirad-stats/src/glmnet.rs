//! Elastic-net penalised logistic regression along a lambda path, as glmnet's `lognet`
//! (Friedman, Hastie & Tibshirani 2010, J Stat Softw 33(1)) computes it, and `cv.glmnet`'s
//! cross-validation of that path.
//!
//! ```text
//! minimise over (b0, b):  -(1/n) Σ [y log p + (1-y) log(1-p)] + λ [ α ||b||₁ + (1-α)/2 ||b||₂² ]
//! p = 1 / (1 + exp(-(b0 + x̃·b)))     x̃ = (x - mean) / sd, sd with divisor n (standardize = true)
//! ```
//!
//! The solver follows glmnet's published algorithm: an outer quadratic (Newton) approximation of
//! the log-likelihood with weights `p(1-p)/n`, inner cyclic coordinate descent with soft
//! thresholding over the strong-rule set, then over the active set until the largest weighted
//! squared change is below `thresh × null deviance`, and a KKT check of the excluded variables.
//! The lambda sequence is `λ_max · r^(k/(nlambda-1))`, `λ_max = max_j |x̃_jᵀ(y - ȳ)|/n / max(α, 1e-3)`;
//! the path stops early (as glmnet) once 5 lambdas are fitted and the deviance ratio gains less
//! than 1e-5 or exceeds 0.999. Coefficients are returned on the original scale.

use crate::error::{Result, StatsError};
use crate::matrix::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// glmnet's internal constants (`glmnet.control()` defaults).
const FDEV: f64 = 1e-5;
const DEVMAX: f64 = 0.999;
const MNLAM: usize = 5;
const PMIN: f64 = 1e-9;
const EPS_FLMIN: f64 = 1e-6;

/// Options of a glmnet path, with glmnet's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlmnetOptions {
    /// Elastic-net mixing: 1 = lasso, 0 = ridge.
    pub alpha: f64,
    /// Length of the computed lambda sequence (ignored when `lambda` is given).
    pub nlambda: usize,
    /// Smallest lambda as a fraction of `λ_max`; `None` = glmnet's rule (0.01 when rows < columns,
    /// else 1e-4).
    pub lambda_min_ratio: Option<f64>,
    /// A user lambda sequence (sorted decreasing before use, as glmnet does); no early stop.
    pub lambda: Option<Vec<f64>>,
    /// Standardise the columns (divisor n) before fitting; coefficients are returned unscaled.
    pub standardize: bool,
    /// Convergence threshold of coordinate descent, relative to the null deviance.
    pub thresh: f64,
    /// Maximum total number of coordinate-descent passes over the path.
    pub maxit: usize,
}

impl Default for GlmnetOptions {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            nlambda: 100,
            lambda_min_ratio: None,
            lambda: None,
            standardize: true,
            thresh: 1e-7,
            maxit: 100_000,
        }
    }
}

/// A fitted path; coefficients on the scale of the input columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    pub lambdas: Vec<f64>,
    pub intercepts: Vec<f64>,
    /// `betas[l][j]`: coefficient of column `j` at `lambdas[l]`.
    pub betas: Vec<Vec<f64>>,
    /// Fraction of the null deviance explained at each lambda.
    pub dev_ratio: Vec<f64>,
    /// Number of nonzero coefficients at each lambda.
    pub df: Vec<usize>,
    /// Null deviance (`-2` × log-likelihood of the intercept-only model).
    pub null_deviance: f64,
    /// Coordinate-descent passes used.
    pub npasses: usize,
    /// Set when glmnet would warn: the path was truncated because a lambda did not converge.
    pub warning: Option<String>,
}

impl Path {
    /// Linear predictors `b0 + x·b` of the rows of `x` at path index `l`.
    pub fn linear_predictor(&self, x: &Matrix, l: usize) -> Result<Vec<f64>> {
        if l >= self.lambdas.len() {
            return Err(StatsError::Invalid(format!(
                "lambda index {l} is outside the path ({} lambdas)",
                self.lambdas.len()
            )));
        }
        lp_with(x, self.intercepts[l], &self.betas[l])
    }

    /// Predicted probabilities `P(y = true)` of the rows of `x` at path index `l`.
    pub fn probabilities(&self, x: &Matrix, l: usize) -> Result<Vec<f64>> {
        Ok(self
            .linear_predictor(x, l)?
            .into_iter()
            .map(crate::logistic::inv_logit)
            .collect())
    }

    /// Intercept and coefficients at an arbitrary `lambda`, linearly interpolated between the
    /// path's lambdas as glmnet's `predict(..., s = lambda)` does (`glmnet:::lambda.interp`,
    /// clamped at the ends of the path).
    pub fn coef_at(&self, lambda: f64) -> (f64, Vec<f64>) {
        let (left, right, frac) = lambda_interp(&self.lambdas, lambda);
        let a0 = frac * self.intercepts[left] + (1.0 - frac) * self.intercepts[right];
        let b = self.betas[left]
            .iter()
            .zip(&self.betas[right])
            .map(|(l, r)| frac * l + (1.0 - frac) * r)
            .collect();
        (a0, b)
    }
}

fn lp_with(x: &Matrix, a0: f64, beta: &[f64]) -> Result<Vec<f64>> {
    if beta.len() != x.cols() {
        return Err(StatsError::Invalid(format!(
            "{} coefficients for a matrix of {} columns",
            beta.len(),
            x.cols()
        )));
    }
    Ok((0..x.rows())
        .map(|r| a0 + x.row(r).iter().zip(beta).map(|(a, b)| a * b).sum::<f64>())
        .collect())
}

/// `glmnet:::lambda.interp`: left/right indices and the weight of `left`.
pub(crate) fn lambda_interp(lambda: &[f64], s: f64) -> (usize, usize, f64) {
    let k = lambda.len();
    let span = lambda[0] - lambda[k.saturating_sub(1)];
    if k <= 1 || span.is_nan() || span <= 0.0 {
        // one lambda, or a degenerate user sequence of equal values
        return (0, 0, 1.0);
    }
    let norm: Vec<f64> = lambda.iter().map(|l| (lambda[0] - l) / span).collect();
    let lo = norm.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = norm.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let sfrac = ((lambda[0] - s) / span).clamp(lo, hi);
    // R's approx(norm, 1..k, sfrac) by bisection (exact at the knots).
    let (mut i, mut j) = (0usize, k - 1);
    while i + 1 < j {
        let ij = (i + j) / 2;
        if sfrac < norm[ij] {
            j = ij;
        } else {
            i = ij;
        }
    }
    let coord = if sfrac == norm[j] {
        (j + 1) as f64
    } else if sfrac == norm[i] {
        (i + 1) as f64
    } else {
        (i + 1) as f64 + (sfrac - norm[i]) / (norm[j] - norm[i])
    };
    let left = coord.floor() as usize - 1;
    let right = coord.ceil() as usize - 1;
    let mut frac = (sfrac - norm[right]) / (norm[left] - norm[right]);
    if left == right || (norm[left] - norm[right]).abs() < f64::EPSILON {
        frac = 1.0;
    }
    (left, right, frac)
}

/// Checks and standardises: returns column-major centred (and scaled) columns, means, scales and
/// the usable-column flags (glmnet's `chkvars`: a constant column is left out, coefficient 0).
struct Standardized {
    cols: Vec<Vec<f64>>,
    mean: Vec<f64>,
    scale: Vec<f64>,
    usable: Vec<bool>,
}

fn standardize(x: &Matrix, standardize: bool) -> Result<Standardized> {
    let n = x.rows();
    let w = 1.0 / n as f64;
    let mut cols = Vec::with_capacity(x.cols());
    let mut mean = vec![0.0; x.cols()];
    let mut scale = vec![1.0; x.cols()];
    let mut usable = vec![false; x.cols()];
    for j in 0..x.cols() {
        let mut c = x.col(j);
        if let Some(i) = c.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::Invalid(format!(
                "value at row {i}, column {j} is not finite ({})",
                c[i]
            )));
        }
        usable[j] = c.iter().any(|&v| v != c[0]);
        if usable[j] {
            let m: f64 = c.iter().map(|v| w * v).sum();
            c.iter_mut().for_each(|v| *v -= m);
            mean[j] = m;
            if standardize {
                let s = c.iter().map(|v| w * v * v).sum::<f64>().sqrt();
                c.iter_mut().for_each(|v| *v /= s);
                scale[j] = s;
            }
        }
        cols.push(c);
    }
    Ok(Standardized {
        cols,
        mean,
        scale,
        usable,
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Binomial deviance/2n of probabilities `q` (glmnet's `dev2`, probabilities clamped to pmin).
fn dev2(w: &[f64], y: &[f64], q: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..y.len() {
        let p = q[i].clamp(PMIN, 1.0 - PMIN);
        s -= w[i] * (y[i] * p.ln() + (1.0 - y[i]) * (1.0 - p).ln());
    }
    s
}

/// Validates options shared by the binomial and Cox paths.
pub(crate) fn check_options(opts: &GlmnetOptions) -> Result<()> {
    if !(0.0..=1.0).contains(&opts.alpha) {
        return Err(StatsError::Invalid(format!(
            "alpha = {} must lie in [0, 1]",
            opts.alpha
        )));
    }
    if opts.thresh.is_nan() || opts.thresh <= 0.0 {
        return Err(StatsError::Invalid(format!(
            "thresh = {} must be positive",
            opts.thresh
        )));
    }
    match &opts.lambda {
        Some(l) => {
            if l.is_empty() {
                return Err(StatsError::Invalid(
                    "the user lambda sequence is empty".into(),
                ));
            }
            if let Some(v) = l.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(StatsError::Invalid(format!(
                    "user lambda {v} is not a non-negative number"
                )));
            }
        }
        None => {
            if opts.nlambda < 2 {
                return Err(StatsError::Invalid(format!(
                    "nlambda = {} must be at least 2 for a computed sequence",
                    opts.nlambda
                )));
            }
            if let Some(r) = opts.lambda_min_ratio {
                if !(r > 0.0 && r < 1.0) {
                    return Err(StatsError::Invalid(format!(
                        "lambda_min_ratio = {r} must lie in (0, 1)"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The lambda schedule: either a user sequence (decreasing) or glmnet's computed one.
enum Schedule {
    User(Vec<f64>),
    Computed { nlambda: usize, ratio: f64 },
}

fn schedule(opts: &GlmnetOptions, n: usize, p: usize) -> Schedule {
    match &opts.lambda {
        Some(l) => {
            let mut l = l.clone();
            l.sort_by(|a, b| b.total_cmp(a));
            Schedule::User(l)
        }
        None => Schedule::Computed {
            nlambda: opts.nlambda,
            ratio: opts
                .lambda_min_ratio
                .unwrap_or(if n < p { 1e-2 } else { 1e-4 }),
        },
    }
}

/// Standardised-scale path of the binomial solver.
struct RawPath {
    lambdas: Vec<f64>,
    a0: Vec<f64>,
    beta: Vec<Vec<f64>>,
    dev_ratio: Vec<f64>,
    dev0: f64,
    npasses: usize,
    warning: Option<String>,
}

/// glmnet's two-class `lognet` path on standardised columns with weights `1/n`.
fn lognet_path(
    cols: &[Vec<f64>],
    usable: &[bool],
    y: &[f64],
    alpha: f64,
    sched: &Schedule,
    thresh: f64,
    maxit: usize,
) -> Result<RawPath> {
    let n = y.len();
    let ni = cols.len();
    let w = vec![1.0 / n as f64; n];
    let fmax = (1.0 / PMIN - 1.0).ln();
    let fmin = -fmax;
    let vmin = (1.0 + PMIN) * PMIN * (1.0 - PMIN);
    let bta = alpha;
    let omb = 1.0 - bta;
    let q0 = dot(&w, y);
    if q0 <= PMIN || q0 >= 1.0 - PMIN {
        return Err(StatsError::Outcome(format!(
            "outcome has a single class (event rate {q0})"
        )));
    }
    let bz = (q0 / (1.0 - q0)).ln();
    let mut b = vec![0.0; ni + 1]; // b[0] intercept, b[k+1] column k
    let mut bs = vec![0.0; ni + 1];
    b[0] = bz;
    let vi = q0 * (1.0 - q0);
    let mut v: Vec<f64> = w.iter().map(|wi| vi * wi).collect();
    let mut r: Vec<f64> = (0..n).map(|i| w[i] * (y[i] - q0)).collect();
    let mut q = vec![q0; n];
    let mut xmz = vi;
    let dev1 = -(bz * q0 + (1.0 - q0).ln());
    // Saturated log-likelihood is 0 for binary y.
    let dev0 = dev1;
    let (nlam, alf, user) = match sched {
        Schedule::User(l) => (l.len(), 1.0, Some(l)),
        Schedule::Computed { nlambda, ratio } => (
            *nlambda,
            ratio.max(EPS_FLMIN).powf(1.0 / (*nlambda as f64 - 1.0)),
            None,
        ),
    };
    let mut xv = vec![0.0; ni];
    let mut ga = vec![0.0; ni];
    let mut strong = vec![false; ni];
    let mut in_active = vec![false; ni];
    let mut active: Vec<usize> = Vec::new();
    let mut nlp = 0usize;
    let shr = thresh * dev0;
    let mnl = MNLAM.min(nlam);
    for k in 0..ni {
        if usable[k] {
            ga[k] = dot(&r, &cols[k]).abs();
        }
    }
    let mut out = RawPath {
        lambdas: Vec::new(),
        a0: Vec::new(),
        beta: Vec::new(),
        dev_ratio: Vec::new(),
        dev0,
        npasses: 0,
        warning: None,
    };
    let mut al = 0.0f64;
    let mut lambda_max = f64::NAN;
    'lambdas: for ilm in 0..nlam {
        let mut al0 = al;
        if let Some(l) = user {
            al = l[ilm];
        } else if ilm >= 2 {
            al *= alf;
        } else if ilm == 0 {
            al = f64::INFINITY;
        } else {
            al0 = 0.0;
            for k in 0..ni {
                if usable[k] {
                    al0 = al0.max(ga[k]);
                }
            }
            al0 /= bta.max(1e-3);
            lambda_max = al0;
            al = alf * al0;
        }
        let al2 = al * omb;
        let al1 = al * bta;
        let tlam = bta * (2.0 * al - al0);
        for k in 0..ni {
            if !strong[k] && usable[k] && ga[k] > tlam {
                strong[k] = true;
            }
        }
        let too_many = |ilm: usize| {
            format!(
                "convergence for lambda number {} not reached after maxit = {maxit} passes; \
                 the path holds the solutions for the larger lambdas",
                ilm + 1
            )
        };
        // Outer (quadratic approximation) loop.
        loop {
            if nlp > maxit {
                out.warning = Some(too_many(ilm));
                break 'lambdas;
            }
            bs[0] = b[0];
            for &k in &active {
                bs[k + 1] = b[k + 1];
            }
            for k in 0..ni {
                if strong[k] {
                    xv[k] = cols[k].iter().zip(&v).map(|(x, vi)| vi * x * x).sum();
                }
            }
            // Coordinate descent: full pass over the strong set, then active-set passes.
            loop {
                nlp += 1;
                let mut dlx: f64 = 0.0;
                for k in 0..ni {
                    if !strong[k] {
                        continue;
                    }
                    if cd_update(k, &cols[k], &mut b, &mut r, &v, xv[k], al1, al2, &mut dlx)
                        && !in_active[k]
                    {
                        in_active[k] = true;
                        active.push(k);
                    }
                }
                intercept_update(&mut b, &mut r, &v, xmz, &mut dlx);
                if dlx < shr {
                    break;
                }
                if nlp > maxit {
                    out.warning = Some(too_many(ilm));
                    break 'lambdas;
                }
                loop {
                    nlp += 1;
                    let mut dlx: f64 = 0.0;
                    for &k in &active {
                        cd_update(k, &cols[k], &mut b, &mut r, &v, xv[k], al1, al2, &mut dlx);
                    }
                    intercept_update(&mut b, &mut r, &v, xmz, &mut dlx);
                    if dlx < shr {
                        break;
                    }
                    if nlp > maxit {
                        out.warning = Some(too_many(ilm));
                        break 'lambdas;
                    }
                }
            }
            // New quadratic approximation.
            for i in 0..n {
                let mut fi = b[0];
                for &k in &active {
                    fi += b[k + 1] * cols[k][i];
                }
                q[i] = if fi < fmin {
                    0.0
                } else if fi > fmax {
                    1.0
                } else {
                    1.0 / (1.0 + (-fi).exp())
                };
            }
            for i in 0..n {
                v[i] = w[i] * q[i] * (1.0 - q[i]);
            }
            xmz = v.iter().sum();
            if xmz <= vmin {
                break;
            }
            for i in 0..n {
                r[i] = w[i] * (y[i] - q[i]);
            }
            if xmz * (b[0] - bs[0]).powi(2) >= shr {
                continue;
            }
            if active
                .iter()
                .any(|&k| xv[k] * (b[k + 1] - bs[k + 1]).powi(2) >= shr)
            {
                continue;
            }
            let mut grew = false;
            for k in 0..ni {
                if strong[k] || !usable[k] {
                    continue;
                }
                ga[k] = dot(&r, &cols[k]).abs();
                if ga[k] > al1 {
                    strong[k] = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let mut beta = vec![0.0; ni];
        for &k in &active {
            beta[k] = b[k + 1];
        }
        let devi = dev2(&w, y, &q);
        let dr = (dev1 - devi) / dev0;
        out.lambdas.push(al);
        out.a0.push(b[0]);
        out.beta.push(beta);
        out.dev_ratio.push(dr);
        if xmz <= vmin {
            break;
        }
        if ilm + 1 < mnl || user.is_some() {
            continue;
        }
        let prev = out.dev_ratio[ilm - 1];
        if dr > DEVMAX || dr - prev < FDEV {
            break;
        }
    }
    out.npasses = nlp;
    if out.lambdas.is_empty() {
        return Err(StatsError::Numerical(format!(
            "glmnet path: the first lambda did not converge within maxit = {maxit} passes"
        )));
    }
    if user.is_none() {
        // glmnet reports an extrapolated first lambda (fix.lam) instead of "infinity".
        let l = &mut out.lambdas;
        if l.len() > 2 {
            l[0] = (2.0 * l[1].ln() - l[2].ln()).exp();
        } else {
            l[0] = lambda_max;
        }
    }
    Ok(out)
}

/// One soft-thresholded coordinate update; returns whether the coefficient changed.
#[allow(clippy::too_many_arguments)]
fn cd_update(
    k: usize,
    x: &[f64],
    b: &mut [f64],
    r: &mut [f64],
    v: &[f64],
    xvk: f64,
    al1: f64,
    al2: f64,
    dlx: &mut f64,
) -> bool {
    let bk = b[k + 1];
    let gk = dot(r, x);
    let u = gk + xvk * bk;
    let au = u.abs() - al1;
    b[k + 1] = if au > 0.0 {
        au.copysign(u) / (xvk + al2)
    } else {
        0.0
    };
    let d = b[k + 1] - bk;
    if d == 0.0 {
        return false;
    }
    *dlx = dlx.max(xvk * d * d);
    for i in 0..r.len() {
        r[i] -= d * v[i] * x[i];
    }
    true
}

fn intercept_update(b: &mut [f64], r: &mut [f64], v: &[f64], xmz: f64, dlx: &mut f64) {
    let d = r.iter().sum::<f64>() / xmz;
    if d != 0.0 {
        b[0] += d;
        *dlx = dlx.max(xmz * d * d);
        for i in 0..r.len() {
            r[i] -= d * v[i];
        }
    }
}

/// Checks the binary outcome as glmnet does (two classes, each with at least 2 rows).
fn check_binary_outcome(x: &Matrix, y: &[bool]) -> Result<()> {
    if x.rows() != y.len() {
        return Err(StatsError::Invalid(format!(
            "design has {} rows but the outcome has {} values",
            x.rows(),
            y.len()
        )));
    }
    if x.cols() == 0 {
        return Err(StatsError::Invalid("design has no columns".into()));
    }
    let pos = y.iter().filter(|&&v| v).count();
    let minclass = pos.min(y.len() - pos);
    if minclass <= 1 {
        return Err(StatsError::Outcome(format!(
            "one class has {minclass} observation(s) ({pos} positive of {}); glmnet needs at least 2 per class",
            y.len()
        )));
    }
    Ok(())
}

/// Binomial elastic-net path: R `glmnet(x, y, family = "binomial", alpha, nlambda,
/// lambda.min.ratio, lambda, standardize, thresh, maxit)` (glmnet 4.1 `lognet`, Newton;
/// python-glmnet `LogitNet` runs the same Fortran). Constant columns get coefficient 0.
pub fn logistic_path(x: &Matrix, y: &[bool], opts: &GlmnetOptions) -> Result<Path> {
    check_options(opts)?;
    check_binary_outcome(x, y)?;
    let st = standardize(x, opts.standardize)?;
    if !st.usable.iter().any(|&u| u) {
        return Err(StatsError::Invalid(
            "every column is constant; glmnet has nothing to fit".into(),
        ));
    }
    let yv: Vec<f64> = y.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
    let sched = schedule(opts, x.rows(), x.cols());
    let raw = lognet_path(
        &st.cols,
        &st.usable,
        &yv,
        opts.alpha,
        &sched,
        opts.thresh,
        opts.maxit,
    )?;
    let n = x.rows() as f64;
    let mut intercepts = Vec::with_capacity(raw.lambdas.len());
    let mut betas = Vec::with_capacity(raw.lambdas.len());
    let mut df = Vec::with_capacity(raw.lambdas.len());
    for (a0, bstd) in raw.a0.iter().zip(&raw.beta) {
        let b: Vec<f64> = bstd.iter().zip(&st.scale).map(|(b, s)| b / s).collect();
        let a = a0 - b.iter().zip(&st.mean).map(|(b, m)| b * m).sum::<f64>();
        df.push(b.iter().filter(|v| **v != 0.0).count());
        intercepts.push(a);
        betas.push(b);
    }
    Ok(Path {
        lambdas: raw.lambdas,
        intercepts,
        betas,
        dev_ratio: raw.dev_ratio,
        df,
        null_deviance: 2.0 * n * raw.dev0,
        npasses: raw.npasses,
        warning: raw.warning,
    })
}

/// Loss measured on held-out folds, as `cv.glmnet(type.measure = ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CvMeasure {
    /// Binomial deviance `-2 [y log p + (1-y) log(1-p)]`, p clamped to [1e-5, 1 - 1e-5].
    Deviance,
    /// Area under the ROC curve per fold (Mann-Whitney, ties 1/2), averaged weighted by fold
    /// size. As cv.glmnet, falls back to deviance when there are fewer than 10 rows per fold.
    Auc,
    /// Misclassification rate at p > 0.5.
    Class,
}

/// How the folds' fits are lined up with the full-data lambdas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Alignment {
    /// Every fold is fitted at the full-data lambdas (what `cv.glmnet` does when `lambda=` is
    /// passed).
    Lambda,
    /// `cv.glmnet`'s default when no `lambda=` is passed: every fold computes its own lambda
    /// sequence and its coefficients are linearly interpolated at the full-data lambdas
    /// (`predict(fit, s = lambda)`, `glmnet:::lambda.interp`). Note: this is *not* R's
    /// `alignment = "fraction"`; it is R's default `alignment = "lambda"` with per-fold sequences.
    Fraction,
}

/// Held-out rows of one fold and their linear predictors at every full-data lambda.
type HeldOut = (Vec<usize>, Vec<Vec<f64>>);

/// Cross-validation of a path.
#[derive(Debug, Clone, Serialize)]
pub struct CvResult {
    /// The path fitted on all rows.
    pub path: Path,
    pub cvm: Vec<f64>,
    pub cvsd: Vec<f64>,
    /// Per-fold estimates `cvraw[fold][lambda]`.
    pub cvraw: Vec<Vec<f64>>,
    pub index_min: usize,
    pub index_1se: usize,
    pub lambda_min: f64,
    pub lambda_1se: f64,
    /// The measure actually used (AUC falls back to deviance with < 10 rows per fold).
    pub measure: CvMeasure,
}

/// Checks a fold assignment (values 1..=k, every fold non-empty, at least 2 folds).
pub(crate) fn check_folds(foldid: &[usize], n: usize) -> Result<usize> {
    if foldid.len() != n {
        return Err(StatsError::Invalid(format!(
            "foldid has {} values for {n} rows",
            foldid.len()
        )));
    }
    if let Some(i) = foldid.iter().position(|&f| f == 0) {
        return Err(StatsError::Invalid(format!(
            "foldid[{i}] = 0; folds are numbered from 1"
        )));
    }
    let k = foldid.iter().copied().max().unwrap_or(0);
    if k < 2 {
        return Err(StatsError::Invalid(format!(
            "cross-validation needs at least 2 folds, foldid has {k} (rows: {n})"
        )));
    }
    for f in 1..=k {
        if !foldid.contains(&f) {
            return Err(StatsError::Invalid(format!(
                "fold {f} of {k} is empty (folds must be numbered 1..=k without gaps)"
            )));
        }
    }
    Ok(k)
}

/// Weighted Mann-Whitney AUC of scores (ties count 1/2); NaN without both classes.
fn auc(y: &[bool], score: &[f64]) -> f64 {
    let pos: Vec<f64> = y
        .iter()
        .zip(score)
        .filter(|(y, _)| **y)
        .map(|(_, s)| *s)
        .collect();
    let neg: Vec<f64> = y
        .iter()
        .zip(score)
        .filter(|(y, _)| !**y)
        .map(|(_, s)| *s)
        .collect();
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut c = 0.0;
    for p in &pos {
        for q in &neg {
            if p > q {
                c += 1.0;
            } else if p == q {
                c += 0.5;
            }
        }
    }
    c / (pos.len() * neg.len()) as f64
}

/// `cv.glmnet(x, y, family = "binomial", foldid, type.measure, ...)` with the fold assignment
/// given: cvm/cvsd (grouped by fold, weighted by fold size), lambda.min and lambda.1se
/// (largest lambda with cvm within one SE of the minimum); glmnet 4.1 `cv.lognet`,
/// `cvcompute`, `cvstats`, `getOptcv.glmnet`. Folds are fitted in parallel; results do not
/// depend on the thread count.
pub fn cv_logistic(
    x: &Matrix,
    y: &[bool],
    foldid: &[usize],
    opts: &GlmnetOptions,
    measure: CvMeasure,
    align: Alignment,
) -> Result<CvResult> {
    let mut all = cv_logistic_measures(x, y, foldid, opts, &[measure], align)?;
    Ok(all.remove(0))
}

/// [`cv_logistic`] for several measures from one set of fold fits (one result per measure,
/// in the order given).
pub fn cv_logistic_measures(
    x: &Matrix,
    y: &[bool],
    foldid: &[usize],
    opts: &GlmnetOptions,
    measures: &[CvMeasure],
    align: Alignment,
) -> Result<Vec<CvResult>> {
    let path = logistic_path(x, y, opts)?;
    let n = x.rows();
    let k = check_folds(foldid, n)?;
    let lambdas = path.lambdas.clone();
    let fold_opts = match align {
        Alignment::Lambda => GlmnetOptions {
            lambda: Some(lambdas.clone()),
            ..opts.clone()
        },
        Alignment::Fraction => opts.clone(),
    };
    // Linear predictors of the held-out rows at every full-data lambda, per fold.
    let per_fold: Vec<Result<HeldOut>> = (1..=k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..n).filter(|&i| foldid[i] != f).collect();
            let test: Vec<usize> = (0..n).filter(|&i| foldid[i] == f).collect();
            let xt = x.select_rows(&train);
            let yt: Vec<bool> = train.iter().map(|&i| y[i]).collect();
            let fit = logistic_path(&xt, &yt, &fold_opts).map_err(|e| match e {
                StatsError::Outcome(m) => StatsError::Outcome(format!("fold {f}: {m}")),
                StatsError::Invalid(m) => StatsError::Invalid(format!("fold {f}: {m}")),
                StatsError::Numerical(m) => StatsError::Numerical(format!("fold {f}: {m}")),
            })?;
            let xh = x.select_rows(&test);
            let mut lps = Vec::with_capacity(lambdas.len());
            for (l, &lam) in lambdas.iter().enumerate() {
                let lp = match align {
                    Alignment::Lambda => {
                        // Fitted at exactly these lambdas; a truncated fold path repeats its
                        // last solution (cv.glmnet's buildPredmat).
                        let idx = l.min(fit.lambdas.len() - 1);
                        fit.linear_predictor(&xh, idx)?
                    }
                    Alignment::Fraction => {
                        let (a0, b) = fit.coef_at(lam);
                        lp_with(&xh, a0, &b)?
                    }
                };
                lps.push(lp);
            }
            Ok((test, lps))
        })
        .collect();
    let mut folds = Vec::with_capacity(k);
    for res in per_fold {
        folds.push(res?);
    }
    let nl = lambdas.len();
    let mut out = Vec::with_capacity(measures.len());
    for &requested in measures {
        let mut measure = requested;
        if measure == CvMeasure::Auc && (n as f64) / (k as f64) < 10.0 {
            measure = CvMeasure::Deviance;
        }
        let mut cvraw = vec![vec![0.0; nl]; k];
        let mut fold_w = vec![0.0; k];
        for (f, (test, lps)) in folds.iter().enumerate() {
            fold_w[f] = test.len() as f64;
            let yh: Vec<bool> = test.iter().map(|&i| y[i]).collect();
            for l in 0..nl {
                let p: Vec<f64> = lps[l].iter().map(|&e| 1.0 / (1.0 + (-e).exp())).collect();
                cvraw[f][l] = fold_loss(measure, &yh, &p);
            }
        }
        let (cvm, cvsd) = cv_stats(&cvraw, &fold_w);
        let (index_min, index_1se) = opt_indices(&cvm, &cvsd, measure == CvMeasure::Auc)?;
        out.push(CvResult {
            lambda_min: lambdas[index_min],
            lambda_1se: lambdas[index_1se],
            path: path.clone(),
            cvm,
            cvsd,
            cvraw,
            index_min,
            index_1se,
            measure,
        });
    }
    Ok(out)
}

/// Loss of one held-out fold at one lambda (cv.lognet's per-observation losses, averaged).
fn fold_loss(measure: CvMeasure, y: &[bool], p: &[f64]) -> f64 {
    let m = p.len() as f64;
    match measure {
        CvMeasure::Auc => auc(y, p),
        CvMeasure::Deviance => {
            p.iter()
                .zip(y)
                .map(|(&p, &yi)| {
                    let p = p.clamp(1e-5, 1.0 - 1e-5);
                    -2.0 * if yi { p.ln() } else { (1.0 - p).ln() }
                })
                .sum::<f64>()
                / m
        }
        CvMeasure::Class => {
            p.iter()
                .zip(y)
                .filter(|(&p, &yi)| if yi { p <= 0.5 } else { p > 0.5 })
                .count() as f64
                / m
        }
    }
}

/// `cvstats`: weighted mean over folds (NaN folds skipped) and
/// `sqrt(weighted mean (cvraw - cvm)² / (N - 1))`.
pub(crate) fn cv_stats(cvraw: &[Vec<f64>], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let nl = cvraw.first().map_or(0, Vec::len);
    let mut cvm = vec![f64::NAN; nl];
    let mut cvsd = vec![f64::NAN; nl];
    for l in 0..nl {
        let (mut sw, mut s, mut cnt) = (0.0, 0.0, 0usize);
        for (f, row) in cvraw.iter().enumerate() {
            if row[l].is_finite() {
                sw += w[f];
                s += w[f] * row[l];
                cnt += 1;
            }
        }
        if cnt == 0 {
            continue;
        }
        let m = s / sw;
        let mut ss = 0.0;
        for (f, row) in cvraw.iter().enumerate() {
            if row[l].is_finite() {
                ss += w[f] * (row[l] - m).powi(2);
            }
        }
        cvm[l] = m;
        // N counts every fold (cvcompute's `good`), as in glmnet.
        cvsd[l] = (ss / sw / (cvraw.len() as f64 - 1.0)).sqrt();
    }
    (cvm, cvsd)
}

/// `getOptcv.glmnet`: index of the minimum (first = largest lambda on ties) and of the largest
/// lambda within one SE of it. `maximise` for AUC / C-index.
pub(crate) fn opt_indices(cvm: &[f64], cvsd: &[f64], maximise: bool) -> Result<(usize, usize)> {
    let sign = if maximise { -1.0 } else { 1.0 };
    let m: Vec<f64> = cvm.iter().map(|v| sign * v).collect();
    let min = m
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::INFINITY, f64::min);
    let idmin = m.iter().position(|&v| v <= min).ok_or_else(|| {
        StatsError::Numerical("cross-validation produced no finite estimate".into())
    })?;
    let semin = m[idmin] + cvsd[idmin];
    let id1se = m.iter().position(|&v| v <= semin).unwrap_or(idmin);
    Ok((idmin, id1se))
}
