//! What PyRadiomics' `glszm`, `gldm` and `ngtdm` classes share: the ROI's grey levels in a
//! zero-padded box, the neighbour offsets PyRadiomics' C extension generates, and the features
//! common to the "count" matrices (GLSZM and GLDM).
//!
//! Neighbours (PyRadiomics' `build_angles`): every offset `o ≠ 0` whose Chebyshev norm
//! `max |o_a|` is one of the `distances` (GLSZM always uses `[1]`), both directions of each pair.
//! With `force2D` the offsets along the out-of-plane axis (`force2Ddimension`, a numpy axis:
//! 0 = z, 1 = y, 2 = x) are zero, so neighbourhoods stay in their slice. A neighbour counts only
//! inside the image and the ROI; since the ROI lies inside its bounding box, the box padded with
//! voxels outside the ROI gives exactly the same neighbours without any bounds check.

use crate::error::param;
use crate::extract::TextureRoi;
use crate::{FeatureError, PyRadiomicsParams};
use perirad_core::BoundingBox;

/// `np.spacing(1)`, PyRadiomics' ε in the entropies.
pub(crate) const EPS: f64 = f64::EPSILON;

/// The ROI's grey levels in its bounding box padded by `pad` voxels per side (0 = outside the
/// ROI), and the grey levels present.
pub(crate) struct LevelBox {
    /// Grey levels, x fastest then y then z; 0 outside the ROI.
    pub levels: Vec<u32>,
    /// Size of the padded box.
    pub dims: [usize; 3],
    /// Padding per side along each axis.
    pub pad: [usize; 3],
    /// Size of the unpadded box.
    pub inner: [usize; 3],
    /// The grey levels present in the ROI, ascending.
    pub present: Vec<u32>,
    /// Row of each grey level in the matrices (its rank in `present`), indexed by grey level;
    /// `u32::MAX` for levels not present.
    pub row: Vec<u32>,
    /// Linear offsets (in `levels`) of the neighbours.
    pub offsets: Vec<isize>,
}

impl LevelBox {
    /// The ROI of `roi` with the neighbours given by `distances` (see the module documentation)
    /// and the in-plane axis setting of `params`.
    pub fn new(
        roi: &TextureRoi,
        params: &PyRadiomicsParams,
        distances: &[i64],
    ) -> Result<LevelBox, FeatureError> {
        let g = roi.mask.geometry();
        let size = g.size();
        let mask = roi.mask.data();
        let levels = roi.levels.data();
        if roi.levels.geometry().size() != size {
            return Err(FeatureError::Input(
                "grey levels and ROI are on different grids".into(),
            ));
        }
        let bbox = roi_box(size, mask).ok_or(FeatureError::EmptyRoi)?;
        let inner = bbox.size();
        let offsets3 = neighbour_offsets(distances, in_plane_axis(params), inner)?;
        let mut pad = [0usize; 3];
        for o in &offsets3 {
            for a in 0..3 {
                pad[a] = pad[a].max(o[a].unsigned_abs() as usize);
            }
        }
        let dims = [0, 1, 2].map(|a| inner[a] + 2 * pad[a]);
        let mut boxed = vec![0u32; dims[0] * dims[1] * dims[2]];
        let mut max_level = 0u32;
        for k in 0..inner[2] {
            for j in 0..inner[1] {
                let src = g.linear_index(bbox.lower[0], bbox.lower[1] + j, bbox.lower[2] + k);
                let dst = pad[0] + dims[0] * (pad[1] + j + dims[1] * (pad[2] + k));
                for i in 0..inner[0] {
                    if mask[src + i] {
                        let v = levels[src + i];
                        if v == 0 {
                            return Err(FeatureError::Input(
                                "an ROI voxel has no grey level (0)".into(),
                            ));
                        }
                        boxed[dst + i] = v;
                        max_level = max_level.max(v);
                    }
                }
            }
        }
        let mut row = vec![u32::MAX; max_level as usize + 1];
        for &v in &boxed {
            if v != 0 {
                row[v as usize] = 0;
            }
        }
        let mut present = Vec::new();
        for (v, r) in row.iter_mut().enumerate() {
            if *r == 0 {
                *r = present.len() as u32;
                present.push(v as u32);
            }
        }
        let offsets = offsets3
            .iter()
            .map(|o| {
                o[0] as isize
                    + dims[0] as isize * (o[1] as isize + dims[1] as isize * o[2] as isize)
            })
            .collect();
        Ok(LevelBox {
            levels: boxed,
            dims,
            pad,
            inner,
            present,
            row,
            offsets,
        })
    }

