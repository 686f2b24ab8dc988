//! Marching cubes (3D) and marching squares (2D) on binary masks, as PyRadiomics' `cshape`
//! builds them: the mask is padded by one voxel of background, the iso-level is 0.5, so every
//! vertex sits at the midpoint of an edge between an ROI voxel centre and a background voxel
//! centre. Coordinates are voxel indices times the spacing (the direction cosines are not applied:
//! every quantity derived here — volume, area, distances — is invariant under the orthonormal
//! direction matrix).
//!
//! Only the bounding box of the ROI (plus the one-voxel padding) is visited. Cubes are scanned in
//! a fixed order (slowest axis first), so sums are deterministic and, since the arithmetic mirrors
//! `cshape.c` operation by operation, equal to PyRadiomics' to the last bit or close to it.

use perirad_core::{BoundingBox, Mask};

/// A closed triangle mesh of an ROI.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// Enclosed volume (mm³): Σ over triangles of the signed tetrahedron volume (O, a, b, c),
    /// i.e. Σ (a × b) · c / 6 with outward-oriented faces.
    pub volume: f64,
    /// Surface area (mm²): Σ |(a − c) × (b − c)| / 2.
    pub area: f64,
    /// Every mesh vertex once, as doubled voxel indices `(x, y, z)` relative to the first voxel
    /// of the padded bounding box (the vertex is at index `half_index / 2`). Integer, so that the
    /// convex hull and the diameter groupings are exact.
    pub half_index: Vec<[i64; 3]>,
    /// Voxel spacing (x, y, z) in mm.
    pub spacing: [f64; 3],
    /// Number of triangles.
    pub triangles: usize,
}

impl Mesh {
    /// Position (mm, x y z) of vertex `v` relative to the padded bounding box's first voxel.
    pub fn vertex(&self, v: usize) -> [f64; 3] {
        let h = self.half_index[v];
        [
            (h[0] as f64 * 0.5) * self.spacing[0],
            (h[1] as f64 * 0.5) * self.spacing[1],
            (h[2] as f64 * 0.5) * self.spacing[2],
        ]
    }

    /// Every vertex position (mm).
    pub fn vertices(&self) -> Vec<[f64; 3]> {
        (0..self.half_index.len()).map(|v| self.vertex(v)).collect()
    }
}

/// Cube corners as (x, y, z) offsets, numbered as in Lorensen & Cline's / Bourke's tables (and
/// `cshape.c`, whose offsets are written (z, y, x)).
const CORNERS: [[i64; 3]; 8] = [
    [0, 0, 0],
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 1],
    [1, 1, 1],
    [0, 1, 1],
];

/// Cube edges as pairs of corners.
const EDGES: [[usize; 2]; 12] = [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 0],
    [4, 5],
    [5, 6],
    [6, 7],
    [7, 4],
    [0, 4],
    [1, 5],
    [2, 6],
    [3, 7],
];

