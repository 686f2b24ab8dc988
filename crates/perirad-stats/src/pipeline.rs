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
use crate::cv::{Split, SplitMix64};
use crate::error::{Result, StatsError};
use crate::glmnet::{cv_logistic, Alignment, CvMeasure, GlmnetOptions};
use crate::logistic::{logistic_regression, LogisticOptions};
use crate::matrix::Matrix;
use crate::mrmr::{f_classif, mrmr_fcq};
use crate::preprocess::{VarianceFilter, VarianceFilterOptions, ZScore};
use crate::roc::auc;
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
        parts.push(match &self.model {
            ModelSpec::Glmnet { alpha, rule, .. } => {
                let r = match rule {
                    LambdaRule::Min => "min",
                    LambdaRule::OneSe => "1se",
                };
                if *alpha == 1.0 {
                    format!("lasso:{r}")
                } else {
                    format!("enet:{alpha}:{r}")
                }
            }
            ModelSpec::Logistic => "logistic".to_string(),
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
    /// 0.9 greedy), `mrmr:K`. Models: `lasso[:1se|min]`, `enet:ALPHA[:1se|min]`, `logistic`.
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
                "enet" => {
                    let a = args
                        .first()
                        .ok_or_else(|| bad("enet needs alpha, e.g. enet:0.5".into()))?;
                    let alpha = num(a, "alpha")?;
                    if !(alpha > 0.0 && alpha <= 1.0) {
                        return Err(bad(format!("alpha {alpha} is not in (0, 1]")));
                    }
                    model = Some(glmnet_model(alpha, rule_of(args.get(1))?));
                }
                "logistic" => model = Some(ModelSpec::Logistic),
                "inner" => {
                    inner_k = args
                        .first()
                        .and_then(|a| a.parse::<usize>().ok())
                        .filter(|&k| k >= 2)
                        .ok_or_else(|| bad("inner needs a number of folds >= 2, e.g. inner:5".into()))?;
                }
                other => {
                    return Err(bad(format!(
                        "unknown step {other:?} (steps: zscore, variance, corr, mrmr; models: lasso, enet, logistic)"
                    )))
                }
            }
        }
        let model =
            model.ok_or_else(|| bad("no model at the end (lasso, enet or logistic)".into()))?;
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
    pub n_train_positive: usize,
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

    /// Predicted probabilities of the positive class.
    pub fn probability(&self, x: &Matrix) -> Result<Vec<f64>> {
        Ok(self
            .linear_predictor(x)?
            .into_iter()
            .map(|eta| 1.0 / (1.0 + (-eta).exp()))
            .collect())
    }
}

fn check_inputs(x: &Matrix, y: &[bool], names: &[String]) -> Result<()> {
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
    let pos = y.iter().filter(|&&v| v).count();
    if pos == 0 || pos == y.len() {
        return Err(StatsError::Outcome(format!(
            "the outcome has a single class ({pos} positive of {} rows)",
            y.len()
        )));
    }
    Ok(())
}

/// Stratified inner fold labels (1..=k) for `y`, from `seed`.
pub fn inner_folds(y: &[bool], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut rng = SplitMix64::new(seed);
    Ok(crate::cv::stratified_fold_labels(y, k, &mut rng)?
        .into_iter()
        .map(|l| l + 1)
        .collect())
}

