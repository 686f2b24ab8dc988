//! Pixel data: the stored sample format, the raw bytes of the frames (native transfer syntaxes
//! read directly, compressed ones through `dicom-pixeldata`), and the modality rescale with the
//! output voxel type GDCM picks.
//!
//! # Output type (what SimpleITK returns through GDCM)
//!
//! ITK's `GDCMImageIO` asks `gdcm::Rescaler::ComputeInterceptSlopePixelType` for the voxel type
//! whenever RescaleSlope ≠ 1 or RescaleIntercept ≠ 0, and keeps the stored type otherwise:
//! * 1-bit samples: `u8` (ITK expands set bits to 255);
//! * slope or intercept not an integer: `f64`;
//! * otherwise the range `[slope·min + intercept, slope·max + intercept]` of the *stored* range
//!   (from BitsStored and PixelRepresentation; ends swapped for a negative slope) picks the
//!   narrowest of `u8`, `u16`, `u32` when it is non-negative, or `i8`, `i16`, `i32` when it is
//!   not, and `f64` when it fits none of them.
//!
//! ITK refuses files where that type is narrower than the stored one ("Pixel type larger than
//! output type"); perirad widens the result to the stored width instead. When the slices of one
//! series have different rescale parameters, SimpleITK uses the first slice's type and casts the
//! others into it; perirad uses the narrowest type that holds every slice's range, which is the
//! same type whenever SimpleITK's is lossless.
//!
//! Samples with BitsStored < BitsAllocated are masked to their stored bits and, when signed,
//! sign-extended, as GDCM's codecs do.

use super::object::{dicom_error, error_chain, require_uint, text, uint, Object};
use crate::IoError;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_pixeldata::PixelDecoder;
use perirad_core::{DType, VoxelData};
use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PixelFormat {
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub high_bit: u16,
    pub signed: bool,
}

impl PixelFormat {
    /// Reads and validates BitsAllocated, BitsStored, HighBit and PixelRepresentation.
    pub fn from_obj(obj: &Object, path: &Path) -> Result<Self, IoError> {
        let allocated = require_uint(obj, tags::BITS_ALLOCATED, path)?;
        if !matches!(allocated, 1 | 8 | 16 | 32) {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!("BitsAllocated {allocated} (supported: 1, 8, 16, 32)"),
            });
        }
        let stored = uint(obj, tags::BITS_STORED, path)?.unwrap_or(allocated);
        if stored == 0 || stored > allocated {
            return Err(IoError::header(
                path,
                "(0028,0101) BitsStored",
                format!("{stored} is not between 1 and BitsAllocated {allocated}"),
            ));
        }
        let high_bit = uint(obj, tags::HIGH_BIT, path)?.unwrap_or(stored - 1);
        if high_bit >= allocated || high_bit + 1 < stored {
            return Err(IoError::header(
                path,
                "(0028,0102) HighBit",
                format!("{high_bit} does not fit BitsStored {stored} in BitsAllocated {allocated}"),
            ));
        }
        let representation = uint(obj, tags::PIXEL_REPRESENTATION, path)?.unwrap_or(0);
        if representation > 1 {
            return Err(IoError::header(
                path,
                "(0028,0103) PixelRepresentation",
                format!("{representation} is neither 0 (unsigned) nor 1 (signed)"),
            ));
        }
        Ok(Self {
            bits_allocated: allocated as u16,
            bits_stored: stored as u16,
            high_bit: high_bit as u16,
            signed: representation == 1 && allocated > 1,
        })
    }

    /// The stored voxel type (BitsAllocated and PixelRepresentation; 1-bit samples as `u8`).
    pub fn stored_dtype(&self) -> DType {
        match (self.bits_allocated, self.signed) {
            (8, true) => DType::I8,
            (16, false) => DType::U16,
            (16, true) => DType::I16,
            (32, false) => DType::U32,
            (32, true) => DType::I32,
            _ => DType::U8,
        }
    }

    /// Smallest and largest storable value (from BitsStored), as GDCM's `PixelFormat::GetMin/Max`.
    pub fn range(&self) -> (f64, f64) {
        let bits = u32::from(self.bits_stored);
        if self.signed {
            let half = (1u64 << (bits - 1)) as f64;
            (-half, half - 1.0)
        } else {
            (0.0, ((1u64 << bits) - 1) as f64)
        }
    }

    /// Bytes holding `count` samples.
    pub fn bytes_for(&self, count: usize) -> usize {
        if self.bits_allocated == 1 {
            count.div_ceil(8)
        } else {
            count * usize::from(self.bits_allocated / 8)
        }
    }

    /// Sample `i` of `bytes` (little endian), masked to BitsStored and sign-extended.
    #[inline]
    fn sample(&self, bytes: &[u8], bit_offset: usize, i: usize) -> i64 {
        let raw: u64 = match self.bits_allocated {
            1 => {
                let b = bit_offset + i;
                u64::from((bytes[b / 8] >> (b % 8)) & 1)
            }
            8 => u64::from(bytes[i]),
            16 => u64::from(u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])),
            _ => u64::from(u32::from_le_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ])),
        };
        let stored = u32::from(self.bits_stored);
        if stored == u32::from(self.bits_allocated) && self.bits_allocated != 8 {
            return if self.signed {
                match self.bits_allocated {
                    16 => i64::from(raw as u16 as i16),
                    32 => i64::from(raw as u32 as i32),
                    _ => raw as i64,
                }
            } else {
                raw as i64
            };
        }
        if self.bits_allocated == 8 {
            // GDCM leaves 8-bit samples as they are.
            return if self.signed {
                i64::from(raw as u8 as i8)
            } else {
                raw as i64
            };
        }
        let shift = u32::from(self.high_bit) + 1 - stored;
        let v = (raw >> shift) & ((1u64 << stored) - 1);
        if self.signed && (v >> (stored - 1)) & 1 == 1 {
            v as i64 - (1i64 << stored)
        } else {
            v as i64
        }
    }
}

