//! Leakage-free modelling pipelines for a binary outcome.
//!
//! A pipeline is a list of data-driven steps (z-score, variance filter, correlation redundancy
//! filter, mRMR) followed by a model (LASSO / elastic-net logistic regression with its lambda
//! chosen by inner cross-validation, or plain logistic regression). [`fit`] fits every step on
//! the rows it is given and nothing else; [`cross_validate`] calls [`fit`] on each outer
//! training set and scores the untouched test rows, so no filter, selection or lambda ever sees
//! a test row. [`naive_select_then_cv`] is the common leaky design (selection on all rows, then
//! cross-validation of the selected features), computed only to show how much it inflates the
//! AUC.
//!
//! The default pipeline is the reference pipeline of the stats reference data: z-score (ddof 0)
//! → Pearson |r| > 0.9 greedy_keep_first → LASSO logistic (glmnet defaults with thresh 1e-7,
//! 100 lambdas, lambda.min.ratio 0.01), lambda by inner 5-fold cv.glmnet (deviance, each fold
//! its own lambda sequence), rule lambda.1se.

use crate::correlation::{
    CorrelationFilter, CorrelationFilterOptions, CorrelationKind, RedundancyRule,
};
use crate::cox::{cox_ph, cv_cox, CoxCvMeasure, CoxOptions, Ties};
use crate::cv::{Split, SplitMix64};
use crate::error::{Result, StatsError};
use crate::glmnet::{cv_logistic, Alignment, CvMeasure, GlmnetOptions};
use crate::logistic::{inv_logit, logistic_regression, LogisticOptions};
use crate::matrix::Matrix;
use crate::mrmr::{f_classif, mrmr_fcq};
use crate::preprocess::{VarianceFilter, VarianceFilterOptions, ZScore};
use crate::roc::auc;
use crate::survival::concordance_index;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which lambda of the cross-validated path is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LambdaRule {
    /// `lambda.min`: the lambda of smallest cross-validated loss.
    Min,
    /// `lambda.1se`: the largest lambda within one standard error of the minimum.
    OneSe,
}

/// One data-driven preprocessing or selection step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Step {
    /// Standardise with the training mean and standard deviation.
    ZScore { ddof: usize },
    /// Keep the columns whose training variance is greater than the threshold.
    Variance { threshold: f64 },
    /// Drop redundant columns (|r| above the threshold) from the training correlation matrix.
    Correlation(CorrelationFilterOptions),
    /// Keep the `k` columns ranked first by mRMR (FCQ) on the training rows.
    Mrmr { k: usize },
}

/// The model at the end of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// Penalised logistic regression on the glmnet path (alpha 1 = LASSO), lambda chosen by inner
    /// k-fold cross-validation.
    Glmnet {
        alpha: f64,
        rule: LambdaRule,
        measure: CvMeasure,
        nlambda: usize,
        lambda_min_ratio: f64,
        thresh: f64,
    },
    /// Unpenalised maximum-likelihood logistic regression on every remaining column.
    Logistic,
    /// Penalised Cox regression on the glmnet path (Breslow ties; alpha 1 = LASSO-Cox), lambda
    /// chosen by inner k-fold cross-validation of the partial-likelihood deviance.
    CoxNet {
        alpha: f64,
        rule: LambdaRule,
        nlambda: usize,
        lambda_min_ratio: f64,
        thresh: f64,
    },
    /// Unpenalised Cox proportional hazards (Efron ties) on every remaining column.
    Cox,
}

impl ModelSpec {
    /// Whether the model needs a survival outcome (time + event).
    pub fn is_survival(&self) -> bool {
        matches!(self, ModelSpec::CoxNet { .. } | ModelSpec::Cox)
    }
}

/// A whole pipeline: steps, model and the number of inner folds used to tune the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSpec {
    pub steps: Vec<Step>,
    pub model: ModelSpec,
    pub inner_k: usize,
}

impl Default for PipelineSpec {
    fn default() -> Self {
        PipelineSpec {
            steps: vec![
                Step::ZScore { ddof: 0 },
                Step::Correlation(CorrelationFilterOptions {
                    kind: CorrelationKind::Pearson,
                    rule: RedundancyRule::GreedyKeepFirst,
                    threshold: 0.9,
                }),
            ],
            model: glmnet_model(1.0, LambdaRule::OneSe),
            inner_k: 5,
        }
    }
}

