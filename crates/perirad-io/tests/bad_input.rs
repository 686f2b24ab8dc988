//! Bad input: every case gets a clear error that names the file and the problem, never a panic.

use perirad_core::{Geometry, IDENTITY};
use perirad_io::{read_image, read_mask, GridPolicy, MaskSelector, ReadOptions};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Writes `bytes` to `name` in a fresh temporary folder and reads it as an image.
fn read_bytes_as(
    name: &str,
    bytes: &[u8],
) -> (
    tempfile::TempDir,
    Result<perirad_core::Image, perirad_io::IoError>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    let r = read_image(&path, &ReadOptions::default());
    (dir, r)
}

/// Asserts an error whose message names the file and contains every word in `needles`.
fn expect_error(name: &str, bytes: &[u8], needles: &[&str]) {
    let (_dir, r) = read_bytes_as(name, bytes);
    let msg = match r {
        Err(e) => e.to_string(),
        Ok(img) => panic!("{name}: accepted bad input as {:?}", img.geometry()),
    };
    assert!(
        msg.contains(name),
        "{name}: message does not name the file: {msg}"
    );
    for n in needles {
        assert!(msg.contains(n), "{name}: message lacks {n:?}: {msg}");
    }
}

fn nifti_bytes() -> Vec<u8> {
    std::fs::read(data("nifti/nifti_qform_only_i16.nii")).expect("reference file")
}

