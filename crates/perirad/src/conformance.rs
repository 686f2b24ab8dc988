//! `perirad conformance ibsi --data DIR`: the IBSI-1 conformance suite (digital phantom and CT
//! phantom configurations A–E) against the IBSI reference values, compared as IBSI did.

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use perirad_core::{Mask, Volume};
use perirad_features::conformance::{compare, parse_reference, Outcome, ReferenceValue, Tally};
use perirad_features::ibsi::extract_ibsi;
use perirad_features::PeriradSettings;
use perirad_io::{read_image, read_labels, ReadOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Suite {
    /// IBSI-1: feature definitions and image processing (digital and CT phantoms).
    Ibsi,
}

#[derive(Args, Debug)]
pub struct ConformanceArgs {
    /// The suite to run.
    #[arg(value_enum)]
    suite: Suite,
    /// The IBSI data folder: `phantoms/`, `reference_digital_phantom.csv`,
    /// `reference_ct_phantom.csv` (as in perirad's shared test data).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Run only these configurations (`digital`, `A`–`E`); the summary then covers only them.
    #[arg(long = "config", value_name = "NAME")]
    configs: Vec<String>,
    /// Print every reference value with its outcome, not only the misses.
    #[arg(long)]
    verbose: bool,
}

/// The IBSI-1 reference configurations, as perirad settings files (also in `examples/ibsi/`).
const CONFIGS: [(&str, &str); 6] = [
    (
        "digital",
        include_str!("../../../examples/ibsi/digital_phantom.yaml"),
    ),
    (
        "A",
        include_str!("../../../examples/ibsi/ct_phantom_A.yaml"),
    ),
    (
        "B",
        include_str!("../../../examples/ibsi/ct_phantom_B.yaml"),
    ),
    (
        "C",
        include_str!("../../../examples/ibsi/ct_phantom_C.yaml"),
    ),
    (
        "D",
        include_str!("../../../examples/ibsi/ct_phantom_D.yaml"),
    ),
    (
        "E",
        include_str!("../../../examples/ibsi/ct_phantom_E.yaml"),
    ),
];

/// A phantom image and its ROI.
fn load_phantom(dir: &Path) -> anyhow::Result<(Volume<f64>, Mask)> {
    let opts = ReadOptions::default();
    let image_path = dir.join("phantom.nii.gz");
    let mask_path = dir.join("mask.nii.gz");
    let image = read_image(&image_path, &opts)?;
    let labels = read_labels(&mask_path, &opts)?;
    labels.layers[0]
        .check_grid(image.geometry(), 1e-4)
        .with_context(|| format!("{} against {}", mask_path.display(), image_path.display()))?;
    let mask = labels.layers[0]
        .foreground()
        .with_context(|| mask_path.display().to_string())?;
    Ok((image.to_f64_volume(), mask))
}

fn read_table(path: &Path) -> anyhow::Result<Vec<ReferenceValue>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(parse_reference(&path.display().to_string(), &text)?)
}

pub fn run_conformance(args: &ConformanceArgs) -> anyhow::Result<bool> {
    let Suite::Ibsi = args.suite;
    let wanted: Vec<(&str, &str)> = CONFIGS
        .iter()
        .copied()
        .filter(|(name, _)| args.configs.is_empty() || args.configs.iter().any(|c| c == name))
        .collect();
    if let Some(bad) = args
        .configs
        .iter()
        .find(|c| !CONFIGS.iter().any(|(n, _)| n == c))
    {
        bail!("--config {bad:?}: expected digital, A, B, C, D or E");
    }
    let digital_refs = read_table(&args.data.join("reference_digital_phantom.csv"))?;
    let ct_refs = read_table(&args.data.join("reference_ct_phantom.csv"))?;
    let digital = if wanted.iter().any(|(n, _)| *n == "digital") {
        Some(load_phantom(&args.data.join("phantoms/digital"))?)
    } else {
        None
    };
    let ct = if wanted.iter().any(|(n, _)| *n != "digital") {
        Some(load_phantom(&args.data.join("phantoms/ct"))?)
    } else {
        None
    };
    // Each configuration is independent: run them in parallel, report in order.
    let results: Vec<anyhow::Result<(String, BTreeMap<String, f64>)>> = wanted
        .par_iter()
        .map(|&(name, text)| {
            let settings = PeriradSettings::from_yaml(text)
                .with_context(|| format!("built-in settings of configuration {name}"))?;
            let (image, mask) = match (name, &digital, &ct) {
                ("digital", Some(p), _) | (_, _, Some(p)) => (&p.0, &p.1),
                _ => bail!("phantom of configuration {name} not loaded"),
            };
            let ex = extract_ibsi(image, mask, &settings)
                .with_context(|| format!("configuration {name}"))?;
            Ok((name.to_string(), ex.features.into_iter().collect()))
        })
        .collect();
    let mut tallies: BTreeMap<(usize, String), Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut verbose = Vec::new();
    let family_order = |f: &str| {
        perirad_features::Family::from_name(f)
            .map(|f| f as usize)
            .unwrap_or(usize::MAX)
    };
    for (index, result) in results.into_iter().enumerate() {
        let (name, computed) = result?;
        let refs: Vec<&ReferenceValue> = if name == "digital" {
            digital_refs.iter().collect()
        } else {
            ct_refs.iter().filter(|r| r.config == name).collect()
        };
        for (r, outcome) in compare(refs, &computed) {
            let t = tallies
                .entry((
                    index * 100 + family_order(&r.family).min(99),
                    r.family.clone(),
                ))
                .or_default();
            let line = |x: f64, verdict: &str| {
                format!(
                    "  {verdict:<4} {name:<7} {:<34} {x:<14.6} reference {} ± {} ({})",
                    r.tag, r.value, r.tolerance, r.consensus
                )
            };
            match outcome {
                Outcome::Pass(x) => {
                    t.pass += 1;
                    if args.verbose {
                        verbose.push(line(x, "ok"));
                    }
                }
                Outcome::Miss(x) => {
                    t.miss += 1;
                    misses.push(line(x, "MISS"));
                }
                Outcome::NotComputed => t.not_computed += 1,
            }
        }
    }
    crate::out(format_args!(
        "{:<8} {:<28} {:>6} {:>6} {:>6} {:>14}",
        "config", "family", "values", "match", "miss", "not computed"
    ));
    let mut total = Tally::default();
    for ((index, family), t) in &tallies {
        let name = wanted[index / 100].0;
        crate::out(format_args!(
            "{:<8} {:<28} {:>6} {:>6} {:>6} {:>14}",
            name,
            family,
            t.total(),
            t.pass,
            t.miss,
            t.not_computed
        ));
        total.pass += t.pass;
        total.miss += t.miss;
        total.not_computed += t.not_computed;
    }
    for line in verbose {
        crate::out(format_args!("{line}"));
    }
    if !misses.is_empty() {
        crate::out(format_args!(
            "{} computed value(s) outside the IBSI tolerance:",
            misses.len()
        ));
        for line in &misses {
            crate::out(format_args!("{line}"));
        }
    }
    crate::out(format_args!(
        "IBSI-1: {}/{} reference values within tolerance ({} not computed)",
        total.pass,
        total.total(),
        total.not_computed
    ));
    Ok(total.miss == 0)
}
