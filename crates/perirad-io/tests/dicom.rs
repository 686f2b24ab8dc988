//! DICOM readers against reference data: the IBSI CT phantom (DICOM series, DICOM-SEG, RTSTRUCT)
//! compared with SimpleITK's reference values (`io/reference.json`) and with the phantom's NIfTI
//! image and mask, voxel by voxel at the same physical position; then synthetic series, SEG and
//! RTSTRUCT files written with dicom-object that each pin one problem the reader must report.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use perirad_core::{DType, Geometry, VoxelData};
use perirad_io::dicom::{
    dicom_kind, is_dicom_file, list_series, read_rtstruct, read_rtstruct_for_series, read_seg,
    read_seg_on, read_series, DicomKind,
};
use perirad_io::IoError;
use perirad_testdata::{close_rel, load_io_reference, shared_data};
use std::io::Read;
use std::path::{Path, PathBuf};

fn ct_dir() -> PathBuf {
    shared_data().join("ibsi/phantoms/ct")
}

// ------------------------------------------------------------------------------------------------
// A minimal NIfTI-1 reader for the comparisons (test-only; the library's reader is elsewhere).

struct Nifti {
    dim: [usize; 3],
    /// voxel index → LPS position: rows of [R | t].
    affine: [[f64; 4]; 3],
    data: Vec<f64>,
}

fn read_nifti(path: &Path) -> Nifti {
    let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut b = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut b)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let i16_at = |o: usize| i16::from_le_bytes([b[o], b[o + 1]]);
    let f32_at = |o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as f64;
    assert_eq!(
        i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        348,
        "little-endian NIfTI-1"
    );
    assert_eq!(i16_at(40), 3, "3D image");
    let dim = [
        i16_at(42) as usize,
        i16_at(44) as usize,
        i16_at(46) as usize,
    ];
    let datatype = i16_at(70);
    let vox_offset = f32_at(108) as usize;
    let (slope, inter) = (f32_at(112), f32_at(116));
    assert!(i16_at(254) > 0, "the test reader uses the sform");
    let mut affine = [[0.0; 4]; 3];
    for (r, row) in affine.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = f32_at(280 + 16 * r + 4 * c);
        }
    }
    // RAS → LPS
    for row in affine.iter_mut().take(2) {
        for v in row.iter_mut() {
            *v = -*v;
        }
    }
    let n = dim[0] * dim[1] * dim[2];
    let raw = &b[vox_offset..];
    let mut data: Vec<f64> = match datatype {
        2 => raw[..n].iter().map(|&v| v as f64).collect(),
        4 => raw
            .chunks_exact(2)
            .take(n)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as f64)
            .collect(),
        16 => raw
            .chunks_exact(4)
            .take(n)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
        other => panic!("datatype {other} not handled by the test reader"),
    };
    if slope != 0.0 && !(slope == 1.0 && inter == 0.0) {
        data.iter_mut().for_each(|v| *v = *v * slope + inter);
    }
    assert_eq!(data.len(), n);
    Nifti { dim, affine, data }
}

impl Nifti {
    fn spacing(&self) -> [f64; 3] {
        let a = &self.affine;
        [0, 1, 2].map(|c| (a[0][c].powi(2) + a[1][c].powi(2) + a[2][c].powi(2)).sqrt())
    }

    fn origin(&self) -> [f64; 3] {
        [self.affine[0][3], self.affine[1][3], self.affine[2][3]]
    }

    /// Linear index of the voxel whose centre is at `p` (within 1e-3 voxel), if inside.
    fn voxel_at(&self, p: [f64; 3]) -> Option<usize> {
        let a = &self.affine;
        let m = [
            [a[0][0], a[0][1], a[0][2]],
            [a[1][0], a[1][1], a[1][2]],
            [a[2][0], a[2][1], a[2][2]],
        ];
        let d = [p[0] - a[0][3], p[1] - a[1][3], p[2] - a[2][3]];
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        let solve = |col: usize| {
            let mut mm = m;
            for r in 0..3 {
                mm[r][col] = d[r];
            }
            (mm[0][0] * (mm[1][1] * mm[2][2] - mm[1][2] * mm[2][1])
                - mm[0][1] * (mm[1][0] * mm[2][2] - mm[1][2] * mm[2][0])
                + mm[0][2] * (mm[1][0] * mm[2][1] - mm[1][1] * mm[2][0]))
                / det
        };
        let idx = [solve(0), solve(1), solve(2)];
        let mut out = [0usize; 3];
        for a in 0..3 {
            let r = idx[a].round();
            assert!(
                (idx[a] - r).abs() < 1e-3,
                "position {p:?} is between NIfTI voxels (index {idx:?})"
            );
            if r < 0.0 || r >= self.dim[a] as f64 {
                return None;
            }
            out[a] = r as usize;
        }
        Some(out[0] + self.dim[0] * (out[1] + self.dim[1] * out[2]))
    }
}

