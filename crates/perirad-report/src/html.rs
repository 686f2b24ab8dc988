//! The HTML page: header, cohort and settings, one section per outcome, slices.

use std::fmt::Write as _;

use crate::data::{CalibrationCurve, Metric, ModelReport, OutcomeKind, OutcomeReport, StudyReport};
use crate::figures::{self, metric_name, Figure};
use crate::text::{escape, metric_with_ci, num, p_value, NA};
use crate::ReportError;

const STYLE: &str = r#"
:root { --ink:#1d2430; --muted:#5b6575; --line:#d9dee6; --accent:#0b5394; --warn:#9a3412; --warnbg:#fff4e5; --okbg:#ecf8f0; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color:var(--ink); background:#f4f6f9; line-height:1.45; font-size:15px; }
main { max-width: 1240px; margin: 0 auto; padding: 0 28px 48px; background:#fff; box-shadow: 0 0 0 1px var(--line); }
header.top { padding: 28px 0 16px; border-bottom: 3px solid var(--accent); margin-bottom: 8px; }
header.top h1 { margin: 0 0 6px; font-size: 28px; }
header.top p { margin: 0; color: var(--muted); }
nav.toc { font-size: 14px; padding: 10px 0; border-bottom: 1px solid var(--line); }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 18px; }
h2 { font-size: 22px; margin: 34px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; color: #24344d; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background:#fafbfc; }
.card .v { font-size: 24px; font-weight: 600; }
.card .k { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card.warn { border-color: #f59e0b; background: var(--warnbg); }
.alert { border-left: 6px solid #f59e0b; background: var(--warnbg); padding: 12px 16px; margin: 16px 0; border-radius: 4px; }
.alert h3 { margin: 0 0 8px; color: var(--warn); }
.ok { border-left: 6px solid #16a34a; background: var(--okbg); padding: 10px 16px; margin: 16px 0; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.best td { background: #f0f7ff; font-weight: 600; }
table.kv { width: auto; min-width: 50%; }
table.kv th { width: 220px; }
.meta { color: var(--muted); font-size: 14px; margin: 4px 0; }
.na { color: var(--muted); font-style: italic; border: 1px dashed var(--line); padding: 14px; border-radius: 6px; margin: 8px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 18px; align-items: start; }
.grid.slices { grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figure img.slice { display: block; margin: 0 auto; max-width: 100%; height: auto; background: #000; }
figure.wide { grid-column: 1 / -1; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 8px; }
figcaption b { color: var(--ink); }
ul.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 12px; font-size: 13px; justify-content: center; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.scalebar { display: inline-block; height: 4px; background: var(--ink); }
.swatch { display: inline-block; width: 14px; height: 14px; border: 2px solid; border-radius: 2px; }
.features { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
.features table { margin: 0; }
.features h4 { margin: 0 0 4px; font-size: 14px; }
.pos { color: #b91c1c; } .neg { color: #1d4ed8; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; border-top: 1px solid var(--line); padding-top: 10px; }
@media print { body { background:#fff; } main { box-shadow:none; } figure { break-inside: avoid; } }
"#;

/// Renders the whole report as one self-contained HTML document.
pub fn render_html(report: &StudyReport) -> Result<String, ReportError> {
    let mut page = Page::default();
    let title = if report.title.trim().is_empty() {
        "Peritumoral radiomics study".to_string()
    } else {
        report.title.clone()
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<header class=\"top\"><h1>{}</h1><p>perirad {} · generated {}</p></header>",
        escape(&title),
        escape(&or_na(&report.perirad_version)),
        escape(&or_na(&report.generated))
    );
    body.push_str(
        "<nav class=\"toc\"><a href=\"#cohort\">Cohort</a><a href=\"#settings\">Settings</a>",
    );
    for (i, o) in report.outcomes.iter().enumerate() {
        let _ = write!(body, "<a href=\"#outcome-{i}\">{}</a>", escape(&o.name));
    }
    if !report.slices.is_empty() {
        body.push_str("<a href=\"#slices\">Slices</a>");
    }
    body.push_str("</nav>");
    cohort_section(&mut body, report);
    settings_section(&mut body, report);
    if report.outcomes.is_empty() {
        body.push_str(
            "<h2>Outcomes</h2><p class=\"na\">n/a: the study has no outcome results.</p>",
        );
    }
    for (i, o) in report.outcomes.iter().enumerate() {
        outcome_section(&mut body, &mut page, i, o)?;
    }
    slices_section(&mut body, &mut page, report)?;
    let _ = write!(
        body,
        "<footer>Generated by perirad {}. Figures are validation-set results unless marked \
         otherwise. This report is a research output, not a clinical decision aid.</footer>",
        escape(&or_na(&report.perirad_version))
    );
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        escape(&title)
    ))
}

/// Figure numbering across the page.
#[derive(Default)]
struct Page {
    figures: usize,
}

impl Page {
    fn figure(&mut self, out: &mut String, f: &Figure, wide: bool) {
        self.figures += 1;
        let n = self.figures;
        let _ = write!(
            out,
            "<figure id=\"fig-{n}\" class=\"{}\" data-figure=\"{}\" aria-label=\"{}\">{}<figcaption><b>Figure {n}. {}.</b> {}</figcaption></figure>",
            if wide { "wide" } else { "" },
            f.kind,
            escape(&f.title),
            f.body,
            escape(&f.title),
            f.caption
        );
    }
}

fn or_na(s: &str) -> String {
    if s.trim().is_empty() {
        NA.to_string()
    } else {
        s.to_string()
    }
}

fn list_or_na(items: &[String]) -> String {
    if items.is_empty() {
        NA.to_string()
    } else {
        items
            .iter()
            .map(|s| escape(s))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn card(out: &mut String, value: &str, key: &str, warn: bool) {
    let _ = write!(
        out,
        "<div class=\"card{}\"><div class=\"v\">{value}</div><div class=\"k\">{key}</div></div>",
        if warn { " warn" } else { "" }
    );
}

fn cohort_section(out: &mut String, r: &StudyReport) {
    let c = &r.cohort;
    out.push_str("<section id=\"cohort\"><h2>Cohort</h2><div class=\"cards\">");
    card(out, &c.n_cases.to_string(), "cases in manifest", false);
    card(out, &c.n_included.to_string(), "cases analysed", false);
    card(
        out,
        &c.excluded.len().to_string(),
        "cases excluded",
        !c.excluded.is_empty(),
    );
    for (name, n) in &c.sets {
        card(out, &n.to_string(), &escape(name), false);
    }
    card(
        out,
        &c.n_features_per_region.to_string(),
        "features per region &amp; phase",
        false,
    );
    out.push_str("</div>");
    if c.excluded.is_empty() {
        out.push_str("<div class=\"ok\">No cases were excluded: every case in the manifest was analysed.</div>");
    } else {
        let _ = write!(
            out,
            "<div class=\"alert\" id=\"excluded\"><h3>{} case{} excluded</h3><table><thead><tr><th>Case</th><th>Reason</th></tr></thead><tbody>",
            c.excluded.len(),
            if c.excluded.len() == 1 { "" } else { "s" }
        );
        for e in &c.excluded {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&or_na(&e.case_id)),
                escape(&or_na(&e.reason))
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("<table class=\"kv\"><tbody>");
    let _ = write!(
        out,
        "<tr><th>Phases</th><td>{}</td></tr>",
        list_or_na(&c.phases)
    );
    let _ = write!(
        out,
        "<tr><th>Regions</th><td>{}</td></tr>",
        list_or_na(&c.regions)
    );
    let sets: Vec<String> = c.sets.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    let _ = write!(out, "<tr><th>Sets</th><td>{}</td></tr>", list_or_na(&sets));
    out.push_str("</tbody></table></section>");
}

fn settings_section(out: &mut String, r: &StudyReport) {
    out.push_str("<section id=\"settings\"><h2>Settings</h2>");
    if r.settings.is_empty() {
        out.push_str("<p class=\"na\">n/a: no settings recorded.</p>");
    } else {
        out.push_str("<table class=\"kv\"><tbody>");
        for (k, v) in &r.settings {
            let _ = write!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(k),
                escape(&or_na(v))
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

fn metric_cell(m: &Metric) -> String {
    metric_with_ci(m.value, m.ci_lower, m.ci_upper)
}

fn n_cell(m: &Metric) -> String {
    if m.n == 0 {
        NA.to_string()
    } else {
        m.n.to_string()
    }
}

fn outcome_section(
    out: &mut String,
    page: &mut Page,
    index: usize,
    o: &OutcomeReport,
) -> Result<(), ReportError> {
    let metric = metric_name(o.kind);
    let kind = match o.kind {
        OutcomeKind::Binary => "binary outcome",
        OutcomeKind::Survival => "time-to-event outcome",
    };
    let _ = write!(
        out,
        "<section id=\"outcome-{index}\" class=\"outcome\"><h2>Outcome: {} <span class=\"meta\">({kind})</span></h2>",
        escape(&or_na(&o.name))
    );
    let positives: Vec<String> = o
        .positives
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    let _ = write!(
        out,
        "<p class=\"meta\">{}: {} · Validation design: {}</p>",
        if o.kind == OutcomeKind::Binary {
            "Positives"
        } else {
            "Events"
        },
        list_or_na(&positives),
        escape(&or_na(&o.design))
    );

    // Models table.
    let _ = write!(out, "<h3>Models ({metric}, 95% CI)</h3>");
    if o.models.is_empty() {
        out.push_str("<p class=\"na\">n/a: no models were fitted for this outcome.</p>");
    } else {
        let best = o
            .models
            .iter()
            .enumerate()
            .filter(|(_, m)| m.validation.value.is_finite())
            .max_by(|a, b| a.1.validation.value.total_cmp(&b.1.validation.value))
            .map(|(i, _)| i);
        let _ = write!(
            out,
            "<table class=\"models\"><thead><tr><th>Model</th><th>Family</th><th>Regions</th>\
             <th class=\"num\">Training {metric}</th><th class=\"num\">n</th>\
             <th class=\"num\">Validation {metric}</th><th class=\"num\">n</th>\
             <th class=\"num\">Features</th></tr></thead><tbody>"
        );
        for (i, m) in o.models.iter().enumerate() {
            let _ = write!(
                out,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                if Some(i) == best { " class=\"best\"" } else { "" },
                escape(&or_na(&m.name)),
                escape(&or_na(&m.family)),
                list_or_na(&m.regions),
                metric_cell(&m.train),
                n_cell(&m.train),
                metric_cell(&m.validation),
                n_cell(&m.validation),
                m.selected.len()
            );
        }
        out.push_str("</tbody></table><p class=\"meta\">Highlighted: best validation value.</p>");
    }

    // DeLong comparisons.
    if o.kind == OutcomeKind::Binary || !o.comparisons.is_empty() {
        out.push_str("<h3>Comparison with the tumor-only model (DeLong, validation set)</h3>");
        if o.comparisons.is_empty() {
            out.push_str("<p class=\"na\">n/a: no comparisons available.</p>");
        } else {
            out.push_str(
                "<table class=\"delong\"><thead><tr><th>Model</th><th>Reference</th>\
                 <th class=\"num\">AUC model</th><th class=\"num\">AUC reference</th>\
                 <th class=\"num\">Difference</th><th class=\"num\">p</th></tr></thead><tbody>",
            );
            for c in &o.comparisons {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&c.model),
                    escape(&c.reference),
                    num(c.auc_model, 3),
                    num(c.auc_reference, 3),
                    signed(c.difference),
                    p_value(Some(c.p_value))
                );
            }
            out.push_str("</tbody></table>");
        }
    }

    // Figures.
    out.push_str("<h3>Figures</h3><div class=\"grid\">");
    let mut missing: Vec<&str> = Vec::new();
    match figures::ring_figure(o)? {
        Some(f) => page.figure(out, &f, false),
        None => missing.push("metric versus ring width"),
    }
    match o.kind {
        OutcomeKind::Binary => {
            for (name, f) in [
                ("ROC curves", figures::roc_figure(o)?),
                ("calibration", figures::calibration_figure(o)?),
                ("decision curves", figures::decision_figure(o)?),
            ] {
                match f {
                    Some(f) => page.figure(out, &f, false),
                    None => missing.push(name),
                }
            }
        }
        OutcomeKind::Survival => {
            let models = figures::main_models(o, |m| m.km.iter().any(|c| !c.time.is_empty()));
            if models.is_empty() {
                missing.push("Kaplan–Meier curves");
            }
            for m in models {
                if let Some(f) = figures::km_figure(o, m)? {
                    page.figure(out, &f, false);
                }
            }
        }
    }
    out.push_str("</div>");
    if !missing.is_empty() {
        let _ = write!(
            out,
            "<p class=\"na\">n/a: no data for {}.</p>",
            missing.join(", ")
        );
    }

    if o.kind == OutcomeKind::Binary {
        calibration_table(out, o);
    }

    // Nomogram.
    out.push_str("<h3>Nomogram</h3>");
    match o.nomogram.as_ref().map(|n| figures::nomogram::nomogram_figure(&o.name, n)).transpose()? {
        Some(Some(f)) => {
            out.push_str("<div class=\"grid\">");
            page.figure(out, &f, true);
            out.push_str("</div>");
        }
        Some(None) => out.push_str("<p class=\"na\">n/a: the nomogram has no variable with a finite coefficient and range.</p>"),
        None => out.push_str("<p class=\"na\">n/a: no nomogram was fitted for this outcome.</p>"),
    }

    features_block(out, o);
    out.push_str("</section>");
    Ok(())
}

fn signed(v: f64) -> String {
    if v.is_finite() && v > 0.0 {
        format!("+{}", num(v, 3))
    } else {
        num(v, 3)
    }
}

fn calibration_table(out: &mut String, o: &OutcomeReport) {
    let rows: Vec<(&ModelReport, &CalibrationCurve)> = o
        .models
        .iter()
        .filter_map(|m| m.calibration.as_ref().map(|c| (m, c)))
        .collect();
    out.push_str("<h3>Calibration (validation set)</h3>");
    if rows.is_empty() {
        out.push_str("<p class=\"na\">n/a: no calibration results.</p>");
        return;
    }
    out.push_str(
        "<table class=\"calibration\"><thead><tr><th>Model</th><th class=\"num\">Slope</th>\
         <th class=\"num\">Intercept</th><th class=\"num\">Brier</th>\
         <th class=\"num\">Hosmer–Lemeshow p</th><th class=\"num\">Groups</th></tr></thead><tbody>",
    );
    for (m, c) in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&m.name),
            num(c.slope, 2),
            num(c.intercept, 2),
            num(c.brier, 3),
            p_value(c.hl_p),
            c.predicted.len()
        );
    }
    out.push_str("</tbody></table>");
}

fn features_block(out: &mut String, o: &OutcomeReport) {
    out.push_str("<h3>Selected features and coefficients</h3>");
    if o.models.is_empty() {
        out.push_str("<p class=\"na\">n/a: no models.</p>");
        return;
    }
    out.push_str("<div class=\"features\">");
    for m in &o.models {
        let _ = write!(
            out,
            "<div class=\"model-features\"><h4>{}</h4>",
            escape(&or_na(&m.name))
        );
        if m.selected.is_empty() {
            out.push_str("<p class=\"na\">n/a: no features selected.</p></div>");
            continue;
        }
        out.push_str("<table><thead><tr><th>Feature</th><th class=\"num\">Coefficient</th></tr></thead><tbody>");
        let mut sorted: Vec<&(String, f64)> = m.selected.iter().collect();
        sorted.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        for (name, coef) in sorted {
            let class = if *coef > 0.0 {
                "pos"
            } else if *coef < 0.0 {
                "neg"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num {class}\">{}</td></tr>",
                escape(name),
                signed_coef(*coef)
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</div>");
}

fn signed_coef(v: f64) -> String {
    if v.is_finite() && v > 0.0 {
        format!("+{}", num(v, 4))
    } else {
        num(v, 4)
    }
}

fn slices_section(out: &mut String, page: &mut Page, r: &StudyReport) -> Result<(), ReportError> {
    if r.slices.is_empty() {
        return Ok(());
    }
    out.push_str(
        "<section id=\"slices\"><h2>Axial slices with regions</h2><div class=\"grid slices\">",
    );
    let mut bad = Vec::new();
    for s in &r.slices {
        match figures::slice::slice_figure(s)? {
            Some(f) => page.figure(out, &f, false),
            None => bad.push(escape(&s.case_id)),
        }
    }
    out.push_str("</div>");
    if !bad.is_empty() {
        let _ = write!(
            out,
            "<p class=\"na\">n/a: slice of {} not shown (pixel count does not match its size).</p>",
            bad.join(", ")
        );
    }
    out.push_str("</section>");
    Ok(())
}
