//! IBSI-mode extraction: the image processing chain of a [`PeriradSettings`] and the IBSI-1
//! feature families, with values named by their IBSI tags (`morph_volume`, `stat_mean`,
//! `ih_entropy`, `cm_joint_max_3D_comb`).
//!
//! The chain, in the manual's order:
//! 1. `round_intensities`: the image is rounded to integers (the IBSI CT phantom's NIfTI note);
//! 2. interpolation to the IBSI grid (image and mask; mask by partial-volume threshold), which
//!    gives the morphological mask;
//! 3. re-segmentation of the intensity mask (range, then μ ± kσ of the interpolated ROI);
//! 4. features: morphology on the morphological mask (with Moran's I, Geary's C and the
//!    integrated intensity on the intensity mask), local intensity peaks (the whole image
//!    around the intensity mask's voxels), intensity statistics, the intensity histogram and
//!    the texture families on the discretised intensity mask, the IVH with its own
//!    discretisation;
//! 5. IBSI-2 filters (settings `filters`): each filter is applied once to the processed
//!    (interpolated, rounded) image and its families are computed on the response map with the
//!    same masks; the values go to [`IbsiExtraction::filtered`] as `<filter name>_<tag>`.
//!    Filters with a finite reach run on a crop of the image around the ROI whose margin covers
//!    the whole reach, so the response in the ROI equals that of the whole image (see
//!    `response_values`); frequency-domain filters (Simoncelli, Riesz) and the Gabor filter
//!    (its kernel spans the slice) filter the whole image.
//!
//! Discretisation: `fbs` bins start at the lower re-segmentation bound (else the ROI minimum);
//! `fbn` spans the ROI's range after re-segmentation; `none` uses the intensities themselves as
//! levels (they must be integers ≥ 1, as in the digital phantom). The number of grey levels
//! `N_g` is the highest level in the ROI.

use crate::discretise::{ibsi_fixed_bin_number, ibsi_fixed_bin_size, roi_min_max};
use crate::error::param;
use crate::families::ibsi_intensity::{
    intensity_histogram, intensity_statistics, intensity_volume_histogram, IvhUnits,
};
use crate::families::ibsi_spatial::{
    integrated_intensity, local_intensity, moran_geary, peak_radius_mm,
};
use crate::families::morphology::ibsi_morphology;
use crate::families::texture::Discretised;
use crate::families::{glcm, glrlm, zones};
use crate::filters::ibsi2::Ibsi2Filter;
use crate::filters::Boundary;
use crate::preprocess::ibsi::{
    ibsi_resample_image, ibsi_resample_mask, ibsi_resegment, IbsiInterpolation, Interp as PInterp,
};
use crate::settings::{Discretiser, Family, Interp, PeriradSettings};
use crate::FeatureError;
use perirad_core::{BoundingBox, Mask, Volume};

/// Features of one ROI, by IBSI tag.
#[derive(Debug, Clone, Default)]
pub struct IbsiExtraction {
    pub features: Vec<(String, f64)>,
    /// Values of the IBSI-2 filters' response maps (settings `filters`), named
    /// `<filter name>_<tag>`, in the order of the settings file.
    pub filtered: Vec<(String, f64)>,
    /// Voxels of the morphological and intensity masks after processing.
    pub morphological_voxels: usize,
    pub intensity_voxels: usize,
}

/// Checks the ROI: on the image grid, not empty, finite intensities.
fn check_roi(image: &Volume<f64>, mask: &Mask) -> Result<(), FeatureError> {
    if image.geometry().size() != mask.geometry().size() {
        return Err(param("mask", "the mask is not on the image grid"));
    }
    let mut n = 0;
    for (&m, &v) in mask.data().iter().zip(image.data()) {
        if m {
            if !v.is_finite() {
                return Err(param(
                    "image",
                    format!("the ROI holds a non-finite intensity ({v})"),
                ));
            }
            n += 1;
        }
    }
    if n == 0 {
        return Err(param("mask", "the ROI is empty"));
    }
    Ok(())
}

