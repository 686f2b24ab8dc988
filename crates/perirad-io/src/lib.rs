//! perirad-io: readers and writers for the image and mask formats HCC studies use, returning
//! voxels and geometry exactly as SimpleITK does (LPS physical space, x-fastest voxel order).
//!
//! Readers: NIfTI-1/2 (`.nii`, `.nii.gz`, `.hdr`/`.img`), NRRD (`.nrrd`, `.nhdr` + data, 3D Slicer
//! `.seg.nrrd`), MetaImage (`.mha`, `.mhd` + raw), DICOM series, DICOM-SEG, RTSTRUCT, and 2D
//! frames (PNG, JPEG, BMP, TIFF). Writers: NIfTI (`.nii`, `.nii.gz`), NRRD and MetaImage.
//!
//! Entry points: [`read_image`] for intensities, [`read_labels`] for masks and segmentations
//! (one [`LabelMap`] per layer), [`read_mask`] for the binary mask of one label on an image's
//! grid, and [`write_image`].

pub mod dicom;
mod error;
pub mod info;
pub mod metaimage;
pub mod nifti;
pub mod nrrd;
mod orient;
pub mod raster;
mod raw;
mod write;

pub use error::IoError;
pub use raw::{write_le as write_voxels_le, DataFiles};
pub use write::{write_file_atomic, write_image, write_labels};

use perirad_core::{Geometry, Image, LabelMap, Mask};
use std::path::{Path, PathBuf};

/// The file formats perirad reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Nifti,
    Nrrd,
    MetaImage,
    /// A folder of DICOM image files (or one such file).
    DicomSeries,
    DicomSeg,
    RtStruct,
    /// PNG, JPEG, BMP or TIFF.
    Raster,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Nifti => "NIfTI",
            Format::Nrrd => "NRRD",
            Format::MetaImage => "MetaImage",
            Format::DicomSeries => "DICOM series",
            Format::DicomSeg => "DICOM-SEG",
            Format::RtStruct => "DICOM RTSTRUCT",
            Format::Raster => "2D image",
        }
    }
}

/// Options of the readers.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// In-plane pixel spacing (mm) for 2D frames, which rarely store a usable one.
    pub spacing_2d: Option<[f64; 2]>,
    /// SeriesInstanceUID to read when a DICOM folder holds several series.
    pub series_uid: Option<String>,
    /// The DICOM image folder an RTSTRUCT is rasterised onto (or that a DICOM-SEG is placed on).
    pub reference: Option<PathBuf>,
}