fn position(g: &Geometry, l: usize) -> [f64; 3] {
    let [i, j, k] = g.index_of(l);
    g.index_to_physical([i as f64, j as f64, k as f64])
}

fn assert_close3(what: &str, a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{what}: {a:?} vs reference {b:?}");
    }
}

// ------------------------------------------------------------------------------------------------
// IBSI CT phantom

#[test]
fn ibsi_ct_series_matches_simpleitk_reference() {
    let refs = load_io_reference(&shared_data().join("io/reference.json"));
    let r = &refs.files["ibsi/phantoms/ct/dicom/image"];
    let s = read_series(&ct_dir().join("dicom/image"), None).expect("IBSI CT series");
    let g = s.image.geometry();
    assert_eq!(g.size().to_vec(), r.size);
    assert_close3("spacing", &g.spacing(), &r.spacing, 1e-6);
    assert_close3("origin", &g.origin(), &r.origin, 1e-6);
    assert_close3("direction", &g.direction_flat(), &r.direction, 1e-6);
    assert_eq!(s.image.dtype().name(), r.dtype);
    assert_eq!(s.stored_dtype, DType::U16);
    let st = s.image.stats();
    for (what, a, b) in [
        ("sum", st.sum, r.sum),
        ("min", st.min, r.min),
        ("max", st.max, r.max),
    ] {
        assert!(close_rel(a, b, 1e-9), "{what}: {a} vs reference {b}");
    }
    assert_eq!(s.sop_instance_uids.len(), 60);
    assert!(s.frame_of_reference_uid.is_some());
    let listed = list_series(&ct_dir().join("dicom/image")).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].uid, s.series_uid);
    assert_eq!((listed[0].files, listed[0].modality.as_str()), (60, "CT"));
}

#[test]
fn ibsi_ct_series_equals_nifti_phantom_voxel_for_voxel() {
    let s = read_series(&ct_dir().join("dicom/image"), None).expect("IBSI CT series");
    let nii = read_nifti(&ct_dir().join("phantom.nii.gz"));
    // The test's NIfTI reader agrees with SimpleITK's geometry for that file.
    let refs = load_io_reference(&shared_data().join("io/reference.json"));
    let r = &refs.files["ibsi/phantoms/ct/phantom.nii.gz"];
    assert_close3("NIfTI spacing", &nii.spacing(), &r.spacing, 1e-6);
    assert_close3("NIfTI origin", &nii.origin(), &r.origin, 1e-4);

    let g = s.image.geometry();
    let mut differ = 0usize;
    let mut first = None;
    for l in 0..g.len() {
        let n = nii
            .voxel_at(position(g, l))
            .expect("every DICOM voxel lies in the NIfTI grid");
        let (a, b) = (s.image.data().get_f64(l), nii.data[n]);
        if a != b {
            differ += 1;
            first.get_or_insert((g.index_of(l), a, b));
        }
    }
    assert_eq!(g.len(), nii.data.len());
    assert_eq!(differ, 0, "{differ} voxels differ; first at {first:?}");
}

/// Compares a label layer with the NIfTI mask at the same physical positions; returns
/// (voxels in both, in the layer only, in the mask only).
fn overlap(labels: &[u32], g: &Geometry, mask: &Nifti) -> (usize, usize, usize) {
    let mut counted = vec![false; mask.data.len()];
    let (mut both, mut ours, mut theirs) = (0, 0, 0);
    for (l, &label) in labels.iter().enumerate() {
        let m = mask.voxel_at(position(g, l));
        let in_mask = m.is_some_and(|m| mask.data[m] != 0.0);
        if let Some(m) = m {
            counted[m] = true;
        }
        match (label != 0, in_mask) {
            (true, true) => both += 1,
            (true, false) => ours += 1,
            (false, true) => theirs += 1,
            _ => {}
        }
    }
    theirs += mask
        .data
        .iter()
        .zip(&counted)
        .filter(|(v, c)| **v != 0.0 && !**c)
        .count();
    (both, ours, theirs)
}

