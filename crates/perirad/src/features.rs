//! `perirad features --list`: the feature registry.

use clap::Args;
use perirad_features::ibsi_registry::ibsi_registry;
use perirad_features::registry::REGISTRY;
use serde_json::json;

#[derive(Args, Debug)]
pub struct FeaturesArgs {
    /// List every feature perirad computes, with its IBSI code and formula.
    #[arg(long)]
    list: bool,
    /// One JSON object per feature, one per line.
    #[arg(long)]
    json: bool,
    /// Only the features of one mode: `pyradiomics` (PyRadiomics names) or `ibsi` (IBSI tags).
    #[arg(long, value_parser = ["pyradiomics", "ibsi"])]
    mode: Option<String>,
}

pub fn run_features(args: &FeaturesArgs) -> anyhow::Result<bool> {
    if !args.list {
        anyhow::bail!("nothing to do: pass --list");
    }
    let show = |m: &str| args.mode.as_deref().is_none_or(|want| want == m);
    if show("pyradiomics") && !args.json {
        crate::out(format_args!("# pyradiomics mode: original_<class>_<name>"));
    }
    for e in REGISTRY.iter().filter(|_| show("pyradiomics")) {
        if args.json {
            crate::out(format_args!(
                "{}",
                json!({"mode": "pyradiomics", "class": e.class, "name": e.name, "pyradiomics_name": format!("original_{}_{}", e.class, e.name), "ibsi": e.ibsi, "note": e.note, "formula": e.formula, "deprecated": e.deprecated})
            ));
        } else {
            crate::out(format_args!(
                "{:<10} {:<28} {:<6} {}{}{}",
                e.class,
                e.name,
                e.ibsi.unwrap_or("—"),
                e.formula,
                if e.note.is_empty() {
                    String::new()
                } else {
                    format!("   [{}]", e.note)
                },
                if e.deprecated {
                    "   (deprecated: only when named)"
                } else {
                    ""
                }
            ));
        }
    }
    if show("ibsi") {
        if !args.json {
            crate::out(format_args!("# ibsi mode: original_<tag>[_<aggregation>]"));
        }
        for e in ibsi_registry().iter() {
            if args.json {
                crate::out(format_args!(
                    "{}",
                    json!({"mode": "ibsi", "family": e.family, "tag": e.tag, "ibsi": e.code, "formula": e.formula, "aggregations": e.aggregations})
                ));
            } else {
                crate::out(format_args!(
                    "{:<26} {:<24} {:<5} {}{}",
                    e.family,
                    e.tag,
                    e.code,
                    e.formula,
                    if e.aggregations.is_empty() {
                        String::new()
                    } else {
                        format!("   [aggregations: {}]", e.aggregations.join(", "))
                    }
                ));
            }
        }
    }
    Ok(true)
}
