//! PyRadiomics 3.1's own LBP3D images (`imageoperations.getLBP3DImage`) and trimesh's icosphere
//! vertices on small synthetic images (`tests/data/lbp3d/pyradiomics_lbp3d.txt`, written by
//! `scripts/make_lbp3d_references.py`): ROIs touching every face of the image, axes of 1 and 2
//! voxels, int16 / uint8 / float32 / float64 voxels, 2 to 4 levels, subdivisions 0 to 2, radii
//! 1, 1.5 and 2, and a flat neighbourhood (NaN kurtosis).

use perirad_core::{DType, Geometry, Mask, Volume};
use perirad_features::filters::lbp3d::{icosphere, lbp_3d};

struct Case {
    id: String,
    dtype: DType,
    levels: i64,
    radius: f64,
    subdivision: i64,
    size: [usize; 3],
    input: Vec<f64>,
    mask: Vec<bool>,
    images: Vec<(String, Vec<f64>)>,
}

struct Sphere {
    subdivision: u32,
    radius: f64,
    vertices: Vec<[f64; 3]>,
}

fn reference() -> (Vec<Sphere>, Vec<Case>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lbp3d/pyradiomics_lbp3d.txt");
    let text = std::fs::read_to_string(&path).expect("reference file");
    let numbers = |fields: std::str::SplitWhitespace| -> Vec<f64> {
        fields.map(|v| v.parse::<f64>().expect("number")).collect()
    };
    let (mut spheres, mut cases) = (Vec::<Sphere>::new(), Vec::<Case>::new());
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("sphere") => {
                let f = numbers(fields);
                spheres.push(Sphere {
                    subdivision: f[0] as u32,
                    radius: f[1],
                    vertices: Vec::new(),
                });
            }
            Some("vertex") => {
                let f = numbers(fields);
                spheres
                    .last_mut()
                    .expect("sphere")
                    .vertices
                    .push([f[0], f[1], f[2]]);
            }
            Some("case") => {
                let f: Vec<&str> = fields.collect();
                assert_eq!(f.len(), 8, "{line}");
                let int = |s: &str| s.parse::<i64>().expect("integer");
                let dtype = match f[1] {
                    "int16" => DType::I16,
                    "uint8" => DType::U8,
                    "float32" => DType::F32,
                    "float64" => DType::F64,
                    other => panic!("dtype {other}"),
                };
                cases.push(Case {
                    id: f[0].to_string(),
                    dtype,
                    levels: int(f[2]),
                    radius: f[3].parse().expect("radius"),
                    subdivision: int(f[4]),
                    size: [int(f[5]), int(f[6]), int(f[7])].map(|n| n as usize),
                    input: Vec::new(),
                    mask: Vec::new(),
                    images: Vec::new(),
                });
            }
            Some("input") => cases.last_mut().expect("case").input = numbers(fields),
            Some("mask") => {
                cases.last_mut().expect("case").mask = fields.map(|v| v == "1").collect()
            }
            Some("image") => {
                let name = fields.next().expect("image name").to_string();
                cases
                    .last_mut()
                    .expect("case")
                    .images
                    .push((name, numbers(fields)));
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    (spheres, cases)
}

/// trimesh's vertices, to the bit and in trimesh's order.
#[test]
fn icosphere_matches_trimesh() {
    let (spheres, _) = reference();
    assert_eq!(spheres.len(), 3);
    for s in &spheres {
        let got = icosphere(s.subdivision, s.radius);
        assert_eq!(
            got.len(),
            s.vertices.len(),
            "{} {}",
            s.subdivision,
            s.radius
        );
        let worst = got
            .iter()
            .zip(&s.vertices)
            .flat_map(|(g, w)| (0..3).map(move |a| (g[a] - w[a]).abs()))
            .fold(0.0f64, f64::max);
        assert!(
            got == s.vertices,
            "subdivision {} radius {}: max difference {worst:e}",
            s.subdivision,
            s.radius
        );
    }
}

/// Every ROI voxel of every image to the bit (NaN where PyRadiomics has NaN); the largest
/// relative difference is printed otherwise. Bit-exactness matters here: see `filters::lbp3d`
/// on `RobustMeanAbsoluteDeviation`.
#[test]
fn lbp_3d_voxels_match_pyradiomics_3_1() {
    let (_, cases) = reference();
    assert_eq!(cases.len(), 7);
    let (mut voxels, mut exact, mut worst_all) = (0, 0, 0.0f64);
    let mut failures = Vec::new();
    for c in &cases {
        let g = Geometry::with_spacing(c.size, [0.8, 0.9, 2.5]).expect("geometry");
        let image = Volume::new(g.clone(), c.input.clone()).expect("volume");
        let mask: Mask = Volume::new(g, c.mask.clone()).expect("mask");
        let got = lbp_3d(&image, c.dtype, &mask, c.levels, c.radius, c.subdivision).expect("lbp3d");
        let got_names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        let want_names: Vec<&str> = c.images.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(got_names, want_names, "{}: images", c.id);
        for ((name, im), (_, want)) in got.iter().zip(&c.images) {
            let inside: Vec<f64> = im
                .data()
                .iter()
                .zip(&c.mask)
                .filter_map(|(&v, &m)| m.then_some(v))
                .collect();
            assert_eq!(inside.len(), want.len(), "{} {name}", c.id);
            let mut worst = 0.0f64;
            for (i, (&g, &w)) in inside.iter().zip(want).enumerate() {
                voxels += 1;
                if g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()) {
                    exact += 1;
                    continue;
                }
                let r = (g - w).abs() / w.abs().max(1e-300);
                worst = worst.max(r);
                failures.push(format!("{} {name} voxel {i}: {g:?} vs {w:?}", c.id));
            }
            println!("{} {name}: max rel {worst:.1e}", c.id);
            worst_all = worst_all.max(worst);
        }
    }
    println!("{voxels} voxels, {exact} to the bit, max rel {worst_all:.1e}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// PyRadiomics fails on `lbp3DLevels: 1`; so does this, with an error.
#[test]
fn one_level_is_an_error() {
    let g = Geometry::with_spacing([3, 3, 3], [1.0, 1.0, 1.0]).expect("geometry");
    let image = Volume::new(g.clone(), vec![1.0; 27]).expect("volume");
    let mask: Mask = Volume::new(g, vec![true; 27]).expect("mask");
    assert!(lbp_3d(&image, DType::I16, &mask, 1, 1.0, 1).is_err());
}
