//! Index-space bounding boxes.

use crate::CoreError;

/// A box of voxel indices: `lower` inclusive, `upper` exclusive, per axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundingBox {
    pub lower: [usize; 3],
    pub upper: [usize; 3],
}

impl BoundingBox {
    /// Number of voxels along each axis.
    pub fn size(&self) -> [usize; 3] {
        [
            self.upper[0] - self.lower[0],
            self.upper[1] - self.lower[1],
            self.upper[2] - self.lower[2],
        ]
    }

    /// Grows the box by `pad` voxels on each side of each axis, clamped to a grid of `size`.
    pub fn padded(&self, pad: [usize; 3], size: [usize; 3]) -> BoundingBox {
        let mut b = *self;
        for a in 0..3 {
            b.lower[a] = self.lower[a].saturating_sub(pad[a]);
            b.upper[a] = (self.upper[a].saturating_add(pad[a])).min(size[a]);
        }
        b
    }

    /// The smallest box holding both boxes.
    pub fn union(&self, other: &BoundingBox) -> BoundingBox {
        BoundingBox {
            lower: std::array::from_fn(|a| self.lower[a].min(other.lower[a])),
            upper: std::array::from_fn(|a| self.upper[a].max(other.upper[a])),
        }
    }

    /// Fails unless the box is non-empty and inside a grid of `size`.
    pub fn check_within(&self, size: [usize; 3]) -> Result<(), CoreError> {
        let ok = (0..3).all(|a| self.lower[a] < self.upper[a] && self.upper[a] <= size[a]);
        if ok {
            Ok(())
        } else {
            Err(CoreError::BoxOutOfRange {
                bbox: format!("{:?}..{:?}", self.lower, self.upper),
                size,
            })
        }
    }

    /// Smallest box holding every index for which `inside` is true, or `None` when there is none.
    pub fn of<F: Fn(usize) -> bool>(size: [usize; 3], inside: F) -> Option<BoundingBox> {
        let mut lower = [usize::MAX; 3];
        let mut upper = [0usize; 3];
        let mut l = 0usize;
        let mut any = false;
        for k in 0..size[2] {
            for j in 0..size[1] {
                for i in 0..size[0] {
                    if inside(l) {
                        any = true;
                        for (a, v) in [i, j, k].into_iter().enumerate() {
                            lower[a] = lower[a].min(v);
                            upper[a] = upper[a].max(v + 1);
                        }
                    }
                    l += 1;
                }
            }
        }
        any.then_some(BoundingBox { lower, upper })
    }

    /// [`BoundingBox::of`] a mask stored x fastest (`mask.len()` = the product of `size`): the
    /// same box, found a row at a time (the first and last set voxel of each row).
    pub fn of_mask(size: [usize; 3], mask: &[bool]) -> Option<BoundingBox> {
        let nx = size[0];
        if nx == 0 || mask.len() != size.iter().product::<usize>() {
            return None;
        }
        let mut b: Option<BoundingBox> = None;
        for (r, row) in mask.chunks_exact(nx).enumerate() {
            // Most rows are empty: a branch-free OR over the row settles that first.
            if !row.iter().fold(false, |any, &m| any | m) {
                continue;
            }
            let Some(first) = row.iter().position(|&m| m) else {
                continue;
            };
            let last = row.iter().rposition(|&m| m).unwrap_or(first);
            let (j, k) = (r % size[1], r / size[1]);
            let row_box = BoundingBox {
                lower: [first, j, k],
                upper: [last + 1, j + 1, k + 1],
            };
            b = Some(b.map_or(row_box, |b| b.union(&row_box)));
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_of_points_and_padding() {
        let size = [5, 4, 3];
        let b = BoundingBox::of(size, |l| l == 1 + 5 * (2 + 4) || l == 3 + 5 * (1 + 4 * 2))
            .expect("non-empty");
        assert_eq!(b.lower, [1, 1, 1]);
        assert_eq!(b.upper, [4, 3, 3]);
        let p = b.padded([2, 0, 1], size);
        assert_eq!(p.lower, [0, 1, 0]);
        assert_eq!(p.upper, [5, 3, 3]);
        assert!(BoundingBox::of(size, |_| false).is_none());
        // The row-wise search finds the same boxes.
        for marked in [
            vec![],
            vec![7],
            vec![1 + 5 * (2 + 4), 3 + 5 * (1 + 4 * 2)],
            vec![0, 59],
        ] {
            let mask: Vec<bool> = (0..60).map(|l| marked.contains(&l)).collect();
            assert_eq!(
                BoundingBox::of_mask(size, &mask),
                BoundingBox::of(size, |l| mask[l]),
                "{marked:?}"
            );
        }
        assert!(p.check_within(size).is_ok());
        assert!(p.check_within([4, 4, 4]).is_err());
    }
}
