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
use super::pyr_neighbours::{count_features, neighbour_vectors, roi_grid};
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
    let zones = zones(grid, &neighbour_vectors(grid, params, &[1])?)?;
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

/// Marks a zone number in [`zones`]' parent links (above every voxel index).
const ZONE: u32 = 1 << 31;

/// Every zone as `row << 32 | size` (row: rank of its grey level), for the neighbour offsets
/// `vectors` (x, y, z), in any order. First, for every ROI voxel, the mask of its neighbours of
/// the same level (bit b: offset b), computed offset by offset along each row's ROI span
/// (branch-free and vectorisable: outside voxels hold level 0, never a level of the ROI),
/// leaving out the neighbours reached through others ([`plan`]). Then the zones are labelled
/// in scan order by union-find: each voxel is joined to its equal neighbours earlier in memory
/// (every pair of neighbours is met once, from the later one), a component's root being its
/// first voxel (links always point to earlier voxels, and finds halve their paths); a second scan
/// numbers each root's zone when it meets it and counts every voxel into its root's zone.
fn zones(grid: &LevelGrid, vectors: &[[i64; 3]]) -> Result<Vec<u64>, FeatureError> {
    debug_assert!(vectors.len() < 32, "at most 26 neighbours");
    let g = &grid.grey;
    if g.len() >= ZONE as usize {
        return Err(FeatureError::Input(format!(
            "glszm: the ROI's padded bounding box holds {} voxels, more than 2^31",
            g.len()
        )));
    }
    let offsets: Vec<isize> = vectors
        .iter()
        .map(|o| grid.offset([o[2], o[1], o[0]]))
        .collect();
    let earlier = offsets
        .iter()
        .enumerate()
        .filter(|(_, &o)| o < 0)
        .fold(0u32, |m, (b, _)| m | 1 << b);
    // Only the earlier neighbours are joined: their bits, and those their thinning reads.
    let mut plan = plan(vectors);
    let needed = plan
        .iter()
        .filter(|&&(b, _)| earlier >> b & 1 == 1)
        .fold(earlier, |m, &(_, cover)| m | cover);
    plan.retain(|&(b, _)| needed >> b & 1 == 1);
    let spans = grid.row_spans();
    let mut mask = vec![0u32; g.len()];
    for &(start, end) in &spans {
        let centre = &g[start..end];
        let out = &mut mask[start..end];
        for &(b, cover) in &plan {
            let from = start.wrapping_add_signed(offsets[b as usize]);
            let nb = &g[from..from + centre.len()];
            for ((m, &c), &n) in out.iter_mut().zip(centre).zip(nb) {
                *m |= (u32::from(c == n) & u32::from(*m & cover == 0)) << b;
            }
        }
    }
    // Union-find: parent[v] ≤ v, roots point to themselves.
    // The previous voxel along x: its root is known (the root left by the previous step).
    let before = offsets
        .iter()
        .position(|&o| o == -1)
        .map_or(0, |b| 1u32 << b);
    let mut parent = mask;
    for &(start, end) in &spans {
        let mut previous = start;
        for v in start..end {
            if g[v] == 0 {
                continue;
            }
            let mut bits = parent[v] & earlier;
            let mut root = v;
            if bits & before != 0 {
                bits &= !before;
                root = previous;
            }
            parent[v] = root as u32;
            while bits != 0 {
                let n = v.wrapping_add_signed(offsets[bits.trailing_zeros() as usize]);
                bits &= bits - 1;
                let other = find(&mut parent, n);
                if other != root {
                    let (lo, hi) = (other.min(root), other.max(root));
                    parent[hi] = lo as u32;
                    root = lo;
                }
            }
            previous = root;
        }
    }
    // Zone numbers: a root (met first) opens one; every other voxel's parent, earlier, already
    // holds its zone's number.
    let mut zones: Vec<(u32, u64)> = Vec::new();
    for &(start, end) in &spans {
        for v in start..end {
            let level = g[v];
            if level == 0 {
                continue;
            }
            let p = parent[v];
            let z = if p as usize == v {
                zones.push((grid.rank_of[level as usize], 0));
                zones.len() - 1
            } else {
                (parent[p as usize] & !ZONE) as usize
            };
            parent[v] = ZONE | z as u32;
            zones[z].1 += 1;
        }
    }
    Ok(zones
        .into_iter()
        .map(|(row, size)| u64::from(row) << 32 | size)
        .collect())
}

/// The root of `v`'s tree, halving the path on the way.
fn find(parent: &mut [u32], mut v: usize) -> usize {
    loop {
        let p = parent[v] as usize;
        if p == v {
            return v;
        }
        let up = parent[p] as usize;
        parent[v] = up as u32;
        v = up;
    }
}

/// The order in which [`zones`] computes the bits of the neighbour masks, each with the bits
/// that make it unnecessary: the offset `d` (by index in `vectors`) need not be followed from a
/// voxel `v` when `v + w` has `v`'s level for an offset `w` such that `w` and `d − w` are both
/// offsets with fewer non-zero components than `d`: `v + d` is reached through `v + w`. By
/// induction on that number such detours end in face steps, which are always followed. Faces
/// come first (never dropped), then edges, then corners; a corner judged on the edge bits
/// already thinned decides as on the equal neighbours themselves (an edge bit is dropped only
/// for an equal face neighbour, which drops the corner too).
fn plan(vectors: &[[i64; 3]]) -> Vec<(u32, u32)> {
    let order = |o: &[i64; 3]| o.iter().filter(|&&c| c != 0).count();
    let mut out: Vec<(usize, u32, u32)> = Vec::new();
    for (b, d) in vectors.iter().enumerate() {
        let k = order(d);
        let mut cover = 0u32;
        for (c, w) in vectors.iter().enumerate() {
            let rest = [d[0] - w[0], d[1] - w[1], d[2] - w[2]];
            if order(w) < k && (1..k).contains(&order(&rest)) && vectors.contains(&rest) {
                cover |= 1 << c;
            }
        }
        out.push((k, b as u32, cover));
    }
    out.sort_by_key(|&(k, b, _)| (k, b));
    out.into_iter().map(|(_, b, cover)| (b, cover)).collect()
}
