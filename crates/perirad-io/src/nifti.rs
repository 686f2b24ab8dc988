//! NIfTI-1 and NIfTI-2 (`.nii`, `.nii.gz`, and `.hdr`/`.img` pairs), read as ITK's
//! `NiftiImageIO` reads them: spacing from `pixdim`, orientation from the sform or qform as ITK
//! chooses, converted from RAS to LPS; `scl_slope`/`scl_inter` applied.
//!
//! The header is parsed here rather than with the `nifti` crate so that NIfTI-1 and NIfTI-2 share
//! one code path and the sform/qform choice can follow ITK exactly.

use crate::orient::{self, M3};
use crate::raw::{self, Compression, DataFiles};
use crate::IoError;
use perirad_core::{DType, Geometry, Image, VoxelData, IDENTITY};
use std::path::{Path, PathBuf};

const NIFTI1_HEADER: usize = 348;
const NIFTI2_HEADER: usize = 540;

/// NIfTI transform codes (`NIFTI_XFORM_*`).
const XFORM_UNKNOWN: i32 = 0;
const XFORM_SCANNER_ANAT: i32 = 1;

#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub big_endian: bool,
    /// `true` for a single `.nii` file (`n+1`/`n+2`), `false` for a `.hdr`/`.img` pair.
    pub single_file: bool,
    pub dim: [i64; 8],
    pub datatype: i16,
    pub pixdim: [f64; 8],
    pub vox_offset: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub qform_code: i32,
    pub sform_code: i32,
    pub quatern: [f64; 3],
    pub qoffset: [f64; 3],
    pub srow: [[f64; 4]; 3],
    /// `xyzt_units`: the low 3 bits give the spatial unit (1 m, 2 mm, 3 µm).
    pub xyzt_units: i32,
    /// An Analyze 7.5 header (no NIfTI magic): no transforms, no scaling.
    pub analyze: bool,
}

struct Fields<'a> {
    b: &'a [u8],
    be: bool,
}

impl Fields<'_> {
    fn arr<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&self.b[at..at + N]);
        if self.be {
            a.reverse();
        }
        a
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.arr(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.arr(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.arr(at))
    }
    fn f32(&self, at: usize) -> f64 {
        f32::from_le_bytes(self.arr(at)) as f64
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.arr(at))
    }
}