/// Doubled (x, y, z) offset of the midpoint of edge `e`.
const fn edge_mid(e: usize) -> [i64; 3] {
    let a = CORNERS[EDGES[e][0]];
    let b = CORNERS[EDGES[e][1]];
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Triangles (as triples of edges) of each cube configuration whose corner 7 is outside; a
/// configuration with corner 7 inside uses the table entry of its complement with the volume
/// sign flipped. This is the classic marching-cubes triangle table (Lorensen & Cline 1987, as
/// tabulated by P. Bourke / C. Bloyd, public domain) — the same data PyRadiomics' `cshape.c`
/// uses. Reproducing PyRadiomics' areas and volumes exactly requires these very triangulations:
/// several configurations have non-planar polygons whose area and enclosed volume depend on the
/// diagonal chosen.
#[rustfmt::skip]
const TRIANGLES: [&[[u8; 3]]; 128] = [
    &[],
    &[[0, 8, 3]],
    &[[1, 9, 0]],
    &[[1, 8, 3], [1, 9, 8]],
    &[[1, 2, 10]],
    &[[0, 8, 3], [1, 2, 10]],
    &[[9, 2, 10], [0, 2, 9]],
    &[[2, 8, 3], [2, 10, 8], [10, 9, 8]],
    &[[11, 2, 3]],
    &[[11, 2, 0], [0, 8, 11]],
    &[[1, 9, 0], [11, 2, 3]],
    &[[11, 2, 1], [1, 9, 11], [9, 8, 11]],
    &[[3, 10, 1], [11, 10, 3]],
    &[[10, 1, 0], [0, 8, 10], [8, 11, 10]],
    &[[9, 0, 3], [3, 11, 9], [11, 10, 9]],
    &[[9, 8, 10], [11, 10, 8]],
    &[[4, 7, 8]],
    &[[0, 4, 3], [4, 7, 3]],
    &[[1, 9, 0], [4, 7, 8]],
    &[[1, 9, 4], [1, 4, 7], [1, 7, 3]],
    &[[1, 2, 10], [4, 7, 8]],
    &[[3, 4, 7], [3, 0, 4], [1, 2, 10]],
    &[[9, 2, 10], [9, 0, 2], [4, 7, 8]],
    &[[2, 10, 9], [2, 9, 7], [2, 7, 3], [4, 7, 9]],
    &[[4, 7, 8], [11, 2, 3]],
    &[[11, 4, 7], [11, 2, 4], [2, 0, 4]],
    &[[1, 9, 0], [4, 7, 8], [11, 2, 3]],
    &[[4, 7, 11], [9, 4, 11], [11, 2, 9], [1, 9, 2]],
    &[[3, 10, 1], [11, 10, 3], [4, 7, 8]],
    &[[11, 10, 1], [1, 4, 11], [1, 0, 4], [4, 7, 11]],
    &[[4, 7, 8], [9, 0, 3], [3, 11, 9], [11, 10, 9]],
    &[[4, 7, 11], [4, 11, 9], [9, 11, 10]],
    &[[9, 5, 4]],
    &[[9, 5, 4], [0, 8, 3]],
    &[[0, 5, 4], [0, 1, 5]],
    &[[8, 5, 4], [8, 3, 5], [3, 1, 5]],
    &[[1, 2, 10], [9, 5, 4]],
    &[[0, 8, 3], [1, 2, 10], [9, 5, 4]],
    &[[2, 10, 5], [5, 4, 2], [2, 4, 0]],
    &[[2, 10, 5], [3, 2, 5], [3, 5, 4], [8, 3, 4]],
    &[[9, 5, 4], [11, 2, 3]],
    &[[11, 2, 0], [0, 8, 11], [9, 5, 4]],
    &[[0, 5, 4], [0, 1, 5], [11, 2, 3]],
    &[[2, 1, 5], [2, 5, 8], [11, 2, 8], [5, 4, 8]],
    &[[3, 10, 1], [11, 10, 3], [9, 5, 4]],
    &[[5, 4, 9], [10, 1, 0], [0, 8, 10], [8, 11, 10]],
    &[[5, 4, 0], [5, 0, 11], [10, 5, 11], [11, 0, 3]],
    &[[5, 4, 8], [10, 5, 8], [11, 10, 8]],
    &[[7, 8, 9], [5, 7, 9]],
    &[[3, 0, 9], [5, 3, 9], [3, 5, 7]],
    &[[7, 8, 0], [0, 1, 7], [7, 1, 5]],
    &[[1, 5, 7], [1, 7, 3]],
    &[[7, 8, 9], [5, 7, 9], [1, 2, 10]],
    &[[1, 2, 10], [3, 0, 9], [3, 9, 5], [3, 5, 7]],
    &[[0, 2, 8], [8, 2, 5], [8, 5, 7], [2, 10, 5]],
    &[[2, 10, 5], [2, 5, 3], [3, 5, 7]],
    &[[5, 7, 9], [7, 8, 9], [11, 2, 3]],
    &[[5, 7, 9], [9, 7, 2], [2, 0, 9], [11, 2, 7]],
    &[[11, 2, 3], [0, 1, 8], [1, 7, 8], [1, 5, 7]],
    &[[2, 1, 11], [1, 7, 11], [1, 5, 7]],
    &[[7, 8, 9], [5, 7, 9], [3, 10, 1], [11, 10, 3]],
    &[[5, 7, 0], [5, 0, 9], [7, 11, 0], [10, 1, 0], [11, 10, 0]],
    &[[11, 10, 0], [0, 3, 11], [10, 5, 0], [0, 7, 8], [5, 7, 0]],
    &[[11, 10, 5], [5, 7, 11]],
    &[[6, 5, 10]],
    &[[0, 8, 3], [6, 5, 10]],
    &[[1, 9, 0], [6, 5, 10]],
    &[[1, 8, 3], [1, 9, 8], [6, 5, 10]],
    &[[1, 6, 5], [1, 2, 6]],
    &[[1, 6, 5], [1, 2, 6], [0, 8, 3]],
    &[[9, 6, 5], [9, 0, 6], [0, 2, 6]],
    &[[5, 9, 8], [5, 8, 2], [5, 2, 6], [8, 3, 2]],
    &[[11, 2, 3], [6, 5, 10]],
    &[[11, 2, 0], [0, 8, 11], [6, 5, 10]],
    &[[1, 9, 0], [11, 2, 3], [6, 5, 10]],
    &[[11, 2, 1], [1, 9, 11], [9, 8, 11], [6, 5, 10]],
    &[[6, 3, 11], [6, 5, 3], [5, 1, 3]],
    &[[0, 8, 11], [0, 11, 5], [0, 5, 1], [5, 11, 6]],
    &[[6, 3, 11], [0, 3, 6], [0, 6, 5], [0, 5, 9]],
    &[[6, 5, 9], [6, 9, 11], [11, 9, 8]],
    &[[4, 7, 8], [6, 5, 10]],
    &[[0, 4, 3], [4, 7, 3], [6, 5, 10]],
    &[[1, 9, 0], [4, 7, 8], [6, 5, 10]],
    &[[1, 9, 4], [1, 4, 7], [1, 7, 3], [6, 5, 10]],
    &[[4, 7, 8], [1, 6, 5], [1, 2, 6]],
    &[[0, 4, 3], [4, 7, 3], [1, 6, 5], [1, 2, 6]],
    &[[4, 7, 8], [9, 6, 5], [9, 0, 6], [0, 2, 6]],
    &[[7, 3, 9], [4, 7, 9], [3, 2, 9], [5, 9, 6], [2, 6, 9]],
    &[[11, 2, 3], [4, 7, 8], [6, 5, 10]],
    &[[11, 4, 7], [11, 2, 4], [2, 0, 4], [6, 5, 10]],
    &[[1, 9, 0], [11, 2, 3], [4, 7, 8], [6, 5, 10]],
    &[[4, 7, 11], [9, 4, 11], [11, 2, 9], [1, 9, 2], [6, 5, 10]],
    &[[4, 7, 8], [6, 3, 11], [6, 5, 3], [5, 1, 3]],
    &[[5, 1, 11], [5, 11, 6], [1, 0, 11], [4, 7, 11], [0, 4, 11]],
    &[[4, 7, 8], [6, 3, 11], [0, 3, 6], [0, 6, 5], [0, 5, 9]],
    &[[6, 5, 9], [6, 9, 11], [4, 7, 9], [7, 11, 9]],
    &[[10, 4, 9], [6, 4, 10]],
    &[[10, 4, 9], [6, 4, 10], [0, 8, 3]],
    &[[0, 1, 10], [10, 6, 0], [6, 4, 0]],
    &[[1, 8, 3], [1, 6, 8], [8, 6, 4], [6, 1, 10]],
    &[[1, 4, 9], [1, 2, 4], [2, 6, 4]],
    &[[1, 4, 9], [1, 2, 4], [2, 6, 4], [0, 8, 3]],
    &[[0, 2, 4], [4, 2, 6]],
    &[[8, 3, 2], [8, 2, 4], [4, 2, 6]],
    &[[11, 2, 3], [10, 4, 9], [6, 4, 10]],
    &[[11, 2, 0], [0, 8, 11], [10, 4, 9], [6, 4, 10]],
    &[[11, 2, 3], [0, 1, 10], [10, 6, 0], [6, 4, 0]],
    &[[6, 4, 1], [6, 1, 10], [1, 4, 8], [11, 2, 1], [1, 8, 11]],
    &[[9, 6, 4], [3, 6, 9], [1, 3, 9], [11, 6, 3]],
    &[[1, 8, 11], [0, 8, 1], [11, 6, 1], [1, 4, 9], [6, 4, 1]],
    &[[6, 3, 11], [0, 3, 6], [6, 4, 0]],
    &[[8, 6, 4], [6, 8, 11]],
    &[[6, 7, 10], [7, 8, 10], [8, 9, 10]],
    &[[6, 7, 10], [0, 10, 7], [0, 9, 10], [0, 7, 3]],
    &[[6, 7, 10], [1, 10, 7], [1, 7, 8], [0, 1, 8]],
    &[[6, 7, 10], [1, 10, 7], [1, 7, 3]],
    &[[1, 2, 6], [1, 6, 8], [1, 8, 9], [6, 7, 8]],
    &[[2, 6, 9], [1, 2, 9], [6, 7, 9], [3, 0, 9], [7, 3, 9]],
    &[[0, 7, 8], [7, 0, 6], [6, 0, 2]],
    &[[2, 7, 3], [2, 6, 7]],
    &[[11, 2, 3], [6, 7, 10], [7, 8, 10], [8, 9, 10]],
    &[[2, 0, 7], [11, 2, 7], [0, 9, 7], [6, 7, 10], [9, 10, 7]],
    &[[6, 7, 10], [1, 10, 7], [1, 7, 8], [0, 1, 8], [11, 2, 3]],
    &[[11, 2, 1], [1, 7, 11], [10, 6, 1], [1, 6, 7]],
    &[[8, 9, 6], [6, 7, 8], [1, 6, 9], [11, 6, 3], [1, 3, 6]],
    &[[0, 9, 1], [6, 7, 11]],
    &[[0, 7, 8], [7, 0, 6], [0, 3, 11], [11, 6, 0]],
    &[[6, 7, 11]],
];

/// The ROI of `mask` padded by one background voxel on every side: a dense 0/1 grid of
/// `size` voxels (x fastest), and the global index of its first voxel minus one per axis.
struct Padded {
    size: [usize; 3],
    data: Vec<u8>,
    /// Number of ROI voxels.
    count: usize,
}

fn padded(mask: &Mask) -> Option<(Padded, BoundingBox)> {
    let g = mask.geometry();
    let bbox = BoundingBox::of_mask(g.size(), mask.data())?;
    let b = bbox.size();
    let size = [b[0] + 2, b[1] + 2, b[2] + 2];
    let mut data = vec![0u8; size[0] * size[1] * size[2]];
    let mut count = 0;
    for k in 0..b[2] {
        for j in 0..b[1] {
            let src = g.linear_index(bbox.lower[0], bbox.lower[1] + j, bbox.lower[2] + k);
            let dst = 1 + size[0] * (j + 1 + size[1] * (k + 1));
            for i in 0..b[0] {
                if mask.data()[src + i] {
                    data[dst + i] = 1;
                    count += 1;
                }
            }
        }
    }
    Some((Padded { size, data, count }, bbox))
}

/// Marching cubes on `mask` (PyRadiomics' `cshape.calculate_coefficients`). `None` when the
/// mask is empty. A single voxel gives an octahedron.
pub fn marching_cubes(mask: &Mask) -> Option<Mesh> {
    let (p, _) = padded(mask)?;
    let [nx, ny, nz] = p.size;
    let sp = mask.geometry().spacing();
    // (z, y, x) order as in cshape.c, so that every product and sum is the same.
    let s = [sp[2], sp[1], sp[0]];
    let corner_offset: [usize; 8] =
        CORNERS.map(|c| c[0] as usize + nx * (c[1] as usize + ny * c[2] as usize));
    let mids: [[f64; 3]; 12] = std::array::from_fn(|e| {
        let m = edge_mid(e);
        [m[2] as f64 * 0.5, m[1] as f64 * 0.5, m[0] as f64 * 0.5]
    });
    let mut volume = 0.0f64;
    let mut area = 0.0f64;
    let mut triangles = 0usize;
    let mut half_index = Vec::new();
    for iz in 0..nz - 1 {
        for iy in 0..ny - 1 {
            let row = nx * (iy + ny * iz);
            for ix in 0..nx - 1 {
                let base = row + ix;
                let mut idx = 0usize;
                for (c, off) in corner_offset.iter().enumerate() {
                    if p.data[base + off] != 0 {
                        idx |= 1 << c;
                    }
                }
                let sign = if idx & 0x80 != 0 {
                    idx ^= 0xff;
                    -1.0
                } else {
                    1.0
                };
                // Each grid edge with a crossing is owned by the one cube in which it is an edge
                // of corner 7: edges 6, 7 and 11 cross iff corners 6, 4 and 3 are (after the
                // flip, corner 7 never is) inside.
                for (bit, edge) in [(6, 6), (4, 7), (3, 11)] {
                    if idx & (1 << bit) != 0 {
                        let m = edge_mid(edge);
                        half_index.push([
                            2 * ix as i64 + m[0],
                            2 * iy as i64 + m[1],
                            2 * iz as i64 + m[2],
                        ]);
                    }
                }
                if idx == 0 {
                    continue;
                }
                let o = [iz as f64, iy as f64, ix as f64];
                for tri in TRIANGLES[idx] {
                    let mut a = [0.0; 3];
                    let mut b = [0.0; 3];
                    let mut c = [0.0; 3];
                    for d in 0..3 {
                        a[d] = (o[d] + mids[tri[0] as usize][d]) * s[d];
                        b[d] = (o[d] + mids[tri[1] as usize][d]) * s[d];
                        c[d] = (o[d] + mids[tri[2] as usize][d]) * s[d];
                    }
                    let ab = cross(a, b);
                    volume += sign * (ab[0] * c[0] + ab[1] * c[1] + ab[2] * c[2]);
                    for d in 0..3 {
                        a[d] -= c[d];
                        b[d] -= c[d];
                    }
                    let n = cross(a, b);
                    area += 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                    triangles += 1;
                }
            }
        }
    }
    Some(Mesh {
        volume: volume / 6.0,
        area,
        half_index,
        spacing: sp,
        triangles,
    })
}

#[inline]
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - b[1] * a[2],
        a[2] * b[0] - b[2] * a[0],
        a[0] * b[1] - b[0] * a[1],
    ]
}

