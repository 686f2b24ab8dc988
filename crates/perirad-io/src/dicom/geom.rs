//! Small vector helpers and the tolerances the DICOM readers share.
//!
//! Tolerances (one place, so that the series, SEG and RTSTRUCT readers agree):
//! * [`position_tolerance`]: a slice gap or position counts as regular when it is within
//!   1% of the slice spacing plus 0.01 mm of the expected value. The 0.01 mm absorbs positions
//!   written as decimal strings with two decimals (±0.005 mm each, so ±0.01 mm on a gap) and the
//!   float32 round trips some writers make; the 1% absorbs table jitter. Genuinely irregular
//!   series (variable-thickness protocols, interleaved reconstructions) differ by 10% or more.
//! * [`COSINE_TOLERANCE`]: direction cosines agree within 1e-4 (0.006°), far above the 6-decimal
//!   rounding of ImageOrientationPatient strings.
//! * [`PIXEL_SPACING_TOLERANCE`]: pixel spacings agree within 1e-4 relative.
//! * [`lateral_tolerance`]: slice origins may drift sideways (off the slice normal) by a tenth of
//!   the smaller pixel spacing over the whole stack; more is reported as gantry tilt.

/// Largest accepted deviation (mm) of a slice gap or position from its expected value, for a slice
/// spacing of `spacing` mm: 1% of the spacing plus 0.01 mm.
pub(crate) fn position_tolerance(spacing: f64) -> f64 {
    0.01 * spacing.abs() + 0.01
}

/// Two slices closer than this (mm) along the normal sit at the same position.
pub(crate) const DUPLICATE_DISTANCE: f64 = 0.01;

/// Largest accepted difference between direction cosines.
pub(crate) const COSINE_TOLERANCE: f64 = 1e-4;

/// Largest accepted relative difference between pixel spacings.
pub(crate) const PIXEL_SPACING_TOLERANCE: f64 = 1e-4;

/// Largest accepted sideways drift (mm) of slice origins across a stack with the given in-plane
/// pixel spacings: a tenth of the smaller one.
pub(crate) fn lateral_tolerance(pixel_spacing: [f64; 2]) -> f64 {
    0.1 * pixel_spacing[0].min(pixel_spacing[1])
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

fn normalized(a: [f64; 3]) -> Option<[f64; 3]> {
    let n = norm(a);
    (n > 1e-12 && n.is_finite()).then(|| [a[0] / n, a[1] / n, a[2] / n])
}

/// The direction cosines ITK's GDCMImageIO derives from ImageOrientationPatient: slice normal
/// `s = normalize(row × col)`, then `row' = normalize(col × s)` and `col' = s × row'`, so the
/// matrix is orthonormal even when the file's cosines are slightly off. Returned as the three
/// axis directions `[row', col', s]`; `None` when the cosines are degenerate.
pub(crate) fn itk_axes(iop: [f64; 6]) -> Option<[[f64; 3]; 3]> {
    let row = [iop[0], iop[1], iop[2]];
    let col = [iop[3], iop[4], iop[5]];
    let slice = normalized(cross(row, col))?;
    let row2 = normalized(cross(col, slice))?;
    let col2 = cross(slice, row2);
    Some([row2, col2, slice])
}

/// Row-major direction matrix whose column `c` is `axes[c]`.
pub(crate) fn direction_from_axes(axes: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut d = [[0.0; 3]; 3];
    for (c, axis) in axes.iter().enumerate() {
        for (r, v) in axis.iter().enumerate() {
            d[r][c] = *v;
        }
    }
    d
}

/// True when two orientations (six cosines each) agree within [`COSINE_TOLERANCE`].
pub(crate) fn same_orientation(a: [f64; 6], b: [f64; 6]) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(x, y)| (x - y).abs() <= COSINE_TOLERANCE)
}

/// True when two pixel spacings agree within [`PIXEL_SPACING_TOLERANCE`] (relative).
pub(crate) fn same_spacing(a: [f64; 2], b: [f64; 2]) -> bool {
    a.iter()
        .zip(b.iter())
        .all(|(x, y)| (x - y).abs() <= PIXEL_SPACING_TOLERANCE * x.abs().max(y.abs()))
}

/// Formats a point with three decimals.
pub(crate) fn fmt_point(p: [f64; 3]) -> String {
    format!("({:.3}, {:.3}, {:.3})", p[0], p[1], p[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itk_axes_orthonormalise() {
        let axes = itk_axes([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]).expect("valid");
        assert_eq!(axes, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
        // slightly non-orthogonal cosines become orthonormal, the row direction kept in its plane
        let axes = itk_axes([1.0, 0.001, 0.0, 0.0, 1.0, 0.0]).expect("valid");
        assert!(dot(axes[0], axes[1]).abs() < 1e-15);
        assert!((norm(axes[0]) - 1.0).abs() < 1e-15);
        assert!(itk_axes([1.0, 0.0, 0.0, 2.0, 0.0, 0.0]).is_none());
        let d = direction_from_axes([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]]);
        assert_eq!(d, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]]);
    }
}
