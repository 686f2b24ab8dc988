//! IBSI-1 morphological features (family HCUG), keyed by the tags of IBSI's reference tables.
//!
//! The mesh is marching cubes on the morphological mask padded by one background voxel (vertices
//! at edge midpoints; see [`super::mesh`]); positions are voxel index × spacing (distances,
//! volumes and areas do not depend on the orthonormal direction matrix). Notation: V mesh volume,
//! A mesh area, N_v voxels of the morphological mask, λ_1 ≥ λ_2 ≥ λ_3 eigenvalues of the
//! sample covariance (divided by N_v − 1) of its voxel-centre positions. Intensity-based morphology
//! (integrated intensity, Moran's I, Geary's C) lives elsewhere.

use super::hull::{convex_hull, volume_area};
use super::linalg::{covariance, symmetric_eigenvalues};
use super::mesh::{marching_cubes, Mesh};
use perirad_core::{Mask, Volume};
use std::collections::BTreeSet;
use std::f64::consts::PI;

/// `(tag, IBSI code, formula)` of every feature [`ibsi_morphology`] returns, in its order.
pub const IBSI_MORPHOLOGY: &[(&str, &str, &str)] = &[
    ("morph_volume", "RNU0", "V = Σ_faces (a × b) · c / 6"),
    ("morph_vol_approx", "YEKZ", "N_v · Δx Δy Δz"),
    ("morph_area_mesh", "C0JK", "A = Σ_faces |(b − a) × (c − a)| / 2"),
    ("morph_av", "2PR5", "A / V"),
    ("morph_comp_1", "SKGS", "V / (π^(1/2) A^(3/2))"),
    ("morph_comp_2", "BQWJ", "36 π V² / A³"),
    ("morph_sph_dispr", "KRCK", "A / (36 π V²)^(1/3)"),
    ("morph_sphericity", "QCFX", "(36 π V²)^(1/3) / A"),
    ("morph_asphericity", "25C7", "(A³ / (36 π V²))^(1/3) − 1"),
    (
        "morph_com",
        "KLMA",
        "|mean_morph(X) − Σ_int X I / Σ_int I| (geometric centre of the morphological mask vs intensity-weighted centre of the intensity mask)",
    ),
    ("morph_diam", "L0JK", "max |v_i − v_j| over mesh vertices (searched on the convex hull)"),
    ("morph_pca_maj_axis", "TDIC", "4 √λ_1"),
    ("morph_pca_min_axis", "P9VJ", "4 √λ_2"),
    ("morph_pca_least_axis", "7J51", "4 √λ_3"),
    ("morph_pca_elongation", "Q3CK", "√(λ_2 / λ_1)"),
    ("morph_pca_flatness", "N17B", "√(λ_3 / λ_1)"),
    ("morph_vol_dens_aabb", "PBX1", "V / (l_x l_y l_z), l: mesh-vertex extents along the grid axes"),
    ("morph_area_dens_aabb", "R59B", "A / 2(l_x l_y + l_x l_z + l_y l_z)"),
    (
        "morph_vol_dens_ombb",
        "ZH1A",
        "V / V_ombb; box with one face on a convex-hull facet plane, minimum-area rectangle in that plane (not standardised)",
    ),
    ("morph_area_dens_ombb", "IQYR", "A / A_ombb (same box; not standardised)"),
    ("morph_vol_dens_aee", "6BDE", "3 V / (4 π a b c), a, b, c = 2 √λ_1, 2 √λ_2, 2 √λ_3"),
    (
        "morph_area_dens_aee",
        "RDD2",
        "A / A_ee, A_ee = 4 π a b Σ_{ν=0}^{20} (αβ)^ν P_ν((α² + β²) / 2αβ) / (1 − 4ν²), α = √(1 − b²/a²), β = √(1 − c²/a²)",
    ),
    (
        "morph_vol_dens_mvee",
        "SWZ1",
        "V / V_mvee; minimum-volume enclosing ellipsoid of the hull vertices (Khachiyan, tolerance 1e-9; not standardised)",
    ),
    ("morph_area_dens_mvee", "BRI8", "A / A_mvee (series as for the AEE; not standardised)"),
    ("morph_vol_dens_conv_hull", "R3ER", "V / V_hull, convex hull of the mesh vertices"),
    ("morph_area_dens_conv_hull", "7T7F", "A / A_hull"),
];

