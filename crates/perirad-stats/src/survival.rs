//! Survival curves and survival discrimination for right-censored data.
//!
//! - [`kaplan_meier`]: the product-limit table with Greenwood variance, log-log 95% interval and the
//!   median in lifelines' and in R's convention (reference: lifelines `KaplanMeierFitter`, R
//!   `survfit(conf.type = "log-log")`).
//! - [`logrank`]: the k-group log-rank test (lifelines `multivariate_logrank_test`, R `survdiff`).
//! - [`concordance_index`]: Harrell's C with its pair counts (scikit-survival
//!   `concordance_index_censored`, lifelines, R `survival::concordance`).
//! - [`cumulative_dynamic_auc`]: time-dependent cumulative/dynamic AUC with inverse probability of
//!   censoring weights (scikit-survival `cumulative_dynamic_auc`).
//!
//! Inputs: `time` (finite) and `event` (true = event observed, false = right-censored), one entry per
//! subject.

use crate::error::{Result, StatsError};
use crate::matrix::cholesky_solve;
use crate::metrics::{chi2_sf, norm_ppf};
use serde::Serialize;
use std::collections::BTreeMap;

/// Kaplan-Meier table, one row per distinct observed time (event or censoring), increasing.
#[derive(Debug, Clone, Serialize)]
pub struct KaplanMeier {
    pub time: Vec<f64>,
    /// Subjects at risk just before `time` (observed time >= `time`).
    pub n_risk: Vec<usize>,
    pub n_event: Vec<usize>,
    pub n_censor: Vec<usize>,
    /// `S(t) = prod_{t_i <= t} (1 - d_i / n_i)`.
    pub survival: Vec<f64>,
    /// Greenwood variance of `log S`: `sum_{t_i <= t} d_i / (n_i (n_i - d_i))`, terms with `n_i = d_i`
    /// skipped (they would be infinite; `S` is 0 from there on).
    pub greenwood_var_log: Vec<f64>,
    /// Greenwood standard error of `S`: `S sqrt(greenwood_var_log)`.
    pub se: Vec<f64>,
    /// Lower bound of the 95% log(-log) interval; `[1, 1]` where `S = 1`, `[0, 0]` where `S = 0`.
    pub ci_lower: Vec<f64>,
    /// Upper bound of the 95% log(-log) interval.
    pub ci_upper: Vec<f64>,
    /// lifelines median: the first time with `S <= 0.5`; `+inf` if `S` never reaches 0.5.
    pub median: f64,
    /// R `survfit` median: as `median`, but when `S` equals 0.5 on a flat stretch, the midpoint between
    /// the start of that stretch and the next time `S` drops below 0.5.
    pub median_midpoint: f64,
}

impl KaplanMeier {
    /// `S(t)` of the right-continuous step function: 1 before the first time, and the value of the
    /// last row with `time <= t` after.
    pub fn survival_at(&self, t: f64) -> f64 {
        let k = self.time.partition_point(|&x| x <= t);
        if k == 0 {
            1.0
        } else {
            self.survival[k - 1]
        }
    }
}

/// Log-rank test of k groups.
#[derive(Debug, Clone, Serialize)]
pub struct LogRank {
    /// `(O - E)' V^-1 (O - E)` over the first k-1 groups.
    pub chi2: f64,
    /// `k - 1`.
    pub df: usize,
    pub p_value: f64,
    /// Group position in `observed` / `expected` = rank of its label in sorted order.
    pub observed: Vec<f64>,
    pub expected: Vec<f64>,
}

/// Harrell's concordance index and its pair counts.
#[derive(Debug, Clone, Serialize)]
pub struct Concordance {
    /// `(concordant + tied_risk / 2) / (concordant + discordant + tied_risk)`.
    pub cindex: f64,
    pub concordant: u64,
    pub discordant: u64,
    /// Comparable pairs with equal risk.
    pub tied_risk: u64,
    /// Comparable pairs made of an event and a censoring at the same time (scikit-survival `tied_time`).
    pub tied_time: u64,
    /// `concordant + discordant + tied_risk`.
    pub comparable: u64,
}