    /// Linear indices of the ROI voxels, in PyRadiomics' scan order (x fastest, z slowest).
    pub fn for_each_voxel(&self, mut f: impl FnMut(usize, u32)) {
        let [nx, ny, _] = self.dims;
        for k in 0..self.inner[2] {
            for j in 0..self.inner[1] {
                let start = self.pad[0] + nx * (self.pad[1] + j + ny * (self.pad[2] + k));
                for l in start..start + self.inner[0] {
                    let v = self.levels[l];
                    if v != 0 {
                        f(l, v);
                    }
                }
            }
        }
    }
}

/// The bounding box of the voxels set in `mask` (x fastest), skipping empty slices and rows
/// with a whole-slice test.
fn roi_box(size: [usize; 3], mask: &[bool]) -> Option<BoundingBox> {
    let [nx, ny, _] = size;
    if nx == 0 || ny == 0 {
        return None;
    }
    let mut lower = [usize::MAX; 3];
    let mut upper = [0usize; 3];
    for (k, slice) in mask.chunks_exact(nx * ny).enumerate() {
        if !any_set(slice) {
            continue;
        }
        lower[2] = lower[2].min(k);
        upper[2] = k + 1;
        for (j, row) in slice.chunks_exact(nx).enumerate() {
            if !any_set(row) {
                continue;
            }
            let (Some(first), Some(last)) =
                (row.iter().position(|&m| m), row.iter().rposition(|&m| m))
            else {
                continue;
            };
            lower[1] = lower[1].min(j);
            upper[1] = upper[1].max(j + 1);
            lower[0] = lower[0].min(first);
            upper[0] = upper[0].max(last + 1);
        }
    }
    (upper[2] > 0).then_some(BoundingBox { lower, upper })
}

/// Whether any of `s` is set, in blocks the compiler can vectorise.
fn any_set(s: &[bool]) -> bool {
    s.chunks(512)
        .any(|c| c.iter().fold(0u8, |a, &b| a | u8::from(b)) != 0)
}

/// The axis (0 = x, 1 = y, 2 = z) that `force2D` keeps neighbourhoods from crossing, or `None`
/// in 3D. `force2Ddimension` counts numpy axes (z, y, x).
fn in_plane_axis(params: &PyRadiomicsParams) -> Option<usize> {
    let s = &params.setting;
    (s.force_2d == Some(true)).then(|| 2 - s.force_2d_dimension.unwrap_or(0).clamp(0, 2) as usize)
}

/// The `distances` setting (PyRadiomics' default `[1]`), checked.
pub(crate) fn distances(params: &PyRadiomicsParams) -> Result<Vec<i64>, FeatureError> {
    let d = params.setting.distances.clone().unwrap_or_else(|| vec![1]);
    if d.is_empty() || d.iter().any(|&x| x < 1) {
        return Err(param(
            "setting.distances",
            format!("{d:?}: needs at least one distance, each 1 or more"),
        ));
    }
    Ok(d)
}

