//! Writers: NIfTI-1 (`.nii`, `.nii.gz`), NRRD (`.nrrd`, gzip) and MetaImage (`.mha`, or `.mhd`
//! with a `.raw` beside it). NRRD and MetaImage store geometry as text with shortest round-trip
//! decimals, so a write-read round trip is exact. NIfTI-1 stores spacing and transforms in
//! float32 (as every NIfTI-1 tool must), so geometry is exact only where float32 is.

use crate::orient;
use crate::raw;
use crate::IoError;
use flate2::write::GzEncoder;
use perirad_core::{DType, Geometry, Image, LabelMap, VoxelData};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `image` in the format its file name names (`.nii`, `.nii.gz`, `.nrrd`, `.mha`, `.mhd`).
pub fn write_image(path: &Path, image: &Image) -> Result<(), IoError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".nii.gz") {
        write_nifti(path, image, true)
    } else if name.ends_with(".nii") {
        write_nifti(path, image, false)
    } else if name.ends_with(".nrrd") {
        write_nrrd(path, image)
    } else if name.ends_with(".mha") || name.ends_with(".mhd") {
        write_metaimage(path, image)
    } else {
        Err(IoError::Write {
            path: path.to_path_buf(),
            reason: "unknown extension (use .nii.gz, .nii, .nrrd, .mha or .mhd)".into(),
        })
    }
}

/// Writes a label map with the smallest unsigned type that holds its labels.
pub fn write_labels(path: &Path, labels: &LabelMap) -> Result<(), IoError> {
    let max = labels.labels().iter().copied().max().unwrap_or(0);
    let data = if max <= u8::MAX as u32 {
        VoxelData::U8(labels.labels().iter().map(|&l| l as u8).collect())
    } else if max <= u16::MAX as u32 {
        VoxelData::U16(labels.labels().iter().map(|&l| l as u16).collect())
    } else {
        VoxelData::U32(labels.labels().to_vec())
    };
    let image =
        Image::new(labels.geometry().clone(), data).map_err(|e| IoError::geometry(path, e))?;
    write_image(path, &image)
}

/// Writes `path` through a temporary file in the same folder, renamed into place, so a crash
/// never leaves a half-written file under the final name. `content` streams into a buffered
/// writer (no second copy of the voxels in memory).
fn write_atomic(
    path: &Path,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), IoError> {
    let tmp = PathBuf::from(format!("{}.tmp-{}", path.display(), std::process::id()));
    let res = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        content(&mut w)?;
        w.flush()?;
        drop(w);
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(|e| IoError::io(path, "write", e))
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, renamed into place).
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_atomic(path, |w| w.write_all(bytes))
}

/// Streams `content` through gzip into `w`.
fn gzip_into(
    w: &mut dyn Write,
    content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut enc = GzEncoder::new(w, flate2::Compression::new(6));
    content(&mut enc)?;
    enc.finish().map(|_| ())
}

fn nifti_code(d: DType) -> i16 {
    match d {
        DType::U8 => 2,
        DType::I16 => 4,
        DType::I32 => 8,
        DType::F32 => 16,
        DType::F64 => 64,
        DType::I8 => 256,
        DType::U16 => 512,
        DType::U32 => 768,
        DType::I64 => 1024,
        DType::U64 => 1280,
    }
}

