//! The `perirad` command: a thin layer of argument parsing over the perirad crates.
//!
//! Exit codes: 0 success; 1 a file or case failed (the others were still processed); 2 bad
//! command-line usage.

mod conformance;
mod demo;
mod distance;
mod extract;
mod features;
mod info;
mod merge;
mod model;
mod progress;
mod provenance;
mod regions;
mod study;
mod table;

use clap::{Args, Parser, Subcommand};
use perirad_io::ReadOptions;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "perirad",
    version,
    about = "Peritumoral radiomics for liver cancer: images, rings, features, models"
)]
struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print geometry, voxel type, intensity range and labels of image and mask files.
    Info(info::InfoArgs),
    /// Build peritumoral regions (rings, shells, half-radius ring, inner rim) in exact millimetres.
    Regions(regions::RegionsArgs),
    /// Extract features of the tumor (and peritumoral regions) into perirad's long table (CSV),
    /// for one case or every case of a manifest (`--manifest`).
    Extract(extract::ExtractArgs),
    /// Join the shard tables of `perirad extract --manifest --shard K/N` runs.
    Merge(merge::MergeArgs),
    /// List the features perirad computes (`--list`), with IBSI codes and formulas.
    Features(features::FeaturesArgs),
    /// Write the exact Euclidean distance map (mm) of a mask, optionally signed.
    Distance(distance::DistanceArgs),
    /// Run a conformance suite: `ibsi` checks every IBSI-1 reference value (digital and CT
    /// phantoms, configurations A–E).
    Conformance(conformance::ConformanceArgs),
    /// Write the synthetic demo cohort (NIfTI, manifest, study file) and run its study.
    Demo(demo::DemoArgs),
    /// Run a whole study (STUDY.toml): extraction, models per outcome, results and report.html.
    Study(study::StudyArgs),
    /// Fit and validate a model on a feature table without leakage (nested CV, train/test
    /// split or external validation); `--out` saves the model for `perirad predict`.
    Model(model::ModelArgs),
    /// Score new patients with a model saved by `perirad model --out`.
    Predict(model::PredictArgs),
    /// Compare the AUCs of several scores or models on the same patients (paired DeLong test).
    Compare(model::CompareArgs),
    /// Convert an image or mask to NIfTI (.nii/.nii.gz), NRRD (.nrrd) or MetaImage (.mha/.mhd).
    Convert(info::ConvertArgs),
}

/// Reader options shared by every command that reads images.
#[derive(Args, Debug, Clone, Default)]
pub struct ReadArgs {
    /// In-plane pixel spacing in mm for 2D frames (PNG, JPEG, BMP, TIFF), e.g. `0.1,0.1`.
    #[arg(long, value_name = "SX,SY", value_parser = parse_spacing)]
    pub spacing: Option<[f64; 2]>,
    /// SeriesInstanceUID to read when a DICOM folder holds several series.
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// DICOM image folder an RTSTRUCT is rasterised onto (or a DICOM-SEG is placed on).
    #[arg(long, value_name = "DICOM_DIR")]
    pub reference: Option<PathBuf>,
}

impl ReadArgs {
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            spacing_2d: self.spacing,
            series_uid: self.series.clone(),
            reference: self.reference.clone(),
        }
    }
}

fn parse_spacing(s: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 2 {
        return Err(format!("{s:?}: expected two numbers, e.g. 0.1,0.1"));
    }
    let mut out = [0.0; 2];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse::<f64>()
            .map_err(|_| format!("{p:?} is not a number"))?;
        if !(o.is_finite() && *o > 0.0) {
            return Err(format!("{p}: spacing must be finite and > 0"));
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
        {
            eprintln!("warning: cannot set {n} threads: {e}");
        }
    }
    let result = match cli.command {
        Command::Info(args) => info::run_info(&args),
        Command::Convert(args) => info::run_convert(&args),
        Command::Regions(args) => regions::run_regions(&args),
        Command::Distance(args) => distance::run_distance(&args),
        Command::Extract(args) => extract::run_extract(&args),
        Command::Merge(args) => merge::run_merge(&args),
        Command::Features(args) => features::run_features(&args),
        Command::Conformance(args) => conformance::run_conformance(&args),
        Command::Demo(args) => demo::run_demo(&args),
        Command::Study(args) => study::run_study_command(&args),
        Command::Model(args) => model::run_model(&args),
        Command::Predict(args) => model::run_predict(&args),
        Command::Compare(args) => model::run_compare(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes on one line, leaving out causes whose text the message already
/// includes (library errors carry their cause in their own message).
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

/// Writes one line to stdout. A closed pipe (`perirad info ... | head`) ends the program quietly
/// instead of panicking.
pub fn out(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}
