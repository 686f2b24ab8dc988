//! Exact 3D convex hull of integer points (incremental construction with exact integer
//! orientation tests, so coplanar and collinear points — the rule on voxel lattices — cannot
//! make it fail). Used on mesh vertices, which are on the half-voxel lattice.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hash of the few integers of a key (the hull's maps are only ever read in an
/// order that does not depend on the hash: their keys are sorted, or looked up one by one).
#[derive(Default)]
struct MulHasher(u64);

impl Hasher for MulHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<MulHasher>>;

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
    let mut extreme: Map<(i64, i64), (usize, usize)> = Map::default();
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
    let faces: Vec<[usize; 3]> = if orient(points[p0], points[p1], points[p2], points[p3]) < 0 {
        vec![[p0, p1, p2], [p0, p3, p1], [p1, p3, p2], [p2, p3, p0]]
    } else {
        vec![[p0, p2, p1], [p0, p1, p3], [p1, p2, p3], [p2, p0, p3]]
    };
    let rest = cand
        .iter()
        .copied()
        .filter(|&p| p != p0 && p != p1 && p != p2 && p != p3);
    // The same exact tests in i64 when the coordinates are small enough for the products not to
    // overflow (|coordinate| < 2^19: normals below 2^42, their products with a point below
    // 3·2^61), which lattice points of images always are; in i128 otherwise.
    let small = cand
        .iter()
        .all(|&i| points[i].iter().all(|c| c.abs() < 1 << 19));
    let faces = if small {
        grow::<i64>(points, faces, rest)
    } else {
        grow::<i128>(points, faces, rest)
    };
    let mut vertices: Vec<usize> = faces.iter().flatten().copied().collect();
    vertices.sort_unstable();
    vertices.dedup();
    Some(Hull { faces, vertices })
}

/// Exact integers for the visibility tests of [`grow`].
trait Exact:
    Copy
    + PartialOrd
    + From<i64>
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
{
}
impl Exact for i64 {}
impl Exact for i128 {}

/// Adds the points `rest`, in order, to the hull made of `faces` (outward triangles): the faces
/// a point sees are replaced by the triangles joining it to the horizon. A face is kept with
/// its (unnormalised, outward) normal `n` and `n · a` for its first vertex `a`: a point `q` sees
/// the face when `n · q > n · a`, i.e. `n · (q − a) > 0`, the same exact test as `orient`
/// (computed in `T`, which the caller chose wide enough).
fn grow<T: Exact>(
    points: &[[i64; 3]],
    mut faces: Vec<[usize; 3]>,
    rest: impl Iterator<Item = usize>,
) -> Vec<[usize; 3]> {
    let at = |i: usize| points[i].map(T::from);
    let plane = |f: &[usize; 3]| {
        let (a, b, c) = (at(f[0]), at(f[1]), at(f[2]));
        let (u, v) = (
            [b[0] - a[0], b[1] - a[1], b[2] - a[2]],
            [c[0] - a[0], c[1] - a[1], c[2] - a[2]],
        );
        let n = [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ];
        (n, n[0] * a[0] + n[1] * a[1] + n[2] * a[2])
    };
    let mut planes: Vec<([T; 3], T)> = faces.iter().map(plane).collect();
    let mut visible: Vec<bool> = Vec::new();
    let mut edges: Map<(usize, usize), ()> = Map::default();
    let mut horizon: Vec<(usize, usize)> = Vec::new();
    for p in rest {
        let q = at(p);
        visible.clear();
        visible.extend(
            planes
                .iter()
                .map(|(n, off)| n[0] * q[0] + n[1] * q[1] + n[2] * q[2] > *off),
        );
        if !visible.contains(&true) {
            continue;
        }
        edges.clear();
        for (f, _) in faces.iter().zip(&visible).filter(|(_, &v)| v) {
            for k in 0..3 {
                edges.insert((f[k], f[(k + 1) % 3]), ());
            }
        }
        horizon.clear();
        horizon.extend(
            edges
                .keys()
                .filter(|(a, b)| !edges.contains_key(&(*b, *a)))
                .copied(),
        );
        horizon.sort_unstable();
        // The faces it does not see, in order, then the new ones.
        let mut seen = visible.iter();
        faces.retain(|_| seen.next() == Some(&false));
        let mut seen = visible.iter();
        planes.retain(|_| seen.next() == Some(&false));
        for &(a, b) in &horizon {
            let f = [a, b, p];
            planes.push(plane(&f));
            faces.push(f);
        }
    }
    faces
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

    /// Random lattice points: every point is inside or on every face (the definition of the
    /// hull, tested exactly), and the hull of the points moved beyond 2^19 (the i128 tests) is
    /// the same as that of the points near the origin (the i64 tests).
    #[test]
    fn small_and_large_coordinates_give_the_same_valid_hull() {
        let mut state = 12345u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % m) as i64
        };
        for n in [5, 40, 300] {
            let pts: Vec<[i64; 3]> = (0..n).map(|_| [next(21), next(17), next(9)]).collect();
            let h = convex_hull(&pts).expect("3D");
            for f in &h.faces {
                for p in &pts {
                    assert!(
                        orient(pts[f[0]], pts[f[1]], pts[f[2]], *p) <= 0,
                        "{f:?} {p:?}"
                    );
                }
            }
            let far: Vec<[i64; 3]> = pts.iter().map(|p| p.map(|c| c + (1 << 30))).collect();
            assert_eq!(convex_hull(&far).expect("3D"), h, "{n} points");
        }
    }
}