/// Modality rescale of one image (RescaleSlope, RescaleIntercept).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rescale {
    pub slope: f64,
    pub intercept: f64,
}

impl Rescale {
    /// Reads RescaleSlope/RescaleIntercept (defaults 1 and 0; a zero slope becomes 1, as in GDCM).
    pub fn from_obj(obj: &Object, path: &Path) -> Result<Self, IoError> {
        use super::object::float1;
        let intercept = float1(obj, tags::RESCALE_INTERCEPT, path)?.unwrap_or(0.0);
        let slope = match float1(obj, tags::RESCALE_SLOPE, path)? {
            Some(s) if s != 0.0 => s,
            _ => 1.0,
        };
        Ok(Self { slope, intercept })
    }

    fn is_identity(&self) -> bool {
        self.slope == 1.0 && self.intercept == 0.0
    }
}

/// `x == (int)x` as C computes it (saturating here where C is undefined).
fn is_c_int(x: f64) -> bool {
    x == f64::from(x as i32)
}

/// The voxel type for one image and the range of its rescaled values.
pub(crate) fn output_type(pf: &PixelFormat, r: Rescale) -> (DType, f64, f64) {
    let (lo, hi) = pf.range();
    if pf.bits_allocated == 1 {
        return (DType::U8, 0.0, 255.0);
    }
    if r.is_identity() {
        return (pf.stored_dtype(), lo, hi);
    }
    if !is_c_int(r.slope) || !is_c_int(r.intercept) {
        return (DType::F64, f64::NEG_INFINITY, f64::INFINITY);
    }
    let (a, b) = if r.slope >= 0.0 { (lo, hi) } else { (hi, lo) };
    let min = r.slope * a + r.intercept;
    let max = r.slope * b + r.intercept;
    (widen(best_fit(min, max), pf.stored_dtype()), min, max)
}

