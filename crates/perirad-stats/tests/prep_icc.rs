//! ICC against `vectors/icc.json` (psych::ICC formulas at full precision): Shrout & Fleiss
//! (1979) Table 2, pingouin's wine data, and 20 HCC-TACE-Seg features × 2 "raters" with the ICC
//! > 0.75 / 0.9 keep sets.

mod common;

use common::{num_rows, nums, stats_csv, usizes, vector, Check};
use perirad_stats::icc::{icc, icc_filter, IccForm, IccKind, IccTable};
use perirad_stats::Matrix;
use serde_json::Value;

fn check_table(m: &mut Check, case: &str, t: &IccTable, want: &Value, tol: &Value) {
    let tv = |k: &str| tol[k].as_f64().expect("tolerance");
    for (name, f) in [
        ("ICC1", t.icc1),
        ("ICC2", t.icc2),
        ("ICC3", t.icc3),
        ("ICC1k", t.icc1k),
        ("ICC2k", t.icc2k),
        ("ICC3k", t.icc3k),
    ] {
        let w = &want[name];
        let c = |m: &mut Check, key: &str, got: f64, tol: f64| {
            m.close_rel(
                &format!("{case}/{name}/{key}"),
                got,
                w[key].as_f64().expect("value"),
                0.0,
                tol,
            );
        };
        let IccForm {
            icc,
            f,
            df1,
            df2,
            p_value,
            ci_lower,
            ci_upper,
        } = f;
        c(m, "ICC", icc, tv("ICC"));
        c(m, "F", f, tv("F"));
        c(m, "df1", df1, 0.0);
        c(m, "df2", df2, 0.0);
        c(m, "pval", p_value, tv("pval"));
        c(m, "CI95_lower", ci_lower, tv("CI"));
        c(m, "CI95_upper", ci_upper, tv("CI"));
    }
    let ms = &want["mean_squares"];
    for (key, got) in [
        ("MSR_between_targets", t.msr),
        ("MSC_between_raters", t.msc),
        ("MSE_residual", t.mse),
        ("MSW_within_targets", t.msw),
    ] {
        m.close_rel(
            &format!("{case}/{key}"),
            got,
            ms[key].as_f64().expect("ms"),
            1e-12,
            1e-12,
        );
    }
    m.close_rel(
        &format!("{case}/v"),
        t.v,
        want["welch_df_v_for_ICC2_CI"].as_f64().expect("v"),
        1e-10,
        0.0,
    );
}

