//! `perirad extract`: features of the tumor (and peritumoral regions) of one image, or of every
//! case of a manifest (`--manifest`), written as perirad's long table
//! `case_id,phase,region,feature,value` with a provenance sidecar. The work is done by
//! perirad-study; this file parses arguments and reports.

use crate::ReadArgs;
use anyhow::{bail, Context};
use clap::Args;
use perirad_features::Mode;
use perirad_io::{read_image, write_file_atomic};
use perirad_regions::RegionSpec;
use perirad_study::table::field;
use perirad_study::{
    build_case_regions, extract_image, load_settings, BatchConfig, ExtractOptions, Format,
    Manifest, Shard,
};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// The image (one case; or give --manifest).
    #[arg(
        long,
        value_name = "IMG",
        required_unless_present = "manifest",
        conflicts_with = "manifest"
    )]
    image: Option<PathBuf>,
    /// The tumor mask (one case).
    #[arg(
        long,
        value_name = "MASK",
        required_unless_present = "manifest",
        conflicts_with = "manifest"
    )]
    mask: Option<PathBuf>,
    /// A cohort manifest (CSV): perirad's `case_id,image|image_<phase>...,mask[,liver][,label]`
    /// plus passthrough columns, or a PyRadiomics batch file (`Image,Mask[,Label]`).
    #[arg(long, value_name = "FILE.csv")]
    manifest: Option<PathBuf>,
    /// The tumor's label value (default: the manifest's `label`, then the parameter file's
    /// `label`, else 1).
    #[arg(long, value_name = "N")]
    label: Option<u32>,
    /// A PyRadiomics parameter file (YAML), or in IBSI mode a perirad settings file (see
    /// examples/ibsi/). Without it: PyRadiomics' defaults (binWidth 25, Original image, every
    /// feature class), or in IBSI mode no processing and bins of 25 units.
    #[arg(long, value_name = "FILE")]
    params: Option<PathBuf>,
    /// Feature definitions: `pyradiomics` (the default) or `ibsi` (then `--params` is a perirad
    /// settings file; one with `mode: ibsi` selects the IBSI mode by itself).
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,
    /// The case identifier in the table (one case; default: the image file name without
    /// extension).
    #[arg(long, value_name = "ID", conflicts_with = "manifest")]
    case_id: Option<String>,
    /// Peritumoral regions to extract besides the tumor (specs as in `perirad regions`), after
    /// those of the parameter file's `regions:` section.
    #[arg(long = "region", value_name = "SPEC")]
    regions: Vec<String>,
    /// Keep peritumoral regions inside this organ mask (one case; a manifest has a `liver`
    /// column).
    #[arg(long, value_name = "MASK", conflicts_with = "manifest")]
    liver: Option<PathBuf>,
    /// Skip image types and feature classes perirad does not compute yet (with a warning)
    /// instead of failing.
    #[arg(long)]
    skip_unsupported: bool,
    /// PyRadiomics image types to extract, replacing the parameter file's `imageType` section:
    /// `NAME` or `NAME:{settings}` with the settings as a YAML mapping, e.g. `Original`,
    /// `'LoG:{sigma: [1.0, 3.0, 5.0]}'`, `Wavelet`, `'Wavelet:{wavelet: haar, level: 2}'`.
    #[arg(long = "image-type", value_name = "TYPE[:{...}]")]
    image_types: Vec<String>,
    /// Resample masks on another grid onto the image grid (nearest neighbour).
    #[arg(long)]
    resample_mask: bool,
    /// Output table (CSV); the provenance goes to FILE.json beside it. With --manifest also
    /// FILE.wide.csv, FILE.errors.csv and the work folder FILE.parts/.
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    /// Cases extracted at the same time (--manifest; default: all cores). Results do not
    /// depend on it.
    #[arg(long, value_name = "N", requires = "manifest")]
    jobs: Option<usize>,
    /// Reuse the part files of an interrupted run made with the same settings (--manifest).
    #[arg(long, requires = "manifest")]
    resume: bool,
    /// Extract only shard K of N of the manifest (cases K, K+N, K+2N, ...) into
    /// FILE.shardK-of-N.csv; `auto` reads SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or
    /// JOB_COMPLETION_INDEX/JOB_COMPLETIONS. Join shards with `perirad merge`.
    #[arg(long, value_name = "K/N|auto", requires = "manifest")]
    shard: Option<String>,
    /// Format of the long and wide tables, `csv` or `parquet` (default: from --out's extension,
    /// `.parquet` or else CSV) (--manifest).
    #[arg(long, value_name = "csv|parquet", requires = "manifest")]
    format: Option<String>,
    /// Also write the table in PyRadiomics' batch output layout (one row per case and region,
    /// manifest columns, diagnostics_*, then features as PyRadiomics names them) (--manifest).
    #[arg(long, value_name = "FILE.csv", requires = "manifest")]
    pyradiomics_csv: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
        .map_err(|e: perirad_features::FeatureError| e.to_string())
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
    let settings = load_settings(args.params.as_deref(), args.mode, &args.image_types)?;
    // The parameter file's `regions:` section first, then --region options (each spec once).
    let mut specs: Vec<RegionSpec> = Vec::new();
    for s in settings.regions.iter().chain(&args.regions) {
        let spec: RegionSpec = s.parse()?;
        if !specs.contains(&spec) {
            specs.push(spec);
        }
    }
    let options = ExtractOptions {
        specs,
        skip_unsupported: args.skip_unsupported,
        resample_mask: args.resample_mask,
        read: args.read.options(),
    };
    if let Some(manifest) = &args.manifest {
        return run_manifest(args, manifest, settings, options);
    }
    let (Some(image_path), Some(mask_path)) = (&args.image, &args.mask) else {
        bail!("give --image and --mask, or --manifest");
    };
    let image = read_image(image_path, &options.read)?;
    let label = args.label.or(settings.label()).unwrap_or(1);
    let regions = build_case_regions(
        mask_path,
        args.liver.as_deref(),
        label,
        image.geometry(),
        &settings,
        &options,
    )?;
    let case_id = args
        .case_id
        .clone()
        .unwrap_or_else(|| default_case_id(image_path));
    let features = extract_image(&image, &regions, &settings, &options)
        .with_context(|| format!("case {case_id}"))?;
    for w in &features.warnings {
        eprintln!("warning: {w}");
    }
    let mut rows = String::from("case_id,phase,region,feature,value\n");
    let mut failed = Vec::new();
    for r in &features.regions {
        match &r.result {
            Ok(values) => {
                for (feature, value) in values {
                    rows.push_str(&format!(
                        "{},,{},{},{}\n",
                        field(&case_id),
                        field(&r.region),
                        field(feature),
                        value
                    ));
                }
            }
            Err(e) => {
                eprintln!("error: case {case_id}, region {}: {e}", r.region);
                failed.push(json!({"region": r.region, "error": e.to_string()}));
            }
        }
    }
    let mut diagnostics = serde_json::Map::new();
    for (region, d) in &features.diagnostics {
        let d: serde_json::Map<String, serde_json::Value> =
            d.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        diagnostics.insert(region.clone(), serde_json::Value::Object(d));
    }
    let out = &args.out;
    write_file_atomic(out, rows.as_bytes())?;
    let sidecar = json!({
        "perirad_version": env!("CARGO_PKG_VERSION"),
        "mode": settings.mode_name(),
        "case_id": case_id,
        "image": crate::provenance::provenance(image_path),
        "mask": crate::provenance::provenance(mask_path),
        "label": label,
        "liver": args.liver.as_deref().map(crate::provenance::provenance),
        "params_file": args.params.as_deref().map(crate::provenance::provenance),
        "settings": settings.text,
        "image_type_options": args.image_types,
        "settings_sha256": settings.sha256(),
        "regions": regions.voxel_counts().iter().map(|(n, v)| json!({"region": n, "voxels": v})).collect::<Vec<_>>(),
        "warnings": features.warnings,
        "failed_regions": failed,
        "diagnostics": diagnostics,
    });
    let sidecar_path = PathBuf::from(format!("{}.json", out.display()));
    write_file_atomic(
        &sidecar_path,
        (serde_json::to_string_pretty(&sidecar)? + "\n").as_bytes(),
    )?;
    Ok(failed.is_empty())
}

