//! MetaImage (`.mha` with attached data, `.mhd` + raw; ITK-SNAP's default), read as ITK's
//! `MetaImageIO` reads it. `TransformMatrix` is stored with the direction of each index axis as
//! consecutive numbers, so file entry `c*N + r` is row `r`, column `c` of ITK's direction matrix.

use crate::orient::M3;
use crate::raw::{self, Compression, DataFiles};
use crate::IoError;
use perirad_core::{DType, Geometry, Image, IDENTITY};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn met_type(path: &Path, t: &str) -> Result<DType, IoError> {
    Ok(match t {
        "MET_CHAR" | "MET_ASCII_CHAR" => DType::I8,
        "MET_UCHAR" => DType::U8,
        "MET_SHORT" => DType::I16,
        "MET_USHORT" => DType::U16,
        "MET_INT" | "MET_LONG" => DType::I32,
        "MET_UINT" | "MET_ULONG" => DType::U32,
        "MET_LONG_LONG" => DType::I64,
        "MET_ULONG_LONG" => DType::U64,
        "MET_FLOAT" => DType::F32,
        "MET_DOUBLE" => DType::F64,
        other => {
            return Err(IoError::header(
                path,
                "ElementType",
                format!("{other:?} is not a scalar type perirad reads"),
            ))
        }
    })
}

/// MetaIO's boolean: true when the value starts with `T`, `t` or `1`.
fn is_true(s: &str) -> bool {
    matches!(s.trim().chars().next(), Some('T' | 't' | '1'))
}

/// Reads a MetaImage file.
pub fn read(path: &Path) -> Result<Image, IoError> {
    let file = raw::read_file(path)?;
    read_bytes(path, &file, DataFiles::FromDisk)
}

