//! Extraction of the features a PyRadiomics parameter file asks for, on one image and one ROI.
//! What perirad does not compute yet is an error naming it (or, for image types and feature
//! classes, a warning when the caller allows skipping).

use crate::discretise::{pyradiomics_edges_between, Binning, EdgeCounter};
use crate::error::param;
use crate::families::pyr_grid::{LevelGrid, RoiRuns};
use crate::families::pyr_neighbours::{neighbour_stats, NeighbourStats};
use crate::families::{firstorder, pyr_gldm, pyr_glszm, pyr_ngtdm, shape, shape2d};
use crate::{FeatureClass, FeatureError, ImageType, PyRadiomicsParams, ResegmentMode, Settings};
use perirad_core::{BoundingBox, DType, Mask, Volume};
use std::cell::OnceCell;

/// Features of one ROI with PyRadiomics-style names (`original_firstorder_Mean`).
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    pub features: Vec<(String, f64)>,
    /// What was skipped (image types and classes not computed yet, with `skip_unsupported`).
    pub warnings: Vec<String>,
}

/// Checks what the parameter file asks for against what perirad computes so far; returns the
/// warnings for skipped image types and classes (`skip_unsupported`), or an error naming them.
pub fn check_supported(
    params: &PyRadiomicsParams,
    skip_unsupported: bool,
) -> Result<Vec<String>, FeatureError> {
    let s = &params.setting;
    // Preprocessing that changes voxel values cannot be skipped.
    if s.resampled_pixel_spacing.is_some() {
        if let Some(i) = s.interpolator {
            crate::preprocess::pyradiomics::itk_interpolator(i)?;
        }
    }
    let mut unsupported = Vec::new();
    for c in params.enabled_feature_classes() {
        if !matches!(
            c,
            FeatureClass::FirstOrder
                | FeatureClass::Shape
                | FeatureClass::Shape2D
                | FeatureClass::Glcm
                | FeatureClass::Glrlm
                | FeatureClass::Glszm
                | FeatureClass::Gldm
                | FeatureClass::Ngtdm
        ) {
            unsupported.push(format!("feature class {}", c.name()));
        }
    }
    if unsupported.is_empty() || skip_unsupported {
        return Ok(unsupported
            .into_iter()
            .map(|u| format!("{u} is not computed by perirad yet: skipped"))
            .collect());
    }
    Err(param(
        if unsupported[0].starts_with("image") {
            "imageType"
        } else {
            "featureClass"
        },
        format!(
            "not computed by perirad yet: {} (use --skip-unsupported to skip them)",
            unsupported.join(", ")
        ),
    ))
}

/// PyRadiomics' mask checks (`imageoperations.checkMask`): not empty, not a single voxel, at
/// least `minimumROIDimensions` axes (default 2) with more than one voxel, and more than
/// `minimumROISize` voxels.
fn check_roi(mask: &Mask, params: &PyRadiomicsParams) -> Result<(), FeatureError> {
    let g = mask.geometry();
    let Some(bbox) = BoundingBox::of_mask(g.size(), mask.data()) else {
        return Err(param("mask", "the ROI is empty"));
    };
    let dims = bbox.size().iter().filter(|&&n| n > 1).count() as i64;
    if dims == 0 {
        return Err(param(
            "mask",
            "the ROI is a single voxel: PyRadiomics extracts no features from one voxel",
        ));
    }
    let want = params.setting.minimum_roi_dimensions.unwrap_or(2);
    if dims < want {
        return Err(param(
            "setting.minimumROIDimensions",
            format!(
                "the ROI spans {dims} dimension(s) (bounding box {:?}), fewer than {want}",
                bbox.size()
            ),
        ));
    }
    let n = mask.data().iter().filter(|&&b| b).count() as i64;
    if let Some(min) = params.setting.minimum_roi_size {
        if n <= min {
            return Err(param(
                "setting.minimumROISize",
                format!("the ROI has {n} voxels, not more than {min}"),
            ));
        }
    }
    Ok(())
}

