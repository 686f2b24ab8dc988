//! The feature registry: every feature perirad computes, with its PyRadiomics class and name,
//! its IBSI code (or why it has none) and its formula. `perirad features --list` prints it.

/// One registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureInfo {
    /// PyRadiomics feature class (`firstorder`).
    pub class: &'static str,
    /// PyRadiomics feature name (`Mean`).
    pub name: &'static str,
    /// IBSI code, when IBSI defines the same feature.
    pub ibsi: Option<&'static str>,
    /// Why there is no IBSI code, or how the IBSI feature differs.
    pub note: &'static str,
    /// The formula (X: ROI intensities, N_p voxels, c: voxelArrayShift, p(i): normalised
    /// histogram of the discretised intensities, V: voxel volume, m_k: central moments).
    pub formula: &'static str,
    /// PyRadiomics computes it only when a parameter file names it.
    pub deprecated: bool,
}

const fn f(
    name: &'static str,
    ibsi: Option<&'static str>,
    note: &'static str,
    formula: &'static str,
) -> FeatureInfo {
    FeatureInfo {
        class: "firstorder",
        name,
        ibsi,
        note,
        formula,
        deprecated: false,
    }
}

/// Every feature perirad computes, in PyRadiomics' order.
pub const REGISTRY: &[FeatureInfo] = &[
    f("Energy", Some("N8CA"), "IBSI has c = 0", "Σ (X + c)²"),
    f(
        "TotalEnergy",
        None,
        "PyRadiomics only: energy scaled by the voxel volume",
        "V · Σ (X + c)²",
    ),
    f(
        "Entropy",
        Some("TLU2"),
        "",
        "−Σ p(i) log2(p(i) + ε), ε = 2.2e-16",
    ),
    f("Minimum", Some("1GSF"), "", "min X"),
    f(
        "10Percentile",
        Some("QG58"),
        "",
        "P10(X), linear interpolation (numpy)",
    ),
    f(
        "90Percentile",
        Some("8DWT"),
        "",
        "P90(X), linear interpolation (numpy)",
    ),
    f("Maximum", Some("84IY"), "", "max X"),
    f("Mean", Some("Q4LE"), "", "Σ X / N_p"),
    f("Median", Some("Y12H"), "", "median X"),
    f("InterquartileRange", Some("SALO"), "", "P75(X) − P25(X)"),
    f("Range", Some("2OJQ"), "", "max X − min X"),
    f(
        "MeanAbsoluteDeviation",
        Some("4FUA"),
        "",
        "Σ |X − mean X| / N_p",
    ),
    f(
        "RobustMeanAbsoluteDeviation",
        Some("1128"),
        "",
        "mean |X' − mean X'| over X' = {x : P10 ≤ x ≤ P90}",
    ),
    f(
        "RootMeanSquared",
        Some("5ZWQ"),
        "IBSI has c = 0",
        "√(Σ (X + c)² / N_p)",
    ),
    FeatureInfo {
        class: "firstorder",
        name: "StandardDeviation",
        ibsi: None,
        note: "deprecated in PyRadiomics (equals √Variance); IBSI has no standard deviation",
        formula: "√m2",
        deprecated: true,
    },
    f("Skewness", Some("KE2A"), "0 when m2 = 0", "m3 / m2^1.5"),
    f(
        "Kurtosis",
        Some("IPH6"),
        "IBSI defines the excess kurtosis: PyRadiomics' value is IBSI's + 3; 0 when m2 = 0",
        "m4 / m2²",
    ),
    f("Variance", Some("ECT3"), "", "m2"),
    f("Uniformity", Some("BJ5W"), "", "Σ p(i)²"),
];
