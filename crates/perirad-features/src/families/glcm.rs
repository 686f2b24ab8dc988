//! Grey level co-occurrence matrix (IBSI family LFYI), IBSI definitions. The matrix of one
//! direction counts the pairs of ROI voxels at that offset with levels (i, j), both ways
//! (symmetric); `p_ij` is the normalised matrix, `p_i` its marginal, `p_{x−y}(k)` and
//! `p_{x+y}(k)` its diagonal and anti-diagonal sums, `μ = Σ i p_ij`, `N_g` the number of levels.
//! Logarithms are base 2; empty matrices (no pair in a slice) are left out of averages.
//!
//! ```text
//! cm_joint_max          GYBY  max p_ij
//! cm_joint_avg          60VM  Σ i p_ij
//! cm_joint_var          UR99  Σ (i − μ)² p_ij
//! cm_joint_entr         TU9B  −Σ p_ij log2 p_ij
//! cm_diff_avg           TF7R  Σ k p_{x−y}(k)
//! cm_diff_var           D3YU  Σ (k − diff_avg)² p_{x−y}(k)
//! cm_diff_entr          NTRS  −Σ p_{x−y}(k) log2 p_{x−y}(k)
//! cm_sum_avg            ZGXS  Σ k p_{x+y}(k)
//! cm_sum_var            OEEB  Σ (k − sum_avg)² p_{x+y}(k)
//! cm_sum_entr           P6QZ  −Σ p_{x+y}(k) log2 p_{x+y}(k)
//! cm_energy             8ZQL  Σ p_ij²                      (angular second moment)
//! cm_contrast           ACUI  Σ (i − j)² p_ij
//! cm_dissimilarity      8S9J  Σ |i − j| p_ij
//! cm_inv_diff           IB1Z  Σ p_ij / (1 + |i − j|)
//! cm_inv_diff_norm      NDRX  Σ p_ij / (1 + |i − j| / N_g)
//! cm_inv_diff_mom       WF0Z  Σ p_ij / (1 + (i − j)²)
//! cm_inv_diff_mom_norm  1QCO  Σ p_ij / (1 + (i − j)² / N_g²)
//! cm_inv_var            E8JP  Σ_{i≠j} p_ij / (i − j)²
//! cm_corr               NI2N  Σ (i − μ_i)(j − μ_j) p_ij / (σ_i σ_j)
//! cm_auto_corr          QWB0  Σ i j p_ij
//! cm_clust_tend         DG8W  Σ (i + j − μ_i − μ_j)² p_ij
//! cm_clust_shade        7NFM  Σ (i + j − μ_i − μ_j)³ p_ij
//! cm_clust_prom         AE86  Σ (i + j − μ_i − μ_j)⁴ p_ij
//! cm_info_corr1         R8DG  (HXY − HXY1) / HX
//! cm_info_corr2         JN9H  √(1 − exp(−2 (HXY2 − HXY)))
//! ```
//! with HXY = −Σ p_ij log2 p_ij, HX = −Σ p_i log2 p_i, HXY1 = −Σ p_ij log2(p_i p_j),
//! HXY2 = −Σ p_i p_j log2(p_i p_j). Correlation is 0 when σ = 0 and info corr 1 is 0 when HX = 0
//! (a one-level ROI).

use super::texture::{add_into, mean_of, Discretised, DIRECTIONS_2D, DIRECTIONS_3D};
use crate::settings::TextureDims;

/// IBSI GLCM feature tags (without the aggregation suffix), codes and formulas, in the manual's
/// order.
pub const FEATURES: [(&str, &str, &str); 25] = [
    ("cm_joint_max", "GYBY", "max p_ij"),
    ("cm_joint_avg", "60VM", "Σ i p_ij"),
    ("cm_joint_var", "UR99", "Σ (i − μ)² p_ij"),
    ("cm_joint_entr", "TU9B", "−Σ p_ij log2 p_ij"),
    ("cm_diff_avg", "TF7R", "Σ k p_{x−y}(k)"),
    ("cm_diff_var", "D3YU", "Σ (k − diff_avg)² p_{x−y}(k)"),
    ("cm_diff_entr", "NTRS", "−Σ p_{x−y}(k) log2 p_{x−y}(k)"),
    ("cm_sum_avg", "ZGXS", "Σ k p_{x+y}(k)"),
    ("cm_sum_var", "OEEB", "Σ (k − sum_avg)² p_{x+y}(k)"),
    ("cm_sum_entr", "P6QZ", "−Σ p_{x+y}(k) log2 p_{x+y}(k)"),
    (
        "cm_energy",
        "8ZQL",
        "Σ p_ij²                      (angular second moment)",
    ),
    ("cm_contrast", "ACUI", "Σ (i − j)² p_ij"),
    ("cm_dissimilarity", "8S9J", "Σ |i − j| p_ij"),
    ("cm_inv_diff", "IB1Z", "Σ p_ij / (1 + |i − j|)"),
    ("cm_inv_diff_norm", "NDRX", "Σ p_ij / (1 + |i − j| / N_g)"),
    ("cm_inv_diff_mom", "WF0Z", "Σ p_ij / (1 + (i − j)²)"),
    (
        "cm_inv_diff_mom_norm",
        "1QCO",
        "Σ p_ij / (1 + (i − j)² / N_g²)",
    ),
    ("cm_inv_var", "E8JP", "Σ_{i≠j} p_ij / (i − j)²"),
    ("cm_corr", "NI2N", "Σ (i − μ_i)(j − μ_j) p_ij / (σ_i σ_j)"),
    ("cm_auto_corr", "QWB0", "Σ i j p_ij"),
    ("cm_clust_tend", "DG8W", "Σ (i + j − μ_i − μ_j)² p_ij"),
    ("cm_clust_shade", "7NFM", "Σ (i + j − μ_i − μ_j)³ p_ij"),
    ("cm_clust_prom", "AE86", "Σ (i + j − μ_i − μ_j)⁴ p_ij"),
    ("cm_info_corr1", "R8DG", "(HXY − HXY1) / HX"),
    ("cm_info_corr2", "JN9H", "√(1 − exp(−2 (HXY2 − HXY)))"),
];