/// Time-dependent cumulative/dynamic AUC.
#[derive(Debug, Clone, Serialize)]
pub struct TimeDependentAuc {
    pub times: Vec<f64>,
    /// `AUC(t)` at each time.
    pub auc: Vec<f64>,
    /// AUC(t) averaged over the times weighted by the drop of the test Kaplan-Meier curve
    /// (scikit-survival's `mean_auc`); equal to `auc[0]` for a single time.
    pub mean_auc: f64,
}

/// Checks `time` / `event` (and, when given, a third per-subject slice's length).
fn check_survival(time: &[f64], event: &[bool], other: Option<(&str, usize)>) -> Result<()> {
    if time.is_empty() {
        return Err(StatsError::Invalid("empty input: no survival times".into()));
    }
    if time.len() != event.len() {
        return Err(StatsError::Invalid(format!(
            "length mismatch: {} times but {} event indicators",
            time.len(),
            event.len()
        )));
    }
    if let Some((what, len)) = other {
        if len != time.len() {
            return Err(StatsError::Invalid(format!(
                "length mismatch: {} times but {len} {what}",
                time.len()
            )));
        }
    }
    if let Some(i) = time.iter().position(|t| !t.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "time at row {i} is not finite ({})",
            time[i]
        )));
    }
    Ok(())
}

