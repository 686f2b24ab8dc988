//! Opening DICOM files safely and reading typed attributes from them.
//!
//! Every file is read whole and walked once by [`prescan`] before `dicom-object` parses it: the walk
//! checks that every declared element length fits in the bytes that follow and that sequences nest
//! at most [`MAX_DEPTH`] levels. A hostile length (say 4 GB in a 2 kB file) would otherwise make the
//! parser allocate that much before noticing the file is short, and deep nesting would exhaust the
//! stack. The parser itself runs under `catch_unwind`, so a panic inside a third-party decoder on a
//! malformed file becomes an error rather than a crash.

use crate::IoError;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, uids, StandardDataDictionary};
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// An in-memory data set (the root of a file or an item of a sequence).
pub(crate) type Object = InMemDicomObject;

/// Deepest sequence nesting accepted (real files rarely exceed 6).
const MAX_DEPTH: u32 = 64;

/// What a DICOM file holds, from its SOP Class UID and Modality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DicomKind {
    /// An image instance (CT, MR, PET, ...): has Rows and Columns and is not one of the others.
    Image,
    /// A DICOM Segmentation (binary, fractional or label-map).
    Seg,
    /// An RT Structure Set.
    RtStruct,
    /// Anything else; the string is the Modality, or the SOP Class UID when Modality is absent.
    Other(String),
}

/// True when `path` is a DICOM Part 10 file: `DICM` at byte 128 (after the preamble), or at byte 0
/// for files written without the preamble. Only the first 132 bytes are read.
pub fn is_dicom_file(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(132);
    if file.take(132).read_to_end(&mut head).is_err() {
        return false;
    }
    (head.len() >= 132 && &head[128..132] == b"DICM") || head.starts_with(b"DICM")
}

/// Tells an image instance from a SEG, an RTSTRUCT or another object (reads the header only).
pub fn dicom_kind(path: &Path) -> Result<DicomKind, IoError> {
    let obj = open(path, true)?;
    Ok(kind_of(&obj))
}

/// Non-image SOP classes that nevertheless carry Rows/Columns or pixel data.
const NON_IMAGE_CLASSES: &[&str] = &[
    uids::RT_DOSE_STORAGE,
    uids::RAW_DATA_STORAGE,
    uids::SPATIAL_REGISTRATION_STORAGE,
    uids::DEFORMABLE_SPATIAL_REGISTRATION_STORAGE,
];

pub(crate) fn kind_of(obj: &Object) -> DicomKind {
    let sop = text(obj, tags::SOP_CLASS_UID).unwrap_or_default();
    let modality = text(obj, tags::MODALITY).unwrap_or_default();
    if sop == uids::SEGMENTATION_STORAGE
        || sop == uids::LABEL_MAP_SEGMENTATION_STORAGE
        || modality == "SEG"
    {
        return DicomKind::Seg;
    }
    if sop == uids::RT_STRUCTURE_SET_STORAGE || modality == "RTSTRUCT" {
        return DicomKind::RtStruct;
    }
    let non_image = NON_IMAGE_CLASSES.contains(&sop.as_str())
        || matches!(
            modality.as_str(),
            "RTDOSE" | "RTPLAN" | "RTRECORD" | "SR" | "KO" | "PR" | "REG"
        );
    if !non_image && obj.get(tags::ROWS).is_some() && obj.get(tags::COLUMNS).is_some() {
        return DicomKind::Image;
    }
    DicomKind::Other(if !modality.is_empty() {
        modality
    } else if !sop.is_empty() {
        sop
    } else {
        "no Modality or SOP Class UID".to_string()
    })
}

