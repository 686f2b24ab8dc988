//! RT Structure Sets (RTSTRUCT): planar contours rasterised onto a reference grid.
//!
//! Each ROI of the StructureSetROISequence becomes one segment: label value = its position in
//! that sequence + 1, name = ROIName, id = ROINumber. Its CLOSED_PLANAR contours
//! (ROIContourSequence → ContourSequence → ContourData) are rasterised slice by slice: a contour is
//! assigned to the reference slice nearest to its plane, and a voxel belongs to the ROI when its
//! centre is inside the contours of its slice by the even-odd rule — all contours of the ROI on
//! that slice are combined, so a contour inside another cuts a hole. Edges follow the half-open
//! convention of scan-line filling (a centre exactly on an edge bounding the polygon from the low-i or
//! low-j side is inside, from the high side outside), so two ROIs sharing an edge never both claim
//! a voxel.
//!
//! Decisions:
//! * A contour whose plane lies further from the nearest slice centre than the position tolerance
//!   (1% of the slice spacing + 0.01 mm, see `geom`) is an error: such an RTSTRUCT was drawn on
//!   another series, and snapping it would silently shift the ROI.
//! * A contour whose points do not share one slice plane (within the same tolerance) is an error.
//! * Contours outside the slice range of the grid are skipped with a note; so are POINT,
//!   OPEN_PLANAR and OPEN_NONPLANAR contours, and contours with fewer than three points.
//! * Overlapping ROIs go into separate layers (greedy, in ROI order).

use super::geom::position_tolerance;
use super::layers::pack;
use super::object::{dicom_error, floats, items, kind_of, open, tag_name, text, DicomKind};
use super::series::{list_series, read_series, DicomSeries};
use crate::IoError;
use dicom_dictionary_std::tags;
use perirad_core::{Geometry, LabelMap, Segment};
use std::collections::BTreeMap;
use std::path::Path;

/// The ROIs of an RTSTRUCT rasterised on a reference grid.
#[derive(Debug, Clone, PartialEq)]
pub struct RtStructVolume {
    /// One layer when no ROIs overlap; more when they do.
    pub layers: Vec<LabelMap>,
    /// Contours skipped and why (open contours, points, contours outside the grid, ...).
    pub notes: Vec<String>,
}

