//! 2D frames (ultrasound, screenshots): PNG, JPEG, BMP and TIFF. Grey images keep their stored
//! type; colour images become grey with the luminance weights ITK's `ConvertPixelBuffer` uses,
//! so the values equal what SimpleITK gives when it reads the file as a scalar image.
//! Pixel spacing is rarely meaningful in these formats: the caller should pass it (`--spacing`).
//! Without it, the spacing is what ITK reads: PNG `sCAL`, JPEG JFIF density, TIFF resolution
//! tags (25.4/dpi or 10/dpcm mm), otherwise 1 × 1. (ITK ignores PNG `pHYs` and BMP resolution.)

use crate::IoError;
use image::DynamicImage;
use perirad_core::{Geometry, Image, VoxelData, IDENTITY};
use std::path::Path;

/// ITK's luminance weights (Rec. 709) for RGB → grey.
fn luminance(r: f64, g: f64, b: f64) -> f64 {
    (2125.0 * r + 7154.0 * g + 721.0 * b) / 10000.0
}

/// Reads a 2D frame; `spacing` is the in-plane pixel spacing in mm (default 1 × 1).
pub fn read(path: &Path, spacing: Option<[f64; 2]>) -> Result<Image, IoError> {
    let reader = image::ImageReader::open(path)
        .map_err(|e| IoError::io(path, "open", e))?
        .with_guessed_format()
        .map_err(|e| IoError::io(path, "read", e))?;
    let img = reader.decode().map_err(|source| IoError::Image {
        path: path.to_path_buf(),
        source,
    })?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let [sx, sy] = match spacing {
        Some(s) => s,
        None => std::fs::read(path)
            .ok()
            .and_then(|b| stored_spacing(&b))
            .unwrap_or([1.0, 1.0]),
    };
    let geometry = Geometry::new([w, h, 1], [sx, sy, 1.0], [0.0; 3], IDENTITY)
        .map_err(|e| IoError::geometry(path, e))?;
    let data = match img {
        DynamicImage::ImageLuma8(b) => VoxelData::U8(b.into_raw()),
        DynamicImage::ImageLuma16(b) => VoxelData::U16(b.into_raw()),
        DynamicImage::ImageLumaA8(b) => VoxelData::F64(grey_alpha(b.as_raw(), 255.0)),
        DynamicImage::ImageLumaA16(b) => VoxelData::F64(grey_alpha(b.as_raw(), 65535.0)),
        DynamicImage::ImageRgb8(b) => VoxelData::F64(rgb(b.as_raw(), 3, 255.0)),
        DynamicImage::ImageRgba8(b) => VoxelData::F64(rgb(b.as_raw(), 4, 255.0)),
        DynamicImage::ImageRgb16(b) => VoxelData::F64(rgb(b.as_raw(), 3, 65535.0)),
        DynamicImage::ImageRgba16(b) => VoxelData::F64(rgb(b.as_raw(), 4, 65535.0)),
        DynamicImage::ImageRgb32F(b) => VoxelData::F64(rgb(b.as_raw(), 3, 1.0)),
        DynamicImage::ImageRgba32F(b) => VoxelData::F64(rgb(b.as_raw(), 4, 1.0)),
        other => {
            return Err(IoError::Unsupported {
                path: path.to_path_buf(),
                what: format!("pixel layout {:?}", other.color()),
            })
        }
    };
    Image::new(geometry, data).map_err(|e| IoError::geometry(path, e))
}

/// The pixel spacing a file records, in the places ITK reads it.
fn stored_spacing(b: &[u8]) -> Option<[f64; 2]> {
    let ok = |s: [f64; 2]| {
        (s[0].is_finite() && s[0] > 0.0 && s[1].is_finite() && s[1] > 0.0).then_some(s)
    };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_scal(b).and_then(ok)
    } else if b.starts_with(&[0xff, 0xd8]) {
        jfif_density(b).and_then(ok)
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        tiff_resolution(b).and_then(ok)
    } else {
        None
    }
}

