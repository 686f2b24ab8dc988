//! Typed voxel arrays on a geometry.

use crate::{BoundingBox, CoreError, Geometry};

/// Voxels of type `T` on a [`Geometry`], x fastest (`i + nx*(j + ny*k)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Volume<T> {
    geometry: Geometry,
    data: Vec<T>,
}

impl<T> Volume<T> {
    /// Fails when `data` does not hold exactly one value per voxel.
    pub fn new(geometry: Geometry, data: Vec<T>) -> Result<Self, CoreError> {
        geometry.check_data_len(data.len())?;
        Ok(Self { geometry, data })
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    pub fn data(&self) -> &[T] {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
    pub fn into_parts(self) -> (Geometry, Vec<T>) {
        (self.geometry, self.data)
    }

    /// Value at `(i, j, k)`; `None` outside the grid.
    pub fn get(&self, i: usize, j: usize, k: usize) -> Option<&T> {
        let s = self.geometry.size();
        (i < s[0] && j < s[1] && k < s[2]).then(|| &self.data[self.geometry.linear_index(i, j, k)])
    }

    /// Applies `f` to every voxel, keeping the geometry.
    pub fn map<U, F: FnMut(&T) -> U>(&self, f: F) -> Volume<U> {
        Volume {
            geometry: self.geometry.clone(),
            data: self.data.iter().map(f).collect(),
        }
    }
}

impl<T: Clone> Volume<T> {
    /// A volume of `value` everywhere.
    pub fn filled(geometry: Geometry, value: T) -> Self {
        let data = vec![value; geometry.len()];
        Self { geometry, data }
    }

    /// The sub-volume inside `bbox`, with its origin moved so that every voxel keeps its
    /// physical position.
    pub fn crop(&self, bbox: &BoundingBox) -> Result<Volume<T>, CoreError> {
        let geometry = self.geometry.cropped(bbox)?;
        let mut data = Vec::with_capacity(geometry.len());
        for k in bbox.lower[2]..bbox.upper[2] {
            for j in bbox.lower[1]..bbox.upper[1] {
                let start = self.geometry.linear_index(bbox.lower[0], j, k);
                let end = start + (bbox.upper[0] - bbox.lower[0]);
                data.extend_from_slice(&self.data[start..end]);
            }
        }
        Ok(Volume { geometry, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_keeps_physical_positions() {
        let g = Geometry::new(
            [4, 3, 2],
            [0.5, 1.0, 2.0],
            [10.0, 20.0, 30.0],
            [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        )
        .expect("valid");
        let v = Volume::new(g.clone(), (0..24).collect::<Vec<i32>>()).expect("len");
        let b = BoundingBox {
            lower: [1, 1, 1],
            upper: [3, 3, 2],
        };
        let c = v.crop(&b).expect("inside");
        assert_eq!(c.geometry().size(), [2, 2, 1]);
        assert_eq!(c.data(), &[17, 18, 21, 22]);
        let p_full = g.index_to_physical([2.0, 2.0, 1.0]);
        let p_crop = c.geometry().index_to_physical([1.0, 1.0, 0.0]);
        assert_eq!(p_full, p_crop);
        assert!(Volume::new(g, vec![0u8; 5]).is_err());
    }
}
