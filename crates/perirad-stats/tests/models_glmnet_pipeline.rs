//! cv.glmnet inside the reference radiomics pipeline (`stats/vectors/pipeline_reference.json`,
//! `stats/pipeline/*`): for repeat 0 of Ramella2018 and Head-Neck-Radiomics-HN1, with the
//! stored outer/inner splits, the per-fold lambda.min / lambda.1se (value and index), number of
//! nonzero coefficients, test-fold AUC and out-of-fold probabilities must match (thresh 1e-7,
//! the pipeline's setting). The z-score and the greedy |r| > 0.9 filter that precede the model
//! are re-done here exactly as the vector's `options` state them (their own implementations
//! live in other modules and are tested against their own vectors).

mod common;
use common::*;
use perirad_stats::cv::Role;
use perirad_stats::glmnet::{cv_logistic_measures, Alignment, CvMeasure, GlmnetOptions};
use perirad_stats::Matrix;
use std::collections::HashMap;

fn zscore_and_filter(x: &Matrix, train: &[usize]) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let p = x.cols();
    let nt = train.len() as f64;
    let mut mean = vec![0.0; p];
    let mut sd = vec![1.0; p];
    let mut z: Vec<Vec<f64>> = Vec::with_capacity(p);
    for j in 0..p {
        let c: Vec<f64> = train.iter().map(|&i| x.get(i, j)).collect();
        let m = c.iter().sum::<f64>() / nt;
        let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / nt).sqrt();
        mean[j] = m;
        sd[j] = if s == 0.0 { 1.0 } else { s };
        z.push(c.iter().map(|v| (v - m) / sd[j]).collect());
    }
    // Pearson r of z-scored columns = mean of products / (sd_a sd_b)
    let corr = |a: &[f64], b: &[f64]| {
        let ma = a.iter().sum::<f64>() / nt;
        let mb = b.iter().sum::<f64>() / nt;
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(b) {
            sab += (x - ma) * (y - mb);
            saa += (x - ma) * (x - ma);
            sbb += (y - mb) * (y - mb);
        }
        sab / (saa * sbb).sqrt()
    };
    let mut kept: Vec<usize> = Vec::new();
    for j in 0..p {
        if kept.iter().all(|&k| corr(&z[j], &z[k]).abs() <= 0.9) {
            kept.push(j);
        }
    }
    (kept, mean, sd)
}

