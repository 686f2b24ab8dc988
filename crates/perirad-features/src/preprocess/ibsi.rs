//! IBSI-1 image processing (reference manual, chapter 2, and the notes on interpolation of the
//! reference data sets): interpolation to a new voxel spacing and re-segmentation.
//!
//! * Grid: along each interpolated axis the new size is `ceil(n·s / s′)` and the centre of the new
//!   grid coincides with the centre of the original one, so the first new voxel centre lies at the
//!   continuous original index `(n − 1)/2 − (m − 1)/2 · s′/s`. Direction cosines are kept. In
//!   2D (`in_plane_only`), the third axis is left as it is.
//! * Points beyond the outer voxel centres take the value of the nearest one (nearest-neighbour
//!   extrapolation: the continuous index is clamped to `[0, n − 1]`).
//! * Image: nearest neighbour, (tri)linear or cubic B-spline (ITK's coefficients and evaluation,
//!   see [`super::resample`]), then optionally rounded to the nearest integer.
//! * Mask: the 0/1 mask is interpolated in f64 and a voxel belongs to the ROI when the value is at
//!   least the partial-volume threshold.
//! * Re-segmentation (intensity mask only): a closed range `[lo, hi]` and/or outlier filtering,
//!   keeping voxels within `μ ± kσ` (population σ) of the ROI to be re-segmented. When both are
//!   given, the intersection of the two ranges is kept (manual, IF9H), with μ and σ taken over the
//!   whole ROI passed in.

use super::resample::{bspline_at, bspline_coefficients, linear_at};
use crate::error::param;
use crate::FeatureError;
use perirad_core::{Geometry, Mask, Volume};

/// Interpolation method of the IBSI image processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interp {
    /// Nearest neighbour (index rounded half up).
    Nearest,
    /// Linear along each interpolated axis (bilinear in 2D, trilinear in 3D).
    Linear,
    /// Cubic B-spline (tricubic spline).
    Cubic,
}

/// Interpolation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct IbsiInterpolation {
    /// New voxel spacing in mm (x, y, z); with `in_plane_only` the z value is ignored.
    pub spacing: [f64; 3],
    /// 2D configurations: interpolate x and y only.
    pub in_plane_only: bool,
    /// Image interpolation.
    pub image: Interp,
    /// Mask interpolation.
    pub mask: Interp,
    /// Partial-volume threshold of the interpolated mask (IBSI: 0.5).
    pub partial_volume: f64,
    /// Round interpolated intensities to the nearest integer (half away from zero).
    pub round: bool,
}

/// Image and masks after IBSI processing.
#[derive(Debug, Clone)]
pub struct IbsiProcessed {
    pub image: Volume<f64>,
    /// The ROI as interpolated: morphological features use it.
    pub morphological: Mask,
    /// The re-segmented ROI: intensity and texture features use it.
    pub intensity: Mask,
}

/// The interpolation grid of `g` for `s`, and per axis the original continuous index of the
/// first new voxel and the step (`s′/s`) between new voxels.
pub fn ibsi_grid(
    g: &Geometry,
    s: &IbsiInterpolation,
) -> Result<(Geometry, [f64; 3], [f64; 3]), FeatureError> {
    let n = g.size();
    let old = g.spacing();
    let mut size = n;
    let mut spacing = old;
    let mut first = [0.0; 3];
    let mut step = [1.0; 3];
    let axes = if s.in_plane_only { 2 } else { 3 };
    for a in 0..axes {
        let new = s.spacing[a];
        if !(new.is_finite() && new > 0.0) {
            return Err(param(
                "interpolation.spacing",
                format!("{new} is not a positive spacing"),
            ));
        }
        // ceil(n·s/s′), guarded against a product that lands a rounding error above an integer.
        let exact = n[a] as f64 * old[a] / new;
        let m = (exact - 1e-9 * exact.max(1.0)).ceil().max(1.0);
        if m > perirad_core::MAX_VOXELS as f64 {
            return Err(param(
                "interpolation.spacing",
                format!("{m} voxels along axis {a}"),
            ));
        }
        size[a] = m as usize;
        spacing[a] = new;
        step[a] = new / old[a];
        first[a] = (n[a] as f64 - 1.0) / 2.0 - (m - 1.0) / 2.0 * step[a];
    }
    let origin = g.index_to_physical(first);
    let grid = Geometry::new(size, spacing, origin, g.direction())
        .map_err(|e| param("interpolation.spacing", e.to_string()))?;
    Ok((grid, first, step))
}

