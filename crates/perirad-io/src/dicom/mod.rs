//! DICOM readers: image series, DICOM-SEG and RTSTRUCT.
//!
//! * [`read_series`] reads one folder of single-frame images into an [`Image`](perirad_core::Image)
//!   exactly as SimpleITK's `ImageSeriesReader` does with GDCM (geometry, voxel type, rescale), but
//!   refuses stacks SimpleITK would silently get wrong: mixed sizes, orientations or spacings,
//!   duplicate positions, gantry tilt, missing slices and irregular gaps. [`list_series`] lists the
//!   series of a folder so that a caller can choose one.
//! * [`read_seg`] / [`read_seg_on`] read a DICOM-SEG on its own grid or on a reference grid.
//! * [`read_rtstruct`] / [`read_rtstruct_for_series`] rasterise an RT Structure Set onto a grid.
//!
//! Segments and ROIs become [`LabelMap`](perirad_core::LabelMap) layers: overlapping ones go to
//! separate layers. Tolerances are documented in one place (`geom.rs`). Pixel data is read
//! directly for uncompressed transfer syntaxes and through `dicom-pixeldata` for the compressed
//! ones it decodes (JPEG baseline/extended/lossless, RLE); others fail with an error naming the
//! transfer syntax. Every file is pre-scanned for impossible lengths before it is parsed, so a
//! hostile file is an error, never a crash or a huge allocation.

mod geom;
mod layers;
mod object;
mod pixels;
mod rtstruct;
mod seg;
mod series;

pub use object::{dicom_kind, is_dicom_file, DicomKind};
pub use rtstruct::{read_rtstruct, read_rtstruct_for_series, RtStructVolume};
pub use seg::{read_seg, read_seg_on, SegVolume};
pub use series::{list_series, read_series, series_uid_of, DicomSeries, SeriesInfo};
