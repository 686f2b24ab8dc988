//! PyRadiomics' `shape` class (3D shape descriptors), exactly as PyRadiomics 3.1 computes them.
//!
//! Notation: V mesh volume, A mesh surface area (see [`super::mesh`]), N_v ROI voxels, λ_major ≥
//! λ_minor ≥ λ_least the eigenvalues of the covariance (1/N_v) of the ROI voxel-centre positions
//! (index × spacing). IBSI codes per PyRadiomics' own mapping.
//!
//! * `MeshVolume` (IBSI RNU0): V = Σ_f (O a_f × O b_f) · O c_f / 6.
//! * `VoxelVolume` (IBSI YEKZ): N_v · Δx Δy Δz.
//! * `SurfaceArea` (IBSI C0JK): A = Σ_f |a_f b_f × a_f c_f| / 2.
//! * `SurfaceVolumeRatio` (IBSI 2PR5): A / V.
//! * `Sphericity` (IBSI QCFX): (36 π V²)^(1/3) / A.
//! * `Compactness1` (IBSI SKGS, deprecated): V / (√π A^(3/2)).
//! * `Compactness2` (IBSI BQWJ, deprecated): 36 π V² / A³.
//! * `SphericalDisproportion` (IBSI KRCK, deprecated): A / (36 π V²)^(1/3).
//! * `Maximum3DDiameter` (IBSI L0JK): largest distance between mesh vertices.
//! * `Maximum2DDiameterSlice` / `Column` / `Row` (no IBSI code): largest distance between mesh
//!   vertices of one axial (same z) / coronal (same y) / sagittal (same x) plane.
//! * `MajorAxisLength` (TDIC), `MinorAxisLength` (P9VJ), `LeastAxisLength` (7J51): 4 √λ.
//! * `Elongation` (Q3CK): √(λ_minor / λ_major); `Flatness` (N17B): √(λ_least / λ_major).
//!   NaN when an eigenvalue is negative (below −1e-10; values in (−1e-10, 0) are set to 0).

use super::linalg::{covariance, symmetric_eigenvalues};
use super::mesh::{diameters, marching_cubes};
use perirad_core::Mask;

/// Features PyRadiomics computes only when a parameter file names them.
pub const DEPRECATED: [&str; 3] = ["Compactness1", "Compactness2", "SphericalDisproportion"];

/// Eigenvalues (ascending) of the covariance of the ROI voxel positions (index × spacing), with
/// PyRadiomics' clamp of tiny negative values to 0.
pub(crate) fn axis_eigenvalues<const N: usize>(points: &[[f64; N]]) -> [f64; N] {
    let mut e = symmetric_eigenvalues(covariance(points));
    for v in &mut e {
        if *v < 0.0 && *v > -1e-10 {
            *v = 0.0;
        }
    }
    e.sort_by(f64::total_cmp);
    e
}

/// `4 √λ`, NaN for a negative eigenvalue (as PyRadiomics).
pub(crate) fn axis_length(l: f64) -> f64 {
    if l < 0.0 {
        f64::NAN
    } else {
        4.0 * l.sqrt()
    }
}

/// `√(a / b)`, NaN when either is negative (0/0 gives NaN as in numpy).
pub(crate) fn ratio_sqrt(a: f64, b: f64) -> f64 {
    if a < 0.0 || b < 0.0 {
        f64::NAN
    } else {
        (a / b).sqrt()
    }
}

/// Every `shape` feature of the ROI `mask`, in PyRadiomics' order, deprecated ones included;
/// `None` for an empty mask. The caller passes the mask PyRadiomics would (see
/// [`crate::extract`]). A single voxel is defined (an octahedral mesh; axis lengths 0,
/// elongation and flatness NaN as in PyRadiomics).
pub fn pyradiomics(mask: &Mask) -> Option<Vec<(&'static str, f64)>> {
    pyradiomics_at(mask, [0; 3])
}

