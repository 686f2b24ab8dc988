//! Writers: write then read gives identical voxels, always. Geometry: MetaImage stores spacing,
//! origin and direction as shortest round-trip decimals, so it comes back bit for bit; NRRD
//! stores the products spacing × direction, so spacing and direction come back within a few ulp
//! (1e-15 relative) of what was written; NIfTI-1 stores it in float32 (the format's own limit),
//! so it comes back exactly when float32 holds it and within float32 precision otherwise.

use perirad_core::{Geometry, Image, LabelMap, Volume, VoxelData, IDENTITY};
use perirad_io::{read_image, read_labels, write_image, write_labels, ReadOptions};

fn oblique() -> Geometry {
    let (c, s) = (0.37f64.cos(), 0.37f64.sin());
    // An arbitrary rotation about (1, 1, 0)/√2 composed with a z rotation.
    let r = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]];
    let a = std::f64::consts::FRAC_1_SQRT_2;
    let (c2, s2) = (0.21f64.cos(), 0.21f64.sin());
    let k = [
        [c2 + a * a * (1.0 - c2), a * a * (1.0 - c2), a * s2],
        [a * a * (1.0 - c2), c2 + a * a * (1.0 - c2), -a * s2],
        [-a * s2, a * s2, c2],
    ];
    let mut d = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            d[i][j] = (0..3).map(|m| r[i][m] * k[m][j]).sum();
        }
    }
    Geometry::new(
        [7, 5, 4],
        [0.7031249999999999, 0.81, 2.4999999999999996],
        [-123.456789, 45.000000001, -7.25],
        d,
    )
    .expect("valid")
}

fn aligned() -> Geometry {
    // Everything representable in float32: NIfTI-1 round trips exactly.
    Geometry::new(
        [7, 5, 4],
        [0.75, 0.5, 2.5],
        [-120.5, 45.25, -7.0],
        [[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]],
    )
    .expect("valid")
}

fn images(g: &Geometry) -> Vec<Image> {
    let n = g.len();
    let f = |i: usize| ((i * 7919) % 1000) as f64 - 500.0;
    vec![
        Image::new(
            g.clone(),
            VoxelData::U8((0..n).map(|i| (i * 37 % 256) as u8).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::I8((0..n).map(|i| (i * 37 % 256) as u8 as i8).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::U16((0..n).map(|i| (i * 977 % 65536) as u16).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::I16((0..n).map(|i| f(i) as i16 * 60).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::U32(
                (0..n)
                    .map(|i| (i as u32).wrapping_mul(2_654_435_761))
                    .collect(),
            ),
        ),
        Image::new(
            g.clone(),
            VoxelData::I32((0..n).map(|i| (i as i32 - 70) * 30_000_001).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::F32((0..n).map(|i| (f(i) * 1.000_123) as f32).collect()),
        ),
        Image::new(
            g.clone(),
            VoxelData::F64((0..n).map(|i| f(i) / 3.0).collect()),
        ),
    ]
    .into_iter()
    .map(|r| r.expect("valid"))
    .collect()
}

fn assert_geometry(a: &Geometry, b: &Geometry, tol: f64, what: &str) {
    assert_eq!(a.size(), b.size(), "{what}");
    let close = |x: &[f64], y: &[f64]| {
        x.iter()
            .zip(y)
            .all(|(p, q)| (p - q).abs() <= tol * p.abs().max(1.0))
    };
    assert!(
        close(&a.spacing(), &b.spacing()),
        "{what}: spacing {:?} vs {:?}",
        a.spacing(),
        b.spacing()
    );
    assert!(
        close(&a.origin(), &b.origin()),
        "{what}: origin {:?} vs {:?}",
        a.origin(),
        b.origin()
    );
    assert!(
        close(&a.direction_flat(), &b.direction_flat()),
        "{what}: direction {:?} vs {:?}",
        a.direction_flat(),
        b.direction_flat()
    );
}

#[test]
fn nrrd_and_metaimage_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    for ext in ["nrrd", "mha", "mhd"] {
        for g in [aligned(), oblique()] {
            for img in images(&g) {
                let path = dir.path().join(format!("img_{}.{ext}", img.dtype()));
                write_image(&path, &img).expect("write");
                let back = read_image(&path, &ReadOptions::default()).expect("read back");
                assert_eq!(back.data(), img.data(), "{}", path.display());
                if ext == "nrrd" && g != aligned() {
                    assert_geometry(
                        back.geometry(),
                        img.geometry(),
                        1e-15,
                        &path.display().to_string(),
                    );
                    assert_eq!(back.geometry().origin(), img.geometry().origin());
                } else {
                    assert_eq!(back.geometry(), img.geometry(), "{}", path.display());
                }
            }
        }
    }
}

#[test]
fn nifti_round_trips_voxels_exactly_and_geometry_to_float32() {
    let dir = tempfile::tempdir().expect("tempdir");
    for ext in ["nii.gz", "nii"] {
        for g in [aligned(), oblique()] {
            let exact = g == aligned();
            for img in images(&g) {
                let path = dir
                    .path()
                    .join(format!("img_{}_{exact}.{ext}", img.dtype()));
                write_image(&path, &img).expect("write");
                let back = read_image(&path, &ReadOptions::default()).expect("read back");
                assert_eq!(back.data(), img.data(), "{}", path.display());
                if exact {
                    assert_eq!(back.geometry(), img.geometry(), "{}", path.display());
                } else {
                    assert_geometry(
                        back.geometry(),
                        img.geometry(),
                        2e-7,
                        &path.display().to_string(),
                    );
                }
            }
        }
    }
}

#[test]
fn two_d_images_and_label_maps_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g2 =
        Geometry::new([9, 6, 1], [0.125, 0.25, 1.0], [3.5, -2.25, 0.0], IDENTITY).expect("valid");
    let labels: Vec<u32> = (0..g2.len() as u32)
        .map(|i| [0, 1, 2, 300][(i % 4) as usize])
        .collect();
    let lm = LabelMap::new(Volume::new(g2.clone(), labels).expect("len")).expect("labels");
    for ext in ["nii.gz", "nrrd", "mha"] {
        let path = dir.path().join(format!("labels.{ext}"));
        write_labels(&path, &lm).expect("write");
        let back = read_labels(&path, &ReadOptions::default()).expect("read back");
        assert_eq!(back.layers[0].labels(), lm.labels(), "{ext}");
        assert_eq!(back.geometry(), lm.geometry(), "{ext}");
        let img = read_image(&path, &ReadOptions::default()).expect("read");
        assert_eq!(
            img.dtype().name(),
            "u16",
            "smallest type holding label 300 ({ext})"
        );
    }
}

#[test]
fn writing_an_unknown_extension_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let img = images(&aligned()).remove(0);
    let err = write_image(&dir.path().join("out.png"), &img)
        .expect_err("unsupported")
        .to_string();
    assert!(
        err.contains("out.png") && err.contains("unknown extension"),
        "{err}"
    );
}
