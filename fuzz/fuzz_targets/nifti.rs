//! NIfTI-1/2 single-file reader (`.nii`, and `.nii.gz` when the input starts with the gzip magic).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = perirad_io::nifti::read_bytes(
        Path::new("fuzz.nii"),
        data.to_vec(),
        perirad_io::DataFiles::AttachedOnly,
    );
});
