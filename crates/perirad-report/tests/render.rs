//! Renders report data to HTML and checks the page: every expected figure present and non-empty,
//! balanced tags, escaped user strings, and no panic on empty or degenerate inputs.

mod common;

use perirad_testdata::browser::attr;

use perirad_report::data::*;
use perirad_report::render_html;

const VOID: [&str; 5] = ["meta", "img", "br", "hr", "input"];

/// Checks that every element is closed in order (void elements and `<x/>` excepted).
fn assert_balanced(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').expect("every '<' has a '>'");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("closing </{name}> with nothing open"));
            assert_eq!(open, name.trim(), "mismatched closing tag");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            let close = rest.find("</style>").expect("style closed");
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        stack.push(name);
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}

/// The figure elements: (data-figure kind, inner html).
fn figures(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<figure ").skip(1) {
        let kind = part
            .split("data-figure=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("figure has data-figure")
            .to_string();
        let inner = part
            .split("</figure>")
            .next()
            .expect("figure closed")
            .to_string();
        out.push((kind, inner));
    }
    out
}

#[test]
fn rich_report_has_every_figure_and_is_well_formed() {
    let report = common::rich_report();
    let html = render_html(&report).expect("renders");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_balanced(&html);
    let figs = figures(&html);
    for (kind, count) in common::EXPECTED_FIGURES {
        let found: Vec<&(String, String)> = figs.iter().filter(|f| f.0 == kind).collect();
        assert_eq!(found.len(), count, "figures of kind {kind}");
        for (_, inner) in found {
            assert!(inner.contains("<figcaption>"), "{kind} has a caption");
            if kind == "slice" {
                let img = inner.split("<img ").nth(1).expect("slice has an <img>");
                assert!(
                    img.contains("src=\"data:image/png;base64,iVBORw0KGgo"),
                    "PNG data URI"
                );
                assert!(attr(img, "width").expect("width") > 0.0);
                assert!(attr(img, "height").expect("height") > 0.0);
                assert!(inner.contains("class=\"swatch\""), "slice legend");
            } else {
                let svg = inner.split("<svg ").nth(1).expect("figure has an <svg>");
                assert!(attr(svg, "width").expect("width") > 0.0);
                assert!(attr(svg, "height").expect("height") > 0.0);
                let drawn = svg.matches("<polyline").count()
                    + svg.matches("<path").count()
                    + svg.matches("<line").count();
                assert!(drawn > 10, "{kind} draws lines ({drawn})");
                assert!(
                    svg.matches("<text").count() >= 5,
                    "{kind} has title, labels and ticks"
                );
            }
        }
    }
    // Axis labels reach the SVG.
    assert!(html.contains("Sensitivity (true-positive rate)"));
    assert!(html.contains("Survival probability"));
    assert!(html.contains("Peritumoral ring width (mm)"));
    assert!(html.contains("Total points") && html.contains("Probability"));
    // Tables: every model of both outcomes, excluded cases, DeLong rows, "n/a" for the null model.
    for name in [
        "Tumor + ring 5 mm",
        "Combined + clinical",
        "Null model",
        "HCC-017",
        "arterial phase missing",
    ] {
        assert!(html.contains(name), "{name} in the page");
    }
    assert!(html.contains("3 cases excluded"));
    assert!(
        html.contains("0.830 (0.750–0.910)"),
        "validation AUC with CI"
    );
    assert!(html.contains("n/a: no features selected."));
    // No external resources, no script (the SVG namespace URI is a name, not a fetch).
    let fetchable = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for banned in [
        "<script",
        "http://",
        "https://",
        "<link",
        "@import",
        "url(",
        "src=\"http",
    ] {
        assert!(!fetchable.contains(banned), "page contains {banned}");
    }
    // Hostile names are escaped everywhere (the SVG text too).
    assert!(html.contains("&lt;script&gt;alert("));
}

#[test]
fn empty_report_renders() {
    let html = render_html(&StudyReport::default()).expect("renders");
    assert_balanced(&html);
    assert!(html.contains("No cases were excluded"));
    assert!(html.contains("n/a: the study has no outcome results."));
    assert!(figures(&html).is_empty());
}

#[test]
fn survival_only_and_binary_only_render() {
    let rich = common::rich_report();
    for keep in [0usize, 1] {
        let mut r = rich.clone();
        r.outcomes = vec![rich.outcomes[keep].clone()];
        r.slices.clear();
        r.cohort.excluded.clear();
        let html = render_html(&r).expect("renders");
        assert_balanced(&html);
        let kinds: Vec<String> = figures(&html).into_iter().map(|f| f.0).collect();
        if keep == 0 {
            assert!(kinds.contains(&"roc".to_string()) && !kinds.contains(&"km".to_string()));
        } else {
            assert!(kinds.contains(&"km".to_string()) && !kinds.contains(&"roc".to_string()));
            assert!(html.contains("n/a: no nomogram was fitted"));
        }
    }
}

