//! PyRadiomics 3.1 parameter files (YAML with `setting`, `imageType`, `featureClass` and
//! `voxelSetting`), validated as PyRadiomics' `paramSchema.yaml` validates them: the same keys,
//! types and ranges, the same enumerations (`interpolator`, `resegmentMode`, `weightingNorm`,
//! `lbp2DMethod`, wavelet names), `null` accepted for any setting (PyRadiomics' default then
//! applies), and feature classes, feature names and image types checked against PyRadiomics'
//! own lists (deprecated features included).

use crate::error::{param, FeatureError};
use serde_yaml::Value;

/// Interpolator for resampling (`interpolator`): a SimpleITK name or its number (1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolator {
    NearestNeighbor,
    Linear,
    BSpline,
    Gaussian,
    LabelGaussian,
    HammingWindowedSinc,
    CosineWindowedSinc,
    WelchWindowedSinc,
    LanczosWindowedSinc,
    BlackmanWindowedSinc,
}

const INTERPOLATORS: [(&str, Interpolator); 10] = [
    ("sitkNearestNeighbor", Interpolator::NearestNeighbor),
    ("sitkLinear", Interpolator::Linear),
    ("sitkBSpline", Interpolator::BSpline),
    ("sitkGaussian", Interpolator::Gaussian),
    ("sitkLabelGaussian", Interpolator::LabelGaussian),
    ("sitkHammingWindowedSinc", Interpolator::HammingWindowedSinc),
    ("sitkCosineWindowedSinc", Interpolator::CosineWindowedSinc),
    ("sitkWelchWindowedSinc", Interpolator::WelchWindowedSinc),
    ("sitkLanczosWindowedSinc", Interpolator::LanczosWindowedSinc),
    (
        "sitkBlackmanWindowedSinc",
        Interpolator::BlackmanWindowedSinc,
    ),
];

/// How `resegmentRange` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResegmentMode {
    Absolute,
    Relative,
    Sigma,
}

/// Distance weighting of texture matrices (`weightingNorm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightingNorm {
    Euclidean,
    Manhattan,
    Infinity,
    NoWeighting,
}

/// `lbp2DMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbpMethod {
    Default,
    Ror,
    Uniform,
    Var,
}

/// The `setting` section (also the per-image-type overrides). `None`: not given, or `null`;
/// PyRadiomics' default applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub minimum_roi_dimensions: Option<i64>,
    pub minimum_roi_size: Option<i64>,
    pub geometry_tolerance: Option<f64>,
    pub correct_mask: Option<bool>,
    pub additional_info: Option<bool>,
    pub label: Option<i64>,
    pub label_channel: Option<i64>,
    pub bin_width: Option<f64>,
    pub bin_count: Option<i64>,
    pub normalize: Option<bool>,
    pub normalize_scale: Option<f64>,
    pub remove_outliers: Option<f64>,
    pub resampled_pixel_spacing: Option<Vec<f64>>,
    pub interpolator: Option<Interpolator>,
    /// `interpolator: null` was written: PyRadiomics then does not resample at all, even with
    /// `resampledPixelSpacing` (an absent key means the default `sitkBSpline`).
    pub interpolator_null: bool,
    pub pad_distance: Option<i64>,
    pub distances: Option<Vec<i64>>,
    pub force_2d: Option<bool>,
    pub force_2d_dimension: Option<i64>,
    pub resegment_range: Option<Vec<f64>>,
    pub resegment_mode: Option<ResegmentMode>,
    pub resegment_shape: Option<bool>,
    pub pre_crop: Option<bool>,
    pub sigma: Option<Vec<f64>>,
    pub start_level: Option<i64>,
    pub level: Option<i64>,
    pub wavelet: Option<String>,
    pub gradient_use_spacing: Option<bool>,
    pub lbp_2d_radius: Option<f64>,
    pub lbp_2d_samples: Option<i64>,
    pub lbp_2d_method: Option<LbpMethod>,
    pub lbp_3d_levels: Option<i64>,
    pub lbp_3d_icosphere_radius: Option<f64>,
    pub lbp_3d_icosphere_subdivision: Option<i64>,
    pub voxel_array_shift: Option<i64>,
    pub symmetrical_glcm: Option<bool>,
    pub weighting_norm: Option<WeightingNorm>,
    pub gldm_a: Option<i64>,
}

