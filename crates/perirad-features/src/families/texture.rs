//! What the texture families share: the discretised ROI, neighbour directions and IBSI's
//! aggregation methods.
//!
//! IBSI aggregates texture matrices in six ways (reference manual, "Feature aggregation"):
//!
//! | tag suffix  | IBSI name | matrices | features |
//! |---|---|---|---|
//! | `_2D_avg`   | 2D, averaged (BTW3) | one per slice and in-plane direction | averaged over slices and directions |
//! | `_2D_comb`  | 2D, slice-merged (SUJT) | directions merged per slice | averaged over slices |
//! | `_2_5D_avg` | 2.5D, direction-merged (JJUI) | slices merged per direction | averaged over directions |
//! | `_2_5D_comb`| 2.5D, merged (ZW7Z) | all slices and directions merged | one value |
//! | `_3D_avg`   | 3D, averaged (ITBB) | one per 3D direction | averaged over directions |
//! | `_3D_comb`  | 3D, merged (IAZD) | all 13 directions merged | one value |

use perirad_core::{BoundingBox, Mask, Volume};

/// The ROI's discretised grey levels: `1..=ng` inside the intensity mask, 0 outside, cropped to
/// the mask's bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct Discretised {
    /// The crop's first voxel in the full grid.
    pub lower: [usize; 3],
    pub size: [usize; 3],
    pub levels: Vec<u32>,
    /// Number of grey levels (the matrices' dimension).
    pub ng: u32,
}

impl Discretised {
    /// Crops `levels` (0 = outside) to the bounding box of `mask`. `None` for an empty mask.
    pub fn new(levels: &Volume<u32>, mask: &Mask, ng: u32) -> Option<Discretised> {
        let g = mask.geometry();
        let bbox = BoundingBox::of_mask(g.size(), mask.data())?;
        let size = bbox.size();
        let [nx, ny, _] = g.size();
        let mut out = Vec::with_capacity(size[0] * size[1] * size[2]);
        for k in bbox.lower[2]..bbox.upper[2] {
            for j in bbox.lower[1]..bbox.upper[1] {
                let row = nx * (j + ny * k);
                for i in bbox.lower[0]..bbox.upper[0] {
                    let l = row + i;
                    out.push(if mask.data()[l] { levels.data()[l] } else { 0 });
                }
            }
        }
        Some(Discretised {
            lower: bbox.lower,
            size,
            levels: out,
            ng,
        })
    }

    /// Level at (i, j, k), 0 outside the box or the ROI.
    #[inline]
    pub fn at(&self, i: i64, j: i64, k: i64) -> u32 {
        let [nx, ny, nz] = self.size;
        if i < 0 || j < 0 || k < 0 || i >= nx as i64 || j >= ny as i64 || k >= nz as i64 {
            return 0;
        }
        self.levels[i as usize + nx * (j as usize + ny * k as usize)]
    }
}

/// The 13 directions of 3D neighbours (one of each opposite pair), in-plane ones first.
pub const DIRECTIONS_3D: [[i64; 3]; 13] = [
    [1, 0, 0],
    [1, 1, 0],
    [0, 1, 0],
    [-1, 1, 0],
    [0, 0, 1],
    [1, 0, 1],
    [1, 1, 1],
    [0, 1, 1],
    [-1, 1, 1],
    [-1, 0, 1],
    [-1, -1, 1],
    [0, -1, 1],
    [1, -1, 1],
];

/// The 4 in-plane directions (the first four of [`DIRECTIONS_3D`]).
pub const DIRECTIONS_2D: [[i64; 3]; 4] = [[1, 0, 0], [1, 1, 0], [0, 1, 0], [-1, 1, 0]];

/// Averages feature vectors (`None` entries, from empty matrices, are left out). `None` when
/// every entry is empty.
pub fn mean_of<const N: usize>(
    items: impl IntoIterator<Item = Option<[f64; N]>>,
) -> Option<[f64; N]> {
    let mut sum = [0.0; N];
    let mut n = 0usize;
    for v in items.into_iter().flatten() {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
        n += 1;
    }
    (n > 0).then(|| sum.map(|s| s / n as f64))
}