fn coxnet_model(alpha: f64, rule: LambdaRule) -> ModelSpec {
    ModelSpec::CoxNet {
        alpha,
        rule,
        nlambda: 100,
        lambda_min_ratio: 0.01,
        thresh: 1e-7,
    }
}

fn glmnet_model(alpha: f64, rule: LambdaRule) -> ModelSpec {
    ModelSpec::Glmnet {
        alpha,
        rule,
        measure: CvMeasure::Deviance,
        nlambda: 100,
        lambda_min_ratio: 0.01,
        thresh: 1e-7,
    }
}

impl fmt::Display for PipelineSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .steps
            .iter()
            .map(|s| match s {
                Step::ZScore { ddof } => {
                    if *ddof == 0 {
                        "zscore".to_string()
                    } else {
                        format!("zscore:ddof{ddof}")
                    }
                }
                Step::Variance { threshold } => format!("variance:{threshold}"),
                Step::Correlation(o) => format!(
                    "corr:{}:{}:{}",
                    match o.kind {
                        CorrelationKind::Pearson => "pearson",
                        CorrelationKind::Spearman => "spearman",
                    },
                    o.threshold,
                    rule_name(o.rule)
                ),
                Step::Mrmr { k } => format!("mrmr:{k}"),
            })
            .collect();
        // `lasso:1se`, `enet:0.5:min`, `lasso-cox:1se`, ...
        let penalised = |alpha: f64, rule: LambdaRule, suffix: &str| {
            let r = match rule {
                LambdaRule::Min => "min",
                LambdaRule::OneSe => "1se",
            };
            if alpha == 1.0 {
                format!("lasso{suffix}:{r}")
            } else {
                format!("enet{suffix}:{alpha}:{r}")
            }
        };
        parts.push(match &self.model {
            ModelSpec::Glmnet { alpha, rule, .. } => penalised(*alpha, *rule, ""),
            ModelSpec::Logistic => "logistic".to_string(),
            ModelSpec::CoxNet { alpha, rule, .. } => penalised(*alpha, *rule, "-cox"),
            ModelSpec::Cox => "cox".to_string(),
        });
        write!(f, "{}", parts.join(","))
    }
}

fn rule_name(r: RedundancyRule) -> &'static str {
    match r {
        RedundancyRule::GreedyKeepFirst => "greedy",
        RedundancyRule::UpperTriAny => "uppertri",
        RedundancyRule::PairwiseDropHigherMean => "pairwise",
        RedundancyRule::RadMlBenchDecorrelate => "radmlbench",
    }
}

impl FromStr for PipelineSpec {
    type Err = StatsError;

