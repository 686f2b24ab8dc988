//! Cox proportional hazards: the unpenalised partial-likelihood fit (Newton, Efron or Breslow
//! ties) as statsmodels `PHReg` / R `survival::coxph` / lifelines report it, and the L1
//! (LASSO-Cox) path on the exact Breslow partial likelihood as scikit-survival's
//! `CoxnetSurvivalAnalysis` computes it.
//!
//! ```text
//! risk set R(t) = { j : T_j >= t }   (a subject censored at t is still at risk at t)
//! Breslow: ℓ(β) = Σ_t [ Σ_{i∈D(t)} η_i - d_t log Σ_{j∈R(t)} e^{η_j} ]
//! Efron:   ℓ(β) = Σ_t [ Σ_{i∈D(t)} η_i - Σ_{l=0}^{d_t-1} log( Σ_{R(t)} e^{η} - (l/d_t) Σ_{D(t)} e^{η} ) ]
//! η = x·β;  SE = sqrt(diag(I(β̂)⁻¹));  z = β/SE;  p = 2Φ(-|z|)
//! baseline (lifelines, Breslow): H₀(t) = Σ_{s<=t} d_s / Σ_{j∈R(s)} exp((x_j - x̄)·β̂)
//! ```

use crate::error::{Result, StatsError};
use crate::glmnet::GlmnetOptions;
use crate::logistic::{chi2_sf, normal_two_sided_p, Z_975};
use crate::matrix::{cholesky_inverse, cholesky_solve, Matrix};
use serde::Serialize;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Ties {
    Efron,
    Breslow,
}

/// Options of the Newton iteration.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CoxOptions {
    /// Stop when the largest absolute coefficient step is below this.
    pub tol: f64,
    pub max_iter: usize,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_iter: 100,
        }
    }
}

/// Breslow estimate of the baseline cumulative hazard at the covariate means (lifelines'
/// `baseline_cumulative_hazard_`): one value per distinct observed time, censored-only times
/// included.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineHazard {
    pub times: Vec<f64>,
    pub cumhaz: Vec<f64>,
    /// The covariate means the hazard refers to.
    pub means: Vec<f64>,
}

/// A fitted Cox model.
#[derive(Debug, Clone, Serialize)]
pub struct CoxFit {
    pub ties: Ties,
    pub coef: Vec<f64>,
    pub se: Vec<f64>,
    pub z: Vec<f64>,
    pub p: Vec<f64>,
    pub ci_lower: Vec<f64>,
    pub ci_upper: Vec<f64>,
    /// Covariance of `coef`, row-major k × k.
    pub cov: Vec<f64>,
    /// Log partial likelihood at the estimate and at β = 0.
    pub loglik: f64,
    pub loglik_null: f64,
    pub lr_chi2: f64,
    pub lr_pvalue: f64,
    /// Uncentred linear predictor x·β̂ of every row.
    pub linear_predictor: Vec<f64>,
    pub baseline: BaselineHazard,
    pub iterations: usize,
}

/// Checks sizes and values of survival data.
fn check_survival(x: &Matrix, time: &[f64], event: &[bool]) -> Result<()> {
    let n = x.rows();
    if time.len() != n || event.len() != n {
        return Err(StatsError::Invalid(format!(
            "design has {n} rows, time {} and event {} values",
            time.len(),
            event.len()
        )));
    }
    if n == 0 || x.cols() == 0 {
        return Err(StatsError::Invalid(
            "no observations or no covariates".into(),
        ));
    }
    if let Some(i) = time.iter().position(|t| !t.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "time at row {i} is not finite ({})",
            time[i]
        )));
    }
    for r in 0..n {
        for (c, v) in x.row(r).iter().enumerate() {
            if !v.is_finite() {
                return Err(StatsError::Invalid(format!(
                    "value at row {r}, column {c} is not finite ({v})"
                )));
            }
        }
    }
    if !event.iter().any(|&e| e) {
        return Err(StatsError::Outcome(
            "no events: the partial likelihood is flat".into(),
        ));
    }
    Ok(())
}

