//! PyRadiomics 3.1's image preprocessing (`imageoperations.normalizeImage` and
//! `imageoperations.resampleImage`), applied as `featureextractor.loadImage` applies them: the
//! whole image is normalised first, then image and mask are resampled (and cropped) together.

use super::resample::{itk_resample, itk_resample_mask, ItkGridMap, ItkInterpolator};
use crate::error::param;
use crate::{FeatureError, Interpolator, PyRadiomicsParams};
use perirad_core::{BoundingBox, DType, Geometry, Mask, Volume};

/// `normalizeImage`: `sitk.Normalize` (mean and unbiased standard deviation over every voxel of
/// the image, `(x − μ)/σ`), then, with `remove_outliers = Some(n)`, values clipped to `[−n, n]`,
/// then multiplied by `scale`. The result is f64 (SimpleITK's `Normalize` outputs 64-bit float).
pub fn normalize(
    image: &Volume<f64>,
    scale: f64,
    remove_outliers: Option<f64>,
) -> Result<Volume<f64>, FeatureError> {
    let data = image.data();
    let n = data.len() as f64;
    let (sum, sum_sq) = neumaier_sums(data);
    let mean = sum / n;
    let variance = (sum_sq - sum * sum / n) / (n - 1.0);
    let sigma = variance.sqrt();
    if !(sigma > 0.0 && sigma.is_finite() && mean.is_finite()) {
        return Err(param(
            "setting.normalize",
            format!(
                "the image cannot be normalised: standard deviation {sigma} over {} voxels",
                data.len()
            ),
        ));
    }
    let (shift, factor) = (-mean, 1.0 / sigma);
    Ok(image.map(|&x| {
        let mut v = (x + shift) * factor;
        if let Some(o) = remove_outliers {
            if v > o {
                v = o;
            }
            if v < -o {
                v = -o;
            }
        }
        v * scale
    }))
}

/// Sum and sum of squares with Neumaier compensation (deterministic, ~1 ulp).
fn neumaier_sums(data: &[f64]) -> (f64, f64) {
    let mut acc = [(0.0f64, 0.0f64); 2];
    for &x in data {
        for (a, v) in acc.iter_mut().zip([x, x * x]) {
            let t = a.0 + v;
            if a.0.abs() >= v.abs() {
                a.1 += (a.0 - t) + v;
            } else {
                a.1 += (v - t) + a.0;
            }
            a.0 = t;
        }
    }
    (acc[0].0 + acc[0].1, acc[1].0 + acc[1].1)
}

/// The interpolators PyRadiomics can ask for that perirad reproduces.
pub fn itk_interpolator(i: Interpolator) -> Result<ItkInterpolator, FeatureError> {
    match i {
        Interpolator::NearestNeighbor => Ok(ItkInterpolator::NearestNeighbor),
        Interpolator::Linear => Ok(ItkInterpolator::Linear),
        Interpolator::BSpline => Ok(ItkInterpolator::BSpline),
        other => Err(param(
            "setting.interpolator",
            format!("{other:?} interpolation is not implemented in perirad (use sitkNearestNeighbor, sitkLinear or sitkBSpline)"),
        )),
    }
}

/// An image after PyRadiomics' preprocessing: voxels (as f64, already cast to `dtype`), the
/// voxel type SimpleITK would hold, and the mask on the same grid.
#[derive(Debug, Clone)]
pub struct Preprocessed {
    pub image: Volume<f64>,
    pub dtype: DType,
    pub mask: Mask,
}

