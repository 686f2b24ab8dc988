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
        let [nx, ny, nz] = full;
        let (mut lower, mut upper) = ([usize::MAX; 3], [0usize; 3]);
        for k in 0..nz {
            for j in 0..ny {
                let row = nx * (j + ny * k);
                let Some(first) = (0..nx).position(|i| inside(row + i)) else {
                    continue;
                };
                let last = (first..nx)
                    .rposition(|i| inside(row + i))
                    .map_or(first, |i| first + i);
                lower = [lower[0].min(first), lower[1].min(j), lower[2].min(k)];
                upper = [
                    upper[0].max(last + 1),
                    upper[1].max(j + 1),
                    upper[2].max(k + 1),
                ];
            }
        }
        if lower[0] == usize::MAX {
            return Err(FeatureError::EmptyRoi);
        }
        let bbox = BoundingBox { lower, upper };
        let size = bbox.size();
        let pad = pad_for(settings, size);
        let dims = size.map(|s| s + 2 * pad);
        let mut grey = vec![0u32; dims[0] * dims[1] * dims[2]];
        let mut ng = 0u32;
        for k in 0..size[2] {
            for j in 0..size[1] {
                let src = nx * (lower[1] + j + ny * (lower[2] + k)) + lower[0];
                let dst = pad + dims[0] * (pad + j + dims[1] * (pad + k));
                for (i, out) in grey[dst..dst + size[0]].iter_mut().enumerate() {
                    if inside(src + i) {
                        let v = level(src + i);
                        *out = v;
                        ng = ng.max(v);
                    }
                }
            }
        }
        let mut rank_of = vec![u32::MAX; ng as usize + 1];
        for &v in &grey {
            rank_of[v as usize] = 0;
        }
        let mut levels = Vec::new();
        for (v, r) in rank_of.iter_mut().enumerate().skip(1) {
            if *r == 0 {
                *r = levels.len() as u32;
                levels.push(v as u32);
            }
        }
        rank_of[0] = u32::MAX;
        // Rank + 1 by level, 0 for level 0 (u32::MAX + 1 wraps to 0): one lookup per voxel.
        let plus_one: Vec<u32> = rank_of.iter().map(|&r| r.wrapping_add(1)).collect();
        let ranks = grey.iter().map(|&v| plus_one[v as usize]).collect();
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
        })
    }

    /// Linear index offset of a (z, y, x) offset in the padded grid.
    pub fn offset(&self, a: [i64; 3]) -> isize {
        let [nx, ny, _] = self.dims;
        (a[2] + nx as i64 * (a[1] + ny as i64 * a[0])) as isize
    }

    /// Linear index of the first voxel of each row of the box (not the padding), in memory
    /// order; each row holds `size[0]` voxels.
    pub fn rows(&self) -> impl Iterator<Item = usize> + '_ {
        let [nx, ny, _] = self.dims;
        let p = self.pad;
        let [_, sy, sz] = self.size;
        (0..sz).flat_map(move |k| (0..sy).map(move |j| p + nx * (p + j + ny * (p + k))))
    }

    /// The ROI part of each row of the box: the linear indices from its first to past its last
    /// ROI voxel, for the rows holding one.
    pub fn row_spans(&self) -> Vec<(usize, usize)> {
        let sx = self.size[0];
        self.rows()
            .filter_map(|row| {
                let line = &self.ranks[row..row + sx];
                let first = line.iter().position(|&v| v != 0)?;
                let last = line.iter().rposition(|&v| v != 0)?;
                Some((row + first, row + last + 1))
            })
            .collect()
    }
}
