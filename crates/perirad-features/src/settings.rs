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
//!
//! ## IBSI-2 filters
//!
//! `filters` lists convolutional filters of the IBSI-2 manual. Each is applied once to the
//! processed image (after rounding and interpolation) and the families are computed on its
//! response map, with the same (re-segmented) masks; values are named `<name>_<tag>`
//! (`log_stat_mean`), while the unfiltered image's values keep their tags (`original_<tag>` in
//! `perirad extract`). The files in `examples/ibsi2/` are the IBSI-2 phase-2 configurations.
//!
//! ```yaml
//! filters:
//!   - name: log                    # letters, digits, _ - . ; unique; not "original"
//!     kind: log                    # mean | log | laws | gabor | separable_wavelet | simoncelli
//!     dims: 3d                     # 2d (slice by slice in the x-y plane) | 3d
//!     sigma_mm: 1.5
//!     cutoff: 4                    # kernel radius floor(cutoff σ / spacing + 0.5) voxels
//!     boundary: mirror             # zero | nearest | periodic | mirror
//!     families: [intensity_statistics]   # default: the file's families but morphology
//! ```
//!
//! Keys per kind (any other key is an error naming it; lengths in mm, windows in voxels, angles
//! in degrees):
//!
//! | kind | keys |
//! |---|---|
//! | `mean` | `support` (odd window width), `boundary` |
//! | `log` | `sigma_mm`, `cutoff`, `boundary`; `riesz_order: [lx, ly, lz]` (3d) for a Riesz transform |
//! | `laws` | `laws_kernel` (`L5E5` in 2d, `L5E5E5` in 3d, first letter on x), `energy_delta` (δ, optional), `rotation_invariance`, `pooling`, `boundary` |
//! | `gabor` | `sigma_mm`, `gabor_lambda_mm`, `gabor_gamma`, `gabor_theta_deg` (default 0), `rotation_invariance` with `gabor_theta_step_deg`, `pooling`, `gabor_planes`, `boundary` |
//! | `separable_wavelet` | `wavelet` (haar, db2, db3, coif1), `level`, `subband` (`LH` in 2d, `LLH` in 3d, first letter on x), `rotation_invariance`, `pooling`, `boundary` |
//! | `simoncelli` | `level`; `riesz_order` (3d); `boundary` may only be `periodic` (frequency domain) |
//!
//! `rotation_invariance: true` needs `pooling` (max, min or average) and pools the right-angle
//! rotations of the filter (Laws, wavelets) or the orientations θ, θ + step, … over a full turn
//! (Gabor, modulus response). The Gabor filter is 2D: `gabor_planes: axial` filters the x-y
//! slices, `orthogonal` averages the x-y, x-z and y-z planes (the default and only choice with
//! `dims: 3d`).
//!
//! On a response map the discretisation (`discretisation.texture`, `ivh`) ignores the
//! re-segmentation bounds, which are in the original image's units: `fbs` bins start at the
//! ROI's minimum response. `method: none` only suits integer response maps.

use crate::error::param;
use crate::filters::ibsi2::{combination_len, subband_dims, Dims};
use crate::filters::ibsi2::{
    GaborParams, GaborPlanes, Ibsi2Filter, LawsParams, Pooling, SeparableWaveletParams,
};
use crate::filters::Boundary;
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
    /// IBSI-2 convolutional filters: each is applied to the processed image and the families are
    /// computed on its response map.
    #[serde(default)]
    pub filters: Vec<FilterSettings>,
}

/// IBSI-2 filter kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    Mean,
    /// Laplacian of Gaussian.
    Log,
    Laws,
    Gabor,
    /// Undecimated separable wavelet (one sub-band).
    SeparableWavelet,
    /// Isotropic non-separable Simoncelli wavelet (band-pass of one level).
    Simoncelli,
}

