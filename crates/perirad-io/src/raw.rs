//! Shared pieces of the raw-voxel formats: bounded file reading and decompression, voxel-count
//! checks, and decoding of little/big-endian sample bytes into [`VoxelData`].

use crate::IoError;
use perirad_core::{DType, VoxelData, MAX_VOXELS};
use std::io::Read;
use std::path::Path;

/// Reads a whole regular file (a device or FIFO named by a hostile header, such as
/// `/dev/zero`, is refused rather than read forever).
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, IoError> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::io(path, "read", e))?;
    if !meta.is_file() {
        return Err(IoError::io(
            path,
            "read",
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    std::fs::read(path).map_err(|e| IoError::io(path, "read", e))
}

/// Whether a header may name other files holding its voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFiles {
    /// Detached data files are read from disk, relative to the header's folder.
    FromDisk,
    /// Only attached data (for parsing bytes that did not come from a file, e.g. fuzzing).
    AttachedOnly,
}

impl DataFiles {
    pub(crate) fn read(self, header: &Path, data: &Path) -> Result<Vec<u8>, IoError> {
        match self {
            DataFiles::FromDisk => read_file(data),
            DataFiles::AttachedOnly => Err(IoError::Unsupported {
                path: header.to_path_buf(),
                what: format!(
                    "detached data file {} (only attached data allowed here)",
                    data.display()
                ),
            }),
        }
    }
}

/// Product of the dimensions, refused when it overflows or exceeds 2^31 voxels.
pub(crate) fn voxel_count(path: &Path, dims: &[u64]) -> Result<usize, IoError> {
    let mut n: u64 = 1;
    for &d in dims {
        n = match n.checked_mul(d) {
            Some(v) => v,
            None => {
                return Err(IoError::TooLarge {
                    path: path.to_path_buf(),
                    voxels: format!("{dims:?} (overflow)"),
                })
            }
        };
    }
    if n > MAX_VOXELS {
        return Err(IoError::TooLarge {
            path: path.to_path_buf(),
            voxels: n.to_string(),
        });
    }
    Ok(n as usize)
}

/// Decompresses a gzip or zlib stream, reading at most `limit` bytes of output (a header's
/// expected size) so that a corrupt or hostile stream cannot allocate beyond it. Concatenated
/// gzip members are read as one stream, as zlib's `gzread` does.
pub(crate) fn inflate(
    path: &Path,
    data: &[u8],
    kind: Compression,
    limit: u64,
) -> Result<Vec<u8>, IoError> {
    inflate_checked(path, data, kind, limit, true)
}

/// The first `limit` decompressed bytes only (a header peek; the checksum is not reached).
pub(crate) fn inflate_prefix(
    path: &Path,
    data: &[u8],
    kind: Compression,
    limit: u64,
) -> Result<Vec<u8>, IoError> {
    inflate_checked(path, data, kind, limit, false)
}

fn inflate_checked(
    path: &Path,
    data: &[u8],
    kind: Compression,
    limit: u64,
    verify: bool,
) -> Result<Vec<u8>, IoError> {
    // Reserve what the compressed bytes can at most expand to, no more than `limit`: a lying
    // header cannot make us allocate more than the data could fill, and a real image is
    // inflated into one buffer without regrowing.
    let most = (data.len() as u64).saturating_mul(MAX_EXPANSION);
    let mut out = Vec::with_capacity(most.min(limit) as usize);
    let mut reader = decoder(data, kind);
    let err = |source| IoError::Decompress {
        path: path.to_path_buf(),
        source,
    };
    (&mut reader)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(err)?;
    if !verify {
        return Ok(out);
    }
    // Read on to the end of the stream so that its checksum is verified: corrupt data that
    // still inflates is caught by the CRC/Adler trailer. Trailing bytes are bounded.
    std::io::copy(&mut reader.take(MAX_TRAILING), &mut std::io::sink()).map_err(err)?;
    Ok(out)
}

/// Deflate's largest expansion (below 1032:1, per gzip member too).
const MAX_EXPANSION: u64 = 1032;

/// A reader of the decompressed bytes of `data` (concatenated gzip members read as one stream).
fn decoder(data: &[u8], kind: Compression) -> Box<dyn Read + '_> {
    match kind {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
        Compression::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
    }
}

