//! Boundary conditions: the value a filter reads at an index outside the image.

use crate::error::param;
use crate::FeatureError;

/// How the image is extended beyond its grid (IBSI-2 "padding").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Zero outside the grid (IBSI "zero", scipy `constant` with 0).
    Constant,
    /// The closest edge voxel (scipy `nearest`, numpy `edge`).
    Nearest,
    /// The image repeats (scipy `wrap`).
    Periodic,
    /// Half-sample symmetric reflection, the edge voxel repeated: `... c b a | a b c ... x y z |
    /// z y x ...` (scipy `reflect`, numpy `symmetric`).
    Mirror,
}

impl Boundary {
    /// Index in `0..n` that position `i` reads, or `None` where the value is zero (constant
    /// boundary). `n` must be at least 1.
    #[inline]
    pub fn index(self, i: isize, n: usize) -> Option<usize> {
        let n_i = n as isize;
        if (0..n_i).contains(&i) {
            return Some(i as usize);
        }
        match self {
            Boundary::Constant => None,
            Boundary::Nearest => Some(if i < 0 { 0 } else { n - 1 }),
            Boundary::Periodic => Some(i.rem_euclid(n_i) as usize),
            Boundary::Mirror => {
                let m = i.rem_euclid(2 * n_i);
                Some(if m < n_i { m } else { 2 * n_i - 1 - m } as usize)
            }
        }
    }

    /// Copies `line` into `out` with `before` values in front and `after` behind, extended by
    /// this boundary condition. `line` must not be empty.
    pub fn extend_line(self, line: &[f64], before: usize, after: usize, out: &mut Vec<f64>) {
        out.clear();
        let n = line.len();
        let value = |i: isize| self.index(i, n).map_or(0.0, |k| line[k]);
        out.extend((0..before).map(|p| value(p as isize - before as isize)));
        out.extend_from_slice(line);
        out.extend((0..after).map(|p| value((n + p) as isize)));
    }
}

impl std::str::FromStr for Boundary {
    type Err = FeatureError;
    /// IBSI names (`zero`, `nearest`, `periodic`, `mirror`) and their scipy / numpy aliases
    /// (`constant`, `edge`, `wrap`, `reflect`, `symmetric`).
    fn from_str(s: &str) -> Result<Self, FeatureError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zero" | "constant" => Ok(Boundary::Constant),
            "nearest" | "edge" => Ok(Boundary::Nearest),
            "periodic" | "wrap" => Ok(Boundary::Periodic),
            "mirror" | "reflect" | "symmetric" => Ok(Boundary::Mirror),
            other => Err(param(
                "boundary",
                format!("{other:?}: expected zero, nearest, periodic or mirror"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Boundary;

    fn extended(b: Boundary) -> Vec<f64> {
        let mut out = Vec::new();
        b.extend_line(&[1.0, 2.0, 3.0], 4, 4, &mut out);
        out
    }

    #[test]
    fn extensions() {
        assert_eq!(
            extended(Boundary::Constant),
            [0., 0., 0., 0., 1., 2., 3., 0., 0., 0., 0.]
        );
        assert_eq!(
            extended(Boundary::Nearest),
            [1., 1., 1., 1., 1., 2., 3., 3., 3., 3., 3.]
        );
        assert_eq!(
            extended(Boundary::Periodic),
            [3., 1., 2., 3., 1., 2., 3., 1., 2., 3., 1.]
        );
        assert_eq!(
            extended(Boundary::Mirror),
            [3., 3., 2., 1., 1., 2., 3., 3., 2., 1., 1.]
        );
    }
}
