//! ComBat against neuroCombat: the shared `vectors/combat.json` (parametric EB, non-EB, EB
//! mean-only on three WORC cohorts and on WORC-Liver with synthetic batches + covariate Target)
//! and this crate's `tests/data/combat_extra.json` (non-parametric EB, and fit-on-train /
//! apply-to-held-out via neuroCombatFromTraining), made by
//! `scripts/make_stats_prep_references.py`.

mod common;

use common::{
    local, local_path, num_rows, nums, stats_csv, stats_dir, usizes, vector, Check, Table,
};
use perirad_stats::combat::{Combat, CombatOptions};
use perirad_stats::{Matrix, StatsError};
use serde_json::Value;
use std::path::Path;

struct Input {
    x: Matrix,
    batch: Vec<String>,
    covariates: Option<Matrix>,
}

fn features(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("feature list")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect()
}

fn read_input(path: &Path, feats: &[String], covs: &[String]) -> Input {
    let t = Table::read(path);
    let x = t.matrix(feats);
    let batch = t.strings("batch");
    // Categorical covariates as neuroCombat encodes them: one-hot without the first level.
    let covariates = if covs.is_empty() {
        None
    } else {
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for c in covs {
            let v = t.numbers(c);
            let mut levels = v.clone();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            for l in &levels[1..] {
                cols.push(v.iter().map(|x| if x == l { 1.0 } else { 0.0 }).collect());
            }
        }
        let rows: Vec<Vec<f64>> = (0..x.rows())
            .map(|i| cols.iter().map(|c| c[i]).collect())
            .collect();
        Some(Matrix::from_rows(&rows).expect("covariate matrix"))
    };
    Input {
        x,
        batch,
        covariates,
    }
}

fn check_matrix(m: &mut Check, what: &str, got: &Matrix, want: &Matrix, rel: f64) {
    assert_eq!(
        (got.rows(), got.cols()),
        (want.rows(), want.cols()),
        "{what}: shape"
    );
    for r in 0..want.rows() {
        for c in 0..want.cols() {
            m.close_rel(
                &format!("{what}[{r},{c}]"),
                got.get(r, c),
                want.get(r, c),
                rel,
                rel,
            );
        }
    }
}

fn check_rows(m: &mut Check, what: &str, got: &[Vec<f64>], want: &Value, rel: f64) {
    let want = num_rows(want);
    assert_eq!(got.len(), want.len(), "{what}: batches");
    for (b, (g, w)) in got.iter().zip(&want).enumerate() {
        for (j, (x, y)) in g.iter().zip(w).enumerate() {
            m.close_rel(&format!("{what}[{b}][{j}]"), *x, *y, rel, rel);
        }
    }
}

fn check_vec(m: &mut Check, what: &str, got: &[f64], want: &Value, rel: f64) {
    for (j, (x, y)) in got.iter().zip(nums(want)).enumerate() {
        m.close_rel(&format!("{what}[{j}]"), *x, y, rel, rel);
    }
}

#[test]
fn combat_matches_neurocombat_vectors() {
    let v = vector("combat.json");
    let tol_noeb = v["tolerance"]["adjusted_noeb"].as_f64().expect("noeb tol");
    let tol_hat = v["tolerance"]["gamma_hat_delta_hat"]
        .as_f64()
        .expect("hat tol");
    // Same stopping rule as neuroCombat, so the README's 1e-6 applies to EB outputs.
    let tol_eb = 1e-6;
    let mut m = Check::default();
    for (tag, case) in v["cases"].as_object().expect("cases") {
        let feats = features(&case["features"]);
        let covs = features(&case["categorical_covariates"]);
        let inp = read_input(
            &stats_dir().join(case["input_file"].as_str().expect("input file")),
            &feats,
            &covs,
        );
        for (key, res) in case["results"].as_object().expect("results") {
            let o = &res["options"];
            let options = CombatOptions {
                eb: o["eb"].as_bool().expect("eb"),
                parametric: o["parametric"].as_bool().expect("parametric"),
                mean_only: o["mean_only"].as_bool().expect("mean_only"),
                ..CombatOptions::default()
            };
            let fit = Combat::fit(&inp.x, &inp.batch, inp.covariates.as_ref(), options)
                .expect("ComBat fit");
            let adj = fit
                .transform(&inp.x, &inp.batch, inp.covariates.as_ref())
                .expect("ComBat transform");
            let want = stats_csv(res["adjusted_file"].as_str().expect("file")).matrix(&feats);
            let tol = if options.eb { tol_eb } else { tol_noeb };
            let w = format!("{tag}/{key}");
            check_matrix(&mut m, &format!("{w} adjusted"), &adj, &want, tol);
            check_vec(
                &mut m,
                &format!("{w} adjusted_first_row"),
                adj.row(0),
                &res["adjusted_first_row"],
                tol,
            );
            check_rows(
                &mut m,
                &format!("{w} gamma_hat"),
                &fit.gamma_hat,
                &res["gamma_hat"],
                tol_hat,
            );
            check_rows(
                &mut m,
                &format!("{w} delta_hat"),
                &fit.delta_hat,
                &res["delta_hat"],
                tol_hat,
            );
            check_rows(
                &mut m,
                &format!("{w} gamma_star"),
                &fit.gamma_star,
                &res["gamma_star"],
                tol,
            );
            check_rows(
                &mut m,
                &format!("{w} delta_star"),
                &fit.delta_star,
                &res["delta_star"],
                tol,
            );
            check_vec(
                &mut m,
                &format!("{w} gamma_bar"),
                &fit.gamma_bar,
                &res["gamma_bar"],
                tol_hat,
            );
            check_vec(&mut m, &format!("{w} t2"), &fit.t2, &res["t2"], tol_hat);
            check_vec(
                &mut m,
                &format!("{w} var_pooled"),
                &fit.var_pooled,
                &res["var_pooled"],
                tol_hat,
            );
            check_vec(
                &mut m,
                &format!("{w} grand_mean"),
                &fit.grand_mean,
                &res["stand_mean_first_col"],
                tol_hat,
            );
            match (&fit.a_prior, &fit.b_prior) {
                (Some(a), Some(b)) => {
                    check_vec(&mut m, &format!("{w} a_prior"), a, &res["a_prior"], tol_hat);
                    check_vec(&mut m, &format!("{w} b_prior"), b, &res["b_prior"], tol_hat);
                }
                _ => m.equal(
                    &format!("{w} priors absent"),
                    res["a_prior"].is_null(),
                    true,
                ),
            }
        }
    }
    m.finish("combat.json");
}

