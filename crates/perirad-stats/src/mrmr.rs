//! Minimum-redundancy maximum-relevance (mRMR) feature ranking (Peng, Long & Ding 2005;
//! Ding & Peng 2005), selecting K features in order.
//!
//! * [`mrmr_fcq`]: continuous features, relevance = ANOVA F statistic against the class,
//!   redundancy = mean |Pearson r| to the already selected features, score = F / redundancy
//!   (the "FCQ" scheme of mrmr-selection's `mrmr_classif`, the default used in radiomics papers).
//! * [`mrmr_mi`]: discrete features, relevance and redundancy as mutual information, score
//!   MID = I(f;c) - mean I(f;s) or MIQ = I(f;c) / (mean I(f;s) + ε) (Peng's original program).

use crate::error::{Result, StatsError};
use crate::matrix::Matrix;
use crate::preprocess::{check_finite, mean_ss_corr, numpy_sum};
use serde::{Deserialize, Serialize};

/// The ranking: selected feature indices in selection order and the score each had when picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrmrSelection {
    pub selected: Vec<usize>,
    pub scores: Vec<f64>,
    /// Relevance of every feature (F statistic or I(f; class)).
    pub relevance: Vec<f64>,
}

/// Floor of mrmr-selection: |r| is clipped below at 0.001 (and an undefined r counts as 0.001).
const FLOOR: f64 = 0.001;

fn check_outcome(y: &[bool], rows: usize) -> Result<()> {
    if y.len() != rows {
        return Err(StatsError::Invalid(format!(
            "mRMR: {} outcomes for {rows} rows",
            y.len()
        )));
    }
    let pos = y.iter().filter(|&&v| v).count();
    if pos == 0 || pos == y.len() {
        return Err(StatsError::Outcome(format!(
            "mRMR needs both classes, got {pos} positive of {}",
            y.len()
        )));
    }
    Ok(())
}

/// One-way ANOVA F statistic of each column against the binary class.
/// Reference: `sklearn.feature_selection.f_classif`. A column constant within both classes
/// (zero within-group variance) gets F = 0 as mrmr-selection's `fillna(0)` of sklearn's NaN / inf
/// gives for a fully constant column.
pub fn f_classif(x: &Matrix, y: &[bool]) -> Result<Vec<f64>> {
    check_outcome(y, x.rows())?;
    check_finite(x, "F statistic")?;
    let n = x.rows() as f64;
    let groups = [false, true];
    Ok((0..x.cols())
        .map(|c| {
            let col = x.col(c);
            let grand = col.iter().sum::<f64>() / n;
            let mut between = 0.0;
            let mut within = 0.0;
            for g in groups {
                let v: Vec<f64> = col
                    .iter()
                    .zip(y)
                    .filter(|(_, &yy)| yy == g)
                    .map(|(&a, _)| a)
                    .collect();
                let m = v.iter().sum::<f64>() / v.len() as f64;
                between += v.len() as f64 * (m - grand) * (m - grand);
                within += v.iter().map(|a| (a - m) * (a - m)).sum::<f64>();
            }
            let f = (between / 1.0) / (within / (n - 2.0));
            if f.is_nan() {
                0.0
            } else {
                f
            }
        })
        .collect())
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// mRMR with F-statistic relevance and mean-|r| redundancy ("FCQ"), K features in order.
///
/// Reference: mrmr-selection 0.2.8 `mrmr_classif(X, y, K, relevance="f", redundancy="c",
/// denominator="mean")`: only features with F > 0 are candidates; the first pick is the largest
/// F; then score = F / mean over selected s of max(|r(f, s)|, 0.001), where a mean of exactly
/// 1 counts as infinite redundancy (score 0); ties go to the earliest column. Returns fewer
/// than K features when fewer have F > 0.
pub fn mrmr_fcq(x: &Matrix, y: &[bool], k: usize) -> Result<MrmrSelection> {
    let relevance = f_classif(x, y)?;
    let cols: Vec<Vec<f64>> = (0..x.cols()).map(|c| x.col(c)).collect();
    let candidates: Vec<usize> = (0..x.cols()).filter(|&c| relevance[c] > 0.0).collect();
    let k = k.min(candidates.len());
    let mut red_sum = vec![0.0; x.cols()];
    let mut selected: Vec<usize> = Vec::with_capacity(k);
    let mut scores = Vec::with_capacity(k);
    let mut remaining = candidates;
    while selected.len() < k {
        if let Some(&last) = selected.last() {
            for &f in &remaining {
                let r = pearson(&cols[f], &cols[last]).abs();
                red_sum[f] += if r.is_nan() { FLOOR } else { r.max(FLOOR) };
            }
        }
        let mut best = (f64::NEG_INFINITY, 0);
        for (pos, &f) in remaining.iter().enumerate() {
            let s = if selected.is_empty() {
                relevance[f]
            } else {
                let den = red_sum[f] / selected.len() as f64;
                if den == 1.0 {
                    0.0
                } else {
                    relevance[f] / den
                }
            };
            if s > best.0 {
                best = (s, pos);
            }
        }
        let f = remaining.remove(best.1);
        selected.push(f);
        scores.push(best.0);
    }
    Ok(MrmrSelection {
        selected,
        scores,
        relevance,
    })
}

/// The MI-based mRMR criterion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum MiScheme {
    /// Mutual information difference: I(f;c) - mean I(f;s).
    Mid,
    /// Mutual information quotient: I(f;c) / (mean I(f;s) + eps); Peng's program uses 1e-4.
    Miq { eps: f64 },
}