/// GDCM's `ComputeBestFit` on a value range.
fn best_fit(min: f64, max: f64) -> DType {
    if min >= 0.0 {
        if max <= f64::from(u8::MAX) {
            DType::U8
        } else if max <= f64::from(u16::MAX) {
            DType::U16
        } else if max <= f64::from(u32::MAX) {
            DType::U32
        } else {
            DType::F64
        }
    } else if min >= f64::from(i8::MIN) && max <= f64::from(i8::MAX) {
        DType::I8
    } else if min >= f64::from(i16::MIN) && max <= f64::from(i16::MAX) {
        DType::I16
    } else if min >= f64::from(i32::MIN) && max <= f64::from(i32::MAX) {
        DType::I32
    } else {
        DType::F64
    }
}

/// An integer type at least as wide as `stored`, with the signedness of `t`.
fn widen(t: DType, stored: DType) -> DType {
    if !t.is_integer() || t.size() >= stored.size() {
        return t;
    }
    let signed = matches!(t, DType::I8 | DType::I16 | DType::I32);
    match (stored.size(), signed) {
        (2, false) => DType::U16,
        (2, true) => DType::I16,
        (_, false) => DType::U32,
        (_, true) => DType::I32,
    }
}

/// One voxel type for a series whose slices chose `types` (see the module documentation).
pub(crate) fn combine_types(types: &[(DType, f64, f64)], stored: DType) -> DType {
    let Some(&(first, _, _)) = types.first() else {
        return stored;
    };
    if types.iter().all(|t| t.0 == first) {
        return first;
    }
    if types.iter().any(|t| !t.0.is_integer()) {
        return DType::F64;
    }
    let min = types.iter().map(|t| t.1).fold(f64::INFINITY, f64::min);
    let max = types.iter().map(|t| t.2).fold(f64::NEG_INFINITY, f64::max);
    widen(best_fit(min, max), stored)
}

/// An empty voxel buffer of type `t` with room for `n` values.
pub(crate) fn empty_data(t: DType, n: usize) -> VoxelData {
    match t {
        DType::U8 => VoxelData::U8(Vec::with_capacity(n)),
        DType::I8 => VoxelData::I8(Vec::with_capacity(n)),
        DType::U16 => VoxelData::U16(Vec::with_capacity(n)),
        DType::I16 => VoxelData::I16(Vec::with_capacity(n)),
        DType::U32 => VoxelData::U32(Vec::with_capacity(n)),
        DType::I32 => VoxelData::I32(Vec::with_capacity(n)),
        DType::U64 => VoxelData::U64(Vec::with_capacity(n)),
        DType::I64 => VoxelData::I64(Vec::with_capacity(n)),
        DType::F32 => VoxelData::F32(Vec::with_capacity(n)),
        DType::F64 => VoxelData::F64(Vec::with_capacity(n)),
    }
}

/// Appends `count` samples of `bytes` to `out`, rescaled (`(T)(slope·v + intercept)` as GDCM does).
/// `bytes` must hold `pf.bytes_for(count)` bytes.
pub(crate) fn append_samples(
    out: &mut VoxelData,
    bytes: &[u8],
    pf: &PixelFormat,
    count: usize,
    r: Rescale,
) {
    let single_bit = pf.bits_allocated == 1;
    let identity = r.is_identity();
    macro_rules! push {
        ($v:expr, $t:ty) => {{
            $v.reserve(count);
            for i in 0..count {
                let s = pf.sample(bytes, 0, i);
                let value = if single_bit {
                    if s != 0 {
                        255.0
                    } else {
                        0.0
                    }
                } else if identity {
                    s as f64
                } else {
                    r.slope * s as f64 + r.intercept
                };
                $v.push(value as $t);
            }
        }};
    }
    match out {
        VoxelData::U8(v) => push!(v, u8),
        VoxelData::I8(v) => push!(v, i8),
        VoxelData::U16(v) => push!(v, u16),
        VoxelData::I16(v) => push!(v, i16),
        VoxelData::U32(v) => push!(v, u32),
        VoxelData::I32(v) => push!(v, i32),
        VoxelData::U64(v) => push!(v, u64),
        VoxelData::I64(v) => push!(v, i64),
        VoxelData::F32(v) => push!(v, f32),
        VoxelData::F64(v) => push!(v, f64),
    }
}

/// Reads sample `i` of a frame that starts at bit `bit_offset` (1-bit data) or byte 0.
pub(crate) fn sample_at(pf: &PixelFormat, bytes: &[u8], bit_offset: usize, i: usize) -> i64 {
    pf.sample(bytes, bit_offset, i)
}

