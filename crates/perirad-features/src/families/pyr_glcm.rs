//! PyRadiomics 3.1 `glcm` (grey level co-occurrence matrix), computed as PyRadiomics computes it
//! (IBSI family LFYI; PyRadiomics' aggregation is IBSI's "3D, averaged" ITBB, or "2D, averaged"
//! BTW3 with `force2D`, both up to the differences listed below).
//!
//! **Matrices.** The ROI is cropped to its bounding box (the re-segmented ROI's, as PyRadiomics
//! crops before computing texture). The directions are PyRadiomics' `generateAngles`: every offset
//! `a = (a_z, a_y, a_x)` whose largest component (infinity norm) is one of `distances`, that fits in
//! the box (`|a_d| <` box size along `d`), that does not move along `force2Ddimension` with
//! `force2D`, and whose first non-zero component is positive (one of each pair of opposite
//! offsets): 13 in 3D at distance 1, 4 with `force2D`. `P(i, j; a)` counts the ROI voxels of grey
//! level `i` whose neighbour at offset `a` is in the ROI with level `j`. The rows and columns of
//! levels absent from the ROI are dropped (the `N'_g` levels present are kept, each with its grey
//! value), and `P + Pᵀ` is taken when `symmetricalGLCM` (default). With `weightingNorm`, the
//! matrices are summed over the directions with weight `w(a) = exp(−‖a ∘ s‖²)` (s: voxel
//! spacing; Manhattan: `(Σ|a_d| s_d)²`, Euclidean: `Σ (a_d s_d)²`, infinity: `max(|a_d| s_d)²`;
//! `no_weighting`: 1). Directions with no pair are dropped (when there is more than one matrix),
//! and each matrix is normalised: `p(i, j) = P(i, j) / Σ P`.
//!
//! **Features** of one normalised matrix, with `i`, `j` the grey values (not their rank),
//! `N_g` the highest grey level in the ROI, `ε = 2.2e-16` (`np.spacing(1)`), `p_x(i) = Σ_j p`,
//! `p_y(j) = Σ_i p`, `μ_x = Σ i p`, `μ_y = Σ j p`, `p_{x+y}(k) = Σ_{i+j=k} p` (k = 2 … 2N_g),
//! `p_{x−y}(k) = Σ_{|i−j|=k} p` (k = 0 … N_g − 1), `HXY = −Σ p log2(p + ε)`,
//! `HX = −Σ p_x log2(p_x + ε)`, `HY` likewise, `HXY1 = −Σ p log2(p_x p_y + ε)`,
//! `HXY2 = −Σ_{i,j} p_x(i) p_y(j) log2(p_x(i) p_y(j) + ε)`:
//!
//! ```text
//! Autocorrelation     QWB0  Σ i j p
//! JointAverage        60VM  μ_x
//! ClusterProminence   AE86  Σ (i + j − μ_x − μ_y)⁴ p
//! ClusterShade        7NFM  Σ (i + j − μ_x − μ_y)³ p
//! ClusterTendency     DG8W  Σ (i + j − μ_x − μ_y)² p
//! Contrast            ACUI  Σ (i − j)² p
//! Correlation         NI2N  Σ (i − μ_x)(j − μ_y) p / (σ_x σ_y + ε); 1 when σ_x σ_y = 0
//! DifferenceAverage   TF7R  Σ k p_{x−y}(k)
//! DifferenceEntropy   NTRS  −Σ p_{x−y}(k) log2(p_{x−y}(k) + ε)
//! DifferenceVariance  D3YU  Σ (k − DifferenceAverage)² p_{x−y}(k)
//! JointEnergy         8ZQL  Σ p²
//! JointEntropy        TU9B  HXY
//! Imc1                R8DG  (HXY − HXY1) / max(HX, HY); 0 when max(HX, HY) = 0
//! Imc2                JN9H  √(1 − e^(−2 (HXY2 − HXY))); 0 when HXY2 = HXY
//! Idm                 WF0Z  Σ p_{x−y}(k) / (1 + k²)
//! MCC                 —     √(second largest eigenvalue of Q), Q(i, j) = Σ_k p(i, k) p(j, k) / (p_x(i) p_y(k) + ε); 1 when N'_g = 1
//! Idmn                1QCO  Σ p_{x−y}(k) / (1 + k² / N_g²)
//! Id                  IB1Z  Σ p_{x−y}(k) / (1 + k)
//! Idn                 NDRX  Σ p_{x−y}(k) / (1 + k / N_g)
//! InverseVariance     E8JP  Σ_{k ≥ 1} p_{x−y}(k) / k²
//! MaximumProbability  GYBY  max p
//! SumAverage          ZGXS  Σ k p_{x+y}(k)
//! SumEntropy          P6QZ  −Σ p_{x+y}(k) log2(p_{x+y}(k) + ε)
//! SumSquares          UR99  Σ (i − μ_x)² p
//! ```
//! with σ_x = √(Σ (i − μ_x)² p), σ_y likewise. Each feature is computed per matrix and averaged
//! over the matrices, leaving out NaN values (numpy's `nanmean`): e.g. Imc2 of a matrix with
//! HXY2 < HXY is NaN and left out. MCC's eigenvalues are computed on a symmetric positive
//! semi-definite matrix similar to `Q` without ε (see `mcc`), so a second eigenvalue that is 0 in
//! exact arithmetic gives 0; numpy's non-symmetric solver returns it as ±1e-17, the negative sign
//! giving NaN (left out of the average): a rank-one matrix (e.g. two levels, P = [[1, 2], [2, 4]])
//! may therefore differ from PyRadiomics.
//!
//! A one-level ROI (flat region) gives Correlation 1, Imc1 0, Imc2 0, MCC 1 and the entropies
//! `−log2(1 + ε) ≈ −3.2e-16`, as PyRadiomics does. Dissimilarity, Homogeneity1, Homogeneity2 and
//! SumVariance are deprecated in PyRadiomics 3.1: naming them yields no value (PyRadiomics' getters
//! raise a deprecation warning that its extractor swallows); they equal DifferenceAverage, Id, Idm
//! and ClusterTendency.

use super::pyr_grid::LevelGrid;
use crate::error::param;
use crate::{FeatureError, Settings, WeightingNorm};
use perirad_core::{Mask, Volume};

/// Feature names PyRadiomics 3.1 accepts but computes no value for.
pub const DEPRECATED: &[&str] = &[
    "Dissimilarity",
    "Homogeneity1",
    "Homogeneity2",
    "SumVariance",
];

/// `np.spacing(1)`.
pub(crate) const EPS: f64 = f64::EPSILON;

/// The feature names, in the order [`pyradiomics`] returns them.
pub const NAMES: [&str; 24] = [
    "Autocorrelation",
    "JointAverage",
    "ClusterProminence",
    "ClusterShade",
    "ClusterTendency",
    "Contrast",
    "Correlation",
    "DifferenceAverage",
    "DifferenceEntropy",
    "DifferenceVariance",
    "JointEnergy",
    "JointEntropy",
    "Imc1",
    "Imc2",
    "Idm",
    "MCC",
    "Idmn",
    "Id",
    "Idn",
    "InverseVariance",
    "MaximumProbability",
    "SumAverage",
    "SumEntropy",
    "SumSquares",
];
const MCC: usize = 15;

