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
//! HXY2 < HXY is NaN and left out. MCC's eigenvalues are those of the non-symmetric `Q` (real QR
//! iteration); a negative second eigenvalue gives NaN (left out), as numpy's real square root does.
//!
//! A one-level ROI (flat region) gives Correlation 1, Imc1 0, Imc2 0, MCC 1 and the entropies
//! `−log2(1 + ε) ≈ −3.2e-16`, as PyRadiomics does. Dissimilarity, Homogeneity1, Homogeneity2 and
//! SumVariance are deprecated in PyRadiomics 3.1: naming them yields no value (PyRadiomics' getters
//! raise a deprecation warning that its extractor swallows); they equal DifferenceAverage, Id, Idm
//! and ClusterTendency.

use crate::error::param;
use crate::{FeatureError, Settings, WeightingNorm};
use perirad_core::{BoundingBox, Mask, Volume};

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

/// The ROI's grey levels cropped to its bounding box and padded with `pad` empty voxels on every
/// side, stored as the rank of the level among the levels present plus one (0: outside the ROI),
/// so that neighbours at offsets up to `pad` need no bounds check.
pub(crate) struct RankGrid {
    /// Bounding box size (x, y, z).
    pub size: [usize; 3],
    pub pad: usize,
    /// Padded size (x, y, z).
    pub dims: [usize; 3],
    pub ranks: Vec<u32>,
    /// The grey levels present, ascending (rank r ↔ `levels[r]`).
    pub levels: Vec<u32>,
    /// The highest grey level (PyRadiomics' `Ng`).
    pub ng: u32,
}

impl RankGrid {
    pub fn new(levels: &Volume<u32>, mask: &Mask, pad: usize) -> Result<RankGrid, FeatureError> {
        let g = mask.geometry();
        if levels.geometry().size() != g.size() {
            return Err(param("mask", "the grey levels are not on the mask's grid"));
        }
        let data = levels.data();
        let in_roi = |l: usize| mask.data()[l] && data[l] > 0;
        let bbox = BoundingBox::of(g.size(), in_roi).ok_or(FeatureError::EmptyRoi)?;
        let size = bbox.size();
        let ng = mask
            .data()
            .iter()
            .zip(data)
            .filter(|(&m, _)| m)
            .map(|(_, &v)| v)
            .max()
            .unwrap_or(0);
        let mut rank = vec![0u32; ng as usize + 1];
        for (&m, &v) in mask.data().iter().zip(data) {
            if m {
                rank[v as usize] = 1;
            }
        }
        let mut present = Vec::new();
        for (v, r) in rank.iter_mut().enumerate().skip(1) {
            if *r == 1 {
                present.push(v as u32);
                *r = present.len() as u32;
            }
        }
        let dims = size.map(|s| s + 2 * pad);
        let mut ranks = vec![0u32; dims[0] * dims[1] * dims[2]];
        let [nx, ny, _] = g.size();
        for k in 0..size[2] {
            for j in 0..size[1] {
                let src = nx * (bbox.lower[1] + j + ny * (bbox.lower[2] + k)) + bbox.lower[0];
                let dst = pad + dims[0] * (pad + j + dims[1] * (pad + k));
                for i in 0..size[0] {
                    if in_roi(src + i) {
                        ranks[dst + i] = rank[data[src + i] as usize];
                    }
                }
            }
        }
        Ok(RankGrid {
            size,
            pad,
            dims,
            ranks,
            levels: present,
            ng,
        })
    }

    /// Linear index offset of a (z, y, x) offset in the padded grid.
    pub fn offset(&self, a: [i64; 3]) -> isize {
        let [nx, ny, _] = self.dims;
        (a[2] + nx as i64 * (a[1] + ny as i64 * a[0])) as isize
    }

    /// Linear indices of the box's voxels (not the padding), in memory order.
    pub fn interior(&self) -> impl Iterator<Item = usize> + '_ {
        let [nx, ny, _] = self.dims;
        let p = self.pad;
        let [sx, sy, sz] = self.size;
        (0..sz).flat_map(move |k| {
            (0..sy).flat_map(move |j| {
                let row = p + nx * (p + j + ny * (p + k));
                row..row + sx
            })
        })
    }
}

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

/// The co-occurrence counts (`angles.len()` matrices of `n × n`, n = levels present) in one
/// pass over the ROI, not symmetrised.
fn cooccurrences(grid: &RankGrid, angles: &[[i64; 3]]) -> Vec<f64> {
    let n = grid.levels.len();
    let offsets: Vec<isize> = angles.iter().map(|&a| grid.offset(a)).collect();
    let mut counts = vec![0u32; angles.len() * n * n];
    let r = &grid.ranks;
    for l in grid.interior() {
        let c = r[l];
        if c == 0 {
            continue;
        }
        let row = (c as usize - 1) * n;
        for (a, &off) in offsets.iter().enumerate() {
            let m = r[(l as isize + off) as usize];
            if m != 0 {
                counts[a * n * n + row + m as usize - 1] += 1;
            }
        }
    }
    counts.into_iter().map(f64::from).collect()
}