/// Opens a DICOM file. With `header_only`, parsing stops before Pixel Data.
pub(crate) fn open(path: &Path, header_only: bool) -> Result<DefaultDicomObject, IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::io(path, "read", e))?;
    let (body, preamble) = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        (&bytes[132..], ReadPreamble::Always)
    } else if bytes.starts_with(b"DICM") {
        (&bytes[4..], ReadPreamble::Never)
    } else {
        return Err(IoError::BadMagic {
            path: path.to_path_buf(),
            format: "DICOM",
            found: "no `DICM` marker at byte 128 (nor at byte 0)".into(),
        });
    };
    prescan(body, header_only)
        .map_err(|reason| dicom_error(path, format!("malformed DICOM file: {reason}")))?;
    let mut options = OpenFileOptions::new().read_preamble(preamble);
    if header_only {
        options = options.read_until(tags::PIXEL_DATA);
    }
    match catch_unwind(AssertUnwindSafe(|| options.from_reader(&bytes[..]))) {
        Ok(Ok(obj)) => Ok(obj),
        Ok(Err(e)) => Err(dicom_error(
            path,
            format!("cannot parse DICOM file: {}", error_chain(&e)),
        )),
        Err(_) => Err(dicom_error(
            path,
            "the DICOM parser failed on this file (malformed data)",
        )),
    }
}

pub(crate) fn dicom_error(path: &Path, reason: impl Into<String>) -> IoError {
    IoError::Dicom {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// `outer: cause: root cause`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// `(0020,0032) ImagePositionPatient`.
pub(crate) fn tag_name(tag: Tag) -> String {
    match StandardDataDictionary.by_tag(tag) {
        Some(e) => format!("({:04X},{:04X}) {}", tag.0, tag.1, e.alias()),
        None => format!("({:04X},{:04X})", tag.0, tag.1),
    }
}

// ---------------------------------------------------------------------------------------------
// Typed attribute access. Absent or empty attributes are `None`; present but unparsable ones are
// errors naming the attribute.

/// A text attribute, trimmed of padding; `None` when absent, empty or not text.
pub(crate) fn text(obj: &Object, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!t.is_empty()).then(|| t.to_string())
}

/// All values of a numeric attribute (DS, IS, FL, FD, US, ...), each finite.
pub(crate) fn floats(obj: &Object, tag: Tag, path: &Path) -> Result<Option<Vec<f64>>, IoError> {
    let Some(e) = obj.get(tag) else {
        return Ok(None);
    };
    if e.items().is_some() {
        return Err(IoError::header(
            path,
            tag_name(tag),
            "expected numbers, found a sequence",
        ));
    }
    if text(obj, tag).is_none() {
        return Ok(None);
    }
    let v = e.to_multi_float64().map_err(|err| {
        IoError::header(
            path,
            tag_name(tag),
            format!("not a list of numbers: {}", error_chain(&err)),
        )
    })?;
    if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
        return Err(IoError::header(
            path,
            tag_name(tag),
            format!("value {bad} is not finite"),
        ));
    }
    Ok((!v.is_empty()).then_some(v))
}

/// A numeric attribute with exactly `N` values.
pub(crate) fn floats_n<const N: usize>(
    obj: &Object,
    tag: Tag,
    path: &Path,
) -> Result<Option<[f64; N]>, IoError> {
    match floats(obj, tag, path)? {
        None => Ok(None),
        Some(v) => {
            let arr: [f64; N] = v.as_slice().try_into().map_err(|_| {
                IoError::header(
                    path,
                    tag_name(tag),
                    format!("expected {N} values, found {}", v.len()),
                )
            })?;
            Ok(Some(arr))
        }
    }
}

/// The first value of a numeric attribute.
pub(crate) fn float1(obj: &Object, tag: Tag, path: &Path) -> Result<Option<f64>, IoError> {
    Ok(floats(obj, tag, path)?.and_then(|v| v.first().copied()))
}

