//! DICOM: one file's bytes through the public DICOM API.
//!
//! perirad-io has no public "parse DICOM bytes" function (`dicom::object::open` is crate-private),
//! so the input is written to `<tmp>/perirad-fuzz-dicom-<pid>/slice.dcm` (one file, overwritten
//! every run) and read as the library reads it:
//! * `dicom_kind` (Part-10 magic, length pre-scan, header-only parse, SOP class / modality);
//! * an image: `read_series` on the one-file folder (header parse, slice geometry, pixel format,
//!   rescale, pixel data decoding);
//! * a SEG: `read_seg` on its own grid; an RTSTRUCT: `read_rtstruct` onto a small fixed grid.
//!
//! perirad-io runs the DICOM parser under `catch_unwind` on purpose (a panic in the third-party
//! decoder becomes an error). libFuzzer's panic hook would abort on those caught panics too, so
//! the default hook is restored: a panic that reaches this target still aborts (libfuzzer-sys
//! aborts on any panic escaping the closure), a caught one is only printed. Set
//! `PERIRAD_FUZZ_ABORT_ON_CAUGHT_PANIC=1` to keep libFuzzer's hook and see the caught ones too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perirad_io::dicom::{self, DicomKind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Setup {
    dir: PathBuf,
    file: PathBuf,
    grid: perirad_core::Geometry,
}

const DIR_PREFIX: &str = "perirad-fuzz-dicom-";

/// Removes the work folders of earlier fuzzing processes that have exited (fork mode starts a
/// new process per job, each with its own folder).
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        if std::env::var_os("PERIRAD_FUZZ_ABORT_ON_CAUGHT_PANIC").is_none() {
            drop(std::panic::take_hook()); // back to the default hook
        }
        remove_stale_dirs();
        let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create fuzz temp dir");
        let file = dir.join("slice.dcm");
        let grid = perirad_core::Geometry::new(
            [32, 32, 8],
            [8.0, 8.0, 4.0],
            [-128.0, -128.0, -16.0],
            perirad_core::IDENTITY,
        )
        .expect("valid grid");
        Setup { dir, file, grid }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    std::fs::write(&s.file, data).expect("write fuzz input");
    match dicom::dicom_kind(&s.file) {
        Ok(DicomKind::Image) => {
            let _ = dicom::read_series(&s.dir, None);
        }
        Ok(DicomKind::Seg) => {
            let _ = dicom::read_seg(&s.file);
        }
        Ok(DicomKind::RtStruct) => {
            let _ = dicom::read_rtstruct(&s.file, &s.grid);
        }
        Ok(DicomKind::Other(_)) | Err(_) => {}
    }
});
