//! DICOM readers (series, SEG, RTSTRUCT): placeholder until the DICOM readers land.
use crate::IoError;
use perirad_core::{DType, Geometry, Image, LabelMap};
use std::path::Path;

pub enum DicomKind {
    Image,
    Seg,
    RtStruct,
    Other(String),
}
pub struct DicomSeries {
    pub image: Image,
    pub stored_dtype: DType,
    pub series_uid: String,
    pub frame_of_reference_uid: Option<String>,
    pub sop_instance_uids: Vec<String>,
}
pub struct SegVolume {
    pub layers: Vec<LabelMap>,
}
pub struct RtStructVolume {
    pub layers: Vec<LabelMap>,
}
fn not_yet(path: &Path) -> IoError {
    IoError::Unsupported {
        path: path.to_path_buf(),
        what: "DICOM (not implemented yet)".into(),
    }
}
pub fn is_dicom_file(_path: &Path) -> bool {
    false
}
pub fn dicom_kind(path: &Path) -> Result<DicomKind, IoError> {
    Err(not_yet(path))
}
pub fn read_series(dir: &Path, _uid: Option<&str>) -> Result<DicomSeries, IoError> {
    Err(not_yet(dir))
}
pub fn read_seg(path: &Path) -> Result<SegVolume, IoError> {
    Err(not_yet(path))
}
pub fn read_seg_on(path: &Path, _g: &Geometry) -> Result<SegVolume, IoError> {
    Err(not_yet(path))
}
pub fn read_rtstruct(path: &Path, _g: &Geometry) -> Result<RtStructVolume, IoError> {
    Err(not_yet(path))
}