    /// Parses `step,step,...,model`, e.g. `zscore,corr:0.9,lasso:1se` (the default),
    /// `zscore,variance:0.01,corr:spearman:0.8,mrmr:20,logistic` or `zscore,enet:0.5:min`.
    ///
    /// Steps: `zscore` (`zscore:ddof1` for the sample SD), `variance:T`,
    /// `corr[:pearson|spearman][:T][:greedy|uppertri|pairwise|radmlbench]` (default Pearson
    /// 0.9 greedy), `mrmr:K`. Binary models: `lasso[:1se|min]`, `enet:ALPHA[:1se|min]`,
    /// `logistic`; survival models: `lasso-cox[:1se|min]`, `enet-cox:ALPHA[:1se|min]`, `cox`.
    /// A trailing `inner:K` sets the inner folds (default 5).
    fn from_str(s: &str) -> Result<Self> {
        let bad = |m: String| StatsError::Invalid(format!("pipeline {s:?}: {m}"));
        let mut steps = Vec::new();
        let mut model = None;
        let mut inner_k = 5;
        for item in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let mut parts = item.split(':');
            let name = parts.next().unwrap_or_default().to_ascii_lowercase();
            let args: Vec<&str> = parts.collect();
            if model.is_some() && name != "inner" {
                return Err(bad(format!(
                    "{item:?} comes after the model; the model is last"
                )));
            }
            let num = |a: &str, what: &str| -> Result<f64> {
                a.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(format!("{what} {a:?} is not a number")))
            };
            let rule_of = |a: Option<&&str>| -> Result<LambdaRule> {
                match a.copied() {
                    None | Some("1se") => Ok(LambdaRule::OneSe),
                    Some("min") => Ok(LambdaRule::Min),
                    Some(o) => Err(bad(format!("lambda rule {o:?}: use 1se or min"))),
                }
            };
            match name.as_str() {
                "zscore" => {
                    let ddof = match args.first().copied() {
                        None | Some("ddof0") => 0,
                        Some("ddof1") => 1,
                        Some(o) => return Err(bad(format!("zscore option {o:?}: use ddof0 or ddof1"))),
                    };
                    steps.push(Step::ZScore { ddof });
                }
                "variance" => {
                    let t = args
                        .first()
                        .ok_or_else(|| bad("variance needs a threshold, e.g. variance:0.01".into()))?;
                    steps.push(Step::Variance { threshold: num(t, "variance threshold")? });
                }
                "corr" => {
                    let mut o = CorrelationFilterOptions {
                        kind: CorrelationKind::Pearson,
                        rule: RedundancyRule::GreedyKeepFirst,
                        threshold: 0.9,
                    };
                    for a in &args {
                        match *a {
                            "pearson" => o.kind = CorrelationKind::Pearson,
                            "spearman" => o.kind = CorrelationKind::Spearman,
                            "greedy" => o.rule = RedundancyRule::GreedyKeepFirst,
                            "uppertri" => o.rule = RedundancyRule::UpperTriAny,
                            "pairwise" => o.rule = RedundancyRule::PairwiseDropHigherMean,
                            "radmlbench" => o.rule = RedundancyRule::RadMlBenchDecorrelate,
                            t => {
                                o.threshold = num(t, "correlation threshold")?;
                                if !(0.0..=1.0).contains(&o.threshold) {
                                    return Err(bad(format!("correlation threshold {t} is not in [0, 1]")));
                                }
                            }
                        }
                    }
                    steps.push(Step::Correlation(o));
                }
                "mrmr" => {
                    let k = args
                        .first()
                        .and_then(|a| a.parse::<usize>().ok())
                        .filter(|&k| k > 0)
                        .ok_or_else(|| bad("mrmr needs a number of features, e.g. mrmr:20".into()))?;
                    steps.push(Step::Mrmr { k });
                }
                "lasso" => model = Some(glmnet_model(1.0, rule_of(args.first())?)),
                "enet" | "enet-cox" => {
                    let a = args
                        .first()
                        .ok_or_else(|| bad(format!("{name} needs alpha, e.g. {name}:0.5")))?;
                    let alpha = num(a, "alpha")?;
                    if !(alpha > 0.0 && alpha <= 1.0) {
                        return Err(bad(format!("alpha {alpha} is not in (0, 1]")));
                    }
                    let rule = rule_of(args.get(1))?;
                    model = Some(if name == "enet" {
                        glmnet_model(alpha, rule)
                    } else {
                        coxnet_model(alpha, rule)
                    });
                }
                "logistic" => model = Some(ModelSpec::Logistic),
                "lasso-cox" => model = Some(coxnet_model(1.0, rule_of(args.first())?)),
                "cox" => model = Some(ModelSpec::Cox),
                "inner" => {
                    inner_k = args
                        .first()
                        .and_then(|a| a.parse::<usize>().ok())
                        .filter(|&k| k >= 2)
                        .ok_or_else(|| bad("inner needs a number of folds >= 2, e.g. inner:5".into()))?;
                }
                other => {
                    return Err(bad(format!(
                        "unknown step {other:?} (steps: zscore, variance, corr, mrmr; models: lasso, enet, logistic, lasso-cox, enet-cox, cox)"
                    )))
                }
            }
        }
        let model = model.ok_or_else(|| {
            bad("no model at the end (lasso, enet, logistic, lasso-cox, enet-cox or cox)".into())
        })?;
        Ok(PipelineSpec {
            steps,
            model,
            inner_k,
        })
    }
}

/// A step fitted on training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FittedStep {
    ZScore(ZScore),
    Variance(VarianceFilter),
    Correlation(CorrelationFilter),
    /// Kept columns (mRMR order) and the number of columns seen at fit time.
    Select {
        kept: Vec<usize>,
        n_columns: usize,
    },
}

