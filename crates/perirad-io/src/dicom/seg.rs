//! DICOM Segmentation objects (SEG): BINARY (1 bit per pixel, packed least significant bit
//! first across frame boundaries, as PS3.5 §8.1.1 prescribes), FRACTIONAL (8 bits, kept where the
//! value reaches 50% of MaximumFractionalValue) and LABELMAP (pixel value = segment number).
//!
//! Each frame holds one segment (Segment Identification Sequence) at one plane position (Plane
//! Position Sequence, per frame); orientation and pixel measures come from the shared functional
//! groups or, when absent there, the per-frame ones (which must then agree). Label value of a
//! segment = its SegmentNumber; name = SegmentLabel. Overlapping segments go into separate layers
//! (greedy: a segment joins the first layer where it overlaps nothing).

use super::geom::{
    dot, itk_axes, lateral_tolerance, norm, position_tolerance, same_orientation, same_spacing,
    sub, COSINE_TOLERANCE, DUPLICATE_DISTANCE,
};
use super::layers::pack;
use super::object::{
    dicom_error, first_item, float1, floats_n, items, kind_of, open, tag_name, text, uint,
    DicomKind, Object,
};
use super::pixels::{pixel_bytes, rows_cols, sample_at, PixelFormat};
use crate::IoError;
use dicom_dictionary_std::tags;
use perirad_core::{Geometry, LabelMap, Segment};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The segments of a DICOM-SEG, as label-map layers on one grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SegVolume {
    /// One layer when no segments overlap; more when they do.
    pub layers: Vec<LabelMap>,
    /// How the file was interpreted (e.g. the threshold applied to fractional segments).
    pub notes: Vec<String>,
}

/// Reads a DICOM-SEG on its own grid: the frames' plane orientation and pixel spacing, slices
/// along the normal at SpacingBetweenSlices (or, when absent, the smallest gap between frame
/// positions), covering the range of frame positions; slices without a frame are 0.
pub fn read_seg(path: &Path) -> Result<SegVolume, IoError> {
    let seg = SegFile::parse(path)?;
    let (geometry, placement) = seg.own_grid()?;
    seg.volume(geometry, &placement)
}

/// Reads a DICOM-SEG onto `reference` (typically the grid of the image series it segments):
/// each frame is placed on the reference slice at its physical position. Fails when the frames'
/// orientation or pixel spacing differ from the reference, when a frame does not lie on a
/// reference slice, or when segmented pixels fall outside the reference grid.
pub fn read_seg_on(path: &Path, reference: &Geometry) -> Result<SegVolume, IoError> {
    let seg = SegFile::parse(path)?;
    let placement = seg.reference_grid(reference)?;
    seg.volume(reference.clone(), &placement)
}

/// Most slices a SEG's own grid may span. Empty slices between frames cost memory without any
/// file data behind them, so a hostile file could otherwise ask for gigabytes with two frames; no
/// real acquisition has this many slices.
const MAX_OWN_SLICES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq)]
enum SegType {
    Binary,
    Fractional { max: f64 },
    LabelMap,
}

struct Frame {
    ipp: [f64; 3],
    /// Segment number (0 for label-map frames, whose pixels carry it).
    segment: u32,
}

/// Where frame pixels go on the output grid: for each frame, the column and row offsets of its
/// first pixel and its slice.
struct Placement {
    offsets: Vec<(i64, i64, usize)>,
}

struct SegFile {
    path: PathBuf,
    rows: usize,
    cols: usize,
    kind: SegType,
    pf: PixelFormat,
    segments: Vec<Segment>,
    frames: Vec<Frame>,
    iop: [f64; 6],
    /// As in the file: (spacing between rows, spacing between columns).
    pixel_spacing: [f64; 2],
    spacing_between_slices: Option<f64>,
    slice_thickness: Option<f64>,
    data: Vec<u8>,
    notes: Vec<String>,
}

