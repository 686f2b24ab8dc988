//! PyRadiomics 3.1's `Wavelet` image type (`imageoperations.getWaveletImage` and `_swt3`): the
//! undecimated (stationary) wavelet transform of PyWavelets' `swtn`, as PyRadiomics drives it.
//!
//! What PyRadiomics does, and what is reproduced here:
//! * every odd axis is padded to even length by repeating its first slice at the end (numpy's
//!   `wrap` padding), because PyWavelets' stationary transform needs even lengths;
//! * one level is `pywt.swtn(data, wavelet, level=1, start_level=0, axes)`: along each axis in
//!   turn (x, then y, then z: numpy's axes (2, 1, 0)) every current array is convolved with the
//!   low-pass and the high-pass decomposition filter, periodically, with PyWavelets' alignment:
//!   output `o` is `Σ_m f[m] · x[(o + F/2 − m) mod N]` for a filter of length `F`;
//! * further levels repeat that *same* level-1 transform on the previous approximation (the
//!   filters are not dilated, unlike `swtn(level=n)`); `start_level` levels are computed first and
//!   only their approximation is kept; `level` levels are then returned;
//! * `force2D` removes the numpy axis `force2Ddimension` (0 = z, 1 = y, 2 = x) from the
//!   transformed axes, so the names have two letters;
//! * every band is cropped back to the input size and keeps its geometry;
//! * names: `wavelet-` + one letter per transformed axis (in x, y, z order; `L` low-pass, `H`
//!   high-pass) for the first returned level, `wavelet<k>-...` for the k-th; the bands of each
//!   level come in PyWavelets' order (`LLH`, `LHL`, `LHH`, `HLL`, `HLH`, `HHL`, `HHH`), and the last
//!   approximation (`wavelet-LLL`, or `wavelet<level>-LLL`) comes last.
//!
//! Each convolution adds its terms in the order PyWavelets' C loop does (ascending taps, except
//! for the last `F/2` outputs, whose wrapped taps come first in descending order), so that the
//! bands agree with PyRadiomics' to the last bit for integer-typed images, which PyWavelets
//! converts to float64. Images PyRadiomics holds as float32 are transformed by PyWavelets in
//! float32; this module always works in f64.
//!
//! A volume is always treated as 3D (as PyRadiomics treats any 3D image, single-slice ones
//! included); a genuinely 2D image, which PyRadiomics transforms along two axes only, is not
//! distinguished from a one-slice volume.

use super::wavelet_banks::{bank, WaveletBank};
use crate::error::param;
use crate::{FeatureError, Settings};
use perirad_core::{BoundingBox, Volume};
use rayon::prelude::*;
use std::ops::Range;

/// The wavelet PyRadiomics uses when `wavelet` is not set.
pub const DEFAULT_WAVELET: &str = "coif1";

/// What one `Wavelet` image type computes, read from the merged settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveletPlan {
    pub bank: &'static WaveletBank,
    /// Levels computed before the first returned one (`start_level`, default 0).
    pub start_level: usize,
    /// Levels returned (`level`, default 1).
    pub level: usize,
    /// Transformed axes of the volume (0 = x, 1 = y, 2 = z), in the order they are filtered.
    pub axes: Vec<usize>,
}

impl WaveletPlan {
    /// Reads `wavelet`, `start_level`, `level`, `force2D` and `force2Ddimension` (the `setting`
    /// section merged with the `Wavelet` image type's overrides).
    pub fn from_settings(settings: &Settings) -> Result<WaveletPlan, FeatureError> {
        let name = settings.wavelet.as_deref().unwrap_or(DEFAULT_WAVELET);
        let bank = bank(name).ok_or_else(|| {
            param(
                "setting.wavelet",
                format!(
                    "{name:?} is not a discrete PyWavelets wavelet (haar, dbN, symN, coifN, \
                     biorX.Y, rbioX.Y, dmey): PyRadiomics cannot filter with it"
                ),
            )
        })?;
        let level = settings.level.unwrap_or(1);
        if level < 1 {
            return Err(param(
                "setting.level",
                format!("{level}: must be at least 1"),
            ));
        }
        let start_level = settings.start_level.unwrap_or(0);
        if start_level < 0 {
            return Err(param(
                "setting.start_level",
                format!("{start_level}: must be at least 0"),
            ));
        }
        // numpy axes (2, 1, 0) are the volume's (x, y, z).
        let mut axes = vec![0, 1, 2];
        if settings.force_2d == Some(true) {
            let d = settings.force_2d_dimension.unwrap_or(0);
            if !(0..=2).contains(&d) {
                return Err(param(
                    "setting.force2Ddimension",
                    format!("{d}: must be 0, 1 or 2"),
                ));
            }
            axes.retain(|&a| a != 2 - d as usize);
        }
        Ok(WaveletPlan {
            bank,
            start_level: start_level as usize,
            level: level as usize,
            axes,
        })
    }

