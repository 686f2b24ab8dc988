//! What `perirad info` reports about a file: geometry, stored voxel type, intensity range and,
//! for masks, every label with its voxel count and named segments.

use crate::{detect_format, nrrd, read_image, read_labels, Format, IoError, ReadOptions};
use perirad_core::{DType, Geometry, Image, IntensityStats, LabelMap, Segment, VoxelData};
use std::collections::BTreeMap;
use std::path::Path;

/// A named segment with its layer and voxel count.
pub type SegmentCount = (usize, Segment, usize);

/// Summary of one file.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub format: Format,
    pub geometry: Geometry,
    /// Voxel type stored in the file (for rescaled NIfTI: the type after scaling, as SimpleITK).
    pub dtype: DType,
    pub stats: IntensityStats,
    /// For masks: label → voxel count over all layers (label 0 left out).
    pub labels: Option<BTreeMap<u32, usize>>,
    /// For masks: named segments with their layer.
    pub segments: Vec<SegmentCount>,
    pub layers: usize,
}

/// True for files that are segmentations whatever the caller asks (`.seg.nrrd`, DICOM-SEG,
/// RTSTRUCT).
pub fn is_segmentation_file(path: &Path, format: Format) -> bool {
    matches!(format, Format::DicomSeg | Format::RtStruct)
        || path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".seg.nrrd")
}

fn label_summary(layers: &[LabelMap]) -> (BTreeMap<u32, usize>, Vec<SegmentCount>) {
    let mut counts = BTreeMap::new();
    let mut segments = Vec::new();
    for (i, lm) in layers.iter().enumerate() {
        let c = lm.counts();
        for s in lm.segments() {
            segments.push((i, s.clone(), c.get(&s.value).copied().unwrap_or(0)));
        }
        for (l, n) in c {
            *counts.entry(l).or_insert(0) += n;
        }
    }
    (counts, segments)
}

/// Summary of an intensity image already read.
pub fn image_info(format: Format, image: &Image) -> FileInfo {
    FileInfo {
        format,
        geometry: image.geometry().clone(),
        dtype: image.dtype(),
        stats: image.stats(),
        labels: None,
        segments: Vec::new(),
        layers: 1,
    }
}

/// Reads `path` and summarises it; with `as_labels` (or for segmentation formats) it is read as a
/// label map.
pub fn inspect(path: &Path, options: &ReadOptions, as_labels: bool) -> Result<FileInfo, IoError> {
    let format = detect_format(path)?;
    let as_labels = as_labels || is_segmentation_file(path, format);
    if !as_labels {
        return Ok(image_info(format, &read_image(path, options)?));
    }
    let (geometry, stored, layers) = match format {
        Format::Nrrd => {
            let seg = nrrd::read_segmentation(path)?;
            (seg.layers[0].geometry().clone(), seg.stored, seg.layers)
        }
        Format::DicomSeg | Format::RtStruct => {
            let labels = read_labels(path, options)?;
            let all: Vec<u32> = labels
                .layers
                .iter()
                .flat_map(|l| l.labels().iter().copied())
                .collect();
            let max = all.iter().copied().max().unwrap_or(0);
            let stored = if max <= u8::MAX as u32 {
                VoxelData::U8(all.iter().map(|&v| v as u8).collect())
            } else {
                VoxelData::U32(all)
            };
            (labels.geometry().clone(), stored, labels.layers)
        }
        _ => {
            let image = read_image(path, options)?;
            let lm = image
                .to_label_map()
                .map_err(|e| IoError::geometry(path, e))?;
            let (g, data) = image.into_parts();
            (g, data, vec![lm])
        }
    };
    let (counts, segments) = label_summary(&layers);
    Ok(FileInfo {
        format,
        geometry,
        dtype: stored.dtype(),
        stats: stored.stats(),
        labels: Some(counts),
        segments,
        layers: layers.len(),
    })
}
