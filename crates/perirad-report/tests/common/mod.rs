//! The rich fixture report shared by the render and browser tests: two outcomes (a binary one with
//! every curve and a nomogram, a survival one with Kaplan-Meier curves), three slices, excluded
//! cases, and names with markup in them to check escaping. The numbers are shaped like a study's
//! but made up: these tests check drawing, not statistics.

#![allow(dead_code)]

use perirad_report::data::*;

pub const HOSTILE: &str = "<script>alert('x')</script>&\"";

fn metric(value: f64, half: f64, n: usize) -> Metric {
    Metric {
        value,
        ci_lower: Some(value - half),
        ci_upper: Some((value + half).min(1.0)),
        n,
    }
}

/// A smooth concave ROC curve, tpr = fpr^k.
fn roc(k: f64) -> Roc {
    let fpr: Vec<f64> = (0..=20).map(|i| f64::from(i) / 20.0).collect();
    let tpr = fpr.iter().map(|f| f.powf(k)).collect();
    Roc { fpr, tpr }
}

fn calibration(bias: f64) -> CalibrationCurve {
    let predicted: Vec<f64> = (0..8).map(|i| 0.08 + f64::from(i) * 0.11).collect();
    let observed = predicted
        .iter()
        .map(|p| (p + bias * (p - 0.5)).clamp(0.0, 1.0))
        .collect();
    CalibrationCurve {
        predicted,
        observed,
        group_sizes: vec![5; 8],
        slope: 1.0 + bias,
        intercept: -0.05,
        brier: 0.18,
        hl_p: Some(0.42),
    }
}

fn decision(gain: f64) -> DecisionCurve {
    let prevalence = 0.35;
    let thresholds: Vec<f64> = (1..=60).map(|i| f64::from(i) / 100.0).collect();
    let treat_all = thresholds
        .iter()
        .map(|t| prevalence - (1.0 - prevalence) * t / (1.0 - t))
        .collect();
    let model = thresholds
        .iter()
        .map(|t| (prevalence - t * 0.4) * gain * (1.0 - t))
        .collect();
    DecisionCurve {
        thresholds,
        model,
        treat_all,
    }
}

fn km(label: &str, hazard: f64, p: f64) -> KmCurve {
    let mut time = vec![0.0];
    let mut survival = vec![1.0];
    for i in 1..=14 {
        let t = f64::from(i) * 4.0;
        time.push(t);
        survival.push((-hazard * t).exp());
    }
    KmCurve {
        label: label.into(),
        time,
        survival,
        logrank_p: Some(p),
    }
}

fn model(name: &str, family: &str, regions: &[&str], ring: Option<f64>, auc: f64) -> ModelReport {
    let k = (1.0 - auc) / auc;
    ModelReport {
        name: name.into(),
        family: family.into(),
        regions: regions.iter().map(|s| s.to_string()).collect(),
        ring_mm: ring,
        train: metric((auc + 0.06).min(0.99), 0.05, 84),
        validation: metric(auc, 0.08, 36),
        roc: Some(roc(k)),
        calibration: Some(calibration(auc - 0.8)),
        decision: Some(decision(auc)),
        km: Vec::new(),
        selected: vec![
            ("original_glszm_ZoneEntropy".into(), 0.84 * auc),
            ("wavelet-LLH_glcm_Idmn".into(), -0.41),
            (HOSTILE.into(), 0.003),
        ],
    }
}

