//! `perirad model`, `perirad predict` and `perirad compare`: leakage-free modelling on a feature
//! table (perirad's wide table or any CSV with an ID column, an outcome and numeric features).

use crate::table::{parse_cell, parse_flag, Csv, NotBinary};
use anyhow::{bail, Context, Result};
use clap::Args;
use perirad_stats::calibration::{calibration, hosmer_lemeshow, HlGrouping};
use perirad_stats::cv::{
    repeated_stratified_kfold, splits_from_assignments, survival_stratified_kfold, CvDesign,
    FoldAssignment, Role, Split,
};
use perirad_stats::logistic::inv_logit;
use perirad_stats::metrics::{brier_score, quantile_type7};
use perirad_stats::pipeline::{
    cross_validate_outcome, fit_outcome, inner_folds, naive_select_then_cv, FittedPipeline,
    Outcome, PipelineSpec,
};
use perirad_stats::roc::{auc_delong, delong_test, metrics_at_threshold, youden};
use perirad_stats::survival::{concordance_index, logrank};
use perirad_stats::Matrix;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The feature table (CSV, or .csv.gz): one row per patient.
    #[arg(long, value_name = "FILE.csv")]
    table: PathBuf,
    /// The patient ID column.
    #[arg(long, value_name = "COL")]
    id: String,
    /// The binary outcome column (0/1, true/false, yes/no, or two labels with `--positive`).
    #[arg(long, value_name = "COL", required_unless_present = "time")]
    target: Option<String>,
    /// Survival outcome: the follow-up time column (with `--event`; the pipeline's model must
    /// then be lasso-cox, enet-cox or cox, default `zscore,corr:0.9,lasso-cox:1se`).
    #[arg(
        long,
        value_name = "COL",
        requires = "event",
        conflicts_with = "target"
    )]
    time: Option<String>,
    /// Survival outcome: the event indicator column (1 = event, 0 = censored).
    #[arg(long, value_name = "COL", requires = "time")]
    event: Option<String>,
    /// The value of the target column that is the positive class (default: 1/true/yes).
    #[arg(long, value_name = "VALUE")]
    positive: Option<String>,
    /// Pipeline, e.g. `zscore,corr:0.9,lasso:1se` (the default; with `--time`/`--event`
    /// `zscore,corr:0.9,lasso-cox:1se`); see the README.
    #[arg(long, value_name = "SPEC")]
    pipeline: Option<String>,
    /// Repeated stratified cross-validation: K folds repeated R times.
    #[arg(long, value_name = "KxR", default_value = "5x10", value_parser = parse_cv)]
    cv: (usize, usize),
    /// Seed of perirad's own splits (outer and inner folds).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Reuse a given split instead of perirad's own: CSV (or .csv.gz) with columns repeat,
    /// outer_fold, row (0-based data row), role (train/test) and inner_fold.
    #[arg(long, value_name = "FILE")]
    folds: Option<PathBuf>,
    /// Keep only the fold rows whose `dataset` column equals NAME.
    #[arg(long, value_name = "NAME", requires = "folds")]
    folds_dataset: Option<String>,
    /// Train/test design: this column says `train` or `test` for every row (instead of CV).
    #[arg(long, value_name = "COL", conflicts_with_all = ["folds", "external"])]
    split: Option<String>,
    /// External validation: fit on the whole table, validate on this table (same columns).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "folds")]
    external: Option<PathBuf>,
    /// Columns that are not features (clinical, center, text); repeatable.
    #[arg(long = "exclude", value_name = "COL")]
    exclude: Vec<String>,
    /// Also compute the leaky select-then-CV estimate (for illustration only).
    #[arg(long)]
    naive: bool,
    /// Save the model fitted on all training rows (JSON), for `perirad predict`.
    #[arg(long, value_name = "MODEL.json")]
    out: Option<PathBuf>,
    /// Print one JSON object instead of the text summary.
    #[arg(long)]
    json: bool,
}

