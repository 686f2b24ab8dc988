//! IBSI-1 intensity features computed from the voxel values alone (IBSI-1 reference manual,
//! chapter 3, `docs/03_Image_features.rst` of `theibsi/ibsi-doc`):
//!
//! * [`intensity_statistics`]: intensity-based statistics (family UHIW), on the intensities
//!   `X_gl` of the ROI intensity mask;
//! * [`intensity_histogram`]: intensity histogram features (family ZVCW), on the discretised
//!   intensities `X_d ∈ {1, …, N_g}` (see [`crate::discretise::ibsi_fixed_bin_size`] and
//!   [`crate::discretise::ibsi_fixed_bin_number`]);
//! * [`intensity_volume_histogram`]: intensity-volume histogram features (family P88C) in the
//!   manual's three cases, [`IvhUnits`].
//!
//! Features use IBSI's tags (`stat_mean`, `ih_mode`, `ivh_v10`, …) as names; [`FEATURES`] lists
//! every feature of these families and of [`super::ibsi_spatial`] with its IBSI code and formula.
//!
//! Inputs are already preprocessed (interpolated, re-segmented, discretised), so the functions
//! apply unchanged to every IBSI configuration. Accumulation is in `f64`, sequential, in voxel
//! order. An empty ROI is [`FeatureError::EmptyRoi`]; a NaN or infinite intensity is
//! [`FeatureError::NonFinite`] (IBSI's definitions need finite intensities and silently dropping
//! a voxel would change `N_v`). Where a formula is 0/0 or otherwise undefined the value is NaN,
//! as each function's documentation says.
//!
//! Percentiles `P_q` are the sample quantiles with linear interpolation between order statistics
//! (`h = (N_v − 1) q / 100`, `P_q = X_(⌊h⌋) + (h − ⌊h⌋)(X_(⌊h⌋+1) − X_(⌊h⌋))`, zero-based order
//! statistics; numpy's default and R's type 7). The IBSI reference values match it: the digital
//! phantom's `P90 = 4` (the manual notes some implementations give 4.2).

use crate::FeatureError;

/// One IBSI feature: its family, IBSI-1 tag (the join key of the IBSI reference tables), IBSI
/// permanent code and formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IbsiFeature {
    /// `intensity_statistics`, `intensity_histogram`, `intensity_volume_histogram`,
    /// `local_intensity` or `morphology`.
    pub family: &'static str,
    /// IBSI tag (`stat_mean`).
    pub tag: &'static str,
    /// IBSI permanent identifier (`Q4LE`).
    pub code: &'static str,
    /// The formula (X: intensities of the ROI intensity mask, N_v voxels, μ their mean,
    /// P_q percentiles, M the median; X_d discretised intensities, n_i and p_i = n_i/N_v the
    /// histogram; ν_i, γ_i volume and intensity fractions of the IVH).
    pub formula: &'static str,
}

const fn feat(
    family: &'static str,
    tag: &'static str,
    code: &'static str,
    formula: &'static str,
) -> IbsiFeature {
    IbsiFeature {
        family,
        tag,
        code,
        formula,
    }
}

const ST: &str = "intensity_statistics";
const IH: &str = "intensity_histogram";
const IVH: &str = "intensity_volume_histogram";
const LOC: &str = "local_intensity";
const MORPH: &str = "morphology";