/// PyRadiomics' `generateAngles` (its C `build_angles`) for a box of `size` (x, y, z): the
/// offsets (z, y, x) in PyRadiomics' order, one of each opposite pair, as many as its count
/// formula gives (a distance listed twice yields its offsets twice, as in PyRadiomics).
/// `force_2d`: the numpy axis (0 = z) along which offsets must be 0.
pub(crate) fn angles(
    size: [usize; 3],
    distances: &[i64],
    force_2d: Option<usize>,
) -> Result<Vec<[i64; 3]>, FeatureError> {
    let zyx = [size[2] as i64, size[1] as i64, size[0] as i64];
    if distances.iter().any(|&d| d < 1) || distances.is_empty() {
        return Err(param("setting.distances", "distances must be at least 1"));
    }
    // The count: per distance, (2d + 1)^n − (2d − 1)^n over the free axes, an axis shorter than
    // the distance contributing its own (2 size − 1) to both terms; halved.
    let mut total: i64 = 0;
    for &d in distances {
        let (mut outer, mut inner) = (1i64, 1i64);
        for (axis, &s) in zyx.iter().enumerate() {
            if Some(axis) == force_2d {
                continue;
            }
            if d < s {
                outer = outer.saturating_mul(2 * d + 1);
                inner = inner.saturating_mul(2 * d - 1);
            } else {
                outer = outer.saturating_mul(2 * (s - 1) + 1);
                inner = inner.saturating_mul(2 * (s - 1) + 1);
            }
        }
        total = total.saturating_add(outer - inner);
    }
    let wanted = (total / 2) as usize;
    if wanted == 0 {
        return Err(param(
            "setting.distances",
            format!(
                "no direction fits in the ROI's bounding box (x, y, z) {size:?} at distances \
                 {distances:?}"
            ),
        ));
    }
    let max = *distances.iter().max().unwrap_or(&1);
    let n = 2 * max + 1;
    let combos = n * n * n;
    let mut out = Vec::with_capacity(wanted);
    // PyRadiomics walks the combinations from (max, max, max) down, the last axis fastest,
    // cycling if more are wanted than exist; only the first half of the (symmetric) valid set
    // comes before (0, 0, 0) in one cycle.
    let mut idx: i64 = 0;
    while out.len() < wanted && idx < combos * (wanted as i64 + 1) {
        let c = idx % combos;
        idx += 1;
        let a = [max - c / (n * n), max - (c / n) % n, max - c % n];
        let valid = (0..3).all(|d| a[d].abs() < zyx[d] && (Some(d) != force_2d || a[d] == 0));
        let dist = a.iter().map(|v| v.abs()).max().unwrap_or(0);
        if valid && dist >= 1 && distances.contains(&dist) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The numpy axis PyRadiomics keeps fixed (`force2Ddimension`, 0 = z), with `force2D`.
pub(crate) fn force_2d_axis(s: &Settings) -> Option<usize> {
    (s.force_2d == Some(true)).then(|| s.force_2d_dimension.unwrap_or(0).clamp(0, 2) as usize)
}

/// |a_d| × spacing_d for an offset (z, y, x) and a spacing (x, y, z).
pub(crate) fn scaled(a: [i64; 3], spacing: [f64; 3]) -> [f64; 3] {
    [
        a[0].unsigned_abs() as f64 * spacing[2],
        a[1].unsigned_abs() as f64 * spacing[1],
        a[2].unsigned_abs() as f64 * spacing[0],
    ]
}

/// Averages the feature vectors leaving NaN values out (numpy `nanmean`); NaN where every value
/// is NaN or there is none.
pub(crate) fn nanmean<const N: usize>(rows: &[[f64; N]]) -> [f64; N] {
    let mut out = [f64::NAN; N];
    for (f, o) in out.iter_mut().enumerate() {
        let (mut sum, mut count) = (0.0, 0usize);
        for r in rows {
            if !r[f].is_nan() {
                sum += r[f];
                count += 1;
            }
        }
        if count > 0 {
            *o = sum / count as f64;
        }
    }
    out
}

/// The co-occurrence counts (`angles.len()` matrices of `(n + 1) × (n + 1)`, n = levels
/// present, row and column 0 for voxels outside the ROI), not symmetrised: one pass over the
/// ROI's rows, counting every voxel of the row's ROI span for
/// every angle in turn (the span stays in cache), branch-free, in an `(n + 1) × (n + 1)` matrix
/// per angle whose row and column 0 (outside the ROI) are dropped.
fn cooccurrences(grid: &LevelGrid, angles: &[[i64; 3]]) -> Vec<u32> {
    let n = grid.levels.len();
    let w = n + 1;
    let ww = w * w;
    let spans = grid.row_spans();
    let r = &grid.ranks;
    let offsets: Vec<isize> = angles.iter().map(|&a| grid.offset(a)).collect();
    let mut counts = vec![0u32; angles.len() * ww];
    let mut base = Vec::new();
    for &(start, end) in spans {
        // Each voxel's row in the count matrices.
        base.clear();
        base.extend(r[start..end].iter().map(|&c| c as usize * w));
        for (&off, counts) in offsets.iter().zip(counts.chunks_exact_mut(ww)) {
            let from = start.wrapping_add_signed(off);
            let nb = &r[from..from + base.len()];
            // Four at a time (the pairing of two slice iterators costs more than the count).
            let (bc, nc) = (base.chunks_exact(4), nb.chunks_exact(4));
            let (br, nr) = (bc.remainder(), nc.remainder());
            for (b, m) in bc.zip(nc) {
                counts[b[0] + m[0] as usize] += 1;
                counts[b[1] + m[1] as usize] += 1;
                counts[b[2] + m[2] as usize] += 1;
                counts[b[3] + m[3] as usize] += 1;
            }
            for (&b, &m) in br.iter().zip(nr) {
                counts[b + m as usize] += 1;
            }
        }
    }
    counts
}

/// PyRadiomics `glcm` features of the ROI whose grey levels (1-based, 0 outside) are `levels`,
/// with the `distances`, `symmetricalGLCM`, `weightingNorm`, `force2D` and `force2Ddimension`
/// of `settings`. Returns every non-deprecated feature, in [`NAMES`] order.
pub fn pyradiomics(
    levels: &Volume<u32>,
    mask: &Mask,
    settings: &Settings,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    from_grid(&LevelGrid::new(levels, mask, settings)?, settings)
}

/// [`pyradiomics`] on the ROI's shared grid.
pub(crate) fn from_grid(
    grid: &LevelGrid,
    settings: &Settings,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let distances = settings.distances.clone().unwrap_or_else(|| vec![1]);
    let angles = angles(grid.size, &distances, force_2d_axis(settings))?;
    let n = grid.levels.len();
    let symmetric = settings.symmetrical_glcm.unwrap_or(true);
    let mut counts = cooccurrences(grid, &angles);
    let (w, nn) = (n + 1, n * n);
    // The weighted sum needs P + Pᵀ as a matrix; the angles' own features read it from P.
    if symmetric && settings.weighting_norm.is_some() {
        for m in counts.chunks_exact_mut(w * w) {
            for i in 1..w {
                for j in i..w {
                    let s = m[i * w + j] + m[j * w + i];
                    m[i * w + j] = s;
                    m[j * w + i] = s;
                }
            }
        }
    }
    // One angle's matrix at a time as numbers (a buffer that stays in cache), without the
    // outside row and column.
    let fill = |dst: &mut Vec<f64>, m: &[u32]| {
        dst.clear();
        for row in m.chunks_exact(w).skip(1) {
            dst.extend(row[1..].iter().map(|&c| f64::from(c)));
        }
    };
    let grey: Vec<f64> = grid.levels.iter().map(|&g| f64::from(g)).collect();
    let mut work = Work::default();
    let mut matrix = Vec::with_capacity(nn);
    let mut rows: Vec<[f64; 24]> = Vec::new();
    if let Some(norm) = settings.weighting_norm {
        let spacing = grid.spacing;
        let mut sum = vec![0.0; nn];
        for (m, &a) in counts.chunks_exact(w * w).zip(&angles) {
            let d = scaled(a, spacing);
            let weight = match norm {
                WeightingNorm::Infinity => (-d.iter().fold(0.0f64, |x, &y| x.max(y)).powi(2)).exp(),
                WeightingNorm::Euclidean => (-d.iter().map(|v| v * v).sum::<f64>()).exp(),
                WeightingNorm::Manhattan => (-d.iter().sum::<f64>().powi(2)).exp(),
                WeightingNorm::NoWeighting => 1.0,
            };
            fill(&mut matrix, m);
            for (s, v) in sum.iter_mut().zip(&matrix) {
                *s += v * weight;
            }
        }
        let row = features(
            Matrix::Dense(&sum, symmetric),
            &grey,
            &grid.levels,
            grid.ng,
            &mut work,
            None,
        );
        rows.push(row.unwrap_or([f64::NAN; 24]));
    } else {
        // With several angles, an angle without any pair is left out (PyRadiomics' mean); a
        // single empty one gives NaN throughout.
        let several = angles.len() > 1;
        // The symmetric matrices' MCC are computed together once every angle is done.
        let mut later = Deferred::default();
        for (angle, m) in counts.chunks_exact(w * w).enumerate() {
            let matrix = if symmetric {
                Matrix::Symmetrised(m)
            } else {
                fill(&mut matrix, m);
                Matrix::Dense(&matrix, false)
            };
            let defer = Some((&mut later, rows.len(), angle));
            match features(matrix, &grey, &grid.levels, grid.ng, &mut work, defer) {
                Some(row) => rows.push(row),
                None if several => {}
                None => rows.push([f64::NAN; 24]),
            }
        }
        later.finish(&mut rows, |angle| {
            let m = &counts[angle * w * w..(angle + 1) * w * w];
            let row = features(
                Matrix::Symmetrised(m),
                &grey,
                &grid.levels,
                grid.ng,
                &mut work,
                None,
            );
            row.map_or(f64::NAN, |r| r[MCC])
        });
    }
    let mut values = nanmean(&rows);
    if n < 2 {
        values[MCC] = 1.0; // PyRadiomics' flat-region answer
    }
    Ok(NAMES.iter().copied().zip(values).collect())
}

/// One matrix for [`features`].
enum Matrix<'a> {
    /// `N'_g × N'_g` counts or weighted sums, row-major; `symmetric`: it equals its transpose
    /// exactly.
    Dense(&'a [f64], bool),
    /// The `(N'_g + 1)²` counts of one angle as [`cooccurrences`] gives them (row and column 0
    /// outside the ROI), standing for `P + Pᵀ`.
    Symmetrised(&'a [u32]),
}

/// Buffers reused from one matrix to the next.
#[derive(Default)]
struct Work {
    /// The non-zero cells `(row, column, p)`, row-major.
    cells: Vec<(u32, u32, f64)>,
    /// The non-zero cells of `P + Pᵀ` as counts, gathered before `cells`.
    counts: Vec<(u32, u32, u64)>,
    px: Vec<f64>,
    py: Vec<f64>,
    /// log2 of the marginals (0 where they are 0).
    log_x: Vec<f64>,
    log_y: Vec<f64>,
    /// ε / ln 2 over the marginals (0 where they are 0).
    eps_x: Vec<f64>,
    /// 1 / the marginals of the columns (0 where they are 0).
    inv_y: Vec<f64>,
    sum_k: Vec<f64>,
    diff_k: Vec<f64>,
    mcc: MccWork,
}

/// `HXY2 = −Σ_{a,b} x_a y_b log2(x_a y_b + ε)` over the non-zero marginals `x`, `y`, term by
/// term (`x.len() × y.len()` logarithms).
fn hxy2_direct(x: &[f64], y: &[f64]) -> f64 {
    let mut hxy2 = 0.0;
    for &x in x.iter().filter(|&&v| v > 0.0) {
        for &y in y.iter().filter(|&&v| v > 0.0) {
            let pxy = x * y;
            hxy2 -= pxy * (pxy + EPS).log2();
        }
    }
    hxy2
}

/// [`hxy2_direct`] from the marginals' own entropies, with `x + ε` expanded to first order:
/// `log2(x y + ε) = log2 x + log2 y + ε / (x y ln 2) + O(ε² / (x y)²)`, so
/// `HXY2 = Σy · H(x) + Σx · H(y) − n_x n_y ε / ln 2` (H without ε, n_x and n_y the non-zero
/// entries). The neglected terms are below 1e-19 for any product of probabilities of a matrix
/// of fewer than 2³¹ counts.
/// `lx`, `ly`: the marginals' log2 (read where they are positive).
fn hxy2_marginal(x: &[f64], y: &[f64], lx: &[f64], ly: &[f64]) -> f64 {
    let parts = |m: &[f64], l: &[f64]| {
        let (mut h, mut s, mut k) = (0.0, 0.0, 0usize);
        for (&v, &l) in m.iter().zip(l).filter(|(&v, _)| v > 0.0) {
            h -= v * l;
            s += v;
            k += 1;
        }
        (h, s, k as f64)
    };
    let ((hx, sx, kx), (hy, sy, ky)) = (parts(x, lx), parts(y, ly));
    sy * hx + sx * hy - kx * ky * EPS / std::f64::consts::LN_2
}

/// The features of one matrix of counts (`grey.len()` squared, row-major) in [`NAMES`] order;
/// `None` for an empty matrix. `grey`: the grey levels as numbers, `levels` as integers.
fn features(
    matrix: Matrix<'_>,
    grey: &[f64],
    levels: &[u32],
    ng: u32,
    work: &mut Work,
    later: Option<(&mut Deferred, usize, usize)>,
) -> Option<[f64; 24]> {
    let n = grey.len();
    let symmetric = !matches!(matrix, Matrix::Dense(_, false));
    let total = match matrix {
        Matrix::Dense(counts, _) => counts.iter().sum(),
        // Σ (P + Pᵀ) = 2 Σ P, exactly (integers below 2⁵³).
        Matrix::Symmetrised(m) => {
            let w = n + 1;
            let inside: u64 = m
                .chunks_exact(w)
                .skip(1)
                .map(|row| row[1..].iter().map(|&c| u64::from(c)).sum::<u64>())
                .sum();
            2.0 * inside as f64
        }
    };
    if total == 0.0 {
        return None;
    }
    let ngf = f64::from(ng);
    // The non-zero cells (a sparse matrix: most level pairs never co-occur), and the marginals.
    // A symmetric matrix keeps its upper triangle only: a cell (a, b), a < b, stands for its
    // mirror too (weight 2), which halves the work; its marginals are equal.
    let (cells, px, py) = (&mut work.cells, &mut work.px, &mut work.py);
    cells.clear();
    px.clear();
    px.resize(n, 0.0);
    py.clear();
    py.resize(n, 0.0);
    let (ux, uy) = if let Matrix::Dense(counts, false) = matrix {
        let (mut sx, mut sy) = (0.0, 0.0);
        for (a, (row, x)) in counts.chunks_exact(n).zip(px.iter_mut()).enumerate() {
            let (i, mut sum) = (grey[a], 0.0);
            for (b, (&c, y)) in row.iter().zip(py.iter_mut()).enumerate() {
                if c != 0.0 {
                    let v = c / total;
                    cells.push((a as u32, b as u32, v));
                    sum += v;
                    *y += v;
                    sx += i * v;
                    sy += grey[b] * v;
                }
            }
            *x = sum;
        }
        (sx, sy)
    } else {
        let mut cell = |a: usize, b: usize, c: f64| {
            let v = c / total;
            cells.push((a as u32, b as u32, v));
            px[a] += v;
            // A select, not a branch: adding +0 changes no marginal (they are ≥ 0).
            px[b] += if b != a { v } else { 0.0 };
        };
        match matrix {
            Matrix::Dense(counts, _) => {
                for (a, row) in counts.chunks_exact(n).enumerate() {
                    for (b, &c) in row.iter().enumerate().skip(a) {
                        if c != 0.0 {
                            cell(a, b, c);
                        }
                    }
                }
            }
            Matrix::Symmetrised(m) => {
                // (P + Pᵀ)(a, b) from P's entries (a + 1, b + 1) and (b + 1, a + 1). The
                // non-zero cells are gathered first, without a branch (about half the cells of a
                // noisy ROI are empty, at random), each cell written at the next free place and
                // kept only if it is not empty.
                let w = n + 1;
                let mut nonzero = std::mem::take(&mut work.counts);
                nonzero.clear();
                nonzero.resize(n * (n + 1) / 2, (0, 0, 0));
                let mut k = 0;
                for a in 0..n {
                    let row = &m[(a + 1) * w + 1..(a + 2) * w];
                    for b in a..n {
                        let c = u64::from(row[b]) + u64::from(m[(b + 1) * w + a + 1]);
                        nonzero[k] = (a as u32, b as u32, c);
                        k += usize::from(c != 0);
                    }
                }
                for &(a, b, c) in &nonzero[..k] {
                    cell(a as usize, b as usize, c as f64);
                }
                work.counts = nonzero;
            }
        }
        py.copy_from_slice(px);
        let ux = grey.iter().zip(px.iter()).map(|(g, p)| g * p).sum::<f64>();
        (ux, ux)
    };
    let (sum_k, diff_k) = (&mut work.sum_k, &mut work.diff_k);
    sum_k.clear();
    sum_k.resize(2 * ng as usize + 1, 0.0);
    diff_k.clear();
    diff_k.resize(ng as usize, 0.0);
    let (mut auto, mut prom, mut shade, mut tend, mut contrast) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut varx, mut vary, mut cov, mut energy, mut hxy, mut hxy1) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut max_p = 0.0f64;
    // log2(p_x p_y + ε) from the marginals' logarithms: log2 p_x + log2 p_y + ε / (p_x p_y ln 2),
    // whose neglected term, below (ε / (p_x p_y))² < 5e-12, is taken exactly where the product
    // is below 1e-10.
    let (lx, ly) = (&mut work.log_x, &mut work.log_y);
    lx.clear();
    lx.extend(px.iter().map(|&x| if x > 0.0 { x.log2() } else { 0.0 }));
    ly.clear();
    if symmetric {
        ly.extend_from_slice(lx);
    } else {
        ly.extend(py.iter().map(|&y| if y > 0.0 { y.log2() } else { 0.0 }));
    }
    // The correction term as (ε / (ln 2 p_x)) (1 / p_y): products, not a division per cell.
    let (ex, iy) = (&mut work.eps_x, &mut work.inv_y);
    let k = EPS / std::f64::consts::LN_2;
    ex.clear();
    ex.extend(px.iter().map(|&x| if x > 0.0 { k / x } else { 0.0 }));
    iy.clear();
    iy.extend(py.iter().map(|&y| if y > 0.0 { 1.0 / y } else { 0.0 }));
    for &(a, b, v) in cells.iter() {
        let (a, b) = (a as usize, b as usize);
        // The cell's weight: 2 for an off-diagonal cell of a symmetric matrix (its mirror).
        let wv = if symmetric && a != b { 2.0 * v } else { v };
        let log_v = (v + EPS).log2();
        let pxy = px[a] * py[b];
        let log_pxy = if pxy >= 1e-10 {
            lx[a] + ly[b] + ex[a] * iy[b]
        } else {
            (pxy + EPS).log2()
        };
        let (i, j) = (grey[a], grey[b]);
        let (li, lj) = (levels[a], levels[b]);
        sum_k[(li + lj) as usize] += wv;
        diff_k[li.abs_diff(lj) as usize] += wv;
        auto += wv * (i * j);
        let (dx, dy) = (i - ux, j - uy);
        cov += wv * dx * dy;
        energy += wv * v;
        hxy -= wv * log_v;
        hxy1 -= wv * log_pxy;
        max_p = max_p.max(v);
    }
    // The terms that depend on i + j or |i − j| only, from their distributions; the variances
    // from the marginals.
    for (k, &s) in sum_k.iter().enumerate() {
        if s != 0.0 {
            let c = k as f64 - ux - uy;
            let c2 = c * c;
            tend += s * c2;
            shade += s * c2 * c;
            prom += s * c2 * c2;
        }
    }
    for (k, &d) in diff_k.iter().enumerate() {
        contrast += d * (k * k) as f64;
    }
    for ((&x, &y), &g) in px.iter().zip(py.iter()).zip(grey) {
        varx += x * (g - ux) * (g - ux);
        vary += y * (g - uy) * (g - uy);
    }
    // HXY2 with PyRadiomics' ε, so that flat regions come out as in PyRadiomics: from the
    // marginals' entropies, unless the matrix is small or HXY2 − HXY (which Imc2 amplifies as it
    // nears 0, and whose sign decides whether Imc2 is NaN) is small: then term by term.
    let mut hxy2 = hxy2_marginal(px, py, lx, ly);
    let terms = px.iter().filter(|&&v| v > 0.0).count() * py.iter().filter(|&&v| v > 0.0).count();
    if terms <= 64 || hxy2.is_nan() || hxy2 - hxy < 0.1 {
        hxy2 = hxy2_direct(px, py);
    }
    let sigma = varx.sqrt() * vary.sqrt();
    let correlation = if sigma == 0.0 {
        1.0
    } else {
        cov / (sigma + EPS)
    };
    let (mut diff_avg, mut diff_ent, mut idm, mut idmn, mut id, mut idn, mut inv_var) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (k, &v) in diff_k.iter().enumerate() {
        let kf = k as f64;
        diff_avg += kf * v;
        // An empty entry adds −0 · log2(ε) = +0: no logarithm needed.
        if v != 0.0 {
            diff_ent -= v * (v + EPS).log2();
        }
        idm += v / (1.0 + kf * kf);
        idmn += v / (1.0 + kf * kf / (ngf * ngf));
        id += v / (1.0 + kf);
        idn += v / (1.0 + kf / ngf);
        if k > 0 {
            inv_var += v / (kf * kf);
        }
    }
    let diff_var: f64 = diff_k
        .iter()
        .enumerate()
        .map(|(k, &v)| v * (k as f64 - diff_avg).powi(2))
        .sum();
    let (mut sum_avg, mut sum_ent) = (0.0, 0.0);
    for (k, &v) in sum_k.iter().enumerate().skip(2) {
        sum_avg += k as f64 * v;
        if v != 0.0 {
            sum_ent -= v * (v + EPS).log2();
        }
    }
    // 0 · log2(ε) is −0: the same terms without the logarithm.
    let entropy = |m: &[f64]| -> f64 {
        -m.iter()
            .map(|&v| if v == 0.0 { -0.0 } else { v * (v + EPS).log2() })
            .sum::<f64>()
    };
    let hx = entropy(px);
    let hy = if symmetric { hx } else { entropy(py) };
    let div = hx.max(hy);
    let imc1 = if div != 0.0 { (hxy - hxy1) / div } else { 0.0 };
    let imc2 = if hxy2 == hxy {
        0.0
    } else {
        (1.0 - (-2.0 * (hxy2 - hxy)).exp()).sqrt()
    };
    // A symmetric matrix's MCC may be left to `later` (the deferred matrices, this matrix's row
    // of features and its angle): NaN until then.
    let deferred = match later {
        Some((later, row, angle)) if symmetric && n >= 2 => {
            later.push(cells, px, &mut work.mcc, row, angle)
        }
        _ => false,
    };
    let mcc = if n < 2 {
        1.0
    } else if deferred {
        f64::NAN
    } else {
        mcc(cells, px, py, symmetric, &mut work.mcc)
    };
    Some([
        auto,
        ux,
        prom,
        shade,
        tend,
        contrast,
        correlation,
        diff_avg,
        diff_ent,
        diff_var,
        energy,
        hxy,
        imc1,
        imc2,
        idm,
        mcc,
        idmn,
        id,
        idn,
        inv_var,
        max_p,
        sum_avg,
        sum_ent,
        varx,
    ])
}

/// Buffers of [`mcc`].
#[derive(Default)]
struct MccWork {
    /// Row of `S` of each level (`u32::MAX`: `p_x = 0`).
    row: Vec<u32>,
    /// Start of each column's entries in `entries`, then their end.
    start: Vec<usize>,
    /// The entries `(row of S, value)` of `M`, column by column.
    entries: Vec<(u32, f64)>,
    inv_x: Vec<f64>,
    inv_y: Vec<f64>,
    s: Vec<f64>,
    /// The unit eigenvector `√p_x` of `S` (eigenvalue 1), on the rows of `S`.
    u: Vec<f64>,
    eigen: EigenWork,
    lanczos: LanczosWork,
    /// `M` as a dense `m × m` matrix (symmetric matrices).
    dense: Vec<f64>,
    /// The upper triangle of `M − u uᵀ` (symmetric matrices).
    upper: Vec<f64>,
}

/// √ of the second largest eigenvalue of `Q(a, b) = Σ_k p(a, k) p(b, k) / (p_x(a) p_y(k))`,
/// from the non-zero cells `(a, k, p)` (row-major) and the marginals. `Q = D_x⁻¹ P D_y⁻¹ Pᵀ` is
/// similar to the symmetric `S = M Mᵀ`, `M = D_x^(−½) P D_y^(−½)` (levels with `p_x = 0` give
/// zero rows and columns of `Q`, i.e. eigenvalues 0), so the eigenvalues are those of `S`. Its
/// largest is 1, with the eigenvector `√p_x`; the second is found by Lanczos on the deflated
/// matrix ([`deflated_top`]), else (small `S`, uncertified result, λ2 near 0) by Householder
/// tridiagonalisation and implicit QL of all of `S`. PyRadiomics adds ε to `p_x(a) p_y(k)` and
/// takes the eigenvalues of the non-symmetric `Q`; the difference is of the order of
/// ε / (p_x p_y).
fn mcc(cells: &[(u32, u32, f64)], px: &[f64], py: &[f64], symmetric: bool, w: &mut MccWork) -> f64 {
    let n = px.len();
    let m = active_levels(px, w);
    if symmetric {
        if let Some(r) = symmetric_radius(cells, m, w) {
            return r;
        }
        square_of_symmetric(cells, m, w);
    } else {
        product_with_transpose(cells, py, n, m, w);
    }
    let s = &mut w.s;
    // λ1 = 1 with eigenvector √p_x; λ2 is the largest eigenvalue of S − u uᵀ.
    if m >= LANCZOS_MIN {
        if let Some(l2) = deflated_top(s, m, &w.u, &mut w.lanczos) {
            return l2.sqrt();
        }
    }
    let Some(eig) = symmetric_eigenvalues(s, m, &mut w.eigen) else {
        return f64::NAN;
    };
    // The second largest of the eigenvalues, with n − m zeros.
    let mut top = [f64::NEG_INFINITY; 2];
    let zeros: &[f64] = if m < n { &[0.0] } else { &[] };
    for &v in eig.iter().chain(zeros) {
        if v.total_cmp(&top[0]).is_gt() {
            top = [v, top[0]];
        } else if v.total_cmp(&top[1]).is_gt() {
            top[1] = v;
        }
    }
    // S is positive semi-definite: a negative eigenvalue is rounding around 0.
    top[1].max(0.0).sqrt()
}

/// The number `m` of levels with `p_x > 0` (the rows of `S`); sets `w.row`, `w.inv_x` (1 / √p_x,
/// read only where a cell makes it positive) and `w.u` (the unit eigenvector √p_x of `S`'s top
/// eigenvalue 1, on those levels).
fn active_levels(px: &[f64], w: &mut MccWork) -> usize {
    w.row.clear();
    let mut m = 0u32;
    for &x in px {
        w.row.push(if x > 0.0 { m } else { u32::MAX });
        m += u32::from(x > 0.0);
    }
    w.inv_x.clear();
    w.inv_x.extend(px.iter().map(|&x| 1.0 / x.sqrt()));
    w.u.clear();
    w.u.extend(px.iter().filter(|&&x| x > 0.0).map(|x| x.sqrt()));
    let norm = dot(&w.u, &w.u).sqrt();
    w.u.iter_mut().for_each(|x| *x /= norm);
    m as usize
}

/// The upper triangle of `M' = M − u uᵀ` of a symmetric matrix (row `r` from column `r`, rows
/// after one another: [`triangle_row`]) into `w.upper`, as [`symmetric_radius`] defines it, after
/// [`active_levels`]; `false` if an entry is not finite.
fn deflated_upper(cells: &[(u32, u32, f64)], m: usize, w: &mut MccWork) -> bool {
    let upper = &mut w.upper;
    upper.clear();
    for (r, &ur) in w.u.iter().enumerate() {
        upper.extend(w.u[r..].iter().map(|&uc| -ur * uc));
    }
    for &(a, b, v) in cells {
        if a <= b {
            let (a, b) = (a as usize, b as usize);
            let x = v * w.inv_x[a] * w.inv_x[b];
            // Rows keep the levels' order, so (row a, row b) is in the upper triangle.
            let (ra, rb) = (w.row[a] as usize, w.row[b] as usize);
            upper[triangle_row(ra, m) + rb - ra] += x;
        }
    }
    upper.iter().all(|v| v.is_finite())
}

/// MCC of a symmetric matrix (`p = pᵀ`, `p_x = p_y`) without `S`: `M = D^(−½) P D^(−½)` is then
/// symmetric with `S = M²`, so the eigenvalues of `S` other than its top 1 (eigenvector
/// `u = √p_x`) are the squares of those of `M' = M − u uᵀ`, and MCC is the spectral radius of
/// `M'`: both ends of the spectrum of its Householder tridiagonal form, each by Laguerre's
/// iterations from a Gershgorin bound above it (backward stable: error of the order of
/// `ε ‖M‖`). `None` (the general path decides) if the radius is below 1e-6, where how λ2
/// rounds near 0 is left to the path on `S`, or the iterations fail. `w.u` holds `u` on the
/// active levels.
fn symmetric_radius(cells: &[(u32, u32, f64)], m: usize, w: &mut MccWork) -> Option<f64> {
    if !deflated_upper(cells, m, w) {
        return None;
    }
    // The whole matrix, mirrored from its upper triangle.
    w.dense.clear();
    w.dense.resize(m * m, 0.0);
    let mut k = 0;
    for r in 0..m {
        for c in r..m {
            w.dense[r * m + c] = w.upper[k];
            w.dense[c * m + r] = w.upper[k];
            k += 1;
        }
    }
    tridiagonalise(&mut w.dense, m, &mut w.eigen);
    let EigenWork { d, e, v, .. } = &mut w.eigen;
    tridiagonal_radius(d, &e[..m - 1], v)
}

/// The spectral radius of the symmetric tridiagonal matrix with diagonal `d` and subdiagonal
/// `beta`, as [`symmetric_radius`] takes it (`v`: scratch).
fn tridiagonal_radius(d: &[f64], beta: &[f64], v: &mut Vec<f64>) -> Option<f64> {
    let m = d.len();
    let (top, bottom) = if beta.iter().all(|&b| b == 0.0) {
        let max = d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = d.iter().copied().fold(f64::INFINITY, f64::min);
        (max, -min)
    } else {
        // Gershgorin: every eigenvalue is within |e_(i−1)| + |e_i| of some d_i.
        let radius = |i: usize| {
            (if i > 0 { beta[i - 1].abs() } else { 0.0 }) + beta.get(i).map_or(0.0, |b| b.abs())
        };
        let hi = (0..m)
            .map(|i| d[i] + radius(i))
            .fold(f64::NEG_INFINITY, f64::max);
        let lo = (0..m)
            .map(|i| -d[i] + radius(i))
            .fold(f64::NEG_INFINITY, f64::max);
        let above = |x: f64| x + 1e-9 * x.abs() + 1e-30;
        let top = tridiagonal_top(d, beta, above(hi))?;
        v.clear();
        v.extend(d.iter().map(|x| -x));
        // Usually the top end decides: when `top` is above every eigenvalue of −T (one Sturm
        // sequence), the bottom end is not needed.
        let bottom = if lo < top || log_det_derivatives(v, beta, top).is_some() {
            f64::NEG_INFINITY
        } else {
            tridiagonal_top(v, beta, above(lo))?
        };
        (top, bottom)
    };
    let r = top.max(bottom);
    (r >= 1e-6).then_some(r)
}

/// The symmetric matrices `M'` ([`deflated_upper`]) of the angles whose MCC [`features`]
/// leaves to [`Deferred::finish`], built straight into batches of four of one size, one per
/// vector lane, which [`tridiagonalise_four`] reduces together.
#[derive(Default)]
struct Deferred {
    batches: Vec<Batch>,
    d: Vec<[f64; 4]>,
    e: Vec<[f64; 4]>,
    v: Vec<[f64; 4]>,
    p: Vec<[f64; 4]>,
    lane_d: Vec<f64>,
    lane_e: Vec<f64>,
    scratch: Vec<f64>,
}

/// The most active levels for which [`Deferred`] batches a matrix: four upper triangles of 44
/// levels take 31.7 kB, which stays in a 48 kB L1 data cache with the rest; larger batches
/// spill to L2 and are slower than four one-matrix reductions (CT phantom, 66 levels).
const BATCH_MAX_LEVELS: usize = 44;

/// Up to four `m × m` matrices of [`Deferred`]: their upper triangles, lane by lane (unused
/// lanes 0), and the row of features and the angle of each.
struct Batch {
    m: usize,
    of: Vec<(usize, usize)>,
    packed: Vec<[f64; 4]>,
}

impl Deferred {
    /// Builds `M'` of a symmetric matrix (cells and marginal `px` as [`mcc`] takes them) in a
    /// batch's next lane, for [`Deferred::finish`]; `false` (compute MCC now) when it has fewer
    /// than 3 or more than [`BATCH_MAX_LEVELS`] active levels, or a non-finite entry.
    fn push(
        &mut self,
        cells: &[(u32, u32, f64)],
        px: &[f64],
        w: &mut MccWork,
        row: usize,
        angle: usize,
    ) -> bool {
        let m = active_levels(px, w);
        if !(3..=BATCH_MAX_LEVELS).contains(&m) || !deflated_upper(cells, m, w) {
            return false;
        }
        if !matches!(self.batches.last(), Some(b) if b.m == m && b.of.len() < 4) {
            self.batches.push(Batch {
                m,
                of: Vec::with_capacity(4),
                packed: vec![[0.0; 4]; m * (m + 1) / 2],
            });
        }
        let Some(batch) = self.batches.last_mut() else {
            return false;
        };
        let lane = batch.of.len();
        for (x, &y) in batch.packed.iter_mut().zip(&w.upper) {
            x[lane] = y;
        }
        batch.of.push((row, angle));
        true
    }

    /// MCC of every kept matrix into its row of `rows`. A matrix whose radius the tridiagonal
    /// form does not give ([`tridiagonal_radius`]) takes `again(angle)`, MCC computed on its
    /// own by [`mcc`].
    fn finish(&mut self, rows: &mut [[f64; 24]], mut again: impl FnMut(usize) -> f64) {
        for batch in &mut self.batches {
            let m = batch.m;
            let ok = tridiagonalise_four(
                &mut batch.packed,
                m,
                &mut self.d,
                &mut self.e,
                &mut self.v,
                &mut self.p,
            );
            for (lane, &(row, angle)) in batch.of.iter().enumerate() {
                self.lane_d.clear();
                self.lane_d.extend(self.d.iter().map(|x| x[lane]));
                self.lane_e.clear();
                self.lane_e.extend(self.e.iter().map(|x| x[lane]));
                let radius = if ok[lane] {
                    tridiagonal_radius(&self.lane_d, &self.lane_e, &mut self.scratch)
                } else {
                    None
                };
                rows[row][MCC] = radius.unwrap_or_else(|| again(angle));
            }
        }
    }
}

/// Householder reduction of four symmetric `m × m` matrices at once, one per lane of `a`
/// (their upper triangles, row after row: row `r` holds columns `r..m`), each as
/// [`tridiagonalise`] reduces one: diagonals into `d` (`m`), subdiagonals into `e` (`m − 1`;
/// `v`, `p` are scratch). Every operation is element-wise across the lanes, so each matrix is
/// reduced on its own, with no sum across a vector, and the four reductions' latencies
/// overlap. `false` for a lane that is not finite or whose reflection underflows (a column
/// with a non-zero entry whose squared norm rounds to 0).
///
/// With 4-lane vectors (x86-64-v3) a position of the four matrices is one vector; otherwise
/// plain arrays, with the same operations in the same order (the same bits).
fn tridiagonalise_four(
    a: &mut [[f64; 4]],
    m: usize,
    d: &mut Vec<[f64; 4]>,
    e: &mut Vec<[f64; 4]>,
    v: &mut Vec<[f64; 4]>,
    p: &mut Vec<[f64; 4]>,
) -> [bool; 4] {
    struct Reduce<'a> {
        a: &'a mut [[f64; 4]],
        m: usize,
        d: &'a mut Vec<[f64; 4]>,
        e: &'a mut Vec<[f64; 4]>,
        v: &'a mut Vec<[f64; 4]>,
        p: &'a mut Vec<[f64; 4]>,
    }
    impl pulp::WithSimd for Reduce<'_> {
        type Output = [bool; 4];
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) -> [bool; 4] {
            let Reduce { a, m, d, e, v, p } = self;
            for b in [&mut *v, &mut *p] {
                b.clear();
                b.resize(2 * m, [0.0; 4]);
            }
            use pulp::bytemuck::try_cast_slice_mut as cast;
            let casts = (cast(&mut a[..]), cast(&mut v[..]), cast(&mut p[..]));
            match casts {
                (Ok(a), Ok(v), Ok(p)) if S::F64_LANES == 4 => {
                    reduce_four(Wide(simd), a, m, d, e, v, p)
                }
                _ => reduce_four(Plain, a, m, d, e, v, p),
            }
        }
    }
    crate::simd::arch().dispatch(Reduce { a, m, d, e, v, p })
}

