//! Cross-validation designs: splits built from the reference pipeline's
//! `pipeline/fold_assignments.csv.gz` (sklearn RepeatedStratifiedKFold 10×5, seed 42, inner
//! StratifiedKFold 5) are checked against the file's own structure, and our seeded generator is
//! checked to give the same per-fold class counts as scikit-learn's allocation in that file.

mod common;

use common::{dataset, fold_assignments};
use perirad_stats::cv::{
    repeated_stratified_kfold, splits_from_assignments, stratified_fold_labels,
    survival_stratified_kfold, CvDesign, Role, Split, SplitMix64,
};
use perirad_stats::StatsError;
use std::collections::BTreeMap;

/// (negatives, positives) among `rows`.
fn class_counts(y: &[bool], rows: &[usize]) -> (usize, usize) {
    let pos = rows.iter().filter(|&&r| y[r]).count();
    (rows.len() - pos, pos)
}

/// Class counts of each inner fold 1..=k of a split.
fn inner_counts(y: &[bool], s: &Split, k: usize) -> Vec<(usize, usize)> {
    (1..=k)
        .map(|f| {
            let rows: Vec<usize> = s
                .train
                .iter()
                .zip(&s.inner_foldid)
                .filter(|(_, &id)| id == f)
                .map(|(&r, _)| r)
                .collect();
            class_counts(y, &rows)
        })
        .collect()
}

/// The design invariants: every row tested once per repeat, train/test disjoint and covering
/// all rows, per-class fold sizes within one row (outer and inner), inner ids 1..=k.
fn check_design(name: &str, y: &[bool], design: &[Vec<Split>], k: usize, inner_k: usize) {
    let n = y.len();
    for (rep, folds) in design.iter().enumerate() {
        assert_eq!(folds.len(), k, "{name} repeat {rep}: number of folds");
        let mut tested = vec![0usize; n];
        for (f, s) in folds.iter().enumerate() {
            s.test.iter().for_each(|&r| tested[r] += 1);
            let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
            all.sort_unstable();
            assert_eq!(
                all,
                (0..n).collect::<Vec<_>>(),
                "{name} {rep}/{f}: train+test = all rows once"
            );
            assert_eq!(s.inner_foldid.len(), s.train.len());
            assert!(
                s.inner_foldid.iter().all(|&i| (1..=inner_k).contains(&i)),
                "{name} {rep}/{f}: inner ids"
            );
            let ic = inner_counts(y, s, inner_k);
            for class in 0..2 {
                let v: Vec<usize> = ic
                    .iter()
                    .map(|c| if class == 0 { c.0 } else { c.1 })
                    .collect();
                let (lo, hi) = (v.iter().min().expect("k>0"), v.iter().max().expect("k>0"));
                assert!(
                    hi - lo <= 1,
                    "{name} {rep}/{f}: inner class {class} counts {v:?}"
                );
            }
        }
        assert!(
            tested.iter().all(|&t| t == 1),
            "{name} repeat {rep}: every row tested exactly once"
        );
        for class in 0..2 {
            let v: Vec<usize> = folds
                .iter()
                .map(|s| {
                    let c = class_counts(y, &s.test);
                    if class == 0 {
                        c.0
                    } else {
                        c.1
                    }
                })
                .collect();
            let (lo, hi) = (v.iter().min().expect("k>0"), v.iter().max().expect("k>0"));
            assert!(
                hi - lo <= 1,
                "{name} repeat {rep}: test class {class} counts {v:?}"
            );
        }
    }
}

