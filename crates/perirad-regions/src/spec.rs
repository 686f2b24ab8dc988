//! Region specifications as users type them: `tumor`, `ring:5mm`, `ring:1cm`, `shell:5-10mm`,
//! `rings:0-10mm/1mm`, `ring:0.5r`, `inner:3mm`, `tumor+ring:10mm`.

use crate::RegionError;
use std::fmt;

/// A width: millimetres, or a fraction of the tumor's equivalent radius (`0.5r`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    Mm(f64),
    /// Fraction of the equivalent radius: of the sphere of equal volume (3D, also in-plane
    /// mode), of the circle of equal area (2D images).
    Radius(f64),
}

impl Width {
    /// The width in mm for a tumor of equivalent radius `r_eq` mm.
    pub fn mm(self, r_eq: f64) -> f64 {
        match self {
            Width::Mm(w) => w,
            Width::Radius(f) => f * r_eq,
        }
    }
}

/// One requested region.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionSpec {
    /// The tumor itself.
    Tumor,
    /// Voxels outside the tumor at distance ≤ width.
    Ring(Width),
    /// Voxels outside the tumor with `from < d ≤ to` (mm).
    Shell { from: f64, to: f64 },
    /// The series of shells `from..to` in steps of `step` (mm).
    Rings { from: f64, to: f64, step: f64 },
    /// Tumor voxels within `width` of the tumor's border (distance to the nearest non-tumor voxel).
    Inner(Width),
    /// The tumor and its ring as one region.
    TumorPlusRing(Width),
}

fn number(spec: &str, s: &str) -> Result<f64, RegionError> {
    let v: f64 = s.trim().parse().map_err(|_| RegionError::Spec {
        spec: spec.to_string(),
        reason: format!("{s:?} is not a number"),
    })?;
    if !(v.is_finite() && v >= 0.0) {
        return Err(RegionError::Spec {
            spec: spec.to_string(),
            reason: format!("{s}: widths must be finite and ≥ 0"),
        });
    }
    Ok(v)
}

/// A length with its unit: `5mm`, `1.5cm` (the unit is required).
fn length(spec: &str, s: &str) -> Result<f64, RegionError> {
    let s = s.trim();
    if let Some(v) = s.strip_suffix("mm") {
        number(spec, v)
    } else if let Some(v) = s.strip_suffix("cm") {
        Ok(number(spec, v)? * 10.0)
    } else {
        Err(RegionError::Spec {
            spec: spec.to_string(),
            reason: format!("{s:?}: give a unit, e.g. 5mm, 1cm or 0.5r"),
        })
    }
}

fn width(spec: &str, s: &str) -> Result<Width, RegionError> {
    match s.trim().strip_suffix('r') {
        Some(f) => Ok(Width::Radius(number(spec, f)?)),
        None => Ok(Width::Mm(length(spec, s)?)),
    }
}

/// A range `A-B` with one unit at the end (`5-10mm`) or on both ends (`5mm-1cm`).
fn range(spec: &str, s: &str) -> Result<(f64, f64), RegionError> {
    let (a, b) = s.split_once('-').ok_or_else(|| RegionError::Spec {
        spec: spec.to_string(),
        reason: format!("{s:?}: expected a range like 5-10mm"),
    })?;
    let to = length(spec, b)?;
    let unit = if b.trim().ends_with("cm") { "cm" } else { "mm" };
    let a = a.trim();
    let from = if a.ends_with("mm") || a.ends_with("cm") {
        length(spec, a)?
    } else {
        length(spec, &format!("{a}{unit}"))?
    };
    if from >= to {
        return Err(RegionError::Spec {
            spec: spec.to_string(),
            reason: format!("the inner distance {from} mm must be smaller than the outer {to} mm"),
        });
    }
    Ok((from, to))
}

impl std::str::FromStr for RegionSpec {
    type Err = RegionError;

    fn from_str(spec: &str) -> Result<Self, RegionError> {
        let s = spec.trim();
        if s == "tumor" {
            return Ok(RegionSpec::Tumor);
        }
        let (kind, arg) = s.split_once(':').ok_or_else(|| RegionError::Spec {
            spec: spec.to_string(),
            reason: "expected tumor, ring:W, shell:A-B, rings:A-B/STEP, inner:W or tumor+ring:W"
                .into(),
        })?;
        let w = match kind.trim() {
            "ring" => RegionSpec::Ring(width(spec, arg)?),
            "inner" => RegionSpec::Inner(width(spec, arg)?),
            "tumor+ring" => RegionSpec::TumorPlusRing(width(spec, arg)?),
            "shell" => {
                let (from, to) = range(spec, arg)?;
                RegionSpec::Shell { from, to }
            }
            "rings" => {
                let (r, step) = arg.split_once('/').ok_or_else(|| RegionError::Spec {
                    spec: spec.to_string(),
                    reason: "expected rings:A-B/STEP, e.g. rings:0-10mm/1mm".into(),
                })?;
                let (from, to) = range(spec, r)?;
                let step = length(spec, step)?;
                let count = (to - from) / step;
                if step <= 0.0
                    || count > 1000.0
                    || (count - count.round()).abs() > 1e-9 * count.max(1.0)
                {
                    return Err(RegionError::Spec {
                        spec: spec.to_string(),
                        reason: format!("the step {step} mm must divide {from}-{to} mm into at most 1000 shells"),
                    });
                }
                RegionSpec::Rings { from, to, step }
            }
            other => {
                return Err(RegionError::Spec {
                    spec: spec.to_string(),
                    reason: format!(
                    "unknown region kind {other:?} (tumor, ring, shell, rings, inner, tumor+ring)"
                ),
                })
            }
        };
        Ok(w)
    }
}