/// Rasterises the ROIs of the RTSTRUCT at `path` onto `reference`.
pub fn read_rtstruct(path: &Path, reference: &Geometry) -> Result<RtStructVolume, IoError> {
    let obj = open(path, false)?;
    match kind_of(&obj) {
        DicomKind::RtStruct => {}
        other => {
            return Err(dicom_error(
                path,
                format!("not an RTSTRUCT (it is {other:?})"),
            ))
        }
    }
    let mut notes = Vec::new();

    struct Roi {
        segment: Segment,
        /// Polygons per slice, in continuous index coordinates (i, j).
        slices: BTreeMap<usize, Vec<Vec<[f64; 2]>>>,
    }
    let mut rois: Vec<Roi> = Vec::new();
    for (i, item) in items(&obj, tags::STRUCTURE_SET_ROI_SEQUENCE)
        .iter()
        .enumerate()
    {
        let number = text(item, tags::ROI_NUMBER).unwrap_or_default();
        let name = text(item, tags::ROI_NAME).unwrap_or_else(|| format!("ROI {number}"));
        rois.push(Roi {
            segment: Segment {
                value: i as u32 + 1,
                name,
                id: (!number.is_empty()).then_some(number),
            },
            slices: BTreeMap::new(),
        });
    }

    let size = reference.size();
    let sz = reference.spacing()[2];
    let tol = position_tolerance(sz);
    let mut skipped: BTreeMap<(String, String), usize> = BTreeMap::new();
    for roi_contour in items(&obj, tags::ROI_CONTOUR_SEQUENCE) {
        let referenced = text(roi_contour, tags::REFERENCED_ROI_NUMBER).unwrap_or_default();
        let Some(roi) = rois
            .iter_mut()
            .find(|r| r.segment.id.as_deref() == Some(referenced.as_str()))
        else {
            notes.push(format!("contours of ROI number {referenced}, which the StructureSetROISequence does not declare, were ignored"));
            continue;
        };
        for (c, contour) in items(roi_contour, tags::CONTOUR_SEQUENCE)
            .iter()
            .enumerate()
        {
            let kind = text(contour, tags::CONTOUR_GEOMETRIC_TYPE).unwrap_or_default();
            if kind != "CLOSED_PLANAR" {
                *skipped
                    .entry((roi.segment.name.clone(), format!("{kind} contour(s)")))
                    .or_default() += 1;
                continue;
            }
            let data = floats(contour, tags::CONTOUR_DATA, path)?.unwrap_or_default();
            if data.len() % 3 != 0 {
                return Err(IoError::header(
                    path,
                    tag_name(tags::CONTOUR_DATA),
                    format!(
                        "contour {} of ROI '{}' has {} numbers, not a multiple of 3",
                        c + 1,
                        roi.segment.name,
                        data.len()
                    ),
                ));
            }
            if data.len() < 9 {
                *skipped
                    .entry((
                        roi.segment.name.clone(),
                        "contour(s) with fewer than 3 points".into(),
                    ))
                    .or_default() += 1;
                continue;
            }
            let points: Vec<[f64; 3]> = data
                .chunks_exact(3)
                .map(|p| reference.physical_to_index([p[0], p[1], p[2]]))
                .collect();
            let (kmin, kmax) = points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p[2]), hi.max(p[2]))
                });
            if (kmax - kmin) * sz > tol {
                return Err(dicom_error(
                    path,
                    format!(
                        "contour {} of ROI '{}' is not parallel to the slices of the reference grid (its points span {:.3} mm along the slice normal)",
                        c + 1,
                        roi.segment.name,
                        (kmax - kmin) * sz
                    ),
                ));
            }
            let k = 0.5 * (kmin + kmax);
            let kr = k.round();
            if kr < 0.0 || kr >= size[2] as f64 {
                *skipped
                    .entry((
                        roi.segment.name.clone(),
                        "contour(s) outside the slices of the grid".into(),
                    ))
                    .or_default() += 1;
                continue;
            }
            let off = (k - kr).abs() * sz;
            if off > tol {
                return Err(dicom_error(
                    path,
                    format!(
                        "contour {} of ROI '{}' lies {off:.3} mm from the nearest slice ({kr}) of the reference grid \
                         (tolerance {tol:.3} mm); the RTSTRUCT was probably drawn on another series",
                        c + 1,
                        roi.segment.name
                    ),
                ));
            }
            roi.slices
                .entry(kr as usize)
                .or_default()
                .push(points.iter().map(|p| [p[0], p[1]]).collect());
        }
    }
    for ((roi, what), n) in skipped {
        notes.push(format!("ROI '{roi}': {n} {what} ignored"));
    }

    let segments = rois
        .into_iter()
        .map(|roi| {
            let mut voxels = Vec::new();
            for (&k, polygons) in &roi.slices {
                fill_even_odd(polygons, size[0], size[1], |i, j| {
                    voxels.push(reference.linear_index(i, j, k))
                });
            }
            (roi.segment, voxels)
        })
        .collect();
    let layers = pack(path, reference, segments)?;
    Ok(RtStructVolume { layers, notes })
}

/// Reads the image series in `series_dir` that the RTSTRUCT refers to (or the folder's only
/// series) and rasterises the RTSTRUCT onto its grid. Fails when the RTSTRUCT and the series are in
/// different frames of reference.
pub fn read_rtstruct_for_series(
    path: &Path,
    series_dir: &Path,
) -> Result<(DicomSeries, RtStructVolume), IoError> {
    let obj = open(path, true)?;
    let mut referenced_series = Vec::new();
    let mut frames_of_reference = Vec::new();
    for fr in items(&obj, tags::REFERENCED_FRAME_OF_REFERENCE_SEQUENCE) {
        if let Some(uid) = text(fr, tags::FRAME_OF_REFERENCE_UID) {
            frames_of_reference.push(uid);
        }
        for study in items(fr, tags::RT_REFERENCED_STUDY_SEQUENCE) {
            for series in items(study, tags::RT_REFERENCED_SERIES_SEQUENCE) {
                if let Some(uid) = text(series, tags::SERIES_INSTANCE_UID) {
                    referenced_series.push(uid);
                }
            }
        }
    }
    let available = list_series(series_dir)?;
    let choice = available
        .iter()
        .find(|s| referenced_series.contains(&s.uid))
        .map(|s| s.uid.clone());
    let series = read_series(series_dir, choice.as_deref())?;
    if let Some(for_uid) = &series.frame_of_reference_uid {
        if !frames_of_reference.is_empty() && !frames_of_reference.contains(for_uid) {
            return Err(dicom_error(
                path,
                format!(
                    "the RTSTRUCT's frame of reference ({}) is not that of the series in {} ({for_uid}); its contours \
                     are in another coordinate system",
                    frames_of_reference.join(", "),
                    series_dir.display()
                ),
            ));
        }
    }
    let rt = read_rtstruct(path, series.image.geometry())?;
    Ok((series, rt))
}

