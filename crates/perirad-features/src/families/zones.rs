//! Zone and neighbourhood texture families, IBSI definitions, with IBSI's three aggregations:
//! `_2D` (a matrix per slice, features averaged over slices), `_2_5D` (the slices' matrices
//! merged) and `_3D` (one matrix of the volume).
//!
//! * GLSZM (IBSI 9SAK): `s_ij` counts the zones (connected voxels of one level: 26-connected in
//!   3D, 8-connected in 2D) of level i and size j.
//! * GLDZM (IBSI VMDZ): `d_ij` counts the zones of level i whose smallest distance to the ROI
//!   border is j; a voxel's distance is its city-block distance to the nearest voxel outside the
//!   morphological mask (1 on the border; 6-connected steps in 3D, 4-connected in 2D).
//! * NGLDM (IBSI REK0): `s_ij` counts the voxels of level i with j − 1 neighbours (Chebyshev
//!   distance δ, inside the ROI) whose level differs by at most α.
//!
//! All three share the features of [`count_features`] (see [`SZM`], [`DZM`], [`NGL`] for tags
//! and codes). NGTDM (IBSI IPET), with `n_i` the voxels of level i that have a neighbour in the
//! ROI, `p_i = n_i / N_vc`, `s_i = Σ |i − Ā|` over them (Ā the mean level of the neighbours
//! inside the ROI) and `N_gp` the levels with `p_i > 0`:
//!
//! ```text
//! ngt_coarseness  QCDE  1 / Σ p_i s_i                   (10⁶ when Σ p_i s_i = 0)
//! ngt_contrast    65HE  Σ_ij p_i p_j (i − j)² / (N_gp (N_gp − 1)) · Σ s_i / N_vc
//! ngt_busyness    NQ30  Σ p_i s_i / Σ_ij |i p_i − j p_j|  (0 when the divisor is 0)
//! ngt_complexity  HDEZ  Σ_ij |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vc
//! ngt_strength    1X9X  Σ_ij (p_i + p_j)(i − j)² / Σ s_i  (0 when Σ s_i = 0)
//! ```

use super::texture::{count_features, named, trimmed, CountMatrix, Discretised};
use crate::settings::TextureDims;
use perirad_core::Mask;

/// GLSZM tags, codes and formulas (`c_ij`: zones of level i and size j; `N_s` zones).
pub const SZM: [(&str, &str, &str); 16] = [
    ("szm_sze", "5QRC", "Σ c_ij / j² / N_s (j: zone size)"),
    ("szm_lze", "48P8", "Σ c_ij j² / N_s (j: zone size)"),
    ("szm_lgze", "XMSY", "Σ c_ij / i² / N_s (j: zone size)"),
    ("szm_hgze", "5GN9", "Σ c_ij i² / N_s (j: zone size)"),
    ("szm_szlge", "5RAI", "Σ c_ij / (i² j²) / N_s (j: zone size)"),
    ("szm_szhge", "HW1V", "Σ c_ij i² / j² / N_s (j: zone size)"),
    ("szm_lzlge", "YH51", "Σ c_ij j² / i² / N_s (j: zone size)"),
    ("szm_lzhge", "J17V", "Σ c_ij i² j² / N_s (j: zone size)"),
    ("szm_glnu", "JNSA", "Σ_i c_i² / N_s (j: zone size)"),
    ("szm_glnu_norm", "Y1RO", "Σ_i c_i² / N_s² (j: zone size)"),
    ("szm_zsnu", "4JP3", "Σ_j c_j² / N_s (j: zone size)"),
    ("szm_zsnu_norm", "VB3A", "Σ_j c_j² / N_s² (j: zone size)"),
    ("szm_z_perc", "P30P", "N_s / N_v (j: zone size)"),
    (
        "szm_gl_var",
        "BYLV",
        "Σ (i − μ)² p_ij, μ = Σ i p_ij (j: zone size)",
    ),
    (
        "szm_zs_var",
        "3NSA",
        "Σ (j − μ)² p_ij, μ = Σ j p_ij (j: zone size)",
    ),
    ("szm_zs_entr", "GU8N", "−Σ p_ij log2 p_ij (j: zone size)"),
];

