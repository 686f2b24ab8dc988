//! mRMR against `vectors/mrmr.json`: FCQ (mrmr-selection) on the 105 WORC-Liver MR_original
//! features, MID/MIQ (pymrmr, Peng's C++) on the 3-level discretised data of
//! `mrmr_discretized.csv`; K = 10, selection order exact.

mod common;

use common::{dataset, nums, stats_csv, usizes, vector, Check};
use perirad_stats::mrmr::{discretize_three_levels, mrmr_fcq, mrmr_mi, MiScheme};
use perirad_stats::Matrix;

#[test]
fn mrmr_matches_mrmr_selection_and_pymrmr() {
    let v = vector("mrmr.json");
    let out = &v["outputs"];
    let k = usize::try_from(v["options"]["K"].as_u64().expect("K")).expect("K fits");
    let eps = v["options"]["MIQ_denominator_epsilon_in_python_check"]
        .as_f64()
        .expect("eps");
    let ftol = v["tolerance"]["F"].as_f64().expect("F tolerance");
    let d = dataset("WORC-Liver");
    let idx: Vec<usize> = (0..d.features.len())
        .filter(|&j| d.features[j].starts_with("MR_original_"))
        .collect();
    let x = d.x.select_cols(&idx);
    let mut m = Check::default();

    let fcq = mrmr_fcq(&x, &d.target, k).expect("FCQ");
    m.equal(
        "FCQ selected",
        fcq.selected.clone(),
        usizes(&out["FCQ_selected_indices"]),
    );
    for (j, (g, w)) in fcq
        .relevance
        .iter()
        .zip(nums(&out["FCQ_relevance_F"]))
        .enumerate()
    {
        m.close_rel(&format!("F[{j}]"), *g, w, ftol, ftol);
    }

    // The discretisation reproduces the stored file; then MID / MIQ on it.
    let t = stats_csv(v["inputs"]["discretized_file"].as_str().expect("file"));
    let names: Vec<String> = idx.iter().map(|&j| d.features[j].clone()).collect();
    let stored = t.matrix(&names);
    let ours = discretize_three_levels(&x, 0.5).expect("discretise");
    m.equal(
        "discretised data",
        ours.as_slice().to_vec(),
        stored.as_slice().to_vec(),
    );
    let y: Vec<bool> = t.numbers("class").iter().map(|&c| c != 0.0).collect();
    m.equal("class column", y.clone(), d.target.clone());
    for (key, scheme, check) in [
        (
            "MID_selected_indices_pymrmr",
            MiScheme::Mid,
            "MID_python_check",
        ),
        (
            "MIQ_selected_indices_pymrmr",
            MiScheme::Miq { eps },
            "MIQ_python_check",
        ),
    ] {
        let sel = mrmr_mi(&stored, &y, k, scheme).expect("MI mRMR");
        m.equal(key, sel.selected.clone(), usizes(&out[key]));
        for (i, (g, w)) in sel
            .scores
            .iter()
            .zip(nums(&out[check]["scores"]))
            .enumerate()
        {
            m.close_rel(&format!("{check} score {i}"), *g, w, 1e-12, 1e-12);
        }
    }
    m.finish("mrmr.json");
}

#[test]
fn mrmr_degenerate_inputs() {
    let x = Matrix::from_rows(&[vec![1.0, 0.0], vec![2.0, 1.0], vec![3.0, 0.0]]).expect("3x2");
    let e = mrmr_fcq(&x, &[true, true, true], 1).expect_err("single class");
    assert!(e.to_string().contains("both classes"), "{e}");
    let e = mrmr_mi(&x, &[true, false, true], 3, MiScheme::Mid).expect_err("K > features");
    assert!(e.to_string().contains("K must be in 1..=2"), "{e}");
    let c = Matrix::from_rows(&[vec![1.0, 5.0], vec![2.0, 5.0]]).expect("2x2");
    let e = discretize_three_levels(&c, 0.5).expect_err("constant");
    assert!(e.to_string().contains("column 1 is constant"), "{e}");
    // A constant feature has F = 0 and is never selected (fewer than K are returned).
    let c = Matrix::from_rows(&[
        vec![1.0, 5.0],
        vec![2.0, 5.0],
        vec![3.0, 5.0],
        vec![4.5, 5.0],
    ])
    .expect("4x2");
    let sel = mrmr_fcq(&c, &[true, true, false, false], 2).expect("fcq");
    assert_eq!(sel.selected, vec![0]);
}