impl FilterKind {
    fn name(self) -> &'static str {
        match self {
            FilterKind::Mean => "mean",
            FilterKind::Log => "log",
            FilterKind::Laws => "laws",
            FilterKind::Gabor => "gabor",
            FilterKind::SeparableWavelet => "separable_wavelet",
            FilterKind::Simoncelli => "simoncelli",
        }
    }

    /// The parameter keys that apply to the kind (besides `name`, `kind`, `dims`, `families`).
    fn keys(self) -> &'static [&'static str] {
        match self {
            FilterKind::Mean => &["support", "boundary"],
            FilterKind::Log => &["sigma_mm", "cutoff", "boundary", "riesz_order"],
            FilterKind::Laws => &[
                "laws_kernel",
                "energy_delta",
                "rotation_invariance",
                "pooling",
                "boundary",
            ],
            FilterKind::Gabor => &[
                "sigma_mm",
                "gabor_lambda_mm",
                "gabor_gamma",
                "gabor_theta_deg",
                "gabor_theta_step_deg",
                "gabor_planes",
                "rotation_invariance",
                "pooling",
                "boundary",
            ],
            FilterKind::SeparableWavelet => &[
                "wavelet",
                "level",
                "subband",
                "rotation_invariance",
                "pooling",
                "boundary",
            ],
            FilterKind::Simoncelli => &["level", "boundary", "riesz_order"],
        }
    }
}

/// Dimension of a filter: per x-y slice or on the volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum FilterDims {
    #[serde(rename = "2d")]
    TwoD,
    #[serde(rename = "3d")]
    ThreeD,
}

/// Planes of the 2D Gabor filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GaborPlanesSetting {
    /// x-y slices only.
    Axial,
    /// x-y, x-z and y-z planes, responses averaged.
    Orthogonal,
}

/// One IBSI-2 filter of a settings file, in the IBSI-2 manual's terms. Which keys apply depends
/// on `kind`; a key that does not apply is an error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSettings {
    /// Prefix of the response map's values (`<name>_<tag>`).
    pub name: String,
    pub kind: FilterKind,
    /// `2d` (slice by slice in the x-y plane) or `3d`.
    pub dims: FilterDims,
    /// zero | nearest | periodic | mirror.
    #[serde(default)]
    pub boundary: Option<String>,
    /// Mean filter: window width in voxels (odd).
    #[serde(default)]
    pub support: Option<usize>,
    /// LoG and Gabor: σ in mm.
    #[serde(default)]
    pub sigma_mm: Option<f64>,
    /// LoG: kernel truncation in units of σ.
    #[serde(default)]
    pub cutoff: Option<f64>,
    /// Laws: kernel combination (`L5E5` in 2D, `L5E5E5` in 3D; first letter on x).
    #[serde(default)]
    pub laws_kernel: Option<String>,
    /// Laws: energy map window, Chebyshev distance δ in voxels.
    #[serde(default)]
    pub energy_delta: Option<usize>,
    /// Laws, Gabor, separable wavelets: pool the responses of rotated filters.
    #[serde(default)]
    pub rotation_invariance: Option<bool>,
    /// max | min | average.
    #[serde(default)]
    pub pooling: Option<String>,
    #[serde(default)]
    pub gabor_lambda_mm: Option<f64>,
    #[serde(default)]
    pub gabor_gamma: Option<f64>,
    #[serde(default)]
    pub gabor_theta_deg: Option<f64>,
    #[serde(default)]
    pub gabor_theta_step_deg: Option<f64>,
    #[serde(default)]
    pub gabor_planes: Option<GaborPlanesSetting>,
    /// Separable wavelet family: haar | db2 | db3 | coif1.
    #[serde(default)]
    pub wavelet: Option<String>,
    /// Wavelet decomposition level, from 1.
    #[serde(default)]
    pub level: Option<u32>,
    /// Separable wavelet sub-band: `LH` (2D) or `LLH` (3D); first letter on x.
    #[serde(default)]
    pub subband: Option<String>,
    /// Riesz transform order (l_x, l_y, l_z) after a 3D LoG or Simoncelli filter.
    #[serde(default)]
    pub riesz_order: Option<[u32; 3]>,
    /// Families computed on the response map (default: the file's families but morphology).
    #[serde(default)]
    pub families: Option<Vec<Family>>,
}