#[test]
fn combat_nonparametric_and_heldout_match_neurocombat() {
    let v = local("combat_extra.json");
    let feats = features(&v["features"]);
    let tol = v["tolerance"]["adjusted"].as_f64().expect("tolerance");
    let mut m = Check::default();
    for (key, case) in v["nonparametric"].as_object().expect("cases") {
        let covs = features(&case["categorical_covariates"]);
        let inp = read_input(
            &stats_dir()
                .join("vectors")
                .join(case["input_file"].as_str().expect("input")),
            &feats,
            &covs,
        );
        let options = CombatOptions {
            parametric: false,
            mean_only: case["options"]["mean_only"].as_bool().expect("mean_only"),
            ..CombatOptions::default()
        };
        let fit = Combat::fit(&inp.x, &inp.batch, inp.covariates.as_ref(), options).expect("fit");
        let adj = fit
            .transform(&inp.x, &inp.batch, inp.covariates.as_ref())
            .expect("transform");
        let want =
            Table::read(&local_path(case["adjusted_file"].as_str().expect("file"))).matrix(&feats);
        check_matrix(&mut m, &format!("{key} adjusted"), &adj, &want, tol);
        check_rows(
            &mut m,
            &format!("{key} gamma_star"),
            &fit.gamma_star,
            &case["gamma_star"],
            tol,
        );
        check_rows(
            &mut m,
            &format!("{key} delta_star"),
            &fit.delta_star,
            &case["delta_star"],
            tol,
        );
    }
    // Categorical Target + continuous Z preserved.
    let cc = &v["continuous_covariate"];
    let inp = read_input(
        &stats_dir()
            .join("vectors")
            .join(cc["input_file"].as_str().expect("input")),
        &feats,
        &features(&cc["categorical_covariates"]),
    );
    let z = nums(&cc["Z"]);
    let target = inp.covariates.as_ref().expect("Target dummy");
    let rows: Vec<Vec<f64>> = (0..inp.x.rows())
        .map(|i| vec![target.get(i, 0), z[i]])
        .collect();
    let cov = Matrix::from_rows(&rows).expect("covariates");
    for (key, res) in cc["results"].as_object().expect("results") {
        let options = CombatOptions {
            eb: res["options"]["eb"].as_bool().expect("eb"),
            ..CombatOptions::default()
        };
        let fit = Combat::fit(&inp.x, &inp.batch, Some(&cov), options).expect("fit");
        let adj = fit
            .transform(&inp.x, &inp.batch, Some(&cov))
            .expect("transform");
        let want =
            Table::read(&local_path(res["adjusted_file"].as_str().expect("file"))).matrix(&feats);
        check_matrix(
            &mut m,
            &format!("covariates/{key} adjusted"),
            &adj,
            &want,
            tol,
        );
        check_rows(
            &mut m,
            &format!("covariates/{key} gamma_star"),
            &fit.gamma_star,
            &res["gamma_star"],
            tol,
        );
        check_rows(
            &mut m,
            &format!("covariates/{key} delta_star"),
            &fit.delta_star,
            &res["delta_star"],
            tol,
        );
        check_vec(
            &mut m,
            &format!("covariates/{key} var_pooled"),
            &fit.var_pooled,
            &res["var_pooled"],
            tol,
        );
    }

    // Fit on training rows, apply to held-out rows of the same batches.
    let ft = &v["from_training"];
    let inp = read_input(
        &stats_dir()
            .join("vectors")
            .join(ft["input_file"].as_str().expect("input")),
        &feats,
        &[],
    );
    let tr = usizes(&ft["train_rows"]);
    let te = usizes(&ft["test_rows"]);
    let pick =
        |rows: &[usize]| -> Vec<String> { rows.iter().map(|&i| inp.batch[i].clone()).collect() };
    let fit = Combat::fit(
        &inp.x.select_rows(&tr),
        &pick(&tr),
        None,
        CombatOptions::default(),
    )
    .expect("fit");
    check_rows(
        &mut m,
        "from_training gamma_star",
        &fit.gamma_star,
        &ft["gamma_star"],
        tol,
    );
    check_rows(
        &mut m,
        "from_training delta_star",
        &fit.delta_star,
        &ft["delta_star"],
        tol,
    );
    check_vec(
        &mut m,
        "from_training var_pooled",
        &fit.var_pooled,
        &ft["var_pooled"],
        tol,
    );
    check_vec(
        &mut m,
        "from_training grand_mean",
        &fit.grand_mean,
        &ft["grand_mean"],
        tol,
    );
    for (rows, file_key) in [(&tr, "train_adjusted_file"), (&te, "heldout_adjusted_file")] {
        let got = fit
            .transform(&inp.x.select_rows(rows), &pick(rows), None)
            .expect("transform");
        let want = Table::read(&local_path(ft[file_key].as_str().expect("file"))).matrix(&feats);
        check_matrix(&mut m, file_key, &got, &want, tol);
    }
    // The fitted object survives a JSON round trip unchanged (it is stored in model files).
    let json = serde_json::to_string(&fit).expect("serialize");
    let back: Combat = serde_json::from_str(&json).expect("deserialize");
    m.equal("JSON round trip", back == fit, true);
    m.finish("combat_extra.json");
}

