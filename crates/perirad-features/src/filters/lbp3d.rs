//! PyRadiomics 3.1's `LBP3D` image type (`imageoperations.getLBP3DImage`): the 3D local binary
//! pattern of Banerjee et al. (2013) through spherical harmonics, computed as PyRadiomics and the
//! SciPy 1.14 / trimesh functions it calls compute it.
//!
//! For every ROI voxel `p` (numpy index order z, y, x):
//!
//! 1. the image is sampled at `p + v` for every vertex `v` of trimesh's icosphere
//!    (`lbp3DIcosphereSubdivision`, `lbp3DIcosphereRadius`), the vertex components `(x, y, z)`
//!    added to the numpy axes `(z, y, x)` in that order, as PyRadiomics does. The samples come
//!    from `scipy.ndimage.map_coordinates(order=3)`: the cubic B-spline prefilter with mirror
//!    boundaries, `constant` mode (a sample outside `[0, n - 1]` on any axis is 0) and the result
//!    stored in the image's own voxel type (rounded half away from zero and clamped for integer
//!    types, rounded to float32 for float32 images);
//! 2. `lbp-3D-k` is `scipy.stats.kurtosis` of those samples (Fisher, biased; NaN when the samples
//!    do not vary; computed in float32 for float32 images, as SciPy does);
//! 3. the samples become 1 where they are `>=` the voxel's own value, else 0, and are projected
//!    onto `scipy.special.sph_harm(m, n, theta, phi)` for `n < lbp3DLevels`, `-n <= m <= n`, with
//!    `theta = arccos(z / radius)` and `phi = arctan2(y, x)` of each vertex passed in SciPy's
//!    argument order (SciPy's `theta` is the azimuth: the polar angle ends up as the azimuth);
//! 4. `lbp-3D-m<n+1>` is the real part of the complex square root of `Σ_v (Σ_m c_mn Y_mn(v))²`
//!    (numpy squares the complex values, not their moduli).
//!
//! Summation orders follow numpy's (pairwise along a contiguous last axis, in order otherwise),
//! complex products are fused as in numpy's SIMD loops and `arccos` is the correctly rounded
//! one (glibc's) so that the values match PyRadiomics' to the bit. That matters: the
//! `RobustMeanAbsoluteDeviation` of the `lbp-3D-m<n>` images selects the voxels between the 10th
//! and 90th percentiles, and voxels whose values agree mathematically sit on those percentiles,
//! so one unit in the last place moves whole groups in or out (numpy's AVX-512 `arccos`, one
//! unit off for some vertices, changes brain1's by 2e-3 relative).
//!
//! PyRadiomics writes the values into an uninitialised array: voxels outside the ROI hold
//! whatever memory held. Features only read ROI voxels, so here they are 0.
//!
//! `lbp3DLevels` below 2 makes PyRadiomics fail (its harmonics table is then one-dimensional):
//! an error here too.

use crate::error::param;
use crate::FeatureError;
use perirad_core::{DType, Mask, Volume};
use rayon::prelude::*;

/// trimesh's icosahedron (`resources/templates/creation.json`): vertices and faces.
const ICOSAHEDRON_VERTICES: [[f64; 3]; 12] = [
    [-0.5257311121191336, 0.85065080835204, 0.0],
    [0.5257311121191336, 0.85065080835204, 0.0],
    [-0.5257311121191336, -0.85065080835204, 0.0],
    [0.5257311121191336, -0.85065080835204, 0.0],
    [0.0, -0.5257311121191336, 0.85065080835204],
    [0.0, 0.5257311121191336, 0.85065080835204],
    [0.0, -0.5257311121191336, -0.85065080835204],
    [0.0, 0.5257311121191336, -0.85065080835204],
    [0.85065080835204, 0.0, -0.5257311121191336],
    [0.85065080835204, 0.0, 0.5257311121191336],
    [-0.85065080835204, 0.0, -0.5257311121191336],
    [-0.85065080835204, 0.0, 0.5257311121191336],
];

