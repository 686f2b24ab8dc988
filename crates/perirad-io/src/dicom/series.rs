//! DICOM image series: one folder of single-frame images read into one volume, as SimpleITK's
//! `ImageSeriesReader` does with GDCM — and refusing, with a message naming the folder and the
//! slices involved, the stacks SimpleITK would silently get wrong.
//!
//! What SimpleITK does (ITK `ImageSeriesReader` + `GDCMImageIO`), and perirad with it:
//! * slices are grouped by SeriesInstanceUID and sorted by their position along the slice normal
//!   (`ImagePositionPatient · (row × column)`), ascending;
//! * origin: ImagePositionPatient of the first slice; direction: the row cosine, the column
//!   cosine and the normal, orthonormalised as `GDCMImageIO` does;
//! * in-plane spacing: PixelSpacing swapped (PixelSpacing[1] is the spacing between columns, the
//!   x spacing; PixelSpacing[0] between rows, the y spacing); a zero value becomes 1, a missing
//!   attribute gives 1 × 1;
//! * z spacing: `|IPP_last − IPP_first| / (n − 1)`; for a single slice GDCM gives 1.0 for CT (it
//!   never reads SliceThickness) and SpacingBetweenSlices for MR and NM when present;
//! * voxels: RescaleSlope/RescaleIntercept applied, in the type GDCM picks (see `pixels`).
//!
//! What perirad refuses (SimpleITK stacks these without a word): slices of different sizes, pixel
//! formats, orientations or pixel spacings; two slices at one position; slice origins that do not
//! move along the normal (gantry tilt); missing slices and irregular gaps. The tolerances are in
//! `geom`.

use super::geom::{
    self, dot, fmt_point, itk_axes, lateral_tolerance, norm, position_tolerance, same_orientation,
    same_spacing, sub, DUPLICATE_DISTANCE,
};
use super::object::{
    floats, floats_n, is_dicom_file, kind_of, open, text, uint, DicomKind, Object,
};
use super::pixels::{
    append_samples, check_grayscale, combine_types, empty_data, output_type, pixel_bytes,
    rows_cols, PixelFormat, Rescale,
};
use crate::IoError;
use dicom_dictionary_std::{tags, uids};
use dicom_object::DefaultDicomObject;
use perirad_core::{DType, Geometry, Image, IDENTITY};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One image series found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInfo {
    /// SeriesInstanceUID (empty when the files have none).
    pub uid: String,
    /// SeriesDescription of the first file (empty when absent).
    pub description: String,
    /// Modality of the first file (empty when absent).
    pub modality: String,
    /// Number of image files in the series.
    pub files: usize,
}

/// An image series read from a folder.
#[derive(Debug, Clone, PartialEq)]
pub struct DicomSeries {
    /// The volume, as SimpleITK reads it (rescaled voxels, LPS geometry).
    pub image: Image,
    /// The type the samples are stored in (BitsAllocated and PixelRepresentation).
    pub stored_dtype: DType,
    pub series_uid: String,
    pub frame_of_reference_uid: Option<String>,
    /// SOPInstanceUID of each slice, in slice order (index k of the volume).
    pub sop_instance_uids: Vec<String>,
    /// The file of each slice, in slice order.
    pub files: Vec<PathBuf>,
}

/// Lists the image series in `dir` (not recursive). Files that are not DICOM are skipped, and so
/// are SEG, RTSTRUCT and other non-image objects. A DICOM file that cannot be parsed is an error.
pub fn list_series(dir: &Path) -> Result<Vec<SeriesInfo>, IoError> {
    let scanned = scan(dir)?;
    Ok(group(&scanned.images)
        .into_iter()
        .map(|(uid, members)| info(&scanned.images, uid, &members))
        .collect())
}

/// Reads the image series of `dir` whose SeriesInstanceUID is `series_uid`, or the only series
/// when `series_uid` is `None` (several series without a choice are an error that lists them).
/// The SeriesInstanceUID of one DICOM file (header only).
pub fn series_uid_of(path: &Path) -> Result<String, IoError> {
    let obj = open(path, true)?;
    text(&obj, tags::SERIES_INSTANCE_UID)
        .ok_or_else(|| super::object::dicom_error(path, "no SeriesInstanceUID (0020,000E)"))
}