/// Every IBSI feature of the intensity families perirad computes, in the order the functions
/// return them: statistics, histogram, IVH, local intensity, then the three intensity-based
/// morphology features of [`super::ibsi_spatial`].
pub const FEATURES: &[IbsiFeature] = &[
    feat(ST, "stat_mean", "Q4LE", "μ = Σ X / N_v"),
    feat(ST, "stat_var", "ECT3", "Σ (X − μ)² / N_v"),
    feat(
        ST,
        "stat_skew",
        "KE2A",
        "m3 / m2^(3/2), m_k = Σ (X − μ)^k / N_v; 0 when m2 = 0",
    ),
    feat(
        ST,
        "stat_kurt",
        "IPH6",
        "m4 / m2² − 3 (excess); 0 when m2 = 0",
    ),
    feat(ST, "stat_median", "Y12H", "M = median X"),
    feat(ST, "stat_min", "1GSF", "min X"),
    feat(ST, "stat_p10", "QG58", "P10(X)"),
    feat(ST, "stat_p90", "8DWT", "P90(X)"),
    feat(ST, "stat_max", "84IY", "max X"),
    feat(ST, "stat_iqr", "SALO", "P75(X) − P25(X)"),
    feat(ST, "stat_range", "2OJQ", "max X − min X"),
    feat(ST, "stat_mad", "4FUA", "Σ |X − μ| / N_v"),
    feat(
        ST,
        "stat_rmad",
        "1128",
        "mean |X' − mean X'| over X' = {x ∈ X : P10 ≤ x ≤ P90}",
    ),
    feat(ST, "stat_medad", "N72L", "Σ |X − M| / N_v"),
    feat(ST, "stat_cov", "7TET", "σ / μ, σ = √stat_var"),
    feat(ST, "stat_qcod", "9S40", "(P75 − P25) / (P75 + P25)"),
    feat(ST, "stat_energy", "N8CA", "Σ X²"),
    feat(ST, "stat_rms", "5ZWQ", "√(Σ X² / N_v)"),
    feat(IH, "ih_mean", "X6K6", "μ = Σ i p_i"),
    feat(IH, "ih_var", "CH89", "Σ (i − μ)² p_i"),
    feat(IH, "ih_skew", "88K1", "m3 / m2^(3/2) of X_d; 0 when m2 = 0"),
    feat(IH, "ih_kurt", "C3I7", "m4 / m2² − 3 of X_d; 0 when m2 = 0"),
    feat(IH, "ih_median", "WIFQ", "median X_d"),
    feat(IH, "ih_min", "1PR8", "min X_d"),
    feat(IH, "ih_p10", "GPMT", "P10(X_d)"),
    feat(IH, "ih_p90", "OZ0C", "P90(X_d)"),
    feat(IH, "ih_max", "3NCY", "max X_d"),
    feat(
        IH,
        "ih_mode",
        "AMMC",
        "argmax_i n_i; ties: the i closest to ih_mean, the lower one if equidistant",
    ),
    feat(IH, "ih_iqr", "WR0O", "P75(X_d) − P25(X_d)"),
    feat(IH, "ih_range", "5Z3W", "max X_d − min X_d"),
    feat(IH, "ih_mad", "D2ZX", "Σ |X_d − μ| / N_v"),
    feat(
        IH,
        "ih_rmad",
        "WRZB",
        "mean |X' − mean X'| over X' = {x ∈ X_d : P10 ≤ x ≤ P90}",
    ),
    feat(IH, "ih_medad", "4RNL", "Σ |X_d − median X_d| / N_v"),
    feat(IH, "ih_cov", "CWYJ", "σ / μ of X_d"),
    feat(IH, "ih_qcod", "SLWD", "(P75 − P25) / (P75 + P25) of X_d"),
    feat(IH, "ih_entropy", "TLU2", "−Σ p_i log2 p_i (p_i > 0)"),
    feat(IH, "ih_uniformity", "BJ5W", "Σ p_i²"),
    feat(
        IH,
        "ih_max_grad",
        "12CE",
        "max H'_i; H'_1 = n_2 − n_1, H'_i = (n_{i+1} − n_{i−1})/2, H'_{N_g} = n_{N_g} − n_{N_g−1}",
    ),
    feat(IH, "ih_max_grad_g", "8E6O", "the (lowest) i of max H'_i"),
    feat(IH, "ih_min_grad", "VQB3", "min H'_i"),
    feat(IH, "ih_min_grad_g", "RHQZ", "the (lowest) i of min H'_i"),
    feat(
        IVH,
        "ivh_v10",
        "BC2M",
        "ν_i at the smallest i ∈ G with γ_i ≥ 0.10; ν_i = 1 − Σ[X_d,gl < i]/N_v, γ_i = (i − min G)/(max G − min G)",
    ),
    feat(IVH, "ivh_v90", "BC2M", "ν_i at the smallest i ∈ G with γ_i ≥ 0.90"),
    feat(IVH, "ivh_i10", "GBPN", "smallest i with ν_i ≤ 0.10"),
    feat(IVH, "ivh_i90", "GBPN", "smallest i with ν_i ≤ 0.90"),
    feat(IVH, "ivh_diff_v10_v90", "DDTU", "V10 − V90"),
    feat(IVH, "ivh_diff_i10_i90", "CNV2", "I10 − I90"),
    feat(
        IVH,
        "ivh_auc",
        "9CMM",
        "trapezoidal area under ν(γ) on G (no IBSI reference value); 0 for one discretised intensity",
    ),
    feat(
        LOC,
        "loc_peak_loc",
        "VJGA",
        "max over the maximum-intensity ROI voxels of the image mean within r = (3/(4π))^(1/3) cm of the voxel centre",
    ),
    feat(
        LOC,
        "loc_peak_glob",
        "0F91",
        "max over all ROI voxels of the image mean within r = (3/(4π))^(1/3) cm",
    ),
    feat(MORPH, "morph_integ_int", "99N0", "V_mesh · μ"),
    feat(
        MORPH,
        "morph_moran_i",
        "N365",
        "N_v / Σw · Σ_{k1≠k2} w (X_k1 − μ)(X_k2 − μ) / Σ (X − μ)², w = 1/‖x_k1 − x_k2‖ (mm)",
    ),
    feat(
        MORPH,
        "morph_geary_c",
        "NPT7",
        "(N_v − 1) / (2Σw) · Σ_{k1≠k2} w (X_k1 − X_k2)² / Σ (X − μ)², w = 1/‖x_k1 − x_k2‖ (mm)",
    ),
];