const ICOSAHEDRON_FACES: [[usize; 3]; 20] = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
];

/// The vertices of trimesh's `creation.icosphere(subdivisions, radius)`, in trimesh's order: the
/// icosahedron's 12, then per subdivision the midpoints of the edges sorted by (larger, smaller)
/// vertex index, every vertex pushed onto the sphere after each subdivision (once if there is
/// none).
pub fn icosphere(subdivisions: u32, radius: f64) -> Vec<[f64; 3]> {
    let mut vertices = ICOSAHEDRON_VERTICES.to_vec();
    let mut faces = ICOSAHEDRON_FACES.to_vec();
    for _ in 0..subdivisions {
        (vertices, faces) = subdivide(&vertices, &faces);
        to_radius(&mut vertices, radius);
    }
    if subdivisions == 0 {
        to_radius(&mut vertices, radius);
    }
    vertices
}

/// `v + (v / |v|)·(radius - |v|)` for every vertex.
fn to_radius(vertices: &mut [[f64; 3]], radius: f64) {
    for v in vertices {
        let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let grow = radius - norm;
        for c in v.iter_mut() {
            *c += (*c / norm) * grow;
        }
    }
}

/// trimesh's `remesh.subdivide` of every face: one midpoint per edge, four faces per face.
fn subdivide(vertices: &[[f64; 3]], faces: &[[usize; 3]]) -> (Vec<[f64; 3]>, Vec<[usize; 3]>) {
    let edges: Vec<(usize, usize)> = faces
        .iter()
        .flat_map(|f| [(f[0], f[1]), (f[1], f[2]), (f[2], f[0])])
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    // trimesh hashes the sorted rows as (larger << 32) | smaller and keeps numpy.unique's order.
    let mut unique: Vec<(usize, usize)> = edges.clone();
    unique.sort_by_key(|&(a, b)| (b, a));
    unique.dedup();
    let n = vertices.len();
    let mut out = vertices.to_vec();
    out.extend(unique.iter().map(|&(a, b)| {
        let (p, q) = (vertices[a], vertices[b]);
        [
            (p[0] + q[0]) / 2.0,
            (p[1] + q[1]) / 2.0,
            (p[2] + q[2]) / 2.0,
        ]
    }));
    let mid = |e: (usize, usize)| {
        n + unique
            .binary_search_by_key(&(e.1, e.0), |&(a, b)| (b, a))
            .unwrap_or(0)
    };
    let new_faces = faces
        .iter()
        .zip(edges.chunks(3))
        .flat_map(|(f, e)| {
            let (m0, m1, m2) = (mid(e[0]), mid(e[1]), mid(e[2]));
            [[f[0], m0, m2], [m0, f[1], m1], [m2, m1, f[2]], [m0, m1, m2]]
        })
        .collect();
    (out, new_faces)
}

// ---- spherical harmonics (SciPy 1.14's `sph_harm`) -----------------------------------------------

/// `scipy.special.sph_harm(m, n, theta, phi)` for integer `|m| <= n` (SciPy's convention: `theta`
/// the azimuthal angle, `phi` the polar one), as (real, imaginary).
pub fn sph_harm(m: i64, n: i64, theta: f64, phi: f64) -> (f64, f64) {
    let m_abs = m.abs();
    if n < 0 || m_abs > n {
        return (if n < 0 { f64::NAN } else { 0.0 }, 0.0);
    }
    let mut val = lpmv(m_abs, n, phi.cos());
    if m < 0 {
        let sign = if m_abs % 2 == 0 { 1.0 } else { -1.0 };
        val *= sign * poch_int((n + m_abs + 1) as f64, -2 * m_abs);
    }
    val *= ((2 * n + 1) as f64 * poch_int((n + m + 1) as f64, -2 * m)
        / (4.0 * std::f64::consts::PI))
        .sqrt();
    let angle = m as f64 * theta;
    // glibc's cexp(i·angle): sin and cos unless the angle is below the smallest normal.
    let (s, c) = if angle.abs() > f64::MIN_POSITIVE {
        (angle.sin(), angle.cos())
    } else {
        (angle, 1.0)
    };
    (val * c, val * s)
}

