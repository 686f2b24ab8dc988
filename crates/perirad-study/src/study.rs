//! `perirad study STUDY.toml`: a peritumoral radiomics study in one run. Extraction of every
//! case (cached: part files of unchanged cases are reused), then per outcome the models a
//! peritumoral study reports (clinical; tumor only; each peritumoral region alone; tumor + each
//! region, with the regions' features kept apart; the best tumor + region model chosen by
//! cross-validation inside the training set, combined with the clinical factors in a nomogram),
//! validated on the hold-out set, an external cohort or by nested cross-validation. The results
//! are a [`StudyReport`] (written as `results.json`), the fitted models and, by the caller, the
//! HTML report.

use crate::batch::{run_batch, BatchConfig, Progress};
use crate::case::{build_case_regions, ExtractOptions};
use crate::csv_read::{parse_cell, parse_flag, Csv};
use crate::manifest::Manifest;
use crate::settings::{load_settings, LoadedSettings};
use crate::table::Format;
use crate::StudyError;
use perirad_core::Mask;
use perirad_regions::{RegionSpec, Width};
use perirad_report::data::{
    CalibrationCurve, Cohort, Comparison, DecisionCurve, ExcludedCase, KmCurve, Metric,
    ModelReport, Nomogram, NomogramVariable, OutcomeKind, OutcomeReport, Overlay, RingCurve, Roc,
    SliceFigure, StudyReport,
};
use perirad_stats::calibration::{calibration, decision_curve, hosmer_lemeshow, HlGrouping};
use perirad_stats::cv::{repeated_stratified_kfold, CvDesign};
use perirad_stats::glmnet::{cv_logistic, Alignment, CvMeasure, GlmnetOptions};
use perirad_stats::logistic::{logistic_regression, predict, LogisticOptions};
use perirad_stats::metrics::quantile_type7;
use perirad_stats::pipeline::{
    cross_validate_outcome, fit_outcome, inner_folds, FittedPipeline, Outcome, PipelineSpec,
};
use perirad_stats::roc::{auc_delong, delong_test, roc_curve};
use perirad_stats::survival::{concordance_index, kaplan_meier, logrank};
use perirad_stats::Matrix;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The study file as written (TOML).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyToml {
    title: Option<String>,
    manifest: PathBuf,
    params: Option<PathBuf>,
    regions: Vec<String>,
    output: Option<PathBuf>,
    seed: Option<u64>,
    jobs: Option<usize>,
    /// Cases shown as slice figures (default 3).
    slices: Option<usize>,
    validation: ValidationToml,
    outcome: Vec<OutcomeToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidationToml {
    split_column: Option<String>,
    external_manifest: Option<PathBuf>,
    cv: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeToml {
    name: String,
    target: Option<String>,
    positive: Option<String>,
    time: Option<String>,
    event: Option<String>,
    #[serde(default)]
    clinical: Vec<String>,
    pipeline: Option<String>,
}

/// How the models are validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Validation {
    /// A manifest column says `train` or `test` per case.
    Split(String),
    /// A second manifest is the validation cohort.
    External(PathBuf),
    /// Nested repeated stratified k-fold cross-validation (no hold-out set).
    Cv { k: usize, repeats: usize },
}

/// One outcome of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeDef {
    pub name: String,
    /// Binary outcome column and the value that is positive (default 1/true/yes).
    pub target: Option<String>,
    pub positive: Option<String>,
    /// Survival outcome columns.
    pub time: Option<String>,
    pub event: Option<String>,
    pub clinical: Vec<String>,
    pub pipeline: PipelineSpec,
}

impl OutcomeDef {
    fn survival(&self) -> bool {
        self.time.is_some()
    }
}

/// A loaded study file, paths resolved against its folder.
#[derive(Debug, Clone)]
pub struct Study {
    pub path: PathBuf,
    pub title: String,
    pub manifest: PathBuf,
    pub params: Option<PathBuf>,
    /// Peritumoral regions (the tumor is always extracted).
    pub regions: Vec<RegionSpec>,
    pub output: PathBuf,
    pub seed: u64,
    pub jobs: Option<usize>,
    pub slices: usize,
    pub validation: Validation,
    pub outcomes: Vec<OutcomeDef>,
}

fn invalid(path: &Path, m: impl std::fmt::Display) -> StudyError {
    StudyError::Invalid(format!("study {}: {m}", path.display()))
}

