//! Grey level run length matrix (IBSI family TP0I), IBSI definitions. `r_ij` counts the runs of
//! level i and length j along one direction inside the ROI, `N_s = Σ r_ij` the runs, `N_v` the
//! ROI voxels (for merged matrices, the sum over the merged ones), `p_ij = r_ij / N_s`,
//! `r_i = Σ_j r_ij`, `r_j = Σ_i r_ij`.
//!
//! ```text
//! rlm_sre        22OV  Σ r_ij / j² / N_s
//! rlm_lre        W4KF  Σ r_ij j² / N_s
//! rlm_lgre       V3SW  Σ r_ij / i² / N_s
//! rlm_hgre       G3QZ  Σ r_ij i² / N_s
//! rlm_srlge      HTZT  Σ r_ij / (i² j²) / N_s
//! rlm_srhge      GD3A  Σ r_ij i² / j² / N_s
//! rlm_lrlge      IVPO  Σ r_ij j² / i² / N_s
//! rlm_lrhge      3KUM  Σ r_ij i² j² / N_s
//! rlm_glnu       R5YN  Σ_i r_i² / N_s
//! rlm_glnu_norm  OVBL  Σ_i r_i² / N_s²
//! rlm_rlnu       W92Y  Σ_j r_j² / N_s
//! rlm_rlnu_norm  IC23  Σ_j r_j² / N_s²
//! rlm_r_perc     9ZK5  N_s / N_v
//! rlm_gl_var     8CE5  Σ (i − μ)² p_ij, μ = Σ i p_ij
//! rlm_rl_var     SXLW  Σ (j − μ)² p_ij, μ = Σ j p_ij
//! rlm_rl_entr    HJ9O  −Σ p_ij log2 p_ij
//! ```

use super::texture::{
    count_features, mean_of, named, trimmed, CountMatrix, Discretised, DIRECTIONS_2D, DIRECTIONS_3D,
};
use crate::settings::TextureDims;

/// IBSI GLRLM feature tags (without the aggregation suffix), codes and formulas.
pub const FEATURES: [(&str, &str, &str); 16] = [
    ("rlm_sre", "22OV", "Σ r_ij / j² / N_s"),
    ("rlm_lre", "W4KF", "Σ r_ij j² / N_s"),
    ("rlm_lgre", "V3SW", "Σ r_ij / i² / N_s"),
    ("rlm_hgre", "G3QZ", "Σ r_ij i² / N_s"),
    ("rlm_srlge", "HTZT", "Σ r_ij / (i² j²) / N_s"),
    ("rlm_srhge", "GD3A", "Σ r_ij i² / j² / N_s"),
    ("rlm_lrlge", "IVPO", "Σ r_ij j² / i² / N_s"),
    ("rlm_lrhge", "3KUM", "Σ r_ij i² j² / N_s"),
    ("rlm_glnu", "R5YN", "Σ_i r_i² / N_s"),
    ("rlm_glnu_norm", "OVBL", "Σ_i r_i² / N_s²"),
    ("rlm_rlnu", "W92Y", "Σ_j r_j² / N_s"),
    ("rlm_rlnu_norm", "IC23", "Σ_j r_j² / N_s²"),
    ("rlm_r_perc", "9ZK5", "N_s / N_v"),
    ("rlm_gl_var", "8CE5", "Σ (i − μ)² p_ij, μ = Σ i p_ij"),
    ("rlm_rl_var", "SXLW", "Σ (j − μ)² p_ij, μ = Σ j p_ij"),
    ("rlm_rl_entr", "HJ9O", "−Σ p_ij log2 p_ij"),
];

/// Runs along `dir` over slice `z` (2D) or the whole volume; `nr` is the longest possible run.
fn matrix(d: &Discretised, dir: [i64; 3], z: Option<usize>, nr: usize) -> CountMatrix {
    let ng = d.ng as usize;
    let mut counts = vec![0.0; ng * nr];
    let [nx, ny, nz] = d.size;
    let (z0, z1) = match z {
        Some(z) => (z, z + 1),
        None => (0, nz),
    };
    let [dx, dy, dz] = dir;
    let mut voxels = 0.0;
    for k in z0..z1 {
        for j in 0..ny {
            for i in 0..nx {
                let a = d.levels[i + nx * (j + ny * k)];
                if a == 0 {
                    continue;
                }
                voxels += 1.0;
                let (i, j, k) = (i as i64, j as i64, k as i64);
                // A run starts where the voxel behind differs.
                if d.at(i - dx, j - dy, k - dz) == a {
                    continue;
                }
                let mut len = 1;
                while d.at(i + dx * len, j + dy * len, k + dz * len) == a {
                    len += 1;
                }
                counts[(a as usize - 1) * nr + (len as usize - 1)] += 1.0;
            }
        }
    }
    CountMatrix { counts, voxels }
}

/// The 16 features of one matrix; `None` when it has no run.
fn features(m: &CountMatrix, ng: usize, nr: usize) -> Option<[f64; 16]> {
    trimmed(count_features(&m.counts, ng, nr, m.voxels))
}

/// IBSI GLRLM features of the discretised ROI for every aggregation of `dims` (see
/// [`super::texture`]). Aggregations without any run are left out.
pub fn ibsi(d: &Discretised, dims: TextureDims) -> Vec<(String, f64)> {
    let ng = d.ng as usize;
    let nr = d.size.iter().copied().max().unwrap_or(1).max(1);
    let len = ng * nr;
    let feats = |m: &CountMatrix| features(m, ng, nr);
    let mut groups: Vec<(&str, Option<[f64; 16]>)> = Vec::new();
    match dims {
        TextureDims::TwoD => {
            let slices: Vec<Vec<CountMatrix>> = (0..d.size[2])
                .map(|z| {
                    DIRECTIONS_2D
                        .iter()
                        .map(|&dir| matrix(d, dir, Some(z), nr))
                        .collect()
                })
                .collect();
            groups.push(("2D_avg", mean_of(slices.iter().flatten().map(feats))));
            groups.push((
                "2D_comb",
                mean_of(slices.iter().map(|s| feats(&CountMatrix::merged(s, len)))),
            ));
            groups.push((
                "2_5D_avg",
                mean_of(
                    (0..DIRECTIONS_2D.len())
                        .map(|di| feats(&CountMatrix::merged(slices.iter().map(|s| &s[di]), len))),
                ),
            ));
            groups.push((
                "2_5D_comb",
                feats(&CountMatrix::merged(slices.iter().flatten(), len)),
            ));
        }
        TextureDims::ThreeD => {
            let mats: Vec<CountMatrix> = DIRECTIONS_3D
                .iter()
                .map(|&dir| matrix(d, dir, None, nr))
                .collect();
            groups.push(("3D_avg", mean_of(mats.iter().map(feats))));
            groups.push(("3D_comb", feats(&CountMatrix::merged(&mats, len))));
        }
    }
    named(&FEATURES, groups)
}
