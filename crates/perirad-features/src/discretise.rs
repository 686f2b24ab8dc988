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
}