impl FilterSettings {
    /// Which optional keys the file sets.
    fn given(&self) -> Vec<&'static str> {
        let pairs = [
            ("boundary", self.boundary.is_some()),
            ("support", self.support.is_some()),
            ("sigma_mm", self.sigma_mm.is_some()),
            ("cutoff", self.cutoff.is_some()),
            ("laws_kernel", self.laws_kernel.is_some()),
            ("energy_delta", self.energy_delta.is_some()),
            ("rotation_invariance", self.rotation_invariance.is_some()),
            ("pooling", self.pooling.is_some()),
            ("gabor_lambda_mm", self.gabor_lambda_mm.is_some()),
            ("gabor_gamma", self.gabor_gamma.is_some()),
            ("gabor_theta_deg", self.gabor_theta_deg.is_some()),
            ("gabor_theta_step_deg", self.gabor_theta_step_deg.is_some()),
            ("gabor_planes", self.gabor_planes.is_some()),
            ("wavelet", self.wavelet.is_some()),
            ("level", self.level.is_some()),
            ("subband", self.subband.is_some()),
            ("riesz_order", self.riesz_order.is_some()),
        ];
        pairs
            .into_iter()
            .filter_map(|(k, g)| g.then_some(k))
            .collect()
    }

    /// The families computed on the response map: `families`, else the file's families without
    /// morphology (which does not depend on intensities).
    pub fn response_families(&self, file: &PeriradSettings) -> Vec<Family> {
        match &self.families {
            Some(f) => f.clone(),
            None => file
                .families()
                .into_iter()
                .filter(|&f| f != Family::Morphology)
                .collect(),
        }
    }

    /// The filter these settings describe; errors name the key as `filters[index].key`.
    pub fn to_filter(&self, index: usize) -> Result<Ibsi2Filter, FeatureError> {
        let key = |k: &str| format!("filters[{index}].{k}");
        let kind = self.kind;
        let what = format!("the {} filter {:?}", kind.name(), self.name);
        for k in self.given() {
            if !kind.keys().contains(&k) {
                return Err(param(key(k), format!("not a parameter of {what}")));
            }
        }
        let missing = |k: &str| param(key(k), format!("{what} needs it"));
        let positive = |k: &str, v: Option<f64>| -> Result<f64, FeatureError> {
            let v = v.ok_or_else(|| missing(k))?;
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(param(key(k), format!("{v} is not a positive number")))
            }
        };
        let dims = match self.dims {
            FilterDims::TwoD => Dims::Two,
            FilterDims::ThreeD => Dims::Three,
        };
        let boundary = || -> Result<Boundary, FeatureError> {
            let b = self
                .boundary
                .as_deref()
                .ok_or_else(|| missing("boundary"))?;
            b.parse().map_err(|_| {
                param(
                    key("boundary"),
                    format!("{b:?}: expected zero, nearest, periodic or mirror"),
                )
            })
        };
        let rotation = self.rotation_invariance.unwrap_or(false);
        let pooling = || -> Result<Pooling, FeatureError> {
            match (&self.pooling, rotation) {
                (Some(p), true) => p.parse().map_err(|_| {
                    param(
                        key("pooling"),
                        format!("{p:?}: expected max, min or average"),
                    )
                }),
                (None, true) => Err(param(
                    key("pooling"),
                    "rotation invariance needs a pooling method (max, min or average)",
                )),
                (Some(_), false) => Err(param(
                    key("pooling"),
                    "pooling applies only with rotation_invariance: true",
                )),
                (None, false) => Ok(Pooling::Max),
            }
        };
        let level = || -> Result<u32, FeatureError> {
            let l = self.level.ok_or_else(|| missing("level"))?;
            if (1..=8).contains(&l) {
                Ok(l)
            } else {
                Err(param(
                    key("level"),
                    format!("{l} is not a level from 1 to 8"),
                ))
            }
        };
        let riesz = || -> Result<Option<[u32; 3]>, FeatureError> {
            match self.riesz_order {
                Some(o) if dims != Dims::Three => Err(param(
                    key("riesz_order"),
                    format!("{o:?}: the Riesz transform is implemented for 3d filters"),
                )),
                Some(o) if o.iter().sum::<u32>() == 0 || o.iter().any(|&l| l > 8) => Err(param(
                    key("riesz_order"),
                    format!("{o:?}: expected orders from 0 to 8, not all 0"),
                )),
                o => Ok(o),
            }
        };
        Ok(match kind {
            FilterKind::Mean => {
                let support = self.support.ok_or_else(|| missing("support"))?;
                if support % 2 == 0 {
                    return Err(param(
                        key("support"),
                        format!("{support}: the window width must be odd"),
                    ));
                }
                Ibsi2Filter::Mean {
                    support,
                    dims,
                    boundary: boundary()?,
                }
            }
            FilterKind::Log => {
                let sigma_mm = positive("sigma_mm", self.sigma_mm)?;
                let cutoff = positive("cutoff", self.cutoff)?;
                let boundary = boundary()?;
                match riesz()? {
                    None => Ibsi2Filter::LaplacianOfGaussian {
                        sigma_mm,
                        cutoff,
                        dims,
                        boundary,
                    },
                    Some(order) => Ibsi2Filter::RieszLog {
                        sigma_mm,
                        cutoff,
                        order,
                        boundary,
                    },
                }
            }
            FilterKind::Laws => {
                let kernel = self
                    .laws_kernel
                    .clone()
                    .ok_or_else(|| missing("laws_kernel"))?;
                let n = combination_len(&kernel)
                    .map_err(|e| param(key("laws_kernel"), reason_of(e)))?;
                let want = dims.axes().len();
                if n != want {
                    return Err(param(
                        key("laws_kernel"),
                        format!(
                            "{kernel:?} has {n} kernels; a {}d filter needs {want}",
                            want
                        ),
                    ));
                }
                Ibsi2Filter::Laws(LawsParams {
                    kernel,
                    rotation_invariant: rotation,
                    pooling: pooling()?,
                    energy_delta: self.energy_delta,
                    boundary: boundary()?,
                })
            }
            FilterKind::Gabor => {
                let planes = match (dims, self.gabor_planes) {
                    (Dims::Two, None | Some(GaborPlanesSetting::Axial)) => GaborPlanes::Axial,
                    (_, Some(GaborPlanesSetting::Orthogonal)) | (Dims::Three, None) => {
                        GaborPlanes::Orthogonal
                    }
                    (Dims::Three, Some(GaborPlanesSetting::Axial)) => {
                        return Err(param(
                            key("gabor_planes"),
                            "the Gabor filter is 2D: in 3d it runs in the three orthogonal \
                             planes (use dims: 2d for the axial plane only)",
                        ))
                    }
                };
                let theta_deg = self.gabor_theta_deg.unwrap_or(0.0);
                if !theta_deg.is_finite() {
                    return Err(param(key("gabor_theta_deg"), "θ must be finite"));
                }
                let theta_step_deg = match (rotation, self.gabor_theta_step_deg) {
                    (true, Some(step)) if step.is_finite() && step > 0.0 && step <= 360.0 => {
                        Some(step)
                    }
                    (true, Some(step)) => {
                        return Err(param(
                            key("gabor_theta_step_deg"),
                            format!("{step} is not a step in (0, 360] degrees"),
                        ))
                    }
                    (true, None) => return Err(missing("gabor_theta_step_deg")),
                    (false, Some(_)) => {
                        return Err(param(
                            key("gabor_theta_step_deg"),
                            "the θ step applies only with rotation_invariance: true",
                        ))
                    }
                    (false, None) => None,
                };
                Ibsi2Filter::Gabor(GaborParams {
                    sigma_mm: positive("sigma_mm", self.sigma_mm)?,
                    lambda_mm: positive("gabor_lambda_mm", self.gabor_lambda_mm)?,
                    gamma: positive("gabor_gamma", self.gabor_gamma)?,
                    theta_deg,
                    theta_step_deg,
                    pooling: pooling()?,
                    planes,
                    boundary: boundary()?,
                })
            }
            FilterKind::SeparableWavelet => {
                let w = self.wavelet.as_deref().ok_or_else(|| missing("wavelet"))?;
                let wavelet = w.parse().map_err(|e| param(key("wavelet"), reason_of(e)))?;
                let subband = self.subband.clone().ok_or_else(|| missing("subband"))?;
                let sub_dims =
                    subband_dims(&subband).map_err(|e| param(key("subband"), reason_of(e)))?;
                if sub_dims != dims {
                    return Err(param(
                        key("subband"),
                        format!(
                            "{subband:?}: a {} filter needs one letter per axis ({})",
                            if dims == Dims::Two { "2d" } else { "3d" },
                            dims.axes().len()
                        ),
                    ));
                }
                Ibsi2Filter::SeparableWavelet(SeparableWaveletParams {
                    wavelet,
                    level: level()?,
                    subband,
                    rotation_invariant: rotation,
                    pooling: pooling()?,
                    boundary: boundary()?,
                })
            }
            FilterKind::Simoncelli => {
                if let Some(b) = &self.boundary {
                    if b.parse::<Boundary>().ok() != Some(Boundary::Periodic) {
                        return Err(param(
                            key("boundary"),
                            format!(
                                "{b:?}: the Simoncelli wavelet is applied in the frequency \
                                 domain, which sees the image as periodic (leave boundary out or \
                                 set it to periodic)"
                            ),
                        ));
                    }
                }
                let level = level()?;
                match riesz()? {
                    None => Ibsi2Filter::Simoncelli { level, dims },
                    Some(order) => Ibsi2Filter::RieszSimoncelli { level, order },
                }
            }
        })
    }
}