/// One row per distinct time: (time, at risk, events, censored), increasing time.
fn risk_table(time: &[f64], event: &[bool]) -> Vec<(f64, usize, usize, usize)> {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut rows = Vec::new();
    let mut at_risk = time.len();
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let (mut d, mut c) = (0, 0);
        while i < order.len() && time[order[i]] == t {
            if event[order[i]] {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        rows.push((t, at_risk, d, c));
        at_risk -= d + c;
    }
    rows
}

/// Kaplan-Meier product-limit estimate:
///
/// ```text
/// S(t)        = prod_{t_i <= t} (1 - d_i/n_i)
/// Var(log S)  = sum_{t_i <= t} d_i / (n_i (n_i - d_i))        (Greenwood; n_i = d_i terms skipped)
/// SE(S)       = S sqrt(Var(log S))
/// 95% CI      = exp(-exp(log(-log S) -/+ z sqrt(Var(log S)) / |log S|)),   z = Phi^-1(0.975)
/// ```
///
/// The interval is lifelines' default ("exponential Greenwood") = R `survfit(conf.type = "log-log")`
/// (R's default `"log"` differs). Medians: see [`KaplanMeier`]; `S <= 0.5` and `S == 0.5` are judged
/// with a 1e-12 slack so that rounding in the product does not move the median (veterans, trt = test:
/// lifelines 52, R 52.5). Subjects with no events give `S = 1` throughout and an infinite median.
/// Errors: empty input, length mismatch, non-finite time (`Invalid`).
pub fn kaplan_meier(time: &[f64], event: &[bool]) -> Result<KaplanMeier> {
    check_survival(time, event, None)?;
    let rows = risk_table(time, event);
    let z = norm_ppf(0.975);
    let mut km = KaplanMeier {
        time: Vec::with_capacity(rows.len()),
        n_risk: Vec::with_capacity(rows.len()),
        n_event: Vec::with_capacity(rows.len()),
        n_censor: Vec::with_capacity(rows.len()),
        survival: Vec::with_capacity(rows.len()),
        greenwood_var_log: Vec::with_capacity(rows.len()),
        se: Vec::with_capacity(rows.len()),
        ci_lower: Vec::with_capacity(rows.len()),
        ci_upper: Vec::with_capacity(rows.len()),
        median: f64::INFINITY,
        median_midpoint: f64::INFINITY,
    };
    let (mut s, mut gw) = (1.0f64, 0.0f64);
    for &(t, n, d, c) in &rows {
        let (nf, df) = (n as f64, d as f64);
        s *= 1.0 - df / nf;
        if d > 0 && n > d {
            gw += df / (nf * (nf - df));
        }
        let (lo, hi) = if s <= 0.0 {
            (0.0, 0.0)
        } else if s >= 1.0 {
            (1.0, 1.0)
        } else {
            let v = s.ln();
            let shift = z * gw.sqrt() / v.abs();
            let ll = (-v).ln();
            ((-(ll + shift).exp()).exp(), (-(ll - shift).exp()).exp())
        };
        km.time.push(t);
        km.n_risk.push(n);
        km.n_event.push(d);
        km.n_censor.push(c);
        km.survival.push(s);
        km.greenwood_var_log.push(gw);
        km.se.push(s * gw.sqrt());
        km.ci_lower.push(lo);
        km.ci_upper.push(hi);
    }
    const SLACK: f64 = 1e-12;
    if let Some(k) = km.survival.iter().position(|&v| v <= 0.5 + SLACK) {
        km.median = km.time[k];
        km.median_midpoint = km.time[k];
        if (km.survival[k] - 0.5).abs() <= SLACK {
            if let Some(j) = km.survival.iter().position(|&v| v < 0.5 - SLACK) {
                km.median_midpoint = 0.5 * (km.time[k] + km.time[j]);
            }
        }
    }
    Ok(km)
}

/// Log-rank test of equal survival in k >= 2 groups (labels of any ordered type):
///
/// ```text
/// at each distinct event time: n, d overall; n_g, d_g per group
/// O_g - E_g = sum (d_g - d n_g / n)
/// V_gh      = sum d (n - d)/(n - 1) (n_g/n) (delta_gh - n_h/n)        (n > 1)
/// chi2      = (O - E)' V^-1 (O - E) over the first k-1 groups,   df = k - 1
/// ```
///
/// Matches lifelines `logrank_test` / `multivariate_logrank_test` and R `survdiff(rho = 0)`.
/// Errors: input checks (`Invalid`); fewer than 2 groups or no events (`Outcome`); a singular
/// variance matrix, e.g. a group with nobody at risk at any event time (`Numerical`).
pub fn logrank<G: Ord + Clone>(time: &[f64], event: &[bool], group: &[G]) -> Result<LogRank> {
    check_survival(time, event, Some(("group labels", group.len())))?;
    let labels: BTreeMap<G, usize> = {
        let mut m = BTreeMap::new();
        for g in group {
            m.entry(g.clone()).or_insert(0usize);
        }
        m.into_iter()
            .enumerate()
            .map(|(k, (g, _))| (g, k))
            .collect()
    };
    let k = labels.len();
    if k < 2 {
        return Err(StatsError::Outcome(
            "log-rank test needs at least 2 groups, all subjects share one label".into(),
        ));
    }
    if !event.iter().any(|&e| e) {
        return Err(StatsError::Outcome(
            "log-rank test: no events observed".into(),
        ));
    }
    let gid: Vec<usize> = group.iter().map(|g| labels[g]).collect();
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut n_g: Vec<f64> = vec![0.0; k];
    for &g in &gid {
        n_g[g] += 1.0;
    }
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut var = vec![0.0; k * k];
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let mut d_g = vec![0.0; k];
        let mut leaving = vec![0.0; k];
        while i < order.len() && time[order[i]] == t {
            let s = order[i];
            if event[s] {
                d_g[gid[s]] += 1.0;
            }
            leaving[gid[s]] += 1.0;
            i += 1;
        }
        let n: f64 = n_g.iter().sum();
        let d: f64 = d_g.iter().sum();
        if d > 0.0 {
            for g in 0..k {
                observed[g] += d_g[g];
                expected[g] += d * n_g[g] / n;
            }
            if n > 1.0 {
                let f = d * (n - d) / (n - 1.0);
                for g in 0..k {
                    for h in 0..k {
                        let delta = if g == h { 1.0 } else { 0.0 };
                        var[g * k + h] += f * (n_g[g] / n) * (delta - n_g[h] / n);
                    }
                }
            }
        }
        for g in 0..k {
            n_g[g] -= leaving[g];
        }
    }
    let m = k - 1;
    let diff: Vec<f64> = (0..m).map(|g| observed[g] - expected[g]).collect();
    let sub: Vec<f64> = (0..m * m).map(|ij| var[(ij / m) * k + ij % m]).collect();
    let x = cholesky_solve(&sub, m, &diff).map_err(|e| {
        StatsError::Numerical(format!(
            "log-rank variance matrix is singular (a group never at risk at an event time?): {e}"
        ))
    })?;
    let chi2: f64 = diff.iter().zip(&x).map(|(a, b)| a * b).sum();
    Ok(LogRank {
        chi2,
        df: m,
        p_value: chi2_sf(chi2, m as f64),
        observed,
        expected,
    })
}