fn parse_cv(s: &str) -> std::result::Result<(usize, usize), String> {
    let (k, r) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{s:?}: expected KxR, e.g. 5x10"))?;
    let k: usize = k
        .trim()
        .parse()
        .map_err(|_| format!("{k:?} is not a number of folds"))?;
    let r: usize = r
        .trim()
        .parse()
        .map_err(|_| format!("{r:?} is not a number of repeats"))?;
    if k < 2 || r < 1 {
        return Err(format!("{s}: need at least 2 folds and 1 repeat"));
    }
    Ok((k, r))
}

/// A feature table read for modelling.
pub struct ModelTable {
    pub ids: Vec<String>,
    pub y: Outcome,
    pub names: Vec<String>,
    pub x: Matrix,
    /// Feature columns constant over all rows (kept; they get no weight).
    pub constant: Vec<String>,
}

/// Which columns hold the outcome.
pub struct OutcomeColumns<'a> {
    /// Binary outcome column and its positive value.
    pub target: Option<&'a str>,
    pub positive: Option<&'a str>,
    /// Survival outcome: time and event columns.
    pub time: Option<&'a str>,
    pub event: Option<&'a str>,
}

impl OutcomeColumns<'_> {
    fn names(&self) -> Vec<&str> {
        [self.target, self.time, self.event]
            .into_iter()
            .flatten()
            .collect()
    }
}

fn outcome_of(
    csv: &Csv,
    path: &Path,
    col: usize,
    positive: Option<&str>,
    ids: &[String],
) -> Result<Vec<bool>> {
    let name = &csv.header[col];
    let mut y = Vec::with_capacity(csv.rows.len());
    for (r, row) in csv.rows.iter().enumerate() {
        let val = match parse_flag(&row[col], positive) {
            Ok(v) => v,
            Err(NotBinary::Missing) => {
                bail!("{}: case {}: the outcome {name:?} is missing", path.display(), ids[r])
            }
            Err(NotBinary::Other) => bail!(
                "{}: case {}: outcome {name:?} is {:?}; expected 0/1 (or name the positive class with --positive)",
                path.display(),
                ids[r],
                row[col].trim()
            ),
        };
        y.push(val);
    }
    Ok(y)
}

/// Reads a feature table: IDs, outcome, and every other column not excluded as a numeric
/// feature. Missing or non-numeric cells are errors naming the case and the column.
pub fn read_model_table(
    path: &Path,
    id: &str,
    oc: &OutcomeColumns,
    exclude: &[String],
    features: Option<&[String]>,
) -> Result<ModelTable> {
    let csv = Csv::read(path)?;
    let ctx = || path.display().to_string();
    let id_col = csv.column(id).with_context(ctx)?;
    let ids: Vec<String> = csv
        .rows
        .iter()
        .map(|r| r[id_col].trim().to_string())
        .collect();
    for (i, a) in ids.iter().enumerate() {
        if ids[..i].contains(a) {
            bail!(
                "{}: case ID {a:?} appears twice in column {id:?}",
                path.display()
            );
        }
    }
    let y = match (oc.target, oc.time, oc.event) {
        (Some(target), _, _) => {
            let c = csv.column(target).with_context(ctx)?;
            Outcome::Binary(outcome_of(&csv, path, c, oc.positive, &ids)?)
        }
        (None, Some(time), Some(event)) => {
            let tc = csv.column(time).with_context(ctx)?;
            let ec = csv.column(event).with_context(ctx)?;
            let mut t = Vec::with_capacity(ids.len());
            for (r, row) in csv.rows.iter().enumerate() {
                match parse_cell(&row[tc]) {
                    Ok(Some(v)) if v >= 0.0 => t.push(v),
                    _ => bail!(
                        "{}: case {}: time {time:?} is {:?}; expected a number >= 0",
                        path.display(),
                        ids[r],
                        row[tc]
                    ),
                }
            }
            Outcome::Survival {
                time: t,
                event: outcome_of(&csv, path, ec, None, &ids)?,
            }
        }
        _ => bail!("give a binary outcome (--target) or a survival outcome (--time and --event)"),
    };
    let outcome_cols: Vec<usize> = oc
        .names()
        .iter()
        .map(|n| csv.column(n))
        .collect::<std::result::Result<_, _>>()?;
    for e in exclude {
        csv.column(e)
            .with_context(|| format!("{}: --exclude", path.display()))?;
    }
    let cols: Vec<usize> = match features {
        Some(list) => list
            .iter()
            .map(|f| {
                csv.column(f)
                    .with_context(|| format!("{}: the model needs feature {f:?}", path.display()))
            })
            .collect::<Result<_>>()?,
        None => (0..csv.header.len())
            .filter(|&c| {
                c != id_col && !outcome_cols.contains(&c) && !exclude.contains(&csv.header[c])
            })
            .collect(),
    };
    if cols.is_empty() {
        bail!(
            "{}: no feature columns besides {id:?} and the outcome",
            path.display()
        );
    }
    let n = csv.rows.len();
    let mut data = Vec::with_capacity(n * cols.len());
    for (r, row) in csv.rows.iter().enumerate() {
        for &c in &cols {
            match parse_cell(&row[c]) {
                Ok(Some(v)) => data.push(v),
                Ok(None) => bail!(
                    "{}: case {}: feature {:?} is missing; perirad does not impute (fill or drop it, or --exclude the column)",
                    path.display(),
                    ids[r],
                    csv.header[c]
                ),
                Err(_) => bail!(
                    "{}: case {}: feature {:?} is {:?}, not a number (use --exclude {} for a non-feature column)",
                    path.display(),
                    ids[r],
                    csv.header[c],
                    row[c],
                    csv.header[c]
                ),
            }
        }
    }
    let names: Vec<String> = cols.iter().map(|&c| csv.header[c].clone()).collect();
    let x = Matrix::from_row_major(n, cols.len(), data)?;
    let constant = (0..x.cols())
        .filter(|&c| {
            let v0 = x.get(0, c);
            (0..x.rows()).all(|r| x.get(r, c) == v0)
        })
        .map(|c| names[c].clone())
        .collect();
    Ok(ModelTable {
        ids,
        y,
        names,
        x,
        constant,
    })
}

