//! Exact Euclidean distance transform in millimetres for anisotropic voxels.
//!
//! Separable lower envelope of parabolas (Felzenszwalb & Huttenlocher, "Distance transforms of
//! sampled functions", Theory of Computing 8, 2012), linear in the number of voxels:
//! 1. along z, the distance in slices to the nearest feature of the same (i, j) column, an
//!    integer, by two sweeps; stored as `u32` in a `[j][k][i]` layout so that every read and
//!    write is a contiguous row;
//! 2. per slice k (in parallel): along x, the lower envelope of `(Δk·s_z)²` on each row, written
//!    straight into the output slice; then along y, on blocks of adjacent columns.
//!
//! Squared distances are sums of `(Δ·spacing)²` in f64, as SciPy's `distance_transform_edt`
//! computes them. Slices are independent, so the result does not depend on the thread count.

use perirad_core::{Mask, Volume};
use rayon::prelude::*;

/// How distances are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceMode {
    /// Full 3D Euclidean distance.
    ThreeD,
    /// Within each slice (k) only: for 3D data with thick slices. A slice without features has
    /// infinite distance everywhere.
    InPlane,
}

/// Squared distance in mm² from every voxel centre to the nearest voxel centre where `features`
/// is true (0 on features themselves); `+inf` where there is no feature (in `InPlane` mode: none
/// in the same slice). The direction matrix does not change distances; the spacing does.
///
/// ```text
/// D²(p) = min over features q of  Σ_a ((p_a − q_a) · spacing_a)²
/// ```
pub fn squared_distance(features: &Mask, mode: DistanceMode) -> Volume<f64> {
    let g = features.geometry();
    let [nx, ny, nz] = g.size();
    let [sx, sy, sz] = g.spacing();
    let f = features.data();
    let n = nx * ny * nz;
    // Pass 1 (3D only): slices to the nearest feature along z, t[j][k][i]; NONE = no feature.
    let t: Option<Vec<u32>> = (mode == DistanceMode::ThreeD && nz > 1).then(|| {
        let mut t = vec![NONE; n];
        t.par_chunks_mut(nz * nx)
            .enumerate()
            .for_each(|(j, chunk)| {
                let row = |k: usize| &f[(k * ny + j) * nx..(k * ny + j + 1) * nx];
                let mut last = vec![NONE; nx];
                for k in 0..nz {
                    for (i, (&b, dst)) in row(k)
                        .iter()
                        .zip(&mut chunk[k * nx..(k + 1) * nx])
                        .enumerate()
                    {
                        if b {
                            last[i] = k as u32;
                        }
                        *dst = if last[i] == NONE {
                            NONE
                        } else {
                            k as u32 - last[i]
                        };
                    }
                }
                let mut next = vec![NONE; nx];
                for k in (0..nz).rev() {
                    for (i, (&b, dst)) in row(k)
                        .iter()
                        .zip(&mut chunk[k * nx..(k + 1) * nx])
                        .enumerate()
                    {
                        if b {
                            next[i] = k as u32;
                        }
                        if next[i] != NONE {
                            *dst = (*dst).min(next[i] - k as u32);
                        }
                    }
                }
            });
        t
    });
    let mut out = vec![0.0f64; n];
    out.par_chunks_mut(nx * ny).enumerate().for_each_init(
        || Workspace::new(nx.max(ny)),
        |ws, (k, slice)| {
            // Pass 2: along x, row by row, from the z distances (or the features in-plane).
            for j in 0..ny {
                match &t {
                    Some(t) => {
                        let src = &t[(j * nz + k) * nx..(j * nz + k + 1) * nx];
                        for (dst, &d) in ws.line.iter_mut().zip(src) {
                            *dst = if d == NONE {
                                f64::INFINITY
                            } else {
                                let v = d as f64 * sz;
                                v * v
                            };
                        }
                    }
                    None => {
                        let src = &f[(k * ny + j) * nx..(k * ny + j + 1) * nx];
                        for (dst, &b) in ws.line.iter_mut().zip(src) {
                            *dst = if b { 0.0 } else { f64::INFINITY };
                        }
                    }
                }
                envelope(
                    &ws.line[..nx],
                    sx,
                    &mut slice[j * nx..(j + 1) * nx],
                    &mut ws.v,
                    &mut ws.z,
                );
            }
            // Pass 3: along y, on blocks of adjacent columns (contiguous reads and writes).
            ws.columns(slice, nx, ny, sy);
        },
    );
    Volume::new(g.clone(), out).unwrap_or_else(|_| unreachable!("one value per voxel"))
}

