//! PyRadiomics' `gldm` class (Gray Level Dependence Matrix), as PyRadiomics 3.1 computes it.
//!
//! A neighbour (Chebyshev distance in the `distances` setting, in-plane with `force2D`, inside
//! the ROI) depends on a voxel of grey level i when its grey level j has `|i − j| ≤ α`
//! (`gldm_a`, default 0). `P(i, j)` counts the ROI voxels of grey level i (the level itself, not
//! its rank) with `j − 1` dependent neighbours (j counts the voxel itself). With
//! `N_z = Σ P(i, j)` (the ROI's voxel count), `p_g(i) = Σ_j P(i, j)`, `p_d(j) = Σ_i P(i, j)` and
//! `p(i, j) = P(i, j) / N_z`:
//!
//! | feature | IBSI | formula |
//! |---|---|---|
//! | `SmallDependenceEmphasis` | SODN | `Σ_j p_d(j) / j² / N_z` |
//! | `LargeDependenceEmphasis` | IMOQ | `Σ_j p_d(j) j² / N_z` |
//! | `GrayLevelNonUniformity` | FP8K | `Σ_i p_g(i)² / N_z` |
//! | `DependenceNonUniformity` | Z87G | `Σ_j p_d(j)² / N_z` |
//! | `DependenceNonUniformityNormalized` | OKJI | `Σ_j p_d(j)² / N_z²` |
//! | `GrayLevelVariance` | 1PFV | `Σ p(i, j) (i − μ_i)²`, `μ_i = Σ p(i, j) i` |
//! | `DependenceVariance` | DNX2 | `Σ p(i, j) (j − μ_j)²`, `μ_j = Σ p(i, j) j` |
//! | `DependenceEntropy` | FCBV | `−Σ p(i, j) log2(p(i, j) + ε)`, ε = `np.spacing(1)` |
//! | `LowGrayLevelEmphasis` | TL9H | `Σ_i p_g(i) / i² / N_z` |
//! | `HighGrayLevelEmphasis` | OAE7 | `Σ_i p_g(i) i² / N_z` |
//! | `SmallDependenceLowGrayLevelEmphasis` | EQ3F | `Σ P(i, j) / (i² j²) / N_z` |
//! | `SmallDependenceHighGrayLevelEmphasis` | JA6D | `Σ P(i, j) i² / j² / N_z` |
//! | `LargeDependenceLowGrayLevelEmphasis` | NBZI | `Σ P(i, j) j² / i² / N_z` |
//! | `LargeDependenceHighGrayLevelEmphasis` | 9QMG | `Σ P(i, j) i² j² / N_z` |
//!
//! PyRadiomics' two deprecated features, `GrayLevelNonUniformityNormalized` (IBSI 5SPA, equal to
//! first-order `Uniformity`) and `DependencePercentage` (IBSI 6XV8, always 1), raise a
//! `DeprecationWarning` in PyRadiomics 3.1, which then reports no value for them even when a
//! parameter file names them; perirad reports none either.

use super::pyr_grid::LevelGrid;
use super::pyr_neighbours::{count_features, neighbour_stats, roi_grid, NeighbourStats};
use crate::{FeatureError, PyRadiomicsParams};
use perirad_core::{Mask, Volume};

/// The class's deprecated features: PyRadiomics 3.1 yields no value for them (see above).
pub const DEPRECATED: [&str; 2] = ["GrayLevelNonUniformityNormalized", "DependencePercentage"];

/// The class's features, in PyRadiomics' (alphabetical) order.
pub const NAMES: [&str; 14] = [
    "DependenceEntropy",
    "DependenceNonUniformity",
    "DependenceNonUniformityNormalized",
    "DependenceVariance",
    "GrayLevelNonUniformity",
    "GrayLevelVariance",
    "HighGrayLevelEmphasis",
    "LargeDependenceEmphasis",
    "LargeDependenceHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis",
    "LowGrayLevelEmphasis",
    "SmallDependenceEmphasis",
    "SmallDependenceHighGrayLevelEmphasis",
    "SmallDependenceLowGrayLevelEmphasis",
];

/// The 14 `gldm` features of the ROI, named as [`NAMES`].
pub fn pyradiomics(
    levels: &Volume<u32>,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let grid = roi_grid(levels, mask, params)?;
    from_stats(&grid, &neighbour_stats(&grid, params)?)
}

/// [`pyradiomics`] from the neighbour counts of the ROI's shared grid.
pub(crate) fn from_stats(
    grid: &LevelGrid,
    stats: &NeighbourStats,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let (nc, counts) = (stats.columns, &stats.dependence);
    let mut rows = Vec::with_capacity(grid.levels.len());
    let mut cols = vec![0.0; nc];
    let mut cells = Vec::new();
    for (r, &g) in grid.levels.iter().enumerate() {
        let mut total = 0.0;
        for (d, &c) in counts[r * nc..(r + 1) * nc].iter().enumerate() {
            if c > 0 {
                let c = f64::from(c);
                cells.push((f64::from(g), (d + 1) as f64, c));
                total += c;
                cols[d] += c;
            }
        }
        rows.push((f64::from(g), total));
    }
    let cols: Vec<(f64, f64)> = cols
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0.0)
        .map(|(d, &c)| ((d + 1) as f64, c))
        .collect();
    let f = count_features(cells, &rows, &cols).ok_or(FeatureError::EmptyRoi)?;
    let values = [
        f.entropy,
        f.j_nu,
        f.j_nu_norm,
        f.j_var,
        f.grey_nu,
        f.grey_var,
        f.high_grey,
        f.large,
        f.large_high,
        f.large_low,
        f.low_grey,
        f.small,
        f.small_high,
        f.small_low,
    ];
    Ok(NAMES.into_iter().zip(values).collect())
}
