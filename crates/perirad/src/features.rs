//! `perirad features --list`: the feature registry.

use clap::Args;
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
}

pub fn run_features(args: &FeaturesArgs) -> anyhow::Result<bool> {
    if !args.list {
        anyhow::bail!("nothing to do: pass --list");
    }
    for e in REGISTRY {
        if args.json {
            crate::out(format_args!(
                "{}",
                json!({"class": e.class, "name": e.name, "pyradiomics_name": format!("original_{}_{}", e.class, e.name), "ibsi": e.ibsi, "note": e.note, "formula": e.formula, "deprecated": e.deprecated})
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
    Ok(true)
}
