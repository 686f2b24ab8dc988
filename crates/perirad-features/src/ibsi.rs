//! IBSI-mode extraction: the image processing chain of a [`PeriradSettings`] (rounding,
//! interpolation, re-segmentation, discretisation) and the IBSI-1 feature families, with values
//! named by their IBSI tags (`morph_volume`, `stat_mean`, `ih_entropy`).

use crate::error::param;
use crate::settings::{Family, PeriradSettings};
use crate::FeatureError;
use perirad_core::{Mask, Volume};

/// Features of one ROI, by IBSI tag.
#[derive(Debug, Clone, Default)]
pub struct IbsiExtraction {
    pub features: Vec<(String, f64)>,
    /// Families asked for that perirad does not compute yet.
    pub not_computed: Vec<Family>,
}

/// Families this build computes.
pub const COMPUTED: &[Family] = &[];

/// Checks the ROI: not empty, finite intensities.
fn check_roi(image: &Volume<f64>, mask: &Mask) -> Result<usize, FeatureError> {
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
    Ok(n)
}

/// The IBSI features `settings` asks for, for the ROI `mask` of `image` (same grid).
pub fn extract_ibsi(
    image: &Volume<f64>,
    mask: &Mask,
    settings: &PeriradSettings,
) -> Result<IbsiExtraction, FeatureError> {
    check_roi(image, mask)?;
    let mut out = IbsiExtraction::default();
    for family in settings.families() {
        if !COMPUTED.contains(&family) {
            out.not_computed.push(family);
        }
    }
    Ok(out)
}