fn set_f32(b: &mut [u8], at: usize, v: f32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn nrrd_header(fields: &str) -> Vec<u8> {
    format!("NRRD0004\n{fields}\n").into_bytes()
}

fn mha(fields: &str, data: &[u8]) -> Vec<u8> {
    let mut b =
        format!("ObjectType = Image\nNDims = 3\n{fields}\nElementDataFile = LOCAL\n").into_bytes();
    b.extend_from_slice(data);
    b
}

#[test]
fn truncated_files() {
    let b = nifti_bytes();
    expect_error(
        "short.nii",
        &b[..b.len() - 10],
        &["truncated", "voxel data"],
    );
    expect_error("header_only.nii", &b[..200], &["truncated", "header"]);
    let mut n =
        nrrd_header("type: short\ndimension: 3\nsizes: 4 4 4\nencoding: raw\nendian: little\n");
    n.extend_from_slice(&[0u8; 100]);
    expect_error("short.nrrd", &n, &["truncated", "128 bytes", "100"]);
    expect_error(
        "short.mha",
        &mha("DimSize = 4 4 4\nElementType = MET_SHORT", &[0u8; 50]),
        &["truncated"],
    );
}

#[test]
fn wrong_magic() {
    let mut b = nifti_bytes();
    b[344..348].copy_from_slice(b"xx1\0");
    expect_error("magic.nii", &b, &["not a NIfTI-1 file", "xx1"]);
    let mut b = nifti_bytes();
    b[0..4].copy_from_slice(&1234i32.to_le_bytes());
    expect_error("sizeof.nii", &b, &["not a NIfTI file", "348 or 540"]);
    expect_error(
        "magic.nrrd",
        b"NRRX0004\ntype: short\n",
        &["not a NRRD file"],
    );
    expect_error(
        "magic.mha",
        b"Hello = World\n",
        &["not a MetaImage file", "Hello"],
    );
}

#[test]
fn corrupt_gzip() {
    let mut b = std::fs::read(data("nifti/nifti_u32.nii.gz")).expect("reference file");
    let mid = b.len() / 2;
    for x in &mut b[mid..mid + 16] {
        *x ^= 0x5a;
    }
    expect_error("corrupt.nii.gz", &b, &["corrupt compressed data"]);
    let mut n = nrrd_header("type: uchar\ndimension: 3\nsizes: 4 4 4\nencoding: gzip\n");
    n.extend_from_slice(&[
        0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0x00, 0x12,
    ]);
    expect_error("corrupt.nrrd", &n, &["corrupt compressed data"]);
}

#[test]
fn header_declares_more_voxels_than_the_file_holds() {
    let mut b = nifti_bytes();
    b[42..44].copy_from_slice(&300i16.to_le_bytes()); // dim[1]
    expect_error("more.nii", &b, &["truncated", "voxel data"]);
    let mut n = nrrd_header(
        "type: float\ndimension: 3\nsizes: 100 100 100\nencoding: raw\nendian: little\n",
    );
    n.extend_from_slice(&[0u8; 64]);
    expect_error("more.nrrd", &n, &["truncated", "4000000 bytes"]);
    // Gzip data of 64 bytes under a header of 1290³ doubles (17 GB): an error, with no
    // allocation of the header's size.
    let mut n = nrrd_header(
        "type: double\ndimension: 3\nsizes: 1290 1290 1290\nencoding: gzip\nendian: little\n",
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &[0u8; 64]).expect("compress");
    n.extend_from_slice(&gz.finish().expect("compress"));
    expect_error(
        "more.nrrd.gz",
        &n,
        &["truncated", "17173512000 bytes", "64"],
    );
    expect_error(
        "more.mha",
        &mha("DimSize = 512 512 300\nElementType = MET_FLOAT", &[0u8; 64]),
        &["truncated"],
    );
}

#[test]
fn header_declares_more_than_two_to_the_31_voxels() {
    let mut b = nifti_bytes();
    for a in 0..3 {
        b[42 + 2 * a..44 + 2 * a].copy_from_slice(&32000i16.to_le_bytes());
    }
    expect_error("huge.nii", &b, &["more than perirad accepts", "2^31"]);
    expect_error(
        "huge.nrrd",
        &nrrd_header("type: uchar\ndimension: 3\nsizes: 65536 65536 2\nencoding: raw\n"),
        &["2^31"],
    );
    expect_error(
        "overflow.nrrd",
        &nrrd_header("type: uchar\ndimension: 3\nsizes: 18446744073709551615 3 3\nencoding: raw\n"),
        &["2^31", "overflow"],
    );
    expect_error(
        "huge.mha",
        &mha(
            "DimSize = 100000 100000 100000\nElementType = MET_UCHAR",
            &[],
        ),
        &["2^31"],
    );
}

#[test]
fn zero_negative_or_nan_spacing() {
    for (v, word) in [(0.0f32, "0"), (-1.5, "-1.5"), (f32::NAN, "NaN")] {
        let mut b = nifti_bytes();
        set_f32(&mut b, 80, v); // pixdim[1]
        expect_error("spacing.nii", &b, &["pixdim[1]", word, "spacing"]);
    }
    let dirs = "space: left-posterior-superior\nspace directions: (0,0,0) (0,1,0) (0,0,1)\n";
    expect_error(
        "zero.nrrd",
        &nrrd_header(&format!(
            "type: uchar\ndimension: 3\nsizes: 2 2 2\n{dirs}encoding: raw\n"
        )),
        &["space directions", "zero length"],
    );
    for s in ["0 1 1", "1 -2 1", "1 1 nan"] {
        expect_error(
            "spacing.mha",
            &mha(
                &format!("DimSize = 2 2 2\nElementSpacing = {s}\nElementType = MET_UCHAR"),
                &[0u8; 8],
            ),
            &["spacing"],
        );
    }
}

#[test]
fn singular_direction_matrix() {
    expect_error(
        "singular.mha",
        &mha(
            "DimSize = 2 2 2\nTransformMatrix = 1 0 0 1 0 0 0 0 1\nElementType = MET_UCHAR",
            &[0u8; 8],
        ),
        &["direction", "singular"],
    );
    let dirs = "space: left-posterior-superior\nspace directions: (1,0,0) (2,0,0) (0,0,1)\n";
    expect_error(
        "singular.nrrd",
        &nrrd_header(&format!(
            "type: uchar\ndimension: 3\nsizes: 2 2 2\n{dirs}encoding: raw\n"
        )),
        &["singular"],
    );
    // A NIfTI sform with two parallel columns and no qform.
    let mut b = nifti_bytes();
    b[252..254].copy_from_slice(&0i16.to_le_bytes());
    b[254..256].copy_from_slice(&2i16.to_le_bytes());
    for (at, v) in [
        (280, 1.0),
        (284, 1.0),
        (288, 0.0),
        (296, 0.0),
        (300, 0.0),
        (304, 1.0),
        (312, 0.0),
        (316, 0.0),
        (320, 1.0),
    ] {
        set_f32(&mut b, at, v);
    }
    expect_error("singular.nii", &b, &["sform"]);
}

#[test]
fn mask_on_another_grid_and_missing_label() {
    let seg = data("seg/seg_single_layer.seg.nrrd");
    let other = Geometry::new([12, 10, 9], [1.0, 1.0, 1.0], [0.0; 3], IDENTITY).expect("valid");
    let err = read_mask(
        &seg,
        &other,
        &MaskSelector::AnyLabel,
        GridPolicy::Strict,
        &ReadOptions::default(),
    )
    .expect_err("different grid")
    .to_string();
    assert!(
        err.contains("seg_single_layer.seg.nrrd") && err.contains("different grids"),
        "{err}"
    );
    assert!(
        err.contains("size [12, 10, 9]") && err.contains("size [12, 10, 8]"),
        "names both geometries: {err}"
    );

    // Resampled onto its own grid shifted by whole voxels: labels move with it.
    let own = perirad_io::read_labels(&seg, &ReadOptions::default()).expect("readable");
    let g = own.geometry().clone();
    let shifted = Geometry::new(
        g.size(),
        g.spacing(),
        g.index_to_physical([1.0, 0.0, 0.0]),
        g.direction(),
    )
    .expect("valid");
    let m = read_mask(
        &seg,
        &shifted,
        &MaskSelector::Label(2),
        GridPolicy::ResampleNearest,
        &ReadOptions::default(),
    )
    .expect("resampled");
    let orig = own.layers[0].mask(2).expect("label 2");
    let s = g.size();
    for k in 0..s[2] {
        for j in 0..s[1] {
            for i in 0..s[0] - 1 {
                assert_eq!(m.get(i, j, k), orig.get(i + 1, j, k));
            }
        }
    }

    let err = read_mask(
        &seg,
        &g,
        &MaskSelector::Label(7),
        GridPolicy::Strict,
        &ReadOptions::default(),
    )
    .expect_err("absent")
    .to_string();
    assert!(
        err.contains("label 7 is not present") && err.contains("1, 2, 3"),
        "{err}"
    );
    let err = read_mask(
        &seg,
        &g,
        &MaskSelector::Segment("spleen".into()),
        GridPolicy::Strict,
        &ReadOptions::default(),
    )
    .expect_err("absent")
    .to_string();
    assert!(
        err.contains("spleen") && err.contains("tumor, liver, vessel"),
        "{err}"
    );
    let tumor = read_mask(
        &seg,
        &g,
        &MaskSelector::Segment("tumor".into()),
        GridPolicy::Strict,
        &ReadOptions::default(),
    )
    .expect("tumor");
    assert_eq!(
        tumor.data().iter().filter(|&&b| b).count(),
        11,
        "the reference's tumor count"
    );
}

#[test]
fn empty_mask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.nrrd");
    let mut n = nrrd_header("type: uchar\ndimension: 3\nsizes: 2 2 2\nencoding: raw\n");
    n.extend_from_slice(&[0u8; 8]);
    std::fs::write(&empty, n).expect("write");
    let g2 = Geometry::new([2, 2, 2], [1.0; 3], [0.0; 3], IDENTITY).expect("valid");
    let err = read_mask(
        &empty,
        &g2,
        &MaskSelector::AnyLabel,
        GridPolicy::Strict,
        &ReadOptions::default(),
    )
    .expect_err("empty")
    .to_string();
    assert!(
        err.contains("empty.nrrd") && err.contains("mask is empty"),
        "{err}"
    );
}

