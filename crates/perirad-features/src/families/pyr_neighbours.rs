//! What PyRadiomics' `glszm`, `gldm` and `ngtdm` classes share: the ROI's grey levels in a
//! zero-padded box, the neighbour offsets PyRadiomics' C extension generates, and the features
//! common to the "count" matrices (GLSZM and GLDM).
//!
//! Neighbours (PyRadiomics' `build_angles`): every offset `o ≠ 0` whose Chebyshev norm
//! `max |o_a|` is one of the `distances` (GLSZM always uses `[1]`), both directions of each pair.
//! With `force2D` the offsets along the out-of-plane axis (`force2Ddimension`, a numpy axis:
//! 0 = z, 1 = y, 2 = x) are zero, so neighbourhoods stay in their slice. A neighbour counts only
//! inside the image and the ROI; since the ROI lies inside its bounding box, the box padded with
//! voxels outside the ROI gives exactly the same neighbours without any bounds check.

use super::pyr_grid::LevelGrid;
use crate::error::param;
use crate::{FeatureError, PyRadiomicsParams};
use perirad_core::{Mask, Volume};

/// `np.spacing(1)`, PyRadiomics' ε in the entropies.
pub(crate) const EPS: f64 = f64::EPSILON;

/// The neighbour offsets (x, y, z) given by `distances` (see the module documentation) with
/// the in-plane axis setting of `params`.
pub(crate) fn neighbour_vectors(
    grid: &LevelGrid,
    params: &PyRadiomicsParams,
    distances: &[i64],
) -> Result<Vec<[i64; 3]>, FeatureError> {
    neighbour_offsets(distances, in_plane_axis(params), grid.size)
}

/// The shared grid of the ROI `mask` with grey `levels` (1-based, 0 outside), for the classes
/// that reject ROI voxels without a grey level.
pub(crate) fn roi_grid(
    grey: &Volume<u32>,
    roi: &Mask,
    params: &PyRadiomicsParams,
) -> Result<LevelGrid, FeatureError> {
    let (mask, levels) = (roi.data(), grey.data());
    if grey.geometry().size() != roi.geometry().size() {
        return Err(FeatureError::Input(
            "grey levels and ROI are on different grids".into(),
        ));
    }
    if !mask.contains(&true) {
        return Err(FeatureError::EmptyRoi);
    }
    if mask.iter().zip(levels).any(|(&m, &v)| m && v == 0) {
        return Err(FeatureError::Input(
            "an ROI voxel has no grey level (0)".into(),
        ));
    }
    LevelGrid::new(grey, roi, &params.setting)
}

/// What `gldm` and `ngtdm` count over each ROI voxel's neighbours (the offsets of
/// [`neighbour_vectors`] with the `distances` setting), in one pass over the grid.
pub(crate) struct NeighbourStats {
    /// GLDM's `P` as counts: one row per grey level present (by rank), one column per number
    /// of dependent neighbours, 0 ..= number of offsets.
    pub dependence: Vec<u32>,
    /// Columns of `dependence`.
    pub columns: usize,
    /// NGTDM's `n_i`, by rank.
    pub n: Vec<f64>,
    /// NGTDM's `s_i`, by rank, summed in scan order (x fastest, z slowest).
    pub s: Vec<f64>,
}

/// An unsigned sum of grey levels (sums wrap: a box sum minus its centre is exact when the
/// neighbours' sum fits).
trait LevelSum: Copy + Default + std::ops::AddAssign + std::ops::Add<Output = Self> {
    fn to_f64(self) -> f64;
    fn wrapping_add(self, other: Self) -> Self;
    fn wrapping_sub(self, other: Self) -> Self;
}

macro_rules! level_sum {
    ($t:ty) => {
        impl LevelSum for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn wrapping_add(self, other: $t) -> $t {
                <$t>::wrapping_add(self, other)
            }
            fn wrapping_sub(self, other: $t) -> $t {
                <$t>::wrapping_sub(self, other)
            }
        }
    };
}

level_sum!(u16);
level_sum!(u32);
level_sum!(u64);