impl FittedStep {
    fn transform(&self, x: &Matrix) -> Result<Matrix> {
        match self {
            FittedStep::ZScore(z) => z.transform(x),
            FittedStep::Variance(v) => v.transform(x),
            FittedStep::Correlation(c) => c.transform(x),
            FittedStep::Select { kept, n_columns } => {
                if x.cols() != *n_columns {
                    return Err(StatsError::Invalid(format!(
                        "selection was fitted on {n_columns} columns, got {}",
                        x.cols()
                    )));
                }
                Ok(x.select_cols(kept))
            }
        }
    }

    /// The indices (into this step's input) of the columns this step passes on.
    fn kept(&self, n_in: usize) -> Vec<usize> {
        match self {
            FittedStep::ZScore(_) => (0..n_in).collect(),
            FittedStep::Variance(v) => v.kept.clone(),
            FittedStep::Correlation(c) => c.kept.clone(),
            FittedStep::Select { kept, .. } => kept.clone(),
        }
    }
}

/// A pipeline fitted on a set of rows: everything needed to score new patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    pub spec: PipelineSpec,
    /// The input feature names, in input column order.
    pub features: Vec<String>,
    pub steps: Vec<FittedStep>,
    /// Intercept of the model on the transformed columns.
    pub intercept: f64,
    /// Coefficient of every column the last step passes on (zeros included).
    pub coefficients: Vec<f64>,
    /// Names of the columns reaching the model, aligned with `coefficients`.
    pub model_columns: Vec<String>,
    /// The chosen lambda (penalised models).
    pub lambda: Option<f64>,
    /// Training rows and positives the pipeline was fitted on.
    pub n_train: usize,
    /// Training positives (binary) or events (survival).
    pub n_train_positive: usize,
    /// A survival (Cox) model: its linear predictor is a log hazard ratio, not a logit.
    #[serde(default)]
    pub survival: bool,
}

impl FittedPipeline {
    /// Features with a nonzero coefficient, with their coefficients (on the transformed,
    /// e.g. z-scored, scale), in model column order.
    pub fn selected(&self) -> Vec<(String, f64)> {
        self.model_columns
            .iter()
            .zip(&self.coefficients)
            .filter(|(_, &c)| c != 0.0)
            .map(|(n, &c)| (n.clone(), c))
            .collect()
    }

    /// The linear predictor (the radiomics score) of the rows of `x`, whose columns are
    /// `self.features` in order.
    pub fn linear_predictor(&self, x: &Matrix) -> Result<Vec<f64>> {
        if x.cols() != self.features.len() {
            return Err(StatsError::Invalid(format!(
                "the model expects {} feature columns, got {}",
                self.features.len(),
                x.cols()
            )));
        }
        let mut m = x.clone();
        for s in &self.steps {
            m = s.transform(&m)?;
        }
        Ok((0..m.rows())
            .map(|r| {
                self.intercept
                    + m.row(r)
                        .iter()
                        .zip(&self.coefficients)
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
            })
            .collect())
    }

    /// What cross-validation scores: the probability of a binary model, the linear predictor
    /// (log relative hazard) of a survival model.
    pub fn prediction(&self, x: &Matrix) -> Result<Vec<f64>> {
        if self.survival {
            self.linear_predictor(x)
        } else {
            self.probability(x)
        }
    }

    /// Predicted probabilities of the positive class (binary models; for a survival model the
    /// logistic transform of its linear predictor has no meaning and this errors).
    pub fn probability(&self, x: &Matrix) -> Result<Vec<f64>> {
        if self.survival {
            return Err(StatsError::Invalid(
                "a survival model predicts a relative hazard (linear predictor), not a probability"
                    .into(),
            ));
        }
        Ok(self
            .linear_predictor(x)?
            .into_iter()
            .map(inv_logit)
            .collect())
    }
}

/// The outcome a pipeline is fitted to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A binary outcome (true = positive).
    Binary(Vec<bool>),
    /// A right-censored survival outcome.
    Survival { time: Vec<f64>, event: Vec<bool> },
}

