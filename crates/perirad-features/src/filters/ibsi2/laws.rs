//! Laws kernels (IBSI-2): a separable product of 1D kernels (L5, E5, S5, W5, R5, L3, E3, S3,
//! each scaled to unit L2 norm), the first letter acting on x (i), the second on y (j), the third
//! on z (k). Optional rotation invariance pools the responses of the right-angle rotations of
//! the kernel (24 in 3D, 4 in-plane in 2D); the optional energy map is the mean of the absolute
//! (pooled) response in a window of Chebyshev radius δ, read through the same boundary.

use super::grid::{convolve_separable, right_angle_rotations, Grid, Kernel1d, Pool, Pooling};
use super::{check, from_grid, to_grid, Dims};
use crate::error::param;
use crate::filters::Boundary;
use crate::FeatureError;
use perirad_core::Volume;

/// Laws filter settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LawsParams {
    /// Kernel combination such as `E5L5S5` (3D) or `L5S5` (2D, slice by slice).
    pub kernel: String,
    /// Pool over right-angle rotations of the kernel.
    pub rotation_invariant: bool,
    pub pooling: Pooling,
    /// Energy map window: Chebyshev distance δ in voxels (`None`: the plain response).
    pub energy_delta: Option<usize>,
    pub boundary: Boundary,
}

/// The unnormalised 1D Laws kernel of a name (`L5`, `E3`, ...).
fn laws_1d(name: &str) -> Option<&'static [f64]> {
    Some(match name {
        "L5" => &[1.0, 4.0, 6.0, 4.0, 1.0],
        "E5" => &[-1.0, -2.0, 0.0, 2.0, 1.0],
        "S5" => &[-1.0, 0.0, 2.0, 0.0, -1.0],
        "W5" => &[-1.0, 2.0, 0.0, -2.0, 1.0],
        "R5" => &[1.0, -4.0, 6.0, -4.0, 1.0],
        "L3" => &[1.0, 2.0, 1.0],
        "E3" => &[-1.0, 0.0, 1.0],
        "S3" => &[-1.0, 2.0, -1.0],
        _ => return None,
    })
}

/// Splits `E5L5S5` into its unit-norm 1D kernels.
fn parse_combination(kernel: &str) -> Result<Vec<Kernel1d>, FeatureError> {
    let s = kernel.trim().to_ascii_uppercase();
    let bytes = s.as_bytes();
    check(
        bytes.len() % 2 == 0 && (4..=6).contains(&bytes.len()),
        "laws_kernel",
        format!("{kernel:?}: expected two or three kernels such as L5S5 or E5L5S5"),
    )?;
    (0..bytes.len() / 2)
        .map(|t| {
            let name = &s[2 * t..2 * t + 2];
            let taps = laws_1d(name)
                .ok_or_else(|| param("laws_kernel", format!("{name:?} is not a Laws kernel")))?;
            let norm = taps.iter().map(|v| v * v).sum::<f64>().sqrt();
            let taps: Vec<f64> = taps.iter().map(|v| v / norm).collect();
            Ok(Kernel1d::centred(&taps))
        })
        .collect()
}

/// Number of 1D kernels in a combination (2: a 2D filter, 3: a 3D filter), or an error naming
/// `laws_kernel`.
pub(crate) fn combination_len(kernel: &str) -> Result<usize, FeatureError> {
    parse_combination(kernel).map(|f| f.len())
}

/// How far (voxels, per axis) a response voxel reads the input: the largest kernel half-width
/// on every filtered axis (rotations move the factors between axes), plus δ for the energy map.
pub(crate) fn reach(p: &LawsParams) -> Result<[usize; 3], FeatureError> {
    let factors = parse_combination(&p.kernel)?;
    let half = factors.iter().map(|k| k.taps.len() / 2).max().unwrap_or(0);
    let r = half + p.energy_delta.unwrap_or(0);
    Ok(std::array::from_fn(
        |a| if a < factors.len() { r } else { 0 },
    ))
}

/// Mean of `|g|` over a window of Chebyshev radius `delta` along `dims`' axes.
pub(crate) fn energy(g: &Grid, delta: usize, dims: Dims, boundary: Boundary) -> Grid {
    let n = 2 * delta + 1;
    let k = Kernel1d::centred(&vec![1.0 / n as f64; n]);
    let abs = Grid {
        size: g.size,
        data: g.data.iter().map(|v| v.abs()).collect(),
    };
    convolve_separable(&abs, &dims.kernels(|_| k.clone()), boundary)
}

/// Laws response (or energy) map. The number of kernels in the combination sets the
/// dimension: two kernels filter each x-y slice, three filter the volume.
pub fn laws(image: &Volume<f64>, p: &LawsParams) -> Result<Volume<f64>, FeatureError> {
    let factors = parse_combination(&p.kernel)?;
    let dims = if factors.len() == 2 {
        Dims::Two
    } else {
        Dims::Three
    };
    let kernels: [Option<Kernel1d>; 3] = std::array::from_fn(|a| factors.get(a).cloned());
    let g = to_grid(image)?;
    let rotations = if p.rotation_invariant {
        right_angle_rotations(factors.len())
    } else {
        right_angle_rotations(factors.len())
            .into_iter()
            .take(1)
            .collect()
    };
    let mut pool = Pool::new(p.pooling);
    for r in &rotations {
        pool.add(convolve_separable(&g, &r.apply(&kernels), p.boundary).data);
    }
    let mut out = Grid {
        size: g.size,
        data: pool.finish(),
    };
    if let Some(delta) = p.energy_delta {
        out = energy(&out, delta, dims, p.boundary);
    }
    from_grid(image, out)
}
