//! The discretised ROI shared by PyRadiomics' texture classes: its grey levels cropped to the
//! ROI's bounding box and padded with empty voxels on every side, built once per texture stage
//! and read by `glcm`, `glrlm`, `glszm`, `gldm` and `ngtdm`.
//!
//! The padding (`pad` voxels per side, at least 1 and at least the largest of the `distances`
//! that fits in the box) lets every neighbour offset the classes use be read without a bounds
//! check: an offset longer than the box along an axis (which PyRadiomics leaves out) only ever
//! lands outside the ROI, where the grid holds 0.

use crate::{FeatureError, Settings};
use perirad_core::{BoundingBox, Mask, Volume};

/// The ROI's grey levels in its padded bounding box, with the levels present.
pub(crate) struct LevelGrid {
    /// Bounding box size (x, y, z).
    pub size: [usize; 3],
    /// Empty voxels on each side, along every axis.
    pub pad: usize,
    /// Padded size (x, y, z).
    pub dims: [usize; 3],
    /// Grey level of each voxel, x fastest then y then z; 0 outside the ROI.
    pub grey: Vec<u32>,
    /// Rank of each voxel's grey level among the levels present, plus one; 0 outside the ROI.
    pub ranks: Vec<u32>,
    /// The grey levels present, ascending (rank r ↔ `levels[r]`).
    pub levels: Vec<u32>,
    /// Rank of each grey level (indexed by level), `u32::MAX` for levels not present.
    pub rank_of: Vec<u32>,
    /// The highest grey level (PyRadiomics' `Ng`).
    pub ng: u32,
    /// Voxel spacing (x, y, z).
    pub spacing: [f64; 3],
    /// Whether a voxel of the mask had grey level 0 (left out of the grid).
    pub unlevelled: bool,
    /// See [`LevelGrid::row_spans`].
    spans: Vec<(usize, usize)>,
}

/// The padding the texture classes need with `settings`' `distances` on a box of `size`.
pub(crate) fn pad_for(settings: &Settings, size: [usize; 3]) -> usize {
    let longest = size.iter().copied().max().unwrap_or(1);
    let d = settings
        .distances
        .as_deref()
        .unwrap_or(&[1])
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    (d.min(longest as i64) as usize).max(1)
}

impl LevelGrid {
    /// The grid of the voxels of `mask` with a grey level above 0 in `levels`, padded as
    /// `settings` needs.
    pub fn new(
        levels: &Volume<u32>,
        mask: &Mask,
        settings: &Settings,
    ) -> Result<LevelGrid, FeatureError> {
        let g = mask.geometry();
        if levels.geometry().size() != g.size() {
            return Err(FeatureError::Input(
                "grey levels and ROI are on different grids".into(),
            ));
        }
        let (m, data) = (mask.data(), levels.data());
        let unlevelled = m.iter().zip(data).any(|(&m, &v)| m && v == 0);
        LevelGrid::build(
            g.size(),
            g.spacing(),
            settings,
            |l| m[l] && data[l] > 0,
            |l| data[l],
        )
        .map(|mut grid| {
            grid.unlevelled = unlevelled;
            grid
        })
    }