impl Outcome {
    pub fn len(&self) -> usize {
        match self {
            Outcome::Binary(y) => y.len(),
            Outcome::Survival { time, .. } => time.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows at `idx`.
    pub fn select(&self, idx: &[usize]) -> Outcome {
        match self {
            Outcome::Binary(y) => Outcome::Binary(idx.iter().map(|&i| y[i]).collect()),
            Outcome::Survival { time, event } => Outcome::Survival {
                time: idx.iter().map(|&i| time[i]).collect(),
                event: idx.iter().map(|&i| event[i]).collect(),
            },
        }
    }

    /// What folds are stratified on: the class, or the event indicator.
    pub fn strata(&self) -> &[bool] {
        match self {
            Outcome::Binary(y) => y,
            Outcome::Survival { event, .. } => event,
        }
    }

    /// The name of the cross-validation metric: AUC or Harrell's C.
    pub fn metric(&self) -> &'static str {
        match self {
            Outcome::Binary(_) => "AUC",
            Outcome::Survival { .. } => "C-index",
        }
    }

    /// The metric of a score (probability or linear predictor; higher = more likely positive
    /// or shorter survival) on these rows.
    fn score(&self, s: &[f64]) -> Result<f64> {
        match self {
            Outcome::Binary(y) => auc(y, s),
            Outcome::Survival { time, event } => Ok(concordance_index(time, event, s)?.cindex),
        }
    }

    fn check(&self) -> Result<()> {
        match self {
            Outcome::Binary(y) => {
                let pos = y.iter().filter(|&&v| v).count();
                if pos == 0 || pos == y.len() {
                    return Err(StatsError::Outcome(format!(
                        "the outcome has a single class ({pos} positive of {} rows)",
                        y.len()
                    )));
                }
            }
            Outcome::Survival { time, event } => {
                if time.len() != event.len() {
                    return Err(StatsError::Invalid(format!(
                        "{} times but {} event indicators",
                        time.len(),
                        event.len()
                    )));
                }
                if let Some(i) = time.iter().position(|t| !(t.is_finite() && *t >= 0.0)) {
                    return Err(StatsError::Invalid(format!(
                        "survival time of row {i} is {} (must be finite and >= 0)",
                        time[i]
                    )));
                }
                let events = event.iter().filter(|&&e| e).count();
                if events < 2 {
                    return Err(StatsError::Outcome(format!(
                        "a survival model needs at least 2 events, got {events} of {} rows",
                        event.len()
                    )));
                }
            }
        }
        Ok(())
    }
}

fn check_inputs(x: &Matrix, y: &Outcome, names: &[String]) -> Result<()> {
    if x.rows() != y.len() {
        return Err(StatsError::Invalid(format!(
            "{} rows of features but {} outcomes",
            x.rows(),
            y.len()
        )));
    }
    if names.len() != x.cols() {
        return Err(StatsError::Invalid(format!(
            "{} feature names for {} columns",
            names.len(),
            x.cols()
        )));
    }
    if x.cols() == 0 {
        return Err(StatsError::Invalid(
            "the table has no feature columns".into(),
        ));
    }
    if let Some(i) = x.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(StatsError::Invalid(format!(
            "feature {:?} of row {} is not a finite number",
            names[i % x.cols()],
            i / x.cols()
        )));
    }
    y.check()
}

/// Stratified inner fold labels (1..=k) for `y` (the class, or the event indicator), from `seed`.
pub fn inner_folds(y: &[bool], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut rng = SplitMix64::new(seed);
    Ok(crate::cv::stratified_fold_labels(y, k, &mut rng)?
        .into_iter()
        .map(|l| l + 1)
        .collect())
}