/// Decompresses a gzip or zlib stream straight into `count` samples of `dtype` (no byte buffer
/// copied into a typed one), verifying the checksum as [`inflate`] does; samples stored in the
/// other byte order than this machine's are swapped in place. Returns the samples and the
/// number of bytes the stream held for them (below `count` samples when it is short: checked
/// by the caller, as with [`inflate`]).
pub(crate) fn inflate_samples(
    path: &Path,
    data: &[u8],
    kind: Compression,
    dtype: DType,
    big_endian: bool,
    count: usize,
) -> Result<(VoxelData, usize), IoError> {
    let want = count as u64 * dtype.size() as u64;
    if want > (data.len() as u64).saturating_mul(MAX_EXPANSION) {
        // More samples than the stream can hold (a lying header): no allocation of their size;
        // what it holds, inflated into a buffer it can fill, comes back short.
        let bytes = inflate(path, data, kind, want)?;
        let held = bytes.len() / dtype.size();
        return Ok((decode(&bytes, dtype, big_endian, held), bytes.len()));
    }
    macro_rules! typed {
        ($t:ty, $var:ident) => {{
            let mut v: Vec<$t> = vec![Default::default(); count];
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut v);
            let filled = inflate_into(path, data, kind, bytes)?;
            let n = std::mem::size_of::<$t>();
            if n > 1 && big_endian != cfg!(target_endian = "big") {
                bytes.chunks_exact_mut(n).for_each(|c| c.reverse());
            }
            (VoxelData::$var(v), filled)
        }};
    }
    Ok(match dtype {
        DType::U8 => typed!(u8, U8),
        DType::I8 => typed!(i8, I8),
        DType::U16 => typed!(u16, U16),
        DType::I16 => typed!(i16, I16),
        DType::U32 => typed!(u32, U32),
        DType::I32 => typed!(i32, I32),
        DType::U64 => typed!(u64, U64),
        DType::I64 => typed!(i64, I64),
        DType::F32 => typed!(f32, F32),
        DType::F64 => typed!(f64, F64),
    })
}