    /// The names of the images, in the order they are produced.
    pub fn names(&self) -> Vec<String> {
        let n = self.axes.len();
        let mut out = Vec::new();
        for k in 1..=self.level {
            for code in 1..(1usize << n) {
                out.push(band_name(k, &code_letters(code, n)));
            }
        }
        out.push(band_name(self.level, &"L".repeat(n)));
        out
    }
}

/// Letters of band number `code` (bit `n-1` is the first axis; 1 = high-pass), as PyWavelets
/// orders its keys.
fn code_letters(code: usize, n: usize) -> String {
    (0..n)
        .map(|k| {
            if code >> (n - 1 - k) & 1 == 1 {
                'H'
            } else {
                'L'
            }
        })
        .collect()
}

/// `wavelet-LLH` for level 1, `wavelet2-LLH` for level 2, ...
fn band_name(level: usize, letters: &str) -> String {
    if level == 1 {
        format!("wavelet-{letters}")
    } else {
        format!("wavelet{level}-{letters}")
    }
}

/// PyRadiomics' `Wavelet` images of `image`: `(name, image)` in PyRadiomics' order, each on the
/// input's geometry. `settings`: the `setting` section merged with the image type's overrides.
pub fn wavelet_images(
    image: &Volume<f64>,
    settings: &Settings,
) -> Result<Vec<(String, Volume<f64>)>, FeatureError> {
    let mut out = Vec::new();
    for_each_wavelet_image(image, settings, |name, band| {
        out.push((name, band));
        Ok(())
    })?;
    Ok(out)
}

/// As [`wavelet_images`], handing each image to `emit` as soon as it is computed (in the same
/// order), so that only a few volumes are alive at a time; stops at `emit`'s first error.
pub fn for_each_wavelet_image<F>(
    image: &Volume<f64>,
    settings: &Settings,
    emit: F,
) -> Result<(), FeatureError>
where
    F: FnMut(String, Volume<f64>) -> Result<(), FeatureError>,
{
    let whole = BoundingBox {
        lower: [0; 3],
        upper: image.geometry().size(),
    };
    for_each_wavelet_image_in(image, settings, &whole, emit)
}

/// As [`for_each_wavelet_image`], each image computed and handed over only inside `keep` (on
/// `keep`'s cropped geometry): bit for bit the whole image's bands cropped to `keep`. The
/// levels before the last one are computed whole (the next level reads all of their
/// approximation); in the last one, each convolution computes only the outputs inside `keep`
/// along its axis, so the convolutions along the next axes only filter the lines crossing
/// `keep` along the axes done so far.
pub fn for_each_wavelet_image_in<F>(
    image: &Volume<f64>,
    settings: &Settings,
    keep: &BoundingBox,
    mut emit: F,
) -> Result<(), FeatureError>
where
    F: FnMut(String, Volume<f64>) -> Result<(), FeatureError>,
{
    let plan = WaveletPlan::from_settings(settings)?;
    let size = image.geometry().size();
    if size.contains(&0) {
        return Err(FeatureError::Input("the image is empty".into()));
    }
    let geometry = image
        .geometry()
        .cropped(keep)
        .map_err(|e| FeatureError::Input(e.to_string()))?;
    let padded = Padded::new(image);
    let dims = padded.dims;
    let mut data = padded.data;
    for _ in 0..plan.start_level {
        for &axis in &plan.axes {
            data = convolve_axis(&data, dims, axis, plan.bank.dec_lo, 0..dims[axis]);
        }
    }
    let whole: [Range<usize>; 3] = dims.map(|n| 0..n);
    let kept: [Range<usize>; 3] = std::array::from_fn(|a| keep.lower[a]..keep.upper[a]);
    // Bands of the last level start at `keep` along the transformed axes (0 elsewhere); those
    // of earlier levels are whole.
    let last_start: [usize; 3] = std::array::from_fn(|a| {
        if plan.axes.contains(&a) {
            keep.lower[a]
        } else {
            0
        }
    });
    let crop = |band: &[f64], band_dims: [usize; 3], start: [usize; 3]| {
        let from: [usize; 3] = std::array::from_fn(|a| keep.lower[a] - start[a]);
        Volume::new(
            geometry.clone(),
            crop_box(band, band_dims, from, keep.size()),
        )
        .map_err(|e| FeatureError::Input(e.to_string()))
    };
    let mut data_dims = dims;
    for level in 1..=plan.level {
        let last = level == plan.level;
        let (ranges, start) = if last {
            (&kept, last_start)
        } else {
            (&whole, [0; 3])
        };
        let mut sink = |letters: &str, band: Vec<f64>, band_dims: [usize; 3]| {
            emit(band_name(level, letters), crop(&band, band_dims, start)?)
        };
        let mut letters = String::new();
        (data, data_dims) = decompose(&data, data_dims, &plan, ranges, 0, &mut letters, &mut sink)?
            .ok_or_else(|| {
                FeatureError::Input("the wavelet transform lost its approximation".into())
            })?;
    }
    let letters = "L".repeat(plan.axes.len());
    emit(
        band_name(plan.level, &letters),
        crop(&data, data_dims, last_start)?,
    )
}