fn interpolation(s: &PeriradSettings) -> Option<IbsiInterpolation> {
    let i = s.interpolation.as_ref()?;
    let map = |m: Interp| match m {
        Interp::Nearest => PInterp::Nearest,
        Interp::Linear => PInterp::Linear,
        Interp::Bspline => PInterp::Cubic,
    };
    Some(IbsiInterpolation {
        spacing: [i.spacing[0], i.spacing[1], i.spacing[2]],
        in_plane_only: i.in_plane,
        image: map(i.image),
        mask: map(i.mask),
        partial_volume: i.partial_volume,
        round: i.round_intensities,
    })
}

/// Discrete levels of the ROI values for the texture families and the intensity histogram.
fn discretise(
    values: &[f64],
    d: Discretiser,
    lower: Option<f64>,
) -> Result<Vec<u32>, FeatureError> {
    match d {
        Discretiser::Fbs { width } => {
            let lower = match lower {
                Some(l) => l,
                None => roi_min_max(values).map(|m| m.0).unwrap_or(0.0),
            };
            ibsi_fixed_bin_size(values, width, lower)
        }
        Discretiser::Fbn { bins } => ibsi_fixed_bin_number(values, bins),
        Discretiser::None => values
            .iter()
            .map(|&v| {
                if v >= 1.0 && v == v.trunc() && v <= u32::MAX as f64 {
                    Ok(v as u32)
                } else {
                    Err(param(
                        "discretisation.texture",
                        format!(
                            "method none uses the intensities as grey levels, which must be \
                             integers >= 1; the ROI holds {v} (use fbs or fbn)"
                        ),
                    ))
                }
            })
            .collect(),
    }
}

/// The IBSI features `settings` asks for, for the ROI `mask` of `image` (same grid).
pub fn extract_ibsi(
    image: &Volume<f64>,
    mask: &Mask,
    settings: &PeriradSettings,
) -> Result<IbsiExtraction, FeatureError> {
    extract_ibsi_regions(image, &[mask], settings)?
        .pop()
        .unwrap_or(Err(FeatureError::EmptyRoi))
}

/// A region after processing: its morphological and intensity masks on the processed grid.
struct Processed {
    morph: Mask,
    intensity: Mask,
    out: IbsiExtraction,
}

/// [`extract_ibsi`] for several ROIs of one image (a tumor and its peritumoral regions), one
/// result per ROI. The image is rounded and interpolated once, and each IBSI-2 filter is
/// applied once for all regions (on the part of the image their values depend on); a region
/// that fails (empty after interpolation or re-segmentation) does not stop the others. The
/// outer error is for what no region can survive (invalid filter settings, a filter failing).
pub fn extract_ibsi_regions(
    image: &Volume<f64>,
    masks: &[&Mask],
    settings: &PeriradSettings,
) -> Result<Vec<Result<IbsiExtraction, FeatureError>>, FeatureError> {
    let rounded;
    let image = if settings.round_intensities {
        rounded = image.map(|v| v.round());
        &rounded
    } else {
        image
    };
    let reseg = &settings.resegmentation;
    let (lower, upper) = match reseg.range {
        Some([lo, hi]) => (lo, hi),
        None => (None, None),
    };
    let range = reseg
        .range
        .map(|[lo, hi]| (lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY)));
    let interpolation = interpolation(settings);
    let interpolated;
    let processed_image = match &interpolation {
        Some(s) => {
            interpolated = ibsi_resample_image(image, s)?;
            &interpolated
        }
        None => image,
    };
    let families = settings.families();
    let mut regions: Vec<Result<Processed, FeatureError>> = masks
        .iter()
        .map(|&mask| {
            check_roi(image, mask)?;
            let morph = match &interpolation {
                Some(s) => ibsi_resample_mask(mask, s)?,
                None => mask.clone(),
            };
            let intensity = ibsi_resegment(processed_image, &morph, range, reseg.outliers_sigma);
            let count = |m: &Mask| m.data().iter().filter(|&&b| b).count();
            let mut out = IbsiExtraction {
                morphological_voxels: count(&morph),
                intensity_voxels: count(&intensity),
                ..Default::default()
            };
            if out.morphological_voxels == 0 {
                return Err(param(
                    "interpolation",
                    "the ROI is empty after interpolation (partial-volume threshold)",
                ));
            }
            if out.intensity_voxels == 0 {
                return Err(param(
                    "resegmentation",
                    "re-segmentation left no voxel in the intensity mask",
                ));
            }
            out.features = family_values(
                processed_image,
                &morph,
                &intensity,
                &families,
                settings,
                (lower, upper),
            )?;
            Ok(Processed {
                morph,
                intensity,
                out,
            })
        })
        .collect();
    let filters = settings.ibsi2_filters()?;
    for (spec, filter) in settings.filters.iter().zip(&filters) {
        let families = spec.response_families(settings);
        let live: Vec<usize> = (0..regions.len()).filter(|&i| regions[i].is_ok()).collect();
        let rois: Vec<(&Mask, &Mask)> = live
            .iter()
            .filter_map(|&i| regions[i].as_ref().ok().map(|r| (&r.morph, &r.intensity)))
            .collect();
        if rois.is_empty() {
            break;
        }
        let values = response_values(processed_image, &rois, filter, &families, settings)?;
        for (&i, v) in live.iter().zip(values) {
            match v {
                Ok(values) => {
                    if let Ok(r) = &mut regions[i] {
                        r.out.filtered.extend(
                            values
                                .into_iter()
                                .map(|(tag, v)| (format!("{}_{tag}", spec.name), v)),
                        );
                    }
                }
                Err(e) => regions[i] = Err(e),
            }
        }
    }
    Ok(regions.into_iter().map(|r| r.map(|r| r.out)).collect())
}

