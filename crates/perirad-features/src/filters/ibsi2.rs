//! The convolutional filters of IBSI chapter 2 (Depeursinge, Andrearczyk, Whybra et al., IBSI-2
//! reference manual, arXiv:2006.05470), on [`Volume<f64>`] (x fastest; sub-band, kernel and
//! Riesz-order components are listed in x, y, z order).
//!
//! One function per filter returns the response map on the input's geometry:
//! [`mean`], [`laplacian_of_gaussian`], [`laws`], [`gabor`], [`separable_wavelet`],
//! [`simoncelli`] (optionally Riesz-transformed) and [`riesz_log`]. [`Ibsi2Filter`] holds any of
//! them with its settings, and [`Ibsi2Filter::from_fields`] reads one row of an IBSI-2 test
//! table (column name → text).
//!
//! Spatial filters work in f64 with a fixed summation order, so the result does not depend on
//! the machine or thread count. 2D filters ([`Dims::Two`]) work slice by slice in the x-y plane.

mod fft;
mod frequency;
mod gabor;
mod grid;
mod laws;
mod log;
mod mean;
mod wavelet;

pub use frequency::{riesz_log, simoncelli};
pub use gabor::{gabor, GaborParams, GaborPlanes};
pub use grid::Pooling;
pub use laws::{laws, LawsParams};
pub use log::laplacian_of_gaussian;
pub use mean::mean;
pub use wavelet::{separable_wavelet, SeparableWaveletParams, Wavelet};

pub(crate) use laws::combination_len;
pub(crate) use wavelet::subband_dims;

use crate::error::param;
use crate::filters::Boundary;
use crate::FeatureError;
use grid::{Grid, Kernel1d};
use perirad_core::Volume;
use std::collections::BTreeMap;

/// Whether a filter works on the volume or on each x-y slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dims {
    /// Slice by slice in the x-y (i, j) plane.
    Two,
    /// On the volume.
    Three,
}

impl Dims {
    /// Axes the filter runs along.
    pub(crate) fn axes(self) -> &'static [usize] {
        match self {
            Dims::Two => &[0, 1],
            Dims::Three => &[0, 1, 2],
        }
    }

    /// One kernel per filtered axis.
    pub(crate) fn kernels<F: Fn(usize) -> Kernel1d>(self, f: F) -> [Option<Kernel1d>; 3] {
        std::array::from_fn(|a| self.axes().contains(&a).then(|| f(a)))
    }
}

pub(crate) fn check(ok: bool, key: &str, reason: impl Into<String>) -> Result<(), FeatureError> {
    if ok {
        Ok(())
    } else {
        Err(param(key, reason))
    }
}

/// The voxels of `v`; fails on an empty grid or a non-finite value.
pub(crate) fn to_grid(v: &Volume<f64>) -> Result<Grid, FeatureError> {
    let size = v.geometry().size();
    if size.contains(&0) {
        return Err(FeatureError::Input(
            "the image to filter has no voxel".into(),
        ));
    }
    if let Some(i) = v.data().iter().position(|x| !x.is_finite()) {
        return Err(FeatureError::NonFinite {
            what: format!(
                "voxel {:?} of the image to filter",
                v.geometry().index_of(i)
            ),
        });
    }
    Ok(Grid {
        size,
        data: v.data().to_vec(),
    })
}

pub(crate) fn from_grid(template: &Volume<f64>, g: Grid) -> Result<Volume<f64>, FeatureError> {
    Volume::new(template.geometry().clone(), g.data)
        .map_err(|e| FeatureError::Input(format!("response map: {e}")))
}

/// An IBSI-2 filter with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Ibsi2Filter {
    Mean {
        support: usize,
        dims: Dims,
        boundary: Boundary,
    },
    LaplacianOfGaussian {
        sigma_mm: f64,
        cutoff: f64,
        dims: Dims,
        boundary: Boundary,
    },
    Laws(LawsParams),
    Gabor(GaborParams),
    SeparableWavelet(SeparableWaveletParams),
    Simoncelli {
        level: u32,
        dims: Dims,
    },
    RieszLog {
        sigma_mm: f64,
        cutoff: f64,
        order: [u32; 3],
        boundary: Boundary,
    },
    RieszSimoncelli {
        level: u32,
        order: [u32; 3],
    },
}