/// PyRadiomics `glcm` features of the ROI whose grey levels (1-based, 0 outside) are `levels`,
/// with the `distances`, `symmetricalGLCM`, `weightingNorm`, `force2D` and `force2Ddimension`
/// of `settings`. Returns every non-deprecated feature, in [`NAMES`] order.
pub fn pyradiomics(
    levels: &Volume<u32>,
    mask: &Mask,
    settings: &Settings,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let distances = settings.distances.clone().unwrap_or_else(|| vec![1]);
    let pad = distances.iter().copied().max().unwrap_or(1).max(1) as usize;
    let grid = RankGrid::new(levels, mask, pad)?;
    let angles = angles(grid.size, &distances, force_2d_axis(settings))?;
    let n = grid.levels.len();
    let nn = n * n;
    let mut counts = cooccurrences(&grid, &angles);
    if settings.symmetrical_glcm.unwrap_or(true) {
        for m in counts.chunks_exact_mut(nn) {
            for i in 0..n {
                for j in i..n {
                    let s = m[i * n + j] + m[j * n + i];
                    m[i * n + j] = s;
                    m[j * n + i] = s;
                }
            }
        }
    }
    if let Some(norm) = settings.weighting_norm {
        let spacing = levels.geometry().spacing();
        let mut sum = vec![0.0; nn];
        for (m, &a) in counts.chunks_exact(nn).zip(&angles) {
            let d = scaled(a, spacing);
            let w = match norm {
                WeightingNorm::Infinity => (-d.iter().fold(0.0f64, |x, &y| x.max(y)).powi(2)).exp(),
                WeightingNorm::Euclidean => (-d.iter().map(|v| v * v).sum::<f64>()).exp(),
                WeightingNorm::Manhattan => (-d.iter().sum::<f64>().powi(2)).exp(),
                WeightingNorm::NoWeighting => 1.0,
            };
            for (s, v) in sum.iter_mut().zip(m) {
                *s += v * w;
            }
        }
        counts = sum;
    }
    let mut matrices: Vec<&[f64]> = counts.chunks_exact(nn).collect();
    if matrices.len() > 1 {
        matrices.retain(|m| m.iter().sum::<f64>() != 0.0);
    }
    let grey: Vec<f64> = grid.levels.iter().map(|&g| f64::from(g)).collect();
    let rows: Vec<[f64; 24]> = matrices
        .iter()
        .map(|m| features(m, &grey, grid.ng))
        .collect();
    let mut values = nanmean(&rows);
    if n < 2 {
        values[MCC] = 1.0; // PyRadiomics' flat-region answer
    }
    Ok(NAMES.iter().copied().zip(values).collect())
}

/// The features of one matrix of counts (`grey.len()` squared, row-major) in [`NAMES`] order;
/// NaN throughout for an empty matrix.
#[allow(clippy::needless_range_loop)] // (a, b) index the matrix and both marginals
fn features(counts: &[f64], grey: &[f64], ng: u32) -> [f64; 24] {
    let n = grey.len();
    let total: f64 = counts.iter().sum();
    if total == 0.0 {
        return [f64::NAN; 24];
    }
    let p: Vec<f64> = counts.iter().map(|c| c / total).collect();
    let ngf = f64::from(ng);
    let mut px = vec![0.0; n];
    let mut py = vec![0.0; n];
    let (mut ux, mut uy) = (0.0, 0.0);
    for a in 0..n {
        for b in 0..n {
            let v = p[a * n + b];
            px[a] += v;
            py[b] += v;
            ux += grey[a] * v;
            uy += grey[b] * v;
        }
    }
    let mut sum_k = vec![0.0; 2 * ng as usize + 1];
    let mut diff_k = vec![0.0; ng as usize];
    let (mut auto, mut prom, mut shade, mut tend, mut contrast) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut varx, mut vary, mut cov, mut energy, mut hxy, mut hxy1, mut hxy2) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut max_p = 0.0f64;
    for a in 0..n {
        let i = grey[a];
        for b in 0..n {
            let j = grey[b];
            let v = p[a * n + b];
            let pxy = px[a] * py[b];
            hxy2 -= pxy * (pxy + EPS).log2();
            if v == 0.0 {
                continue;
            }
            sum_k[(i + j) as usize] += v;
            diff_k[(i - j).abs() as usize] += v;
            auto += v * (i * j);
            let c = i + j - ux - uy;
            let c2 = c * c;
            tend += v * c2;
            shade += v * c2 * c;
            prom += v * c2 * c2;
            contrast += v * (i - j) * (i - j);
            varx += v * (i - ux) * (i - ux);
            vary += v * (j - uy) * (j - uy);
            cov += v * (i - ux) * (j - uy);
            energy += v * v;
            hxy -= v * (v + EPS).log2();
            hxy1 -= v * (pxy + EPS).log2();
            max_p = max_p.max(v);
        }
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
        diff_ent -= v * (v + EPS).log2();
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
        sum_ent -= v * (v + EPS).log2();
    }
    let entropy = |m: &[f64]| -> f64 { -m.iter().map(|&v| v * (v + EPS).log2()).sum::<f64>() };
    let (hx, hy) = (entropy(&px), entropy(&py));
    let div = hx.max(hy);
    let imc1 = if div != 0.0 { (hxy - hxy1) / div } else { 0.0 };
    let imc2 = if hxy2 == hxy {
        0.0
    } else {
        (1.0 - (-2.0 * (hxy2 - hxy)).exp()).sqrt()
    };
    let mcc = if n < 2 { 1.0 } else { mcc(&p, &px, &py, n) };
    [
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
    ]
}

