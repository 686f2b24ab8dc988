//! Column-wise preprocessing fitted on training rows and applied to any rows: z-score
//! standardisation ([`ZScore`]) and the low-variance filter ([`VarianceFilter`]).
//!
//! Both are fitted objects so that a cross-validation fold can learn them on its training rows
//! only and apply them unchanged to its test rows (no leakage), and so that a final model can
//! store them in its JSON file.

use crate::error::{Result, StatsError};
use crate::matrix::Matrix;
use serde::{Deserialize, Serialize};

/// Checks that every value of `x` is finite; the error names the row and the column.
pub(crate) fn check_finite(x: &Matrix, what: &str) -> Result<()> {
    for r in 0..x.rows() {
        for (c, v) in x.row(r).iter().enumerate() {
            if !v.is_finite() {
                return Err(StatsError::Invalid(format!(
                    "{what}: value at row {r}, column {c} is {v} (impute or drop it first)"
                )));
            }
        }
    }
    Ok(())
}

/// Sum in numpy's order (pairwise summation, `numpy/_core/src/umath/loops_utils.h.src`): below 8
/// values a plain loop; up to 128 values eight interleaved partial sums combined as
/// `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` plus the tail; above that the two halves (the first a
/// multiple of 8 long) recursively. numpy uses it when reducing along a contiguous axis, as for
/// the column sums of a pandas-loaded (Fortran-ordered) table; matching it bit for bit keeps
/// `var > t` decisions identical to scikit-learn when a variance sits on the threshold.
pub(crate) fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[full..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// Mean and centred sum of squares of one column as numpy computes them (`x.mean()`,
/// `((x - mean)**2).sum()`, pairwise sums), and the sum of the centred values (the rounding
/// correction scikit-learn's `_incremental_mean_and_var` subtracts as `corr²/n`).
pub(crate) fn mean_ss_corr(col: &[f64]) -> (f64, f64, f64) {
    let n = col.len() as f64;
    let mean = numpy_sum(col) / n;
    let d: Vec<f64> = col.iter().map(|v| v - mean).collect();
    let sq: Vec<f64> = d.iter().map(|v| v * v).collect();
    (mean, numpy_sum(&sq), numpy_sum(&d))
}

/// Z-score standardisation `z = (x - mean) / sd`, fitted on training rows.
///
/// Matches scikit-learn `StandardScaler` (ddof 0) and `(x - x.mean(0)) / x.std(0, ddof=1)`
/// (ddof 1). A constant training column gets scale 1 (as scikit-learn does, using its test
/// `var <= n·eps·var + (n·mean·eps)²`), so it is centred to zero rather than divided by zero;
/// such columns are listed in `constant_columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZScore {
    /// Training mean per column.
    pub mean: Vec<f64>,
    /// Training standard deviation per column (1 for constant columns).
    pub scale: Vec<f64>,
    /// Delta degrees of freedom of the standard deviation (0 = population, 1 = sample).
    pub ddof: usize,
    /// Columns that were constant on the training rows.
    pub constant_columns: Vec<usize>,
}

impl ZScore {
    /// Fits means and standard deviations on the rows of `x`.
    /// Reference: sklearn `StandardScaler().fit` (ddof 0) / numpy `std(ddof=1)`.
    pub fn fit(x: &Matrix, ddof: usize) -> Result<Self> {
        if ddof > 1 {
            return Err(StatsError::Invalid(format!(
                "z-score ddof must be 0 or 1, got {ddof}"
            )));
        }
        if x.rows() <= ddof {
            return Err(StatsError::Invalid(format!(
                "z-score needs more than {ddof} training rows, got {}",
                x.rows()
            )));
        }
        check_finite(x, "z-score fit")?;
        let n = x.rows() as f64;
        let mut mean = Vec::with_capacity(x.cols());
        let mut scale = Vec::with_capacity(x.cols());
        let mut constant_columns = Vec::new();
        for c in 0..x.cols() {
            let (m, ss_np, corr) = mean_ss_corr(&x.col(c));
            // ddof 0 follows scikit-learn (corrected sum of squares), ddof 1 numpy `std(ddof=1)`.
            let ss = if ddof == 0 {
                ss_np - corr * corr / n
            } else {
                ss_np
            };
            // Constant test on the population variance, as scikit-learn's `_is_constant_feature`.
            let var0 = ss / n;
            let eps = f64::EPSILON;
            let bound = n * eps * var0 + (n * m * eps).powi(2);
            mean.push(m);
            if var0 <= bound {
                constant_columns.push(c);
                scale.push(1.0);
            } else {
                scale.push((ss / (n - ddof as f64)).sqrt());
            }
        }
        Ok(Self {
            mean,
            scale,
            ddof,
            constant_columns,
        })
    }

