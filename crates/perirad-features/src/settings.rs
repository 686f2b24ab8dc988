//! perirad's own settings file: the IBSI-1 image processing chain, written the way the IBSI
//! reference manual describes a configuration (interpolation, re-segmentation, discretisation),
//! for `--mode ibsi` and for what a PyRadiomics parameter file cannot express.
//!
//! ```yaml
//! mode: ibsi
//! description: IBSI-1 CT phantom, configuration C
//! round_intensities: true          # round the image to integers before processing
//! interpolation:
//!   spacing: [2.0, 2.0, 2.0]       # mm; in_plane: true keeps the slice spacing
//!   in_plane: false
//!   image: linear                  # nearest | linear | bspline
//!   mask: linear                   # nearest | linear
//!   partial_volume: 0.5            # mask value ≥ threshold → ROI voxel
//!   round_intensities: true        # round interpolated intensities to integers
//! resegmentation:
//!   range: [-1000, 400]            # either bound may be null
//!   outliers_sigma: 3              # drop voxels outside μ ± 3σ
//! discretisation:
//!   texture: { method: fbs, width: 25 }     # fbs (fixed bin size) | fbn (fixed bin number)
//!   ivh: { method: fbs, width: 2.5 }        # none | fbs | fbn; none = discrete units, w = 1
//! families: [morphology, local_intensity, intensity_statistics,
//!            intensity_histogram, intensity_volume_histogram]
//! texture:
//!   dimensions: 3d                 # 2d (per slice: 2D and 2.5D aggregations) | 3d | [2d, 3d]
//!   distance: 1
//! ```
//!
//! Every key is optional except `mode`; an unknown key, a wrong type or an impossible value is an
//! error naming the key. The files in the repository's `examples/ibsi/` are the IBSI-1 reference
//! configurations.

use crate::error::param;
use crate::FeatureError;
use serde::Deserialize;

/// A perirad settings file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriradSettings {
    /// `ibsi` (the only mode a perirad settings file describes so far).
    pub mode: String,
    /// Free text, copied to the provenance.
    #[serde(default)]
    pub description: Option<String>,
    /// Round the image to the nearest integer before any processing (the IBSI CT phantom).
    #[serde(default)]
    pub round_intensities: bool,
    #[serde(default)]
    pub interpolation: Option<Interpolation>,
    #[serde(default)]
    pub resegmentation: Resegmentation,
    #[serde(default)]
    pub discretisation: Discretisation,
    /// Feature families to compute; all that perirad computes when absent.
    #[serde(default)]
    pub families: Option<Vec<Family>>,
    #[serde(default)]
    pub texture: Texture,
}

/// Interpolation methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interp {
    Nearest,
    Linear,
    /// Cubic B-spline (IBSI's "tricubic spline").
    Bspline,
}

/// Resampling to a new voxel spacing on IBSI's grid (origin and centre rules of the manual).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpolation {
    /// New spacing in mm (x, y, z); with `in_plane`, z is ignored and the slices are kept.
    pub spacing: Vec<f64>,
    #[serde(default)]
    pub in_plane: bool,
    #[serde(default = "default_linear")]
    pub image: Interp,
    #[serde(default = "default_linear")]
    pub mask: Interp,
    /// Partial-volume threshold of the interpolated mask.
    #[serde(default = "default_half")]
    pub partial_volume: f64,
    /// Round interpolated intensities to the nearest integer.
    #[serde(default)]
    pub round_intensities: bool,
}

fn default_linear() -> Interp {
    Interp::Linear
}
fn default_half() -> f64 {
    0.5
}

/// Re-segmentation of the intensity mask.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resegmentation {
    /// `[low, high]`, either may be null.
    #[serde(default)]
    pub range: Option<[Option<f64>; 2]>,
    /// Outlier filter: keep μ ± k·σ of the ROI intensities.
    #[serde(default)]
    pub outliers_sigma: Option<f64>,
}

/// A discretisation method.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum Discretiser {
    /// No discretisation: the intensities are used as they are (integer units, w = 1).
    None,
    /// Fixed bin size from the lower re-segmentation bound (or the ROI minimum).
    Fbs { width: f64 },
    /// Fixed bin number over the ROI's range.
    Fbn { bins: u32 },
}

/// Discretisation for the texture families and the intensity histogram, and for the IVH.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discretisation {
    #[serde(default = "default_none")]
    pub texture: Discretiser,
    #[serde(default = "default_none")]
    pub ivh: Discretiser,
}

impl Default for Discretisation {
    fn default() -> Self {
        Discretisation {
            texture: Discretiser::None,
            ivh: Discretiser::None,
        }
    }
}