/// A non-negative integer attribute (US, UL, IS) that fits in `u32`.
pub(crate) fn uint(obj: &Object, tag: Tag, path: &Path) -> Result<Option<u32>, IoError> {
    match float1(obj, tag, path)? {
        None => Ok(None),
        Some(x) if x >= 0.0 && x <= u32::MAX as f64 && x.fract() == 0.0 => Ok(Some(x as u32)),
        Some(x) => Err(IoError::header(
            path,
            tag_name(tag),
            format!("{x} is not a non-negative integer"),
        )),
    }
}

/// A required non-negative integer attribute.
pub(crate) fn require_uint(obj: &Object, tag: Tag, path: &Path) -> Result<u32, IoError> {
    uint(obj, tag, path)?.ok_or_else(|| IoError::header(path, tag_name(tag), "missing"))
}

/// The items of a sequence attribute (empty when absent or not a sequence).
pub(crate) fn items(obj: &Object, tag: Tag) -> &[Object] {
    obj.get(tag).and_then(|e| e.items()).unwrap_or(&[])
}

/// The first item of a sequence attribute.
pub(crate) fn first_item(obj: &Object, tag: Tag) -> Option<&Object> {
    items(obj, tag).first()
}

// ---------------------------------------------------------------------------------------------
// Pre-scan of the encoded data set.

#[derive(Clone, Copy)]
struct Syntax {
    explicit: bool,
    little: bool,
}

const EXPLICIT_LE: Syntax = Syntax {
    explicit: true,
    little: true,
};

/// Walks the file meta group and the data set (`body` starts right after `DICM`) and fails when an
/// element's declared length runs past the end of its container, a header is cut short, or
/// sequences nest deeper than [`MAX_DEPTH`]. With `header_only` the walk stops at Pixel Data.
fn prescan(body: &[u8], header_only: bool) -> Result<(), String> {
    let w = Walker { data: body };
    // File meta group: explicit VR little endian, group 0002.
    let mut pos = 0usize;
    let mut ts = String::new();
    let mut group_end: Option<usize> = None;
    while pos + 4 <= body.len() && w.u16(pos, true) == 0x0002 {
        let h = w.header(pos, body.len(), EXPLICIT_LE)?;
        let end = h.value_start + h.len as usize;
        if h.len == u32::MAX || end > body.len() {
            return Err(format!(
                "file meta element {} has an invalid length",
                fmt_tag(h.tag)
            ));
        }
        // dicom-object takes the group length from the first element only, and reads the
        // group up to it; a second (0002,0000) would make this walk check another length
        // (found by fuzzing).
        if h.tag == (0x0002, 0x0000) {
            if pos != 0 || h.len != 4 {
                return Err(format!(
                    "the file meta group length (0002,0000) must be the group's first element, once, 4 bytes long (found at byte {pos}, {} bytes)",
                    h.len
                ));
            }
            group_end = Some(end.saturating_add(w.u32(h.value_start, true) as usize));
        } else if pos == 0 {
            return Err(
                "the file meta group does not start with its group length (0002,0000)".into(),
            );
        }
        if h.tag == (0x0002, 0x0010) {
            ts = String::from_utf8_lossy(&body[h.value_start..end])
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string();
        }
        pos = end;
    }
    // dicom-object reads the meta group up to its group length: the elements must fill it
    // exactly, or the parser and this walk would start the data set at different bytes (found by
    // fuzzing).
    if let Some(g) = group_end {
        if g != pos {
            return Err(format!(
                "the file meta group length (0002,0000) ends the group at byte {g}, but its elements end at byte {pos}"
            ));
        }
    }
    if ts.is_empty() {
        return Err("the file meta group has no transfer syntax (0002,0010)".into());
    }
    let syntax = match ts.as_str() {
        "1.2.840.10008.1.2" => Syntax {
            explicit: false,
            little: true,
        },
        "1.2.840.10008.1.2.2" => Syntax {
            explicit: true,
            little: false,
        },
        // dicom-object 0.8 does not inflate deflated data sets: it would parse the compressed
        // bytes as elements, unchecked (found by fuzzing).
        "1.2.840.10008.1.2.1.99" => {
            return Err("transfer syntax 1.2.840.10008.1.2.1.99 (Deflated Explicit VR Little Endian) is not supported".into())
        }
        _ => EXPLICIT_LE,
    };
    w.dataset(pos, body.len(), syntax, 0, false, header_only)
        .map(|_| ())
}