/// The lane-wise arithmetic of [`reduce_four`] on one position of its four matrices.
trait Quad: Copy {
    type V: Copy + pulp::bytemuck::Pod;
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn splat(self, x: f64) -> Self::V;
}

/// [`Quad`] as arrays, element by element.
#[derive(Clone, Copy)]
struct Plain;

impl Quad for Plain {
    type V = [f64; 4];
    #[inline(always)]
    fn add(self, a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|l| a[l] + b[l])
    }
    #[inline(always)]
    fn sub(self, a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|l| a[l] - b[l])
    }
    #[inline(always)]
    fn mul(self, a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|l| a[l] * b[l])
    }
    #[inline(always)]
    fn splat(self, x: f64) -> [f64; 4] {
        [x; 4]
    }
}

/// [`Quad`] as the vectors of `S` (4 lanes: [`tridiagonalise_four`] checks).
#[derive(Clone, Copy)]
struct Wide<S>(S);

impl<S: pulp::Simd> Quad for Wide<S> {
    type V = S::f64s;
    #[inline(always)]
    fn add(self, a: S::f64s, b: S::f64s) -> S::f64s {
        self.0.add_f64s(a, b)
    }
    #[inline(always)]
    fn sub(self, a: S::f64s, b: S::f64s) -> S::f64s {
        self.0.sub_f64s(a, b)
    }
    #[inline(always)]
    fn mul(self, a: S::f64s, b: S::f64s) -> S::f64s {
        self.0.mul_f64s(a, b)
    }
    #[inline(always)]
    fn splat(self, x: f64) -> S::f64s {
        self.0.splat_f64s(x)
    }
}