impl Ibsi2Filter {
    /// How many voxels of the input, per axis (x, y, z), one response voxel depends on beyond
    /// itself, for an image of voxel `spacing` (mm); `None` when a response voxel depends on the
    /// whole image (or slice), as for filters applied in the frequency domain (Simoncelli,
    /// Riesz) and for the Gabor filter, whose kernel spans the whole slice.
    ///
    /// A response computed on a crop that keeps this margin around a region (clamped to the
    /// image, where the boundary condition then applies as on the whole image; with a periodic
    /// boundary, an axis where the crop reaches the image edge must be kept whole, since the
    /// image wraps around) equals the response of the whole image inside the region:
    /// * mean: `support / 2` on the filtered axes;
    /// * LoG: the kernel radius `floor(cutoff · σ / spacing + 0.5)` per filtered axis;
    /// * Laws: the largest 1D kernel half-width (rotations move kernels between axes) plus the
    ///   energy window δ;
    /// * separable wavelets: the filter half-width times `1 + 2 + … + 2^(level-1)` (the
    ///   low-pass cascade of the lower levels, then the dilated sub-band filters).
    pub fn margin(&self, spacing: [f64; 3]) -> Result<Option<[usize; 3]>, FeatureError> {
        Ok(match self {
            Ibsi2Filter::Mean { support, dims, .. } => {
                let axes = dims.axes();
                Some(std::array::from_fn(|a| {
                    if axes.contains(&a) {
                        support / 2
                    } else {
                        0
                    }
                }))
            }
            Ibsi2Filter::LaplacianOfGaussian {
                sigma_mm,
                cutoff,
                dims,
                ..
            } => Some(log::log_kernels(spacing, *sigma_mm, *cutoff, *dims)?.radius),
            Ibsi2Filter::Laws(p) => Some(laws::reach(p)?),
            Ibsi2Filter::SeparableWavelet(p) => Some(wavelet::reach(p)?),
            Ibsi2Filter::Gabor(_)
            | Ibsi2Filter::Simoncelli { .. }
            | Ibsi2Filter::RieszLog { .. }
            | Ibsi2Filter::RieszSimoncelli { .. } => None,
        })
    }

    /// The boundary condition of a spatial filter (`None` for filters applied in the frequency
    /// domain, which see the image as periodic).
    pub fn boundary(&self) -> Option<Boundary> {
        match self {
            Ibsi2Filter::Mean { boundary, .. }
            | Ibsi2Filter::LaplacianOfGaussian { boundary, .. }
            | Ibsi2Filter::RieszLog { boundary, .. } => Some(*boundary),
            Ibsi2Filter::Laws(p) => Some(p.boundary),
            Ibsi2Filter::Gabor(p) => Some(p.boundary),
            Ibsi2Filter::SeparableWavelet(p) => Some(p.boundary),
            Ibsi2Filter::Simoncelli { .. } | Ibsi2Filter::RieszSimoncelli { .. } => None,
        }
    }

    /// The response map of `image`.
    pub fn apply(&self, image: &Volume<f64>) -> Result<Volume<f64>, FeatureError> {
        match self {
            Ibsi2Filter::Mean {
                support,
                dims,
                boundary,
            } => mean(image, *support, *dims, *boundary),
            Ibsi2Filter::LaplacianOfGaussian {
                sigma_mm,
                cutoff,
                dims,
                boundary,
            } => laplacian_of_gaussian(image, *sigma_mm, *cutoff, *dims, *boundary),
            Ibsi2Filter::Laws(p) => laws(image, p),
            Ibsi2Filter::Gabor(p) => gabor(image, p),
            Ibsi2Filter::SeparableWavelet(p) => separable_wavelet(image, p),
            Ibsi2Filter::Simoncelli { level, dims } => simoncelli(image, *level, *dims, None),
            Ibsi2Filter::RieszLog {
                sigma_mm,
                cutoff,
                order,
                boundary,
            } => riesz_log(image, *sigma_mm, *cutoff, *order, *boundary),
            Ibsi2Filter::RieszSimoncelli { level, order } => {
                simoncelli(image, *level, Dims::Three, Some(*order))
            }
        }
    }