#[test]
fn ibsi_ct_seg_equals_nifti_mask() {
    let mask = read_nifti(&ct_dir().join("mask.nii.gz"));
    let series = read_series(&ct_dir().join("dicom/image"), None).expect("series");
    let seg_path = ct_dir().join("dicom/seg/mask_seg.dcm");
    assert_eq!(dicom_kind(&seg_path).expect("kind"), DicomKind::Seg);

    // On the series grid.
    let on = read_seg_on(&seg_path, series.image.geometry()).expect("SEG on the series grid");
    assert_eq!(on.layers.len(), 1);
    let layer = &on.layers[0];
    assert_eq!(layer.segments().len(), 1);
    assert_eq!(layer.segments()[0].name, "GTV-1");
    assert_eq!(layer.segments()[0].value, 1);
    assert_eq!(layer.segments()[0].id.as_deref(), Some("1"));
    let (both, ours, theirs) = overlap(layer.labels(), layer.geometry(), &mask);
    assert_eq!((both, ours, theirs), (125_256, 0, 0));

    // On its own grid (26 frames): same voxels by physical position.
    let own = read_seg(&seg_path).expect("SEG on its own grid");
    let g = own.layers[0].geometry();
    assert_eq!(g.size(), [204, 201, 26]);
    let (both, ours, theirs) = overlap(own.layers[0].labels(), g, &mask);
    assert_eq!((both, ours, theirs), (125_256, 0, 0));
}

#[test]
fn ibsi_ct_rtstruct_agrees_with_nifti_mask() {
    let mask = read_nifti(&ct_dir().join("mask.nii.gz"));
    let rt_path = ct_dir().join("dicom/rtstruct/DCM_RS_00060.dcm");
    assert_eq!(dicom_kind(&rt_path).expect("kind"), DicomKind::RtStruct);
    let (series, rt) =
        read_rtstruct_for_series(&rt_path, &ct_dir().join("dicom/image")).expect("RTSTRUCT");
    assert_eq!(rt.layers.len(), 1);
    let layer = &rt.layers[0];
    assert_eq!(layer.geometry(), series.image.geometry());
    let s = &layer.segments()[0];
    assert_eq!(
        (s.value, s.name.as_str(), s.id.as_deref()),
        (1, "GTV-1", Some("1"))
    );
    let (both, ours, theirs) = overlap(layer.labels(), layer.geometry(), &mask);
    let dice = 2.0 * both as f64 / (2 * both + ours + theirs) as f64;
    println!(
        "RTSTRUCT vs NIfTI mask: Dice {dice:.6}, {} differing voxels ({ours} only in the RTSTRUCT, {theirs} only in the mask), {both} in both",
        ours + theirs
    );
    assert!(dice >= 0.98, "Dice {dice}");
    // Rasterised with centre-inside-polygon and even-odd filling, it matches IBSI's mask exactly.
    assert_eq!(ours + theirs, 0);
    // The same through read_rtstruct with an explicit grid.
    let direct = read_rtstruct(&rt_path, series.image.geometry()).expect("RTSTRUCT");
    assert_eq!(direct.layers[0].labels(), layer.labels());
}

// ------------------------------------------------------------------------------------------------
// Synthetic files

const AXIAL: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

#[derive(Clone)]
struct Slice {
    series: String,
    instance: String,
    ipp: [f64; 3],
    iop: [f64; 6],
    pixel_spacing: [f64; 2],
    pixels: Vec<u16>,
    intercept: f64,
    rows: u16,
    cols: u16,
}

impl Slice {
    fn at(series: &str, z: f64) -> Slice {
        Slice {
            series: series.into(),
            instance: format!("{series}.{}", (z * 1000.0).round() as i64 + 1_000_000),
            ipp: [-10.0, 20.0, z],
            iop: AXIAL,
            pixel_spacing: [0.8, 0.5],
            pixels: (0..16).map(|v| v + (z.abs() * 10.0) as u16).collect(),
            intercept: -1024.0,
            rows: 4,
            cols: 4,
        }
    }
}

fn ds(values: &[f64]) -> PrimitiveValue {
    PrimitiveValue::from(
        values
            .iter()
            .map(|v| format!("{v}"))
            .collect::<Vec<_>>()
            .join("\\"),
    )
}

fn el(tag: Tag, vr: VR, value: PrimitiveValue) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, value)
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn write(path: &Path, obj: InMemDicomObject, sop_class: &str, sop_instance: &str) {
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(sop_class)
                .media_storage_sop_instance_uid(sop_instance),
        )
        .expect("meta");
    file.write_to_file(path).expect("write DICOM");
}