struct Walker<'a> {
    data: &'a [u8],
}

struct ElementHeader {
    tag: (u16, u16),
    vr: Option<[u8; 2]>,
    len: u32,
    value_start: usize,
}

fn fmt_tag(t: (u16, u16)) -> String {
    format!("({:04X},{:04X})", t.0, t.1)
}

/// The VR dicom-parser gives an element: explicit VR as written (unknown → UN); implicit VR
/// from the standard dictionary (pixel data and overlay data OW, unknown → UN).
fn parser_vr(h: &ElementHeader) -> VR {
    match h.vr {
        Some(vr) => VR::from_binary(vr).unwrap_or(VR::UN),
        None if h.tag == (0x7FE0, 0x0010) || (h.tag.0 & 0xFF00 == 0x6000 && h.tag.1 == 0x3000) => {
            VR::OW
        }
        None => StandardDataDictionary
            .by_tag(Tag(h.tag.0, h.tag.1))
            .map_or(VR::UN, |e| e.vr().relaxed()),
    }
}

/// Bytes per value of a VR whose values have a fixed size (1 for the others).
fn value_size(vr: VR) -> usize {
    match vr {
        VR::US | VR::SS | VR::OW => 2,
        VR::UL | VR::SL | VR::FL | VR::AT | VR::OF | VR::OL => 4,
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => 8,
        _ => 1,
    }
}

/// Explicit VRs whose length field is 4 bytes (after 2 reserved bytes).
fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"SV"
            | b"UC"
            | b"UN"
            | b"UR"
            | b"UT"
            | b"UV"
    )
}