/// Symmetric co-occurrence counts (N_g × N_g, row-major, level l at index l − 1) of the ROI for
/// one direction scaled by `distance`, over slice `z` only (2D) or the whole volume.
fn matrix(d: &Discretised, dir: [i64; 3], distance: i64, z: Option<usize>) -> Vec<f64> {
    let ng = d.ng as usize;
    let mut m = vec![0.0; ng * ng];
    let [nx, ny, nz] = d.size;
    let (z0, z1) = match z {
        Some(z) => (z, z + 1),
        None => (0, nz),
    };
    let [dx, dy, dz] = dir.map(|c| c * distance);
    for k in z0..z1 {
        for j in 0..ny {
            for i in 0..nx {
                let a = d.levels[i + nx * (j + ny * k)];
                if a == 0 {
                    continue;
                }
                let b = d.at(i as i64 + dx, j as i64 + dy, k as i64 + dz);
                if b == 0 {
                    continue;
                }
                let (a, b) = (a as usize - 1, b as usize - 1);
                m[a * ng + b] += 1.0;
                m[b * ng + a] += 1.0;
            }
        }
    }
    m
}

/// The 25 features of one matrix of counts; `None` when it is empty.
#[allow(clippy::needless_range_loop)] // (i, j) index the matrix and both marginals
pub fn features(counts: &[f64], ng: usize) -> Option<[f64; 25]> {
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let p = |i: usize, j: usize| counts[i * ng + j] / total;
    let log2 = |x: f64| if x > 0.0 { x.log2() } else { 0.0 };
    let mut pi = vec![0.0; ng];
    let mut pj = vec![0.0; ng];
    let mut diff = vec![0.0; ng];
    let mut sum = vec![0.0; 2 * ng + 1];
    let (mut joint_max, mut mu_i, mut mu_j) = (0.0f64, 0.0, 0.0);
    let (mut energy, mut contrast, mut dissim, mut inv_diff, mut inv_diff_mom) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut inv_var, mut auto_corr, mut hxy) = (0.0, 0.0, 0.0);
    for i in 0..ng {
        for j in 0..ng {
            let v = p(i, j);
            if v == 0.0 {
                continue;
            }
            let (li, lj) = ((i + 1) as f64, (j + 1) as f64);
            let k = i.abs_diff(j);
            joint_max = joint_max.max(v);
            pi[i] += v;
            pj[j] += v;
            mu_i += li * v;
            mu_j += lj * v;
            diff[k] += v;
            sum[i + j + 2] += v;
            energy += v * v;
            contrast += (k * k) as f64 * v;
            dissim += k as f64 * v;
            inv_diff += v / (1.0 + k as f64);
            inv_diff_mom += v / (1.0 + (k * k) as f64);
            if k != 0 {
                inv_var += v / (k * k) as f64;
            }
            auto_corr += li * lj * v;
            hxy -= v * log2(v);
        }
    }
    let n = ng as f64;
    let (mut joint_var, mut var_i, mut var_j, mut cov) = (0.0, 0.0, 0.0, 0.0);
    let (mut tend, mut shade, mut prom, mut hxy1) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..ng {
        for j in 0..ng {
            let v = p(i, j);
            let (li, lj) = ((i + 1) as f64, (j + 1) as f64);
            if pi[i] > 0.0 && pj[j] > 0.0 {
                hxy1 -= v * log2(pi[i] * pj[j]);
            }
            if v == 0.0 {
                continue;
            }
            joint_var += (li - mu_i).powi(2) * v;
            var_i += (li - mu_i).powi(2) * v;
            var_j += (lj - mu_j).powi(2) * v;
            cov += (li - mu_i) * (lj - mu_j) * v;
            let c = li + lj - mu_i - mu_j;
            tend += c * c * v;
            shade += c * c * c * v;
            prom += c * c * c * c * v;
        }
    }
    let mut hxy2 = 0.0;
    for &a in &pi {
        for &b in &pj {
            if a > 0.0 && b > 0.0 {
                hxy2 -= a * b * log2(a * b);
            }
        }
    }
    let hx = -pi.iter().map(|&x| x * log2(x)).sum::<f64>();
    let diff_avg: f64 = diff.iter().enumerate().map(|(k, &v)| k as f64 * v).sum();
    let diff_var: f64 = diff
        .iter()
        .enumerate()
        .map(|(k, &v)| (k as f64 - diff_avg).powi(2) * v)
        .sum();
    let diff_entr = -diff.iter().map(|&v| v * log2(v)).sum::<f64>();
    let inv_diff_norm: f64 = diff
        .iter()
        .enumerate()
        .map(|(k, &v)| v / (1.0 + k as f64 / n))
        .sum();
    let inv_diff_mom_norm: f64 = diff
        .iter()
        .enumerate()
        .map(|(k, &v)| v / (1.0 + (k * k) as f64 / (n * n)))
        .sum();
    let sum_avg: f64 = sum.iter().enumerate().map(|(k, &v)| k as f64 * v).sum();
    let sum_var: f64 = sum
        .iter()
        .enumerate()
        .map(|(k, &v)| (k as f64 - sum_avg).powi(2) * v)
        .sum();
    let sum_entr = -sum.iter().map(|&v| v * log2(v)).sum::<f64>();
    let sd = (var_i * var_j).sqrt();
    let corr = if sd > 0.0 { cov / sd } else { 0.0 };
    let info1 = if hx > 0.0 { (hxy - hxy1) / hx } else { 0.0 };
    let info2 = (1.0 - (-2.0 * (hxy2 - hxy)).exp()).max(0.0).sqrt();
    Some([
        joint_max,
        mu_i,
        joint_var,
        hxy,
        diff_avg,
        diff_var,
        diff_entr,
        sum_avg,
        sum_var,
        sum_entr,
        energy,
        contrast,
        dissim,
        inv_diff,
        inv_diff_norm,
        inv_diff_mom,
        inv_diff_mom_norm,
        inv_var,
        corr,
        auto_corr,
        tend,
        shade,
        prom,
        info1,
        info2,
    ])
}

