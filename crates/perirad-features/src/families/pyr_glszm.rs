//! PyRadiomics' `glszm` class (Gray Level Size Zone Matrix), as PyRadiomics 3.1 computes it.
//!
//! A zone is a connected set of ROI voxels of one grey level: 26-connected in 3D, 8-connected
//! within a slice with `force2D` (the `distances` setting does not apply). `P(i, j)` counts the
//! zones of grey level i (the level itself, not its rank) and size j voxels. With
//! `N_z = Σ P(i, j)` zones, `N_p` ROI voxels, `p_g(i) = Σ_j P(i, j)`, `p_s(j) = Σ_i P(i, j)` and
//! `p(i, j) = P(i, j) / N_z`, the sums running over the grey levels and sizes present (PyRadiomics
//! drops empty rows and columns, which changes nothing but the matrix shape):
//!
//! | feature | IBSI | formula |
//! |---|---|---|
//! | `SmallAreaEmphasis` | 5QRC | `Σ_j p_s(j) / j² / N_z` |
//! | `LargeAreaEmphasis` | 48P8 | `Σ_j p_s(j) j² / N_z` |
//! | `GrayLevelNonUniformity` | JNSA | `Σ_i p_g(i)² / N_z` |
//! | `GrayLevelNonUniformityNormalized` | Y1RO | `Σ_i p_g(i)² / N_z²` |
//! | `SizeZoneNonUniformity` | 4JP3 | `Σ_j p_s(j)² / N_z` |
//! | `SizeZoneNonUniformityNormalized` | VB3A | `Σ_j p_s(j)² / N_z²` |
//! | `ZonePercentage` | P30P | `N_z / N_p` |
//! | `GrayLevelVariance` | BYLV | `Σ p(i, j) (i − μ_i)²`, `μ_i = Σ p(i, j) i` |
//! | `ZoneVariance` | 3NSA | `Σ p(i, j) (j − μ_j)²`, `μ_j = Σ p(i, j) j` |
//! | `ZoneEntropy` | GU8N | `−Σ p(i, j) log2(p(i, j) + ε)`, ε = `np.spacing(1)` |
//! | `LowGrayLevelZoneEmphasis` | XMSY | `Σ_i p_g(i) / i² / N_z` |
//! | `HighGrayLevelZoneEmphasis` | 5GN9 | `Σ_i p_g(i) i² / N_z` |
//! | `SmallAreaLowGrayLevelEmphasis` | 5RAI | `Σ P(i, j) / (i² j²) / N_z` |
//! | `SmallAreaHighGrayLevelEmphasis` | HW1V | `Σ P(i, j) i² / j² / N_z` |
//! | `LargeAreaLowGrayLevelEmphasis` | YH51 | `Σ P(i, j) j² / i² / N_z` |
//! | `LargeAreaHighGrayLevelEmphasis` | J17V | `Σ P(i, j) i² j² / N_z` |
//!
//! A single grey level in one zone (a flat region) gives `ZoneEntropy = −log2(1 + ε)`, a tiny
//! negative number, as in PyRadiomics.

use super::pyr_grid::LevelGrid;
use super::pyr_neighbours::{count_features, neighbours, roi_grid};
use crate::{FeatureError, PyRadiomicsParams};
use perirad_core::{Mask, Volume};

/// The class's deprecated features (none).
pub const DEPRECATED: [&str; 0] = [];

/// The class's features, in PyRadiomics' (alphabetical) order.
pub const NAMES: [&str; 16] = [
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "GrayLevelVariance",
    "HighGrayLevelZoneEmphasis",
    "LargeAreaEmphasis",
    "LargeAreaHighGrayLevelEmphasis",
    "LargeAreaLowGrayLevelEmphasis",
    "LowGrayLevelZoneEmphasis",
    "SizeZoneNonUniformity",
    "SizeZoneNonUniformityNormalized",
    "SmallAreaEmphasis",
    "SmallAreaHighGrayLevelEmphasis",
    "SmallAreaLowGrayLevelEmphasis",
    "ZoneEntropy",
    "ZonePercentage",
    "ZoneVariance",
];