/// IBSI morphological features of `morph_mask` (the morphological mask), with the centre-of-mass
/// shift taken against the intensities of `image` in `intensity_mask` (same grid). Values keyed
/// by the tags of [`IBSI_MORPHOLOGY`], in that order. Empty when the morphological mask is empty
/// (or when the grids differ). A single voxel is defined (octahedral mesh, PCA lengths 0,
/// elongation/flatness and the AEE densities NaN).
pub fn ibsi_morphology(
    morph_mask: &Mask,
    image: &Volume<f64>,
    intensity_mask: &Mask,
) -> Vec<(&'static str, f64)> {
    let g = morph_mask.geometry();
    if image.geometry().size() != g.size() || intensity_mask.geometry().size() != g.size() {
        return Vec::new();
    }
    let Some(mesh) = marching_cubes(morph_mask) else {
        return Vec::new();
    };
    let sp = g.spacing();
    let size = g.size();
    let pos = |i: usize, j: usize, k: usize| [i as f64 * sp[0], j as f64 * sp[1], k as f64 * sp[2]];
    // Voxel positions of the morphological mask; intensity-weighted centre of the intensity mask.
    let mut pts: Vec<[f64; 3]> = Vec::new();
    let mut wsum = [0.0f64; 3];
    let mut w = 0.0f64;
    for k in 0..size[2] {
        for j in 0..size[1] {
            for i in 0..size[0] {
                let l = g.linear_index(i, j, k);
                if morph_mask.data()[l] {
                    pts.push(pos(i, j, k));
                }
                if intensity_mask.data()[l] {
                    let v = image.data()[l];
                    let p = pos(i, j, k);
                    for d in 0..3 {
                        wsum[d] += v * p[d];
                    }
                    w += v;
                }
            }
        }
    }
    let n = pts.len() as f64;
    let mut centre = [0.0f64; 3];
    for p in &pts {
        for d in 0..3 {
            centre[d] += p[d];
        }
    }
    let com = (0..3)
        .map(|d| (centre[d] / n - wsum[d] / w).powi(2))
        .sum::<f64>()
        .sqrt();
    // IBSI's PCA uses the sample covariance (divided by N_v − 1): the digital phantom's
    // reference values need it.
    let unbias = if pts.len() > 1 { n / (n - 1.0) } else { 1.0 };
    let [l3, l2, l1] = symmetric_eigenvalues(covariance(&pts)).map(|l| (l * unbias).max(0.0));

    let (v, a) = (mesh.volume, mesh.area);
    let verts = mesh.vertices();
    let hull = convex_hull(&mesh.half_index);
    let hull_vertices: Vec<usize> = match &hull {
        Some(h) => h.vertices.clone(),
        None => (0..verts.len()).collect(),
    };
    let mut diam2 = 0.0f64;
    for (x, &p) in hull_vertices.iter().enumerate() {
        for &q in &hull_vertices[..x] {
            diam2 = diam2.max(dist2(verts[p], verts[q]));
        }
    }
    let (hull_v, hull_a) = hull
        .as_ref()
        .map_or((f64::NAN, f64::NAN), |h| volume_area(h, &verts));

    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for p in &verts {
        for d in 0..3 {
            lo[d] = lo[d].min(p[d]);
            hi[d] = hi[d].max(p[d]);
        }
    }
    let e = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    let (ombb_v, ombb_a) = match &hull {
        Some(h) => ombb(&mesh, h, &verts),
        None => (f64::NAN, f64::NAN),
    };
    let (aee_a, aee_b, aee_c) = (2.0 * l1.sqrt(), 2.0 * l2.sqrt(), 2.0 * l3.sqrt());
    let hull_pts: Vec<[f64; 3]> = hull_vertices.iter().map(|&i| verts[i]).collect();
    let [m1, m2, m3] = mvee_semi_axes(&hull_pts);
    let s = (36.0 * PI * v * v).cbrt();
    vec![
        ("morph_volume", v),
        ("morph_vol_approx", n * g.voxel_volume()),
        ("morph_area_mesh", a),
        ("morph_av", a / v),
        ("morph_comp_1", v / (PI.sqrt() * a.powf(1.5))),
        ("morph_comp_2", 36.0 * PI * v * v / a.powi(3)),
        ("morph_sph_dispr", a / s),
        ("morph_sphericity", s / a),
        (
            "morph_asphericity",
            (a.powi(3) / (36.0 * PI * v * v)).cbrt() - 1.0,
        ),
        ("morph_com", com),
        ("morph_diam", diam2.sqrt()),
        ("morph_pca_maj_axis", 4.0 * l1.sqrt()),
        ("morph_pca_min_axis", 4.0 * l2.sqrt()),
        ("morph_pca_least_axis", 4.0 * l3.sqrt()),
        ("morph_pca_elongation", (l2 / l1).sqrt()),
        ("morph_pca_flatness", (l3 / l1).sqrt()),
        ("morph_vol_dens_aabb", v / (e[0] * e[1] * e[2])),
        (
            "morph_area_dens_aabb",
            a / (2.0 * (e[0] * e[1] + e[0] * e[2] + e[1] * e[2])),
        ),
        ("morph_vol_dens_ombb", v / ombb_v),
        ("morph_area_dens_ombb", a / ombb_a),
        (
            "morph_vol_dens_aee",
            v / (4.0 * PI / 3.0 * aee_a * aee_b * aee_c),
        ),
        (
            "morph_area_dens_aee",
            a / ellipsoid_area(aee_a, aee_b, aee_c),
        ),
        ("morph_vol_dens_mvee", v / (4.0 * PI / 3.0 * m1 * m2 * m3)),
        ("morph_area_dens_mvee", a / ellipsoid_area(m1, m2, m3)),
        ("morph_vol_dens_conv_hull", v / hull_v),
        ("morph_area_dens_conv_hull", a / hull_a),
    ]
}

