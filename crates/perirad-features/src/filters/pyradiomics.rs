//! PyRadiomics 3.1's derived image types (`imageoperations.get<Type>Image`), computed as
//! PyRadiomics and the SimpleITK filters it calls compute them:
//!
//! * `LoG`: SimpleITK's `LaplacianRecursiveGaussianImageFilter` with `NormalizeAcrossScale` on,
//!   for every `sigma` (mm): ITK's recursive (Deriche) Gaussian of order 2 along one axis and of
//!   order 0 along the two others, summed over the three axes with the 1/spacing² factor; every
//!   intermediate image is float32 as in ITK (the arithmetic of each line is in f64), and so is the
//!   output. PyRadiomics' size checks are kept: no LoG image at all when an axis has fewer than 4
//!   voxels, and a sigma is skipped (with a warning) unless every axis has at least
//!   `ceil(sigma / spacing) + 1` voxels. Names `log-sigma-<str(sigma) with . → ->-mm-3D`.
//! * `Square`, `SquareRoot`, `Logarithm`, `Exponential`: PyRadiomics' numpy formulas on the
//!   image as float64 (float64 output), scaled by the largest absolute intensity.
//! * `Gradient`: SimpleITK's `GradientMagnitudeImageFilter` (central differences, edge voxels
//!   repeated outside the image, divided by the spacing unless `gradientUseSpacing: false`);
//!   float32 output.
//! * `LBP2D`: scikit-image 0.26's `local_binary_pattern` on every slice across
//!   `force2Ddimension`, the codes stored in the image's own voxel type.
//!
//! * `LBP3D`: [`super::lbp3d`] (PyRadiomics' spherical-harmonics LBP with SciPy's cubic spline
//!   sampling), on the ROI voxels only (0 elsewhere); float64 output (float32-rounded kurtosis for
//!   float32 images), the samples stored in `dtype` as `map_coordinates` does.
//!
//! Not here: `Wavelet` (its own module).
//!
//! The filters work on the whole image they are given (PyRadiomics filters before cropping to
//! the ROI). Results do not depend on the number of threads: every image line is computed on
//! its own, in a fixed order.

use crate::error::param;
use crate::pyradiomics::LbpMethod;
use crate::{FeatureError, ImageType, Settings};
use perirad_core::{BoundingBox, DType, Mask, Volume};
use rayon::prelude::*;
use std::cell::Cell;
use std::ops::Range;

/// The derived images of one image type, with PyRadiomics' image type names (`original`,
/// `log-sigma-1-0-mm-3D`, `square`, ...), and the warnings PyRadiomics would log for what it
/// skipped.
#[derive(Debug, Clone, Default)]
pub struct Filtered {
    pub images: Vec<(String, Volume<f64>)>,
    pub warnings: Vec<String>,
}

/// The images PyRadiomics derives from `image` for `image_type`, with `settings` the `setting`
/// section merged with the image type's own settings (see [`Settings::overlaid`]). `dtype` is the
/// voxel type SimpleITK holds the image in, `mask` the ROI on the image grid.
///
/// Voxel types of the results (their values are exactly representable in them): float32 for
/// `LoG` and `Gradient`, float64 for `Square`, `SquareRoot`, `Logarithm` and `Exponential`,
/// `dtype` for `Original` and `LBP2D` (PyRadiomics writes the LBP codes back into the image's
/// own array), float64 for the `LBP3D` images (`lbp-3D-m1` ... `lbp-3D-m<lbp3DLevels>`,
/// `lbp-3D-k`; ROI voxels only, 0 elsewhere). ITK computes in f64 whatever the input voxel
/// type, so only `LBP2D` and `LBP3D` (whose samples are stored in `dtype`) depend on `dtype`.
pub fn filtered_images(
    image_type: ImageType,
    image: &Volume<f64>,
    dtype: DType,
    mask: &Mask,
    settings: &Settings,
) -> Result<Filtered, FeatureError> {
    if image.geometry().size() != mask.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    let one = |name: &str, v: Volume<f64>| Filtered {
        images: vec![(name.to_string(), v)],
        warnings: Vec::new(),
    };
    Ok(match image_type {
        ImageType::Original => one("original", image.clone()),
        ImageType::LoG => {
            let whole = BoundingBox {
                lower: [0; 3],
                upper: image.geometry().size(),
            };
            log_images(
                image,
                settings.sigma.as_deref().unwrap_or(&[]),
                &whole,
                &whole,
            )?
        }
        ImageType::Square => one("square", square(image)),
        ImageType::SquareRoot => one("squareroot", square_root(image)),
        ImageType::Logarithm => one("logarithm", logarithm(image)),
        ImageType::Exponential => one("exponential", exponential(image)),
        ImageType::Gradient => one(
            "gradient",
            gradient_magnitude(image, settings.gradient_use_spacing.unwrap_or(true)),
        ),
        ImageType::Lbp2D => {
            let mut f = one("lbp-2D", lbp_2d(image, dtype, settings));
            if settings.force_2d != Some(true) {
                f.warnings.push(
                    "LBP2D: calculating Local Binary Pattern in 2D, but extracting features in \
                     3D. Use with caution!"
                        .into(),
                );
            }
            f
        }
        ImageType::Lbp3D => {
            let images = super::lbp3d::lbp_3d(
                image,
                dtype,
                mask,
                settings.lbp_3d_levels.unwrap_or(2),
                settings.lbp_3d_icosphere_radius.unwrap_or(1.0),
                settings.lbp_3d_icosphere_subdivision.unwrap_or(1),
            )?;
            let mut warnings = Vec::new();
            if settings.force_2d == Some(true) {
                warnings.push(
                    "LBP3D: calculating Local Binary Pattern in 3D, but extracting features in \
                     2D. Use with caution!"
                        .into(),
                );
            }
            Filtered { images, warnings }
        }
        ImageType::Wavelet => {
            return Err(param(
                "imageType",
                format!(
                    "{} is not computed by filters::pyradiomics",
                    image_type.name()
                ),
            ))
        }
    })
}

// ---- numpy formulas ---------------------------------------------------------------------------

/// `max(abs(im))` over the whole image (NaN if the image holds one, as numpy).
fn max_abs(v: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &x in v {
        let a = x.abs();
        if a.is_nan() {
            return f64::NAN;
        }
        if a > m {
            m = a;
        }
    }
    m
}

/// `getSquareImage`: `(im / sqrt(max|im|))²` with the factor computed as `1 / sqrt(max|im|)`.
pub fn square(image: &Volume<f64>) -> Volume<f64> {
    let coeff = 1.0 / max_abs(image.data()).sqrt();
    image.map(|&x| {
        let y = coeff * x;
        y * y
    })
}

