//! Gabor filter (IBSI-2), 2D, applied slice by slice:
//! `g(x, y) = exp(-(x'² + γ² y'²) / (2σ²)) · exp(2πi x'/λ)` with `x' = x cos θ + y sin θ`,
//! `y' = -x sin θ + y cos θ` (x, y in mm along the plane's first and second axis), so the
//! envelope has width σ along the wave vector (cos θ, sin θ) and σ/γ across it, and peak 1.
//! The response is the modulus. Rotation invariance pools the responses at θ, θ+Δθ, ... over a
//! full turn (θ and θ+180° have the same modulus, so only half a turn is computed when the
//! orientations pair up); "orthogonal planes" averages the pooled responses of the x-y, x-z and y-z planes.
//!
//! The kernel spans the whole slice (half-width `floor(max(n_a, n_b)/2)` voxels). The
//! convolution runs by FFT on each slice extended by that half-width through the boundary
//! condition, which gives the exact linear convolution of the extended slice.

use super::fft::{fft_nd, C64};
use super::grid::{Grid, Pool, Pooling};
use super::{check, from_grid, to_grid};
use crate::filters::Boundary;
use crate::FeatureError;
use perirad_core::Volume;

/// In which planes the 2D Gabor filter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaborPlanes {
    /// The x-y plane, slice by slice along z.
    Axial,
    /// x-y, x-z and y-z planes, responses averaged ("2.5D").
    Orthogonal,
}

/// Gabor filter settings (lengths in mm, angles in degrees).
#[derive(Debug, Clone, PartialEq)]
pub struct GaborParams {
    pub sigma_mm: f64,
    pub lambda_mm: f64,
    pub gamma: f64,
    pub theta_deg: f64,
    /// With rotation invariance: the orientation step; responses at `theta + k·step` over a full
    /// turn are pooled. `None`: the single orientation `theta`.
    pub theta_step_deg: Option<f64>,
    pub pooling: Pooling,
    pub planes: GaborPlanes,
    pub boundary: Boundary,
}

/// Gabor response map (modulus).
pub fn gabor(image: &Volume<f64>, p: &GaborParams) -> Result<Volume<f64>, FeatureError> {
    check(
        p.sigma_mm > 0.0 && p.sigma_mm.is_finite(),
        "sigma",
        "σ must be positive",
    )?;
    check(
        p.lambda_mm > 0.0 && p.lambda_mm.is_finite(),
        "lambda",
        "λ must be positive",
    )?;
    check(
        p.gamma > 0.0 && p.gamma.is_finite(),
        "gamma",
        "γ must be positive",
    )?;
    check(p.theta_deg.is_finite(), "theta", "θ must be finite")?;
    let thetas: Vec<f64> = match p.theta_step_deg {
        None => vec![p.theta_deg],
        Some(step) => {
            check(
                step > 0.0 && step.is_finite() && step <= 360.0,
                "theta_step",
                "the θ step must be in (0, 360]",
            )?;
            let n = (360.0 / step).round().max(1.0) as usize;
            // θ + 180° gives the complex conjugate kernel, hence the same modulus on a real
            // image: when the orientations come in such pairs, pooling one of each is the same.
            let paired = n % 2 == 0 && (n as f64 * step - 360.0).abs() < 1e-9;
            let kept = if paired { n / 2 } else { n };
            (0..kept).map(|k| p.theta_deg + k as f64 * step).collect()
        }
    };
    let g = to_grid(image)?;
    let spacing = image.geometry().spacing();
    let planes: &[(usize, usize)] = match p.planes {
        GaborPlanes::Axial => &[(0, 1)],
        GaborPlanes::Orthogonal => &[(0, 1), (0, 2), (1, 2)],
    };
    let mut total = vec![0.0; g.data.len()];
    for &(a, b) in planes {
        let r = plane_response(&g, a, b, spacing, &thetas, p);
        for (t, v) in total.iter_mut().zip(r) {
            *t += v;
        }
    }
    let s = 1.0 / planes.len() as f64;
    total.iter_mut().for_each(|v| *v *= s);
    from_grid(
        image,
        Grid {
            size: g.size,
            data: total,
        },
    )
}