fn write_slice(dir: &Path, name: &str, s: &Slice) {
    let bytes: Vec<u8> = s.pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
    let obj = InMemDicomObject::from_element_iter([
        el(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::CT_IMAGE_STORAGE),
        ),
        el(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(s.instance.as_str()),
        ),
        el(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
        el(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            PrimitiveValue::from(format!("desc {}", s.series)),
        ),
        el(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(s.series.as_str()),
        ),
        el(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4"),
        ),
        el(tags::IMAGE_POSITION_PATIENT, VR::DS, ds(&s.ipp)),
        el(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, ds(&s.iop)),
        el(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        el(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from("MONOCHROME2"),
        ),
        el(tags::ROWS, VR::US, PrimitiveValue::from(s.rows)),
        el(tags::COLUMNS, VR::US, PrimitiveValue::from(s.cols)),
        el(tags::PIXEL_SPACING, VR::DS, ds(&s.pixel_spacing)),
        el(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
        el(tags::BITS_STORED, VR::US, PrimitiveValue::from(12u16)),
        el(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11u16)),
        el(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        el(tags::RESCALE_INTERCEPT, VR::DS, ds(&[s.intercept])),
        el(tags::RESCALE_SLOPE, VR::DS, ds(&[1.0])),
        el(tags::PIXEL_DATA, VR::OW, PrimitiveValue::from(bytes)),
    ]);
    write(&dir.join(name), obj, uids::CT_IMAGE_STORAGE, &s.instance);
}

/// Writes slices at the given z positions, in reverse file-name order (so that sorting matters).
fn series_at(dir: &Path, series: &str, zs: &[f64]) -> Vec<Slice> {
    let slices: Vec<Slice> = zs.iter().map(|&z| Slice::at(series, z)).collect();
    for (i, s) in slices.iter().enumerate() {
        write_slice(dir, &format!("{series}_{:03}.dcm", zs.len() - i), s);
    }
    slices
}

fn series_err(dir: &Path) -> String {
    let e = read_series(dir, None).expect_err("the series must be refused");
    let msg = e.to_string();
    assert!(
        msg.contains(&dir.display().to_string()),
        "message does not name the folder: {msg}"
    );
    msg
}

#[test]
fn synthetic_series_geometry_and_voxels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let slices = series_at(dir.path(), "1.2.826.0.1.1", &[4.0, 0.0, 2.0]);
    std::fs::write(dir.path().join("README.txt"), "not DICOM").expect("write");
    assert!(!is_dicom_file(&dir.path().join("README.txt")));
    let s = read_series(dir.path(), None).expect("series");
    let g = s.image.geometry();
    assert_eq!(g.size(), [4, 4, 3]);
    // PixelSpacing is (row spacing, column spacing): x spacing is its second value.
    assert_eq!(g.spacing(), [0.5, 0.8, 2.0]);
    assert_eq!(g.origin(), [-10.0, 20.0, 0.0]);
    assert_eq!(s.stored_dtype, DType::U16);
    // 12 bits stored, intercept -1024 → i16 (GDCM's best fit of [-1024, 3071]).
    let expect: Vec<i16> = [1usize, 2, 0]
        .iter()
        .flat_map(|&i| slices[i].pixels.iter().map(|&v| v as i16 - 1024))
        .collect();
    assert_eq!(s.image.data(), &VoxelData::I16(expect));
    let order: Vec<&str> = [1usize, 2, 0]
        .iter()
        .map(|&i| slices[i].instance.as_str())
        .collect();
    assert_eq!(s.sop_instance_uids, order);
}

#[test]
fn synthetic_single_ct_slice_has_unit_z_spacing() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.2", &[7.5]);
    let s = read_series(dir.path(), None).expect("series");
    assert_eq!(s.image.geometry().size(), [4, 4, 1]);
    // GDCM gives CT images no z spacing of their own (it ignores SliceThickness): ITK uses 1.
    assert_eq!(s.image.geometry().spacing()[2], 1.0);
}

#[test]
fn two_series_in_one_folder_are_listed_and_chosen() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.10", &[0.0, 2.0]);
    series_at(dir.path(), "1.2.826.0.1.11", &[0.0, 3.0, 6.0]);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("1.2.826.0.1.10") && msg.contains("1.2.826.0.1.11"),
        "{msg}"
    );
    assert!(
        msg.contains("2 image series") && msg.contains("--series"),
        "{msg}"
    );
    assert!(
        msg.contains("2 file(s)") && msg.contains("3 file(s)") && msg.contains("CT"),
        "{msg}"
    );
    let listed = list_series(dir.path()).expect("list");
    assert_eq!(listed.len(), 2);
    let s = read_series(dir.path(), Some("1.2.826.0.1.11")).expect("chosen series");
    assert_eq!(s.image.geometry().size(), [4, 4, 3]);
    let e = read_series(dir.path(), Some("9.9.9"))
        .expect_err("unknown uid")
        .to_string();
    assert!(e.contains("9.9.9") && e.contains("1.2.826.0.1.10"), "{e}");
}

#[test]
fn missing_slice_is_reported_with_its_positions() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.20", &[0.0, 2.0, 4.0, 8.0, 10.0]);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("missing slice(s) between position 4.000 and 8.000"),
        "{msg}"
    );
    assert!(msg.contains("1 slice(s) missing"), "{msg}");
}

#[test]
fn irregular_spacing_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.30", &[0.0, 2.0, 4.0, 5.3, 7.3]);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("irregular spacing between position 4.000 and 5.300"),
        "{msg}"
    );
}