fn binary_outcome() -> OutcomeReport {
    let mut models = vec![
        model("Clinical", "clinical", &[], None, 0.64),
        model("Tumor", "tumor", &["tumor"], None, 0.71),
    ];
    for (w, a) in [(2.0, 0.66), (5.0, 0.74), (10.0, 0.70), (20.0, 0.61)] {
        models.push(model(
            &format!("Ring {w} mm"),
            "peritumoral",
            &["ring"],
            Some(w),
            a,
        ));
    }
    for (w, a) in [(2.0, 0.75), (5.0, 0.83), (10.0, 0.78), (20.0, 0.72)] {
        models.push(model(
            &format!("Tumor + ring {w} mm"),
            "tumor+peritumoral",
            &["tumor", "ring"],
            Some(w),
            a,
        ));
    }
    models.push(model(
        "Combined + clinical",
        "combined",
        &["tumor", "ring5mm"],
        Some(5.0),
        0.85,
    ));
    // A model with no selected features and missing metrics.
    let mut empty = model("Null model", "clinical", &[], None, 0.5);
    empty.selected.clear();
    empty.validation = Metric {
        value: f64::NAN,
        ci_lower: None,
        ci_upper: None,
        n: 0,
    };
    empty.roc = None;
    empty.calibration = None;
    empty.decision = None;
    models.push(empty);
    let comparisons = models
        .iter()
        .filter(|m| m.family.contains("peritumoral") || m.family == "combined")
        .map(|m| Comparison {
            model: m.name.clone(),
            reference: "Tumor".into(),
            auc_model: m.validation.value,
            auc_reference: 0.71,
            difference: m.validation.value - 0.71,
            p_value: (0.9 - (m.validation.value - 0.6) * 4.0).clamp(0.0004, 0.95),
        })
        .collect();
    let ring_curves = vec![
        RingCurve {
            label: "ring alone".into(),
            width_mm: vec![2.0, 5.0, 10.0, 20.0],
            value: vec![0.66, 0.74, 0.70, 0.61],
            ci_lower: vec![0.57, 0.66, 0.61, 0.52],
            ci_upper: vec![0.75, 0.82, 0.79, 0.70],
            reference: Some(0.71),
        },
        RingCurve {
            label: "tumor + ring".into(),
            width_mm: vec![2.0, 5.0, 10.0, 20.0],
            value: vec![0.75, 0.83, 0.78, 0.72],
            ci_lower: vec![0.67, 0.76, 0.70, 0.63],
            ci_upper: vec![0.83, 0.90, 0.86, 0.81],
            reference: Some(0.71),
        },
    ];
    OutcomeReport {
        name: "MVI".into(),
        kind: OutcomeKind::Binary,
        positives: vec![("training".into(), 30), ("validation".into(), 13)],
        design: "train/test split by column set".into(),
        models,
        comparisons,
        ring_curves,
        nomogram: Some(Nomogram {
            intercept: -3.1,
            variables: vec![
                NomogramVariable {
                    name: "Rad-score".into(),
                    coefficient: 1.8,
                    min: -1.5,
                    max: 2.5,
                },
                NomogramVariable {
                    name: "AFP > 400 ng/mL".into(),
                    coefficient: 0.9,
                    min: 0.0,
                    max: 1.0,
                },
                NomogramVariable {
                    name: "Tumor size (cm)".into(),
                    coefficient: 0.21,
                    min: 1.0,
                    max: 12.0,
                },
            ],
        }),
    }
}

fn survival_outcome() -> OutcomeReport {
    let mut models = Vec::new();
    for (name, family, c, p) in [
        ("Clinical", "clinical", 0.60, 0.21),
        ("Tumor", "tumor", 0.66, 0.04),
        ("Tumor + ring 5 mm", "tumor+peritumoral", 0.72, 0.002),
    ] {
        let mut m = model(name, family, &["tumor"], None, c);
        m.roc = None;
        m.calibration = None;
        m.decision = None;
        m.km = vec![
            km("low risk", 0.006, p),
            km("high risk", 0.006 + (c - 0.55) * 0.12, p),
        ];
        if family == "clinical" {
            // A group label with markup: it reaches the SVG legend through plotters.
            m.km[1].label = format!("high risk {HOSTILE}");
        }
        models.push(m);
    }
    OutcomeReport {
        name: "RFS".into(),
        kind: OutcomeKind::Survival,
        positives: vec![("training".into(), 41), ("validation".into(), 17)],
        design: "train/test split by column set".into(),
        models,
        comparisons: Vec::new(),
        ring_curves: vec![RingCurve {
            label: "tumor + ring".into(),
            width_mm: vec![2.0, 5.0, 10.0, 20.0],
            value: vec![0.68, 0.72, 0.69, 0.65],
            ci_lower: vec![0.60, 0.64, 0.61, 0.57],
            ci_upper: vec![0.76, 0.80, 0.77, 0.73],
            reference: Some(0.66),
        }],
        nomogram: None,
    }
}