/// Reads and checks a study file.
pub fn load_study(path: &Path) -> Result<Study, StudyError> {
    let text = std::fs::read_to_string(path).map_err(|e| StudyError::file(path, e))?;
    let t: StudyToml = toml::from_str(&text).map_err(|e| invalid(path, e))?;
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let at = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        }
    };
    let mut regions = Vec::new();
    for r in &t.regions {
        let spec: RegionSpec = r
            .parse()
            .map_err(|e| invalid(path, format!("regions: {e}")))?;
        if spec != RegionSpec::Tumor && !regions.contains(&spec) {
            regions.push(spec);
        }
    }
    let v = &t.validation;
    let validation = match (&v.split_column, &v.external_manifest, &v.cv) {
        (Some(c), None, None) => Validation::Split(c.clone()),
        (None, Some(m), None) => Validation::External(at(m)),
        (None, None, Some(cv)) => {
            let (k, r) = cv
                .split_once(['x', 'X'])
                .and_then(|(k, r)| Some((k.trim().parse().ok()?, r.trim().parse().ok()?)))
                .filter(|&(k, r): &(usize, usize)| k >= 2 && r >= 1)
                .ok_or_else(|| {
                    invalid(
                        path,
                        format!("validation.cv {cv:?}: expected KxR, e.g. 5x10"),
                    )
                })?;
            Validation::Cv { k, repeats: r }
        }
        _ => {
            return Err(invalid(
                path,
                "[validation] needs exactly one of split_column, external_manifest or cv",
            ))
        }
    };
    if t.outcome.is_empty() {
        return Err(invalid(path, "no [[outcome]]"));
    }
    let mut outcomes = Vec::new();
    for o in &t.outcome {
        let survival = match (&o.target, &o.time, &o.event) {
            (Some(_), None, None) => false,
            (None, Some(_), Some(_)) => true,
            _ => {
                return Err(invalid(
                    path,
                    format!("outcome {:?}: give target, or time and event", o.name),
                ))
            }
        };
        let text = o.pipeline.clone().unwrap_or_else(|| {
            if survival {
                "zscore,corr:0.9,lasso-cox:1se".into()
            } else {
                "zscore,corr:0.9,lasso:1se".into()
            }
        });
        let pipeline: PipelineSpec = text
            .parse()
            .map_err(|e| invalid(path, format!("outcome {:?}: {e}", o.name)))?;
        if pipeline.model.is_survival() != survival {
            return Err(invalid(
                path,
                format!(
                    "outcome {:?}: pipeline {pipeline} does not suit a {} outcome",
                    o.name,
                    if survival { "survival" } else { "binary" }
                ),
            ));
        }
        outcomes.push(OutcomeDef {
            name: o.name.clone(),
            target: o.target.clone(),
            positive: o.positive.clone(),
            time: o.time.clone(),
            event: o.event.clone(),
            clinical: o.clinical.clone(),
            pipeline,
        });
    }
    Ok(Study {
        path: path.to_path_buf(),
        title: t.title.clone().unwrap_or_else(|| "perirad study".into()),
        manifest: at(&t.manifest),
        params: t.params.as_deref().map(at),
        regions,
        output: at(t.output.as_deref().unwrap_or(Path::new("results"))),
        seed: t.seed.unwrap_or(42),
        jobs: t.jobs.filter(|&j| j > 0),
        slices: t.slices.unwrap_or(3),
        validation,
        outcomes,
    })
}

/// What a study run produced.
#[derive(Debug, Clone)]
pub struct StudyRun {
    pub report: StudyReport,
    /// `results.json` (the report's data) and the models folder.
    pub results: PathBuf,
    pub models: PathBuf,
    /// Cases excluded for any reason (extraction failure, missing outcome).
    pub excluded: usize,
}

/// Features of a cohort's cases, read from the wide table of its extraction.
struct Features {
    ids: Vec<String>,
    /// Passthrough (manifest) columns by name, per case.
    passthrough: BTreeMap<String, Vec<String>>,
    /// Numeric feature columns `{region}__{feature}` (phase prefixed with several phases).
    names: Vec<String>,
    /// `values[case][column]`, NaN where missing.
    values: Vec<Vec<f64>>,
    /// Cases whose extraction failed, with the reason.
    failed: BTreeMap<String, String>,
    /// Image, mask and liver paths per case (for the slice figures).
    files: BTreeMap<String, (PathBuf, PathBuf, Option<PathBuf>)>,
}

fn extract_cohort(
    study: &Study,
    settings: &LoadedSettings,
    manifest_path: &Path,
    out_name: &str,
    progress: &dyn Progress,
) -> Result<Features, StudyError> {
    let manifest = Manifest::read(manifest_path)?;
    let files = manifest
        .cases
        .iter()
        .filter_map(|c| {
            let img = c.images.first().cloned().flatten()?;
            Some((c.case_id.clone(), (img, c.mask.clone(), c.liver.clone())))
        })
        .collect();
    let cfg = BatchConfig {
        manifest,
        settings: settings.clone(),
        options: ExtractOptions {
            specs: study.regions.clone(),
            ..Default::default()
        },
        label: None,
        out: study
            .output
            .join("features")
            .join(format!("{out_name}.csv")),
        format: Format::Csv,
        pyradiomics_csv: None,
        jobs: study.jobs,
        resume: true,
        shard: None,
    };
    let summary = run_batch(&cfg, progress)?;
    let mut failed = BTreeMap::new();
    for f in &summary.sidecar.failed_cases {
        failed.insert(f.case_id.clone(), f.errors.join("; "));
    }
    let wide = Csv::read(&summary.outputs.wide)?;
    let n_pass = summary.sidecar.run.passthrough_columns.len();
    let ids: Vec<String> = wide.rows.iter().map(|r| r[0].clone()).collect();
    let mut passthrough = BTreeMap::new();
    for (j, name) in summary.sidecar.run.passthrough_columns.iter().enumerate() {
        passthrough.insert(
            name.clone(),
            wide.rows.iter().map(|r| r[1 + j].clone()).collect(),
        );
    }
    // Numeric feature columns only (diagnostics are text).
    let mut cols = Vec::new();
    for (c, h) in wide.header.iter().enumerate().skip(1 + n_pass) {
        if h.contains("diagnostics_") {
            continue;
        }
        let numeric = wide.rows.iter().all(|r| parse_cell(&r[c]).is_ok());
        if numeric {
            cols.push(c);
        }
    }
    let names = cols.iter().map(|&c| wide.header[c].clone()).collect();
    let values = wide
        .rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|&c| match parse_cell(&r[c]) {
                    Ok(Some(v)) => v,
                    _ => f64::NAN,
                })
                .collect()
        })
        .collect();
    // Cases with no row in the wide table failed entirely.
    for c in &summary.sidecar.cases {
        if c.failed && !failed.contains_key(&c.case_id) {
            failed.insert(c.case_id.clone(), c.errors.join("; "));
        }
    }
    Ok(Features {
        ids,
        passthrough,
        names,
        values,
        failed,
        files,
    })
}

/// The region of a wide-table column `{region}__{feature}` (or `{phase}__{region}__{feature}`).
fn region_of(column: &str) -> &str {
    let parts: Vec<&str> = column.split("__").collect();
    match parts.len() {
        3 => parts[1],
        2 => parts[0],
        _ => "",
    }
}