/// `getSquareRootImage`: `sign(x)·sqrt(|x|·max|im|)`, zeros kept.
pub fn square_root(image: &Volume<f64>) -> Volume<f64> {
    let coeff = max_abs(image.data());
    image.map(|&x| {
        if x > 0.0 {
            (x * coeff).sqrt()
        } else if x < 0.0 {
            -((-x) * coeff).sqrt()
        } else {
            x
        }
    })
}

/// `getLogarithmImage`: `sign(x)·log(|x| + 1)`, rescaled so that the largest absolute value is
/// the original one.
pub fn logarithm(image: &Volume<f64>) -> Volume<f64> {
    let im_max = max_abs(image.data());
    let logged = image.map(|&x| {
        if x > 0.0 {
            (x + 1.0).ln()
        } else if x < 0.0 {
            -(-(x - 1.0)).ln()
        } else {
            x
        }
    });
    let factor = im_max / max_abs(logged.data());
    logged.map(|&y| y * factor)
}

/// `getExponentialImage`: `exp(x·log(max|im|)/max|im|)`.
pub fn exponential(image: &Volume<f64>) -> Volume<f64> {
    let im_max = max_abs(image.data());
    let coeff = im_max.ln() / im_max;
    image.map(|&x| (coeff * x).exp())
}

// ---- gradient magnitude ------------------------------------------------------------------------

/// SimpleITK's `GradientMagnitude`: per axis, `(x[i-1] - x[i+1]) / (2·spacing)` (the edge voxel
/// stands in for its missing neighbour), the root of the sum of squares over x, y, z in that
/// order, in f64, stored as float32.
pub fn gradient_magnitude(image: &Volume<f64>, use_spacing: bool) -> Volume<f64> {
    let g = image.geometry();
    let size = g.size();
    let spacing = g.spacing();
    // ITK's first-derivative operator [0.5, 0, -0.5], scaled by 1 / spacing.
    let c: [f64; 3] = std::array::from_fn(|a| {
        if use_spacing {
            0.5 * (1.0 / spacing[a])
        } else {
            0.5
        }
    });
    let data = image.data();
    let strides = [1, size[0], size[0] * size[1]];
    let slice_len = size[0] * size[1];
    let mut out = vec![0.0; data.len()];
    out.par_chunks_mut(slice_len.max(1))
        .enumerate()
        .for_each(|(k, slice)| {
            for j in 0..size[1] {
                for i in 0..size[0] {
                    let idx = [i, j, k];
                    let l = i + size[0] * (j + size[1] * k);
                    let mut sum = 0.0;
                    for a in 0..3 {
                        let before = if idx[a] > 0 { l - strides[a] } else { l };
                        let after = if idx[a] + 1 < size[a] {
                            l + strides[a]
                        } else {
                            l
                        };
                        let d = c[a] * data[before] + 0.0 * data[l] + (-c[a]) * data[after];
                        sum += d * d;
                    }
                    slice[i + size[0] * j] = f64::from(sum.sqrt() as f32);
                }
            }
        });
    volume_like(image, out)
}

/// `data` (one value per voxel of `image`) on `image`'s geometry, without copying it.
fn volume_like(image: &Volume<f64>, data: Vec<f64>) -> Volume<f64> {
    Volume::new(image.geometry().clone(), data)
        // Every caller passes one value per voxel; were it not so, NaN rather than a panic.
        .unwrap_or_else(|_| Volume::filled(image.geometry().clone(), f64::NAN))
}

// ---- local binary patterns (2D) -----------------------------------------------------------------

/// `getLBP2DImage`: scikit-image's `local_binary_pattern` on every slice across numpy axis
/// `force2Ddimension` (0: z, 1: y, 2: x; a single-slice image is one 2D image), with
/// `lbp2DSamples` points (default 8) on a circle of `lbp2DRadius` (default 1) and `lbp2DMethod`
/// (default uniform); the codes are then stored in the image's voxel type as numpy's assignment
/// does (truncated towards zero for integer types, NaN becoming 0).
pub fn lbp_2d(image: &Volume<f64>, dtype: DType, settings: &Settings) -> Volume<f64> {
    let size = image.geometry().size();
    let axis = if image.geometry().is_2d() {
        0
    } else {
        settings.force_2d_dimension.unwrap_or(0).clamp(0, 2) as usize
    };
    let samples = settings.lbp_2d_samples.unwrap_or(8).max(0) as usize;
    let radius = settings.lbp_2d_radius.unwrap_or(1.0);
    let method = settings.lbp_2d_method.unwrap_or(LbpMethod::Uniform);
    // (rows, cols) of the 2D images as (x, y, z) axes, and the axis the slices run along.
    let (slice_axis, row_axis, col_axis) = match axis {
        0 => (2, 1, 0),
        1 => (1, 2, 0),
        _ => (0, 1, 2),
    };
    let strides = [1, size[0], size[0] * size[1]];
    let (rows, cols) = (size[row_axis], size[col_axis]);
    let lbp = Lbp2d::new(samples, radius, method);
    let slices: Vec<Vec<f64>> = (0..size[slice_axis])
        .into_par_iter()
        .map(|s| {
            let base = s * strides[slice_axis];
            let plane: Vec<f64> = (0..rows * cols)
                .map(|p| {
                    let (r, c) = (p / cols, p % cols);
                    image.data()[base + r * strides[row_axis] + c * strides[col_axis]]
                })
                .collect();
            lbp.image(&plane, rows, cols)
        })
        .collect();
    let mut out = vec![0.0; image.data().len()];
    for (s, codes) in slices.iter().enumerate() {
        let base = s * strides[slice_axis];
        for (p, &code) in codes.iter().enumerate() {
            let (r, c) = (p / cols, p % cols);
            out[base + r * strides[row_axis] + c * strides[col_axis]] = store_as(code, dtype);
        }
    }
    volume_like(image, out)
}

/// `code` assigned into a numpy array of `dtype`.
fn store_as(code: f64, dtype: DType) -> f64 {
    match dtype {
        DType::F64 => code,
        DType::F32 => f64::from(code as f32),
        _ if code.is_nan() => 0.0,
        _ => code.trunc(),
    }
}

/// scikit-image 0.26's LBP operator (`local_binary_pattern`, the version PyRadiomics' reference
/// environment runs): sampling offsets and method.
struct Lbp2d {
    /// (row, column) offsets of the samples, rounded to 5 decimals.
    offsets: Vec<(f64, f64)>,
    method: LbpMethod,
}

