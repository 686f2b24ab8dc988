//! `perirad extract`: features of the tumor (and peritumoral regions) of one image, written as
//! perirad's long table `case_id,phase,region,feature,value` with a provenance sidecar.

use crate::ReadArgs;
use anyhow::{bail, Context};
use clap::Args;
use perirad_features::extract::extract_pyradiomics;
use perirad_features::{Mode, PyRadiomicsParams};
use perirad_io::{read_image, read_labels_on, write_file_atomic, GridPolicy, MaskSelector};
use perirad_regions::{
    build_regions, lesions_of, Connectivity, Constraints, RegionOptions, RegionSpec,
};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The image.
    #[arg(long, value_name = "IMG")]
    image: PathBuf,
    /// The tumor mask.
    #[arg(long, value_name = "MASK")]
    mask: PathBuf,
    /// The tumor's label value (default: the parameter file's `label`, else 1).
    #[arg(long, value_name = "N")]
    label: Option<u32>,
    /// A PyRadiomics parameter file (YAML). Without it: PyRadiomics' defaults (binWidth 25,
    /// Original image, every feature class).
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Feature definitions: `pyradiomics` (default) or `ibsi`.
    #[arg(long, default_value = "pyradiomics", value_parser = parse_mode)]
    mode: Mode,
    /// The case identifier in the table (default: the image file name without extension).
    #[arg(long, value_name = "ID")]
    case_id: Option<String>,
    /// Peritumoral regions to extract besides the tumor (specs as in `perirad regions`).
    #[arg(long = "region", value_name = "SPEC")]
    regions: Vec<String>,
    /// Keep peritumoral regions inside this organ mask.
    #[arg(long, value_name = "MASK")]
    liver: Option<PathBuf>,
    /// Skip image types and feature classes perirad does not compute yet (with a warning)
    /// instead of failing.
    #[arg(long)]
    skip_unsupported: bool,
    /// Resample masks on another grid onto the image grid (nearest neighbour).
    #[arg(long)]
    resample_mask: bool,
    /// Output table (CSV); the provenance goes to FILE.json beside it.
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
        .map_err(|e: perirad_features::FeatureError| e.to_string())
}

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The case name of an image path: its file name without `.nii.gz`, `.nrrd`, ... .
fn default_case_id(path: &std::path::Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [
        ".nii.gz",
        ".seg.nrrd",
        ".nii",
        ".nrrd",
        ".nhdr",
        ".mha",
        ".mhd",
        ".png",
        ".jpg",
        ".jpeg",
        ".bmp",
        ".tif",
        ".tiff",
        ".dcm",
    ] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    name
}

pub fn run_extract(args: &ExtractArgs) -> anyhow::Result<bool> {
    if args.mode == Mode::Ibsi {
        bail!("--mode ibsi is not implemented yet (the IBSI feature families come with the feature-engine issues); use --mode pyradiomics");
    }
    let (params, params_text) = match &args.params {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            (
                PyRadiomicsParams::from_yaml(&text)
                    .with_context(|| format!("parameter file {}", p.display()))?,
                text,
            )
        }
        None => (PyRadiomicsParams::default(), String::new()),
    };
    let specs: Vec<RegionSpec> = args
        .regions
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    let opts = args.read.options();
    let image = read_image(&args.image, &opts)?;
    let g = image.geometry().clone();
    let policy = GridPolicy::resample_if(args.resample_mask);
    let labels = read_labels_on(&args.mask, &g, policy, &opts)?;
    let label = args
        .label
        .or(params.setting.label.map(|l| l as u32))
        .unwrap_or(1);
    let (layer, _) = MaskSelector::Label(label).resolve(&args.mask, &labels)?;
    let lesions = lesions_of(
        &labels.layers[layer],
        Some(label),
        false,
        Connectivity::TwentySix,
    )
    .with_context(|| format!("{}: label {label}", args.mask.display()))?;
    let tumor = lesions.all_tumor.clone();
    let organ = match &args.liver {
        Some(p) => Some(
            perirad_io::read_mask(p, &g, &MaskSelector::AnyLabel, policy, &opts)
                .context("organ mask (--liver)")?,
        ),
        None => None,
    };
    let mut regions: Vec<(String, perirad_core::Mask)> = vec![("tumor".to_string(), tumor.clone())];
    if !specs.is_empty() {
        let constraints = Constraints {
            organ: organ.as_ref(),
            ..Default::default()
        };
        for r in build_regions(
            &lesions.masks,
            false,
            &tumor,
            &specs,
            RegionOptions::default(),
            constraints,
        )? {
            if r.spec != RegionSpec::Tumor {
                regions.push((r.spec.to_string(), r.mask));
            }
        }
    }
    let intensities = image.to_f64_volume();
    let case_id = args
        .case_id
        .clone()
        .unwrap_or_else(|| default_case_id(&args.image));
    let mut rows = String::from("case_id,phase,region,feature,value\n");
    let mut warnings = Vec::new();
    let mut failed = Vec::new();
    for (name, mask) in &regions {
        match extract_pyradiomics(
            &intensities,
            image.dtype(),
            mask,
            &params,
            args.skip_unsupported,
        ) {
            Ok(ex) => {
                for w in ex.warnings {
                    if !warnings.contains(&w) {
                        eprintln!("warning: {w}");
                        warnings.push(w);
                    }
                }
                for (feature, value) in ex.features {
                    rows.push_str(&format!(
                        "{},,{},{},{}\n",
                        field(&case_id),
                        field(name),
                        field(&feature),
                        value
                    ));
                }
            }
            Err(e) if name == "tumor" => {
                return Err(anyhow::Error::from(e).context(format!("case {case_id}, region tumor")))
            }
            Err(e) => {
                eprintln!("error: case {case_id}, region {name}: {e}");
                failed.push(json!({"region": name, "error": e.to_string()}));
            }
        }
    }
    let out = &args.out;
    write_file_atomic(out, rows.as_bytes())?;
    let settings_hash = {
        use sha2::{Digest, Sha256};
        format!("{:x}", Sha256::digest(params_text.as_bytes()))
    };
    let sidecar = json!({
        "perirad_version": env!("CARGO_PKG_VERSION"),
        "mode": "pyradiomics",
        "case_id": case_id,
        "image": crate::provenance::provenance(&args.image),
        "mask": crate::provenance::provenance(&args.mask),
        "label": label,
        "liver": args.liver.as_deref().map(crate::provenance::provenance),
        "params_file": args.params.as_deref().map(crate::provenance::provenance),
        "settings": params_text,
        "settings_sha256": settings_hash,
        "regions": regions.iter().map(|(n, m)| json!({"region": n, "voxels": m.data().iter().filter(|&&b| b).count()})).collect::<Vec<_>>(),
        "warnings": warnings,
        "failed_regions": failed,
    });
    let sidecar_path = PathBuf::from(format!("{}.json", out.display()));
    write_file_atomic(
        &sidecar_path,
        (serde_json::to_string_pretty(&sidecar)? + "\n").as_bytes(),
    )?;
    Ok(failed.is_empty())
}