/// Fits the steps of `spec` on `x`; returns the fitted steps, the transformed matrix and the
/// indices (into `x`'s columns) of the columns that reach the model.
fn fit_steps(
    x: &Matrix,
    y: &Outcome,
    spec: &PipelineSpec,
) -> Result<(Vec<FittedStep>, Matrix, Vec<usize>)> {
    let mut m = x.clone();
    let mut cols: Vec<usize> = (0..x.cols()).collect();
    let mut steps = Vec::with_capacity(spec.steps.len());
    for step in &spec.steps {
        let fitted = match step {
            Step::ZScore { ddof } => FittedStep::ZScore(ZScore::fit(&m, *ddof)?),
            Step::Variance { threshold } => FittedStep::Variance(VarianceFilter::fit(
                &m,
                VarianceFilterOptions {
                    threshold: *threshold,
                    ddof: 0,
                    min_max: false,
                },
            )?),
            Step::Correlation(o) => FittedStep::Correlation(CorrelationFilter::fit(&m, *o)?),
            Step::Mrmr { k } => {
                let Outcome::Binary(yb) = y else {
                    return Err(StatsError::Invalid(
                        "mrmr ranks features against a binary outcome; it cannot be used with a survival model".into(),
                    ));
                };
                let sel = mrmr_fcq(&m, yb, (*k).min(m.cols()))?;
                FittedStep::Select {
                    kept: sel.selected,
                    n_columns: m.cols(),
                }
            }
        };
        let kept = fitted.kept(m.cols());
        m = fitted.transform(&m)?;
        cols = kept.iter().map(|&i| cols[i]).collect();
        steps.push(fitted);
        if m.cols() == 0 {
            return Err(StatsError::Invalid(format!(
                "no feature column is left after step {} of the pipeline",
                steps.len()
            )));
        }
    }
    Ok((steps, m, cols))
}

/// Fits `spec` on the rows of `x` (columns named `names`) with a binary outcome `y`;
/// `inner_foldid` (1..=k per row) are the folds that tune the model's lambda.
pub fn fit(
    x: &Matrix,
    y: &[bool],
    names: &[String],
    spec: &PipelineSpec,
    inner_foldid: &[usize],
) -> Result<FittedPipeline> {
    fit_outcome(x, &Outcome::Binary(y.to_vec()), names, spec, inner_foldid)
}

/// Fits `spec` on the rows of `x` with a binary or survival outcome (the model must suit it).
pub fn fit_outcome(
    x: &Matrix,
    y: &Outcome,
    names: &[String],
    spec: &PipelineSpec,
    inner_foldid: &[usize],
) -> Result<FittedPipeline> {
    check_inputs(x, y, names)?;
    let survival = matches!(y, Outcome::Survival { .. });
    if spec.model.is_survival() != survival {
        return Err(StatsError::Invalid(if survival {
            format!("model {spec} is for a binary outcome, but a survival outcome (time, event) was given; use lasso-cox, enet-cox or cox")
        } else {
            format!("model {spec} is for a survival outcome (time, event), but a binary outcome was given; use lasso, enet or logistic")
        }));
    }
    let (steps, m, cols) = fit_steps(x, y, spec)?;
    let rule_index = |rule: &LambdaRule, min: usize, one_se: usize| match rule {
        LambdaRule::Min => min,
        LambdaRule::OneSe => one_se,
    };
    let (intercept, coefficients, lambda) = match (&spec.model, y) {
        (
            ModelSpec::Glmnet {
                alpha,
                rule,
                measure,
                nlambda,
                lambda_min_ratio,
                thresh,
            },
            Outcome::Binary(yb),
        ) => {
            let opts = GlmnetOptions {
                alpha: *alpha,
                nlambda: *nlambda,
                lambda_min_ratio: Some(*lambda_min_ratio),
                thresh: *thresh,
                ..GlmnetOptions::default()
            };
            let cv = cv_logistic(&m, yb, inner_foldid, &opts, *measure, Alignment::Fraction)?;
            let l = rule_index(rule, cv.index_min, cv.index_1se);
            (
                cv.path.intercepts[l],
                cv.path.betas[l].clone(),
                Some(cv.path.lambdas[l]),
            )
        }
        (ModelSpec::Logistic, Outcome::Binary(yb)) => {
            let f = logistic_regression(&m, yb, &LogisticOptions::default())?;
            (f.coef[0], f.coef[1..].to_vec(), None)
        }
        (
            ModelSpec::CoxNet {
                alpha,
                rule,
                nlambda,
                lambda_min_ratio,
                thresh,
            },
            Outcome::Survival { time, event },
        ) => {
            let opts = GlmnetOptions {
                alpha: *alpha,
                nlambda: *nlambda,
                lambda_min_ratio: Some(*lambda_min_ratio),
                thresh: *thresh,
                ..GlmnetOptions::default()
            };
            let cv = cv_cox(
                &m,
                time,
                event,
                inner_foldid,
                &opts,
                CoxCvMeasure::Deviance,
                Alignment::Fraction,
            )?;
            let l = rule_index(rule, cv.index_min, cv.index_1se);
            (0.0, cv.path.betas[l].clone(), Some(cv.path.lambdas[l]))
        }
        (ModelSpec::Cox, Outcome::Survival { time, event }) => {
            let f = cox_ph(&m, time, event, Ties::Efron, &CoxOptions::default())?;
            (0.0, f.coef, None)
        }
        _ => {
            return Err(StatsError::Invalid(format!(
                "model {spec} does not suit the outcome"
            )))
        }
    };
    let model_columns = cols.iter().map(|&i| names[i].clone()).collect();
    Ok(FittedPipeline {
        spec: spec.clone(),
        features: names.to_vec(),
        steps,
        intercept,
        coefficients,
        model_columns,
        lambda,
        n_train: y.len(),
        n_train_positive: y.strata().iter().filter(|&&v| v).count(),
        survival,
    })
}