/// Rows grouped by distinct time, in decreasing time order (so risk sets grow).
struct TimeGroups {
    /// (time, rows with that time), times decreasing.
    groups: Vec<(f64, Vec<usize>)>,
}

fn time_groups(time: &[f64]) -> TimeGroups {
    let mut idx: Vec<usize> = (0..time.len()).collect();
    idx.sort_by(|&a, &b| time[b].total_cmp(&time[a]).then(a.cmp(&b)));
    let mut groups: Vec<(f64, Vec<usize>)> = Vec::new();
    for i in idx {
        match groups.last_mut() {
            Some((t, rows)) if *t == time[i] => rows.push(i),
            _ => groups.push((time[i], vec![i])),
        }
    }
    TimeGroups { groups }
}

/// Log partial likelihood, gradient and information (negative Hessian) at `eta`, for the
/// centred design `xc` (row-major n × k).
fn partial_likelihood(
    xc: &[f64],
    k: usize,
    eta: &[f64],
    event: &[bool],
    tg: &TimeGroups,
    ties: Ties,
) -> (f64, Vec<f64>, Vec<f64>) {
    let mut ll = 0.0;
    let mut grad = vec![0.0; k];
    let mut info = vec![0.0; k * k];
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; k];
    let mut s2 = vec![0.0; k * k];
    let mut d1 = vec![0.0; k];
    let mut d2 = vec![0.0; k * k];
    let mut a1 = vec![0.0; k];
    for (_, rows) in &tg.groups {
        let (mut d0, mut nd) = (0.0, 0usize);
        d1.iter_mut().for_each(|v| *v = 0.0);
        d2.iter_mut().for_each(|v| *v = 0.0);
        for &i in rows {
            let r = eta[i].exp();
            let xi = &xc[i * k..(i + 1) * k];
            s0 += r;
            for a in 0..k {
                s1[a] += r * xi[a];
                for b in 0..=a {
                    s2[a * k + b] += r * xi[a] * xi[b];
                }
            }
            if event[i] {
                nd += 1;
                ll += eta[i];
                for a in 0..k {
                    grad[a] += xi[a];
                }
                if ties == Ties::Efron {
                    d0 += r;
                    for a in 0..k {
                        d1[a] += r * xi[a];
                        for b in 0..=a {
                            d2[a * k + b] += r * xi[a] * xi[b];
                        }
                    }
                }
            }
        }
        for l in 0..nd {
            let f = if ties == Ties::Efron {
                l as f64 / nd as f64
            } else {
                0.0
            };
            let a0 = s0 - f * d0;
            for a in 0..k {
                a1[a] = s1[a] - f * d1[a];
            }
            ll -= a0.ln();
            for a in 0..k {
                grad[a] -= a1[a] / a0;
                for b in 0..=a {
                    let a2 = s2[a * k + b] - f * d2[a * k + b];
                    info[a * k + b] += a2 / a0 - a1[a] * a1[b] / (a0 * a0);
                }
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            info[b * k + a] = info[a * k + b];
        }
    }
    (ll, grad, info)
}

