//! NRRD reader with attached data (raw, gzip, ascii, hex encodings; list axis = layers).
//!
//! The segmentation view (`nrrd::read_segmentation`) only takes a path, so there is no public
//! way to build it from bytes: this target parses only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = perirad_io::nrrd::parse_nrrd(
        Path::new("fuzz.nrrd"),
        data,
        perirad_io::DataFiles::AttachedOnly,
    );
});