/// Fits `spec` on the rows of `x` (columns named `names`) with outcome `y`; `inner_foldid`
/// (1..=k per row) are the folds that tune the model's lambda.
pub fn fit(
    x: &Matrix,
    y: &[bool],
    names: &[String],
    spec: &PipelineSpec,
    inner_foldid: &[usize],
) -> Result<FittedPipeline> {
    check_inputs(x, y, names)?;
    let mut m = x.clone();
    let mut cols: Vec<String> = names.to_vec();
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
                let sel = mrmr_fcq(&m, y, (*k).min(m.cols()))?;
                FittedStep::Select {
                    kept: sel.selected,
                    n_columns: m.cols(),
                }
            }
        };
        let kept = fitted.kept(m.cols());
        m = fitted.transform(&m)?;
        cols = kept.iter().map(|&i| cols[i].clone()).collect();
        steps.push(fitted);
        if m.cols() == 0 {
            return Err(StatsError::Invalid(format!(
                "no feature column is left after step {} of the pipeline",
                steps.len()
            )));
        }
    }
    let n_train_positive = y.iter().filter(|&&v| v).count();
    let (intercept, coefficients, lambda) = match &spec.model {
        ModelSpec::Glmnet {
            alpha,
            rule,
            measure,
            nlambda,
            lambda_min_ratio,
            thresh,
        } => {
            let opts = GlmnetOptions {
                alpha: *alpha,
                nlambda: *nlambda,
                lambda_min_ratio: Some(*lambda_min_ratio),
                thresh: *thresh,
                ..GlmnetOptions::default()
            };
            let cv = cv_logistic(&m, y, inner_foldid, &opts, *measure, Alignment::Fraction)?;
            let l = match rule {
                LambdaRule::Min => cv.index_min,
                LambdaRule::OneSe => cv.index_1se,
            };
            (
                cv.path.intercepts[l],
                cv.path.betas[l].clone(),
                Some(cv.path.lambdas[l]),
            )
        }
        ModelSpec::Logistic => {
            let f = logistic_regression(&m, y, &LogisticOptions::default())?;
            (f.coef[0], f.coef[1..].to_vec(), None)
        }
    };
    Ok(FittedPipeline {
        spec: spec.clone(),
        features: names.to_vec(),
        steps,
        intercept,
        coefficients,
        model_columns: cols,
        lambda,
        n_train: y.len(),
        n_train_positive,
    })
}

/// One outer fold's result.
#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    pub repeat: usize,
    pub fold: usize,
    /// AUC on the test rows.
    pub auc: f64,
    /// Selected features (nonzero coefficients).
    pub selected: Vec<String>,
    pub lambda: Option<f64>,
    /// Columns reaching the model (after the filters).
    pub n_model_columns: usize,
}

/// Cross-validation of a pipeline over given splits.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    pub folds: Vec<FoldResult>,
    /// Mean and sample SD (ddof 1) of the test-fold AUCs.
    pub auc: f64,
    pub auc_sd: f64,
    /// Per repeat: AUC of the pooled out-of-fold probabilities.
    pub pooled_auc_per_repeat: Vec<f64>,
    pub pooled_auc_mean: f64,
    /// Per repeat: out-of-fold probability of every row.
    pub oof: Vec<Vec<f64>>,
}

/// A fold's result and its test rows' probabilities.
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

/// Nested cross-validation: for every split, [`fit`] on the training rows (with the split's
/// inner folds) and score the test rows. Splits are `[repeat][outer fold]`; every repeat must
/// test each row exactly once for the pooled AUC. Folds run in parallel; the result does not
/// depend on the thread count.
pub fn cross_validate(
    x: &Matrix,
    y: &[bool],
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
            let ytr: Vec<bool> = s.train.iter().map(|&i| y[i]).collect();
            let model = fit(&xtr, &ytr, names, spec, &s.inner_foldid).map_err(ctx)?;
            let xte = x.select_rows(&s.test);
            let yte: Vec<bool> = s.test.iter().map(|&i| y[i]).collect();
            let p = model.probability(&xte).map_err(ctx)?;
            let a = auc(&yte, &p).map_err(ctx)?;
            Ok((
                FoldResult {
                    repeat: r,
                    fold: f,
                    auc: a,
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
    let aucs: Vec<f64> = folds.iter().map(|f| f.auc).collect();
    let (mean, sd) = mean_sd(&aucs);
    let mut pooled = Vec::with_capacity(splits.len());
    for (r, o) in oof.iter().enumerate() {
        let rows: Vec<usize> = (0..y.len()).filter(|&i| !o[i].is_nan()).collect();
        let yy: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
        let pp: Vec<f64> = rows.iter().map(|&i| o[i]).collect();
        pooled.push(auc(&yy, &pp).map_err(|e| {
            StatsError::Outcome(format!("pooled out-of-fold predictions of repeat {r}: {e}"))
        })?);
    }
    let (pooled_mean, _) = mean_sd(&pooled);
    Ok(CvReport {
        folds,
        auc: mean,
        auc_sd: sd,
        pooled_auc_per_repeat: pooled,
        pooled_auc_mean: pooled_mean,
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
    check_inputs(x, y, names)?;
    let mut m = x.clone();
    let mut cols: Vec<usize> = (0..x.cols()).collect();
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
            Step::Mrmr { k } => FittedStep::Select {
                kept: mrmr_fcq(&m, y, (*k).min(m.cols()))?.selected,
                n_columns: m.cols(),
            },
        };
        let kept = fitted.kept(m.cols());
        m = fitted.transform(&m)?;
        cols = kept.iter().map(|&i| cols[i]).collect();
    }
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
    Ok(report.auc)
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