/// The first item of `seq` in the frame's functional groups, else in the shared ones.
fn group_item<'a>(
    frame: Option<&'a Object>,
    shared: Option<&'a Object>,
    seq: dicom_core::Tag,
) -> Option<&'a Object> {
    frame
        .and_then(|f| first_item(f, seq))
        .or_else(|| shared.and_then(|s| first_item(s, seq)))
}

impl SegFile {
    fn parse(path: &Path) -> Result<Self, IoError> {
        let obj = open(path, false)?;
        match kind_of(&obj) {
            DicomKind::Seg => {}
            other => {
                return Err(dicom_error(
                    path,
                    format!("not a DICOM-SEG (it is {other:?})"),
                ))
            }
        }
        let (rows, cols) = rows_cols(&obj, path)?;
        let frame_count = uint(&obj, tags::NUMBER_OF_FRAMES, path)?.unwrap_or(1) as usize;
        let pf = PixelFormat::from_obj(&obj, path)?;
        let seg_type = text(&obj, tags::SEGMENTATION_TYPE).unwrap_or_default();
        let mut notes = Vec::new();
        let kind = match seg_type.as_str() {
            "BINARY" => SegType::Binary,
            "FRACTIONAL" => {
                let max = float1(&obj, tags::MAXIMUM_FRACTIONAL_VALUE, path)?.unwrap_or(255.0);
                if max <= 0.0 {
                    return Err(IoError::header(
                        path,
                        tag_name(tags::MAXIMUM_FRACTIONAL_VALUE),
                        format!("{max} is not positive"),
                    ));
                }
                notes.push(format!(
                    "FRACTIONAL segmentation: a pixel belongs to a segment when its value is at least 50% of \
                     MaximumFractionalValue {max} (value ≥ {})",
                    max / 2.0
                ));
                SegType::Fractional { max }
            }
            "LABELMAP" => SegType::LabelMap,
            other => {
                return Err(IoError::Unsupported {
                    path: path.to_path_buf(),
                    what: format!(
                        "SegmentationType `{other}` (supported: BINARY, FRACTIONAL, LABELMAP)"
                    ),
                })
            }
        };
        let bits_ok = match kind {
            SegType::Binary => pf.bits_allocated == 1,
            SegType::Fractional { .. } => pf.bits_allocated == 8,
            SegType::LabelMap => matches!(pf.bits_allocated, 8 | 16),
        };
        if !bits_ok {
            return Err(IoError::header(
                path,
                "(0028,0100) BitsAllocated",
                format!(
                    "{} does not match SegmentationType {seg_type}",
                    pf.bits_allocated
                ),
            ));
        }

        let mut segments: Vec<Segment> = Vec::new();
        for (i, item) in items(&obj, tags::SEGMENT_SEQUENCE).iter().enumerate() {
            let number = uint(item, tags::SEGMENT_NUMBER, path)?
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    IoError::header(
                        path,
                        tag_name(tags::SEGMENT_NUMBER),
                        format!("missing or 0 in segment item {}", i + 1),
                    )
                })?;
            if segments.iter().any(|s| s.value == number) {
                return Err(IoError::header(
                    path,
                    tag_name(tags::SEGMENT_NUMBER),
                    format!("segment number {number} appears twice"),
                ));
            }
            segments.push(Segment {
                value: number,
                name: text(item, tags::SEGMENT_LABEL)
                    .unwrap_or_else(|| format!("Segment {number}")),
                id: Some(number.to_string()),
            });
        }

        let shared = first_item(&obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        let per_frame = items(&obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
        if per_frame.len() != frame_count {
            return Err(IoError::header(
                path,
                tag_name(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE),
                format!("{} items for {frame_count} frames", per_frame.len()),
            ));
        }
        let mut frames = Vec::with_capacity(frame_count);
        let mut iop: Option<[f64; 6]> = None;
        let mut measures: Option<([f64; 2], Option<f64>, Option<f64>)> = None;
        for (f, fg) in per_frame.iter().enumerate() {
            let frame_no = f + 1;
            let position = group_item(Some(fg), shared, tags::PLANE_POSITION_SEQUENCE)
                .map(|p| floats_n::<3>(p, tags::IMAGE_POSITION_PATIENT, path))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    IoError::header(
                        path,
                        tag_name(tags::PLANE_POSITION_SEQUENCE),
                        format!("frame {frame_no} has no ImagePositionPatient"),
                    )
                })?;
            let orientation = group_item(Some(fg), shared, tags::PLANE_ORIENTATION_SEQUENCE)
                .map(|p| floats_n::<6>(p, tags::IMAGE_ORIENTATION_PATIENT, path))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    IoError::header(
                        path,
                        tag_name(tags::PLANE_ORIENTATION_SEQUENCE),
                        format!("frame {frame_no} has no ImageOrientationPatient"),
                    )
                })?;
            match iop {
                None => iop = Some(orientation),
                Some(o) if !same_orientation(o, orientation) => {
                    return Err(dicom_error(path, format!("frames with different orientations: frame 1 has {o:?}, frame {frame_no} has {orientation:?}")))
                }
                _ => {}
            }
            let pm =
                group_item(Some(fg), shared, tags::PIXEL_MEASURES_SEQUENCE).ok_or_else(|| {
                    IoError::header(
                        path,
                        tag_name(tags::PIXEL_MEASURES_SEQUENCE),
                        format!("frame {frame_no} has no pixel measures"),
                    )
                })?;
            let ps = floats_n::<2>(pm, tags::PIXEL_SPACING, path)?.ok_or_else(|| {
                IoError::header(
                    path,
                    tag_name(tags::PIXEL_SPACING),
                    format!("frame {frame_no} has no PixelSpacing"),
                )
            })?;
            let between = float1(pm, tags::SPACING_BETWEEN_SLICES, path)?;
            let thickness = float1(pm, tags::SLICE_THICKNESS, path)?;
            match measures {
                None => measures = Some((ps, between, thickness)),
                Some((p, _, _)) if !same_spacing(p, ps) => {
                    return Err(dicom_error(path, format!("frames with different pixel spacings: frame 1 has {p:?}, frame {frame_no} has {ps:?}")))
                }
                _ => {}
            }
            let segment = match kind {
                SegType::LabelMap => 0,
                _ => {
                    let n = group_item(Some(fg), shared, tags::SEGMENT_IDENTIFICATION_SEQUENCE)
                        .map(|s| uint(s, tags::REFERENCED_SEGMENT_NUMBER, path))
                        .transpose()?
                        .flatten()
                        .ok_or_else(|| {
                            IoError::header(
                                path,
                                tag_name(tags::SEGMENT_IDENTIFICATION_SEQUENCE),
                                format!("frame {frame_no} names no segment"),
                            )
                        })?;
                    if !segments.iter().any(|s| s.value == n) {
                        return Err(dicom_error(path, format!("frame {frame_no} refers to segment {n}, which the SegmentSequence does not declare")));
                    }
                    n
                }
            };
            frames.push(Frame {
                ipp: position,
                segment,
            });
        }
        let (Some(iop), Some((pixel_spacing, spacing_between_slices, slice_thickness))) =
            (iop, measures)
        else {
            return Err(dicom_error(path, "the segmentation holds no frames"));
        };
        if pixel_spacing.iter().any(|&s| s <= 0.0) {
            return Err(IoError::header(
                path,
                tag_name(tags::PIXEL_SPACING),
                format!("{pixel_spacing:?} is not positive"),
            ));
        }
        let samples =
            crate::raw::voxel_count(path, &[frame_count as u64, rows as u64, cols as u64])?;
        let data = pixel_bytes(path, &obj, &pf, samples)?.into_owned();
        Ok(Self {
            path: path.to_path_buf(),
            rows,
            cols,
            kind,
            pf,
            segments,
            frames,
            iop,
            pixel_spacing,
            spacing_between_slices,
            slice_thickness,
            data,
            notes,
        })
    }

    fn axes(&self) -> Result<[[f64; 3]; 3], IoError> {
        itk_axes(self.iop).ok_or_else(|| {
            IoError::header(
                &self.path,
                "(0020,0037) ImageOrientationPatient",
                format!("degenerate direction cosines {:?}", self.iop),
            )
        })
    }

    /// The grid spanned by the frames themselves.
    fn own_grid(&self) -> Result<(Geometry, Placement), IoError> {
        let axes = self.axes()?;
        let normal = axes[2];
        let pos: Vec<f64> = self.frames.iter().map(|f| dot(f.ipp, normal)).collect();
        let (first, &pmin) = pos
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .ok_or_else(|| dicom_error(&self.path, "the segmentation holds no frames"))?;
        let mut distinct = pos.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup_by(|a, b| (*a - *b).abs() <= DUPLICATE_DISTANCE);
        let spacing = match self.spacing_between_slices.filter(|s| *s > 0.0) {
            Some(s) => s,
            None if distinct.len() > 1 => distinct
                .windows(2)
                .map(|w| w[1] - w[0])
                .fold(f64::INFINITY, f64::min),
            None => self.slice_thickness.filter(|s| *s > 0.0).unwrap_or(1.0),
        };
        let tol = position_tolerance(spacing);
        let lateral_tol = lateral_tolerance(self.pixel_spacing);
        let mut offsets = Vec::with_capacity(self.frames.len());
        let mut nz = 1usize;
        for (f, frame) in self.frames.iter().enumerate() {
            let k = (pos[f] - pmin) / spacing;
            let kr = k.round();
            if (k - kr).abs() * spacing > tol || kr > u32::MAX as f64 {
                return Err(dicom_error(
                    &self.path,
                    format!(
                        "frame {} at {:.3} mm along the normal is not on the slice grid (spacing {spacing:.3} mm from {pmin:.3} mm)",
                        f + 1,
                        pos[f]
                    ),
                ));
            }
            let d = sub(frame.ipp, self.frames[first].ipp);
            let along = dot(d, normal);
            let side = norm([
                d[0] - along * normal[0],
                d[1] - along * normal[1],
                d[2] - along * normal[2],
            ]);
            if side > lateral_tol {
                return Err(dicom_error(
                    &self.path,
                    format!("frame {} is shifted {side:.3} mm sideways from frame {}; its plane does not stack with the others", f + 1, first + 1),
                ));
            }
            let k = kr as usize;
            nz = nz.max(k + 1);
            offsets.push((0, 0, k));
        }
        if nz > MAX_OWN_SLICES {
            return Err(dicom_error(
                &self.path,
                format!(
                    "the frames span {nz} slices of {spacing:.3} mm (more than {MAX_OWN_SLICES}); read the \
                     segmentation onto its image grid instead"
                ),
            ));
        }
        let ps = self.pixel_spacing;
        let geometry = Geometry::new(
            [self.cols, self.rows, nz],
            [ps[1], ps[0], spacing],
            self.frames[first].ipp,
            super::geom::direction_from_axes(axes),
        )
        .map_err(|e| IoError::geometry(&self.path, e))?;
        Ok((geometry, Placement { offsets }))
    }

    /// Places each frame on `reference`.
    fn reference_grid(&self, reference: &Geometry) -> Result<Placement, IoError> {
        let axes = self.axes()?;
        let d = reference.direction();
        let column = |c: usize| [d[0][c], d[1][c], d[2][c]];
        let aligned = |a: [f64; 3], b: [f64; 3]| {
            a.iter()
                .zip(b.iter())
                .all(|(x, y)| (x - y).abs() <= COSINE_TOLERANCE)
        };
        if !aligned(axes[0], column(0)) || !aligned(axes[1], column(1)) {
            return Err(dicom_error(
                &self.path,
                format!(
                    "the segmentation's orientation (rows along {:?}, columns along {:?}) differs from the reference grid's ({:?}, {:?}); resample one of them first",
                    axes[0], axes[1], column(0), column(1)
                ),
            ));
        }
        let rs = reference.spacing();
        let ps = self.pixel_spacing;
        if !same_spacing([ps[1], ps[0]], [rs[0], rs[1]]) {
            return Err(dicom_error(
                &self.path,
                format!(
                    "the segmentation's pixel spacing {:?} (x, y) differs from the reference grid's {:?}",
                    [ps[1], ps[0]],
                    [rs[0], rs[1]]
                ),
            ));
        }
        let size = reference.size();
        let mut offsets = Vec::with_capacity(self.frames.len());
        for (f, frame) in self.frames.iter().enumerate() {
            let idx = reference.physical_to_index(frame.ipp);
            let r = idx.map(f64::round);
            if (idx[0] - r[0]).abs() > 0.1 || (idx[1] - r[1]).abs() > 0.1 {
                return Err(dicom_error(
                    &self.path,
                    format!(
                        "frame {} is not aligned with the reference pixels: its first pixel falls at column {:.3}, row {:.3} of the reference grid",
                        f + 1,
                        idx[0],
                        idx[1]
                    ),
                ));
            }
            let off_mm = (idx[2] - r[2]).abs() * rs[2];
            if off_mm > position_tolerance(rs[2]) {
                return Err(dicom_error(
                    &self.path,
                    format!(
                        "frame {} does not lie on a slice of the reference grid: it is {off_mm:.3} mm from slice {} (slice spacing {:.3} mm)",
                        f + 1,
                        r[2],
                        rs[2]
                    ),
                ));
            }
            if r[2] < 0.0 || r[2] >= size[2] as f64 {
                return Err(dicom_error(
                    &self.path,
                    format!(
                        "frame {} lies outside the reference grid (at slice {}, the grid has {})",
                        f + 1,
                        r[2],
                        size[2]
                    ),
                ));
            }
            if r[0].abs() > 1e9 || r[1].abs() > 1e9 {
                return Err(dicom_error(
                    &self.path,
                    format!("frame {} lies far outside the reference grid", f + 1),
                ));
            }
            offsets.push((r[0] as i64, r[1] as i64, r[2] as usize));
        }
        Ok(Placement { offsets })
    }

    /// Label of pixel `p` (row-major) of frame `f`; 0 outside every segment.
    fn label(&self, f: usize, p: usize) -> u32 {
        let i = f * self.rows * self.cols + p;
        let v = sample_at(&self.pf, &self.data, 0, i);
        match self.kind {
            SegType::Binary => {
                if v != 0 {
                    self.frames[f].segment
                } else {
                    0
                }
            }
            SegType::Fractional { max } => {
                if v as f64 >= 0.5 * max {
                    self.frames[f].segment
                } else {
                    0
                }
            }
            SegType::LabelMap => v.clamp(0, i64::from(u32::MAX)) as u32,
        }
    }

    fn volume(mut self, geometry: Geometry, placement: &Placement) -> Result<SegVolume, IoError> {
        let size = geometry.size();
        let mut voxels: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (f, &(i0, j0, k)) in placement.offsets.iter().enumerate() {
            for r in 0..self.rows {
                for c in 0..self.cols {
                    let label = self.label(f, r * self.cols + c);
                    if label == 0 {
                        continue;
                    }
                    let (i, j) = (i0 + c as i64, j0 + r as i64);
                    if i < 0 || j < 0 || i >= size[0] as i64 || j >= size[1] as i64 {
                        return Err(dicom_error(
                            &self.path,
                            format!("frame {} has segmented pixels outside the reference grid (row {r}, column {c})", f + 1),
                        ));
                    }
                    voxels
                        .entry(label)
                        .or_default()
                        .push(geometry.linear_index(i as usize, j as usize, k));
                }
            }
        }
        let mut segments: Vec<(Segment, Vec<usize>)> = Vec::new();
        for s in &self.segments {
            segments.push((s.clone(), voxels.remove(&s.value).unwrap_or_default()));
        }
        // Label-map values without a SegmentSequence entry.
        for (value, v) in voxels {
            self.notes
                .push(format!("label value {value} has no SegmentSequence entry"));
            segments.push((
                Segment {
                    value,
                    name: format!("Segment {value}"),
                    id: Some(value.to_string()),
                },
                v,
            ));
        }
        let layers = pack(&self.path, &geometry, segments)?;
        Ok(SegVolume {
            layers,
            notes: self.notes,
        })
    }
}
