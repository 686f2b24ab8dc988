//! PyRadiomics 3.1 `glrlm` (grey level run length matrix), computed as PyRadiomics computes it
//! (IBSI family TP0I; PyRadiomics' aggregation is IBSI's "3D, averaged" ITBB, or "2D, averaged"
//! BTW3 with `force2D`).
//!
//! **Matrices.** The ROI is cropped to its bounding box; the directions are PyRadiomics'
//! `generateAngles` at distance 1 (see [`super::pyr_glcm`]: 13 in 3D, 4 with `force2D`; the
//! `distances` setting does not apply). `P(i, j; a)` counts the runs along direction `a` of `j`
//! consecutive ROI voxels of grey level `i` (maximal: the voxels before and after are outside the
//! ROI or of another level). A direction along which no line through the box holds two ROI voxels
//! gets an empty matrix, as in PyRadiomics. Rows of levels absent from the ROI are dropped. With
//! `weightingNorm` the matrices are summed over the directions with weight `w(a) = ‖a ∘ s‖`
//! (s: voxel spacing; Manhattan `Σ |a_d| s_d`, Euclidean `√Σ (a_d s_d)²`, infinity
//! `max |a_d| s_d`, `no_weighting` 1). Empty directions are dropped when there is more than one
//! matrix.
//!
//! **Features** of one matrix, with `i` the grey value, `j` the run length, `N_r = Σ P` (the
//! number of runs), `p_g(i) = Σ_j P`, `p_r(j) = Σ_i P`, `N_p = Σ j p_r(j)` (voxels in runs),
//! `p = P / N_r`, `ε = 2.2e-16`:
//!
//! ```text
//! ShortRunEmphasis                  22OV  Σ p_r(j) / j² / N_r
//! LongRunEmphasis                   W4KF  Σ p_r(j) j² / N_r
//! GrayLevelNonUniformity            R5YN  Σ p_g(i)² / N_r
//! GrayLevelNonUniformityNormalized  OVBL  Σ p_g(i)² / N_r²
//! RunLengthNonUniformity            W92Y  Σ p_r(j)² / N_r
//! RunLengthNonUniformityNormalized  IC23  Σ p_r(j)² / N_r²
//! RunPercentage                     9ZK5  N_r / N_p
//! GrayLevelVariance                 8CE5  Σ (i − μ_i)² p_g(i) / N_r, μ_i = Σ i p_g(i) / N_r
//! RunVariance                       SXLW  Σ (j − μ_j)² p_r(j) / N_r, μ_j = Σ j p_r(j) / N_r
//! RunEntropy                        HJ9O  −Σ p log2(p + ε)
//! LowGrayLevelRunEmphasis           V3SW  Σ p_g(i) / i² / N_r
//! HighGrayLevelRunEmphasis          G3QZ  Σ p_g(i) i² / N_r
//! ShortRunLowGrayLevelEmphasis      HTZT  Σ P / (i² j²) / N_r
//! ShortRunHighGrayLevelEmphasis     GD3A  Σ P i² / j² / N_r
//! LongRunLowGrayLevelEmphasis       IVPO  Σ P j² / i² / N_r
//! LongRunHighGrayLevelEmphasis      3KUM  Σ P i² j² / N_r
//! ```
//! Each feature is computed per matrix and averaged over the matrices, NaN values left out
//! (numpy's `nanmean`). RunPercentage divides by the voxels the runs cover (`N_p`), not the ROI
//! size, so with weighting both are weighted sums. IBSI's N_v in run percentage is the ROI size.

use super::pyr_glcm::{angles, force_2d_axis, nanmean, scaled, EPS};
use super::pyr_grid::LevelGrid;
use crate::{FeatureError, Settings, WeightingNorm};
use perirad_core::{Mask, Volume};