/// The four lanes of a position.
#[inline(always)]
fn lanes<V: pulp::bytemuck::Pod>(x: V) -> [f64; 4] {
    pulp::bytemuck::cast(x)
}

/// A position from its four lanes.
#[inline(always)]
fn position<V: pulp::bytemuck::Pod>(x: [f64; 4]) -> V {
    pulp::bytemuck::cast(x)
}

/// Start of row `r` of an `m × m` upper triangle stored row after row.
#[inline(always)]
fn triangle_row(r: usize, m: usize) -> usize {
    r * m - r * r.saturating_sub(1) / 2
}

/// `Σ x_i y_i` lane by lane, in four interleaved partial sums.
#[inline(always)]
fn dot_four<Q: Quad>(q: Q, x: &[Q::V], y: &[Q::V]) -> Q::V {
    let mut acc = [q.splat(0.0); 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for t in 0..4 {
            acc[t] = q.add(acc[t], q.mul(a[t], b[t]));
        }
    }
    for (&a, &b) in xr.iter().zip(yr) {
        acc[0] = q.add(acc[0], q.mul(a, b));
    }
    q.add(q.add(acc[0], acc[1]), q.add(acc[2], acc[3]))
}

/// The Householder reflector `H = I − β v vᵀ` of `x` lane by lane (`H x = α e_1`): `v` into
/// `v[..x.len()]`, and `(α, β)`. A zero `x` gets β = 0 (left as it is); `ok` is cleared for a
/// lane whose `vᵀv` underflows.
#[inline(always)]
fn reflector<Q: Quad>(
    q: Q,
    x: &[Q::V],
    v: &mut [Q::V],
    ok: &mut [bool; 4],
) -> ([f64; 4], [f64; 4]) {
    let n2 = lanes(dot_four(q, x, x));
    let x0 = lanes(x[0]);
    let alpha: [f64; 4] = std::array::from_fn(|l| -n2[l].sqrt().copysign(x0[l]));
    let v = &mut v[..x.len()];
    v.copy_from_slice(x);
    v[0] = q.sub(v[0], position(alpha));
    let vv = lanes(dot_four(q, v, v));
    let mut beta = [0.0; 4];
    for l in 0..4 {
        beta[l] = if vv[l] > 0.0 { 2.0 / vv[l] } else { 0.0 };
        ok[l] &= vv[l] > 0.0 || n2[l] == 0.0;
    }
    (alpha, beta)
}

