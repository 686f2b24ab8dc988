//! Voxel grid geometry in LPS physical space, as ITK defines it:
//! `physical = origin + D · diag(spacing) · index`, where column `c` of the direction matrix `D`
//! is the unit direction of index axis `c`.

use crate::{BoundingBox, CoreError};
use std::fmt;

/// Largest number of voxels perirad accepts in one volume (2^31). Larger headers are refused
/// before any allocation, so a corrupt or hostile header cannot exhaust memory.
pub const MAX_VOXELS: u64 = 1 << 31;

/// Geometry of a 3D voxel grid. A 2D image has `size[2] == 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    size: [usize; 3],
    spacing: [f64; 3],
    origin: [f64; 3],
    /// Row-major: `direction[row][col]`; column `col` is the direction of index axis `col`.
    direction: [[f64; 3]; 3],
}

/// Identity direction cosines.
pub const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl Geometry {
    /// Builds a validated geometry: non-zero size of at most [`MAX_VOXELS`] voxels, finite positive
    /// spacing, finite origin and a finite, non-singular direction matrix.
    pub fn new(
        size: [usize; 3],
        spacing: [f64; 3],
        origin: [f64; 3],
        direction: [[f64; 3]; 3],
    ) -> Result<Self, CoreError> {
        if size.contains(&0) {
            return Err(CoreError::InvalidSize {
                size,
                reason: "every dimension must be at least 1".into(),
            });
        }
        let n = size
            .iter()
            .try_fold(1u64, |acc, &s| acc.checked_mul(s as u64));
        match n {
            Some(n) if n <= MAX_VOXELS => {}
            _ => {
                return Err(CoreError::InvalidSize {
                    size,
                    reason: format!("more than 2^31 ({MAX_VOXELS}) voxels"),
                })
            }
        }
        if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(CoreError::InvalidSpacing { spacing });
        }
        if origin.iter().any(|o| !o.is_finite()) {
            return Err(CoreError::InvalidOrigin { origin });
        }
        if direction.iter().flatten().any(|d| !d.is_finite()) {
            return Err(CoreError::InvalidDirection {
                direction,
                reason: "entries must be finite".into(),
            });
        }
        let det = det3(&direction);
        if det.abs() < 1e-6 {
            return Err(CoreError::InvalidDirection {
                direction,
                reason: format!("the matrix is singular (determinant {det:e})"),
            });
        }
        // Adding +0.0 turns −0.0 (from sign flips of zero cosines) into 0.0.
        Ok(Self {
            size,
            spacing,
            origin: origin.map(|o| o + 0.0),
            direction: direction.map(|row| row.map(|d| d + 0.0)),
        })
    }

    /// Identity direction, origin at zero.
    pub fn with_spacing(size: [usize; 3], spacing: [f64; 3]) -> Result<Self, CoreError> {
        Self::new(size, spacing, [0.0; 3], IDENTITY)
    }

    pub fn size(&self) -> [usize; 3] {
        self.size
    }
    pub fn spacing(&self) -> [f64; 3] {
        self.spacing
    }
    pub fn origin(&self) -> [f64; 3] {
        self.origin
    }
    /// Row-major direction matrix.
    pub fn direction(&self) -> [[f64; 3]; 3] {
        self.direction
    }
    /// Direction matrix flattened row-major (9 numbers), as SimpleITK's `GetDirection()`.
    pub fn direction_flat(&self) -> [f64; 9] {
        let d = &self.direction;
        [
            d[0][0], d[0][1], d[0][2], d[1][0], d[1][1], d[1][2], d[2][0], d[2][1], d[2][2],
        ]
    }
    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.size[0] * self.size[1] * self.size[2]
    }
    /// Never true: a valid geometry has at least one voxel.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// True for a single-slice image.
    pub fn is_2d(&self) -> bool {
        self.size[2] == 1
    }
    /// Volume of one voxel in mm³.
    pub fn voxel_volume(&self) -> f64 {
        self.spacing[0] * self.spacing[1] * self.spacing[2]
    }

    /// Fails unless an array of `len` values holds exactly one per voxel.
    pub fn check_data_len(&self, len: usize) -> Result<(), CoreError> {
        if len == self.len() {
            Ok(())
        } else {
            Err(CoreError::DataLength {
                size: self.size,
                expected: self.len(),
                actual: len,
            })
        }
    }

    /// Linear index of `(i, j, k)`, x fastest.
    #[inline]
    pub fn linear_index(&self, i: usize, j: usize, k: usize) -> usize {
        i + self.size[0] * (j + self.size[1] * k)
    }

    /// `(i, j, k)` of a linear index.
    #[inline]
    pub fn index_of(&self, linear: usize) -> [usize; 3] {
        let i = linear % self.size[0];
        let rest = linear / self.size[0];
        [i, rest % self.size[1], rest / self.size[1]]
    }

    /// Physical (LPS, mm) position of a continuous index.
    pub fn index_to_physical(&self, index: [f64; 3]) -> [f64; 3] {
        let scaled = [
            index[0] * self.spacing[0],
            index[1] * self.spacing[1],
            index[2] * self.spacing[2],
        ];
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            for (c, s) in scaled.iter().enumerate() {
                *pr += self.direction[r][c] * s;
            }
        }
        p
    }

    /// Continuous index of a physical point (exact inverse of [`Self::index_to_physical`]; the
    /// direction matrix need not be orthonormal).
    pub fn physical_to_index(&self, point: [f64; 3]) -> [f64; 3] {
        let inv = inverse3(&self.direction);
        let d = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        let mut idx = [0.0; 3];
        for (r, ir) in idx.iter_mut().enumerate() {
            let v: f64 = (0..3).map(|c| inv[r][c] * d[c]).sum();
            *ir = v / self.spacing[r];
        }
        idx
    }

    /// True when `other` describes the same grid: equal size, and spacing, origin and direction
    /// equal within `tolerance` (relative to the spacing for lengths, absolute for cosines).
    pub fn same_grid(&self, other: &Geometry, tolerance: f64) -> bool {
        if self.size != other.size {
            return false;
        }
        let min_spacing = self.spacing.iter().copied().fold(f64::INFINITY, f64::min);
        let len_tol = tolerance * min_spacing;
        (0..3).all(|a| (self.spacing[a] - other.spacing[a]).abs() <= tolerance * self.spacing[a])
            && (0..3).all(|a| (self.origin[a] - other.origin[a]).abs() <= len_tol)
            && (0..3).all(|r| {
                (0..3).all(|c| (self.direction[r][c] - other.direction[r][c]).abs() <= tolerance)
            })
    }

    /// Geometry of the sub-grid `bbox` (origin moved to the box's first voxel).
    pub fn cropped(&self, bbox: &BoundingBox) -> Result<Geometry, CoreError> {
        bbox.check_within(self.size)?;
        let origin = self.index_to_physical([
            bbox.lower[0] as f64,
            bbox.lower[1] as f64,
            bbox.lower[2] as f64,
        ]);
        Geometry::new(bbox.size(), self.spacing, origin, self.direction)
    }
}

