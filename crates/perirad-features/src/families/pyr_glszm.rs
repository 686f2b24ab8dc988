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
    let (cells, rows, cols, n_p) = matrix(&zones, &grid.levels);
    let cells = cells.into_iter().map(|(r, size, count)| {
        (
            f64::from(grid.levels[r as usize]),
            f64::from(size),
            f64::from(count),
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
        f.total / n_p as f64,
        f.j_var,
    ];
    Ok(NAMES.into_iter().zip(values).collect())
}

/// Zone sizes below this are counted in a dense block of P per grey level.
const SMALL: usize = 32;

/// The size zone matrix of `zones` (as [`zones`] gives them; `levels` the grey level of each
/// row): its non-zero cells `(row, size, count)` sorted by row then size, its row sums
/// `(level, count)` and column sums `(size, count)` of the rows and sizes present, ascending,
/// and `N_p`, the number of voxels. Zones smaller than [`SMALL`] voxels (most of them) are
/// counted in a dense block, the larger ones sorted.
#[allow(clippy::type_complexity)]
fn matrix(
    zones: &[u64],
    levels: &[u32],
) -> (Vec<(u32, u32, u32)>, Vec<(f64, f64)>, Vec<(f64, f64)>, u64) {
    let nr = levels.len();
    let mut dense = vec![0u32; nr * SMALL];
    let mut large: Vec<u64> = Vec::new();
    let mut per_row = vec![0u32; nr];
    let mut n_p = 0u64;
    for &z in zones {
        let (r, size) = ((z >> 32) as usize, (z as u32) as usize);
        per_row[r] += 1;
        n_p += size as u64;
        if size < SMALL {
            dense[r * SMALL + size] += 1;
        } else {
            large.push(z);
        }
    }
    large.sort_unstable();
    let mut cells = Vec::new();
    let mut rest = &large[..];
    for r in 0..nr {
        for (size, &count) in dense[r * SMALL..(r + 1) * SMALL].iter().enumerate() {
            if count > 0 {
                cells.push((r as u32, size as u32, count));
            }
        }
        let here = rest.partition_point(|&z| (z >> 32) as usize == r);
        for run in rest[..here].chunk_by(|a, b| a == b) {
            cells.push((r as u32, run[0] as u32, run.len() as u32));
        }
        rest = &rest[here..];
    }
    let rows = per_row
        .iter()
        .zip(levels)
        .filter(|(&c, _)| c > 0)
        .map(|(&c, &g)| (f64::from(g), f64::from(c)))
        .collect();
    let mut cols: Vec<(f64, f64)> = (0..SMALL)
        .filter_map(|size| {
            let c: u32 = (0..nr).map(|r| dense[r * SMALL + size]).sum();
            (c > 0).then_some((size as f64, f64::from(c)))
        })
        .collect();
    let mut big: Vec<u32> = large.iter().map(|&z| z as u32).collect();
    big.sort_unstable();
    cols.extend(
        big.chunk_by(|a, b| a == b)
            .map(|run| (f64::from(run[0]), run.len() as f64)),
    );
    (cells, rows, cols, n_p)
}

/// Marks a root in [`zones`]' parent links; the other bits of a root's entry hold its zone's
/// size (voxel indices and sizes stay below it).
const ROOT: u32 = 1 << 31;

/// Voxels per block of [`zones`]' neighbour masks: a block's masks stay in vector registers
/// across the offsets.
const BLOCK: usize = 32;

/// The unsigned type [`zones`] reads grey levels in: u16 when they fit, for twice the lanes
/// per vector, else u32.
trait Level: Copy + Eq + Default {
    fn index(self) -> usize;
}

impl Level for u16 {
    #[inline(always)]
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Level for u32 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// A value in every lane of a block (aligned, for vector operands).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Lanes([u16; BLOCK]);

/// One earlier neighbour offset of [`zones`]: its linear offset, its mask bit, and the mask
/// bits of the earlier neighbours before it in the masks' order that are its own neighbours,
/// in every lane.
struct Step {
    offset: isize,
    bit: Lanes,
    near: Lanes,
    /// Every bit but its own.
    others: Lanes,
}

/// Every zone as `row << 32 | size` (row: rank of its grey level), for the neighbour offsets
/// `vectors` (x, y, z), in any order.
///
/// The zones are labelled in scan order by union-find: each voxel is joined to its neighbours
/// of the same level earlier in memory (every pair of neighbours is met once, from the later
/// one). Along each row's ROI span, in blocks of [`BLOCK`] voxels, the mask of those neighbours
/// (bit b: the b-th earlier offset) is computed offset by offset, branch-free and vectorisable
/// (outside voxels hold level 0, never a level of the ROI; lanes past the span are computed and
/// ignored); then the block's voxels are joined. Two equal earlier neighbours that are
/// neighbours of each other are already in one tree (the earlier voxels' zones are complete
/// among themselves), so a neighbour is joined only when no equal one before it in the masks'
/// order is its neighbour: most voxels join one tree, or none. The voxel before along x comes
/// first and, when equal, gives the new voxel its root directly (the root left by the previous
/// step), without a find; the voxel before along z, the neighbour of every other earlier one,
/// comes next. Links always point to earlier voxels, so a component's root is its first voxel;
/// a root's entry holds [`ROOT`] and its zone's size, kept up to date as voxels join and trees
/// merge, and finds halve their paths.
fn zones(grid: &LevelGrid, vectors: &[[i64; 3]]) -> Result<Vec<u64>, FeatureError> {
    if grid.grey.len() >= ROOT as usize {
        return Err(FeatureError::Input(format!(
            "glszm: the ROI's padded bounding box holds {} voxels, more than 2^31",
            grid.grey.len()
        )));
    }
    // The earlier offsets: x before, then z before, then the others in the given order.
    let mut earlier: Vec<[i64; 3]> = vectors
        .iter()
        .copied()
        .filter(|o| grid.offset([o[2], o[1], o[0]]) < 0)
        .collect();
    earlier.sort_by_key(|&o| match o {
        [-1, 0, 0] => 0,
        [0, 0, -1] => 1,
        _ => 2,
    });
    debug_assert!(
        earlier.len() < 16,
        "at most 13 earlier neighbours (bit 15: the voxel itself)"
    );
    let steps: Vec<Step> = earlier
        .iter()
        .enumerate()
        .map(|(b, d)| {
            let near = earlier[..b]
                .iter()
                .enumerate()
                .filter(|(_, w)| {
                    let gap = [d[0] - w[0], d[1] - w[1], d[2] - w[2]];
                    vectors.contains(&gap)
                })
                .fold(0u16, |m, (c, _)| m | 1 << c);
            Step {
                offset: grid.offset([d[2], d[1], d[0]]),
                bit: Lanes([1 << b; BLOCK]),
                near: Lanes([near; BLOCK]),
                others: Lanes([!(1 << b); BLOCK]),
            }
        })
        .collect();
    let before = u16::from(earlier.first() == Some(&[-1, 0, 0]));
    let arch = crate::simd::arch();
    if let Some(g) = grid.grey_u16() {
        Ok(arch.dispatch(Label {
            grid,
            g,
            steps: &steps,
            before,
        }))
    } else {
        Ok(arch.dispatch(Label {
            grid,
            g: &grid.grey,
            steps: &steps,
            before,
        }))
    }
}

/// [`label`] as a kernel of [`crate::simd`] (the block masks are vector code).
struct Label<'a, L> {
    grid: &'a LevelGrid,
    g: &'a [L],
    steps: &'a [Step],
    before: u16,
}

impl<L: Level> pulp::WithSimd for Label<'_, L> {
    type Output = Vec<u64>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Vec<u64> {
        label(self.grid, self.g, self.steps, self.before)
    }
}