#[test]
fn missing_file_and_unknown_format() {
    let err = read_image(
        Path::new("/nonexistent/case7.nii.gz"),
        &ReadOptions::default(),
    )
    .expect_err("missing")
    .to_string();
    assert!(
        err.contains("case7.nii.gz") && err.contains("No such file"),
        "{err}"
    );
    let (_d, r) = read_bytes_as("notes.txt", b"hello");
    let err = r.expect_err("unknown").to_string();
    assert!(
        err.contains("notes.txt") && err.contains("cannot tell the file format"),
        "{err}"
    );
}

/// Inputs the fuzzers found (see fuzz/README.md): each must be a clear error, quickly, without a
/// panic or a large allocation.
#[test]
fn fuzz_regressions_are_clear_errors() {
    let dir = data("fuzz_regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("folder") {
        let original = entry.expect("entry").path();
        n += 1;
        let name = original
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Alone in a folder: a DICOM file is read with the series beside it.
        let alone = tempfile::tempdir().expect("tempdir");
        let path = alone.path().join(&name);
        std::fs::copy(&original, &path).expect("copy");
        let err = match perirad_io::read_labels(&path, &ReadOptions::default()) {
            Err(e) => e.to_string(),
            Ok(_) => match read_image(&path, &ReadOptions::default()) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{name}: accepted"),
            },
        };
        assert!(err.contains(&name), "{name}: {err}");
    }
    assert!(n >= 1);
}
