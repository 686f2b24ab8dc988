//! Grey-level discretisation as PyRadiomics 3.1 does it (`imageoperations.getBinEdges` and
//! `binImage`): bins of fixed width are equally spaced from 0 and numbered from 1 at the bin that
//! holds the ROI minimum; a fixed bin count splits `[min, max]` into equal bins, the maximum
//! joining the last one.
//!
//! The IBSI-1 definitions are [`ibsi_fixed_bin_size`] and [`ibsi_fixed_bin_number`].

use crate::error::param;
use crate::FeatureError;

/// Discretisation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// Fixed bin width (`binWidth`).
    Width(f64),
    /// Fixed number of bins (`binCount`).
    Count(u32),
}

/// PyRadiomics' bin edges for the ROI values (`numpy.arange(low, max + 2w, w)` with
/// `low = min − (min mod w)`; for a bin count, `numpy.histogram`'s edges with the last one
/// raised by 1). A single edge (flat ROI) becomes `[e − 0.5, e + 0.5]`.
pub fn pyradiomics_edges(values: &[f64], binning: Binning) -> Vec<f64> {
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if values.is_empty() {
        return Vec::new();
    }
    pyradiomics_edges_between(min, max, binning).edges
}

/// [`pyradiomics_edges`] with the arithmetic rule that makes them.
pub(crate) struct PyrEdges {
    pub edges: Vec<f64>,
    /// `edges[i]` is `base + i as f64 * step` for all but possibly the last edge (which a
    /// bin count raises by 1); [`EdgeCounter`] checks this before it relies on it.
    base: f64,
    step: f64,
}

/// [`pyradiomics_edges`] of ROI values whose minimum is `min` and maximum `max`.
pub(crate) fn pyradiomics_edges_between(min: f64, max: f64, binning: Binning) -> PyrEdges {
    let (mut edges, mut base, mut step) = match binning {
        Binning::Width(w) => {
            // Python's `%` takes the sign of the divisor.
            let low = min - min.rem_euclid(w);
            let high = max + 2.0 * w;
            let n = ((high - low) / w).ceil().max(0.0) as usize;
            let edges = (0..n)
                .map(|i| low + i as f64 * w)
                .filter(|&e| e < high)
                .collect::<Vec<f64>>();
            (edges, low, w)
        }
        Binning::Count(n) => {
            let n = n.max(1) as usize;
            let (lo, hi) = if min == max {
                (min - 0.5, max + 0.5)
            } else {
                (min, max)
            };
            let step = (hi - lo) / n as f64;
            let mut e: Vec<f64> = (0..=n).map(|i| lo + i as f64 * step).collect();
            e[n] = hi;
            if let Some(last) = e.last_mut() {
                *last += 1.0;
            }
            (e, lo, step)
        }
    };
    if edges.len() == 1 {
        let e = edges[0];
        edges = vec![e - 0.5, e + 0.5];
        (base, step) = (e - 0.5, 1.0);
    }
    PyrEdges { edges, base, step }
}

/// Counts the edges `≤ v` (`numpy.digitize`, `edges.partition_point(|&e| e <= v)` for
/// ascending edges), for many values.
///
/// Where the edges are (a prefix of) `base + i·step`, a value's count is guessed as
/// `⌊(v − base) / step⌋ + 1 = k + 1` and kept only when `base + k·step ≤ v < base + (k+1)·step`
/// holds as computed: those two numbers are bit for bit `edges[k]` and `edges[k + 1]` (the
/// constructor compares every edge of the prefix with the same expression), so exactly `k + 1`
/// ascending edges are `≤ v`. The check is plain arithmetic, so a row of voxels is binned
/// without a branch or a table lookup; a value whose guess fails the check (within an ulp or so
/// of an edge, or past the prefix) is counted by [`EdgeCounter::count_up_to`] instead.
pub(crate) struct EdgeCounter<'a> {
    edges: &'a [f64],
    /// First edge and edges per unit, for the general count's first guess.
    first: f64,
    per_edge: f64,
    base: f64,
    step: f64,
    /// The guess `k` is checked only for `0 ≤ k < top`: `edges[k + 1]` is in the prefix.
    top: i32,
}

