//! Validation designs as plain data: repeated stratified k-fold splits with inner folds for
//! tuning on each training set, built either by our own seeded generator or from a fold
//! assignment table (e.g. the reference pipeline's `fold_assignments.csv.gz`, parsed by the
//! caller: this crate does no I/O).
//!
//! The generator is deterministic (SplitMix64, fixed seed) and stratified the way scikit-learn's
//! `StratifiedKFold` is: within each class, fold sizes differ by at most one row, and fold `f`
//! receives exactly as many rows of each class as scikit-learn's fold `f` would (both deal the
//! class-sorted rows round-robin to the folds). Which rows go to which fold differs from
//! scikit-learn's, whose shuffling uses numpy's Mersenne Twister; to reproduce a published split
//! exactly, build it from its assignment table with [`splits_from_assignments`].

use crate::error::{Result, StatsError};
use serde::{Deserialize, Serialize};

/// One train/test split of a cross-validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training rows, increasing.
    pub train: Vec<usize>,
    /// Test rows, increasing.
    pub test: Vec<usize>,
    /// Inner fold (1..=k) of each training row, in the order of `train` (cv.glmnet `foldid`).
    pub inner_foldid: Vec<usize>,
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit generator, used so
/// that splits depend only on the seed, never on a library version or the thread count.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64-bit output (the reference algorithm of Steele et al., as in Java's
    /// `SplittableRandom` and the seeding of xoshiro).
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in `0..n` (multiply-shift; the bias is below 2⁻⁵⁰ for any fold-sized `n`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform integer in `0..n` (`n > 0`) without bias (Lemire's multiply-and-reject), for
    /// bootstrap resampling.
    pub fn below_u64(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n; // (2^64 - n) mod n
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// A seed for a sub-stream (repeat, fold) of a design, mixed so nearby inputs give unrelated
/// streams.
fn derive_seed(seed: u64, a: u64, b: u64) -> u64 {
    let mut r = SplitMix64::new(seed ^ a.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let x = r.next_u64();
    SplitMix64::new(x ^ b.wrapping_mul(0xA076_1D64_78BD_642F)).next_u64()
}

/// Stratified fold labels 0..k for the rows of `y`, shuffled with `rng`.
///
/// Each class's rows are shuffled and dealt round-robin to the folds, continuing from the fold
/// where the previous class stopped (classes in order of first appearance in `y`), so per-class counts per
/// fold differ by at most one and equal scikit-learn `StratifiedKFold`'s allocation. Errors when
/// `k < 2`, when `y` has one class, or when a class has fewer than `k` rows (some test fold would
/// miss that class, which leaves its AUC undefined).
pub fn stratified_fold_labels(y: &[bool], k: usize, rng: &mut SplitMix64) -> Result<Vec<usize>> {
    if k < 2 {
        return Err(StatsError::Invalid(format!(
            "stratified k-fold needs k >= 2, got k = {k}"
        )));
    }
    let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
    let neg: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
    if pos.is_empty() || neg.is_empty() {
        return Err(StatsError::Outcome(format!(
            "stratified k-fold needs both classes, got {} positive and {} negative rows",
            pos.len(),
            neg.len()
        )));
    }
    let minority = pos.len().min(neg.len());
    if minority < k {
        return Err(StatsError::Outcome(format!(
            "k = {k} folds but the minority class has only {minority} rows; every fold needs both classes (use k <= {minority})"
        )));
    }
    // Classes in order of first appearance, as scikit-learn encodes them for the allocation.
    let classes = if y[0] { [pos, neg] } else { [neg, pos] };
    let mut labels = vec![0; y.len()];
    let mut next = 0;
    for mut class in classes {
        rng.shuffle(&mut class);
        for i in class {
            labels[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok(labels)
}

/// Options of a repeated stratified k-fold design with inner folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvDesign {
    /// Outer folds.
    pub k: usize,
    /// Repeats of the outer k-fold with fresh shuffles.
    pub repeats: usize,
    /// Inner folds on each training set (for tuning, e.g. cv.glmnet's lambda).
    pub inner_k: usize,
    pub seed: u64,
}

/// Repeated stratified k-fold with stratified inner folds on each training set, as
/// `Vec<Vec<Split>>` indexed `[repeat][outer fold]`.
///
/// Reference: the design of scikit-learn `RepeatedStratifiedKFold` + an inner
/// `StratifiedKFold(shuffle=True)` per training set (see the module doc for how the rows differ
/// and what is the same). Deterministic for a given seed.
pub fn repeated_stratified_kfold(y: &[bool], design: CvDesign) -> Result<Vec<Vec<Split>>> {
    if design.repeats == 0 {
        return Err(StatsError::Invalid(
            "cross-validation needs at least one repeat".into(),
        ));
    }
    let mut out = Vec::with_capacity(design.repeats);
    for rep in 0..design.repeats {
        let mut rng = SplitMix64::new(derive_seed(design.seed, rep as u64, u64::MAX));
        let labels = stratified_fold_labels(y, design.k, &mut rng)?;
        let mut folds = Vec::with_capacity(design.k);
        for f in 0..design.k {
            let train: Vec<usize> = (0..y.len()).filter(|&i| labels[i] != f).collect();
            let test: Vec<usize> = (0..y.len()).filter(|&i| labels[i] == f).collect();
            let ytr: Vec<bool> = train.iter().map(|&i| y[i]).collect();
            let mut inner_rng = SplitMix64::new(derive_seed(design.seed, rep as u64, f as u64));
            let inner =
                stratified_fold_labels(&ytr, design.inner_k, &mut inner_rng).map_err(|e| {
                    StatsError::Outcome(format!("inner folds of repeat {rep}, outer fold {f}: {e}"))
                })?;
            folds.push(Split {
                train,
                test,
                inner_foldid: inner.into_iter().map(|l| l + 1).collect(),
            });
        }
        out.push(folds);
    }
    Ok(out)
}

/// Repeated k-fold for a survival outcome, stratified on the event indicator so that every fold
/// holds events and censored rows in the overall proportion (±1 row per fold). The inner folds
/// are stratified on the event as well. Same errors as [`repeated_stratified_kfold`] with
/// "class" meaning events / censored rows.
pub fn survival_stratified_kfold(event: &[bool], design: CvDesign) -> Result<Vec<Vec<Split>>> {
    repeated_stratified_kfold(event, design).map_err(|e| match e {
        StatsError::Outcome(m) => {
            StatsError::Outcome(format!("survival folds (stratified on event): {m}"))
        }
        other => other,
    })
}

/// Whether a row of a fold-assignment table is used for training or testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Train,
    Test,
}

/// One row of a fold-assignment table (the layout of the reference pipeline's
/// `fold_assignments.csv.gz`: repeat, outer_fold, row, role, inner_fold; all 0-based except
/// `inner_fold`, which is 1..=k for training rows and ignored for test rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldAssignment {
    pub repeat: usize,
    pub outer_fold: usize,
    pub row: usize,
    pub role: Role,
    pub inner_fold: usize,
}

/// Builds `[repeat][outer fold]` splits from assignment rows (any order), with `train`/`test`
/// sorted by row and `inner_foldid` aligned to `train`.
///
/// Checks what the table must satisfy to be a design: repeats and folds numbered 0.. without
/// gaps, every split with a non-empty train and test set, no row twice in one split, training
/// rows with an inner fold >= 1, and within each repeat every row tested exactly once and the
/// same row set in every fold. The error names the repeat, fold and row.
pub fn splits_from_assignments(rows: &[FoldAssignment]) -> Result<Vec<Vec<Split>>> {
    if rows.is_empty() {
        return Err(StatsError::Invalid("fold assignment table is empty".into()));
    }
    let n_rep = rows.iter().map(|r| r.repeat).max().map_or(0, |m| m + 1);
    let n_fold = rows.iter().map(|r| r.outer_fold).max().map_or(0, |m| m + 1);
    // Per repeat and fold: (training rows with their inner fold, test rows).
    type Parts = (Vec<(usize, usize)>, Vec<usize>);
    let mut parts: Vec<Vec<Parts>> = vec![vec![(Vec::new(), Vec::new()); n_fold]; n_rep];
    for a in rows {
        let (tr, te) = &mut parts[a.repeat][a.outer_fold];
        match a.role {
            Role::Train => {
                if a.inner_fold == 0 {
                    return Err(StatsError::Invalid(format!(
                        "repeat {}, fold {}: training row {} has no inner fold (inner folds are 1-based)",
                        a.repeat, a.outer_fold, a.row
                    )));
                }
                tr.push((a.row, a.inner_fold));
            }
            Role::Test => te.push(a.row),
        }
    }
    let mut out = Vec::with_capacity(n_rep);
    for (rep, folds) in parts.into_iter().enumerate() {
        let mut splits = Vec::with_capacity(n_fold);
        let mut tested: Vec<usize> = Vec::new();
        let mut all_rows: Option<Vec<usize>> = None;
        for (f, (mut tr, mut te)) in folds.into_iter().enumerate() {
            if tr.is_empty() || te.is_empty() {
                return Err(StatsError::Invalid(format!(
                    "repeat {rep}, fold {f}: {} training and {} test rows (both must be non-empty; are repeats and folds numbered without gaps?)",
                    tr.len(),
                    te.len()
                )));
            }
            tr.sort_unstable();
            te.sort_unstable();
            let mut rows_here: Vec<usize> =
                tr.iter().map(|t| t.0).chain(te.iter().copied()).collect();
            rows_here.sort_unstable();
            if let Some(w) = rows_here.windows(2).find(|w| w[0] == w[1]) {
                return Err(StatsError::Invalid(format!(
                    "repeat {rep}, fold {f}: row {} appears twice",
                    w[0]
                )));
            }
            match &all_rows {
                None => all_rows = Some(rows_here),
                Some(prev) if *prev != rows_here => {
                    return Err(StatsError::Invalid(format!(
                        "repeat {rep}, fold {f}: covers {} rows, fold 0 covers {}; every fold must split the same rows",
                        rows_here.len(),
                        prev.len()
                    )));
                }
                Some(_) => {}
            }
            tested.extend(&te);
            splits.push(Split {
                train: tr.iter().map(|t| t.0).collect(),
                test: te,
                inner_foldid: tr.iter().map(|t| t.1).collect(),
            });
        }
        tested.sort_unstable();
        if let Some(w) = tested.windows(2).find(|w| w[0] == w[1]) {
            return Err(StatsError::Invalid(format!(
                "repeat {rep}: row {} is tested in more than one fold",
                w[0]
            )));
        }
        if Some(&tested) != all_rows.as_ref() {
            return Err(StatsError::Invalid(format!(
                "repeat {rep}: {} rows tested, but the folds cover {} rows; every row must be tested once",
                tested.len(),
                all_rows.as_ref().map_or(0, Vec::len)
            )));
        }
        out.push(splits);
    }
    Ok(out)
}