/// Cox proportional hazards by Newton-Raphson (step halving when the likelihood drops).
/// Matches statsmodels `PHReg(ties = "efron" | "breslow")` and R `coxph` (coef, SE, z, p,
/// log partial likelihood and its null value) and lifelines' Breslow baseline cumulative hazard
/// at the covariate means.
///
/// Errors: sizes/non-finite values ([`StatsError::Invalid`]), no events
/// ([`StatsError::Outcome`]), a singular information matrix (constant or collinear covariate)
/// or divergence (monotone likelihood: |coef × SD| > 30) ([`StatsError::Numerical`]).
pub fn cox_ph(
    x: &Matrix,
    time: &[f64],
    event: &[bool],
    ties: Ties,
    opts: &CoxOptions,
) -> Result<CoxFit> {
    check_survival(x, time, event)?;
    let n = x.rows();
    let k = x.cols();
    let means: Vec<f64> = (0..k)
        .map(|j| (0..n).map(|i| x.get(i, j)).sum::<f64>() / n as f64)
        .collect();
    let mut xc = vec![0.0; n * k];
    for i in 0..n {
        for j in 0..k {
            xc[i * k + j] = x.get(i, j) - means[j];
        }
    }
    for j in 0..k {
        let first = x.get(0, j);
        if (0..n).all(|i| x.get(i, j) == first) {
            return Err(StatsError::Numerical(format!(
                "column {j} is constant ({first}); its coefficient is not identifiable"
            )));
        }
    }
    let tg = time_groups(time);
    let lin = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                xc[i * k..(i + 1) * k]
                    .iter()
                    .zip(beta)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect()
    };
    let mut beta = vec![0.0; k];
    let (ll0, mut grad, mut info) = partial_likelihood(&xc, k, &vec![0.0; n], event, &tg, ties);
    let mut ll = ll0;
    let mut iterations = 0;
    let singular = |_| {
        StatsError::Numerical(
            "information matrix is singular: a covariate is constant or collinear with others"
                .into(),
        )
    };
    loop {
        if iterations >= opts.max_iter {
            return Err(StatsError::Numerical(format!(
                "Newton iteration did not converge in {} iterations (monotone likelihood: a \
                 coefficient may be infinite)",
                opts.max_iter
            )));
        }
        iterations += 1;
        let step = cholesky_solve(&info, k, &grad).map_err(singular)?;
        let mut scale = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let res = partial_likelihood(&xc, k, &lin(&cand), event, &tg, ties);
            if res.0.is_finite() && res.0 >= ll - 1e-12 * ll.abs().max(1.0) {
                accepted = Some((cand, res));
                break;
            }
            scale /= 2.0;
        }
        let Some((cand, (ll_new, g_new, i_new))) = accepted else {
            return Err(StatsError::Numerical(
                "Newton step halving failed to increase the partial likelihood".into(),
            ));
        };
        let change = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
        beta = cand;
        ll = ll_new;
        grad = g_new;
        info = i_new;
        if beta.iter().any(|b| b.abs() > 1e6 || !b.is_finite()) {
            return Err(StatsError::Numerical(
                "a coefficient diverges (monotone likelihood / separation)".into(),
            ));
        }
        if change < opts.tol {
            break;
        }
    }
    // Monotone likelihood (R coxph: "coefficient may be infinite"): the iteration stops on a
    // flat likelihood with a coefficient worth more than e^30 in hazard ratio per SD.
    for j in 0..k {
        let sd = ((0..n).map(|i| xc[i * k + j].powi(2)).sum::<f64>() / n as f64).sqrt();
        if (beta[j] * sd).abs() > 30.0 {
            return Err(StatsError::Numerical(format!(
                "coefficient of column {j} diverges ({:.3e}; monotone likelihood: the \
                 covariate separates event times perfectly)",
                beta[j]
            )));
        }
    }
    let cov = cholesky_inverse(&info, k).map_err(singular)?;
    let se: Vec<f64> = (0..k).map(|j| cov[j * k + j].sqrt()).collect();
    let z: Vec<f64> = beta.iter().zip(&se).map(|(b, s)| b / s).collect();
    let p = z.iter().map(|&z| normal_two_sided_p(z)).collect();
    let ci_lower = beta.iter().zip(&se).map(|(b, s)| b - Z_975 * s).collect();
    let ci_upper = beta.iter().zip(&se).map(|(b, s)| b + Z_975 * s).collect();
    let eta_c = lin(&beta);
    let linear_predictor = (0..n)
        .map(|i| x.row(i).iter().zip(&beta).map(|(a, b)| a * b).sum())
        .collect();
    // Breslow baseline at the means, increasing time.
    let mut times = Vec::with_capacity(tg.groups.len());
    let mut incr = Vec::with_capacity(tg.groups.len());
    let mut s0 = 0.0;
    for (t, rows) in &tg.groups {
        let mut d = 0.0;
        for &i in rows {
            s0 += eta_c[i].exp();
            if event[i] {
                d += 1.0;
            }
        }
        times.push(*t);
        incr.push(d / s0);
    }
    times.reverse();
    incr.reverse();
    let mut acc = 0.0;
    let cumhaz = incr
        .iter()
        .map(|h| {
            acc += h;
            acc
        })
        .collect();
    let lr_chi2 = 2.0 * (ll - ll0);
    Ok(CoxFit {
        ties,
        coef: beta,
        se,
        z,
        p,
        ci_lower,
        ci_upper,
        cov,
        loglik: ll,
        loglik_null: ll0,
        lr_chi2,
        lr_pvalue: chi2_sf(lr_chi2, k as f64),
        linear_predictor,
        baseline: BaselineHazard {
            times,
            cumhaz,
            means,
        },
        iterations,
    })
}

