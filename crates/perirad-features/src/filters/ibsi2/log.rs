//! Laplacian of Gaussian (IBSI-2): the sampled analytic LoG, not scale-normalised, truncated at
//! `cutoff` standard deviations per axis (radius `floor(cutoff·σ/spacing + 0.5)` voxels).
//!
//! The kernel is applied as a sum of separable terms: in d dimensions
//! `∇²G = Σ_a G''(x_a) Π_{b≠a} G(x_b)`, one term per filtered axis, each a pass of 1D kernels.
//! Derivatives are taken in mm and scaled by the square of the smallest spacing of the filtered
//! axes, so on isotropic grids the response is the LoG in voxel units that IBSI-2's reference
//! maps use (2.a: centre value 255 × LoG(0) with σ in voxels).

use super::grid::{convolve_separable, Grid, Kernel1d};
use super::{check, from_grid, to_grid, Dims};
use crate::filters::Boundary;
use crate::FeatureError;
use perirad_core::Volume;

/// The Gaussian and its scaled second-derivative kernels of each filtered axis.
pub(crate) struct LogKernels {
    pub gauss: [Option<Kernel1d>; 3],
    pub second: [Option<Kernel1d>; 3],
    /// Kernel radius per axis (0 on unfiltered axes).
    pub radius: [usize; 3],
}

pub(crate) fn log_kernels(
    spacing: [f64; 3],
    sigma_mm: f64,
    cutoff: f64,
    dims: Dims,
) -> Result<LogKernels, FeatureError> {
    check(
        sigma_mm.is_finite() && sigma_mm > 0.0,
        "sigma",
        "σ must be positive",
    )?;
    check(
        cutoff.is_finite() && cutoff > 0.0,
        "cutoff",
        "the cutoff must be positive",
    )?;
    let axes = dims.axes();
    let s_ref = axes
        .iter()
        .map(|&a| spacing[a])
        .fold(f64::INFINITY, f64::min);
    let mut gauss: [Option<Kernel1d>; 3] = [None, None, None];
    let mut second: [Option<Kernel1d>; 3] = [None, None, None];
    let mut radius = [0usize; 3];
    for &a in axes {
        let s = spacing[a];
        let sigma = sigma_mm / s;
        let r = (cutoff * sigma + 0.5).floor() as usize;
        let norm = 1.0 / (2.0 * std::f64::consts::PI * sigma * sigma).sqrt();
        let g: Vec<f64> = (0..=2 * r)
            .map(|m| {
                let x = m as f64 - r as f64;
                norm * (-x * x / (2.0 * sigma * sigma)).exp()
            })
            .collect();
        let scale = (s_ref / s).powi(2);
        let d2: Vec<f64> = g
            .iter()
            .enumerate()
            .map(|(m, gv)| {
                let x = m as f64 - r as f64;
                scale * (x * x / (sigma * sigma) - 1.0) / (sigma * sigma) * gv
            })
            .collect();
        gauss[a] = Some(Kernel1d::centred(&g));
        second[a] = Some(Kernel1d::centred(&d2));
        radius[a] = r;
    }
    Ok(LogKernels {
        gauss,
        second,
        radius,
    })
}

pub(crate) fn log_grid(
    g: &Grid,
    spacing: [f64; 3],
    sigma_mm: f64,
    cutoff: f64,
    dims: Dims,
    boundary: Boundary,
) -> Result<Grid, FeatureError> {
    let k = log_kernels(spacing, sigma_mm, cutoff, dims)?;
    let mut acc = vec![0.0; g.data.len()];
    for &a in dims.axes() {
        let mut kernels = k.gauss.clone();
        kernels[a] = k.second[a].clone();
        let term = convolve_separable(g, &kernels, boundary);
        for (s, v) in acc.iter_mut().zip(term.data) {
            *s += v;
        }
    }
    Ok(Grid {
        size: g.size,
        data: acc,
    })
}

/// Laplacian of Gaussian response; `sigma_mm` in mm, `cutoff` in units of σ (IBSI-2 uses 4).
pub fn laplacian_of_gaussian(
    image: &Volume<f64>,
    sigma_mm: f64,
    cutoff: f64,
    dims: Dims,
    boundary: Boundary,
) -> Result<Volume<f64>, FeatureError> {
    let spacing = image.geometry().spacing();
    let out = log_grid(&to_grid(image)?, spacing, sigma_mm, cutoff, dims, boundary)?;
    from_grid(image, out)
}
