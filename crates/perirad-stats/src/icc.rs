//! Intraclass correlation, the six Shrout & Fleiss (1979) forms with their F tests and
//! confidence intervals, as R `psych::ICC` computes them (pingouin `intraclass_corr` gives the
//! same values but rounds its intervals to 2 decimals).
//!
//! Naming (McGraw & Wong 1996 in brackets): ICC1 = ICC(1,1) one-way random; ICC2 = ICC(2,1)
//! = ICC(A,1) two-way random, absolute agreement; ICC3 = ICC(3,1) = ICC(C,1) two-way mixed,
//! consistency; ICC1k/2k/3k = the same for the mean of the k raters. Radiomics robustness
//! studies usually report ICC2 or ICC3 and keep features with ICC > 0.75 or > 0.9.
//!
//! From the two-way ANOVA of the n targets × k raters table:
//! ```text
//! MSR = k·Σ(row mean - grand)²/(n-1)     MSC = n·Σ(col mean - grand)²/(k-1)
//! MSE = (SST - SSR - SSC)/((n-1)(k-1))   MSW = (SSC + SSE)/(n(k-1))
//! ICC1 = (MSR-MSW)/(MSR+(k-1)MSW)        ICC1k = (MSR-MSW)/MSR
//! ICC2 = (MSR-MSE)/(MSR+(k-1)MSE+k(MSC-MSE)/n)   ICC2k = (MSR-MSE)/(MSR+(MSC-MSE)/n)
//! ICC3 = (MSR-MSE)/(MSR+(k-1)MSE)        ICC3k = (MSR-MSE)/MSR
//! ```
//! F = MSR/MSW on (n-1, n(k-1)) df for ICC1/1k, MSR/MSE on (n-1, (n-1)(k-1)) for the others.
//! Intervals: Shrout & Fleiss' F-based limits; ICC2/2k use the Satterthwaite-type df `v`.

use crate::error::{Result, StatsError};
use crate::matrix::Matrix;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};
use statrs::function::beta::beta_reg;

/// One ICC form with its F test and confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IccForm {
    pub icc: f64,
    pub f: f64,
    pub df1: f64,
    pub df2: f64,
    pub p_value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// All six forms, the ANOVA mean squares and the df `v` of the ICC2 interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IccTable {
    pub icc1: IccForm,
    pub icc2: IccForm,
    pub icc3: IccForm,
    pub icc1k: IccForm,
    pub icc2k: IccForm,
    pub icc3k: IccForm,
    /// Between-targets mean square.
    pub msr: f64,
    /// Between-raters mean square.
    pub msc: f64,
    /// Residual mean square.
    pub mse: f64,
    /// Within-targets mean square.
    pub msw: f64,
    /// Satterthwaite-type df of the ICC2 interval.
    pub v: f64,
    /// Confidence level of the intervals (e.g. 0.95).
    pub level: f64,
}

/// Which ICC form a filter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IccKind {
    Icc1,
    Icc2,
    Icc3,
    Icc1k,
    Icc2k,
    Icc3k,
}

impl IccTable {
    /// The row of the table for one ICC form.
    pub fn form(&self, kind: IccKind) -> IccForm {
        match kind {
            IccKind::Icc1 => self.icc1,
            IccKind::Icc2 => self.icc2,
            IccKind::Icc3 => self.icc3,
            IccKind::Icc1k => self.icc1k,
            IccKind::Icc2k => self.icc2k,
            IccKind::Icc3k => self.icc3k,
        }
    }
}

/// Upper-tail probability of F(d1, d2) at `x`, computed as I_{d2/(d1x+d2)}(d2/2, d1/2) so that
/// tiny p-values keep their relative precision.
fn f_sf(x: f64, d1: f64, d2: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d1 * x + d2))
}

/// Quantile of F(d1, d2) at probability `q`.
fn f_quantile(q: f64, d1: f64, d2: f64) -> Result<f64> {
    let d = FisherSnedecor::new(d1, d2).map_err(|e| {
        StatsError::Numerical(format!(
            "ICC interval: F({d1}, {d2}) is not a distribution: {e}"
        ))
    })?;
    Ok(d.inverse_cdf(q))
}