/// Descriptive statistics shared by the statistics and the histogram families.
struct Summary {
    n: usize,
    mean: f64,
    var: f64,
    skew: f64,
    kurt: f64,
    median: f64,
    min: f64,
    p10: f64,
    p25: f64,
    p75: f64,
    p90: f64,
    max: f64,
    mad: f64,
    rmad: f64,
    medad: f64,
    energy: f64,
}

/// Sample quantile of sorted values, linear interpolation between order statistics (numpy's
/// default, R type 7). `sorted` must be non-empty.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Checks the ROI values: non-empty and all finite.
fn check_values(values: &[f64]) -> Result<(), FeatureError> {
    if values.is_empty() {
        return Err(FeatureError::EmptyRoi);
    }
    if let Some((k, x)) = values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(FeatureError::NonFinite {
            what: format!("ROI intensity {x} (ROI voxel {k} in scan order)"),
        });
    }
    Ok(())
}

/// The summary of finite, non-empty values.
fn summarise(values: &[f64]) -> Summary {
    let n = values.len();
    let nf = n as f64;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[n - 1]);
    // A flat ROI has μ = X exactly (Σ X / N_v may round) and every central moment 0.
    let mean = if min == max {
        min
    } else {
        values.iter().sum::<f64>() / nf
    };
    let (mut m2, mut m3, mut m4, mut mad, mut energy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &x in values {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
        mad += d.abs();
        energy += x * x;
    }
    let (m2, m3, m4, mad) = (m2 / nf, m3 / nf, m4 / nf, mad / nf);
    // IBSI: skewness and kurtosis are 0 when the variance is 0.
    let (skew, kurt) = if m2 == 0.0 {
        (0.0, 0.0)
    } else {
        (m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
    };
    let median = percentile(&sorted, 50.0);
    let (p10, p25, p75, p90) = (
        percentile(&sorted, 10.0),
        percentile(&sorted, 25.0),
        percentile(&sorted, 75.0),
        percentile(&sorted, 90.0),
    );
    // Robust MAD over P10 ≤ x ≤ P90 (a contiguous run of the sorted values).
    let lo = sorted.partition_point(|&x| x < p10);
    let hi = sorted.partition_point(|&x| x <= p90);
    let rmad = if lo < hi {
        let inner = &sorted[lo..hi];
        let m = inner.iter().sum::<f64>() / inner.len() as f64;
        let m = if inner[0] == inner[inner.len() - 1] {
            inner[0]
        } else {
            m
        };
        inner.iter().map(|&x| (x - m).abs()).sum::<f64>() / inner.len() as f64
    } else {
        f64::NAN
    };
    let medad = values.iter().map(|&x| (x - median).abs()).sum::<f64>() / nf;
    Summary {
        n,
        mean,
        var: m2,
        skew,
        kurt,
        median,
        min,
        p10,
        p25,
        p75,
        p90,
        max,
        mad,
        rmad,
        medad,
        energy,
    }
}

/// `a / b`, NaN when `b` is 0 (IBSI leaves these ratios undefined).
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

/// Intensity-based statistical features (IBSI family UHIW) of the intensities of the ROI
/// intensity mask, as `(tag, value)` in IBSI's order:
///
/// | tag | code | formula |
/// |---|---|---|
/// | `stat_mean` | Q4LE | μ = Σ X / N_v |
/// | `stat_var` | ECT3 | m2 = Σ (X − μ)² / N_v (no bias correction) |
/// | `stat_skew` | KE2A | m3 / m2^(3/2); 0 when m2 = 0 (IBSI) |
/// | `stat_kurt` | IPH6 | m4 / m2² − 3 (excess kurtosis); 0 when m2 = 0 (IBSI) |
/// | `stat_median` | Y12H | median X |
/// | `stat_min` | 1GSF | min X |
/// | `stat_p10` | QG58 | P10 |
/// | `stat_p90` | 8DWT | P90 |
/// | `stat_max` | 84IY | max X |
/// | `stat_iqr` | SALO | P75 − P25 |
/// | `stat_range` | 2OJQ | max X − min X |
/// | `stat_mad` | 4FUA | Σ abs(X − μ) / N_v |
/// | `stat_rmad` | 1128 | mean abs(X' − mean X') over X' = {P10 ≤ x ≤ P90} |
/// | `stat_medad` | N72L | Σ abs(X − median) / N_v |
/// | `stat_cov` | 7TET | √m2 / μ |
/// | `stat_qcod` | 9S40 | (P75 − P25) / (P75 + P25) |
/// | `stat_energy` | N8CA | Σ X² |
/// | `stat_rms` | 5ZWQ | √(Σ X² / N_v) |
///
/// Undefined cases, NaN: `stat_cov` when μ = 0, `stat_qcod` when P75 + P25 = 0, `stat_rmad`
/// when no value lies in [P10, P90] (possible for two distinct values only). A one-voxel or flat
/// ROI is well defined: variance, skewness, kurtosis and the deviations are 0.
///
/// Errors: empty ROI ([`FeatureError::EmptyRoi`]), a NaN or infinite intensity
/// ([`FeatureError::NonFinite`]).
pub fn intensity_statistics(values: &[f64]) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    check_values(values)?;
    let s = summarise(values);
    Ok(vec![
        ("stat_mean", s.mean),
        ("stat_var", s.var),
        ("stat_skew", s.skew),
        ("stat_kurt", s.kurt),
        ("stat_median", s.median),
        ("stat_min", s.min),
        ("stat_p10", s.p10),
        ("stat_p90", s.p90),
        ("stat_max", s.max),
        ("stat_iqr", s.p75 - s.p25),
        ("stat_range", s.max - s.min),
        ("stat_mad", s.mad),
        ("stat_rmad", s.rmad),
        ("stat_medad", s.medad),
        ("stat_cov", ratio(s.var.sqrt(), s.mean)),
        ("stat_qcod", ratio(s.p75 - s.p25, s.p75 + s.p25)),
        ("stat_energy", s.energy),
        ("stat_rms", (s.energy / s.n as f64).sqrt()),
    ])
}

