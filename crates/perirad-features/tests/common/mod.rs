//! Support shared by the PyRadiomics integration tests: reading one of PyRadiomics' test cases
//! (`../shared/data/pyradiomics/images/<case>_image.nrrd` and `<case>_label.nrrd`).

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use perirad_core::Volume;
use perirad_core::{DType, Image, Mask};
use perirad_io::{read_image, read_labels, Labels, ReadOptions};
use perirad_testdata::shared_data;

/// One PyRadiomics test case as read from disk.
pub struct PyradiomicsCase {
    /// The image as stored (its voxel type decides PyRadiomics' diagnostics).
    pub stored: Image,
    /// The image's intensities.
    pub image: Volume<f64>,
    /// The label map.
    pub labels: Labels,
}

/// Reads PyRadiomics' test case `case` (brain1, breast1, lung1, ...).
pub fn pyradiomics_case(case: &str) -> PyradiomicsCase {
    let images = shared_data().join("pyradiomics/images");
    let stored = read_image(
        &images.join(format!("{case}_image.nrrd")),
        &ReadOptions::default(),
    )
    .expect("image");
    let labels = read_labels(
        &images.join(format!("{case}_label.nrrd")),
        &ReadOptions::default(),
    )
    .expect("mask");
    PyradiomicsCase {
        image: stored.to_f64_volume(),
        stored,
        labels,
    }
}

/// PyRadiomics' test case `case` as the extraction reads it: intensities, stored voxel type and
/// the mask of label 1.
pub fn pyradiomics_roi(case: &str) -> (Volume<f64>, DType, Mask) {
    let PyradiomicsCase {
        stored,
        image,
        labels,
    } = pyradiomics_case(case);
    let mask = labels.layers[0].mask(1).expect("label 1");
    (image, stored.dtype(), mask)
}