/// PyRadiomics' re-segmentation (`imageoperations.resegmentMask`) of the ROI values.
/// Returns the thresholds `(low, high)` that were applied, `None` without re-segmentation.
fn resegment(
    values: &mut Vec<f64>,
    params: &PyRadiomicsParams,
) -> Result<Option<(f64, Option<f64>)>, FeatureError> {
    let Some(range) = &params.setting.resegment_range else {
        return Ok(None);
    };
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut r = range.clone();
    r.sort_by(f64::total_cmp);
    let th: Vec<f64> = match params
        .setting
        .resegment_mode
        .unwrap_or(ResegmentMode::Absolute)
    {
        ResegmentMode::Absolute => r,
        ResegmentMode::Relative => r.iter().map(|t| max * t).collect(),
        ResegmentMode::Sigma => r.iter().map(|t| mean + sd * t).collect(),
    };
    values.retain(|&v| v >= th[0] && th.get(1).is_none_or(|&hi| v <= hi));
    if values.len() <= 1 {
        return Err(param(
            "setting.resegmentRange",
            format!(
                "re-segmentation kept {} voxel(s): too few to compute features",
                values.len()
            ),
        ));
    }
    Ok(Some((th[0], th.get(1).copied())))
}

/// The features of `params` for the ROI `mask` of `image` (same grid), PyRadiomics mode.
/// `dtype` is the voxel type the image is stored in: resampling casts back to it, as SimpleITK
/// does.
pub fn extract_pyradiomics(
    image: &Volume<f64>,
    dtype: DType,
    mask: &Mask,
    params: &PyRadiomicsParams,
    skip_unsupported: bool,
) -> Result<Extraction, FeatureError> {
    extract_pyradiomics_regions(image, dtype, &[mask], params, skip_unsupported)?
        .pop()
        .unwrap_or(Err(FeatureError::EmptyRoi))
}

/// Whether, with `params`, the features of a region depend only on the image's voxels inside
/// the region's bounding box: the original image only, without normalisation (which reads the
/// whole image) or resampling (which reads a padded box). The caller may then pass
/// [`extract_pyradiomics_regions`] the image and masks cropped to a box that holds every region
/// and is at least two voxels wide along each axis the image has more than one voxel on (so
/// that a crop of a 3D image is never taken for a 2D one): the features are the same.
pub fn pyradiomics_values_local(params: &PyRadiomicsParams) -> bool {
    let s = &params.setting;
    let original_only = params
        .image_types
        .as_ref()
        .is_none_or(|types| types.iter().all(|(t, _)| *t == ImageType::Original));
    let resamples = s.resampled_pixel_spacing.is_some() && !s.interpolator_null;
    original_only && s.normalize != Some(true) && !resamples && s.pre_crop != Some(true)
}

/// [`extract_pyradiomics`] for several ROIs of one image (a tumor and its peritumoral regions),
/// with one result per ROI: a region that fails (empty, too small) does not stop the others.
/// When no resampling is asked for, PyRadiomics filters the whole (normalised) image whatever
/// the mask, so each filtered image is computed once and serves every region; with resampling
/// each region gets its own resampled crop, as in PyRadiomics. The outer error is for what no
/// region can survive (an unsupported request, a filter failing).
pub fn extract_pyradiomics_regions(
    image: &Volume<f64>,
    dtype: DType,
    masks: &[&Mask],
    params: &PyRadiomicsParams,
    skip_unsupported: bool,
) -> Result<Vec<Result<Extraction, FeatureError>>, FeatureError> {
    extract_pyradiomics_regions_in(image, dtype, masks, params, skip_unsupported, [0; 3])
}

