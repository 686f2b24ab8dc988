//! Axial slice figures: the windowed grey slice with each region composited as a translucent fill
//! and an opaque outline, encoded as PNG in a `data:` URI, with an HTML legend.

use std::io::Cursor;

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::Figure;
use crate::data::SliceFigure;
use crate::text::escape;
use crate::ReportError;

/// Overlay colours: tumor first, then the rings.
pub const OVERLAY_COLORS: [[u8; 3]; 6] = [
    [230, 40, 40],
    [255, 200, 0],
    [0, 200, 255],
    [60, 220, 60],
    [230, 90, 230],
    [255, 140, 0],
];

/// Opacity of the fill inside a region (the outline is opaque).
const FILL_ALPHA: f64 = 0.22;

/// Composites the overlays onto the grey slice, upscaled by `factor` (nearest neighbour) so
/// that outlines stay one display pixel wide. Returns RGB bytes of size (w·factor)×(h·factor).
/// Masks whose length does not match the slice are skipped (their names are returned).
pub fn composite(s: &SliceFigure, factor: usize) -> (Vec<u8>, Vec<String>) {
    let (w, h) = (s.width, s.height);
    let (fw, fh) = (w * factor, h * factor);
    let mut rgb = vec![0u8; fw * fh * 3];
    for y in 0..fh {
        for x in 0..fw {
            let g = s.gray[(y / factor) * w + x / factor];
            let o = (y * fw + x) * 3;
            rgb[o..o + 3].copy_from_slice(&[g, g, g]);
        }
    }
    let mut skipped = Vec::new();
    for (k, overlay) in s.overlays.iter().enumerate() {
        if overlay.mask.len() != w * h {
            skipped.push(overlay.name.clone());
            continue;
        }
        let colour = OVERLAY_COLORS[k % OVERLAY_COLORS.len()];
        let inside = |x: isize, y: isize| {
            x >= 0
                && y >= 0
                && (x as usize) < fw
                && (y as usize) < fh
                && overlay.mask[(y as usize / factor) * w + x as usize / factor] != 0
        };
        for y in 0..fh as isize {
            for x in 0..fw as isize {
                if !inside(x, y) {
                    continue;
                }
                let edge = !inside(x - 1, y)
                    || !inside(x + 1, y)
                    || !inside(x, y - 1)
                    || !inside(x, y + 1);
                let o = (y as usize * fw + x as usize) * 3;
                for c in 0..3 {
                    rgb[o + c] = if edge {
                        colour[c]
                    } else {
                        let v = f64::from(rgb[o + c]) * (1.0 - FILL_ALPHA)
                            + f64::from(colour[c]) * FILL_ALPHA;
                        v.round() as u8
                    };
                }
            }
        }
    }
    (rgb, skipped)
}

/// Encodes RGB bytes as PNG.
pub fn png_rgb(rgb: &[u8], width: usize, height: usize) -> Result<Vec<u8>, ReportError> {
    let mut out = Vec::new();
    let (w, h) = (
        u32::try_from(width)
            .map_err(|_| ReportError::Invalid(format!("slice width {width} too large")))?,
        u32::try_from(height)
            .map_err(|_| ReportError::Invalid(format!("slice height {height} too large")))?,
    );
    PngEncoder::new(Cursor::new(&mut out))
        .write_image(rgb, w, h, ExtendedColorType::Rgb8)
        .map_err(|e| ReportError::Figure {
            figure: "slice".into(),
            message: e.to_string(),
        })?;
    Ok(out)
}

/// Display width of a slice in CSS pixels.
const DISPLAY_WIDTH: f64 = 340.0;