/// PyRadiomics' neighbour offsets (x, y, z) for a cropped image of `size` voxels (PyRadiomics
/// crops a segment-based extraction to the ROI's bounding box): offsets with a Chebyshev norm in
/// `distances`, none along `fixed`, each component shorter than the image along its axis.
///
/// As `get_angle_count` and `build_angles` do, the number of offsets is counted first, one
/// term per entry of `distances`, then the offset space is enumerated (z slowest, from `+max` to
/// `−max` per axis) until that many were taken. With a distance listed twice the count exceeds
/// the distinct offsets, the enumeration wraps around and its first offsets come twice (and so
/// count twice in GLDM and NGTDM), as in PyRadiomics. No offset at all is an error there too.
fn neighbour_offsets(
    distances: &[i64],
    fixed: Option<usize>,
    size: [usize; 3],
) -> Result<Vec<[i64; 3]>, FeatureError> {
    let mut count = 0i64;
    for &d in distances {
        let (mut all, mut inner) = (1i64, 1i64);
        for (a, &n) in size.iter().enumerate() {
            if fixed == Some(a) {
                continue;
            }
            let n = n as i64;
            if d < n {
                all *= 2 * d + 1;
                inner *= 2 * d - 1;
            } else {
                all *= 2 * (n - 1) + 1;
                inner *= 2 * (n - 1) + 1;
            }
        }
        count += all - inner;
    }
    if count <= 0 {
        return Err(param(
            "setting.distances",
            format!(
                "{distances:?}: no neighbour within these distances fits in the ROI's bounding \
                 box {size:?} (PyRadiomics fails with \"Error getting angle count\")"
            ),
        ));
    }
    // PyRadiomics' enumeration with the offsets it rejects (along `fixed`, or not shorter than
    // the image) left out: the same sequence, which it cycles through.
    let m = distances.iter().copied().max().unwrap_or(1);
    let reach = [0, 1, 2].map(|a| {
        if fixed == Some(a) {
            0
        } else {
            m.min(size[a] as i64 - 1)
        }
    });
    let mut cycle = Vec::new();
    for z in (-reach[2]..=reach[2]).rev() {
        for y in (-reach[1]..=reach[1]).rev() {
            for x in (-reach[0]..=reach[0]).rev() {
                let norm = x.abs().max(y.abs()).max(z.abs());
                if norm > 0 && distances.contains(&norm) {
                    cycle.push([x, y, z]);
                }
            }
        }
    }
    let out: Vec<[i64; 3]> = cycle.iter().copied().cycle().take(count as usize).collect();
    Ok(out)
}

/// The features shared by PyRadiomics' GLSZM and GLDM, from a matrix `P(i, j)` of counts
/// (grey level i, zone size or dependence count j) with `N_z = Σ P(i, j)`,
/// `p_g(i) = Σ_j P(i, j)`, `p_j(j) = Σ_i P(i, j)`, every sum divided by `N_z`:
pub(crate) struct CountFeatures {
    /// `Σ_j p_j(j) / j² / N_z`
    pub small: f64,
    /// `Σ_j p_j(j) j² / N_z`
    pub large: f64,
    /// `Σ_i p_g(i) / i² / N_z`
    pub low_grey: f64,
    /// `Σ_i p_g(i) i² / N_z`
    pub high_grey: f64,
    /// `Σ P(i, j) / (i² j²) / N_z`
    pub small_low: f64,
    /// `Σ P(i, j) i² / j² / N_z`
    pub small_high: f64,
    /// `Σ P(i, j) j² / i² / N_z`
    pub large_low: f64,
    /// `Σ P(i, j) i² j² / N_z`
    pub large_high: f64,
    /// `Σ_i p_g(i)² / N_z`
    pub grey_nu: f64,
    /// `Σ_i p_g(i)² / N_z²`
    pub grey_nu_norm: f64,
    /// `Σ_j p_j(j)² / N_z`
    pub j_nu: f64,
    /// `Σ_j p_j(j)² / N_z²`
    pub j_nu_norm: f64,
    /// `Σ_i q(i) (i − μ)²`, `q = p_g / N_z`, `μ = Σ_i q(i) i`
    pub grey_var: f64,
    /// `Σ_j r(j) (j − μ)²`, `r = p_j / N_z`, `μ = Σ_j r(j) j`
    pub j_var: f64,
    /// `−Σ p(i, j) log2(p(i, j) + ε)`, `p = P / N_z`, ε = `np.spacing(1)`
    pub entropy: f64,
    /// `N_z`
    pub total: f64,
}

