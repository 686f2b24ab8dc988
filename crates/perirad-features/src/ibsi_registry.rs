//! The IBSI-mode feature registry: every IBSI-1 feature perirad computes in `--mode ibsi`, with
//! its family, tag (the name in perirad's tables, after the image type prefix), IBSI code,
//! formula and, for texture features, the aggregations it is reported for.

use crate::families::{glcm, glrlm, ibsi_intensity, morphology, zones};

/// One IBSI feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IbsiInfo {
    /// IBSI family, as in the reference tables (`morphology`, `glcm`).
    pub family: &'static str,
    /// Tag without aggregation suffix (`cm_joint_max`).
    pub tag: &'static str,
    /// IBSI permanent code.
    pub code: &'static str,
    pub formula: &'static str,
    /// Tag suffixes of the aggregations (`2D_avg`, ..., `3D`); empty for non-texture features.
    pub aggregations: &'static [&'static str],
}

/// GLCM and GLRLM aggregations (see `families::texture`).
pub const MATRIX_AGGREGATIONS: &[&str] = &[
    "2D_avg",
    "2D_comb",
    "2_5D_avg",
    "2_5D_comb",
    "3D_avg",
    "3D_comb",
];
/// Zone and neighbourhood aggregations.
pub const ZONE_AGGREGATIONS: &[&str] = &["2D", "2_5D", "3D"];

/// Every IBSI feature perirad computes, family by family in the manual's order.
pub fn ibsi_registry() -> Vec<IbsiInfo> {
    let mut out = Vec::new();
    let plain = |family: &'static str, tag, code, formula| IbsiInfo {
        family,
        tag,
        code,
        formula,
        aggregations: &[],
    };
    for &(tag, code, formula) in morphology::IBSI_MORPHOLOGY {
        out.push(plain("morphology", tag, code, formula));
    }
    // Intensity-based morphology (integrated intensity, Moran's I, Geary's C) and the
    // intensity families.
    for f in ibsi_intensity::FEATURES
        .iter()
        .filter(|f| f.family == "morphology")
        .chain(
            ibsi_intensity::FEATURES
                .iter()
                .filter(|f| f.family != "morphology"),
        )
    {
        out.push(plain(f.family, f.tag, f.code, f.formula));
    }
    let texture = |family: &'static str,
                   table: &'static [(&'static str, &'static str, &'static str)],
                   aggregations: &'static [&'static str]| {
        table.iter().map(move |&(tag, code, formula)| IbsiInfo {
            family,
            tag,
            code,
            formula,
            aggregations,
        })
    };
    out.extend(texture("glcm", &glcm::FEATURES, MATRIX_AGGREGATIONS));
    out.extend(texture("glrlm", &glrlm::FEATURES, MATRIX_AGGREGATIONS));
    out.extend(texture("glszm", &zones::SZM, ZONE_AGGREGATIONS));
    out.extend(texture("gldzm", &zones::DZM, ZONE_AGGREGATIONS));
    out.extend(texture("ngtdm", &zones::NGT, ZONE_AGGREGATIONS));
    out.extend(texture("ngldm", &zones::NGL, ZONE_AGGREGATIONS));
    out
}