/// cephes' `poch(a, m) = Γ(a + m) / Γ(a)` for an integer `m`, by its recurrences.
fn poch_int(a: f64, m: i64) -> f64 {
    let mut r = 1.0;
    let mut m = m as f64;
    while m >= 1.0 {
        if a + m == 1.0 {
            break;
        }
        m -= 1.0;
        r *= a + m;
        if !r.is_finite() || r == 0.0 {
            break;
        }
    }
    while m <= -1.0 {
        if a + m == 0.0 {
            break;
        }
        r /= a + m;
        m += 1.0;
        if !r.is_finite() || r == 0.0 {
            break;
        }
    }
    r
}

/// specfun's `lpmv` (associated Legendre function with the Condon-Shortley phase) for integer
/// order `0 <= m` and integer degree `v >= 0`: `lpmv0`, by up-recursion on the degree above 2.
fn lpmv(m: i64, v: i64, x: f64) -> f64 {
    if v > 2 && v > m {
        let mut p0 = lpmv0(m, m, x);
        let mut p1 = lpmv0(m + 1, m, x);
        let mut pmv = p1;
        for j in (m + 2)..=v {
            let j = j as f64;
            let mf = m as f64;
            pmv = ((2.0 * j - 1.0) * x * p1 - (j - 1.0 + mf) * p0) / (j - mf);
            p0 = p1;
            p1 = pmv;
        }
        pmv
    } else {
        lpmv0(v, m, x)
    }
}

/// specfun's `lpmv0` for an integer degree `nv` (its terminating hypergeometric series).
fn lpmv0(nv: i64, m: i64, x: f64) -> f64 {
    let v = nv as f64;
    let mut c0 = 1.0;
    if m != 0 {
        let mut rg = v * (v + m as f64);
        for j in 1..m {
            rg *= v * v - (j * j) as f64;
        }
        let xq = (1.0 - x * x).sqrt();
        let mut r0 = 1.0;
        for j in 1..=m {
            r0 = 0.5 * r0 * xq / j as f64;
        }
        c0 = r0 * rg;
    }
    let mut pmv = 1.0;
    let mut r = 1.0;
    for k in 1..=(nv - m) {
        r = 0.5 * r * ((-nv + m + k) as f64 - 1.0) * ((nv + m + k) as f64) / ((k * (k + m)) as f64)
            * (1.0 + x);
        pmv += r;
    }
    let sign = if nv % 2 == 0 { 1.0 } else { -1.0 };
    sign * c0 * pmv
}

// ---- cubic B-spline interpolation (SciPy 1.14's `map_coordinates`) -----------------------------

/// The cubic spline pole `sqrt(3) - 2`.
const POLE: f64 = -0.267_949_192_431_122_7;

/// `scipy.ndimage.spline_filter(order=3, mode='constant')` in place on `data`, an array of
/// numpy shape `dims` (C order): the 1D filter along numpy axes 0, 1, 2 in turn, with the mirror
/// initialisation SciPy uses for `constant`; axes of one voxel are left alone.
fn spline_filter(data: &mut [f64], dims: [usize; 3]) {
    let [n0, n1, n2] = dims;
    let plane = n1 * n2;
    if plane == 0 || n0 == 0 {
        return;
    }
    // Axis 0: lines across planes, handled plane-row by plane-row (the same arithmetic per line).
    filter_rows(data, n0, plane);
    // Axis 1: within every plane, rows of n2.
    data.par_chunks_mut(plane)
        .for_each(|p| filter_rows(p, n1, n2));
    // Axis 2: contiguous lines.
    data.par_chunks_mut(n2).for_each(|l| filter_rows(l, n2, 1));
}

