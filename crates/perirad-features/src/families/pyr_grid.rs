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
    /// See [`LevelGrid::grey_u16`].
    grey16: std::sync::OnceLock<Option<Vec<u16>>>,
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
        let runs = RoiRuns::scan(full, inside);
        LevelGrid::from_runs(&runs, spacing, settings, |src, out| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = level(src + i);
            }
        })
    }

    /// The grid of the ROI made of `runs`: `fill(l, out)` writes the grey levels of the voxels
    /// `l..l + out.len()` of the full grid (one run; 0 for a voxel without a level).
    ///
    /// Every voxel of the padded grid is written once: the runs by `fill`, the rest (padding
    /// and the voxels between runs) with 0.
    pub fn from_runs(
        runs: &RoiRuns,
        spacing: [f64; 3],
        settings: &Settings,
        mut fill: impl FnMut(usize, &mut [u32]),
    ) -> Result<LevelGrid, FeatureError> {
        let Some(bbox) = runs.bbox() else {
            return Err(FeatureError::EmptyRoi);
        };
        let [nx, ny, _] = runs.full;
        let (lower, size) = (bbox.lower, bbox.size());
        let pad = pad_for(settings, size);
        let dims = size.map(|s| s + 2 * pad);
        let total = dims[0] * dims[1] * dims[2];
        let mut grey: Vec<u32> = Vec::with_capacity(total);
        let mut spans = Vec::with_capacity(runs.runs.len());
        // The part of the current row from its first to past its last run, and its row.
        let mut row_part = (usize::MAX, 0, 0);
        // The span runs from the first to the last voxel with a level (a ROI voxel may have
        // none).
        let span_of = |grey: &[u32], (_, s, e): (usize, usize, usize)| {
            let part = &grey[s..e];
            let first = part.iter().position(|&v| v != 0)?;
            let last = part.iter().rposition(|&v| v != 0)?;
            Some((s + first, s + last + 1))
        };
        let mut ng = 0u32;
        for &(row, a, b) in &runs.runs {
            let (j, k) = (row % ny, row / ny);
            let start = pad + a + dims[0] * (pad + j - lower[1] + dims[1] * (pad + k - lower[2]))
                - lower[0];
            if row != row_part.0 {
                spans.extend(span_of(&grey, row_part));
                row_part = (row, start, start);
            }
            row_part.2 = start + b - a;
            grey.resize(start + b - a, 0);
            let part = &mut grey[start..];
            fill(nx * row + a, part);
            ng = part.iter().fold(ng, |m, &v| m.max(v));
        }
        spans.extend(span_of(&grey, row_part));
        grey.resize(total, 0);
        // Levels up to 255 (the usual case) are looked up in arrays of 256, without bounds
        // checks.
        let (levels, rank_of) = if ng < 256 {
            let mut present = [false; 256];
            for &(s, e) in &spans {
                for &v in &grey[s..e] {
                    present[v as u8 as usize] = true;
                }
            }
            ranked(ng, |v| present[v])
        } else {
            let mut present = vec![false; ng as usize + 1];
            for &(s, e) in &spans {
                for &v in &grey[s..e] {
                    present[v as usize] = true;
                }
            }
            ranked(ng, |v| present[v])
        };
        // Rank + 1 by level, 0 for level 0 (u32::MAX + 1 wraps to 0): one lookup per voxel,
        // none when every level up to `ng` is present (the rank + 1 is then the level).
        let plus_one: Vec<u32> = rank_of.iter().map(|&r| r.wrapping_add(1)).collect();
        let mut ranks: Vec<u32> = Vec::with_capacity(total);
        let every = levels.len() == ng as usize;
        let mut table = [0u32; 256];
        table.iter_mut().zip(&plus_one).for_each(|(t, &p)| *t = p);
        for &(s, e) in &spans {
            ranks.resize(s, 0);
            let part = &grey[s..e];
            if every {
                ranks.extend_from_slice(part);
            } else if ng < 256 {
                ranks.extend(part.iter().map(|&v| table[v as u8 as usize]));
            } else {
                ranks.extend(part.iter().map(|&v| plus_one[v as usize]));
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
            grey16: std::sync::OnceLock::new(),
        })
    }

    /// Linear index offset of a (z, y, x) offset in the padded grid.
    pub fn offset(&self, a: [i64; 3]) -> isize {
        let [nx, ny, _] = self.dims;
        (a[2] + nx as i64 * (a[1] + ny as i64 * a[0])) as isize
    }

    /// The ROI part of each row of the box: the linear indices from its first to past its last
    /// ROI voxel, for the rows holding one.
    pub fn row_spans(&self) -> &[(usize, usize)] {
        &self.spans
    }

    /// The grey levels as `u16` (half the memory of [`LevelGrid::grey`], twice the lanes per
    /// vector), made once for the families that read them, when every level fits.
    pub fn grey_u16(&self) -> Option<&[u16]> {
        self.grey16
            .get_or_init(|| {
                (self.ng <= u32::from(u16::MAX))
                    .then(|| self.grey.iter().map(|&v| v as u16).collect())
            })
            .as_deref()
    }
}

