//! A small complex FFT for the frequency-domain filters: iterative radix-2 for powers of two,
//! Bluestein's chirp-z algorithm (built on the radix-2 transform) for every other length.
//! Forward transform `X[k] = Σ x[n] e^{-2πi kn/N}`; the inverse includes the 1/N factor.

use std::ops::{Add, Mul, Sub};

/// A complex number (f64 parts).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    pub const ZERO: C64 = C64 { re: 0.0, im: 0.0 };
    pub fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    /// `e^{iφ}`.
    pub fn cis(phi: f64) -> Self {
        Self::new(phi.cos(), phi.sin())
    }
    pub fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }
    pub fn scale(self, s: f64) -> Self {
        Self::new(self.re * s, self.im * s)
    }
    pub fn norm(self) -> f64 {
        self.re.hypot(self.im)
    }
}

impl Add for C64 {
    type Output = C64;
    fn add(self, o: C64) -> C64 {
        C64::new(self.re + o.re, self.im + o.im)
    }
}
impl Sub for C64 {
    type Output = C64;
    fn sub(self, o: C64) -> C64 {
        C64::new(self.re - o.re, self.im - o.im)
    }
}
impl Mul for C64 {
    type Output = C64;
    fn mul(self, o: C64) -> C64 {
        C64::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

/// Radix-2 plan: bit-reversal permutation and the twiddles `e^{-2πik/n}`, `k < n/2`.
struct Radix2 {
    n: usize,
    rev: Vec<usize>,
    twiddles: Vec<C64>,
}

impl Radix2 {
    fn new(n: usize) -> Self {
        let bits = n.trailing_zeros();
        let rev = (0..n)
            .map(|i| {
                if bits == 0 {
                    0
                } else {
                    i.reverse_bits() >> (usize::BITS - bits)
                }
            })
            .collect();
        let twiddles = (0..n / 2)
            .map(|k| C64::cis(-2.0 * std::f64::consts::PI * k as f64 / n as f64))
            .collect();
        Self { n, rev, twiddles }
    }

    /// Unnormalised transform in place; `inverse` uses the conjugate twiddles.
    fn run(&self, x: &mut [C64], inverse: bool) {
        let n = self.n;
        for i in 0..n {
            let j = self.rev[i];
            if i < j {
                x.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let half = len / 2;
            let step = n / len;
            for start in (0..n).step_by(len) {
                for k in 0..half {
                    let w = self.twiddles[k * step];
                    let w = if inverse { w.conj() } else { w };
                    let a = x[start + k];
                    let b = x[start + k + half] * w;
                    x[start + k] = a + b;
                    x[start + k + half] = a - b;
                }
            }
            len *= 2;
        }
    }
}

/// Bluestein plan for a length `n` that is not a power of two.
struct Bluestein {
    n: usize,
    inner: Radix2,
    /// `e^{-iπk²/n}` for `k < n`.
    chirp: Vec<C64>,
    /// Transform of the conjugate chirp, wrapped to the inner length.
    kernel: Vec<C64>,
}

impl Bluestein {
    fn new(n: usize) -> Self {
        let m = (2 * n - 1).next_power_of_two();
        let inner = Radix2::new(m);
        // k² mod 2n keeps the phase argument small and exact.
        let chirp: Vec<C64> = (0..n)
            .map(|k| {
                let k2 = (k as u128 * k as u128 % (2 * n as u128)) as f64;
                C64::cis(-std::f64::consts::PI * k2 / n as f64)
            })
            .collect();
        let mut kernel = vec![C64::ZERO; m];
        kernel[0] = chirp[0].conj();
        for k in 1..n {
            kernel[k] = chirp[k].conj();
            kernel[m - k] = chirp[k].conj();
        }
        inner.run(&mut kernel, false);
        Self {
            n,
            inner,
            chirp,
            kernel,
        }
    }

    fn run(&self, x: &mut [C64], inverse: bool, work: &mut Vec<C64>) {
        let m = self.inner.n;
        work.clear();
        work.resize(m, C64::ZERO);
        // The inverse transform is the conjugate of the forward transform of the conjugate.
        for k in 0..self.n {
            let v = if inverse { x[k].conj() } else { x[k] };
            work[k] = v * self.chirp[k];
        }
        self.inner.run(work, false);
        for (w, k) in work.iter_mut().zip(&self.kernel) {
            *w = *w * *k;
        }
        self.inner.run(work, true);
        let s = 1.0 / m as f64;
        for k in 0..self.n {
            let v = (work[k] * self.chirp[k]).scale(s);
            x[k] = if inverse { v.conj() } else { v };
        }
    }
}

enum Plan {
    Radix2(Radix2),
    Bluestein(Bluestein),
}

/// A reusable FFT of one length.
pub(crate) struct Fft {
    n: usize,
    plan: Plan,
}

impl Fft {
    /// A plan for length `n` (at least 1).
    pub fn new(n: usize) -> Self {
        let plan = if n.is_power_of_two() {
            Plan::Radix2(Radix2::new(n))
        } else {
            Plan::Bluestein(Bluestein::new(n))
        };
        Self { n, plan }
    }

    /// Transforms `x` (length `n`) in place; the inverse divides by `n`. `work` is scratch
    /// space.
    pub fn run(&self, x: &mut [C64], inverse: bool, work: &mut Vec<C64>) {
        match &self.plan {
            Plan::Radix2(p) => p.run(x, inverse),
            Plan::Bluestein(p) => p.run(x, inverse, work),
        }
        if inverse {
            let s = 1.0 / self.n as f64;
            for v in x.iter_mut() {
                *v = v.scale(s);
            }
        }
    }
}

/// Transforms a complex array of size `size` (x fastest) along every axis in `axes`.
pub(crate) fn fft_nd(data: &mut [C64], size: [usize; 3], axes: &[usize], inverse: bool) {
    let stride = [1, size[0], size[0] * size[1]];
    let mut line = Vec::new();
    let mut work = Vec::new();
    for &axis in axes {
        let n = size[axis];
        if n <= 1 {
            continue;
        }
        let plan = Fft::new(n);
        let (o1, o2) = match axis {
            0 => (1, 2),
            1 => (0, 2),
            _ => (0, 1),
        };
        for b in 0..size[o2] {
            for a in 0..size[o1] {
                let base = a * stride[o1] + b * stride[o2];
                line.clear();
                line.extend((0..n).map(|t| data[base + t * stride[axis]]));
                plan.run(&mut line, inverse, &mut work);
                for (t, v) in line.iter().enumerate() {
                    data[base + t * stride[axis]] = *v;
                }
            }
        }
    }
}

/// Signed frequency index of bin `k` of an `n`-point transform, in `-n/2..=(n-1)/2`.
pub(crate) fn signed_bin(k: usize, n: usize) -> f64 {
    if k < n.div_ceil(2) {
        k as f64
    } else {
        k as f64 - n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dft(x: &[C64]) -> Vec<C64> {
        let n = x.len();
        (0..n)
            .map(|k| {
                x.iter().enumerate().fold(C64::ZERO, |acc, (t, v)| {
                    let phi = -2.0 * std::f64::consts::PI * ((k * t) % n) as f64 / n as f64;
                    acc + *v * C64::cis(phi)
                })
            })
            .collect()
    }

    #[test]
    fn matches_direct_dft_and_inverts() {
        for n in [1usize, 2, 3, 5, 8, 12, 19, 64, 76] {
            let x: Vec<C64> = (0..n)
                .map(|i| C64::new((i as f64 * 0.7).sin(), (i as f64 * 0.3).cos()))
                .collect();
            let want = dft(&x);
            let plan = Fft::new(n);
            let mut y = x.clone();
            let mut work = Vec::new();
            plan.run(&mut y, false, &mut work);
            for (a, b) in y.iter().zip(&want) {
                assert!((*a - *b).norm() < 1e-9 * n as f64, "n = {n}");
            }
            plan.run(&mut y, true, &mut work);
            for (a, b) in y.iter().zip(&x) {
                assert!((*a - *b).norm() < 1e-12 * n as f64, "n = {n}");
            }
        }
    }
}
