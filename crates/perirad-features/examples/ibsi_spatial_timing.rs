//! Wall-clock timing of the O(N_v²) Moran/Geary computation and of the intensity peaks:
//! the IBSI CT phantom config A intensity mask (original 0.977×0.977×3 mm grid, re-segmented
//! to [−500, 400]: 114596 voxels) and a ball of about 46000 voxels on a 2 mm grid (the size of
//! the config C–E ROI after resampling). Prints timings only; correctness is in the tests.
//!
//! `cargo run -p perirad-features --release --example ibsi_spatial_timing`

use perirad_core::{Geometry, Volume};
use perirad_features::families::ibsi_spatial::{local_intensity, moran_geary};
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::shared_data;
use std::time::Instant;

fn time<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    println!("{what}: {:.3} s", t.elapsed().as_secs_f64());
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("rayon threads: {}", rayon::current_num_threads());
    let d = shared_data().join("ibsi/phantoms/ct");
    let image = read_image(&d.join("phantom.nii.gz"), &ReadOptions::default())?
        .to_f64_volume()
        .map(|x| x.round());
    let morph =
        read_labels(&d.join("mask.nii.gz"), &ReadOptions::default())?.layers[0].foreground()?;
    let mask = Volume::new(
        image.geometry().clone(),
        image
            .data()
            .iter()
            .zip(morph.data())
            .map(|(&x, &m)| m && (-500.0..=400.0).contains(&x))
            .collect(),
    )?;
    let n = mask.data().iter().filter(|&&m| m).count();
    let (i, c) = time(&format!("CT config A Moran/Geary, {n} voxels"), || {
        moran_geary(&image, &mask)
    })?;
    println!("  I = {i}, C = {c}");
    let peaks = time("CT config A local intensity", || {
        local_intensity(&image, &mask)
    })?;
    println!("  {peaks:?}");

    // Ball of radius 22.2 voxels on a 2 mm grid, pseudo-random intensities.
    let size = [50, 50, 50];
    let g = Geometry::with_spacing(size, [2.0; 3])?;
    let mut state = 7u64;
    let data: Vec<f64> = (0..g.len())
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) % 1000) as f64
        })
        .collect();
    let ball: Vec<bool> = (0..g.len())
        .map(|l| {
            let [i, j, k] = g.index_of(l);
            let r2: f64 = [i, j, k].iter().map(|&v| (v as f64 - 24.5).powi(2)).sum();
            r2 <= 22.2f64.powi(2)
        })
        .collect();
    let n = ball.iter().filter(|&&m| m).count();
    let image = Volume::new(g.clone(), data)?;
    let mask = Volume::new(g, ball)?;
    time(&format!("2 mm ball Moran/Geary, {n} voxels"), || {
        moran_geary(&image, &mask)
    })?;
    time("2 mm ball local intensity", || {
        local_intensity(&image, &mask)
    })?;
    Ok(())
}