fn default_none() -> Discretiser {
    Discretiser::None
}

/// IBSI-1 feature families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Morphology,
    LocalIntensity,
    IntensityStatistics,
    IntensityHistogram,
    IntensityVolumeHistogram,
    Glcm,
    Glrlm,
    Glszm,
    Gldzm,
    Ngtdm,
    Ngldm,
}

impl Family {
    /// Every family, in the IBSI manual's order.
    pub const ALL: [Family; 11] = [
        Family::Morphology,
        Family::LocalIntensity,
        Family::IntensityStatistics,
        Family::IntensityHistogram,
        Family::IntensityVolumeHistogram,
        Family::Glcm,
        Family::Glrlm,
        Family::Glszm,
        Family::Gldzm,
        Family::Ngtdm,
        Family::Ngldm,
    ];

    /// The name used in settings files and in the IBSI reference tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Morphology => "morphology",
            Family::LocalIntensity => "local_intensity",
            Family::IntensityStatistics => "intensity_statistics",
            Family::IntensityHistogram => "intensity_histogram",
            Family::IntensityVolumeHistogram => "intensity_volume_histogram",
            Family::Glcm => "glcm",
            Family::Glrlm => "glrlm",
            Family::Glszm => "glszm",
            Family::Gldzm => "gldzm",
            Family::Ngtdm => "ngtdm",
            Family::Ngldm => "ngldm",
        }
    }

    /// Parses a family name as in [`Family::name`].
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Texture settings (used by the texture families).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texture {
    /// `2d`, `3d`, or both as a list (`[2d, 3d]`).
    #[serde(default = "default_dims", deserialize_with = "one_or_many")]
    pub dimensions: Vec<TextureDims>,
    /// Chebyshev distance of GLCM, NGTDM and NGLDM neighbours.
    #[serde(default = "default_one")]
    pub distance: u32,
    /// NGLDM coarseness α.
    #[serde(default)]
    pub ngldm_alpha: u32,
}

impl Default for Texture {
    fn default() -> Self {
        Texture {
            dimensions: vec![TextureDims::ThreeD],
            distance: 1,
            ngldm_alpha: 0,
        }
    }
}

fn default_dims() -> Vec<TextureDims> {
    vec![TextureDims::ThreeD]
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<TextureDims>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(TextureDims),
        Many(Vec<TextureDims>),
    }
    let parsed = OneOrMany::deserialize(d).map_err(|_| {
        serde::de::Error::custom("texture.dimensions: expected 2d, 3d or a list of them ([2d, 3d])")
    })?;
    Ok(match parsed {
        OneOrMany::One(t) => vec![t],
        OneOrMany::Many(v) => v,
    })
}
fn default_one() -> u32 {
    1
}

/// Whether texture matrices are computed per slice or over the volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum TextureDims {
    /// Per axial slice: the 2D and 2.5D aggregations.
    #[serde(rename = "2d")]
    TwoD,
    /// Over the volume: the 3D aggregations.
    #[serde(rename = "3d")]
    ThreeD,
}