/// Parses a NIfTI-1 or NIfTI-2 header from the first bytes of a file.
pub(crate) fn parse_header(path: &Path, bytes: &[u8]) -> Result<Header, IoError> {
    if bytes.len() < 4 {
        return Err(IoError::Truncated {
            path: path.to_path_buf(),
            what: "the NIfTI header",
            expected: NIFTI1_HEADER as u64,
            actual: bytes.len() as u64,
        });
    }
    let mut first = [0u8; 4];
    first.copy_from_slice(&bytes[..4]);
    let (version, big_endian, len) = match (i32::from_le_bytes(first), i32::from_be_bytes(first)) {
        (348, _) => (1, false, NIFTI1_HEADER),
        (_, 348) => (1, true, NIFTI1_HEADER),
        (540, _) => (2, false, NIFTI2_HEADER),
        (_, 540) => (2, true, NIFTI2_HEADER),
        _ => {
            return Err(IoError::BadMagic {
                path: path.to_path_buf(),
                format: "NIfTI",
                found: format!("sizeof_hdr field {:02x?}, expected 348 or 540", first),
            })
        }
    };
    if bytes.len() < len {
        return Err(IoError::Truncated {
            path: path.to_path_buf(),
            what: "the NIfTI header",
            expected: len as u64,
            actual: bytes.len() as u64,
        });
    }
    let f = Fields {
        b: bytes,
        be: big_endian,
    };
    let mut h = if version == 1 {
        let magic = &bytes[344..348];
        let name = path.to_string_lossy().to_ascii_lowercase();
        let analyze = !matches!(magic, b"n+1\0" | b"ni1\0")
            && (name.ends_with(".hdr") || name.ends_with(".hdr.gz"));
        let single_file = match magic {
            b"n+1\0" => true,
            b"ni1\0" => false,
            // Analyze 7.5 (`.hdr`/`.img` without NIfTI magic): ITK reads it with no transform and
            // no scaling.
            _ if analyze => false,
            _ => {
                return Err(IoError::BadMagic {
                    path: path.to_path_buf(),
                    format: "NIfTI-1",
                    found: format!(
                        "magic {:?}, expected \"n+1\" or \"ni1\"",
                        String::from_utf8_lossy(magic)
                    ),
                })
            }
        };
        Header {
            big_endian,
            single_file,
            dim: std::array::from_fn(|i| f.i16(40 + 2 * i) as i64),
            datatype: f.i16(70),
            pixdim: std::array::from_fn(|i| f.f32(76 + 4 * i)),
            vox_offset: f.f32(108),
            scl_slope: f.f32(112),
            scl_inter: f.f32(116),
            qform_code: f.i16(252) as i32,
            sform_code: f.i16(254) as i32,
            quatern: [f.f32(256), f.f32(260), f.f32(264)],
            qoffset: [f.f32(268), f.f32(272), f.f32(276)],
            srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f32(280 + 16 * r + 4 * c))),
            xyzt_units: bytes[123] as i32,
            analyze,
        }
    } else {
        let magic = &bytes[4..12];
        let single_file = match &magic[..4] {
            b"n+2\0" => true,
            b"ni2\0" => false,
            _ => {
                return Err(IoError::BadMagic {
                    path: path.to_path_buf(),
                    format: "NIfTI-2",
                    found: format!(
                        "magic {:?}, expected \"n+2\" or \"ni2\"",
                        String::from_utf8_lossy(&magic[..4])
                    ),
                })
            }
        };
        Header {
            big_endian,
            single_file,
            dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
            datatype: f.i16(12),
            pixdim: std::array::from_fn(|i| f.f64(104 + 8 * i)),
            vox_offset: f.i64(168) as f64,
            scl_slope: f.f64(176),
            scl_inter: f.f64(184),
            qform_code: f.i32(344),
            sform_code: f.i32(348),
            quatern: [f.f64(352), f.f64(360), f.f64(368)],
            qoffset: [f.f64(376), f.f64(384), f.f64(392)],
            srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f64(400 + 32 * r + 8 * c))),
            xyzt_units: f.i32(500),
            analyze: false,
        }
    };
    if !h.single_file {
        h.vox_offset = h.vox_offset.max(0.0);
    }
    if h.analyze {
        h.qform_code = 0;
        h.sform_code = 0;
        h.scl_slope = 1.0;
        h.scl_inter = 0.0;
    }
    Ok(h)
}

fn dtype_of(path: &Path, code: i16) -> Result<DType, IoError> {
    Ok(match code {
        2 => DType::U8,
        4 => DType::I16,
        8 => DType::I32,
        16 => DType::F32,
        64 => DType::F64,
        256 => DType::I8,
        512 => DType::U16,
        768 => DType::U32,
        1024 => DType::I64,
        1280 => DType::U64,
        other => {
            let what = match other {
                32 | 1792 | 2048 => "complex",
                128 | 2304 => "RGB/RGBA",
                1536 => "float128",
                _ => "unknown",
            };
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "NIfTI datatype {other} ({what}); perirad reads integer and real scalar voxels"
                ),
            });
        }
    })
}