#[test]
fn small_position_jitter_is_accepted() {
    // 0.005 mm jitter (positions written with two decimals) stays within tolerance.
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.31", &[0.0, 0.63, 1.25, 1.88, 2.5]);
    let s = read_series(dir.path(), None).expect("jittered series");
    assert!((s.image.geometry().spacing()[2] - 0.625).abs() < 1e-12);
}

#[test]
fn duplicate_positions_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = Slice::at("1.2.826.0.1.40", 2.0);
    write_slice(dir.path(), "a.dcm", &a);
    a.instance.push_str(".9");
    write_slice(dir.path(), "b.dcm", &a);
    write_slice(dir.path(), "c.dcm", &Slice::at("1.2.826.0.1.40", 0.0));
    let msg = series_err(dir.path());
    assert!(
        msg.contains("duplicate slice positions") && msg.contains("a.dcm and b.dcm"),
        "{msg}"
    );
}

#[test]
fn gantry_tilt_is_reported_with_its_angle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = 20f64.to_radians();
    for (i, z) in [0.0, 2.0, 4.0].iter().enumerate() {
        let mut s = Slice::at("1.2.826.0.1.50", *z);
        // Rows and columns tilted by 20° about x, origins moving straight along z.
        s.iop = [1.0, 0.0, 0.0, 0.0, t.cos(), t.sin()];
        write_slice(dir.path(), &format!("t{i}.dcm"), &s);
    }
    let msg = series_err(dir.path());
    assert!(
        msg.contains("gantry tilt") && msg.contains("20.00°"),
        "{msg}"
    );
}

#[test]
fn mixed_orientations_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.60", &[0.0, 2.0]);
    let mut s = Slice::at("1.2.826.0.1.60", 4.0);
    s.iop = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0];
    write_slice(dir.path(), "sagittal.dcm", &s);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("different orientations") && msg.contains("sagittal.dcm"),
        "{msg}"
    );
}

#[test]
fn different_pixel_spacings_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.62", &[0.0, 2.0]);
    let mut s = Slice::at("1.2.826.0.1.62", 4.0);
    s.pixel_spacing = [0.8, 0.6];
    write_slice(dir.path(), "wide.dcm", &s);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("different pixel spacings") && msg.contains("wide.dcm has 0.8\\0.6"),
        "{msg}"
    );
}

#[test]
fn slices_of_different_sizes_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.61", &[0.0, 2.0]);
    let mut s = Slice::at("1.2.826.0.1.61", 4.0);
    s.rows = 2;
    s.pixels.truncate(8);
    write_slice(dir.path(), "small.dcm", &s);
    let msg = series_err(dir.path());
    assert!(
        msg.contains("different sizes") && msg.contains("small.dcm"),
        "{msg}"
    );
}

#[test]
fn truncated_pixel_data_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.70", &[0.0, 2.0]);
    let mut s = Slice::at("1.2.826.0.1.70", 4.0);
    s.pixels.truncate(5);
    write_slice(dir.path(), "short.dcm", &s);
    let e = read_series(dir.path(), None).expect_err("short pixel data");
    assert!(matches!(e, IoError::Truncated { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(
        msg.contains("short.dcm") && msg.contains("pixel data needs 32 bytes but only 10"),
        "{msg}"
    );

    // A file cut short on disk.
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.71", &[0.0, 2.0]);
    let path = dir.path().join("1.2.826.0.1.71_001.dcm");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() - 7]).expect("write");
    let msg = read_series(dir.path(), None)
        .expect_err("cut file")
        .to_string();
    assert!(
        msg.contains("1.2.826.0.1.71_001.dcm") && msg.contains("truncated"),
        "{msg}"
    );
}

#[test]
fn undecodable_transfer_syntax_is_named() {
    use dicom_core::value::{PixelFragmentSequence, Value};
    let dir = tempfile::tempdir().expect("tempdir");
    write_slice(dir.path(), "plain.dcm", &Slice::at("1.2.826.0.1.75", 0.0));
    let mut obj = dicom_object::open_file(dir.path().join("plain.dcm"))
        .expect("reopen")
        .into_inner();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        Value::PixelSequence(PixelFragmentSequence::new_fragments(vec![vec![0u8; 32]])),
    ));
    let instance = "1.2.826.0.1.75.1";
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.4.90")
                .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
                .media_storage_sop_instance_uid(instance),
        )
        .expect("meta");
    std::fs::remove_file(dir.path().join("plain.dcm")).expect("remove");
    file.write_to_file(dir.path().join("j2k.dcm"))
        .expect("write");
    let e = read_series(dir.path(), None).expect_err("JPEG 2000 without a decoder");
    let msg = e.to_string();
    assert!(
        msg.contains("j2k.dcm")
            && msg.contains("1.2.840.10008.1.2.4.90")
            && msg.contains("JPEG 2000"),
        "{msg}"
    );
}