/// [`CountFeatures`] of the non-zero cells `(i, j, P(i, j))` of a count matrix, its row sums
/// `(i, p_g(i))` and its column sums `(j, p_j(j))`. `None` for an empty matrix.
pub(crate) fn count_features(
    cells: impl IntoIterator<Item = (f64, f64, f64)>,
    rows: &[(f64, f64)],
    cols: &[(f64, f64)],
) -> Option<CountFeatures> {
    let nz: f64 = rows.iter().map(|r| r.1).sum();
    if nz <= 0.0 {
        return None;
    }
    let mut f = CountFeatures {
        small: 0.0,
        large: 0.0,
        low_grey: 0.0,
        high_grey: 0.0,
        small_low: 0.0,
        small_high: 0.0,
        large_low: 0.0,
        large_high: 0.0,
        grey_nu: 0.0,
        grey_nu_norm: 0.0,
        j_nu: 0.0,
        j_nu_norm: 0.0,
        grey_var: 0.0,
        j_var: 0.0,
        entropy: 0.0,
        total: nz,
    };
    for (i, j, c) in cells {
        let (i2, j2) = (i * i, j * j);
        f.small_low += c / (i2 * j2);
        f.small_high += c * i2 / j2;
        f.large_low += c * j2 / i2;
        f.large_high += c * i2 * j2;
        let p = c / nz;
        f.entropy -= p * (p + EPS).log2();
    }
    let (mut mu_i, mut mu_j) = (0.0, 0.0);
    for &(i, c) in rows {
        f.low_grey += c / (i * i);
        f.high_grey += c * i * i;
        f.grey_nu += c * c;
        mu_i += c / nz * i;
    }
    for &(j, c) in cols {
        f.small += c / (j * j);
        f.large += c * j * j;
        f.j_nu += c * c;
        mu_j += c / nz * j;
    }
    for &(i, c) in rows {
        f.grey_var += c / nz * (i - mu_i) * (i - mu_i);
    }
    for &(j, c) in cols {
        f.j_var += c / nz * (j - mu_j) * (j - mu_j);
    }
    for v in [
        &mut f.small,
        &mut f.large,
        &mut f.low_grey,
        &mut f.high_grey,
        &mut f.small_low,
        &mut f.small_high,
        &mut f.large_low,
        &mut f.large_high,
        &mut f.grey_nu,
        &mut f.j_nu,
    ] {
        *v /= nz;
    }
    f.grey_nu_norm = f.grey_nu / nz;
    f.j_nu_norm = f.j_nu / nz;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::neighbour_offsets;

    /// Counts of PyRadiomics' `get_angle_count`: (2d + 1)^n − (2d − 1)^n per listed distance.
    #[test]
    fn offsets_as_pyradiomics_counts_them() {
        let big = [30, 30, 30];
        let n = |d: &[i64], fixed, size| neighbour_offsets(d, fixed, size).map(|o| o.len());
        assert_eq!(n(&[1], None, big).ok(), Some(26));
        assert_eq!(n(&[1], Some(2), big).ok(), Some(8));
        assert_eq!(n(&[1, 2], None, big).ok(), Some(26 + 98));
        assert_eq!(n(&[2], Some(0), big).ok(), Some(25 - 9));
        // Limited by the image: 3 slices allow z offsets of ±1 and ±2 only.
        assert_eq!(n(&[3], None, [30, 30, 3]).ok(), Some(7 * 7 * 5 - 5 * 5 * 5));
        assert!(n(&[5], None, [3, 3, 3]).is_err());
        // A repeated distance: every 1-offset twice.
        let twice = neighbour_offsets(&[1, 1], None, big).unwrap_or_default();
        assert_eq!(twice.len(), 52);
        assert_eq!(twice[..26], twice[26..]);
    }
}
