//! `cargo bench -p perirad-regions`: the distance transform and a typical ring set, in-process.
//! The comparison with SciPy (same volume, same run) is `bench/edt_vs_scipy.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use perirad_core::{Geometry, Mask, Volume, IDENTITY};
use perirad_regions::{
    build_regions, squared_distance, Constraints, DistanceMode, RegionOptions, RegionSpec,
};

/// Three ellipsoidal lesions in a CT-like grid (the same shapes as bench/edt_vs_scipy.py, scaled).
fn lesions(size: [usize; 3], spacing: [f64; 3]) -> Mask {
    let g = Geometry::new(size, spacing, [0.0; 3], IDENTITY).expect("valid geometry");
    let f = [
        size[0] as f64 / 512.0,
        size[1] as f64 / 512.0,
        size[2] as f64 / 300.0,
    ];
    let shapes = [
        (200.0, 240.0, 150.0, 25.0, 20.0, 8.0),
        (330.0, 300.0, 120.0, 12.0, 12.0, 4.0),
        (260.0, 180.0, 200.0, 6.0, 6.0, 2.0),
    ];
    let data = (0..g.len())
        .map(|l| {
            let [i, j, k] = g.index_of(l);
            shapes.iter().any(|&(cx, cy, cz, rx, ry, rz)| {
                let (x, y, z) = (
                    (i as f64 - cx * f[0]) / (rx * f[0]),
                    (j as f64 - cy * f[1]) / (ry * f[1]),
                    (k as f64 - cz * f[2]) / (rz * f[2]).max(1.0),
                );
                x * x + y * y + z * z <= 1.0
            })
        })
        .collect();
    Volume::new(g, data).expect("one value per voxel")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("edt");
    group.sample_size(10);
    for size in [[128, 128, 75], [256, 256, 150]] {
        let mask = lesions(size, [0.7, 0.7, 2.5]);
        group.throughput(Throughput::Elements(mask.geometry().len() as u64));
        let name = format!("{}x{}x{}", size[0], size[1], size[2]);
        group.bench_with_input(BenchmarkId::new("3d", &name), &mask, |b, m| {
            b.iter(|| squared_distance(m, DistanceMode::ThreeD))
        });
        group.bench_with_input(BenchmarkId::new("in-plane", &name), &mask, |b, m| {
            b.iter(|| squared_distance(m, DistanceMode::InPlane))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("regions");
    group.sample_size(10);
    let mask = lesions([512, 512, 100], [0.7, 0.7, 2.5]);
    let specs: Vec<RegionSpec> = ["tumor", "ring:2mm", "ring:5mm", "ring:10mm"]
        .iter()
        .map(|s| s.parse().expect("spec"))
        .collect();
    group.throughput(Throughput::Elements(mask.geometry().len() as u64));
    group.bench_function("tumor_rings_2_5_10mm/512x512x100", |b| {
        b.iter(|| {
            build_regions(
                std::slice::from_ref(&mask),
                false,
                &mask,
                &specs,
                RegionOptions::default(),
                Constraints::default(),
            )
            .expect("regions")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