#[test]
fn icc_matches_psych_formulas() {
    let v = vector("icc.json");
    let tol = &v["tolerance"];
    let mut m = Check::default();
    for case in ["shrout_fleiss_1979", "pingouin_wine"] {
        let x = Matrix::from_rows(&num_rows(&v["inputs"][case]["matrix_targets_x_raters"]))
            .expect("matrix");
        let t = icc(&x, 0.95).expect("icc");
        check_table(&mut m, case, &t, &v["outputs"][case], tol);
        // pingouin's own ICC values agree (it rounds only its intervals).
        for (name, got) in [
            ("ICC1", t.icc1.icc),
            ("ICC2", t.icc2.icc),
            ("ICC3", t.icc3.icc),
        ] {
            let w = v["outputs"]["pingouin_icc_check"][case][name]
                .as_f64()
                .expect("pingouin");
            m.close_rel(&format!("{case}/pingouin/{name}"), got, w, 0.0, 1e-10);
        }
    }
    // Published 2-decimal values of Shrout & Fleiss (1979).
    let x = Matrix::from_rows(&num_rows(
        &v["inputs"]["shrout_fleiss_1979"]["matrix_targets_x_raters"],
    ))
    .expect("sf");
    let t = icc(&x, 0.95).expect("icc");
    let published = &v["inputs"]["shrout_fleiss_1979"]["published_values_2dp"];
    for (name, kind) in [
        ("ICC1", IccKind::Icc1),
        ("ICC2", IccKind::Icc2),
        ("ICC3", IccKind::Icc3),
        ("ICC1k", IccKind::Icc1k),
        ("ICC2k", IccKind::Icc2k),
        ("ICC3k", IccKind::Icc3k),
    ] {
        let got = (t.form(kind).icc * 100.0).round() / 100.0;
        m.close_rel(
            &format!("published {name}"),
            got,
            published[name].as_f64().expect("published"),
            0.0,
            1e-12,
        );
    }

    // Radiomics two-rater case.
    let rc = &v["inputs"]["radiomics_two_raters"];
    let cols: Vec<String> = rc["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|s| s.as_str().expect("name").to_string())
        .collect();
    let table = stats_csv(rc["file"].as_str().expect("file"));
    let rater = table.numbers("rater");
    let subject = table.numbers("subject");
    let all = table.matrix(&cols);
    let rows_of = |r: f64| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..rater.len()).filter(|&i| rater[i] == r).collect();
        idx.sort_by(|&a, &b| subject[a].total_cmp(&subject[b]));
        idx
    };
    let raters = [
        all.select_rows(&rows_of(1.0)),
        all.select_rows(&rows_of(2.0)),
    ];
    let per = &v["outputs"]["radiomics_two_raters_per_feature"];
    for (j, name) in cols.iter().enumerate() {
        let x = Matrix::from_rows(
            &(0..raters[0].rows())
                .map(|i| vec![raters[0].get(i, j), raters[1].get(i, j)])
                .collect::<Vec<_>>(),
        )
        .expect("n x 2");
        let t = icc(&x, 0.95).expect("icc");
        let w = &per[name];
        for (key, got, tl) in [
            ("ICC1", t.icc1.icc, 1e-10),
            ("ICC2", t.icc2.icc, 1e-10),
            ("ICC3", t.icc3.icc, 1e-10),
        ] {
            m.close_rel(
                &format!("{name}/{key}"),
                got,
                w[key].as_f64().expect("icc"),
                0.0,
                tl,
            );
        }
        let ci2 = nums(&w["ICC2_CI95"]);
        let ci3 = nums(&w["ICC3_CI95"]);
        m.close_rel(
            &format!("{name}/ICC2 lower"),
            t.icc2.ci_lower,
            ci2[0],
            0.0,
            1e-6,
        );
        m.close_rel(
            &format!("{name}/ICC2 upper"),
            t.icc2.ci_upper,
            ci2[1],
            0.0,
            1e-6,
        );
        m.close_rel(
            &format!("{name}/ICC3 lower"),
            t.icc3.ci_lower,
            ci3[0],
            0.0,
            1e-6,
        );
        m.close_rel(
            &format!("{name}/ICC3 upper"),
            t.icc3.ci_upper,
            ci3[1],
            0.0,
            1e-6,
        );
    }
    for (key, kind, th) in [
        ("ICC3_gt_0.75", IccKind::Icc3, 0.75),
        ("ICC3_gt_0.9", IccKind::Icc3, 0.9),
        ("ICC2_gt_0.75", IccKind::Icc2, 0.75),
        ("ICC2_gt_0.9", IccKind::Icc2, 0.9),
    ] {
        let (_, kept) = icc_filter(&raters, kind, th).expect("filter");
        m.equal(
            key,
            kept,
            usizes(&v["outputs"]["radiomics_kept_indices"][key]),
        );
    }
    m.finish("icc.json");
}

#[test]
fn icc_degenerate_inputs() {
    let e = icc(&Matrix::from_rows(&[vec![1.0, 2.0]]).expect("1x2"), 0.95).expect_err("one target");
    assert!(e.to_string().contains("at least 2 targets"), "{e}");
    let same = Matrix::from_rows(&[vec![3.0, 3.0], vec![3.0, 3.0]]).expect("2x2");
    let e = icc(&same, 0.95).expect_err("no variance");
    assert!(e.to_string().contains("no variance between targets"), "{e}");
    let nan = Matrix::from_rows(&[vec![1.0, 2.0], vec![f64::NAN, 3.0]]).expect("2x2");
    let e = icc(&nan, 0.95).expect_err("NaN");
    assert!(e.to_string().contains("row 1, column 0"), "{e}");
    let e = icc_filter(
        &[Matrix::zeros(3, 2), Matrix::zeros(3, 3)],
        IccKind::Icc3,
        0.9,
    )
    .expect_err("shapes");
    assert!(e.to_string().contains("rater 1 is 3 × 3"), "{e}");
}
