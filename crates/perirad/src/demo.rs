//! `perirad demo`: writes the synthetic demo cohort and runs its study.

use anyhow::Result;
use clap::Args;
use perirad_study::demo::{write_demo_cohort, DemoOptions};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output folder for the cohort (images, masks, manifest, study file) and the results.
    #[arg(long, value_name = "DIR", default_value = "perirad-demo")]
    out: PathBuf,
    /// Number of synthetic patients.
    #[arg(long, value_name = "N", default_value_t = 120)]
    patients: usize,
    /// Seed of the synthetic cohort (the same seed writes the same files).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Only write the cohort (images, masks, manifest, study file); do not run the study.
    #[arg(long)]
    no_run: bool,
}

pub fn run_demo(args: &DemoArgs) -> Result<bool> {
    let cohort = write_demo_cohort(
        &args.out,
        &DemoOptions {
            patients: args.patients,
            seed: args.seed,
        },
    )?;
    eprintln!(
        "demo cohort: {} patients in {} (planted peritumoral finding within {} mm of the tumor)",
        args.patients,
        cohort.dir.display(),
        cohort.planted_ring_mm
    );
    if args.no_run {
        crate::out(format_args!("{}", cohort.study_file.display()));
        return Ok(true);
    }
    let (report, all) = crate::study::study_and_report(&cohort.study_file, args.quiet)?;
    crate::out(format_args!("{}", report.display()));
    Ok(all)
}