/// Reads a fold-assignment file into `[repeat][outer fold]` splits for a table of `n` rows.
pub fn read_folds(path: &Path, dataset: Option<&str>, n: usize) -> Result<Vec<Vec<Split>>> {
    let csv = Csv::read(path)?;
    let ctx = || path.display().to_string();
    let rep = csv.column("repeat").with_context(ctx)?;
    let outer = csv.column("outer_fold").with_context(ctx)?;
    let row = csv.column("row").with_context(ctx)?;
    let role = csv.column("role").with_context(ctx)?;
    let inner = csv.column("inner_fold").with_context(ctx)?;
    let ds = match dataset {
        Some(_) => Some(csv.column("dataset").with_context(ctx)?),
        None => None,
    };
    let mut rows = Vec::new();
    for (i, r) in csv.rows.iter().enumerate() {
        if let (Some(c), Some(want)) = (ds, dataset) {
            if r[c] != want {
                continue;
            }
        }
        let num = |c: usize| -> Result<usize> {
            r[c].trim().parse::<usize>().with_context(|| {
                format!(
                    "{}: line {}: {:?} = {:?} is not a count",
                    path.display(),
                    i + 2,
                    csv.header[c],
                    r[c]
                )
            })
        };
        let role = match r[role].trim() {
            "train" => Role::Train,
            "test" => Role::Test,
            o => bail!(
                "{}: line {}: role {o:?} is neither train nor test",
                path.display(),
                i + 2
            ),
        };
        let rr = num(row)?;
        if rr >= n {
            bail!(
                "{}: line {}: row {rr} but the table has {n} rows (rows are 0-based)",
                path.display(),
                i + 2
            );
        }
        rows.push(FoldAssignment {
            repeat: num(rep)?,
            outer_fold: num(outer)?,
            row: rr,
            role,
            inner_fold: if role == Role::Train { num(inner)? } else { 0 },
        });
    }
    if rows.is_empty() {
        match dataset {
            Some(d) => bail!("{}: no rows with dataset {d:?}", path.display()),
            None => bail!("{}: no fold rows", path.display()),
        }
    }
    splits_from_assignments(&rows).with_context(ctx)
}

/// A saved model: the fitted pipeline and what it was trained on.
#[derive(Serialize, Deserialize)]
pub struct SavedModel {
    pub perirad_version: String,
    pub kind: String,
    pub table: String,
    pub id: String,
    pub target: String,
    pub positive: Option<String>,
    pub pipeline: FittedPipeline,
}