#[test]
fn degenerate_values_render_as_na() {
    let mut r = common::rich_report();
    let o = &mut r.outcomes[0];
    for m in &mut o.models {
        m.train = Metric {
            value: f64::NAN,
            ci_lower: Some(f64::NAN),
            ci_upper: None,
            n: 0,
        };
        m.validation = Metric {
            value: f64::INFINITY,
            ..Default::default()
        };
        if let Some(roc) = &mut m.roc {
            roc.tpr = vec![f64::NAN; roc.fpr.len()];
        }
        if let Some(c) = &mut m.calibration {
            c.observed.truncate(2);
            c.slope = f64::NAN;
            c.hl_p = None;
        }
        if let Some(d) = &mut m.decision {
            d.model = vec![f64::NAN; 3];
            d.treat_all.clear();
        }
        m.selected.clear();
    }
    o.comparisons[0].p_value = f64::NAN;
    o.ring_curves[0].value = vec![f64::NAN; 4];
    o.ring_curves[1].ci_lower.clear();
    o.ring_curves[1].reference = Some(f64::NAN);
    o.nomogram = Some(Nomogram {
        intercept: f64::NAN,
        variables: vec![NomogramVariable {
            name: "x".into(),
            coefficient: 1.0,
            min: 0.0,
            max: 1.0,
        }],
    });
    r.outcomes[1].models[0].km = vec![KmCurve {
        label: "empty".into(),
        ..Default::default()
    }];
    r.outcomes[1].ring_curves.clear();
    r.slices[0].gray.truncate(10);
    r.slices[1].overlays[0].mask.clear();
    r.slices[2].spacing = [f64::NAN, 0.0];
    let html = render_html(&r).expect("renders");
    assert_balanced(&html);
    assert!(html.contains("n/a"));
    assert!(html.contains("the nomogram has no variable"));
    assert!(html.contains("slice of HCC-003 not shown"));
    assert!(html.contains("Not drawn (mask size differs from the slice): tumor"));
    assert!(
        !html.contains("NaN") && !html.contains(">inf") && !html.contains("-inf"),
        "no raw NaN/inf in the page"
    );
}

/// A small deterministic generator (64-bit LCG) for the chaos test below.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
    /// Mostly ordinary values, often special ones.
    fn value(&mut self) -> f64 {
        const SPECIAL: [f64; 10] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1.0,
            -1e308,
            1e308,
            5e-324,
            -3.0,
        ];
        if self.below(3) == 0 {
            SPECIAL[self.below(SPECIAL.len() as u64)]
        } else {
            (self.next() % 10_000) as f64 / 10_000.0
        }
    }
    fn values(&mut self) -> Vec<f64> {
        let n = self.below(6);
        (0..n).map(|_| self.value()).collect()
    }
    fn opt(&mut self) -> Option<f64> {
        (self.below(2) == 0).then(|| self.value())
    }
}

/// Reports filled with random lengths and special values (NaN, ±inf, ±1e308, subnormals, empty
/// and mismatched vectors) render without error or panic and stay well formed.
#[test]
fn chaotic_reports_render() {
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_127);
    let rounds: usize = std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let mut g = Lcg(seed);
    for round in 0..rounds {
        let mut r = common::rich_report();
        r.slices.truncate(g.below(2));
        for o in &mut r.outcomes {
            for m in &mut o.models {
                m.train = Metric {
                    value: g.value(),
                    ci_lower: g.opt(),
                    ci_upper: g.opt(),
                    n: g.below(3),
                };
                m.validation = Metric {
                    value: g.value(),
                    ci_lower: g.opt(),
                    ci_upper: g.opt(),
                    n: g.below(3),
                };
                if let Some(roc) = &mut m.roc {
                    roc.fpr = g.values();
                    roc.tpr = g.values();
                }
                if let Some(c) = &mut m.calibration {
                    c.predicted = g.values();
                    c.observed = g.values();
                    c.slope = g.value();
                    c.hl_p = g.opt();
                }
                if let Some(d) = &mut m.decision {
                    d.thresholds = g.values();
                    d.model = g.values();
                    d.treat_all = g.values();
                }
                for k in &mut m.km {
                    k.time = g.values();
                    k.survival = g.values();
                    k.logrank_p = g.opt();
                }
                m.selected = (0..g.below(3))
                    .map(|i| (format!("f{i}<&>"), g.value()))
                    .collect();
            }
            for c in &mut o.ring_curves {
                c.width_mm = g.values();
                c.value = g.values();
                c.ci_lower = g.values();
                c.ci_upper = g.values();
                c.reference = g.opt();
            }
            for c in &mut o.comparisons {
                c.p_value = g.value();
                c.difference = g.value();
            }
            if let Some(n) = &mut o.nomogram {
                n.intercept = g.value();
                for v in &mut n.variables {
                    v.coefficient = g.value();
                    v.min = g.value();
                    v.max = g.value();
                }
            }
        }
        for s in &mut r.slices {
            s.spacing = [g.value(), g.value()];
            const DIMS: [usize; 5] = [0, 1, 96, 5000, usize::MAX / 2];
            if g.below(2) == 0 {
                s.width = DIMS[g.below(5)];
                s.height = DIMS[g.below(5)];
            }
            if g.below(3) == 0 {
                s.overlays[0].mask.truncate(g.below(100));
            }
        }
        let html = render_html(&r).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_balanced(&html);
    }
}