/// The values of `families` for the ROI of `image`: `morph` and `intensity` are the
/// morphological and intensity masks on the image's grid; `bounds` are the re-segmentation
/// bounds used by the discretisation (`None`: the ROI's own range).
fn family_values(
    image: &Volume<f64>,
    morph: &Mask,
    intensity: &Mask,
    families: &[Family],
    settings: &PeriradSettings,
    bounds: (Option<f64>, Option<f64>),
) -> Result<Vec<(String, f64)>, FeatureError> {
    let (lower, upper) = bounds;
    let values: Vec<f64> = intensity
        .data()
        .iter()
        .zip(image.data())
        .filter_map(|(&m, &v)| m.then_some(v))
        .collect();
    let wants = |f: Family| families.contains(&f);
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut push = |tag: &str, v: f64| out.push((tag.to_string(), v));
    if wants(Family::Morphology) {
        let morphology = ibsi_morphology(morph, image, intensity);
        let mesh_volume = morphology
            .iter()
            .find(|(t, _)| *t == "morph_volume")
            .map(|&(_, v)| v);
        for (t, v) in morphology {
            push(t, v);
        }
        if let Some(volume) = mesh_volume {
            push("morph_integ_int", integrated_intensity(&values, volume)?);
        }
        let (moran, geary) = moran_geary(image, intensity)?;
        push("morph_moran_i", moran);
        push("morph_geary_c", geary);
    }
    if wants(Family::LocalIntensity) {
        for (t, v) in local_intensity(image, intensity)? {
            push(t, v);
        }
    }
    if wants(Family::IntensityStatistics) {
        for (t, v) in intensity_statistics(&values)? {
            push(t, v);
        }
    }
    let texture_families = [
        Family::Glcm,
        Family::Glrlm,
        Family::Glszm,
        Family::Gldzm,
        Family::Ngtdm,
        Family::Ngldm,
    ];
    let needs_levels =
        wants(Family::IntensityHistogram) || texture_families.iter().any(|&f| wants(f));
    if needs_levels {
        let levels = discretise(&values, settings.discretisation.texture, lower)?;
        let ng = levels.iter().copied().max().unwrap_or(1);
        if wants(Family::IntensityHistogram) {
            for (t, v) in intensity_histogram(&levels, ng)? {
                push(t, v);
            }
        }
        // The levels back on the grid, for the texture matrices.
        let mut grid = vec![0u32; intensity.data().len()];
        let mut it = levels.iter();
        for (g, &m) in grid.iter_mut().zip(intensity.data()) {
            if m {
                *g = it.next().copied().unwrap_or(0);
            }
        }
        let grid = Volume::new(intensity.geometry().clone(), grid)
            .map_err(|e| FeatureError::Input(e.to_string()))?;
        if let Some(d) = Discretised::new(&grid, intensity, ng) {
            let t = &settings.texture;
            for &dims in &t.dimensions {
                let mut add = |values: Vec<(String, f64)>| out.extend(values);
                if wants(Family::Glcm) {
                    add(glcm::ibsi(&d, dims, t.distance));
                }
                if wants(Family::Glrlm) {
                    add(glrlm::ibsi(&d, dims));
                }
                if wants(Family::Glszm) {
                    add(zones::glszm(&d, dims));
                }
                if wants(Family::Gldzm) {
                    add(zones::gldzm(&d, morph, dims));
                }
                if wants(Family::Ngtdm) {
                    add(zones::ngtdm(&d, dims, t.distance));
                }
                if wants(Family::Ngldm) {
                    add(zones::ngldm(&d, dims, t.distance, t.ngldm_alpha));
                }
            }
        }
    }
    if wants(Family::IntensityVolumeHistogram) {
        let units = match settings.discretisation.ivh {
            Discretiser::None => IvhUnits::Discrete { lower, upper },
            Discretiser::Fbs { width } => IvhUnits::Continuous {
                width,
                lower,
                upper,
            },
            Discretiser::Fbn { bins } => IvhUnits::Arbitrary { bins },
        };
        for (t, v) in intensity_volume_histogram(&values, units)? {
            out.push((t.to_string(), v));
        }
    }
    Ok(out)
}