/// Adds `b` to `a` element-wise.
pub fn add_into(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Features of a "count" matrix `c_ij` (N_g × N_j, row-major; level i = row + 1, j = column + 1:
/// run length, zone size, zone distance or dependence count) built on `n_v` voxels, in IBSI's
/// common order: small-j emphasis, large-j emphasis, low and high grey level emphasis, the four
/// joint emphases (small-j low-grey, small-j high-grey, large-j low-grey, large-j high-grey),
/// grey level non-uniformity (plain and normalised), j non-uniformity (plain and normalised),
/// percentage `N_s / n_v`, grey level variance, j variance, j entropy (log2) and energy Σ p².
/// `None` when the matrix is empty.
pub fn count_features(counts: &[f64], ng: usize, nj: usize, n_v: f64) -> Option<[f64; 17]> {
    let ns: f64 = counts.iter().sum();
    if ns <= 0.0 {
        return None;
    }
    let mut f = [0.0; 17];
    let mut ri = vec![0.0; ng];
    let mut rj = vec![0.0; nj];
    let (mut mu_i, mut mu_j) = (0.0, 0.0);
    for i in 0..ng {
        for j in 0..nj {
            let r = counts[i * nj + j];
            if r == 0.0 {
                continue;
            }
            let (gi, lj) = ((i + 1) as f64, (j + 1) as f64);
            let (i2, j2) = (gi * gi, lj * lj);
            f[0] += r / j2;
            f[1] += r * j2;
            f[2] += r / i2;
            f[3] += r * i2;
            f[4] += r / (i2 * j2);
            f[5] += r * i2 / j2;
            f[6] += r * j2 / i2;
            f[7] += r * i2 * j2;
            ri[i] += r;
            rj[j] += r;
            let p = r / ns;
            mu_i += gi * p;
            mu_j += lj * p;
            f[15] -= p * p.log2();
            f[16] += p * p;
        }
    }
    for v in &mut f[..8] {
        *v /= ns;
    }
    let gl: f64 = ri.iter().map(|r| r * r).sum();
    let jl: f64 = rj.iter().map(|r| r * r).sum();
    f[8] = gl / ns;
    f[9] = gl / (ns * ns);
    f[10] = jl / ns;
    f[11] = jl / (ns * ns);
    f[12] = ns / n_v;
    for i in 0..ng {
        for j in 0..nj {
            let p = counts[i * nj + j] / ns;
            if p > 0.0 {
                f[13] += ((i + 1) as f64 - mu_i).powi(2) * p;
                f[14] += ((j + 1) as f64 - mu_j).powi(2) * p;
            }
        }
    }
    Some(f)
}

/// The first `N` of the 17 [`count_features`] (GLRLM, GLSZM and GLDZM have no energy).
pub fn trimmed<const N: usize>(f: Option<[f64; 17]>) -> Option<[f64; N]> {
    f.map(|f| {
        let mut out = [0.0; N];
        out.copy_from_slice(&f[..N]);
        out
    })
}

/// A count matrix with the number of voxels it was built on.
#[derive(Debug, Clone, PartialEq)]
pub struct CountMatrix {
    pub counts: Vec<f64>,
    pub voxels: f64,
}

impl CountMatrix {
    pub fn zeros(len: usize) -> CountMatrix {
        CountMatrix {
            counts: vec![0.0; len],
            voxels: 0.0,
        }
    }

    /// The sum of several matrices of the same shape.
    pub fn merged<'a>(items: impl IntoIterator<Item = &'a CountMatrix>, len: usize) -> CountMatrix {
        let mut out = CountMatrix::zeros(len);
        for m in items {
            add_into(&mut out.counts, &m.counts);
            out.voxels += m.voxels;
        }
        out
    }
}

/// Names `values` of each aggregation `(suffix, values)` with `tags`: `{tag}_{suffix}`.
pub fn named<const N: usize>(
    tags: &[(&str, &str, &str)],
    groups: Vec<(&str, Option<[f64; N]>)>,
) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (suffix, values) in groups {
        if let Some(values) = values {
            for ((tag, _, _), v) in tags.iter().zip(values) {
                out.push((format!("{tag}_{suffix}"), v));
            }
        }
    }
    out
}