/// [`extract_pyradiomics_regions`] of an image and masks cropped from a larger grid at voxel
/// `offset` (see [`pyradiomics_values_local`]): the values are those of the uncropped image and
/// masks (the shape axes are computed from the voxels' positions on the larger grid).
pub fn extract_pyradiomics_regions_in(
    image: &Volume<f64>,
    dtype: DType,
    masks: &[&Mask],
    params: &PyRadiomicsParams,
    skip_unsupported: bool,
    offset: [usize; 3],
) -> Result<Vec<Result<Extraction, FeatureError>>, FeatureError> {
    let warnings = check_supported(params, skip_unsupported)?;
    let on_grid = |m: &Mask| image.geometry().size() == m.geometry().size();
    let s = &params.setting;
    let resamples = s.resampled_pixel_spacing.is_some() && !s.interpolator_null;
    if resamples {
        // PyRadiomics' loadImage resamples a crop around each mask: one run per region.
        return Ok(masks
            .iter()
            .map(|&m| {
                if !on_grid(m) {
                    return Err(param("mask", "the mask is not on the image grid"));
                }
                match crate::preprocess::preprocess(image, dtype, m, params)? {
                    Some(p) => {
                        run_regions(&p.image, p.dtype, &[&p.mask], params, &warnings, [0; 3])
                            .pop()
                            .unwrap_or(Err(FeatureError::EmptyRoi))
                    }
                    None => run_regions(image, dtype, &[m], params, &warnings, offset)
                        .pop()
                        .unwrap_or(Err(FeatureError::EmptyRoi)),
                }
            })
            .collect());
    }
    // Normalisation is over the whole image: the masks do not change it.
    let normalised = match masks.iter().find(|m| on_grid(m)) {
        Some(m) => crate::preprocess::preprocess(image, dtype, m, params)?,
        None => None,
    };
    let (image, dtype) = match &normalised {
        Some(p) => (&p.image, p.dtype),
        None => (image, dtype),
    };
    if s.pre_crop == Some(true) {
        // PyRadiomics' loadImage with `preCrop`: the (normalised) image is cropped to each
        // mask's bounding box plus `padDistance` before filtering.
        let pad = s.pad_distance.unwrap_or(5).max(0) as usize;
        return Ok(masks
            .iter()
            .map(|&m| {
                if !on_grid(m) {
                    return Err(param("mask", "the mask is not on the image grid"));
                }
                let size = m.geometry().size();
                let bbox = BoundingBox::of_mask(size, m.data())
                    .ok_or_else(|| param("mask", "the ROI is empty"))?
                    .padded([pad; 3], size);
                let crop = |e: perirad_core::CoreError| FeatureError::Input(e.to_string());
                let (image, mask) = (
                    image.crop(&bbox).map_err(crop)?,
                    m.crop(&bbox).map_err(crop)?,
                );
                run_regions(&image, dtype, &[&mask], params, &warnings, [0; 3])
                    .pop()
                    .unwrap_or(Err(FeatureError::EmptyRoi))
            })
            .collect());
    }
    let mut results = run_regions(image, dtype, masks, params, &warnings, offset);
    for (r, m) in results.iter_mut().zip(masks) {
        if !on_grid(m) {
            *r = Err(param("mask", "the mask is not on the image grid"));
        }
    }
    Ok(results)
}

/// One region after its checks: the re-segmented ROI cropped to its bounding box, and the
/// features so far.
struct Region {
    roi: Mask,
    bbox: BoundingBox,
    out: Extraction,
}

/// The ROI checks, re-segmentation and shape features of one region.
fn prepare(
    image: &Volume<f64>,
    mask: &Mask,
    params: &PyRadiomicsParams,
    classes: &[(FeatureClass, Option<Vec<String>>)],
    warnings: &[String],
    offset: [usize; 3],
) -> Result<Region, FeatureError> {
    if image.geometry().size() != mask.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    // Everything below reads the ROI's bounding box only: the mask and the image are cropped to
    // it (`at`, on the grid of `image`), and the shape class is told where the crop lies.
    let Some(at) = BoundingBox::of_mask(mask.geometry().size(), mask.data()) else {
        return Err(param("mask", "the ROI is empty"));
    };
    let crop = |e: perirad_core::CoreError| FeatureError::Input(e.to_string());
    let (whole_mask, mask, image) = (
        mask,
        &mask.crop(&at).map_err(crop)?,
        &image.crop(&at).map_err(crop)?,
    );
    let shape_offset: [usize; 3] = std::array::from_fn(|a| offset[a] + at.lower[a]);
    check_roi(mask, params)?;
    let mut values: Vec<f64> = mask
        .data()
        .iter()
        .zip(image.data())
        .filter(|(&m, _)| m)
        .map(|(_, &v)| v)
        .collect();
    if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
        return Err(param(
            "image",
            format!("the ROI holds a non-finite intensity ({}) ", values[bad]),
        ));
    }
    let thresholds = resegment(&mut values, params)?;
    let s = &params.setting;
    let mut out = Extraction {
        features: Vec::new(),
        warnings: warnings.to_vec(),
    };
    // PyRadiomics computes shape first, on its own mask (see `shape::pyradiomics_mask`).
    let shape_mask = shape::pyradiomics_mask(
        image,
        mask,
        s.resegment_range.is_some(),
        s.resegment_shape == Some(true),
        &values,
    );
    for (class, names) in classes {
        match class {
            FeatureClass::Shape => push_shape(
                &mut out,
                "shape",
                names,
                shape_shape(&shape_mask, shape_offset),
            ),
            FeatureClass::Shape2D => {
                // On the whole grid, as the class has always been given it.
                let whole = uncropped(&shape_mask, &at, whole_mask.geometry());
                if let Some(f) = shape2d_features(&whole, params, &mut out.warnings)? {
                    push_shape(&mut out, "shape2D", names, f);
                }
            }
            _ => {}
        }
    }
    // The re-segmented ROI (from the original intensities) serves every image type.
    let roi = resegmented_roi(image, mask, thresholds);
    let bbox = BoundingBox::of_mask(roi.geometry().size(), roi.data())
        .ok_or_else(|| param("mask", "the ROI is empty after re-segmentation"))?;
    let roi = roi.crop(&bbox).map_err(crop)?;
    // The box on the grid of `image`.
    let bbox = BoundingBox {
        lower: std::array::from_fn(|a| at.lower[a] + bbox.lower[a]),
        upper: std::array::from_fn(|a| at.lower[a] + bbox.upper[a]),
    };
    Ok(Region { roi, bbox, out })
}