/// The unsigned type grey levels and neighbour counts are held in: u16 when they fit, for twice
/// the lanes per vector, else u32.
trait Lane: LevelSum + Eq + From<bool> + std::ops::BitAnd<Output = Self> {
    const MAX: Self;
    fn abs_diff(self, other: Self) -> Self;
    fn le(self, other: Self) -> bool;
    fn index(self) -> usize;
}

impl Lane for u16 {
    const MAX: u16 = u16::MAX;
    fn abs_diff(self, other: u16) -> u16 {
        u16::abs_diff(self, other)
    }
    fn le(self, other: u16) -> bool {
        self <= other
    }
    fn index(self) -> usize {
        usize::from(self)
    }
}

impl Lane for u32 {
    const MAX: u32 = u32::MAX;
    fn abs_diff(self, other: u32) -> u32 {
        u32::abs_diff(self, other)
    }
    fn le(self, other: u32) -> bool {
        self <= other
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// Voxels per block of [`accumulate`]: its accumulators stay in vector registers across the
/// offsets.
const BLOCK: usize = 32;

/// The sums over a box of `2 r + 1` voxels per axis (`reach` r, x y z) of a grid of `dims`
/// voxels, separably: along x then y into an array (entry `j` for the box centred at
/// `j + r_x + r_y n_x`; sums wrap), the z taps left to [`BoxSums::at`]. The grid's padding
/// being at least the reach, every box voxel's box lies in the grid.
struct BoxSums<T> {
    xy: Vec<T>,
    /// Linear offset from a voxel to the entry of its box's first z tap.
    back: usize,
    plane: usize,
    taps: usize,
}

/// The sums of `2 r + 1` consecutive entries (`stride` apart) of `data` mapped by `f`, entry
/// `j` for those from `j`, with room for `spare` more entries.
fn taps<V: Copy, T: LevelSum>(
    data: &[V],
    f: impl Fn(V) -> T,
    r: usize,
    stride: usize,
    spare: usize,
) -> Vec<T> {
    let n = data.len().saturating_sub(2 * r * stride);
    let mut out = Vec::with_capacity(n + spare);
    out.resize(n, T::default());
    // Tap by tap over the whole output: plain loops that vectorise where they are (an extend
    // from an iterator chain is left to a generic function whose inlining varies from build to
    // build). Integer sums in wrapping arithmetic: any order gives the same result.
    for t in 0..=2 * r {
        let shifted = &data[t * stride..t * stride + n];
        for (o, &v) in out.iter_mut().zip(shifted) {
            *o = o.wrapping_add(f(v));
        }
    }
    out
}

impl<T: LevelSum> BoxSums<T> {
    /// The box sums of `values` mapped by `f`.
    fn new<V: Copy>(
        values: &[V],
        f: impl Fn(V) -> T,
        dims: [usize; 3],
        reach: [usize; 3],
    ) -> BoxSums<T> {
        let [nx, ny, _] = dims;
        let x = taps(values, f, reach[0], 1, 0);
        let mut xy = taps(&x, |v| v, reach[1], nx, BLOCK);
        // Room for a whole block of lanes past the last box voxel.
        xy.resize(xy.len() + BLOCK, T::default());
        BoxSums {
            xy,
            back: reach[0] + reach[1] * nx + reach[2] * nx * ny,
            plane: nx * ny,
            taps: 2 * reach[2] + 1,
        }
    }

    /// The box sums of the [`BLOCK`] voxels from `base`, a box voxel (lanes past the box are
    /// left meaningless).
    #[inline(always)]
    fn at(&self, base: usize) -> [T; BLOCK] {
        let mut out = [T::default(); BLOCK];
        let first = base - self.back;
        for t in 0..self.taps {
            let from = first + t * self.plane;
            if let Ok(row) = <&[T; BLOCK]>::try_from(&self.xy[from..from + BLOCK]) {
                for i in 0..BLOCK {
                    out[i] = out[i].wrapping_add(row[i]);
                }
            }
        }
        out
    }
}

/// The per-axis reach of `vectors` when they are every offset of a box but the zero one (the
/// neighbourhoods of one or consecutive distances from 1, in 3D or a plane), else `None`.
fn box_reach(vectors: &[[i64; 3]]) -> Option<[usize; 3]> {
    let reach = [0, 1, 2].map(|a| vectors.iter().map(|o| o[a].unsigned_abs()).max());
    let reach = reach.map(|r| r.unwrap_or(0) as usize);
    let volume: usize = reach.iter().map(|r| 2 * r + 1).product();
    let mut seen = vec![false; volume];
    for o in vectors {
        let cell = (0..3).rev().fold(0, |k, a| {
            k * (2 * reach[a] + 1) + (o[a] + reach[a] as i64) as usize
        });
        if o == &[0; 3] || std::mem::replace(&mut seen[cell], true) {
            return None;
        }
    }
    (vectors.len() + 1 == volume).then_some(reach)
}

/// The ROI voxels of the grid `g` (grey levels of `grid`, as `L`), in blocks of [`BLOCK`]
/// consecutive linear indices, each starting at the first ROI voxel no earlier block took in
/// (along the rows' ROI spans): per block, the neighbours in the ROI, the sum of their levels
/// and the dependent ones (branch-free and vectorisable; the voxels of the block outside the
/// ROI are computed and ignored), then added to GLDM's counts (`dependence`, a row of
/// `columns` per grey level 0 ..= Ng) and NGTDM's sums (`s`, per grey level) in scan order.
/// Neighbour counts and level sums come from box sums `sums` (of the levels, and of the ROI
/// indicator) less the voxel itself when the offsets form a box, else they are accumulated
/// offset by offset (outside voxels hold 0, which adds nothing).
/// Dependence is counted offset by offset on `dep_grid`: with `EXACT` (alpha 0) as equal
/// levels on `g` (outside voxels, 0, never equal a level of the ROI), else as
/// `|level difference| ≤ alpha` on the levels with outside voxels at `L::MAX`, never within
/// alpha of a level (alpha is first cut to at most the highest level, which changes nothing
/// inside the ROI). `L` holds every level and the number of offsets, `T` every sum of as many
/// levels as there are offsets.
#[allow(clippy::too_many_arguments)]
fn accumulate<L: Lane, T: LevelSum + From<L>, const EXACT: bool>(
    grid: &LevelGrid,
    g: &[L],
    dep_grid: &[L],
    offsets: &[isize],
    alpha: L,
    sums: Option<&(BoxSums<T>, BoxSums<L>)>,
    columns: usize,
    dependence: &mut [u32],
    s: &mut [f64],
) {
    // Full blocks read up to this far past their first voxel.
    let reach = offsets.iter().copied().max().unwrap_or(0).max(0) as usize + BLOCK;
    let arch = crate::simd::arch();
    // Blocks start at ROI voxels not yet covered, and take in whatever ROI voxels follow.
    let mut covered = 0;
    for &(start, end) in grid.row_spans() {
        let mut at = start.max(covered);
        while at < end {
            let base = at;
            let full = base + reach <= g.len();
            let len = if full { BLOCK } else { BLOCK.min(end - at) };
            at += len;
            covered = at;
            arch.dispatch(Block::<L, T, EXACT> {
                g,
                dep_grid,
                offsets,
                alpha,
                sums,
                at: (base, len, full),
                columns,
                out: (&mut *dependence, &mut *s),
            });
        }
    }
}

/// [`block`] as a kernel of [`crate::simd`] (its counts are vector code).
struct Block<'a, L, T, const EXACT: bool> {
    g: &'a [L],
    dep_grid: &'a [L],
    offsets: &'a [isize],
    alpha: L,
    sums: Option<&'a (BoxSums<T>, BoxSums<L>)>,
    /// `base`, `len` and `full` of [`block`].
    at: (usize, usize, bool),
    columns: usize,
    out: (&'a mut [u32], &'a mut [f64]),
}

impl<L: Lane, T: LevelSum + From<L>, const EXACT: bool> pulp::WithSimd for Block<'_, L, T, EXACT> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let (base, len, full) = self.at;
        let (dependence, s) = self.out;
        block::<L, T, EXACT>(
            self.g,
            self.dep_grid,
            self.offsets,
            self.alpha,
            self.sums,
            base,
            len,
            full,
            self.columns,
            dependence,
            s,
        );
    }
}