impl Settings {
    /// These settings with `over`'s given values on top: an image type's own settings over the
    /// `setting` section, as PyRadiomics merges them (`args.update(customKwargs)`).
    pub fn overlaid(&self, over: &Settings) -> Settings {
        Settings {
            minimum_roi_dimensions: over.minimum_roi_dimensions.or(self.minimum_roi_dimensions),
            minimum_roi_size: over.minimum_roi_size.or(self.minimum_roi_size),
            geometry_tolerance: over.geometry_tolerance.or(self.geometry_tolerance),
            correct_mask: over.correct_mask.or(self.correct_mask),
            additional_info: over.additional_info.or(self.additional_info),
            label: over.label.or(self.label),
            label_channel: over.label_channel.or(self.label_channel),
            bin_width: over.bin_width.or(self.bin_width),
            bin_count: over.bin_count.or(self.bin_count),
            normalize: over.normalize.or(self.normalize),
            normalize_scale: over.normalize_scale.or(self.normalize_scale),
            remove_outliers: over.remove_outliers.or(self.remove_outliers),
            resampled_pixel_spacing: over
                .resampled_pixel_spacing
                .clone()
                .or_else(|| self.resampled_pixel_spacing.clone()),
            interpolator: over.interpolator.or(self.interpolator),
            // `dict.update`: an image type's own `interpolator` (a value or null) replaces the
            // section's.
            interpolator_null: over.interpolator_null
                || (over.interpolator.is_none() && self.interpolator_null),
            pad_distance: over.pad_distance.or(self.pad_distance),
            distances: over.distances.clone().or_else(|| self.distances.clone()),
            force_2d: over.force_2d.or(self.force_2d),
            force_2d_dimension: over.force_2d_dimension.or(self.force_2d_dimension),
            resegment_range: over
                .resegment_range
                .clone()
                .or_else(|| self.resegment_range.clone()),
            resegment_mode: over.resegment_mode.or(self.resegment_mode),
            resegment_shape: over.resegment_shape.or(self.resegment_shape),
            pre_crop: over.pre_crop.or(self.pre_crop),
            sigma: over.sigma.clone().or_else(|| self.sigma.clone()),
            start_level: over.start_level.or(self.start_level),
            level: over.level.or(self.level),
            wavelet: over.wavelet.clone().or_else(|| self.wavelet.clone()),
            gradient_use_spacing: over.gradient_use_spacing.or(self.gradient_use_spacing),
            lbp_2d_radius: over.lbp_2d_radius.or(self.lbp_2d_radius),
            lbp_2d_samples: over.lbp_2d_samples.or(self.lbp_2d_samples),
            lbp_2d_method: over.lbp_2d_method.or(self.lbp_2d_method),
            lbp_3d_levels: over.lbp_3d_levels.or(self.lbp_3d_levels),
            lbp_3d_icosphere_radius: over
                .lbp_3d_icosphere_radius
                .or(self.lbp_3d_icosphere_radius),
            lbp_3d_icosphere_subdivision: over
                .lbp_3d_icosphere_subdivision
                .or(self.lbp_3d_icosphere_subdivision),
            voxel_array_shift: over.voxel_array_shift.or(self.voxel_array_shift),
            symmetrical_glcm: over.symmetrical_glcm.or(self.symmetrical_glcm),
            weighting_norm: over.weighting_norm.or(self.weighting_norm),
            gldm_a: over.gldm_a.or(self.gldm_a),
        }
    }
}

/// The `voxelSetting` section (voxel-based extraction).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoxelSettings {
    pub kernel_radius: Option<i64>,
    pub masked_kernel: Option<bool>,
    pub init_value: Option<f64>,
    pub voxel_batch: Option<i64>,
}

/// PyRadiomics image types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    Original,
    LoG,
    Wavelet,
    Square,
    SquareRoot,
    Logarithm,
    Exponential,
    Gradient,
    Lbp2D,
    Lbp3D,
}

