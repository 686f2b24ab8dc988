//! NRRD (`.nrrd`, `.nhdr` + detached data) and 3D Slicer segmentations (`.seg.nrrd`), read as
//! ITK's `NrrdImageIO` reads them: spacing is the length of each `space directions` vector, the
//! direction its unit vector, and RAS/LAS spaces are converted to LPS.
//!
//! Encodings: raw, gzip, ascii/text and hex; data files: attached, one detached file, `LIST`, or a
//! printf-style pattern. A non-spatial first axis (`kinds: list ...`, as 3D Slicer writes
//! multi-layer segmentations) is read as that many layers.

use crate::orient::{self, M3};
use crate::raw::{self, Compression, DataFiles};
use crate::IoError;
use perirad_core::{DType, Geometry, Image, LabelMap, Segment, Volume, VoxelData};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed NRRD: geometry of the spatial axes, number of layers (1 unless the first axis is
/// non-spatial), all samples in file order, and the `key:=value` pairs.
#[derive(Debug, Clone)]
pub struct Nrrd {
    pub geometry: Geometry,
    pub layers: usize,
    pub data: VoxelData,
    pub key_values: BTreeMap<String, String>,
}

/// Most layers (components per voxel) accepted in one file.
const MAX_LAYERS: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    Raw,
    Gzip,
    Ascii,
    Hex,
}

struct Fields {
    map: BTreeMap<String, String>,
    key_values: BTreeMap<String, String>,
    /// Lines after the header of a detached `data file: LIST`.
    trailing: Vec<String>,
    /// Byte offset of the attached data.
    data_start: usize,
}

fn parse_fields(path: &Path, bytes: &[u8]) -> Result<Fields, IoError> {
    if !bytes.starts_with(b"NRRD000") {
        let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(8)]).into();
        return Err(IoError::BadMagic {
            path: path.to_path_buf(),
            format: "NRRD",
            found: format!("first bytes {shown:?}, expected \"NRRD000x\""),
        });
    }
    let mut map = BTreeMap::new();
    let mut key_values = BTreeMap::new();
    let mut trailing = Vec::new();
    let mut pos = 0usize;
    let mut first = true;
    let mut list_mode = false;
    while pos < bytes.len() {
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|e| pos + e);
        let line_end = end.unwrap_or(bytes.len());
        let line = String::from_utf8_lossy(&bytes[pos..line_end]);
        let line = line.trim_end_matches('\r').to_string();
        pos = end.map_or(bytes.len(), |e| e + 1);
        if first {
            first = false;
            continue;
        }
        if list_mode {
            if !line.trim().is_empty() {
                trailing.push(line.trim().to_string());
            }
            continue;
        }
        if line.is_empty() {
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(":=") {
            key_values.insert(k.to_string(), v.to_string());
        } else if let Some((k, v)) = line.split_once(':') {
            let key = k.trim().to_ascii_lowercase();
            let value = v.trim().to_string();
            if (key == "data file" || key == "datafile") && value.starts_with("LIST") {
                list_mode = true;
            }
            map.insert(key, value);
        } else {
            return Err(IoError::header(
                path,
                line.chars().take(40).collect::<String>(),
                "a header line must be `field: value` or `key:=value`",
            ));
        }
    }
    Ok(Fields {
        map,
        key_values,
        trailing,
        data_start: pos,
    })
}

fn nrrd_type(path: &Path, t: &str) -> Result<DType, IoError> {
    Ok(match t {
        "signed char" | "int8" | "int8_t" => DType::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => DType::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => {
            DType::I16
        }
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => DType::U16,
        "int" | "signed int" | "int32" | "int32_t" => DType::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => DType::U32,
        "longlong"
        | "long long"
        | "long long int"
        | "signed long long"
        | "signed long long int"
        | "int64"
        | "int64_t" => DType::I64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => {
            DType::U64
        }
        "float" => DType::F32,
        "double" => DType::F64,
        other => {
            return Err(IoError::header(
                path,
                "type",
                format!("{other:?} is not a scalar type perirad reads"),
            ))
        }
    })
}