impl Lbp2d {
    fn new(samples: usize, radius: f64, method: LbpMethod) -> Lbp2d {
        let round5 = |v: f64| (v * 1e5).round_ties_even() / 1e5;
        let offsets = (0..samples)
            .map(|i| {
                let angle = 2.0 * std::f64::consts::PI * i as f64 / samples as f64;
                (round5(-radius * angle.sin()), round5(radius * angle.cos()))
            })
            .collect();
        Lbp2d { offsets, method }
    }

    /// The codes of a `rows` × `cols` image (row-major).
    fn image(&self, plane: &[f64], rows: usize, cols: usize) -> Vec<f64> {
        let p = self.offsets.len();
        let pixel = |r: f64, c: f64| -> f64 {
            if r < 0.0 || c < 0.0 || r >= rows as f64 || c >= cols as f64 {
                0.0
            } else {
                plane[r as usize * cols + c as usize]
            }
        };
        let mut texture = vec![0.0; p];
        let mut signs = vec![0u32; p];
        let mut out = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                let centre = plane[r * cols + c];
                for (t, &(dr, dc)) in texture.iter_mut().zip(&self.offsets) {
                    // Bilinear interpolation with zeros outside the image.
                    let (y, x) = (r as f64 + dr, c as f64 + dc);
                    let (y0, x0, y1, x1) = (y.floor(), x.floor(), y.ceil(), x.ceil());
                    let (fy, fx) = (y - y0, x - x0);
                    let top = (1.0 - fx) * pixel(y0, x0) + fx * pixel(y0, x1);
                    let bottom = (1.0 - fx) * pixel(y1, x0) + fx * pixel(y1, x1);
                    *t = (1.0 - fy) * top + fy * bottom;
                }
                for (s, &t) in signs.iter_mut().zip(&texture) {
                    *s = u32::from(t - centre >= 0.0);
                }
                out.push(self.code(&signs, &texture));
            }
        }
        out
    }

    fn code(&self, signs: &[u32], texture: &[f64]) -> f64 {
        let p = signs.len();
        match self.method {
            // scikit-image 0.26: the variance of the samples (population), NaN when 0.
            LbpMethod::Var => {
                let (mut sum, mut squares) = (0.0, 0.0);
                for &t in texture {
                    sum += t;
                    squares += t * t;
                }
                let n = p as f64;
                let var = (squares - (sum * sum) / n) / n;
                if var != 0.0 {
                    var
                } else {
                    f64::NAN
                }
            }
            LbpMethod::Uniform => {
                // Transitions along the open chain of samples (scikit-image does not close it).
                let changes: u32 = signs.windows(2).map(|w| w[0].abs_diff(w[1])).sum();
                if changes <= 2 {
                    signs.iter().sum::<u32>() as f64
                } else {
                    (p + 1) as f64
                }
            }
            LbpMethod::Default | LbpMethod::Ror => {
                let value: u64 = signs
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| u64::from(s) << i)
                    .sum();
                if self.method == LbpMethod::Default || p == 0 {
                    return value as f64;
                }
                // Smallest right rotation of the P-bit pattern.
                let mut best = value;
                let mut v = value;
                for _ in 1..p {
                    v = (v >> 1) | ((v & 1) << (p - 1));
                    best = best.min(v);
                }
                best as f64
            }
        }
    }
}

// ---- Laplacian of Gaussian ---------------------------------------------------------------------

/// `LoG` as [`filtered_images`] computes it for the box `support` of `image` (as if `image`
/// had been cropped to it: `settings.sigma`, PyRadiomics' size checks and warnings on the box),
/// each image computed only inside `keep` (a box of `image` within `support`) and returned on
/// `keep`'s geometry: bit for bit the box's response cropped to `keep`. Every image line is
/// still filtered whole, but each pass keeps only the lines that cross `keep` along the axes
/// already filtered, so the passes after the first one of each term read less; the first ones
/// read the box's lines where they lie in `image`.
pub fn log_images_in(
    image: &Volume<f64>,
    settings: &Settings,
    support: &BoundingBox,
    keep: &BoundingBox,
) -> Result<Filtered, FeatureError> {
    log_images(
        image,
        settings.sigma.as_deref().unwrap_or(&[]),
        support,
        keep,
    )
}

/// `getLoGImage` of the box `support` of `image`: one image per valid sigma, with PyRadiomics'
/// size checks, inside `keep` (on its geometry).
fn log_images(
    image: &Volume<f64>,
    sigmas: &[f64],
    support: &BoundingBox,
    keep: &BoundingBox,
) -> Result<Filtered, FeatureError> {
    let mut out = Filtered::default();
    let g = image.geometry();
    let size = support.size();
    let spacing = g.spacing();
    if size.iter().any(|&n| n < 4) {
        out.warnings.push(format!(
            "LoG: image too small to apply the LoG filter (size {size:?}): skipped"
        ));
        return Ok(out);
    }
    let crop = |e: perirad_core::CoreError| param("LoG", e.to_string());
    support.check_within(g.size()).map_err(crop)?;
    let inside =
        (0..3).all(|a| support.lower[a] <= keep.lower[a] && keep.upper[a] <= support.upper[a]);
    if !inside {
        return Err(param(
            "LoG",
            "the box to keep is not inside the filtered box",
        ));
    }
    let geometry = g.cropped(keep).map_err(crop)?;
    let keep: [Range<usize>; 3] =
        std::array::from_fn(|a| keep.lower[a] - support.lower[a]..keep.upper[a] - support.lower[a]);
    for &sigma in sigmas {
        if sigma.is_nan() || sigma <= 0.0 {
            out.warnings.push(format!(
                "LoG: sigma must be greater than 0.0 ({sigma}): skipped"
            ));
            continue;
        }
        if !(0..3).all(|a| size[a] as f64 >= (sigma / spacing[a]).ceil() + 1.0) {
            out.warnings.push(format!(
                "LoG: sigma ({sigma}) / spacing ({spacing:?}) + 1 must not exceed the image size \
                 ({size:?}): skipped"
            ));
            continue;
        }
        let name = format!(
            "log-sigma-{}-mm-3D",
            python_float_str(sigma).replace('.', "-")
        );
        let data = log_kept(image, sigma, support, &keep)
            .into_iter()
            .map(f64::from)
            .collect();
        let v = Volume::new(geometry.clone(), data).map_err(crop)?;
        out.images.push((name, v));
    }
    Ok(out)
}

