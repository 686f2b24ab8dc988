//! IBSI-1 intensity features that need voxel positions (IBSI-1 reference manual, chapter 3):
//!
//! * [`local_intensity`]: local and global intensity peak (family 9ST6, always 3D);
//! * [`moran_geary`]: Moran's I index (N365) and Geary's C measure (NPT7), exact O(N_v²);
//! * [`integrated_intensity`]: integrated intensity (99N0) from a mesh volume computed
//!   elsewhere.
//!
//! Inputs are the already-preprocessed image and the ROI *intensity* mask on the same grid.
//! Distances are physical (mm), through the grid's spacing and direction. Results do not depend
//! on the number of rayon threads: every per-voxel or per-row quantity is computed sequentially
//! in a fixed order and partial results are combined in scan order.

use crate::FeatureError;
use perirad_core::{BoundingBox, Geometry, Mask, Volume};
use rayon::prelude::*;

/// Radius (mm) of the 1 cm³ sphere of the intensity peaks: `(3 · 1000 mm³ / (4π))^(1/3)`
/// ≈ 6.2035 mm.
pub fn peak_radius_mm() -> f64 {
    (3000.0 / (4.0 * std::f64::consts::PI)).cbrt()
}

/// Checks that the mask lies on the image grid and returns the linear indices of its voxels.
fn roi_indices(image: &Volume<f64>, mask: &Mask) -> Result<Vec<usize>, FeatureError> {
    if !image.geometry().same_grid(mask.geometry(), 1e-6) {
        return Err(FeatureError::Input(format!(
            "the mask grid ({}) differs from the image grid ({})",
            mask.geometry(),
            image.geometry()
        )));
    }
    let roi: Vec<usize> = mask
        .data()
        .iter()
        .enumerate()
        .filter_map(|(l, &m)| m.then_some(l))
        .collect();
    if roi.is_empty() {
        return Err(FeatureError::EmptyRoi);
    }
    Ok(roi)
}

/// The physical offset (mm) of an index offset: `D · diag(spacing) · d`.
fn physical_offset(g: &Geometry, d: [f64; 3]) -> [f64; 3] {
    let p = g.index_to_physical(d);
    let o = g.origin();
    [p[0] - o[0], p[1] - o[1], p[2] - o[2]]
}

fn norm2(p: [f64; 3]) -> f64 {
    p[0] * p[0] + p[1] * p[1] + p[2] * p[2]
}

/// Index offsets whose voxel centres lie within `radius` mm of the centre voxel (the centre
/// included), in scan order.
fn sphere_offsets(g: &Geometry, radius: f64) -> Vec<[isize; 3]> {
    // Bound each index axis through the inverse map: |d_a| ≤ ‖row a of (D·S)⁻¹‖ · r.
    let o = g.origin();
    let base = g.physical_to_index(o);
    let mut reach = [0isize; 3];
    for (a, r) in reach.iter_mut().enumerate() {
        let row: f64 = (0..3)
            .map(|b| {
                let mut p = o;
                p[b] += 1.0;
                let idx = g.physical_to_index(p);
                (idx[a] - base[a]).powi(2)
            })
            .sum();
        *r = (row.sqrt() * radius).ceil() as isize;
    }
    let r2 = radius * radius;
    let mut offsets = Vec::new();
    for dk in -reach[2]..=reach[2] {
        for dj in -reach[1]..=reach[1] {
            for di in -reach[0]..=reach[0] {
                let p = physical_offset(g, [di as f64, dj as f64, dk as f64]);
                if norm2(p) <= r2 {
                    offsets.push([di, dj, dk]);
                }
            }
        }
    }
    offsets
}