/// Calls `set(i, j)` for every voxel centre `(i, j)` of an `nx × ny` slice inside `polygons` by the
/// even-odd rule. Crossings are found per row with the half-open rule (an edge covers rows with
/// `min(y0, y1) ≤ j < max(y0, y1)`), and a row run covers centres `x_a ≤ i < x_b`.
fn fill_even_odd(
    polygons: &[Vec<[f64; 2]>],
    nx: usize,
    ny: usize,
    mut set: impl FnMut(usize, usize),
) {
    let (ymin, ymax) = polygons
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[1]), hi.max(p[1]))
        });
    if !(ymin.is_finite() && ymax.is_finite()) {
        return;
    }
    let j_lo = ymin.ceil().max(0.0);
    let j_hi = ymax.floor().min(ny as f64 - 1.0);
    if j_lo > j_hi {
        return;
    }
    let mut xs: Vec<f64> = Vec::new();
    for j in j_lo as usize..=j_hi as usize {
        let y = j as f64;
        xs.clear();
        for poly in polygons {
            let n = poly.len();
            for e in 0..n {
                let a = poly[e];
                let b = poly[(e + 1) % n];
                if (a[1] <= y) != (b[1] <= y) {
                    xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            let start = pair[0].ceil().max(0.0);
            let end = pair[1].ceil().min(nx as f64); // exclusive
            if start < end {
                for i in start as usize..end as usize {
                    set(i, j);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(polygons: &[Vec<[f64; 2]>], nx: usize, ny: usize) -> Vec<Vec<u8>> {
        let mut grid = vec![vec![0u8; nx]; ny];
        fill_even_odd(polygons, nx, ny, |i, j| grid[j][i] = 1);
        grid
    }

    #[test]
    fn square_with_hole_by_even_odd() {
        let outer = vec![[0.5, 0.5], [5.5, 0.5], [5.5, 5.5], [0.5, 5.5]];
        let hole = vec![[2.5, 2.5], [3.5, 2.5], [3.5, 3.5], [2.5, 3.5]];
        let g = filled(&[outer.clone(), hole], 7, 7);
        let expect_row = |j: usize| -> Vec<u8> {
            (0..7)
                .map(|i| {
                    u8::from((1..=5).contains(&i) && (1..=5).contains(&j) && !(i == 3 && j == 3))
                })
                .collect()
        };
        for (j, row) in g.iter().enumerate() {
            assert_eq!(row, &expect_row(j), "row {j}");
        }
        // clipped to the grid, no panic on polygons far outside
        let far = vec![[-1e6, -1e6], [1e6, -1e6], [1e6, 1e6], [-1e6, 1e6]];
        assert_eq!(filled(&[far], 3, 2), vec![vec![1; 3]; 2]);
        assert_eq!(filled(&[outer], 0, 0).len(), 0);
    }

    #[test]
    fn shared_edges_are_claimed_once() {
        let left = vec![[0.0, 0.0], [2.0, 0.0], [2.0, 3.0], [0.0, 3.0]];
        let right = vec![[2.0, 0.0], [4.0, 0.0], [4.0, 3.0], [2.0, 3.0]];
        let a = filled(&[left], 5, 4);
        let b = filled(&[right], 5, 4);
        for j in 0..4 {
            for i in 0..5 {
                assert!(a[j][i] + b[j][i] <= 1, "voxel ({i}, {j}) claimed twice");
            }
        }
        assert_eq!(a[0], vec![1, 1, 0, 0, 0]);
        assert_eq!(b[0], vec![0, 0, 1, 1, 0]);
        assert_eq!(a[3], vec![0; 5]);
    }
}