/// Decompresses into `out` until it is full or the stream ends, then reads on to the end of the
/// stream so that its checksum is verified (trailing bytes bounded by [`MAX_TRAILING`]).
/// Returns the number of bytes written.
fn inflate_into(
    path: &Path,
    data: &[u8],
    kind: Compression,
    out: &mut [u8],
) -> Result<usize, IoError> {
    let mut reader = decoder(data, kind);
    let err = |source| IoError::Decompress {
        path: path.to_path_buf(),
        source,
    };
    let mut filled = 0;
    while filled < out.len() {
        match reader.read(&mut out[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    std::io::copy(&mut reader.take(MAX_TRAILING), &mut std::io::sink()).map_err(err)?;
    Ok(filled)
}

/// Most decompressed bytes read (and discarded) after the voxel data to reach the checksum.
const MAX_TRAILING: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    Gzip,
    Zlib,
}

/// True when `data` starts with the gzip magic bytes.
pub(crate) fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Decodes `count` samples of `dtype` from `bytes` (which must hold at least `count` samples).
pub(crate) fn decode(bytes: &[u8], dtype: DType, big_endian: bool, count: usize) -> VoxelData {
    macro_rules! dec {
        ($t:ty, $n:expr, $var:ident) => {{
            let v: Vec<$t> = bytes[..count * $n]
                .chunks_exact($n)
                .map(|c| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    if big_endian {
                        <$t>::from_be_bytes(a)
                    } else {
                        <$t>::from_le_bytes(a)
                    }
                })
                .collect();
            VoxelData::$var(v)
        }};
    }
    match dtype {
        DType::U8 => VoxelData::U8(bytes[..count].to_vec()),
        DType::I8 => VoxelData::I8(bytes[..count].iter().map(|&b| b as i8).collect()),
        DType::U16 => dec!(u16, 2, U16),
        DType::I16 => dec!(i16, 2, I16),
        DType::U32 => dec!(u32, 4, U32),
        DType::I32 => dec!(i32, 4, I32),
        DType::U64 => dec!(u64, 8, U64),
        DType::I64 => dec!(i64, 8, I64),
        DType::F32 => dec!(f32, 4, F32),
        DType::F64 => dec!(f64, 8, F64),
    }
}

/// Writes voxels as little-endian bytes, a block at a time.
pub fn write_le(data: &VoxelData, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    const BLOCK: usize = 1 << 16;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK * 8);
    macro_rules! put {
        ($v:expr) => {{
            for chunk in $v.chunks(BLOCK) {
                buf.clear();
                for x in chunk {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
                w.write_all(&buf)?;
            }
            Ok(())
        }};
    }
    match data {
        VoxelData::U8(v) => w.write_all(v),
        VoxelData::I8(v) => put!(v),
        VoxelData::U16(v) => put!(v),
        VoxelData::I16(v) => put!(v),
        VoxelData::U32(v) => put!(v),
        VoxelData::I32(v) => put!(v),
        VoxelData::U64(v) => put!(v),
        VoxelData::I64(v) => put!(v),
        VoxelData::F32(v) => put!(v),
        VoxelData::F64(v) => put!(v),
    }
}

/// Checks that `available` bytes hold `count` samples of `dtype`.
pub(crate) fn check_len(
    path: &Path,
    what: &'static str,
    available: usize,
    count: usize,
    dtype: DType,
) -> Result<(), IoError> {
    let expected = (count as u64) * dtype.size() as u64;
    if (available as u64) < expected {
        return Err(IoError::Truncated {
            path: path.to_path_buf(),
            what,
            expected,
            actual: available as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{inflate_samples, Compression};
    use perirad_core::{DType, VoxelData};
    use std::io::Write;
    use std::path::Path;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).expect("compress");
        e.finish().expect("compress")
    }

    /// `values` written in the given byte order (plus trailing bytes), gzipped, and inflated
    /// into samples of `dtype`: the samples and the bytes the stream held for them.
    macro_rules! round_trip {
        ($values:expr, $dtype:expr, $var:ident, $big:expr) => {{
            let values = $values;
            let mut bytes: Vec<u8> = values
                .iter()
                .flat_map(|v| if $big { v.to_be_bytes() } else { v.to_le_bytes() })
                .collect();
            bytes.extend_from_slice(b"trailing");
            let (data, avail) = inflate_samples(
                Path::new("test.nrrd"),
                &gzip(&bytes),
                Compression::Gzip,
                $dtype,
                $big,
                values.len(),
            )
            .expect("inflate");
            assert!(matches!(data, VoxelData::$var(ref v) if v[..] == values[..]), "{data:?}");
            avail
        }};
    }

    /// Samples inflated straight into their type read the same whatever the file's byte order
    /// (short, float, double), a stream longer than the samples is read to its end, and a short
    /// one reports how many bytes it held.
    #[test]
    fn samples_inflated_in_either_byte_order() {
        let path = Path::new("test.nrrd");
        for big in [false, true] {
            let shorts: [i16; 5] = [-2, 300, i16::MIN, 7, i16::MAX];
            assert_eq!(round_trip!(shorts, DType::I16, I16, big), 10);
            round_trip!([1.5f32, -0.25, 3.0e-8], DType::F32, F32, big);
            round_trip!([std::f64::consts::PI, -1e300], DType::F64, F64, big);
        }
        let (_, avail) = inflate_samples(
            path,
            &gzip(&[1, 2, 3]),
            Compression::Gzip,
            DType::U16,
            false,
            4,
        )
        .expect("inflate");
        assert_eq!(avail, 3);
    }
}