/// Local intensity features (IBSI family 9ST6, computed in 3D), as `(tag, value)`:
///
/// | tag | code | definition |
/// |---|---|---|
/// | `loc_peak_loc` | VJGA | mean image intensity in the sphere centred on the maximum-intensity voxel of the ROI intensity mask; with several such voxels, the highest of their means |
/// | `loc_peak_glob` | 0F91 | the highest sphere mean over every voxel of the ROI intensity mask |
///
/// The sphere holds every image voxel whose centre lies within `r = (3/(4π))^(1/3)` cm
/// ([`peak_radius_mm`]) of the centre voxel's centre, the centre included, in or out of the ROI
/// (IBSI: the neighbourhood draws on the whole image). Near the image border the mean is over
/// the sphere voxels inside the image. The sphere is a list of precomputed index offsets; the
/// means are computed in parallel (each sequentially, in offset order), so results do not depend
/// on the thread count. A one-voxel ROI is well defined (both peaks are its sphere mean).
///
/// Errors: mask and image on different grids, empty ROI, a non-finite image value within the
/// sphere of an ROI voxel ([`FeatureError::NonFinite`]).
pub fn local_intensity(
    image: &Volume<f64>,
    mask: &Mask,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let roi = roi_indices(image, mask)?;
    let g = image.geometry();
    let size = g.size();
    let data = image.data();
    let offsets = sphere_offsets(g, peak_radius_mm());
    let means: Vec<f64> = roi
        .par_iter()
        .map(|&l| {
            let [i, j, k] = g.index_of(l);
            let (mut sum, mut count) = (0.0f64, 0usize);
            for &[di, dj, dk] in &offsets {
                let (x, y, z) = (i as isize + di, j as isize + dj, k as isize + dk);
                if x >= 0
                    && y >= 0
                    && z >= 0
                    && (x as usize) < size[0]
                    && (y as usize) < size[1]
                    && (z as usize) < size[2]
                {
                    sum += data[g.linear_index(x as usize, y as usize, z as usize)];
                    count += 1;
                }
            }
            // count ≥ 1: the centre offset is always in the sphere and in the image.
            sum / count as f64
        })
        .collect();
    if let Some(p) = means.iter().position(|m| !m.is_finite()) {
        return Err(FeatureError::NonFinite {
            what: format!(
                "image value within {:.4} mm of ROI voxel {:?}",
                peak_radius_mm(),
                g.index_of(roi[p])
            ),
        });
    }
    let max_intensity = roi
        .iter()
        .map(|&l| data[l])
        .fold(f64::NEG_INFINITY, f64::max);
    let local = roi
        .iter()
        .zip(&means)
        .filter(|(&l, _)| data[l] == max_intensity)
        .map(|(_, &m)| m)
        .fold(f64::NEG_INFINITY, f64::max);
    let global = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(vec![("loc_peak_loc", local), ("loc_peak_glob", global)])
}

/// Largest inverse-distance table [`moran_geary`] builds (entries; 8 bytes each), about
/// `8 ×` the voxels of the ROI bounding box.
pub const MAX_WEIGHT_TABLE: usize = 1 << 26;