/// Number of ROI voxels and the bounding box of `mask` (`None` when empty).
pub fn roi_extent(mask: &Mask) -> Option<(usize, BoundingBox)> {
    padded(mask).map(|(p, b)| (p.count, b))
}

/// The largest vertex distances of a mesh (PyRadiomics' `calculate_meshDiameter`): overall, and
/// between vertices sharing the same z (axial slice), the same y (coronal: "column") and the same
/// x (sagittal: "row").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diameters {
    pub max_3d: f64,
    pub slice: f64,
    pub column: f64,
    pub row: f64,
}

/// [`Diameters`] of `mesh`. The 3D diameter is searched over the convex hull vertices (the
/// farthest pair of a point set is always a pair of hull vertices); the planar ones over the
/// vertices of each plane. Exact: the squared distances are computed from the very coordinates
/// PyRadiomics uses.
pub fn diameters(mesh: &Mesh) -> Diameters {
    let pts = mesh.vertices();
    let hull = crate::families::hull::convex_hull(&mesh.half_index);
    let candidates: Vec<usize> = match &hull {
        Some(h) => h.vertices.clone(),
        None => (0..pts.len()).collect(),
    };
    let max_3d = max_sq_distance(&pts, &candidates).sqrt();
    // In each plane only the two ends of each row (the vertices with the least and the largest
    // coordinate along the plane's second axis, for each value along its first) can be farthest
    // apart: a vertex between the ends of its row is nearer to any other vertex than one of the
    // ends is, and with the same rounding (same first-axis difference, a smaller second-axis
    // one), so the maximum is the one over all the plane's vertices. Of the ends, only the
    // corners of their convex hull (exact, on the integer coordinates; the spacing scales each
    // axis, which keeps the hull) can be farthest apart.
    let h = &mesh.half_index;
    let mut planar = [0.0f64; 3];
    let mut ends: Vec<usize> = Vec::new();
    let mut corners: Vec<usize> = Vec::new();
    for (axis, best) in planar.iter_mut().enumerate() {
        let (u, w) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        let mut order: Vec<usize> = (0..pts.len()).collect();
        order.sort_unstable_by_key(|&v| (h[v][axis], h[v][u], h[v][w], v));
        for group in order.chunk_by(|&a, &b| h[a][axis] == h[b][axis]) {
            ends.clear();
            for row in group.chunk_by(|&a, &b| h[a][u] == h[b][u]) {
                ends.push(row[0]);
                if row.len() > 1 {
                    ends.push(row[row.len() - 1]);
                }
            }
            hull_2d(&ends, |v| [h[v][u], h[v][w]], &mut corners);
            *best = best.max(max_sq_distance(&pts, &corners));
        }
    }
    Diameters {
        max_3d,
        slice: planar[2].sqrt(),
        column: planar[1].sqrt(),
        row: planar[0].sqrt(),
    }
}