/// The input on a grid whose odd axes got one more slice: a copy of the first (numpy `wrap`).
struct Padded {
    dims: [usize; 3],
    data: Vec<f64>,
}

impl Padded {
    fn new(image: &Volume<f64>) -> Padded {
        let n = image.geometry().size();
        let dims = n.map(|d| d + d % 2);
        let mut data = Vec::with_capacity(dims[0] * dims[1] * dims[2]);
        let src = image.data();
        for k in 0..dims[2] {
            let k = k % n[2];
            for j in 0..dims[1] {
                let j = j % n[1];
                let row = &src[n[0] * (j + n[1] * k)..][..n[0]];
                data.extend_from_slice(row);
                if dims[0] > n[0] {
                    data.push(row[0]);
                }
            }
        }
        Padded { dims, data }
    }
}

/// The `size` voxels from `from` on of each axis of a `dims` array.
fn crop_box(band: &[f64], dims: [usize; 3], from: [usize; 3], size: [usize; 3]) -> Vec<f64> {
    let mut out = Vec::with_capacity(size[0] * size[1] * size[2]);
    for k in from[2]..from[2] + size[2] {
        for j in from[1]..from[1] + size[1] {
            out.extend_from_slice(&band[from[0] + dims[0] * (j + dims[1] * k)..][..size[0]]);
        }
    }
    out
}

/// Filters `data` (`dims` voxels) along `plan.axes[depth..]`, low-pass branch first
/// (PyWavelets' key order), each convolution keeping the outputs `ranges[axis]` along its axis
/// only, handing every detail band to `sink` with its letters and dims; returns the all-low-pass
/// band (the approximation) with its dims when `letters` holds only low-pass letters so far.
#[allow(clippy::type_complexity)]
fn decompose<S>(
    data: &[f64],
    dims: [usize; 3],
    plan: &WaveletPlan,
    ranges: &[Range<usize>; 3],
    depth: usize,
    letters: &mut String,
    sink: &mut S,
) -> Result<Option<(Vec<f64>, [usize; 3])>, FeatureError>
where
    S: FnMut(&str, Vec<f64>, [usize; 3]) -> Result<(), FeatureError>,
{
    let axis = plan.axes[depth];
    let last = depth + 1 == plan.axes.len();
    let mut band_dims = dims;
    band_dims[axis] = ranges[axis].len();
    let mut approx = None;
    for (letter, filter) in [('L', plan.bank.dec_lo), ('H', plan.bank.dec_hi)] {
        let band = convolve_axis(data, dims, axis, filter, ranges[axis].clone());
        letters.push(letter);
        if !last {
            if let Some(a) = decompose(&band, band_dims, plan, ranges, depth + 1, letters, sink)? {
                approx = Some(a);
            }
        } else if letters.contains('H') {
            sink(letters, band, band_dims)?;
        } else {
            approx = Some((band, band_dims));
        }
        letters.pop();
    }
    Ok(approx)
}