/// Quaternion (b, c, d) and qfac of a RAS rotation matrix (NIfTI-1 `mat44_to_quatern` for an
/// orthonormal matrix).
fn rotation_to_quatern(r: &orient::M3) -> ([f64; 3], f64) {
    let mut m = *r;
    let qfac = if orient::det(&m) < 0.0 {
        for row in m.iter_mut() {
            row[2] = -row[2];
        }
        -1.0
    } else {
        1.0
    };
    let trace = m[0][0] + m[1][1] + m[2][2] + 1.0;
    let (a, b, c, d);
    if trace > 0.5 {
        a = 0.5 * trace.sqrt();
        b = 0.25 * (m[2][1] - m[1][2]) / a;
        c = 0.25 * (m[0][2] - m[2][0]) / a;
        d = 0.25 * (m[1][0] - m[0][1]) / a;
    } else {
        let xd = 1.0 + m[0][0] - (m[1][1] + m[2][2]);
        let yd = 1.0 + m[1][1] - (m[0][0] + m[2][2]);
        let zd = 1.0 + m[2][2] - (m[0][0] + m[1][1]);
        if xd > 1.0 {
            let bb = 0.5 * xd.sqrt();
            b = bb;
            c = 0.25 * (m[0][1] + m[1][0]) / bb;
            d = 0.25 * (m[0][2] + m[2][0]) / bb;
            a = 0.25 * (m[2][1] - m[1][2]) / bb;
        } else if yd > 1.0 {
            let cc = 0.5 * yd.sqrt();
            c = cc;
            b = 0.25 * (m[0][1] + m[1][0]) / cc;
            d = 0.25 * (m[1][2] + m[2][1]) / cc;
            a = 0.25 * (m[0][2] - m[2][0]) / cc;
        } else {
            let dd = 0.5 * zd.sqrt();
            d = dd;
            b = 0.25 * (m[0][2] + m[2][0]) / dd;
            c = 0.25 * (m[1][2] + m[2][1]) / dd;
            a = 0.25 * (m[1][0] - m[0][1]) / dd;
        }
    }
    // The standard keeps a ≥ 0.
    let s = if a < 0.0 { -1.0 } else { 1.0 };
    ([s * b, s * c, s * d], qfac)
}

fn write_nifti(path: &Path, image: &Image, gz: bool) -> Result<(), IoError> {
    let g = image.geometry();
    let size = g.size();
    if size.iter().any(|&s| s > i16::MAX as usize) {
        return Err(IoError::Write {
            path: path.to_path_buf(),
            reason: format!("size {size:?} exceeds NIfTI-1's 32767 per axis"),
        });
    }
    let mut direction = g.direction();
    let mut origin = g.origin();
    orient::ras_to_lps(&mut direction, &mut origin); // the flip is its own inverse: LPS → RAS
    let spacing = g.spacing();
    let mut h = vec![0u8; 352];
    let put_i16 =
        |h: &mut Vec<u8>, at: usize, v: i16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 = |h: &mut Vec<u8>, at: usize, v: f64| {
        h[at..at + 4].copy_from_slice(&(v as f32).to_le_bytes())
    };
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    let ndim: i16 = if g.is_2d() { 2 } else { 3 };
    put_i16(&mut h, 40, ndim);
    for (a, &n) in size.iter().enumerate() {
        put_i16(&mut h, 42 + 2 * a, n as i16);
    }
    for a in 3..7 {
        put_i16(&mut h, 42 + 2 * a, 1);
    }
    let dtype = image.dtype();
    put_i16(&mut h, 70, nifti_code(dtype));
    put_i16(&mut h, 72, (dtype.size() * 8) as i16);
    let (quat, qfac) = rotation_to_quatern(&direction);
    put_f32(&mut h, 76, qfac);
    for (a, &sp) in spacing.iter().enumerate() {
        put_f32(&mut h, 80 + 4 * a, sp);
    }
    for a in 3..7 {
        put_f32(&mut h, 80 + 4 * a, 1.0);
    }
    put_f32(&mut h, 108, 352.0); // vox_offset
    put_f32(&mut h, 112, 1.0); // scl_slope
    h[123] = 2; // xyzt_units: mm
    put_i16(&mut h, 252, 1); // qform_code: scanner
    put_i16(&mut h, 254, 1); // sform_code: scanner
    for a in 0..3 {
        put_f32(&mut h, 256 + 4 * a, quat[a]);
        put_f32(&mut h, 268 + 4 * a, origin[a]);
    }
    for r in 0..3 {
        for c in 0..3 {
            put_f32(&mut h, 280 + 16 * r + 4 * c, direction[r][c] * spacing[c]);
        }
        put_f32(&mut h, 280 + 16 * r + 12, origin[r]);
    }
    h[344..348].copy_from_slice(b"n+1\0");
    let content = |w: &mut dyn Write| {
        w.write_all(&h)?;
        raw::write_le(image.data(), w)
    };
    if gz {
        write_atomic(path, |w| gzip_into(w, content))
    } else {
        write_atomic(path, content)
    }
}