/// The masks of the [`BLOCK`] voxels of `g` from `base` whose neighbours are joined (bit b:
/// the voxel at `steps[b]` has the same level, and no equal one before it in `steps` is its
/// neighbour), with their levels. Lanes past the grid's end hold level 0.
#[inline(always)]
fn block<L: Level>(g: &[L], base: usize, steps: &[Step]) -> ([L; BLOCK], [u16; BLOCK]) {
    let mut c = [L::default(); BLOCK];
    let mut equal = [0u16; BLOCK];
    if let Some(Ok(centre)) = g.get(base..base + BLOCK).map(<&[L; BLOCK]>::try_from) {
        c = *centre;
        for step in steps {
            // Earlier offsets stay within the grid: the first ROI voxel lies past the padding.
            let from = base.wrapping_add_signed(step.offset);
            if let Ok(nb) = <&[L; BLOCK]>::try_from(&g[from..from + BLOCK]) {
                for i in 0..BLOCK {
                    equal[i] |= u16::from(c[i] == nb[i]).wrapping_neg() & step.bit.0[i];
                }
            }
        }
    } else {
        // The block reaches past the grid's end (which is padding).
        let len = g.len().saturating_sub(base).min(BLOCK);
        c[..len].copy_from_slice(&g[base..base + len]);
        for step in steps {
            let from = base.wrapping_add_signed(step.offset);
            for i in 0..len {
                equal[i] |= u16::from(c[i] == g[from + i]).wrapping_neg() & step.bit.0[i];
            }
        }
    }
    let mut joined = equal;
    for step in steps.iter().filter(|s| s.near.0[0] != 0) {
        // The step's masks as values, not memory that the block's masks might share (which
        // kept them in memory, each step waiting for the last one's stores).
        let (near, others) = (step.near.0, step.others.0);
        let mut next = joined;
        for i in 0..BLOCK {
            next[i] &= u16::from(equal[i] & near[i] == 0).wrapping_neg() | others[i];
        }
        joined = next;
    }
    (c, joined)
}