/// Feature values by tag.
type Named = Vec<(String, f64)>;

/// The values of `families` on the response map of `filter`. Filters with a finite reach are
/// applied to a crop of the processed image: the box of the ROI (both masks) grown by the
/// filter's margin ([`Ibsi2Filter::margin`]), by the local-intensity sphere when that family is
/// asked for, and by one voxel, clamped to the image (with a periodic boundary, an axis where
/// the box reaches an image edge is kept whole). Inside the ROI box (and the sphere's
/// reach) the response then equals the response of the whole image. Filters that depend on the
/// whole image (frequency domain, Gabor) filter the whole image. The re-segmentation bounds are
/// in the original image's units, so the discretisation of a response map uses the ROI's own
/// range.
fn response_values(
    image: &Volume<f64>,
    rois: &[(&Mask, &Mask)],
    filter: &Ibsi2Filter,
    families: &[Family],
    settings: &PeriradSettings,
) -> Result<Vec<Result<Named, FeatureError>>, FeatureError> {
    let geometry = image.geometry();
    let size = geometry.size();
    let spacing = geometry.spacing();
    let Some(reach) = filter.margin(spacing)? else {
        let response = filter.apply(image)?;
        return Ok(rois
            .iter()
            .map(|(morph, intensity)| {
                family_values(
                    &response,
                    morph,
                    intensity,
                    families,
                    settings,
                    (None, None),
                )
            })
            .collect());
    };
    let sphere: [usize; 3] = if families.contains(&Family::LocalIntensity) {
        std::array::from_fn(|a| (peak_radius_mm() / spacing[a]).ceil() as usize)
    } else {
        [0; 3]
    };
    let Some(roi_box) = rois
        .iter()
        .filter_map(|(morph, intensity)| {
            let (m, n) = (morph.data(), intensity.data());
            BoundingBox::of(size, |i| m[i] || n[i])
        })
        .reduce(|a, b| a.union(&b))
    else {
        return Err(FeatureError::EmptyRoi);
    };
    let pad: [usize; 3] = std::array::from_fn(|a| reach[a] + sphere[a] + 1);
    let mut crop = roi_box.padded(pad, size);
    // A periodic image wraps around: where the crop reaches an edge of a filtered axis, the
    // filter reads the opposite edge, so that axis is kept whole.
    if filter.boundary() == Some(Boundary::Periodic) {
        for a in 0..3 {
            if reach[a] > 0 && (crop.lower[a] == 0 || crop.upper[a] == size[a]) {
                crop.lower[a] = 0;
                crop.upper[a] = size[a];
            }
        }
    }
    let cropped = |e: perirad_core::CoreError| FeatureError::Input(format!("crop: {e}"));
    let response = filter.apply(&image.crop(&crop).map_err(cropped)?)?;
    Ok(rois
        .iter()
        .map(|(morph, intensity)| {
            let morph = morph.crop(&crop).map_err(cropped)?;
            let intensity = intensity.crop(&crop).map_err(cropped)?;
            family_values(
                &response,
                &morph,
                &intensity,
                families,
                settings,
                (None, None),
            )
        })
        .collect())
}
