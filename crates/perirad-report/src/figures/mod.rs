//! The report's figures. Each builder takes report data and returns a [`Figure`] (an SVG or an
//! image plus title and caption), or `None` when there is nothing to draw; the HTML then says "n/a".

pub mod chart;
pub mod nomogram;
pub mod slice;

use crate::data::{KmCurve, ModelReport, OutcomeKind, OutcomeReport, RingCurve};
use crate::text::{escape, num, p_value};
use crate::ReportError;
use chart::{Chart, Legend, Series};

/// One figure ready for the page.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Short machine name, used in the element id and `data-figure` attribute ("roc", "km", ...).
    pub kind: &'static str,
    /// Title (plain text; escaped when written).
    pub title: String,
    /// The figure itself: an `<svg>` document or an `<img>` element.
    pub body: String,
    /// Caption, already HTML (built from escaped parts).
    pub caption: String,
}

/// The metric's name for an outcome kind.
pub fn metric_name(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Binary => "AUC",
        OutcomeKind::Survival => "C-index",
    }
}

/// The models drawn overlaid in one figure: all of them when there are few, otherwise the
/// clinical and tumor-only models, the best single ring, the best tumor + ring, the combined
/// model and the nomogram (best by validation metric). `has` picks the models with the curve.
pub fn main_models(
    outcome: &OutcomeReport,
    has: impl Fn(&ModelReport) -> bool,
) -> Vec<&ModelReport> {
    let with: Vec<&ModelReport> = outcome.models.iter().filter(|m| has(m)).collect();
    if with.len() <= 6 {
        return with;
    }
    let score = |m: &ModelReport| {
        if m.validation.value.is_finite() {
            m.validation.value
        } else {
            f64::NEG_INFINITY
        }
    };
    let mut out: Vec<&ModelReport> = Vec::new();
    for family in [
        "clinical",
        "tumor",
        "peritumoral",
        "tumor+peritumoral",
        "combined",
        "nomogram",
    ] {
        let best = with
            .iter()
            .filter(|m| m.family == family)
            .max_by(|a, b| score(a).total_cmp(&score(b)));
        if let Some(m) = best {
            out.push(m);
        }
    }
    if out.is_empty() {
        out = with.into_iter().take(6).collect();
    }
    out
}

fn figure_from(
    kind: &'static str,
    chart: &Chart,
    caption: String,
) -> Result<Option<Figure>, ReportError> {
    let drawn = chart::draw(chart)?;
    Ok(Some(Figure {
        kind,
        title: chart.title.clone(),
        body: drawn.svg,
        caption,
    }))
}

/// ROC curves of the main models on the validation set, with the chance diagonal.
pub fn roc_figure(outcome: &OutcomeReport) -> Result<Option<Figure>, ReportError> {
    let models = main_models(outcome, |m| {
        m.roc.as_ref().is_some_and(|r| !r.fpr.is_empty())
    });
    if models.is_empty() {
        return Ok(None);
    }
    let mut series = vec![Series::reference("chance", vec![(0.0, 0.0), (1.0, 1.0)])];
    for (i, m) in models.iter().enumerate() {
        if let Some(roc) = &m.roc {
            let pts = roc
                .fpr
                .iter()
                .copied()
                .zip(roc.tpr.iter().copied())
                .collect();
            let label = format!("{} (AUC {})", m.name, num(m.validation.value, 3));
            series.push(Series::line(label, pts, i));
        }
    }
    let chart = Chart {
        title: format!("{}: ROC curves (validation)", outcome.name),
        x_label: "1 − specificity (false-positive rate)".into(),
        y_label: "Sensitivity (true-positive rate)".into(),
        x: 0.0..1.0,
        y: 0.0..1.0,
        series,
        width: 560,
        height: 500,
        legend: Legend::LowerRight,
        x_ticks: None,
    };
    let caption = format!(
        "Receiver operating characteristic curves of the main models for {} on the validation set; \
         the dashed diagonal is chance. AUCs in the legend (validation).",
        escape(&outcome.name)
    );
    figure_from("roc", &chart, caption)
}