/// Every image type of `params` for the regions `masks` of one (preprocessed) image: each
/// filtered image is computed once and its features taken per region, on the region's bounding
/// box.
fn run_regions(
    image: &Volume<f64>,
    dtype: DType,
    masks: &[&Mask],
    params: &PyRadiomicsParams,
    warnings: &[String],
    offset: [usize; 3],
) -> Vec<Result<Extraction, FeatureError>> {
    let classes = params
        .feature_classes
        .clone()
        .unwrap_or_else(|| FeatureClass::ALL.iter().map(|(_, c)| (*c, None)).collect());
    let mut regions: Vec<Result<Region, FeatureError>> = masks
        .iter()
        .map(|m| prepare(image, m, params, &classes, warnings, offset))
        .collect();
    let types = params
        .image_types
        .clone()
        .unwrap_or_else(|| vec![(ImageType::Original, Settings::default())]);
    // An image type's own settings override the `setting` section for its features. LoG runs
    // one σ at a time, so that each σ filters only the support it needs.
    let mut runs: Vec<(ImageType, Settings)> = Vec::new();
    for (image_type, own) in &types {
        let merged = params.setting.overlaid(own);
        match (&merged.sigma, *image_type) {
            (Some(sigmas), ImageType::LoG) if sigmas.len() > 1 => {
                for &sigma in sigmas {
                    let mut one = merged.clone();
                    one.sigma = Some(vec![sigma]);
                    runs.push((ImageType::LoG, one));
                }
            }
            _ => runs.push((*image_type, merged)),
        }
    }
    for (image_type, setting) in &runs {
        let merged = PyRadiomicsParams {
            setting: setting.clone(),
            ..params.clone()
        };
        let live: Vec<usize> = (0..regions.len()).filter(|&i| regions[i].is_ok()).collect();
        // LBP3D reads the ROI, so it is filtered per region; the others once for all.
        let groups: Vec<Vec<usize>> = if *image_type == ImageType::Lbp3D {
            live.iter().map(|&i| vec![i]).collect()
        } else if live.is_empty() {
            Vec::new()
        } else {
            vec![live]
        };
        for group in groups {
            // Filter only the part of the image the regions' values depend on (see
            // `filter_support`); `origin` is where that part starts.
            let union = group
                .iter()
                .filter_map(|&i| regions[i].as_ref().ok().map(|r| r.bbox))
                .reduce(|a, b| a.union(&b));
            let support = union
                .and_then(|u| filter_support(*image_type, &merged.setting, &u, image.geometry()));
            // LoG reads that part where it lies in the image (see `log_images_in`); the other
            // filters are given it cropped.
            let in_place = *image_type == ImageType::LoG;
            let cropped;
            let (source, origin) = match support
                .filter(|_| !in_place)
                .and_then(|b| Some((image.crop(&b).ok()?, b.lower)))
            {
                Some((c, lower)) => {
                    cropped = c;
                    (&cropped, lower)
                }
                None => (image, [0; 3]),
            };
            // The part of `source` that is filtered.
            let filtered_box = match support.filter(|_| in_place) {
                Some(b) => b,
                None => BoundingBox {
                    lower: [0; 3],
                    upper: source.geometry().size(),
                },
            };
            // The first region's ROI on the filtered grid, for the filters that read it.
            let reads_roi = !matches!(
                image_type,
                ImageType::Original | ImageType::LoG | ImageType::Wavelet
            );
            let source_roi = match &regions[group[0]] {
                Ok(r) => {
                    reads_roi.then(|| uncropped(&r.roi, &local(&r.bbox, origin), source.geometry()))
                }
                Err(_) => continue,
            };
            // The part of `source` the regions read.
            let keep = match union {
                Some(u) => local(&u, origin),
                None => BoundingBox {
                    lower: [0; 3],
                    upper: source.geometry().size(),
                },
            };
            let mut new_warnings = Vec::new();
            let result = for_each_image(
                *image_type,
                source,
                dtype,
                source_roi.as_ref(),
                &merged.setting,
                &filtered_box,
                &keep,
                &mut new_warnings,
                &mut |name, filtered, start| {
                    // `filtered` starts at `start` on `source`.
                    let at: [usize; 3] = std::array::from_fn(|a| origin[a] + start[a]);
                    for &i in &group {
                        if let Ok(r) = &mut regions[i] {
                            let outcome = filtered
                                .crop(&local(&r.bbox, at))
                                .map_err(|e| FeatureError::Input(e.to_string()))
                                .and_then(|crop| {
                                    image_features(
                                        &mut r.out, name, &crop, &r.roi, &classes, &merged,
                                    )
                                });
                            if let Err(e) = outcome {
                                regions[i] = Err(e);
                            }
                        }
                    }
                    Ok(())
                },
            );
            for &i in &group {
                match (&result, &mut regions[i]) {
                    (Err(e), r) => {
                        *r = Err(FeatureError::Input(format!("{}: {e}", image_type.name())))
                    }
                    (Ok(()), Ok(r)) => {
                        for w in &new_warnings {
                            if !r.out.warnings.contains(w) {
                                r.out.warnings.push(w.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    regions.into_iter().map(|r| r.map(|r| r.out)).collect()
}

/// The part of the image a filter must see so that its response inside `union` (the regions'
/// bounding box) equals the response of the whole image, as PyRadiomics filters it; `None`
/// when the whole image is needed (intensity transforms, which scale by the whole image's
/// maximum; LBP) or the box would be most of it anyway.
///
/// * LoG (ITK's recursive Gaussian): the response at a voxel depends on voxels `m` away with a
///   weight below `exp(−1.37 m / s)`, `s` = σ / spacing in voxels (the slower pole of Deriche's
///   approximation); a margin of `16 s + 4` voxels leaves < 3e-10 of the edge's influence. At
///   the image border the recursion's edge rule is the same for the crop and the image. Each σ
///   is filtered on its own support.
/// * Wavelet (`swtn`, circular, filters of F taps applied level after level): exact beyond
///   `L · F + 2` voxels (L levels, plus the odd-size padding); an axis whose margin would reach
///   the border is kept whole, so that the circular wrap sees the same voxels.
/// * Gradient (central differences): 2 voxels.
fn filter_support(
    image_type: ImageType,
    settings: &Settings,
    union: &BoundingBox,
    g: &perirad_core::Geometry,
) -> Option<BoundingBox> {
    let spacing = g.spacing();
    let margin: [usize; 3] = match image_type {
        ImageType::LoG => {
            let sigma = settings
                .sigma
                .as_ref()?
                .iter()
                .copied()
                .fold(0.0f64, f64::max);
            std::array::from_fn(|a| (16.0 * sigma / spacing[a]).ceil() as usize + 4)
        }
        ImageType::Wavelet => {
            let plan = crate::filters::wavelet::WaveletPlan::from_settings(settings).ok()?;
            let m = (plan.start_level + plan.level) * plan.bank.dec_lo.len() + 2;
            std::array::from_fn(|a| if plan.axes.contains(&a) { m } else { 0 })
        }
        ImageType::Gradient => [2; 3],
        _ => return None,
    };
    let size = g.size();
    let mut b = *union;
    for a in 0..3 {
        if union.lower[a] <= margin[a] || union.upper[a] + margin[a] >= size[a] {
            b.lower[a] = 0;
            b.upper[a] = size[a];
        } else {
            b.lower[a] = union.lower[a] - margin[a];
            b.upper[a] = union.upper[a] + margin[a];
        }
    }
    let voxels = |b: &BoundingBox| b.size().iter().product::<usize>();
    (voxels(&b) * 10
        < voxels(&BoundingBox {
            lower: [0; 3],
            upper: size,
        }) * 9)
        .then_some(b)
}

/// `bbox` in the coordinates of a crop starting at `origin`.
fn local(bbox: &BoundingBox, origin: [usize; 3]) -> BoundingBox {
    BoundingBox {
        lower: std::array::from_fn(|k| bbox.lower[k] - origin[k]),
        upper: std::array::from_fn(|k| bbox.upper[k] - origin[k]),
    }
}

/// `roi` (cropped to `bbox`) back on the grid `g` that `bbox` refers to.
fn uncropped(roi: &Mask, bbox: &BoundingBox, g: &perirad_core::Geometry) -> Mask {
    let mut full = Volume::filled(g.clone(), false);
    let [nx, ny, _] = g.size();
    let [cx, cy, cz] = roi.geometry().size();
    for k in 0..cz {
        for j in 0..cy {
            for i in 0..cx {
                let (a, b, c) = (bbox.lower[0] + i, bbox.lower[1] + j, bbox.lower[2] + k);
                full.data_mut()[a + nx * (b + ny * c)] = roi.data()[i + cx * (j + cy * k)];
            }
        }
    }
    full
}

/// `mask` without the voxels re-segmentation drops (`thresholds` on the original intensities).
fn resegmented_roi(
    image: &Volume<f64>,
    mask: &Mask,
    thresholds: Option<(f64, Option<f64>)>,
) -> Mask {
    let mut roi = mask.clone();
    if let Some((lo, hi)) = thresholds {
        for (r, &v) in roi.data_mut().iter_mut().zip(image.data()) {
            *r = *r && v >= lo && hi.is_none_or(|hi| v <= hi);
        }
    }
    roi
}

/// What receives each (filtered) image with its name and the voxel of `image` it starts at
/// (`[0; 3]` for a whole image).
type ImageSink<'a> = dyn FnMut(&str, &Volume<f64>, [usize; 3]) -> Result<(), FeatureError> + 'a;

/// Runs `f` on each image of one PyRadiomics image type with its name (`original`,
/// `log-sigma-1-0-mm-3D`, `wavelet-LLH`, ...), one image at a time (filtered images of a large
/// volume are big). `roi`: the ROI on `image`'s grid, for the filters that read it. `support`:
/// the part of `image` that LoG filters, as if `image` were cropped to it (the other filters
/// take the whole of `image`). `keep`: the part of `image` the sink reads; LoG and wavelet
/// images are computed and handed over only there.
#[allow(clippy::too_many_arguments)]
fn for_each_image(
    image_type: ImageType,
    image: &Volume<f64>,
    dtype: DType,
    roi: Option<&Mask>,
    settings: &Settings,
    support: &BoundingBox,
    keep: &BoundingBox,
    warnings: &mut Vec<String>,
    f: &mut ImageSink<'_>,
) -> Result<(), FeatureError> {
    use crate::filters::{pyradiomics as filters, wavelet};
    match image_type {
        ImageType::Original => f("original", image, [0; 3]),
        ImageType::Wavelet => {
            wavelet::for_each_wavelet_image_in(image, settings, keep, |name, band| {
                f(&name, &band, keep.lower)
            })
        }
        ImageType::LoG => {
            let filtered = filters::log_images_in(image, settings, support, keep)?;
            warnings.extend(filtered.warnings);
            for (name, im) in &filtered.images {
                f(name, im, keep.lower)?;
            }
            Ok(())
        }
        other => {
            let roi = roi.ok_or_else(|| param("mask", "no ROI for the filter"))?;
            let filtered = filters::filtered_images(other, image, dtype, roi, settings)?;
            warnings.extend(filtered.warnings);
            for (name, im) in &filtered.images {
                f(name, im, [0; 3])?;
            }
            Ok(())
        }
    }
}

/// The first-order and texture features of `classes` for one (filtered) image, named
/// `{prefix}_{class}_{feature}`, in `classes`' order (as PyRadiomics' `computeFeatures`).
fn image_features(
    out: &mut Extraction,
    prefix: &str,
    image: &Volume<f64>,
    roi: &Mask,
    classes: &[(FeatureClass, Option<Vec<String>>)],
    params: &PyRadiomicsParams,
) -> Result<(), FeatureError> {
    if image.geometry().size() != roi.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    let (m, data) = (roi.data(), image.data());
    let runs = RoiRuns::of_mask(roi.geometry().size(), m);
    let range = roi_range(&runs, data);
    if range.is_none() {
        if let Some(bad) = roi_values(m, data).iter().find(|v| !v.is_finite()) {
            return Err(param(
                "image",
                format!("the {prefix} image holds a non-finite intensity ({bad}) in the ROI"),
            ));
        }
    }
    let s = &params.setting;
    let binning = match (s.bin_count, s.bin_width) {
        (Some(c), _) => Binning::Count(c as u32),
        (None, w) => Binning::Width(w.unwrap_or(25.0)),
    };
    let shift = s.voxel_array_shift.unwrap_or(0) as f64;
    let mut grid: Option<LevelGrid> = None;
    let stats = OnceCell::new();
    for (class, names) in classes {
        if *class == FeatureClass::FirstOrder {
            let values = roi_values(m, data);
            let features =
                firstorder::pyradiomics(&values, image.geometry().voxel_volume(), shift, binning);
            push_class(
                out,
                prefix,
                "firstorder",
                names,
                features,
                firstorder::DEPRECATED,
            );
            continue;
        }
        if !TEXTURES.contains(class) {
            continue;
        }
        if grid.is_none() {
            // The ROI's grey levels (PyRadiomics' `binImage`: 1-based bins of the edges of the
            // ROI values), cropped to its bounding box, once for every texture class.
            let edges = match range {
                Some((lo, hi)) => pyradiomics_edges_between(lo, hi, binning),
                None => pyradiomics_edges_between(0.0, 0.0, binning),
            };
            let bins = EdgeCounter::new(&edges);
            grid = Some(LevelGrid::from_runs(
                &runs,
                image.geometry().spacing(),
                s,
                |l, out| bins.count_row(&data[l..l + out.len()], out),
            )?);
        }
        if let Some(g) = &grid {
            if let Some(result) = texture_class(*class, g, &stats, params) {
                let (features, deprecated) = result?;
                push_class(out, prefix, class.name(), names, features, deprecated);
            }
        }
    }
    Ok(())
}

/// The smallest and largest value of `image` in the ROI made of `runs`; `None` when the ROI is
/// empty or holds a value that is not finite.
fn roi_range(runs: &RoiRuns, image: &[f64]) -> Option<(f64, f64)> {
    // Four independent lanes of branch-free running minima and maxima (NaN and the infinities
    // make `finite` NaN).
    const LANES: usize = 4;
    let (mut lo, mut hi) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES]);
    let mut finite = [0.0f64; LANES];
    let mut lane = |v: &[f64]| {
        for (t, &x) in v.iter().enumerate() {
            lo[t] = if x < lo[t] { x } else { lo[t] };
            hi[t] = if x > hi[t] { x } else { hi[t] };
            finite[t] += x * 0.0;
        }
    };
    for r in runs.ranges() {
        let v = image[r].chunks_exact(LANES);
        let tail = v.remainder();
        v.for_each(&mut lane);
        lane(tail);
    }
    let lo = lo.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    let hi = hi.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    (!runs.runs.is_empty() && finite.iter().all(|&f| f == 0.0)).then_some((lo, hi))
}

/// The values of `image` where `mask` is set, in order, 16 voxels at a time: a block wholly
/// inside the ROI is copied, one wholly outside skipped.
fn roi_values(mask: &[bool], image: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(mask.iter().filter(|&&m| m).count());
    for (m, v) in mask.chunks(16).zip(image.chunks(16)) {
        if m.iter().all(|&b| b) {
            out.extend_from_slice(v);
        } else if m.contains(&true) {
            out.extend(m.iter().zip(v).filter_map(|(&b, &x)| b.then_some(x)));
        }
    }
    out
}

const TEXTURES: [FeatureClass; 5] = [
    FeatureClass::Glcm,
    FeatureClass::Glrlm,
    FeatureClass::Glszm,
    FeatureClass::Gldm,
    FeatureClass::Ngtdm,
];

/// PyRadiomics' texture stage alone, as each texture class's `execute()` runs it: on an image
/// and ROI already normalised, resampled and cropped, re-segmentation, discretisation, the
/// matrices and the features of the texture classes `params` enables. For benchmarks and for
/// callers that computed the other classes themselves.
pub fn pyradiomics_texture(
    image: &Volume<f64>,
    mask: &Mask,
    params: &PyRadiomicsParams,
) -> Result<Vec<(String, f64)>, FeatureError> {
    if image.geometry().size() != mask.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    // Re-segmentation needs the ROI's values; without it, the mask serves as it is.
    let thresholds = if params.setting.resegment_range.is_some() {
        let mut values = roi_values(mask.data(), image.data());
        if values.is_empty() {
            return Err(param("mask", "the ROI is empty"));
        }
        resegment(&mut values, params)?
    } else {
        if !mask.data().contains(&true) {
            return Err(param("mask", "the ROI is empty"));
        }
        None
    };
    let classes = params
        .feature_classes
        .clone()
        .unwrap_or_else(|| FeatureClass::ALL.iter().map(|(_, c)| (*c, None)).collect());
    let textures: Vec<(FeatureClass, Option<Vec<String>>)> = classes
        .into_iter()
        .filter(|(c, _)| TEXTURES.contains(c))
        .collect();
    let mut out = Extraction::default();
    match thresholds {
        Some(_) => {
            let roi = resegmented_roi(image, mask, thresholds);
            image_features(&mut out, "original", image, &roi, &textures, params)?;
        }
        None => image_features(&mut out, "original", image, mask, &textures, params)?,
    }
    Ok(out.features)
}

/// `shape` features of the shape mask (never empty here: the ROI was checked).
fn shape_shape(mask: &Mask, offset: [usize; 3]) -> Vec<(&'static str, f64)> {
    shape::pyradiomics_at(mask, offset).unwrap_or_default()
}

/// `shape2D` as PyRadiomics' `computeShape` gates it: without `force2D` it is skipped with a
/// warning; it is also skipped when the ROI's bounding box is one voxel wide along the SimpleITK
/// (x, y, z) axis numbered `force2Ddimension` (PyRadiomics 3.1 indexes its (x, y, z) bounding box
/// with the numpy axis number: a quirk reproduced here); the feature class then fails unless the
/// ROI is one voxel thick along numpy axis `force2Ddimension` (z, y, x).
fn shape2d_features(
    mask: &Mask,
    params: &PyRadiomicsParams,
    warnings: &mut Vec<String>,
) -> Result<Option<Vec<(&'static str, f64)>>, FeatureError> {
    let s = &params.setting;
    if s.force_2d != Some(true) {
        warnings.push("shape2D needs force2D: true for 3D input: skipped".into());
        return Ok(None);
    }
    let d = s.force_2d_dimension.unwrap_or(0).clamp(0, 2) as usize;
    let Some(bbox) = BoundingBox::of_mask(mask.geometry().size(), mask.data()) else {
        return Err(param("mask", "the ROI is empty"));
    };
    if bbox.size()[d] <= 1 {
        warnings.push(format!(
            "shape2D skipped as PyRadiomics 3.1 does: the ROI's bounding box is one voxel along \
             SimpleITK axis {d}"
        ));
        return Ok(None);
    }
    shape2d::pyradiomics(mask, d).map(Some)
}

fn push_shape(
    out: &mut Extraction,
    class: &str,
    names: &Option<Vec<String>>,
    features: Vec<(&'static str, f64)>,
) {
    let deprecated: &[&str] = if class == "shape" {
        &shape::DEPRECATED
    } else {
        &shape2d::DEPRECATED
    };
    push_class(out, "original", class, names, features, deprecated);
}

/// The features of one texture class on the discretised ROI, with the names PyRadiomics marks
/// deprecated; `None` for a class that is not a texture class (or not computed yet).
type ClassFeatures = (Vec<(&'static str, f64)>, &'static [&'static str]);
fn texture_class(
    class: FeatureClass,
    grid: &LevelGrid,
    stats: &OnceCell<NeighbourStats>,
    params: &PyRadiomicsParams,
) -> Option<Result<ClassFeatures, FeatureError>> {
    use crate::families::{pyr_glcm, pyr_glrlm};
    let s = &params.setting;
    // GLDM and NGTDM read the same neighbourhoods: one pass over the grid serves both.
    let stats = || -> Result<&NeighbourStats, FeatureError> {
        if stats.get().is_none() {
            let _ = stats.set(neighbour_stats(grid, params)?);
        }
        stats.get().ok_or(FeatureError::EmptyRoi)
    };
    match class {
        FeatureClass::Glcm => Some(pyr_glcm::from_grid(grid, s).map(|f| (f, pyr_glcm::DEPRECATED))),
        FeatureClass::Glrlm => {
            Some(pyr_glrlm::from_grid(grid, s).map(|f| (f, pyr_glrlm::DEPRECATED)))
        }
        FeatureClass::Glszm => {
            Some(pyr_glszm::from_grid(grid, params).map(|f| (f, &pyr_glszm::DEPRECATED[..])))
        }
        FeatureClass::Gldm => Some(
            stats()
                .and_then(|st| pyr_gldm::from_stats(grid, st))
                .map(|f| (f, &pyr_gldm::DEPRECATED[..])),
        ),
        FeatureClass::Ngtdm => Some(
            stats()
                .and_then(|st| pyr_ngtdm::from_stats(grid, st))
                .map(|f| (f, &pyr_ngtdm::DEPRECATED[..])),
        ),
        _ => None,
    }
}

/// Adds `features` of `class` as `original_{class}_{name}`: the ones `names` lists, or, without a
/// list, all but the deprecated ones.
fn push_class(
    out: &mut Extraction,
    prefix: &str,
    class: &str,
    names: &Option<Vec<String>>,
    features: Vec<(&'static str, f64)>,
    deprecated: &[&str],
) {
    out.features.reserve(features.len());
    for (name, value) in features {
        let wanted = match names {
            Some(list) => list.iter().any(|n| n == name),
            None => !deprecated.contains(&name),
        };
        if wanted {
            // `{prefix}_{class}_{name}`, without the formatting machinery.
            let mut key = String::with_capacity(prefix.len() + class.len() + name.len() + 2);
            for part in [prefix, "_", class, "_", name] {
                key.push_str(part);
            }
            out.features.push((key, value));
        }
    }
}