impl ImageType {
    pub const ALL: [(&'static str, ImageType); 10] = [
        ("Original", ImageType::Original),
        ("LoG", ImageType::LoG),
        ("Wavelet", ImageType::Wavelet),
        ("Square", ImageType::Square),
        ("SquareRoot", ImageType::SquareRoot),
        ("Logarithm", ImageType::Logarithm),
        ("Exponential", ImageType::Exponential),
        ("Gradient", ImageType::Gradient),
        ("LBP2D", ImageType::Lbp2D),
        ("LBP3D", ImageType::Lbp3D),
    ];

    /// The name PyRadiomics uses in parameter files.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }
}

/// PyRadiomics feature classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureClass {
    FirstOrder,
    Shape,
    Shape2D,
    Glcm,
    Glrlm,
    Glszm,
    Gldm,
    Ngtdm,
}

impl FeatureClass {
    pub const ALL: [(&'static str, FeatureClass); 8] = [
        ("firstorder", FeatureClass::FirstOrder),
        ("shape", FeatureClass::Shape),
        ("shape2D", FeatureClass::Shape2D),
        ("glcm", FeatureClass::Glcm),
        ("glrlm", FeatureClass::Glrlm),
        ("glszm", FeatureClass::Glszm),
        ("gldm", FeatureClass::Gldm),
        ("ngtdm", FeatureClass::Ngtdm),
    ];

    /// The name PyRadiomics uses (`firstorder`, `glcm`, ...).
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map_or("?", |(n, _)| n)
    }

    /// Every feature name PyRadiomics 3.1 defines in this class, deprecated ones included
    /// (the names of its `get<Name>FeatureValue` methods).
    pub fn feature_names(self) -> &'static [&'static str] {
        match self {
            FeatureClass::FirstOrder => &[
                "Energy",
                "TotalEnergy",
                "Entropy",
                "Minimum",
                "10Percentile",
                "90Percentile",
                "Maximum",
                "Mean",
                "Median",
                "InterquartileRange",
                "Range",
                "MeanAbsoluteDeviation",
                "RobustMeanAbsoluteDeviation",
                "RootMeanSquared",
                "StandardDeviation",
                "Skewness",
                "Kurtosis",
                "Variance",
                "Uniformity",
            ],
            FeatureClass::Shape => &[
                "MeshVolume",
                "VoxelVolume",
                "SurfaceArea",
                "SurfaceVolumeRatio",
                "Sphericity",
                "Compactness1",
                "Compactness2",
                "SphericalDisproportion",
                "Maximum3DDiameter",
                "Maximum2DDiameterSlice",
                "Maximum2DDiameterColumn",
                "Maximum2DDiameterRow",
                "MajorAxisLength",
                "MinorAxisLength",
                "LeastAxisLength",
                "Elongation",
                "Flatness",
            ],
            FeatureClass::Shape2D => &[
                "MeshSurface",
                "PixelSurface",
                "Perimeter",
                "PerimeterSurfaceRatio",
                "Sphericity",
                "SphericalDisproportion",
                "MaximumDiameter",
                "MajorAxisLength",
                "MinorAxisLength",
                "Elongation",
            ],
            FeatureClass::Glcm => &[
                "Autocorrelation",
                "JointAverage",
                "ClusterProminence",
                "ClusterShade",
                "ClusterTendency",
                "Contrast",
                "Correlation",
                "DifferenceAverage",
                "DifferenceEntropy",
                "DifferenceVariance",
                "Dissimilarity",
                "JointEnergy",
                "JointEntropy",
                "Homogeneity1",
                "Homogeneity2",
                "Imc1",
                "Imc2",
                "Idm",
                "MCC",
                "Idmn",
                "Id",
                "Idn",
                "InverseVariance",
                "MaximumProbability",
                "SumAverage",
                "SumVariance",
                "SumEntropy",
                "SumSquares",
            ],
            FeatureClass::Glrlm => &[
                "ShortRunEmphasis",
                "LongRunEmphasis",
                "GrayLevelNonUniformity",
                "GrayLevelNonUniformityNormalized",
                "RunLengthNonUniformity",
                "RunLengthNonUniformityNormalized",
                "RunPercentage",
                "GrayLevelVariance",
                "RunVariance",
                "RunEntropy",
                "LowGrayLevelRunEmphasis",
                "HighGrayLevelRunEmphasis",
                "ShortRunLowGrayLevelEmphasis",
                "ShortRunHighGrayLevelEmphasis",
                "LongRunLowGrayLevelEmphasis",
                "LongRunHighGrayLevelEmphasis",
            ],
            FeatureClass::Glszm => &[
                "SmallAreaEmphasis",
                "LargeAreaEmphasis",
                "GrayLevelNonUniformity",
                "GrayLevelNonUniformityNormalized",
                "SizeZoneNonUniformity",
                "SizeZoneNonUniformityNormalized",
                "ZonePercentage",
                "GrayLevelVariance",
                "ZoneVariance",
                "ZoneEntropy",
                "LowGrayLevelZoneEmphasis",
                "HighGrayLevelZoneEmphasis",
                "SmallAreaLowGrayLevelEmphasis",
                "SmallAreaHighGrayLevelEmphasis",
                "LargeAreaLowGrayLevelEmphasis",
                "LargeAreaHighGrayLevelEmphasis",
            ],
            FeatureClass::Gldm => &[
                "SmallDependenceEmphasis",
                "LargeDependenceEmphasis",
                "GrayLevelNonUniformity",
                "GrayLevelNonUniformityNormalized",
                "DependenceNonUniformity",
                "DependenceNonUniformityNormalized",
                "GrayLevelVariance",
                "DependenceVariance",
                "DependenceEntropy",
                "DependencePercentage",
                "LowGrayLevelEmphasis",
                "HighGrayLevelEmphasis",
                "SmallDependenceLowGrayLevelEmphasis",
                "SmallDependenceHighGrayLevelEmphasis",
                "LargeDependenceLowGrayLevelEmphasis",
                "LargeDependenceHighGrayLevelEmphasis",
            ],
            FeatureClass::Ngtdm => &[
                "Coarseness",
                "Contrast",
                "Busyness",
                "Complexity",
                "Strength",
            ],
        }
    }
}