fn percent(v: f64) -> String {
    format!("{:.3}", v)
}

pub fn run_model(args: &ModelArgs) -> Result<bool> {
    let survival = args.time.is_some();
    let spec_text = args.pipeline.clone().unwrap_or_else(|| {
        if survival {
            "zscore,corr:0.9,lasso-cox:1se".into()
        } else {
            "zscore,corr:0.9,lasso:1se".into()
        }
    });
    let spec: PipelineSpec = spec_text.parse()?;
    if spec.model.is_survival() != survival {
        if survival {
            bail!("pipeline {spec}: its model is for a binary outcome, but a survival outcome (--time/--event) was given; end the pipeline with lasso-cox, enet-cox or cox");
        }
        bail!("pipeline {spec}: its model is for a survival outcome, but a binary outcome (--target) was given; end the pipeline with lasso, enet or logistic");
    }
    if survival && args.naive {
        bail!("--naive is computed for binary outcomes only");
    }
    let oc = OutcomeColumns {
        target: args.target.as_deref(),
        positive: args.positive.as_deref(),
        time: args.time.as_deref(),
        event: args.event.as_deref(),
    };
    let mut exclude = args.exclude.clone();
    exclude.extend(args.split.iter().cloned());
    let t = read_model_table(&args.table, &args.id, &oc, &exclude, None)?;
    let strata = t.y.strata();
    let n_pos = strata.iter().filter(|&&v| v).count();
    let what = if survival { "events" } else { "positive" };
    if n_pos == 0 || n_pos == strata.len() {
        bail!(
            "{}: the outcome has a single class ({n_pos} {what} of {} cases)",
            args.table.display(),
            strata.len()
        );
    }
    let mut settings = json!({
        "table": args.table.display().to_string(),
        "id": args.id,
        "target": args.target,
        "time": args.time,
        "event": args.event,
        "pipeline": spec.to_string(),
        "seed": args.seed,
        "n_cases": strata.len(),
        "n_positive": n_pos,
        "metric": t.y.metric(),
        "n_features": t.names.len(),
        "constant_features": t.constant,
    });
    let mut out = serde_json::Map::new();
    let final_model;
    if let Some(col) = &args.split {
        let csv = Csv::read(&args.table)?;
        let c = csv
            .column(col)
            .with_context(|| args.table.display().to_string())?;
        let mut train = Vec::new();
        let mut test = Vec::new();
        for (i, r) in csv.rows.iter().enumerate() {
            match r[c].trim().to_ascii_lowercase().as_str() {
                "train" | "training" => train.push(i),
                "test" | "validation" | "valid" => test.push(i),
                o => bail!(
                    "{}: case {}: split column {col:?} is {o:?}; expected train or test",
                    args.table.display(),
                    t.ids[i]
                ),
            }
        }
        settings["design"] = json!(format!("train/test split by column {col}"));
        let (m, r) = train_validate(
            &t,
            &train,
            &t.x.select_rows(&test),
            &t.y.select(&test),
            &spec,
            args.seed,
        )?;
        out.insert("train".into(), r.0);
        out.insert("test".into(), r.1);
        final_model = m;
    } else if let Some(ext) = &args.external {
        let e = read_model_table(ext, &args.id, &oc, &args.exclude, Some(&t.names))?;
        settings["design"] = json!(format!("external validation on {}", ext.display()));
        let all: Vec<usize> = (0..t.y.len()).collect();
        let (m, r) = train_validate(&t, &all, &e.x, &e.y, &spec, args.seed)?;
        out.insert("train".into(), r.0);
        out.insert("external".into(), r.1);
        final_model = m;
    } else {
        let splits = match &args.folds {
            Some(f) => {
                settings["design"] = json!(format!("given folds {}", f.display()));
                read_folds(f, args.folds_dataset.as_deref(), t.y.len())?
            }
            None => {
                let (k, r) = args.cv;
                settings["design"] = json!(format!(
                    "repeated stratified {k}-fold x {r}, nested (inner {}-fold)",
                    spec.inner_k
                ));
                let design = CvDesign {
                    k,
                    repeats: r,
                    inner_k: spec.inner_k,
                    seed: args.seed,
                };
                if survival {
                    survival_stratified_kfold(strata, design)
                } else {
                    repeated_stratified_kfold(strata, design)
                }
                .with_context(|| format!("{}: the outcome", args.table.display()))?
            }
        };
        let report = cross_validate_outcome(&t.x, &t.y, &t.names, &spec, &splits)?;
        let (m, sd, folds_key, pooled, pooled_mean) = if survival {
            (
                "c_index",
                "c_index_sd",
                "fold_c_indices",
                "pooled_c_index_per_repeat",
                "pooled_c_index_mean",
            )
        } else {
            (
                "auc",
                "auc_sd",
                "fold_aucs",
                "pooled_auc_per_repeat",
                "pooled_auc_mean",
            )
        };
        out.insert(m.into(), json!(report.mean));
        out.insert(sd.into(), json!(report.sd));
        out.insert(
            folds_key.into(),
            json!(report.folds.iter().map(|f| f.value).collect::<Vec<_>>()),
        );
        out.insert(pooled.into(), json!(report.pooled_per_repeat));
        out.insert(pooled_mean.into(), json!(report.pooled_mean));
        out.insert(
            "selected_features".into(),
            json!(report
                .folds
                .iter()
                .map(|f| f.selected.clone())
                .collect::<Vec<_>>()),
        );
        if args.naive {
            if let Outcome::Binary(y) = &t.y {
                let naive = naive_select_then_cv(&t.x, y, &t.names, &spec, &splits)?;
                out.insert("naive_select_then_cv_auc_LEAKY".into(), json!(naive));
            }
        }
        let folds = inner_folds(strata, spec.inner_k, args.seed)?;
        final_model = fit_outcome(&t.x, &t.y, &t.names, &spec, &folds)?;
    }
    out.insert(
        "final_model".into(),
        json!({
            "selected": final_model
                .selected()
                .iter()
                .map(|(n, c)| json!({"feature": n, "coefficient": c}))
                .collect::<Vec<_>>(),
            "intercept": final_model.intercept,
            "lambda": final_model.lambda,
        }),
    );
    out.insert("settings".into(), settings);
    if let Some(path) = &args.out {
        let saved = SavedModel {
            perirad_version: env!("CARGO_PKG_VERSION").to_string(),
            kind: if survival { "survival" } else { "binary" }.into(),
            table: args.table.display().to_string(),
            id: args.id.clone(),
            target: args.target.clone().unwrap_or_default(),
            positive: args.positive.clone(),
            pipeline: final_model.clone(),
        };
        let text = serde_json::to_string_pretty(&saved)?;
        perirad_io::write_file_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let v = Value::Object(out);
    if args.json {
        crate::out(format_args!("{v}"));
    } else {
        print_summary(&v);
    }
    Ok(true)
}

/// Fits on the `train` rows and evaluates on (x_val, y_val). Binary: AUC with DeLong CI,
/// Youden metrics (threshold from training), Brier score, calibration and Hosmer-Lemeshow.
/// Survival: Harrell's C and the log-rank test of the two risk groups split at the training
/// median of the linear predictor.
fn train_validate(
    t: &ModelTable,
    train: &[usize],
    x_val: &Matrix,
    y_val: &Outcome,
    spec: &PipelineSpec,
    seed: u64,
) -> Result<(FittedPipeline, (Value, Value))> {
    let xtr = t.x.select_rows(train);
    let ytr = t.y.select(train);
    let folds =
        inner_folds(ytr.strata(), spec.inner_k, seed).context("inner folds of the training set")?;
    let model = fit_outcome(&xtr, &ytr, &t.names, spec, &folds)?;
    let ptr = model.prediction(&xtr)?;
    let pval = model.prediction(x_val)?;
    match (&ytr, y_val) {
        (Outcome::Binary(ytr), Outcome::Binary(yval)) => {
            let yd = youden(ytr, &ptr)?;
            let eval = |y: &[bool], p: &[f64]| -> Result<Value> {
                let a = auc_delong(y, p)?;
                let m = metrics_at_threshold(y, p, yd.threshold)?;
                // Calibration and Hosmer-Lemeshow (R hoslem.test grouping, g = 10) need both
                // classes and non-degenerate probabilities; they are null when undefined.
                let cal = calibration(y, p).ok();
                let hl = hosmer_lemeshow(y, p, 10, HlGrouping::Quantile)
                    .ok()
                    .map(|h| json!({"chi2": h.chi2, "df": h.df, "p_value": h.p_value}));
                Ok(json!({
                    "n": y.len(),
                    "n_positive": a.n_positive,
                    "auc": a.auc, "auc_ci_lower": a.ci_lower, "auc_ci_upper": a.ci_upper,
                    "threshold": yd.threshold,
                    "sensitivity": m.sensitivity, "specificity": m.specificity, "accuracy": m.accuracy,
                    "brier": brier_score(y, p)?,
                    "calibration": cal,
                    "hosmer_lemeshow": hl,
                }))
            };
            Ok((model, (eval(ytr, &ptr)?, eval(yval, &pval)?)))
        }
        (
            Outcome::Survival {
                time: ttr,
                event: etr,
            },
            Outcome::Survival { time, event },
        ) => {
            let mut sorted = ptr.clone();
            sorted.sort_by(f64::total_cmp);
            let cut = quantile_type7(&sorted, 0.5)?;
            let eval = |tm: &[f64], ev: &[bool], lp: &[f64]| -> Result<Value> {
                let c = concordance_index(tm, ev, lp)?;
                let high: Vec<bool> = lp.iter().map(|&v| v > cut).collect();
                let lr = logrank(tm, ev, &high).ok();
                Ok(json!({
                    "n": tm.len(),
                    "n_events": ev.iter().filter(|&&e| e).count(),
                    "c_index": c.cindex,
                    "risk_cut": cut,
                    "n_high_risk": high.iter().filter(|&&h| h).count(),
                    "logrank_chi2": lr.as_ref().map(|l| l.chi2),
                    "logrank_p": lr.as_ref().map(|l| l.p_value),
                }))
            };
            Ok((model, (eval(ttr, etr, &ptr)?, eval(time, event, &pval)?)))
        }
        _ => bail!("training and validation outcomes differ in kind"),
    }
}

fn print_summary(v: &Value) {
    let s = &v["settings"];
    let what = if s["metric"] == "C-index" {
        "events"
    } else {
        "positive"
    };
    crate::out(format_args!(
        "{} cases ({} {what}), {} features; pipeline {}",
        s["n_cases"],
        s["n_positive"],
        s["n_features"],
        s["pipeline"].as_str().unwrap_or_default()
    ));
    crate::out(format_args!(
        "design: {}",
        s["design"].as_str().unwrap_or_default()
    ));
    if let Some(a) = v["auc"].as_f64() {
        crate::out(format_args!(
            "test-fold AUC: {} (SD {}) over {} folds; pooled out-of-fold AUC: {}",
            percent(a),
            percent(v["auc_sd"].as_f64().unwrap_or(f64::NAN)),
            v["fold_aucs"].as_array().map_or(0, Vec::len),
            percent(v["pooled_auc_mean"].as_f64().unwrap_or(f64::NAN))
        ));
        if let Some(n) = v["naive_select_then_cv_auc_LEAKY"].as_f64() {
            crate::out(format_args!(
                "naive select-then-CV AUC (LEAKY, selection saw the test rows; do not report): {}",
                percent(n)
            ));
        }
    }
    if let Some(c) = v["c_index"].as_f64() {
        crate::out(format_args!(
            "test-fold C-index: {} (SD {}) over {} folds; pooled out-of-fold C-index: {}",
            percent(c),
            percent(v["c_index_sd"].as_f64().unwrap_or(f64::NAN)),
            v["fold_c_indices"].as_array().map_or(0, Vec::len),
            percent(v["pooled_c_index_mean"].as_f64().unwrap_or(f64::NAN))
        ));
    }
    let num = |e: &Value, k: &str| percent(e[k].as_f64().unwrap_or(f64::NAN));
    for key in ["train", "test", "external"] {
        let Some(e) = v.get(key) else { continue };
        if e.get("auc").is_some() {
            crate::out(format_args!(
                "{key}: n {} ({} positive), AUC {} (95% CI {}-{}), sensitivity {}, specificity {}, Brier {}",
                e["n"],
                e["n_positive"],
                num(e, "auc"),
                num(e, "auc_ci_lower"),
                num(e, "auc_ci_upper"),
                num(e, "sensitivity"),
                num(e, "specificity"),
                num(e, "brier"),
            ));
        } else {
            crate::out(format_args!(
                "{key}: n {} ({} events), C-index {}, log-rank p (high vs low risk) {}",
                e["n"],
                e["n_events"],
                num(e, "c_index"),
                num(e, "logrank_p"),
            ));
        }
    }
    let fm = &v["final_model"];
    let sel = fm["selected"].as_array().cloned().unwrap_or_default();
    crate::out(format_args!(
        "final model: {} selected features (coefficients on the scale after the pipeline's steps)",
        sel.len()
    ));
    for f in sel {
        crate::out(format_args!(
            "  {:>10.4}  {}",
            f["coefficient"].as_f64().unwrap_or(f64::NAN),
            f["feature"].as_str().unwrap_or_default()
        ));
    }
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model saved by `perirad model --out`.
    #[arg(long, value_name = "MODEL.json")]
    model: PathBuf,
    /// The table of new patients (must hold the model's ID and feature columns).
    #[arg(long, value_name = "FILE.csv")]
    table: PathBuf,
    /// Output CSV (default: stdout): id, radiomics score (linear predictor), probability.
    #[arg(long, value_name = "FILE.csv")]
    out: Option<PathBuf>,
}

fn load_model(path: &Path) -> Result<SavedModel> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not a perirad model file", path.display()))
}