/// GLDZM tags, codes and formulas (`c_ij`: zones of level i and distance j; `N_s` zones).
pub const DZM: [(&str, &str, &str); 16] = [
    ("dzm_sde", "0GBI", "Σ c_ij / j² / N_s (j: zone distance)"),
    ("dzm_lde", "MB4I", "Σ c_ij j² / N_s (j: zone distance)"),
    ("dzm_lgze", "S1RA", "Σ c_ij / i² / N_s (j: zone distance)"),
    ("dzm_hgze", "K26C", "Σ c_ij i² / N_s (j: zone distance)"),
    (
        "dzm_sdlge",
        "RUVG",
        "Σ c_ij / (i² j²) / N_s (j: zone distance)",
    ),
    (
        "dzm_sdhge",
        "DKNJ",
        "Σ c_ij i² / j² / N_s (j: zone distance)",
    ),
    (
        "dzm_ldlge",
        "A7WM",
        "Σ c_ij j² / i² / N_s (j: zone distance)",
    ),
    ("dzm_ldhge", "KLTH", "Σ c_ij i² j² / N_s (j: zone distance)"),
    ("dzm_glnu", "VFT7", "Σ_i c_i² / N_s (j: zone distance)"),
    (
        "dzm_glnu_norm",
        "7HP3",
        "Σ_i c_i² / N_s² (j: zone distance)",
    ),
    ("dzm_zdnu", "V294", "Σ_j c_j² / N_s (j: zone distance)"),
    (
        "dzm_zdnu_norm",
        "IATH",
        "Σ_j c_j² / N_s² (j: zone distance)",
    ),
    ("dzm_z_perc", "VIWW", "N_s / N_v (j: zone distance)"),
    (
        "dzm_gl_var",
        "QK93",
        "Σ (i − μ)² p_ij, μ = Σ i p_ij (j: zone distance)",
    ),
    (
        "dzm_zd_var",
        "7WT1",
        "Σ (j − μ)² p_ij, μ = Σ j p_ij (j: zone distance)",
    ),
    (
        "dzm_zd_entr",
        "GBDU",
        "−Σ p_ij log2 p_ij (j: zone distance)",
    ),
];

/// NGLDM tags, codes and formulas (`c_ij`: voxels of level i with dependence j; `N_s` voxels).
pub const NGL: [(&str, &str, &str); 17] = [
    ("ngl_lde", "SODN", "Σ c_ij / j² / N_s (j: dependence count)"),
    ("ngl_hde", "IMOQ", "Σ c_ij j² / N_s (j: dependence count)"),
    (
        "ngl_lgce",
        "TL9H",
        "Σ c_ij / i² / N_s (j: dependence count)",
    ),
    ("ngl_hgce", "OAE7", "Σ c_ij i² / N_s (j: dependence count)"),
    (
        "ngl_ldlge",
        "EQ3F",
        "Σ c_ij / (i² j²) / N_s (j: dependence count)",
    ),
    (
        "ngl_ldhge",
        "JA6D",
        "Σ c_ij i² / j² / N_s (j: dependence count)",
    ),
    (
        "ngl_hdlge",
        "NBZI",
        "Σ c_ij j² / i² / N_s (j: dependence count)",
    ),
    (
        "ngl_hdhge",
        "9QMG",
        "Σ c_ij i² j² / N_s (j: dependence count)",
    ),
    ("ngl_glnu", "FP8K", "Σ_i c_i² / N_s (j: dependence count)"),
    (
        "ngl_glnu_norm",
        "5SPA",
        "Σ_i c_i² / N_s² (j: dependence count)",
    ),
    ("ngl_dcnu", "Z87G", "Σ_j c_j² / N_s (j: dependence count)"),
    (
        "ngl_dcnu_norm",
        "OKJI",
        "Σ_j c_j² / N_s² (j: dependence count)",
    ),
    ("ngl_dc_perc", "6XV8", "N_s / N_v (j: dependence count)"),
    (
        "ngl_gl_var",
        "1PFV",
        "Σ (i − μ)² p_ij, μ = Σ i p_ij (j: dependence count)",
    ),
    (
        "ngl_dc_var",
        "DNX2",
        "Σ (j − μ)² p_ij, μ = Σ j p_ij (j: dependence count)",
    ),
    (
        "ngl_dc_entr",
        "FCBV",
        "−Σ p_ij log2 p_ij (j: dependence count)",
    ),
    ("ngl_dc_energy", "CAS9", "Σ p_ij² (j: dependence count)"),
];

