//! PyRadiomics `firstorder` class (PyRadiomics 3.1, `radiomics/firstorder.py`). With `X` the ROI
//! intensities (`N_p` voxels), `c` = `voxelArrayShift`, `p(i)` the normalised histogram of the
//! discretised intensities and `V` the voxel volume:
//!
//! ```text
//! Energy            Σ (X + c)²                       IBSI N8CA (with c = 0)
//! TotalEnergy       V · Σ (X + c)²                   —
//! Entropy           −Σ p(i) log2(p(i) + ε)           IBSI TLU2 (ε = 2.2e-16)
//! Minimum/Maximum   min X, max X                     IBSI 1GSF, 84IY
//! 10/90Percentile   numpy.percentile (linear)        IBSI QG58, 8DWT
//! Mean, Median      mean, numpy.median               IBSI Q4LE, Y12H
//! InterquartileRange P75 − P25                       IBSI SALO
//! Range             max − min                        IBSI 2OJQ
//! MeanAbsoluteDeviation  mean |X − mean X|           IBSI 4FUA
//! RobustMeanAbsoluteDeviation  the same over P10 ≤ X ≤ P90   IBSI 1128
//! RootMeanSquared   √(Σ (X + c)² / N_p)              IBSI 5ZWQ (with c = 0)
//! StandardDeviation √m2                              —
//! Skewness          m3 / m2^1.5 (0 when m2 = 0)      IBSI KE2A
//! Kurtosis          m4 / m2²   (0 when m2 = 0)       IBSI IPH6 + 3 (IBSI is excess kurtosis)
//! Variance          m2                               IBSI ECT3
//! Uniformity        Σ p(i)²                          IBSI BJ5W
//! ```
//! `m_k` are the central moments. An empty ROI gives no features (the caller reports it).

use crate::discretise::{pyradiomics_bins, Binning};

/// Features PyRadiomics marks deprecated: computed only when a parameter file names them
/// (`StandardDeviation` equals √Variance).
pub const DEPRECATED: &[&str] = &["StandardDeviation"];

/// Every PyRadiomics first-order feature of the ROI values, deprecated ones included (see
/// [`DEPRECATED`]), in PyRadiomics' name order.
pub fn pyradiomics(
    values: &[f64],
    voxel_volume: f64,
    voxel_array_shift: f64,
    binning: Binning,
) -> Vec<(&'static str, f64)> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let nf = n as f64;
    // Only the extremes and the percentiles' neighbours are read from the sorted values: those
    // order statistics are selected in place instead of sorting everything.
    let mut sorted = values.to_vec();
    let mut needed = vec![0, n - 1];
    for q in [10.0, 25.0, 50.0, 75.0, 90.0] {
        let (lo, hi) = percentile_indices(n, q);
        needed.extend([lo, hi]);
    }
    select_order_statistics(&mut sorted, &mut needed);
    let mean = values.iter().sum::<f64>() / nf;
    let moment = |k: i32| values.iter().map(|&x| (x - mean).powi(k)).sum::<f64>() / nf;
    let (m2, m3, m4) = (moment(2), moment(3), moment(4));
    let energy: f64 = values
        .iter()
        .map(|&x| (x + voxel_array_shift) * (x + voxel_array_shift))
        .sum();
    let (p10, p25, p75, p90) = (
        percentile(&sorted, 10.0),
        percentile(&sorted, 25.0),
        percentile(&sorted, 75.0),
        percentile(&sorted, 90.0),
    );
    let robust: Vec<f64> = values
        .iter()
        .copied()
        .filter(|&x| x >= p10 && x <= p90)
        .collect();
    let robust_mean = robust.iter().sum::<f64>() / robust.len() as f64;
    let rmad = robust.iter().map(|&x| (x - robust_mean).abs()).sum::<f64>() / robust.len() as f64;
    let bins = pyradiomics_bins(values, binning);
    // Counts per bin, in increasing bin order (bins are at most the number of edges).
    let top = bins.iter().copied().max().unwrap_or(0) as usize;
    let mut counts = vec![0usize; top + 1];
    for b in bins {
        counts[b as usize] += 1;
    }
    let p: Vec<f64> = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64 / nf)
        .collect();
    let entropy = -p
        .iter()
        .map(|&pi| pi * (pi + f64::EPSILON).log2())
        .sum::<f64>();
    let uniformity = p.iter().map(|&pi| pi * pi).sum::<f64>();
    let std = m2.sqrt();
    let (skewness, kurtosis) = if m2 == 0.0 {
        (0.0, 0.0)
    } else {
        (m3 / m2.powf(1.5), m4 / (m2 * m2))
    };
    vec![
        ("Energy", energy),
        ("TotalEnergy", voxel_volume * energy),
        ("Entropy", entropy),
        ("Minimum", sorted[0]),
        ("10Percentile", p10),
        ("90Percentile", p90),
        ("Maximum", sorted[n - 1]),
        ("Mean", mean),
        ("Median", percentile(&sorted, 50.0)),
        ("InterquartileRange", p75 - p25),
        ("Range", sorted[n - 1] - sorted[0]),
        (
            "MeanAbsoluteDeviation",
            values.iter().map(|&x| (x - mean).abs()).sum::<f64>() / nf,
        ),
        ("RobustMeanAbsoluteDeviation", rmad),
        ("RootMeanSquared", (energy / nf).sqrt()),
        ("StandardDeviation", std),
        ("Skewness", skewness),
        ("Kurtosis", kurtosis),
        ("Variance", std * std),
        ("Uniformity", uniformity),
    ]
}