/// [`pyradiomics`] of a mask cropped from a larger grid at voxel `offset`: the voxel positions
/// (and so every value) are those of the mask on the larger grid.
pub fn pyradiomics_at(mask: &Mask, offset: [usize; 3]) -> Option<Vec<(&'static str, f64)>> {
    let mesh = marching_cubes(mask)?;
    let d = diameters(&mesh);
    let g = mask.geometry();
    let sp = g.spacing();
    let size = g.size();
    let mut pts: Vec<[f64; 3]> = Vec::new();
    for k in 0..size[2] {
        for j in 0..size[1] {
            for i in 0..size[0] {
                if mask.data()[g.linear_index(i, j, k)] {
                    pts.push([
                        (i + offset[0]) as f64 * sp[0],
                        (j + offset[1]) as f64 * sp[1],
                        (k + offset[2]) as f64 * sp[2],
                    ]);
                }
            }
        }
    }
    let n = pts.len() as f64;
    let [least, minor, major] = axis_eigenvalues(&pts);
    let (v, a) = (mesh.volume, mesh.area);
    let pi = std::f64::consts::PI;
    Some(vec![
        ("MeshVolume", v),
        ("VoxelVolume", n * (sp[2] * sp[0] * sp[1])),
        ("SurfaceArea", a),
        ("SurfaceVolumeRatio", a / v),
        ("Sphericity", (36.0 * pi * v * v).cbrt() / a),
        ("Compactness1", v / (a.powf(1.5) * pi.sqrt())),
        ("Compactness2", 36.0 * pi * v * v / a.powi(3)),
        ("SphericalDisproportion", a / (36.0 * pi * v * v).cbrt()),
        ("Maximum3DDiameter", d.max_3d),
        ("Maximum2DDiameterSlice", d.slice),
        ("Maximum2DDiameterColumn", d.column),
        ("Maximum2DDiameterRow", d.row),
        ("MajorAxisLength", axis_length(major)),
        ("MinorAxisLength", axis_length(minor)),
        ("LeastAxisLength", axis_length(least)),
        ("Elongation", ratio_sqrt(minor, major)),
        ("Flatness", ratio_sqrt(least, major)),
    ])
}

/// The mask PyRadiomics 3.1 computes `shape`/`shape2D` on (`featureextractor.execute` and
/// `computeShape`): the original ROI — or, with `resegmentShape: true`, the re-segmented one —
/// cropped (no padding) to the bounding box that `checkMask` last returned, i.e. that of the
/// re-segmented ROI when `resegmentRange` is set. So with re-segmentation, shape describes the
/// original ROI restricted to the re-segmented ROI's bounding box.
///
/// `kept` holds the ROI intensities that re-segmentation kept (all of them without
/// re-segmentation); since re-segmentation keeps a closed range, the re-segmented ROI is the ROI
/// voxels with intensity in `[min kept, max kept]`.
pub fn pyradiomics_mask(
    image: &perirad_core::Volume<f64>,
    mask: &Mask,
    resegmented: bool,
    resegment_shape: bool,
    kept: &[f64],
) -> Mask {
    if !resegmented || kept.is_empty() {
        return mask.clone();
    }
    let lo = kept.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = kept.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let reseg: Vec<bool> = mask
        .data()
        .iter()
        .zip(image.data())
        .map(|(&m, &v)| m && v >= lo && v <= hi)
        .collect();
    let g = mask.geometry();
    let Some(bbox) = perirad_core::BoundingBox::of_mask(g.size(), &reseg) else {
        return mask.clone();
    };
    let source = if resegment_shape {
        &reseg[..]
    } else {
        mask.data()
    };
    let mut out = vec![false; g.len()];
    for k in bbox.lower[2]..bbox.upper[2] {
        for j in bbox.lower[1]..bbox.upper[1] {
            for i in bbox.lower[0]..bbox.upper[0] {
                let l = g.linear_index(i, j, k);
                out[l] = source[l];
            }
        }
    }
    perirad_core::Volume::new(g.clone(), out).unwrap_or_else(|_| mask.clone())
}
