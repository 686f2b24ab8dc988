//! Separable wavelets (IBSI-2), undecimated (stationary, "à trous"): at level `n` the image is
//! first low-pass filtered along every axis at levels 1..n-1 (filters dilated by 2^(level-1)),
//! then the sub-band's filters (dilated by 2^(n-1)) are applied, the first sub-band letter on x
//! (i), the second on y (j), the third on z (k); `L` is the decomposition low-pass and `H` the
//! decomposition high-pass filter. Even-length filters get a trailing zero, which fixes where
//! their taps sit (first tap at offset -len/2). Rotation invariance pools the responses of the
//! right-angle rotations of the whole filter chain.
//!
//! The filter coefficients are computed from their closed forms, in the orientation of
//! PyWavelets' `dec_lo` (the reverse of the scaling filter); `dec_hi[k] = (-1)^(k+1)
//! dec_lo[len-1-k]`.

use super::grid::{convolve_separable, right_angle_rotations, Kernel1d, Pool, Pooling};
use super::{check, from_grid, to_grid, Dims};
use crate::error::param;
use crate::filters::Boundary;
use crate::FeatureError;
use perirad_core::Volume;

/// Separable wavelet families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wavelet {
    /// Haar (= Daubechies 1), 2 taps.
    Haar,
    /// Daubechies 2, 4 taps.
    Db2,
    /// Daubechies 3, 6 taps.
    Db3,
    /// Coiflet 1, 6 taps.
    Coif1,
}

impl Wavelet {
    /// The scaling (reconstruction low-pass) filter, coefficients summing to √2.
    fn scaling(self) -> Vec<f64> {
        let r2 = std::f64::consts::SQRT_2;
        match self {
            Wavelet::Haar => vec![1.0 / r2, 1.0 / r2],
            Wavelet::Db2 => {
                let r3 = 3f64.sqrt();
                let d = 4.0 * r2;
                vec![
                    (1.0 + r3) / d,
                    (3.0 + r3) / d,
                    (3.0 - r3) / d,
                    (1.0 - r3) / d,
                ]
            }
            Wavelet::Db3 => {
                // Closed form with s = √10 and t = √(5 + 2√10).
                let s = 10f64.sqrt();
                let t = (5.0 + 2.0 * s).sqrt();
                let d = 16.0 * r2;
                vec![
                    (1.0 + s + t) / d,
                    (5.0 + s + 3.0 * t) / d,
                    (10.0 - 2.0 * s + 2.0 * t) / d,
                    (10.0 - 2.0 * s - 2.0 * t) / d,
                    (5.0 + s - 3.0 * t) / d,
                    (1.0 + s - t) / d,
                ]
            }
            Wavelet::Coif1 => {
                let r7 = 7f64.sqrt();
                let d = 16.0 * r2;
                vec![
                    (1.0 - r7) / d,
                    (5.0 + r7) / d,
                    (14.0 + 2.0 * r7) / d,
                    (14.0 - 2.0 * r7) / d,
                    (1.0 - r7) / d,
                    (-3.0 + r7) / d,
                ]
            }
        }
    }

    /// Decomposition low-pass filter.
    pub fn dec_lo(self) -> Vec<f64> {
        let mut h = self.scaling();
        h.reverse();
        h
    }

    /// Decomposition high-pass filter (quadrature mirror of `dec_lo`).
    pub fn dec_hi(self) -> Vec<f64> {
        let lo = self.dec_lo();
        let n = lo.len();
        (0..n)
            .map(|k| {
                let v = lo[n - 1 - k];
                if k % 2 == 0 {
                    -v
                } else {
                    v
                }
            })
            .collect()
    }
}

impl std::str::FromStr for Wavelet {
    type Err = FeatureError;
    fn from_str(s: &str) -> Result<Self, FeatureError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "haar" | "db1" => Ok(Wavelet::Haar),
            "db2" => Ok(Wavelet::Db2),
            "db3" => Ok(Wavelet::Db3),
            "coif1" => Ok(Wavelet::Coif1),
            other => Err(param(
                "wavelet",
                format!("{other:?}: expected haar, db2, db3 or coif1"),
            )),
        }
    }
}

/// Separable wavelet settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SeparableWaveletParams {
    pub wavelet: Wavelet,
    /// Decomposition level, from 1.
    pub level: u32,
    /// Sub-band letters, `L` or `H`, one per axis: 3 letters (3D) or 2 (2D, slice by slice).
    pub subband: String,
    pub rotation_invariant: bool,
    pub pooling: Pooling,
    pub boundary: Boundary,
}