    /// Applies the fitted centring and scaling to any rows with the same columns.
    /// Reference: sklearn `StandardScaler.transform`.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix> {
        if x.cols() != self.mean.len() {
            return Err(StatsError::Invalid(format!(
                "z-score was fitted on {} columns, got {}",
                self.mean.len(),
                x.cols()
            )));
        }
        check_finite(x, "z-score transform")?;
        let mut out = x.clone();
        for r in 0..x.rows() {
            for c in 0..x.cols() {
                out.set(r, c, (x.get(r, c) - self.mean[c]) / self.scale[c]);
            }
        }
        Ok(out)
    }
}

/// Options of the variance filter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VarianceFilterOptions {
    /// Keep a column when its variance is strictly greater than this.
    pub threshold: f64,
    /// 0 = population variance (scikit-learn), 1 = sample variance.
    pub ddof: usize,
    /// Min-max scale each column to [0, 1] over the training rows before taking the variance.
    pub min_max: bool,
}

/// Low-variance filter: keeps the columns whose training variance is `> threshold`.
///
/// With ddof 0 and no scaling this is scikit-learn `VarianceThreshold`, including its rule for
/// threshold 0: the variance is replaced by the range (peak-to-peak) when that is smaller, so a
/// constant column whose computed variance is a rounding residue is still dropped. A column that
/// is constant under min-max scaling has range 0 and is given variance 0 (dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarianceFilter {
    pub options: VarianceFilterOptions,
    /// Variance of every training column (after min-max scaling when asked).
    pub variances: Vec<f64>,
    /// Indices of the kept columns, increasing.
    pub kept: Vec<usize>,
    /// Number of columns seen at fit time.
    pub n_columns: usize,
}

impl VarianceFilter {
    /// Computes the variances on the rows of `x` and the kept set.
    /// Reference: sklearn `VarianceThreshold(threshold).fit` (ddof 0); numpy `var(ddof=1)`.
    pub fn fit(x: &Matrix, options: VarianceFilterOptions) -> Result<Self> {
        if options.ddof > 1 {
            return Err(StatsError::Invalid(format!(
                "variance filter ddof must be 0 or 1, got {}",
                options.ddof
            )));
        }
        if !options.threshold.is_finite() || options.threshold < 0.0 {
            return Err(StatsError::Invalid(format!(
                "variance filter threshold must be finite and >= 0, got {}",
                options.threshold
            )));
        }
        if x.rows() <= options.ddof {
            return Err(StatsError::Invalid(format!(
                "variance filter needs more than {} rows, got {}",
                options.ddof,
                x.rows()
            )));
        }
        check_finite(x, "variance filter")?;
        let n = x.rows() as f64;
        let mut variances = Vec::with_capacity(x.cols());
        let mut kept = Vec::new();
        for c in 0..x.cols() {
            let mut col = x.col(c);
            let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut range = hi - lo;
            let var = if options.min_max && range == 0.0 {
                0.0
            } else {
                if options.min_max {
                    col.iter_mut().for_each(|v| *v = (*v - lo) / range);
                    range = 1.0;
                }
                let (_, ss, _) = mean_ss_corr(&col);
                ss / (n - options.ddof as f64)
            };
            let var = if options.threshold == 0.0 {
                var.min(range)
            } else {
                var
            };
            if var > options.threshold {
                kept.push(c);
            }
            variances.push(var);
        }
        Ok(Self {
            options,
            variances,
            kept,
            n_columns: x.cols(),
        })
    }

    /// The kept columns of `x`.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix> {
        if x.cols() != self.n_columns {
            return Err(StatsError::Invalid(format!(
                "variance filter was fitted on {} columns, got {}",
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
    fn constant_column_gets_scale_one_and_nan_is_named() {
        let x = Matrix::from_rows(&[vec![1.0, 5.0], vec![2.0, 5.0], vec![3.0, 5.0]]).expect("3x2");
        let z = ZScore::fit(&x, 0).expect("fit");
        assert_eq!(z.constant_columns, vec![1]);
        assert_eq!(z.scale[1], 1.0);
        let t = z.transform(&x).expect("transform");
        assert_eq!(t.get(0, 1), 0.0);
        let bad = Matrix::from_rows(&[vec![1.0, f64::NAN], vec![2.0, 5.0]]).expect("2x2");
        let e = ZScore::fit(&bad, 0).expect_err("NaN must be rejected");
        assert!(e.to_string().contains("row 0, column 1"), "{e}");
    }
}