impl PeriradSettings {
    /// Reads and validates a settings file.
    pub fn from_yaml(text: &str) -> Result<PeriradSettings, FeatureError> {
        let s: PeriradSettings =
            serde_yaml::from_str(text).map_err(|e| FeatureError::Yaml(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), FeatureError> {
        if self.mode != "ibsi" {
            return Err(param(
                "mode",
                format!(
                    "{:?}: a perirad settings file describes the ibsi mode (PyRadiomics settings \
                     go in a PyRadiomics parameter file)",
                    self.mode
                ),
            ));
        }
        if let Some(i) = &self.interpolation {
            if i.spacing.len() != 3 {
                return Err(param(
                    "interpolation.spacing",
                    format!("expected 3 values (x, y, z), got {}", i.spacing.len()),
                ));
            }
            for (axis, &s) in i.spacing.iter().enumerate() {
                let ignored = i.in_plane && axis == 2;
                let positive = s.is_finite() && s > 0.0;
                if !(ignored || positive) {
                    return Err(param(
                        format!("interpolation.spacing[{axis}]"),
                        format!("{s} is not a positive length in mm"),
                    ));
                }
            }
            if !(i.partial_volume > 0.0 && i.partial_volume <= 1.0) {
                return Err(param(
                    "interpolation.partial_volume",
                    format!("{} is not in (0, 1]", i.partial_volume),
                ));
            }
            if i.mask == Interp::Bspline {
                return Err(param(
                    "interpolation.mask",
                    "a mask is interpolated with nearest or linear",
                ));
            }
        }
        if let Some([Some(lo), Some(hi)]) = self.resegmentation.range {
            if lo > hi {
                return Err(param(
                    "resegmentation.range",
                    format!("lower bound {lo} is above the upper bound {hi}"),
                ));
            }
        }
        if let Some(k) = self.resegmentation.outliers_sigma {
            if !(k.is_finite() && k > 0.0) {
                return Err(param(
                    "resegmentation.outliers_sigma",
                    format!("{k} is not a positive number"),
                ));
            }
        }
        for (key, d) in [
            ("discretisation.texture", self.discretisation.texture),
            ("discretisation.ivh", self.discretisation.ivh),
        ] {
            match d {
                Discretiser::Fbs { width } if !(width.is_finite() && width > 0.0) => {
                    return Err(param(
                        format!("{key}.width"),
                        format!("{width} is not a positive bin width"),
                    ))
                }
                Discretiser::Fbn { bins: 0 } => {
                    return Err(param(format!("{key}.bins"), "needs at least 1 bin"))
                }
                _ => {}
            }
        }
        if self.texture.distance == 0 {
            return Err(param("texture.distance", "must be at least 1"));
        }
        Ok(())
    }

    /// The families to compute.
    pub fn families(&self) -> Vec<Family> {
        self.families
            .clone()
            .unwrap_or_else(|| Family::ALL.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        PeriradSettings::from_yaml(text)
            .expect_err("must be rejected")
            .to_string()
    }

    #[test]
    fn documented_example_reads() {
        let s = PeriradSettings::from_yaml(
            "mode: ibsi\nround_intensities: true\ninterpolation:\n  spacing: [2, 2, 2]\n  \
             image: bspline\n  round_intensities: true\nresegmentation:\n  range: [-1000, 400]\n  \
             outliers_sigma: 3\ndiscretisation:\n  texture: {method: fbn, bins: 32}\n  ivh: \
             {method: fbs, width: 2.5}\nfamilies: [morphology, intensity_statistics]\n\
             texture: {dimensions: 2d}\n",
        )
        .expect("valid");
        let i = s.interpolation.as_ref().expect("interpolation");
        assert_eq!(i.image, Interp::Bspline);
        assert_eq!(i.mask, Interp::Linear);
        assert_eq!(i.partial_volume, 0.5);
        assert_eq!(s.resegmentation.range, Some([Some(-1000.0), Some(400.0)]));
        assert_eq!(s.discretisation.texture, Discretiser::Fbn { bins: 32 });
        assert_eq!(s.discretisation.ivh, Discretiser::Fbs { width: 2.5 });
        assert_eq!(
            s.families(),
            vec![Family::Morphology, Family::IntensityStatistics]
        );
        assert_eq!(s.texture.dimensions, vec![TextureDims::TwoD]);
        let both = PeriradSettings::from_yaml("mode: ibsi\ntexture: {dimensions: [2d, 3d]}\n")
            .expect("valid");
        assert_eq!(
            both.texture.dimensions,
            vec![TextureDims::TwoD, TextureDims::ThreeD]
        );
    }

    #[test]
    fn bad_files_name_the_key() {
        assert!(err("mode: pyradiomics\n").contains("mode"));
        assert!(err("mode: ibsi\nspacing: [1,1,1]\n").contains("spacing"));
        assert!(err("mode: ibsi\ninterpolation: {spacing: [1, 1]}\n").contains("spacing"));
        assert!(err("mode: ibsi\ninterpolation: {spacing: [1, -1, 1]}\n").contains("spacing[1]"));
        assert!(
            err("mode: ibsi\ninterpolation: {spacing: [1, 1, 1], image: cubic}\n")
                .contains("cubic")
        );
        assert!(
            err("mode: ibsi\ninterpolation: {spacing: [1, 1, 1], partial_volume: 0}\n")
                .contains("partial_volume")
        );
        assert!(err("mode: ibsi\nresegmentation: {range: [400, -1000]}\n").contains("range"));
        assert!(
            err("mode: ibsi\ndiscretisation: {texture: {method: fbs, width: 0}}\n")
                .contains("discretisation.texture.width")
        );
        assert!(
            err("mode: ibsi\ndiscretisation: {texture: {method: fbn, bins: 0}}\n").contains("bins")
        );
        assert!(err("mode: ibsi\nfamilies: [shape]\n").contains("shape"));
        assert!(err("mode: ibsi\ntexture: {distance: 0}\n").contains("texture.distance"));
        assert!(err("mode: ibsi\ntexture: {dimensions: 4d}\n").contains("dimensions"));
        assert!(err("description: x\n").contains("mode"));
    }
}
