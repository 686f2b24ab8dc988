//! Correlation matrices (Pearson, Spearman with midranks) and correlation-based redundancy
//! filters that return the indices of the kept features.
//!
//! The four filters are not interchangeable: at |r| > 0.9 on WORC-Liver (1015 features) they
//! keep 282 / 222 / 264 / 196 features (greedy / upper-triangle / pairwise-mean / radMLBench).
//! The reference radiomics pipeline of this project uses [`RedundancyRule::GreedyKeepFirst`]
//! on the Pearson matrix of the training fold.

use crate::error::{Result, StatsError};
use crate::matrix::Matrix;
use crate::preprocess::{check_finite, numpy_sum};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which correlation coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CorrelationKind {
    /// Product-moment correlation of the raw values.
    Pearson,
    /// Pearson correlation of the midranks (ties get the average rank).
    Spearman,
}

/// Midranks (1-based average ranks, ties share the mean of their positions).
/// Reference: `scipy.stats.rankdata(x, method="average")`. Values must not be NaN.
pub fn midranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        // -0.0 and 0.0 are the same value: compare with ==, not total_cmp.
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) share the rank ((i+1) + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            ranks[o] = r;
        }
        i = j;
    }
    ranks
}

/// Pearson correlation matrix of the columns of `x` (p × p).
///
/// Reference: `numpy.corrcoef(x, rowvar=False)`: covariance of the centred columns divided by
/// both standard deviations, clipped to [-1, 1]. Errors on fewer than 2 rows, a non-finite value
/// or a constant column (its correlation is undefined), naming the column.
pub fn pearson_matrix(x: &Matrix) -> Result<Matrix> {
    if x.rows() < 2 {
        return Err(StatsError::Invalid(format!(
            "correlation needs at least 2 rows, got {}",
            x.rows()
        )));
    }
    check_finite(x, "correlation")?;
    let n = x.rows();
    let p = x.cols();
    // Centred columns, stored column-major for the dot products.
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(p);
    for c in 0..p {
        let col = x.col(c);
        let mean = numpy_sum(&col) / n as f64;
        cols.push(col.iter().map(|v| v - mean).collect());
    }
    if let Some(c) = constant_columns(x).first() {
        return Err(StatsError::Invalid(format!(
            "correlation: column {c} is constant, its correlation is undefined (drop it first, e.g. with the variance filter)"
        )));
    }
    let fact = (n - 1) as f64;
    let sd: Vec<f64> = cols
        .iter()
        .map(|c| (c.iter().map(|v| v * v).sum::<f64>() / fact).sqrt())
        .collect();
    if let Some(c) = sd.iter().position(|&s| s == 0.0) {
        return Err(StatsError::Invalid(format!(
            "correlation: column {c} is constant, its correlation is undefined (drop it first, e.g. with the variance filter)"
        )));
    }
    let rows: Vec<Vec<f64>> = (0..p)
        .into_par_iter()
        .map(|i| {
            (0..p)
                .map(|j| {
                    let dot: f64 = cols[i].iter().zip(&cols[j]).map(|(a, b)| a * b).sum();
                    (dot / fact / sd[i] / sd[j]).clamp(-1.0, 1.0)
                })
                .collect()
        })
        .collect();
    Matrix::from_rows(&rows)
}

/// Columns whose values are all identical. Tested on the values themselves, not on a computed
/// standard deviation, which can be a rounding residue (numpy gives 1.1e-16 for some constant
/// training columns of Ramella2018).
pub fn constant_columns(x: &Matrix) -> Vec<usize> {
    if x.rows() == 0 {
        return Vec::new();
    }
    (0..x.cols())
        .filter(|&c| {
            let first = x.get(0, c);
            (0..x.rows()).all(|r| x.get(r, c) == first)
        })
        .collect()
}

/// Spearman correlation matrix: Pearson on the midranks of each column.
/// Reference: `scipy.stats.spearmanr(x).statistic` (2-D input, columns = variables).
pub fn spearman_matrix(x: &Matrix) -> Result<Matrix> {
    check_finite(x, "Spearman correlation")?;
    let mut ranked = Matrix::zeros(x.rows(), x.cols());
    for c in 0..x.cols() {
        for (r, v) in midranks(&x.col(c)).into_iter().enumerate() {
            ranked.set(r, c, v);
        }
    }
    pearson_matrix(&ranked)
}

/// The correlation matrix of the chosen kind.
pub fn correlation_matrix(x: &Matrix, kind: CorrelationKind) -> Result<Matrix> {
    match kind {
        CorrelationKind::Pearson => pearson_matrix(x),
        CorrelationKind::Spearman => spearman_matrix(x),
    }
}

/// How redundant features are removed from a correlation matrix at threshold `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedundancyRule {
    /// Columns in order; keep `j` iff `|r(j,k)| <= t` for every already-kept `k`.
    GreedyKeepFirst,
    /// Drop `j` iff `|r(i,j)| > t` for any `i < j`, even a dropped `i` (the pandas
    /// upper-triangle idiom).
    UpperTriAny,
    /// Repeatedly take the remaining pair with the largest `|r| > t` (ties: smallest `(i, j)`),
    /// drop the member whose mean `|r|` to the other remaining features (itself excluded) is
    /// larger (tie: the later column); stop when no pair exceeds `t`.
    PairwiseDropHigherMean,
    /// radMLBench `decorrelate_features`: flag pairs with `|r| >= t`; for each flagged pair drop
    /// the member with the smaller mean `|r|` over all features (diagonal included), all drops at
    /// once; a pair with equal means drops neither.
    RadMlBenchDecorrelate,
}