/// Tells a file's format from its name and, for DICOM, its content.
pub fn detect_format(path: &Path) -> Result<Format, IoError> {
    if path.is_dir() {
        return Ok(Format::DicomSeries);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let ends = |s: &str| name.ends_with(s);
    if ends(".nii") || ends(".nii.gz") || ends(".hdr") || ends(".hdr.gz") {
        return Ok(Format::Nifti);
    }
    if ends(".nrrd") || ends(".nhdr") {
        return Ok(Format::Nrrd);
    }
    if ends(".mha") || ends(".mhd") {
        return Ok(Format::MetaImage);
    }
    if [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"]
        .iter()
        .any(|e| ends(e))
    {
        return Ok(Format::Raster);
    }
    if !path.exists() {
        return Err(IoError::io(
            path,
            "open",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    if dicom::is_dicom_file(path) {
        return Ok(match dicom::dicom_kind(path)? {
            dicom::DicomKind::Seg => Format::DicomSeg,
            dicom::DicomKind::RtStruct => Format::RtStruct,
            _ => Format::DicomSeries,
        });
    }
    // Content sniffing for files without a telling extension.
    let head = std::fs::read(path)
        .map(|b| b[..b.len().min(348)].to_vec())
        .unwrap_or_default();
    if head.starts_with(b"NRRD000") {
        return Ok(Format::Nrrd);
    }
    if head.len() >= 348 && (&head[344..348] == b"n+1\0" || &head[4..8] == b"n+2\0") {
        return Ok(Format::Nifti);
    }
    if head.starts_with(b"ObjectType") || head.starts_with(b"NDims") {
        return Ok(Format::MetaImage);
    }
    Err(IoError::UnknownFormat {
        path: path.to_path_buf(),
    })
}

/// Reads an intensity image in any supported format.
pub fn read_image(path: &Path, options: &ReadOptions) -> Result<Image, IoError> {
    match detect_format(path)? {
        Format::Nifti => nifti::read(path),
        Format::Nrrd => nrrd::read(path),
        Format::MetaImage => metaimage::read(path),
        Format::Raster => raster::read(path, options.spacing_2d),
        Format::DicomSeries if path.is_dir() => {
            Ok(dicom::read_series(path, options.series_uid.as_deref())?.image)
        }
        Format::DicomSeries => {
            // One file: the series it belongs to, from the files beside it.
            let uid = match &options.series_uid {
                Some(u) => u.clone(),
                None => dicom::series_uid_of(path)?,
            };
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Ok(dicom::read_series(dir, Some(&uid))?.image)
        }
        f @ (Format::DicomSeg | Format::RtStruct) => Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "{} as an intensity image (it is a segmentation: read it as a mask)",
                f.name()
            ),
        }),
    }
}

/// A segmentation as read from a file: one label map per layer (several only when segments
/// overlap: multi-layer `.seg.nrrd`, overlapping DICOM-SEG segments or RTSTRUCT ROIs).
#[derive(Debug, Clone)]
pub struct Labels {
    pub format: Format,
    pub layers: Vec<LabelMap>,
}

impl Labels {
    pub fn geometry(&self) -> &Geometry {
        self.layers[0].geometry()
    }
}

/// Reads a mask or segmentation in any supported format. Plain images (NIfTI, NRRD, MetaImage,
/// 2D frames) are read as one layer of integer labels; a voxel that is negative or fractional is
/// an error.
pub fn read_labels(path: &Path, options: &ReadOptions) -> Result<Labels, IoError> {
    let format = detect_format(path)?;
    let layers = match format {
        Format::Nrrd => nrrd::read_segmentation(path)?.layers,
        Format::DicomSeg => match &options.reference {
            Some(r) => {
                let series = dicom::read_series(r, options.series_uid.as_deref())?;
                dicom::read_seg_on(path, series.image.geometry())?.layers
            }
            None => dicom::read_seg(path)?.layers,
        },
        Format::RtStruct => {
            let Some(r) = &options.reference else {
                return Err(IoError::Unsupported {
                    path: path.to_path_buf(),
                    what: "RTSTRUCT without a reference image: pass the DICOM series folder it was drawn on (--reference DIR)".into(),
                });
            };
            if options.series_uid.is_some() {
                let series = dicom::read_series(r, options.series_uid.as_deref())?;
                dicom::read_rtstruct(path, series.image.geometry())?.layers
            } else {
                // The series the RTSTRUCT refers to; a different frame of reference is an error.
                dicom::read_rtstruct_for_series(path, r)?.1.layers
            }
        }
        _ => {
            let image = read_image(path, options)?;
            vec![image
                .to_label_map()
                .map_err(|e| IoError::geometry(path, e))?]
        }
    };
    if layers.is_empty() {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: "segmentation with no layers".into(),
        });
    }
    Ok(Labels { format, layers })
}

/// How a mask on another grid than its image is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridPolicy {
    /// A clear error naming both geometries.
    Strict,
    /// Nearest-neighbour resampling of the mask onto the image grid.
    ResampleNearest,
}

impl GridPolicy {
    /// `ResampleNearest` when `resample` (a `--resample-mask` flag), else `Strict`.
    pub fn resample_if(resample: bool) -> Self {
        if resample {
            GridPolicy::ResampleNearest
        } else {
            GridPolicy::Strict
        }
    }
}