/// SciPy's `apply_filter` for the cubic pole on `width` interleaved lines of length `n`: element
/// `i` of line `j` is `data[i * width + j]`. Every line gets exactly SciPy's per-line arithmetic.
fn filter_rows(data: &mut [f64], n: usize, width: usize) {
    if n < 2 {
        return;
    }
    let z = POLE;
    let gain = 1.0 * ((1.0 - z) * (1.0 - 1.0 / z));
    for c in data.iter_mut() {
        *c *= gain;
    }
    // Causal initialisation (mirror): c0 = (c0 + z^(n-1)·c[n-1] + Σ z^i (c[i] + z^(n-1) c[n-1-i]))
    // / (1 - z^(2n-2)).
    let z_n_1 = z.powf((n - 1) as f64);
    {
        let (first, rest) = data.split_at_mut(width);
        let row = |i: usize| &rest[(i - 1) * width..i * width];
        let last = row(n - 1);
        for (c0, &cl) in first.iter_mut().zip(last) {
            *c0 += z_n_1 * cl;
        }
        let mut z_i = z;
        for i in 1..n - 1 {
            let (a, b) = (row(i), row(n - 1 - i));
            for ((c0, &ci), &cm) in first.iter_mut().zip(a).zip(b) {
                *c0 += z_i * (ci + z_n_1 * cm);
            }
            z_i *= z;
        }
        let denom = 1.0 - z_n_1 * z_n_1;
        for c0 in first.iter_mut() {
            *c0 /= denom;
        }
    }
    for i in 1..n {
        let (before, after) = data.split_at_mut(i * width);
        let prev = &before[(i - 1) * width..];
        for (c, &p) in after[..width].iter_mut().zip(prev) {
            *c += z * p;
        }
    }
    // Anticausal initialisation (mirror) and backward pass.
    {
        let (before, last) = data.split_at_mut((n - 1) * width);
        let prev = &before[(n - 2) * width..];
        for (c, &p) in last.iter_mut().zip(prev) {
            *c = (z * p + *c) * z / (z * z - 1.0);
        }
    }
    for i in (0..n - 1).rev() {
        let (before, after) = data.split_at_mut((i + 1) * width);
        let cur = &mut before[i * width..];
        for (c, &nx) in cur.iter_mut().zip(&after[..width]) {
            *c = z * (nx - *c);
        }
    }
}

/// SciPy's mirror mapping of an integer index onto `0..len`.
fn mirror(index: i64, len: usize) -> usize {
    let len = len as i64;
    if len <= 1 {
        return 0;
    }
    let sz2 = 2 * len - 2;
    let mut i = index;
    if i < 0 {
        i += sz2 * (-i / sz2);
        i = if i <= 1 - len { i + sz2 } else { -i };
    } else if i > len - 1 {
        i -= sz2 * (i / sz2);
        if i >= len {
            i = sz2 - i;
        }
    }
    i as usize
}

/// SciPy's order-3 interpolation weights for the four coefficients from `floor(x) - 1`.
fn spline_weights(x: f64) -> [f64; 4] {
    let y = x - x.floor();
    let z = 1.0 - y;
    let w1 = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
    let w2 = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    let w0 = z * z * z / 6.0;
    let mut w3 = 1.0;
    w3 -= w0;
    w3 -= w1;
    w3 -= w2;
    [w0, w1, w2, w3]
}

/// `map_coordinates(order=3, mode='constant', cval=0)` at `point` (numpy axis order) from the
/// spline coefficients `coef` of numpy shape `dims`, before the cast to the output type.
fn interpolate(coef: &[f64], dims: [usize; 3], point: [f64; 3]) -> f64 {
    let mut index = [[0usize; 4]; 3];
    let mut weights = [[0.0; 4]; 3];
    for a in 0..3 {
        let cc = point[a];
        // Outside [0, n - 1] (or NaN) on any axis: the constant.
        if !(cc >= 0.0 && cc <= (dims[a] - 1) as f64) {
            return 0.0;
        }
        let start = cc.floor() as i64 - 1;
        for (l, slot) in index[a].iter_mut().enumerate() {
            *slot = mirror(start + l as i64, dims[a]);
        }
        weights[a] = spline_weights(cc);
    }
    let (s0, s1) = (dims[1] * dims[2], dims[2]);
    let mut t = 0.0;
    for i in 0..4 {
        for j in 0..4 {
            let base = index[0][i] * s0 + index[1][j] * s1;
            for k in 0..4 {
                t += coef[base + index[2][k]] * weights[0][i] * weights[1][j] * weights[2][k];
            }
        }
    }
    t
}

