//! ITK-exact resampling against SimpleITK 2.5.7's `sitk.Resample` (files made by
//! `scripts/make_resample_references.py`): anisotropic spacing, flipped and oblique directions,
//! up- and downsampling, int16 and float32, nearest neighbour, linear and B-spline. Integer
//! outputs must be equal, float outputs within 1e-6 relative (1e-9 absolute near zero).

use perirad_features::preprocess::{itk_resample, ItkInterpolator};
use perirad_io::{read_image, ReadOptions};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/resample/{name}.nrrd"))
}

#[test]
fn resample_matches_simpleitk() {
    let grids = [
        ("up_i16", "in_i16"),
        ("down_i16", "in_i16"),
        ("oblique_f32", "in_f32"),
        ("down_f32", "in_f32"),
    ];
    let interps = [
        ("nearest", ItkInterpolator::NearestNeighbor),
        ("linear", ItkInterpolator::Linear),
        ("bspline", ItkInterpolator::BSpline),
    ];
    let mut report = Vec::new();
    let mut compared = 0;
    for (grid, input) in grids {
        let inp = read_image(&data(input), &ReadOptions::default()).expect("input");
        for (iname, interp) in interps {
            let want = read_image(&data(&format!("{grid}_{iname}")), &ReadOptions::default())
                .expect("reference");
            assert_eq!(want.dtype(), inp.dtype(), "output type = input type");
            let got = itk_resample(&inp.to_f64_volume(), want.geometry(), interp, inp.dtype());
            let want = want.to_f64_volume();
            let mut bad = 0;
            let mut worst = 0.0f64;
            for (g, w) in got.data().iter().zip(want.data()) {
                compared += 1;
                let ok = if inp.dtype().is_integer() {
                    g == w
                } else {
                    (g - w).abs() <= 1e-9 || (g - w).abs() <= 1e-6 * w.abs()
                };
                if !ok {
                    bad += 1;
                    worst = worst.max((g - w).abs());
                }
            }
            if bad > 0 {
                report.push(format!(
                    "{grid} {iname}: {bad} of {} voxels differ (max |diff| {worst})",
                    got.data().len()
                ));
            }
        }
    }
    assert!(compared > 10_000, "{compared}");
    assert!(report.is_empty(), "{}", report.join("\n"));
}