/// IBSI GLCM features of the discretised ROI for every aggregation of `dims` (2D: `_2D_avg`,
/// `_2D_comb`, `_2_5D_avg`, `_2_5D_comb`; 3D: `_3D_avg`, `_3D_comb`), Chebyshev distance
/// `distance`. Aggregations without any pair are left out.
pub fn ibsi(d: &Discretised, dims: TextureDims, distance: u32) -> Vec<(String, f64)> {
    let ng = d.ng as usize;
    let dist = distance as i64;
    let mut groups: Vec<(&str, Option<[f64; 25]>)> = Vec::new();
    match dims {
        TextureDims::TwoD => {
            let nz = d.size[2];
            let mut per_slice_dir = Vec::new();
            let mut per_slice = Vec::new();
            let mut per_dir = vec![vec![0.0; ng * ng]; DIRECTIONS_2D.len()];
            for z in 0..nz {
                let mut slice_sum = vec![0.0; ng * ng];
                for (di, &dir) in DIRECTIONS_2D.iter().enumerate() {
                    let m = matrix(d, dir, dist, Some(z));
                    per_slice_dir.push(features(&m, ng));
                    add_into(&mut slice_sum, &m);
                    add_into(&mut per_dir[di], &m);
                }
                per_slice.push(features(&slice_sum, ng));
            }
            let mut all = vec![0.0; ng * ng];
            for m in &per_dir {
                add_into(&mut all, m);
            }
            groups.push(("2D_avg", mean_of(per_slice_dir)));
            groups.push(("2D_comb", mean_of(per_slice)));
            groups.push(("2_5D_avg", mean_of(per_dir.iter().map(|m| features(m, ng)))));
            groups.push(("2_5D_comb", features(&all, ng)));
        }
        TextureDims::ThreeD => {
            let mats: Vec<Vec<f64>> = DIRECTIONS_3D
                .iter()
                .map(|&dir| matrix(d, dir, dist, None))
                .collect();
            let mut all = vec![0.0; ng * ng];
            for m in &mats {
                add_into(&mut all, m);
            }
            groups.push(("3D_avg", mean_of(mats.iter().map(|m| features(m, ng)))));
            groups.push(("3D_comb", features(&all, ng)));
        }
    }
    let mut out = Vec::new();
    for (suffix, values) in groups {
        if let Some(values) = values {
            for ((tag, _, _), v) in FEATURES.iter().zip(values) {
                out.push((format!("{tag}_{suffix}"), v));
            }
        }
    }
    out
}
