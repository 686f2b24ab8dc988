//! A small line/point chart on top of plotters' SVG backend: the one layout every curve figure of
//! the report shares (title, axis labels, light grid, legend, series split at missing values).
//!
//! plotters is used without its font features: the SVG backend writes each label as an escaped
//! `<text>` element and the browser lays it out, so no system fonts are needed to render.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::ReportError;

/// Colour-blind safe series colours (Okabe & Ito), then two greys.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(68, 68, 68),
    RGBColor(150, 150, 150),
];

/// The colour of the `i`-th series.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Reference lines (chance diagonal, treat-none, tumor-only level).
pub const REFERENCE_GREY: RGBColor = RGBColor(120, 120, 120);

/// One series of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry; empty for no entry.
    pub label: String,
    /// Points in data coordinates; a non-finite point or one outside the y range breaks the line.
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub dashed: bool,
    /// Draw the connecting line.
    pub line: bool,
    /// Draw a dot at each point.
    pub markers: bool,
    /// Vertical error bars (x, lower, upper).
    pub errors: Vec<(f64, f64, f64)>,
    pub stroke: u32,
}

impl Series {
    /// A solid line in the `i`-th palette colour.
    pub fn line(label: impl Into<String>, points: Vec<(f64, f64)>, i: usize) -> Self {
        Series {
            label: label.into(),
            points,
            color: color(i),
            dashed: false,
            line: true,
            markers: false,
            errors: Vec::new(),
            stroke: 2,
        }
    }

    /// A dashed grey reference line.
    pub fn reference(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            color: REFERENCE_GREY,
            dashed: true,
            line: true,
            markers: false,
            errors: Vec::new(),
            stroke: 1,
        }
    }

    pub fn with_markers(mut self) -> Self {
        self.markers = true;
        self
    }
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legend {
    UpperLeft,
    UpperRight,
    LowerRight,
    LowerLeft,
}

/// A whole chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub series: Vec<Series>,
    pub width: u32,
    pub height: u32,
    pub legend: Legend,
    /// Tick positions on x (e.g. the ring widths); `None` for evenly spaced "nice" ticks.
    pub x_ticks: Option<Vec<f64>>,
}

/// A drawn chart: the SVG and the pixel rectangle of the plotting area (x and y ranges), which
/// maps `chart.x.start` to the left edge and `chart.y.start` to the bottom edge.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub svg: String,
    pub plot_px: (Range<i32>, Range<i32>),
}

/// Largest magnitude an axis may reach; beyond it plotters' pixel arithmetic overflows.
const AXIS_LIMIT: f64 = 1e12;

/// Pads a range that is empty or reversed, and replaces one that is not finite or absurdly
/// large by `fallback`, so that plotters can map it.
pub fn sane_range(r: Range<f64>, fallback: Range<f64>) -> Range<f64> {
    let ok = |v: f64| v.is_finite() && v.abs() <= AXIS_LIMIT;
    if !ok(r.start) || !ok(r.end) {
        return fallback;
    }
    if r.end > r.start {
        return r;
    }
    let pad = if r.start == 0.0 {
        1.0
    } else {
        r.start.abs() * 0.1
    };
    (r.start - pad)..(r.start + pad)
}