/// Reads a MetaImage from its bytes (`path` names it in messages and anchors detached data).
pub fn read_bytes(path: &Path, file: &[u8], data_files: DataFiles) -> Result<Image, IoError> {
    // Header: `Key = Value` lines up to and including ElementDataFile.
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut pos = 0usize;
    let mut list_files: Vec<String> = Vec::new();
    let mut saw_data_file = false;
    while pos < file.len() {
        let end = file[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|e| pos + e);
        let line_end = end.unwrap_or(file.len());
        let line = String::from_utf8_lossy(&file[pos..line_end])
            .trim_end_matches('\r')
            .to_string();
        pos = end.map_or(file.len(), |e| e + 1);
        if saw_data_file {
            // Only for `ElementDataFile = LIST`: file names follow, one per line.
            if !line.trim().is_empty() {
                list_files.push(line.trim().to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(IoError::BadMagic {
                path: path.to_path_buf(),
                format: "MetaImage",
                found: format!(
                    "line {:?} is not `Key = Value`",
                    line.chars().take(40).collect::<String>()
                ),
            });
        };
        let key = k.trim().to_string();
        let value = v.trim().to_string();
        if fields.is_empty()
            && ![
                "ObjectType",
                "NDims",
                "Comment",
                "ObjectSubType",
                "FormTypeName",
            ]
            .contains(&key.as_str())
        {
            return Err(IoError::BadMagic {
                path: path.to_path_buf(),
                format: "MetaImage",
                found: format!("first key {key:?}, expected ObjectType or NDims"),
            });
        }
        let is_data_file = key == "ElementDataFile";
        let list = is_data_file && value.starts_with("LIST");
        fields.insert(key, value);
        if is_data_file {
            if !list {
                break;
            }
            saw_data_file = true;
        }
    }
    let get = |k: &str| fields.get(k).map(String::as_str);
    let need = |k: &str| get(k).ok_or_else(|| IoError::header(path, k, "required key is missing"));
    let nums = |k: &str, s: &str| -> Result<Vec<f64>, IoError> {
        s.split_whitespace()
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|_| IoError::header(path, k, format!("{t:?} is not a number")))
            })
            .collect()
    };

    if let Some(t) = get("ObjectType") {
        if t != "Image" {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!("MetaImage ObjectType {t:?}"),
            });
        }
    }
    let ndims: usize = need("NDims")?
        .parse()
        .map_err(|_| IoError::header(path, "NDims", "not a whole number"))?;
    if !(2..=3).contains(&ndims) {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("MetaImage with NDims = {ndims} (perirad reads 2D and 3D)"),
        });
    }
    let dims: Vec<u64> = need("DimSize")?
        .split_whitespace()
        .map(|t| {
            t.parse::<u64>().map_err(|_| {
                IoError::header(path, "DimSize", format!("{t:?} is not a whole number"))
            })
        })
        .collect::<Result<_, _>>()?;
    if dims.len() != ndims || dims.contains(&0) {
        return Err(IoError::header(
            path,
            "DimSize",
            format!("{dims:?}: need {ndims} sizes, each at least 1"),
        ));
    }
    let count = raw::voxel_count(path, &dims)?;
    let channels: usize = get("ElementNumberOfChannels").map_or(Ok(1), |c| {
        c.parse()
            .map_err(|_| IoError::header(path, "ElementNumberOfChannels", "not a whole number"))
    })?;
    if channels != 1 {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("MetaImage with {channels} channels per voxel"),
        });
    }
    let dtype = met_type(path, need("ElementType")?)?;

    let vec_n = |keys: &[&str], default: f64| -> Result<Vec<f64>, IoError> {
        for k in keys {
            if let Some(s) = get(k) {
                let v = nums(k, s)?;
                if v.len() < ndims {
                    return Err(IoError::header(
                        path,
                        *k,
                        format!("{} numbers for {ndims} dimensions", v.len()),
                    ));
                }
                return Ok(v[..ndims].to_vec());
            }
        }
        Ok(vec![default; ndims])
    };
    let sp = vec_n(&["ElementSpacing", "ElementSize"], 1.0)?;
    let or = vec_n(&["ImagePosition", "Origin", "Offset", "Position"], 0.0)?;
    let mut direction: M3 = IDENTITY;
    for k in ["TransformMatrix", "Rotation", "Orientation"] {
        if let Some(s) = get(k) {
            let m = nums(k, s)?;
            if m.len() < ndims * ndims {
                return Err(IoError::header(
                    path,
                    k,
                    format!("{} numbers, need {}", m.len(), ndims * ndims),
                ));
            }
            for c in 0..ndims {
                for r in 0..ndims {
                    direction[r][c] = m[c * ndims + r];
                }
            }
            break;
        }
    }
    let mut size = [1usize; 3];
    let mut spacing = [1.0; 3];
    let mut origin = [0.0; 3];
    for a in 0..ndims {
        size[a] = dims[a] as usize;
        spacing[a] = sp[a];
        origin[a] = or[a];
    }
    let geometry =
        Geometry::new(size, spacing, origin, direction).map_err(|e| IoError::geometry(path, e))?;

    // BinaryDataByteOrderMSB is parsed after ElementByteOrderMSB and overrides it.
    let big_endian = get("BinaryDataByteOrderMSB")
        .or(get("ElementByteOrderMSB"))
        .is_some_and(is_true);
    let compressed = get("CompressedData").is_some_and(is_true);
    if get("BinaryData").is_some_and(|b| !is_true(b)) {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: "MetaImage with BinaryData = False (ASCII voxels)".into(),
        });
    }
    let header_size: i64 = get("HeaderSize").map_or(Ok(0), |h| {
        h.parse()
            .map_err(|_| IoError::header(path, "HeaderSize", format!("{h:?}")))
    })?;
    let data_file = need("ElementDataFile")?;
    let want = count as u64 * dtype.size() as u64;

    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let sources: Vec<(PathBuf, Option<&[u8]>)> = if data_file.eq_ignore_ascii_case("LOCAL") {
        vec![(path.to_path_buf(), Some(&file[pos..]))]
    } else if data_file.starts_with("LIST") {
        if list_files.is_empty() {
            return Err(IoError::header(
                path,
                "ElementDataFile",
                "LIST with no file names after it",
            ));
        }
        list_files.iter().map(|n| (dir.join(n), None)).collect()
    } else {
        vec![(dir.join(data_file), None)]
    };
    let per = want / sources.len() as u64;
    let mut bytes = Vec::new();
    for (src, attached) in &sources {
        let owned;
        let content: &[u8] = match attached {
            Some(c) => c,
            None => {
                owned = data_files.read(path, src)?;
                &owned
            }
        };
        let chunk = if compressed {
            let kind = if raw::is_gzip(content) {
                Compression::Gzip
            } else {
                Compression::Zlib
            };
            raw::inflate(src, content, kind, per)?
        } else {
            let skip = if header_size == -1 {
                content.len().saturating_sub(per as usize)
            } else if attached.is_some() {
                0
            } else {
                header_size.max(0) as usize
            };
            content[skip.min(content.len())..].to_vec()
        };
        let take = chunk.len().min(per as usize);
        bytes.extend_from_slice(&chunk[..take]);
    }
    raw::check_len(path, "the voxel data", bytes.len(), count, dtype)?;
    let data = raw::decode(&bytes, dtype, big_endian, count);
    Image::new(geometry, data).map_err(|e| IoError::geometry(path, e))
}