/// PNG `sCAL`: unit byte, then width and height as ASCII numbers separated by NUL; ITK takes
/// the numbers as they are.
fn png_scal(b: &[u8]) -> Option<[f64; 2]> {
    let mut pos = 8usize;
    while pos + 8 <= b.len() {
        let len = u32::from_be_bytes(b[pos..pos + 4].try_into().ok()?) as usize;
        let kind = &b[pos + 4..pos + 8];
        let data = b.get(pos + 8..pos + 8usize.checked_add(len)?)?;
        if kind == b"sCAL" && !data.is_empty() {
            let text = String::from_utf8_lossy(&data[1..]);
            let mut parts = text.split('\0');
            let w = parts.next()?.trim().parse().ok()?;
            let h = parts.next()?.trim().parse().ok()?;
            return Some([w, h]);
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        pos = pos.checked_add(12 + len)?;
    }
    None
}

/// JPEG JFIF APP0 density: unit 1 = dots per inch (25.4/d mm), 2 = dots per cm (10/d mm).
fn jfif_density(b: &[u8]) -> Option<[f64; 2]> {
    let mut pos = 2usize;
    while pos + 4 <= b.len() && b[pos] == 0xff {
        let marker = b[pos + 1];
        let len = u16::from_be_bytes([b[pos + 2], b[pos + 3]]) as usize;
        if marker == 0xe0 {
            let d = b.get(pos + 4..pos + 2 + len)?;
            if d.len() >= 12 && d.starts_with(b"JFIF\0") {
                let unit = d[7];
                let x = u16::from_be_bytes([d[8], d[9]]) as f64;
                let y = u16::from_be_bytes([d[10], d[11]]) as f64;
                return match unit {
                    1 if x > 0.0 && y > 0.0 => Some([25.4 / x, 25.4 / y]),
                    2 if x > 0.0 && y > 0.0 => Some([10.0 / x, 10.0 / y]),
                    _ => None,
                };
            }
        }
        if marker == 0xda {
            return None;
        }
        pos = pos.checked_add(2 + len)?;
    }
    None
}

/// TIFF XResolution/YResolution (rationals) with ResolutionUnit 2 (inch) or 3 (cm) of the first
/// image directory.
fn tiff_resolution(b: &[u8]) -> Option<[f64; 2]> {
    let be = b.starts_with(b"MM");
    let u16_at = |p: usize| -> Option<u16> {
        let a: [u8; 2] = b.get(p..p + 2)?.try_into().ok()?;
        Some(if be {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    };
    let u32_at = |p: usize| -> Option<u32> {
        let a: [u8; 4] = b.get(p..p + 4)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    };
    let ifd = u32_at(4)? as usize;
    let n = u16_at(ifd)? as usize;
    // ITK reads the unit without the TIFF default: a missing tag means "no unit" (spacing 1).
    let (mut xres, mut yres, mut unit) = (None, None, 1u16);
    for e in 0..n {
        let p = ifd + 2 + 12 * e;
        let tag = u16_at(p)?;
        let rational = |p: usize| -> Option<f64> {
            let off = u32_at(p + 8)? as usize;
            let (num, den) = (u32_at(off)? as f64, u32_at(off + 4)? as f64);
            (den > 0.0).then(|| num / den)
        };
        match tag {
            282 => xres = rational(p),
            283 => yres = rational(p),
            296 => unit = u16_at(p + 8)?,
            _ => {}
        }
    }
    // ITK converts the resolution through float before dividing.
    let (x, y) = (xres? as f32 as f64, yres? as f32 as f64);
    match unit {
        2 => Some([25.4 / x, 25.4 / y]),
        3 => Some([10.0 / x, 10.0 / y]),
        _ => None,
    }
}

/// Colour samples (3 or 4 per pixel) to grey; with alpha, ITK scales the luminance by
/// alpha / max.
fn rgb<T: Copy + Into<f64>>(raw: &[T], channels: usize, max_alpha: f64) -> Vec<f64> {
    raw.chunks_exact(channels)
        .map(|p| {
            let l = luminance(p[0].into(), p[1].into(), p[2].into());
            if channels == 4 {
                l * p[3].into() / max_alpha
            } else {
                l
            }
        })
        .collect()
}

/// Grey + alpha to grey (grey scaled by alpha / max, as for RGBA).
fn grey_alpha<T: Copy + Into<f64>>(raw: &[T], max_alpha: f64) -> Vec<f64> {
    raw.chunks_exact(2)
        .map(|p| p[0].into() * p[1].into() / max_alpha)
        .collect()
}