impl Header {
    /// Number of dimensions and the 3D size; refuses time series and vector images.
    fn size(&self, path: &Path) -> Result<[usize; 3], IoError> {
        let ndim = self.dim[0];
        if !(1..=7).contains(&ndim) {
            return Err(IoError::header(
                path,
                "dim[0]",
                format!("{ndim}: must be 1 to 7"),
            ));
        }
        let ndim = ndim as usize;
        for a in 1..=ndim {
            if self.dim[a] < 1 {
                return Err(IoError::header(
                    path,
                    format!("dim[{a}]"),
                    format!("{}: must be at least 1", self.dim[a]),
                ));
            }
        }
        if let Some(a) = (4..=ndim).find(|&a| self.dim[a] > 1) {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "{ndim}D NIfTI (dim[{a}] = {}): perirad reads 2D and 3D images; split the series first",
                    self.dim[a]
                ),
            });
        }
        let dims: Vec<u64> = (1..=3)
            .map(|a| if a <= ndim { self.dim[a] as u64 } else { 1 })
            .collect();
        raw::voxel_count(path, &dims)?;
        Ok([dims[0] as usize, dims[1] as usize, dims[2] as usize])
    }

    /// Factor to millimetres of the spatial unit, as ITK applies it to spacing and origin
    /// (metres ×1000, micrometres ×0.001, anything else ×1).
    fn unit_scale(&self) -> f64 {
        match self.xyzt_units & 0x07 {
            1 => 1e3,
            3 => 1e-3,
            _ => 1.0,
        }
    }

    fn spacing(&self, path: &Path) -> Result<[f64; 3], IoError> {
        let ndim = self.dim[0].clamp(1, 3) as usize;
        let mut s = [1.0; 3];
        for (a, sa) in s.iter_mut().enumerate().take(ndim) {
            let p = self.pixdim[a + 1];
            if !(p.is_finite() && p > 0.0) {
                return Err(IoError::header(
                    path,
                    format!("pixdim[{}]", a + 1),
                    format!("{p}: voxel spacing must be finite and > 0"),
                ));
            }
            *sa = p * self.unit_scale();
        }
        Ok(s)
    }

    /// The 4×4 sform (`sto`) and qform (`qto`) matrices as nifti1_io builds them: `qto` is
    /// `R · diag(dx, dy, dz)` with `dz` negated when `qfac < 0`; a zero code leaves `sto` zero.
    fn transforms(&self) -> ([[f64; 4]; 3], [[f64; 4]; 3]) {
        let sto = if self.sform_code > 0 {
            self.srow
        } else {
            [[0.0; 4]; 3]
        };
        let qfac = if self.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let r = orient::quatern_to_matrix(self.quatern[0], self.quatern[1], self.quatern[2], 1.0);
        let d = |p: f64| if p > 0.0 && p.is_finite() { p } else { 1.0 };
        let scale = [
            d(self.pixdim[1]),
            d(self.pixdim[2]),
            d(self.pixdim[3]) * qfac,
        ];
        let mut qto = [[0.0; 4]; 3];
        for (row, q) in qto.iter_mut().enumerate() {
            for c in 0..3 {
                // nifti1_io stores mat44 in float32.
                q[c] = (r[row][c] * scale[c]) as f32 as f64;
            }
            q[3] = self.qoffset[row] as f32 as f64;
        }
        (sto, qto)
    }

    /// Direction (RAS, unit columns) and origin (RAS), chosen as ITK 5.4's
    /// `NiftiImageIO::SetImageIOOrientationFromNIfTI` chooses them:
    /// * neither code set: identity direction, origin 0;
    /// * the sform is used when it equals the qform (within 1e-5), or when it is a rotation up to
    ///   scaling (orthonormal columns within 1e-4) and either the qform is unset, the sform code is
    ///   `NIFTI_XFORM_SCANNER_ANAT`, or it describes the same rotation, scaling and offset as the
    ///   qform (within 1e-4);
    /// * otherwise the qform; a sheared sform without a qform is an error, as in ITK.
    fn orientation(&self, path: &Path) -> Result<(M3, [f64; 3]), IoError> {
        if self.qform_code <= XFORM_UNKNOWN && self.sform_code <= XFORM_UNKNOWN {
            return Ok((IDENTITY, [0.0; 3]));
        }
        let (sto, qto) = self.transforms();
        if sto
            .iter()
            .chain(qto.iter())
            .flatten()
            .any(|v| !v.is_finite())
        {
            return Err(IoError::header(
                path,
                "srow_x/srow_y/srow_z or quatern_b/c/d",
                "not finite",
            ));
        }
        let block =
            |m: &[[f64; 4]; 3]| -> M3 { std::array::from_fn(|r| std::array::from_fn(|c| m[r][c])) };
        let (s3, q3) = (block(&sto), block(&qto));
        let similar = (0..3).all(|r| (0..3).all(|c| (s3[r][c] - q3[r][c]).abs() <= 1e-5))
            && (0..3).map(|r| (sto[r][3] - qto[r][3]).abs()).sum::<f64>() <= 1e-7;
        let mut prefer_sform = similar;
        if !similar || self.sform_code != XFORM_UNKNOWN {
            let decomposable = self.sform_code > XFORM_UNKNOWN
                && orient::det(&s3).abs() > 1e-12
                && orthonormal_columns(&s3, 1e-4);
            if decomposable {
                if self.qform_code <= XFORM_UNKNOWN || self.sform_code == XFORM_SCANNER_ANAT {
                    prefer_sform = true;
                } else {
                    prefer_sform = same_rigid(&sto, &qto, 1e-4);
                }
            }
        }
        let m = if prefer_sform {
            sto
        } else if self.qform_code > XFORM_UNKNOWN {
            qto
        } else {
            return Err(IoError::header(
                path,
                "srow_x/srow_y/srow_z",
                "the sform has shear or is singular and there is no qform: perirad (like ITK) supports only orthonormal direction cosines",
            ));
        };
        Ok((
            orient::normalize_columns(&block(&m)),
            [m[0][3], m[1][3], m[2][3]],
        ))
    }
}

