//! Exact 3D convex hull of integer points (incremental construction with exact integer
//! orientation tests, so coplanar and collinear points — the rule on voxel lattices — cannot
//! make it fail). Used on mesh vertices, which are on the half-voxel lattice.

use std::collections::HashMap;

/// A convex hull: outward-oriented triangles (indices into the input points) and the points
/// that are hull vertices.
#[derive(Debug, Clone, PartialEq)]
pub struct Hull {
    pub faces: Vec<[usize; 3]>,
    /// Indices of the points used by at least one face, ascending (every extreme point, and
    /// possibly points lying on hull edges or faces).
    pub vertices: Vec<usize>,
}

fn sub(a: [i64; 3], b: [i64; 3]) -> [i128; 3] {
    [
        (a[0] - b[0]) as i128,
        (a[1] - b[1]) as i128,
        (a[2] - b[2]) as i128,
    ]
}

fn cross(a: [i128; 3], b: [i128; 3]) -> [i128; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [i128; 3], b: [i128; 3]) -> i128 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Positive when `d` is on the side of plane (a, b, c) that its normal (b − a) × (c − a) points
/// to.
fn orient(a: [i64; 3], b: [i64; 3], c: [i64; 3], d: [i64; 3]) -> i128 {
    dot(cross(sub(b, a), sub(c, a)), sub(d, a))
}

/// Convex hull of `points` (coordinates below 2^40 in magnitude); `None` when all points are
/// coplanar (no volume). Deterministic: the result depends only on the input order.
pub fn convex_hull(points: &[[i64; 3]]) -> Option<Hull> {
    // Candidates: only the two extreme points of each line along x can be hull vertices.
    let mut extreme: HashMap<(i64, i64), (usize, usize)> = HashMap::new();
    for (i, p) in points.iter().enumerate() {
        let e = extreme.entry((p[1], p[2])).or_insert((i, i));
        if p[0] < points[e.0][0] {
            e.0 = i;
        }
        if p[0] > points[e.1][0] {
            e.1 = i;
        }
    }
    let mut cand: Vec<usize> = extreme.values().flat_map(|&(a, b)| [a, b]).collect();
    cand.sort_unstable_by_key(|&i| (points[i], i));
    cand.dedup_by_key(|i| points[*i]);
    if cand.len() < 4 {
        return None;
    }
    // Initial tetrahedron.
    let p0 = cand[0];
    let p1 = *cand.iter().find(|&&i| points[i] != points[p0])?;
    let p2 = *cand.iter().find(|&&i| {
        let c = cross(sub(points[p1], points[p0]), sub(points[i], points[p0]));
        c != [0, 0, 0]
    })?;
    let p3 = *cand
        .iter()
        .find(|&&i| orient(points[p0], points[p1], points[p2], points[i]) != 0)?;
    let mut faces: Vec<[usize; 3]> = if orient(points[p0], points[p1], points[p2], points[p3]) < 0 {
        vec![[p0, p1, p2], [p0, p3, p1], [p1, p3, p2], [p2, p3, p0]]
    } else {
        vec![[p0, p2, p1], [p0, p1, p3], [p1, p2, p3], [p2, p0, p3]]
    };
    // Each face's (unnormalised, outward) normal, kept with it: a point sees a face when it is
    // on the normal's side of the face's plane, the same exact test as `orient`.
    let normal = |f: &[usize; 3]| {
        cross(
            sub(points[f[1]], points[f[0]]),
            sub(points[f[2]], points[f[0]]),
        )
    };
    let mut normals: Vec<[i128; 3]> = faces.iter().map(normal).collect();
    let mut visible = Vec::new();
    let mut edges: HashMap<(usize, usize), ()> = HashMap::new();
    for &p in &cand {
        if p == p0 || p == p1 || p == p2 || p == p3 {
            continue;
        }
        let q = points[p];
        visible.clear();
        visible.extend(
            faces
                .iter()
                .zip(&normals)
                .map(|(f, n)| dot(*n, sub(q, points[f[0]])) > 0),
        );
        if !visible.iter().any(|&v| v) {
            continue;
        }
        edges.clear();
        for (f, _) in faces.iter().zip(&visible).filter(|(_, &v)| v) {
            for k in 0..3 {
                edges.insert((f[k], f[(k + 1) % 3]), ());
            }
        }
        let mut horizon: Vec<(usize, usize)> = edges
            .keys()
            .filter(|(a, b)| !edges.contains_key(&(*b, *a)))
            .copied()
            .collect();
        horizon.sort_unstable();
        let mut kept: Vec<[usize; 3]> = Vec::with_capacity(faces.len() + horizon.len());
        let mut kept_normals: Vec<[i128; 3]> = Vec::with_capacity(kept.capacity());
        for ((f, n), _) in faces
            .iter()
            .zip(&normals)
            .zip(&visible)
            .filter(|(_, &v)| !v)
        {
            kept.push(*f);
            kept_normals.push(*n);
        }
        for &(a, b) in &horizon {
            let f = [a, b, p];
            kept_normals.push(normal(&f));
            kept.push(f);
        }
        faces = kept;
        normals = kept_normals;
    }
    let mut vertices: Vec<usize> = faces.iter().flatten().copied().collect();
    vertices.sort_unstable();
    vertices.dedup();
    Some(Hull { faces, vertices })
}

/// Volume and surface area of a hull whose points are scaled by `scale` per axis (mm).
pub fn volume_area(hull: &Hull, points: &[[f64; 3]]) -> (f64, f64) {
    let mut volume = 0.0;
    let mut area = 0.0;
    let o = points[hull.faces[0][0]];
    for f in &hull.faces {
        let [a, b, c] = f.map(|i| {
            let p = points[i];
            [p[0] - o[0], p[1] - o[1], p[2] - o[2]]
        });
        let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let ac = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        let n = [
            ab[1] * ac[2] - ab[2] * ac[1],
            ab[2] * ac[0] - ab[0] * ac[2],
            ab[0] * ac[1] - ab[1] * ac[0],
        ];
        area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        volume += (n[0] * a[0] + n[1] * a[1] + n[2] * a[2]) / 6.0;
    }
    (volume, area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cube_with_interior_and_coplanar_points() {
        let mut pts = Vec::new();
        for x in 0..3 {
            for y in 0..3 {
                for z in 0..3 {
                    pts.push([x, y, z]);
                }
            }
        }
        let h = convex_hull(&pts).expect("3D");
        // Points on hull edges and faces may remain as vertices of coplanar triangles.
        assert!(h.vertices.len() >= 8 && h.vertices.len() < 27);
        let f: Vec<[f64; 3]> = pts.iter().map(|p| p.map(|c| c as f64)).collect();
        let (v, a) = volume_area(&h, &f);
        assert!(
            (v - 8.0).abs() < 1e-12 && (a - 24.0).abs() < 1e-12,
            "{v} {a}"
        );
        assert!(convex_hull(&[[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]).is_none());
    }
}