/// Tolerance for "same grid": lengths relative to the spacing, cosines absolute (ITK's default
/// coordinate and direction tolerance).
pub const GRID_TOLERANCE: f64 = 1e-6;

/// The binary mask chosen by `selector` on `image`'s grid. A mask on another grid is an error
/// unless `policy` resamples it; an empty mask or a label that is not present is an error. A
/// DICOM-SEG is placed and an RTSTRUCT rasterised on `image`'s grid itself (unless
/// `options.reference` names another series).
pub fn read_mask(
    path: &Path,
    image: &Geometry,
    selector: &MaskSelector,
    policy: GridPolicy,
    options: &ReadOptions,
) -> Result<Mask, IoError> {
    let labels = read_labels_on(path, image, policy, options)?;
    let (layer, label) = selector.resolve(path, &labels)?;
    let lm = &labels.layers[layer];
    match label {
        Some(l) => lm.mask(l),
        None => lm.foreground(),
    }
    .map_err(|e| IoError::geometry(path, e))
}

/// Every layer of a segmentation on `image`'s grid: a DICOM-SEG is placed and an RTSTRUCT
/// rasterised on that grid itself (unless `options.reference` names another series); any other
/// mask on another grid is an error unless `policy` resamples it.
pub fn read_labels_on(
    path: &Path,
    image: &Geometry,
    policy: GridPolicy,
    options: &ReadOptions,
) -> Result<Labels, IoError> {
    let mut labels = match detect_format(path)? {
        Format::DicomSeg if options.reference.is_none() => Labels {
            format: Format::DicomSeg,
            layers: dicom::read_seg_on(path, image)?.layers,
        },
        Format::RtStruct if options.reference.is_none() => Labels {
            format: Format::RtStruct,
            layers: dicom::read_rtstruct(path, image)?.layers,
        },
        _ => read_labels(path, options)?,
    };
    if labels.layers.is_empty() {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: "segmentation with no layers".into(),
        });
    }
    for lm in labels.layers.iter_mut() {
        if !lm.geometry().same_grid(image, GRID_TOLERANCE) {
            match policy {
                GridPolicy::Strict => lm
                    .check_grid(image, GRID_TOLERANCE)
                    .map_err(|e| IoError::geometry(path, e))?,
                GridPolicy::ResampleNearest => *lm = lm.resample_nearest(image),
            }
        }
    }
    Ok(labels)
}

/// Which voxels of a segmentation make the mask.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MaskSelector {
    /// Every non-zero label of the first layer.
    #[default]
    AnyLabel,
    /// One label value (searched in every layer; the first layer holding it wins).
    Label(u32),
    /// A named segment (3D Slicer segment, DICOM-SEG segment, RTSTRUCT ROI).
    Segment(String),
}

impl MaskSelector {
    /// The layer and label value this selector picks (`None`: every non-zero label).
    pub fn resolve(&self, path: &Path, labels: &Labels) -> Result<(usize, Option<u32>), IoError> {
        match self {
            MaskSelector::AnyLabel => Ok((0, None)),
            MaskSelector::Label(l) => {
                let layer = labels
                    .layers
                    .iter()
                    .position(|lm| lm.labels().contains(l))
                    .unwrap_or(0);
                Ok((layer, Some(*l)))
            }
            MaskSelector::Segment(name) => {
                for (i, lm) in labels.layers.iter().enumerate() {
                    if let Some(s) = lm
                        .segments()
                        .iter()
                        .find(|s| &s.name == name || s.id.as_deref() == Some(name))
                    {
                        return Ok((i, Some(s.value)));
                    }
                }
                let names: Vec<&str> = labels
                    .layers
                    .iter()
                    .flat_map(|lm| lm.segments().iter().map(|s| s.name.as_str()))
                    .collect();
                Err(IoError::SegmentNotFound {
                    path: path.to_path_buf(),
                    name: name.clone(),
                    available: if names.is_empty() {
                        "none named".into()
                    } else {
                        names.join(", ")
                    },
                })
            }
        }
    }
}
