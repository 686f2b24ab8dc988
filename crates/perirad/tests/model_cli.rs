//! `perirad model`, `perirad predict` and `perirad compare` end to end, against the stats
//! reference vectors of `../shared/data/stats` (scikit-learn/python-glmnet pipeline,
//! statsmodels, pROC-equivalent DeLong).

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn stats() -> PathBuf {
    perirad_testdata::shared_data().join("stats")
}

fn perirad(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_perirad"))
        .args(args)
        .output()
        .expect("run perirad");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("read json")).expect("json")
}

/// A CSV with ID, Target and the named columns of a radMLBench dataset (rows in file order).
fn subset(dataset: &str, columns: &[&str], dir: &Path) -> PathBuf {
    let bytes =
        std::fs::read(stats().join("data").join(format!("{dataset}.csv.gz"))).expect("data");
    let mut text = String::new();
    GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let pick: Vec<usize> = ["ID", "Target"]
        .iter()
        .chain(columns)
        .map(|c| header.iter().position(|h| h == c).expect("column"))
        .collect();
    let mut out = String::new();
    out.push_str(
        &pick
            .iter()
            .map(|&i| header[i])
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for l in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = l.split(',').collect();
        out.push_str(&pick.iter().map(|&i| f[i]).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    let p = dir.join(format!("{dataset}_subset.csv"));
    std::fs::write(&p, out).expect("write subset");
    p
}

#[test]
fn default_pipeline_on_the_reference_folds_matches_the_reference_pipeline() {
    let s = stats();
    let table = s.join("data/Head-Neck-Radiomics-HN1.csv.gz");
    let folds = s.join("pipeline/fold_assignments.csv.gz");
    let (ok, out, err) = perirad(&[
        "model",
        "--table",
        table.to_str().expect("utf8"),
        "--id",
        "ID",
        "--target",
        "Target",
        "--folds",
        folds.to_str().expect("utf8"),
        "--folds-dataset",
        "Head-Neck-Radiomics-HN1",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let r = &json_file(&s.join("vectors/pipeline_reference.json"))["outputs"]
        ["Head-Neck-Radiomics-HN1"]["lambda_1se"];
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        (a.as_f64().expect("number") - b.as_f64().expect("number")).abs() < 1e-6
    };
    assert!(
        close(&v["auc"], &r["mean_fold_auc"]),
        "{} vs {}",
        v["auc"],
        r["mean_fold_auc"]
    );
    assert!(close(&v["auc_sd"], &r["sd_fold_auc"]));
    assert!(close(
        &v["pooled_auc_mean"],
        &r["mean_pooled_auc_per_repeat"]
    ));
    let pooled = v["pooled_auc_per_repeat"].as_array().expect("list");
    let want = r["pooled_auc_per_repeat"].as_array().expect("list");
    assert_eq!(pooled.len(), 10);
    for (a, b) in pooled.iter().zip(want) {
        assert!(close(a, b), "{a} vs {b}");
    }
    assert_eq!(v["fold_aucs"].as_array().expect("list").len(), 50);
    assert_eq!(v["selected_features"].as_array().expect("list").len(), 50);
    assert_eq!(
        v["settings"]["pipeline"],
        "zscore,corr:pearson:0.9:greedy,lasso:1se"
    );
}

#[test]
fn saved_logistic_model_predicts_the_statsmodels_probabilities() {
    let dir = tempfile::tempdir().expect("tmp");
    let v = json_file(&stats().join("vectors/logistic_regression.json"));
    let cols: Vec<&str> = v["inputs"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("name"))
        .collect();
    let table = subset("WORC-Liver", &cols, dir.path());
    let model = dir.path().join("m.json");
    let (ok, _, err) = perirad(&[
        "model",
        "--table",
        table.to_str().expect("utf8"),
        "--id",
        "ID",
        "--target",
        "Target",
        "--pipeline",
        "zscore,logistic",
        "--cv",
        "2x1",
        "--out",
        model.to_str().expect("utf8"),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = perirad(&[
        "predict",
        "--model",
        model.to_str().expect("utf8"),
        "--table",
        table.to_str().expect("utf8"),
    ]);
    assert!(ok, "{err}");
    let want = v["outputs"]["fitted_prob"].as_array().expect("fitted");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), want.len());
    for (line, w) in rows.iter().zip(want) {
        let p: f64 = line
            .rsplit(',')
            .next()
            .expect("prob")
            .parse()
            .expect("number");
        let w = w.as_f64().expect("number");
        assert!((p - w).abs() < 1e-8, "{line}: {p} vs statsmodels {w}");
    }
}

#[test]
fn compare_reproduces_the_paired_delong_test() {
    let dir = tempfile::tempdir().expect("tmp");
    let case = &json_file(&stats().join("vectors/roc_delong.json"))["cases"]["WORC-Liver"];
    let a = case["score_names"][0].as_str().expect("name");
    let b = case["score_names"][1].as_str().expect("name");
    let table = subset("WORC-Liver", &[a, b], dir.path());
    let (ok, out, err) = perirad(&[
        "compare",
        "--table",
        table.to_str().expect("utf8"),
        "--id",
        "ID",
        "--target",
        "Target",
        "--score",
        a,
        "--score",
        b,
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let t = &v["delong"][0];
    for (got, want) in [
        (&t["auc_a"], &case["auc"][0]),
        (&t["auc_b"], &case["auc"][1]),
        (&t["z"], &case["test"]["z"]),
        (&t["p_value"], &case["test"]["p_two_sided"]),
        (&v["aucs"][0]["ci_lower"], &case["ci95_lower"][0]),
        (&v["aucs"][1]["ci_upper"], &case["ci95_upper"][1]),
    ] {
        let (g, w) = (got.as_f64().expect("num"), want.as_f64().expect("num"));
        assert!((g - w).abs() < 1e-10, "{g} vs {w}");
    }
    // The text table names both scores.
    let (ok, out, _) = perirad(&[
        "compare",
        "--table",
        table.to_str().expect("utf8"),
        "--id",
        "ID",
        "--target",
        "Target",
        "--score",
        a,
        "--score",
        b,
    ]);
    assert!(ok && out.contains(a) && out.contains("DeLong"), "{out}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn small_table(rows: usize, positives: usize, cell: impl Fn(usize, usize) -> String) -> String {
    let mut t = String::from("id,y,f0,f1,f2\n");
    for r in 0..rows {
        let y = usize::from(r < positives);
        t.push_str(&format!(
            "p{r},{y},{},{},{}\n",
            cell(r, 0),
            cell(r, 1),
            cell(r, 2)
        ));
    }
    t
}

fn model_err(table: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "model",
        "--table",
        table.to_str().expect("utf8"),
        "--id",
        "id",
        "--target",
        "y",
    ];
    args.extend_from_slice(extra);
    let (ok, _, err) = perirad(&args);
    (ok, err)
}

#[test]
fn bad_tables_give_clear_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let num = |r: usize, c: usize| format!("{}", ((r * 7 + c * 13) % 11) as f64 * 0.5);
    // A missing cell names the case and the column.
    let t = write(
        dir.path(),
        "missing.csv",
        &small_table(30, 12, |r, c| {
            if r == 4 && c == 1 {
                "NA".into()
            } else {
                num(r, c)
            }
        }),
    );
    let (ok, err) = model_err(&t, &[]);
    assert!(
        !ok && err.contains("case p4") && err.contains("\"f1\"") && err.contains("missing"),
        "{err}"
    );
    // A non-numeric cell names the value and suggests --exclude.
    let t = write(
        dir.path(),
        "text.csv",
        &small_table(30, 12, |r, c| {
            if r == 2 && c == 2 {
                "high".into()
            } else {
                num(r, c)
            }
        }),
    );
    let (ok, err) = model_err(&t, &[]);
    assert!(
        !ok && err.contains("\"high\"") && err.contains("--exclude"),
        "{err}"
    );
    // ... and --exclude makes the table usable.
    let (ok, err) = model_err(&t, &["--exclude", "f2", "--cv", "3x1"]);
    assert!(ok, "{err}");
    // A single class.
    let t = write(dir.path(), "oneclass.csv", &small_table(30, 0, num));
    let (ok, err) = model_err(&t, &[]);
    assert!(!ok && err.contains("single class"), "{err}");
    // Fewer positives than folds.
    let t = write(dir.path(), "few.csv", &small_table(30, 3, num));
    let (ok, err) = model_err(&t, &["--cv", "5x1"]);
    assert!(!ok && err.contains("fold"), "{err}");
    // A target that is not binary.
    let t = write(
        dir.path(),
        "target.csv",
        &small_table(30, 12, num).replace("p3,1,", "p3,2,"),
    );
    let (ok, err) = model_err(&t, &[]);
    assert!(
        !ok && err.contains("case p3") && err.contains("--positive"),
        "{err}"
    );
    // A bad pipeline.
    let t = write(dir.path(), "ok.csv", &small_table(30, 12, num));
    let (ok, err) = model_err(&t, &["--pipeline", "zscore,boost"]);
    assert!(!ok && err.contains("unknown step"), "{err}");
}

#[test]
fn constant_columns_are_kept_listed_and_get_no_weight() {
    let dir = tempfile::tempdir().expect("tmp");
    let t = write(
        dir.path(),
        "const.csv",
        &small_table(40, 16, |r, c| {
            if c == 1 {
                "3.0".into()
            } else {
                format!(
                    "{}",
                    ((r * 7 + c * 13) % 11) as f64 + if r < 16 && c == 0 { 4.0 } else { 0.0 }
                )
            }
        }),
    );
    let (ok, out, err) = perirad(&[
        "model",
        "--table",
        t.to_str().expect("utf8"),
        "--id",
        "id",
        "--target",
        "y",
        "--cv",
        "4x2",
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["settings"]["constant_features"],
        serde_json::json!(["f1"])
    );
    for sel in v["selected_features"].as_array().expect("list") {
        assert!(
            !sel.as_array().expect("list").iter().any(|f| f == "f1"),
            "{sel}"
        );
    }
}

/// The `external_half` case of `calibration.json`: statsmodels Logit on the even rows of
/// WORC-Liver (four features), evaluated on the odd rows. A z-scored unpenalised logistic
/// regression gives the same probabilities, so perirad's train/test and external designs must
/// reproduce the reference's Brier score, calibration and Hosmer-Lemeshow test.
#[test]
fn split_and_external_designs_match_the_statsmodels_validation() {
    let dir = tempfile::tempdir().expect("tmp");
    let cal = json_file(&stats().join("vectors/calibration.json"));
    let cols: Vec<String> = json_file(&stats().join("vectors/logistic_regression.json"))["inputs"]
        ["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("name").to_string())
        .collect();
    let colrefs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let table = subset("WORC-Liver", &colrefs, dir.path());
    let text = std::fs::read_to_string(&table).expect("subset");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let mut split = format!("{header},set\n");
    let mut train = format!("{header}\n");
    let mut ext = format!("{header}\n");
    for (i, r) in rows.iter().enumerate() {
        let even = i % 2 == 0;
        split.push_str(&format!("{r},{}\n", if even { "train" } else { "test" }));
        if even {
            train.push_str(&format!("{r}\n"));
        } else {
            ext.push_str(&format!("{r}\n"));
        }
    }
    let split_p = write(dir.path(), "split.csv", &split);
    let train_p = write(dir.path(), "train.csv", &train);
    let ext_p = write(dir.path(), "ext.csv", &ext);
    let want = &cal["cases"]["external_half"]["outputs"];
    let check = |v: &serde_json::Value, key: &str| {
        let e = &v[key];
        let c = &e["calibration"];
        let pairs = [
            (&e["brier"], &want["brier"]),
            (&c["brier_scaled"], &want["brier_scaled"]),
            (&c["calibration_slope"], &want["calibration_slope"]),
            (
                &c["calibration_in_the_large"],
                &want["calibration_in_the_large"],
            ),
            (
                &c["recalibration_intercept"],
                &want["recalibration_intercept_with_slope"],
            ),
            (
                &e["hosmer_lemeshow"]["chi2"],
                &want["hosmer_lemeshow_R_hoslem_test_g10"]["chi2"],
            ),
        ];
        for (g, w) in pairs {
            let (g, w) = (g.as_f64().expect("value"), w.as_f64().expect("reference"));
            assert!((g - w).abs() < 1e-7 * w.abs().max(1.0), "{key}: {g} vs {w}");
        }
        assert_eq!(e["n"], 93);
    };
    let base = [
        "--id",
        "ID",
        "--target",
        "Target",
        "--pipeline",
        "zscore,logistic",
        "--json",
    ];
    let mut a = vec![
        "model",
        "--table",
        split_p.to_str().expect("utf8"),
        "--split",
        "set",
    ];
    a.extend_from_slice(&base);
    let (ok, out, err) = perirad(&a);
    assert!(ok, "{err}");
    check(&serde_json::from_str(&out).expect("json"), "test");
    let mut a = vec![
        "model",
        "--table",
        train_p.to_str().expect("utf8"),
        "--external",
        ext_p.to_str().expect("utf8"),
    ];
    a.extend_from_slice(&base);
    let (ok, out, err) = perirad(&a);
    assert!(ok, "{err}");
    check(&serde_json::from_str(&out).expect("json"), "external");
}

/// A survival outcome: `--time/--event` with an unpenalised Cox model (Efron ties) on the rossi
/// data. The final model's coefficients are the statsmodels/lifelines/R fit of `cox_ph.json`,
/// `perirad predict` gives its uncentred linear predictors, and the apparent C-index of the
/// training rows in a train/test design with every row in training is the reference C.
#[test]
fn survival_outcome_fits_the_reference_cox_model() {
    let dir = tempfile::tempdir().expect("tmp");
    let v = json_file(&stats().join("vectors/cox_ph.json"));
    let efron = &v["cases"]["rossi"]["fits"]["efron"];
    let text = std::fs::read_to_string(stats().join("data/rossi.csv")).expect("rossi");
    let mut csv = String::new();
    for (i, l) in text.lines().enumerate() {
        csv.push_str(&if i == 0 {
            format!("id,{l},set\n")
        } else {
            format!("r{i},{l},train\n")
        });
    }
    let table = write(dir.path(), "rossi.csv", &csv);
    let model = dir.path().join("cox.json");
    let t = table.to_str().expect("utf8");
    let (ok, out, err) = perirad(&[
        "model",
        "--table",
        t,
        "--id",
        "id",
        "--time",
        "week",
        "--event",
        "arrest",
        "--pipeline",
        "cox",
        "--cv",
        "3x1",
        "--exclude",
        "set",
        "--json",
        "--out",
        model.to_str().expect("utf8"),
    ]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(j["fold_c_indices"].as_array().expect("folds").len(), 3);
    let c = j["c_index"].as_f64().expect("c");
    assert!(c > 0.55 && c < 0.75, "cross-validated C {c}");
    let want = efron["coef"].as_array().expect("coef");
    let got = j["final_model"]["selected"].as_array().expect("selected");
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        let (g, w) = (
            g["coefficient"].as_f64().expect("num"),
            w.as_f64().expect("num"),
        );
        assert!((g - w).abs() < 1e-6, "coefficient {g} vs {w}");
    }
    let (ok, out, err) = perirad(&[
        "predict",
        "--model",
        model.to_str().expect("utf8"),
        "--table",
        t,
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("id,radscore\n"), "{out}");
    for (line, w) in out.lines().skip(1).zip(
        efron["linear_predictor_uncentered_first10"]
            .as_array()
            .expect("lp"),
    ) {
        let g: f64 = line
            .rsplit(',')
            .next()
            .expect("lp")
            .parse()
            .expect("number");
        assert!((g - w.as_f64().expect("num")).abs() < 1e-6, "{line} vs {w}");
    }
    // Train/test design with an empty test set is refused; external validation on the same rows
    // gives the apparent C-index of the reference.
    let (ok, out, err) = perirad(&[
        "model",
        "--table",
        t,
        "--id",
        "id",
        "--time",
        "week",
        "--event",
        "arrest",
        "--pipeline",
        "cox",
        "--exclude",
        "set",
        "--external",
        t,
        "--json",
    ]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).expect("json");
    let want_c = efron["concordance_sksurv"]["cindex"].as_f64().expect("c");
    let got_c = j["external"]["c_index"].as_f64().expect("c");
    assert!((got_c - want_c).abs() < 1e-9, "C {got_c} vs {want_c}");
    assert!(j["external"]["logrank_p"].as_f64().expect("p") < 0.05);
    // A binary model with a survival outcome is refused with a clear message.
    let (ok, _, err) = perirad(&[
        "model",
        "--table",
        t,
        "--id",
        "id",
        "--time",
        "week",
        "--event",
        "arrest",
        "--pipeline",
        "zscore,lasso",
        "--exclude",
        "set",
    ]);
    assert!(!ok && err.contains("survival"), "{err}");
}