/// PyWavelets' level-1 stationary transform of every line of `data` along `axis`: periodic
/// convolution with `filter`, output `o` aligned on input `o + F/2`, for the outputs `keep`
/// only (the result has `keep.len()` voxels along `axis`, the input's number elsewhere).
fn convolve_axis(
    data: &[f64],
    dims: [usize; 3],
    axis: usize,
    filter: &[f64],
    keep: Range<usize>,
) -> Vec<f64> {
    let n = dims[axis];
    let kept = keep.len();
    let inner: usize = dims[..axis].iter().product();
    let mut out = vec![0.0; data.len() / n.max(1) * kept];
    if out.is_empty() {
        return out;
    }
    if inner == 1 {
        // Lines are contiguous: one line at a time through a periodically extended copy.
        let f = filter.len();
        out.par_chunks_mut(kept)
            .zip(data.par_chunks(n))
            .for_each_init(
                || vec![0.0; n + f - 1],
                |ext, (dst, src)| convolve_line(src, dst, filter, keep.clone(), ext),
            );
    } else {
        // Lines are strided: whole rows of `inner` values are combined at once, each output row
        // receiving its terms in the order of the scalar loop.
        out.par_chunks_mut(inner).enumerate().for_each(|(r, dst)| {
            let (block, o) = (r / kept, keep.start + r % kept);
            let base = block * n;
            for_each_tap(o, n, filter.len(), |m, p| {
                let src = &data[(base + p) * inner..][..inner];
                let c = filter[m];
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d += c * s;
                }
            });
        });
    }
    out
}

/// Calls `term(m, p)` for the taps `m` of output `o` (line length `n`, filter length `f`), `p`
/// being the input index `(o + f/2 − m) mod n`, in PyWavelets' summation order: ascending `m`,
/// except that outputs whose centre `o + f/2` lies past the end first take, in descending order,
/// the taps `m ≤ o + f/2 − n` that wrap around to the line's start.
#[inline]
fn for_each_tap(o: usize, n: usize, f: usize, mut term: impl FnMut(usize, usize)) {
    let i = o + f / 2;
    let index = |m: usize| (i + n * f - m) % n;
    let split = if i >= n { i - n + 1 } else { 0 };
    for m in (0..split).rev() {
        term(m, index(m));
    }
    for m in split..f {
        term(m, index(m));
    }
}

