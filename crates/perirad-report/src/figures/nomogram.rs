//! A logistic nomogram drawn the way `rms::nomogram` lays it out: a 0–100 "Points" scale on top,
//! one axis per variable whose values sit at the points they contribute, a "Total points" axis,
//! and the predicted probability under it.
//!
//! ```text
//! scale        = 100 / max_j |b_j| (max_j − min_j)          points per unit of linear predictor
//! points_j(v)  = (b_j v − min(b_j min_j, b_j max_j)) · scale
//! LP(total)    = intercept + Σ_j min(b_j min_j, b_j max_j) + total / scale
//! probability  = 1 / (1 + exp(−LP))
//! ```

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Figure;
use crate::data::Nomogram;
use crate::text::escape;
use crate::ReportError;

/// One axis of the nomogram: its label and ticks (position on its own points scale, label).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub ticks: Vec<(f64, String)>,
    /// The axis line's extent on its points scale (the variable's range, not just its ticks).
    pub span: (f64, f64),
}

/// The computed nomogram, in points.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Points per unit of the linear predictor.
    pub scale: f64,
    /// Largest possible total points.
    pub total_max: f64,
    /// Linear predictor at zero total points.
    pub lp_at_zero: f64,
    /// The variables (ticks in points, 0..=100).
    pub variables: Vec<Axis>,
    /// Total-points ticks.
    pub total: Axis,
    /// Probability ticks at their total points.
    pub probability: Axis,
}

pub use super::chart::nice_ticks;