/// One outer fold's result.
#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    pub repeat: usize,
    pub fold: usize,
    /// The metric (AUC, or Harrell's C for survival) on the test rows.
    pub value: f64,
    /// Selected features (nonzero coefficients).
    pub selected: Vec<String>,
    pub lambda: Option<f64>,
    /// Columns reaching the model (after the filters).
    pub n_model_columns: usize,
}

/// Cross-validation of a pipeline over given splits.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    /// "AUC" or "C-index".
    pub metric: &'static str,
    pub folds: Vec<FoldResult>,
    /// Mean and sample SD (ddof 1) of the test-fold values.
    pub mean: f64,
    pub sd: f64,
    /// Per repeat: the metric of the pooled out-of-fold predictions.
    pub pooled_per_repeat: Vec<f64>,
    pub pooled_mean: f64,
    /// Per repeat: out-of-fold prediction of every row (probability for a binary outcome, linear
    /// predictor for survival).
    pub oof: Vec<Vec<f64>>,
}

/// A fold's result and its test rows' predictions.
type FoldOutput = (FoldResult, Vec<(usize, f64)>);

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// Nested cross-validation for a binary outcome; see [`cross_validate_outcome`].
pub fn cross_validate(
    x: &Matrix,
    y: &[bool],
    names: &[String],
    spec: &PipelineSpec,
    splits: &[Vec<Split>],
) -> Result<CvReport> {
    cross_validate_outcome(x, &Outcome::Binary(y.to_vec()), names, spec, splits)
}

/// Nested cross-validation: for every split, [`fit_outcome`] on the training rows (with the
/// split's inner folds) and score the test rows (AUC, or Harrell's C of the linear predictor
/// for survival). Splits are `[repeat][outer fold]`; every repeat must test each row exactly
/// once for the pooled metric. Folds run in parallel; the result does not depend on the
/// thread count.
pub fn cross_validate_outcome(
    x: &Matrix,
    y: &Outcome,
    names: &[String],
    spec: &PipelineSpec,
    splits: &[Vec<Split>],
) -> Result<CvReport> {
    check_inputs(x, y, names)?;
    let jobs: Vec<(usize, usize, &Split)> = splits
        .iter()
        .enumerate()
        .flat_map(|(r, folds)| folds.iter().enumerate().map(move |(f, s)| (r, f, s)))
        .collect();
    let results: Vec<Result<FoldOutput>> = jobs
        .par_iter()
        .map(|&(r, f, s)| {
            let ctx = |e: StatsError| match e {
                StatsError::Invalid(m) => StatsError::Invalid(format!("repeat {r}, fold {f}: {m}")),
                StatsError::Outcome(m) => StatsError::Outcome(format!("repeat {r}, fold {f}: {m}")),
                StatsError::Numerical(m) => {
                    StatsError::Numerical(format!("repeat {r}, fold {f}: {m}"))
                }
            };
            let xtr = x.select_rows(&s.train);
            let ytr = y.select(&s.train);
            let model = fit_outcome(&xtr, &ytr, names, spec, &s.inner_foldid).map_err(ctx)?;
            let xte = x.select_rows(&s.test);
            let yte = y.select(&s.test);
            let p = model.prediction(&xte).map_err(ctx)?;
            let v = yte.score(&p).map_err(ctx)?;
            Ok((
                FoldResult {
                    repeat: r,
                    fold: f,
                    value: v,
                    selected: model.selected().into_iter().map(|(n, _)| n).collect(),
                    lambda: model.lambda,
                    n_model_columns: model.model_columns.len(),
                },
                s.test.iter().copied().zip(p).collect(),
            ))
        })
        .collect();
    let mut folds = Vec::with_capacity(jobs.len());
    let mut oof = vec![vec![f64::NAN; y.len()]; splits.len()];
    for res in results {
        let (fr, preds) = res?;
        for (i, p) in preds {
            oof[fr.repeat][i] = p;
        }
        folds.push(fr);
    }
    let values: Vec<f64> = folds.iter().map(|f| f.value).collect();
    let (mean, sd) = mean_sd(&values);
    let mut pooled = Vec::with_capacity(splits.len());
    for (r, o) in oof.iter().enumerate() {
        let rows: Vec<usize> = (0..y.len()).filter(|&i| !o[i].is_nan()).collect();
        let pp: Vec<f64> = rows.iter().map(|&i| o[i]).collect();
        pooled.push(y.select(&rows).score(&pp).map_err(|e| {
            StatsError::Outcome(format!("pooled out-of-fold predictions of repeat {r}: {e}"))
        })?);
    }
    let (pooled_mean, _) = mean_sd(&pooled);
    Ok(CvReport {
        metric: y.metric(),
        folds,
        mean,
        sd,
        pooled_per_repeat: pooled,
        pooled_mean,
        oof,
    })
}