/// [`tridiagonalise_four`] with the arithmetic of `q` (`v`, `p`: `2 m` positions).
///
/// Step k reflects column k away with `H = I − β v vᵀ`: `p = β A v` on the trailing block,
/// `w = p − (β vᵀp / 2) v`, `A ← A − v wᵀ − w vᵀ`. The product `A v` of step k + 1 is taken
/// while step k updates the rows it reads: each entry is loaded and stored once per step, the
/// next reflector coming from the first updated row (the same operations in the same order as
/// one step after the other).
#[inline(always)]
fn reduce_four<Q: Quad>(
    q: Q,
    a: &mut [Q::V],
    m: usize,
    d: &mut Vec<[f64; 4]>,
    e: &mut Vec<[f64; 4]>,
    v: &mut [Q::V],
    p: &mut [Q::V],
) -> [bool; 4] {
    let mut ok = [true; 4];
    for &x in a.iter() {
        let x = lanes(x);
        for l in 0..4 {
            ok[l] &= x[l].is_finite();
        }
    }
    e.clear();
    let steps = m.saturating_sub(2);
    let (mut v, mut v2) = v.split_at_mut(m);
    let (mut p, mut p2) = p.split_at_mut(m);
    let zero = q.splat(0.0);
    let (mut alpha, mut beta) = ([0.0; 4], [0.0; 4]);
    if steps > 0 {
        // Step 0's reflector and product: row i of the trailing block gives p_i its sum with v
        // and adds its entries right of the diagonal times v_i to the p_j, j > i.
        (alpha, beta) = reflector(q, &a[1..m], v, &mut ok);
        let len = m - 1;
        p[..len].fill(zero);
        let mut start = triangle_row(1, m);
        for i in 0..len {
            let row = &a[start..start + len - i];
            start += len - i;
            let vi = v[i];
            let (head, tail) = p[..len].split_at_mut(i + 1);
            let mut sum = q.mul(row[0], vi);
            for ((&r, &vj), pj) in row[1..].iter().zip(&v[i + 1..len]).zip(tail.iter_mut()) {
                sum = q.add(sum, q.mul(r, vj));
                *pj = q.add(*pj, q.mul(r, vi));
            }
            head[i] = q.add(head[i], sum);
        }
    }
    for k in 0..steps {
        let len = m - k - 1;
        // p ← β p; w = p − (β vᵀp / 2) v, into p.
        let b = position(beta);
        for x in p[..len].iter_mut() {
            *x = q.mul(*x, b);
        }
        let vp = lanes(dot_four(q, &v[..len], &p[..len]));
        let half = position(std::array::from_fn(|l| 0.5 * beta[l] * vp[l]));
        for (x, &y) in p[..len].iter_mut().zip(&v[..len]) {
            *x = q.sub(*x, q.mul(half, y));
        }
        e.push(alpha);
        let start = triangle_row(k + 1, m);
        if k + 1 == steps {
            // The last step: A ← A − v wᵀ − w vᵀ on the upper triangle.
            let mut start = start;
            for i in 0..len {
                let row = &mut a[start..start + len - i];
                start += len - i;
                let (vi, wi) = (v[i], p[i]);
                for ((x, &w), &y) in row.iter_mut().zip(&p[i..len]).zip(&v[i..len]) {
                    *x = q.sub(*x, q.add(q.mul(vi, w), q.mul(wi, y)));
                }
            }
            break;
        }
        // The first trailing row, updated, gives the next reflector (v2); the other rows are
        // updated and multiplied by v2 into p2 as they are.
        let (v0, w0) = (v[0], p[0]);
        for ((x, &w), &y) in a[start..start + len]
            .iter_mut()
            .zip(&p[..len])
            .zip(&v[..len])
        {
            *x = q.sub(*x, q.add(q.mul(v0, w), q.mul(w0, y)));
        }
        let next = reflector(q, &a[start + 1..start + len], v2, &mut ok);
        let short = len - 1;
        p2[..short].fill(zero);
        let mut at = start + len;
        for i in 1..len {
            let row = &mut a[at..at + len - i];
            at += len - i;
            let (vi, wi, ui) = (v[i], p[i], v2[i - 1]);
            let own = q.sub(row[0], q.add(q.mul(vi, wi), q.mul(wi, vi)));
            row[0] = own;
            let mut sum = q.mul(own, ui);
            let (head, tail) = p2[..short].split_at_mut(i);
            let old = row[1..].iter_mut().zip(&p[i + 1..len]).zip(&v[i + 1..len]);
            for (((x, &w), &y), (pj, &uj)) in old.zip(tail.iter_mut().zip(&v2[i..short])) {
                let new = q.sub(*x, q.add(q.mul(vi, w), q.mul(wi, y)));
                *x = new;
                sum = q.add(sum, q.mul(new, uj));
                *pj = q.add(*pj, q.mul(new, ui));
            }
            head[i - 1] = q.add(head[i - 1], sum);
        }
        std::mem::swap(&mut v, &mut v2);
        std::mem::swap(&mut p, &mut p2);
        (alpha, beta) = next;
    }
    if m >= 2 {
        e.push(lanes(a[triangle_row(m - 2, m) + 1]));
    }
    d.clear();
    d.extend((0..m).map(|i| lanes(a[triangle_row(i, m)])));
    ok
}

/// `S = M Mᵀ` into `w.s` for any `M` (cells row-major): a stable counting sort of the cells by
/// column, then the products of each column's entries (`M` is sparse: most level pairs never
/// co-occur).
fn product_with_transpose(
    cells: &[(u32, u32, f64)],
    py: &[f64],
    n: usize,
    m: usize,
    w: &mut MccWork,
) {
    w.start.clear();
    w.start.resize(n + 1, 0);
    for &(_, k, _) in cells {
        w.start[k as usize + 1] += 1;
    }
    for k in 0..n {
        w.start[k + 1] += w.start[k];
    }
    w.entries.clear();
    w.entries.resize(cells.len(), (0, 0.0));
    let mut next = w.start.clone();
    w.inv_y.clear();
    w.inv_y.extend(py.iter().map(|&y| 1.0 / y.sqrt()));
    for &(a, k, v) in cells {
        let (a, k) = (a as usize, k as usize);
        w.entries[next[k]] = (w.row[a], v * w.inv_x[a] * w.inv_y[k]);
        next[k] += 1;
    }
    let s = &mut w.s;
    s.clear();
    s.resize(m * m, 0.0);
    for k in 0..n {
        let col = &w.entries[w.start[k]..w.start[k + 1]];
        for (t, &(r, x)) in col.iter().enumerate() {
            let row = &mut s[r as usize * m..(r as usize + 1) * m];
            for &(c, y) in &col[t..] {
                row[c as usize] += x * y;
            }
        }
    }
    for r in 0..m {
        for c in 0..r {
            s[r * m + c] = s[c * m + r];
        }
    }
}

/// `S = M²` into `w.s` for a symmetric `M` (`p = pᵀ`, `p_x = p_y`): `M` dense from its upper
/// triangle, then each row of the upper triangle of `S` as a sum of rows of `M` scaled by the
/// row's non-zero entries (contiguous products the compiler vectorises), mirrored.
fn square_of_symmetric(cells: &[(u32, u32, f64)], m: usize, w: &mut MccWork) {
    let dense = &mut w.dense;
    dense.clear();
    dense.resize(m * m, 0.0);
    for &(a, b, v) in cells {
        if a <= b {
            let (a, b) = (a as usize, b as usize);
            let x = v * w.inv_x[a] * w.inv_x[b];
            let (ra, rb) = (w.row[a] as usize, w.row[b] as usize);
            dense[ra * m + rb] = x;
            dense[rb * m + ra] = x;
        }
    }
    let s = &mut w.s;
    s.clear();
    s.resize(m * m, 0.0);
    for r in 0..m {
        let out = &mut s[r * m + r..(r + 1) * m];
        for (k, &x) in dense[r * m..(r + 1) * m].iter().enumerate() {
            if x != 0.0 {
                for (o, &y) in out.iter_mut().zip(&dense[k * m + r..(k + 1) * m]) {
                    *o += x * y;
                }
            }
        }
    }
    for r in 0..m {
        for c in 0..r {
            s[r * m + c] = s[c * m + r];
        }
    }
}