fn dist2(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// IBSI's series approximation of the surface area of an ellipsoid with semi-axes a ≥ b ≥ c:
/// 4 π a b Σ_{ν=0}^{20} (αβ)^ν P_ν((α² + β²) / 2αβ) / (1 − 4ν²). The products (αβ)^ν P_ν(·) are
/// computed by the Legendre recurrence multiplied through by (αβ)^ν, which needs no division by
/// αβ (a spheroid or sphere is fine).
pub fn ellipsoid_area(a: f64, b: f64, c: f64) -> f64 {
    let alpha = (1.0 - (b / a).powi(2)).max(0.0).sqrt();
    let beta = (1.0 - (c / a).powi(2)).max(0.0).sqrt();
    let half_sum = (alpha * alpha + beta * beta) / 2.0; // x · αβ
    let prod2 = (alpha * beta).powi(2);
    let (mut q_prev, mut q) = (1.0f64, half_sum); // Q_0, Q_1
    let mut sum = 1.0 + q / (1.0 - 4.0);
    for nu in 1..20 {
        let nf = nu as f64;
        let next = ((2.0 * nf + 1.0) * half_sum * q - nf * prod2 * q_prev) / (nf + 1.0);
        q_prev = q;
        q = next;
        let m = nf + 1.0;
        sum += q / (1.0 - 4.0 * m * m);
    }
    4.0 * PI * a * b * sum
}

/// Semi-axes (descending) of the minimum-volume enclosing ellipsoid of `points`, by Khachiyan's
/// algorithm (tolerance 1e-9 on the weight update, at most 20 000 iterations). NaN when the
/// points do not span 3D.
pub fn mvee_semi_axes(points: &[[f64; 3]]) -> [f64; 3] {
    let n = points.len();
    if n < 4 {
        return [f64::NAN; 3];
    }
    // Centre the points for conditioning.
    let mut c0 = [0.0; 3];
    for p in points {
        for d in 0..3 {
            c0[d] += p[d] / n as f64;
        }
    }
    let q: Vec<[f64; 4]> = points
        .iter()
        .map(|p| [p[0] - c0[0], p[1] - c0[1], p[2] - c0[2], 1.0])
        .collect();
    let mut u = vec![1.0 / n as f64; n];
    for _ in 0..20_000 {
        let mut x = [[0.0; 4]; 4];
        for (qi, &ui) in q.iter().zip(&u) {
            for r in 0..4 {
                for c in 0..4 {
                    x[r][c] += ui * qi[r] * qi[c];
                }
            }
        }
        let Some(xi) = invert(x) else {
            return [f64::NAN; 3];
        };
        let (mut best, mut m_best) = (0, f64::NEG_INFINITY);
        for (j, qj) in q.iter().enumerate() {
            let mut m = 0.0;
            for r in 0..4 {
                for c in 0..4 {
                    m += qj[r] * xi[r][c] * qj[c];
                }
            }
            if m > m_best {
                m_best = m;
                best = j;
            }
        }
        let step = (m_best - 4.0) / (4.0 * (m_best - 1.0));
        if !step.is_finite() || step <= 1e-9 {
            break;
        }
        for ui in &mut u {
            *ui *= 1.0 - step;
        }
        u[best] += step;
    }
    let mut c = [0.0; 3];
    for (qi, &ui) in q.iter().zip(&u) {
        for d in 0..3 {
            c[d] += ui * qi[d];
        }
    }
    let mut s = [[0.0; 3]; 3];
    for (qi, &ui) in q.iter().zip(&u) {
        for r in 0..3 {
            for cc in 0..3 {
                s[r][cc] += ui * (qi[r] - c[r]) * (qi[cc] - c[cc]);
            }
        }
    }
    // Ellipsoid (x − c)ᵀ (S/... )⁻¹: shape matrix A = S⁻¹ / 3, semi-axes 1/√eig(A) = √(3 eig(S)).
    let e = symmetric_eigenvalues(s);
    [
        (3.0 * e[2]).sqrt(),
        (3.0 * e[1]).sqrt(),
        (3.0 * e[0]).max(0.0).sqrt(),
    ]
}

fn invert<const N: usize>(mut m: [[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut inv = [[0.0; N]; N];
    for (i, row) in inv.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for col in 0..N {
        let piv = (col..N).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[piv][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, piv);
        inv.swap(col, piv);
        let d = m[col][col];
        for c in 0..N {
            m[col][c] /= d;
            inv[col][c] /= d;
        }
        for r in 0..N {
            if r != col {
                let f = m[r][col];
                if f != 0.0 {
                    let (mr, ir) = (m[col], inv[col]);
                    for c in 0..N {
                        m[r][c] -= f * mr[c];
                        inv[r][c] -= f * ir[c];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Oriented bounding box, volume and area: for every distinct convex-hull facet plane, the box
/// with one face on that plane and, within the plane, the minimum-area rectangle around the
/// projected hull vertices (one rectangle side on an edge of their 2D hull); the smallest-volume
/// box wins. The axis-aligned box is a candidate too. The exact minimum box may have no face on a
/// facet (O'Rourke), so this is an upper bound of the minimum volume — IBSI does not standardise
/// this feature.
fn ombb(mesh: &Mesh, hull: &super::hull::Hull, verts: &[[f64; 3]]) -> (f64, f64) {
    let hv: Vec<[f64; 3]> = hull.vertices.iter().map(|&i| verts[i]).collect();
    // Lattice facet normals reduced by their gcd; the physical normal scales by 1 / spacing.
    let mut normals: BTreeSet<[i64; 3]> = BTreeSet::new();
    for f in &hull.faces {
        let [a, b, c] = f.map(|i| mesh.half_index[i]);
        let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        let mut nrm = [
            u[1] * w[2] - u[2] * w[1],
            u[2] * w[0] - u[0] * w[2],
            u[0] * w[1] - u[1] * w[0],
        ];
        let g = gcd(gcd(nrm[0].abs(), nrm[1].abs()), nrm[2].abs());
        if g == 0 {
            continue;
        }
        for x in &mut nrm {
            *x /= g;
        }
        let first = nrm.iter().copied().find(|&x| x != 0).unwrap_or(1);
        if first < 0 {
            nrm = nrm.map(|x| -x);
        }
        normals.insert(nrm);
    }
    let sp = mesh.spacing;
    let mut best = box_of(&hv, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    for nl in normals {
        let n = unit([
            nl[0] as f64 / sp[0],
            nl[1] as f64 / sp[1],
            nl[2] as f64 / sp[2],
        ]);
        // Any in-plane basis (t, s); the rectangle search rotates it.
        let helper = if n[0].abs() < 0.9 {
            [1.0, 0.0, 0.0]
        } else {
            [0.0, 1.0, 0.0]
        };
        let t = unit(cross(n, helper));
        let s = cross(n, t);
        let pts2: Vec<[f64; 2]> = hv.iter().map(|p| [dot(*p, t), dot(*p, s)]).collect();
        let h2 = hull_2d(pts2);
        let (mut h_lo, mut h_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in &hv {
            let d = dot(*p, n);
            h_lo = h_lo.min(d);
            h_hi = h_hi.max(d);
        }
        let height = h_hi - h_lo;
        let m = h2.len();
        for e in 0..m {
            let p = h2[e];
            let q = h2[(e + 1) % m];
            let len = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
            if len == 0.0 {
                continue;
            }
            let dir = [(q[0] - p[0]) / len, (q[1] - p[1]) / len];
            let (mut a0, mut a1, mut b0, mut b1) = (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            );
            for r in &h2 {
                let x = r[0] * dir[0] + r[1] * dir[1];
                let y = -r[0] * dir[1] + r[1] * dir[0];
                a0 = a0.min(x);
                a1 = a1.max(x);
                b0 = b0.min(y);
                b1 = b1.max(y);
            }
            let (l1, l2) = (a1 - a0, b1 - b0);
            let vol = l1 * l2 * height;
            if vol < best.0 {
                best = (vol, 2.0 * (l1 * l2 + l1 * height + l2 * height));
            }
        }
    }
    best
}

/// Volume and area of the box around `pts` with edges along the orthonormal `axes`.
fn box_of(pts: &[[f64; 3]], axes: [[f64; 3]; 3]) -> (f64, f64) {
    let l = axes.map(|ax| {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in pts {
            let d = dot(*p, ax);
            lo = lo.min(d);
            hi = hi.max(d);
        }
        hi - lo
    });
    (
        l[0] * l[1] * l[2],
        2.0 * (l[0] * l[1] + l[0] * l[2] + l[1] * l[2]),
    )
}

/// 2D convex hull (Andrew's monotone chain), counter-clockwise, without collinear points.
fn hull_2d(mut p: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let turn = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut h: Vec<[f64; 2]> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = h.len();
        let iter: Box<dyn Iterator<Item = &[f64; 2]>> = if pass == 0 {
            Box::new(p.iter())
        } else {
            Box::new(p.iter().rev())
        };
        for &q in iter {
            while h.len() >= start + 2 && turn(h[h.len() - 2], h[h.len() - 1], q) <= 0.0 {
                h.pop();
            }
            h.push(q);
        }
        h.pop();
    }
    h
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let l = dot(a, a).sqrt();
    [a[0] / l, a[1] / l, a[2] / l]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphere_and_spheroid_areas() {
        assert!((ellipsoid_area(2.0, 2.0, 2.0) - 16.0 * PI).abs() < 1e-12);
    }

    #[test]
    fn mvee_of_a_box_is_its_circumscribed_ellipsoid() {
        let mut pts = Vec::new();
        for x in [-1.0, 1.0] {
            for y in [-2.0, 2.0] {
                for z in [-3.0, 3.0] {
                    pts.push([x, y, z]);
                }
            }
        }
        let s = mvee_semi_axes(&pts);
        let want = [3.0 * 3f64.sqrt(), 2.0 * 3f64.sqrt(), 3f64.sqrt()];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{s:?}");
        }
    }
}
