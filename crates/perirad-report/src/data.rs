//! The report's input: everything the HTML report shows, as plain serialisable data. The study
//! runner fills it (and writes it as `results.json`); the renderer only draws it.

use serde::{Deserialize, Serialize};

/// A whole study.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudyReport {
    /// Study title (from the study file).
    pub title: String,
    /// perirad version and the time the report was made (ISO 8601), as given by the caller.
    pub perirad_version: String,
    pub generated: String,
    pub cohort: Cohort,
    /// Settings shown as a two-column table (parameter file, regions, design, pipeline, seed...).
    pub settings: Vec<(String, String)>,
    /// One section per outcome.
    pub outcomes: Vec<OutcomeReport>,
    /// Axial slices of a few cases with tumor and rings overlaid.
    pub slices: Vec<SliceFigure>,
}

/// Who is in the study.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// Cases in the manifest.
    pub n_cases: usize,
    /// Cases with features (the others are in `excluded`).
    pub n_included: usize,
    /// Cases left out, with the reason (failed extraction, missing outcome, ...).
    pub excluded: Vec<ExcludedCase>,
    /// Training / validation sizes, e.g. [("training", 84), ("validation", 36)].
    pub sets: Vec<(String, usize)>,
    pub phases: Vec<String>,
    /// Region names in display order, e.g. tumor, ring2mm, ring5mm, ...
    pub regions: Vec<String>,
    /// Features per region and phase (after extraction).
    pub n_features_per_region: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExcludedCase {
    pub case_id: String,
    pub reason: String,
}

/// The kind of outcome, which decides the metric: AUC for binary, Harrell's C for survival.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutcomeKind {
    #[default]
    Binary,
    Survival,
}

/// All models of one outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutcomeReport {
    /// Outcome name, e.g. "MVI" or "RFS".
    pub name: String,
    pub kind: OutcomeKind,
    /// Positives (binary) or events (survival) per set, e.g. [("training", 30), ("validation", 13)].
    pub positives: Vec<(String, usize)>,
    /// Validation design in words ("train/test split by column set", "nested 5-fold CV x 10", ...).
    pub design: String,
    /// Every model, in the order shown: clinical, tumor, each region alone, tumor + each region,
    /// combined, nomogram.
    pub models: Vec<ModelReport>,
    /// DeLong tests (binary) on the validation set of every radiomics model against the reference
    /// model (tumor-only).
    pub comparisons: Vec<Comparison>,
    /// Validation AUC (or C) versus ring width, one series per model family ("ring alone",
    /// "tumor + ring").
    pub ring_curves: Vec<RingCurve>,
    /// The nomogram of the final combined model (radiomics score + clinical factors), if fitted.
    pub nomogram: Option<Nomogram>,
}

/// One model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    /// Display name, e.g. "Tumor + ring 5 mm".
    pub name: String,
    /// "clinical", "tumor", "peritumoral", "tumor+peritumoral", "combined", "nomogram".
    pub family: String,
    /// Regions whose features the model used.
    pub regions: Vec<String>,
    /// Ring width in mm when the model uses one ring (for the AUC-vs-width curve).
    pub ring_mm: Option<f64>,
    /// Training (apparent, or cross-validated when that is the design) and validation metrics.
    pub train: Metric,
    pub validation: Metric,
    /// Curves on the validation set (binary outcomes).
    pub roc: Option<Roc>,
    pub calibration: Option<CalibrationCurve>,
    pub decision: Option<DecisionCurve>,
    /// Kaplan-Meier curves of the risk groups on the validation set (survival outcomes).
    pub km: Vec<KmCurve>,
    /// Selected features with coefficients (on the scale the model uses).
    pub selected: Vec<(String, f64)>,
}

/// A metric with its 95% confidence interval (AUC with DeLong CI, or Harrell's C).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub value: f64,
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    pub n: usize,
}

/// ROC curve points (false-positive rate, true-positive rate), from (0,0) to (1,1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Roc {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
}

/// Calibration: mean predicted probability and observed fraction per group, plus the slope and
/// calibration-in-the-large.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCurve {
    pub predicted: Vec<f64>,
    pub observed: Vec<f64>,
    pub group_sizes: Vec<usize>,
    pub slope: f64,
    pub intercept: f64,
    pub brier: f64,
    /// Hosmer-Lemeshow p-value.
    pub hl_p: Option<f64>,
}

/// Decision curve: net benefit of the model, treat-all and treat-none at each threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionCurve {
    pub thresholds: Vec<f64>,
    pub model: Vec<f64>,
    pub treat_all: Vec<f64>,
}

/// One Kaplan-Meier step curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KmCurve {
    /// Group label, e.g. "high risk".
    pub label: String,
    /// Step times and survival just after each time (starting at time 0, S = 1).
    pub time: Vec<f64>,
    pub survival: Vec<f64>,
    /// Log-rank p-value between the groups (same on every curve of a plot).
    pub logrank_p: Option<f64>,
}

/// DeLong test of a model against the reference model on the same validation patients.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub model: String,
    pub reference: String,
    pub auc_model: f64,
    pub auc_reference: f64,
    pub difference: f64,
    pub p_value: f64,
}

/// Validation metric versus ring width for one family of models.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RingCurve {
    /// e.g. "ring alone", "tumor + ring".
    pub label: String,
    pub width_mm: Vec<f64>,
    pub value: Vec<f64>,
    pub ci_lower: Vec<f64>,
    pub ci_upper: Vec<f64>,
    /// The tumor-only value, drawn as a horizontal reference line.
    pub reference: Option<f64>,
}

/// A logistic nomogram: each variable's points axis, total points, predicted probability.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Nomogram {
    /// Linear predictor = intercept + sum of coef * value.
    pub intercept: f64,
    pub variables: Vec<NomogramVariable>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NomogramVariable {
    pub name: String,
    pub coefficient: f64,
    /// Range of the variable in the training data (the axis spans it).
    pub min: f64,
    pub max: f64,
}

/// An axial slice with region outlines: 8-bit grey pixels (row-major, `width` × `height`,
/// already windowed) and one 0/1 mask per overlay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SliceFigure {
    pub case_id: String,
    /// Caption, e.g. "slice 23 of 48, MVI positive".
    pub caption: String,
    pub width: usize,
    pub height: usize,
    /// Physical pixel size (mm) along x and y, so the figure keeps the aspect ratio.
    pub spacing: [f64; 2],
    pub gray: Vec<u8>,
    pub overlays: Vec<Overlay>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    /// Region name, e.g. "tumor" or "ring5mm".
    pub name: String,
    pub mask: Vec<u8>,
}