/// [`accumulate`] on the `len` voxels from `base`, an ROI voxel: a whole block when `full` (it
/// and its neighbours lie in the grid), else voxels of its span only.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn block<L: Lane, T: LevelSum + From<L>, const EXACT: bool>(
    g: &[L],
    dep_grid: &[L],
    offsets: &[isize],
    alpha: L,
    sums: Option<&(BoxSums<T>, BoxSums<L>)>,
    base: usize,
    len: usize,
    full: bool,
    columns: usize,
    dependence: &mut [u32],
    s: &mut [f64],
) {
    let zero = L::default();
    let full = if full {
        g.get(base..base + BLOCK)
    } else {
        None
    };
    let centre = &g[base..base + len];
    let mut count = [zero; BLOCK];
    let mut sum = [T::default(); BLOCK];
    let mut dep = [zero; BLOCK];
    if let Some(Ok(c)) = full.map(<&[L; BLOCK]>::try_from) {
        for &o in offsets {
            let start = base.wrapping_add_signed(o);
            if let Ok(nb) = <&[L; BLOCK]>::try_from(&dep_grid[start..start + BLOCK]) {
                for i in 0..BLOCK {
                    let v = nb[i];
                    dep[i] += L::from(if EXACT {
                        v == c[i]
                    } else {
                        v.abs_diff(c[i]).le(alpha)
                    });
                }
            }
        }
        if let Some((level_sums, roi_sums)) = sums {
            let (t, k) = (level_sums.at(base), roi_sums.at(base));
            for i in 0..BLOCK {
                sum[i] = t[i].wrapping_sub(T::from(c[i]));
                count[i] = k[i].wrapping_sub(L::from(c[i] != zero));
            }
        } else {
            for &o in offsets {
                let start = base.wrapping_add_signed(o);
                if let Ok(nb) = <&[L; BLOCK]>::try_from(&g[start..start + BLOCK]) {
                    for i in 0..BLOCK {
                        count[i] += L::from(nb[i] != zero);
                        sum[i] += T::from(nb[i]);
                    }
                }
            }
        }
    } else {
        // A block reaching past the grid's end: the span's voxels only.
        for &o in offsets {
            let start = base.wrapping_add_signed(o);
            let nb = &g[start..start + len];
            let nd = &dep_grid[start..start + len];
            for (i, (&v, &w)) in nb.iter().zip(nd).enumerate() {
                count[i] += L::from(v != zero);
                sum[i] += T::from(v);
                dep[i] += L::from(if EXACT {
                    w == centre[i]
                } else {
                    w.abs_diff(centre[i]).le(alpha)
                });
            }
        }
    }
    for (i, &level) in centre.iter().enumerate() {
        if level == zero {
            continue;
        }
        let r = level.index();
        dependence[r * columns + dep[i].index()] += 1;
        let diff = if count[i] == zero {
            0.0
        } else {
            (level.to_f64() - sum[i].to_f64() / count[i].to_f64()).abs()
        };
        s[r] += diff;
    }
}

