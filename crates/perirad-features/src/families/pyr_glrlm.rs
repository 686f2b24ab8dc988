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

/// The run counts of one direction at a time, for a grid whose levels have `n` ranks and whose
/// runs are at most `nr` voxels long.
///
/// Per direction (walked with a positive linear step: a run read backwards is the same run),
/// each voxel gets a code `rank + (l − 1)(n + 1)`, `l` the length of the run it closes so far:
/// its predecessor's code plus `n + 1` when both have its level, else its rank. Counting the
/// codes of every voxel gives `H(i, l)`, the number of runs of level `i` at least `l` long (each
/// such run has exactly one voxel that closes `l` of it), and `P(i, l) = H(i, l) − H(i, l + 1)`.
/// No run end has to be found. The codes are computed row by row in memory order, only over each
/// row's ROI span: along x in one scalar pass that counts as it goes, along the other directions
/// (whose predecessors lie in an earlier row) branch-free in a pass the compiler vectorises, then
/// counted. Voxels outside the ROI inside a span get rank 0 codes (counted, ignored).
struct Runs<'g> {
    grid: &'g LevelGrid,
    spans: Vec<(usize, usize)>,
    /// The code of each voxel of the spans along the current direction (0 elsewhere: rank 0,
    /// a run of 1).
    codes: Vec<u32>,
    /// `n + 1`: the row length of the tables (rank 0 and the `n` levels).
    n1: usize,
    /// The cells of one table: `nr + 1` rows of `n1` (the last row stays 0, for `H(i, nr + 1)`),
    /// rounded up to a power of two so that a code masked with `size − 1` needs no bounds check.
    size: usize,
    /// Two tables of `size` counts (consecutive voxels count into different tables, so that
    /// equal codes do not wait on each other); then the first holds `P`.
    tables: Vec<u32>,
}

impl<'g> Runs<'g> {
    fn new(grid: &'g LevelGrid, nr: usize) -> Runs<'g> {
        let n1 = grid.levels.len() + 1;
        let size = ((nr + 1) * n1).next_power_of_two();
        Runs {
            grid,
            spans: grid.row_spans(),
            codes: vec![0; grid.ranks.len()],
            n1,
            size,
            tables: vec![0; 2 * size],
        }
    }

    /// Counts the runs along `dir` into [`Runs::counts`]; returns the longest run of a level
    /// (0 when PyRadiomics drops the direction: no line through the box holds two ROI voxels,
    /// not necessarily adjacent).
    fn direction(&mut self, dir: [i64; 3]) -> usize {
        let grid = self.grid;
        let r = &grid.ranks;
        let n1 = self.n1 as u32;
        let step = grid.offset(dir).unsigned_abs();
        let mask = self.size - 1;
        let (t0, t1) = self.tables.split_at_mut(self.size);
        let (t0, t1) = (&mut t0[..=mask], &mut t1[..=mask]);
        t0.fill(0);
        t1.fill(0);
        for &(start, end) in &self.spans {
            let row = &r[start..end];
            if step == 1 {
                // Along x: the predecessor is the previous voxel of the row; the span starts at
                // an ROI voxel, whose predecessor is outside.
                let (mut code, mut prev) = (0u32, 0u32);
                let mut pairs = row.chunks_exact(2);
                for pair in &mut pairs {
                    code = if pair[0] == prev { code + n1 } else { pair[0] };
                    t0[code as usize & mask] += 1;
                    code = if pair[1] == pair[0] {
                        code + n1
                    } else {
                        pair[1]
                    };
                    t1[code as usize & mask] += 1;
                    prev = pair[1];
                }
                if let [c] = *pairs.remainder() {
                    code = if c == prev { code + n1 } else { c };
                    t0[code as usize & mask] += 1;
                }
                continue;
            }
            // The predecessors' row ends before this one starts (step > row length).
            let k = end - start;
            let (before, here) = self.codes.split_at_mut(start);
            let here = &mut here[..k];
            let prev_code = &before[start - step..][..k];
            let prev = &r[start - step..][..k];
            for (((o, &p), &c), &q) in here.iter_mut().zip(prev_code).zip(row).zip(prev) {
                // Branch-free: the predecessor's code + n1 after an equal level, else c.
                *o = c.wrapping_add(p.wrapping_add(n1).wrapping_sub(c) * u32::from(c == q));
            }
            let mut quads = here.chunks_exact(4);
            for q in &mut quads {
                t0[q[0] as usize & mask] += 1;
                t1[q[1] as usize & mask] += 1;
                t0[q[2] as usize & mask] += 1;
                t1[q[3] as usize & mask] += 1;
            }
            for &c in quads.remainder() {
                t0[c as usize & mask] += 1;
            }
        }
        let n1 = self.n1;
        for (a, b) in t0.iter_mut().zip(t1.iter()) {
            *a += b;
        }
        // The longest run of a level: the last table row with a count of a level (not rank 0).
        let longest = t0
            .chunks_exact(n1)
            .rposition(|row| row[1..].iter().any(|&c| c > 0))
            .map_or(0, |l| l + 1);
        if longest < 2 && !line_with_two(grid, dir) {
            // PyRadiomics drops the direction: the matrix stays empty.
            return 0;
        }
        // H to P in place, ascending: row l still holds H(l + 1) when row l − 1 reads it.
        for l in 0..longest {
            let (lower, upper) = t0.split_at_mut((l + 1) * n1);
            for (h, &h_next) in lower[l * n1..].iter_mut().zip(&upper[..n1]) {
                // Rank 0 (outside the ROI) is not a run count and may wrap.
                *h = h.wrapping_sub(h_next);
            }
        }
        longest
    }

    /// The run counts of the last direction: `P(rank, l)` at `(l − 1)(n + 1) + rank`, for the
    /// lengths up to the longest run that [`Runs::direction`] returned.
    fn counts(&self) -> &[u32] {
        &self.tables[..self.size]
    }
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
    let mut runs = Runs::new(grid, nr);
    let n1 = runs.n1;
    let mut work = Work::default();
    let rows = if let Some(norm) = settings.weighting_norm {
        // One matrix: the directions' matrices weighted and summed, cell by cell in direction
        // order (an empty direction adds nothing).
        let spacing = grid.spacing;
        let mut sum = vec![0.0; nr * n1];
        let mut longest = 0;
        for &a in &angles {
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
        vec![features(&sum, n1, longest, &grey, &mut work)]
    } else {
        let mut rows = Vec::with_capacity(angles.len());
        for &a in &angles {
            let l = runs.direction(a);
            // PyRadiomics drops the empty matrices when there is more than one.
            if l > 0 || angles.len() == 1 {
                rows.push(features(runs.counts(), n1, l, &grey, &mut work));
            }
        }
        rows
    };
    Ok(NAMES.iter().copied().zip(nanmean(&rows)).collect())
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
        let shapes: [([usize; 3], u32, u32); 9] = [
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
                let mut runs = Runs::new(&grid, nr);
                let n1 = runs.n1;
                for dir in directions() {
                    let (expected, two) = reference(&levels, size, dir);
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
    }
}