#[test]
fn reference_fold_assignments_build_valid_designs() {
    let all = fold_assignments();
    assert_eq!(
        all.len(),
        8,
        "eight pipeline datasets (4 in the README table + 4 liver)"
    );
    for (name, rows) in &all {
        let d = dataset(name);
        let design = splits_from_assignments(rows).expect("valid assignment table");
        assert_eq!(design.len(), 10, "{name}: 10 repeats");
        check_design(name, &d.target, &design, 5, 5);
        // The builder keeps each training row's inner fold from the table.
        let lookup: BTreeMap<(usize, usize, usize), usize> = rows
            .iter()
            .filter(|a| a.role == Role::Train)
            .map(|a| ((a.repeat, a.outer_fold, a.row), a.inner_fold))
            .collect();
        for (rep, folds) in design.iter().enumerate() {
            for (f, s) in folds.iter().enumerate() {
                for (&r, &id) in s.train.iter().zip(&s.inner_foldid) {
                    assert_eq!(lookup[&(rep, f, r)], id, "{name} {rep}/{f} row {r}");
                }
            }
        }

        // Our generator on the same outcome: same invariants, and the same class counts per
        // outer fold and per inner fold as scikit-learn's allocation recorded in the file.
        let ours = repeated_stratified_kfold(
            &d.target,
            CvDesign {
                k: 5,
                repeats: 10,
                inner_k: 5,
                seed: 42,
            },
        )
        .expect("our design");
        check_design(&format!("{name} (ours)"), &d.target, &ours, 5, 5);
        for (rep, f) in (0..10).flat_map(|r| (0..5).map(move |f| (r, f))) {
            assert_eq!(
                class_counts(&d.target, &ours[rep][f].test),
                class_counts(&d.target, &design[rep][f].test),
                "{name} {rep}/{f}: test class counts as sklearn"
            );
            let mut a = inner_counts(&d.target, &ours[rep][f], 5);
            let mut b = inner_counts(&d.target, &design[rep][f], 5);
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{name} {rep}/{f}: inner class counts as sklearn");
        }
        // Different repeats shuffle differently; the same seed gives the same design.
        assert_ne!(ours[0][0].test, ours[1][0].test, "{name}: repeats differ");
        let again = repeated_stratified_kfold(
            &d.target,
            CvDesign {
                k: 5,
                repeats: 10,
                inner_k: 5,
                seed: 42,
            },
        )
        .expect("again");
        assert_eq!(ours, again, "{name}: deterministic");
    }
}

#[test]
fn broken_assignment_tables_are_rejected() {
    let all = fold_assignments();
    let rows = &all["HCC-TACE-Seg"];
    // Drop one test row: that row is no longer tested in its repeat.
    let i = rows
        .iter()
        .position(|a| a.role == Role::Test)
        .expect("a test row");
    let mut broken = rows.clone();
    let removed = broken.remove(i);
    let e = splits_from_assignments(&broken).expect_err("row missing");
    assert!(
        e.to_string()
            .contains(&format!("repeat {}", removed.repeat)),
        "{e}"
    );
    // A training row without inner fold.
    let mut broken = rows.clone();
    let j = broken
        .iter()
        .position(|a| a.role == Role::Train)
        .expect("a train row");
    broken[j].inner_fold = 0;
    let e = splits_from_assignments(&broken).expect_err("no inner fold");
    assert!(e.to_string().contains("no inner fold"), "{e}");
    assert!(splits_from_assignments(&[]).is_err());
}

#[test]
fn degenerate_outcomes_give_clear_errors() {
    let mut rng = SplitMix64::new(1);
    let one_class = vec![true; 10];
    let e = stratified_fold_labels(&one_class, 2, &mut rng).expect_err("single class");
    assert!(matches!(e, StatsError::Outcome(_)), "{e}");
    // 3 positives, k = 5: more folds than minority rows.
    let y: Vec<bool> = (0..20).map(|i| i < 3).collect();
    let e = stratified_fold_labels(&y, 5, &mut rng).expect_err("k > minority");
    assert!(
        e.to_string().contains("minority class has only 3 rows"),
        "{e}"
    );
    let e = stratified_fold_labels(&y, 1, &mut rng).expect_err("k = 1");
    assert!(e.to_string().contains("k >= 2"), "{e}");
    // Outer folds fine (5 positives) but inner folds on 4 training positives impossible with k 5.
    let y: Vec<bool> = (0..30).map(|i| i < 5).collect();
    let e = repeated_stratified_kfold(
        &y,
        CvDesign {
            k: 5,
            repeats: 1,
            inner_k: 5,
            seed: 7,
        },
    )
    .expect_err("inner k > minority");
    assert!(e.to_string().contains("inner folds of repeat 0"), "{e}");
}

#[test]
fn survival_folds_stratify_on_event() {
    // 37 events among 120 subjects.
    let event: Vec<bool> = (0..120).map(|i| (i * 7) % 13 < 4).collect();
    let n_events = event.iter().filter(|&&e| e).count();
    let design = survival_stratified_kfold(
        &event,
        CvDesign {
            k: 5,
            repeats: 3,
            inner_k: 4,
            seed: 9,
        },
    )
    .expect("survival design");
    check_design("survival", &event, &design, 5, 4);
    for s in &design[0] {
        let ev = s.test.iter().filter(|&&r| event[r]).count();
        assert!(
            ev == n_events / 5 || ev == n_events / 5 + 1,
            "events per fold {ev}"
        );
    }
    let e = survival_stratified_kfold(
        &[true, false, false],
        CvDesign {
            k: 2,
            repeats: 1,
            inner_k: 2,
            seed: 1,
        },
    )
    .expect_err("one event, 2 folds");
    assert!(e.to_string().contains("stratified on event"), "{e}");
}