/// [`accumulate`] with the grid as `L` and sums as `T`: the dependence grid and the box sums
/// it needs.
fn run<L: Lane, T: LevelSum + From<L>>(
    grid: &LevelGrid,
    g: &[L],
    vectors: &[[i64; 3]],
    offsets: &[isize],
    alpha: L,
    out: (&mut [u32], &mut [f64]),
) {
    let (dependence, s) = out;
    let columns = offsets.len() + 1;
    let sums = box_reach(vectors).map(|reach| {
        let zero = L::default();
        (
            BoxSums::new(g, T::from, grid.dims, reach),
            BoxSums::new(g, |v| L::from(v != zero), grid.dims, reach),
        )
    });
    let sums = sums.as_ref();
    if alpha == L::default() {
        accumulate::<L, T, true>(grid, g, g, offsets, alpha, sums, columns, dependence, s);
    } else {
        let far: Vec<L> = g
            .iter()
            .map(|&v| if v == L::default() { L::MAX } else { v })
            .collect();
        accumulate::<L, T, false>(grid, g, &far, offsets, alpha, sums, columns, dependence, s);
    }
}

/// [`NeighbourStats`] of the grid with the `distances` and `gldm_a` settings of `params`.
pub(crate) fn neighbour_stats(
    grid: &LevelGrid,
    params: &PyRadiomicsParams,
) -> Result<NeighbourStats, FeatureError> {
    let vectors = neighbour_vectors(grid, params, &distances(params)?)?;
    let offsets: Vec<isize> = vectors
        .iter()
        .map(|o| grid.offset([o[2], o[1], o[0]]))
        .collect();
    // Levels differ by less than the highest level: a larger alpha counts the same.
    let alpha = params.setting.gldm_a.unwrap_or(0).max(0);
    let alpha = u32::try_from(alpha).unwrap_or(u32::MAX).min(grid.ng);
    let columns = offsets.len() + 1;
    // Counted by grey level (rows 0 ..= Ng), then kept for the levels present.
    let top_level = grid.ng as usize;
    let mut by_level = vec![0u32; (top_level + 1) * columns];
    let mut s_by_level = vec![0.0f64; top_level + 1];
    let out = (&mut by_level[..], &mut s_by_level[..]);
    let k = offsets.len() as u64 + 1;
    let top = u64::from(grid.ng);
    // Levels and counts in u16 when every sum of `k` levels (and so every level, count and
    // L::MAX standing apart from them) fits in it, else in u32; sums in the same, else in u64.
    // (The first case implies every level fits in u16, so the grid's u16 copy exists.)
    let small = (top * k <= u64::from(u16::MAX) / 2).then(|| grid.grey_u16());
    if let Some(Some(g)) = small {
        run::<u16, u16>(grid, g, &vectors, &offsets, alpha as u16, out);
    } else if top * k <= u64::from(u32::MAX) / 2 {
        run::<u32, u32>(grid, &grid.grey, &vectors, &offsets, alpha, out);
    } else {
        run::<u32, u64>(grid, &grid.grey, &vectors, &offsets, alpha, out);
    }
    let mut dependence = Vec::with_capacity(grid.levels.len() * columns);
    for &l in &grid.levels {
        let l = l as usize;
        dependence.extend_from_slice(&by_level[l * columns..(l + 1) * columns]);
    }
    let s = grid
        .levels
        .iter()
        .map(|&l| s_by_level[l as usize])
        .collect();
    // Every ROI voxel is counted once in its level's row of GLDM's matrix.
    let n = dependence
        .chunks(columns)
        .map(|row| row.iter().map(|&c| f64::from(c)).sum())
        .collect();
    Ok(NeighbourStats {
        dependence,
        columns,
        n,
        s,
    })
}