/// The feature names, in the order [`pyradiomics`] returns them.
pub const NAMES: [&str; 16] = [
    "ShortRunEmphasis",
    "LongRunEmphasis",
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "RunLengthNonUniformity",
    "RunLengthNonUniformityNormalized",
    "RunPercentage",
    "GrayLevelVariance",
    "RunVariance",
    "RunEntropy",
    "LowGrayLevelRunEmphasis",
    "HighGrayLevelRunEmphasis",
    "ShortRunLowGrayLevelEmphasis",
    "ShortRunHighGrayLevelEmphasis",
    "LongRunLowGrayLevelEmphasis",
    "LongRunHighGrayLevelEmphasis",
];

/// PyRadiomics marks no `glrlm` feature deprecated.
pub const DEPRECATED: &[&str] = &[];

/// A run code (`rank + (l − 1)(n + 1)`, see [`Runs`]): `u16` when every code of the grid fits
/// (half the vector work), else `u32`.
trait Code: Copy + Default + Eq {
    /// Codes per chunk of the vectorised pass.
    const WIDTH: usize;
    /// The code as a table index, masked with `mask` (so that indexing a table of `mask + 1`
    /// counts needs no bounds check).
    fn slot(self, mask: usize) -> usize;
    fn of(v: u32) -> Self;
    /// Branch-free: `p + n1` when the voxel is in the ROI (`c > 0`) and its predecessor has its
    /// level (`q == c`), else `c` (0 outside the ROI, whatever `p` holds).
    fn next(p: Self, n1: Self, c: Self, q: Self) -> Self;
    /// `p + n1` when `c == q`, else `c` (for a voxel outside the ROI too).
    fn along(p: Self, n1: Self, c: Self, q: Self) -> Self;
}

/// [`Code`] for an unsigned type no wider than `u32` (whose conversions to `usize` and from
/// `u32`, for codes that fit, are exact), with `WIDTH` codes per chunk.
macro_rules! code {
    ($t:ty, $width:expr) => {
        impl Code for $t {
            const WIDTH: usize = $width;
            fn slot(self, mask: usize) -> usize {
                self as usize & mask
            }
            #[allow(clippy::unnecessary_cast)] // u32 to u32 for the u32 codes
            fn of(v: u32) -> $t {
                v as $t
            }
            fn next(p: $t, n1: $t, c: $t, q: $t) -> $t {
                let e = <$t>::from((c == q) & (c != 0));
                c.wrapping_add(p.wrapping_add(n1).wrapping_sub(c) * e)
            }
            fn along(p: $t, n1: $t, c: $t, q: $t) -> $t {
                if c == q {
                    p.wrapping_add(n1)
                } else {
                    c
                }
            }
        }
    };
}

code!(u16, 16);
code!(u32, 8);

/// The run counts of one direction at a time, for a grid whose levels have `n` ranks and whose
/// runs are at most `nr` voxels long.
///
/// Per direction (walked with a positive linear step: a run read backwards is the same run),
/// each ROI voxel gets a code `rank + (l − 1)(n + 1)`, `l` the length of the run it closes so
/// far: its predecessor's code plus `n + 1` when both have its level, else its rank (1 to n; 0
/// outside the ROI). Counting the codes of every voxel gives `H(i, l)`, the number of runs of
/// level `i` at least `l` long (each such run has exactly one voxel that closes `l` of it), and
/// `P(i, l) = H(i, l) − H(i, l + 1)`. No run end has to be found. The codes are computed row by
/// row in memory order, only over each row's ROI span: along x in one scalar pass that counts
/// as it goes; along the other directions, whose predecessors lie in an earlier row of the same
/// padded slice or of the one before, branch-free in fixed-width chunks the compiler
/// vectorises, kept in a ring of two padded slices, then counted.
struct Runs<'g, C: Code> {
    grid: &'g LevelGrid,
    /// Each row's ROI span (first and past the last voxel) and the ring position of its first
    /// voxel.
    spans: Vec<(usize, usize, usize)>,
    /// The grid's ranks as codes.
    ranks: Vec<C>,
    /// The codes along the current direction of the spans of the last two padded slices, voxel
    /// `v` at `v mod ring.len()`. A position of the ring is only read as the predecessor of a
    /// voxel of the same level, an ROI voxel written earlier along this direction.
    ring: Vec<C>,
    /// `n + 1`: the row length of the tables (rank 0 and the `n` levels).
    n1: usize,
    /// The cells in use: `nr + 1` rows of `n1` (the last row stays 0, for `H(i, nr + 1)`).
    used: usize,
    /// `used` rounded up to a power of two, less one: masked with it, a code needs no bounds
    /// check.
    mask: usize,
    /// Two tables of `mask + 1` counts, zero between directions (consecutive voxels count into
    /// different tables, so that equal codes do not wait on each other).
    tables: [Vec<u32>; 2],
    /// `P` of the last direction, `used` cells.
    p: Vec<u32>,
}