/// Calibration: observed fraction versus mean predicted probability per risk group.
pub fn calibration_figure(outcome: &OutcomeReport) -> Result<Option<Figure>, ReportError> {
    let models = main_models(outcome, |m| {
        m.calibration
            .as_ref()
            .is_some_and(|c| !c.predicted.is_empty())
    });
    if models.is_empty() {
        return Ok(None);
    }
    let mut series = vec![Series::reference("ideal", vec![(0.0, 0.0), (1.0, 1.0)])];
    for (i, m) in models.iter().enumerate() {
        if let Some(c) = &m.calibration {
            let pts = c
                .predicted
                .iter()
                .copied()
                .zip(c.observed.iter().copied())
                .collect();
            let label = format!("{} (slope {})", m.name, num(c.slope, 2));
            series.push(Series::line(label, pts, i).with_markers());
        }
    }
    let chart = Chart {
        title: format!("{}: calibration (validation)", outcome.name),
        x_label: "Mean predicted probability".into(),
        y_label: "Observed fraction".into(),
        x: 0.0..1.0,
        y: 0.0..1.0,
        series,
        width: 560,
        height: 500,
        legend: Legend::UpperLeft,
        x_ticks: None,
    };
    let caption = format!(
        "Calibration of the main models for {} on the validation set: observed event fraction \
         against mean predicted probability in risk groups; the dashed diagonal is perfect \
         calibration. Slopes, intercepts, Brier scores and Hosmer–Lemeshow p-values are in the \
         table below.",
        escape(&outcome.name)
    );
    figure_from("calibration", &chart, caption)
}

/// Decision curves: net benefit of the main models, treat-all and treat-none.
pub fn decision_figure(outcome: &OutcomeReport) -> Result<Option<Figure>, ReportError> {
    let models = main_models(outcome, |m| {
        m.decision
            .as_ref()
            .is_some_and(|d| !d.thresholds.is_empty())
    });
    if models.is_empty() {
        return Ok(None);
    }
    let finite = |v: &f64| v.is_finite();
    let mut t_lo = f64::INFINITY;
    let mut t_hi = f64::NEG_INFINITY;
    let mut nb_hi = f64::NEG_INFINITY;
    for m in &models {
        if let Some(d) = &m.decision {
            for &t in d.thresholds.iter().filter(|v| finite(v)) {
                t_lo = t_lo.min(t);
                t_hi = t_hi.max(t);
            }
            for &v in d
                .model
                .iter()
                .chain(d.treat_all.iter())
                .filter(|v| finite(v))
            {
                nb_hi = nb_hi.max(v);
            }
        }
    }
    let y_hi = if nb_hi.is_finite() && nb_hi > 0.0 {
        nb_hi * 1.1
    } else {
        0.1
    };
    let y_lo = -0.1 * y_hi.max(0.05);
    let mut series = Vec::new();
    // Treat-all from the first model that has one (it does not depend on the model).
    if let Some(d) = models.iter().filter_map(|m| m.decision.as_ref()).next() {
        let pts = d
            .thresholds
            .iter()
            .copied()
            .zip(d.treat_all.iter().copied())
            .collect();
        let mut s = Series::line("treat all", pts, 7);
        s.stroke = 1;
        series.push(s);
    }
    series.push(Series::reference(
        "treat none",
        vec![(t_lo, 0.0), (t_hi, 0.0)],
    ));
    for (i, m) in models.iter().enumerate() {
        if let Some(d) = &m.decision {
            let pts = d
                .thresholds
                .iter()
                .copied()
                .zip(d.model.iter().copied())
                .collect();
            series.push(Series::line(m.name.clone(), pts, i));
        }
    }
    let chart = Chart {
        title: format!("{}: decision curves (validation)", outcome.name),
        x_label: "Threshold probability".into(),
        y_label: "Net benefit".into(),
        x: t_lo..t_hi,
        y: y_lo..y_hi,
        series,
        width: 560,
        height: 500,
        legend: Legend::UpperRight,
        x_ticks: None,
    };
    let caption = format!(
        "Decision curve analysis for {} on the validation set: net benefit of deciding by each \
         model, of treating all patients (grey) and of treating none (dashed) across threshold \
         probabilities. Net benefit below the axis is cut off.",
        escape(&outcome.name)
    );
    figure_from("decision", &chart, caption)
}

/// Step points of a Kaplan-Meier curve (survival holds until the next time).
pub fn km_steps(curve: &KmCurve) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(curve.time.len() * 2);
    for (i, (&t, &s)) in curve.time.iter().zip(curve.survival.iter()).enumerate() {
        if i > 0 {
            if let Some(&(_, prev)) = pts.last() {
                pts.push((t, prev));
            }
        }
        pts.push((t, s));
    }
    pts
}

