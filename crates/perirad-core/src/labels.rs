//! Label maps (integer segmentations with named segments) and binary masks.

use crate::{CoreError, Geometry, Volume};
use std::collections::BTreeMap;

/// A binary mask: `true` inside the region.
pub type Mask = Volume<bool>;

/// A named segment of a segmentation file (3D Slicer segment, DICOM-SEG segment, RTSTRUCT ROI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Label value of the segment's voxels in its layer.
    pub value: u32,
    /// Display name (`Segment0_Name`, `SegmentLabel`, `ROIName`).
    pub name: String,
    /// Identifier in the source file when it has one (`Segment0_ID`, `SegmentNumber`, `ROINumber`).
    pub id: Option<String>,
}

/// One layer of integer labels (0 = background) with the segments it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap {
    volume: Volume<u32>,
    segments: Vec<Segment>,
}

impl LabelMap {
    pub fn new(volume: Volume<u32>) -> Result<Self, CoreError> {
        Ok(Self {
            volume,
            segments: Vec::new(),
        })
    }

    /// Attaches segment names to label values.
    pub fn with_segments(mut self, segments: Vec<Segment>) -> Self {
        self.segments = segments;
        self
    }

    pub fn geometry(&self) -> &Geometry {
        self.volume.geometry()
    }
    pub fn volume(&self) -> &Volume<u32> {
        &self.volume
    }
    pub fn labels(&self) -> &[u32] {
        self.volume.data()
    }
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Voxel count of every non-zero label, in increasing label order.
    pub fn counts(&self) -> BTreeMap<u32, usize> {
        let mut counts = BTreeMap::new();
        // Label maps are mostly background: blocks of zeros are skipped after a branch-free OR.
        for block in self.volume.data().chunks(64) {
            if block.iter().fold(0, |any, &l| any | l) == 0 {
                continue;
            }
            for &l in block {
                if l != 0 {
                    *counts.entry(l).or_insert(0) += 1;
                }
            }
        }
        counts
    }

    /// Mask of one label; fails when no voxel has it.
    pub fn mask(&self, label: u32) -> Result<Mask, CoreError> {
        let mask = self.volume.map(|&l| l == label);
        if label == 0 || !mask.data().iter().any(|&b| b) {
            let present: Vec<String> = self.counts().keys().map(u32::to_string).collect();
            return Err(if present.is_empty() {
                CoreError::EmptyMask
            } else {
                CoreError::LabelNotPresent {
                    label,
                    present: present.join(", "),
                }
            });
        }
        Ok(mask)
    }

    /// Mask of all non-zero labels; fails when the label map is empty.
    pub fn foreground(&self) -> Result<Mask, CoreError> {
        let mask = self.volume.map(|&l| l != 0);
        if mask.data().iter().any(|&b| b) {
            Ok(mask)
        } else {
            Err(CoreError::EmptyMask)
        }
    }

    /// Fails unless the label map lies on the grid of `image` (within `tolerance`, see
    /// [`Geometry::same_grid`]); the error names both geometries.
    pub fn check_grid(&self, image: &Geometry, tolerance: f64) -> Result<(), CoreError> {
        if self.geometry().same_grid(image, tolerance) {
            Ok(())
        } else {
            Err(CoreError::GridMismatch {
                image: image.to_string(),
                mask: self.geometry().to_string(),
            })
        }
    }

    /// Nearest-neighbour resampling onto `target` (ITK's `NearestNeighborInterpolateImageFunction`
    /// rounding: half-integers round up); voxels whose centre falls outside this grid get 0.
    pub fn resample_nearest(&self, target: &Geometry) -> LabelMap {
        let src = self.geometry();
        let s = src.size();
        let mut out = Vec::with_capacity(target.len());
        for l in 0..target.len() {
            let [i, j, k] = target.index_of(l);
            let p = target.index_to_physical([i as f64, j as f64, k as f64]);
            let c = src.physical_to_index(p);
            let r = [
                (c[0] + 0.5).floor(),
                (c[1] + 0.5).floor(),
                (c[2] + 0.5).floor(),
            ];
            let inside = (0..3).all(|a| r[a] >= 0.0 && r[a] < s[a] as f64);
            out.push(if inside {
                self.volume.data()[src.linear_index(r[0] as usize, r[1] as usize, r[2] as usize)]
            } else {
                0
            });
        }
        LabelMap {
            volume: Volume::new(target.clone(), out)
                .unwrap_or_else(|_| unreachable!("one value per target voxel")),
            segments: self.segments.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lm(size: [usize; 3], spacing: [f64; 3], data: Vec<u32>) -> LabelMap {
        let g = Geometry::with_spacing(size, spacing).expect("valid");
        LabelMap::new(Volume::new(g, data).expect("len")).expect("labels")
    }

    #[test]
    fn masks_and_errors() {
        let m = lm([4, 1, 1], [1.0; 3], vec![0, 1, 3, 3]);
        assert_eq!(
            m.counts().into_iter().collect::<Vec<_>>(),
            vec![(1, 1), (3, 2)]
        );
        assert_eq!(
            m.mask(3).expect("present").data(),
            &[false, false, true, true]
        );
        let err = m.mask(2).expect_err("absent").to_string();
        assert!(err.contains("label 2") && err.contains("1, 3"), "{err}");
        let empty = lm([2, 1, 1], [1.0; 3], vec![0, 0]);
        assert!(matches!(empty.foreground(), Err(CoreError::EmptyMask)));
        assert!(matches!(empty.mask(1), Err(CoreError::EmptyMask)));
    }

    /// Counts over several blocks, labels on block boundaries and long runs of background,
    /// against a plain count.
    #[test]
    fn counts_of_a_long_label_map() {
        let labels: Vec<u32> = (0..1000u32)
            .map(|i| match i {
                63 | 64 | 127 | 999 => 2,
                300..=420 => 1 + i % 3,
                _ => 0,
            })
            .collect();
        let m = lm([10, 10, 10], [1.0; 3], labels.clone());
        let mut want = BTreeMap::new();
        for &l in labels.iter().filter(|&&l| l != 0) {
            *want.entry(l).or_insert(0usize) += 1;
        }
        assert_eq!(m.counts(), want);
    }

    #[test]
    fn grid_check_and_nearest_resampling() {
        let coarse = lm([2, 2, 1], [2.0, 2.0, 1.0], vec![1, 2, 3, 4]);
        let fine = Geometry::new(
            [4, 4, 1],
            [1.0, 1.0, 1.0],
            [-0.5, -0.5, 0.0],
            crate::geometry::IDENTITY,
        )
        .expect("valid");
        let err = coarse
            .check_grid(&fine, 1e-6)
            .expect_err("different grids")
            .to_string();
        assert!(
            err.contains("size [4, 4, 1]") && err.contains("size [2, 2, 1]"),
            "{err}"
        );
        let r = coarse.resample_nearest(&fine);
        // fine x = -0.5, 0.5, 1.5, 2.5 → coarse index -0.25, 0.25, 0.75, 1.25 → 0, 0, 1, 1
        assert_eq!(
            r.labels(),
            &[1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]
        );
    }
}