impl<'g, C: Code> Runs<'g, C> {
    fn new(grid: &'g LevelGrid, nr: usize) -> Runs<'g, C> {
        let n1 = grid.levels.len() + 1;
        let used = (nr + 1) * n1;
        let mask = used.next_power_of_two() - 1;
        let ring = 2 * grid.dims[0] * grid.dims[1];
        let spans = grid.row_spans().iter().copied();
        Runs {
            grid,
            spans: spans
                .map(|(start, end)| (start, end, start % ring))
                .collect(),
            ranks: grid.ranks.iter().map(|&r| C::of(r)).collect(),
            ring: vec![C::default(); ring],
            n1,
            used,
            mask,
            tables: [vec![0; mask + 1], vec![0; mask + 1]],
            p: vec![0; used],
        }
    }

    /// Counts the runs along `dir` into [`Runs::counts`]; returns the longest run of a level
    /// (0 when PyRadiomics drops the direction: no line through the box holds two ROI voxels,
    /// not necessarily adjacent).
    #[inline(always)]
    fn direction(&mut self, dir: [i64; 3]) -> usize {
        let grid = self.grid;
        let r = &self.ranks[..];
        let ring = &mut self.ring[..];
        let n1 = C::of(self.n1 as u32);
        let step = grid.offset(dir).unsigned_abs();
        let mask = self.mask;
        let [t0, t1] = &mut self.tables;
        let (t0, t1) = (&mut t0[..=mask], &mut t1[..=mask]);
        // A step back in the ring: a step forward less the ring (steps, at most a padded slice
        // and a row and a voxel, are shorter than the ring).
        let back = ring.len() - step;
        for &(start, end, at) in &self.spans {
            let row = &r[start..end];
            if step == 1 {
                // Along x: the predecessor is the previous voxel of the row; the span starts at
                // an ROI voxel, whose predecessor is outside. A chain of voxels outside the ROI
                // is shorter than the span: its codes stay in rank 0's column.
                let (mut code, mut prev) = (C::default(), C::default());
                let mut pairs = row.chunks_exact(2);
                for pair in &mut pairs {
                    code = C::along(code, n1, pair[0], prev);
                    t0[code.slot(mask)] += 1;
                    code = C::along(code, n1, pair[1], pair[0]);
                    t1[code.slot(mask)] += 1;
                    prev = pair[1];
                }
                if let [c] = *pairs.remainder() {
                    code = C::along(code, n1, c, prev);
                    t0[code.slot(mask)] += 1;
                }
                continue;
            }
            // The predecessors lie in one row of this padded slice or the one before (steps
            // are at most a slice and a row and a voxel, and the padding is at least a voxel),
            // which ends before this span starts (the step is longer than a row): the two
            // ranges of the ring do not overlap.
            let k = end - start;
            let prev = &r[start - step..][..k];
            let from = if at + back >= ring.len() {
                at + back - ring.len()
            } else {
                at + back
            };
            let (here, prev_code) = if from < at {
                let (a, b) = ring.split_at_mut(at);
                (&mut b[..k], &a[from..][..k])
            } else {
                let (a, b) = ring.split_at_mut(from);
                (&mut a[at..][..k], &b[..k])
            };
            codes(here, prev_code, row, prev, n1);
            let mut eights = here.chunks_exact(8);
            for q in &mut eights {
                t0[q[0].slot(mask)] += 1;
                t1[q[1].slot(mask)] += 1;
                t0[q[2].slot(mask)] += 1;
                t1[q[3].slot(mask)] += 1;
                t0[q[4].slot(mask)] += 1;
                t1[q[5].slot(mask)] += 1;
                t0[q[6].slot(mask)] += 1;
                t1[q[7].slot(mask)] += 1;
            }
            let mut pairs = eights.remainder().chunks_exact(2);
            for q in &mut pairs {
                t0[q[0].slot(mask)] += 1;
                t1[q[1].slot(mask)] += 1;
            }
            for &c in pairs.remainder() {
                t0[c.slot(mask)] += 1;
            }
        }
        let (n1, used) = (self.n1, self.used);
        let (t0, t1) = (&mut t0[..used], &mut t1[..used]);
        for (a, b) in t0.iter_mut().zip(t1.iter_mut()) {
            *a += *b;
            *b = 0;
        }
        // The longest run of a level: the last table row with a count of a level (not rank 0:
        // outside the ROI, the codes are 0, or along x grow along a chain outside the ROI).
        let longest = t0
            .chunks_exact(n1)
            .rposition(|row| row[1..].iter().fold(0, |a, &c| a | c) != 0)
            .map_or(0, |l| l + 1);
        // H to P, ascending (row l + 1 still holds H when row l reads it), zeroing the table:
        // from row `longest` on, only rank 0 can hold counts.
        let p = &mut self.p[..used];
        for l in 0..longest {
            let (lower, upper) = t0.split_at_mut((l + 1) * n1);
            let out = &mut p[l * n1..][..n1];
            for ((o, h), &h_next) in out.iter_mut().zip(&mut lower[l * n1..]).zip(&upper[..n1]) {
                // Rank 0 is not a run count and may wrap.
                *o = h.wrapping_sub(h_next);
                *h = 0;
            }
        }
        for row in t0[longest * n1..].chunks_exact_mut(n1) {
            row[0] = 0;
        }
        if longest < 2 && !line_with_two(grid, dir) {
            // PyRadiomics drops the direction: the matrix stays empty.
            return 0;
        }
        longest
    }

    /// The run counts of the last direction: `P(rank, l)` at `(l − 1)(n + 1) + rank`, for the
    /// lengths up to the longest run that [`Runs::direction`] returned.
    fn counts(&self) -> &[u32] {
        &self.p
    }
}

/// The codes of a span (`out`), from its predecessors' codes and ranks and its ranks: in chunks
/// of `C::WIDTH` (or 8 for a shorter span), the last one overlapping the one before
/// (recomputing the same codes).
#[inline(always)]
fn codes<C: Code>(out: &mut [C], prev_code: &[C], row: &[C], prev: &[C], n1: C) {
    let k = out.len();
    if C::WIDTH >= 16 && k >= 16 {
        codes_by::<C, 16>(out, prev_code, row, prev, n1);
    } else if k >= 8 {
        codes_by::<C, 8>(out, prev_code, row, prev, n1);
    } else {
        for (((o, &p), &c), &q) in out.iter_mut().zip(prev_code).zip(row).zip(prev) {
            *o = C::next(p, n1, c, q);
        }
    }
}

#[inline(always)]
fn codes_by<C: Code, const W: usize>(out: &mut [C], prev_code: &[C], row: &[C], prev: &[C], n1: C) {
    // `out` holds `W` codes or more.
    let k = out.len();
    let mut i = 0;
    while i + W <= k {
        chunk::<C, W>(&mut out[i..], &prev_code[i..], &row[i..], &prev[i..], n1);
        i += W;
    }
    if i < k {
        let i = k - W;
        chunk::<C, W>(&mut out[i..], &prev_code[i..], &row[i..], &prev[i..], n1);
    }
}

/// The first `W` codes of `out` (every slice holds `W` or more).
#[inline(always)]
fn chunk<C: Code, const W: usize>(out: &mut [C], prev_code: &[C], row: &[C], prev: &[C], n1: C) {
    let first = |s: &[C]| -> [C; W] { s[..W].try_into().unwrap_or([C::default(); W]) };
    let (p, c, q) = (first(prev_code), first(row), first(prev));
    let mut o = [C::default(); W];
    for j in 0..W {
        o[j] = C::next(p[j], n1, c[j], q[j]);
    }
    out[..W].copy_from_slice(&o);
}

/// Whether a line through the box along `dir` holds two ROI voxels or more (not necessarily
/// adjacent).
fn line_with_two(grid: &LevelGrid, dir: [i64; 3]) -> bool {
    let r = &grid.ranks;
    let [sx, sy, sz] = grid.size;
    let p = grid.pad;
    let [nx, ny, _] = grid.dims;
    let step = grid.offset(dir);
    let [dz, dy, dx] = dir;
    // Steps along an axis from coordinate c before leaving a box of s voxels.
    let reach = |d: i64, c: usize, s: usize| match d {
        1 => s - c,
        -1 => c + 1,
        _ => usize::MAX,
    };
    for z in 0..sz {
        for y in 0..sy {
            // The lines entering the box at (x, y, z): from a face the direction leaves through
            // backwards.
            let entry = (dz == 1 && z == 0)
                || (dz == -1 && z + 1 == sz)
                || (dy == 1 && y == 0)
                || (dy == -1 && y + 1 == sy);
            let xs = if entry {
                0..sx
            } else {
                match dx {
                    1 => 0..1,
                    -1 => sx - 1..sx,
                    _ => 0..0,
                }
            };
            for x in xs {
                let steps = reach(dx, x, sx).min(reach(dy, y, sy)).min(reach(dz, z, sz));
                let mut at = p + x + nx * (p + y + ny * (p + z));
                let mut voxels = 0;
                for _ in 0..steps {
                    voxels += usize::from(r[at] != 0);
                    at = at.wrapping_add_signed(step);
                }
                if voxels >= 2 {
                    return true;
                }
            }
        }
    }
    false
}

/// PyRadiomics `glrlm` features of the ROI whose grey levels (1-based, 0 outside) are `levels`,
/// with the `weightingNorm`, `force2D` and `force2Ddimension` of `settings`, in [`NAMES`] order.
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
    let angles = angles(grid.size, &[1], force_2d_axis(settings))?;
    let nr = grid.size.iter().copied().max().unwrap_or(1);
    let grey: Vec<f64> = grid.levels.iter().map(|&g| f64::from(g)).collect();
    let n1 = grid.levels.len() + 1;
    let arch = crate::simd::arch();
    let (angles, grey) = (&angles[..], &grey[..]);
    if (nr + 1) * n1 <= usize::from(u16::MAX) {
        Ok(arch.dispatch(Texture {
            runs: Runs::<u16>::new(grid, nr),
            angles,
            grey,
            settings,
        }))
    } else {
        Ok(arch.dispatch(Texture {
            runs: Runs::<u32>::new(grid, nr),
            angles,
            grey,
            settings,
        }))
    }
}