/// The slice figure, or `None` when the slice has no pixels or its size does not match.
pub fn slice_figure(s: &SliceFigure) -> Result<Option<Figure>, ReportError> {
    let pixels = s.width.checked_mul(s.height);
    if s.width == 0
        || s.height == 0
        || s.width > 4096
        || s.height > 4096
        || pixels != Some(s.gray.len())
    {
        return Ok(None);
    }
    let factor = (512 / s.width.max(s.height)).clamp(1, 8);
    let (rgb, skipped) = composite(s, factor);
    let png = png_rgb(&rgb, s.width * factor, s.height * factor)?;
    let spacing = |v: f64| if v.is_finite() && v > 0.0 { v } else { 1.0 };
    let aspect =
        (s.height as f64 * spacing(s.spacing[1])) / (s.width as f64 * spacing(s.spacing[0]));
    let display_h = (DISPLAY_WIDTH * aspect).round().max(1.0);
    let uri = crate::base64::data_uri("image/png", &png);
    let alt = format!("Axial slice of case {} with region overlays", s.case_id);
    let mut body = format!(
        "<img class=\"slice\" src=\"{uri}\" width=\"{}\" height=\"{display_h}\" alt=\"{}\">",
        DISPLAY_WIDTH,
        escape(&alt)
    );
    body.push_str("<ul class=\"legend\">");
    for (k, o) in s.overlays.iter().enumerate() {
        let [r, g, b] = OVERLAY_COLORS[k % OVERLAY_COLORS.len()];
        body.push_str(&format!(
            "<li><span class=\"swatch\" style=\"border-color:rgb({r},{g},{b});background:rgba({r},{g},{b},0.3)\"></span>{}</li>",
            escape(&o.name)
        ));
    }
    let sx = spacing(s.spacing[0]);
    let sy = spacing(s.spacing[1]);
    // Scale bar: the largest of 5/10/20/50/100 mm that fits in a third of the width.
    let px_per_mm = DISPLAY_WIDTH / (s.width as f64 * sx);
    if let Some(mm) = [100.0, 50.0, 20.0, 10.0, 5.0]
        .into_iter()
        .find(|mm| mm * px_per_mm <= DISPLAY_WIDTH / 3.0)
    {
        body.push_str(&format!(
            "<li><span class=\"scalebar\" style=\"width:{:.0}px\"></span>{mm} mm</li>",
            mm * px_per_mm
        ));
    }
    body.push_str("</ul>");
    let mut caption = if s.caption.trim().is_empty() {
        "Axial slice.".to_string()
    } else {
        format!("{}.", escape(s.caption.trim_end_matches('.')))
    };
    caption.push_str(&format!(
        " Field of view {:.0} × {:.0} mm; regions drawn as outlines with translucent fill.",
        s.width as f64 * sx,
        s.height as f64 * sy
    ));
    if !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|n| escape(n)).collect();
        caption.push_str(&format!(
            " Not drawn (mask size differs from the slice): {}.",
            names.join(", ")
        ));
    }
    Ok(Some(Figure {
        kind: "slice",
        title: format!("Case {}", s.case_id),
        body,
        caption,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Overlay;

    #[test]
    fn outline_is_opaque_and_fill_is_blended() {
        // 5×5 grey 100 with a 3×3 square mask in the middle: its centre is filled, its border outlined.
        let mut mask = vec![0u8; 25];
        for y in 1..4 {
            for x in 1..4 {
                mask[y * 5 + x] = 1;
            }
        }
        let s = SliceFigure {
            case_id: "c".into(),
            width: 5,
            height: 5,
            spacing: [1.0, 1.0],
            gray: vec![100; 25],
            overlays: vec![
                Overlay {
                    name: "tumor".into(),
                    mask,
                },
                Overlay {
                    name: "bad".into(),
                    mask: vec![1; 3],
                },
            ],
            ..Default::default()
        };
        let (rgb, skipped) = composite(&s, 1);
        assert_eq!(skipped, vec!["bad".to_string()]);
        let px = |x: usize, y: usize| {
            [
                rgb[(y * 5 + x) * 3],
                rgb[(y * 5 + x) * 3 + 1],
                rgb[(y * 5 + x) * 3 + 2],
            ]
        };
        assert_eq!(px(0, 0), [100, 100, 100]);
        assert_eq!(px(1, 1), OVERLAY_COLORS[0]);
        // 100·0.78 + 230·0.22 = 128.6; 100·0.78 + 40·0.22 = 86.8.
        assert_eq!(px(2, 2), [129, 87, 87]);
        let png = png_rgb(&rgb, 5, 5).expect("encodes");
        assert_eq!(&png[..8], &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]);
    }

    #[test]
    fn mismatched_slice_is_none() {
        let s = SliceFigure {
            width: 3,
            height: 3,
            gray: vec![0; 4],
            ..Default::default()
        };
        assert!(slice_figure(&s).expect("no error").is_none());
        assert!(slice_figure(&SliceFigure::default())
            .expect("no error")
            .is_none());
    }
}