/// The 16 `glszm` features of the ROI, named as [`NAMES`].
pub fn pyradiomics(
    levels: &Volume<u32>,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    from_grid(&roi_grid(levels, mask, params)?, params)
}

/// [`pyradiomics`] on the ROI's shared grid.
pub(crate) fn from_grid(
    grid: &LevelGrid,
    params: &PyRadiomicsParams,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let zones = zones(grid, &neighbours(grid, params, &[1])?);
    // Zones as (row, size) keys, sorted: equal keys are one cell of P.
    let nr = grid.levels.len();
    let mut rows = vec![0.0; nr];
    let max_size = zones.iter().map(|&z| z as u32).max().unwrap_or(0) as usize;
    let mut sizes = vec![0.0; max_size + 1];
    let mut n_p = 0.0;
    for &z in &zones {
        let (r, s) = ((z >> 32) as usize, (z as u32) as usize);
        rows[r] += 1.0;
        sizes[s] += 1.0;
        n_p += s as f64;
    }
    let rows: Vec<(f64, f64)> = rows
        .iter()
        .zip(&grid.levels)
        .filter(|(&c, _)| c > 0.0)
        .map(|(&c, &g)| (g as f64, c))
        .collect();
    let cols: Vec<(f64, f64)> = sizes
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0.0)
        .map(|(s, &c)| (s as f64, c))
        .collect();
    let mut sorted = zones;
    sorted.sort_unstable();
    let cells = sorted.chunk_by(|a, b| a == b).map(|run| {
        let z = run[0];
        (
            grid.levels[(z >> 32) as usize] as f64,
            (z as u32) as f64,
            run.len() as f64,
        )
    });
    let f = count_features(cells, &rows, &cols).ok_or(FeatureError::EmptyRoi)?;
    let values = [
        f.grey_nu,
        f.grey_nu_norm,
        f.grey_var,
        f.high_grey,
        f.large,
        f.large_high,
        f.large_low,
        f.low_grey,
        f.j_nu,
        f.j_nu_norm,
        f.small,
        f.small_high,
        f.small_low,
        f.entropy,
        f.total / n_p,
        f.j_var,
    ];
    Ok(NAMES.into_iter().zip(values).collect())
}

/// Every zone as `row << 32 | size` (row: rank of its grey level), grown from its first voxel
/// in scan order with an explicit stack. The 26 offsets of 3D and the 8 of `force2D` go through
/// fixed-size arrays, so that the neighbour loop is unrolled.
fn zones(grid: &LevelGrid, offsets: &[isize]) -> Vec<u64> {
    if let Ok(o) = <[isize; 26]>::try_from(offsets) {
        fill(grid, &o)
    } else if let Ok(o) = <[isize; 8]>::try_from(offsets) {
        fill(grid, &o)
    } else {
        fill(grid, offsets)
    }
}

/// [`zones`] with the neighbour offsets `offsets`.
fn fill<O: AsRef<[isize]> + ?Sized>(grid: &LevelGrid, offsets: &O) -> Vec<u64> {
    let offsets = offsets.as_ref();
    let mut left = grid.grey.clone();
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let sx = grid.size[0];
    for row in grid.rows() {
        for start in row..row + sx {
            let level = left[start];
            if level == 0 {
                continue; // outside the ROI, or already in a zone
            }
            left[start] = 0;
            stack.push(start);
            let mut size = 0u64;
            while let Some(v) = stack.pop() {
                size += 1;
                for &o in offsets {
                    let n = v.wrapping_add_signed(o);
                    if left[n] == level {
                        left[n] = 0;
                        stack.push(n);
                    }
                }
            }
            out.push(u64::from(grid.rank_of[level as usize]) << 32 | size);
        }
    }
    out
}