/// Rearranges `v` so that at each index of `at` lies the value sorting `v` by
/// `f64::total_cmp` would put there (the other indices hold the rest, in no useful order).
fn select_order_statistics(v: &mut [f64], at: &mut Vec<usize>) {
    at.sort_unstable();
    at.dedup();
    let mut from = 0;
    for &k in at.iter() {
        if k >= from && k < v.len() {
            v[from..].select_nth_unstable_by(k - from, f64::total_cmp);
            from = k + 1;
        }
    }
}

/// The two sorted positions `numpy.percentile(x, q)` interpolates between, for `n` values.
fn percentile_indices(n: usize, q: f64) -> (usize, usize) {
    let lo = (q / 100.0 * (n - 1) as f64).floor() as usize;
    (lo, (lo + 1).min(n - 1))
}

/// `numpy.percentile(x, q)` with linear interpolation, on sorted values (or values where at
/// least the two positions of [`percentile_indices`] hold their order statistics).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = percentile_indices(sorted.len(), q);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    // numpy's _lerp: exact at both ends.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

#[cfg(test)]
mod tests {
    /// The selected order statistics are, bit for bit, those of a full sort, with ties, signed
    /// zeros and every percentile position of several lengths.
    #[test]
    fn selected_order_statistics_are_the_sorted_ones() {
        let mut rng = crate::families::pyr_grid::testing::Lcg(7);
        for n in [1usize, 2, 3, 10, 11, 97, 1000] {
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let v = rng.next(50) as f64 - 25.5;
                    match i % 7 {
                        0 => 0.0,
                        1 => -0.0,
                        _ => v,
                    }
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let mut picked = values.clone();
            let mut at = vec![0, n - 1];
            for q in [10.0, 25.0, 50.0, 75.0, 90.0] {
                let (lo, hi) = super::percentile_indices(n, q);
                at.extend([lo, hi]);
            }
            super::select_order_statistics(&mut picked, &mut at);
            for &k in &at {
                assert_eq!(picked[k].to_bits(), sorted[k].to_bits(), "n {n}, index {k}");
            }
            for q in [10.0, 25.0, 50.0, 75.0, 90.0] {
                let (a, b) = (super::percentile(&picked, q), super::percentile(&sorted, q));
                assert_eq!(a.to_bits(), b.to_bits(), "n {n}, q {q}");
            }
        }
    }

    use super::*;

    #[test]
    fn flat_and_single_voxel_rois_are_defined() {
        let f = pyradiomics(&[5.0], 1.0, 0.0, Binning::Width(25.0));
        let get = |name: &str| {
            f.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .expect(name)
        };
        assert_eq!(get("Variance"), 0.0);
        assert_eq!(get("Skewness"), 0.0);
        assert_eq!(get("Kurtosis"), 0.0);
        assert_eq!(get("Entropy"), -(1.0 + f64::EPSILON).log2());
        assert_eq!(get("Uniformity"), 1.0);
        assert!(pyradiomics(&[], 1.0, 0.0, Binning::Width(25.0)).is_empty());
    }
}