/// Largest `N_g` [`intensity_histogram`] accepts (the histogram is held densely).
pub const MAX_BINS: u32 = 1 << 26;

/// Intensity histogram features (IBSI family ZVCW) of discretised intensities
/// `X_d ∈ {1, …, N_g}`, as `(tag, value)` in IBSI's order:
///
/// | tag | code | formula |
/// |---|---|---|
/// | `ih_mean` | X6K6 | μ = Σ i p_i |
/// | `ih_var` | CH89 | Σ (i − μ)² p_i |
/// | `ih_skew` | 88K1 | m3 / m2^(3/2); 0 when m2 = 0 |
/// | `ih_kurt` | C3I7 | m4 / m2² − 3; 0 when m2 = 0 |
/// | `ih_median` | WIFQ | median X_d |
/// | `ih_min` | 1PR8 | min X_d |
/// | `ih_p10` | GPMT | P10(X_d) |
/// | `ih_p90` | OZ0C | P90(X_d) |
/// | `ih_max` | 3NCY | max X_d |
/// | `ih_mode` | AMMC | argmax n_i; ties: closest to μ, then the lower i |
/// | `ih_iqr` | WR0O | P75 − P25 |
/// | `ih_range` | 5Z3W | max X_d − min X_d |
/// | `ih_mad` | D2ZX | Σ abs(X_d − μ) / N_v |
/// | `ih_rmad` | WRZB | robust MAD over P10 ≤ x ≤ P90 |
/// | `ih_medad` | 4RNL | Σ abs(X_d − median) / N_v |
/// | `ih_cov` | CWYJ | σ / μ |
/// | `ih_qcod` | SLWD | (P75 − P25) / (P75 + P25) |
/// | `ih_entropy` | TLU2 | −Σ p_i log2 p_i over p_i > 0 |
/// | `ih_uniformity` | BJ5W | Σ p_i² |
/// | `ih_max_grad` | 12CE | max H' |
/// | `ih_max_grad_g` | 8E6O | i of max H' (the lowest on ties) |
/// | `ih_min_grad` | VQB3 | min H' |
/// | `ih_min_grad_g` | RHQZ | i of min H' (the lowest on ties) |
///
/// The gradient is over the full (non-sparse) histogram `n_1 … n_{N_g}`:
/// `H'_1 = n_2 − n_1`, `H'_i = (n_{i+1} − n_{i−1}) / 2`, `H'_{N_g} = n_{N_g} − n_{N_g−1}`.
/// `n_g` is `N_g`, the number of grey levels: for fixed bin number the bin count; for fixed bin
/// size the caller's choice (the highest level occurring, or the number of bins of the
/// re-segmentation range); it only matters for the gradient at the top bins.
///
/// Undefined cases, NaN: the four gradient features when `N_g = 1` (IBSI's H' needs two bins),
/// and `ih_rmad` as for [`intensity_statistics`]. `ih_cov` and `ih_qcod` are always defined
/// (levels are ≥ 1).
///
/// Errors: empty ROI, a level outside `1..=n_g`, `n_g > MAX_BINS`.
pub fn intensity_histogram(
    levels: &[u32],
    n_g: u32,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    if levels.is_empty() {
        return Err(FeatureError::EmptyRoi);
    }
    if n_g > MAX_BINS {
        return Err(FeatureError::Input(format!(
            "N_g = {n_g} grey levels: at most {MAX_BINS} are supported"
        )));
    }
    if let Some(&l) = levels.iter().find(|&&l| l == 0 || l > n_g) {
        return Err(FeatureError::Input(format!(
            "discretised intensity {l} outside 1..={n_g}"
        )));
    }
    let values: Vec<f64> = levels.iter().map(|&l| f64::from(l)).collect();
    let s = summarise(&values);
    let nf = s.n as f64;
    let mut counts = vec![0u64; n_g as usize];
    for &l in levels {
        counts[l as usize - 1] += 1;
    }
    // Mode: highest count; ties to the level closest to the mean, then the lower level.
    let mut mode = 0usize;
    for (i, &c) in counts.iter().enumerate() {
        let better = c > counts[mode]
            || (c == counts[mode]
                && ((i + 1) as f64 - s.mean).abs() < ((mode + 1) as f64 - s.mean).abs());
        if better {
            mode = i;
        }
    }
    let (mut entropy, mut uniformity) = (0.0, 0.0);
    for &c in counts.iter().filter(|&&c| c > 0) {
        let p = c as f64 / nf;
        entropy -= p * p.log2();
        uniformity += p * p;
    }
    let (max_grad, max_grad_g, min_grad, min_grad_g) = histogram_gradient_extremes(&counts);
    Ok(vec![
        ("ih_mean", s.mean),
        ("ih_var", s.var),
        ("ih_skew", s.skew),
        ("ih_kurt", s.kurt),
        ("ih_median", s.median),
        ("ih_min", s.min),
        ("ih_p10", s.p10),
        ("ih_p90", s.p90),
        ("ih_max", s.max),
        ("ih_mode", (mode + 1) as f64),
        ("ih_iqr", s.p75 - s.p25),
        ("ih_range", s.max - s.min),
        ("ih_mad", s.mad),
        ("ih_rmad", s.rmad),
        ("ih_medad", s.medad),
        ("ih_cov", ratio(s.var.sqrt(), s.mean)),
        ("ih_qcod", ratio(s.p75 - s.p25, s.p75 + s.p25)),
        ("ih_entropy", entropy),
        ("ih_uniformity", uniformity),
        ("ih_max_grad", max_grad),
        ("ih_max_grad_g", max_grad_g),
        ("ih_min_grad", min_grad),
        ("ih_min_grad_g", min_grad_g),
    ])
}