/// NGTDM tags, codes and formulas.
pub const NGT: [(&str, &str, &str); 5] = [
    ("ngt_coarseness", "QCDE", "1 / Σ p_i s_i (10⁶ when 0)"),
    (
        "ngt_contrast",
        "65HE",
        "Σ_ij p_i p_j (i − j)² / (N_gp (N_gp − 1)) · Σ s_i / N_vc",
    ),
    ("ngt_busyness", "NQ30", "Σ p_i s_i / Σ_ij |i p_i − j p_j|"),
    (
        "ngt_complexity",
        "HDEZ",
        "Σ_ij |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vc",
    ),
    ("ngt_strength", "1X9X", "Σ_ij (p_i + p_j)(i − j)² / Σ s_i"),
];

/// Neighbour offsets within Chebyshev distance `delta` (in-plane only for 2D), centre excluded.
fn neighbourhood(delta: i64, two_d: bool) -> Vec<[i64; 3]> {
    let dz = if two_d { 0 } else { delta };
    let mut out = Vec::new();
    for k in -dz..=dz {
        for j in -delta..=delta {
            for i in -delta..=delta {
                if (i, j, k) != (0, 0, 0) {
                    out.push([i, j, k]);
                }
            }
        }
    }
    out
}

/// The slices to build matrices on: each slice (2D) or the whole volume.
fn parts(d: &Discretised, two_d: bool) -> Vec<(usize, usize)> {
    if two_d {
        (0..d.size[2]).map(|z| (z, z + 1)).collect()
    } else {
        vec![(0, d.size[2])]
    }
}