fn nrrd_type(d: DType) -> &'static str {
    match d {
        DType::U8 => "unsigned char",
        DType::I8 => "signed char",
        DType::U16 => "unsigned short",
        DType::I16 => "short",
        DType::U32 => "unsigned int",
        DType::I32 => "int",
        DType::U64 => "unsigned long long int",
        DType::I64 => "long long int",
        DType::F32 => "float",
        DType::F64 => "double",
    }
}

fn vector(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
    format!("({})", parts.join(","))
}

/// Number of dimensions to write: 2 for a plain 2D image (one slice, in-plane direction, z
/// origin 0), so that other tools see it as the 2D image it was read from; 3 otherwise (a
/// single slice of a 3D volume keeps its 3D geometry).
fn dims_to_write(g: &Geometry) -> usize {
    let d = g.direction();
    let planar =
        d[2] == [0.0, 0.0, 1.0] && d[0][2] == 0.0 && d[1][2] == 0.0 && g.origin()[2] == 0.0;
    if g.is_2d() && planar && g.spacing()[2] == 1.0 {
        2
    } else {
        3
    }
}

fn write_nrrd(path: &Path, image: &Image) -> Result<(), IoError> {
    let g = image.geometry();
    let n = dims_to_write(g);
    let d = g.direction();
    let s = g.spacing();
    let sizes: Vec<String> = g.size()[..n].iter().map(usize::to_string).collect();
    let dirs: Vec<String> = (0..n)
        .map(|c| vector(&(0..n).map(|r| d[r][c] * s[c]).collect::<Vec<f64>>()))
        .collect();
    let space = if n == 3 {
        "space: left-posterior-superior".to_string()
    } else {
        "space dimension: 2".to_string()
    };
    let header = format!(
        "NRRD0004\n# written by perirad {}\ntype: {}\ndimension: {n}\n{space}\nsizes: {}\nspace directions: {}\nkinds: {}\nendian: little\nencoding: gzip\nspace origin: {}\n\n",
        env!("CARGO_PKG_VERSION"),
        nrrd_type(image.dtype()),
        sizes.join(" "),
        dirs.join(" "),
        vec!["domain"; n].join(" "),
        vector(&g.origin()[..n]),
    );
    write_atomic(path, |w| {
        w.write_all(header.as_bytes())?;
        gzip_into(w, |g| raw::write_le(image.data(), g))
    })
}

fn met_type(d: DType) -> &'static str {
    match d {
        DType::U8 => "MET_UCHAR",
        DType::I8 => "MET_CHAR",
        DType::U16 => "MET_USHORT",
        DType::I16 => "MET_SHORT",
        DType::U32 => "MET_UINT",
        DType::I32 => "MET_INT",
        DType::U64 => "MET_ULONG_LONG",
        DType::I64 => "MET_LONG_LONG",
        DType::F32 => "MET_FLOAT",
        DType::F64 => "MET_DOUBLE",
    }
}

fn write_metaimage(path: &Path, image: &Image) -> Result<(), IoError> {
    let g: &Geometry = image.geometry();
    let d = g.direction();
    let nums = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let n = dims_to_write(g);
    // TransformMatrix lists the direction of axis 0, then axis 1 (then axis 2).
    let tm: Vec<f64> = (0..n).flat_map(|c| (0..n).map(move |r| d[r][c])).collect();
    let dims: Vec<String> = g.size()[..n].iter().map(usize::to_string).collect();
    let detached = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mhd"));
    let raw_path = path.with_extension("raw");
    let data_file = if detached {
        raw_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image.raw".into())
    } else {
        "LOCAL".into()
    };
    let header = format!(
        "ObjectType = Image\nNDims = {n}\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\nTransformMatrix = {}\nOffset = {}\nCenterOfRotation = {}\nElementSpacing = {}\nDimSize = {}\nElementType = {}\nElementDataFile = {data_file}\n",
        nums(&tm),
        nums(&g.origin()[..n]),
        vec!["0"; n].join(" "),
        nums(&g.spacing()[..n]),
        dims.join(" "),
        met_type(image.dtype()),
    );
    if detached {
        write_atomic(&raw_path, |w| raw::write_le(image.data(), w))?;
        write_atomic(path, |w| w.write_all(header.as_bytes()))
    } else {
        write_atomic(path, |w| {
            w.write_all(header.as_bytes())?;
            raw::write_le(image.data(), w)
        })
    }
}
