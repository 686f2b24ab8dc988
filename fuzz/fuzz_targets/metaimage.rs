//! MetaImage reader with attached data (`ElementDataFile = LOCAL`, raw or zlib-compressed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = perirad_io::metaimage::read_bytes(
        Path::new("fuzz.mha"),
        data,
        perirad_io::DataFiles::AttachedOnly,
    );
});