/// A penalised Cox path; coefficients on the scale of the input columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxPath {
    pub lambdas: Vec<f64>,
    /// `betas[l][j]`: coefficient of column `j` at `lambdas[l]`.
    pub betas: Vec<Vec<f64>>,
    /// Number of nonzero coefficients at each lambda.
    pub df: Vec<usize>,
    /// Breslow log partial likelihood at each lambda, and at β = 0.
    pub loglik: Vec<f64>,
    pub loglik_null: f64,
    /// Largest violation of the KKT conditions (scale of the penalty) at each lambda.
    pub kkt_violation: Vec<f64>,
    /// Fraction of the null deviance explained, `(ℓ(β) - ℓ(0)) / (ℓ_sat - ℓ(0))`,
    /// `ℓ_sat = -Σ_t d_t log d_t`.
    pub dev_ratio: Vec<f64>,
    /// Coordinate-descent passes used.
    pub npasses: usize,
}

const MNLAM_COX: usize = 5;
const COX_FDEV: f64 = 1e-3;
const COX_DEVMAX: f64 = 0.99;

/// Saturated Cox log-likelihood `-Σ_t d_t log d_t` over distinct event times.
fn saturated_loglik(tg: &TimeGroups, event: &[bool]) -> f64 {
    tg.groups
        .iter()
        .map(|(_, rows)| {
            let d = rows.iter().filter(|&&i| event[i]).count() as f64;
            if d > 0.0 {
                -d * d.ln()
            } else {
                0.0
            }
        })
        .sum()
}

/// Breslow log partial likelihood and, per row, its first derivative `g` and the diagonal of
/// its negative second derivative `w` with respect to the linear predictor.
fn breslow_eta_derivatives(
    eta: &[f64],
    event: &[bool],
    tg: &TimeGroups,
) -> (f64, Vec<f64>, Vec<f64>) {
    let n = eta.len();
    let r: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    // Risk-set sums S0 at each distinct time (time groups are in decreasing time).
    let ng = tg.groups.len();
    let mut s0 = vec![0.0; ng];
    let mut d = vec![0.0; ng];
    let mut acc = 0.0;
    let mut ll = 0.0;
    for (gi, (_, rows)) in tg.groups.iter().enumerate() {
        for &i in rows {
            acc += r[i];
            if event[i] {
                d[gi] += 1.0;
                ll += eta[i];
            }
        }
        s0[gi] = acc;
        if d[gi] > 0.0 {
            ll -= d[gi] * acc.ln();
        }
    }
    // Cumulative sums over event times <= T_i: walk the groups in increasing time.
    let mut g = vec![0.0; n];
    let mut w = vec![0.0; n];
    let (mut c1, mut c2) = (0.0, 0.0);
    for gi in (0..ng).rev() {
        if d[gi] > 0.0 {
            c1 += d[gi] / s0[gi];
            c2 += d[gi] / (s0[gi] * s0[gi]);
        }
        for &i in &tg.groups[gi].1 {
            g[i] = if event[i] { 1.0 } else { 0.0 } - r[i] * c1;
            w[i] = r[i] * c1 - r[i] * r[i] * c2;
        }
    }
    (ll, g, w)
}