/// How far (voxels, per axis) a response voxel reads the input: the reach of the low-pass
/// cascade and the sub-band filters, each dilated by its level (rotations included).
pub(crate) fn reach(p: &SeparableWaveletParams) -> Result<[usize; 3], FeatureError> {
    let dims = subband_dims(&p.subband)?;
    let half = Kernel1d::centred(&p.wavelet.dec_lo()).taps.len() / 2;
    let levels = (1..=p.level).map(|l| 1usize << (l - 1)).sum::<usize>();
    Ok(std::array::from_fn(|a| {
        if dims.axes().contains(&a) {
            half * levels
        } else {
            0
        }
    }))
}

/// The dimension a sub-band name implies: two letters (2D) or three (3D), each `L` or `H`.
pub(crate) fn subband_dims(subband: &str) -> Result<Dims, FeatureError> {
    let letters: Vec<char> = subband.trim().to_ascii_uppercase().chars().collect();
    check(
        (2..=3).contains(&letters.len()) && letters.iter().all(|c| *c == 'L' || *c == 'H'),
        "subband",
        format!("{subband:?}: expected two or three letters L/H"),
    )?;
    Ok(if letters.len() == 2 {
        Dims::Two
    } else {
        Dims::Three
    })
}

/// Undecimated separable wavelet response of one sub-band.
pub fn separable_wavelet(
    image: &Volume<f64>,
    p: &SeparableWaveletParams,
) -> Result<Volume<f64>, FeatureError> {
    check(
        (1..=8).contains(&p.level),
        "level",
        "the level must be 1 to 8",
    )?;
    let dims = subband_dims(&p.subband)?;
    let letters: Vec<char> = p.subband.trim().to_ascii_uppercase().chars().collect();
    let lo = Kernel1d::centred(&p.wavelet.dec_lo());
    let hi = Kernel1d::centred(&p.wavelet.dec_hi());
    let main: [Option<Kernel1d>; 3] = std::array::from_fn(|a| {
        letters
            .get(a)
            .map(|c| if *c == 'L' { lo.clone() } else { hi.clone() })
    });
    let pre = dims.kernels(|_| lo.clone());
    let rotations = right_angle_rotations(letters.len());
    let rotations = if p.rotation_invariant {
        &rotations[..]
    } else {
        &rotations[..1]
    };
    let g = to_grid(image)?;
    let mut pool = Pool::new(p.pooling);
    for r in rotations {
        let dilate = |ks: [Option<Kernel1d>; 3], d: usize| {
            ks.map(|k| {
                k.map(|mut k| {
                    k.dilation = d;
                    k
                })
            })
        };
        let mut x = g.clone();
        for level in 1..p.level {
            let d = 1usize << (level - 1);
            x = convolve_separable(&x, &dilate(r.apply(&pre), d), p.boundary);
        }
        let d = 1usize << (p.level - 1);
        x = convolve_separable(&x, &dilate(r.apply(&main), d), p.boundary);
        pool.add(x.data);
    }
    let out = super::grid::Grid {
        size: g.size,
        data: pool.finish(),
    };
    from_grid(image, out)
}

#[cfg(test)]
mod tests {
    use super::Wavelet;

    #[test]
    fn orthonormal_filters() {
        for w in [Wavelet::Haar, Wavelet::Db2, Wavelet::Db3, Wavelet::Coif1] {
            let lo = w.dec_lo();
            let hi = w.dec_hi();
            let sum: f64 = lo.iter().sum();
            let energy: f64 = lo.iter().map(|v| v * v).sum();
            let cross: f64 = lo.iter().zip(&hi).map(|(a, b)| a * b).sum();
            let hi_sum: f64 = hi.iter().sum();
            assert!((sum - std::f64::consts::SQRT_2).abs() < 1e-14, "{w:?}");
            assert!((energy - 1.0).abs() < 1e-14, "{w:?}");
            assert!(cross.abs() < 1e-14, "{w:?}");
            assert!(hi_sum.abs() < 1e-14, "{w:?}");
        }
    }

    #[test]
    fn db3_high_pass_has_three_vanishing_moments() {
        let hi = Wavelet::Db3.dec_hi();
        for m in 0..3 {
            let moment: f64 = hi
                .iter()
                .enumerate()
                .map(|(k, h)| (k as f64).powi(m) * h)
                .sum();
            assert!(moment.abs() < 1e-12, "moment {m}: {moment}");
        }
    }
}