/// Python's `str(float)`: the shortest round-trip digits, positional for decimal exponents in
/// [-4, 16), scientific (`1e-05`, `1.5e+16`) otherwise, and `.0` after integral values.
pub fn python_float_str(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if x == 0.0 || (-4..16).contains(&exp) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// ITK's `LaplacianRecursiveGaussianImageFilter` with `NormalizeAcrossScale` on: for each axis
/// d, the order-2 recursive Gaussian along d (from the input, in f64) followed by the order-0
/// ones along the two other axes in increasing order (float32 images in between), accumulated
/// as `float32(sum + term / spacing_d²)`.
pub fn laplacian_of_gaussian(image: &Volume<f64>, sigma: f64) -> Volume<f64> {
    let size = image.geometry().size();
    let whole = BoundingBox {
        lower: [0; 3],
        upper: size,
    };
    let data = log_kept(image, sigma, &whole, &size.map(|n| 0..n));
    volume_like(image, data.into_iter().map(f64::from).collect())
}

/// `laplacian_of_gaussian` of the box `support` of `image` (as if `image` had been cropped to
/// it), at the voxels of `keep` only (ranges along each axis of the box; x fastest), float32.
/// Each pass filters whole lines but writes only the part of them inside `keep`, so that the
/// next pass, along another axis, only filters the lines that cross `keep` along the axes done
/// so far; a line's arithmetic does not depend on which other lines are filtered.
fn log_kept(
    image: &Volume<f64>,
    sigma: f64,
    support: &BoundingBox,
    keep: &[Range<usize>; 3],
) -> Vec<f32> {
    let g = image.geometry();
    let full = g.size();
    let size = support.size();
    let spacing = g.spacing();
    let n: usize = keep.iter().map(|r| r.len()).product();
    if size.contains(&0) || n == 0 || support.check_within(full).is_err() {
        return vec![0.0; n];
    }
    // The sum, and each term filtered back and forth between `term` and `next` (both only ever
    // shrink within a term, and are written whole by each pass).
    let mut sum = vec![0.0f32; n];
    let (mut term, mut next) = (Vec::new(), Vec::new());
    for d in 0..3 {
        let second = Deriche::new(sigma, spacing[d], Order::Second);
        let mut dims = size;
        filter_box_axis(
            image.data(),
            full,
            support,
            d,
            &second,
            keep[d].clone(),
            &mut term,
        );
        dims[d] = keep[d].len();
        for a in (0..3).filter(|&a| a != d) {
            let smooth = Deriche::new(sigma, spacing[a], Order::Zero);
            filter_axis(&term, dims, a, &smooth, keep[a].clone(), &mut next);
            dims[a] = keep[a].len();
            std::mem::swap(&mut term, &mut next);
        }
        let k = 1.0 / (spacing[d] * spacing[d]);
        for (s, &t) in sum.iter_mut().zip(&term) {
            *s = (f64::from(*s) + f64::from(t) * k) as f32;
        }
    }
    sum
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Zero,
    Second,
}

/// Coefficients of ITK's recursive Gaussian (Deriche's 4th-order approximation, normalised as
/// ITK 5.4 normalises it): causal numerator `n`, anti-causal numerator `m`, shared denominator
/// `d` (d1..d4), and the edge coefficients `bn`, `bm` that extend the first and last voxel to
/// infinity.
struct Deriche {
    n: [f64; 4],
    m: [f64; 4],
    d: [f64; 4],
    bn: [f64; 4],
    bm: [f64; 4],
}

/// Numerator of one Deriche term pair for scale `s` (sigma in voxels): `(n0..n3, Σn, Σk·n_k,
/// Σk²·n_k)`.
fn numerator(s: f64, a1: f64, b1: f64, a2: f64, b2: f64) -> ([f64; 4], f64, f64, f64) {
    let (w1, l1, w2, l2) = (0.6681, -1.3932, 2.0787, -1.3732);
    let (s1, c1, e1) = ((w1 / s).sin(), (w1 / s).cos(), (l1 / s).exp());
    let (s2, c2, e2) = ((w2 / s).sin(), (w2 / s).cos(), (l2 / s).exp());
    let n0 = a1 + a2;
    let mut n1 = e2 * (b2 * s2 - (a2 + 2.0 * a1) * c2);
    n1 += e1 * (b1 * s1 - (a1 + 2.0 * a2) * c1);
    let mut n2 = (a1 + a2) * c2 * c1;
    n2 -= b1 * c2 * s1 + b2 * c1 * s2;
    n2 *= 2.0 * e1 * e2;
    n2 += a2 * e1 * e1 + a1 * e2 * e2;
    let mut n3 = e2 * e1 * e1 * (b2 * s2 - a2 * c2);
    n3 += e1 * e2 * e2 * (b1 * s1 - a1 * c1);
    let sum = n0 + n1 + n2 + n3;
    let first = n1 + 2.0 * n2 + 3.0 * n3;
    let second = n1 + 4.0 * n2 + 9.0 * n3;
    ([n0, n1, n2, n3], sum, first, second)
}

impl Deriche {
    fn new(sigma: f64, spacing: f64, order: Order) -> Deriche {
        let s = sigma / spacing.abs();
        let (w1, l1, w2, l2) = (0.6681f64, -1.3932f64, 2.0787f64, -1.3732f64);
        let (c1, e1) = ((w1 / s).cos(), (l1 / s).exp());
        let (c2, e2) = ((w2 / s).cos(), (l2 / s).exp());
        let d4 = e1 * e1 * e2 * e2;
        let mut d3 = -2.0 * c1 * e1 * e2 * e2;
        d3 += -2.0 * c2 * e2 * e1 * e1;
        let mut d2 = 4.0 * c2 * c1 * e1 * e2;
        d2 += e1 * e1 + e2 * e2;
        let d1 = -2.0 * (e2 * c2 + e1 * c1);
        let sd = 1.0 + d1 + d2 + d3 + d4;
        let dd = d1 + 2.0 * d2 + 3.0 * d3 + 4.0 * d4;
        let ed = d1 + 4.0 * d2 + 9.0 * d3 + 16.0 * d4;
        let n = match order {
            Order::Zero => {
                let (n, sn, _, _) = numerator(s, 1.3530, 1.8151, -0.3531, 0.0902);
                let alpha0 = 2.0 * sn / sd - n[0];
                n.map(|v| v * (1.0 / alpha0))
            }
            Order::Second => {
                let (z, sn0, dn0, en0) = numerator(s, 1.3530, 1.8151, -0.3531, 0.0902);
                let (t, sn2, dn2, en2) = numerator(s, -1.3563, 5.2318, 0.3446, -2.2355);
                let beta = -(2.0 * sn2 - sd * t[0]) / (2.0 * sn0 - sd * z[0]);
                let n: [f64; 4] = std::array::from_fn(|k| t[k] + beta * z[k]);
                let sn = sn2 + beta * sn0;
                let dn = dn2 + beta * dn0;
                let en = en2 + beta * en0;
                let mut alpha2 =
                    en * sd * sd - ed * sn * sd - 2.0 * dn * dd * sd + 2.0 * dd * dd * sn;
                alpha2 /= sd * sd * sd;
                // NormalizeAcrossScale: the second derivative is scaled by sigma² (mm²).
                let scale = sigma * sigma;
                n.map(|v| v * (scale / alpha2))
            }
        };
        // Both orders are symmetric kernels.
        let d = [d1, d2, d3, d4];
        let m = [
            n[1] - d1 * n[0],
            n[2] - d2 * n[0],
            n[3] - d3 * n[0],
            -d4 * n[0],
        ];
        let sn = n[0] + n[1] + n[2] + n[3];
        let sm = m[0] + m[1] + m[2] + m[3];
        let sd = 1.0 + d1 + d2 + d3 + d4;
        let bn = d.map(|dk| dk * sn / sd);
        let bm = d.map(|dk| dk * sm / sd);
        Deriche { n, m, d, bn, bm }
    }

    /// Filters one line (at least 4 voxels) into `out`, using `back` as scratch space: the
    /// reference the many-line version (`rows`) is tested against.
    #[cfg(test)]
    fn line(&self, x: &[f64], out: &mut [f64], back: &mut [f64]) {
        let len = x.len();
        let [n0, n1, n2, n3] = self.n;
        let [m1, m2, m3, m4] = self.m;
        let [d1, d2, d3, d4] = self.d;
        let [bn1, bn2, bn3, bn4] = self.bn;
        let [bm1, bm2, bm3, bm4] = self.bm;
        // Causal pass; the first voxel is taken to extend to -infinity.
        let v = x[0];
        let y = out;
        y[0] = (v * n0 + v * n1 + v * n2 + v * n3) - (v * bn1 + v * bn2 + v * bn3 + v * bn4);
        y[1] = (x[1] * n0 + v * n1 + v * n2 + v * n3) - (y[0] * d1 + v * bn2 + v * bn3 + v * bn4);
        y[2] =
            (x[2] * n0 + x[1] * n1 + v * n2 + v * n3) - (y[1] * d1 + y[0] * d2 + v * bn3 + v * bn4);
        y[3] = (x[3] * n0 + x[2] * n1 + x[1] * n2 + v * n3)
            - (y[2] * d1 + y[1] * d2 + y[0] * d3 + v * bn4);
        for i in 4..len {
            y[i] = (x[i] * n0 + x[i - 1] * n1 + x[i - 2] * n2 + x[i - 3] * n3)
                - (y[i - 1] * d1 + y[i - 2] * d2 + y[i - 3] * d3 + y[i - 4] * d4);
        }
        // Anti-causal pass; the last voxel extends to +infinity.
        let e = len - 1;
        let v = x[e];
        let z = back;
        z[e] = (v * m1 + v * m2 + v * m3 + v * m4) - (v * bm1 + v * bm2 + v * bm3 + v * bm4);
        z[e - 1] =
            (x[e] * m1 + v * m2 + v * m3 + v * m4) - (z[e] * d1 + v * bm2 + v * bm3 + v * bm4);
        z[e - 2] = (x[e - 1] * m1 + x[e] * m2 + v * m3 + v * m4)
            - (z[e - 1] * d1 + z[e] * d2 + v * bm3 + v * bm4);
        z[e - 3] = (x[e - 2] * m1 + x[e - 1] * m2 + x[e] * m3 + v * m4)
            - (z[e - 2] * d1 + z[e - 1] * d2 + z[e] * d3 + v * bm4);
        for i in (1..=len - 4).rev() {
            z[i - 1] = (x[i] * m1 + x[i + 1] * m2 + x[i + 2] * m3 + x[i + 3] * m4)
                - (z[i] * d1 + z[i + 1] * d2 + z[i + 2] * d3 + z[i + 3] * d4);
        }
        for (o, b) in y.iter_mut().zip(z.iter()) {
            *o += *b;
        }
    }

    /// `Deriche::line` on `width` lines at once: `x` holds `len` rows of `width` values (the
    /// lines run down the rows), the float32 result goes to `out` in the same layout. Each
    /// line's arithmetic is exactly that of `line`. Columns are taken in tiles so that the
    /// recursion's rows stay in cache.
    ///
    /// `scratch` holds at least [`Deriche::scratch_len`]`(len)` values; what it holds on entry
    /// is never read (every value is written before it is used).
    ///
    /// Only rows `keep` of the result are written, to `out`'s rows `0..keep.len()`.
    fn rows<T: Copy + Into<f64>>(
        &self,
        x: &[T],
        out: &mut [f32],
        width: usize,
        len: usize,
        keep: Range<usize>,
        scratch: &mut [f64],
    ) {
        let (y, z) = scratch[..2 * TILE * len].split_at_mut(TILE * len);
        let mut c0 = 0;
        while c0 < width {
            let w = TILE.min(width - c0);
            self.tile(x, out, width, len, keep.clone(), c0, w, y, z);
            c0 += w;
        }
    }

    /// The scratch space `rows` needs for lines of `len` voxels.
    fn scratch_len(len: usize) -> usize {
        2 * TILE * len
    }

    /// Columns `c0..c0 + w` of `Deriche::rows`, with `y` and `z` as scratch (`w` per row).
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)] // (t, c) index x, y, z alike
    fn tile<T: Copy + Into<f64>>(
        &self,
        x: &[T],
        out: &mut [f32],
        width: usize,
        len: usize,
        keep: Range<usize>,
        c0: usize,
        w: usize,
        y: &mut [f64],
        z: &mut [f64],
    ) {
        let [n0, n1, n2, n3] = self.n;
        let [m1, m2, m3, m4] = self.m;
        let [d1, d2, d3, d4] = self.d;
        let [bn1, bn2, bn3, bn4] = self.bn;
        let [bm1, bm2, bm3, bm4] = self.bm;
        let xs = |t: usize, c: usize| -> f64 { x[t * width + c0 + c].into() };
        for c in 0..w {
            let v = xs(0, c);
            y[c] = (v * n0 + v * n1 + v * n2 + v * n3) - (v * bn1 + v * bn2 + v * bn3 + v * bn4);
        }
        if len > 1 {
            for c in 0..w {
                let v = xs(0, c);
                y[w + c] = (xs(1, c) * n0 + v * n1 + v * n2 + v * n3)
                    - (y[c] * d1 + v * bn2 + v * bn3 + v * bn4);
            }
        }
        if len > 2 {
            for c in 0..w {
                let v = xs(0, c);
                y[2 * w + c] = (xs(2, c) * n0 + xs(1, c) * n1 + v * n2 + v * n3)
                    - (y[w + c] * d1 + y[c] * d2 + v * bn3 + v * bn4);
            }
        }
        if len > 3 {
            for c in 0..w {
                let v = xs(0, c);
                y[3 * w + c] = (xs(3, c) * n0 + xs(2, c) * n1 + xs(1, c) * n2 + v * n3)
                    - (y[2 * w + c] * d1 + y[w + c] * d2 + y[c] * d3 + v * bn4);
            }
        }
        // The rows of `x` in this tile, as slices of `w` values (so that the loops below index
        // without bounds checks).
        let xr = |t: usize| &x[t * width + c0..][..w];
        for t in 4..len {
            let (head, row) = y.split_at_mut(t * w);
            let row = &mut row[..w];
            let (p1, p2, p3, p4) = (
                &head[(t - 1) * w..t * w],
                &head[(t - 2) * w..(t - 1) * w],
                &head[(t - 3) * w..(t - 2) * w],
                &head[(t - 4) * w..(t - 3) * w],
            );
            let (x0, x1, x2, x3) = (xr(t), xr(t - 1), xr(t - 2), xr(t - 3));
            for c in 0..w {
                row[c] =
                    (x0[c].into() * n0 + x1[c].into() * n1 + x2[c].into() * n2 + x3[c].into() * n3)
                        - (p1[c] * d1 + p2[c] * d2 + p3[c] * d3 + p4[c] * d4);
            }
        }
        let e = len - 1;
        for c in 0..w {
            let v = xs(e, c);
            z[e * w + c] =
                (v * m1 + v * m2 + v * m3 + v * m4) - (v * bm1 + v * bm2 + v * bm3 + v * bm4);
        }
        if len > 1 {
            for c in 0..w {
                let v = xs(e, c);
                z[(e - 1) * w + c] = (xs(e, c) * m1 + v * m2 + v * m3 + v * m4)
                    - (z[e * w + c] * d1 + v * bm2 + v * bm3 + v * bm4);
            }
        }
        if len > 2 {
            for c in 0..w {
                let v = xs(e, c);
                z[(e - 2) * w + c] = (xs(e - 1, c) * m1 + xs(e, c) * m2 + v * m3 + v * m4)
                    - (z[(e - 1) * w + c] * d1 + z[e * w + c] * d2 + v * bm3 + v * bm4);
            }
        }
        if len > 3 {
            for c in 0..w {
                let v = xs(e, c);
                z[(e - 3) * w + c] =
                    (xs(e - 2, c) * m1 + xs(e - 1, c) * m2 + xs(e, c) * m3 + v * m4)
                        - (z[(e - 2) * w + c] * d1
                            + z[(e - 1) * w + c] * d2
                            + z[e * w + c] * d3
                            + v * bm4);
            }
        }
        for i in (1..=len.saturating_sub(4)).rev() {
            let (row, tail) = z.split_at_mut(i * w);
            let row = &mut row[(i - 1) * w..i * w];
            let (q1, q2, q3, q4) = (
                &tail[..w],
                &tail[w..2 * w],
                &tail[2 * w..3 * w],
                &tail[3 * w..4 * w],
            );
            let (x0, x1, x2, x3) = (xr(i), xr(i + 1), xr(i + 2), xr(i + 3));
            for c in 0..w {
                row[c] =
                    (x0[c].into() * m1 + x1[c].into() * m2 + x2[c].into() * m3 + x3[c].into() * m4)
                        - (q1[c] * d1 + q2[c] * d2 + q3[c] * d3 + q4[c] * d4);
            }
        }
        for (r, t) in keep.enumerate() {
            let o = &mut out[r * width + c0..r * width + c0 + w];
            let (yt, zt) = (&y[t * w..(t + 1) * w], &z[t * w..(t + 1) * w]);
            for c in 0..w {
                o[c] = (yt[c] + zt[c]) as f32;
            }
        }
    }
}

