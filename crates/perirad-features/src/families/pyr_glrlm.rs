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

/// Run counts (`angles.len()` matrices of `n × nr`, n = levels present, run length j at column
/// j − 1). Per direction (walked with a positive linear step: a run read backwards is the same
/// run), the length of the run each ROI voxel closes so far is its predecessor's plus one when
/// both have its level, else 1: computed row by row in memory order (the predecessor lies in an
/// earlier row, or earlier in the row along x), only over each row's ROI span; a voxel whose
/// successor has another level ends a run, whose (level, length) code goes to a buffer
/// (branch-free) that is then counted. A direction along which every line holds at most one ROI
/// voxel (not necessarily adjacent) gets an empty matrix, as in PyRadiomics.
fn runs(grid: &LevelGrid, angles: &[[i64; 3]], nr: usize) -> Vec<f64> {
    let n = grid.levels.len();
    let r = &grid.ranks;
    let spans = grid.row_spans();
    let longest = spans.iter().map(|&(s, e)| e - s).max().unwrap_or(0);
    let mut len = vec![0u32; r.len()];
    let mut codes = vec![0u32; longest];
    // Row `rank` (0: outside the ROI, never a run end), column `length`; then 8 slots that the
    // voxels ending no run count into (spread so that consecutive ones do not wait on each
    // other), ignored.
    let w = nr + 1;
    let ignored = (n + 1) * w;
    let mut count = vec![0u32; ignored + 8];
    let mut out = vec![0.0; angles.len() * n * nr];
    for (&dir, m) in angles.iter().zip(out.chunks_exact_mut(n * nr)) {
        let step = grid.offset(dir).unsigned_abs();
        count.fill(0);
        for &(start, end) in &spans {
            let k = end - start;
            let row = &r[start..end];
            if step == 1 {
                // Along x: the predecessor is the previous voxel of the row.
                let mut run = len[start - 1] * u32::from(r[start - 1] == row[0]);
                let mut prev = r[start - 1];
                for (l, &c) in len[start..end].iter_mut().zip(row) {
                    // Branch-free: run + 1 after an equal level, else 1.
                    run = run * u32::from(c == prev) + 1;
                    prev = c;
                    *l = run;
                }
            } else {
                // The predecessors' row ends before this one starts (step > row length).
                let (before, here) = len.split_at_mut(start);
                let prev_len = &before[start - step..][..k];
                let prev = &r[start - step..][..k];
                for (((l, &p), &c), &q) in here[..k].iter_mut().zip(prev_len).zip(row).zip(prev) {
                    *l = p * u32::from(c == q) + 1;
                }
            }
            let next = &r[start + step..][..k];
            let lens = &len[start..end];
            let codes = &mut codes[..k];
            // Branch-free selection between the run-end code and an ignored slot.
            for (x, (((code, &c), &q), &l)) in
                codes.iter_mut().zip(row).zip(next).zip(lens).enumerate()
            {
                let end = u32::from(c != 0) & u32::from(q != c);
                let keep = 0u32.wrapping_sub(end);
                let run_end = c * w as u32 + l;
                let skip = ignored as u32 + (x as u32 & 7);
                *code = (run_end & keep) | (skip & !keep);
            }
            for &code in codes.iter() {
                count[code as usize] += 1;
            }
        }
        let two = count[w..ignored]
            .chunks_exact(w)
            .any(|row| row[2..].iter().any(|&c| c > 0))
            || line_with_two(grid, dir);
        if two {
            for (d, c) in m.chunks_exact_mut(nr).zip(count.chunks_exact(w).skip(1)) {
                for (d, &c) in d.iter_mut().zip(&c[1..]) {
                    *d = f64::from(c);
                }
            }
        }
        // Else PyRadiomics drops the direction: the matrix stays empty.
    }
    out
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
    let n = grid.levels.len();
    let nr = grid.size.iter().copied().max().unwrap_or(1);
    let len = n * nr;
    let mut counts = runs(grid, &angles, nr);
    if let Some(norm) = settings.weighting_norm {
        let spacing = grid.spacing;
        let mut sum = vec![0.0; len];
        for (m, &a) in counts.chunks_exact(len).zip(&angles) {
            let d = scaled(a, spacing);
            let w = match norm {
                WeightingNorm::Infinity => d.iter().fold(0.0f64, |x, &y| x.max(y)),
                WeightingNorm::Euclidean => d.iter().map(|v| v * v).sum::<f64>().sqrt(),
                WeightingNorm::Manhattan => d.iter().sum::<f64>(),
                WeightingNorm::NoWeighting => 1.0,
            };
            for (s, v) in sum.iter_mut().zip(m) {
                *s += v * w;
            }
        }
        counts = sum;
    }
    let mut matrices: Vec<&[f64]> = counts.chunks_exact(len).collect();
    if matrices.len() > 1 {
        matrices.retain(|m| m.iter().sum::<f64>() != 0.0);
    }
    let grey: Vec<f64> = grid.levels.iter().map(|&g| f64::from(g)).collect();
    let rows: Vec<[f64; 16]> = matrices.iter().map(|m| features(m, &grey, nr)).collect();
    Ok(NAMES.iter().copied().zip(nanmean(&rows)).collect())
}

/// The features of one run matrix (`grey.len() × nr`, row-major) in [`NAMES`] order; NaN
/// throughout for an empty matrix.
fn features(m: &[f64], grey: &[f64], nr: usize) -> [f64; 16] {
    let n = grey.len();
    let total: f64 = m.iter().sum();
    if total == 0.0 {
        return [f64::NAN; 16];
    }
    let mut pg = vec![0.0; n];
    let mut pr = vec![0.0; nr];
    let (mut srlge, mut srhge, mut lrlge, mut lrhge, mut entropy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (a, row) in m.chunks_exact(nr).enumerate() {
        let i2 = grey[a] * grey[a];
        for (jj, &v) in row.iter().enumerate() {
            if v == 0.0 {
                continue;
            }
            let j = (jj + 1) as f64;
            let j2 = j * j;
            pg[a] += v;
            pr[jj] += v;
            srlge += v / (i2 * j2);
            srhge += v * i2 / j2;
            lrlge += v * j2 / i2;
            lrhge += v * j2 * i2;
            let p = v / total;
            entropy -= p * (p + EPS).log2();
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
    for (a, &v) in pg.iter().enumerate() {
        let i2 = grey[a] * grey[a];
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