/// `(max H', its level, min H', its level)`, the lowest level on ties; NaN for one bin.
fn histogram_gradient_extremes(counts: &[u64]) -> (f64, f64, f64, f64) {
    let n = counts.len();
    if n < 2 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let c = |i: usize| counts[i] as f64;
    let grad = |i: usize| {
        if i == 0 {
            c(1) - c(0)
        } else if i == n - 1 {
            c(n - 1) - c(n - 2)
        } else {
            (c(i + 1) - c(i - 1)) / 2.0
        }
    };
    let (mut max, mut max_i, mut min, mut min_i) = (grad(0), 0, grad(0), 0);
    for i in 1..n {
        let g = grad(i);
        if g > max {
            (max, max_i) = (g, i);
        }
        if g < min {
            (min, min_i) = (g, i);
        }
    }
    (max, (max_i + 1) as f64, min, (min_i + 1) as f64)
}

/// How intensities become the discretised intensities `X_d,gl` of the intensity-volume
/// histogram, with the total range `G` and the interval `w_d` (IBSI-1, "Intensity-volume
/// histogram features").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IvhUnits {
    /// Discrete calibrated intensities (CT HU): `X_d,gl = X`, `w_d = 1`, `G` = the
    /// re-segmentation range; a missing bound (none or half-open range) is the ROI minimum or
    /// maximum.
    Discrete {
        lower: Option<f64>,
        upper: Option<f64>,
    },
    /// Continuous calibrated intensities (PET SUV): fixed bin size `width` from `X_min` (the
    /// range's lower bound, else the ROI minimum), `X_d,gl = X_min + (X_d − 0.5) w_b`,
    /// `G = [X_min + w_b/2, X_max − w_b/2]` (`X_max`: the upper bound, else the ROI maximum),
    /// `w_d = w_b`.
    Continuous {
        width: f64,
        lower: Option<f64>,
        upper: Option<f64>,
    },
    /// Arbitrary intensity units (MRI): fixed bin number `bins` (IBSI recommends 1000) on the ROI
    /// `[min, max]`, `X_d,gl = X_d`, `w_d = 1`, `G = [1, N_g]`.
    Arbitrary { bins: u32 },
}