/// Transfer syntaxes whose pixel data is stored uncompressed.
const NATIVE_SYNTAXES: &[&str] = &[
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
];

/// Largest decoded frame accepted whatever its compressed size (bytes).
const ALWAYS_DECODABLE: usize = 64 << 20;
/// Largest ratio of decoded to encapsulated bytes accepted above that size: RLE cannot exceed
/// 64× (a 2-byte run gives at most 128 bytes), so 128 leaves room for its headers; lossless JPEG
/// rarely reaches 10×, and 2000 leaves lossy JPEG of flat images ample room.
fn max_expansion(transfer_syntax: &str) -> usize {
    if transfer_syntax == "1.2.840.10008.1.2.5" {
        128
    } else {
        2000
    }
}

/// Names of common transfer syntaxes, for error messages.
fn syntax_name(uid: &str) -> &'static str {
    match uid {
        "1.2.840.10008.1.2.1.98" => "Encapsulated Uncompressed Explicit VR Little Endian",
        "1.2.840.10008.1.2.5" => "RLE Lossless",
        "1.2.840.10008.1.2.4.50" => "JPEG Baseline",
        "1.2.840.10008.1.2.4.51" => "JPEG Extended",
        "1.2.840.10008.1.2.4.57" => "JPEG Lossless",
        "1.2.840.10008.1.2.4.70" => "JPEG Lossless SV1",
        "1.2.840.10008.1.2.4.80" => "JPEG-LS Lossless",
        "1.2.840.10008.1.2.4.81" => "JPEG-LS Near-Lossless",
        "1.2.840.10008.1.2.4.90" => "JPEG 2000 Lossless",
        "1.2.840.10008.1.2.4.91" => "JPEG 2000",
        "1.2.840.10008.1.2.4.201" | "1.2.840.10008.1.2.4.202" | "1.2.840.10008.1.2.4.203" => {
            "HTJ2K"
        }
        "1.2.840.10008.1.2.4.100" | "1.2.840.10008.1.2.4.101" => "MPEG-2",
        "1.2.840.10008.1.2.4.102" | "1.2.840.10008.1.2.4.103" => "MPEG-4",
        _ => "unknown",
    }
}

