//! Resampling with the semantics of ITK's `ResampleImageFilter` (identity transform), as SimpleITK's
//! `sitk.Resample` and PyRadiomics use it.
//!
//! * Every output voxel centre is mapped to a continuous index of the input grid. As ITK does for
//!   linear transforms, the map is evaluated exactly at the first voxel of each output row and one
//!   voxel past its end, and the voxels in between are placed on the straight line joining the
//!   two (`start + (i / n) · (end − start)`), so that the positions agree with ITK to the last bit
//!   in the common cases.
//! * A point is inside the input when every continuous index lies in `[−0.5, n − 0.5)`; points
//!   outside get the default value (0).
//! * Interpolators: nearest neighbour (index rounded half up), linear (ITK's nested per-axis
//!   interpolation; near the border the missing neighbour is not used, which amounts to
//!   nearest-neighbour extrapolation over the outer half voxel) and cubic B-spline (ITK's
//!   `BSplineDecompositionImageFilter` coefficients with mirror boundaries, evaluated as
//!   `BSplineInterpolateImageFunction` does, mirror boundary included).
//! * The interpolated value (f64) is cast to the output voxel type as ITK casts it: clamped to the
//!   type's range, then truncated toward zero for integer types (`static_cast`), rounded to the
//!   nearest f32 for `f32`.

use perirad_core::{DType, Geometry, Mask, Volume};

/// The interpolators of ITK that perirad reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItkInterpolator {
    /// `NearestNeighborInterpolateImageFunction`.
    NearestNeighbor,
    /// `LinearInterpolateImageFunction`.
    Linear,
    /// `BSplineInterpolateImageFunction`, spline order 3.
    BSpline,
}

/// ITK's affine maps of a grid: `physical = origin + M · index` with `M = D · diag(spacing)`, and
/// `index = M⁻¹ · (physical − origin)`.
#[derive(Debug, Clone)]
pub(crate) struct ItkGridMap {
    origin: [f64; 3],
    to_physical: [[f64; 3]; 3],
    to_index: [[f64; 3]; 3],
}

impl ItkGridMap {
    pub(crate) fn new(g: &Geometry) -> Self {
        let d = g.direction();
        let s = g.spacing();
        let mut m = [[0.0; 3]; 3];
        for (r, row) in m.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = d[r][c] * s[c];
            }
        }
        Self {
            origin: g.origin(),
            to_physical: m,
            to_index: perirad_core::inverse3(&m),
        }
    }

    /// `TransformContinuousIndexToPhysicalPoint`.
    pub(crate) fn physical(&self, index: [f64; 3]) -> [f64; 3] {
        let mut p = [0.0; 3];
        for (r, pr) in p.iter_mut().enumerate() {
            let mut v = self.origin[r];
            for (c, ic) in index.iter().enumerate() {
                v += self.to_physical[r][c] * ic;
            }
            *pr = v;
        }
        p
    }

    /// `TransformPhysicalPointToContinuousIndex`.
    pub(crate) fn index(&self, point: [f64; 3]) -> [f64; 3] {
        let d = [
            point[0] - self.origin[0],
            point[1] - self.origin[1],
            point[2] - self.origin[2],
        ];
        let mut idx = [0.0; 3];
        for (r, ir) in idx.iter_mut().enumerate() {
            let mut v = 0.0;
            for (c, dc) in d.iter().enumerate() {
                v += self.to_index[r][c] * dc;
            }
            *ir = v;
        }
        idx
    }
}

/// Continuous input indices of every output voxel, row by row (x fastest), as ITK's
/// `LinearThreadedGenerateData` computes them; `f` receives the linear output index and the
/// continuous input index.
pub(crate) fn for_each_output_point<F: FnMut(usize, [f64; 3])>(
    input: &Geometry,
    output: &Geometry,
    mut f: F,
) {
    let inp = ItkGridMap::new(input);
    let out = ItkGridMap::new(output);
    let [nx, ny, nz] = output.size();
    let n = nx as f64;
    let mut l = 0;
    for k in 0..nz {
        for j in 0..ny {
            let start = inp.index(out.physical([0.0, j as f64, k as f64]));
            let end = inp.index(out.physical([n, j as f64, k as f64]));
            let dir = [end[0] - start[0], end[1] - start[1], end[2] - start[2]];
            for i in 0..nx {
                let alpha = i as f64 / n;
                let idx = [
                    start[0] + alpha * dir[0],
                    start[1] + alpha * dir[1],
                    start[2] + alpha * dir[2],
                ];
                f(l, idx);
                l += 1;
            }
        }
    }
}