/// Smallest `S` (active levels) for which [`deflated_top`] is tried: below it the dense
/// solver is as cheap.
const LANCZOS_MIN: usize = 8;

/// Buffers of [`deflated_top`].
#[derive(Default)]
struct LanczosWork {
    /// The Lanczos vectors, one after the other.
    q: Vec<f64>,
    w: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    d: Vec<f64>,
    e: Vec<f64>,
    chol: Vec<f64>,
}

/// `y ← y − c x`.
fn axpy(y: &mut [f64], c: f64, x: &[f64]) {
    for (a, &b) in y.iter_mut().zip(x) {
        *a -= c * b;
    }
}

/// The largest eigenvalue of `S' = S − u uᵀ` (`S`: symmetric `m × m`, row-major, positive
/// semi-definite, largest eigenvalue 1 with the unit eigenvector `u`), i.e. the second largest
/// eigenvalue of `S`, by Lanczos iterations on the complement of `u` with full
/// reorthogonalisation, stopped when the largest Ritz value stagnates. The result θ is then
/// certified by a Cholesky factorisation of `θ (1 + 2e-13) I − S'` (it exists only if every
/// eigenvalue of `S'` is below `θ (1 + 2e-13)`, and Ritz values are at most the largest
/// eigenvalue), so it is within 2e-13 relative of λ2 up to rounding. `None` (use the dense
/// solver) if it cannot be certified or θ < 1e-6 (the dense solver then decides how a λ2 near 0
/// rounds).
fn deflated_top(s: &[f64], m: usize, u: &[f64], work: &mut LanczosWork) -> Option<f64> {
    const SLACK: f64 = 2e-13;
    let LanczosWork {
        q,
        w,
        alpha,
        beta,
        d,
        e,
        chol,
    } = work;
    q.clear();
    alpha.clear();
    beta.clear();
    // A fixed start vector with no structure shared with `S` (golden-ratio sequence).
    w.clear();
    w.extend((0..m).map(|i| 0.5 + ((i + 1) as f64 * 0.618_033_988_749_894_9).fract()));
    for _ in 0..2 {
        let c = dot(u, w);
        axpy(w, c, u);
    }
    let norm = dot(w, w).sqrt();
    if norm.is_nan() || norm <= 0.0 || s.iter().any(|v| !v.is_finite()) {
        return None;
    }
    q.extend(w.iter().map(|x| x / norm));
    let mut last = f64::NAN;
    let mut theta = f64::NAN;
    for j in 0..m {
        let qj = &q[j * m..(j + 1) * m];
        for (r, x) in w.iter_mut().enumerate() {
            *x = dot(&s[r * m..(r + 1) * m], qj);
        }
        alpha.push(dot(qj, w));
        // The three-term recurrence, then against u and every Lanczos vector, again while a
        // pass cancels much of w (Daniel–Gragg–Kaufman–Stewart; a third pass guards
        // near-breakdowns).
        axpy(w, alpha[j], qj);
        if j > 0 {
            axpy(w, beta[j - 1], &q[(j - 1) * m..j * m]);
        }
        let mut before = dot(w, w).sqrt();
        let mut b = before;
        for _ in 0..3 {
            let c = dot(u, w);
            axpy(w, c, u);
            for qi in q.chunks_exact(m) {
                let c = dot(qi, w);
                axpy(w, c, qi);
            }
            b = dot(w, w).sqrt();
            if b >= 0.7 * before {
                break;
            }
            before = b;
        }
        // θ_j ≤ max(θ_{j−1}, α_j) + β_{j−1} (Weyl): Laguerre's start, above the largest root.
        theta = match (j, beta.last()) {
            (0, _) | (_, None) => alpha[0],
            (_, Some(&bl)) => {
                let start = (theta.max(alpha[j]) + bl) * (1.0 + 1e-12);
                match tridiagonal_top(alpha, beta, start) {
                    Some(t) => t,
                    None => {
                        d.clear();
                        d.extend_from_slice(alpha);
                        e.clear();
                        e.extend_from_slice(beta);
                        e.push(0.0);
                        if !tridiagonal_ql(d, e) {
                            return None;
                        }
                        d.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    }
                }
            }
        };
        // Stop when θ has not moved over two steps, at a breakdown (an invariant subspace) or
        // when the Krylov space is the whole complement of u.
        if j + 1 == m || b <= 1e-13 || (j >= 3 && (theta - last).abs() <= 1e-14 * theta.abs()) {
            break;
        }
        if j % 2 == 1 {
            last = theta;
        }
        beta.push(b);
        q.extend(w.iter().map(|x| x / b));
    }
    if theta.is_nan() || theta < 1e-6 {
        return None;
    }
    // Cholesky of A = θ (1 + SLACK) I − S + u uᵀ (lower triangle, row-major).
    let shift = theta * (1.0 + SLACK);
    chol.clear();
    chol.resize(m * m, 0.0);
    for r in 0..m {
        for c in 0..=r {
            let diag = if r == c { shift } else { 0.0 };
            chol[r * m + c] = diag - s[r * m + c] + u[r] * u[c];
        }
    }
    for c in 0..m {
        let rest = &mut chol[c * m..];
        let row_c = &rest[..m];
        let pivot = row_c[c] - dot(&row_c[..c], &row_c[..c]);
        if pivot.is_nan() || pivot <= 0.0 {
            return None;
        }
        let l = pivot.sqrt();
        let (row_c, below) = rest.split_at_mut(m);
        row_c[c] = l;
        let row_c = &row_c[..c];
        for row in below.chunks_exact_mut(m) {
            let v = (row[c] - dot(&row[..c], row_c)) / l;
            row[c] = v;
        }
    }
    Some(theta)
}

/// The first two logarithmic derivatives of `det(x I − T)` for the symmetric tridiagonal `T`
/// (diagonal `alpha`, subdiagonal `beta`): `(g, h)` with `g = Σ 1 / (x − λ_i)` and
/// `h = Σ 1 / (x − λ_i)²` over its eigenvalues `λ_i`, from the ratios `p_i` of its leading minors
/// (`g = Σ p_i' / p_i`, `h = Σ (p_i' / p_i)² − p_i'' / p_i`), if they are all positive, i.e. if
/// `x` is above every eigenvalue of `T` (Sturm).
fn log_det_derivatives(alpha: &[f64], beta: &[f64], x: f64) -> Option<(f64, f64)> {
    let p = x - alpha[0];
    if p.is_nan() || p <= 0.0 {
        return None;
    }
    // q = 1 / p, dp = p', ddp = p''.
    let (mut q, mut dp, mut ddp) = (1.0 / p, 1.0, 0.0);
    let (mut g, mut h) = (q, q * q);
    for (&a, &b) in alpha[1..].iter().zip(beta) {
        let r = b * b * q;
        let next_dp = 1.0 + r * dp * q;
        ddp = r * q * (ddp - 2.0 * dp * dp * q);
        dp = next_dp;
        let p = x - a - r;
        if p.is_nan() || p <= 0.0 {
            return None;
        }
        q = 1.0 / p;
        let t = dp * q;
        g += t;
        h += t * t - ddp * q;
    }
    Some((g, h))
}

/// The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `alpha` and
/// subdiagonal `beta`, by Laguerre's iterations on `det(x I − T)` from `start` above it (a
/// polynomial with real roots only: they decrease monotonically to its largest root, cubically
/// near it, and fast from far above, where Newton's iterations crawl). A step that lands below it (by
/// rounding, near it) is refined by bisection to 1e-15 relative. `None` if `start` is not above
/// it or 100 iterations do not settle.
fn tridiagonal_top(alpha: &[f64], beta: &[f64], start: f64) -> Option<f64> {
    let n = alpha.len() as f64;
    let mut x = start;
    let mut derivatives = log_det_derivatives(alpha, beta, x)?;
    for _ in 0..100 {
        let (g, h) = derivatives;
        let step = n / (g + ((n - 1.0) * (n * h - g * g)).max(0.0).sqrt());
        let next = x - step;
        if step <= 1e-15 * next.abs() {
            return Some(next);
        }
        match log_det_derivatives(alpha, beta, next) {
            Some(d) => (x, derivatives) = (next, d),
            None => {
                // The root is in (next, x], most likely just above `next` (a converged step
                // that rounding carried past it): try 1e-15 above it first.
                let (mut lo, mut hi) = (next, x);
                let near = next + 1e-15 * next.abs();
                if near < hi && log_det_derivatives(alpha, beta, near).is_some() {
                    hi = near;
                }
                while hi - lo > 1e-15 * hi.abs() {
                    let mid = 0.5 * (lo + hi);
                    if mid <= lo || mid >= hi {
                        break;
                    }
                    if log_det_derivatives(alpha, beta, mid).is_some() {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                return Some(hi);
            }
        }
    }
    None
}

/// Buffers of [`symmetric_eigenvalues`].
#[derive(Default)]
struct EigenWork {
    d: Vec<f64>,
    e: Vec<f64>,
    v: Vec<f64>,
    w: Vec<f64>,
}

/// `√(a² + b²)`, without `hypot`'s cost where squaring can neither overflow nor underflow.
fn hyp(a: f64, b: f64) -> f64 {
    let big = a.abs().max(b.abs());
    if big < 1e150 && big > 1e-150 {
        (a * a + b * b).sqrt()
    } else {
        a.hypot(b)
    }
}

/// `Σ x_i y_i`, in four interleaved partial sums.
#[inline(always)]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for t in 0..4 {
            acc[t] += a[t] * b[t];
        }
    }
    let tail: f64 = xr.iter().zip(yr).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Eigenvalues of the symmetric `n × n` matrix `a` (row-major, overwritten), unordered:
/// Householder reduction to tridiagonal form, then implicit QL iterations with Wilkinson shifts.
/// `None` if the iterations do not converge (60 per eigenvalue) or the matrix is not finite.
fn symmetric_eigenvalues<'w>(
    a: &mut Vec<f64>,
    n: usize,
    work: &'w mut EigenWork,
) -> Option<&'w [f64]> {
    if a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    tridiagonalise(a, n, work);
    let EigenWork { d, e, .. } = work;
    if !tridiagonal_ql(d, e) {
        return None;
    }
    Some(d)
}

/// Householder reduction of the symmetric `n × n` matrix `a` (row-major; overwritten, and
/// grown to the padded layout below) to the tridiagonal matrix with diagonal `d` and subdiagonal
/// `e` (`e[i]`: entry `(i + 1, i)`; `e.len() == n`, the last entry 0), which has the same
/// eigenvalues (`d`, `e` of `work`; its `v` and `w` are scratch).
///
/// Compiled for the baseline x86-64 and for x86-64-v3, chosen at run time ([`crate::simd`]);
/// the loops are element-wise, the sums of [`dot`] interleaved explicitly.
fn tridiagonalise(a: &mut Vec<f64>, n: usize, work: &mut EigenWork) {
    struct Reduce<'a> {
        a: &'a mut Vec<f64>,
        n: usize,
        work: &'a mut EigenWork,
    }
    impl pulp::WithSimd for Reduce<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let EigenWork { d, e, v, w } = self.work;
            tridiagonalise_body(simd, self.a, self.n, d, e, v, w);
        }
    }
    crate::simd::arch().dispatch(Reduce { a, n, work });
}