/// The ring width in mm of a region name `ring:5mm`.
fn ring_mm(region: &str) -> Option<f64> {
    match region.parse::<RegionSpec>().ok()? {
        RegionSpec::Ring(Width::Mm(w)) => Some(w),
        _ => None,
    }
}

/// A human name for a region: `ring:5mm` → `ring 5 mm`, `ring:0.5r` → `ring 0.5 × radius`.
fn region_label(region: &str) -> String {
    match region.parse::<RegionSpec>() {
        Ok(RegionSpec::Tumor) => "tumor".into(),
        Ok(RegionSpec::Ring(Width::Mm(w))) => format!("ring {w} mm"),
        Ok(RegionSpec::Ring(Width::Radius(f))) => format!("ring {f} × radius"),
        _ => region.to_string(),
    }
}

/// The outcome of one model on one set: the scores and the metric.
struct Scored {
    train_pred: Vec<f64>,
    val_pred: Vec<f64>,
    train: Metric,
    validation: Metric,
}

/// Binary or survival outcome values of the included cases.
#[derive(Clone)]
struct Data {
    x: Matrix,
    names: Vec<String>,
    y: Outcome,
    clinical: Matrix,
}

fn metric_of(y: &Outcome, pred: &[f64]) -> Metric {
    match y {
        Outcome::Binary(yb) => match auc_delong(yb, pred) {
            Ok(a) => Metric {
                value: a.auc,
                ci_lower: Some(a.ci_lower),
                ci_upper: Some(a.ci_upper),
                n: yb.len(),
            },
            Err(_) => Metric {
                value: f64::NAN,
                n: yb.len(),
                ..Default::default()
            },
        },
        Outcome::Survival { time, event } => Metric {
            value: concordance_index(time, event, pred).map_or(f64::NAN, |c| c.cindex),
            ci_lower: None,
            ci_upper: None,
            n: time.len(),
        },
    }
}

/// The sets of a hold-out design: training rows of `train` data and the validation data.
struct Design<'a> {
    train: &'a Data,
    validation: Option<&'a Data>,
    cv: Option<(usize, usize)>,
    seed: u64,
}

impl Design<'_> {
    /// Fits `spec` on the columns `cols` and scores both sets (hold-out), or runs nested CV and
    /// uses the pooled out-of-fold predictions of the first repeat as validation (CV design).
    fn score(
        &self,
        cols: &[usize],
        spec: &PipelineSpec,
    ) -> Result<(Scored, FittedPipeline), StudyError> {
        let xtr = self.train.x.select_cols(cols);
        let names: Vec<String> = cols.iter().map(|&c| self.train.names[c].clone()).collect();
        let folds = inner_folds(self.train.y.strata(), spec.inner_k, self.seed)
            .map_err(|e| StudyError::Invalid(format!("inner folds: {e}")))?;
        let model = fit_outcome(&xtr, &self.train.y, &names, spec, &folds)
            .map_err(|e| StudyError::Invalid(e.to_string()))?;
        let train_pred = model
            .prediction(&xtr)
            .map_err(|e| StudyError::Invalid(e.to_string()))?;
        let (val_pred, val_y) = match (self.validation, self.cv) {
            (Some(v), _) => (
                model
                    .prediction(&v.x.select_cols(cols))
                    .map_err(|e| StudyError::Invalid(e.to_string()))?,
                v.y.clone(),
            ),
            (None, Some((k, repeats))) => {
                let splits = repeated_stratified_kfold(
                    self.train.y.strata(),
                    CvDesign {
                        k,
                        repeats,
                        inner_k: spec.inner_k,
                        seed: self.seed,
                    },
                )
                .map_err(|e| StudyError::Invalid(e.to_string()))?;
                let r = cross_validate_outcome(&xtr, &self.train.y, &names, spec, &splits)
                    .map_err(|e| StudyError::Invalid(e.to_string()))?;
                (r.oof[0].clone(), self.train.y.clone())
            }
            (None, None) => (Vec::new(), self.train.y.clone()),
        };
        let train = metric_of(&self.train.y, &train_pred);
        let validation = metric_of(&val_y, &val_pred);
        Ok((
            Scored {
                train_pred,
                val_pred,
                train,
                validation,
            },
            model,
        ))
    }

    fn validation_outcome(&self) -> &Outcome {
        match self.validation {
            Some(v) => &v.y,
            None => &self.train.y,
        }
    }
}

