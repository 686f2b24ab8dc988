//! Small 3×3 helpers shared by the readers: quaternions (NIfTI qform), polar decomposition
//! (NIfTI sform), normalisation, and the RAS→LPS flip.

pub(crate) type M3 = [[f64; 3]; 3];

/// Rotation matrix of a NIfTI quaternion (b, c, d; a ≥ 0 implied), third column times `qfac`.
/// NIfTI-1 standard, `quatern_to_mat44`.
pub(crate) fn quatern_to_matrix(b: f64, c: f64, d: f64, qfac: f64) -> M3 {
    let (mut b, mut c, mut d) = (b, c, d);
    let mut a = 1.0 - (b * b + c * c + d * d);
    if a < 1e-7 {
        // Special case of the standard: a 180° rotation; renormalise (b, c, d).
        let n = 1.0 / (b * b + c * c + d * d).sqrt();
        b *= n;
        c *= n;
        d *= n;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    let q = if qfac < 0.0 { -1.0 } else { 1.0 };
    [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            q * 2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            q * 2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            q * (a * a + d * d - c * c - b * b),
        ],
    ]
}

pub(crate) fn det(m: &M3) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Column norms of `m`.
pub(crate) fn column_norms(m: &M3) -> [f64; 3] {
    let mut n = [0.0; 3];
    for (c, nc) in n.iter_mut().enumerate() {
        *nc = (0..3).map(|r| m[r][c] * m[r][c]).sum::<f64>().sqrt();
    }
    n
}

/// `m` with each column scaled to unit length (a zero column becomes the unit axis).
pub(crate) fn normalize_columns(m: &M3) -> M3 {
    let n = column_norms(m);
    let mut out = *m;
    for c in 0..3 {
        for (r, row) in out.iter_mut().enumerate() {
            row[c] = if n[c] > 0.0 {
                m[r][c] / n[c]
            } else if r == c {
                1.0
            } else {
                0.0
            };
        }
    }
    out
}

/// Converts a RAS direction matrix and origin to LPS (negates the first two rows / coordinates).
pub(crate) fn ras_to_lps(direction: &mut M3, origin: &mut [f64; 3]) {
    direction[0] = direction[0].map(|v| -v);
    direction[1] = direction[1].map(|v| -v);
    origin[0] = -origin[0];
    origin[1] = -origin[1];
}

/// Reduces an LPS direction and origin to a 2D image's, as ITK does for 2D files: the in-plane
/// 2×2 block with each column renormalised over its two components, and z dropped.
#[allow(clippy::needless_range_loop)] // indexes columns of a row-major matrix
pub(crate) fn embed_2d(direction: &mut M3, origin: &mut [f64; 3]) {
    for c in 0..2 {
        let n = (direction[0][c] * direction[0][c] + direction[1][c] * direction[1][c]).sqrt();
        let (x, y) = if n > 0.0 {
            (direction[0][c] / n, direction[1][c] / n)
        } else if c == 0 {
            (1.0, 0.0)
        } else {
            (0.0, 1.0)
        };
        direction[0][c] = x;
        direction[1][c] = y;
        direction[2][c] = 0.0;
    }
    direction[0][2] = 0.0;
    direction[1][2] = 0.0;
    direction[2][2] = 1.0;
    origin[2] = 0.0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quaternion_matrices_are_rotations() {
        let r = quatern_to_matrix(0.1, -0.2, 0.3, 1.0);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| r[k][i] * r[k][j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!((det(&r) - 1.0).abs() < 1e-12);
        assert!((det(&quatern_to_matrix(0.0, 0.0, 0.0, -1.0)) + 1.0).abs() < 1e-15);
    }
}