/// [`texture`] as a kernel of [`crate::simd`] (the run codes are vector code).
struct Texture<'a, C: Code> {
    runs: Runs<'a, C>,
    angles: &'a [[i64; 3]],
    grey: &'a [f64],
    settings: &'a Settings,
}

impl<C: Code> pulp::WithSimd for Texture<'_, C> {
    type Output = Vec<(&'static str, f64)>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        texture(self.runs, self.angles, self.grey, self.settings)
    }
}

/// The features of the runs along `angles`, averaged over the directions or of their weighted
/// sum.
#[inline(always)]
fn texture<C: Code>(
    mut runs: Runs<'_, C>,
    angles: &[[i64; 3]],
    grey: &[f64],
    settings: &Settings,
) -> Vec<(&'static str, f64)> {
    let (n1, nr, grid) = (runs.n1, runs.used / runs.n1 - 1, runs.grid);
    let mut work = Work::default();
    let rows = if let Some(norm) = settings.weighting_norm {
        // One matrix: the directions' matrices weighted and summed, cell by cell in direction
        // order (an empty direction adds nothing).
        let spacing = grid.spacing;
        let mut sum = vec![0.0; nr * n1];
        let mut longest = 0;
        for &a in angles {
            let d = scaled(a, spacing);
            let w = match norm {
                WeightingNorm::Infinity => d.iter().fold(0.0f64, |x, &y| x.max(y)),
                WeightingNorm::Euclidean => d.iter().map(|v| v * v).sum::<f64>().sqrt(),
                WeightingNorm::Manhattan => d.iter().sum::<f64>(),
                WeightingNorm::NoWeighting => 1.0,
            };
            let l = runs.direction(a);
            longest = longest.max(l);
            for (s, &v) in sum.iter_mut().zip(&runs.counts()[..l * n1]) {
                *s += f64::from(v) * w;
            }
        }
        vec![features(&sum, n1, longest, grey, &mut work)]
    } else {
        let mut rows = Vec::with_capacity(angles.len());
        for &a in angles {
            let l = runs.direction(a);
            // PyRadiomics drops the empty matrices when there is more than one.
            if l > 0 || angles.len() == 1 {
                rows.push(features(runs.counts(), n1, l, grey, &mut work));
            }
        }
        rows
    };
    NAMES.iter().copied().zip(nanmean(&rows)).collect()
}