/// All six ICC forms for an n targets × k raters table (no missing values).
///
/// Reference: R `psych::ICC` 2.2.9 (`alpha = 1 - level`), equal to pingouin 0.7
/// `intraclass_corr` ICC values; Shrout & Fleiss (1979) Table 2 gives 0.17/0.29/0.71/0.44/0.62/0.91.
/// Errors on fewer than 2 targets or raters, a non-finite rating, or a table with no variance
/// between targets and no residual (every ICC would be 0/0).
pub fn icc(ratings: &Matrix, level: f64) -> Result<IccTable> {
    let n = ratings.rows();
    let k = ratings.cols();
    if n < 2 || k < 2 {
        return Err(StatsError::Invalid(format!(
            "ICC needs at least 2 targets and 2 raters, got {n} × {k}"
        )));
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(StatsError::Invalid(format!(
            "ICC confidence level must be in (0, 1), got {level}"
        )));
    }
    crate::preprocess::check_finite(ratings, "ICC ratings (rows = targets, columns = raters)")?;
    let (nf, kf) = (n as f64, k as f64);
    let all = ratings.as_slice();
    let gm = all.iter().sum::<f64>() / (nf * kf);
    let row_means: Vec<f64> = (0..n)
        .map(|r| ratings.row(r).iter().sum::<f64>() / kf)
        .collect();
    let col_means: Vec<f64> = (0..k)
        .map(|c| ratings.col(c).iter().sum::<f64>() / nf)
        .collect();
    let ssr = kf * row_means.iter().map(|m| (m - gm).powi(2)).sum::<f64>();
    let ssc = nf * col_means.iter().map(|m| (m - gm).powi(2)).sum::<f64>();
    let sst: f64 = all.iter().map(|v| (v - gm).powi(2)).sum();
    let sse = sst - ssr - ssc;
    let msr = ssr / (nf - 1.0);
    let msc = ssc / (kf - 1.0);
    let mse = sse / ((nf - 1.0) * (kf - 1.0));
    let msw = (ssc + sse) / (nf * (kf - 1.0));
    if msr == 0.0 || sst == 0.0 {
        return Err(StatsError::Invalid(
            "ICC: no variance between targets (every target has the same mean rating); the ICC is undefined".into(),
        ));
    }
    let icc1 = (msr - msw) / (msr + (kf - 1.0) * msw);
    let icc2 = (msr - mse) / (msr + (kf - 1.0) * mse + kf * (msc - mse) / nf);
    let icc3 = (msr - mse) / (msr + (kf - 1.0) * mse);
    let icc1k = (msr - msw) / msr;
    let icc2k = (msr - mse) / (msr + (msc - mse) / nf);
    let icc3k = (msr - mse) / msr;

    let q = 1.0 - (1.0 - level) / 2.0;
    let df1 = nf - 1.0;
    let df1kd = nf * (kf - 1.0);
    let df2kd = (nf - 1.0) * (kf - 1.0);
    let f1 = msr / msw;
    let f3 = msr / mse;
    let p1 = f_sf(f1, df1, df1kd);
    let p3 = f_sf(f3, df1, df2kd);
    let f1l = f1 / f_quantile(q, df1, df1kd)?;
    let f1u = f1 * f_quantile(q, df1kd, df1)?;
    let f3l = f3 / f_quantile(q, df1, df2kd)?;
    let f3u = f3 * f_quantile(q, df2kd, df1)?;
    let lim = |f: f64| (f - 1.0) / (f + kf - 1.0);
    let fj = msc / mse;
    let a = kf * icc2 * fj + nf * (1.0 + (kf - 1.0) * icc2) - kf * icc2;
    let b = nf * (1.0 + (kf - 1.0) * icc2) - kf * icc2;
    let v = df2kd * a * a / (df1 * kf * kf * icc2 * icc2 * fj * fj + b * b);
    let f2u = f_quantile(q, nf - 1.0, v)?;
    let f2l = f_quantile(q, v, nf - 1.0)?;
    let den = kf * msc + (kf * nf - kf - nf) * mse;
    let l2 = nf * (msr - f2u * mse) / (f2u * den + nf * msr);
    let u2 = nf * (f2l * msr - mse) / (den + nf * f2l * msr);
    let avg = |x: f64| x * kf / (1.0 + x * (kf - 1.0));
    let form = |icc, f, d2, p, lo, hi| IccForm {
        icc,
        f,
        df1,
        df2: d2,
        p_value: p,
        ci_lower: lo,
        ci_upper: hi,
    };
    Ok(IccTable {
        icc1: form(icc1, f1, df1kd, p1, lim(f1l), lim(f1u)),
        icc2: form(icc2, f3, df2kd, p3, l2, u2),
        icc3: form(icc3, f3, df2kd, p3, lim(f3l), lim(f3u)),
        icc1k: form(icc1k, f1, df1kd, p1, 1.0 - 1.0 / f1l, 1.0 - 1.0 / f1u),
        icc2k: form(icc2k, f3, df2kd, p3, avg(l2), avg(u2)),
        icc3k: form(icc3k, f3, df2kd, p3, 1.0 - 1.0 / f3l, 1.0 - 1.0 / f3u),
        msr,
        msc,
        mse,
        msw,
        v,
        level,
    })
}

/// Per-feature ICC of repeated measurements and the features with ICC > `threshold`.
///
/// `raters[r]` is rater (or test/retest session, or segmentation) `r`'s targets × features
/// matrix, all with the same shape and row order. Returns (ICC of every feature, kept indices).
/// A feature whose ICC is undefined is reported in the error by index.
pub fn icc_filter(
    raters: &[Matrix],
    kind: IccKind,
    threshold: f64,
) -> Result<(Vec<f64>, Vec<usize>)> {
    let first = raters.first().ok_or_else(|| {
        StatsError::Invalid("ICC filter needs the matrices of at least 2 raters, got none".into())
    })?;
    if let Some((r, m)) = raters
        .iter()
        .enumerate()
        .find(|(_, m)| m.rows() != first.rows() || m.cols() != first.cols())
    {
        return Err(StatsError::Invalid(format!(
            "ICC filter: rater {r} is {} × {}, rater 0 is {} × {}",
            m.rows(),
            m.cols(),
            first.rows(),
            first.cols()
        )));
    }
    let mut values = Vec::with_capacity(first.cols());
    let mut kept = Vec::new();
    for j in 0..first.cols() {
        let rows: Vec<Vec<f64>> = (0..first.rows())
            .map(|i| raters.iter().map(|m| m.get(i, j)).collect())
            .collect();
        let t = icc(&Matrix::from_rows(&rows)?, 0.95)
            .map_err(|e| StatsError::Invalid(format!("ICC filter, feature {j}: {e}")))?;
        let v = t.form(kind).icc;
        if v > threshold {
            kept.push(j);
        }
        values.push(v);
    }
    Ok((values, kept))
}