/// A whole parameter file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyRadiomicsParams {
    pub setting: Settings,
    /// Image types in file order, each with its own setting overrides. Absent section: PyRadiomics
    /// enables `Original` only.
    pub image_types: Option<Vec<(ImageType, Settings)>>,
    /// Feature classes in file order, with the features named (`None`: all non-deprecated).
    /// Absent section: PyRadiomics enables every class.
    pub feature_classes: Option<Vec<(FeatureClass, Option<Vec<String>>)>>,
    pub voxel_setting: VoxelSettings,
}

// ---- value readers: each names the key path in its error -------------------------------------

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(_) => "a tagged value".into(),
    }
}

fn as_int(key: &str, v: &Value) -> Result<i64, FeatureError> {
    v.as_i64()
        .ok_or_else(|| param(key, format!("expected a whole number, got {}", describe(v))))
}

/// A float; whole numbers, and text that reads as a number (`1e-06`, which YAML 1.1 leaves as
/// text), are floats too, as in PyRadiomics' schema validator (pykwalify).
fn as_float(key: &str, v: &Value) -> Result<f64, FeatureError> {
    match v
        .as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
    {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(param(
            key,
            format!("expected a number, got {}", describe(v)),
        )),
    }
}

/// A boolean. PyRadiomics reads its files with PyYAML (YAML 1.1), where `yes`/`no`/`on`/`off`
/// are booleans too; serde_yaml (YAML 1.2) gives them as text, so they are mapped here.
fn as_bool(key: &str, v: &Value) -> Result<bool, FeatureError> {
    if let Some(b) = v.as_bool() {
        return Ok(b);
    }
    match v.as_str() {
        Some("yes" | "Yes" | "YES" | "on" | "On" | "ON" | "True" | "TRUE") => Ok(true),
        Some("no" | "No" | "NO" | "off" | "Off" | "OFF" | "False" | "FALSE") => Ok(false),
        _ => Err(param(
            key,
            format!("expected true or false, got {}", describe(v)),
        )),
    }
}