/// "No feature in this column" in the z pass.
const NONE: u32 = u32::MAX;

/// Columns transformed together in the y pass.
const BLOCK: usize = 16;

/// Signed distance in mm: for a voxel outside the mask, the distance to the nearest mask voxel
/// centre; inside, minus the distance to the nearest non-mask voxel centre. `±inf` where the
/// other side does not exist (an empty or a full mask).
pub fn signed_distance(mask: &Mask, mode: DistanceMode) -> Volume<f64> {
    let outside = squared_distance(mask, mode);
    let inside = squared_distance(&mask.map(|&b| !b), mode);
    let data = mask
        .data()
        .par_iter()
        .zip(outside.data().par_iter().zip(inside.data().par_iter()))
        .map(|(&m, (&o, &i))| if m { -i.sqrt() } else { o.sqrt() })
        .collect();
    Volume::new(mask.geometry().clone(), data)
        .unwrap_or_else(|_| unreachable!("one value per voxel"))
}

/// Buffers for the 1D transforms of one thread.
struct Workspace {
    line: Vec<f64>,
    block: Vec<f64>,
    out: Vec<f64>,
    v: Vec<usize>,
    z: Vec<f64>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Self {
            line: vec![0.0; n],
            block: vec![0.0; n * BLOCK],
            out: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
        }
    }

    /// Transforms, in place, every column of a `nx × ny` slice along y (spacing `s`), `BLOCK`
    /// adjacent columns at a time.
    fn columns(&mut self, slice: &mut [f64], nx: usize, ny: usize, s: f64) {
        let mut i0 = 0;
        while i0 < nx {
            let w = BLOCK.min(nx - i0);
            for m in 0..ny {
                let row = &slice[m * nx + i0..m * nx + i0 + w];
                for (b, &v) in row.iter().enumerate() {
                    self.block[b * ny + m] = v;
                }
            }
            for b in 0..w {
                envelope(
                    &self.block[b * ny..(b + 1) * ny],
                    s,
                    &mut self.out[..ny],
                    &mut self.v,
                    &mut self.z,
                );
                self.block[b * ny..(b + 1) * ny].copy_from_slice(&self.out[..ny]);
            }
            for m in 0..ny {
                let row = &mut slice[m * nx + i0..m * nx + i0 + w];
                for (b, v) in row.iter_mut().enumerate() {
                    *v = self.block[b * ny + m];
                }
            }
            i0 += w;
        }
    }
}