#[test]
fn empty_and_non_dicom_folders_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let msg = series_err(dir.path());
    assert!(
        msg.contains("no DICOM image files") && msg.contains("empty"),
        "{msg}"
    );
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    let msg = series_err(dir.path());
    assert!(
        msg.contains("no DICOM image files") && msg.contains("1 non-DICOM"),
        "{msg}"
    );
    assert!(list_series(dir.path()).expect("list").is_empty());
    let missing = dir.path().join("nope");
    assert!(read_series(&missing, None)
        .expect_err("no folder")
        .to_string()
        .contains("nope"));
}

#[test]
fn hostile_bytes_never_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    series_at(dir.path(), "1.2.826.0.1.80", &[0.0]);
    let path = dir.path().join("1.2.826.0.1.80_001.dcm");
    let good = std::fs::read(&path).expect("read");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..(1 + round % 8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = 132 + (state as usize) % (bytes.len() - 132);
            bytes[at] = (state >> 40) as u8;
        }
        if round % 3 == 0 {
            bytes.truncate(132 + (state as usize >> 3) % (bytes.len() - 132));
        }
        std::fs::write(&path, &bytes).expect("write");
        let _ = read_series(dir.path(), None);
        let _ = read_seg(&path);
        let _ = dicom_kind(&path);
    }
}

/// Flips random bytes of `good` (and sometimes truncates it) and hands each copy to `read`.
fn mutate_and_read(good: &[u8], path: &Path, rounds: usize, mut read: impl FnMut(&Path)) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ good.len() as u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..rounds {
        let mut bytes = good.to_vec();
        for _ in 0..(1 + round % 8) {
            // Mostly in the header, where lengths and attributes live.
            let span = if round % 2 == 0 {
                4096.min(bytes.len() - 132)
            } else {
                bytes.len() - 132
            };
            let at = 132 + (next() as usize) % span;
            bytes[at] = (next() >> 40) as u8;
        }
        if round % 5 == 0 {
            let keep = 132 + (next() as usize) % (bytes.len() - 132);
            bytes.truncate(keep);
        }
        std::fs::write(path, &bytes).expect("write");
        read(path);
    }
}

#[test]
fn hostile_seg_and_rtstruct_never_panic() {
    let series = read_series(&ct_dir().join("dicom/image"), None).expect("series");
    let grid = series.image.geometry().clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.dcm");
    let seg = std::fs::read(ct_dir().join("dicom/seg/mask_seg.dcm")).expect("read");
    mutate_and_read(&seg, &path, 200, |p| {
        let _ = read_seg(p);
        let _ = read_seg_on(p, &grid);
    });
    let rt = std::fs::read(ct_dir().join("dicom/rtstruct/DCM_RS_00060.dcm")).expect("read");
    mutate_and_read(&rt, &path, 200, |p| {
        let _ = read_rtstruct(p, &grid);
    });
}

// --- synthetic SEG: overlapping segments, 1-bit frames not aligned to bytes -----------------------

fn seg_frame_groups(ipp: [f64; 3], segment: u16) -> InMemDicomObject {
    InMemDicomObject::from_element_iter([
        seq(
            tags::PLANE_POSITION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([el(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                ds(&ipp),
            )])],
        ),
        seq(
            tags::SEGMENT_IDENTIFICATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([el(
                tags::REFERENCED_SEGMENT_NUMBER,
                VR::US,
                PrimitiveValue::from(segment),
            )])],
        ),
    ])
}

/// A 3×3 BINARY SEG: frames (segment, z, bits row-major).
fn write_seg(path: &Path, frames: &[(u16, f64, [u8; 9])]) {
    let mut bits = vec![0u8; (frames.len() * 9).div_ceil(8)];
    for (f, (_, _, px)) in frames.iter().enumerate() {
        for (p, &v) in px.iter().enumerate() {
            if v != 0 {
                let b = f * 9 + p;
                bits[b / 8] |= 1 << (b % 8);
            }
        }
    }
    if bits.len() % 2 == 1 {
        bits.push(0);
    }
    let segment = |n: u16, label: &str| {
        InMemDicomObject::from_element_iter([
            el(tags::SEGMENT_NUMBER, VR::US, PrimitiveValue::from(n)),
            el(tags::SEGMENT_LABEL, VR::LO, PrimitiveValue::from(label)),
        ])
    };
    let shared = InMemDicomObject::from_element_iter([
        seq(
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([el(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                ds(&AXIAL),
            )])],
        ),
        seq(
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![InMemDicomObject::from_element_iter([
                el(tags::PIXEL_SPACING, VR::DS, ds(&[0.8, 0.5])),
                el(tags::SLICE_THICKNESS, VR::DS, ds(&[2.0])),
                el(tags::SPACING_BETWEEN_SLICES, VR::DS, ds(&[2.0])),
            ])],
        ),
    ]);
    let obj = InMemDicomObject::from_element_iter([
        el(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::SEGMENTATION_STORAGE),
        ),
        el(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.826.0.1.99"),
        ),
        el(tags::MODALITY, VR::CS, PrimitiveValue::from("SEG")),
        el(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        el(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from("MONOCHROME2"),
        ),
        el(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames.len().to_string()),
        ),
        el(tags::ROWS, VR::US, PrimitiveValue::from(3u16)),
        el(tags::COLUMNS, VR::US, PrimitiveValue::from(3u16)),
        el(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(1u16)),
        el(tags::BITS_STORED, VR::US, PrimitiveValue::from(1u16)),
        el(tags::HIGH_BIT, VR::US, PrimitiveValue::from(0u16)),
        el(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        el(
            tags::SEGMENTATION_TYPE,
            VR::CS,
            PrimitiveValue::from("BINARY"),
        ),
        seq(
            tags::SEGMENT_SEQUENCE,
            vec![segment(3, "liver"), segment(7, "tumor")],
        ),
        seq(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, vec![shared]),
        seq(
            tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
            frames
                .iter()
                .map(|(s, z, _)| seg_frame_groups([-10.0, 20.0, *z], *s))
                .collect(),
        ),
        el(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(bits)),
    ]);
    write(path, obj, uids::SEGMENTATION_STORAGE, "1.2.826.0.1.99");
}