/// Parses `(a,b,c)` vectors separated by spaces; `none` gives `None`.
fn parse_vectors(path: &Path, field: &str, s: &str) -> Result<Vec<Option<Vec<f64>>>, IoError> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("none") {
            out.push(None);
            rest = r.trim_start();
            continue;
        }
        let inner_end = rest
            .find(')')
            .filter(|_| rest.starts_with('('))
            .ok_or_else(|| {
                IoError::header(
                    path,
                    field,
                    format!("{s:?}: expected vectors like (1,0,0) or none"),
                )
            })?;
        let nums: Result<Vec<f64>, _> = rest[1..inner_end]
            .split(',')
            .map(|t| t.trim().parse::<f64>())
            .collect();
        let nums = nums
            .map_err(|_| IoError::header(path, field, format!("{s:?}: not a vector of numbers")))?;
        out.push(Some(nums));
        rest = rest[inner_end + 1..].trim_start();
    }
    Ok(out)
}

fn parse_numbers<T: std::str::FromStr>(
    path: &Path,
    field: &str,
    s: &str,
) -> Result<Vec<T>, IoError> {
    s.split_whitespace()
        .map(|t| {
            t.parse::<T>().map_err(|_| {
                IoError::header(path, field, format!("{t:?} in {s:?} is not a number"))
            })
        })
        .collect()
}

/// Sign flips that take a NRRD `space` to LPS.
fn space_to_lps(path: &Path, space: Option<&str>) -> Result<[f64; 3], IoError> {
    Ok(match space.map(|s| s.to_ascii_lowercase()) {
        None => [1.0, 1.0, 1.0],
        Some(s) => match s.as_str() {
            "left-posterior-superior" | "lps" | "3d-left-handed" => [1.0, 1.0, 1.0],
            "right-anterior-superior" | "ras" | "3d-right-handed" => [-1.0, -1.0, 1.0],
            "left-anterior-superior" | "las" => [1.0, -1.0, 1.0],
            "scanner-xyz" | "3d-right-handed-time" | "3d-left-handed-time" => [1.0, 1.0, 1.0],
            other => {
                return Err(IoError::Unsupported {
                    path: path.to_path_buf(),
                    what: format!("NRRD space {other:?}"),
                })
            }
        },
    })
}

/// Reads and parses a NRRD file with all its layers.
pub fn read_nrrd(path: &Path) -> Result<Nrrd, IoError> {
    let file = raw::read_file(path)?;
    parse_nrrd(path, &file, DataFiles::FromDisk)
}

