//! Shared machinery: a bare voxel grid, 1D convolution along an axis with a boundary
//! condition, and the right-angle rotations of separable kernels.

use crate::filters::Boundary;

/// Voxel values on a grid of `size` (x fastest), without geometry.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub size: [usize; 3],
    pub data: Vec<f64>,
}

impl Grid {
    pub fn stride(&self) -> [usize; 3] {
        [1, self.size[0], self.size[0] * self.size[1]]
    }

    /// Applies `f` to every line along `axis`: `f(input line, output line)`.
    pub fn map_lines<F: FnMut(&[f64], &mut [f64])>(&self, axis: usize, mut f: F) -> Grid {
        let size = self.size;
        let stride = self.stride();
        let n = size[axis];
        let (o1, o2) = other_axes(axis);
        let mut out = vec![0.0; self.data.len()];
        let mut line = vec![0.0; n];
        let mut res = vec![0.0; n];
        for b in 0..size[o2] {
            for a in 0..size[o1] {
                let base = a * stride[o1] + b * stride[o2];
                for (t, v) in line.iter_mut().enumerate() {
                    *v = self.data[base + t * stride[axis]];
                }
                f(&line, &mut res);
                for (t, v) in res.iter().enumerate() {
                    out[base + t * stride[axis]] = *v;
                }
            }
        }
        Grid { size, data: out }
    }
}

/// The two axes other than `axis`, in increasing order.
pub(crate) fn other_axes(axis: usize) -> (usize, usize) {
    match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

/// A 1D kernel of odd length: `taps[m]` sits at offset `(m - len/2) * dilation`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kernel1d {
    pub taps: Vec<f64>,
    pub dilation: usize,
}

impl Kernel1d {
    /// An odd-length kernel centred on its middle tap. An even-length kernel gets a zero
    /// appended, so that its first tap keeps offset `-len/2` (the convention of IBSI-2's
    /// separable wavelet reference implementations).
    pub fn centred(taps: &[f64]) -> Self {
        let mut taps = taps.to_vec();
        if taps.len() % 2 == 0 {
            taps.push(0.0);
        }
        Self { taps, dilation: 1 }
    }

    /// The kernel mirrored about its centre.
    pub fn flipped(&self) -> Self {
        let mut taps = self.taps.clone();
        taps.reverse();
        Self {
            taps,
            dilation: self.dilation,
        }
    }

    fn reach(&self) -> usize {
        self.taps.len() / 2 * self.dilation
    }
}

/// True convolution along `axis`: `out[i] = Σ_m taps[m] · in[i - offset_m]`, reading outside the
/// grid through `boundary`.
pub(crate) fn convolve_axis(g: &Grid, axis: usize, k: &Kernel1d, boundary: Boundary) -> Grid {
    let reach = k.reach();
    let c = k.taps.len() / 2;
    let mut ext = Vec::new();
    g.map_lines(axis, |line, out| {
        boundary.extend_line(line, reach, reach, &mut ext);
        for (i, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (m, w) in k.taps.iter().enumerate() {
                if *w != 0.0 {
                    // index in `ext` of in[i - (m - c) * dilation]
                    let p = i + reach + c * k.dilation - m * k.dilation;
                    acc += w * ext[p];
                }
            }
            *o = acc;
        }
    })
}

/// Applies one kernel per axis (`None`: the axis is left alone), axis order z, y, x.
pub(crate) fn convolve_separable(
    g: &Grid,
    kernels: &[Option<Kernel1d>; 3],
    boundary: Boundary,
) -> Grid {
    let mut out = g.clone();
    for axis in (0..3).rev() {
        if let Some(k) = &kernels[axis] {
            out = convolve_axis(&out, axis, k, boundary);
        }
    }
    out
}

/// A right-angle rotation of a separable kernel: the kernel factor of axis `source[t]` moves to
/// axis `t`, mirrored where `flip[t]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisRotation {
    pub source: [usize; 3],
    pub flip: [bool; 3],
}