#[test]
fn synthetic_seg_overlaps_make_layers_and_frames_pack_across_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("seg.dcm");
    let liver = [1, 1, 0, 1, 1, 0, 0, 0, 0];
    let tumor = [0, 0, 0, 0, 1, 1, 0, 1, 1];
    // liver on z = 0 and 4 (no frame at 2), tumor on z = 4: overlaps the liver at pixel 4.
    write_seg(&path, &[(3, 0.0, liver), (3, 4.0, liver), (7, 4.0, tumor)]);
    let v = read_seg(&path).expect("SEG");
    assert_eq!(v.layers.len(), 2, "overlapping segments need two layers");
    let g = v.layers[0].geometry();
    assert_eq!(g.size(), [3, 3, 3]);
    // SpacingBetweenSlices 2: the grid covers z = 0, 2, 4, and the slice without a frame is empty
    assert_eq!(g.spacing(), [0.5, 0.8, 2.0]);
    let l0 = v.layers[0].labels();
    let l1 = v.layers[1].labels();
    let slice = |l: &[u32], k: usize| l[9 * k..9 * (k + 1)].to_vec();
    assert_eq!(slice(l0, 0), liver.map(|b| 3 * b as u32).to_vec());
    assert_eq!(slice(l0, 1), vec![0; 9]);
    assert_eq!(slice(l0, 2), liver.map(|b| 3 * b as u32).to_vec());
    assert_eq!(slice(l1, 2), tumor.map(|b| 7 * b as u32).to_vec());
    assert_eq!(v.layers[0].segments()[0].name, "liver");
    assert_eq!(v.layers[1].segments()[0].name, "tumor");
    assert_eq!(v.layers[1].segments()[0].id.as_deref(), Some("7"));

    // On a reference grid of 4×4×4 starting one slice lower: frames land on slices 1 and 3.
    let reference = Geometry::new(
        [4, 4, 4],
        [0.5, 0.8, 2.0],
        [-10.0, 20.0, -2.0],
        perirad_core::IDENTITY,
    )
    .expect("grid");
    let on = read_seg_on(&path, &reference).expect("SEG on grid");
    let l = on.layers[0].labels();
    assert_eq!(l[16 + 4 + 1], 3, "liver pixel (row 1, column 1) on slice 1");
    assert_eq!(on.layers[0].counts().get(&3), Some(&8));
    // A grid whose slices fall between the frames.
    let shifted = Geometry::new(
        [4, 4, 4],
        [0.5, 0.8, 2.0],
        [-10.0, 20.0, -1.0],
        perirad_core::IDENTITY,
    )
    .expect("grid");
    let msg = read_seg_on(&path, &shifted)
        .expect_err("off-slice")
        .to_string();
    assert!(
        msg.contains("seg.dcm") && msg.contains("does not lie on a slice"),
        "{msg}"
    );
    // A grid too small in-plane for the segmented pixels.
    let small = Geometry::new(
        [2, 2, 4],
        [0.5, 0.8, 2.0],
        [-10.0, 20.0, -2.0],
        perirad_core::IDENTITY,
    )
    .expect("grid");
    let msg = read_seg_on(&path, &small).expect_err("outside").to_string();
    assert!(msg.contains("outside the reference grid"), "{msg}");
}

// --- synthetic RTSTRUCT: holes, open contours, contours off the slices -----------------------------