/// `ImageFunction::IsInsideBuffer`: every index in `[−0.5, n − 0.5)` (false for NaN).
pub(crate) fn inside(size: [usize; 3], idx: [f64; 3]) -> bool {
    (0..3).all(|a| idx[a] >= -0.5 && idx[a] < (size[a] - 1) as f64 + 0.5)
}

/// ITK's `Math::RoundHalfIntegerUp` as used for the nearest index: `round_half_even(2x + 0.5) >> 1`.
fn round_half_up(x: f64) -> i64 {
    let twice = (2.0 * x + 0.5).round_ties_even();
    (twice as i64) >> 1
}

fn clamp_index(i: i64, n: usize) -> usize {
    i.clamp(0, n as i64 - 1) as usize
}

/// Nearest-neighbour lookup at a continuous index (inside the buffer).
pub(crate) fn nearest_index(size: [usize; 3], idx: [f64; 3]) -> [usize; 3] {
    [
        clamp_index(round_half_up(idx[0]), size[0]),
        clamp_index(round_half_up(idx[1]), size[1]),
        clamp_index(round_half_up(idx[2]), size[2]),
    ]
}

/// ITK's linear interpolation at a continuous index inside the buffer: per axis, the lower
/// neighbour is `max(floor(x), 0)`; an axis is interpolated only when its distance is positive and
/// the upper neighbour exists; the nested interpolations run along x, then y, then z, each as
/// `a + (b − a)·d`.
pub(crate) fn linear_at(data: &[f64], size: [usize; 3], idx: [f64; 3]) -> f64 {
    let mut base = [0usize; 3];
    let mut dist = [0.0f64; 3];
    let mut active = [false; 3];
    for a in 0..3 {
        let b = (idx[a].floor() as i64).max(0);
        dist[a] = idx[a] - b as f64;
        let b = clamp_index(b, size[a]);
        base[a] = b;
        active[a] = dist[a] > 0.0 && b + 1 < size[a];
    }
    let at = |i: usize, j: usize, k: usize| data[i + size[0] * (j + size[1] * k)];
    let lerp = |a: f64, b: f64, d: f64| a + (b - a) * d;
    let [i0, j0, k0] = base;
    let i1 = if active[0] { i0 + 1 } else { i0 };
    let j1 = if active[1] { j0 + 1 } else { j0 };
    let k1 = if active[2] { k0 + 1 } else { k0 };
    let along_x = |j: usize, k: usize| {
        if active[0] {
            lerp(at(i0, j, k), at(i1, j, k), dist[0])
        } else {
            at(i0, j, k)
        }
    };
    let along_y = |k: usize| {
        if active[1] {
            lerp(along_x(j0, k), along_x(j1, k), dist[1])
        } else {
            along_x(j0, k)
        }
    };
    if active[2] {
        lerp(along_y(k0), along_y(k1), dist[2])
    } else {
        along_y(k0)
    }
}

/// Cubic B-spline coefficients of `data` on a grid of `size`, as ITK's
/// `BSplineDecompositionImageFilter` (order 3, mirror boundaries) computes them: the 1D
/// recursive filter along x, then y, then z.
pub fn bspline_coefficients(data: &[f64], size: [usize; 3]) -> Vec<f64> {
    let mut c = data.to_vec();
    let stride = [1, size[0], size[0] * size[1]];
    let mut line = Vec::new();
    for axis in 0..3 {
        let n = size[axis];
        if n == 1 {
            continue;
        }
        let (o1, o2) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        for b in 0..size[o2] {
            for a in 0..size[o1] {
                let first = a * stride[o1] + b * stride[o2];
                line.clear();
                line.extend((0..n).map(|t| c[first + t * stride[axis]]));
                bspline_line(&mut line);
                for (t, v) in line.iter().enumerate() {
                    c[first + t * stride[axis]] = *v;
                }
            }
        }
    }
    c
}