/// Parses a NRRD from its bytes (`path` names it in messages and anchors detached data files).
pub fn parse_nrrd(path: &Path, file: &[u8], data_files: DataFiles) -> Result<Nrrd, IoError> {
    let f = parse_fields(path, file)?;
    let get = |k: &str| f.map.get(k).map(String::as_str);
    let need =
        |k: &str| get(k).ok_or_else(|| IoError::header(path, k, "required field is missing"));

    let dtype = nrrd_type(path, &need("type")?.to_ascii_lowercase())?;
    let dimension: usize = need("dimension")?
        .parse()
        .map_err(|_| IoError::header(path, "dimension", "not a whole number"))?;
    if !(1..=4).contains(&dimension) {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD dimension {dimension} (perirad reads 2D and 3D images, with an optional list axis)"),
        });
    }
    let sizes: Vec<u64> = parse_numbers(path, "sizes", need("sizes")?)?;
    if sizes.len() != dimension || sizes.contains(&0) {
        return Err(IoError::header(
            path,
            "sizes",
            format!("{sizes:?}: need {dimension} sizes, each at least 1"),
        ));
    }
    let count = raw::voxel_count(path, &sizes)?;

    // Which axes are spatial.
    let directions = match get("space directions") {
        Some(s) => Some(parse_vectors(path, "space directions", s)?),
        None => None,
    };
    let kinds: Vec<String> = get("kinds")
        .map(|k| k.split_whitespace().map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let spatial: Vec<bool> = (0..dimension)
        .map(|a| match &directions {
            Some(d) => d.get(a).is_some_and(Option::is_some),
            None => !matches!(
                kinds.get(a).map(String::as_str),
                Some(
                    "list"
                        | "vector"
                        | "point"
                        | "covariant-vector"
                        | "normal"
                        | "rgb-color"
                        | "rgba-color"
                        | "complex"
                        | "2-vector"
                        | "3-vector"
                        | "4-vector"
                        | "3-color"
                        | "4-color"
                        | "hsv-color"
                        | "xyz-color"
                )
            ),
        })
        .collect();
    let n_spatial = spatial.iter().filter(|&&s| s).count();
    let layers_axis = match (dimension, n_spatial) {
        (d, s) if d == s => None,
        (d, s) if d == s + 1 && !spatial[0] => Some(0),
        _ => {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "NRRD with axes {kinds:?}: only a non-spatial first axis is supported"
                ),
            })
        }
    };
    if !(2..=3).contains(&n_spatial) {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD with {n_spatial} spatial axes (perirad reads 2D and 3D images)"),
        });
    }
    let layers = layers_axis.map_or(1, |a| sizes[a] as usize);
    if layers > MAX_LAYERS {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD with {layers} components per voxel (at most {MAX_LAYERS})"),
        });
    }
    let spatial_sizes: Vec<usize> = (0..dimension)
        .filter(|&a| spatial[a])
        .map(|a| sizes[a] as usize)
        .collect();

    let flips = space_to_lps(path, get("space"))?;
    let mut size = [1usize; 3];
    let mut spacing = [1.0; 3];
    let mut direction: M3 = perirad_core::IDENTITY;
    let mut origin = [0.0; 3];
    for (n, &s) in spatial_sizes.iter().enumerate() {
        size[n] = s;
    }
    if let Some(dirs) = &directions {
        if dirs.len() != dimension {
            return Err(IoError::header(
                path,
                "space directions",
                format!("{} entries for dimension {dimension}", dirs.len()),
            ));
        }
        for (n, v) in dirs.iter().flatten().enumerate() {
            if v.len() < n_spatial || v.len() > 3 || v.iter().any(|x| !x.is_finite()) {
                return Err(IoError::header(
                    path,
                    "space directions",
                    format!("vector {v:?} is not a finite {n_spatial}-vector"),
                ));
            }
            let len = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if len <= 0.0 {
                return Err(IoError::header(
                    path,
                    "space directions",
                    format!("vector {v:?} has zero length (zero spacing)"),
                ));
            }
            spacing[n] = len;
            for r in 0..3 {
                direction[r][n] = v.get(r).copied().unwrap_or(0.0) / len * flips[r];
            }
        }
        if let Some(o) = get("space origin") {
            let o = parse_vectors(path, "space origin", o)?;
            match o.first() {
                Some(Some(v))
                    if v.len() >= n_spatial && v.len() <= 3 && v.iter().all(|x| x.is_finite()) =>
                {
                    for (r, x) in v.iter().enumerate() {
                        origin[r] = x * flips[r];
                    }
                }
                _ => return Err(IoError::header(path, "space origin", "not a finite vector")),
            }
        }
    } else if let Some(s) = get("spacings") {
        let values: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        let mut n = 0;
        for (a, v) in values.iter().enumerate() {
            if a < dimension && spatial[a] {
                spacing[n] = v.parse::<f64>().map_err(|_| {
                    IoError::header(path, "spacings", format!("{v:?} is not a number"))
                })?;
                n += 1;
            }
        }
        let centers: Vec<String> = get("centers")
            .or(get("centerings"))
            .map(|k| k.split_whitespace().map(str::to_ascii_lowercase).collect())
            .unwrap_or_default();
        if let Some(m) = get("axis mins") {
            let values: Vec<String> = m.split_whitespace().map(str::to_string).collect();
            let mut n = 0;
            for (a, v) in values.iter().enumerate() {
                if a < dimension && spatial[a] {
                    let min = v.parse::<f64>().unwrap_or(f64::NAN);
                    // teem's default centring is cell: the first sample sits half a spacing in.
                    let node = centers.get(a).is_some_and(|c| c == "node");
                    origin[n] = if min.is_finite() {
                        min + if node { 0.0 } else { spacing[n] / 2.0 }
                    } else {
                        0.0
                    };
                    n += 1;
                }
            }
        }
    }
    if n_spatial == 2 {
        orient::embed_2d(&mut direction, &mut origin);
        spacing[2] = 1.0;
    }
    let geometry =
        Geometry::new(size, spacing, origin, direction).map_err(|e| IoError::geometry(path, e))?;

    let encoding = match need("encoding")?.to_ascii_lowercase().as_str() {
        "raw" => Encoding::Raw,
        "gzip" | "gz" => Encoding::Gzip,
        "ascii" | "text" | "txt" => Encoding::Ascii,
        "hex" => Encoding::Hex,
        other => {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!("NRRD encoding {other:?} (supported: raw, gzip, ascii, hex)"),
            })
        }
    };
    let big_endian = match get("endian") {
        Some(e) if e.eq_ignore_ascii_case("big") => true,
        Some(e) if e.eq_ignore_ascii_case("little") => false,
        Some(e) => {
            return Err(IoError::header(
                path,
                "endian",
                format!("{e:?}: must be little or big"),
            ))
        }
        None if dtype.size() > 1 && matches!(encoding, Encoding::Raw | Encoding::Gzip) => {
            return Err(IoError::header(
                path,
                "endian",
                "required for multi-byte types",
            ))
        }
        None => false,
    };
    let line_skip: usize = get("line skip").or(get("lineskip")).map_or(Ok(0), |s| {
        s.parse()
            .map_err(|_| IoError::header(path, "line skip", format!("{s:?}")))
    })?;
    let byte_skip: i64 = get("byte skip").or(get("byteskip")).map_or(Ok(0), |s| {
        s.parse()
            .map_err(|_| IoError::header(path, "byte skip", format!("{s:?}")))
    })?;
    if byte_skip < -1 || (byte_skip == -1 && encoding != Encoding::Raw) {
        return Err(IoError::header(
            path,
            "byte skip",
            format!("{byte_skip}: only raw encoding allows -1"),
        ));
    }

    // Data sources: attached, or one or more detached files each holding an equal share.
    let sources: Vec<(PathBuf, Option<Vec<u8>>)> = match get("data file").or(get("datafile")) {
        None => vec![(path.to_path_buf(), Some(file[f.data_start..].to_vec()))],
        Some(df) => detached_files(path, df, &f.trailing)?
            .into_iter()
            .map(|p| (p, None))
            .collect(),
    };
    let per_file = count / sources.len().max(1);
    if per_file * sources.len() != count {
        return Err(IoError::header(
            path,
            "data file",
            format!("{} files do not evenly hold {count} samples", sources.len()),
        ));
    }
    let mut bytes: Vec<u8> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    // One gzip data file without a byte skip (the usual case) is inflated straight into the
    // samples.
    let mut samples: Option<VoxelData> = None;
    let one_file = sources.len() == 1;
    for (src, attached) in sources {
        let content = match attached {
            Some(c) => c,
            None => data_files.read(path, &src)?,
        };
        let mut start = 0usize;
        for _ in 0..line_skip {
            match content[start..].iter().position(|&b| b == b'\n') {
                Some(e) => start += e + 1,
                None => {
                    return Err(IoError::Truncated {
                        path: src.clone(),
                        what: "the lines to skip (`line skip`)",
                        expected: line_skip as u64,
                        actual: 0,
                    })
                }
            }
        }
        let content = &content[start..];
        let want = (per_file * dtype.size()) as u64;
        match encoding {
            Encoding::Raw => {
                let skip = if byte_skip == -1 {
                    content.len().saturating_sub(want as usize)
                } else {
                    byte_skip as usize
                };
                let avail = content.len().saturating_sub(skip);
                raw::check_len(&src, "the voxel data", avail, per_file, dtype)?;
                bytes.extend_from_slice(&content[skip..skip + want as usize]);
            }
            Encoding::Gzip if one_file && byte_skip == 0 => {
                let (data, avail) = raw::inflate_samples(
                    &src,
                    content,
                    Compression::Gzip,
                    dtype,
                    big_endian,
                    count,
                )?;
                raw::check_len(&src, "the decompressed voxel data", avail, per_file, dtype)?;
                samples = Some(data);
            }
            Encoding::Gzip => {
                let skip = byte_skip as u64;
                let inflated = raw::inflate(&src, content, Compression::Gzip, skip + want)?;
                let avail = inflated.len().saturating_sub(skip as usize);
                raw::check_len(&src, "the decompressed voxel data", avail, per_file, dtype)?;
                if bytes.is_empty() && skip == 0 {
                    // One data file (the usual case): its bytes as they are, no copy.
                    bytes = inflated;
                } else {
                    bytes.extend_from_slice(&inflated[skip as usize..]);
                }
            }
            Encoding::Ascii => {
                let text = String::from_utf8_lossy(content);
                let mut n = 0;
                for tok in text
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|t| !t.is_empty())
                {
                    if n == per_file {
                        break;
                    }
                    let v: f64 = tok.parse().map_err(|_| {
                        IoError::header(&src, "data", format!("{tok:?} is not a number"))
                    })?;
                    values.push(v);
                    n += 1;
                }
                if n < per_file {
                    return Err(IoError::Truncated {
                        path: src.clone(),
                        what: "the ascii voxel data (values)",
                        expected: per_file as u64,
                        actual: n as u64,
                    });
                }
            }
            Encoding::Hex => {
                let digits: Vec<u8> = content
                    .iter()
                    .copied()
                    .filter(u8::is_ascii_hexdigit)
                    .take(want as usize * 2)
                    .collect();
                if (digits.len() as u64) < want * 2 {
                    return Err(IoError::Truncated {
                        path: src.clone(),
                        what: "the hex voxel data (digits)",
                        expected: want * 2,
                        actual: digits.len() as u64,
                    });
                }
                let hex = |d: u8| (d as char).to_digit(16).unwrap_or(0) as u8;
                bytes.extend(digits.chunks_exact(2).map(|p| hex(p[0]) << 4 | hex(p[1])));
            }
        }
    }
    let data = match samples {
        Some(data) => data,
        None if encoding == Encoding::Ascii => from_f64(values, dtype),
        None => raw::decode(&bytes, dtype, big_endian, count),
    };
    Ok(Nrrd {
        geometry,
        layers,
        data,
        key_values: f.key_values,
    })
}