/// A float axis whose ticks are given (the same ticks however many plotters asks for).
#[derive(Clone)]
struct TickedAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        TickedAxis {
            inner: range.into(),
            ticks,
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Light grid lines are not drawn; bold ones sit at the ticks.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

impl ValueFormatter<f64> for TickedAxis {
    fn format(value: &f64) -> String {
        format!("{value}")
    }
}

/// Whether `v` lies within `r`, with a small tolerance (false for NaN).
fn within(v: f64, r: &Range<f64>) -> bool {
    let tol = (r.end - r.start).abs() * 1e-9;
    v >= r.start - tol && v <= r.end + tol
}

/// Splits points into runs of points that lie within the plotted ranges; a missing (non-finite)
/// or out-of-range point breaks the line. Nothing outside the axes reaches plotters.
pub fn segments(points: &[(f64, f64)], x: &Range<f64>, y: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for &(px, py) in points {
        let ok = within(px, x) && within(py, y);
        if ok {
            current.push((px, py));
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// "Nice" tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi], about `target` of them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    if hi == lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Rounding at extreme magnitudes must not turn into millions of ticks.
    if !step.is_finite() || step <= 0.0 || last.saturating_sub(first) > 1000 {
        return vec![lo, hi];
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Decimals that show every tick exactly (at most 3): 0 for 5, 10, 20; 1 for 0.2, 0.4; 2 for 0.25.
pub fn tick_digits(ticks: &[f64]) -> usize {
    (0..=3)
        .find(|&d| {
            ticks.iter().all(|t| {
                let scaled = t * 10f64.powi(d as i32);
                (scaled - scaled.round()).abs() < 1e-6
            })
        })
        .unwrap_or(3)
}

fn fail(title: &str, e: impl std::fmt::Display) -> ReportError {
    ReportError::Figure {
        figure: title.to_string(),
        message: e.to_string(),
    }
}

/// Draws the chart as an SVG document.
pub fn draw(chart: &Chart) -> Result<Drawn, ReportError> {
    let x = sane_range(chart.x.clone(), 0.0..1.0);
    let y = sane_range(chart.y.clone(), 0.0..1.0);
    let mut x_keys: Vec<f64> = match &chart.x_ticks {
        Some(t) => t
            .iter()
            .copied()
            .filter(|v| v.is_finite() && x.contains(v))
            .collect(),
        None => Vec::new(),
    };
    if x_keys.is_empty() {
        x_keys = nice_ticks(x.start, x.end, 6);
    }
    let y_keys = nice_ticks(y.start, y.end, 6);
    let (x_digits, y_digits) = (tick_digits(&x_keys), tick_digits(&y_keys));
    let title = chart.title.as_str();
    let mut svg = String::new();
    let plot_px;
    {
        let root =
            SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(title, e))?;
        let mut ctx = ChartBuilder::on(&root)
            .margin_top(10)
            .margin_left(10)
            .margin_right(22)
            .margin_bottom(8)
            .caption(
                title,
                ("sans-serif", 17).into_font().color(&RGBColor(30, 30, 30)),
            )
            .x_label_area_size(48)
            .y_label_area_size(62)
            .build_cartesian_2d(
                TickedAxis::new(x.clone(), x_keys),
                TickedAxis::new(y.clone(), y_keys),
            )
            .map_err(|e| fail(title, e))?;
        let x_fmt = |v: &f64| crate::text::num(*v, x_digits);
        let y_fmt = |v: &f64| crate::text::num(*v, y_digits);
        ctx.configure_mesh()
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(("sans-serif", 12).into_font().color(&RGBColor(60, 60, 60)))
            .axis_desc_style(("sans-serif", 14).into_font().color(&RGBColor(30, 30, 30)))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(90, 90, 90))
            .draw()
            .map_err(|e| fail(title, e))?;

        let mut any_label = false;
        for s in &chart.series {
            let style = ShapeStyle::from(&s.color).stroke_width(s.stroke);
            let mut labelled = s.label.is_empty();
            if s.line {
                for seg in segments(&s.points, &x, &y) {
                    let anno = if s.dashed {
                        ctx.draw_series(DashedLineSeries::new(seg, 6, 4, style))
                            .map_err(|e| fail(title, e))?
                    } else {
                        ctx.draw_series(LineSeries::new(seg, style))
                            .map_err(|e| fail(title, e))?
                    };
                    if !labelled {
                        let c = s.color;
                        let dashed = s.dashed;
                        let w = s.stroke;
                        anno.label(s.label.as_str()).legend(move |(lx, ly)| {
                            let st = ShapeStyle::from(&c).stroke_width(w);
                            // A dashed sample is two dashes with a gap.
                            let (first_end, second_start) = if dashed { (7, 11) } else { (9, 9) };
                            EmptyElement::at((lx, ly))
                                + PathElement::new(vec![(0, 0), (first_end, 0)], st)
                                + PathElement::new(vec![(second_start, 0), (18, 0)], st)
                        });
                        labelled = true;
                        any_label = true;
                    }
                }
            }
            for &(ex, lo, hi) in &s.errors {
                if within(ex, &x) && lo.is_finite() && hi.is_finite() && lo <= hi {
                    let (lo, hi) = (lo.clamp(y.start, y.end), hi.clamp(y.start, y.end));
                    let mid = (lo + hi) / 2.0;
                    ctx.draw_series(std::iter::once(ErrorBar::new_vertical(
                        ex,
                        lo,
                        mid,
                        hi,
                        ShapeStyle::from(&s.color).stroke_width(1),
                        8,
                    )))
                    .map_err(|e| fail(title, e))?;
                }
            }
            if s.markers {
                let pts: Vec<(f64, f64)> =
                    segments(&s.points, &x, &y).into_iter().flatten().collect();
                let c = s.color;
                let anno = ctx
                    .draw_series(pts.into_iter().map(move |p| Circle::new(p, 4, c.filled())))
                    .map_err(|e| fail(title, e))?;
                if !labelled {
                    anno.label(s.label.as_str())
                        .legend(move |(lx, ly)| Circle::new((lx + 9, ly), 4, c.filled()));
                    any_label = true;
                }
            }
        }
        if any_label {
            let pos = match chart.legend {
                Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                Legend::UpperRight => SeriesLabelPosition::UpperRight,
                Legend::LowerRight => SeriesLabelPosition::LowerRight,
                Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
            };
            ctx.configure_series_labels()
                .position(pos)
                .margin(8)
                .legend_area_size(24)
                .label_font(("sans-serif", 12).into_font().color(&RGBColor(30, 30, 30)))
                .background_style(WHITE.mix(0.92))
                .border_style(RGBColor(200, 200, 200))
                .draw()
                .map_err(|e| fail(title, e))?;
        }
        plot_px = ctx.plotting_area().get_pixel_range();
        root.present().map_err(|e| fail(title, e))?;
    }
    Ok(Drawn { svg, plot_px })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polyline_points(svg: &str, stroke: &str) -> Vec<Vec<(i32, i32)>> {
        svg.split("<polyline ")
            .skip(1)
            .filter(|p| p.contains(&format!("stroke=\"{stroke}\"")))
            .map(|p| {
                let pts = p
                    .split("points=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .expect("points");
                pts.split_whitespace()
                    .map(|xy| {
                        let (x, y) = xy.split_once(',').expect("x,y");
                        (x.parse().expect("x"), y.parse().expect("y"))
                    })
                    .collect()
            })
            .collect()
    }

    /// A known ROC polyline: (0,0) at the bottom-left corner of the plotting area, (1,1) at the
    /// top-right, (0.5,1) half way along the top, (0,0.5) half way up the left edge.
    #[test]
    fn roc_polyline_maps_to_the_plotting_area() {
        let chart = Chart {
            title: "ROC <test>".into(),
            x_label: "FPR".into(),
            y_label: "TPR".into(),
            x: 0.0..1.0,
            y: 0.0..1.0,
            series: vec![Series::line(
                "model & co",
                vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)],
                0,
            )],
            width: 500,
            height: 400,
            legend: Legend::LowerRight,
            x_ticks: None,
        };
        let drawn = draw(&chart).expect("draws");
        let (xr, yr) = drawn.plot_px.clone();
        assert!(
            xr.end - xr.start > 300 && yr.end - yr.start > 250,
            "plot area {xr:?} {yr:?}"
        );
        let lines = polyline_points(&drawn.svg, "#0072B2");
        // The series line, and the short legend sample.
        let series = lines
            .iter()
            .find(|l| l.len() == 4)
            .expect("the 4-point ROC polyline");
        let (left, right) = (xr.start, xr.end - 1);
        let (top, bottom) = (yr.start, yr.end - 1);
        let mid_x = (left + right) / 2;
        let mid_y = (top + bottom) / 2;
        let expected = [(left, bottom), (left, mid_y), (mid_x, top), (right, top)];
        for (got, want) in series.iter().zip(expected) {
            assert!(
                (got.0 - want.0).abs() <= 1 && (got.1 - want.1).abs() <= 1,
                "{got:?} vs {want:?}"
            );
        }
        // Text is escaped by the backend; title, axis labels and legend are present.
        assert!(drawn.svg.contains("ROC &lt;test&gt;"));
        assert!(drawn.svg.contains("model &amp; co"));
        assert!(drawn.svg.contains(">\nFPR\n<") || drawn.svg.contains(">FPR<"));
        assert!(drawn.svg.starts_with("<svg width=\"500\" height=\"400\""));
    }

    #[test]
    fn missing_and_out_of_range_points_break_the_line() {
        let segs = segments(
            &[
                (0.0, 0.1),
                (0.1, f64::NAN),
                (0.2, 0.2),
                (0.3, 0.3),
                (0.4, -5.0),
                (0.5, 0.4),
                (1e308, 0.5),
            ],
            &(0.0..1.0),
            &(0.0..1.0),
        );
        assert_eq!(
            segs,
            vec![
                vec![(0.0, 0.1)],
                vec![(0.2, 0.2), (0.3, 0.3)],
                vec![(0.5, 0.4)]
            ]
        );
        assert_eq!(sane_range(1.0..1.0, 0.0..1.0), 0.9..1.1);
        assert_eq!(sane_range(0.0..f64::NAN, 0.0..1.0), 0.0..1.0);
        assert_eq!(sane_range(-1e308..1e308, 0.0..1.0), 0.0..1.0);
        // An all-NaN chart draws its frame without error.
        let chart = Chart {
            title: "empty".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x: f64::NAN..f64::NAN,
            y: 2.0..2.0,
            series: vec![Series::line("nan", vec![(f64::NAN, f64::NAN)], 1).with_markers()],
            width: 300,
            height: 200,
            legend: Legend::UpperLeft,
            x_ticks: Some(vec![f64::NAN]),
        };
        assert!(draw(&chart).expect("draws").svg.contains("</svg>"));
    }
}