/// `perirad extract --manifest`: every case (of the shard), errors reported per case.
fn run_manifest(
    args: &ExtractArgs,
    manifest: &std::path::Path,
    settings: perirad_study::LoadedSettings,
    options: ExtractOptions,
) -> anyhow::Result<bool> {
    let manifest = Manifest::read(manifest)?;
    let shard = match args.shard.as_deref() {
        None => None,
        Some("auto") => Some(Shard::from_env(&|name| std::env::var(name).ok())?),
        Some(s) => Some(s.parse::<Shard>()?),
    };
    let format = match args.format.as_deref() {
        None => Format::of_path(&args.out),
        Some(f) => f.parse::<Format>()?,
    };
    if format != Format::of_path(&args.out) {
        bail!(
            "--format {} but --out {} has another extension: name the table FILE.{}",
            args.format.as_deref().unwrap_or(""),
            args.out.display(),
            if format == Format::Parquet {
                "parquet"
            } else {
                "csv"
            }
        );
    }
    let cfg = BatchConfig {
        manifest,
        settings,
        options,
        label: args.label,
        out: args.out.clone(),
        format,
        pyradiomics_csv: args.pyradiomics_csv.clone(),
        jobs: args.jobs,
        resume: args.resume,
        shard,
    };
    let progress = crate::progress::CaseProgress::new(args.quiet);
    let summary = perirad_study::run_batch(&cfg, &progress)?;
    progress.finish();
    for case in &summary.sidecar.cases {
        for w in &case.warnings {
            eprintln!("warning: case {}: {w}", case.case_id);
        }
    }
    for f in &summary.sidecar.failed_cases {
        for e in &f.errors {
            eprintln!("error: case {}: {e}", f.case_id);
        }
    }
    let failed = summary.sidecar.failed_cases.len();
    eprintln!(
        "{} case(s){}, {} with errors; table {}, errors {}",
        summary.cases,
        if summary.resumed > 0 {
            format!(" ({} resumed)", summary.resumed)
        } else {
            String::new()
        },
        failed,
        summary.outputs.long.display(),
        summary.outputs.errors.display()
    );
    Ok(summary.all_ok())
}