/// `resampleImage`: image and mask resampled to `spacing` (a 0 keeps the mask's spacing, and so
/// does every axis along which the ROI spans one voxel) on a grid aligned to the input origin,
/// covering the ROI's bounding box plus `pad_distance` voxels of the new grid (clipped to the
/// image); the image with `interpolator` and cast back to `dtype`, the mask with nearest
/// neighbour. When the new spacing equals the image's (`numpy.allclose`), nothing is
/// interpolated: image and mask are only cropped to the padded bounding box.
pub fn resample_image(
    image: &Volume<f64>,
    dtype: DType,
    mask: &Mask,
    spacing: &[f64],
    interpolator: ItkInterpolator,
    pad_distance: usize,
) -> Result<Preprocessed, FeatureError> {
    let g = mask.geometry();
    if image.geometry().size() != g.size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    let &[s0, s1, s2] = spacing else {
        return Err(param(
            "setting.resampledPixelSpacing",
            format!("{} values given, 3 needed", spacing.len()),
        ));
    };
    let Some(bb) = BoundingBox::of_mask(g.size(), mask.data()) else {
        return Err(param("mask", "the ROI is empty"));
    };
    let mask_spacing = g.spacing();
    let bb_size = bb.size();
    let mut res = [s0, s1, s2];
    for a in 0..3 {
        if res[a] == 0.0 || bb_size[a] == 1 {
            res[a] = mask_spacing[a];
        }
    }
    let image_spacing = image.geometry().spacing();
    let allclose = (0..3).all(|a| (image_spacing[a] - res[a]).abs() <= 1e-8 + 1e-5 * res[a].abs());
    if allclose {
        let pad = [pad_distance; 3];
        let crop = bb.padded(pad, g.size());
        let cropped = |e: perirad_core::CoreError| param("mask", e.to_string());
        return Ok(Preprocessed {
            image: image.crop(&crop).map_err(cropped)?,
            dtype,
            mask: mask.crop(&crop).map_err(cropped)?,
        });
    }
    let size = g.size();
    let pad = pad_distance as f64;
    let mut new_size = [0usize; 3];
    let mut origin_index = [0.0; 3];
    for a in 0..3 {
        let ratio = mask_spacing[a] / res[a];
        let lo_bb = bb.lower[a] as f64;
        let size_bb = bb_size[a] as f64;
        let mut lo = ((lo_bb - 0.5) * ratio - pad).floor();
        let mut hi = ((lo_bb + size_bb - 0.5) * ratio + pad).ceil();
        let max_hi = (size[a] as f64 * ratio).ceil() - 1.0;
        if lo < 0.0 {
            lo = 0.0;
        }
        if hi > max_hi {
            hi = max_hi;
        }
        let n = hi - lo + 1.0;
        if !(n >= 1.0 && n <= perirad_core::MAX_VOXELS as f64) {
            return Err(param(
                "setting.resampledPixelSpacing",
                format!("the resampled grid would have {n} voxels along axis {a}"),
            ));
        }
        new_size[a] = n as usize;
        origin_index[a] = 0.5 * (res[a] - mask_spacing[a]) / mask_spacing[a] + lo / ratio;
    }
    let origin = ItkGridMap::new(g).physical(origin_index);
    let out = Geometry::new(new_size, res, origin, g.direction())
        .map_err(|e| param("setting.resampledPixelSpacing", e.to_string()))?;
    Ok(Preprocessed {
        image: itk_resample(image, &out, interpolator, dtype),
        dtype,
        mask: itk_resample_mask(mask, &out),
    })
}

/// `featureextractor.loadImage`'s preprocessing for `params`: normalisation (whole image), then
/// resampling when `resampledPixelSpacing` is set (interpolator default `sitkBSpline`; an explicit
/// `interpolator: null` turns resampling off, as in PyRadiomics; `padDistance` default 5). `None`
/// when the parameters ask for neither.
pub fn preprocess(
    image: &Volume<f64>,
    dtype: DType,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Result<Option<Preprocessed>, FeatureError> {
    let s = &params.setting;
    let normalized = match s.normalize {
        Some(true) => Some(normalize(
            image,
            s.normalize_scale.unwrap_or(1.0),
            s.remove_outliers,
        )?),
        _ => None,
    };
    // featureextractor.py resamples only when both the spacing and the interpolator are set.
    let spacing = if s.interpolator_null {
        None
    } else {
        s.resampled_pixel_spacing.as_ref()
    };
    let Some(spacing) = spacing else {
        return Ok(normalized.map(|image| Preprocessed {
            image,
            dtype: DType::F64,
            mask: mask.clone(),
        }));
    };
    let interp = itk_interpolator(s.interpolator.unwrap_or(Interpolator::BSpline))?;
    let pad = s.pad_distance.unwrap_or(5).max(0) as usize;
    let out = match &normalized {
        Some(n) => resample_image(n, DType::F64, mask, spacing, interp, pad)?,
        None => resample_image(image, dtype, mask, spacing, interp, pad)?,
    };
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_uses_the_unbiased_deviation_and_clips_before_scaling() {
        let g = Geometry::with_spacing([4, 1, 1], [1.0; 3]).expect("valid");
        let v = Volume::new(g, vec![1.0, 2.0, 3.0, 10.0]).expect("len");
        // mean 4, unbiased variance (9 + 4 + 1 + 36) / 3
        let sd = (50.0f64 / 3.0).sqrt();
        let n = normalize(&v, 100.0, None).expect("sd > 0");
        assert!((n.data()[3] - 600.0 / sd).abs() < 1e-12);
        let c = normalize(&v, 100.0, Some(1.0)).expect("sd > 0");
        assert_eq!(c.data()[3], 100.0);
        let flat = Volume::filled(Geometry::with_spacing([3, 1, 1], [1.0; 3]).expect("g"), 2.0);
        assert!(normalize(&flat, 1.0, None).is_err());
    }
}