fn contour(kind: &str, points: &[[f64; 3]]) -> InMemDicomObject {
    let flat: Vec<f64> = points.iter().flatten().copied().collect();
    InMemDicomObject::from_element_iter([
        el(
            tags::CONTOUR_GEOMETRIC_TYPE,
            VR::CS,
            PrimitiveValue::from(kind),
        ),
        el(
            tags::NUMBER_OF_CONTOUR_POINTS,
            VR::IS,
            PrimitiveValue::from(points.len().to_string()),
        ),
        el(tags::CONTOUR_DATA, VR::DS, ds(&flat)),
    ])
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64, z: f64) -> Vec<[f64; 3]> {
    vec![[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]]
}

fn write_rtstruct(path: &Path, rois: &[(&str, i32, Vec<InMemDicomObject>)]) {
    let obj = InMemDicomObject::from_element_iter([
        el(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::RT_STRUCTURE_SET_STORAGE),
        ),
        el(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.826.0.1.98"),
        ),
        el(tags::MODALITY, VR::CS, PrimitiveValue::from("RTSTRUCT")),
        seq(
            tags::STRUCTURE_SET_ROI_SEQUENCE,
            rois.iter()
                .map(|(name, number, _)| {
                    InMemDicomObject::from_element_iter([
                        el(
                            tags::ROI_NUMBER,
                            VR::IS,
                            PrimitiveValue::from(number.to_string()),
                        ),
                        el(tags::ROI_NAME, VR::LO, PrimitiveValue::from(*name)),
                    ])
                })
                .collect(),
        ),
        seq(
            tags::ROI_CONTOUR_SEQUENCE,
            rois.iter()
                .map(|(_, number, contours)| {
                    InMemDicomObject::from_element_iter([
                        el(
                            tags::REFERENCED_ROI_NUMBER,
                            VR::IS,
                            PrimitiveValue::from(number.to_string()),
                        ),
                        seq(tags::CONTOUR_SEQUENCE, contours.clone()),
                    ])
                })
                .collect(),
        ),
    ]);
    write(path, obj, uids::RT_STRUCTURE_SET_STORAGE, "1.2.826.0.1.98");
}

#[test]
fn synthetic_rtstruct_holes_layers_and_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rs.dcm");
    // 1 mm voxels, centres at 0..7; slices at z = 0, 2, 4.
    let grid = Geometry::new(
        [8, 8, 3],
        [1.0, 1.0, 2.0],
        [0.0, 0.0, 0.0],
        perirad_core::IDENTITY,
    )
    .expect("grid");
    write_rtstruct(
        &path,
        &[
            (
                "ring",
                11,
                vec![
                    contour("CLOSED_PLANAR", &square(0.5, 0.5, 6.5, 6.5, 2.0)),
                    contour("CLOSED_PLANAR", &square(2.5, 2.5, 4.5, 4.5, 2.0)),
                    contour("POINT", &[[1.0, 1.0, 2.0]]),
                    contour("CLOSED_PLANAR", &square(0.5, 0.5, 2.5, 2.5, 40.0)),
                ],
            ),
            (
                "core",
                12,
                vec![contour("CLOSED_PLANAR", &square(1.5, 1.5, 3.5, 3.5, 2.0))],
            ),
        ],
    );
    let v = read_rtstruct(&path, &grid).expect("RTSTRUCT");
    assert_eq!(v.layers.len(), 2, "core overlaps the ring");
    let ring = v.layers[0].labels();
    let k = 1;
    let at = |l: &[u32], i: usize, j: usize| l[i + 8 * (j + 8 * k)];
    // ring: centres 1..=6 minus the hole 3..=4
    assert_eq!(at(ring, 1, 1), 1);
    assert_eq!(at(ring, 6, 6), 1);
    assert_eq!(at(ring, 3, 3), 0);
    assert_eq!(at(ring, 4, 4), 0);
    assert_eq!(at(ring, 0, 0), 0);
    assert_eq!(v.layers[0].counts().get(&1), Some(&(36 - 4)));
    let core = v.layers[1].labels();
    assert_eq!(v.layers[1].counts().get(&2), Some(&4));
    assert_eq!(at(core, 2, 2), 2);
    let s = &v.layers[1].segments()[0];
    assert_eq!(
        (s.value, s.name.as_str(), s.id.as_deref()),
        (2, "core", Some("12"))
    );
    let notes = v.notes.join("\n");
    assert!(
        notes.contains("POINT") && notes.contains("outside the slices"),
        "{notes}"
    );

    // A contour between two slices is refused.
    write_rtstruct(
        &path,
        &[(
            "off",
            1,
            vec![contour("CLOSED_PLANAR", &square(0.5, 0.5, 2.5, 2.5, 3.0))],
        )],
    );
    let msg = read_rtstruct(&path, &grid)
        .expect_err("off-slice contour")
        .to_string();
    assert!(
        msg.contains("rs.dcm") && msg.contains("1.000 mm from the nearest slice"),
        "{msg}"
    );
}