/// √ of the second largest eigenvalue (in numpy's order: by real part, then imaginary part) of
/// `Q(a, b) = Σ_k p(a, k) p(b, k) / (p_x(a) p_y(k) + ε)`; NaN for a negative real eigenvalue, the
/// real part of the complex root otherwise.
fn mcc(p: &[f64], px: &[f64], py: &[f64], n: usize) -> f64 {
    let mut q = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            let mut s = 0.0;
            for k in 0..n {
                s += p[a * n + k] * p[b * n + k] / (px[a] * py[k] + EPS);
            }
            q[a * n + b] = s;
        }
    }
    let Some(mut eig) = general_eigenvalues(&mut q, n) else {
        return f64::NAN;
    };
    eig.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let (re, im) = eig[n - 2];
    if im == 0.0 {
        if re < 0.0 {
            f64::NAN
        } else {
            re.sqrt()
        }
    } else {
        // Real part of the principal complex square root.
        ((re.hypot(im) + re) / 2.0).sqrt()
    }
}

/// Eigenvalues `(re, im)` of the general real `n × n` matrix `a` (row-major, overwritten):
/// Householder reduction to upper Hessenberg form, then Francis double-shift QR iterations with
/// deflation on negligible subdiagonal entries. `None` if an eigenvalue fails to converge
/// (30 iterations each) or the matrix is not finite.
fn general_eigenvalues(a: &mut [f64], n: usize) -> Option<Vec<(f64, f64)>> {
    if a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    hessenberg(a, n);
    let h = |a: &[f64], r: usize, c: usize| a[r * n + c];
    let mut norm = 0.0;
    for r in 0..n {
        for c in r.saturating_sub(1)..n {
            norm += h(a, r, c).abs();
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut shift = 0.0; // accumulated exceptional shifts
    let mut hi = n as isize - 1; // last row of the active block
    let mut its = 0;
    while hi >= 0 {
        let nn = hi as usize;
        // Lowest row `lo` of the active block: the subdiagonal above it is negligible.
        let mut lo = nn;
        while lo > 0 {
            let mut s = h(a, lo - 1, lo - 1).abs() + h(a, lo, lo).abs();
            if s == 0.0 {
                s = norm;
            }
            if h(a, lo, lo - 1).abs() + s == s {
                a[lo * n + lo - 1] = 0.0;
                break;
            }
            lo -= 1;
        }
        let mut x = h(a, nn, nn);
        if lo == nn {
            out.push((x + shift, 0.0));
            hi -= 1;
            its = 0;
            continue;
        }
        let mut y = h(a, nn - 1, nn - 1);
        let mut w = h(a, nn, nn - 1) * h(a, nn - 1, nn);
        if lo == nn - 1 {
            // A 2 × 2 block: its two eigenvalues.
            let p = 0.5 * (y - x);
            let q = p * p + w;
            let z = q.abs().sqrt();
            x += shift;
            if q >= 0.0 {
                let z = p + z.copysign(p);
                out.push((x + z, 0.0));
                out.push((if z != 0.0 { x - w / z } else { x + z }, 0.0));
            } else {
                out.push((x + p, z));
                out.push((x + p, -z));
            }
            hi -= 2;
            its = 0;
            continue;
        }
        if its == 30 {
            return None;
        }
        if its == 10 || its == 20 {
            // Exceptional shift.
            shift += x;
            for r in 0..=nn {
                a[r * n + r] -= x;
            }
            let s = h(a, nn, nn - 1).abs() + h(a, nn - 1, nn - 2).abs();
            x = 0.75 * s;
            y = x;
            w = -0.4375 * s * s;
        }
        its += 1;
        // Start of the double-shift step: the lowest m ≥ lo where two consecutive subdiagonal
        // entries are small enough to start there.
        let mut m = nn - 2;
        let (mut p, mut q, mut r);
        loop {
            let z = h(a, m, m);
            let rr = x - z;
            let ss = y - z;
            p = (rr * ss - w) / h(a, m + 1, m) + h(a, m, m + 1);
            q = h(a, m + 1, m + 1) - z - rr - ss;
            r = h(a, m + 2, m + 1);
            let s = p.abs() + q.abs() + r.abs();
            p /= s;
            q /= s;
            r /= s;
            if m == lo {
                break;
            }
            let u = h(a, m, m - 1).abs() * (q.abs() + r.abs());
            let v = p.abs() * (h(a, m - 1, m - 1).abs() + z.abs() + h(a, m + 1, m + 1).abs());
            if u + v == v {
                break;
            }
            m -= 1;
        }
        for i in m + 2..=nn {
            a[i * n + i - 2] = 0.0;
            if i != m + 2 {
                a[i * n + i - 3] = 0.0;
            }
        }
        for k in m..nn {
            let mut xk = 0.0;
            if k != m {
                p = h(a, k, k - 1);
                q = h(a, k + 1, k - 1);
                r = if k != nn - 1 { h(a, k + 2, k - 1) } else { 0.0 };
                xk = p.abs() + q.abs() + r.abs();
                if xk != 0.0 {
                    p /= xk;
                    q /= xk;
                    r /= xk;
                }
            }
            let s = (p * p + q * q + r * r).sqrt().copysign(p);
            if s == 0.0 {
                continue;
            }
            if k == m {
                if lo != m {
                    a[k * n + k - 1] = -a[k * n + k - 1];
                }
            } else {
                a[k * n + k - 1] = -s * xk;
            }
            p += s;
            let (fx, fy, fz) = (p / s, q / s, r / s);
            q /= p;
            r /= p;
            // Rows k, k+1 (, k+2) from the left.
            for j in k..=nn {
                let mut t = a[k * n + j] + q * a[(k + 1) * n + j];
                if k != nn - 1 {
                    t += r * a[(k + 2) * n + j];
                    a[(k + 2) * n + j] -= t * fz;
                }
                a[(k + 1) * n + j] -= t * fy;
                a[k * n + j] -= t * fx;
            }
            // Columns k, k+1 (, k+2) from the right.
            let last = nn.min(k + 3);
            for i in lo..=last {
                let mut t = fx * a[i * n + k] + fy * a[i * n + k + 1];
                if k != nn - 1 {
                    t += fz * a[i * n + k + 2];
                    a[i * n + k + 2] -= t * r;
                }
                a[i * n + k + 1] -= t * q;
                a[i * n + k] -= t;
            }
        }
    }
    Some(out)
}

/// Reduces the `n × n` matrix `a` (row-major) to upper Hessenberg form in place by Householder
/// reflections (a similarity transform: the eigenvalues are unchanged).
fn hessenberg(a: &mut [f64], n: usize) {
    let mut v = vec![0.0; n];
    for k in 0..n.saturating_sub(2) {
        let norm = (k + 1..n).map(|r| a[r * n + k].powi(2)).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let x0 = a[(k + 1) * n + k];
        let alpha = -norm.copysign(x0);
        for r in k + 1..n {
            v[r] = a[r * n + k];
        }
        v[k + 1] -= alpha;
        let vv: f64 = (k + 1..n).map(|r| v[r] * v[r]).sum();
        if vv == 0.0 {
            continue;
        }
        // A ← (I − 2 v vᵀ / vᵀv) A
        for c in k..n {
            let d: f64 = (k + 1..n).map(|r| v[r] * a[r * n + c]).sum::<f64>() * 2.0 / vv;
            for r in k + 1..n {
                a[r * n + c] -= d * v[r];
            }
        }
        // A ← A (I − 2 v vᵀ / vᵀv)
        for r in 0..n {
            let d: f64 = (k + 1..n).map(|c| a[r * n + c] * v[c]).sum::<f64>() * 2.0 / vv;
            for c in k + 1..n {
                a[r * n + c] -= d * v[c];
            }
        }
        for r in k + 2..n {
            a[r * n + k] = 0.0;
        }
    }
}