fn from_f64(v: Vec<f64>, dtype: DType) -> VoxelData {
    match dtype {
        DType::U8 => VoxelData::U8(v.iter().map(|&x| x as u8).collect()),
        DType::I8 => VoxelData::I8(v.iter().map(|&x| x as i8).collect()),
        DType::U16 => VoxelData::U16(v.iter().map(|&x| x as u16).collect()),
        DType::I16 => VoxelData::I16(v.iter().map(|&x| x as i16).collect()),
        DType::U32 => VoxelData::U32(v.iter().map(|&x| x as u32).collect()),
        DType::I32 => VoxelData::I32(v.iter().map(|&x| x as i32).collect()),
        DType::U64 => VoxelData::U64(v.iter().map(|&x| x as u64).collect()),
        DType::I64 => VoxelData::I64(v.iter().map(|&x| x as i64).collect()),
        DType::F32 => VoxelData::F32(v.iter().map(|&x| x as f32).collect()),
        DType::F64 => VoxelData::F64(v),
    }
}

/// The detached data files named by a `data file` field.
fn detached_files(header: &Path, spec: &str, trailing: &[String]) -> Result<Vec<PathBuf>, IoError> {
    let dir = header.parent().unwrap_or_else(|| Path::new("."));
    let resolve = |name: &str| {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        }
    };
    let parts: Vec<&str> = spec.split_whitespace().collect();
    if parts.first() == Some(&"LIST") {
        if trailing.is_empty() {
            return Err(IoError::header(
                header,
                "data file",
                "LIST with no file names after the header",
            ));
        }
        return Ok(trailing.iter().map(|n| resolve(n)).collect());
    }
    if parts.len() >= 4 && parts[0].contains('%') {
        let nums: Result<Vec<i64>, _> = parts[1..4].iter().map(|t| t.parse::<i64>()).collect();
        let nums = nums.map_err(|_| {
            IoError::header(
                header,
                "data file",
                format!("{spec:?}: pattern needs min max step"),
            )
        })?;
        let (min, max, step) = (nums[0], nums[1], nums[2]);
        if step == 0
            || (max - min).signum() * step.signum() < 0
            || ((max - min) / step).abs() > 100_000
        {
            return Err(IoError::header(
                header,
                "data file",
                format!("{spec:?}: bad min/max/step"),
            ));
        }
        let mut out = Vec::new();
        let mut i = min;
        while (step > 0 && i <= max) || (step < 0 && i >= max) {
            out.push(resolve(&format_pattern(parts[0], i)));
            i += step;
        }
        return Ok(out);
    }
    Ok(vec![resolve(spec)])
}