/// The axis (0 = x, 1 = y, 2 = z) that `force2D` keeps neighbourhoods from crossing, or `None`
/// in 3D. `force2Ddimension` counts numpy axes (z, y, x).
fn in_plane_axis(params: &PyRadiomicsParams) -> Option<usize> {
    let s = &params.setting;
    (s.force_2d == Some(true)).then(|| 2 - s.force_2d_dimension.unwrap_or(0).clamp(0, 2) as usize)
}

/// The `distances` setting (PyRadiomics' default `[1]`), checked.
pub(crate) fn distances(params: &PyRadiomicsParams) -> Result<Vec<i64>, FeatureError> {
    let d = params.setting.distances.clone().unwrap_or_else(|| vec![1]);
    if d.is_empty() || d.iter().any(|&x| x < 1) {
        return Err(param(
            "setting.distances",
            format!("{d:?}: needs at least one distance, each 1 or more"),
        ));
    }
    Ok(d)
}

/// PyRadiomics' neighbour offsets (x, y, z) for a cropped image of `size` voxels (PyRadiomics
/// crops a segment-based extraction to the ROI's bounding box): offsets with a Chebyshev norm in
/// `distances`, none along `fixed`, each component shorter than the image along its axis.
///
/// As `get_angle_count` and `build_angles` do, the number of offsets is counted first, one
/// term per entry of `distances`, then the offset space is enumerated (z slowest, from `+max` to
/// `−max` per axis) until that many were taken. With a distance listed twice the count exceeds
/// the distinct offsets, the enumeration wraps around and its first offsets come twice (and so
/// count twice in GLDM and NGTDM), as in PyRadiomics. No offset at all is an error there too.
fn neighbour_offsets(
    distances: &[i64],
    fixed: Option<usize>,
    size: [usize; 3],
) -> Result<Vec<[i64; 3]>, FeatureError> {
    let mut count = 0i64;
    for &d in distances {
        let (mut all, mut inner) = (1i64, 1i64);
        for (a, &n) in size.iter().enumerate() {
            if fixed == Some(a) {
                continue;
            }
            let n = n as i64;
            if d < n {
                all *= 2 * d + 1;
                inner *= 2 * d - 1;
            } else {
                all *= 2 * (n - 1) + 1;
                inner *= 2 * (n - 1) + 1;
            }
        }
        count += all - inner;
    }
    if count <= 0 {
        return Err(param(
            "setting.distances",
            format!(
                "{distances:?}: no neighbour within these distances fits in the ROI's bounding \
                 box {size:?} (PyRadiomics fails with \"Error getting angle count\")"
            ),
        ));
    }
    // PyRadiomics' enumeration with the offsets it rejects (along `fixed`, or not shorter than
    // the image) left out: the same sequence, which it cycles through.
    let m = distances.iter().copied().max().unwrap_or(1);
    let reach = [0, 1, 2].map(|a| {
        if fixed == Some(a) {
            0
        } else {
            m.min(size[a] as i64 - 1)
        }
    });
    let mut cycle = Vec::new();
    for z in (-reach[2]..=reach[2]).rev() {
        for y in (-reach[1]..=reach[1]).rev() {
            for x in (-reach[0]..=reach[0]).rev() {
                let norm = x.abs().max(y.abs()).max(z.abs());
                if norm > 0 && distances.contains(&norm) {
                    cycle.push([x, y, z]);
                }
            }
        }
    }
    let out: Vec<[i64; 3]> = cycle.iter().copied().cycle().take(count as usize).collect();
    Ok(out)
}