/// The pixel data of all frames as little-endian samples. Fails with [`IoError::Truncated`] when
/// fewer than `pf.bytes_for(samples)` bytes are present.
pub(crate) fn pixel_bytes<'a>(
    path: &Path,
    obj: &'a DefaultDicomObject,
    pf: &PixelFormat,
    samples: usize,
) -> Result<Cow<'a, [u8]>, IoError> {
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string();
    let bytes: Cow<'a, [u8]> = if NATIVE_SYNTAXES.contains(&ts.as_str()) {
        native_bytes(path, obj)?
    } else {
        // The decoders size their output from the header before decoding: bound it by what the
        // encapsulated fragments could expand to (found by fuzzing).
        let encapsulated: usize = obj
            .element(tags::PIXEL_DATA)
            .ok()
            .and_then(|e| e.value().fragments())
            .map_or(0, |f| f.iter().map(Vec::len).sum());
        let expected = pf.bytes_for(samples);
        if expected > ALWAYS_DECODABLE && expected / max_expansion(&ts) > encapsulated {
            return Err(dicom_error(
                path,
                format!(
                    "the header declares {expected} bytes of pixel data but the compressed data holds only {encapsulated} bytes"
                ),
            ));
        }
        let decoded = catch_unwind(AssertUnwindSafe(|| {
            obj.decode_pixel_data().map(|d| d.data().to_vec())
        }));
        let data = match decoded {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => {
                return Err(IoError::Unsupported {
                    path: path.to_path_buf(),
                    what: format!(
                        "pixel data in transfer syntax {ts} ({}): {}",
                        syntax_name(&ts),
                        error_chain(&e)
                    ),
                })
            }
            Err(_) => {
                return Err(dicom_error(
                    path,
                    format!(
                        "the decoder for transfer syntax {ts} ({}) failed on this file",
                        syntax_name(&ts)
                    ),
                ))
            }
        };
        // dicom-pixeldata yields samples in native byte order.
        Cow::Owned(to_little_endian(data, pf.bits_allocated))
    };
    let expected = pf.bytes_for(samples);
    if bytes.len() < expected {
        return Err(IoError::Truncated {
            path: path.to_path_buf(),
            what: "pixel data",
            expected: expected as u64,
            actual: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

fn to_little_endian(mut data: Vec<u8>, bits: u16) -> Vec<u8> {
    if cfg!(target_endian = "big") && bits > 8 {
        let n = usize::from(bits / 8);
        for c in data.chunks_exact_mut(n) {
            c.reverse();
        }
    }
    data
}

/// Uncompressed Pixel Data as little-endian bytes.
fn native_bytes<'a>(path: &Path, obj: &'a DefaultDicomObject) -> Result<Cow<'a, [u8]>, IoError> {
    use dicom_core::value::{DicomValueType, PrimitiveValue, Value};
    let Some(e) = obj.get(tags::PIXEL_DATA) else {
        let what = if obj.get(tags::FLOAT_PIXEL_DATA).is_some()
            || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some()
        {
            "floating-point pixel data (7FE0,0008/0009)"
        } else {
            return Err(IoError::header(path, "(7FE0,0010) PixelData", "missing"));
        };
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: what.into(),
        });
    };
    fn le<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        v.iter().flat_map(|&x| f(x)).collect()
    }
    match e.value() {
        Value::Primitive(p) => Ok(match p {
            PrimitiveValue::Empty => Cow::Borrowed(&[][..]),
            PrimitiveValue::U8(v) => Cow::Borrowed(&v[..]),
            PrimitiveValue::U16(v) => Cow::Owned(le(v, u16::to_le_bytes)),
            PrimitiveValue::I16(v) => Cow::Owned(le(v, i16::to_le_bytes)),
            PrimitiveValue::U32(v) => Cow::Owned(le(v, u32::to_le_bytes)),
            PrimitiveValue::I32(v) => Cow::Owned(le(v, i32::to_le_bytes)),
            PrimitiveValue::F32(v) => Cow::Owned(le(v, f32::to_le_bytes)),
            PrimitiveValue::F64(v) => Cow::Owned(le(v, f64::to_le_bytes)),
            PrimitiveValue::U64(v) => Cow::Owned(le(v, u64::to_le_bytes)),
            PrimitiveValue::I64(v) => Cow::Owned(le(v, i64::to_le_bytes)),
            other => {
                return Err(IoError::header(
                    path,
                    "(7FE0,0010) PixelData",
                    format!("unexpected value type {:?}", other.value_type()),
                ))
            }
        }),
        _ => Err(IoError::header(
            path,
            "(7FE0,0010) PixelData",
            "encapsulated pixel data in an uncompressed transfer syntax",
        )),
    }
}

/// Rows × Columns of an image, checked against the voxel limit.
pub(crate) fn rows_cols(obj: &Object, path: &Path) -> Result<(usize, usize), IoError> {
    let rows = require_uint(obj, tags::ROWS, path)? as usize;
    let cols = require_uint(obj, tags::COLUMNS, path)? as usize;
    if rows == 0 || cols == 0 {
        return Err(IoError::header(
            path,
            "(0028,0010) Rows / (0028,0011) Columns",
            format!("{rows} × {cols} is empty"),
        ));
    }
    Ok((rows, cols))
}

