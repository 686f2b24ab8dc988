//! Images whose voxels keep the type stored in the file.

use crate::{CoreError, Geometry, LabelMap, Volume};
use std::fmt;

/// Voxel type as stored in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

impl DType {
    /// Short name used in `perirad info` (`u8`, `i16`, `f32`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::U8 => "u8",
            DType::I8 => "i8",
            DType::U16 => "u16",
            DType::I16 => "i16",
            DType::U32 => "u32",
            DType::I32 => "i32",
            DType::U64 => "u64",
            DType::I64 => "i64",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }
    /// Bytes per voxel.
    pub fn size(self) -> usize {
        match self {
            DType::U8 | DType::I8 => 1,
            DType::U16 | DType::I16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::U64 | DType::I64 | DType::F64 => 8,
        }
    }
    /// True for integer types.
    pub fn is_integer(self) -> bool {
        !matches!(self, DType::F32 | DType::F64)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A voxel array in one of the stored types.
#[derive(Debug, Clone, PartialEq)]
pub enum VoxelData {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Runs `$body` with `$v` bound to the inner `Vec` of any variant.
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            VoxelData::U8($v) => $body,
            VoxelData::I8($v) => $body,
            VoxelData::U16($v) => $body,
            VoxelData::I16($v) => $body,
            VoxelData::U32($v) => $body,
            VoxelData::I32($v) => $body,
            VoxelData::U64($v) => $body,
            VoxelData::I64($v) => $body,
            VoxelData::F32($v) => $body,
            VoxelData::F64($v) => $body,
        }
    };
}

/// Minimum, maximum and sum of an image's voxels (f64; NaN voxels are skipped by min/max and
/// make the sum NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntensityStats {
    pub min: f64,
    pub max: f64,
    pub sum: f64,
}

// `with_data!` casts every variant to the target type, so the f64/f32 variants cast to themselves.
#[allow(clippy::unnecessary_cast)]
impl VoxelData {
    pub fn dtype(&self) -> DType {
        match self {
            VoxelData::U8(_) => DType::U8,
            VoxelData::I8(_) => DType::I8,
            VoxelData::U16(_) => DType::U16,
            VoxelData::I16(_) => DType::I16,
            VoxelData::U32(_) => DType::U32,
            VoxelData::I32(_) => DType::I32,
            VoxelData::U64(_) => DType::U64,
            VoxelData::I64(_) => DType::I64,
            VoxelData::F32(_) => DType::F32,
            VoxelData::F64(_) => DType::F64,
        }
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value at linear index `i` as f64 (exact for every type but 64-bit integers beyond 2^53).
    pub fn get_f64(&self, i: usize) -> f64 {
        with_data!(self, v => v[i] as f64)
    }

    /// All values as f64.
    pub fn to_f64(&self) -> Vec<f64> {
        with_data!(self, v => v.iter().map(|&x| x as f64).collect())
    }

    /// `pred(value)` for every voxel (values as f64).
    pub fn mask_where<F: Fn(f64) -> bool>(&self, pred: F) -> Vec<bool> {
        with_data!(self, v => v.iter().map(|&x| pred(x as f64)).collect())
    }

    /// All values as f32 (what the feature engine works on).
    pub fn to_f32(&self) -> Vec<f32> {
        with_data!(self, v => v.iter().map(|&x| x as f32).collect())
    }

    /// Minimum, maximum and sum, accumulated in f64 (pairwise, so large images keep 1e-15
    /// relative accuracy).
    pub fn stats(&self) -> IntensityStats {
        with_data!(self, v => {
            let mut min = f64::INFINITY;
            let mut max = f64::NEG_INFINITY;
            for &x in v.iter() {
                let x = x as f64;
                min = min.min(x);
                max = max.max(x);
            }
            let sum = pairwise_sum(v, &|x| x as f64);
            IntensityStats { min, max, sum }
        })
    }
}

fn pairwise_sum<T: Copy, F: Fn(T) -> f64>(v: &[T], f: &F) -> f64 {
    if v.len() <= 1024 {
        v.iter().map(|&x| f(x)).sum()
    } else {
        let mid = v.len() / 2;
        pairwise_sum(&v[..mid], f) + pairwise_sum(&v[mid..], f)
    }
}

/// An image as read from a file: geometry plus voxels in the stored type.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    geometry: Geometry,
    data: VoxelData,
}

impl Image {
    /// Fails when `data` does not hold exactly one value per voxel.
    pub fn new(geometry: Geometry, data: VoxelData) -> Result<Self, CoreError> {
        geometry.check_data_len(data.len())?;
        Ok(Self { geometry, data })
    }
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    pub fn data(&self) -> &VoxelData {
        &self.data
    }
    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }
    pub fn into_parts(self) -> (Geometry, VoxelData) {
        (self.geometry, self.data)
    }
    pub fn stats(&self) -> IntensityStats {
        self.data.stats()
    }
    /// The voxels as an f32 volume.
    pub fn to_f32_volume(&self) -> Volume<f32> {
        Volume::new(self.geometry.clone(), self.data.to_f32())
            .unwrap_or_else(|_| unreachable!("length checked in Image::new"))
    }
    /// The voxels as an f64 volume.
    pub fn to_f64_volume(&self) -> Volume<f64> {
        Volume::new(self.geometry.clone(), self.data.to_f64())
            .unwrap_or_else(|_| unreachable!("length checked in Image::new"))
    }
    /// Interprets the voxels as labels; fails on a negative, fractional or non-finite value.
    pub fn to_label_map(&self) -> Result<LabelMap, CoreError> {
        let mut labels = Vec::with_capacity(self.data.len());
        for i in 0..self.data.len() {
            let v = self.data.get_f64(i);
            if !(v >= 0.0 && v <= u32::MAX as f64 && v.fract() == 0.0) {
                return Err(CoreError::InvalidLabel { value: v, index: i });
            }
            labels.push(v as u32);
        }
        LabelMap::new(Volume::new(self.geometry.clone(), labels)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_labels() {
        let g = Geometry::with_spacing([3, 1, 1], [1.0; 3]).expect("valid");
        let img = Image::new(g.clone(), VoxelData::I16(vec![-3, 0, 7])).expect("len");
        let s = img.stats();
        assert_eq!((s.min, s.max, s.sum), (-3.0, 7.0, 4.0));
        assert!(img.to_label_map().is_err());
        let m = Image::new(g.clone(), VoxelData::F32(vec![0.0, 2.0, 2.0])).expect("len");
        let lm = m.to_label_map().expect("labels");
        assert_eq!(lm.counts().get(&2), Some(&2));
        let frac = Image::new(g, VoxelData::F64(vec![0.0, 0.5, 1.0])).expect("len");
        assert!(frac.to_label_map().is_err());
    }
}
