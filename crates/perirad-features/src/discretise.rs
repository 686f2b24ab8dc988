//! Grey-level discretisation as PyRadiomics 3.1 does it (`imageoperations.getBinEdges` and
//! `binImage`): bins of fixed width are equally spaced from 0 and numbered from 1 at the bin that
//! holds the ROI minimum; a fixed bin count splits `[min, max]` into equal bins, the maximum
//! joining the last one.

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
    let mut edges = match binning {
        Binning::Width(w) => {
            // Python's `%` takes the sign of the divisor.
            let low = min - min.rem_euclid(w);
            let high = max + 2.0 * w;
            let n = ((high - low) / w).ceil().max(0.0) as usize;
            (0..n)
                .map(|i| low + i as f64 * w)
                .filter(|&e| e < high)
                .collect::<Vec<f64>>()
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
            e
        }
    };
    if edges.len() == 1 {
        let e = edges[0];
        edges = vec![e - 0.5, e + 0.5];
    }
    edges
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
}