impl fmt::Display for Geometry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "size {:?}, spacing {:?}, origin {:?}, direction {:?}",
            self.size,
            self.spacing,
            self.origin,
            self.direction_flat()
        )
    }
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Inverse of a non-singular 3×3 matrix (adjugate over determinant).
pub fn inverse3(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = det3(m);
    let mut inv = [[0.0; 3]; 3];
    for (r, row) in inv.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            // cofactor of m[c][r]
            let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
            let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
            *v = (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det;
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn oblique() -> Geometry {
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        Geometry::new(
            [10, 8, 6],
            [0.7, 0.8, 2.5],
            [-12.0, 30.5, 7.25],
            [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, -1.0]],
        )
        .expect("valid geometry")
    }

    #[test]
    fn index_to_physical_follows_itk_convention() {
        // Column 1 of D is the direction of the j axis: moving one voxel in j moves by
        // spacing[1] along (−sin, cos, 0).
        let g = oblique();
        let p0 = g.index_to_physical([0.0, 0.0, 0.0]);
        let p1 = g.index_to_physical([0.0, 1.0, 0.0]);
        assert_eq!(p0, g.origin());
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        assert!((p1[0] - p0[0] - (-s * 0.8)).abs() < 1e-12);
        assert!((p1[1] - p0[1] - (c * 0.8)).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_geometry() {
        let id = IDENTITY;
        assert!(Geometry::new([0, 1, 1], [1.0; 3], [0.0; 3], id).is_err());
        assert!(Geometry::new([1, 1, 1], [1.0, 0.0, 1.0], [0.0; 3], id).is_err());
        assert!(Geometry::new([1, 1, 1], [1.0, -1.0, 1.0], [0.0; 3], id).is_err());
        assert!(Geometry::new([1, 1, 1], [f64::NAN, 1.0, 1.0], [0.0; 3], id).is_err());
        assert!(Geometry::new([1, 1, 1], [1.0; 3], [f64::INFINITY, 0.0, 0.0], id).is_err());
        let singular = [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        assert!(Geometry::new([1, 1, 1], [1.0; 3], [0.0; 3], singular).is_err());
        assert!(Geometry::new([65536, 65536, 2], [1.0; 3], [0.0; 3], id).is_err());
        assert!(Geometry::new([65536, 32768, 1], [1.0; 3], [0.0; 3], id).is_ok());
    }

    proptest! {
        #[test]
        fn physical_index_round_trip(i in -5.0f64..20.0, j in -5.0f64..20.0, k in -5.0f64..20.0) {
            let g = oblique();
            let back = g.physical_to_index(g.index_to_physical([i, j, k]));
            prop_assert!((back[0] - i).abs() < 1e-9 && (back[1] - j).abs() < 1e-9 && (back[2] - k).abs() < 1e-9);
        }

        #[test]
        fn linear_index_round_trip(l in 0usize..480) {
            let g = oblique();
            let [i, j, k] = g.index_of(l);
            prop_assert_eq!(g.linear_index(i, j, k), l);
        }
    }
}