/// The reason of a parameter error (its whole text otherwise).
fn reason_of(e: FeatureError) -> String {
    match e {
        FeatureError::Param { reason, .. } => reason,
        other => other.to_string(),
    }
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
        self.ibsi2_filters()?;
        Ok(())
    }

    /// The IBSI-2 filters of the `filters` section, checked: names (unique, not `original`,
    /// letters, digits, `_`, `-`, `.`), parameters and response-map families.
    pub fn ibsi2_filters(&self) -> Result<Vec<Ibsi2Filter>, FeatureError> {
        let mut names: Vec<&str> = Vec::new();
        let mut out = Vec::with_capacity(self.filters.len());
        for (i, f) in self.filters.iter().enumerate() {
            let key = format!("filters[{i}].name");
            let ok_chars = f
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if f.name.is_empty() || !ok_chars {
                return Err(param(
                    key,
                    format!(
                        "{:?}: a filter name is letters, digits, '_', '-' and '.'",
                        f.name
                    ),
                ));
            }
            if f.name == "original" {
                return Err(param(key, "\"original\" names the unfiltered image"));
            }
            if names.contains(&f.name.as_str()) {
                return Err(param(key, format!("{:?} names two filters", f.name)));
            }
            names.push(&f.name);
            if let Some(families) = &f.families {
                if families.contains(&Family::Morphology) {
                    return Err(param(
                        format!("filters[{i}].families"),
                        "morphology does not depend on intensities: it is computed once, on \
                         the original image",
                    ));
                }
            }
            out.push(f.to_filter(i)?);
        }
        Ok(out)
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

    fn filter_err(filter: &str) -> String {
        err(&format!("mode: ibsi\nfilters:\n  - {filter}\n"))
    }

    #[test]
    fn filters_read() {
        let s = PeriradSettings::from_yaml(
            "mode: ibsi\nfamilies: [morphology, intensity_statistics]\nfilters:\n               - {name: m, kind: mean, dims: 2d, support: 5, boundary: mirror}\n               - {name: g, kind: gabor, dims: 3d, sigma_mm: 5, gabor_lambda_mm: 2, gabor_gamma:              1.5, rotation_invariance: true, gabor_theta_step_deg: 22.5, pooling: average,              boundary: zero}\n               - {name: w, kind: separable_wavelet, dims: 3d, wavelet: db3, level: 2, subband:              HHH, boundary: periodic, families: [intensity_histogram]}\n               - {name: s, kind: simoncelli, dims: 3d, level: 1, riesz_order: [1, 0, 0]}\n",
        )
        .expect("valid");
        let f = s.ibsi2_filters().expect("filters");
        assert_eq!(
            f[0],
            Ibsi2Filter::Mean {
                support: 5,
                dims: Dims::Two,
                boundary: Boundary::Mirror
            }
        );
        match &f[1] {
            Ibsi2Filter::Gabor(p) => {
                assert_eq!(p.planes, GaborPlanes::Orthogonal);
                assert_eq!(p.theta_step_deg, Some(22.5));
                assert_eq!(p.pooling, Pooling::Average);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f[3],
            Ibsi2Filter::RieszSimoncelli {
                level: 1,
                order: [1, 0, 0]
            }
        );
        assert_eq!(
            s.filters[0].response_families(&s),
            vec![Family::IntensityStatistics]
        );
        assert_eq!(
            s.filters[2].response_families(&s),
            vec![Family::IntensityHistogram]
        );
    }

    #[test]
    fn bad_filters_name_the_key() {
        let mean = "{name: m, kind: mean, dims: 3d, support: 5, boundary: mirror";
        assert!(filter_err(&format!("{mean}, sigma_mm: 1}}")).contains("filters[0].sigma_mm"));
        assert!(filter_err(&format!("{mean}, colour: red}}")).contains("colour"));
        assert!(
            filter_err("{name: m, kind: mean, dims: 3d, support: 4, boundary: mirror}")
                .contains("filters[0].support")
        );
        assert!(filter_err("{name: m, kind: mean, dims: 3d, support: 5}")
            .contains("filters[0].boundary"));
        assert!(
            filter_err("{name: m, kind: mean, dims: 3d, support: 5, boundary: bounce}")
                .contains("filters[0].boundary")
        );
        assert!(filter_err("{name: m, kind: median, dims: 3d}").contains("median"));
        assert!(filter_err("{name: m, kind: mean, dims: 4d, support: 5}").contains("4d"));
        assert!(filter_err(&format!("{mean}}}\n  - {mean}}}")).contains("filters[1].name"));
        assert!(
            filter_err("{name: original, kind: mean, dims: 3d, support: 5, boundary: zero}")
                .contains("filters[0].name")
        );
        assert!(
            filter_err("{name: 'a b', kind: mean, dims: 3d, support: 5, boundary: zero}")
                .contains("filters[0].name")
        );
        assert!(filter_err(&format!("{mean}, families: [morphology]}}"))
            .contains("filters[0].families"));
        let log = "{name: l, kind: log, dims: 3d, boundary: zero";
        assert!(filter_err(&format!("{log}, cutoff: 4}}")).contains("filters[0].sigma_mm"));
        assert!(filter_err(&format!("{log}, sigma_mm: -1, cutoff: 4}}"))
            .contains("filters[0].sigma_mm"));
        assert!(
            filter_err("{name: l, kind: log, dims: 2d, sigma_mm: 1, cutoff: 4, boundary: zero,                         riesz_order: [1, 0, 0]}")
            .contains("filters[0].riesz_order")
        );
        let laws = "{name: l, kind: laws, dims: 3d, boundary: zero";
        assert!(
            filter_err(&format!("{laws}, laws_kernel: L5E5}}")).contains("filters[0].laws_kernel")
        );
        assert!(filter_err(&format!("{laws}, laws_kernel: L5X5E5}}"))
            .contains("filters[0].laws_kernel"));
        assert!(filter_err(&format!(
            "{laws}, laws_kernel: L5E5E5, rotation_invariance: true}}"
        ))
        .contains("filters[0].pooling"));
        assert!(
            filter_err(&format!("{laws}, laws_kernel: L5E5E5, pooling: max}}"))
                .contains("filters[0].pooling")
        );
        let gabor = "{name: g, kind: gabor, dims: 2d, sigma_mm: 5, gabor_lambda_mm: 2,                      boundary: zero";
        assert!(filter_err(&format!("{gabor}}}")).contains("filters[0].gabor_gamma"));
        assert!(filter_err(&format!(
            "{gabor}, gabor_gamma: 1, rotation_invariance: true, pooling: max}}"
        ))
        .contains("filters[0].gabor_theta_step_deg"));
        assert!(
            filter_err("{name: g, kind: gabor, dims: 3d, sigma_mm: 5, gabor_lambda_mm: 2,                         gabor_gamma: 1, gabor_planes: axial, boundary: zero}")
            .contains("filters[0].gabor_planes")
        );
        let wavelet = "{name: w, kind: separable_wavelet, dims: 3d, boundary: zero, level: 1";
        assert!(
            filter_err(&format!("{wavelet}, wavelet: db9, subband: LLH}}"))
                .contains("filters[0].wavelet")
        );
        assert!(
            filter_err(&format!("{wavelet}, wavelet: db3, subband: LH}}"))
                .contains("filters[0].subband")
        );
        assert!(
            filter_err(&format!("{wavelet}, wavelet: db3, subband: LXH}}"))
                .contains("filters[0].subband")
        );
        assert!(filter_err(
            "{name: w, kind: separable_wavelet, dims: 3d, boundary: zero, level: 0, wavelet:              db3, subband: LLH}"
        )
        .contains("filters[0].level"));
        assert!(
            filter_err("{name: s, kind: simoncelli, dims: 3d, level: 1, boundary: mirror}")
                .contains("filters[0].boundary")
        );
        assert!(filter_err("{name: s, kind: simoncelli, dims: 3d}").contains("filters[0].level"));
    }
}