/// A 96×96 synthetic slice: a bright liver disc, a darker tumor, rings around it.
fn slice(case: &str, tumor_r: f64, seed: u32) -> SliceFigure {
    let (w, h) = (96usize, 80usize);
    let (cx, cy) = (50.0, 40.0);
    let mut gray = Vec::with_capacity(w * h);
    let mut tumor = vec![0u8; w * h];
    let mut ring2 = vec![0u8; w * h];
    let mut ring5 = vec![0u8; w * h];
    let mut state = seed;
    for y in 0..h {
        for x in 0..w {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = f64::from((state >> 16) % 21) - 10.0;
            let d = ((x as f64 - cx).powi(2) + ((y as f64 - cy) * 1.1).powi(2)).sqrt();
            let liver =
                ((x as f64 - 45.0) / 40.0).powi(2) + ((y as f64 - 40.0) / 32.0).powi(2) <= 1.0;
            let base = if d <= tumor_r {
                85.0
            } else if liver {
                150.0
            } else {
                25.0
            };
            gray.push((base + noise).clamp(0.0, 255.0) as u8);
            let i = y * w + x;
            tumor[i] = u8::from(d <= tumor_r);
            ring2[i] = u8::from(d > tumor_r && d <= tumor_r + 3.0);
            ring5[i] = u8::from(d > tumor_r + 3.0 && d <= tumor_r + 7.0);
        }
    }
    SliceFigure {
        case_id: case.into(),
        caption: format!("slice {} of 48, MVI positive", 20 + seed),
        width: w,
        height: h,
        spacing: [0.8, 0.8],
        gray,
        overlays: vec![
            Overlay {
                name: "tumor".into(),
                mask: tumor,
            },
            Overlay {
                name: "ring2mm".into(),
                mask: ring2,
            },
            Overlay {
                name: "ring5mm".into(),
                mask: ring5,
            },
        ],
    }
}

pub fn rich_report() -> StudyReport {
    StudyReport {
        title: "Peritumoral radiomics of HCC: MVI & recurrence".into(),
        perirad_version: "0.1.0".into(),
        generated: "2026-11-27T17:00:00Z".into(),
        cohort: Cohort {
            n_cases: 123,
            n_included: 120,
            excluded: vec![
                ExcludedCase {
                    case_id: "HCC-017".into(),
                    reason: "tumor mask empty on every slice".into(),
                },
                ExcludedCase {
                    case_id: "HCC-058".into(),
                    reason: "arterial phase missing".into(),
                },
                ExcludedCase {
                    case_id: HOSTILE.into(),
                    reason: "missing outcome <MVI>".into(),
                },
            ],
            sets: vec![("training".into(), 84), ("validation".into(), 36)],
            phases: vec!["arterial".into(), "portal".into()],
            regions: vec![
                "tumor".into(),
                "ring2mm".into(),
                "ring5mm".into(),
                "ring10mm".into(),
                "ring20mm".into(),
            ],
            n_features_per_region: 107,
        },
        settings: vec![
            ("Parameter file".into(), "params/ct_hcc.yaml".into()),
            (
                "Regions".into(),
                "tumor, rings 2/5/10/20 mm (liver-clipped)".into(),
            ),
            (
                "Pipeline".into(),
                "z-score → ICC ≥ 0.75 → mRMR 20 → LASSO (1-SE)".into(),
            ),
            ("Seed".into(), "20261127".into()),
        ],
        outcomes: vec![binary_outcome(), survival_outcome()],
        slices: vec![
            slice("HCC-003", 9.0, 1),
            slice("HCC-044", 14.0, 2),
            slice("HCC-101 & co", 6.0, 3),
        ],
    }
}

/// Names of the figures the rich report must contain (`data-figure` values with their counts).
pub const EXPECTED_FIGURES: [(&str, usize); 7] = [
    ("ring-width", 2),
    ("roc", 1),
    ("calibration", 1),
    ("decision", 1),
    ("km", 3),
    ("nomogram", 1),
    ("slice", 3),
];