/// Harrell's concordance index for a risk score (higher = earlier event):
///
/// ```text
/// pair (i, j) comparable iff event_i and (T_j > T_i, or T_j == T_i with j censored)
/// concordant: risk_i > risk_j;  discordant: risk_i < risk_j;  tied_risk: risk_i == risk_j
/// C = (concordant + tied_risk/2) / (concordant + discordant + tied_risk)
/// ```
///
/// Two events at the same time are not comparable; an event and a censoring at the same time are
/// (pitfall 6; counting only `T_j > T_i` gives 0.5961 instead of 0.5879 on rossi / prio). Risks are
/// tied only when exactly equal (scikit-survival uses |difference| <= 1e-8). Matches scikit-survival
/// `concordance_index_censored`, lifelines `concordance_index(T, -risk, E)` and R
/// `survival::concordance`. O(n^2) time.
/// Errors: input checks, non-finite risk (`Invalid`); no comparable pair, e.g. no events (`Outcome`).
pub fn concordance_index(time: &[f64], event: &[bool], risk: &[f64]) -> Result<Concordance> {
    check_survival(time, event, Some(("risk scores", risk.len())))?;
    if let Some(i) = risk.iter().position(|r| !r.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "risk score at row {i} is not finite ({})",
            risk[i]
        )));
    }
    let (mut conc, mut disc, mut tied, mut tied_time) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..time.len() {
        if !event[i] {
            continue;
        }
        for j in 0..time.len() {
            let comparable = time[j] > time[i] || (time[j] == time[i] && !event[j]);
            if !comparable {
                continue;
            }
            if time[j] == time[i] {
                tied_time += 1;
            }
            if risk[i] > risk[j] {
                conc += 1;
            } else if risk[i] < risk[j] {
                disc += 1;
            } else {
                tied += 1;
            }
        }
    }
    let comparable = conc + disc + tied;
    if comparable == 0 {
        return Err(StatsError::Outcome(
            "concordance index: no comparable pairs (no events, or no subject outlives an event)"
                .into(),
        ));
    }
    Ok(Concordance {
        cindex: (conc as f64 + 0.5 * tied as f64) / comparable as f64,
        concordant: conc,
        discordant: disc,
        tied_risk: tied,
        tied_time,
        comparable,
    })
}

/// Kaplan-Meier estimate of the censoring distribution `G(t) = P(C > t)` (the "reverse" KM of
/// scikit-survival's `CensoringDistributionEstimator`): at each distinct time, events leave the risk
/// set before censorings, `G = prod (1 - c_i / (n_i - d_i))`. Returns (times, G) as a step function;
/// with no censoring, `G = 1` everywhere.
fn censoring_km(time: &[f64], event: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let rows = risk_table(time, event);
    let mut g = 1.0;
    let mut times = Vec::with_capacity(rows.len());
    let mut values = Vec::with_capacity(rows.len());
    for (t, n, d, c) in rows {
        let at_risk = n - d;
        if c > 0 && at_risk > 0 {
            g *= 1.0 - c as f64 / at_risk as f64;
        }
        times.push(t);
        values.push(g);
    }
    (times, values)
}