/// Zones of each part: (level, size, voxel list) via flood fill with `offsets` connectivity.
fn zones(d: &Discretised, z0: usize, z1: usize, offsets: &[[i64; 3]]) -> Vec<(u32, Vec<usize>)> {
    let [nx, ny, _] = d.size;
    let mut seen = vec![false; d.levels.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in nx * ny * z0..nx * ny * z1 {
        let level = d.levels[start];
        if level == 0 || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut members = Vec::new();
        while let Some(l) = stack.pop() {
            members.push(l);
            let (i, j, k) = (
                (l % nx) as i64,
                ((l / nx) % ny) as i64,
                (l / (nx * ny)) as i64,
            );
            for o in offsets {
                let (a, b, c) = (i + o[0], j + o[1], k + o[2]);
                if c < z0 as i64 || c >= z1 as i64 || d.at(a, b, c) != level {
                    continue;
                }
                let m = a as usize + nx * (b as usize + ny * c as usize);
                if !seen[m] {
                    seen[m] = true;
                    stack.push(m);
                }
            }
        }
        out.push((level, members));
    }
    out
}

fn roi_voxels(d: &Discretised, z0: usize, z1: usize) -> f64 {
    let plane = d.size[0] * d.size[1];
    d.levels[plane * z0..plane * z1]
        .iter()
        .filter(|&&v| v > 0)
        .count() as f64
}

/// Features of each aggregation from per-part matrices.
fn aggregate<const N: usize>(
    two_d: bool,
    mats: &[CountMatrix],
    len: usize,
    feats: impl Fn(&CountMatrix) -> Option<[f64; N]>,
) -> Vec<(&'static str, Option<[f64; N]>)> {
    if two_d {
        vec![
            ("2D", super::texture::mean_of(mats.iter().map(&feats))),
            ("2_5D", feats(&CountMatrix::merged(mats, len))),
        ]
    } else {
        vec![("3D", mats.first().and_then(&feats))]
    }
}

/// IBSI GLSZM features (`_2D` and `_2_5D`, or `_3D`).
pub fn glszm(d: &Discretised, dims: TextureDims) -> Vec<(String, f64)> {
    let two_d = dims == TextureDims::TwoD;
    let ng = d.ng as usize;
    let conn = neighbourhood(1, two_d);
    let mut nj = 1;
    let found: Vec<(Vec<(u32, usize)>, f64)> = parts(d, two_d)
        .into_iter()
        .map(|(z0, z1)| {
            let z: Vec<(u32, usize)> = zones(d, z0, z1, &conn)
                .into_iter()
                .map(|(l, m)| (l, m.len()))
                .collect();
            (z, roi_voxels(d, z0, z1))
        })
        .collect();
    for (z, _) in &found {
        nj = z.iter().map(|&(_, s)| s).fold(nj, usize::max);
    }
    let mats: Vec<CountMatrix> = found
        .iter()
        .map(|(z, voxels)| {
            let mut m = CountMatrix::zeros(ng * nj);
            for &(l, s) in z {
                m.counts[(l as usize - 1) * nj + s - 1] += 1.0;
            }
            m.voxels = *voxels;
            m
        })
        .collect();
    let groups = aggregate(two_d, &mats, ng * nj, |m| {
        trimmed::<16>(count_features(&m.counts, ng, nj, m.voxels))
    });
    named(&SZM, groups)
}

/// City-block distance to the nearest voxel outside `morph` (the grid border counts as outside),
/// per slice in 2D, over the crop of `d` (0 outside the morphological mask).
fn border_distance(d: &Discretised, morph: &Mask, two_d: bool) -> Vec<u32> {
    let [nx, ny, nz] = d.size;
    let g = morph.geometry().size();
    let inside = |i: i64, j: i64, k: i64| {
        let (a, b, c) = (
            i + d.lower[0] as i64,
            j + d.lower[1] as i64,
            k + d.lower[2] as i64,
        );
        a >= 0
            && b >= 0
            && c >= 0
            && (a as usize) < g[0]
            && (b as usize) < g[1]
            && (c as usize) < g[2]
            && morph.data()[a as usize + g[0] * (b as usize + g[1] * c as usize)]
    };
    // Breadth-first from the border over the crop widened by one voxel, so that morphological
    // voxels outside the intensity crop still carry the distance correctly.
    let (px, py, pz) = (nx + 2, ny + 2, if two_d { nz } else { nz + 2 });
    let zoff: i64 = if two_d { 0 } else { 1 };
    let idx = |i: usize, j: usize, k: usize| i + px * (j + py * k);
    let mut dist = vec![u32::MAX; px * py * pz];
    let mut queue = std::collections::VecDeque::new();
    let steps: Vec<[i64; 3]> = if two_d {
        vec![[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]]
    } else {
        vec![
            [1, 0, 0],
            [-1, 0, 0],
            [0, 1, 0],
            [0, -1, 0],
            [0, 0, 1],
            [0, 0, -1],
        ]
    };
    for k in 0..pz {
        for j in 0..py {
            for i in 0..px {
                let (ci, cj, ck) = (i as i64 - 1, j as i64 - 1, k as i64 - zoff);
                if !inside(ci, cj, ck) {
                    dist[idx(i, j, k)] = 0;
                    queue.push_back((i, j, k));
                }
            }
        }
    }
    // Voxels beyond the widened crop are not reached: a morphological voxel whose nearest
    // outside voxel lies beyond the margin keeps the margin's bound, which IBSI's phantoms and
    // compact ROIs never hit; see the test on a ROI touching the crop.
    while let Some((i, j, k)) = queue.pop_front() {
        let dv = dist[idx(i, j, k)];
        for s in &steps {
            let (a, b, c) = (i as i64 + s[0], j as i64 + s[1], k as i64 + s[2]);
            if a < 0 || b < 0 || c < 0 || a >= px as i64 || b >= py as i64 || c >= pz as i64 {
                continue;
            }
            let m = idx(a as usize, b as usize, c as usize);
            if dist[m] > dv + 1 {
                dist[m] = dv + 1;
                queue.push_back((a as usize, b as usize, c as usize));
            }
        }
    }
    let mut out = vec![0; nx * ny * nz];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let v = dist[idx(i + 1, j + 1, (k as i64 + zoff) as usize)];
                out[i + nx * (j + ny * k)] = if v == u32::MAX { 0 } else { v };
            }
        }
    }
    out
}