fn tick_text(v: f64, step: f64) -> String {
    // As few decimals as show the step exactly (2.5 needs one, 0.25 two).
    let digits = (0..=4)
        .find(|&d| {
            let scaled = step * 10f64.powi(d);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(4) as usize;
    let s = crate::text::num(v, digits);
    // Ticks that happen to be whole read better without trailing zeros ("1" beside "1.5").
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Computes the nomogram; `None` when no variable has a finite coefficient and a non-empty range.
pub fn layout(n: &Nomogram) -> Option<Layout> {
    let usable: Vec<_> = n
        .variables
        .iter()
        .filter(|v| {
            v.coefficient.is_finite()
                && v.min.is_finite()
                && v.max.is_finite()
                && v.max > v.min
                && v.coefficient != 0.0
        })
        .collect();
    let max_range = usable
        .iter()
        .map(|v| v.coefficient.abs() * (v.max - v.min))
        .fold(0.0_f64, f64::max);
    if usable.is_empty() || max_range <= 0.0 || !max_range.is_finite() || !n.intercept.is_finite() {
        return None;
    }
    let scale = 100.0 / max_range;
    if !scale.is_finite() {
        return None;
    }
    let mut lp_at_zero = n.intercept;
    let mut total_max = 0.0;
    let mut variables = Vec::new();
    for v in &usable {
        let low = (v.coefficient * v.min).min(v.coefficient * v.max);
        lp_at_zero += low;
        total_max += v.coefficient.abs() * (v.max - v.min) * scale;
        // A 0/1 factor (sex, AFP above a cut-off...) shows only its two levels.
        let values = if v.min == 0.0 && v.max == 1.0 {
            vec![0.0, 1.0]
        } else {
            nice_ticks(v.min, v.max, 5)
        };
        let step = if values.len() > 1 {
            values[1] - values[0]
        } else {
            1.0
        };
        let mut ticks: Vec<(f64, String)> = values
            .iter()
            .map(|&x| ((v.coefficient * x - low) * scale, tick_text(x, step)))
            .collect();
        if ticks.is_empty() {
            ticks = vec![
                (
                    (v.coefficient * v.min - low) * scale,
                    crate::text::num(v.min, 2),
                ),
                (
                    (v.coefficient * v.max - low) * scale,
                    crate::text::num(v.max, 2),
                ),
            ];
        }
        let ends = (
            (v.coefficient * v.min - low) * scale,
            (v.coefficient * v.max - low) * scale,
        );
        variables.push(Axis {
            label: v.name.clone(),
            ticks,
            span: (ends.0.min(ends.1), ends.0.max(ends.1)),
        });
    }
    let total_values = nice_ticks(0.0, total_max, 8);
    let total_step = if total_values.len() > 1 {
        total_values[1] - total_values[0]
    } else {
        1.0
    };
    let total = Axis {
        label: "Total points".into(),
        span: (0.0, total_max),
        ticks: total_values
            .iter()
            .map(|&t| (t, tick_text(t, total_step)))
            .collect(),
    };
    let candidates = [
        0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999,
    ];
    let probability = Axis {
        label: "Probability".into(),
        span: (0.0, 0.0),
        ticks: candidates
            .iter()
            .filter_map(|&p: &f64| {
                let t = ((p / (1.0 - p)).ln() - lp_at_zero) * scale;
                (t >= -1e-9 && t <= total_max + 1e-9).then(|| (t, format!("{p}")))
            })
            .collect(),
    };
    Some(Layout {
        scale,
        total_max,
        lp_at_zero,
        variables,
        total,
        probability,
    })
}

fn fail(e: impl std::fmt::Display) -> ReportError {
    ReportError::Figure {
        figure: "nomogram".into(),
        message: e.to_string(),
    }
}

/// Draws the nomogram of `outcome_name`'s combined model.
pub fn nomogram_figure(outcome_name: &str, n: &Nomogram) -> Result<Option<Figure>, ReportError> {
    let Some(lay) = layout(n) else {
        return Ok(None);
    };
    let (x0, x1) = (210_i32, 870_i32);
    let row = 54_i32;
    let top = 40_i32;
    let rows = lay.variables.len() as i32 + 3;
    let width = 900_u32;
    let height = (top + rows * row + 20) as u32;
    let title = format!("{outcome_name}: nomogram");
    // Fractions are clamped so that no rounding at extreme inputs leaves the drawing.
    let px = |fraction: f64| x0 + (fraction.clamp(0.0, 1.0) * f64::from(x1 - x0)).round() as i32;
    let px_points = |p: f64| px(p / 100.0);
    let px_total = |t: f64| px(t / lay.total_max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let ink = RGBColor(40, 40, 40);
        let title_style = ("sans-serif", 17)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(
            title.clone(),
            (width as i32 / 2, 12),
            title_style,
        ))
        .map_err(fail)?;
        let label_style = ("sans-serif", 14)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Right, VPos::Center));
        let tick_style = ("sans-serif", 12)
            .into_font()
            .color(&RGBColor(70, 70, 70))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        // Ticks are sorted by x. Labels that would collide are dropped, the ends kept.
        let draw_axis =
            |y: i32, label: &str, ticks: &[(i32, String)], span: (i32, i32), colour: RGBColor| {
                let style = ShapeStyle::from(&colour).stroke_width(2);
                root.draw(&Text::new(
                    label.to_string(),
                    (x0 - 18, y),
                    label_style.clone(),
                ))?;
                let first = ticks.first().map_or(span.0, |t| t.0.min(span.0));
                let last = ticks.last().map_or(span.1, |t| t.0.max(span.1));
                root.draw(&PathElement::new(vec![(first, y), (last, y)], style))?;
                let min_gap = 30;
                let mut shown: Vec<usize> = Vec::new();
                if let Some(end) = ticks.len().checked_sub(1) {
                    shown.push(0);
                    for i in 1..end {
                        let prev = ticks[shown[shown.len() - 1]].0;
                        if ticks[i].0 - prev >= min_gap && ticks[end].0 - ticks[i].0 >= min_gap {
                            shown.push(i);
                        }
                    }
                    if end > 0 && ticks[end].0 - ticks[shown[shown.len() - 1]].0 >= min_gap / 2 {
                        shown.push(end);
                    }
                }
                for (i, (x, text)) in ticks.iter().enumerate() {
                    root.draw(&PathElement::new(vec![(*x, y), (*x, y - 6)], style))?;
                    if shown.contains(&i) {
                        root.draw(&Text::new(text.clone(), (*x, y - 9), tick_style.clone()))?;
                    }
                }
                Ok::<(), DrawingAreaErrorKind<std::io::Error>>(())
            };
        let mut y = top + row / 2;
        let point_ticks: Vec<(i32, String)> = (0..=10)
            .map(|k| (px_points(f64::from(k * 10)), format!("{}", k * 10)))
            .collect();
        draw_axis(y, "Points", &point_ticks, (x0, x1), RGBColor(40, 40, 40)).map_err(fail)?;
        for (i, v) in lay.variables.iter().enumerate() {
            y += row;
            let mut ticks: Vec<(i32, String)> = v
                .ticks
                .iter()
                .map(|(p, t)| (px_points(*p), t.clone()))
                .collect();
            ticks.sort_by_key(|t| t.0);
            let span = (px_points(v.span.0), px_points(v.span.1));
            draw_axis(y, &v.label, &ticks, span, super::chart::color(i)).map_err(fail)?;
        }
        y += row;
        let ticks: Vec<(i32, String)> = lay
            .total
            .ticks
            .iter()
            .map(|(t, s)| (px_total(*t), s.clone()))
            .collect();
        draw_axis(y, &lay.total.label, &ticks, (x0, x1), RGBColor(40, 40, 40)).map_err(fail)?;
        y += row;
        let ticks: Vec<(i32, String)> = lay
            .probability
            .ticks
            .iter()
            .map(|(t, s)| (px_total(*t), s.clone()))
            .collect();
        if !ticks.is_empty() {
            let span = (ticks[0].0, ticks[ticks.len() - 1].0);
            draw_axis(
                y,
                &lay.probability.label,
                &ticks,
                span,
                RGBColor(180, 30, 30),
            )
            .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    let names: Vec<String> = lay.variables.iter().map(|v| escape(&v.label)).collect();
    let caption = format!(
        "Nomogram of the combined model for {}. Read each variable's points on the top scale, add \
         them, and read the predicted probability under the total. Variables: {}. One unit of the \
         linear predictor is {} points.",
        escape(outcome_name),
        names.join(", "),
        crate::text::num(lay.scale, 2)
    );
    Ok(Some(Figure {
        kind: "nomogram",
        title,
        body: svg,
        caption,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::NomogramVariable;

    fn var(name: &str, coefficient: f64, min: f64, max: f64) -> NomogramVariable {
        NomogramVariable {
            name: name.into(),
            coefficient,
            min,
            max,
        }
    }

    /// Worked by hand from the rms definition: A (b = 0.5 on 0..10) spans 5 LP units, the widest,
    /// so 20 points per LP unit; B (b = −1 on 0..2) spans 40 points, reversed. Total 0..140;
    /// LP(total) = −2 + 0 + (−2) + total/20, so p = 0.5 at total 80 and p = 0.1 at
    /// (ln(1/9) + 4)·20 = 36.0555.
    #[test]
    fn points_and_probability_by_hand() {
        let n = Nomogram {
            intercept: -2.0,
            variables: vec![var("A", 0.5, 0.0, 10.0), var("B <x>", -1.0, 0.0, 2.0)],
        };
        let lay = layout(&n).expect("two usable variables");
        assert!((lay.scale - 20.0).abs() < 1e-12);
        assert!((lay.total_max - 140.0).abs() < 1e-12);
        assert!((lay.lp_at_zero + 4.0).abs() < 1e-12);
        let a = &lay.variables[0];
        assert_eq!(a.ticks.first().map(|t| t.1.as_str()), Some("0"));
        assert!(a
            .ticks
            .iter()
            .any(|(p, s)| s == "10" && (p - 100.0).abs() < 1e-9));
        assert!(a
            .ticks
            .iter()
            .any(|(p, s)| s == "4" && (p - 40.0).abs() < 1e-9));
        let b = &lay.variables[1];
        assert!(b
            .ticks
            .iter()
            .any(|(p, s)| s == "0" && (p - 40.0).abs() < 1e-9));
        assert!(b.ticks.iter().any(|(p, s)| s == "2" && p.abs() < 1e-9));
        let p50 = lay
            .probability
            .ticks
            .iter()
            .find(|t| t.1 == "0.5")
            .expect("p = 0.5 in range");
        assert!((p50.0 - 80.0).abs() < 1e-9);
        let p10 = lay
            .probability
            .ticks
            .iter()
            .find(|t| t.1 == "0.1")
            .expect("p = 0.1 in range");
        assert!((p10.0 - 36.055_508_5).abs() < 1e-6, "{}", p10.0);
        // Probabilities outside the total-points range (LP −4..3) are not drawn.
        assert!(lay
            .probability
            .ticks
            .iter()
            .all(|t| t.1 != "0.001" && t.1 != "0.99"));
    }

    #[test]
    fn degenerate_nomograms_are_none() {
        assert!(layout(&Nomogram::default()).is_none());
        let n = Nomogram {
            intercept: 0.0,
            variables: vec![var("flat", 1.0, 3.0, 3.0), var("nan", f64::NAN, 0.0, 1.0)],
        };
        assert!(layout(&n).is_none());
        assert!(nomogram_figure("x", &n).expect("no error").is_none());
    }

    #[test]
    fn nice_ticks_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(1.0, 1.0, 5), vec![1.0]);
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }
}