/// L1/elastic-net penalised Cox regression along a lambda path on the exact Breslow partial
/// likelihood: minimises `-(1/n) ℓ_Breslow(β) + λ [α||β||₁ + (1-α)/2 ||β||²]`.
/// Matches scikit-survival `CoxnetSurvivalAnalysis(l1_ratio = α, n_alphas = nlambda,
/// alpha_min_ratio)`: `λ_max = max_j |∂ℓ/∂β_j(0)| / n / max(α, 1e-3)` and a geometric
/// sequence down to `λ_max · lambda_min_ratio`. R glmnet's `family = "cox"` agrees except when
/// censored times equal event times (README pitfall 3). With `standardize`, columns are scaled
/// by their SD (divisor n) for the fit and the coefficients unscaled. Solver: outer quadratic approximation in the linear predictor (diagonal weights) with
/// cyclic coordinate descent, halving the step whenever the objective would increase; each
/// lambda is iterated until the largest coefficient change is below `thresh`. A computed
/// sequence stops early as glmnet's `coxnet` does (after 5 lambdas, when the deviance ratio
/// grew by less than 0.1% over the last 4, or exceeds 0.99); a user sequence is fitted whole.
pub fn cox_path(x: &Matrix, time: &[f64], event: &[bool], opts: &GlmnetOptions) -> Result<CoxPath> {
    check_survival(x, time, event)?;
    crate::glmnet::check_options(opts)?;
    let n = x.rows();
    let p = x.cols();
    let nf = n as f64;
    let mut cols: Vec<Vec<f64>> = (0..p).map(|j| x.col(j)).collect();
    let mut scale = vec![1.0; p];
    let mut usable = vec![true; p];
    for (j, c) in cols.iter_mut().enumerate() {
        usable[j] = c.iter().any(|&v| v != c[0]);
        let m = c.iter().sum::<f64>() / nf;
        c.iter_mut().for_each(|v| *v -= m);
        if opts.standardize && usable[j] {
            let s = (c.iter().map(|v| v * v).sum::<f64>() / nf).sqrt();
            c.iter_mut().for_each(|v| *v /= s);
            scale[j] = s;
        }
    }
    let tg = time_groups(time);
    let alpha = opts.alpha;
    let mut eta = vec![0.0; n];
    let (ll0, g0, _) = breslow_eta_derivatives(&eta, event, &tg);
    let grad0: Vec<f64> = cols
        .iter()
        .map(|c| c.iter().zip(&g0).map(|(a, b)| a * b).sum::<f64>() / nf)
        .collect();
    let lambdas: Vec<f64> = match &opts.lambda {
        Some(l) => {
            let mut l = l.clone();
            l.sort_by(|a, b| b.total_cmp(a));
            l
        }
        None => {
            let lmax = (0..p)
                .filter(|&j| usable[j])
                .map(|j| grad0[j].abs())
                .fold(0.0, f64::max)
                / alpha.max(1e-3);
            let ratio = opts
                .lambda_min_ratio
                .unwrap_or(if n < p { 1e-2 } else { 1e-4 });
            let nl = opts.nlambda;
            (0..nl)
                .map(|k| lmax * ratio.powf(k as f64 / (nl as f64 - 1.0)))
                .collect()
        }
    };
    let objective = |ll: f64, beta: &[f64], lam: f64| {
        let l1: f64 = beta.iter().map(|b| b.abs()).sum();
        let l2: f64 = beta.iter().map(|b| b * b).sum();
        -ll / nf + lam * (alpha * l1 + 0.5 * (1.0 - alpha) * l2)
    };
    let mut beta = vec![0.0; p];
    let mut out = CoxPath {
        lambdas: Vec::new(),
        betas: Vec::new(),
        df: Vec::new(),
        loglik: Vec::new(),
        loglik_null: ll0,
        kkt_violation: Vec::new(),
        dev_ratio: Vec::new(),
        npasses: 0,
    };
    let mut passes = 0usize;
    let lsat = saturated_loglik(&tg, event);
    let computed = opts.lambda.is_none();
    for &lam in &lambdas {
        let l1 = lam * alpha;
        let l2 = lam * (1.0 - alpha);
        let mut outer = 0usize;
        loop {
            outer += 1;
            let (ll, g, w) = breslow_eta_derivatives(&eta, event, &tg);
            let f_old = objective(ll, &beta, lam);
            let c: Vec<f64> = cols
                .iter()
                .map(|col| col.iter().zip(&w).map(|(x, w)| w * x * x).sum::<f64>() / nf)
                .collect();
            // delta = change of eta within this quadratic step
            let mut delta = vec![0.0; n];
            let mut nb = beta.clone();
            loop {
                passes += 1;
                let mut maxd: f64 = 0.0;
                for j in 0..p {
                    if !usable[j] {
                        continue;
                    }
                    let col = &cols[j];
                    let mut u = 0.0;
                    for i in 0..n {
                        u += col[i] * (g[i] - w[i] * delta[i]);
                    }
                    u = u / nf + c[j] * nb[j];
                    let au = u.abs() - l1;
                    let newb = if au > 0.0 {
                        au.copysign(u) / (c[j] + l2)
                    } else {
                        0.0
                    };
                    let d = newb - nb[j];
                    if d != 0.0 {
                        for i in 0..n {
                            delta[i] += d * col[i];
                        }
                        nb[j] = newb;
                        maxd = maxd.max(d.abs() * c[j].max(1e-300).sqrt());
                    }
                }
                if maxd < 1e-13 || passes > opts.maxit {
                    break;
                }
            }
            // Step, halved while the objective increases.
            let mut t = 1.0;
            let mut accepted = false;
            let mut new_eta = vec![0.0; n];
            let mut cand = nb.clone();
            for _ in 0..40 {
                for j in 0..p {
                    cand[j] = beta[j] + t * (nb[j] - beta[j]);
                }
                for i in 0..n {
                    new_eta[i] = eta[i] + t * delta[i];
                }
                let (ll_new, _, _) = breslow_eta_derivatives(&new_eta, event, &tg);
                if objective(ll_new, &cand, lam) <= f_old + 1e-13 * f_old.abs().max(1.0) {
                    accepted = true;
                    break;
                }
                t /= 2.0;
            }
            let change = if accepted {
                let ch = beta
                    .iter()
                    .zip(&cand)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                beta.clone_from(&cand);
                eta.clone_from(&new_eta);
                ch
            } else {
                0.0
            };
            if change < opts.thresh || outer > 1000 || passes > opts.maxit {
                break;
            }
        }
        if passes > opts.maxit {
            return Err(StatsError::Numerical(format!(
                "Cox path did not converge at lambda {lam:e} within maxit = {} passes",
                opts.maxit
            )));
        }
        // Final state: log-likelihood and KKT check.
        let (ll, g, _) = breslow_eta_derivatives(&eta, event, &tg);
        let mut kkt: f64 = 0.0;
        for j in 0..p {
            if !usable[j] {
                continue;
            }
            let gj = cols[j].iter().zip(&g).map(|(a, b)| a * b).sum::<f64>() / nf;
            let v = if beta[j] != 0.0 {
                (gj - l2 * beta[j] - l1 * beta[j].signum()).abs()
            } else {
                (gj.abs() - l1).max(0.0)
            };
            kkt = kkt.max(v);
        }
        out.lambdas.push(lam);
        out.betas
            .push(beta.iter().zip(&scale).map(|(b, s)| b / s).collect());
        out.df.push(beta.iter().filter(|b| **b != 0.0).count());
        out.loglik.push(ll);
        out.kkt_violation.push(kkt);
        let dr = (ll - ll0) / (lsat - ll0);
        out.dev_ratio.push(dr);
        // glmnet coxnet's early stop (computed sequences only): after 5 lambdas, stop when
        // the deviance ratio gained less than 1e-3 (relative) over the last 4 steps or
        // exceeds 0.99.
        let m = out.dev_ratio.len();
        if computed && m >= MNLAM_COX {
            let prev = out.dev_ratio[m - MNLAM_COX];
            if (dr - prev) / dr < COX_FDEV || dr > COX_DEVMAX {
                break;
            }
        }
    }
    out.npasses = passes;
    Ok(out)
}