/// Values of `data` (on a grid of `size`) interpolated at every voxel of the new grid, with
/// nearest-neighbour extrapolation.
fn interpolate(
    data: &[f64],
    size: [usize; 3],
    out: &Geometry,
    first: [f64; 3],
    step: [f64; 3],
    how: Interp,
) -> Vec<f64> {
    let coef = (how == Interp::Cubic).then(|| bspline_coefficients(data, size));
    let [mx, my, mz] = out.size();
    let mut v = Vec::with_capacity(out.len());
    let clamp =
        |a: usize, i: usize| (first[a] + i as f64 * step[a]).clamp(0.0, (size[a] - 1) as f64);
    for k in 0..mz {
        let z = clamp(2, k);
        for j in 0..my {
            let y = clamp(1, j);
            for i in 0..mx {
                let idx = [clamp(0, i), y, z];
                v.push(match (how, &coef) {
                    (Interp::Cubic, Some(c)) => bspline_at(c, size, idx),
                    (Interp::Linear, _) => linear_at(data, size, idx),
                    _ => {
                        let r = idx.map(|x| (x + 0.5).floor() as usize);
                        let r = [0, 1, 2].map(|a| r[a].min(size[a] - 1));
                        data[r[0] + size[0] * (r[1] + size[1] * r[2])]
                    }
                });
            }
        }
    }
    v
}

/// Interpolates `image` and `mask` (same grid) as `s` says; returns the new image and the
/// interpolated (morphological) mask.
pub fn ibsi_resample(
    image: &Volume<f64>,
    mask: &Mask,
    s: &IbsiInterpolation,
) -> Result<(Volume<f64>, Mask), FeatureError> {
    if image.geometry().size() != mask.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    Ok((ibsi_resample_image(image, s)?, ibsi_resample_mask(mask, s)?))
}

/// The image part of [`ibsi_resample`]: the image on the IBSI grid (rounded when `s.round`).
pub fn ibsi_resample_image(
    image: &Volume<f64>,
    s: &IbsiInterpolation,
) -> Result<Volume<f64>, FeatureError> {
    let g = image.geometry();
    let (out, first, step) = ibsi_grid(g, s)?;
    let mut values = interpolate(image.data(), g.size(), &out, first, step, s.image);
    if s.round {
        for v in &mut values {
            *v = v.round();
        }
    }
    Ok(Volume::new(out, values).unwrap_or_else(|_| unreachable!("one value per voxel")))
}

/// The mask part of [`ibsi_resample`]: the mask interpolated on the IBSI grid and thresholded at
/// the partial-volume fraction.
pub fn ibsi_resample_mask(mask: &Mask, s: &IbsiInterpolation) -> Result<Mask, FeatureError> {
    let g = mask.geometry();
    let (out, first, step) = ibsi_grid(g, s)?;
    let m: Vec<f64> = mask
        .data()
        .iter()
        .map(|&b| f64::from(u8::from(b)))
        .collect();
    let inside = interpolate(&m, g.size(), &out, first, step, s.mask)
        .into_iter()
        .map(|v| v >= s.partial_volume)
        .collect();
    Ok(Volume::new(out, inside).unwrap_or_else(|_| unreachable!("one value per voxel")))
}