/// The levels 1..=`ng` that are `present`, ascending, and the rank of each level 0..=`ng` among
/// them (`u32::MAX` for those absent, and for 0).
fn ranked(ng: u32, present: impl Fn(usize) -> bool) -> (Vec<u32>, Vec<u32>) {
    let mut rank_of = vec![u32::MAX; ng as usize + 1];
    let mut levels = Vec::new();
    for (v, r) in rank_of.iter_mut().enumerate().skip(1) {
        if present(v) {
            *r = levels.len() as u32;
            levels.push(v as u32);
        }
    }
    (levels, rank_of)
}

/// The runs of consecutive ROI voxels along x of a grid of size `full`: `(row, first, past)`
/// with `row = j + ny·k`, in memory order.
pub(crate) struct RoiRuns {
    pub full: [usize; 3],
    pub runs: Vec<(usize, usize, usize)>,
}

impl RoiRuns {
    /// The runs of the voxels `inside` the ROI.
    pub fn scan(full: [usize; 3], inside: impl Fn(usize) -> bool) -> RoiRuns {
        let [nx, ny, nz] = full;
        let mut runs = Vec::new();
        for row in 0..ny * nz {
            let l = nx * row;
            let mut i = 0;
            while i < nx {
                if !inside(l + i) {
                    i += 1;
                    continue;
                }
                let first = i;
                while i < nx && inside(l + i) {
                    i += 1;
                }
                runs.push((row, first, i));
            }
        }
        RoiRuns { full, runs }
    }

    /// The runs of a mask (x fastest then y then z).
    ///
    /// Each row is read as bits, 64 voxels at a time; the set bits of `bits ^ (bits << 1)`
    /// (with the previous word's last voxel shifted in) are the voxels whose predecessor differs,
    /// starts and ends in turn: one step per run boundary, not per voxel, and no search whose
    /// length depends on the image.
    pub fn of_mask(full: [usize; 3], mask: &[bool]) -> RoiRuns {
        let nx = full[0];
        let mut runs = Vec::new();
        if nx > 0 {
            for (row, m) in mask.chunks_exact(nx).enumerate() {
                let (mut carry, mut first) = (0u64, 0usize);
                for (w, word) in m.chunks(64).enumerate() {
                    let bits = pack_bits(word);
                    let mut edges = bits ^ (bits << 1 | carry);
                    while edges != 0 {
                        let i = edges.trailing_zeros() as usize;
                        edges &= edges - 1;
                        if bits >> i & 1 == 1 {
                            first = 64 * w + i;
                        } else {
                            runs.push((row, first, 64 * w + i));
                        }
                    }
                    carry = bits >> 63;
                }
                // A run reaching the end of a row whose length is a multiple of 64 (a shorter
                // last word ends with a 0 bit, which closed it).
                if nx % 64 == 0 && m[nx - 1] {
                    runs.push((row, first, nx));
                }
            }
        }
        RoiRuns { full, runs }
    }