impl CoxPath {
    /// Coefficients at an arbitrary `lambda`, linearly interpolated between the path's lambdas
    /// as glmnet's `predict(..., s = lambda)` does (clamped at the ends of the path).
    pub fn coef_at(&self, lambda: f64) -> Vec<f64> {
        let (left, right, frac) = crate::glmnet::lambda_interp(&self.lambdas, lambda);
        self.betas[left]
            .iter()
            .zip(&self.betas[right])
            .map(|(l, r)| frac * l + (1.0 - frac) * r)
            .collect()
    }
}

/// Loss of the Cox cross-validation, as `cv.glmnet(family = "cox", type.measure = ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CoxCvMeasure {
    /// Grouped partial-likelihood deviance (Verweij & van Houwelingen): for fold k,
    /// `(D(all rows; β₋ₖ) - D(training rows; β₋ₖ)) / events in fold k`,
    /// `D = 2 (ℓ_sat - ℓ_Breslow)`; folds weighted by their events.
    Deviance,
    /// Harrell's C of the held-out linear predictors per fold (survival::concordance
    /// conventions), folds weighted by size.
    CIndex,
}

/// Cross-validation of a Cox path.
#[derive(Debug, Clone, Serialize)]
pub struct CoxCvResult {
    pub path: CoxPath,
    pub cvm: Vec<f64>,
    pub cvsd: Vec<f64>,
    pub cvraw: Vec<Vec<f64>>,
    pub index_min: usize,
    pub index_1se: usize,
    pub lambda_min: f64,
    pub lambda_1se: f64,
}