/// [`zones`] on the grey levels `g` (of `grid`, as `L`), with the earlier offsets `steps`,
/// `before` the mask bit of the voxel before along x (0 without one).
#[inline(always)]
fn label<L: Level>(grid: &LevelGrid, g: &[L], steps: &[Step], before: u16) -> Vec<u64> {
    let rank = |l: L| grid.rank_of[l.index()];
    let zero = L::default();
    // Every ROI voxel's entry is written before it is read, and no other entry has the ROOT
    // bit: any such values do, and a masked copy of the levels is cheaper than zeroing.
    let mut parent: Vec<u32> = grid.grey.iter().map(|&v| v & !ROOT).collect();
    let spans = grid.row_spans();
    // The steps' offsets, and offset 0 (the voxel itself) at bit 15: the first join beyond the
    // voxel before is made whether or not there is one (with none, the voxel joins its own tree,
    // which changes nothing), so that the common case of at most one such join takes no branch
    // that depends on the image.
    let mut offsets = [0isize; 16];
    for (o, s) in offsets.iter_mut().zip(steps) {
        *o = s.offset;
    }
    // The number of trees.
    let mut roots = 0usize;
    for &(start, end) in spans {
        let mut previous = start;
        let mut at = start;
        while at < end {
            let len = BLOCK.min(end - at);
            let base = at;
            at += len;
            let (c, mask) = block(g, base, steps);
            for i in 0..len {
                if c[i] == zero {
                    continue;
                }
                let v = base + i;
                let m = mask[i];
                // Joined to the voxel before along x (its root), or a new tree: selects, not a
                // branch (either happens at random in a noisy image).
                let joined = m & before != 0;
                let mut root = if joined { previous } else { v };
                parent[v] = if joined { previous as u32 } else { ROOT | 1 };
                parent[root] += u32::from(joined);
                roots += usize::from(!joined);
                let mut rest = m & !before;
                loop {
                    let b = (rest | 1 << 15).trailing_zeros() as usize;
                    rest &= rest.wrapping_sub(1);
                    let other = find(&mut parent, v.wrapping_add_signed(offsets[b & 15]));
                    // Trees merged into the earlier root, or (already one tree) left as they
                    // are: selects, not a branch.
                    let merge = other != root;
                    let (lo, hi) = (other.min(root), other.max(root));
                    let moved = parent[hi];
                    parent[lo] += if merge { moved & !ROOT } else { 0 };
                    parent[hi] = if merge { lo as u32 } else { moved };
                    root = lo;
                    roots -= usize::from(merge);
                    if rest == 0 {
                        break;
                    }
                }
                previous = root;
            }
        }
    }
    // The roots, compacted without a branch: every voxel writes its entry at the next free
    // place, which only a root takes (room for one more write past the last root).
    let mut zones = vec![0u64; roots + 1];
    let mut k = 0;
    for &(start, end) in spans {
        for (&p, &level) in parent[start..end].iter().zip(&g[start..end]) {
            zones[k.min(roots)] = u64::from(rank(level)) << 32 | u64::from(p & !ROOT);
            k += (p >> 31) as usize;
        }
    }
    zones.truncate(roots);
    zones
}

