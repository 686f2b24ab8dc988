//! PyRadiomics' `shape2D` class (2D shape descriptors of a single-slice ROI), as PyRadiomics 3.1.
//!
//! Notation: A mesh surface and P perimeter of the marching-squares contour (see
//! [`super::mesh::marching_squares`]), N_p ROI pixels, λ_major ≥ λ_minor the eigenvalues of the
//! covariance (1/N_p) of the pixel-centre positions (index × spacing). IBSI defines no 2D shape
//! features (its morphology family is 3D): no IBSI codes.
//!
//! * `MeshSurface`: A = ½ Σ_segments a × b.
//! * `PixelSurface`: N_p · Δ_1 Δ_2.
//! * `Perimeter`: P = Σ_segments |a − b|.
//! * `PerimeterSurfaceRatio`: P / A.
//! * `Sphericity`: 2 √(π A) / P.
//! * `SphericalDisproportion` (deprecated): P / (2 √(π A)).
//! * `MaximumDiameter`: largest distance between contour vertices.
//! * `MajorAxisLength`, `MinorAxisLength`: 4 √λ; `Elongation`: √(λ_minor / λ_major).

use super::mesh::marching_squares;
use super::shape::{axis_eigenvalues, axis_length, ratio_sqrt};
use crate::error::param;
use crate::FeatureError;
use perirad_core::{BoundingBox, Mask};

/// Features PyRadiomics computes only when a parameter file names them.
pub const DEPRECATED: [&str; 1] = ["SphericalDisproportion"];

/// Every `shape2D` feature of the ROI `mask`, deprecated included, in PyRadiomics' order.
/// `force2d_dimension` is PyRadiomics' `force2Ddimension`, a numpy axis of the (z, y, x) array: 0
/// drops z (the ROI must lie in one axial slice), 1 drops y, 2 drops x. The ROI must span a single
/// voxel along that axis (PyRadiomics raises an error otherwise); an empty ROI is an error too.
pub fn pyradiomics(
    mask: &Mask,
    force2d_dimension: usize,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    let g = mask.geometry();
    let Some(bbox) = BoundingBox::of_mask(g.size(), mask.data()) else {
        return Err(param("mask", "the ROI is empty"));
    };
    if force2d_dimension > 2 {
        return Err(param("setting.force2Ddimension", "must be 0, 1 or 2"));
    }
    // Our axes are (x, y, z) = numpy axes (2, 1, 0).
    let dropped = 2 - force2d_dimension;
    if bbox.size()[dropped] > 1 {
        return Err(param(
            "setting.force2Ddimension",
            format!(
                "shape2D needs an ROI one voxel thick along force2Ddimension {force2d_dimension} \
                 (it spans {} voxels)",
                bbox.size()[dropped]
            ),
        ));
    }
    // Array axes (slow, fast) of the 2D slice: the remaining numpy axes in order.
    let axes: [usize; 2] = match force2d_dimension {
        0 => [1, 0],
        1 => [2, 0],
        _ => [2, 1],
    };
    let sp = g.spacing();
    let spacing = [sp[axes[0]], sp[axes[1]]];
    let bs = bbox.size();
    let size2 = [bs[axes[0]], bs[axes[1]]];
    let mut inside = vec![false; size2[0] * size2[1]];
    let mut pts: Vec<[f64; 2]> = Vec::new();
    for r in 0..size2[0] {
        for c in 0..size2[1] {
            let mut idx = bbox.lower;
            idx[axes[0]] += r;
            idx[axes[1]] += c;
            if mask.data()[g.linear_index(idx[0], idx[1], idx[2])] {
                inside[r * size2[1] + c] = true;
                pts.push([(r + 1) as f64 * spacing[0], (c + 1) as f64 * spacing[1]]);
            }
        }
    }
    let Some(contour) = marching_squares(size2, &inside, spacing) else {
        return Err(param("mask", "the ROI is empty"));
    };
    let [minor, major] = axis_eigenvalues(&pts);
    let (a, p) = (contour.surface, contour.perimeter);
    let pi = std::f64::consts::PI;
    let sphericity = 2.0 * (pi * a).sqrt() / p;
    Ok(vec![
        ("MeshSurface", a),
        ("PixelSurface", pts.len() as f64 * (spacing[1] * spacing[0])),
        ("Perimeter", p),
        ("PerimeterSurfaceRatio", p / a),
        ("Sphericity", sphericity),
        ("SphericalDisproportion", 1.0 / sphericity),
        ("MaximumDiameter", contour.diameter),
        ("MajorAxisLength", axis_length(major)),
        ("MinorAxisLength", axis_length(minor)),
        ("Elongation", ratio_sqrt(minor, major)),
    ])
}