fn breslow_deviance(
    cols: &Matrix,
    rows: &[usize],
    beta: &[f64],
    time: &[f64],
    event: &[bool],
) -> f64 {
    let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
    let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
    let eta: Vec<f64> = rows
        .iter()
        .map(|&i| cols.row(i).iter().zip(beta).map(|(a, b)| a * b).sum())
        .collect();
    let tg = time_groups(&t);
    let (ll, _, _) = breslow_eta_derivatives(&eta, &e, &tg);
    2.0 * (saturated_loglik(&tg, &e) - ll)
}

/// Harrell's C of a held-out fold ([`crate::survival::concordance_index`]); NaN when the fold
/// has no comparable pair or invalid input.
pub fn harrell_c(time: &[f64], event: &[bool], risk: &[f64]) -> f64 {
    crate::survival::concordance_index(time, event, risk).map_or(f64::NAN, |c| c.cindex)
}

/// `cv.glmnet(x, Surv(time, event), family = "cox", foldid, type.measure, grouped = TRUE)`:
/// folds fitted with [`cox_path`] (own lambda sequences interpolated at the full-data lambdas
/// for [`Alignment::Fraction`], R's default; or at the full-data lambdas for
/// [`Alignment::Lambda`]); cvm, cvsd, lambda.min, lambda.1se as glmnet 4.1
/// (`buildPredmat.coxnetlist`, `cv.coxnet`, `cvstats`, `getOptcv.glmnet`).
pub fn cv_cox(
    x: &Matrix,
    time: &[f64],
    event: &[bool],
    foldid: &[usize],
    opts: &GlmnetOptions,
    measure: CoxCvMeasure,
    align: crate::glmnet::Alignment,
) -> Result<CoxCvResult> {
    use rayon::prelude::*;
    let path = cox_path(x, time, event, opts)?;
    let n = x.rows();
    let k = crate::glmnet::check_folds(foldid, n)?;
    let lambdas = path.lambdas.clone();
    let fold_opts = match align {
        crate::glmnet::Alignment::Lambda => GlmnetOptions {
            lambda: Some(lambdas.clone()),
            ..opts.clone()
        },
        crate::glmnet::Alignment::Fraction => opts.clone(),
    };
    let all: Vec<usize> = (0..n).collect();
    let per_fold: Vec<Result<(Vec<f64>, f64)>> = (1..=k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..n).filter(|&i| foldid[i] != f).collect();
            let test: Vec<usize> = (0..n).filter(|&i| foldid[i] == f).collect();
            let xt = x.select_rows(&train);
            let tt: Vec<f64> = train.iter().map(|&i| time[i]).collect();
            let et: Vec<bool> = train.iter().map(|&i| event[i]).collect();
            let fit = cox_path(&xt, &tt, &et, &fold_opts).map_err(|e| match e {
                StatsError::Outcome(m) => StatsError::Outcome(format!("fold {f}: {m}")),
                StatsError::Invalid(m) => StatsError::Invalid(format!("fold {f}: {m}")),
                StatsError::Numerical(m) => StatsError::Numerical(format!("fold {f}: {m}")),
            })?;
            let mut raw = Vec::with_capacity(lambdas.len());
            let events = test.iter().filter(|&&i| event[i]).count() as f64;
            for (l, &lam) in lambdas.iter().enumerate() {
                let beta = match align {
                    crate::glmnet::Alignment::Lambda => {
                        fit.betas[l.min(fit.betas.len() - 1)].clone()
                    }
                    crate::glmnet::Alignment::Fraction => fit.coef_at(lam),
                };
                raw.push(match measure {
                    CoxCvMeasure::Deviance => {
                        let full = breslow_deviance(x, &all, &beta, time, event);
                        let minus = breslow_deviance(x, &train, &beta, time, event);
                        (full - minus) / events
                    }
                    CoxCvMeasure::CIndex => {
                        let ts: Vec<f64> = test.iter().map(|&i| time[i]).collect();
                        let es: Vec<bool> = test.iter().map(|&i| event[i]).collect();
                        let lp: Vec<f64> = test
                            .iter()
                            .map(|&i| x.row(i).iter().zip(&beta).map(|(a, b)| a * b).sum())
                            .collect();
                        harrell_c(&ts, &es, &lp)
                    }
                });
            }
            let w = match measure {
                CoxCvMeasure::Deviance => events,
                CoxCvMeasure::CIndex => test.len() as f64,
            };
            Ok((raw, w))
        })
        .collect();
    let mut cvraw = Vec::with_capacity(k);
    let mut w = Vec::with_capacity(k);
    for r in per_fold {
        let (raw, wf) = r?;
        cvraw.push(raw);
        w.push(wf);
    }
    let (cvm, cvsd) = crate::glmnet::cv_stats(&cvraw, &w);
    let (index_min, index_1se) =
        crate::glmnet::opt_indices(&cvm, &cvsd, measure == CoxCvMeasure::CIndex)?;
    Ok(CoxCvResult {
        lambda_min: lambdas[index_min],
        lambda_1se: lambdas[index_1se],
        path,
        cvm,
        cvsd,
        cvraw,
        index_min,
        index_1se,
    })
}
