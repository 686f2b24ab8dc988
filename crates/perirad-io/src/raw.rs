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
    // Reserve what the compressed bytes can at most expand to (deflate's ratio is below 1032:1,
    // per gzip member too), no more than `limit`: a lying header cannot make us allocate more
    // than the data could fill, and a real image is inflated into one buffer without regrowing.
    let mut out = Vec::with_capacity((data.len() as u64).saturating_mul(1032).min(limit) as usize);
    let mut reader: Box<dyn Read + '_> = match kind {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
        Compression::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
    };
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