impl<'a> EdgeCounter<'a> {
    pub fn new(e: &'a PyrEdges) -> EdgeCounter<'a> {
        let edges = &e.edges[..];
        let (first, last) = (
            edges.first().copied().unwrap_or(0.0),
            edges.last().copied().unwrap_or(0.0),
        );
        let per_edge = if edges.len() >= 2 && last > first {
            (edges.len() - 1) as f64 / (last - first)
        } else {
            0.0
        };
        let ascending = edges.windows(2).all(|p| p[0] <= p[1]);
        let prefix = if ascending {
            edges
                .iter()
                .enumerate()
                .take_while(|&(i, &x)| x == e.base + i as f64 * e.step)
                .count()
        } else {
            0
        };
        let top = i32::try_from(prefix.saturating_sub(1)).unwrap_or(i32::MAX - 1);
        EdgeCounter {
            edges,
            first,
            per_edge,
            base: e.base,
            step: e.step,
            top,
        }
    }

    /// The number of edges `≤ v` (`edges.partition_point(|&e| e <= v)`), for any ascending
    /// edges: the guess only decides where the comparisons start.
    pub fn count_up_to(&self, v: f64) -> u32 {
        let e = self.edges;
        // A negative or NaN guess saturates to 0.
        let mut k = (((v - self.first) * self.per_edge) as usize)
            .saturating_add(1)
            .min(e.len());
        while k < e.len() && e[k] <= v {
            k += 1;
        }
        while k > 0 && e[k - 1] > v {
            k -= 1;
        }
        k as u32
    }

    /// `out[i]` = the count of edges `≤ values[i]`.
    pub fn count_row(&self, values: &[f64], out: &mut [u32]) {
        // 2^52: adding it to a number in [0, 2^31) rounds that number to an integer (ties to
        // even), held exactly in the low bits of the sum.
        const ROUND: f64 = 4_503_599_627_370_496.0;
        // Rounding q − (½ − 2⁻²⁰) ≥ 0 to the nearest integer gives ⌊q⌋, except within 2⁻²⁰
        // below an integer (then ⌊q⌋ + 1, which the check rejects).
        const BELOW: f64 = 0.5 - 1.0 / 1_048_576.0;
        let (base, step) = (self.base, self.step);
        // The guess is clamped to [0, top − 1] (so that its two edges are in the prefix) by
        // clamping q to [BELOW, top − 1]: a value the clamp moved to another bin fails the
        // check, as does NaN (clamped to the lower bound first).
        // (With a single edge pair, top − 1 = 0 is below BELOW: the range is then just BELOW,
        // never a negative q − BELOW.)
        let last = (f64::from(self.top) - 1.0).max(BELOW);
        let mut missed = self.top < 1;
        if !missed {
            for (o, &v) in out.iter_mut().zip(values) {
                let q = (v - base) / step;
                let q = if q > BELOW { q } else { BELOW };
                let q = if q < last { q } else { last };
                let t = (q - BELOW) + ROUND;
                let k = t - ROUND;
                let hit = (base + k * step <= v) & (v < base + (k + 1.0) * step);
                *o = (t.to_bits() as u32) + 1;
                missed |= !hit;
            }
        }
        if missed {
            for (o, &v) in out.iter_mut().zip(values) {
                *o = self.count_up_to(v);
            }
        }
    }
}

/// Bin number of every value (`numpy.digitize(x, edges)`: the count of edges ≤ x), so the bin
/// holding the minimum is 1.
pub fn pyradiomics_bins(values: &[f64], binning: Binning) -> Vec<u32> {
    let edges = pyradiomics_edges(values, binning);
    values
        .iter()
        .map(|&v| edges.partition_point(|&e| e <= v) as u32)
        .collect()
}

/// IBSI fixed bin size discretisation (IBSI-1 manual, section "Discretisation", code
/// Q3RU): `X_d = floor((X − X_min) / w) + 1`. `lower` is `X_min`: the lower bound of the
/// re-segmentation range, or the ROI minimum when there is none (pass
/// [`roi_min_max`]`(values).0`). Bins are numbered from 1 at the lower bound, so a value below it
/// has no bin: that, a non-finite value, or a width that is not finite and positive is an error.
pub fn ibsi_fixed_bin_size(
    values: &[f64],
    width: f64,
    lower: f64,
) -> Result<Vec<u32>, FeatureError> {
    if !(width.is_finite() && width > 0.0 && lower.is_finite()) {
        return Err(param(
            "discretisation",
            format!("fixed bin size needs a finite width > 0 and a finite lower bound (got width {width}, lower bound {lower})"),
        ));
    }
    values
        .iter()
        .map(|&x| {
            if !x.is_finite() {
                return Err(non_finite(x));
            }
            if x < lower {
                return Err(param(
                    "discretisation",
                    format!("intensity {x} lies below the fixed-bin-size lower bound {lower}"),
                ));
            }
            let d = ((x - lower) / width).floor() + 1.0;
            if d > u32::MAX as f64 {
                return Err(param(
                    "discretisation",
                    format!(
                        "intensity {x} needs more than 2^32 bins of width {width} from {lower}"
                    ),
                ));
            }
            Ok(d as u32)
        })
        .collect()
}

/// IBSI fixed bin number discretisation (IBSI-1 manual, code K15C) on `[min, max]` of the ROI
/// values: `X_d = floor(N_g (X − X_min) / (X_max − X_min)) + 1`, except `X = X_max`, which
/// goes to bin `N_g`. A flat ROI (`X_max = X_min`, where the formula is 0/0) puts every voxel
/// in bin 1. Non-finite values and `n_g = 0` are errors; an empty ROI gives an empty vector.
pub fn ibsi_fixed_bin_number(values: &[f64], n_g: u32) -> Result<Vec<u32>, FeatureError> {
    if n_g == 0 {
        return Err(param(
            "discretisation",
            "fixed bin number needs at least 1 bin",
        ));
    }
    if let Some(&x) = values.iter().find(|x| !x.is_finite()) {
        return Err(non_finite(x));
    }
    let Some((min, max)) = roi_min_max(values) else {
        return Ok(Vec::new());
    };
    let range = max - min;
    let n = f64::from(n_g);
    Ok(values
        .iter()
        .map(|&x| {
            if range == 0.0 {
                1
            } else if x >= max {
                n_g
            } else {
                // (x − min)/range < 1 here, yet rounding could still reach n_g: clamp.
                ((n * (x - min) / range).floor() as u32 + 1).min(n_g)
            }
        })
        .collect())
}

/// `(min, max)` of the values, `None` for an empty slice. NaN values are ignored.
pub fn roi_min_max(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            }),
    )
}

