//! Exact Euclidean distance transform in millimetres for anisotropic voxels.
//!
//! Separable lower envelope of parabolas (Felzenszwalb & Huttenlocher, "Distance transforms of
//! sampled functions", Theory of Computing 8, 2012): one 1D pass per axis, each linear in the
//! number of voxels, so the whole transform is O(N). The passes run z, then x, then y; the z pass
//! writes a `[j][k][i]` layout so that every pass reads and writes contiguous rows, and the y pass
//! transposes back to `[k][j][i]` (x fastest). Lines are independent, so the result does not
//! depend on the number of threads.

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
    let mut out = vec![0.0f64; n];
    if mode == DistanceMode::ThreeD && nz > 1 {
        // Pass 1, along z, into t[j][k][i].
        let mut t = vec![0.0f64; n];
        t.par_chunks_mut(nz * nx).enumerate().for_each_init(
            || Workspace::new(nz),
            |ws, (j, chunk)| {
                for k in 0..nz {
                    let row = &f[(k * ny + j) * nx..(k * ny + j + 1) * nx];
                    for (dst, &b) in chunk[k * nx..(k + 1) * nx].iter_mut().zip(row) {
                        *dst = if b { 0.0 } else { f64::INFINITY };
                    }
                }
                for i in 0..nx {
                    ws.strided(chunk, i, nx, nz, sz);
                }
            },
        );
        // Pass 2, along x, on contiguous rows.
        t.par_chunks_mut(nx).for_each_init(
            || Workspace::new(nx),
            |ws, row| ws.strided(row, 0, 1, nx, sx),
        );
        // Pass 3, along y, transposing back to out[k][j][i].
        out.par_chunks_mut(nx * ny).enumerate().for_each_init(
            || Workspace::new(ny),
            |ws, (k, slice)| {
                for j in 0..ny {
                    let src = (j * nz + k) * nx;
                    slice[j * nx..(j + 1) * nx].copy_from_slice(&t[src..src + nx]);
                }
                for i in 0..nx {
                    ws.strided(slice, i, nx, ny, sy);
                }
            },
        );
    } else {
        out.par_iter_mut()
            .zip(f.par_iter())
            .for_each(|(d, &b)| *d = if b { 0.0 } else { f64::INFINITY });
        out.par_chunks_mut(nx).for_each_init(
            || Workspace::new(nx),
            |ws, row| ws.strided(row, 0, 1, nx, sx),
        );
        out.par_chunks_mut(nx * ny).for_each_init(
            || Workspace::new(ny),
            |ws, slice| {
                for i in 0..nx {
                    ws.strided(slice, i, nx, ny, sy);
                }
            },
        );
    }
    Volume::new(g.clone(), out).unwrap_or_else(|_| unreachable!("one value per voxel"))
}

/// Buffers for the 1D transform of one line.
struct Workspace {
    line: Vec<f64>,
    out: Vec<f64>,
    v: Vec<usize>,
    z: Vec<f64>,
}

impl Workspace {
    fn new(n: usize) -> Self {
        Self {
            line: vec![0.0; n],
            out: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
        }
    }

    /// Transforms, in place, the line `data[start + m·stride]`, `m < n`, with sample spacing `s`.
    fn strided(&mut self, data: &mut [f64], start: usize, stride: usize, n: usize, s: f64) {
        for m in 0..n {
            self.line[m] = data[start + m * stride];
        }
        envelope(
            &self.line[..n],
            s,
            &mut self.out[..n],
            &mut self.v,
            &mut self.z,
        );
        for m in 0..n {
            data[start + m * stride] = self.out[m];
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