/// An interpolated value stored in numpy's `dtype` array by `map_coordinates`.
fn store(t: f64, dtype: DType) -> f64 {
    fn int(t: f64, min: f64, max: f64) -> f64 {
        let r = if t > 0.0 { t + 0.5 } else { t - 0.5 };
        r.clamp(min, max).trunc()
    }
    fn uint(t: f64, max: f64) -> f64 {
        let r = if t > 0.0 { t + 0.5 } else { 0.0 };
        r.min(max).trunc()
    }
    match dtype {
        DType::F64 => t,
        DType::F32 => f64::from(t as f32),
        DType::U8 => uint(t, 255.0),
        DType::U16 => uint(t, 65535.0),
        DType::U32 => uint(t, 4294967295.0),
        DType::U64 => uint(t, u64::MAX as f64),
        DType::I8 => int(t, -128.0, 127.0),
        DType::I16 => int(t, -32768.0, 32767.0),
        DType::I32 => int(t, -2147483648.0, 2147483647.0),
        DType::I64 => int(t, i64::MIN as f64, i64::MAX as f64),
    }
}

// ---- numpy reductions ----------------------------------------------------------------------------

/// numpy's pairwise summation (`DOUBLE_pairwise_sum`, `FLOAT_pairwise_sum`) of `a`, in the
/// arithmetic of `T` (f64 or f32); `neg_zero` is `-0.0` of that type (numpy's start value).
fn pairwise_sum<T>(a: &[T], neg_zero: T) -> T
where
    T: Copy + std::ops::Add<Output = T> + std::ops::AddAssign,
{
    let n = a.len();
    if n < 8 {
        let mut res = neg_zero;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0]; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[i..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2], neg_zero) + pairwise_sum(&a[n2..], neg_zero)
    }
}

/// `scipy.stats.kurtosis(samples)` (Fisher, biased) in float64: NaN when the second moment is
/// not above `(eps·mean)²`.
fn kurtosis(samples: &[f64]) -> f64 {
    let n = samples.len() as f64;
    let mean = pairwise_sum(samples, -0.0) / n;
    let squares: Vec<f64> = samples
        .iter()
        .map(|&s| {
            let d = s - mean;
            d * d
        })
        .collect();
    let m2 = pairwise_sum(&squares, -0.0) / n;
    let fourth: Vec<f64> = squares.iter().map(|&s| s * s).collect();
    let m4 = pairwise_sum(&fourth, -0.0) / n;
    let floor = f64::EPSILON * mean;
    if m2 <= floor * floor {
        return f64::NAN;
    }
    m4 / (m2 * m2) - 3.0
}

/// [`kurtosis`] of float32 samples, in float32 as SciPy computes it (numpy's means divide in
/// float64 and store float32).
fn kurtosis_f32(samples: &[f64]) -> f64 {
    let a: Vec<f32> = samples.iter().map(|&s| s as f32).collect();
    let n = a.len() as f64;
    let mean = (f64::from(pairwise_sum(&a, -0.0f32)) / n) as f32;
    let squares: Vec<f32> = a
        .iter()
        .map(|&s| {
            let d = s - mean;
            d * d
        })
        .collect();
    let m2 = (f64::from(pairwise_sum(&squares, -0.0f32)) / n) as f32;
    let fourth: Vec<f32> = squares.iter().map(|&s| s * s).collect();
    let m4 = (f64::from(pairwise_sum(&fourth, -0.0f32)) / n) as f32;
    let floor = f32::EPSILON * mean;
    if m2 <= floor * floor {
        return f64::NAN;
    }
    f64::from(m4 / (m2 * m2) - 3.0)
}