/// The corners of the convex hull of `points` (sorted by their coordinates `at`, lexicographic),
/// into `out`: Andrew's monotone chain, exact on integers (points on an edge are left out; fewer
/// than three points are all kept).
fn hull_2d(points: &[usize], at: impl Fn(usize) -> [i64; 2], out: &mut Vec<usize>) {
    out.clear();
    if points.len() < 3 {
        out.extend_from_slice(points);
        return;
    }
    // (b − a) × (c − a) > 0: a left turn.
    let left = |a: usize, b: usize, c: usize| {
        let (a, b, c) = (at(a), at(b), at(c));
        (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) > 0
    };
    // The lower chain left to right, then the upper one back from the last point (the lower
    // chain's end, which the upper chain may turn at), ending at the first point (dropped).
    for &p in points {
        while out.len() >= 2 && !left(out[out.len() - 2], out[out.len() - 1], p) {
            out.pop();
        }
        out.push(p);
    }
    let lower = out.len();
    for &p in points[..points.len() - 1].iter().rev() {
        while out.len() > lower && !left(out[out.len() - 2], out[out.len() - 1], p) {
            out.pop();
        }
        out.push(p);
    }
    out.pop();
}

fn max_sq_distance(pts: &[[f64; 3]], set: &[usize]) -> f64 {
    let mut best = 0.0f64;
    for (n, &i) in set.iter().enumerate() {
        let a = pts[i];
        for &j in &set[..n] {
            let b = pts[j];
            // (z, y, x) summation order, as cshape.c.
            let d = (a[2] - b[2]).powi(2) + (a[1] - b[1]).powi(2) + (a[0] - b[0]).powi(2);
            best = best.max(d);
        }
    }
    best
}