/// [`tridiagonalise`]. The rows are padded with zeros to a multiple of 4 (`ld`), and each row
/// operation of step `k` runs over the columns from `k + 1` rounded down to a multiple of 4 to
/// `ld`: whole vectors, no remainder loop. The extra columns on the left belong to columns
/// already reduced, which are never read again; the padding on the right stays 0 (`v` and `w`
/// are 0 there).
#[inline(always)]
fn tridiagonalise_body<S: pulp::Simd>(
    simd: S,
    a: &mut Vec<f64>,
    n: usize,
    d: &mut Vec<f64>,
    e: &mut Vec<f64>,
    v: &mut Vec<f64>,
    w: &mut Vec<f64>,
) {
    let ld = n.next_multiple_of(4);
    if ld != n {
        a.resize(n * ld, 0.0);
        for r in (0..n).rev() {
            a.copy_within(r * n..r * n + n, r * ld);
            a[r * ld + n..(r + 1) * ld].fill(0.0);
        }
    }
    for b in [&mut *v, &mut *w] {
        b.clear();
        b.resize(ld, 0.0);
    }
    e.clear();
    e.resize(n, 0.0);
    // e[i]: entry (i + 1, i) of the tridiagonal matrix. The updates keep `a` exactly symmetric
    // on the trailing block (each entry and its mirror get the same two products), so column k
    // is row k.
    for k in 0..n.saturating_sub(2) {
        let col = &a[k * ld + k + 1..k * ld + n];
        let x0 = col[0];
        if col[1..].iter().all(|&x| x == 0.0) {
            e[k] = x0;
            continue; // already tridiagonal in this column
        }
        let norm = dot(col, col).sqrt();
        let alpha = -norm.copysign(x0);
        let tail = k + 1..n;
        v[tail.clone()].copy_from_slice(col);
        v[k + 1] -= alpha;
        let vv = dot(&v[tail.clone()], &v[tail.clone()]);
        // With H = I − β v vᵀ (β = 2 / vᵀv): A ← H A H = A − v wᵀ − w vᵀ, where
        // p = β A v and w = p − (β vᵀp / 2) v, on the trailing block.
        let beta = 2.0 / vv;
        let lo = (k + 1) / 4 * 4;
        // A v as a sum of A's rows scaled by v (A is symmetric): contiguous products the
        // compiler vectorises, where a dot product per row would be a serial sum.
        // Four rows at a time: each vector of the sum is loaded and stored once per four rows
        // (and summed row by row, in the same order as one row at a time).
        let wt = &mut w[lo..ld];
        wt.fill(0.0);
        let row = |r: usize| &a[r * ld + lo..r * ld + ld];
        let mut r = k + 1;
        while r + 4 <= n {
            let c = [v[r], v[r + 1], v[r + 2], v[r + 3]];
            axpy_rows(simd, wt, c, [row(r), row(r + 1), row(r + 2), row(r + 3)]);
            r += 4;
        }
        for (r, &vr) in v.iter().enumerate().take(n).skip(r) {
            axpy_rows(simd, wt, [vr], [row(r)]);
        }
        w[tail.clone()].iter_mut().for_each(|x| *x *= beta);
        let half = 0.5 * beta * dot(&v[tail.clone()], &w[tail.clone()]);
        for r in tail.clone() {
            w[r] -= half * v[r];
        }
        // Four rows at a time: each vector of v and w is loaded once per four rows.
        let (vs, ws) = (&v[lo..ld], &w[lo..ld]);
        let mut r = k + 1;
        for rows in a[(k + 1) * ld..n * ld].chunks_exact_mut(4 * ld) {
            let (r0, rest) = rows.split_at_mut(ld);
            let (r1, rest) = rest.split_at_mut(ld);
            let (r2, r3) = rest.split_at_mut(ld);
            let block = [&mut r0[lo..], &mut r1[lo..], &mut r2[lo..], &mut r3[lo..]];
            let (vr, wr) = (
                [v[r], v[r + 1], v[r + 2], v[r + 3]],
                [w[r], w[r + 1], w[r + 2], w[r + 3]],
            );
            rank_two_rows(simd, block, vr, ws, wr, vs);
            r += 4;
        }
        for r in r..n {
            let (vr, wr) = (v[r], w[r]);
            rank_two_rows(simd, [&mut a[r * ld + lo..r * ld + ld]], [vr], ws, [wr], vs);
        }
        e[k] = alpha;
    }
    if n >= 2 {
        e[n - 2] = a[(n - 1) * ld + n - 2];
    }
    d.clear();
    d.extend((0..n).map(|i| a[i * ld + i]));
}

/// `y += c_0 x_0`, then `+= c_1 x_1` and so on to `R` rows, element by element, in vectors of
/// `S` (equal lengths): each vector of `y` is loaded and stored once for the `R` rows.
#[inline(always)]
fn axpy_rows<S: pulp::Simd, const R: usize>(simd: S, y: &mut [f64], c: [f64; R], x: [&[f64]; R]) {
    let (yv, yt) = S::as_mut_simd_f64s(y);
    let xs = x.map(|x| S::as_simd_f64s(x));
    let cv = c.map(|c| simd.splat_f64s(c));
    for (i, y) in yv.iter_mut().enumerate() {
        let mut acc = *y;
        for t in 0..R {
            acc = simd.add_f64s(acc, simd.mul_f64s(cv[t], xs[t].0[i]));
        }
        *y = acc;
    }
    for (i, y) in yt.iter_mut().enumerate() {
        for t in 0..R {
            *y += c[t] * xs[t].1[i];
        }
    }
}

/// `row_t −= a_t w + b_t v` for `R` rows, element by element, in vectors of `S` (equal
/// lengths): each vector of `w` and `v` is loaded once for the `R` rows.
#[inline(always)]
fn rank_two_rows<S: pulp::Simd, const R: usize>(
    simd: S,
    rows: [&mut [f64]; R],
    a: [f64; R],
    w: &[f64],
    b: [f64; R],
    v: &[f64],
) {
    let mut rows = rows.map(|r| S::as_mut_simd_f64s(r));
    let ((wv, wt), (vv, vt)) = (S::as_simd_f64s(w), S::as_simd_f64s(v));
    let (av, bv) = (a.map(|x| simd.splat_f64s(x)), b.map(|x| simd.splat_f64s(x)));
    for (i, (&w, &v)) in wv.iter().zip(vv).enumerate() {
        for t in 0..R {
            let x = &mut rows[t].0[i];
            *x = simd.sub_f64s(
                *x,
                simd.add_f64s(simd.mul_f64s(av[t], w), simd.mul_f64s(bv[t], v)),
            );
        }
    }
    for (t, (_, tail)) in rows.iter_mut().enumerate() {
        for ((x, &w), &v) in tail.iter_mut().zip(wt).zip(vt) {
            *x -= a[t] * w + b[t] * v;
        }
    }
}

/// Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and subdiagonal `e`
/// (`e[i]`: entry `(i + 1, i)`; `e.len() == d.len()`, the last entry unused), left in `d`:
/// implicit QL iterations with Wilkinson shifts. `false` if they do not converge (60 per
/// eigenvalue).
fn tridiagonal_ql(d: &mut [f64], e: &mut [f64]) -> bool {
    let n = d.len();
    for l in 0..n {
        let mut iterations = 0;
        loop {
            // The first negligible subdiagonal entry at or after l.
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            if iterations == 60 {
                return false;
            }
            iterations += 1;
            let g0 = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let r0 = hyp(g0, 1.0);
            let mut g = d[m] - d[l] + e[l] / (g0 + r0.copysign(g0));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                let r = hyp(f, g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                let t = (d[i] - g) * s + 2.0 * c * b;
                p = s * t;
                d[i + 1] = g + p;
                g = c * t - b;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyradiomics_angle_sets() {
        let a3 = angles([5, 5, 5], &[1], None).expect("3D");
        assert_eq!(a3.len(), 13);
        assert_eq!(a3[0], [1, 1, 1]); // PyRadiomics starts at (+1, +1, +1) (z, y, x)
        assert_eq!(a3[12], [0, 0, 1]);
        let a2 = angles([5, 5, 5], &[1], Some(0)).expect("2D");
        assert_eq!(a2, vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]);
        // One slice: only in-plane offsets fit; distance 2 on a 2-voxel axis does not.
        assert_eq!(angles([5, 5, 1], &[1], None).expect("flat").len(), 4);
        assert_eq!(
            angles([5, 5, 2], &[2], None).expect("d2").len(),
            (25 - 9) * 3 / 2
        );
        assert!(angles([1, 1, 1], &[1], None).is_err());
    }

    #[test]
    fn symmetric_spectrum() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 1, 3, 5.
        let mut a = vec![2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let mut work = EigenWork::default();
        let mut e = symmetric_eigenvalues(&mut a, 3, &mut work)
            .expect("converges")
            .to_vec();
        e.sort_by(f64::total_cmp);
        for (g, w) in e.iter().zip([1.0, 3.0, 5.0]) {
            assert!((g - w).abs() < 1e-14, "{e:?}");
        }
        // The 4 × 4 second-difference matrix: 2 − 2 cos(kπ/5).
        let mut b = vec![0.0; 16];
        for i in 0..4 {
            b[i * 4 + i] = 2.0;
            if i > 0 {
                b[i * 4 + i - 1] = -1.0;
                b[(i - 1) * 4 + i] = -1.0;
            }
        }
        let mut e = symmetric_eigenvalues(&mut b, 4, &mut work)
            .expect("converges")
            .to_vec();
        e.sort_by(f64::total_cmp);
        for (k, g) in e.iter().enumerate() {
            let w = 2.0 - 2.0 * (std::f64::consts::PI * (k + 1) as f64 / 5.0).cos();
            assert!((g - w).abs() < 1e-14, "{e:?}");
        }
    }

    #[test]
    fn tridiagonal_form_keeps_trace_and_frobenius_norm() {
        // H A H is similar to A: the tridiagonal form has A's trace and Frobenius norm (the sum
        // of the eigenvalues and of their squares), whatever the size's remainder modulo 4.
        let mut rng = crate::families::pyr_grid::testing::Lcg(7);
        let mut work = EigenWork::default();
        for (n, sparse) in (1..=14)
            .chain([38, 40])
            .flat_map(|n| [(n, false), (n, true)])
        {
            let a = random_symmetric(&mut rng, n, |_, _, rng| sparse && rng.next(2) == 0);
            let trace: f64 = (0..n).map(|i| a[i * n + i]).sum();
            let frobenius: f64 = a.iter().map(|x| x * x).sum();
            let mut reduced = a.clone();
            tridiagonalise(&mut reduced, n, &mut work);
            let (d, e) = (&work.d, &work.e);
            let t: f64 = d.iter().sum();
            let f: f64 = d.iter().map(|x| x * x).sum::<f64>()
                + 2.0 * e[..n.saturating_sub(1)].iter().map(|x| x * x).sum::<f64>();
            assert!((t - trace).abs() < 1e-12, "n {n}: trace {t} vs {trace}");
            assert!(
                (f - frobenius).abs() < 1e-12 * frobenius,
                "n {n}: {f} vs {frobenius}"
            );
        }
    }

    /// A random symmetric `n × n` matrix (row-major), entries in [−1, 1] in steps of 0.001,
    /// entry (i, j ≥ i) 0 where `empty(i, j, rng)`.
    fn random_symmetric(
        rng: &mut crate::families::pyr_grid::testing::Lcg,
        n: usize,
        mut empty: impl FnMut(usize, usize, &mut crate::families::pyr_grid::testing::Lcg) -> bool,
    ) -> Vec<f64> {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let x = if empty(i, j, rng) {
                    0.0
                } else {
                    rng.next(2001) as f64 / 1000.0 - 1.0
                };
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        a
    }

    #[test]
    fn four_reductions_at_once_match_one_at_a_time() {
        // Four matrices in the lanes of one reduction: each lane keeps its matrix's trace and
        // Frobenius norm, has the eigenvalues of the one-matrix reduction, and the baseline
        // kernel gives the same bits. Lanes: dense, half-sparse, a zero column in the middle,
        // and an empty lane (a batch of fewer than four).
        let mut rng = crate::families::pyr_grid::testing::Lcg(11);
        let mut work = EigenWork::default();
        for m in [3usize, 4, 5, 7, 8, 13, 38, 41] {
            let dense = [
                random_symmetric(&mut rng, m, |_, _, _| false),
                random_symmetric(&mut rng, m, |_, _, rng| rng.next(2) == 0),
                random_symmetric(&mut rng, m, |i, _, _| i == m / 2),
                vec![0.0; m * m],
            ];
            let mut packed = Vec::new();
            for r in 0..m {
                for c in r..m {
                    packed.push(std::array::from_fn(|lane| dense[lane][r * m + c]));
                }
            }
            let mut baseline = packed.clone();
            let (mut d, mut e, mut v, mut p) = (vec![], vec![], vec![], vec![]);
            let ok = tridiagonalise_four(&mut packed, m, &mut d, &mut e, &mut v, &mut p);
            assert_eq!(ok, [true; 4], "m {m}");
            let (mut d0, mut e0) = (vec![], vec![]);
            crate::simd::testing::baseline(|| {
                tridiagonalise_four(&mut baseline, m, &mut d0, &mut e0, &mut v, &mut p)
            });
            assert_eq!((&d0, &e0), (&d, &e), "m {m}: baseline bits");
            for (lane, a) in dense.iter().enumerate() {
                let trace: f64 = (0..m).map(|i| a[i * m + i]).sum();
                let frobenius: f64 = a.iter().map(|x| x * x).sum();
                let mut ld: Vec<f64> = d.iter().map(|x| x[lane]).collect();
                let mut le: Vec<f64> = e.iter().map(|x| x[lane]).collect();
                let t: f64 = ld.iter().sum();
                let f = ld.iter().map(|x| x * x).sum::<f64>()
                    + 2.0 * le.iter().map(|x| x * x).sum::<f64>();
                assert!((t - trace).abs() < 1e-12, "m {m} lane {lane}: trace");
                assert!(
                    (f - frobenius).abs() <= 1e-12 * frobenius,
                    "m {m} lane {lane}: {f} vs {frobenius}"
                );
                le.push(0.0);
                assert!(tridiagonal_ql(&mut ld, &mut le));
                let mut one = a.clone();
                let mut want = symmetric_eigenvalues(&mut one, m, &mut work)
                    .expect("eigenvalues")
                    .to_vec();
                ld.sort_by(f64::total_cmp);
                want.sort_by(f64::total_cmp);
                for (x, y) in ld.iter().zip(&want) {
                    assert!((x - y).abs() < 1e-12, "m {m} lane {lane}: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn mcc_symmetric_and_general_paths_agree() {
        // A symmetric matrix through the spectral radius of M − u uᵀ (upper-triangle cells)
        // and through the eigenvalues of S = M Mᵀ (all cells): the same MCC, for sizes on
        // either side of the Lanczos threshold and with half the cells empty.
        let mut rng = crate::families::pyr_grid::testing::Lcg(3);
        for n in [5usize, 9, 17, 38] {
            let mut p = vec![0.0; n * n];
            for i in 0..n {
                for j in i..n {
                    let x = if rng.next(2) == 0 {
                        0.0
                    } else {
                        rng.next(100) as f64
                    };
                    p[i * n + j] = x;
                    p[j * n + i] = x;
                }
            }
            let total: f64 = p.iter().sum();
            let mut cells = Vec::new();
            let mut px = vec![0.0; n];
            for i in 0..n {
                for j in 0..n {
                    if p[i * n + j] != 0.0 {
                        cells.push((i as u32, j as u32, p[i * n + j] / total));
                        px[i] += p[i * n + j] / total;
                    }
                }
            }
            let upper: Vec<_> = cells.iter().copied().filter(|&(i, j, _)| i <= j).collect();
            let a = mcc(&upper, &px, &px, true, &mut MccWork::default());
            let b = mcc(&cells, &px, &px, false, &mut MccWork::default());
            assert!((a - b).abs() < 1e-10, "n {n}: {a} vs {b}");
        }
    }

    #[test]
    fn mcc_of_independent_and_diagonal_matrices() {
        let mut w = MccWork::default();
        // p = p_x p_yᵀ (rank one): Q has eigenvalues 1 and 0.
        let p = [
            (0, 0, 1.0 / 9.0),
            (0, 1, 2.0 / 9.0),
            (1, 0, 2.0 / 9.0),
            (1, 1, 4.0 / 9.0),
        ];
        let m = [1.0 / 3.0, 2.0 / 3.0];
        for sym in [false, true] {
            assert!(mcc(&p, &m, &m, sym, &mut w).abs() < 1e-7);
        }
        // A diagonal p: Q = I, MCC 1.
        let p = [(0, 0, 0.25), (1, 1, 0.75)];
        let m = [0.25, 0.75];
        for sym in [false, true] {
            assert!((mcc(&p, &m, &m, sym, &mut w) - 1.0).abs() < 1e-12);
        }
    }

    /// A deterministic generator of uniform numbers in [0, 1).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// `Σ λ_i v_i v_iᵀ` over an orthonormal basis whose first vector is `u`, with `λ_0 = 1`.
    fn spectral(u: &[f64], rest: &[f64], rng: &mut Lcg) -> Vec<f64> {
        let m = u.len();
        let mut basis = u.to_vec();
        while basis.len() < m * m {
            let mut v: Vec<f64> = (0..m).map(|_| rng.next() - 0.5).collect();
            for _ in 0..2 {
                for b in basis.chunks_exact(m) {
                    let c = dot(b, &v);
                    axpy(&mut v, c, b);
                }
            }
            let n = dot(&v, &v).sqrt();
            basis.extend(v.iter().map(|x| x / n));
        }
        let mut s = vec![0.0; m * m];
        for (b, &l) in basis.chunks_exact(m).zip(std::iter::once(&1.0).chain(rest)) {
            for r in 0..m {
                for c in 0..m {
                    s[r * m + c] += l * b[r] * b[c];
                }
            }
        }
        // Exactly symmetric, as `mcc` builds it.
        for r in 0..m {
            for c in 0..r {
                s[r * m + c] = s[c * m + r];
            }
        }
        s
    }

    #[test]
    fn lanczos_matches_the_dense_solver() {
        let mut rng = Lcg(7);
        let (mut lw, mut ew) = (LanczosWork::default(), EigenWork::default());
        let mut certified = 0;
        for case in 0..200 {
            let m = 8 + case % 40;
            let mut u: Vec<f64> = (0..m).map(|_| rng.next() + 0.01).collect();
            let n = dot(&u, &u).sqrt();
            u.iter_mut().for_each(|x| *x /= n);
            let rest: Vec<f64> = match case % 4 {
                // Spread over [0, 1).
                0 => (1..m).map(|_| rng.next()).collect(),
                // Decaying, as MCC matrices are.
                1 => (1..m).map(|i| 0.7f64.powi(i as i32) * rng.next()).collect(),
                // The top two clustered (1e-9 apart), the rest spread.
                2 => (1..m)
                    .map(|i| match i {
                        1 => 0.6,
                        2 => 0.6 - 1e-9,
                        _ => 0.5 * rng.next(),
                    })
                    .collect(),
                // Repeated eigenvalues, λ2 = 1 among them.
                _ => (1..m).map(|i| [1.0, 0.4, 0.1][i % 3]).collect(),
            };
            let s = spectral(&u, &rest, &mut rng);
            let mut a = s.clone();
            let mut e = symmetric_eigenvalues(&mut a, m, &mut ew)
                .expect("dense")
                .to_vec();
            e.sort_by(|x, y| y.total_cmp(x));
            let got = deflated_top(&s, m, &u, &mut lw);
            // Clusters 1e-9 wide are not resolved: left to the dense solver.
            assert!(got.is_some() || case % 4 == 2, "{case}");
            if let Some(l2) = got {
                certified += 1;
                assert!((l2 - e[1]).abs() <= 1e-12 * e[1], "{case}: {l2} {}", e[1]);
            }
        }
        assert!(certified >= 150, "{certified}");
    }

    #[test]
    fn mcc_lanczos_and_dense_agree() {
        let mut rng = Lcg(11);
        let (mut w, mut ew) = (MccWork::default(), EigenWork::default());
        for case in 0..50 {
            let n = 10 + case % 30;
            // A symmetric co-occurrence matrix with a band and some empty levels.
            let mut p = vec![0.0; n * n];
            for i in 0..n {
                for j in i..n.min(i + 4) {
                    // Every fourth case mostly between levels of different parity (nearly
                    // bipartite: the smallest eigenvalue of M' dominates).
                    let weak = case % 4 == 3 && (j - i) % 2 == 0;
                    if i % 7 != 3 && j % 7 != 3 && rng.next() < if weak { 0.1 } else { 0.8 } {
                        let v = rng.next();
                        p[i * n + j] += v;
                        p[j * n + i] += v;
                    }
                }
            }
            let total: f64 = p.iter().sum();
            let cells: Vec<(u32, u32, f64)> = (0..n * n)
                .filter(|&k| p[k] > 0.0)
                .map(|k| ((k / n) as u32, (k % n) as u32, p[k] / total))
                .collect();
            let mut px = vec![0.0; n];
            for &(a, _, v) in &cells {
                px[a as usize] += v;
            }
            // The symmetric path (spectral radius of M') and the general one (λ2 of S = M Mᵀ)
            // agree; the general path leaves S in the buffers.
            let fast = mcc(&cells, &px, &px, true, &mut w);
            // The baseline x86-64 kernels give the same bits as the AVX2 ones.
            let baseline = crate::simd::testing::baseline(|| mcc(&cells, &px, &px, true, &mut w));
            assert_eq!(fast.to_bits(), baseline.to_bits(), "{case}");
            let general = mcc(&cells, &px, &px, false, &mut w);
            assert!(
                (fast - general).abs() <= 1e-12 * general,
                "{case}: {fast} {general}"
            );
            // The dense path on the same S.
            let m = w.u.len();
            let mut s = w.s.clone();
            let mut e = symmetric_eigenvalues(&mut s, m, &mut ew)
                .expect("dense")
                .to_vec();
            e.sort_by(|x, y| y.total_cmp(x));
            let dense = e[1].max(0.0).sqrt();
            assert!(
                (fast - dense).abs() <= 1e-12 * dense,
                "{case}: {fast} {dense}"
            );
        }
    }

    #[test]
    fn hxy2_from_the_marginals() {
        let x = [0.1, 0.0, 0.2, 0.3, 0.4];
        let y = [0.05, 0.25, 0.0, 0.3, 0.4];
        let log = |m: &[f64]| -> Vec<f64> { m.iter().map(|v| v.log2()).collect() };
        let (a, b) = (
            hxy2_direct(&x, &y),
            hxy2_marginal(&x, &y, &log(&x), &log(&y)),
        );
        assert!((a - b).abs() < 1e-14 * a, "{a} {b}");
    }
}