/// Time-dependent cumulative/dynamic AUC with inverse probability of censoring weights (Uno et al.
/// 2007; Hung & Chiang 2010), as scikit-survival `cumulative_dynamic_auc` (1-D risk):
///
/// ```text
/// cases at t:    T_i <= t and event_i, weight w_i = 1 / G(T_i)    (G: censoring KM of the training data)
/// controls at t: T_j > t
/// AUC(t)   = sum_i sum_j w_i [I(r_i > r_j) + 1/2 I(r_i == r_j)] / (sum_i w_i * #controls)
/// mean AUC = sum_k AUC(t_k) (S(t_{k-1}) - S(t_k)) / (1 - S(t_K)),  S: KM of the test data, S(t_0) = 1
/// ```
///
/// `train_*` only serve to estimate `G`; pass the test data twice for an apparent estimate. Risks are
/// tied only when exactly equal (scikit-survival uses |difference| <= 1e-8). `G` is evaluated only at
/// the event times of cases (scikit-survival requires `G > 0` at every test event time, even after the
/// last evaluation time).
/// Errors: input checks, non-finite risk, `times` empty / not strictly increasing / outside
/// `[min test time, max test time)` (`Invalid`); a case time beyond the training follow-up, or
/// `G(T_i) = 0` for a case (`Invalid`, the weight is undefined); no case or no control at some time
/// (`Outcome`, naming the time).
pub fn cumulative_dynamic_auc(
    train_time: &[f64],
    train_event: &[bool],
    test_time: &[f64],
    test_event: &[bool],
    risk: &[f64],
    times: &[f64],
) -> Result<TimeDependentAuc> {
    check_survival(train_time, train_event, None)?;
    check_survival(test_time, test_event, Some(("risk scores", risk.len())))?;
    if let Some(i) = risk.iter().position(|r| !r.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "risk score at row {i} is not finite ({})",
            risk[i]
        )));
    }
    if times.is_empty() {
        return Err(StatsError::Invalid(
            "time-dependent AUC: no evaluation times given".into(),
        ));
    }
    let t_min = test_time.iter().copied().fold(f64::INFINITY, f64::min);
    let t_max = test_time.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for (k, &t) in times.iter().enumerate() {
        if !(t >= t_min && t < t_max) {
            return Err(StatsError::Invalid(format!(
                "evaluation time {k} ({t}) must lie within the test follow-up [{t_min}, {t_max})"
            )));
        }
        if k > 0 && t <= times[k - 1] {
            return Err(StatsError::Invalid(format!(
                "evaluation times must be strictly increasing: time {k} ({t}) <= time {} ({})",
                k - 1,
                times[k - 1]
            )));
        }
    }
    let all_events = train_event.iter().all(|&e| e);
    let (g_times, g_values) = censoring_km(train_time, train_event);
    let g_last_time = g_times[g_times.len() - 1];
    let g_last = g_values[g_values.len() - 1];
    let g_at = |t: f64| -> Result<f64> {
        if all_events {
            return Ok(1.0);
        }
        if t > g_last_time {
            if g_last > 0.0 {
                return Err(StatsError::Invalid(format!(
                    "case time {t} lies beyond the last training time {g_last_time}: censoring distribution unknown"
                )));
            }
            return Ok(0.0);
        }
        let k = g_times.partition_point(|&x| x <= t);
        Ok(if k == 0 { 1.0 } else { g_values[k - 1] })
    };
    let last_eval = times[times.len() - 1];
    // Weights of the subjects that are a case at some evaluation time.
    let mut weight = vec![0.0; test_time.len()];
    for i in 0..test_time.len() {
        if test_event[i] && test_time[i] <= last_eval {
            let g = g_at(test_time[i])?;
            if g <= 0.0 {
                return Err(StatsError::Invalid(format!(
                    "censoring survival is 0 at the event time {} of test row {i}: no IPC weight",
                    test_time[i]
                )));
            }
            weight[i] = 1.0 / g;
        }
    }
    let mut auc = Vec::with_capacity(times.len());
    for &t in times {
        let mut controls: Vec<f64> = (0..test_time.len())
            .filter(|&j| test_time[j] > t)
            .map(|j| risk[j])
            .collect();
        controls.sort_by(f64::total_cmp);
        let (mut num, mut wsum) = (0.0, 0.0);
        for i in 0..test_time.len() {
            if test_event[i] && test_time[i] <= t {
                let below = controls.partition_point(|&r| r < risk[i]);
                let equal = controls.partition_point(|&r| r <= risk[i]) - below;
                num += weight[i] * (below as f64 + 0.5 * equal as f64);
                wsum += weight[i];
            }
        }
        if controls.is_empty() || wsum == 0.0 {
            return Err(StatsError::Outcome(format!(
                "time-dependent AUC at t = {t}: {} controls and {} case weight (need both > 0)",
                controls.len(),
                wsum
            )));
        }
        auc.push(num / (wsum * controls.len() as f64));
    }
    let mean_auc = if times.len() == 1 {
        auc[0]
    } else {
        let km = kaplan_meier(test_time, test_event)?;
        let mut prev = 1.0;
        let mut integral = 0.0;
        let mut s_last = 1.0;
        for (k, &t) in times.iter().enumerate() {
            let s = km.survival_at(t);
            integral += auc[k] * (prev - s);
            prev = s;
            s_last = s;
        }
        integral / (1.0 - s_last)
    };
    Ok(TimeDependentAuc {
        times: times.to_vec(),
        auc,
        mean_auc,
    })
}