/// The real part of glibc's `csqrt(re + i·im)` for finite arguments of moderate size.
fn csqrt_re(re: f64, im: f64) -> f64 {
    if re.is_nan() || im.is_nan() {
        return f64::NAN;
    }
    if im == 0.0 {
        return if re < 0.0 { 0.0 } else { re.sqrt().abs() };
    }
    if re == 0.0 {
        return (0.5 * im.abs()).sqrt();
    }
    let d = re.hypot(im);
    if re > 0.0 {
        (0.5 * (d + re)).sqrt()
    } else {
        let s = (0.5 * (d - re)).sqrt();
        (0.5 * (im / s)).abs()
    }
}

// ---- the filter ------------------------------------------------------------------------------------

/// `getLBP3DImage` on `image` (voxel type `dtype`) for the ROI `mask`: the images
/// `lbp-3D-m1` ... `lbp-3D-m<levels>` and `lbp-3D-k`, 0 outside the ROI.
pub fn lbp_3d(
    image: &Volume<f64>,
    dtype: DType,
    mask: &Mask,
    levels: i64,
    radius: f64,
    subdivision: i64,
) -> Result<Vec<(String, Volume<f64>)>, FeatureError> {
    if levels < 2 {
        return Err(param(
            "lbp3DLevels",
            format!("PyRadiomics' LBP3D needs at least 2 levels (got {levels})"),
        ));
    }
    if radius.is_nan() || radius <= 0.0 {
        return Err(param(
            "lbp3DIcosphereRadius",
            format!("must be positive (got {radius})"),
        ));
    }
    let size = image.geometry().size();
    if mask.geometry().size() != size {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    let subdivision = u32::try_from(subdivision.max(0)).unwrap_or(u32::MAX);
    let vertices = icosphere(subdivision, radius);
    // Harmonics table: (m, n) = (0, 0), then n = 1.. with m = -n..=n; y[v][j].
    let mut degrees = vec![(0i64, 0i64)];
    for n in 1..levels {
        for m in -n..=n {
            degrees.push((m, n));
        }
    }
    let y: Vec<Vec<(f64, f64)>> = vertices
        .iter()
        .map(|v| {
            let theta = (v[2] / radius).acos();
            let phi = v[1].atan2(v[0]);
            degrees
                .iter()
                .map(|&(m, n)| sph_harm(m, n, theta, phi))
                .collect()
        })
        .collect();
    let levels = levels as usize;
    // Columns of each level in the table.
    let blocks: Vec<std::ops::Range<usize>> = (0..levels)
        .map(|n| {
            if n == 0 {
                0..1
            } else {
                n * n..(n + 1) * (n + 1)
            }
        })
        .collect();

    // Spline coefficients of the whole image, numpy shape (z, y, x) = our data layout.
    let dims = [size[2], size[1], size[0]];
    let mut coef = image.data().to_vec();
    spline_filter(&mut coef, dims);

    let roi: Vec<usize> = mask
        .data()
        .iter()
        .enumerate()
        .filter_map(|(i, &m)| m.then_some(i))
        .collect();
    let data = image.data();
    let per_voxel: Vec<(Vec<f64>, f64)> = roi
        .par_iter()
        .map(|&l| {
            let (x, yy, z) = (
                l % size[0],
                (l / size[0]) % size[1],
                l / (size[0] * size[1]),
            );
            let centre = data[l];
            let samples: Vec<f64> = vertices
                .iter()
                .map(|v| {
                    let p = [z as f64 + v[0], yy as f64 + v[1], x as f64 + v[2]];
                    store(interpolate(&coef, dims, p), dtype)
                })
                .collect();
            let k = if dtype == DType::F32 {
                kurtosis_f32(&samples)
            } else {
                kurtosis(&samples)
            };
            // c_j = Σ_v [sample_v >= centre]·Y_j(v), summed over the vertices in order.
            let mut c = vec![(0.0, 0.0); degrees.len()];
            for (s, yv) in samples.iter().zip(&y) {
                if *s >= centre {
                    for (cj, &(re, im)) in c.iter_mut().zip(yv) {
                        cj.0 += re;
                        cj.1 += im;
                    }
                }
            }
            let values = blocks
                .iter()
                .map(|b| {
                    let (mut sr, mut si) = (0.0, 0.0);
                    for yv in &y {
                        // Σ_m c_mn·Y_mn(v): numpy's product array has the m axis outermost in
                        // memory (boolean indexing of the last axis), so the sum runs in order.
                        let (mut fr, mut fi) = cmul(c[b.start], yv[b.start]);
                        for j in b.start + 1..b.end {
                            let (tr, ti) = cmul(c[j], yv[j]);
                            fr += tr;
                            fi += ti;
                        }
                        // numpy's complex square, summed over the vertices in order.
                        let (qr, qi) = cmul((fr, fi), (fr, fi));
                        sr += qr;
                        si += qi;
                    }
                    csqrt_re(sr, si)
                })
                .collect();
            (values, k)
        })
        .collect();

    let mut out = Vec::with_capacity(levels + 1);
    for level in 0..levels {
        let mut v = image.map(|_| 0.0);
        for (&l, (values, _)) in roi.iter().zip(&per_voxel) {
            v.data_mut()[l] = values[level];
        }
        out.push((format!("lbp-3D-m{}", level + 1), v));
    }
    let mut v = image.map(|_| 0.0);
    for (&l, (_, k)) in roi.iter().zip(&per_voxel) {
        v.data_mut()[l] = *k;
    }
    out.push(("lbp-3D-k".to_string(), v));
    Ok(out)
}

/// numpy 2's complex product (and square) on x86-64 with FMA, as its SIMD loops compute it:
/// `re = fma(a.re, b.re, -(a.im·b.im))`, `im = fma(a.re, b.im, a.im·b.re)`. `mul_add` is a
/// correctly rounded fused multiply-add with or without the FMA instructions.
fn cmul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0.mul_add(b.0, -(a.1 * b.1)), a.0.mul_add(b.1, a.1 * b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_matches_scipy() {
        assert_eq!(mirror(-1, 5), 1);
        assert_eq!(mirror(5, 5), 3);
        assert_eq!(mirror(6, 5), 2);
        assert_eq!(mirror(-1, 2), 1);
        assert_eq!(mirror(2, 2), 0);
        assert_eq!(mirror(-3, 1), 0);
    }

    #[test]
    fn pairwise_sums_agree_with_plain_sums_on_integers() {
        let a: Vec<f64> = (0..300).map(|i| (i * 7 % 13) as f64).collect();
        for n in [0, 3, 8, 42, 129, 300] {
            let want: f64 = a[..n].iter().sum();
            assert_eq!(pairwise_sum(&a[..n], -0.0), want);
        }
    }

    #[test]
    fn low_degree_harmonics() {
        let (theta, phi) = (0.3, 1.1);
        let y00 = sph_harm(0, 0, theta, phi);
        assert!((y00.0 - 0.5 / std::f64::consts::PI.sqrt()).abs() < 1e-15);
        let y10 = sph_harm(0, 1, theta, phi);
        let want = (3.0 / (4.0 * std::f64::consts::PI)).sqrt() * phi.cos();
        assert!((y10.0 - want).abs() < 1e-15 && y10.1 == 0.0);
        // Y_1^{-1} = -conj(Y_1^1).
        let (p, q) = (sph_harm(1, 1, theta, phi), sph_harm(-1, 1, theta, phi));
        assert!((p.0 + q.0).abs() < 1e-15 && (p.1 - q.1).abs() < 1e-15);
        // Degree 3 through the up-recursion: P_3^1(x) = -1.5 (5x² - 1) sqrt(1 - x²).
        let x = phi.cos();
        let p31 = -1.5 * (5.0 * x * x - 1.0) * (1.0 - x * x).sqrt();
        assert!((lpmv(1, 3, x) - p31).abs() < 1e-14);
    }
}