/// IBSI GLDZM features (`_2D` and `_2_5D`, or `_3D`); zone distances from the morphological
/// mask `morph` (full grid).
pub fn gldzm(d: &Discretised, morph: &Mask, dims: TextureDims) -> Vec<(String, f64)> {
    let two_d = dims == TextureDims::TwoD;
    let ng = d.ng as usize;
    let conn = neighbourhood(1, two_d);
    let dist = border_distance(d, morph, two_d);
    let found: Vec<(Vec<(u32, u32)>, f64)> = parts(d, two_d)
        .into_iter()
        .map(|(z0, z1)| {
            let z = zones(d, z0, z1, &conn)
                .into_iter()
                .map(|(l, m)| (l, m.iter().map(|&v| dist[v].max(1)).min().unwrap_or(1)))
                .collect();
            (z, roi_voxels(d, z0, z1))
        })
        .collect();
    let nj = found
        .iter()
        .flat_map(|(z, _)| z.iter().map(|&(_, s)| s as usize))
        .max()
        .unwrap_or(1);
    let mats: Vec<CountMatrix> = found
        .iter()
        .map(|(z, voxels)| {
            let mut m = CountMatrix::zeros(ng * nj);
            for &(l, s) in z {
                m.counts[(l as usize - 1) * nj + s as usize - 1] += 1.0;
            }
            m.voxels = *voxels;
            m
        })
        .collect();
    let groups = aggregate(two_d, &mats, ng * nj, |m| {
        trimmed::<16>(count_features(&m.counts, ng, nj, m.voxels))
    });
    named(&DZM, groups)
}

/// IBSI NGLDM features (`_2D` and `_2_5D`, or `_3D`), Chebyshev distance `delta`, coarseness
/// `alpha`.
pub fn ngldm(d: &Discretised, dims: TextureDims, delta: u32, alpha: u32) -> Vec<(String, f64)> {
    let two_d = dims == TextureDims::TwoD;
    let ng = d.ng as usize;
    let hood = neighbourhood(delta as i64, two_d);
    let nj = hood.len() + 1;
    let [nx, ny, _] = d.size;
    let mats: Vec<CountMatrix> = parts(d, two_d)
        .into_iter()
        .map(|(z0, z1)| {
            let mut m = CountMatrix::zeros(ng * nj);
            for k in z0..z1 {
                for j in 0..ny {
                    for i in 0..nx {
                        let a = d.levels[i + nx * (j + ny * k)];
                        if a == 0 {
                            continue;
                        }
                        let mut count = 0;
                        for o in &hood {
                            let c = k as i64 + o[2];
                            if c < z0 as i64 || c >= z1 as i64 {
                                continue;
                            }
                            let b = d.at(i as i64 + o[0], j as i64 + o[1], c);
                            if b != 0 && a.abs_diff(b) <= alpha {
                                count += 1;
                            }
                        }
                        m.counts[(a as usize - 1) * nj + count] += 1.0;
                        m.voxels += 1.0;
                    }
                }
            }
            m
        })
        .collect();
    let groups = aggregate(two_d, &mats, ng * nj, |m| {
        count_features(&m.counts, ng, nj, m.voxels)
    });
    named(&NGL, groups)
}