pub fn read_series(dir: &Path, series_uid: Option<&str>) -> Result<DicomSeries, IoError> {
    let scanned = scan(dir)?;
    if scanned.images.is_empty() {
        let mut found: Vec<String> = scanned
            .others
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if scanned.non_dicom > 0 {
            found.push(format!("{} non-DICOM file(s)", scanned.non_dicom));
        }
        let found = if found.is_empty() {
            "the folder is empty".to_string()
        } else {
            format!("found only {}", found.join(", "))
        };
        return Err(series_error(
            dir,
            format!("no DICOM image files in this folder ({found})"),
        ));
    }
    let groups = group(&scanned.images);
    let listing = || {
        groups
            .iter()
            .map(|(uid, m)| describe(&info(&scanned.images, uid.clone(), m)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let chosen = match series_uid {
        Some(uid) => match groups.iter().find(|(u, _)| u == uid) {
            Some(g) => g,
            None => {
                return Err(series_error(
                    dir,
                    format!("no image series with SeriesInstanceUID {uid} in this folder; it holds:\n{}", listing()),
                ))
            }
        },
        None if groups.len() > 1 => {
            return Err(series_error(
                dir,
                format!(
                    "the folder holds {} image series; choose one by its SeriesInstanceUID (perirad: --series UID):\n{}",
                    groups.len(),
                    listing()
                ),
            ))
        }
        None => &groups[0],
    };
    let mut slices = Vec::with_capacity(chosen.1.len());
    for &i in &chosen.1 {
        let (path, obj) = &scanned.images[i];
        slices.push(SliceHeader::parse(path, obj)?);
    }
    let (geometry, slices) = stack(dir, slices)?;
    read_voxels(dir, chosen.0.clone(), geometry, slices)
}

// ---------------------------------------------------------------------------------------------

struct Scanned {
    images: Vec<(PathBuf, DefaultDicomObject)>,
    /// Counts of non-image DICOM objects by kind.
    others: BTreeMap<String, usize>,
    non_dicom: usize,
}

fn series_error(dir: &Path, reason: String) -> IoError {
    IoError::Series {
        path: dir.to_path_buf(),
        reason,
    }
}

/// Reads the headers of every DICOM file directly in `dir`, in file-name order.
fn scan(dir: &Path) -> Result<Scanned, IoError> {
    let entries = std::fs::read_dir(dir).map_err(|e| IoError::io(dir, "list the folder", e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| IoError::io(dir, "list the folder", e))?;
        let path = entry.path();
        if path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut scanned = Scanned {
        images: Vec::new(),
        others: BTreeMap::new(),
        non_dicom: 0,
    };
    for path in paths {
        if !is_dicom_file(&path) {
            scanned.non_dicom += 1;
            continue;
        }
        let obj = open(&path, true)?;
        match kind_of(&obj) {
            DicomKind::Image => scanned.images.push((path, obj)),
            DicomKind::Seg => *scanned.others.entry("SEG".into()).or_default() += 1,
            DicomKind::RtStruct => *scanned.others.entry("RTSTRUCT".into()).or_default() += 1,
            DicomKind::Other(what) => *scanned.others.entry(what).or_default() += 1,
        }
    }
    Ok(scanned)
}

/// Series UIDs with the indices of their files, in order of first appearance.
fn group(images: &[(PathBuf, DefaultDicomObject)]) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, (_, obj)) in images.iter().enumerate() {
        let uid = text(obj, tags::SERIES_INSTANCE_UID).unwrap_or_default();
        match groups.iter_mut().find(|(u, _)| *u == uid) {
            Some(g) => g.1.push(i),
            None => groups.push((uid, vec![i])),
        }
    }
    groups
}

fn info(images: &[(PathBuf, DefaultDicomObject)], uid: String, members: &[usize]) -> SeriesInfo {
    let first = members.first().map(|&i| &images[i].1);
    SeriesInfo {
        uid,
        description: first
            .and_then(|o| text(o, tags::SERIES_DESCRIPTION))
            .unwrap_or_default(),
        modality: first
            .and_then(|o| text(o, tags::MODALITY))
            .unwrap_or_default(),
        files: members.len(),
    }
}

fn describe(s: &SeriesInfo) -> String {
    format!(
        "  {}  \"{}\"  {}  {} file(s)",
        if s.uid.is_empty() {
            "(no SeriesInstanceUID)"
        } else {
            &s.uid
        },
        s.description,
        if s.modality.is_empty() {
            "?"
        } else {
            &s.modality
        },
        s.files
    )
}

/// What the stacking needs from each file.
struct SliceHeader {
    path: PathBuf,
    name: String,
    sop_uid: String,
    sop_class: String,
    frame_of_reference: Option<String>,
    rows: usize,
    cols: usize,
    pf: PixelFormat,
    rescale: Rescale,
    ipp: Option<[f64; 3]>,
    iop: Option<[f64; 6]>,
    /// As in the file: (spacing between rows, spacing between columns).
    pixel_spacing: Option<[f64; 2]>,
    spacing_between_slices: Option<f64>,
}

impl SliceHeader {
    fn parse(path: &Path, obj: &Object) -> Result<Self, IoError> {
        check_grayscale(obj, path)?;
        let (rows, cols) = rows_cols(obj, path)?;
        let sop_class = text(obj, tags::SOP_CLASS_UID).unwrap_or_default();
        let frames = uint(obj, tags::NUMBER_OF_FRAMES, path)?.unwrap_or(1);
        // Enhanced objects keep their plane positions in functional groups, even with one frame.
        let enhanced = obj
            .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .is_some()
            || obj.get(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).is_some();
        if frames > 1 || enhanced {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "multi-frame image ({frames} frames, SOP class {sop_class}); enhanced multi-frame \
                     CT/MR/PET is not read yet, export the series as single-frame slices"
                ),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            name: file_name(path),
            sop_uid: text(obj, tags::SOP_INSTANCE_UID).unwrap_or_default(),
            frame_of_reference: text(obj, tags::FRAME_OF_REFERENCE_UID),
            rows,
            cols,
            pf: PixelFormat::from_obj(obj, path)?,
            rescale: Rescale::from_obj(obj, path)?,
            ipp: floats_n::<3>(obj, tags::IMAGE_POSITION_PATIENT, path)?,
            iop: floats_n::<6>(obj, tags::IMAGE_ORIENTATION_PATIENT, path)?,
            pixel_spacing: pixel_spacing(obj, &sop_class, path)?,
            spacing_between_slices: floats(obj, tags::SPACING_BETWEEN_SLICES, path)?
                .and_then(|v| v.first().copied()),
            sop_class,
        })
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The in-plane spacing attribute GDCM reads for each SOP class.
fn pixel_spacing(obj: &Object, sop_class: &str, path: &Path) -> Result<Option<[f64; 2]>, IoError> {
    const IMAGER_CLASSES: &[&str] = &[
        uids::COMPUTED_RADIOGRAPHY_IMAGE_STORAGE,
        uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION,
        uids::DIGITAL_X_RAY_IMAGE_STORAGE_FOR_PROCESSING,
        uids::DIGITAL_MAMMOGRAPHY_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION,
        uids::DIGITAL_MAMMOGRAPHY_X_RAY_IMAGE_STORAGE_FOR_PROCESSING,
        uids::DIGITAL_INTRA_ORAL_X_RAY_IMAGE_STORAGE_FOR_PRESENTATION,
        uids::DIGITAL_INTRA_ORAL_X_RAY_IMAGE_STORAGE_FOR_PROCESSING,
        uids::X_RAY_ANGIOGRAPHIC_IMAGE_STORAGE,
        uids::X_RAY_RADIOFLUOROSCOPIC_IMAGE_STORAGE,
    ];
    let tag = if IMAGER_CLASSES.contains(&sop_class) {
        tags::IMAGER_PIXEL_SPACING
    } else if sop_class == uids::SECONDARY_CAPTURE_IMAGE_STORAGE
        && obj.get(tags::PIXEL_SPACING).is_none()
    {
        tags::NOMINAL_SCANNED_PIXEL_SPACING
    } else {
        tags::PIXEL_SPACING
    };
    let Some(v) = floats(obj, tag, path)? else {
        return Ok(None);
    };
    let pair = match v.as_slice() {
        [s] => [*s, *s],
        [a, b] => [*a, *b],
        _ => {
            return Err(IoError::header(
                path,
                super::object::tag_name(tag),
                format!("expected 2 values, found {}", v.len()),
            ))
        }
    };
    // GDCM replaces a zero spacing by 1.
    Ok(Some(pair.map(|s| if s == 0.0 { 1.0 } else { s })))
}

/// Up to six names, then "and N more".
fn names<'a>(list: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = list.into_iter().collect();
    let mut s = all.iter().take(6).copied().collect::<Vec<_>>().join(", ");
    if all.len() > 6 {
        s.push_str(&format!(" and {} more", all.len() - 6));
    }
    s
}

fn fmt_iop(iop: &Option<[f64; 6]>) -> String {
    match iop {
        Some(o) => format!(
            "[{:.4} {:.4} {:.4} / {:.4} {:.4} {:.4}]",
            o[0], o[1], o[2], o[3], o[4], o[5]
        ),
        None => "none".into(),
    }
}

fn fmt_spacing(s: &Option<[f64; 2]>) -> String {
    match s {
        Some(p) => format!("{}\\{}", p[0], p[1]),
        None => "none".into(),
    }
}

/// Checks that the slices form one regular stack, sorts them along the normal and returns the
/// volume geometry.
fn stack(
    dir: &Path,
    mut slices: Vec<SliceHeader>,
) -> Result<(Geometry, Vec<SliceHeader>), IoError> {
    let first = &slices[0];
    let (rows, cols) = (first.rows, first.cols);
    let odd: Vec<&str> = slices
        .iter()
        .filter(|s| (s.rows, s.cols) != (rows, cols))
        .map(|s| s.name.as_str())
        .collect();
    if !odd.is_empty() {
        return Err(series_error(
            dir,
            format!(
                "slices of different sizes: {} is {rows} rows × {cols} columns; of another size: {}",
                first.name,
                names(odd)
            ),
        ));
    }
    let odd: Vec<&str> = slices
        .iter()
        .filter(|s| s.pf != first.pf)
        .map(|s| s.name.as_str())
        .collect();
    if !odd.is_empty() {
        let p = first.pf;
        return Err(series_error(
            dir,
            format!(
                "slices store their pixels differently: {} has BitsAllocated {}, BitsStored {}, {}; stored otherwise: {}",
                first.name,
                p.bits_allocated,
                p.bits_stored,
                if p.signed { "signed" } else { "unsigned" },
                names(odd)
            ),
        ));
    }
    let odd: Vec<&SliceHeader> = slices
        .iter()
        .filter(|s| match (s.iop, first.iop) {
            (Some(a), Some(b)) => !same_orientation(a, b),
            (a, b) => a.is_some() != b.is_some(),
        })
        .collect();
    if let Some(o) = odd.first() {
        return Err(series_error(
            dir,
            format!(
                "slices with different orientations (ImageOrientationPatient): {} has {}, {} has {}{}",
                first.name,
                fmt_iop(&first.iop),
                o.name,
                fmt_iop(&o.iop),
                if odd.len() > 1 {
                    format!(" (also {})", names(odd[1..].iter().map(|s| s.name.as_str())))
                } else {
                    String::new()
                }
            ),
        ));
    }
    let odd: Vec<&SliceHeader> = slices
        .iter()
        .filter(|s| match (s.pixel_spacing, first.pixel_spacing) {
            (Some(a), Some(b)) => !same_spacing(a, b),
            (a, b) => a.is_some() != b.is_some(),
        })
        .collect();
    if let Some(o) = odd.first() {
        return Err(series_error(
            dir,
            format!(
                "slices with different pixel spacings (PixelSpacing): {} has {}, {} has {} ({} slice(s) differ from the first)",
                first.name,
                fmt_spacing(&first.pixel_spacing),
                o.name,
                fmt_spacing(&o.pixel_spacing),
                odd.len()
            ),
        ));
    }
    let pixel_spacing = first.pixel_spacing.unwrap_or([1.0, 1.0]);
    let spacing_xy = [pixel_spacing[1], pixel_spacing[0]];
    let axes = match first.iop {
        Some(iop) => Some(itk_axes(iop).ok_or_else(|| {
            IoError::header(
                &first.path,
                "(0020,0037) ImageOrientationPatient",
                format!("degenerate direction cosines {}", fmt_iop(&first.iop)),
            )
        })?),
        None => None,
    };
    let direction = axes.map(geom::direction_from_axes).unwrap_or(IDENTITY);

    if slices.len() == 1 {
        let s = &slices[0];
        // GDCM's z spacing of a single image: SpacingBetweenSlices for MR and NM, else 1.
        let z = match s.spacing_between_slices {
            Some(v)
                if (s.sop_class == uids::MR_IMAGE_STORAGE
                    || s.sop_class == uids::NUCLEAR_MEDICINE_IMAGE_STORAGE)
                    && v.abs() >= 1e-6 =>
            {
                v.abs()
            }
            _ => 1.0,
        };
        let g = Geometry::new(
            [cols, rows, 1],
            [spacing_xy[0], spacing_xy[1], z],
            s.ipp.unwrap_or([0.0; 3]),
            direction,
        )
        .map_err(|e| IoError::geometry(&s.path, e))?;
        return Ok((g, slices));
    }

    let missing: Vec<&str> = slices
        .iter()
        .filter(|s| s.ipp.is_none() || s.iop.is_none())
        .map(|s| s.name.as_str())
        .collect();
    let Some(axes) = axes.filter(|_| missing.is_empty()) else {
        return Err(series_error(
            dir,
            format!(
                "cannot order the slices: {} lack ImagePositionPatient or ImageOrientationPatient",
                names(missing)
            ),
        ));
    };
    let normal = axes[2];
    let position = |s: &SliceHeader| s.ipp.map(|p| dot(p, normal)).unwrap_or(0.0);
    slices.sort_by(|a, b| position(a).total_cmp(&position(b)));
    let pos: Vec<f64> = slices.iter().map(position).collect();
    let ipp: Vec<[f64; 3]> = slices.iter().map(|s| s.ipp.unwrap_or([0.0; 3])).collect();

    // Two slices at one position.
    let dups: Vec<String> = (1..slices.len())
        .filter(|&i| pos[i] - pos[i - 1] <= DUPLICATE_DISTANCE)
        .map(|i| {
            format!(
                "{} and {} at {:.3} mm",
                slices[i - 1].name,
                slices[i].name,
                pos[i]
            )
        })
        .collect();
    if !dups.is_empty() {
        return Err(series_error(
            dir,
            format!(
                "duplicate slice positions along the normal: {}{}",
                dups.iter().take(6).cloned().collect::<Vec<_>>().join("; "),
                if dups.len() > 6 {
                    format!("; and {} more", dups.len() - 6)
                } else {
                    String::new()
                }
            ),
        ));
    }

    // Gantry tilt: origins moving sideways.
    let n = slices.len();
    let lateral = |k: usize| {
        let d = sub(ipp[k], ipp[0]);
        let along = dot(d, normal);
        norm([
            d[0] - along * normal[0],
            d[1] - along * normal[1],
            d[2] - along * normal[2],
        ])
    };
    let (worst, worst_shift) =
        (1..n)
            .map(|k| (k, lateral(k)))
            .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    if worst_shift > lateral_tolerance(pixel_spacing) {
        let d = sub(ipp[n - 1], ipp[0]);
        let cos = (dot(d, normal).abs() / norm(d)).clamp(0.0, 1.0);
        return Err(series_error(
            dir,
            format!(
                "gantry tilt: the slice origins move at {:.2}° to the slice normal ({} at {} → {} at {}), \
                 drifting up to {:.3} mm sideways (at {}); tilted acquisitions are not resampled, reconstruct \
                 the series without tilt",
                cos.acos().to_degrees(),
                slices[0].name,
                fmt_point(ipp[0]),
                slices[n - 1].name,
                fmt_point(ipp[n - 1]),
                worst_shift,
                slices[worst].name
            ),
        ));
    }

    // Gaps: missing slices and irregular spacing.
    let gaps: Vec<f64> = pos.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let usual = sorted[(sorted.len() - 1) / 2];
    let tol = position_tolerance(usual);
    let mut problems = Vec::new();
    for (i, &g) in gaps.iter().enumerate() {
        if (g - usual).abs() <= tol {
            continue;
        }
        let m = (g / usual).round();
        let (a, b) = (&slices[i].name, &slices[i + 1].name);
        if m >= 2.0 && (g - m * usual).abs() <= position_tolerance(m * usual) {
            problems.push(format!(
                "missing slice(s) between position {:.3} and {:.3} mm ({a} → {b}: gap {g:.3} mm, {} slice(s) missing)",
                pos[i],
                pos[i + 1],
                m as u64 - 1
            ));
        } else {
            problems.push(format!(
                "irregular spacing between position {:.3} and {:.3} mm ({a} → {b}: gap {g:.3} mm)",
                pos[i],
                pos[i + 1]
            ));
        }
    }
    if problems.is_empty() {
        let mean = (pos[n - 1] - pos[0]) / (n - 1) as f64;
        let (k, drift) = (0..n)
            .map(|k| (k, (pos[k] - pos[0] - k as f64 * mean).abs()))
            .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        if drift > tol {
            problems.push(format!(
                "irregular spacing: slice positions drift from a regular grid, by {drift:.3} mm at {}",
                slices[k].name
            ));
        }
    }
    if !problems.is_empty() {
        let shown = problems.len().min(10);
        let mut reason = format!(
            "slices are not evenly spaced (usual gap {usual:.3} mm, tolerance ±{tol:.3} mm):\n  {}",
            problems[..shown].join("\n  ")
        );
        if problems.len() > shown {
            reason.push_str(&format!("\n  and {} more", problems.len() - shown));
        }
        return Err(series_error(dir, reason));
    }

    // ITK: |IPP_last − IPP_first| / (n − 1).
    let z = norm(sub(ipp[n - 1], ipp[0])) / (n - 1) as f64;
    let g = Geometry::new(
        [cols, rows, n],
        [spacing_xy[0], spacing_xy[1], z],
        ipp[0],
        direction,
    )
    .map_err(|e| IoError::geometry(dir, e))?;
    Ok((g, slices))
}

fn read_voxels(
    dir: &Path,
    series_uid: String,
    geometry: Geometry,
    slices: Vec<SliceHeader>,
) -> Result<DicomSeries, IoError> {
    let stored_dtype = slices[0].pf.stored_dtype();
    let types: Vec<_> = slices
        .iter()
        .map(|s| output_type(&s.pf, s.rescale))
        .collect();
    let dtype = combine_types(&types, stored_dtype);
    let per_slice = slices[0].rows * slices[0].cols;
    // Grow with the pixel data actually read (each slice's bytes are checked against the header
    // first), never reserve from the header alone: a hostile Rows × Columns must not allocate.
    let mut data = empty_data(dtype, 0);
    for s in &slices {
        let obj = open(&s.path, false)?;
        let bytes = pixel_bytes(&s.path, &obj, &s.pf, per_slice)?;
        append_samples(&mut data, &bytes, &s.pf, per_slice, s.rescale);
    }
    let image = Image::new(geometry, data).map_err(|e| IoError::geometry(dir, e))?;
    Ok(DicomSeries {
        image,
        stored_dtype,
        series_uid,
        frame_of_reference_uid: slices[0].frame_of_reference.clone(),
        sop_instance_uids: slices.iter().map(|s| s.sop_uid.clone()).collect(),
        files: slices.into_iter().map(|s| s.path).collect(),
    })
}