/// The root of `v`'s tree, halving the path on the way.
#[inline(always)]
fn find(parent: &mut [u32], mut v: usize) -> usize {
    // Most entries are a root or a root's child, at random: both without a branch (a root's
    // entry read as an index is its zone's size, within the grid).
    let p = parent[v];
    let up = parent[(p & !ROOT) as usize];
    if (p | up) & ROOT != 0 {
        return if p & ROOT != 0 { v } else { p as usize };
    }
    loop {
        let p = parent[v];
        if p & ROOT != 0 {
            return v;
        }
        let up = parent[p as usize];
        if up & ROOT != 0 {
            return p as usize;
        }
        parent[v] = up;
        v = up as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::{neighbour_vectors, zones, LevelGrid};
    use crate::families::pyr_grid::testing::{random_grid, Lcg};
    use crate::PyRadiomicsParams;

    /// The zones by definition: a flood fill from every unvisited ROI voxel over the neighbour
    /// offsets, through voxels of its level; `(rank, size)` sorted.
    fn flood(grid: &LevelGrid, vectors: &[[i64; 3]]) -> Vec<(u32, u64)> {
        let g = &grid.grey;
        let offsets: Vec<isize> = vectors
            .iter()
            .map(|o| grid.offset([o[2], o[1], o[0]]))
            .collect();
        let mut seen = vec![false; g.len()];
        let mut out = Vec::new();
        for v in 0..g.len() {
            if g[v] == 0 || seen[v] {
                continue;
            }
            seen[v] = true;
            let mut stack = vec![v];
            let mut size = 0u64;
            while let Some(u) = stack.pop() {
                size += 1;
                for &o in &offsets {
                    let n = u.wrapping_add_signed(o);
                    if n < g.len() && !seen[n] && g[n] == g[v] {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
            out.push((grid.rank_of[g[v] as usize], size));
        }
        out.sort_unstable();
        out
    }

    /// Union-find zones equal the flood-filled ones: 3D and the three force2D planes, a few
    /// levels (large zones with holes) or many (mostly single voxels), levels beyond u16, ROIs
    /// from one voxel to spans longer than a block, and blocks reaching the grid's end.
    #[test]
    fn zones_match_flood_fill() {
        let mut rng = Lcg(7);
        let configs = [
            "setting: {}",
            "setting: {force2D: true, force2Ddimension: 0}",
            "setting: {force2D: true, force2Ddimension: 1}",
            "setting: {force2D: true, force2Ddimension: 2}",
        ];
        let shapes = [
            [1, 1, 1],
            [3, 2, 1],
            [5, 4, 3],
            [40, 7, 3],
            [9, 37, 4],
            [70, 3, 5],
        ];
        let mut checked = 0;
        for yaml in configs {
            let params = PyRadiomicsParams::from_yaml(yaml).expect("parameters");
            for shape in shapes {
                for (levels, fill, scale) in [(2, 9, 1), (3, 6, 1), (40, 10, 1), (3, 8, 70_000)] {
                    let grid = random_grid(&mut rng, shape, &params.setting, levels, scale, fill);
                    // PyRadiomics fails when no offset fits in the box (a single voxel).
                    let Ok(vectors) = neighbour_vectors(&grid, &params, &[1]) else {
                        assert!(grid.size.iter().filter(|&&s| s > 1).count() < 2);
                        continue;
                    };
                    let mut got: Vec<(u32, u64)> = zones(&grid, &vectors)
                        .expect("zones")
                        .into_iter()
                        .map(|z| ((z >> 32) as u32, z & 0xffff_ffff))
                        .collect();
                    got.sort_unstable();
                    assert_eq!(got, flood(&grid, &vectors), "{yaml} {shape:?} {levels}");
                    // The baseline x86-64 kernel labels the same zones, in the same order.
                    let baseline =
                        crate::simd::testing::baseline(|| zones(&grid, &vectors).expect("zones"));
                    assert_eq!(baseline, zones(&grid, &vectors).expect("zones"));
                    checked += 1;
                }
            }
        }
        assert!(checked >= 4 * 5 * 4);
    }
}