/// A cell of a run matrix: a count, or a weighted sum of counts.
trait Cell: Copy {
    fn value(self) -> f64;
    /// The count, when it is one below [`MEMO`] (the entropy term of a count is computed once
    /// per matrix); [`MEMO`] otherwise.
    fn small(self) -> usize;
}

/// Counts below this have their entropy term remembered.
const MEMO: usize = 32;

impl Cell for u32 {
    fn value(self) -> f64 {
        f64::from(self)
    }
    fn small(self) -> usize {
        (self as usize).min(MEMO)
    }
}

impl Cell for f64 {
    fn value(self) -> f64 {
        self
    }
    fn small(self) -> usize {
        MEMO
    }
}

/// Buffers reused across matrices.
#[derive(Default)]
struct Work {
    pg: Vec<f64>,
    pr: Vec<f64>,
}

/// The features of one run matrix in [`NAMES`] order; NaN throughout for an empty matrix. The
/// matrix is stored by run length: `P(a, l)` (a: 0-based rank, l: run length) at
/// `(l − 1) n1 + a + 1`, for `l` up to `longest` (the cells beyond are 0); `grey`: the grey
/// level of each rank. The cells are visited rank by rank, then by length, as are the sums.
fn features<T: Cell>(
    m: &[T],
    n1: usize,
    longest: usize,
    grey: &[f64],
    work: &mut Work,
) -> [f64; 16] {
    let n = grey.len();
    let m = &m[..longest * n1];
    let cell = |a: usize, jj: usize| m[jj * n1 + a + 1];
    let mut total = 0.0;
    for a in 0..n {
        for jj in 0..longest {
            let v = cell(a, jj).value();
            if v != 0.0 {
                total += v;
            }
        }
    }
    if total == 0.0 {
        return [f64::NAN; 16];
    }
    let (pg, pr) = (&mut work.pg, &mut work.pr);
    pg.clear();
    pg.resize(n, 0.0);
    pr.clear();
    pr.resize(longest, 0.0);
    // The entropy term of each small count, once computed.
    let mut memo = [f64::NAN; MEMO];
    let (mut srlge, mut srhge, mut lrlge, mut lrhge, mut entropy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (a, (pg, &g)) in pg.iter_mut().zip(grey).enumerate() {
        let i2 = g * g;
        for (jj, pr) in pr.iter_mut().enumerate() {
            let c = cell(a, jj);
            let v = c.value();
            if v == 0.0 {
                continue;
            }
            let j = (jj + 1) as f64;
            let j2 = j * j;
            *pg += v;
            *pr += v;
            srlge += v / (i2 * j2);
            srhge += v * i2 / j2;
            lrlge += v * j2 / i2;
            lrhge += v * j2 * i2;
            let small = c.small();
            let term = match memo.get(small) {
                Some(&t) if !t.is_nan() => t,
                known => {
                    let p = v / total;
                    let t = p * (p + EPS).log2();
                    if known.is_some() {
                        memo[small] = t;
                    }
                    t
                }
            };
            entropy -= term;
        }
    }
    let (mut sre, mut lre, mut rln, mut np) = (0.0, 0.0, 0.0, 0.0);
    for (jj, &v) in pr.iter().enumerate() {
        let j = (jj + 1) as f64;
        sre += v / (j * j);
        lre += v * j * j;
        rln += v * v;
        np += v * j;
    }
    let (mut gln, mut lglre, mut hglre) = (0.0, 0.0, 0.0);
    for (&v, &g) in pg.iter().zip(grey) {
        let i2 = g * g;
        gln += v * v;
        lglre += v / i2;
        hglre += v * i2;
    }
    let mu_i: f64 = pg.iter().zip(grey).map(|(v, g)| v / total * g).sum();
    let gl_var: f64 = pg
        .iter()
        .zip(grey)
        .map(|(v, g)| v / total * (g - mu_i).powi(2))
        .sum();
    let mu_j: f64 = pr
        .iter()
        .enumerate()
        .map(|(jj, v)| v / total * (jj + 1) as f64)
        .sum();
    let rl_var: f64 = pr
        .iter()
        .enumerate()
        .map(|(jj, v)| v / total * ((jj + 1) as f64 - mu_j).powi(2))
        .sum();
    [
        sre / total,
        lre / total,
        gln / total,
        gln / (total * total),
        rln / total,
        rln / (total * total),
        total / np,
        gl_var,
        rl_var,
        entropy,
        lglre / total,
        hglre / total,
        srlge / total,
        srhge / total,
        lrlge / total,
        lrhge / total,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 13 directions (z, y, x) of distance 1, one of each opposite pair.
    fn directions() -> Vec<[i64; 3]> {
        let mut out = Vec::new();
        for dz in -1..=1i64 {
            for dy in -1..=1i64 {
                for dx in -1..=1i64 {
                    let d = [dz, dy, dx];
                    if d.iter().find(|&&v| v != 0) == Some(&1) {
                        out.push(d);
                    }
                }
            }
        }
        out
    }

    /// Run counts by walking every line of the volume from the definition: `(level, length)`
    /// of each maximal run of equal levels among the ROI voxels (0: outside), and whether a
    /// line holds two ROI voxels or more.
    fn reference(levels: &[u32], size: [usize; 3], dir: [i64; 3]) -> (Vec<(u32, usize)>, bool) {
        let [sx, sy, sz] = size;
        let at = |x: i64, y: i64, z: i64| -> Option<u32> {
            let inside = (0..sx as i64).contains(&x)
                && (0..sy as i64).contains(&y)
                && (0..sz as i64).contains(&z);
            inside.then(|| levels[x as usize + sx * (y as usize + sy * z as usize)])
        };
        let [dz, dy, dx] = dir;
        let (mut runs, mut two) = (Vec::new(), false);
        for z in 0..sz as i64 {
            for y in 0..sy as i64 {
                for x in 0..sx as i64 {
                    // A line starts where the voxel before it is off the volume.
                    if at(x - dx, y - dy, z - dz).is_some() {
                        continue;
                    }
                    let (mut p, mut run, mut voxels) = ((x, y, z), (0u32, 0usize), 0);
                    while let Some(v) = at(p.0, p.1, p.2) {
                        voxels += usize::from(v != 0);
                        if v != 0 && v == run.0 {
                            run.1 += 1;
                        } else {
                            if run.0 != 0 {
                                runs.push(run);
                            }
                            run = (v, 1);
                        }
                        p = (p.0 + dx, p.1 + dy, p.2 + dz);
                    }
                    if run.0 != 0 {
                        runs.push(run);
                    }
                    two |= voxels >= 2;
                }
            }
        }
        (runs, two)
    }

    /// A small deterministic generator (64-bit LCG, high bits).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u32) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % u64::from(n)) as u32
        }
    }

    #[test]
    fn run_counts_match_line_walks() {
        // (size, levels, % of the voxels in the ROI); rows of 16 voxels or more go through the
        // vectorised chunks.
        let shapes: [([usize; 3], u32, u32); 12] = [
            ([37, 6, 4], 3, 85),
            ([21, 4, 3], 6, 100),
            ([18, 2, 5], 2, 70),
            ([7, 6, 5], 4, 80),
            ([9, 4, 3], 2, 100),
            ([5, 5, 5], 1, 60),
            ([1, 8, 4], 3, 90),
            ([6, 1, 1], 2, 100),
            ([1, 1, 1], 1, 100),
            ([4, 4, 1], 3, 30),
            ([12, 3, 2], 40, 95),
            ([3, 7, 6], 5, 15),
        ];
        let mut rng = Lcg(7);
        let settings = Settings::default();
        for (size, k, fill) in shapes {
            for _ in 0..4 {
                let count = size.iter().product::<usize>();
                let levels: Vec<u32> = (0..count)
                    .map(|_| {
                        if rng.below(100) < fill {
                            1 + 3 * rng.below(k)
                        } else {
                            0
                        }
                    })
                    .collect();
                let Ok(grid) =
                    LevelGrid::build(size, [1.0; 3], &settings, |l| levels[l] > 0, |l| levels[l])
                else {
                    assert!(levels.iter().all(|&v| v == 0), "only an empty ROI fails");
                    continue;
                };
                let nr = grid.size.iter().copied().max().expect("3 axes");
                check(Runs::<u16>::new(&grid, nr), &levels, size);
                check(Runs::<u32>::new(&grid, nr), &levels, size);
            }
        }
    }

    /// The runs along every direction, one after the other, against [`reference`].
    fn check<C: Code>(mut runs: Runs<'_, C>, levels: &[u32], size: [usize; 3]) {
        let (grid, n1) = (runs.grid, runs.n1);
        for dir in directions() {
            let (expected, two) = reference(levels, size, dir);
            let longest = runs.direction(dir);
            let p = runs.counts();
            let mut want = vec![0u32; p.len()];
            for &(v, l) in &expected {
                let rank = grid.levels.iter().position(|&g| g == v).expect("level");
                want[(l - 1) * n1 + rank + 1] += 1;
            }
            let want_longest = expected.iter().map(|r| r.1).max().unwrap_or(0);
            if !two {
                assert_eq!(longest, 0, "{size:?} {dir:?}: dropped direction");
                continue;
            }
            assert_eq!(longest, want_longest, "{size:?} {dir:?}");
            for l in 0..longest {
                for a in 1..n1 {
                    let i = l * n1 + a;
                    assert_eq!(p[i], want[i], "{size:?} {dir:?} length {} rank {a}", l + 1);
                }
            }
        }
    }
}