fn as_str<'a>(key: &str, v: &'a Value) -> Result<&'a str, FeatureError> {
    v.as_str()
        .ok_or_else(|| param(key, format!("expected a text value, got {}", describe(v))))
}

#[derive(Clone, Copy)]
enum Bound {
    None,
    /// ≥
    Min(f64),
    /// >
    MinEx(f64),
    /// min ≤ v ≤ max
    Between(f64, f64),
}

fn check(key: &str, v: f64, b: Bound) -> Result<(), FeatureError> {
    let ok = match b {
        Bound::None => true,
        Bound::Min(m) => v >= m,
        Bound::MinEx(m) => v > m,
        Bound::Between(lo, hi) => v >= lo && v <= hi,
    };
    if ok {
        return Ok(());
    }
    let rule = match b {
        Bound::None => String::new(),
        Bound::Min(m) => format!("≥ {m}"),
        Bound::MinEx(m) => format!("> {m}"),
        Bound::Between(lo, hi) => format!("between {lo} and {hi}"),
    };
    Err(param(key, format!("{v} is out of range: must be {rule}")))
}

fn int(key: &str, v: &Value, b: Bound) -> Result<i64, FeatureError> {
    let i = as_int(key, v)?;
    check(key, i as f64, b)?;
    Ok(i)
}

fn float(key: &str, v: &Value, b: Bound) -> Result<f64, FeatureError> {
    let f = as_float(key, v)?;
    check(key, f, b)?;
    Ok(f)
}

fn seq<T>(
    key: &str,
    v: &Value,
    item: impl Fn(&str, &Value) -> Result<T, FeatureError>,
) -> Result<Vec<T>, FeatureError> {
    let items = v
        .as_sequence()
        .ok_or_else(|| param(key, format!("expected a list, got {}", describe(v))))?;
    items
        .iter()
        .enumerate()
        .map(|(i, x)| item(&format!("{key}[{i}]"), x))
        .collect()
}

fn mapping<'a>(key: &str, v: &'a Value) -> Result<Vec<(String, &'a Value)>, FeatureError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| match k.as_str() {
                Some(s) => Ok((s.to_string(), v)),
                None => Err(param(
                    key,
                    format!("keys must be text, got {}", describe(k)),
                )),
            })
            .collect(),
        other => Err(param(
            key,
            format!("expected a mapping, got {}", describe(other)),
        )),
    }
}

/// Wavelet names PyWavelets lists (`pywt.wavelist()`).
fn is_wavelet(name: &str) -> bool {
    let num = |prefix: &str, lo: u32, hi: u32| {
        name.strip_prefix(prefix)
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| (lo..=hi).contains(&n) && !name[prefix.len()..].starts_with('0'))
    };
    const BIOR: [&str; 15] = [
        "1.1", "1.3", "1.5", "2.2", "2.4", "2.6", "2.8", "3.1", "3.3", "3.5", "3.7", "3.9", "4.4",
        "5.5", "6.8",
    ];
    matches!(
        name,
        "haar" | "dmey" | "mexh" | "morl" | "shan" | "fbsp" | "cmor"
    ) || num("db", 1, 38)
        || num("sym", 2, 20)
        || num("coif", 1, 17)
        || num("gaus", 1, 8)
        || num("cgau", 1, 8)
        || name.strip_prefix("bior").is_some_and(|v| BIOR.contains(&v))
        || name.strip_prefix("rbio").is_some_and(|v| BIOR.contains(&v))
}