/// One contiguous line, outputs `keep` (into `dst`, from its start): `ext[t]` holds
/// `src[(t − (f − 1 − f/2)) mod n]`, so that tap `m` of output `o` reads `ext[o + f − 1 − m]`.
fn convolve_line(
    src: &[f64],
    dst: &mut [f64],
    filter: &[f64],
    keep: Range<usize>,
    ext: &mut [f64],
) {
    let n = src.len();
    let f = filter.len();
    let left = f - 1 - f / 2;
    for (t, e) in ext.iter_mut().enumerate() {
        *e = src[(t + n * f - left) % n];
    }
    // Outputs whose centre stays inside the line add their taps in ascending order.
    let plain = n.saturating_sub(f / 2);
    for (o, d) in keep.zip(dst.iter_mut()) {
        let mut sum = 0.0;
        if o < plain {
            let window = &ext[o..o + f];
            for (m, &c) in filter.iter().enumerate() {
                sum += c * window[f - 1 - m];
            }
        } else {
            for_each_tap(o, n, f, |m, p| sum += filter[m] * src[p]);
        }
        *d = sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perirad_core::Geometry;

    /// The straightforward definition, for comparison with the fast paths.
    fn reference_line(src: &[f64], filter: &[f64]) -> Vec<f64> {
        let n = src.len();
        (0..n)
            .map(|o| {
                let mut sum = 0.0;
                for_each_tap(o, n, filter.len(), |m, p| sum += filter[m] * src[p]);
                sum
            })
            .collect()
    }

    #[test]
    fn summation_order_follows_pywavelets() {
        // Length 4, filter length 6: output 0 (centre 3) ascends; output 1 (centre 4) first
        // takes tap 0 (which wraps to index 0), then taps 1..6.
        let mut seen = Vec::new();
        for_each_tap(1, 4, 6, |m, p| seen.push((m, p)));
        assert_eq!(seen, [(0, 0), (1, 3), (2, 2), (3, 1), (4, 0), (5, 3)]);
        let mut seen = Vec::new();
        for_each_tap(3, 4, 6, |m, p| seen.push((m, p)));
        // centre 6: taps 2, 1, 0 wrap first (to 0, 1, 2), then 3.. ascend.
        assert_eq!(seen, [(2, 0), (1, 1), (0, 2), (3, 3), (4, 2), (5, 1)]);
    }

    #[test]
    fn line_and_row_paths_agree_with_the_definition() {
        let f = bank("coif1").map(|b| b.dec_hi).unwrap_or_default();
        for n in [2usize, 4, 6, 10] {
            let src: Vec<f64> = (0..n).map(|i| ((i * 7919) % 13) as f64 - 6.5).collect();
            let want = reference_line(&src, f);
            let mut ext = vec![0.0; n + f.len() - 1];
            let mut got = vec![0.0; n];
            convolve_line(&src, &mut got, f, 0..n, &mut ext);
            assert_eq!(got, want, "line, n = {n}");
            // The same values along y (rows of 2) and z (planes of 2).
            let along_y: Vec<f64> = src.iter().flat_map(|&v| [v, v]).collect();
            let got_y = convolve_axis(&along_y, [2, n, 1], 1, f, 0..n);
            let want_y: Vec<f64> = want.iter().flat_map(|&v| [v, v]).collect();
            assert_eq!(got_y, want_y, "rows, n = {n}");
            let got_z = convolve_axis(&along_y, [2, 1, n], 2, f, 0..n);
            assert_eq!(got_z, want_y, "planes, n = {n}");
        }
    }

    #[test]
    fn names_follow_pyradiomics() {
        let mut s = Settings::default();
        let plan = WaveletPlan::from_settings(&s).expect("defaults");
        assert_eq!(plan.bank.name, "coif1");
        assert_eq!(
            plan.names(),
            [
                "wavelet-LLH",
                "wavelet-LHL",
                "wavelet-LHH",
                "wavelet-HLL",
                "wavelet-HLH",
                "wavelet-HHL",
                "wavelet-HHH",
                "wavelet-LLL"
            ]
        );
        s.force_2d = Some(true);
        s.level = Some(2);
        let plan = WaveletPlan::from_settings(&s).expect("2D");
        assert_eq!(plan.axes, [0, 1]);
        assert_eq!(
            plan.names(),
            [
                "wavelet-LH",
                "wavelet-HL",
                "wavelet-HH",
                "wavelet2-LH",
                "wavelet2-HL",
                "wavelet2-HH",
                "wavelet2-LL"
            ]
        );
        s.force_2d_dimension = Some(2);
        assert_eq!(WaveletPlan::from_settings(&s).expect("x").axes, [1, 2]);
        s.wavelet = Some("mexh".into());
        assert!(WaveletPlan::from_settings(&s).is_err());
    }

    #[test]
    fn images_come_in_the_planned_order_on_the_input_grid() {
        let g = Geometry::with_spacing([5, 4, 3], [1.0, 1.0, 2.0]).expect("geometry");
        let data: Vec<f64> = (0..60).map(|i| ((i * 37) % 11) as f64).collect();
        let image = Volume::new(g, data).expect("volume");
        let mut s = Settings {
            level: Some(2),
            start_level: Some(1),
            ..Settings::default()
        };
        let out = wavelet_images(&image, &s).expect("wavelet");
        let plan = WaveletPlan::from_settings(&s).expect("plan");
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, plan.names());
        assert!(out.iter().all(|(_, v)| v.geometry() == image.geometry()));
        // A constant image: every detail band vanishes (up to rounding), the approximation is
        // the constant times the low-pass gain per axis and level.
        let flat = image.map(|_| 3.0);
        s.start_level = None;
        s.level = None;
        s.wavelet = Some("haar".into());
        let out = wavelet_images(&flat, &s).expect("wavelet");
        for (name, band) in &out {
            let want = if name.ends_with("LLL") {
                3.0 * 2f64.sqrt().powi(3)
            } else {
                0.0
            };
            assert!(
                band.data().iter().all(|v| (v - want).abs() < 1e-12),
                "{name}"
            );
        }
    }

    /// The bands computed inside a box are, bit for bit, the whole image's bands cropped to
    /// it, with one level or several (the earlier ones whole), in 3D or 2D (`force2D`).
    #[test]
    fn bands_inside_a_box_are_the_cropped_whole() {
        let g = Geometry::with_spacing([13, 10, 7], [1.0, 1.0, 2.0]).expect("geometry");
        let data: Vec<f64> = (0..13 * 10 * 7)
            .map(|i| ((i * 7919) % 97) as f64 - 40.0)
            .collect();
        let image = Volume::new(g, data).expect("volume");
        let boxes = [
            BoundingBox {
                lower: [2, 3, 1],
                upper: [11, 5, 6],
            },
            BoundingBox {
                lower: [12, 0, 0],
                upper: [13, 10, 7],
            },
            BoundingBox {
                lower: [0; 3],
                upper: [13, 10, 7],
            },
        ];
        let settings = [
            Settings::default(),
            Settings {
                level: Some(2),
                start_level: Some(1),
                wavelet: Some("db2".into()),
                ..Settings::default()
            },
            Settings {
                force_2d: Some(true),
                force_2d_dimension: Some(1),
                ..Settings::default()
            },
        ];
        for s in &settings {
            let whole = wavelet_images(&image, s).expect("whole");
            for keep in &boxes {
                let mut inside = Vec::new();
                for_each_wavelet_image_in(&image, s, keep, |name, band| {
                    inside.push((name, band));
                    Ok(())
                })
                .expect("inside");
                assert_eq!(inside.len(), whole.len());
                for ((name, a), (wname, w)) in inside.iter().zip(&whole) {
                    assert_eq!(name, wname);
                    let cropped = w.crop(keep).expect("crop");
                    assert_eq!(a.geometry(), cropped.geometry(), "{name}");
                    let same = a
                        .data()
                        .iter()
                        .zip(cropped.data())
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(same, "{name} in {keep:?}");
                }
            }
        }
    }

    fn filters(name: &str) -> (&'static [f64], &'static [f64]) {
        bank(name).map_or((&[], &[]), |b| (b.dec_lo, b.dec_hi))
    }

    /// Quadrature mirror: `dec_hi[k] = (−1)^(k+1) dec_lo[F−1−k]` (orthogonal wavelets).
    fn mirror(lo: &[f64]) -> Vec<f64> {
        let f = lo.len();
        (0..f)
            .map(|k| {
                if k % 2 == 0 {
                    -lo[f - 1 - k]
                } else {
                    lo[f - 1 - k]
                }
            })
            .collect()
    }

    #[test]
    fn generated_banks_match_the_closed_forms() {
        let r2 = 2f64.sqrt();
        // haar: 1/√2, exactly.
        let (lo, hi) = filters("haar");
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert_eq!(lo, [h, h]);
        assert_eq!(hi, [-h, h]);
        // db2: (1 ∓ √3, 3 ∓ √3, ...) / (4√2), in decomposition (time-reversed) order.
        let r3 = 3f64.sqrt();
        let (lo, hi) = filters("db2");
        let want = [1.0 - r3, 3.0 - r3, 3.0 + r3, 1.0 + r3].map(|c| c / (4.0 * r2));
        assert_eq!(lo.len(), 4);
        for (g, w) in lo.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "db2 {g} vs {w}");
        }
        assert_eq!(hi, mirror(lo));
        // coif1 with √7. PyWavelets' table carries ~12 correct digits (3e-13 off the closed
        // form), which is why the transform uses the table, not the closed form.
        let r7 = 7f64.sqrt();
        let (lo, hi) = filters("coif1");
        let want = [
            -3.0 + r7,
            1.0 - r7,
            14.0 - 2.0 * r7,
            14.0 + 2.0 * r7,
            5.0 + r7,
            1.0 - r7,
        ]
        .map(|c| c / (16.0 * r2));
        assert_eq!(lo.len(), 6);
        for (g, w) in lo.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "coif1 {g} vs {w}");
        }
        assert_eq!(hi, mirror(lo));
    }

    #[test]
    fn every_bank_is_a_pair_of_decomposition_filters() {
        assert_eq!(super::super::wavelet_banks::BANKS.len(), 106);
        for b in super::super::wavelet_banks::BANKS {
            assert_eq!(b.dec_lo.len(), b.dec_hi.len(), "{}", b.name);
            assert!(b.dec_lo.len() % 2 == 0, "{}", b.name);
            // dmey is a truncated (62-tap) Meyer filter: its gains are off by ~1e-3.
            let tol = if b.name == "dmey" { 2e-3 } else { 1e-6 };
            let dc: f64 = b.dec_lo.iter().sum();
            assert!((dc - 2f64.sqrt()).abs() < tol, "{}: low-pass {dc}", b.name);
            let hc: f64 = b.dec_hi.iter().sum();
            assert!(hc.abs() < tol, "{}: high-pass gain {hc}", b.name);
            if !b.name.starts_with("bior") && !b.name.starts_with("rbio") {
                assert_eq!(b.dec_hi, mirror(b.dec_lo), "{}", b.name);
            }
        }
    }
}