/// Kaplan-Meier curves of one model's risk groups.
pub fn km_figure(
    outcome: &OutcomeReport,
    model: &ModelReport,
) -> Result<Option<Figure>, ReportError> {
    let curves: Vec<&KmCurve> = model.km.iter().filter(|c| !c.time.is_empty()).collect();
    if curves.is_empty() {
        return Ok(None);
    }
    let t_hi = curves
        .iter()
        .flat_map(|c| c.time.iter().copied())
        .filter(|t| t.is_finite())
        .fold(0.0_f64, f64::max);
    let mut series = Vec::new();
    for (i, c) in curves.iter().enumerate() {
        series.push(Series::line(c.label.clone(), km_steps(c), i));
    }
    let p = curves.iter().find_map(|c| c.logrank_p);
    let chart = Chart {
        title: format!("{}: {} risk groups", outcome.name, model.name),
        x_label: "Time".into(),
        y_label: "Survival probability".into(),
        x: 0.0..(t_hi * 1.02),
        y: 0.0..1.02,
        series,
        width: 520,
        height: 420,
        legend: Legend::LowerLeft,
        x_ticks: None,
    };
    let caption = format!(
        "Kaplan–Meier curves of the risk groups defined by {} for {} (validation set); \
         log-rank p = {}.",
        escape(&model.name),
        escape(&outcome.name),
        p_value(p)
    );
    figure_from("km", &chart, caption)
}

/// Validation metric versus ring width, with 95% CIs and the tumor-only level.
pub fn ring_figure(outcome: &OutcomeReport) -> Result<Option<Figure>, ReportError> {
    let curves: Vec<&RingCurve> = outcome
        .ring_curves
        .iter()
        .filter(|c| c.width_mm.iter().any(|w| w.is_finite()))
        .collect();
    if curves.is_empty() {
        return Ok(None);
    }
    let metric = metric_name(outcome.kind);
    let widths = curves.iter().flat_map(|c| c.width_mm.iter().copied());
    let (w_lo, w_hi) = widths
        .filter(|w| w.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), w| {
            (a.min(w), b.max(w))
        });
    let mut v_lo = f64::INFINITY;
    let mut v_hi = f64::NEG_INFINITY;
    for c in &curves {
        let refs = c.reference.iter();
        for &v in c
            .value
            .iter()
            .chain(&c.ci_lower)
            .chain(&c.ci_upper)
            .chain(refs)
        {
            if v.is_finite() {
                v_lo = v_lo.min(v);
                v_hi = v_hi.max(v);
            }
        }
    }
    let (v_lo, v_hi) = if v_lo.is_finite() {
        ((v_lo - 0.05).clamp(0.0, 1.0), (v_hi + 0.05).clamp(0.0, 1.0))
    } else {
        (0.0, 1.0)
    };
    let pad = ((w_hi - w_lo) * 0.08).max(0.5);
    let (x_lo, x_hi) = ((w_lo - pad).max(0.0), w_hi + pad);
    let dodge = (x_hi - x_lo) * 0.008;
    let mut tick_widths: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.width_mm.iter().copied())
        .filter(|w| w.is_finite())
        .collect();
    tick_widths.sort_by(f64::total_cmp);
    tick_widths.dedup();
    let mut series = Vec::new();
    let reference = curves
        .iter()
        .find_map(|c| c.reference)
        .filter(|r| r.is_finite());
    if let Some(r) = reference {
        series.push(Series::reference(
            format!("tumor only ({})", num(r, 3)),
            vec![(x_lo, r), (x_hi, r)],
        ));
    }
    let n = curves.len() as f64;
    for (i, c) in curves.iter().enumerate() {
        let shift = (i as f64 - (n - 1.0) / 2.0) * dodge;
        let pts: Vec<(f64, f64)> = c
            .width_mm
            .iter()
            .zip(&c.value)
            .map(|(&w, &v)| (w + shift, v))
            .collect();
        let mut s = Series::line(c.label.clone(), pts, i).with_markers();
        s.errors = c
            .width_mm
            .iter()
            .zip(c.ci_lower.iter().zip(&c.ci_upper))
            .map(|(&w, (&l, &u))| (w + shift, l, u))
            .collect();
        series.push(s);
    }
    let chart = Chart {
        title: format!("{}: validation {metric} versus ring width", outcome.name),
        x_label: "Peritumoral ring width (mm)".into(),
        y_label: format!("Validation {metric}"),
        x: x_lo..x_hi,
        y: v_lo..v_hi,
        series,
        width: 560,
        height: 500,
        legend: Legend::UpperRight,
        x_ticks: Some(tick_widths),
    };
    let caption = format!(
        "Validation {metric} of the ring models for {} against ring width, with 95% confidence \
         intervals; the dashed line is the tumor-only model.",
        escape(&outcome.name)
    );
    figure_from("ring-width", &chart, caption)
}