/// The proper right-angle rotations of the first `dims` axes (2: the 4 in-plane rotations of
/// axes x, y; 3: the 24 rotations of the cube): signed axis permutations with determinant +1.
/// The identity comes first.
pub(crate) fn right_angle_rotations(dims: usize) -> Vec<AxisRotation> {
    let perms3: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut out = Vec::new();
    for perm in perms3 {
        if dims == 2 && perm[2] != 2 {
            continue;
        }
        let parity = perm_sign(perm);
        for signs in 0..(1u8 << dims) {
            let flip = [signs & 1 != 0, signs & 2 != 0, signs & 4 != 0];
            let negatives = flip.iter().filter(|f| **f).count();
            let det = parity * if negatives % 2 == 0 { 1 } else { -1 };
            if det == 1 {
                out.push(AxisRotation { source: perm, flip });
            }
        }
    }
    out
}

fn perm_sign(p: [usize; 3]) -> i32 {
    let mut inversions = 0;
    for a in 0..3 {
        for b in a + 1..3 {
            if p[a] > p[b] {
                inversions += 1;
            }
        }
    }
    if inversions % 2 == 0 {
        1
    } else {
        -1
    }
}

impl AxisRotation {
    /// The per-axis kernels after this rotation.
    pub fn apply(&self, kernels: &[Option<Kernel1d>; 3]) -> [Option<Kernel1d>; 3] {
        std::array::from_fn(|t| {
            kernels[self.source[t]].as_ref().map(
                |k| {
                    if self.flip[t] {
                        k.flipped()
                    } else {
                        k.clone()
                    }
                },
            )
        })
    }
}

/// How responses to rotated kernels are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Max,
    Min,
    Average,
}

impl std::str::FromStr for Pooling {
    type Err = crate::FeatureError;
    fn from_str(s: &str) -> Result<Self, crate::FeatureError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "max" => Ok(Pooling::Max),
            "min" => Ok(Pooling::Min),
            "average" | "mean" => Ok(Pooling::Average),
            other => Err(crate::error::param(
                "pooling",
                format!("{other:?}: expected max, min or average"),
            )),
        }
    }
}

/// Running pool of response maps.
pub(crate) struct Pool {
    method: Pooling,
    acc: Option<Vec<f64>>,
    count: usize,
}

impl Pool {
    pub fn new(method: Pooling) -> Self {
        Self {
            method,
            acc: None,
            count: 0,
        }
    }

    pub fn add(&mut self, x: Vec<f64>) {
        self.count += 1;
        match &mut self.acc {
            None => self.acc = Some(x),
            Some(acc) => {
                for (a, v) in acc.iter_mut().zip(x) {
                    *a = match self.method {
                        Pooling::Max => a.max(v),
                        Pooling::Min => a.min(v),
                        Pooling::Average => *a + v,
                    };
                }
            }
        }
    }

    pub fn finish(self) -> Vec<f64> {
        let mut acc = self.acc.unwrap_or_default();
        if self.method == Pooling::Average && self.count > 1 {
            let s = 1.0 / self.count as f64;
            acc.iter_mut().for_each(|v| *v *= s);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_counts() {
        assert_eq!(right_angle_rotations(3).len(), 24);
        assert_eq!(right_angle_rotations(2).len(), 4);
        assert_eq!(
            right_angle_rotations(3)[0],
            AxisRotation {
                source: [0, 1, 2],
                flip: [false; 3]
            }
        );
    }

    #[test]
    fn convolution_is_not_correlation() {
        let g = Grid {
            size: [5, 1, 1],
            data: vec![0.0, 0.0, 1.0, 0.0, 0.0],
        };
        let k = Kernel1d::centred(&[1.0, 2.0, 3.0]);
        let out = convolve_axis(&g, 0, &k, Boundary::Constant);
        assert_eq!(out.data, [0.0, 1.0, 2.0, 3.0, 0.0]);
    }
}