impl Walker<'_> {
    fn u16(&self, pos: usize, little: bool) -> u16 {
        let b = [self.data[pos], self.data[pos + 1]];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    }

    fn u32(&self, pos: usize, little: bool) -> u32 {
        let b = [
            self.data[pos],
            self.data[pos + 1],
            self.data[pos + 2],
            self.data[pos + 3],
        ];
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    }

    fn header(&self, pos: usize, end: usize, s: Syntax) -> Result<ElementHeader, String> {
        let short = |what: &str| format!("{what} cut short at byte {pos} (the file is truncated)");
        if pos + 8 > end {
            return Err(short("element header"));
        }
        let tag = (self.u16(pos, s.little), self.u16(pos + 2, s.little));
        if tag.0 == 0xFFFE || !s.explicit {
            return Ok(ElementHeader {
                tag,
                vr: None,
                len: self.u32(pos + 4, s.little),
                value_start: pos + 8,
            });
        }
        let vr = [self.data[pos + 4], self.data[pos + 5]];
        if !vr.iter().all(u8::is_ascii_uppercase) {
            return Err(format!(
                "element {} at byte {pos} has an invalid value representation {:?}",
                fmt_tag(tag),
                String::from_utf8_lossy(&vr)
            ));
        }
        // The parser reads a VR it does not know as UN, which has the long form (2 reserved
        // bytes, 4-byte length): the pre-scan must read the same layout, or a mutated VR hides
        // a huge length from it (found by fuzzing).
        if long_vr(&vr) || dicom_core::VR::from_binary(vr).is_none() {
            if pos + 12 > end {
                return Err(short("element header"));
            }
            Ok(ElementHeader {
                tag,
                vr: Some(vr),
                len: self.u32(pos + 8, s.little),
                value_start: pos + 12,
            })
        } else {
            Ok(ElementHeader {
                tag,
                vr: Some(vr),
                len: u32::from(self.u16(pos + 6, s.little)),
                value_start: pos + 8,
            })
        }
    }

    /// Walks data set elements from `pos` to `end` (or to an item delimiter when `in_item`).
    /// Returns the position after the data set.
    fn dataset(
        &self,
        mut pos: usize,
        end: usize,
        s: Syntax,
        depth: u32,
        in_item: bool,
        header_only: bool,
    ) -> Result<usize, String> {
        while pos < end {
            let h = self.header(pos, end, s)?;
            if h.tag.0 == 0xFFFE {
                if h.tag.1 == 0xE00D && in_item {
                    return Ok(h.value_start);
                }
                return Err(format!(
                    "unexpected delimiter {} at byte {pos}",
                    fmt_tag(h.tag)
                ));
            }
            let is_pixel_data = h.tag == (0x7FE0, 0x0010) && depth == 0;
            if is_pixel_data && header_only {
                return Ok(end);
            }
            pos = h.value_start;
            let implicit_sq = h.vr.is_none()
                && StandardDataDictionary
                    .by_tag(Tag(h.tag.0, h.tag.1))
                    .is_some_and(|e| matches!(e.vr(), VirtualVr::Exact(VR::SQ)));
            let is_sq = h.vr == Some(*b"SQ") || implicit_sq;
            if h.len == u32::MAX {
                if is_pixel_data || h.tag == (0x7FE0, 0x0010) {
                    pos = self.fragments(pos, end, s)?;
                } else if is_sq || h.vr.is_none() || h.vr == Some(*b"UN") {
                    // An undefined-length UN holds an implicit VR little endian sequence.
                    let inner = if h.vr == Some(*b"UN") {
                        Syntax {
                            explicit: false,
                            little: true,
                        }
                    } else {
                        s
                    };
                    pos = self.sequence(pos, end, inner, depth + 1, true)?;
                } else {
                    return Err(format!(
                        "element {} has an undefined length but is not a sequence",
                        fmt_tag(h.tag)
                    ));
                }
            } else {
                let len = h.len as usize;
                let unit = value_size(parser_vr(&h));
                if len % unit != 0 {
                    // dicom-parser reads `len / unit` values but moves on by `len`, which would
                    // put it out of step with this walk (found by fuzzing); such a length is
                    // invalid DICOM anyway.
                    return Err(format!(
                        "element {} has length {len}, not a multiple of its value size {unit}",
                        fmt_tag(h.tag)
                    ));
                }
                if len > end - pos {
                    return Err(format!(
                        "element {} declares {len} bytes but only {} remain (the file is truncated or corrupt)",
                        fmt_tag(h.tag),
                        end - pos
                    ));
                }
                if is_sq {
                    self.sequence(pos, pos + len, s, depth + 1, false)?;
                }
                pos += len;
            }
        }
        if in_item {
            return Err("item without its delimiter (the file is truncated)".into());
        }
        Ok(pos)
    }

    /// Walks sequence items; `undefined` sequences end with a sequence delimiter.
    fn sequence(
        &self,
        mut pos: usize,
        end: usize,
        s: Syntax,
        depth: u32,
        undefined: bool,
    ) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!("sequences nested deeper than {MAX_DEPTH} levels"));
        }
        while pos < end {
            if pos + 8 > end {
                return Err(format!(
                    "item header cut short at byte {pos} (the file is truncated)"
                ));
            }
            let tag = (self.u16(pos, s.little), self.u16(pos + 2, s.little));
            let len = self.u32(pos + 4, s.little);
            pos += 8;
            match tag {
                (0xFFFE, 0xE0DD) => return Ok(pos),
                (0xFFFE, 0xE000) if len == u32::MAX => {
                    pos = self.dataset(pos, end, s, depth, true, false)?;
                }
                (0xFFFE, 0xE000) => {
                    let len = len as usize;
                    if len > end - pos {
                        return Err(format!(
                            "sequence item declares {len} bytes but only {} remain",
                            end - pos
                        ));
                    }
                    self.dataset(pos, pos + len, s, depth, false, false)?;
                    pos += len;
                }
                _ => {
                    return Err(format!(
                        "expected a sequence item at byte {}, found {}",
                        pos - 8,
                        fmt_tag(tag)
                    ))
                }
            }
        }
        if undefined {
            return Err("sequence without its delimiter (the file is truncated)".into());
        }
        Ok(pos)
    }

    /// Walks the fragments of encapsulated pixel data.
    fn fragments(&self, mut pos: usize, end: usize, s: Syntax) -> Result<usize, String> {
        while pos + 8 <= end {
            let tag = (self.u16(pos, s.little), self.u16(pos + 2, s.little));
            let len = self.u32(pos + 4, s.little) as usize;
            pos += 8;
            match tag {
                (0xFFFE, 0xE0DD) => return Ok(pos),
                (0xFFFE, 0xE000) if len <= end - pos => pos += len,
                (0xFFFE, 0xE000) => {
                    return Err(format!(
                        "pixel data fragment declares {len} bytes but only {} remain",
                        end - pos
                    ))
                }
                _ => {
                    return Err(format!(
                        "expected a pixel data fragment, found {}",
                        fmt_tag(tag)
                    ))
                }
            }
        }
        Err("encapsulated pixel data without its delimiter (the file is truncated)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explicit_le(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&tag.0.to_le_bytes());
        v.extend_from_slice(&tag.1.to_le_bytes());
        v.extend_from_slice(vr);
        if long_vr(vr) {
            v.extend_from_slice(&[0, 0]);
            v.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            v.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        v.extend_from_slice(value);
        v
    }

    fn meta() -> Vec<u8> {
        let ts = explicit_le((0x0002, 0x0010), b"UI", b"1.2.840.10008.1.2.1\0");
        let mut m = explicit_le((0x0002, 0x0000), b"UL", &(ts.len() as u32).to_le_bytes());
        m.extend(ts);
        m
    }

    #[test]
    fn prescan_accepts_well_formed_and_rejects_overlong_lengths() {
        let mut ok = meta();
        ok.extend(explicit_le((0x0010, 0x0010), b"PN", b"DOE^J "));
        ok.extend(explicit_le((0x7FE0, 0x0010), b"OW", &[0u8; 8]));
        assert!(prescan(&ok, false).is_ok());

        let mut bad = meta();
        let mut e = explicit_le((0x7FE0, 0x0010), b"OW", &[0u8; 8]);
        e[8..12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        bad.extend(e);
        let err = prescan(&bad, false).expect_err("overlong");
        assert!(err.contains("(7FE0,0010) declares"), "{err}");
        // header-only reads stop at pixel data
        assert!(prescan(&bad, true).is_ok());
    }

    #[test]
    fn prescan_limits_nesting() {
        // 100 nested undefined-length sequences, never closed.
        let mut data = meta();
        for _ in 0..100 {
            data.extend_from_slice(&0x0008u16.to_le_bytes());
            data.extend_from_slice(&0x1115u16.to_le_bytes());
            data.extend_from_slice(b"SQ\0\0");
            data.extend_from_slice(&u32::MAX.to_le_bytes());
            data.extend_from_slice(&0xFFFEu16.to_le_bytes());
            data.extend_from_slice(&0xE000u16.to_le_bytes());
            data.extend_from_slice(&u32::MAX.to_le_bytes());
        }
        let err = prescan(&data, false).expect_err("too deep");
        assert!(err.contains("nested deeper"), "{err}");
    }

    #[test]
    fn prescan_rejects_garbage_without_panicking() {
        let mut state = 12345u64;
        for n in 0..2000usize {
            let mut data = meta();
            for _ in 0..(n % 64) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                data.push((state >> 33) as u8);
            }
            let _ = prescan(&data, n % 2 == 0);
        }
    }
}