impl Settings {
    /// Reads one `setting` mapping (or an image type's overrides); `path` prefixes key names.
    fn read(path: &str, v: &Value) -> Result<Settings, FeatureError> {
        let mut s = Settings::default();
        for (name, value) in mapping(path, v)? {
            let key = format!("{path}.{name}");
            let k = key.as_str();
            if value.is_null() {
                if !SETTING_KEYS.contains(&name.as_str()) {
                    return Err(unknown_setting(k, &name));
                }
                if name == "interpolator" {
                    s.interpolator_null = true;
                }
                continue;
            }
            match name.as_str() {
                "minimumROIDimensions" => {
                    s.minimum_roi_dimensions = Some(int(k, value, Bound::Between(1.0, 3.0))?)
                }
                "minimumROISize" => s.minimum_roi_size = Some(int(k, value, Bound::MinEx(0.0))?),
                "geometryTolerance" => {
                    s.geometry_tolerance = Some(float(k, value, Bound::MinEx(0.0))?)
                }
                "correctMask" => s.correct_mask = Some(as_bool(k, value)?),
                "additionalInfo" => s.additional_info = Some(as_bool(k, value)?),
                "label" => s.label = Some(int(k, value, Bound::MinEx(0.0))?),
                "label_channel" => s.label_channel = Some(int(k, value, Bound::Min(0.0))?),
                "binWidth" => s.bin_width = Some(float(k, value, Bound::MinEx(0.0))?),
                "binCount" => s.bin_count = Some(int(k, value, Bound::MinEx(0.0))?),
                "normalize" => s.normalize = Some(as_bool(k, value)?),
                "normalizeScale" => s.normalize_scale = Some(float(k, value, Bound::MinEx(0.0))?),
                "removeOutliers" => s.remove_outliers = Some(float(k, value, Bound::MinEx(0.0))?),
                "resampledPixelSpacing" => {
                    let v = seq(k, value, |k, x| float(k, x, Bound::Min(0.0)))?;
                    if v.len() != 3 {
                        return Err(param(k, format!("{} values: give one spacing per axis (x, y, z; 0 keeps the original)", v.len())));
                    }
                    s.resampled_pixel_spacing = Some(v);
                }
                "interpolator" => s.interpolator = Some(interpolator(k, value)?),
                "padDistance" => s.pad_distance = Some(int(k, value, Bound::Min(0.0))?),
                "distances" => {
                    s.distances = Some(seq(k, value, |k, x| int(k, x, Bound::MinEx(0.0)))?)
                }
                "force2D" => s.force_2d = Some(as_bool(k, value)?),
                "force2Ddimension" => {
                    s.force_2d_dimension = Some(int(k, value, Bound::Between(0.0, 2.0))?)
                }
                "resegmentRange" => {
                    let v = seq(k, value, |k, x| float(k, x, Bound::None))?;
                    if v.is_empty() || v.len() > 2 || (v.len() == 2 && v[0] > v[1]) {
                        return Err(param(
                            k,
                            format!("{v:?}: give [lower] or [lower, upper] with lower ≤ upper"),
                        ));
                    }
                    s.resegment_range = Some(v);
                }
                "resegmentMode" => {
                    s.resegment_mode = Some(match as_str(k, value)? {
                        "absolute" => ResegmentMode::Absolute,
                        "relative" => ResegmentMode::Relative,
                        "sigma" => ResegmentMode::Sigma,
                        other => {
                            return Err(param(
                                k,
                                format!("{other:?}: expected absolute, relative or sigma"),
                            ))
                        }
                    })
                }
                "resegmentShape" => s.resegment_shape = Some(as_bool(k, value)?),
                "preCrop" => s.pre_crop = Some(as_bool(k, value)?),
                "sigma" => s.sigma = Some(seq(k, value, |k, x| float(k, x, Bound::MinEx(0.0)))?),
                "start_level" => s.start_level = Some(int(k, value, Bound::Min(0.0))?),
                "level" => s.level = Some(int(k, value, Bound::MinEx(0.0))?),
                "wavelet" => {
                    let w = as_str(k, value)?;
                    if !is_wavelet(w) {
                        return Err(param(k, format!("{w:?} is not a PyWavelets wavelet (e.g. haar, db2, sym4, coif1, bior1.1)")));
                    }
                    s.wavelet = Some(w.to_string());
                }
                "gradientUseSpacing" => s.gradient_use_spacing = Some(as_bool(k, value)?),
                "lbp2DRadius" => s.lbp_2d_radius = Some(float(k, value, Bound::MinEx(0.0))?),
                "lbp2DSamples" => s.lbp_2d_samples = Some(int(k, value, Bound::Min(1.0))?),
                "lbp2DMethod" => {
                    s.lbp_2d_method = Some(match as_str(k, value)? {
                        "default" => LbpMethod::Default,
                        "ror" => LbpMethod::Ror,
                        "uniform" => LbpMethod::Uniform,
                        "var" => LbpMethod::Var,
                        other => {
                            return Err(param(
                                k,
                                format!("{other:?}: expected default, ror, uniform or var"),
                            ))
                        }
                    })
                }
                "lbp3DLevels" => s.lbp_3d_levels = Some(int(k, value, Bound::Min(1.0))?),
                "lbp3DIcosphereRadius" => {
                    s.lbp_3d_icosphere_radius = Some(float(k, value, Bound::MinEx(0.0))?)
                }
                "lbp3DIcosphereSubdivision" => {
                    s.lbp_3d_icosphere_subdivision = Some(int(k, value, Bound::Min(0.0))?)
                }
                "voxelArrayShift" => s.voxel_array_shift = Some(int(k, value, Bound::None)?),
                "symmetricalGLCM" => s.symmetrical_glcm = Some(as_bool(k, value)?),
                "weightingNorm" => {
                    s.weighting_norm = Some(match as_str(k, value)? {
                        "euclidean" => WeightingNorm::Euclidean,
                        "manhattan" => WeightingNorm::Manhattan,
                        "infinity" => WeightingNorm::Infinity,
                        "no_weighting" => WeightingNorm::NoWeighting,
                        other => {
                            return Err(param(
                                k,
                                format!(
                            "{other:?}: expected euclidean, manhattan, infinity or no_weighting"
                        ),
                            ))
                        }
                    })
                }
                "gldm_a" => s.gldm_a = Some(int(k, value, Bound::Min(0.0))?),
                other => return Err(unknown_setting(k, other)),
            }
        }
        Ok(s)
    }
}