/// Ten equal-size groups of predicted probability: mean prediction and observed fraction.
fn calibration_curve(y: &[bool], p: &[f64]) -> Option<CalibrationCurve> {
    let cal = calibration(y, p).ok()?;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let g = 10.min(p.len());
    let (mut predicted, mut observed, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..g {
        let lo = k * p.len() / g;
        let hi = (k + 1) * p.len() / g;
        if hi <= lo {
            continue;
        }
        let idx = &order[lo..hi];
        predicted.push(idx.iter().map(|&i| p[i]).sum::<f64>() / idx.len() as f64);
        observed.push(idx.iter().filter(|&&i| y[i]).count() as f64 / idx.len() as f64);
        sizes.push(idx.len());
    }
    Some(CalibrationCurve {
        predicted,
        observed,
        group_sizes: sizes,
        slope: cal.calibration_slope,
        intercept: cal.calibration_in_the_large,
        brier: cal.brier,
        hl_p: hosmer_lemeshow(y, p, 10, HlGrouping::Quantile)
            .ok()
            .map(|h| h.p_value),
    })
}

fn curves(model: &mut ModelReport, y: &Outcome, pred: &[f64], cut: f64) {
    match y {
        Outcome::Binary(yb) => {
            if let Ok(r) = roc_curve(yb, pred) {
                model.roc = Some(Roc {
                    fpr: r.fpr,
                    tpr: r.tpr,
                });
            }
            model.calibration = calibration_curve(yb, pred);
            let thresholds: Vec<f64> = (1..=60).map(|i| i as f64 / 100.0).collect();
            if let Ok(d) = decision_curve(yb, pred, &thresholds) {
                model.decision = Some(DecisionCurve {
                    thresholds: d.thresholds,
                    model: d.net_benefit_model,
                    treat_all: d.net_benefit_all,
                });
            }
        }
        Outcome::Survival { time, event } => {
            let high: Vec<bool> = pred.iter().map(|&v| v > cut).collect();
            let p = logrank(time, event, &high).ok().map(|l| l.p_value);
            for (label, want) in [("low risk", false), ("high risk", true)] {
                let idx: Vec<usize> = (0..time.len()).filter(|&i| high[i] == want).collect();
                let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
                let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
                if let Ok(km) = kaplan_meier(&t, &e) {
                    let mut times = vec![0.0];
                    let mut surv = vec![1.0];
                    times.extend(km.time);
                    surv.extend(km.survival);
                    model.km.push(KmCurve {
                        label: format!("{label} (n = {})", idx.len()),
                        time: times,
                        survival: surv,
                        logrank_p: p,
                    });
                }
            }
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    quantile_type7(&s, 0.5).unwrap_or(f64::NAN)
}

/// Clinical values (one row per case, `k` columns) as a matrix.
fn clinical_matrix(rows: &[Vec<f64>], k: usize) -> Matrix {
    let data = rows.iter().flatten().copied().collect();
    Matrix::from_row_major(rows.len(), k, data).unwrap_or_else(|_| Matrix::zeros(rows.len(), k))
}

/// The rows of `f` in `ids` order as a matrix of the columns `cols`.
fn rows_of(values: &[Vec<f64>], rows: &[usize], cols: &[usize]) -> Matrix {
    let data = rows
        .iter()
        .flat_map(|&r| cols.iter().map(move |&c| values[r][c]))
        .collect();
    Matrix::from_row_major(rows.len(), cols.len(), data)
        .unwrap_or_else(|_| Matrix::zeros(rows.len(), cols.len()))
}

/// The cases of a cohort with a usable outcome: their rows in the feature table, the outcome,
/// the clinical values, and the cases left out with the reason.
type OutcomeRows = (Vec<usize>, Outcome, Vec<Vec<f64>>, Vec<ExcludedCase>);

/// Reads the outcome and clinical values of the cases of `f` whose extraction succeeded (rows
/// `ok`); cases with a missing value are returned as excluded with the reason.
fn outcome_rows(f: &Features, o: &OutcomeDef, ok: &[usize]) -> Result<OutcomeRows, StudyError> {
    let col = |name: &str| {
        f.passthrough.get(name).ok_or_else(|| {
            StudyError::Invalid(format!(
                "outcome {:?}: the manifest has no column {name:?}",
                o.name
            ))
        })
    };
    let flag = |v: &str, positive: Option<&str>| parse_flag(v, positive).ok();
    let clinical: Vec<&Vec<String>> = o
        .clinical
        .iter()
        .map(|c| col(c))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    let mut excluded = Vec::new();
    let (mut yb, mut tm, mut ev) = (Vec::new(), Vec::new(), Vec::new());
    let mut clin = Vec::new();
    let targets = match (&o.target, &o.time, &o.event) {
        (Some(t), _, _) => (Some(col(t)?), None, None),
        (None, Some(t), Some(e)) => (None, Some(col(t)?), Some(col(e)?)),
        _ => {
            return Err(StudyError::Invalid(format!(
                "outcome {:?}: no columns",
                o.name
            )))
        }
    };
    for (i, id) in f.ids.iter().enumerate() {
        if !ok.contains(&i) {
            // Extraction failed: the case is already listed as excluded.
            continue;
        }
        let mut reason = None;
        let c: Vec<Option<f64>> = clinical
            .iter()
            .map(|col| parse_cell(&col[i]).ok().flatten())
            .collect();
        if let Some(j) = c.iter().position(Option::is_none) {
            reason = Some(format!(
                "{}: clinical {:?} missing or not a number",
                o.name, o.clinical[j]
            ));
        }
        match targets {
            (Some(t), _, _) => match flag(&t[i], o.positive.as_deref()) {
                Some(v) if reason.is_none() => yb.push(v),
                Some(_) => {}
                None => reason = Some(format!("{}: outcome value {:?} is not 0/1", o.name, t[i])),
            },
            (None, Some(t), Some(e)) => {
                match (parse_cell(&t[i]).ok().flatten(), flag(&e[i], None)) {
                    (Some(tv), Some(evv)) if tv >= 0.0 && reason.is_none() => {
                        tm.push(tv);
                        ev.push(evv);
                    }
                    (Some(tv), Some(_)) if tv >= 0.0 => {}
                    _ => {
                        reason = Some(format!(
                            "{}: time {:?} / event {:?} missing or invalid",
                            o.name, t[i], e[i]
                        ))
                    }
                }
            }
            _ => {}
        }
        match reason {
            Some(r) => excluded.push(ExcludedCase {
                case_id: id.clone(),
                reason: r,
            }),
            None => {
                rows.push(i);
                clin.push(c.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect());
            }
        }
    }
    let y = if o.survival() {
        Outcome::Survival {
            time: tm,
            event: ev,
        }
    } else {
        Outcome::Binary(yb)
    };
    Ok((rows, y, clin, excluded))
}

/// Runs a study: extraction, models per outcome, results files. The caller renders the HTML
/// report from [`StudyRun::report`].
pub fn run_study(study: &Study, progress: &dyn Progress) -> Result<StudyRun, StudyError> {
    std::fs::create_dir_all(&study.output).map_err(|e| StudyError::file(&study.output, e))?;
    let settings = load_settings(study.params.as_deref(), None, &[])?;
    let train_f = extract_cohort(study, &settings, &study.manifest, "features", progress)?;
    let ext_f = match &study.validation {
        Validation::External(m) => Some(extract_cohort(
            study,
            &settings,
            m,
            "features_external",
            progress,
        )?),
        _ => None,
    };
    let regions: Vec<String> = std::iter::once("tumor".to_string())
        .chain(study.regions.iter().map(|r| r.to_string()))
        .collect();
    // Feature columns usable everywhere: finite in every case that did not fail.
    let ok_rows = |f: &Features| -> Vec<usize> {
        (0..f.ids.len())
            .filter(|&i| !f.failed.contains_key(&f.ids[i]))
            .collect()
    };
    let train_ok = ok_rows(&train_f);
    let ext_ok: Vec<usize> = ext_f.as_ref().map(ok_rows).unwrap_or_default();
    let mut usable: Vec<usize> = (0..train_f.names.len())
        .filter(|&c| train_ok.iter().all(|&r| train_f.values[r][c].is_finite()))
        .collect();
    if let Some(e) = &ext_f {
        usable.retain(|&c| {
            e.names
                .iter()
                .position(|n| *n == train_f.names[c])
                .is_some_and(|ec| ext_ok.iter().all(|&r| e.values[r][ec].is_finite()))
        });
    }
    let mut excluded: Vec<ExcludedCase> = Vec::new();
    for f in std::iter::once(&train_f).chain(ext_f.iter()) {
        for (id, reason) in &f.failed {
            excluded.push(ExcludedCase {
                case_id: id.clone(),
                reason: format!("extraction failed: {reason}"),
            });
        }
    }
    let by_region = |names: &[String]| -> BTreeMap<String, Vec<usize>> {
        let mut m: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (k, &c) in usable.iter().enumerate() {
            m.entry(region_of(&names[c]).to_string())
                .or_default()
                .push(k);
        }
        m
    };
    let groups = by_region(&train_f.names);
    let usable_names: Vec<String> = usable.iter().map(|&c| train_f.names[c].clone()).collect();
    let ext_cols: Vec<usize> = match &ext_f {
        Some(e) => usable
            .iter()
            .map(|&c| {
                e.names
                    .iter()
                    .position(|n| *n == train_f.names[c])
                    .unwrap_or(0)
            })
            .collect(),
        None => Vec::new(),
    };
    let models_dir = study.output.join("models");
    std::fs::create_dir_all(&models_dir).map_err(|e| StudyError::file(&models_dir, e))?;
    let mut outcomes = Vec::new();
    let mut sets: Vec<(String, usize)> = Vec::new();
    let mut slice_cases: Vec<(String, String)> = Vec::new();
    for o in &study.outcomes {
        let (rows_ok, y_ok, clin_ok, mut excl) = outcome_rows(&train_f, o, &train_ok)?;
        let all_x = rows_of(&train_f.values, &rows_ok, &usable);
        let all_clin = clinical_matrix(&clin_ok, o.clinical.len());
        let data_all = Data {
            x: all_x,
            names: usable_names.clone(),
            y: y_ok,
            clinical: all_clin,
        };
        let (train_data, val_data, design_text) = match &study.validation {
            Validation::Split(col) => {
                let split = train_f.passthrough.get(col).ok_or_else(|| {
                    StudyError::Invalid(format!("validation: the manifest has no column {col:?}"))
                })?;
                let (mut tr, mut va) = (Vec::new(), Vec::new());
                for (k, &r) in rows_ok.iter().enumerate() {
                    match split[r].trim().to_ascii_lowercase().as_str() {
                        "train" | "training" => tr.push(k),
                        "test" | "validation" | "valid" => va.push(k),
                        other => excl.push(ExcludedCase {
                            case_id: train_f.ids[r].clone(),
                            reason: format!("{}: split column {col:?} is {other:?}", o.name),
                        }),
                    }
                }
                let pick = |idx: &[usize]| Data {
                    x: data_all.x.select_rows(idx),
                    names: data_all.names.clone(),
                    y: data_all.y.select(idx),
                    clinical: data_all.clinical.select_rows(idx),
                };
                let vids: Vec<(String, bool)> = va
                    .iter()
                    .map(|&k| (train_f.ids[rows_ok[k]].clone(), data_all.y.strata()[k]))
                    .collect();
                for want in [true, false, true] {
                    if let Some((id, _)) = vids.iter().find(|(id, p)| *p == want && !slice_cases.iter().any(|(c, _)| c == id)) {
                        slice_cases.push((id.clone(), if want { format!("{} positive", o.name) } else { format!("{} negative", o.name) }));
                    }
                }
                (pick(&tr), Some(pick(&va)), format!("hold-out split by manifest column {col:?}"))
            }
            Validation::External(m) => {
                let e = ext_f.as_ref().ok_or_else(|| StudyError::Invalid("external cohort missing".into()))?;
                let (er, ey, ec, eexcl) = outcome_rows(e, o, &ext_ok)?;
                excl.extend(eexcl);
                let v = Data {
                    x: rows_of(&e.values, &er, &ext_cols),
                    names: usable_names.clone(),
                    y: ey,
                    clinical: clinical_matrix(&ec, o.clinical.len()),
                };
                (data_all.clone(), Some(v), format!("external validation cohort {}", m.display()))
            }
            Validation::Cv { k, repeats } => (
                data_all.clone(),
                None,
                format!("nested stratified {k}-fold cross-validation x {repeats} (validation curves: pooled out-of-fold predictions of the first repeat)"),
            ),
        };
        excluded.extend(excl);
        let cv = match study.validation {
            Validation::Cv { k, repeats } => Some((k, repeats)),
            _ => None,
        };
        let design = Design {
            train: &train_data,
            validation: val_data.as_ref(),
            cv,
            seed: study.seed,
        };
        let strata_count = |d: &Data| d.y.strata().iter().filter(|&&v| v).count();
        let mut positives = vec![("training".to_string(), strata_count(&train_data))];
        if sets.is_empty() {
            sets.push(("training".into(), train_data.y.len()));
        }
        if let Some(v) = &val_data {
            positives.push(("validation".into(), strata_count(v)));
            if sets.len() < 2 {
                sets.push(("validation".into(), v.y.len()));
            }
        }
        let report = model_outcome(o, &design, &groups, &regions, &models_dir)?;
        outcomes.push(OutcomeReport {
            positives,
            design: design_text,
            ..report
        });
    }
    // Slices of a few validation cases.
    let mut slices = Vec::new();
    for (id, caption) in slice_cases.iter().take(study.slices) {
        if let Some(s) = slice_of(study, &settings, &train_f, id, caption) {
            slices.push(s);
        }
    }
    excluded.sort_by(|a, b| a.case_id.cmp(&b.case_id).then(a.reason.cmp(&b.reason)));
    excluded.dedup();
    let n_excluded_cases = {
        let mut ids: Vec<&str> = excluded.iter().map(|e| e.case_id.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    let n_cases = train_f.ids.len() + ext_f.as_ref().map_or(0, |e| e.ids.len());
    let mut settings = vec![
        ("study file".to_string(), study.path.display().to_string()),
        ("manifest".to_string(), study.manifest.display().to_string()),
        (
            "parameter file".to_string(),
            study
                .params
                .as_ref()
                .map_or("PyRadiomics defaults".into(), |p| p.display().to_string()),
        ),
        ("regions".to_string(), regions.join(", ")),
        (
            "usable feature columns".to_string(),
            usable.len().to_string(),
        ),
        ("seed".to_string(), study.seed.to_string()),
    ];
    for o in &study.outcomes {
        settings.push((format!("pipeline ({})", o.name), o.pipeline.to_string()));
        if !o.clinical.is_empty() {
            settings.push((
                format!("clinical factors ({})", o.name),
                o.clinical.join(", "),
            ));
        }
    }
    let n_per_region = groups.get("tumor").map_or(0, Vec::len);
    let report = StudyReport {
        title: study.title.clone(),
        perirad_version: env!("CARGO_PKG_VERSION").to_string(),
        generated: String::new(),
        cohort: Cohort {
            n_cases,
            n_included: n_cases.saturating_sub(n_excluded_cases),
            excluded,
            sets,
            phases: vec!["original".into()],
            regions: regions.clone(),
            n_features_per_region: n_per_region,
        },
        settings,
        outcomes,
        slices,
    };
    let results = study.output.join("results.json");
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| StudyError::Invalid(format!("results.json: {e}")))?;
    perirad_io::write_file_atomic(&results, text.as_bytes())?;
    Ok(StudyRun {
        excluded: n_excluded_cases,
        report,
        results,
        models: models_dir,
    })
}

/// Saves a fitted model as JSON in the models folder.
fn save_model(
    dir: &Path,
    outcome: &str,
    name: &str,
    model: &FittedPipeline,
) -> Result<(), StudyError> {
    let file: String = format!("{outcome}__{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{file}.json"));
    let text = serde_json::to_string_pretty(model)
        .map_err(|e| StudyError::Invalid(format!("{}: {e}", path.display())))?;
    perirad_io::write_file_atomic(&path, text.as_bytes())?;
    Ok(())
}

/// The nomogram's logistic regression of the radiomics score and the clinical factors:
/// maximum likelihood, or, when the training classes are (quasi-)separated and the maximum
/// likelihood does not exist, ridge regression (glmnet, alpha 0) with lambda.min of an inner
/// 5-fold cross-validation. `None` when neither can be fitted.
fn nomogram_fit(x: &Matrix, y: &[bool], seed: u64) -> Option<Vec<f64>> {
    if let Ok(f) = logistic_regression(x, y, &LogisticOptions::default()) {
        return Some(f.coef);
    }
    let folds = inner_folds(y, 5, seed).ok()?;
    let opts = GlmnetOptions {
        alpha: 0.0,
        ..GlmnetOptions::default()
    };
    let cv = cv_logistic(
        x,
        y,
        &folds,
        &opts,
        CvMeasure::Deviance,
        Alignment::Fraction,
    )
    .ok()?;
    let l = cv.index_min;
    Some(
        std::iter::once(cv.path.intercepts[l])
            .chain(cv.path.betas[l].iter().copied())
            .collect(),
    )
}

/// Every model of one outcome.
fn model_outcome(
    o: &OutcomeDef,
    design: &Design<'_>,
    groups: &BTreeMap<String, Vec<usize>>,
    regions: &[String],
    models_dir: &Path,
) -> Result<OutcomeReport, StudyError> {
    let kind = if o.survival() {
        OutcomeKind::Survival
    } else {
        OutcomeKind::Binary
    };
    let yv = design.validation_outcome().clone();
    let mut models: Vec<ModelReport> = Vec::new();
    let mut preds: Vec<(String, Vec<f64>)> = Vec::new();
    let mut add = |name: String,
                   family: &str,
                   regs: Vec<String>,
                   ring: Option<f64>,
                   scored: &Scored,
                   selected: Vec<(String, f64)>,
                   models: &mut Vec<ModelReport>| {
        let cut = median(&scored.train_pred);
        let mut m = ModelReport {
            name: name.clone(),
            family: family.into(),
            regions: regs,
            ring_mm: ring,
            train: scored.train.clone(),
            validation: scored.validation.clone(),
            selected,
            ..Default::default()
        };
        curves(&mut m, &yv, &scored.val_pred, cut);
        preds.push((name, scored.val_pred.clone()));
        models.push(m);
    };
    // Clinical model.
    if !o.clinical.is_empty() {
        let spec: PipelineSpec = if o.survival() {
            "zscore,cox"
        } else {
            "zscore,logistic"
        }
        .parse()
        .map_err(|e| StudyError::Invalid(format!("{e}")))?;
        let clin = |d: &Data| Data {
            x: d.clinical.clone(),
            names: o.clinical.clone(),
            y: d.y.clone(),
            clinical: d.clinical.clone(),
        };
        let ctrain = clin(design.train);
        let cval = design.validation.map(clin);
        let cd = Design {
            train: &ctrain,
            validation: cval.as_ref(),
            cv: design.cv,
            seed: design.seed,
        };
        let cols: Vec<usize> = (0..o.clinical.len()).collect();
        let (s, m) = cd.score(&cols, &spec)?;
        save_model(models_dir, &o.name, "clinical", &m)?;
        add(
            "Clinical".into(),
            "clinical",
            Vec::new(),
            None,
            &s,
            m.selected(),
            &mut models,
        );
    }
    let cols_of = |rs: &[&str]| -> Vec<usize> {
        rs.iter()
            .flat_map(|r| groups.get(*r).cloned().unwrap_or_default())
            .collect()
    };
    let mut fit = |name: String,
                   family: &str,
                   rs: Vec<&str>,
                   ring: Option<f64>,
                   models: &mut Vec<ModelReport>|
     -> Result<Option<(Scored, FittedPipeline)>, StudyError> {
        let cols = cols_of(&rs);
        if cols.is_empty() {
            return Ok(None);
        }
        match design.score(&cols, &o.pipeline) {
            Ok((s, m)) => {
                save_model(models_dir, &o.name, &name, &m)?;
                add(
                    name,
                    family,
                    rs.iter().map(|r| r.to_string()).collect(),
                    ring,
                    &s,
                    m.selected(),
                    models,
                );
                Ok(Some((s, m)))
            }
            Err(e) => Err(StudyError::Invalid(format!(
                "outcome {}, model {name}: {e}",
                o.name
            ))),
        }
    };
    let tumor = fit("Tumor".into(), "tumor", vec!["tumor"], None, &mut models)?;
    let peri: Vec<&String> = regions.iter().filter(|r| *r != "tumor").collect();
    for r in &peri {
        fit(
            format!("{} alone", region_label(r)),
            "peritumoral",
            vec![r.as_str()],
            ring_mm(r),
            &mut models,
        )?;
    }
    let mut combined: Vec<(String, Vec<usize>)> = Vec::new();
    for r in &peri {
        let name = format!("Tumor + {}", region_label(r));
        if fit(
            name.clone(),
            "tumor+peritumoral",
            vec!["tumor", r.as_str()],
            ring_mm(r),
            &mut models,
        )?
        .is_some()
        {
            combined.push((name, cols_of(&["tumor", r.as_str()])));
        }
    }
    // The best tumor + region model, chosen by cross-validation inside the training set only.
    let mut best: Option<(String, Vec<usize>, f64)> = None;
    for (name, cols) in &combined {
        let k = 5.min(
            design
                .train
                .y
                .strata()
                .iter()
                .filter(|&&v| v)
                .count()
                .max(2),
        );
        let splits = repeated_stratified_kfold(
            design.train.y.strata(),
            CvDesign {
                k,
                repeats: 1,
                inner_k: o.pipeline.inner_k,
                seed: design.seed,
            },
        );
        let Ok(splits) = splits else { continue };
        let xs = design.train.x.select_cols(cols);
        let names: Vec<String> = cols
            .iter()
            .map(|&c| design.train.names[c].clone())
            .collect();
        if let Ok(r) = cross_validate_outcome(&xs, &design.train.y, &names, &o.pipeline, &splits) {
            if best.as_ref().is_none_or(|b| r.mean > b.2) {
                best = Some((name.clone(), cols.clone(), r.mean));
            }
        }
    }
    let mut nomogram = None;
    if let Some((name, cols, _)) = &best {
        let (_, m) = design.score(cols, &o.pipeline)?;
        // Radiomics score (the linear predictor) plus clinical factors.
        let lp_train = m
            .linear_predictor(&design.train.x.select_cols(cols))
            .map_err(|e| StudyError::Invalid(e.to_string()))?;
        let lp_val = match design.validation {
            Some(v) => m
                .linear_predictor(&v.x.select_cols(cols))
                .map_err(|e| StudyError::Invalid(e.to_string()))?,
            None => Vec::new(),
        };
        let with_score = |d: &Data, lp: &[f64]| -> Matrix {
            let mut data = Vec::new();
            for (r, &l) in lp.iter().enumerate() {
                data.push(l);
                data.extend_from_slice(d.clinical.row(r));
            }
            Matrix::from_row_major(lp.len(), 1 + o.clinical.len(), data)
                .unwrap_or_else(|_| Matrix::zeros(0, 0))
        };
        if let (Outcome::Binary(ytr), Some(v)) = (&design.train.y, design.validation) {
            let xtr = with_score(design.train, &lp_train);
            let xva = with_score(v, &lp_val);
            if let Some(coef) = nomogram_fit(&xtr, ytr, design.seed) {
                let eta =
                    |x: &Matrix| predict(x, &coef).unwrap_or_else(|_| vec![f64::NAN; x.rows()]);
                let (ptr, pva) = (eta(&xtr), eta(&xva));
                let scored = Scored {
                    train: metric_of(&design.train.y, &ptr),
                    validation: metric_of(&v.y, &pva),
                    train_pred: ptr,
                    val_pred: pva,
                };
                let vars: Vec<String> = std::iter::once(format!("Rad-score ({name})"))
                    .chain(o.clinical.iter().cloned())
                    .collect();
                let selected = vars
                    .iter()
                    .cloned()
                    .zip(coef[1..].iter().copied())
                    .collect();
                add(
                    format!("Nomogram: {name} + clinical"),
                    "nomogram",
                    Vec::new(),
                    None,
                    &scored,
                    selected,
                    &mut models,
                );
                nomogram = Some(Nomogram {
                    intercept: coef[0],
                    variables: vars
                        .iter()
                        .enumerate()
                        .map(|(j, n)| {
                            let col = xtr.col(j);
                            NomogramVariable {
                                name: n.clone(),
                                coefficient: coef[1 + j],
                                min: col.iter().copied().fold(f64::INFINITY, f64::min),
                                max: col.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                            }
                        })
                        .collect(),
                });
            }
        }
    }
    // DeLong comparisons against tumor-only (binary outcomes).
    let mut comparisons = Vec::new();
    if let (Outcome::Binary(yb), Some(_)) = (&yv, &tumor) {
        let reference = preds
            .iter()
            .find(|(n, _)| n == "Tumor")
            .map(|(_, p)| p.clone());
        if let Some(rp) = reference {
            for (n, p) in &preds {
                if n == "Tumor" || n == "Clinical" {
                    continue;
                }
                if let Ok(t) = delong_test(yb, p, &rp) {
                    comparisons.push(Comparison {
                        model: n.clone(),
                        reference: "Tumor".into(),
                        auc_model: t.auc1,
                        auc_reference: t.auc2,
                        difference: t.diff,
                        p_value: t.p_value,
                    });
                }
            }
        }
    }
    // Validation metric versus ring width.
    let tumor_value = models
        .iter()
        .find(|m| m.family == "tumor")
        .map(|m| m.validation.value);
    let mut ring_curves = Vec::new();
    for (label, family) in [
        ("ring alone", "peritumoral"),
        ("tumor + ring", "tumor+peritumoral"),
    ] {
        let mut pts: Vec<&ModelReport> = models
            .iter()
            .filter(|m| m.family == family && m.ring_mm.is_some())
            .collect();
        pts.sort_by(|a, b| {
            a.ring_mm
                .unwrap_or(0.0)
                .total_cmp(&b.ring_mm.unwrap_or(0.0))
        });
        if pts.is_empty() {
            continue;
        }
        ring_curves.push(RingCurve {
            label: label.into(),
            width_mm: pts.iter().map(|m| m.ring_mm.unwrap_or(0.0)).collect(),
            value: pts.iter().map(|m| m.validation.value).collect(),
            ci_lower: pts
                .iter()
                .map(|m| m.validation.ci_lower.unwrap_or(f64::NAN))
                .collect(),
            ci_upper: pts
                .iter()
                .map(|m| m.validation.ci_upper.unwrap_or(f64::NAN))
                .collect(),
            reference: tumor_value,
        });
    }
    Ok(OutcomeReport {
        name: o.name.clone(),
        kind,
        positives: Vec::new(),
        design: String::new(),
        models,
        comparisons,
        ring_curves,
        nomogram,
    })
}

/// The axial slice with the largest tumor area of a case, windowed to 8-bit, cropped around the
/// widest ring, with the tumor and rings as overlays.
fn slice_of(
    study: &Study,
    settings: &LoadedSettings,
    f: &Features,
    id: &str,
    caption: &str,
) -> Option<SliceFigure> {
    let (img_path, mask_path, liver) = f.files.get(id)?;
    let image = perirad_io::read_image(img_path, &Default::default()).ok()?;
    let opts = ExtractOptions {
        specs: study
            .regions
            .iter()
            .filter(|r| ring_mm(&r.to_string()).is_some())
            .cloned()
            .collect(),
        ..Default::default()
    };
    let regions = build_case_regions(
        mask_path,
        liver.as_deref(),
        1,
        image.geometry(),
        settings,
        &opts,
    )
    .ok()?;
    let g = image.geometry();
    let [nx, ny, nz] = g.size();
    let tumor: &Mask = &regions.regions.first()?.1;
    let area = |k: usize| {
        (0..nx * ny)
            .filter(|&p| tumor.data()[k * nx * ny + p])
            .count()
    };
    let k = (0..nz).max_by_key(|&k| area(k))?;
    if area(k) == 0 {
        return None;
    }
    // Crop to the union of the overlays on this slice, with a margin.
    let (mut x0, mut x1, mut y0, mut y1) = (nx, 0, ny, 0);
    for (_, m) in &regions.regions {
        for y in 0..ny {
            for x in 0..nx {
                if m.data()[k * nx * ny + y * nx + x] {
                    x0 = x0.min(x);
                    x1 = x1.max(x);
                    y0 = y0.min(y);
                    y1 = y1.max(y);
                }
            }
        }
    }
    let pad = 12;
    let (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
    let (x1, y1) = ((x1 + pad).min(nx - 1), (y1 + pad).min(ny - 1));
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut vals = Vec::with_capacity(w * h);
    for y in y0..=y1 {
        for x in x0..=x1 {
            vals.push(image.data().get_f64(k * nx * ny + y * nx + x));
        }
    }
    let mut sorted = vals.clone();
    sorted.sort_by(f64::total_cmp);
    let lo = sorted[sorted.len() / 100];
    let hi = sorted[sorted.len() * 99 / 100].max(lo + 1.0);
    let gray = vals
        .iter()
        .map(|v| (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let overlays = regions
        .regions
        .iter()
        .map(|(n, m)| Overlay {
            name: n.clone(),
            mask: (y0..=y1)
                .flat_map(|y| (x0..=x1).map(move |x| (y, x)))
                .map(|(y, x)| u8::from(m.data()[k * nx * ny + y * nx + x]))
                .collect(),
        })
        .collect();
    let sp = g.spacing();
    Some(SliceFigure {
        case_id: id.to_string(),
        caption: format!("{id}: axial slice {} of {nz}, {caption}", k + 1),
        width: w,
        height: h,
        spacing: [sp[0], sp[1]],
        gray,
        overlays,
    })
}