/// Shortest decimal for a number in a region name (`5`, `0.5`, `12.25`).
fn num(v: f64) -> String {
    format!("{v}")
}

fn width_text(w: Width) -> String {
    match w {
        Width::Mm(v) => format!("{}mm", num(v)),
        Width::Radius(f) => format!("{}r", num(f)),
    }
}

impl fmt::Display for RegionSpec {
    /// The canonical spec text (lengths in mm): `ring:5mm`, `shell:5-10mm`, `ring:0.5r`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionSpec::Tumor => f.write_str("tumor"),
            RegionSpec::Ring(w) => write!(f, "ring:{}", width_text(*w)),
            RegionSpec::Inner(w) => write!(f, "inner:{}", width_text(*w)),
            RegionSpec::TumorPlusRing(w) => write!(f, "tumor+ring:{}", width_text(*w)),
            RegionSpec::Shell { from, to } => write!(f, "shell:{}-{}mm", num(*from), num(*to)),
            RegionSpec::Rings { from, to, step } => {
                write!(f, "rings:{}-{}mm/{}mm", num(*from), num(*to), num(*step))
            }
        }
    }
}

impl RegionSpec {
    /// File-name form of the spec: `:` → `_`, `+` → `plus`, `.` → `p`, `/` → `_by_`
    /// (`ring_5mm`, `ring_0p5r`, `tumorplusring_10mm`, `rings_0-10mm_by_1mm`).
    pub fn file_stem(&self) -> String {
        self.to_string()
            .replace(':', "_")
            .replace('+', "plus")
            .replace('.', "p")
            .replace('/', "_by_")
    }

    /// The single regions this spec stands for (a `rings:` series expands to its shells; the
    /// first shell starts at the series' start, and a start of 0 gives a ring).
    pub fn expand(&self) -> Vec<RegionSpec> {
        match *self {
            RegionSpec::Rings { from, to, step } => {
                let n = ((to - from) / step).round() as usize;
                (0..n)
                    .map(|i| {
                        let a = from + step * i as f64;
                        let b = if i + 1 == n {
                            to
                        } else {
                            from + step * (i + 1) as f64
                        };
                        RegionSpec::Shell { from: a, to: b }
                    })
                    .collect()
            }
            ref other => vec![other.clone()],
        }
    }

    /// True for regions outside the tumor, which the organ and exclusion constraints cut.
    pub fn is_peritumoral(&self) -> bool {
        !matches!(self, RegionSpec::Tumor | RegionSpec::Inner(_))
    }

    /// Largest distance from the tumor this region reaches, in mm (0 for tumor and inner).
    pub fn reach(&self, r_eq: f64) -> f64 {
        match *self {
            RegionSpec::Tumor => 0.0,
            RegionSpec::Ring(w) | RegionSpec::TumorPlusRing(w) => w.mm(r_eq),
            RegionSpec::Inner(_) => 0.0,
            RegionSpec::Shell { to, .. } | RegionSpec::Rings { to, .. } => to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_users_type() {
        let p = |s: &str| s.parse::<RegionSpec>().expect(s);
        assert_eq!(p("tumor"), RegionSpec::Tumor);
        assert_eq!(p("ring:5mm"), RegionSpec::Ring(Width::Mm(5.0)));
        assert_eq!(p("ring:1cm"), RegionSpec::Ring(Width::Mm(10.0)));
        assert_eq!(p("ring:0.5r"), RegionSpec::Ring(Width::Radius(0.5)));
        assert_eq!(
            p("shell:5-10mm"),
            RegionSpec::Shell {
                from: 5.0,
                to: 10.0
            }
        );
        assert_eq!(
            p("shell:5mm-2cm"),
            RegionSpec::Shell {
                from: 5.0,
                to: 20.0
            }
        );
        assert_eq!(
            p("rings:0-10mm/1mm"),
            RegionSpec::Rings {
                from: 0.0,
                to: 10.0,
                step: 1.0
            }
        );
        assert_eq!(p("inner:3mm"), RegionSpec::Inner(Width::Mm(3.0)));
        assert_eq!(
            p("tumor+ring:10mm"),
            RegionSpec::TumorPlusRing(Width::Mm(10.0))
        );
        assert_eq!(p("rings:0-10mm/1mm").expand().len(), 10);
        for bad in [
            "ring",
            "ring:5",
            "ring:-5mm",
            "shell:10-5mm",
            "rings:0-10mm/3mm",
            "halo:5mm",
            "ring:xmm",
        ] {
            let e = bad.parse::<RegionSpec>().expect_err(bad).to_string();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn file_names_follow_the_rule() {
        let stem = |s: &str| s.parse::<RegionSpec>().expect(s).file_stem();
        assert_eq!(stem("ring:5mm"), "ring_5mm");
        assert_eq!(stem("ring:0.5r"), "ring_0p5r");
        assert_eq!(stem("tumor+ring:10mm"), "tumorplusring_10mm");
        assert_eq!(stem("shell:5-10mm"), "shell_5-10mm");
        assert_eq!(stem("rings:0-10mm/1mm"), "rings_0-10mm_by_1mm");
        assert_eq!(stem("ring:1cm"), "ring_10mm");
    }
}
