//! Small dense linear algebra for the shape families: symmetric eigenvalues (cyclic Jacobi,
//! deterministic) and voxel-position covariance.

/// Eigenvalues of the symmetric `n × n` matrix `a` (row-major, n ≤ 4), ascending. Cyclic Jacobi
/// rotations until the off-diagonal mass is below 1e-30 of the diagonal's (or 100 sweeps).
pub fn symmetric_eigenvalues<const N: usize>(mut a: [[f64; N]; N]) -> [f64; N] {
    for _ in 0..100 {
        let off: f64 = (0..N)
            .flat_map(|i| (0..N).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diag: f64 = (0..N).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..N {
            for q in p + 1..N {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let akp = row[p];
                    let akq = row[q];
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                for k in 0..N {
                    a[p][k] = c * rp[k] - s * rq[k];
                    a[q][k] = s * rp[k] + c * rq[k];
                }
            }
        }
    }
    let mut e: [f64; N] = std::array::from_fn(|i| a[i][i]);
    e.sort_by(f64::total_cmp);
    e
}

/// Population covariance (divided by N) of `points`; zero for fewer than one point.
pub fn covariance<const N: usize>(points: &[[f64; N]]) -> [[f64; N]; N] {
    let n = points.len() as f64;
    let mut c = [[0.0; N]; N];
    if points.is_empty() {
        return c;
    }
    let mut mean = [0.0; N];
    for p in points {
        for d in 0..N {
            mean[d] += p[d];
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    for p in points {
        for i in 0..N {
            for j in 0..N {
                c[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]);
            }
        }
    }
    for row in &mut c {
        for v in row.iter_mut() {
            *v /= n;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_spectrum() {
        let e = symmetric_eigenvalues([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]]);
        for (g, w) in e.iter().zip([1.0, 3.0, 5.0]) {
            assert!((g - w).abs() < 1e-14, "{e:?}");
        }
    }
}
