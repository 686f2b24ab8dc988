//! IBSI-1 conformance: the reference tables (`reference_digital_phantom.csv`,
//! `reference_ct_phantom.csv`) and IBSI's comparison rule. A value passes when, rounded to 3
//! significant digits, it lies within the printed tolerance of the reference value
//! (`|signif(x, 3) − value| ≤ tolerance`; tolerance 0 means equal after rounding), as the IBSI
//! analysis did. The caller reads the files; this module only parses text.

use crate::error::param;
use crate::FeatureError;
use std::collections::BTreeMap;

/// One reference value.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceValue {
    /// CT phantom configuration (`A`–`E`), or empty for the digital phantom.
    pub config: String,
    /// Feature family (`morphology`, `glcm`, ...).
    pub family: String,
    /// Feature heading in the manual.
    pub feature_name: String,
    /// IBSI feature code.
    pub ibsi_code: String,
    /// Feature tag (`morph_volume`, `cm_joint_max_3D_comb`): the join key.
    pub tag: String,
    pub value: f64,
    pub tolerance: f64,
    /// `moderate`, `strong` or `very strong`.
    pub consensus: String,
}

/// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Parses an IBSI reference table; rows without a reference value are left out. `source` names
/// the table in errors.
pub fn parse_reference(source: &str, text: &str) -> Result<Vec<ReferenceValue>, FeatureError> {
    let mut lines = text.lines();
    let header = split_csv(
        lines
            .next()
            .unwrap_or_default()
            .trim_start_matches('\u{feff}'),
    );
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| param(source, format!("no column {name:?} in the reference table")))
    };
    let (family, feature, code, value, tolerance, consensus, tag) = (
        col("family")?,
        col("feature_name")?,
        col("ibsi_code")?,
        col("value")?,
        col("tolerance")?,
        col("consensus")?,
        col("tag")?,
    );
    let config = header.iter().position(|h| h == "config");
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f = split_csv(line);
        let get = |i: usize| {
            f.get(i).map(String::as_str).ok_or_else(|| {
                param(
                    source,
                    format!(
                        "line {}: {} fields, expected {}",
                        n + 2,
                        f.len(),
                        header.len()
                    ),
                )
            })
        };
        if get(value)?.trim().is_empty() {
            continue;
        }
        let number = |i: usize, what: &str| -> Result<f64, FeatureError> {
            let t = get(i)?.trim();
            if t.is_empty() {
                return Ok(0.0);
            }
            t.parse().map_err(|_| {
                param(
                    source,
                    format!("line {}: {what} {t:?} is not a number", n + 2),
                )
            })
        };
        out.push(ReferenceValue {
            config: match config {
                Some(c) => get(c)?.to_string(),
                None => String::new(),
            },
            family: get(family)?.to_string(),
            feature_name: get(feature)?.to_string(),
            ibsi_code: get(code)?.to_string(),
            tag: get(tag)?.to_string(),
            value: number(value, "value")?,
            tolerance: number(tolerance, "tolerance")?,
            consensus: get(consensus)?.to_string(),
        });
    }
    Ok(out)
}

/// `x` rounded to `digits` significant digits (R's `signif`), half away from zero on the
/// decimal representation.
pub fn signif(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    // Scientific formatting rounds the exact binary value correctly to `digits` digits.
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

/// IBSI's rule: `|signif(x, 3) − value| ≤ tolerance` (a hair of slack for the binary
/// representation of the printed decimals).
pub fn within_tolerance(x: f64, reference: &ReferenceValue) -> bool {
    if !x.is_finite() {
        return false;
    }
    let d = (signif(x, 3) - reference.value).abs();
    d <= reference.tolerance * (1.0 + 1e-9) + 1e-12 * reference.value.abs().max(1e-300)
}

/// Outcome for one reference value.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass(f64),
    Miss(f64),
    NotComputed,
}

/// Tally of one (configuration, family) group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub pass: usize,
    pub miss: usize,
    pub not_computed: usize,
}

impl Tally {
    pub fn total(&self) -> usize {
        self.pass + self.miss + self.not_computed
    }
}

/// Compares computed values (tag → value) with the references of one configuration.
pub fn compare<'a>(
    references: impl IntoIterator<Item = &'a ReferenceValue>,
    computed: &BTreeMap<String, f64>,
) -> Vec<(&'a ReferenceValue, Outcome)> {
    references
        .into_iter()
        .map(|r| {
            let outcome = match computed.get(&r.tag) {
                None => Outcome::NotComputed,
                Some(&x) if within_tolerance(x, r) => Outcome::Pass(x),
                Some(&x) => Outcome::Miss(x),
            };
            (r, outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(value: f64, tolerance: f64) -> ReferenceValue {
        ReferenceValue {
            config: String::new(),
            family: "morphology".into(),
            feature_name: "x".into(),
            ibsi_code: "X".into(),
            tag: "x".into(),
            value,
            tolerance,
            consensus: "strong".into(),
        }
    }

    #[test]
    fn signif_rounds_like_r() {
        assert_eq!(signif(2.1486, 3), 2.15);
        assert_eq!(signif(-46.94, 3), -46.9);
        assert_eq!(signif(358123.0, 3), 358000.0);
        assert_eq!(signif(0.000090049, 3), 0.0000900);
        assert_eq!(signif(0.0, 3), 0.0);
    }

    #[test]
    fn rule_is_rounded_value_within_tolerance() {
        // The README's example: 2.1486 passes a reference of 2.15 with tolerance 0.
        assert!(within_tolerance(2.1486, &reference(2.15, 0.0)));
        assert!(!within_tolerance(2.1436, &reference(2.15, 0.0)));
        // Tolerance edges: 0.701 is within 0.698 ± 0.003.
        assert!(within_tolerance(0.701, &reference(0.698, 0.003)));
        assert!(!within_tolerance(0.7016, &reference(0.698, 0.003)));
        assert!(!within_tolerance(f64::NAN, &reference(0.0, 1.0)));
    }

    #[test]
    fn quoted_fields_and_missing_values() {
        let text = "family,feature_name,ibsi_code,aggregation,value,tolerance,consensus,tag\n\
                    glcm,Joint maximum,GYBY,\"2D, averaged\",0.519,0,very strong,cm_joint_max_2D_avg\n\
                    morphology,Volume density (OMBB),ZH1A,,,,,morph_v_dens_ombb\n";
        let rows = parse_reference("t.csv", text).expect("parses");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].tag, "cm_joint_max_2D_avg");
        assert_eq!(rows[0].value, 0.519);
        assert!(parse_reference("t.csv", "family,value\n")
            .expect_err("columns missing")
            .to_string()
            .contains("t.csv"));
    }
}