    /// Reads the settings from one row of an IBSI-2 phase-1 test table, given as column name →
    /// text. Columns: `filter`, `dims`, `plane`, `support_vox`, `sigma_mm`, `cutoff_sigma`,
    /// `laws_kernel`, `energy_delta_vox`, `gabor_lambda_mm`, `gabor_gamma`,
    /// `gabor_theta_deg`, `gabor_theta_step_deg`, `wavelet`, `level`, `subband`,
    /// `riesz_order`, `rotation_invariance`, `pooling`, `boundary`. Numbers may carry a
    /// trailing comment (`0 (start)`); empty or missing columns are absent settings.
    /// Structure-tensor aligned Riesz filters are not supported.
    pub fn from_fields(row: &BTreeMap<String, String>) -> Result<Self, FeatureError> {
        let get = |k: &str| row.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        let need = |k: &str| get(k).ok_or_else(|| param(k, "missing"));
        let num = |k: &str| -> Result<f64, FeatureError> {
            let s = need(k)?;
            let head = s.split_whitespace().next().unwrap_or(s);
            head.parse::<f64>()
                .map_err(|_| param(k, format!("{s:?} is not a number")))
        };
        let int = |k: &str| -> Result<usize, FeatureError> {
            let s = need(k)?;
            let head: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
            head.parse::<usize>()
                .map_err(|_| param(k, format!("{s:?} is not a whole number")))
        };
        let dims = || -> Result<Dims, FeatureError> {
            match need("dims")? {
                "2D" | "2d" => Ok(Dims::Two),
                "3D" | "3d" => Ok(Dims::Three),
                other => Err(param("dims", format!("{other:?}: expected 2D or 3D"))),
            }
        };
        let boundary = || -> Result<Boundary, FeatureError> { need("boundary")?.parse() };
        let rotation = || -> Result<bool, FeatureError> {
            match get("rotation_invariance").unwrap_or("no") {
                "yes" => Ok(true),
                "no" | "isotropic" => Ok(false),
                other => Err(param(
                    "rotation_invariance",
                    format!("{other:?} is not supported"),
                )),
            }
        };
        let pooling = || -> Result<Pooling, FeatureError> {
            get("pooling").map_or(Ok(Pooling::Max), str::parse)
        };
        let riesz = || -> Result<[u32; 3], FeatureError> {
            let s = need("riesz_order")?;
            let parts: Vec<u32> = s
                .trim_matches(|c| c == '(' || c == ')' || c == '[' || c == ']')
                .split(',')
                .map(|t| t.trim().parse::<u32>())
                .collect::<Result<_, _>>()
                .map_err(|_| param("riesz_order", format!("{s:?}: expected (l1,l2,l3)")))?;
            <[u32; 3]>::try_from(parts)
                .map_err(|_| param("riesz_order", format!("{s:?}: expected three orders")))
        };
        let filter = need("filter")?.to_ascii_lowercase();
        if filter.contains("structure") || get("rotation_invariance") == Some("aligned") {
            return Err(param(
                "filter",
                "structure-tensor aligned Riesz filters are not supported",
            ));
        }
        let level = || -> Result<u32, FeatureError> {
            u32::try_from(int("level")?).map_err(|_| param("level", "too large"))
        };
        Ok(match filter.as_str() {
            "mean" => Ibsi2Filter::Mean {
                support: int("support_vox")?,
                dims: dims()?,
                boundary: boundary()?,
            },
            "log" => Ibsi2Filter::LaplacianOfGaussian {
                sigma_mm: num("sigma_mm")?,
                cutoff: num("cutoff_sigma")?,
                dims: dims()?,
                boundary: boundary()?,
            },
            "laws" => Ibsi2Filter::Laws(LawsParams {
                kernel: need("laws_kernel")?.to_string(),
                rotation_invariant: rotation()?,
                pooling: pooling()?,
                energy_delta: get("energy_delta_vox")
                    .map(|_| int("energy_delta_vox"))
                    .transpose()?,
                boundary: boundary()?,
            }),
            "gabor" => {
                let rotation_invariant = rotation()?;
                let planes = match get("plane") {
                    Some(p) if p.contains('+') || p.contains("orthogonal") => {
                        GaborPlanes::Orthogonal
                    }
                    _ => GaborPlanes::Axial,
                };
                Ibsi2Filter::Gabor(GaborParams {
                    sigma_mm: num("sigma_mm")?,
                    lambda_mm: num("gabor_lambda_mm")?,
                    gamma: num("gabor_gamma")?,
                    theta_deg: num("gabor_theta_deg")?,
                    theta_step_deg: if rotation_invariant {
                        Some(num("gabor_theta_step_deg")?)
                    } else {
                        None
                    },
                    pooling: pooling()?,
                    planes,
                    boundary: boundary()?,
                })
            }
            "separable wavelet" => Ibsi2Filter::SeparableWavelet(SeparableWaveletParams {
                wavelet: need("wavelet")?.parse()?,
                level: level()?,
                subband: need("subband")?.to_string(),
                rotation_invariant: rotation()?,
                pooling: pooling()?,
                boundary: boundary()?,
            }),
            f if f.starts_with("non-separable wavelet") => Ibsi2Filter::Simoncelli {
                level: level()?,
                dims: dims()?,
            },
            "riesz-transformed log" => Ibsi2Filter::RieszLog {
                sigma_mm: num("sigma_mm")?,
                cutoff: num("cutoff_sigma")?,
                order: riesz()?,
                boundary: boundary()?,
            },
            "riesz-transformed simoncelli" => Ibsi2Filter::RieszSimoncelli {
                level: level()?,
                order: riesz()?,
            },
            other => {
                return Err(param(
                    "filter",
                    format!("{other:?} is not an IBSI-2 filter"),
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perirad_core::Geometry;

    fn volume(size: [usize; 3], data: Vec<f64>) -> Volume<f64> {
        let g = Geometry::with_spacing(size, [1.0, 1.0, 1.0]).expect("geometry");
        Volume::new(g, data).expect("volume")
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let mut data = vec![1.0; 27];
        data[13] = f64::NAN;
        let v = volume([3, 3, 3], data);
        assert!(matches!(
            mean(&v, 3, Dims::Three, Boundary::Nearest),
            Err(FeatureError::NonFinite { .. })
        ));
    }

    #[test]
    fn constant_image_keeps_its_mean() {
        let v = volume([4, 3, 2], vec![2.5; 24]);
        for b in [Boundary::Nearest, Boundary::Periodic, Boundary::Mirror] {
            let m = mean(&v, 5, Dims::Three, b).expect("mean");
            assert!(m.data().iter().all(|x| (x - 2.5).abs() < 1e-12), "{b:?}");
        }
    }

    #[test]
    fn row_parser_rejects_unknown_filters() {
        let row: BTreeMap<String, String> = [("filter", "median"), ("dims", "3D")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(Ibsi2Filter::from_fields(&row).is_err());
    }
}