/// Every key of PyRadiomics 3.1's `setting` schema.
const SETTING_KEYS: [&str; 37] = [
    "minimumROIDimensions",
    "minimumROISize",
    "geometryTolerance",
    "correctMask",
    "additionalInfo",
    "label",
    "label_channel",
    "binWidth",
    "binCount",
    "normalize",
    "normalizeScale",
    "removeOutliers",
    "resampledPixelSpacing",
    "interpolator",
    "padDistance",
    "distances",
    "force2D",
    "force2Ddimension",
    "resegmentRange",
    "resegmentMode",
    "resegmentShape",
    "preCrop",
    "sigma",
    "start_level",
    "level",
    "wavelet",
    "gradientUseSpacing",
    "lbp2DRadius",
    "lbp2DSamples",
    "lbp2DMethod",
    "lbp3DLevels",
    "lbp3DIcosphereRadius",
    "lbp3DIcosphereSubdivision",
    "voxelArrayShift",
    "symmetricalGLCM",
    "weightingNorm",
    "gldm_a",
];

fn unknown_setting(key: &str, name: &str) -> FeatureError {
    let lower = name.to_ascii_lowercase();
    let hint = SETTING_KEYS
        .iter()
        .find(|k| k.to_ascii_lowercase() == lower)
        .map(|k| format!(" (did you mean {k}?)"))
        .unwrap_or_default();
    param(key, format!("not a PyRadiomics 3.1 setting{hint}"))
}

fn interpolator(key: &str, v: &Value) -> Result<Interpolator, FeatureError> {
    if let Some(i) = v.as_i64() {
        return match usize::try_from(i).ok().filter(|i| (1..=10).contains(i)) {
            Some(i) => Ok(INTERPOLATORS[i - 1].1),
            None => Err(param(
                key,
                format!("{i}: SimpleITK interpolator numbers run from 1 to 10"),
            )),
        };
    }
    let name = as_str(key, v)?;
    INTERPOLATORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, i)| *i)
        .ok_or_else(|| {
            param(
                key,
                format!(
                    "{name:?}: expected one of {}",
                    INTERPOLATORS.map(|(n, _)| n).join(", ")
                ),
            )
        })
}