/// The pole of the cubic B-spline.
fn cubic_pole() -> f64 {
    3.0f64.sqrt() - 2.0
}

/// `DataToCoefficients1D` for the cubic spline (one pole), lines of at least two samples.
fn bspline_line(c: &mut [f64]) {
    let n = c.len();
    let z = cubic_pole();
    let gain = (1.0 - z) * (1.0 - 1.0 / z);
    for v in c.iter_mut() {
        *v *= gain;
    }
    // Causal initialisation (mirror boundary), truncated where z^k falls below 1e-10.
    let horizon = ((1e-10f64).ln() / z.abs().ln()).ceil() as usize;
    if horizon < n {
        let mut zn = z;
        let mut sum = c[0];
        for v in c.iter().take(horizon).skip(1) {
            sum += zn * v;
            zn *= z;
        }
        c[0] = sum;
    } else {
        let mut zn = z;
        let iz = 1.0 / z;
        let mut z2n = z.powf((n - 1) as f64);
        let mut sum = c[0] + z2n * c[n - 1];
        // z^(n−1) · z^(n−2): the mirrored term of the first sample.
        z2n = z2n * (z2n * iz);
        for v in c.iter().take(n - 1).skip(1) {
            sum += (zn + z2n) * v;
            zn *= z;
            z2n *= iz;
        }
        c[0] = sum / (1.0 - zn * zn);
    }
    for t in 1..n {
        c[t] += z * c[t - 1];
    }
    // Anti-causal initialisation and recursion.
    c[n - 1] = (z / (z * z - 1.0)) * (z * c[n - 2] + c[n - 1]);
    for t in (0..n - 1).rev() {
        c[t] = z * (c[t + 1] - c[t]);
    }
}

/// `BSplineInterpolateImageFunction` (order 3) at a continuous index, from the coefficients of
/// [`bspline_coefficients`]. The support starts at `floor(f32(x)) − 1` (ITK rounds the index to
/// single precision there); indices outside the grid are mirrored once about the first and last
/// sample; an axis of one sample always reads index 0.
pub fn bspline_at(coef: &[f64], size: [usize; 3], idx: [f64; 3]) -> f64 {
    let mut index = [[0usize; 4]; 3];
    let mut weight = [[0.0f64; 4]; 3];
    for a in 0..3 {
        let first = ((idx[a] as f32).floor() as i64) - 1;
        let w = idx[a] - (first + 1) as f64;
        let w3 = (1.0 / 6.0) * w * w * w;
        let w0 = (1.0 / 6.0) + 0.5 * w * (w - 1.0) - w3;
        let w2 = w + w0 - 2.0 * w3;
        let w1 = 1.0 - w0 - w2 - w3;
        weight[a] = [w0, w1, w2, w3];
        let n = size[a];
        let end = n as i64 - 1;
        for (k, slot) in index[a].iter_mut().enumerate() {
            let mut i = first + k as i64;
            if n == 1 {
                i = 0;
            } else {
                if i < 0 {
                    i = -i;
                }
                if i >= end {
                    i = end - (i - end);
                }
            }
            // Only very small grids (two samples) can still fall outside; ITK reads out of
            // bounds there, perirad clamps.
            *slot = clamp_index(i, n);
        }
    }
    let mut value = 0.0;
    for p in 0..64 {
        let (a, b, c) = (p % 4, (p / 4) % 4, p / 16);
        let w = weight[0][a] * weight[1][b] * weight[2][c];
        let l = index[0][a] + size[0] * (index[1][b] + size[1] * index[2][c]);
        value += w * coef[l];
    }
    value
}