/// True when the unit-normalised columns of `m` are orthonormal: `N·Nᵀ = I` within `tol`.
fn orthonormal_columns(m: &M3, tol: f64) -> bool {
    let n = orient::normalize_columns(m);
    (0..3).all(|i| {
        (0..3).all(|j| {
            let v: f64 = (0..3).map(|k| n[i][k] * n[j][k]).sum();
            (v - if i == j { 1.0 } else { 0.0 }).abs() <= tol
        })
    })
}

/// True when two transforms have the same rotation, the same axis scaling and the same offset,
/// within `tol` (ITK compares their singular value decompositions).
fn same_rigid(a: &[[f64; 4]; 3], b: &[[f64; 4]; 3], tol: f64) -> bool {
    let block =
        |m: &[[f64; 4]; 3]| -> M3 { std::array::from_fn(|r| std::array::from_fn(|c| m[r][c])) };
    let (a3, b3) = (block(a), block(b));
    let (na, nb) = (orient::column_norms(&a3), orient::column_norms(&b3));
    let (ra, rb) = (
        orient::normalize_columns(&a3),
        orient::normalize_columns(&b3),
    );
    (0..3).all(|c| (na[c] - nb[c]).abs() <= tol)
        && (0..3).all(|r| (0..3).all(|c| (ra[r][c] - rb[r][c]).abs() <= tol))
        && (0..3).all(|r| (a[r][3] - b[r][3]).abs() <= tol)
}

/// Reads a NIfTI file (`.nii`, `.nii.gz`, `.hdr` with its `.img`/`.img.gz`).
pub fn read(path: &Path) -> Result<Image, IoError> {
    let file = raw::read_file(path)?;
    read_bytes(path, file, DataFiles::FromDisk)
}

