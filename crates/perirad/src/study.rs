//! `perirad study STUDY.toml`: extraction, models and the report of a whole study.

use anyhow::{Context, Result};
use clap::Args;
use perirad_study::study::{load_study, run_study};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct StudyArgs {
    /// The study file (TOML; see the README).
    #[arg(value_name = "STUDY.toml")]
    study: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Runs a study and writes `results.json`, the models and `report.html` into its output folder.
/// Returns the report's path and whether every case was included.
pub fn study_and_report(path: &Path, quiet: bool) -> Result<(PathBuf, bool)> {
    let study = load_study(path)?;
    let progress = crate::progress::CaseProgress::new(quiet);
    let run = run_study(&study, &progress)?;
    progress.finish();
    for e in &run.report.cohort.excluded {
        eprintln!("excluded: case {}: {}", e.case_id, e.reason);
    }
    let mut report_data = run.report.clone();
    report_data.generated = now_utc();
    let html = perirad_report::render_html(&report_data)?;
    let report = study.output.join("report.html");
    perirad_io::write_file_atomic(&report, html.as_bytes())
        .with_context(|| format!("cannot write {}", report.display()))?;
    eprintln!(
        "{} cases, {} excluded; results {}, models {}",
        run.report.cohort.n_cases,
        run.excluded,
        run.results.display(),
        run.models.display()
    );
    Ok((report, run.excluded == 0))
}

pub fn run_study_command(args: &StudyArgs) -> Result<bool> {
    let (report, all) = study_and_report(&args.study, args.quiet)?;
    crate::out(format_args!("{}", report.display()));
    Ok(all)
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC` (no time-zone database needed).
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (hh, mm) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}