    /// The grid of the voxels of a `full` grid that are `inside` the ROI, with grey levels
    /// `level` (1 or more).
    pub fn build(
        full: [usize; 3],
        spacing: [f64; 3],
        settings: &Settings,
        inside: impl Fn(usize) -> bool,
        level: impl Fn(usize) -> u32,
    ) -> Result<LevelGrid, FeatureError> {
        let rows = RoiRows::scan(full, &inside);
        LevelGrid::from_rows(&rows, spacing, settings, |src, out| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = if inside(src + i) { level(src + i) } else { 0 };
            }
        })
    }

    /// The grid of the ROI whose rows are `rows`: `fill(l, out)` writes the grey levels of the
    /// voxels `l..l + out.len()` of the full grid (the part of a row from its first to its last
    /// ROI voxel), 0 for those outside the ROI.
    ///
    /// Every voxel of the padded grid is written once: the rows' parts by `fill`, the rest
    /// (padding and the voxels of a row before its first and after its last ROI voxel) with 0.
    pub fn from_rows(
        rows: &RoiRows,
        spacing: [f64; 3],
        settings: &Settings,
        mut fill: impl FnMut(usize, &mut [u32]),
    ) -> Result<LevelGrid, FeatureError> {
        let Some(bbox) = rows.bbox() else {
            return Err(FeatureError::EmptyRoi);
        };
        let [nx, ny, _] = rows.full;
        let (lower, size) = (bbox.lower, bbox.size());
        let pad = pad_for(settings, size);
        let dims = size.map(|s| s + 2 * pad);
        let total = dims[0] * dims[1] * dims[2];
        let mut grey: Vec<u32> = Vec::with_capacity(total);
        let mut spans = Vec::with_capacity(rows.rows.len());
        for &(row, a, b) in &rows.rows {
            let (j, k) = (row % ny, row / ny);
            let start = pad + a - lower[0]
                + dims[0] * (pad + j - lower[1] + dims[1] * (pad + k - lower[2]));
            grey.resize(start + b - a, 0);
            let part = &mut grey[start..];
            fill(nx * row + a, part);
            // The span runs from the first to the last voxel with a level (a ROI voxel may
            // have none).
            if let (Some(first), Some(last)) = (
                part.iter().position(|&v| v != 0),
                part.iter().rposition(|&v| v != 0),
            ) {
                spans.push((start + first, start + last + 1));
            }
        }
        grey.resize(total, 0);
        let mut ng = 0u32;
        for &(s, e) in &spans {
            ng = grey[s..e].iter().fold(ng, |m, &v| m.max(v));
        }
        // Tables indexed by a level masked to their (power of two) length: no bounds checks.
        let size_of = (ng as usize + 1).next_power_of_two();
        let wrap = size_of - 1;
        let mut present = vec![false; size_of];
        for &(s, e) in &spans {
            for &v in &grey[s..e] {
                present[v as usize & wrap] = true;
            }
        }
        let mut rank_of = vec![u32::MAX; ng as usize + 1];
        let mut levels = Vec::new();
        for (v, r) in rank_of.iter_mut().enumerate().skip(1) {
            if present[v] {
                *r = levels.len() as u32;
                levels.push(v as u32);
            }
        }
        // Rank + 1 by level, 0 for level 0 (u32::MAX + 1 wraps to 0): one lookup per voxel,
        // none when every level up to `ng` is present (the rank + 1 is then the level).
        let mut plus_one = vec![0u32; size_of];
        for (p, &r) in plus_one.iter_mut().zip(&rank_of) {
            *p = r.wrapping_add(1);
        }
        let mut ranks: Vec<u32> = Vec::with_capacity(total);
        for &(s, e) in &spans {
            ranks.resize(s, 0);
            if levels.len() == ng as usize {
                ranks.extend_from_slice(&grey[s..e]);
            } else {
                ranks.extend(grey[s..e].iter().map(|&v| plus_one[v as usize & wrap]));
            }
        }
        ranks.resize(total, 0);
        Ok(LevelGrid {
            size,
            pad,
            dims,
            grey,
            ranks,
            levels,
            rank_of,
            ng,
            spacing,
            unlevelled: false,
            spans,
        })
    }

    /// Linear index offset of a (z, y, x) offset in the padded grid.
    pub fn offset(&self, a: [i64; 3]) -> isize {
        let [nx, ny, _] = self.dims;
        (a[2] + nx as i64 * (a[1] + ny as i64 * a[0])) as isize
    }

    /// The ROI part of each row of the box: the linear indices from its first to past its last
    /// ROI voxel, for the rows holding one.
    pub fn row_spans(&self) -> Vec<(usize, usize)> {
        self.spans.clone()
    }
}

/// The rows of a grid of size `full` that hold ROI voxels, each with the x range from its first
/// to past its last ROI voxel: `(row, first, past)` with `row = j + ny·k`, in memory order.
pub(crate) struct RoiRows {
    pub full: [usize; 3],
    pub rows: Vec<(usize, usize, usize)>,
}