/// Reads a NIfTI file from its bytes (`path` names it in messages; a `.hdr`/`.img` pair needs
/// [`DataFiles::FromDisk`]).
pub fn read_bytes(path: &Path, file: Vec<u8>, data_files: DataFiles) -> Result<Image, IoError> {
    let gz = raw::is_gzip(&file);
    let head = if gz {
        raw::inflate_prefix(path, &file, Compression::Gzip, NIFTI2_HEADER as u64)?
    } else {
        file[..file.len().min(NIFTI2_HEADER)].to_vec()
    };
    let h = parse_header(path, &head)?;
    let size = h.size(path)?;
    let spacing = h.spacing(path)?;
    let dtype = dtype_of(path, h.datatype)?;
    let (mut direction, mut origin) = h.orientation(path)?;
    if h.qform_code > XFORM_UNKNOWN || h.sform_code > XFORM_UNKNOWN {
        orient::ras_to_lps(&mut direction, &mut origin);
    }
    let unit = h.unit_scale();
    origin = origin.map(|o| o * unit);
    // With neither transform, ITK keeps the identity direction in LPS (no RAS flip).
    if h.dim[0] <= 2 {
        orient::embed_2d(&mut direction, &mut origin);
    }
    let geometry =
        Geometry::new(size, spacing, origin, direction).map_err(|e| IoError::geometry(path, e))?;
    let count = geometry.len();
    let nbytes = count as u64 * dtype.size() as u64;

    let (data_path, offset): (PathBuf, u64) = if h.single_file {
        if !(h.vox_offset.is_finite() && h.vox_offset >= 0.0) {
            return Err(IoError::header(
                path,
                "vox_offset",
                format!("{}", h.vox_offset),
            ));
        }
        (path.to_path_buf(), h.vox_offset as u64)
    } else {
        (img_path(path)?, h.vox_offset as u64)
    };
    let bytes = if data_path == path {
        if gz {
            raw::inflate(
                path,
                &file,
                Compression::Gzip,
                offset.saturating_add(nbytes),
            )?
        } else {
            file
        }
    } else {
        let img = data_files.read(path, &data_path)?;
        if raw::is_gzip(&img) {
            raw::inflate(
                &data_path,
                &img,
                Compression::Gzip,
                offset.saturating_add(nbytes),
            )?
        } else {
            img
        }
    };
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let available = bytes.len().saturating_sub(start);
    raw::check_len(&data_path, "the voxel data", available, count, dtype)?;
    let data = raw::decode(&bytes[start..], dtype, h.big_endian, count);
    let data = scale(data, h.scl_slope, h.scl_inter);
    Image::new(geometry, data).map_err(|e| IoError::geometry(path, e))
}

/// The `.img` beside a `.hdr` (also `.img.gz`).
fn img_path(hdr: &Path) -> Result<PathBuf, IoError> {
    let s = hdr.to_string_lossy();
    let stem = s
        .strip_suffix(".hdr.gz")
        .or_else(|| s.strip_suffix(".hdr"))
        .unwrap_or(&s)
        .to_string();
    for ext in [".img", ".img.gz"] {
        let p = PathBuf::from(format!("{stem}{ext}"));
        if p.exists() {
            return Ok(p);
        }
    }
    Err(IoError::header(
        hdr,
        "magic",
        format!("\"ni1\" names a separate data file, but {stem}.img is missing"),
    ))
}

/// Applies `scl_slope`/`scl_inter` as ITK's `NiftiImageIO` does: a zero or non-finite slope
/// counts as 1 (and a non-finite intercept as 0); nothing happens for slope 1 and intercept 0.
/// Integer voxels become f32 (`(f32)((double)(f32)v * slope + inter)`); real voxels keep their
/// type.
fn scale(data: VoxelData, slope: f64, inter: f64) -> VoxelData {
    let inter = if inter.is_finite() { inter } else { 0.0 };
    let slope = if !slope.is_finite() || slope.abs() < f64::EPSILON {
        1.0
    } else {
        slope
    };
    if (slope - 1.0).abs() <= f64::EPSILON && inter.abs() <= f64::EPSILON {
        return data;
    }
    match data {
        VoxelData::F64(v) => VoxelData::F64(v.into_iter().map(|x| x * slope + inter).collect()),
        VoxelData::F32(v) => VoxelData::F32(
            v.into_iter()
                .map(|x| (x as f64 * slope + inter) as f32)
                .collect(),
        ),
        other => VoxelData::F32(
            other
                .to_f64()
                .into_iter()
                .map(|x| ((x as f32) as f64 * slope + inter) as f32)
                .collect(),
        ),
    }
}
