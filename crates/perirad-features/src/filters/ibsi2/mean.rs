//! Mean filter (IBSI-2 section on the mean filter): the average over a cubic (3D) or square (2D,
//! slice by slice in the x-y plane) window of `support` voxels per axis.

use super::grid::{convolve_separable, Kernel1d};
use super::{check, from_grid, to_grid, Dims};
use crate::filters::Boundary;
use crate::FeatureError;
use perirad_core::Volume;

/// Mean filter response; `support` must be odd.
pub fn mean(
    image: &Volume<f64>,
    support: usize,
    dims: Dims,
    boundary: Boundary,
) -> Result<Volume<f64>, FeatureError> {
    check(
        support % 2 == 1,
        "support",
        "the mean filter support must be odd",
    )?;
    let k = Kernel1d::centred(&vec![1.0 / support as f64; support]);
    let out = convolve_separable(&to_grid(image)?, &dims.kernels(|_| k.clone()), boundary);
    from_grid(image, out)
}