/// The features shared by PyRadiomics' GLSZM and GLDM, from a matrix `P(i, j)` of counts
/// (grey level i, zone size or dependence count j) with `N_z = Σ P(i, j)`,
/// `p_g(i) = Σ_j P(i, j)`, `p_j(j) = Σ_i P(i, j)`, every sum divided by `N_z`:
pub(crate) struct CountFeatures {
    /// `Σ_j p_j(j) / j² / N_z`
    pub small: f64,
    /// `Σ_j p_j(j) j² / N_z`
    pub large: f64,
    /// `Σ_i p_g(i) / i² / N_z`
    pub low_grey: f64,
    /// `Σ_i p_g(i) i² / N_z`
    pub high_grey: f64,
    /// `Σ P(i, j) / (i² j²) / N_z`
    pub small_low: f64,
    /// `Σ P(i, j) i² / j² / N_z`
    pub small_high: f64,
    /// `Σ P(i, j) j² / i² / N_z`
    pub large_low: f64,
    /// `Σ P(i, j) i² j² / N_z`
    pub large_high: f64,
    /// `Σ_i p_g(i)² / N_z`
    pub grey_nu: f64,
    /// `Σ_i p_g(i)² / N_z²`
    pub grey_nu_norm: f64,
    /// `Σ_j p_j(j)² / N_z`
    pub j_nu: f64,
    /// `Σ_j p_j(j)² / N_z²`
    pub j_nu_norm: f64,
    /// `Σ_i q(i) (i − μ)²`, `q = p_g / N_z`, `μ = Σ_i q(i) i`
    pub grey_var: f64,
    /// `Σ_j r(j) (j − μ)²`, `r = p_j / N_z`, `μ = Σ_j r(j) j`
    pub j_var: f64,
    /// `−Σ p(i, j) log2(p(i, j) + ε)`, `p = P / N_z`, ε = `np.spacing(1)`
    pub entropy: f64,
    /// `N_z`
    pub total: f64,
}

