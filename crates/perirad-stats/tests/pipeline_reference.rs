//! The default pipeline against the reference pipeline of `../shared/data/stats` (python-glmnet +
//! scikit-learn splitters, `pipeline_reference.json`, `pipeline/per_fold_results.csv`), run on
//! the very same outer and inner folds (`pipeline/fold_assignments.csv.gz`).

mod common;

use common::{dataset, fold_assignments, stats_csv, vector, Table};
use perirad_stats::cv::{splits_from_assignments, Split};
use perirad_stats::pipeline::{cross_validate, LambdaRule, ModelSpec, PipelineSpec};
use perirad_stats::Matrix;
use std::collections::HashMap;

/// Features (every column but ID and Target, in file order, parsed as pandas parsed them for the
/// reference), outcome and names.
fn load(name: &str) -> (Matrix, Vec<bool>, Vec<String>) {
    let d = dataset(name);
    (d.x, d.target, d.features)
}

/// The rows of `t` whose `dataset` column is `name`.
fn rows_of<'a>(t: &'a Table, name: &'a str) -> impl Iterator<Item = &'a Vec<String>> + 'a {
    let ds = t.col_index("dataset");
    t.rows.iter().filter(move |r| r[ds] == name)
}

fn splits(name: &str) -> Vec<Vec<Split>> {
    let all = fold_assignments();
    let rows = all
        .get(name)
        .unwrap_or_else(|| panic!("{name} not in fold_assignments.csv.gz"));
    splits_from_assignments(rows).expect("valid design")
}

/// (repeat, fold, rule) -> (n after the correlation filter, lambda, test-fold AUC).
fn per_fold(name: &str) -> HashMap<(usize, usize, String), (usize, f64, f64)> {
    let t = stats_csv("pipeline/per_fold_results.csv");
    let names = [
        "repeat",
        "fold",
        "rule",
        "n_after_corr_filter",
        "lambda",
        "auc_test_fold",
    ];
    let [repeat, fold, rule, n, lambda, auc] = t.col_indices(names);
    let mut out = HashMap::new();
    for f in rows_of(&t, name) {
        out.insert(
            (
                f[repeat].parse().expect("repeat"),
                f[fold].parse().expect("fold"),
                f[rule].clone(),
            ),
            (
                f[n].parse().expect("n"),
                f[lambda].parse().expect("lambda"),
                f[auc].parse().expect("auc"),
            ),
        );
    }
    out
}

fn check(name: &str, rules: &[LambdaRule]) {
    let reference = vector("pipeline_reference.json");
    let (x, y, names) = load(name);
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
    let (x, y, names) = load("Head-Neck-Radiomics-HN1");
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