impl VoxelSettings {
    fn read(v: &Value) -> Result<VoxelSettings, FeatureError> {
        let mut s = VoxelSettings::default();
        for (name, value) in mapping("voxelSetting", v)? {
            let key = format!("voxelSetting.{name}");
            let k = key.as_str();
            if value.is_null() {
                continue;
            }
            match name.as_str() {
                "kernelRadius" => s.kernel_radius = Some(int(k, value, Bound::MinEx(0.0))?),
                "maskedKernel" => s.masked_kernel = Some(as_bool(k, value)?),
                "initValue" => s.init_value = Some(as_float(k, value)?),
                "voxelBatch" => s.voxel_batch = Some(int(k, value, Bound::MinEx(0.0))?),
                _ => return Err(param(k, "not a PyRadiomics 3.1 voxel setting (kernelRadius, maskedKernel, initValue, voxelBatch)")),
            }
        }
        Ok(s)
    }
}

impl PyRadiomicsParams {
    /// Parses and validates a PyRadiomics parameter file's text.
    pub fn from_yaml(text: &str) -> Result<PyRadiomicsParams, FeatureError> {
        let doc: Value =
            serde_yaml::from_str(text).map_err(|e| FeatureError::Yaml(e.to_string()))?;
        let mut p = PyRadiomicsParams::default();
        for (section, value) in mapping("(top level)", &doc)? {
            match section.as_str() {
                "setting" => p.setting = Settings::read("setting", value)?,
                "voxelSetting" => p.voxel_setting = VoxelSettings::read(value)?,
                "imageType" => {
                    if value.is_null() {
                        return Err(param("imageType", "cannot be null (give e.g. `Original: {}`)"));
                    }
                    let mut types = Vec::new();
                    for (name, v) in mapping("imageType", value)? {
                        let key = format!("imageType.{name}");
                        let t = ImageType::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).ok_or_else(|| {
                            param(&key, format!("not a PyRadiomics image type (expected one of {})", ImageType::ALL.map(|(n, _)| n).join(", ")))
                        })?;
                        types.push((t, Settings::read(&key, v)?));
                    }
                    p.image_types = Some(types);
                }
                "featureClass" => {
                    if value.is_null() {
                        return Err(param("featureClass", "cannot be null (give e.g. `firstorder:`)"));
                    }
                    let mut classes = Vec::new();
                    for (name, v) in mapping("featureClass", value)? {
                        let key = format!("featureClass.{name}");
                        let c = FeatureClass::ALL.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).ok_or_else(|| {
                            param(&key, format!("not a PyRadiomics feature class (expected one of {})", FeatureClass::ALL.map(|(n, _)| n).join(", ")))
                        })?;
                        let features = if v.is_null() {
                            None
                        } else {
                            let names = seq(&key, v, |k, x| as_str(k, x).map(str::to_string))?;
                            if let Some(bad) = names.iter().find(|n| !c.feature_names().contains(&n.as_str())) {
                                return Err(param(&key, format!("{bad:?} is not a feature of class {name}")));
                            }
                            Some(names)
                        };
                        classes.push((c, features));
                    }
                    p.feature_classes = Some(classes);
                }
                other => return Err(param(other, "not a section of a PyRadiomics parameter file (setting, imageType, featureClass, voxelSetting)")),
            }
        }
        Ok(p)
    }

    /// Image types in effect (PyRadiomics enables `Original` when the section is absent).
    pub fn enabled_image_types(&self) -> Vec<ImageType> {
        match &self.image_types {
            Some(t) => t.iter().map(|(t, _)| *t).collect(),
            None => vec![ImageType::Original],
        }
    }

    /// Feature classes in effect (PyRadiomics enables all when the section is absent).
    pub fn enabled_feature_classes(&self) -> Vec<FeatureClass> {
        match &self.feature_classes {
            Some(c) => c.iter().map(|(c, _)| *c).collect(),
            None => FeatureClass::ALL.iter().map(|(_, c)| *c).collect(),
        }
    }
}