/// Scores of a saved model on the rows of a table; returns (ids, linear predictor, probability).
fn score_table(m: &SavedModel, table: &Path) -> Result<(Vec<String>, Vec<f64>, Vec<f64>)> {
    let csv = Csv::read(table)?;
    let id_col = csv
        .column(&m.id)
        .with_context(|| table.display().to_string())?;
    let ids: Vec<String> = csv
        .rows
        .iter()
        .map(|r| r[id_col].trim().to_string())
        .collect();
    let mut data = Vec::with_capacity(ids.len() * m.pipeline.features.len());
    let cols: Vec<usize> = m
        .pipeline
        .features
        .iter()
        .map(|f| {
            csv.column(f)
                .with_context(|| format!("{}: the model needs feature {f:?}", table.display()))
        })
        .collect::<Result<_>>()?;
    for (r, row) in csv.rows.iter().enumerate() {
        for &c in &cols {
            match parse_cell(&row[c]) {
                Ok(Some(v)) => data.push(v),
                _ => bail!(
                    "{}: case {}: feature {:?} is {:?}, not a number",
                    table.display(),
                    ids[r],
                    csv.header[c],
                    row[c]
                ),
            }
        }
    }
    let x = Matrix::from_row_major(ids.len(), cols.len(), data)?;
    let lp = m.pipeline.linear_predictor(&x)?;
    let p = if m.pipeline.survival {
        Vec::new()
    } else {
        lp.iter().map(|&e| inv_logit(e)).collect()
    };
    Ok((ids, lp, p))
}