    /// The linear ranges of the runs in the full grid.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let nx = self.full[0];
        self.runs
            .iter()
            .map(move |&(row, a, b)| nx * row + a..nx * row + b)
    }

    /// The ROI's bounding box, `None` when it is empty.
    pub fn bbox(&self) -> Option<BoundingBox> {
        let ny = self.full[1];
        let (&(first, _, _), &(last, _, _)) = (self.runs.first()?, self.runs.last()?);
        let (mut y0, mut y1, mut x0, mut x1) = (usize::MAX, 0, usize::MAX, 0);
        for &(row, a, b) in &self.runs {
            let j = row % ny;
            (y0, y1, x0, x1) = (y0.min(j), y1.max(j + 1), x0.min(a), x1.max(b));
        }
        Some(BoundingBox {
            lower: [x0, y0, first / ny],
            upper: [x1, y1, last / ny + 1],
        })
    }
}

/// Up to 64 voxels as the bits of a word (bit i: `word[i]`), eight at a time: eight bytes of 0
/// or 1 times 0x0102040810204080 gather their low bits, in order, in the product's top byte.
fn pack_bits(word: &[bool]) -> u64 {
    let gather =
        |bytes: [u8; 8]| u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    let mut bits = 0u64;
    let mut groups = word.chunks_exact(8);
    for (g, group) in (&mut groups).enumerate() {
        let group: [bool; 8] = group.try_into().unwrap_or_default();
        bits |= gather(group.map(u8::from)) << (8 * g);
    }
    let rest = groups.remainder();
    if !rest.is_empty() {
        let mut bytes = [0u8; 8];
        for (b, &x) in bytes.iter_mut().zip(rest) {
            *b = u8::from(x);
        }
        bits |= gather(bytes) << (8 * (word.len() / 8));
    }
    bits
}

/// Random grids for the families' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::LevelGrid;
    use crate::Settings;

    /// A deterministic pseudo-random sequence (64-bit LCG, high bits).
    pub(crate) struct Lcg(pub u64);

    impl Lcg {
        /// The next number in `0..n`.
        pub(crate) fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    /// A grid over a box of `shape` with grey levels `(1 + k) · scale`, k below `levels`, and
    /// each voxel in the ROI with probability `fill` / 10 (the first voxel always).
    pub(crate) fn random_grid(
        rng: &mut Lcg,
        shape: [usize; 3],
        settings: &Settings,
        levels: u64,
        scale: u32,
        fill: u64,
    ) -> LevelGrid {
        let n = shape[0] * shape[1] * shape[2];
        let level: Vec<u32> = (0..n)
            .map(|_| (1 + rng.next(levels) as u32) * scale)
            .collect();
        let mut inside: Vec<bool> = (0..n).map(|_| rng.next(10) < fill).collect();
        inside[0] = true;
        LevelGrid::build(shape, [1.0; 3], settings, |l| inside[l], |l| level[l]).expect("grid")
    }
}

#[cfg(test)]
mod tests {
    use super::RoiRuns;

    #[test]
    fn mask_runs_are_the_consecutive_set_voxels() {
        // Rows of several lengths (around the block size) with runs at the ends, in the
        // middle, long, of one voxel, or none.
        for nx in [1, 5, 15, 16, 17, 33, 40, 63, 64, 65, 70, 128, 130] {
            let (ny, nz) = (3, 2);
            let mask: Vec<bool> = (0..nx * ny * nz)
                .map(|l| {
                    let (i, row) = (l % nx, l / nx);
                    match row % 3 {
                        0 => (l * 7919 + l / 3) % 11 == 0,
                        1 => i + 1 == nx || (i > 2 && i < 35),
                        _ => false,
                    }
                })
                .collect();
            let mut want = Vec::new();
            for (row, m) in mask.chunks(nx).enumerate() {
                for i in 0..nx {
                    if m[i] && (i == 0 || !m[i - 1]) {
                        let end = (i..nx).find(|&e| !m[e]).unwrap_or(nx);
                        want.push((row, i, end));
                    }
                }
            }
            assert_eq!(RoiRuns::of_mask([nx, ny, nz], &mask).runs, want, "{nx}");
            assert_eq!(RoiRuns::scan([nx, ny, nz], |l| mask[l]).runs, want, "{nx}");
        }
        assert!(RoiRuns::of_mask([4, 2, 1], &[false; 8]).bbox().is_none());
    }
}