fn non_finite(x: f64) -> FeatureError {
    FeatureError::NonFinite {
        what: format!("ROI intensity {x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_width_follows_pyradiomics_example() {
        // PyRadiomics' docstring: values 54..166 with width 25 give edges [50, 75, ..., 175].
        let v = [54.0, 60.0, 100.0, 166.0];
        assert_eq!(
            pyradiomics_edges(&v, Binning::Width(25.0)),
            vec![50.0, 75.0, 100.0, 125.0, 150.0, 175.0, 200.0]
        );
        assert_eq!(pyradiomics_bins(&v, Binning::Width(25.0)), vec![1, 1, 3, 5]);
        // Flat ROI: one bin.
        assert_eq!(
            pyradiomics_bins(&[7.0, 7.0], Binning::Width(5000.0)),
            vec![1, 1]
        );
        // Negative values: edges equally spaced from 0.
        assert_eq!(
            pyradiomics_edges(&[-30.0, -1.0], Binning::Width(25.0))[0],
            -50.0
        );
    }

    #[test]
    fn ibsi_fixed_bin_size_counts_from_the_lower_bound() {
        // IBSI: floor((X − X_min)/w) + 1 with X_min = −500, w = 25.
        let v = [-500.0, -475.1, -475.0, 0.0, 400.0];
        assert_eq!(
            ibsi_fixed_bin_size(&v, 25.0, -500.0).expect("valid"),
            vec![1, 1, 2, 21, 37]
        );
        assert!(ibsi_fixed_bin_size(&[-501.0], 25.0, -500.0).is_err());
        assert!(ibsi_fixed_bin_size(&[f64::NAN], 25.0, -500.0).is_err());
        assert!(ibsi_fixed_bin_size(&[1.0], 0.0, 0.0).is_err());
    }

    #[test]
    fn ibsi_fixed_bin_number_maps_the_maximum_to_n_g() {
        // [0, 10] in 4 bins of 2.5: 2.5 starts bin 2, 10 is bin 4.
        let v = [0.0, 2.4, 2.5, 9.9, 10.0];
        assert_eq!(
            ibsi_fixed_bin_number(&v, 4).expect("valid"),
            vec![1, 1, 2, 4, 4]
        );
        assert_eq!(
            ibsi_fixed_bin_number(&[3.0, 3.0], 32).expect("valid"),
            vec![1, 1]
        );
        assert!(ibsi_fixed_bin_number(&[], 32).expect("valid").is_empty());
        assert!(ibsi_fixed_bin_number(&[1.0, f64::INFINITY], 32).is_err());
        assert!(ibsi_fixed_bin_number(&[1.0], 0).is_err());
    }

    /// `count_row` and `count_up_to` against `partition_point` (what `numpy.digitize` counts on
    /// ascending edges), on values on, next to and between the edges.
    fn check_counts(e: &PyrEdges, values: &[f64]) {
        let edges = &e.edges;
        let bins = EdgeCounter::new(e);
        let want: Vec<u32> = values
            .iter()
            .map(|&v| edges.partition_point(|&x| x <= v) as u32)
            .collect();
        for (&v, &w) in values.iter().zip(&want) {
            assert_eq!(bins.count_up_to(v), w, "{v} in {edges:?}");
        }
        let mut out = vec![u32::MAX; values.len()];
        for (o, v) in out.chunks_mut(13).zip(values.chunks(13)) {
            bins.count_row(v, o);
        }
        for (i, (&o, &w)) in out.iter().zip(&want).enumerate() {
            assert_eq!(o, w, "{} in {edges:?}", values[i]);
        }
    }

    /// Each edge, its neighbouring doubles and points between edges.
    fn probes(edges: &[f64]) -> Vec<f64> {
        let mut v = Vec::new();
        for &e in edges {
            v.extend([e, e.next_up(), e.next_down(), e + 0.37, e - 0.37, e + 7.0]);
        }
        v.extend([
            f64::MAX,
            f64::MIN,
            -0.0,
            0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]);
        v
    }

    #[test]
    fn edge_counts_are_numpy_digitize() {
        let mut cases = Vec::new();
        // PyRadiomics' own edges, by width and by count, on integer and fractional ranges.
        for (lo, hi) in [
            (-1024.0, 3071.0),
            (54.0, 166.0),
            (-0.3, 0.7),
            (1e-3, 2.5e-3),
            (7.0, 7.0),
        ] {
            for b in [
                Binning::Width(25.0),
                Binning::Width(0.1),
                Binning::Width(3.0),
                Binning::Count(32),
                Binning::Count(7),
            ] {
                cases.push(pyradiomics_edges_between(lo, hi, b));
            }
        }
        // Edges that do not follow the rule (uneven, repeated, single), and a rule that is
        // wrong: only the general count may serve them.
        let uneven = vec![-3.0, -1.0, 0.0, 0.5, 4.0, 4.0, 9.0];
        for (edges, base, step) in [
            (uneven.clone(), -3.0, 2.0),
            (vec![2.0], 2.0, 1.0),
            (vec![], 0.0, 1.0),
            (
                (0..12).map(|k| -1000.0 + 25.0 * k as f64).collect(),
                -1000.0,
                25.0,
            ),
            (
                (0..12).map(|k| -1000.0 + 25.0 * k as f64).collect(),
                -1000.0,
                24.0,
            ),
            (vec![0.0, 1.0, 1.0, 2.0], 0.0, 1.0),
            (vec![0.0, 0.0, 0.0], 0.0, 0.0),
        ] {
            cases.push(PyrEdges { edges, base, step });
        }
        for e in &cases {
            let mut values = probes(&e.edges);
            values.extend((-4000..4000).map(|t| t as f64 * 0.37));
            check_counts(e, &values);
        }
    }
}