pub fn run_predict(args: &PredictArgs) -> Result<bool> {
    let m = load_model(&args.model)?;
    let (ids, lp, p) = score_table(&m, &args.table)?;
    let mut text = String::new();
    if m.pipeline.survival {
        // A Cox model's score is a log relative hazard: no probability without a time point.
        text.push_str("id,radscore\n");
        for (i, l) in ids.iter().zip(&lp) {
            text.push_str(&format!("{},{l:?}\n", crate::table::field(i)));
        }
    } else {
        text.push_str("id,radscore,probability\n");
        for ((i, l), q) in ids.iter().zip(&lp).zip(&p) {
            text.push_str(&format!("{},{l:?},{q:?}\n", crate::table::field(i)));
        }
    }
    match &args.out {
        Some(o) => perirad_io::write_file_atomic(o, text.as_bytes())
            .with_context(|| format!("cannot write {}", o.display()))?,
        None => crate::out(format_args!("{}", text.trim_end())),
    }
    Ok(true)
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The table with the outcome and the scores (or the features the models need).
    #[arg(long, value_name = "FILE.csv")]
    table: PathBuf,
    /// The patient ID column.
    #[arg(long, value_name = "COL")]
    id: String,
    /// The binary outcome column.
    #[arg(long, value_name = "COL")]
    target: String,
    /// The positive class of the outcome (default 1/true/yes).
    #[arg(long, value_name = "VALUE")]
    positive: Option<String>,
    /// A score column to compare (higher = more likely positive); repeatable.
    #[arg(long = "score", value_name = "COL")]
    scores: Vec<String>,
    /// A saved model scored on the table; repeatable.
    #[arg(long = "model", value_name = "MODEL.json")]
    models: Vec<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run_compare(args: &CompareArgs) -> Result<bool> {
    let csv = Csv::read(&args.table)?;
    let id_col = csv
        .column(&args.id)
        .with_context(|| args.table.display().to_string())?;
    let ids: Vec<String> = csv
        .rows
        .iter()
        .map(|r| r[id_col].trim().to_string())
        .collect();
    let tcol = csv
        .column(&args.target)
        .with_context(|| args.table.display().to_string())?;
    let y = outcome_of(&csv, &args.table, tcol, args.positive.as_deref(), &ids)?;
    let mut named: Vec<(String, Vec<f64>)> = Vec::new();
    for s in &args.scores {
        let c = csv
            .column(s)
            .with_context(|| args.table.display().to_string())?;
        let mut v = Vec::with_capacity(ids.len());
        for (r, row) in csv.rows.iter().enumerate() {
            match parse_cell(&row[c]) {
                Ok(Some(x)) => v.push(x),
                _ => bail!(
                    "{}: case {}: score {s:?} is {:?}, not a number",
                    args.table.display(),
                    ids[r],
                    row[c]
                ),
            }
        }
        named.push((s.clone(), v));
    }
    for m in &args.models {
        let saved = load_model(m)?;
        let (_, lp, _) = score_table(&saved, &args.table)?;
        named.push((m.display().to_string(), lp));
    }
    if named.len() < 2 {
        bail!(
            "compare needs at least two scores (--score COL or --model FILE), got {}",
            named.len()
        );
    }
    let mut aucs = Vec::new();
    for (n, s) in &named {
        let a = auc_delong(&y, s).with_context(|| format!("score {n}"))?;
        aucs.push(
            json!({"score": n, "auc": a.auc, "ci_lower": a.ci_lower, "ci_upper": a.ci_upper}),
        );
    }
    let mut tests = Vec::new();
    for i in 0..named.len() {
        for j in i + 1..named.len() {
            let t = delong_test(&y, &named[i].1, &named[j].1)?;
            tests.push(json!({"a": named[i].0, "b": named[j].0, "auc_a": t.auc1, "auc_b": t.auc2, "difference": t.diff, "z": t.z, "p_value": t.p_value}));
        }
    }
    if args.json {
        crate::out(format_args!("{}", json!({"aucs": aucs, "delong": tests})));
        return Ok(true);
    }
    crate::out(format_args!("score\tAUC\t95% CI (DeLong)"));
    for a in &aucs {
        crate::out(format_args!(
            "{}\t{:.4}\t{:.4}-{:.4}",
            a["score"].as_str().unwrap_or_default(),
            a["auc"].as_f64().unwrap_or(f64::NAN),
            a["ci_lower"].as_f64().unwrap_or(f64::NAN),
            a["ci_upper"].as_f64().unwrap_or(f64::NAN)
        ));
    }
    crate::out(format_args!(
        "\nA\tB\tAUC difference\tz\tp (DeLong, paired)"
    ));
    for t in &tests {
        crate::out(format_args!(
            "{}\t{}\t{:.4}\t{:.3}\t{:.4}",
            t["a"].as_str().unwrap_or_default(),
            t["b"].as_str().unwrap_or_default(),
            t["difference"].as_f64().unwrap_or(f64::NAN),
            t["z"].as_f64().unwrap_or(f64::NAN),
            t["p_value"].as_f64().unwrap_or(f64::NAN)
        ));
    }
    Ok(true)
}