/// Moran's I index (IBSI N365) and Geary's C measure (IBSI NPT7) of the ROI intensity mask,
/// exactly (every ordered pair of ROI voxels, O(N_v²)):
///
/// ```text
/// I = N_v / Σw · Σ_{k1≠k2} w_{k1k2} (X_k1 − μ)(X_k2 − μ) / Σ_k (X_k − μ)²
/// C = (N_v − 1) / (2 Σw) · Σ_{k1≠k2} w_{k1k2} (X_k1 − X_k2)² / Σ_k (X_k − μ)²
/// ```
///
/// with `w_{k1k2} = 1 / ‖x_k1 − x_k2‖` the inverse Euclidean distance (mm) between voxel centres
/// and `Σw` over all ordered pairs `k1 ≠ k2`. With `z = X − μ`, `A_k = Σ_{k2≠k} w z_k2` and
/// `R_k = Σ_{k2≠k} w`: the Moran numerator is `Σ z_k A_k`, `Σw = Σ R_k`, and the Geary numerator
/// is `2 Σ z_k² R_k − 2 Σ z_k A_k`.
///
/// `A_k` and `R_k` are inverse-distance correlations over the ROI's bounding box, computed row
/// by row: for two x-rows of the box the weights form one contiguous row of a precomputed table
/// (indexed by the index offset), so the inner loop is a dot product. Rows are processed in
/// parallel; each row's partial sums are computed sequentially and combined in row order, so the
/// result does not depend on the thread count.
///
/// Returns `(I, C)`. Undefined cases, NaN for both: a one-voxel ROI (`Σw = 0`, 0/0) and flat
/// intensities (`Σ (X − μ)² = 0`, 0/0).
///
/// Errors: mask and image on different grids, empty ROI, a non-finite ROI intensity, a bounding
/// box needing more than [`MAX_WEIGHT_TABLE`] table entries.
pub fn moran_geary(image: &Volume<f64>, mask: &Mask) -> Result<(f64, f64), FeatureError> {
    let roi = roi_indices(image, mask)?;
    let g = image.geometry();
    let data = image.data();
    if let Some(&l) = roi.iter().find(|&&l| !data[l].is_finite()) {
        return Err(FeatureError::NonFinite {
            what: format!("ROI intensity {} at voxel {:?}", data[l], g.index_of(l)),
        });
    }
    let n = roi.len();
    let (min, max) = roi
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, &l| {
            (a.0.min(data[l]), a.1.max(data[l]))
        });
    if n == 1 || min == max {
        return Ok((f64::NAN, f64::NAN));
    }
    let mean = roi.iter().map(|&l| data[l]).sum::<f64>() / n as f64;
    let denom: f64 = roi.iter().map(|&l| (data[l] - mean).powi(2)).sum();

    let mdata = mask.data();
    let bbox = BoundingBox::of_mask(g.size(), mdata).ok_or(FeatureError::EmptyRoi)?;
    let [w, h, d] = bbox.size();
    let (tw, th, td) = (2 * w - 1, 2 * h - 1, 2 * d - 1);
    let entries = tw
        .checked_mul(th)
        .and_then(|x| x.checked_mul(td))
        .filter(|&e| e <= MAX_WEIGHT_TABLE)
        .ok_or_else(|| {
            FeatureError::Input(format!(
                "Moran/Geary: the ROI bounding box {w}×{h}×{d} is too large for the exact computation"
            ))
        })?;
    // table[(dz·th + dy)·tw + dx] = 1/distance of offset (dx, dy, dz) − (w−1, h−1, d−1); 0 at 0.
    let table: Vec<f64> = (0..entries)
        .into_par_iter()
        .map(|e| {
            let dx = (e % tw) as f64 - (w - 1) as f64;
            let dy = ((e / tw) % th) as f64 - (h - 1) as f64;
            let dz = (e / (tw * th)) as f64 - (d - 1) as f64;
            let r2 = norm2(physical_offset(g, [dx, dy, dz]));
            if r2 == 0.0 {
                0.0
            } else {
                1.0 / r2.sqrt()
            }
        })
        .collect();

    // Rows of the box: dense z (0 outside the ROI) and m (1 inside), and the x-span of the ROI.
    struct Row {
        j: usize,
        k: usize,
        start: usize,
        z: Vec<f64>,
        m: Vec<f64>,
    }
    let mut rows = Vec::new();
    for k in 0..d {
        for j in 0..h {
            let base = g.linear_index(bbox.lower[0], bbox.lower[1] + j, bbox.lower[2] + k);
            let inside = &mdata[base..base + w];
            let Some(a) = inside.iter().position(|&m| m) else {
                continue;
            };
            let b = w - inside.iter().rev().position(|&m| m).unwrap_or(0);
            let z = (a..b)
                .map(|x| {
                    if inside[x] {
                        data[base + x] - mean
                    } else {
                        0.0
                    }
                })
                .collect();
            let m = (a..b).map(|x| f64::from(u8::from(inside[x]))).collect();
            rows.push(Row {
                j,
                k,
                start: a,
                z,
                m,
            });
        }
    }

    // Per row r1: (Σ z A, Σ z² R, Σ R) over its voxels.
    let partials: Vec<[f64; 3]> = rows
        .par_iter()
        .map(|r1| {
            let len1 = r1.z.len();
            let mut acc_a = vec![0.0f64; len1];
            let mut acc_r = vec![0.0f64; len1];
            for r2 in &rows {
                let dy = r2.j + h - 1 - r1.j;
                let dz = r2.k + d - 1 - r1.k;
                let trow = &table[(dz * th + dy) * tw..(dz * th + dy + 1) * tw];
                for x1 in 0..len1 {
                    if r1.m[x1] == 0.0 {
                        continue;
                    }
                    // Offset of r2's first voxel from voxel x1, shifted into the table row.
                    let t0 = r2.start + w - 1 - (r1.start + x1);
                    let wrow = &trow[t0..t0 + r2.z.len()];
                    let (sa, sr) = dot2(wrow, &r2.z, &r2.m);
                    acc_a[x1] += sa;
                    acc_r[x1] += sr;
                }
            }
            let mut out = [0.0f64; 3];
            for x1 in 0..len1 {
                let z = r1.z[x1];
                out[0] += z * acc_a[x1];
                out[1] += z * z * acc_r[x1];
                out[2] += acc_r[x1];
            }
            out
        })
        .collect();
    let (mut moran_num, mut z2r, mut s0) = (0.0f64, 0.0f64, 0.0f64);
    for p in &partials {
        moran_num += p[0];
        z2r += p[1];
        s0 += p[2];
    }
    let geary_num = 2.0 * z2r - 2.0 * moran_num;
    let nf = n as f64;
    let moran = nf / s0 * moran_num / denom;
    let geary = (nf - 1.0) / (2.0 * s0) * geary_num / denom;
    Ok((moran, geary))
}