/// Expands one `%d`/`%0Nd`/`%Nd` in a file-name pattern.
fn format_pattern(pattern: &str, value: i64) -> String {
    if let Some(p) = pattern.find('%') {
        let rest = &pattern[p + 1..];
        if let Some(d) = rest.find('d') {
            let spec = &rest[..d];
            let zero = spec.starts_with('0');
            let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
            let num = if zero {
                format!("{value:0width$}")
            } else {
                format!("{value:width$}")
            };
            return format!("{}{}{}", &pattern[..p], num, &rest[d + 1..]);
        }
    }
    pattern.to_string()
}

/// Reads a scalar NRRD image (a multi-layer file is refused: read it as a segmentation).
pub fn read(path: &Path) -> Result<Image, IoError> {
    let n = read_nrrd(path)?;
    if n.layers != 1 {
        return Err(IoError::Unsupported {
            path: path.to_path_buf(),
            what: format!("NRRD with {} components per voxel as an intensity image (read it as a segmentation or label map)", n.layers),
        });
    }
    Image::new(n.geometry, n.data).map_err(|e| IoError::geometry(path, e))
}

/// A 3D Slicer segmentation: one label map per layer, each with its segments.
#[derive(Debug, Clone)]
pub struct SlicerSegmentation {
    pub layers: Vec<LabelMap>,
    /// The stored samples (all layers), for statistics.
    pub stored: VoxelData,
}