/// One dimension: `out[p] = min_q ((p − q)·s)² + f[q]` over the finite `f[q]`; `+inf` if none.
fn envelope(f: &[f64], s: f64, out: &mut [f64], v: &mut [usize], z: &mut [f64]) {
    let n = f.len();
    let mut k: usize = 0;
    let mut any = false;
    for q in 0..n {
        if !f[q].is_finite() {
            continue;
        }
        let xq = q as f64 * s;
        let hq = f[q] + xq * xq;
        if !any {
            any = true;
            v[0] = q;
            z[0] = f64::NEG_INFINITY;
            z[1] = f64::INFINITY;
            continue;
        }
        // z[0] = −∞, so the search stops at k = 0 at the latest.
        let mut cross;
        loop {
            let vk = v[k];
            let xv = vk as f64 * s;
            // Where the parabola of q overtakes the one of v[k].
            cross = (hq - (f[vk] + xv * xv)) / (2.0 * (xq - xv));
            if cross <= z[k] && k > 0 {
                k -= 1;
            } else {
                break;
            }
        }
        k += 1;
        v[k] = q;
        z[k] = cross;
        z[k + 1] = f64::INFINITY;
    }
    if !any {
        out.fill(f64::INFINITY);
        return;
    }
    let mut k = 0;
    for (p, o) in out.iter_mut().enumerate() {
        let xp = p as f64 * s;
        while z[k + 1] < xp {
            k += 1;
        }
        let d = (p as f64 - v[k] as f64) * s;
        *o = d * d + f[v[k]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perirad_core::{Geometry, IDENTITY};
    use proptest::prelude::*;

    fn brute(mask: &Mask, mode: DistanceMode) -> Vec<f64> {
        let g = mask.geometry();
        let s = g.spacing();
        let feats: Vec<[usize; 3]> = (0..g.len())
            .filter(|&l| mask.data()[l])
            .map(|l| g.index_of(l))
            .collect();
        (0..g.len())
            .map(|l| {
                let p = g.index_of(l);
                feats
                    .iter()
                    .filter(|q| mode == DistanceMode::ThreeD || q[2] == p[2])
                    .map(|q| {
                        (0..3)
                            .map(|a| ((p[a] as f64 - q[a] as f64) * s[a]).powi(2))
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn equals_brute_force_on_random_masks(
            nx in 1usize..9, ny in 1usize..9, nz in 1usize..7,
            sx in 0.3f64..3.0, sy in 0.3f64..3.0, sz in 0.3f64..6.0,
            density in 0.0f64..0.4, seed in 0u64..u64::MAX,
            in_plane in any::<bool>(),
        ) {
            let g = Geometry::new([nx, ny, nz], [sx, sy, sz], [0.0; 3], IDENTITY).expect("valid");
            let mut state = seed | 1;
            let data: Vec<bool> = (0..g.len()).map(|_| {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                (state % 1000) as f64 / 1000.0 < density
            }).collect();
            let mask = Volume::new(g, data).expect("len");
            let mode = if in_plane { DistanceMode::InPlane } else { DistanceMode::ThreeD };
            let got = squared_distance(&mask, mode);
            let want = brute(&mask, mode);
            for (a, b) in got.data().iter().zip(&want) {
                prop_assert!(a == b || (a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn signed_distance_is_negative_inside() {
        let g = Geometry::new([5, 1, 1], [2.0, 1.0, 1.0], [0.0; 3], IDENTITY).expect("valid");
        let m = Volume::new(g, vec![false, true, true, true, false]).expect("len");
        let d = signed_distance(&m, DistanceMode::ThreeD);
        assert_eq!(d.data(), &[2.0, -2.0, -4.0, -2.0, 2.0]);
    }

    #[test]
    fn no_feature_is_infinite() {
        let g = Geometry::with_spacing([3, 2, 2], [1.0; 3]).expect("valid");
        let d = squared_distance(&Volume::filled(g, false), DistanceMode::ThreeD);
        assert!(d.data().iter().all(|v| v.is_infinite()));
    }

    #[test]
    fn same_result_for_one_and_many_threads() {
        let g = Geometry::new([37, 29, 23], [0.7, 0.7, 2.5], [0.0; 3], IDENTITY).expect("valid");
        let data: Vec<bool> = (0..g.len())
            .map(|l| (l * 2_654_435_761) % 997 < 5)
            .collect();
        let mask = Volume::new(g, data).expect("len");
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool")
            .install(|| squared_distance(&mask, DistanceMode::ThreeD));
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .expect("pool")
            .install(|| squared_distance(&mask, DistanceMode::ThreeD));
        assert_eq!(one.data(), many.data());
    }
}