/// `(Σ w·z, Σ w·m)` with four independent accumulators per sum (fixed order, vectorisable).
#[inline]
fn dot2(w: &[f64], z: &[f64], m: &[f64]) -> (f64, f64) {
    let mut a = [0.0f64; 4];
    let mut r = [0.0f64; 4];
    let wc = w.chunks_exact(4);
    let zc = z.chunks_exact(4);
    let mc = m.chunks_exact(4);
    let (wt, zt, mt) = (wc.remainder(), zc.remainder(), mc.remainder());
    for ((wv, zv), mv) in wc.zip(zc).zip(mc) {
        for l in 0..4 {
            a[l] += wv[l] * zv[l];
            r[l] += wv[l] * mv[l];
        }
    }
    let mut sa = (a[0] + a[1]) + (a[2] + a[3]);
    let mut sr = (r[0] + r[1]) + (r[2] + r[3]);
    for ((&wv, &zv), &mv) in wt.iter().zip(zt).zip(mt) {
        sa += wv * zv;
        sr += wv * mv;
    }
    (sa, sr)
}

/// Integrated intensity (IBSI 99N0): `V · μ`, the mesh volume `V` (mm³, from the morphological
/// mask's mesh) times the mean intensity `μ` of the ROI intensity mask.
///
/// Errors: empty ROI, a non-finite intensity or mesh volume.
pub fn integrated_intensity(values: &[f64], mesh_volume: f64) -> Result<f64, FeatureError> {
    if values.is_empty() {
        return Err(FeatureError::EmptyRoi);
    }
    if !mesh_volume.is_finite() {
        return Err(FeatureError::NonFinite {
            what: format!("mesh volume {mesh_volume}"),
        });
    }
    if let Some(&x) = values.iter().find(|x| !x.is_finite()) {
        return Err(FeatureError::NonFinite {
            what: format!("ROI intensity {x}"),
        });
    }
    Ok(mesh_volume * values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphere_of_two_mm_voxels_has_the_expected_offsets() {
        // 2 mm isotropic: centres within 6.2035 mm are offsets with |d|² ≤ 9.62, i.e. |d|² ≤ 9:
        // counted by hand: 1 + 6 + 12 + 8 + 6 + 24 + 24 + 12 + 30 (|d|² = 0,1,2,3,4,5,6,8,9).
        let g = Geometry::with_spacing([10, 10, 10], [2.0, 2.0, 2.0]).expect("valid");
        assert_eq!(sphere_offsets(&g, peak_radius_mm()).len(), 123);
        assert!((peak_radius_mm() - 6.2035).abs() < 1e-4);
    }

    #[test]
    fn integrated_intensity_is_mean_times_volume() {
        assert_eq!(
            integrated_intensity(&[1.0, 2.0, 3.0], 10.0).ok(),
            Some(20.0)
        );
        assert!(integrated_intensity(&[], 10.0).is_err());
        assert!(integrated_intensity(&[f64::NAN], 10.0).is_err());
    }
}