impl RoiRows {
    /// The rows of the voxels `inside` the ROI.
    pub fn scan(full: [usize; 3], inside: impl Fn(usize) -> bool) -> RoiRows {
        let [nx, ny, nz] = full;
        let mut rows = Vec::new();
        for row in 0..ny * nz {
            let l = nx * row;
            let Some(first) = (0..nx).position(|i| inside(l + i)) else {
                continue;
            };
            let last = (first..nx)
                .rposition(|i| inside(l + i))
                .map_or(first, |i| first + i);
            rows.push((row, first, last + 1));
        }
        RoiRows { full, rows }
    }

    /// The rows of a mask (x fastest then y then z).
    pub fn of_mask(full: [usize; 3], mask: &[bool]) -> RoiRows {
        let nx = full[0];
        let mut rows = Vec::new();
        if nx > 0 {
            for (row, m) in mask.chunks_exact(nx).enumerate() {
                if let Some(first) = first_set(m) {
                    let last = m.len() - 1 - last_set(m);
                    rows.push((row, first, last + 1));
                }
            }
        }
        RoiRows { full, rows }
    }

    /// The linear ranges of the rows' ROI parts in the full grid.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let nx = self.full[0];
        self.rows
            .iter()
            .map(move |&(row, a, b)| nx * row + a..nx * row + b)
    }

    /// The ROI's bounding box, `None` when it is empty.
    pub fn bbox(&self) -> Option<BoundingBox> {
        let ny = self.full[1];
        let (&(first, _, _), &(last, _, _)) = (self.rows.first()?, self.rows.last()?);
        let (mut y0, mut y1, mut x0, mut x1) = (usize::MAX, 0, usize::MAX, 0);
        for &(row, a, b) in &self.rows {
            let j = row % ny;
            (y0, y1, x0, x1) = (y0.min(j), y1.max(j + 1), x0.min(a), x1.max(b));
        }
        Some(BoundingBox {
            lower: [x0, y0, first / ny],
            upper: [x1, y1, last / ny + 1],
        })
    }
}

/// Bytes a scan for the first or last set voxel of a row tests at once.
const BLOCK: usize = 16;

/// The first set voxel of `m`.
fn first_set(m: &[bool]) -> Option<usize> {
    let blocks = m.chunks_exact(BLOCK);
    let skip = blocks
        .take_while(|b| !b.iter().fold(false, |a, &x| a | x))
        .count();
    let from = skip * BLOCK;
    m[from..].iter().position(|&b| b).map(|i| from + i)
}

/// The number of voxels of `m` after its last set one (`m` holds one).
fn last_set(m: &[bool]) -> usize {
    let blocks = m.rchunks_exact(BLOCK);
    let skip = blocks
        .take_while(|b| !b.iter().fold(false, |a, &x| a | x))
        .count();
    let to = m.len() - skip * BLOCK;
    m[..to]
        .iter()
        .rev()
        .position(|&b| b)
        .map_or(m.len(), |i| skip * BLOCK + i)
}

#[cfg(test)]
mod tests {
    use super::RoiRows;

    #[test]
    fn mask_rows_are_the_first_and_last_set_voxels() {
        // Rows of several lengths (around the block size), set voxels at the ends, in the
        // middle, alone, or none.
        for nx in [1, 5, 15, 16, 17, 33, 40] {
            let (ny, nz) = (3, 2);
            let mask: Vec<bool> = (0..nx * ny * nz)
                .map(|l| (l * 7919 + l / 3) % 11 == 0 || l % (nx * ny) == 2 * nx - 1)
                .collect();
            let rows = RoiRows::of_mask([nx, ny, nz], &mask);
            let mut want = Vec::new();
            for (row, m) in mask.chunks(nx).enumerate() {
                let set: Vec<usize> = (0..nx).filter(|&i| m[i]).collect();
                if let (Some(&a), Some(&b)) = (set.first(), set.last()) {
                    want.push((row, a, b + 1));
                }
            }
            assert_eq!(rows.rows, want, "rows of {nx}");
            assert_eq!(
                RoiRows::scan([nx, ny, nz], |l| mask[l]).rows,
                want,
                "scan of {nx}"
            );
        }
        assert!(RoiRows::of_mask([4, 2, 1], &[false; 8]).bbox().is_none());
    }
}