#[test]
fn combat_degenerate_inputs() {
    let x = Matrix::from_rows(&[
        vec![1.0, 2.0],
        vec![2.0, 1.0],
        vec![3.0, 5.0],
        vec![4.0, 3.0],
        vec![6.0, 2.0],
    ])
    .expect("5x2");
    let opts = CombatOptions::default();
    let e = Combat::fit(&x, &["a"; 5], None, opts).expect_err("single batch");
    assert!(e.to_string().contains("at least 2 batches"), "{e}");
    let e = Combat::fit(&x, &["a", "a", "a", "a", "b"], None, opts).expect_err("batch of one row");
    assert!(e.to_string().contains("batch \"b\" has 1 row"), "{e}");
    // mean_only needs no within-batch variance, so a batch of one row is allowed.
    let mo = CombatOptions {
        mean_only: true,
        ..opts
    };
    Combat::fit(&x, &["a", "a", "a", "a", "b"], None, mo).expect("mean-only with a 1-row batch");
    let mut c = x.clone();
    for r in 0..5 {
        c.set(r, 1, 7.0);
    }
    let e = Combat::fit(&c, &["a", "a", "b", "b", "b"], None, opts).expect_err("constant feature");
    assert!(e.to_string().contains("feature 1 has zero variance"), "{e}");
    let mut nan = x.clone();
    nan.set(3, 0, f64::NAN);
    let e = Combat::fit(&nan, &["a", "a", "b", "b", "b"], None, opts).expect_err("NaN");
    assert!(e.to_string().contains("row 3, column 0"), "{e}");
    let fit = Combat::fit(&x, &["a", "a", "b", "b", "b"], None, opts).expect("fit");
    let e = fit
        .transform(&x, &["a", "a", "b", "b", "z"], None)
        .expect_err("unknown batch");
    assert!(e.to_string().contains("row 4 has batch \"z\""), "{e}");
    // A covariate equal to a batch indicator is confounded with the batches.
    let cov =
        Matrix::from_rows(&[vec![0.0], vec![0.0], vec![1.0], vec![1.0], vec![1.0]]).expect("5x1");
    let e = Combat::fit(&x, &["a", "a", "b", "b", "b"], Some(&cov), opts).expect_err("confounded");
    assert!(
        matches!(e, StatsError::Numerical(_)) && e.to_string().contains("confounded"),
        "{e}"
    );
    let e = fit
        .transform(&x, &["a", "a", "b", "b", "b"], Some(&cov))
        .expect_err("unexpected covariates");
    assert!(e.to_string().contains("expected 5 × 0"), "{e}");
}
