//! Writes the synthetic demo cohort: `demo_cohort DIR [PATIENTS] [SEED]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: demo_cohort DIR [PATIENTS] [SEED]")?;
    let mut opts = perirad_study::DemoOptions::default();
    if let Some(n) = args.next() {
        opts.patients = n.parse()?;
    }
    if let Some(s) = args.next() {
        opts.seed = s.parse()?;
    }
    let start = std::time::Instant::now();
    let cohort = perirad_study::write_demo_cohort(std::path::Path::new(&dir), &opts)?;
    eprintln!(
        "{} patients (seed {}) in {:.2} s",
        opts.patients,
        opts.seed,
        start.elapsed().as_secs_f64()
    );
    println!("{}", cohort.study_file.display());
    Ok(())
}