/// How many features the naive design picks on all rows.
pub const NAIVE_K: usize = 10;

/// The leaky design, for comparison only, as it appears in many published radiomics studies:
/// the pipeline's filters and a univariate ranking (the [`NAIVE_K`] columns with the largest
/// ANOVA F statistic) are fitted on **all** rows, and only then is the model cross-validated
/// (z-score and the pipeline's model, refitted in each fold with inner CV) on those columns
/// over the same splits. Returns the mean test-fold AUC. Because the ranking saw the test rows,
/// this estimate is optimistic; it must never be reported as a result.
pub fn naive_select_then_cv(
    x: &Matrix,
    y: &[bool],
    names: &[String],
    spec: &PipelineSpec,
    splits: &[Vec<Split>],
) -> Result<f64> {
    let outcome = Outcome::Binary(y.to_vec());
    check_inputs(x, &outcome, names)?;
    let (_, m, cols) = fit_steps(x, &outcome, spec)?;
    let f = f_classif(&m, y)?;
    let mut order: Vec<usize> = (0..m.cols()).collect();
    order.sort_by(|&a, &b| f[b].total_cmp(&f[a]).then(a.cmp(&b)));
    order.truncate(NAIVE_K.min(order.len()));
    let idx: Vec<usize> = order.iter().map(|&i| cols[i]).collect();
    let chosen: Vec<String> = idx.iter().map(|&i| names[i].clone()).collect();
    let xs = x.select_cols(&idx);
    let plain = PipelineSpec {
        steps: vec![Step::ZScore { ddof: 0 }],
        model: spec.model.clone(),
        inner_k: spec.inner_k,
    };
    let report = cross_validate(&xs, y, &chosen, &plain, splits)?;
    Ok(report.mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_round_trips_and_rejects_nonsense() {
        let d: PipelineSpec = "zscore,corr:0.9,lasso:1se".parse().expect("default spec");
        assert_eq!(d, PipelineSpec::default());
        assert_eq!(d.to_string(), "zscore,corr:pearson:0.9:greedy,lasso:1se");
        let e: PipelineSpec =
            "zscore:ddof1,variance:0.01,corr:spearman:0.8:pairwise,mrmr:20,enet:0.5:min,inner:10"
                .parse()
                .expect("full spec");
        assert_eq!(e.inner_k, 10);
        assert_eq!(e.steps.len(), 4);
        let again: PipelineSpec = e.to_string().parse().expect("display parses");
        assert_eq!(again.steps, e.steps);
        for bad in [
            "",
            "zscore",
            "lasso,zscore",
            "corr:1.5,lasso",
            "enet:0,lasso",
            "mrmr:x,lasso",
            "foo,lasso",
            "lasso:max",
        ] {
            let err = bad
                .parse::<PipelineSpec>()
                .err()
                .unwrap_or_else(|| panic!("{bad:?} must fail"));
            assert!(err.to_string().contains("pipeline"), "{err}");
        }
    }
}