fn check_square(c: &Matrix) -> Result<()> {
    if c.rows() != c.cols() {
        return Err(StatsError::Invalid(format!(
            "correlation matrix must be square, got {} × {}",
            c.rows(),
            c.cols()
        )));
    }
    Ok(())
}

/// Indices (increasing) of the features kept by `rule` at threshold `t` on correlation matrix
/// `c`. Reference: the algorithms of `correlation_filter.json` (`gen_reference.py`:
/// `greedy_keep_first`, `upper_tri_any`, `pairwise_drop_higher_mean`, `radmlbench_decorrelate`,
/// the last the logic of radMLBench `examples/decorrelation/decorrelation.py`).
/// A NaN correlation never counts as "at most t" (greedy drops the column), as in numpy.
pub fn redundancy_filter(c: &Matrix, t: f64, rule: RedundancyRule) -> Result<Vec<usize>> {
    check_square(c)?;
    if !t.is_finite() {
        return Err(StatsError::Invalid(format!(
            "correlation threshold must be finite, got {t}"
        )));
    }
    let p = c.cols();
    let a = |i: usize, j: usize| c.get(i, j).abs();
    Ok(match rule {
        RedundancyRule::GreedyKeepFirst => {
            let mut kept: Vec<usize> = Vec::new();
            for j in 0..p {
                if kept.iter().all(|&k| a(j, k) <= t) {
                    kept.push(j);
                }
            }
            kept
        }
        RedundancyRule::UpperTriAny => (0..p).filter(|&j| !(0..j).any(|i| a(i, j) > t)).collect(),
        RedundancyRule::PairwiseDropHigherMean => {
            let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
            for i in 0..p {
                for j in i + 1..p {
                    if a(i, j) > t {
                        pairs.push((a(i, j), i, j));
                    }
                }
            }
            // Largest |r| first; equal |r| in row-major (i, j) order.
            pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            let mut alive = vec![true; p];
            let mut n_alive = p;
            let mut buf = Vec::with_capacity(p);
            let mut mean_to_alive = |f: usize, alive: &[bool], n_alive: usize| {
                buf.clear();
                buf.extend((0..p).filter(|&q| alive[q]).map(|q| a(f, q)));
                (numpy_sum(&buf) - a(f, f)) / (n_alive - 1) as f64
            };
            // The first pair whose members are both alive is the largest remaining pair.
            for &(_, i, j) in &pairs {
                if !(alive[i] && alive[j]) {
                    continue;
                }
                let mi = mean_to_alive(i, &alive, n_alive);
                let mj = mean_to_alive(j, &alive, n_alive);
                alive[if mi > mj { i } else { j }] = false;
                n_alive -= 1;
            }
            (0..p).filter(|&q| alive[q]).collect()
        }
        RedundancyRule::RadMlBenchDecorrelate => {
            let avg: Vec<f64> = (0..p)
                .map(|i| numpy_sum(&(0..p).map(|j| a(i, j)).collect::<Vec<_>>()) / p as f64)
                .collect();
            let mut drop = vec![false; p];
            for i in 0..p {
                for j in 0..p {
                    if i != j && a(i, j) >= t && avg[i] > avg[j] {
                        drop[j] = true;
                    }
                }
            }
            (0..p).filter(|&q| !drop[q]).collect()
        }
    })
}

/// Options of a [`CorrelationFilter`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CorrelationFilterOptions {
    pub kind: CorrelationKind,
    pub rule: RedundancyRule,
    pub threshold: f64,
}

/// A correlation redundancy filter fitted on training rows (the kept columns are chosen from the
/// training correlation matrix and applied unchanged to any rows).
///
/// Columns constant on the training rows have no correlation; they are dropped and listed in
/// `constant_columns`, and the rule runs on the other columns. This is what the reference
/// pipeline's numpy code does in effect (a NaN correlation fails `|r| <= t`, so greedy drops the
/// column) whenever the constant column is not the first column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationFilter {
    pub options: CorrelationFilterOptions,
    /// Kept column indices, increasing.
    pub kept: Vec<usize>,
    /// Columns dropped because they were constant on the training rows.
    pub constant_columns: Vec<usize>,
    /// Number of columns seen at fit time.
    pub n_columns: usize,
}

impl CorrelationFilter {
    /// Chooses the kept columns on the rows of `x`; see [`redundancy_filter`].
    pub fn fit(x: &Matrix, options: CorrelationFilterOptions) -> Result<Self> {
        if x.rows() < 2 {
            return Err(StatsError::Invalid(format!(
                "correlation filter needs at least 2 rows, got {}",
                x.rows()
            )));
        }
        let constant = constant_columns(x);
        let varying: Vec<usize> = (0..x.cols()).filter(|c| !constant.contains(c)).collect();
        let c = correlation_matrix(&x.select_cols(&varying), options.kind)?;
        let kept = redundancy_filter(&c, options.threshold, options.rule)?
            .into_iter()
            .map(|k| varying[k])
            .collect();
        Ok(Self {
            options,
            kept,
            constant_columns: constant,
            n_columns: x.cols(),
        })
    }

    /// The kept columns of `x`.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix> {
        if x.cols() != self.n_columns {
            return Err(StatsError::Invalid(format!(
                "correlation filter was fitted on {} columns, got {}",
                self.n_columns,
                x.cols()
            )));
        }
        Ok(x.select_cols(&self.kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_average_ties() {
        assert_eq!(midranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }
}