fn auc(y: &[bool], s: &[f64]) -> f64 {
    let (mut c, mut np, mut nn) = (0.0, 0usize, 0usize);
    for (i, &yi) in y.iter().enumerate() {
        if yi {
            np += 1;
        } else {
            nn += 1;
        }
        for (j, &yj) in y.iter().enumerate() {
            if yi && !yj {
                c += if s[i] > s[j] {
                    1.0
                } else if s[i] == s[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    c / (np * nn) as f64
}

#[test]
fn pipeline_folds_ramella_and_hn1_repeat0() {
    let assign = fold_assignments();
    let per_fold = stats_csv("pipeline/per_fold_results.csv");
    let oof = stats_csv("pipeline/oof_predictions.csv.gz");
    let opts = GlmnetOptions {
        alpha: 1.0,
        nlambda: 100,
        lambda_min_ratio: Some(0.01),
        lambda: None,
        standardize: true,
        thresh: 1e-7,
        maxit: 100_000,
    };
    let mut worst_lambda: f64 = 0.0;
    let mut worst_p: f64 = 0.0;
    let mut worst_auc: f64 = 0.0;
    let mut checked = 0;
    for ds in ["Ramella2018", "Head-Neck-Radiomics-HN1"] {
        let data = dataset(ds);
        let (x, y) = (data.x, data.target);
        // reference: per (fold, rule) row, and OOF probabilities of repeat 0
        let mut refs: HashMap<(usize, String), Vec<String>> = HashMap::new();
        for r in &per_fold.rows {
            if r[0] == ds && r[1] == "0" {
                refs.insert((r[2].parse().expect("fold"), r[3].clone()), r.clone());
            }
        }
        let mut p_ref: HashMap<usize, (f64, f64)> = HashMap::new();
        for r in &oof.rows {
            if r[0] == ds && r[1] == "0" {
                p_ref.insert(
                    r[2].parse().expect("row"),
                    (r[4].parse().expect("p"), r[5].parse().expect("p")),
                );
            }
        }
        for fold in 0..5usize {
            let mut train: Vec<(usize, usize)> = Vec::new();
            let mut test: Vec<usize> = Vec::new();
            for a in assign[ds]
                .iter()
                .filter(|a| a.repeat == 0 && a.outer_fold == fold)
            {
                if a.role == Role::Train {
                    train.push((a.row, a.inner_fold));
                } else {
                    test.push(a.row);
                }
            }
            train.sort();
            test.sort();
            let train_rows: Vec<usize> = train.iter().map(|t| t.0).collect();
            let inner: Vec<usize> = train.iter().map(|t| t.1).collect();
            let (kept, mean, sd) = zscore_and_filter(&x, &train_rows);
            let zrow = |i: usize| -> Vec<f64> {
                kept.iter()
                    .map(|&j| (x.get(i, j) - mean[j]) / sd[j])
                    .collect()
            };
            let xt = Matrix::from_rows(&train_rows.iter().map(|&i| zrow(i)).collect::<Vec<_>>())
                .expect("xt");
            let xh =
                Matrix::from_rows(&test.iter().map(|&i| zrow(i)).collect::<Vec<_>>()).expect("xh");
            let yt: Vec<bool> = train_rows.iter().map(|&i| y[i]).collect();
            let yh: Vec<bool> = test.iter().map(|&i| y[i]).collect();
            let cv = cv_logistic_measures(
                &xt,
                &yt,
                &inner,
                &opts,
                &[CvMeasure::Deviance],
                Alignment::Fraction,
            )
            .expect("cv")
            .remove(0);
            for (rule, idx, lam) in [
                ("min", cv.index_min, cv.lambda_min),
                ("1se", cv.index_1se, cv.lambda_1se),
            ] {
                let want = refs.get(&(fold, rule.to_string())).expect("reference row");
                let l = format!("{ds} fold {fold} {rule}");
                assert_eq!(
                    kept.len(),
                    want[4].parse::<usize>().expect("n"),
                    "{l}: features after filter"
                );
                assert_eq!(
                    idx,
                    want[6].parse::<usize>().expect("idx"),
                    "{l}: lambda index"
                );
                let wl: f64 = want[5].parse().expect("lambda");
                worst_lambda =
                    worst_lambda.max(compare(&format!("{l} lambda"), &[lam], &[wl], 1e-10));
                let nz = cv.path.betas[idx].iter().filter(|b| **b != 0.0).count();
                assert_eq!(nz, want[7].parse::<usize>().expect("nz"), "{l}: nonzero");
                let lp = cv.path.linear_predictor(&xh, idx).expect("lp");
                let p: Vec<f64> = lp.iter().map(|e| 1.0 / (1.0 + (-e).exp())).collect();
                let a = auc(&yh, &p);
                worst_auc = worst_auc.max(compare(
                    &format!("{l} auc"),
                    &[a],
                    &[want[8].parse().expect("auc")],
                    1e-9,
                ));
                let pr: Vec<f64> = test
                    .iter()
                    .map(|i| {
                        if rule == "min" {
                            p_ref[i].0
                        } else {
                            p_ref[i].1
                        }
                    })
                    .collect();
                worst_p = worst_p.max(compare(&format!("{l} oof p"), &p, &pr, 1e-3));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 20);
    eprintln!("pipeline repeat 0 (Ramella2018, HN1; 20 fold×rule): lambda {worst_lambda:.1e}, AUC {worst_auc:.1e}, OOF p {worst_p:.1e}");
}