/// Largest number of IVH evaluation points (`(max G − min G)/w_d + 1`) accepted.
pub const MAX_IVH_POINTS: usize = 1 << 26;

/// Intensity-volume histogram features (IBSI family P88C) of the intensities of the ROI
/// intensity mask, as `(tag, value)`: `ivh_v10`, `ivh_v90` (BC2M), `ivh_i10`, `ivh_i90`
/// (GBPN), `ivh_diff_v10_v90` (DDTU), `ivh_diff_i10_i90` (CNV2) and `ivh_auc` (9CMM, which has
/// no IBSI reference value).
///
/// The IVH is evaluated at `i ∈ G` in steps of `w_d`, from `min G`:
/// `ν_i = 1 − Σ_k [X_d,gl,k < i] / N_v` (volume fraction with intensity ≥ i) and
/// `γ_i = (i − min G) / (max G − min G)`. Then
/// * `V_x` = ν_i at the smallest i with γ_i ≥ x (ν is non-increasing, so this is the largest
///   ν with γ ≥ x);
/// * `I_x` = the smallest i with ν_i ≤ x, in intensity units (bin centres for `Continuous`).
///   When no i of G qualifies (voxels at or above max G make up more than x of the volume),
///   the grid is extended beyond max G in steps of `w_d` to the first i above every voxel, where
///   ν = 0;
/// * `ivh_auc` = trapezoidal area under ν(γ) over G; 0 when the ROI has a single discretised
///   intensity (IBSI).
///
/// Comparisons are made on bin numbers for `Continuous` and `Arbitrary`, so bin centres need not
/// be compared in floating point.
///
/// Undefined cases, NaN: `V10`, `V90`, their difference and the AUC when `max G = min G`
/// (γ is 0/0: e.g. a flat ROI without a range) or when no point of G reaches the fraction.
///
/// Errors: empty ROI, a non-finite intensity, a width that is not finite and positive, zero
/// bins, a range with `upper < lower`, an intensity below the `Continuous` lower bound, more
/// than [`MAX_IVH_POINTS`] evaluation points.
pub fn intensity_volume_histogram(
    values: &[f64],
    units: IvhUnits,
) -> Result<Vec<(&'static str, f64)>, FeatureError> {
    check_values(values)?;
    let (roi_min, roi_max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let bounds = |lower: Option<f64>, upper: Option<f64>| -> Result<(f64, f64), FeatureError> {
        let (lo, hi) = (lower.unwrap_or(roi_min), upper.unwrap_or(roi_max));
        if !(lo.is_finite() && hi.is_finite()) || hi < lo {
            return Err(FeatureError::Input(format!(
                "IVH range [{lo}, {hi}] is not a finite range"
            )));
        }
        Ok((lo, hi))
    };
    // u: the discretised values in "grid units", where the IVH points are g0, g0 + 1, …; g_max
    // is max G in the same units; to_intensity maps grid units back to intensities.
    let (mut u, g0, g_max, scale, offset) = match units {
        IvhUnits::Discrete { lower, upper } => {
            let (lo, hi) = bounds(lower, upper)?;
            (values.to_vec(), lo, hi, 1.0, 0.0)
        }
        IvhUnits::Continuous {
            width,
            lower,
            upper,
        } => {
            let (lo, hi) = bounds(lower, upper)?;
            let bins = crate::discretise::ibsi_fixed_bin_size(values, width, lo)?;
            // Bin d has centre lo + (d − 0.5) w; max G = hi − w/2 is bin (hi − lo)/w.
            (
                bins.iter().map(|&d| f64::from(d)).collect(),
                1.0,
                (hi - lo) / width,
                width,
                lo - 0.5 * width,
            )
        }
        IvhUnits::Arbitrary { bins } => {
            let d = crate::discretise::ibsi_fixed_bin_number(values, bins)?;
            (
                d.iter().map(|&d| f64::from(d)).collect(),
                1.0,
                f64::from(bins),
                1.0,
                0.0,
            )
        }
    };
    let to_intensity = |g: f64| offset + scale * g;
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    let span = g_max - g0;
    // Number of grid steps inside G (a tiny slack absorbs rounding of (hi − lo)/w).
    let steps = (span + 1e-9 * span.abs().max(1.0)).floor().max(0.0);
    if steps >= MAX_IVH_POINTS as f64 {
        return Err(FeatureError::Input(format!(
            "the IVH range needs {steps} evaluation points: at most {MAX_IVH_POINTS} are supported"
        )));
    }
    let steps = steps as usize;
    let nu = |g: f64| 1.0 - u.partition_point(|&x| x < g) as f64 / n;
    let gamma = |k: usize| {
        if span > 0.0 {
            k as f64 / span
        } else {
            f64::NAN
        }
    };
    let v_at = |x: f64| {
        (0..=steps)
            .find(|&k| gamma(k) >= x)
            .map_or(f64::NAN, |k| nu(g0 + k as f64))
    };
    let top = u[u.len() - 1];
    let i_at = |x: f64| {
        let k = (0..=steps)
            .find(|&k| nu(g0 + k as f64) <= x)
            .unwrap_or_else(|| {
                // First grid point above every voxel (ν = 0 there).
                ((top - g0).floor() + 1.0).max(0.0) as usize
            });
        to_intensity(g0 + k as f64)
    };
    let (v10, v90) = (v_at(0.1), v_at(0.9));
    let (i10, i90) = (i_at(0.1), i_at(0.9));
    let auc = if u[0] == top {
        0.0
    } else if span > 0.0 {
        (0..steps)
            .map(|k| {
                let (a, b) = (nu(g0 + k as f64), nu(g0 + (k + 1) as f64));
                (gamma(k + 1) - gamma(k)) * (a + b) / 2.0
            })
            .sum()
    } else {
        f64::NAN
    };
    Ok(vec![
        ("ivh_v10", v10),
        ("ivh_v90", v90),
        ("ivh_i10", i10),
        ("ivh_i90", i90),
        ("ivh_diff_v10_v90", v10 - v90),
        ("ivh_diff_i10_i90", i10 - i90),
        ("ivh_auc", auc),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_returned_tag_once() {
        let mut tags: Vec<&str> = FEATURES.iter().map(|f| f.tag).collect();
        tags.sort_unstable();
        let n = tags.len();
        tags.dedup();
        assert_eq!(tags.len(), n, "duplicate tag");
        assert_eq!(n, 18 + 23 + 7 + 2 + 3);
    }

    #[test]
    fn percentile_interpolates_linearly() {
        // Hand-computed: h = 3 · 0.9 = 2.7 → 3 + 0.7 · (10 − 3).
        let s = [1.0, 2.0, 3.0, 10.0];
        assert!((percentile(&s, 90.0) - 7.9).abs() < 1e-12);
        assert_eq!(percentile(&s, 0.0), 1.0);
        assert_eq!(percentile(&s, 100.0), 10.0);
        assert_eq!(percentile(&[5.0], 10.0), 5.0);
    }
}