/// Columns of the image lines `Deriche::rows` filters together.
const TILE: usize = 256;

thread_local! {
    /// Scratch space of the recursive Gaussian (`Deriche::rows`' rows and the transposed x
    /// lines), kept by each thread from one plane, pass and image to the next, so that it is
    /// neither allocated nor zeroed again (its contents are always written before they are
    /// read).
    static SCRATCH_F64: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
    static SCRATCH_F32: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch space, grown to `n64` f64 and `n32` f32 values.
fn with_scratch<R>(n64: usize, n32: usize, f: impl FnOnce(&mut [f64], &mut [f32]) -> R) -> R {
    let (mut a, mut b) = (SCRATCH_F64.take(), SCRATCH_F32.take());
    if a.len() < n64 {
        a.resize(n64, 0.0);
    }
    if b.len() < n32 {
        b.resize(n32, 0.0);
    }
    let r = f(&mut a[..n64], &mut b[..n32]);
    SCRATCH_F64.set(a);
    SCRATCH_F32.set(b);
    r
}

/// `dst[i * rows + j] = src[j * cols + i]` for a `rows` × `cols` row-major `src`, converted,
/// in square blocks so that both sides stay in cache.
fn transpose<S: Copy + Into<D>, D>(src: &[S], dst: &mut [D], cols: usize, rows: usize) {
    transpose_rows(src, cols, dst, cols, rows);
}

/// [`transpose`] of a `rows` × `cols` block whose rows start `stride` values apart in `src`.
fn transpose_rows<S: Copy + Into<D>, D>(
    src: &[S],
    stride: usize,
    dst: &mut [D],
    cols: usize,
    rows: usize,
) {
    const B: usize = 16;
    for j0 in (0..rows).step_by(B) {
        let j1 = (j0 + B).min(rows);
        for i0 in (0..cols).step_by(B) {
            let i1 = (i0 + B).min(cols);
            for j in j0..j1 {
                let row = &src[j * stride..][i0..i1];
                for (i, &v) in (i0..i1).zip(row) {
                    dst[i * rows + j] = v.into();
                }
            }
        }
    }
}

/// [`filter_axis`] of the box `support` of `data` (x fastest, `full` voxels) as if it had been
/// cropped to it: `keep` is along `axis` in the box, `out` holds the box's `dims` with
/// `dims[axis]` = `keep.len()`. The lines are read from `data` where they lie (each block of
/// them gathered into this thread's scratch), so that the box is never copied whole.
fn filter_box_axis(
    data: &[f64],
    full: [usize; 3],
    support: &BoundingBox,
    axis: usize,
    filter: &Deriche,
    keep: Range<usize>,
    out: &mut Vec<f32>,
) {
    let s = support.size();
    let [x0, y0, z0] = support.lower;
    let at = |j: usize, k: usize| x0 + full[0] * (j + full[1] * k);
    let kept = keep.len();
    let n = s.iter().product::<usize>() / s[axis].max(1) * kept;
    if out.len() < n {
        out.resize(n, 0.0);
    }
    out.truncate(n);
    if n == 0 {
        return;
    }
    let (sx, sy, sz) = (s[0], s[1], s[2]);
    match axis {
        0 => {
            // Each z-slice's x lines, transposed out of `data` so that they run down rows.
            out.par_chunks_mut(kept * sy)
                .enumerate()
                .for_each(|(k, o)| {
                    with_scratch(
                        sx * sy + Deriche::scratch_len(sx),
                        kept * sy,
                        |scratch, r| {
                            let (t, rest) = scratch.split_at_mut(sx * sy);
                            transpose_rows(&data[at(y0, z0 + k)..], full[0], t, sx, sy);
                            filter.rows(&*t, r, sy, sx, keep.clone(), rest);
                            transpose(r, o, sy, kept);
                        },
                    )
                });
        }
        1 => {
            // Each z-slice's rows gathered, its y lines filtered together.
            out.par_chunks_mut(sx * kept)
                .enumerate()
                .for_each(|(k, o)| {
                    with_scratch(sx * sy + Deriche::scratch_len(sy), 0, |scratch, _| {
                        let (g, rest) = scratch.split_at_mut(sx * sy);
                        for (j, row) in g.chunks_exact_mut(sx).enumerate() {
                            row.copy_from_slice(&data[at(y0 + j, z0 + k)..][..sx]);
                        }
                        filter.rows(&*g, o, sx, sy, keep.clone(), rest);
                    })
                });
        }
        _ => {
            // For each y, the z lines of its row gathered and filtered together.
            with_scratch(
                sx * sz + Deriche::scratch_len(sz),
                sx * kept,
                |scratch, r| {
                    let (g, rest) = scratch.split_at_mut(sx * sz);
                    for j in 0..sy {
                        for (k, row) in g.chunks_exact_mut(sx).enumerate() {
                            row.copy_from_slice(&data[at(y0 + j, z0 + k)..][..sx]);
                        }
                        filter.rows(&*g, r, sx, sz, keep.clone(), rest);
                        for (q, row) in r.chunks_exact(sx).enumerate() {
                            out[sx * (j + sy * q)..][..sx].copy_from_slice(row);
                        }
                    }
                },
            );
        }
    }
}

/// `filter` applied along `axis` to every line of `data` (x fastest, `dims` voxels), output as
/// float32 into `out` for the positions `keep` along `axis` only: `out` is resized to `dims`
/// with `dims[axis]` = `keep.len()`, and every value of it is written.
///
/// Along x the lines are contiguous and filtered one by one. Along y and z the lines of one block
/// (a z-plane for y, the whole volume for z) are filtered together, a row (or plane) at a time:
/// every line sees exactly the arithmetic of `Deriche::line`, in the same order, so the result
/// is the same as filtering line by line, but memory is read contiguously. Blocks (or x lines)
/// are computed in parallel; the result does not depend on the number of threads.
fn filter_axis<T: Copy + Into<f64> + Sync>(
    data: &[T],
    dims: [usize; 3],
    axis: usize,
    filter: &Deriche,
    keep: Range<usize>,
    out: &mut Vec<f32>,
) {
    let len = dims[axis];
    let kept = keep.len();
    // Every value is written below: the buffer is only grown, never cleared.
    let n = data.len() / len.max(1) * kept;
    if out.len() < n {
        out.resize(n, 0.0);
    }
    out.truncate(n);
    if n == 0 {
        return;
    }
    if axis == 0 {
        // The x lines of one z-slice, transposed so that they run down rows of width ny.
        let (nx, ny) = (dims[0], dims[1]);
        let (plane, kept_plane) = (nx * ny, kept * ny);
        out.par_chunks_mut(kept_plane)
            .zip(data.par_chunks(plane))
            .for_each(|(o, x)| {
                with_scratch(
                    plane + Deriche::scratch_len(nx),
                    kept_plane,
                    |scratch, r| {
                        let (t, rest) = scratch.split_at_mut(plane);
                        transpose(x, t, nx, ny);
                        filter.rows(&*t, r, ny, nx, keep.clone(), rest);
                        transpose(r, o, ny, kept);
                    },
                )
            });
        return;
    }
    // Rows of `width` cross-section values, `len` of them per block.
    let width = if axis == 1 {
        dims[0]
    } else {
        dims[0] * dims[1]
    };
    out.par_chunks_mut(width * kept)
        .zip(data.par_chunks(width * len))
        .for_each(|(o, x)| {
            with_scratch(Deriche::scratch_len(len), 0, |scratch, _| {
                filter.rows(x, o, width, len, keep.clone(), scratch)
            })
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The many-line recursion gives exactly the one-line recursion, for every line, whatever
    /// the tiling (widths below and above the tile size).
    #[test]
    fn rows_equal_lines() {
        for (width, len) in [(3, 4), (5, 9), (300, 7), (257, 13)] {
            let x: Vec<f64> = (0..width * len)
                .map(|i| ((i * 7919) % 101) as f64 - 50.0)
                .collect();
            for (sigma, order) in [(1.0, Order::Zero), (2.5, Order::Second)] {
                let f = Deriche::new(sigma, 0.7, order);
                let mut many = vec![0.0f32; width * len];
                // Scratch holding garbage: it must not matter.
                let mut scratch = vec![f64::NAN; Deriche::scratch_len(len)];
                f.rows(&x, &mut many, width, len, 0..len, &mut scratch);
                // Rows 1..len-1 only: the same values, written from row 0.
                let mut part = vec![f32::NAN; width * (len - 2)];
                f.rows(&x, &mut part, width, len, 1..len - 1, &mut scratch);
                assert_eq!(part[..], many[width..width * (len - 1)]);
                for c in 0..width {
                    let line: Vec<f64> = (0..len).map(|t| x[t * width + c]).collect();
                    let (mut y, mut z) = (vec![0.0; len], vec![0.0; len]);
                    f.line(&line, &mut y, &mut z);
                    for t in 0..len {
                        assert_eq!(many[t * width + c], y[t] as f32, "column {c}, row {t}");
                    }
                }
            }
        }
    }

    /// The blocked transposition against the definition, for sizes below, at and above the
    /// block size.
    #[test]
    fn transposes() {
        for (cols, rows) in [(1, 1), (3, 17), (16, 16), (33, 5), (40, 70)] {
            let src: Vec<f32> = (0..cols * rows).map(|v| v as f32 * 0.5 - 7.0).collect();
            let mut dst = vec![f64::NAN; cols * rows];
            transpose(&src, &mut dst, cols, rows);
            for j in 0..rows {
                for i in 0..cols {
                    assert_eq!(
                        dst[i * rows + j],
                        f64::from(src[j * cols + i]),
                        "({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn python_str_of_floats() {
        assert_eq!(python_float_str(1.0), "1.0");
        assert_eq!(python_float_str(0.5), "0.5");
        assert_eq!(python_float_str(2.25), "2.25");
        assert_eq!(python_float_str(1e-5), "1e-05");
        assert_eq!(python_float_str(0.0001), "0.0001");
        assert_eq!(python_float_str(1.5e16), "1.5e+16");
        assert_eq!(python_float_str(123456.0), "123456.0");
    }

    /// The four axial neighbours of the centre of a 3×3 image, P = 4, R = 1: samples at
    /// (1,2), (0,1), (1,0), (2,1) in that order (scikit-image's angle convention).
    #[test]
    fn lbp_codes_of_a_hand_made_pattern() {
        let plane = [0.0, 1.0, 0.0, 9.0, 5.0, 9.0, 0.0, 1.0, 0.0];
        let code = |method| Lbp2d::new(4, 1.0, method).image(&plane, 3, 3)[4];
        // Signs [1, 0, 1, 0].
        assert_eq!(code(LbpMethod::Default), 5.0);
        assert_eq!(code(LbpMethod::Ror), 5.0);
        // Three changes along the open chain: not uniform, P + 1.
        assert_eq!(code(LbpMethod::Uniform), 5.0);
        // Samples [9, 1, 9, 1]: population variance 16.
        assert_eq!(code(LbpMethod::Var), 16.0);
        let ring = [0.0, 9.0, 0.0, 1.0, 5.0, 9.0, 0.0, 9.0, 0.0];
        let code = |method| Lbp2d::new(4, 1.0, method).image(&ring, 3, 3)[4];
        // Signs [1, 1, 0, 1]: default 11, smallest rotation 0111 = 7, two changes along the
        // open chain (uniform although the closed ring has two as well): 3 ones.
        assert_eq!(code(LbpMethod::Default), 11.0);
        assert_eq!(code(LbpMethod::Ror), 7.0);
        assert_eq!(code(LbpMethod::Uniform), 3.0);
    }

    /// The LoG computed only inside a box is, bit for bit, the whole image's LoG cropped to it,
    /// with the size checks of the whole image.
    #[test]
    fn log_inside_a_box_is_the_cropped_whole() {
        use perirad_core::Geometry;
        let size = [23, 19, 11];
        let g = Geometry::with_spacing(size, [0.7, 0.9, 2.5]).expect("geometry");
        let data: Vec<f64> = (0..size.iter().product::<usize>())
            .map(|i| ((i * 7919) % 211) as f64 - 90.0)
            .collect();
        let image = Volume::new(g, data).expect("volume");
        let settings = Settings {
            sigma: Some(vec![1.0, 2.0, 40.0]),
            ..Settings::default()
        };
        let b = |lower: [usize; 3], upper: [usize; 3]| BoundingBox { lower, upper };
        // (support, keep): the whole image, a box inside it, and boxes touching its edges.
        for (support, keep) in [
            (b([0; 3], size), b([3, 5, 2], [17, 6, 9])),
            (b([0; 3], size), b([0; 3], size)),
            (b([0; 3], size), b([22, 0, 10], [23, 19, 11])),
            (b([2, 1, 0], [21, 19, 9]), b([3, 5, 2], [17, 6, 9])),
            (b([2, 1, 0], [21, 19, 9]), b([2, 1, 0], [21, 19, 9])),
            (b([5, 0, 3], [23, 13, 11]), b([22, 12, 10], [23, 13, 11])),
        ] {
            let cropped_image = image.crop(&support).expect("support");
            let whole = filtered_images(
                ImageType::LoG,
                &cropped_image,
                DType::I16,
                &Mask::filled(cropped_image.geometry().clone(), true),
                &settings,
            )
            .expect("whole");
            let inside = log_images_in(&image, &settings, &support, &keep).expect("inside");
            assert_eq!(inside.warnings, whole.warnings);
            assert_eq!(inside.images.len(), 2, "sigma 40 is skipped");
            let local = b(
                std::array::from_fn(|a| keep.lower[a] - support.lower[a]),
                std::array::from_fn(|a| keep.upper[a] - support.lower[a]),
            );
            for ((name, a), (wname, w)) in inside.images.iter().zip(&whole.images) {
                assert_eq!(name, wname);
                let want = w.crop(&local).expect("crop");
                let g = image.geometry().cropped(&keep).expect("keep");
                assert_eq!(a.geometry(), &g, "{name}");
                let same = a.data().len() == want.data().len()
                    && a.data()
                        .iter()
                        .zip(want.data())
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "{name} in {keep:?} of {support:?}");
            }
        }
        // A box to keep outside the filtered one is an error, not a panic.
        assert!(log_images_in(
            &image,
            &settings,
            &b([2, 1, 0], [21, 19, 9]),
            &b([0; 3], size)
        )
        .is_err());
    }

    #[test]
    fn log_size_checks_skip_with_warnings() {
        use perirad_core::Geometry;
        let small = Volume::filled(
            Geometry::with_spacing([3, 8, 8], [1.0; 3]).expect("geometry"),
            1.0,
        );
        let whole = |v: &Volume<f64>| BoundingBox {
            lower: [0; 3],
            upper: v.geometry().size(),
        };
        let f = log_images(&small, &[1.0], &whole(&small), &whole(&small)).expect("LoG");
        assert!(f.images.is_empty() && f.warnings.len() == 1);
        let v = Volume::filled(
            Geometry::with_spacing([8, 8, 5], [1.0, 1.0, 2.0]).expect("geometry"),
            1.0,
        );
        // ceil(9 / 2) + 1 = 6 > 5 voxels along z: skipped; sigma 1 kept.
        let f = log_images(&v, &[9.0, 1.0], &whole(&v), &whole(&v)).expect("LoG");
        assert_eq!(f.warnings.len(), 1);
        let names: Vec<&str> = f.images.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["log-sigma-1-0-mm-3D"]);
        // A constant image has a zero Laplacian.
        assert!(f.images[0].1.data().iter().all(|v| v.abs() < 1e-5));
    }
}