/// Pooled modulus response over `thetas` in the plane of axes `a` (x) and `b` (y).
fn plane_response(
    g: &Grid,
    a: usize,
    b: usize,
    spacing: [f64; 3],
    thetas: &[f64],
    p: &GaborParams,
) -> Vec<f64> {
    let c = 3 - a - b;
    let (na, nb, nc) = (g.size[a], g.size[b], g.size[c]);
    let half = na.max(nb) / 2;
    let (pa, pb) = (na + 2 * half, nb + 2 * half);
    let (fa, fb) = (pa.next_power_of_two(), pb.next_power_of_two());
    let fsize = [fa, fb, 1];
    // Kernel transforms, centre at index (0, 0).
    let kernels: Vec<Vec<C64>> = thetas
        .iter()
        .map(|theta| {
            let (sin, cos) = theta.to_radians().sin_cos();
            let mut k = vec![C64::ZERO; fa * fb];
            let h = half as isize;
            for v in -h..=h {
                for u in -h..=h {
                    let x = u as f64 * spacing[a];
                    let y = v as f64 * spacing[b];
                    let xr = x * cos + y * sin;
                    let yr = -x * sin + y * cos;
                    let env = (-(xr * xr + p.gamma * p.gamma * yr * yr)
                        / (2.0 * p.sigma_mm * p.sigma_mm))
                        .exp();
                    let ia = u.rem_euclid(fa as isize) as usize;
                    let ib = v.rem_euclid(fb as isize) as usize;
                    k[ia + fa * ib] =
                        C64::cis(2.0 * std::f64::consts::PI * xr / p.lambda_mm).scale(env);
                }
            }
            fft_nd(&mut k, fsize, &[0, 1], false);
            k
        })
        .collect();
    let stride = g.stride();
    let mut out = vec![0.0; g.data.len()];
    let mut line = Vec::new();
    let mut ext = Vec::new();
    let mut padded = vec![0.0; pa * pb];
    for kc in 0..nc {
        let at = |i: usize, j: usize| i * stride[a] + j * stride[b] + kc * stride[c];
        // Extend the slice along a, then along b.
        let mut rows = vec![0.0; pa * nb];
        for j in 0..nb {
            line.clear();
            line.extend((0..na).map(|i| g.data[at(i, j)]));
            p.boundary.extend_line(&line, half, half, &mut ext);
            rows[pa * j..pa * (j + 1)].copy_from_slice(&ext);
        }
        for i in 0..pa {
            line.clear();
            line.extend((0..nb).map(|j| rows[i + pa * j]));
            p.boundary.extend_line(&line, half, half, &mut ext);
            for (j, v) in ext.iter().enumerate() {
                padded[i + pa * j] = *v;
            }
        }
        let mut spec = vec![C64::ZERO; fa * fb];
        for j in 0..pb {
            for i in 0..pa {
                spec[i + fa * j] = C64::new(padded[i + pa * j], 0.0);
            }
        }
        fft_nd(&mut spec, fsize, &[0, 1], false);
        let mut pool = Pool::new(p.pooling);
        for k in &kernels {
            let mut prod: Vec<C64> = spec.iter().zip(k).map(|(s, k)| *s * *k).collect();
            fft_nd(&mut prod, fsize, &[0, 1], true);
            let mut slice = vec![0.0; na * nb];
            for j in 0..nb {
                for i in 0..na {
                    slice[i + na * j] = prod[(i + half) + fa * (j + half)].norm();
                }
            }
            pool.add(slice);
        }
        let slice = pool.finish();
        for j in 0..nb {
            for i in 0..na {
                out[at(i, j)] = slice[i + na * j];
            }
        }
    }
    out
}