/// Re-segmentation of `mask`: voxels kept when their intensity lies in the closed `range` and, with
/// `sigma = Some(k)`, within `μ ± kσ` of the intensities of `mask` (population σ).
pub fn ibsi_resegment(
    image: &Volume<f64>,
    mask: &Mask,
    range: Option<(f64, f64)>,
    sigma: Option<f64>,
) -> Mask {
    let (mut lo, mut hi) = range.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    if let Some(k) = sigma {
        let roi: Vec<f64> = mask
            .data()
            .iter()
            .zip(image.data())
            .filter(|(&m, _)| m)
            .map(|(_, &v)| v)
            .collect();
        if !roi.is_empty() {
            let n = roi.len() as f64;
            let mean = roi.iter().sum::<f64>() / n;
            let sd = (roi.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            lo = lo.max(mean - k * sd);
            hi = hi.min(mean + k * sd);
        }
    }
    Volume::new(
        mask.geometry().clone(),
        mask.data()
            .iter()
            .zip(image.data())
            .map(|(&m, &v)| m && v >= lo && v <= hi)
            .collect(),
    )
    .unwrap_or_else(|_| unreachable!("same grid"))
}

/// The whole IBSI processing: interpolation (when `interpolation` is given), then
/// re-segmentation of the intensity mask.
pub fn ibsi_process(
    image: &Volume<f64>,
    mask: &Mask,
    interpolation: Option<&IbsiInterpolation>,
    range: Option<(f64, f64)>,
    sigma: Option<f64>,
) -> Result<IbsiProcessed, FeatureError> {
    let (image, morphological) = match interpolation {
        Some(s) => ibsi_resample(image, mask, s)?,
        None => {
            if image.geometry().size() != mask.geometry().size() {
                return Err(param("mask", "the mask is not on the image grid"));
            }
            (image.clone(), mask.clone())
        }
    };
    let intensity = ibsi_resegment(&image, &morphological, range, sigma);
    Ok(IbsiProcessed {
        image,
        morphological,
        intensity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_centres_are_aligned() {
        let g = Geometry::new(
            [5, 4, 3],
            [1.0, 1.0, 3.0],
            [10.0, 20.0, 30.0],
            perirad_core::IDENTITY,
        )
        .expect("valid");
        let s = IbsiInterpolation {
            spacing: [2.0, 2.0, 2.0],
            in_plane_only: false,
            image: Interp::Linear,
            mask: Interp::Linear,
            partial_volume: 0.5,
            round: false,
        };
        let (out, first, step) = ibsi_grid(&g, &s).expect("grid");
        assert_eq!(out.size(), [3, 2, 5]);
        assert_eq!(step, [2.0, 2.0, 2.0 / 3.0]);
        // centre of the old grid: index (2, 1.5, 1) → (12, 21.5, 33)
        let c = out.index_to_physical([1.0, 0.5, 2.0]);
        assert!((c[0] - 12.0).abs() < 1e-12 && (c[1] - 21.5).abs() < 1e-12);
        assert!((c[2] - 33.0).abs() < 1e-12);
        assert_eq!(first[0], 0.0);
        let in_plane = IbsiInterpolation {
            in_plane_only: true,
            ..s
        };
        let (out, _, _) = ibsi_grid(&g, &in_plane).expect("grid");
        assert_eq!(out.size(), [3, 2, 3]);
        assert_eq!(out.spacing()[2], 3.0);
    }

    #[test]
    fn resegmentation_intersects_range_and_outliers() {
        let g = Geometry::with_spacing([6, 1, 1], [1.0; 3]).expect("valid");
        let img = Volume::new(g.clone(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 100.0]).expect("len");
        let mask = Volume::filled(g, true);
        let r = ibsi_resegment(&img, &mask, Some((1.0, 50.0)), None);
        assert_eq!(r.data(), &[false, true, true, true, true, false]);
        // μ = 18.33, σ = 36.5: μ + 1σ = 54.9 leaves 100 out, keeps the rest.
        let o = ibsi_resegment(&img, &mask, None, Some(1.0));
        assert_eq!(o.data(), &[true, true, true, true, true, false]);
    }
}