/// NGTDM sums of one part: `n_i` and `s_i` per level.
#[derive(Clone)]
struct Ngtd {
    n: Vec<f64>,
    s: Vec<f64>,
}

fn ngtdm_features(t: &Ngtd) -> Option<[f64; 5]> {
    let nvc: f64 = t.n.iter().sum();
    if nvc <= 0.0 {
        return None;
    }
    let levels: Vec<(f64, f64, f64)> =
        t.n.iter()
            .zip(&t.s)
            .enumerate()
            .filter(|(_, (&n, _))| n > 0.0)
            .map(|(i, (&n, &s))| ((i + 1) as f64, n / nvc, s))
            .collect();
    let ngp = levels.len() as f64;
    let ps: f64 = levels.iter().map(|&(_, p, s)| p * s).sum();
    let s_sum: f64 = levels.iter().map(|&(_, _, s)| s).sum();
    let coarseness = if ps > 0.0 { 1.0 / ps } else { 1e6 };
    let (mut c1, mut busy_div, mut complexity, mut strength) = (0.0, 0.0, 0.0, 0.0);
    for &(i, pi, si) in &levels {
        for &(j, pj, sj) in &levels {
            c1 += pi * pj * (i - j) * (i - j);
            busy_div += (i * pi - j * pj).abs();
            complexity += (i - j).abs() * (pi * si + pj * sj) / (pi + pj);
            strength += (pi + pj) * (i - j) * (i - j);
        }
    }
    let contrast = if ngp > 1.0 {
        c1 / (ngp * (ngp - 1.0)) * s_sum / nvc
    } else {
        0.0
    };
    let busyness = if busy_div > 0.0 { ps / busy_div } else { 0.0 };
    let strength = if s_sum > 0.0 { strength / s_sum } else { 0.0 };
    Some([coarseness, contrast, busyness, complexity / nvc, strength])
}

/// IBSI NGTDM features (`_2D` and `_2_5D`, or `_3D`), Chebyshev distance `delta`.
pub fn ngtdm(d: &Discretised, dims: TextureDims, delta: u32) -> Vec<(String, f64)> {
    let two_d = dims == TextureDims::TwoD;
    let ng = d.ng as usize;
    let hood = neighbourhood(delta as i64, two_d);
    let [nx, ny, _] = d.size;
    let tables: Vec<Ngtd> = parts(d, two_d)
        .into_iter()
        .map(|(z0, z1)| {
            let mut t = Ngtd {
                n: vec![0.0; ng],
                s: vec![0.0; ng],
            };
            for k in z0..z1 {
                for j in 0..ny {
                    for i in 0..nx {
                        let a = d.levels[i + nx * (j + ny * k)];
                        if a == 0 {
                            continue;
                        }
                        let (mut sum, mut count) = (0.0, 0usize);
                        for o in &hood {
                            let c = k as i64 + o[2];
                            if c < z0 as i64 || c >= z1 as i64 {
                                continue;
                            }
                            let b = d.at(i as i64 + o[0], j as i64 + o[1], c);
                            if b != 0 {
                                sum += b as f64;
                                count += 1;
                            }
                        }
                        if count > 0 {
                            let l = a as usize - 1;
                            t.n[l] += 1.0;
                            t.s[l] += (a as f64 - sum / count as f64).abs();
                        }
                    }
                }
            }
            t
        })
        .collect();
    let groups = if two_d {
        let mut merged = Ngtd {
            n: vec![0.0; ng],
            s: vec![0.0; ng],
        };
        for t in &tables {
            super::texture::add_into(&mut merged.n, &t.n);
            super::texture::add_into(&mut merged.s, &t.s);
        }
        vec![
            (
                "2D",
                super::texture::mean_of(tables.iter().map(ngtdm_features)),
            ),
            ("2_5D", ngtdm_features(&merged)),
        ]
    } else {
        vec![("3D", tables.first().and_then(ngtdm_features))]
    };
    named(&NGT, groups)
}
