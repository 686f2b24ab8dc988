//! PyRadiomics' `ngtdm` class (Neighbouring Gray Tone Difference Matrix), as PyRadiomics 3.1
//! computes it.
//!
//! A voxel's neighbours are the ROI voxels at a Chebyshev distance in the `distances` setting
//! (in-plane with `force2D`; outside the image or the ROI they do not count). For each grey
//! level i (the level itself, not its rank), `n_i` counts the ROI voxels of level i and
//! `s_i = Σ |i − Ā|` sums over them the absolute difference to the mean level `Ā` of their
//! neighbours; a voxel without neighbours in the ROI still counts in `n_i` and adds 0 to `s_i`
//! (PyRadiomics' C code). With `N_vp = Σ n_i`, `p_i = n_i / N_vp` and `N_gp` the number of grey
//! levels present, the sums running over the levels present:
//!
//! | feature | IBSI | formula |
//! |---|---|---|
//! | `Coarseness` | QCDE | `1 / Σ p_i s_i`; 10⁶ when `Σ p_i s_i = 0` |
//! | `Contrast` | 65HE | `Σ_ij p_i p_j (i − j)² / (N_gp (N_gp − 1)) · Σ s_i / N_vp`; 0 when `N_gp = 1` |
//! | `Busyness` | NQ30 | `Σ p_i s_i / Σ_ij |i p_i − j p_j|`; 0 when the divisor is 0 |
//! | `Complexity` | HDEZ | `Σ_ij |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp` |
//! | `Strength` | 1X9X | `Σ_ij (p_i + p_j)(i − j)² / Σ s_i`; 0 when `Σ s_i = 0` |
//!
//! A flat region (one grey level) gives coarseness 10⁶ and 0 for the other four.

use super::pyr_grid::LevelGrid;
use super::pyr_neighbours::{neighbour_stats, roi_grid, NeighbourStats};
use crate::{FeatureError, PyRadiomicsParams};
use perirad_core::{Mask, Volume};

/// The class's deprecated features (none).
pub const DEPRECATED: [&str; 0] = [];

/// The class's features, in PyRadiomics' (alphabetical) order.
pub const NAMES: [&str; 5] = [
    "Busyness",
    "Coarseness",
    "Complexity",
    "Contrast",
    "Strength",
];

/// The 5 `ngtdm` features of the ROI, named as [`NAMES`].
pub fn pyradiomics(
    levels: &Volume<u32>,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let grid = roi_grid(levels, mask, params)?;
    from_stats(&grid, &neighbour_stats(&grid, params)?)
}

/// [`pyradiomics`] from the neighbour sums of the ROI's shared grid.
pub(crate) fn from_stats(
    grid: &LevelGrid,
    stats: &NeighbourStats,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let ng = grid.levels.len();
    let (n, s) = (&stats.n, &stats.s);
    let levels: Vec<f64> = grid.levels.iter().map(|&g| f64::from(g)).collect();
    let n_vp: f64 = n.iter().sum();
    if n_vp <= 0.0 {
        return Err(FeatureError::EmptyRoi);
    }
    let p: Vec<f64> = n.iter().map(|&c| c / n_vp).collect();
    let sum_ps: f64 = p.iter().zip(s).map(|(p, s)| p * s).sum();
    let sum_s: f64 = s.iter().sum();
    let coarseness = if sum_ps != 0.0 { 1.0 / sum_ps } else { 1e6 };
    let (mut contrast, mut busy_div, mut complexity, mut strength) = (0.0, 0.0, 0.0, 0.0);
    for a in 0..ng {
        let (ia, pa, psa) = (levels[a], p[a], p[a] * s[a]);
        for b in 0..ng {
            let (ib, pb, psb) = (levels[b], p[b], p[b] * s[b]);
            let d2 = (ia - ib) * (ia - ib);
            contrast += pa * pb * d2;
            busy_div += (ia * pa - ib * pb).abs();
            complexity += (ia - ib).abs() * (psa + psb) / (pa + pb);
            strength += (pa + pb) * d2;
        }
    }
    let ngp = ng as f64;
    let div = ngp * (ngp - 1.0);
    let contrast = if div != 0.0 {
        contrast * sum_s / n_vp / div
    } else {
        0.0
    };
    let busyness = if busy_div != 0.0 {
        sum_ps / busy_div
    } else {
        0.0
    };
    let complexity = complexity / n_vp;
    let strength = if sum_s != 0.0 { strength / sum_s } else { 0.0 };
    Ok(NAMES
        .into_iter()
        .zip([busyness, coarseness, complexity, contrast, strength])
        .collect())
}
