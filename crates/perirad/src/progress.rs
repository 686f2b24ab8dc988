//! The progress bar of cohort runs: on stderr, only when stderr is a terminal and not `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use perirad_study::{CaseMeta, Progress};
use std::io::IsTerminal;

pub struct CaseProgress {
    bar: Option<ProgressBar>,
}

impl CaseProgress {
    pub fn new(quiet: bool) -> CaseProgress {
        let show = !quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} cases  {elapsed_precise} elapsed, ETA {eta}  {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        CaseProgress { bar }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for CaseProgress {
    fn start(&self, total: usize, resumed: usize) {
        if let Some(b) = &self.bar {
            b.set_length(total as u64);
            b.set_position(resumed as u64);
            b.reset_eta();
        }
    }

    fn case_done(&self, meta: &CaseMeta) {
        if let Some(b) = &self.bar {
            b.inc(1);
            let status = if meta.errors.is_empty() {
                ""
            } else {
                " (failed)"
            };
            b.set_message(format!("{}{status}", meta.case_id));
        }
    }
}
