//! The default pipeline against the reference pipeline of `../shared/data/stats` (python-glmnet +
//! scikit-learn splitters, `pipeline_reference.json`, `pipeline/per_fold_results.csv`), run on
//! the very same outer and inner folds (`pipeline/fold_assignments.csv.gz`).

use flate2::read::GzDecoder;
use perirad_stats::cv::{splits_from_assignments, FoldAssignment, Role, Split};
use perirad_stats::pipeline::{cross_validate, LambdaRule, ModelSpec, PipelineSpec};
use perirad_stats::Matrix;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

fn stats_dir() -> PathBuf {
    perirad_testdata::shared_data().join("stats")
}

fn gz_text(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut s = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut s)
        .expect("gzip text");
    s
}

/// Features (every column but ID and Target, in file order), outcome and names.
fn dataset(name: &str) -> (Matrix, Vec<bool>, Vec<String>) {
    let text = gz_text(&stats_dir().join("data").join(format!("{name}.csv.gz")));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let id = header.iter().position(|&h| h == "ID").expect("ID column");
    let target = header
        .iter()
        .position(|&h| h == "Target")
        .expect("Target column");
    let cols: Vec<usize> = (0..header.len())
        .filter(|&c| c != id && c != target)
        .collect();
    let mut data = Vec::new();
    let mut y = Vec::new();
    let mut n = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), header.len(), "{name}: ragged row");
        for &c in &cols {
            data.push(f[c].parse::<f64>().expect("numeric feature"));
        }
        y.push(f[target].parse::<f64>().expect("numeric target") == 1.0);
        n += 1;
    }
    let names = cols.iter().map(|&c| header[c].to_string()).collect();
    (
        Matrix::from_row_major(n, cols.len(), data).expect("matrix"),
        y,
        names,
    )
}

fn splits(name: &str) -> Vec<Vec<Split>> {
    let text = gz_text(&stats_dir().join("pipeline/fold_assignments.csv.gz"));
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != name {
            continue;
        }
        let role = if f[4] == "train" {
            Role::Train
        } else {
            Role::Test
        };
        rows.push(FoldAssignment {
            repeat: f[1].parse().expect("repeat"),
            outer_fold: f[2].parse().expect("fold"),
            row: f[3].parse().expect("row"),
            role,
            inner_fold: f[5].parse().expect("inner fold"),
        });
    }
    splits_from_assignments(&rows).expect("valid design")
}

/// (repeat, fold, rule) -> (n after the correlation filter, lambda, test-fold AUC).
fn per_fold(name: &str) -> HashMap<(usize, usize, String), (usize, f64, f64)> {
    let text = std::fs::read_to_string(stats_dir().join("pipeline/per_fold_results.csv"))
        .expect("per_fold_results.csv");
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != name {
            continue;
        }
        out.insert(
            (
                f[1].parse().expect("repeat"),
                f[2].parse().expect("fold"),
                f[3].to_string(),
            ),
            (
                f[4].parse().expect("n"),
                f[5].parse().expect("lambda"),
                f[8].parse().expect("auc"),
            ),
        );
    }
    out
}

fn check(name: &str, rules: &[LambdaRule]) {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(stats_dir().join("vectors/pipeline_reference.json"))
            .expect("pipeline_reference.json"),
    )
    .expect("json");
    let (x, y, names) = dataset(name);
    let sp = splits(name);
    let folds = per_fold(name);
    for &rule in rules {
        let (key, tag) = match rule {
            LambdaRule::Min => ("lambda_min", "min"),
            LambdaRule::OneSe => ("lambda_1se", "1se"),
        };
        let mut spec = PipelineSpec::default();
        if let ModelSpec::Glmnet { rule: r, .. } = &mut spec.model {
            *r = rule;
        }
        let report = cross_validate(&x, &y, &names, &spec, &sp).expect("cross-validation");
        let want = &reference["outputs"][name][key];
        let mut same_lambda = 0;
        for f in &report.folds {
            let (n_after, lambda, auc) = folds[&(f.repeat, f.fold, tag.to_string())];
            assert_eq!(
                f.n_model_columns, n_after,
                "{name} repeat {} fold {}: columns after the correlation filter",
                f.repeat, f.fold
            );
            let l = f.lambda.expect("penalised model");
            if (l - lambda).abs() <= 1e-6 * lambda {
                same_lambda += 1;
            }
            assert!(
                (f.value - auc).abs() < 1e-6,
                "{name} {tag} repeat {} fold {}: test AUC {} vs reference {auc} (lambda {l} vs {lambda})",
                f.repeat,
                f.fold,
                f.value
            );
        }
        let mean = want["mean_fold_auc"].as_f64().expect("mean");
        let pooled = want["mean_pooled_auc_per_repeat"].as_f64().expect("pooled");
        eprintln!(
            "{name} {tag}: fold AUC {:.6} (ref {mean:.6}), pooled {:.6} (ref {pooled:.6}), same lambda in {same_lambda}/{} folds",
            report.mean,
            report.pooled_mean,
            report.folds.len()
        );
        assert_eq!(
            same_lambda,
            report.folds.len(),
            "{name} {tag}: chosen lambdas"
        );
        // The issue asks 0.01; with identical splits the reference's own tolerance is 1e-3.
        assert!(
            (report.mean - mean).abs() < 1e-3,
            "{name} {tag}: mean fold AUC {} vs reference {mean}",
            report.mean
        );
        assert!(
            (report.pooled_mean - pooled).abs() < 1e-3,
            "{name} {tag}: pooled AUC {} vs reference {pooled}",
            report.pooled_mean
        );
    }
}

#[test]
fn head_neck_both_rules() {
    check(
        "Head-Neck-Radiomics-HN1",
        &[LambdaRule::Min, LambdaRule::OneSe],
    );
}

#[test]
fn song2020_both_rules() {
    check("Song2020", &[LambdaRule::Min, LambdaRule::OneSe]);
}

#[test]
fn ramella2018_both_rules() {
    check("Ramella2018", &[LambdaRule::Min, LambdaRule::OneSe]);
}

#[test]
fn hosny2018a_one_se() {
    check("Hosny2018A", &[LambdaRule::OneSe]);
}

/// Nested CV gives bit-identical results with 1 and 3 worker threads (folds and inner folds run
/// in parallel).
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (x, y, names) = dataset("Head-Neck-Radiomics-HN1");
    let sp: Vec<Vec<Split>> = splits("Head-Neck-Radiomics-HN1")
        .into_iter()
        .take(2)
        .collect();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| cross_validate(&x, &y, &names, &PipelineSpec::default(), &sp))
            .expect("cross-validation")
    };
    let (a, b) = (run(1), run(3));
    let bits = |r: &perirad_stats::pipeline::CvReport| -> Vec<u64> {
        r.folds
            .iter()
            .map(|f| f.value.to_bits())
            .chain(r.oof.iter().flatten().map(|v| v.to_bits()))
            .collect()
    };
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(
        a.folds
            .iter()
            .map(|f| f.selected.clone())
            .collect::<Vec<_>>(),
        b.folds
            .iter()
            .map(|f| f.selected.clone())
            .collect::<Vec<_>>()
    );
}