/// A 2D contour of a single-slice mask (PyRadiomics' `cshape.calculate_coefficients2D`).
#[derive(Debug, Clone, PartialEq)]
pub struct Contour {
    /// Perimeter (mm): sum of the segment lengths.
    pub perimeter: f64,
    /// Enclosed area (mm²): ½ Σ a × b over the oriented segments.
    pub surface: f64,
    /// Largest distance between contour vertices (mm).
    pub diameter: f64,
}

/// Marching squares on a 2D grid of `size = [n0, n1]` values (axis 1 fastest) with the given
/// spacing per axis; the grid is padded here by one background pixel. `None` when empty.
/// Axis 0 plays cshape's `y` and axis 1 its `x`.
pub fn marching_squares(size: [usize; 2], inside: &[bool], spacing: [f64; 2]) -> Option<Contour> {
    if !inside.iter().any(|&b| b) || inside.len() != size[0] * size[1] {
        return None;
    }
    let n0 = size[0] + 2;
    let n1 = size[1] + 2;
    let mut grid = vec![false; n0 * n1];
    for r in 0..size[0] {
        for c in 0..size[1] {
            grid[(r + 1) * n1 + c + 1] = inside[r * size[1] + c];
        }
    }
    // Square corners as (axis 0, axis 1) offsets, and edge midpoints (doubled).
    const SQ: [[usize; 2]; 4] = [[0, 0], [0, 1], [1, 1], [1, 0]];
    const MID: [[i64; 2]; 4] = [[0, 1], [1, 2], [2, 1], [1, 0]];
    // Oriented segments (pairs of edges) per configuration.
    #[rustfmt::skip]
    const LINES: [&[[usize; 2]]; 16] = [
        &[], &[[3, 0]], &[[0, 1]], &[[3, 1]], &[[1, 2]], &[[1, 2], [3, 0]], &[[0, 2]], &[[3, 2]],
        &[[2, 3]], &[[2, 0]], &[[0, 1], [2, 3]], &[[2, 1]], &[[1, 3]], &[[1, 0]], &[[0, 3]], &[],
    ];
    let mut perimeter = 0.0f64;
    let mut surface = 0.0f64;
    let mut verts: Vec<[i64; 2]> = Vec::new();
    for r in 0..n0 - 1 {
        for c in 0..n1 - 1 {
            let mut idx = 0usize;
            for (k, o) in SQ.iter().enumerate() {
                if grid[(r + o[0]) * n1 + c + o[1]] {
                    idx |= 1 << k;
                }
            }
            if idx == 0 || idx == 0xf {
                continue;
            }
            for seg in LINES[idx] {
                let mut a = [0.0; 2];
                let mut b = [0.0; 2];
                let o = [r as f64, c as f64];
                for d in 0..2 {
                    a[d] = (o[d] + MID[seg[0]][d] as f64 * 0.5) * spacing[d];
                    b[d] = (o[d] + MID[seg[1]][d] as f64 * 0.5) * spacing[d];
                }
                surface += a[0] * b[1] - b[0] * a[1];
                let d0 = a[0] - b[0];
                let d1 = a[1] - b[1];
                perimeter += (d0 * d0 + d1 * d1).sqrt();
            }
            // Edges 3 (corners 3–0) and 2 (corners 2–3) are owned by this square: they cross iff
            // corner 0, resp. 2, differs from corner 3.
            let flipped = if idx > 7 { idx ^ 0xf } else { idx };
            for (bit, edge) in [(0, 3), (2, 2)] {
                if flipped & (1 << bit) != 0 {
                    verts.push([2 * r as i64 + MID[edge][0], 2 * c as i64 + MID[edge][1]]);
                }
            }
        }
    }
    let pos: Vec<[f64; 2]> = verts
        .iter()
        .map(|h| {
            [
                (h[0] as f64 * 0.5) * spacing[0],
                (h[1] as f64 * 0.5) * spacing[1],
            ]
        })
        .collect();
    let mut best = 0.0f64;
    for (n, a) in pos.iter().enumerate() {
        for b in &pos[..n] {
            let d = (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
            best = best.max(d);
        }
    }
    Some(Contour {
        perimeter,
        surface: surface / 2.0,
        diameter: best.sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::{hull_2d, max_sq_distance};
    use crate::families::pyr_grid::testing::Lcg;

    /// The farthest pair of the hull's corners is as far apart as the farthest pair of all the
    /// points: random sets on a small grid (many collinear and repeated rows), lines, and sets
    /// of one to three points.
    #[test]
    fn planar_hull_keeps_the_farthest_pair() {
        let mut rng = Lcg(5);
        let mut corners = Vec::new();
        for n in (1..12).chain([40, 200]) {
            for side in [3, 9, 50] {
                let mut pts: Vec<[i64; 2]> = (0..n)
                    .map(|_| [rng.next(side) as i64, rng.next(side) as i64])
                    .collect();
                if side == 9 && n > 4 {
                    // A line: every point at one column.
                    pts.iter_mut().for_each(|p| p[1] = 4);
                }
                pts.sort_unstable();
                pts.dedup();
                let idx: Vec<usize> = (0..pts.len()).collect();
                let mm: Vec<[f64; 3]> = pts
                    .iter()
                    .map(|p| [p[0] as f64 * 0.7, p[1] as f64 * 2.5, 0.0])
                    .collect();
                hull_2d(&idx, |v| pts[v], &mut corners);
                assert!(corners.len() <= pts.len());
                assert_eq!(
                    max_sq_distance(&mm, &corners),
                    max_sq_distance(&mm, &idx),
                    "{pts:?} {corners:?}"
                );
            }
        }
    }
}
