//! `perirad merge`: joins the shard tables of a cohort run into the table of the whole cohort.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The merged long table (FILE.csv, or FILE.parquet for Parquet; also FILE.wide.csv,
    /// FILE.errors.csv, FILE.csv.json).
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// The shard tables (`FILE.shardK-of-N.csv`, each with its sidecar), every shard once.
    #[arg(value_name = "PART", required = true)]
    parts: Vec<PathBuf>,
    /// Also write the merged table in PyRadiomics' batch output layout.
    #[arg(long, value_name = "FILE.csv")]
    pyradiomics_csv: Option<PathBuf>,
}

pub fn run_merge(args: &MergeArgs) -> anyhow::Result<bool> {
    let sidecar = perirad_study::merge(&args.out, &args.parts, args.pyradiomics_csv.as_deref())?;
    for f in &sidecar.failed_cases {
        for e in &f.errors {
            eprintln!("error: case {}: {e}", f.case_id);
        }
    }
    eprintln!(
        "{} case(s), {} failed: {}",
        sidecar.cases.len(),
        sidecar.failed_cases.len(),
        args.out.display()
    );
    Ok(sidecar.failed_cases.is_empty())
}