/// Fails unless the image holds one grayscale sample per pixel (MONOCHROME2).
pub(crate) fn check_grayscale(obj: &Object, path: &Path) -> Result<(), IoError> {
    let spp = uint(obj, tags::SAMPLES_PER_PIXEL, path)?.unwrap_or(1);
    if spp != 1 {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "{spp} samples per pixel (colour images); only grayscale images are read"
            ),
        });
    }
    let pi = text(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_else(|| "MONOCHROME2".into());
    if pi != "MONOCHROME2" {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("PhotometricInterpretation {pi} (only MONOCHROME2 is read)"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pf(bits_allocated: u16, bits_stored: u16, signed: bool) -> PixelFormat {
        PixelFormat {
            bits_allocated,
            bits_stored,
            high_bit: bits_stored - 1,
            signed,
        }
    }

    fn r(slope: f64, intercept: f64) -> Rescale {
        Rescale { slope, intercept }
    }

    #[test]
    fn gdcm_output_types() {
        // CT, 12 bits stored unsigned, intercept -1000 → [-1000, 3095] → i16
        assert_eq!(
            output_type(&pf(16, 12, false), r(1.0, -1000.0)).0,
            DType::I16
        );
        // 16 bits stored unsigned, intercept -1024 → [-1024, 64511] → i32
        assert_eq!(
            output_type(&pf(16, 16, false), r(1.0, -1024.0)).0,
            DType::I32
        );
        // identity keeps the stored type, whatever BitsStored says
        assert_eq!(output_type(&pf(16, 12, false), r(1.0, 0.0)).0, DType::U16);
        assert_eq!(output_type(&pf(16, 16, true), r(1.0, 0.0)).0, DType::I16);
        // fractional slope → f64
        assert_eq!(output_type(&pf(16, 12, false), r(0.5, 0.0)).0, DType::F64);
        assert_eq!(output_type(&pf(16, 16, true), r(1.0, -0.5)).0, DType::F64);
        // negative slope swaps the ends: 12-bit unsigned, slope -1 → [-4095, 0] → i16
        assert_eq!(output_type(&pf(16, 12, false), r(-1.0, 0.0)).0, DType::I16);
        // 8-bit data, slope 2 → [0, 510] → u16
        assert_eq!(output_type(&pf(8, 8, false), r(2.0, 0.0)).0, DType::U16);
        // best fit narrower than the stored type is widened (ITK would refuse the file)
        assert_eq!(output_type(&pf(16, 7, false), r(1.0, 1.0)).0, DType::U16);
        // huge range → f64
        assert_eq!(output_type(&pf(32, 32, false), r(1.0, -1.0)).0, DType::F64);
        assert_eq!(output_type(&pf(1, 1, false), r(1.0, 0.0)).0, DType::U8);
    }

    #[test]
    fn combining_slice_types() {
        let a = output_type(&pf(16, 12, false), r(1.0, -1024.0));
        let b = output_type(&pf(16, 12, false), r(1.0, 0.0));
        assert_eq!(combine_types(&[a, b], DType::U16), DType::I16);
        let c = output_type(&pf(16, 12, false), r(0.5, 0.0));
        assert_eq!(combine_types(&[a, c], DType::U16), DType::F64);
        assert_eq!(combine_types(&[a, a], DType::U16), DType::I16);
    }

    #[test]
    fn samples_are_masked_and_sign_extended() {
        // 12 bits stored in 16, overlay garbage in the top bits
        let p = pf(16, 12, false);
        assert_eq!(p.sample(&0xF123u16.to_le_bytes(), 0, 0), 0x123);
        let s = pf(16, 12, true);
        assert_eq!(s.sample(&0x0FFFu16.to_le_bytes(), 0, 0), -1);
        assert_eq!(s.sample(&0x07FFu16.to_le_bytes(), 0, 0), 2047);
        assert_eq!(pf(16, 16, true).sample(&(-5i16).to_le_bytes(), 0, 0), -5);
        assert_eq!(
            pf(32, 32, true).sample(&(-70000i32).to_le_bytes(), 0, 0),
            -70000
        );
        // single bit, LSB first, with a bit offset
        let b = pf(1, 1, false);
        assert_eq!(b.sample(&[0b0000_0100], 0, 2), 1);
        assert_eq!(b.sample(&[0, 0b0000_0001], 5, 3), 1);
        let mut out = empty_data(DType::I16, 2);
        let bytes: Vec<u8> = [0u16, 4095].iter().flat_map(|v| v.to_le_bytes()).collect();
        append_samples(&mut out, &bytes, &p, 2, r(1.0, -1000.0));
        assert_eq!(out, VoxelData::I16(vec![-1000, 3095]));
    }
}