/// Category codes of a column (values compared exactly), 0-based in sorted order.
fn codes(v: &[f64]) -> (Vec<usize>, usize) {
    let mut levels = v.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let c = v
        .iter()
        .map(|x| levels.binary_search_by(|l| l.total_cmp(x)).unwrap_or(0))
        .collect();
    (c, levels.len())
}

/// Plug-in mutual information (natural log) of two discrete variables given as codes.
fn mutual_information(a: &(Vec<usize>, usize), b: &(Vec<usize>, usize)) -> f64 {
    let n = a.0.len() as f64;
    let mut joint = vec![0.0; a.1 * b.1];
    for (&i, &j) in a.0.iter().zip(&b.0) {
        joint[i * b.1 + j] += 1.0;
    }
    joint.iter_mut().for_each(|v| *v /= n);
    let pa: Vec<f64> = (0..a.1)
        .map(|i| joint[i * b.1..(i + 1) * b.1].iter().sum())
        .collect();
    let pb: Vec<f64> = (0..b.1)
        .map(|j| (0..a.1).map(|i| joint[i * b.1 + j]).sum())
        .collect();
    // Terms in row-major order, summed as numpy does (near-ties between candidates then break
    // the same way as in the reference).
    let mut terms = Vec::with_capacity(joint.len());
    for i in 0..a.1 {
        for j in 0..b.1 {
            let p = joint[i * b.1 + j];
            if p > 0.0 {
                terms.push(p * (p / (pa[i] * pb[j])).ln());
            }
        }
    }
    numpy_sum(&terms)
}

/// mRMR on discrete features (each column's distinct values are its categories), K in order.
///
/// Reference: pymrmr 0.1.11 (Peng's C++ mRMR) `mRMR(df, "MID"|"MIQ", K)`, equal on the vector to
/// the plain description: first pick = largest I(f; class); then the candidate with the largest
/// MID or MIQ score using the mean MI to all selected features; ties go to the earliest column.
pub fn mrmr_mi(d: &Matrix, y: &[bool], k: usize, scheme: MiScheme) -> Result<MrmrSelection> {
    check_outcome(y, d.rows())?;
    check_finite(d, "mRMR discrete data")?;
    if k == 0 || k > d.cols() {
        return Err(StatsError::Invalid(format!(
            "mRMR: K must be in 1..={}, got {k}",
            d.cols()
        )));
    }
    let cls = codes(
        &y.iter()
            .map(|&v| f64::from(u8::from(v)))
            .collect::<Vec<_>>(),
    );
    let cols: Vec<(Vec<usize>, usize)> = (0..d.cols()).map(|c| codes(&d.col(c))).collect();
    let relevance: Vec<f64> = cols.iter().map(|c| mutual_information(c, &cls)).collect();
    let mut first = 0;
    for (j, r) in relevance.iter().enumerate() {
        if *r > relevance[first] {
            first = j;
        }
    }
    let mut selected = vec![first];
    let mut scores = vec![relevance[first]];
    let mut is_sel = vec![false; d.cols()];
    is_sel[first] = true;
    let mut red_sum = vec![0.0; d.cols()];
    while selected.len() < k {
        let last = cols[*selected.last().unwrap_or(&first)].clone();
        for (j, c) in cols.iter().enumerate() {
            red_sum[j] += mutual_information(c, &last);
        }
        let mut best = (f64::NEG_INFINITY, usize::MAX);
        for j in 0..d.cols() {
            if is_sel[j] {
                continue;
            }
            let red = red_sum[j] / selected.len() as f64;
            let s = match scheme {
                MiScheme::Mid => relevance[j] - red,
                MiScheme::Miq { eps } => relevance[j] / (red + eps),
            };
            if s > best.0 {
                best = (s, j);
            }
        }
        if best.1 == usize::MAX {
            break;
        }
        is_sel[best.1] = true;
        selected.push(best.1);
        scores.push(best.0);
    }
    Ok(MrmrSelection {
        selected,
        scores,
        relevance,
    })
}

/// Three-level discretisation used with MI-based mRMR: z = (x - mean)/sd (ddof 0, over the rows
/// of `x`); level 0 if z < -t, 2 if z > t, else 1 (Peng's mRMR papers use t = 0.5 or 1).
/// Reference: the discretisation of `mrmr.json` (numpy). A constant column is an error.
pub fn discretize_three_levels(x: &Matrix, t: f64) -> Result<Matrix> {
    check_finite(x, "mRMR discretisation")?;
    let n = x.rows() as f64;
    let mut out = Matrix::zeros(x.rows(), x.cols());
    for c in 0..x.cols() {
        let col = x.col(c);
        let (m, ss, _) = mean_ss_corr(&col);
        let sd = (ss / n).sqrt();
        if sd == 0.0 {
            return Err(StatsError::Invalid(format!(
                "mRMR discretisation: column {c} is constant"
            )));
        }
        for (r, v) in col.iter().enumerate() {
            let z = (v - m) / sd;
            out.set(
                r,
                c,
                if z < -t {
                    0.0
                } else if z > t {
                    2.0
                } else {
                    1.0
                },
            );
        }
    }
    Ok(out)
}