/// ITK's `CastPixelWithBoundsChecking` of an interpolated value to the output voxel type: clamped
/// to the type's range, truncated toward zero for integers, rounded to the nearest `f32` for `f32`.
/// The result is returned as f64 (exact for every type but 64-bit integers beyond 2^53).
pub fn itk_cast(value: f64, dtype: DType) -> f64 {
    let int = |min: f64, max: f64| {
        if value <= min {
            min
        } else if value >= max {
            max
        } else if value.is_nan() {
            0.0
        } else {
            value.trunc()
        }
    };
    match dtype {
        DType::U8 => int(0.0, u8::MAX as f64),
        DType::I8 => int(i8::MIN as f64, i8::MAX as f64),
        DType::U16 => int(0.0, u16::MAX as f64),
        DType::I16 => int(i16::MIN as f64, i16::MAX as f64),
        DType::U32 => int(0.0, u32::MAX as f64),
        DType::I32 => int(i32::MIN as f64, i32::MAX as f64),
        DType::U64 => int(0.0, u64::MAX as f64),
        DType::I64 => int(i64::MIN as f64, i64::MAX as f64),
        DType::F32 => {
            let max = f32::MAX as f64;
            if value <= -max {
                -max
            } else if value >= max {
                max
            } else {
                value as f32 as f64
            }
        }
        DType::F64 => value,
    }
}

/// `sitk.Resample(image, output grid, identity, interpolator, default 0, output type)`: the
/// voxels of `image` resampled onto `output`, cast to `output_type` (returned as f64).
pub fn itk_resample(
    image: &Volume<f64>,
    output: &Geometry,
    interpolator: ItkInterpolator,
    output_type: DType,
) -> Volume<f64> {
    let size = image.geometry().size();
    let data = image.data();
    let coef = match interpolator {
        ItkInterpolator::BSpline => Some(bspline_coefficients(data, size)),
        _ => None,
    };
    let mut out = vec![0.0; output.len()];
    for_each_output_point(image.geometry(), output, |l, idx| {
        if !inside(size, idx) {
            return;
        }
        let v = match (&coef, interpolator) {
            (Some(c), _) => bspline_at(c, size, idx),
            (None, ItkInterpolator::Linear) => linear_at(data, size, idx),
            (None, _) => {
                let [i, j, k] = nearest_index(size, idx);
                data[i + size[0] * (j + size[1] * k)]
            }
        };
        out[l] = itk_cast(v, output_type);
    });
    Volume::new(output.clone(), out).unwrap_or_else(|_| unreachable!("one value per output voxel"))
}

/// A mask resampled onto `output` with nearest-neighbour interpolation (outside: false), as
/// `sitk.Resample` does for a label map.
pub fn itk_resample_mask(mask: &Mask, output: &Geometry) -> Mask {
    let size = mask.geometry().size();
    let data = mask.data();
    let mut out = vec![false; output.len()];
    for_each_output_point(mask.geometry(), output, |l, idx| {
        if inside(size, idx) {
            let [i, j, k] = nearest_index(size, idx);
            out[l] = data[i + size[0] * (j + size[1] * k)];
        }
    });
    Volume::new(output.clone(), out).unwrap_or_else(|_| unreachable!("one value per output voxel"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_truncates_and_clamps_like_itk() {
        assert_eq!(itk_cast(-0.75, DType::I16), 0.0);
        assert_eq!(itk_cast(2.99, DType::I16), 2.0);
        assert_eq!(itk_cast(-2.99, DType::I16), -2.0);
        assert_eq!(itk_cast(40000.0, DType::I16), 32767.0);
        assert_eq!(itk_cast(-5.0, DType::U8), 0.0);
        assert_eq!(itk_cast(0.1, DType::F32), 0.1f32 as f64);
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(round_half_up(-0.5), 0);
        assert_eq!(round_half_up(0.5), 1);
        assert_eq!(round_half_up(1.5), 2);
        assert_eq!(round_half_up(-1.5), -1);
        assert_eq!(round_half_up(2.49), 2);
    }

    #[test]
    fn bspline_interpolates_the_samples() {
        let size = [7, 5, 1];
        let data: Vec<f64> = (0..35).map(|v| ((v * 37) % 11) as f64 - 3.0).collect();
        let c = bspline_coefficients(&data, size);
        for (k, d) in data.iter().enumerate() {
            let (i, j) = (k % 7, k / 7);
            let v = bspline_at(&c, size, [i as f64, j as f64, 0.0]);
            assert!((v - d).abs() < 1e-9, "{v} vs {d}");
        }
    }
}