/// The voxels as labels when they are integers of at most 32 bits and none is negative.
fn integer_labels(data: &VoxelData) -> Option<Vec<u32>> {
    fn signed<T: Copy + Into<i64>>(v: &[T]) -> Option<Vec<u32>> {
        // Checked first, then converted in one exact-size pass (both loops vectorise; a
        // conversion that could stop at any voxel does not). Types up to 32 bits: a
        // non-negative value fits in u32.
        if v.iter().any(|&x| x.into() < 0) {
            return None;
        }
        Some(v.iter().map(|&x| x.into() as u32).collect())
    }
    match data {
        VoxelData::U8(v) => Some(v.iter().map(|&x| u32::from(x)).collect()),
        VoxelData::U16(v) => Some(v.iter().map(|&x| u32::from(x)).collect()),
        VoxelData::U32(v) => Some(v.clone()),
        VoxelData::I8(v) => signed(v),
        VoxelData::I16(v) => signed(v),
        VoxelData::I32(v) => signed(v),
        _ => None,
    }
}

/// Reads a NRRD as label layers; `Segment{N}_*` keys name the segments (3D Slicer `.seg.nrrd`).
pub fn read_segmentation(path: &Path) -> Result<SlicerSegmentation, IoError> {
    let n = read_nrrd(path)?;
    let nvox = n.geometry.len();
    // One layer of integers (the common label map): converted in one pass; otherwise (or with
    // a negative value, which fails below at the same voxel) voxel by voxel.
    let fast = if n.layers == 1 {
        integer_labels(&n.data)
    } else {
        None
    };
    let converted = fast.is_some();
    let mut layer_labels = match fast {
        Some(labels) => vec![labels],
        None => vec![Vec::with_capacity(nvox); n.layers],
    };
    for idx in (0..n.data.len()).filter(|_| !converted) {
        let v = n.data.get_f64(idx);
        if !(v >= 0.0 && v <= u32::MAX as f64 && v.fract() == 0.0) {
            return Err(IoError::geometry(
                path,
                perirad_core::CoreError::InvalidLabel {
                    value: v,
                    index: idx,
                },
            ));
        }
        layer_labels[idx % n.layers].push(v as u32);
    }
    // Segment metadata.
    let mut segments: Vec<(usize, Segment)> = Vec::new();
    for i in 0.. {
        let key = |f: &str| {
            n.key_values
                .get(&format!("Segment{i}_{f}"))
                .map(|s| s.trim().to_string())
        };
        // 3D Slicer counts segments while `SegmentN_ID` exists; files written before label
        // values existed hold one binary layer per segment (layer N, value 1).
        let Some(id) = key("ID") else { break };
        let name = key("Name").unwrap_or_else(|| id.clone());
        let value = match key("LabelValue") {
            Some(v) => v.parse::<u32>().map_err(|_| {
                IoError::header(
                    path,
                    format!("Segment{i}_LabelValue"),
                    format!("{v:?} is not a label value"),
                )
            })?,
            None => 1,
        };
        let layer = match key("Layer") {
            Some(v) => v.parse::<usize>().map_err(|_| {
                IoError::header(
                    path,
                    format!("Segment{i}_Layer"),
                    format!("{v:?} is not a layer index"),
                )
            })?,
            None => i,
        };
        if layer >= n.layers {
            return Err(IoError::header(
                path,
                format!("Segment{i}_Layer"),
                format!("layer {layer} but the file has {} layer(s)", n.layers),
            ));
        }
        segments.push((
            layer,
            Segment {
                value,
                name,
                id: Some(id),
            },
        ));
    }
    let mut layers = Vec::with_capacity(n.layers);
    for (l, labels) in layer_labels.into_iter().enumerate() {
        let vol =
            Volume::new(n.geometry.clone(), labels).map_err(|e| IoError::geometry(path, e))?;
        let segs = segments
            .iter()
            .filter(|(sl, _)| *sl == l)
            .map(|(_, s)| s.clone())
            .collect();
        layers.push(
            LabelMap::new(vol)
                .map_err(|e| IoError::geometry(path, e))?
                .with_segments(segs),
        );
    }
    Ok(SlicerSegmentation {
        layers,
        stored: n.data,
    })
}
