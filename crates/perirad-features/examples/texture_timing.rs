//! In-process timing of perirad's PyRadiomics texture stage (glcm, glrlm, glszm, gldm, ngtdm of
//! the parameter file) on one image and ROI, for `bench/texture_vs_pyradiomics.py`.
//!
//! `cargo run --release -p perirad-features --example texture_timing -- IMAGE MASK LABEL PARAMS RUNS`
//!
//! The image and mask are read and cropped to the ROI's bounding box first (PyRadiomics'
//! `cropToTumorMask`, which happens before its classes run); the timed part is
//! `pyradiomics_texture`: discretisation, matrices and features of every texture class. Prints
//! one JSON object: the time of each run in seconds and the feature values of the last run.
//!
//! With `PERIRAD_TIMING_INTERLEAVE=MASK` (a mask on the same image, label 1), the texture stage
//! also runs on that ROI, untimed, before each timed run: the branch predictors then cannot
//! learn the timed ROI's exact branch sequence from one run to the next, as in a cohort where
//! every call sees a different ROI.

use perirad_core::BoundingBox;
use perirad_features::extract::pyradiomics_texture;
use perirad_features::PyRadiomicsParams;
use perirad_io::{read_image, read_labels, ReadOptions};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        return Err("usage: texture_timing IMAGE MASK LABEL PARAMS RUNS".into());
    }
    let image = read_image(args[1].as_ref(), &ReadOptions::default())?.to_f64_volume();
    let labels = read_labels(args[2].as_ref(), &ReadOptions::default())?;
    let mask = labels.layers[0].mask(args[3].parse()?)?;
    let params = PyRadiomicsParams::from_yaml(&std::fs::read_to_string(&args[4])?)?;
    let runs: usize = args[5].parse()?;
    let bbox = BoundingBox::of_mask(mask.geometry().size(), mask.data()).ok_or("empty ROI")?;
    let other = match std::env::var_os("PERIRAD_TIMING_INTERLEAVE") {
        Some(path) if !path.is_empty() => {
            let labels = read_labels(path.as_ref(), &ReadOptions::default())?;
            let other = labels.layers[0].mask(1)?;
            let bbox =
                BoundingBox::of_mask(other.geometry().size(), other.data()).ok_or("empty ROI")?;
            Some((image.crop(&bbox)?, other.crop(&bbox)?))
        }
        _ => None,
    };
    let (image, mask) = (image.crop(&bbox)?, mask.crop(&bbox)?);
    let mut times = Vec::new();
    let mut features = Vec::new();
    for _ in 0..runs {
        if let Some((image, mask)) = &other {
            pyradiomics_texture(image, mask, &params)?;
        }
        let t = Instant::now();
        features = pyradiomics_texture(&image, &mask, &params)?;
        times.push(t.elapsed().as_secs_f64());
    }
    let values: Vec<String> = features
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v:e}"))
        .collect();
    println!(
        "{{\"voxels\": {}, \"times\": {:?}, \"features\": {{{}}}}}",
        mask.data().iter().filter(|&&b| b).count(),
        times,
        values.join(", ")
    );
    Ok(())
}