/// [`CountFeatures`] of the non-zero cells `(i, j, P(i, j))` of a count matrix, its row sums
/// `(i, p_g(i))` and its column sums `(j, p_j(j))`. `None` for an empty matrix.
pub(crate) fn count_features(
    cells: impl IntoIterator<Item = (f64, f64, f64)>,
    rows: &[(f64, f64)],
    cols: &[(f64, f64)],
) -> Option<CountFeatures> {
    let nz: f64 = rows.iter().map(|r| r.1).sum();
    if nz <= 0.0 {
        return None;
    }
    let mut f = CountFeatures {
        small: 0.0,
        large: 0.0,
        low_grey: 0.0,
        high_grey: 0.0,
        small_low: 0.0,
        small_high: 0.0,
        large_low: 0.0,
        large_high: 0.0,
        grey_nu: 0.0,
        grey_nu_norm: 0.0,
        j_nu: 0.0,
        j_nu_norm: 0.0,
        grey_var: 0.0,
        j_var: 0.0,
        entropy: 0.0,
        total: nz,
    };
    for (i, j, c) in cells {
        let (i2, j2) = (i * i, j * j);
        f.small_low += c / (i2 * j2);
        f.small_high += c * i2 / j2;
        f.large_low += c * j2 / i2;
        f.large_high += c * i2 * j2;
        let p = c / nz;
        f.entropy -= p * (p + EPS).log2();
    }
    let (mut mu_i, mut mu_j) = (0.0, 0.0);
    for &(i, c) in rows {
        f.low_grey += c / (i * i);
        f.high_grey += c * i * i;
        f.grey_nu += c * c;
        mu_i += c / nz * i;
    }
    for &(j, c) in cols {
        f.small += c / (j * j);
        f.large += c * j * j;
        f.j_nu += c * c;
        mu_j += c / nz * j;
    }
    for &(i, c) in rows {
        f.grey_var += c / nz * (i - mu_i) * (i - mu_i);
    }
    for &(j, c) in cols {
        f.j_var += c / nz * (j - mu_j) * (j - mu_j);
    }
    for v in [
        &mut f.small,
        &mut f.large,
        &mut f.low_grey,
        &mut f.high_grey,
        &mut f.small_low,
        &mut f.small_high,
        &mut f.large_low,
        &mut f.large_high,
        &mut f.grey_nu,
        &mut f.j_nu,
    ] {
        *v /= nz;
    }
    f.grey_nu_norm = f.grey_nu / nz;
    f.j_nu_norm = f.j_nu / nz;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::{neighbour_offsets, neighbour_stats, neighbour_vectors, LevelGrid};
    use crate::families::pyr_grid::testing::{random_grid, Lcg};
    use crate::PyRadiomicsParams;

    /// Neighbour statistics by definition, voxel by voxel: for each ROI voxel in scan order,
    /// its offsets' voxels inside the grid and the ROI, their sum, and those within alpha.
    fn direct(grid: &LevelGrid, params: &PyRadiomicsParams) -> (Vec<u32>, Vec<f64>, Vec<f64>) {
        let distances = super::distances(params).expect("distances");
        let vectors = neighbour_vectors(grid, params, &distances).expect("offsets");
        let alpha = params.setting.gldm_a.unwrap_or(0);
        let columns = vectors.len() + 1;
        let ng = grid.levels.len();
        let (mut dep, mut n, mut s) = (vec![0u32; ng * columns], vec![0.0; ng], vec![0.0; ng]);
        let [nx, ny, nz] = grid.dims;
        for z in 0..nz as i64 {
            for y in 0..ny as i64 {
                for x in 0..nx as i64 {
                    let at =
                        |x: i64, y: i64, z: i64| (x + nx as i64 * (y + ny as i64 * z)) as usize;
                    let c = grid.grey[at(x, y, z)];
                    if c == 0 {
                        continue;
                    }
                    let (mut count, mut sum, mut d) = (0u64, 0u64, 0usize);
                    for o in &vectors {
                        let (u, v, w) = (x + o[0], y + o[1], z + o[2]);
                        let outside = [u, v, w]
                            .iter()
                            .zip(grid.dims)
                            .any(|(&p, n)| p < 0 || p >= n as i64);
                        let level = if outside { 0 } else { grid.grey[at(u, v, w)] };
                        if level != 0 {
                            count += 1;
                            sum += u64::from(level);
                            d += usize::from(i64::from(level.abs_diff(c)) <= alpha);
                        }
                    }
                    let r = grid.rank_of[c as usize] as usize;
                    dep[r * columns + d] += 1;
                    n[r] += 1.0;
                    if count > 0 {
                        s[r] += (c as f64 - sum as f64 / count as f64).abs();
                    }
                }
            }
        }
        (dep, n, s)
    }

    /// The neighbour pass equals its definition: box-shaped neighbourhoods (distance 1 in 3D
    /// and in each force2D plane, distances 1 and 2) through box sums, the others (distance 2
    /// alone, a repeated distance) offset by offset; alpha 0, 1 and beyond every level
    /// difference; levels in u16 and, with many levels, u32.
    #[test]
    fn neighbour_stats_match_definition() {
        let mut rng = Lcg(11);
        let settings = [
            "{}",
            "{force2D: true, force2Ddimension: 0}",
            "{force2D: true, force2Ddimension: 1}",
            "{force2D: true, force2Ddimension: 2}",
            "{distances: [1, 2]}",
            "{distances: [2]}",
            "{distances: [1, 1]}",
            "{gldm_a: 1}",
            "{gldm_a: 1000000, force2D: true}",
            "{gldm_a: 2, distances: [2]}",
        ];
        let mut checked = 0;
        for setting in settings {
            let params =
                PyRadiomicsParams::from_yaml(&format!("setting: {setting}")).expect("parameters");
            for shape in [[3, 2, 1], [6, 5, 4], [40, 9, 3], [5, 37, 6]] {
                for (levels, scale) in [(3, 1), (30, 1), (4, 5_000)] {
                    let grid = random_grid(&mut rng, shape, &params.setting, levels, scale, 7);
                    let stats = match neighbour_stats(&grid, &params) {
                        Ok(stats) => stats,
                        Err(e) => {
                            // PyRadiomics fails too when no offset fits in the box.
                            assert!(format!("{e:?}").contains("angle count"), "{e:?}");
                            continue;
                        }
                    };
                    let (dep, n, s) = direct(&grid, &params);
                    assert_eq!(stats.dependence, dep, "{setting} {shape:?} {levels}");
                    assert_eq!(stats.n, n, "{setting} {shape:?} {levels}");
                    assert_eq!(stats.s, s, "{setting} {shape:?} {levels}");
                    // The baseline x86-64 kernel: the same counts and the same bits.
                    let baseline = crate::simd::testing::baseline(|| {
                        neighbour_stats(&grid, &params).expect("as above")
                    });
                    assert_eq!(baseline.dependence, stats.dependence);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&baseline.s), bits(&stats.s));
                    checked += 1;
                }
            }
        }
        assert!(checked >= 10 * 3 * 3);
    }

    /// Counts of PyRadiomics' `get_angle_count`: (2d + 1)^n − (2d − 1)^n per listed distance.
    #[test]
    fn offsets_as_pyradiomics_counts_them() {
        let big = [30, 30, 30];
        let n = |d: &[i64], fixed, size| neighbour_offsets(d, fixed, size).map(|o| o.len());
        assert_eq!(n(&[1], None, big).ok(), Some(26));
        assert_eq!(n(&[1], Some(2), big).ok(), Some(8));
        assert_eq!(n(&[1, 2], None, big).ok(), Some(26 + 98));
        assert_eq!(n(&[2], Some(0), big).ok(), Some(25 - 9));
        // Limited by the image: 3 slices allow z offsets of ±1 and ±2 only.
        assert_eq!(n(&[3], None, [30, 30, 3]).ok(), Some(7 * 7 * 5 - 5 * 5 * 5));
        assert!(n(&[5], None, [3, 3, 3]).is_err());
        // A repeated distance: every 1-offset twice.
        let twice = neighbour_offsets(&[1, 1], None, big).unwrap_or_default();
        assert_eq!(twice.len(), 52);
        assert_eq!(twice[..26], twice[26..]);
    }
}
