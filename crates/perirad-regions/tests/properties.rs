//! Properties of the regions that hold whatever the mask: nesting, partition into shells, the
//! volume of a ring around a sphere, thread independence, and a multi-lesion case worked by hand.

use perirad_core::{Geometry, Mask, Volume, IDENTITY};
use perirad_regions::{
    build_regions, connected_components, Connectivity, Constraints, DistanceMode, RegionOptions,
    RegionSpec,
};
use proptest::prelude::*;

fn one(tumor: &Mask, specs: &[RegionSpec], mode: DistanceMode) -> Vec<Mask> {
    build_regions(
        std::slice::from_ref(tumor),
        false,
        tumor,
        specs,
        RegionOptions { mode },
        Constraints::default(),
    )
    .expect("regions")
    .into_iter()
    .map(|r| r.mask)
    .collect()
}

fn random_mask(size: [usize; 3], spacing: [f64; 3], seed: u64, density: f64) -> Mask {
    let g = Geometry::new(size, spacing, [0.0; 3], IDENTITY).expect("valid");
    let mut state = seed | 1;
    let mut data: Vec<bool> = (0..g.len())
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 10_000.0 < density
        })
        .collect();
    data[g.len() / 2] = true;
    Volume::new(g, data).expect("len")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rings_nest_and_shells_partition_the_ring(
        seed in 0u64..u64::MAX, sx in 0.4f64..2.0, sz in 0.5f64..5.0, r1 in 0.5f64..6.0, extra in 0.1f64..6.0,
        in_plane in any::<bool>(),
    ) {
        let tumor = random_mask([14, 12, 9], [sx, sx * 1.1, sz], seed, 0.02);
        let mode = if in_plane { DistanceMode::InPlane } else { DistanceMode::ThreeD };
        let r2 = r1 + extra;
        let specs: Vec<RegionSpec> = vec![
            format!("ring:{r1}mm").parse().expect("spec"),
            format!("ring:{r2}mm").parse().expect("spec"),
            "rings:0-6mm/1.5mm".parse().expect("spec"),
            "ring:6mm".parse().expect("spec"),
        ];
        let m = one(&tumor, &specs, mode);
        let (a, b) = (&m[0], &m[1]);
        prop_assert!(a.data().iter().zip(b.data()).all(|(x, y)| !x || *y), "ring {r1} ⊄ ring {r2}");
        let shells = &m[2..6];
        let ring6 = &m[6];
        for l in 0..tumor.data().len() {
            let n = shells.iter().filter(|s| s.data()[l]).count();
            prop_assert!(n <= 1, "shells overlap at {l}");
            prop_assert_eq!(n == 1, ring6.data()[l], "union of shells != ring at {}", l);
            prop_assert!(!(ring6.data()[l] && tumor.data()[l]), "ring holds a tumor voxel");
        }
    }
}

/// Relative error of the ring volume around a digitised sphere of radius `big_r` at spacing `s`.
fn sphere_ring_error(big_r: f64, r: f64, s: f64) -> f64 {
    let n = (2.0 * (big_r + r + 2.0) / s).ceil() as usize;
    let g = Geometry::new([n, n, n], [s; 3], [0.0; 3], IDENTITY).expect("valid");
    let c = (n as f64 - 1.0) / 2.0 * s;
    let data: Vec<bool> = (0..g.len())
        .map(|l| {
            let [i, j, k] = g.index_of(l);
            let (x, y, z) = (i as f64 * s - c, j as f64 * s - c, k as f64 * s - c);
            (x * x + y * y + z * z).sqrt() <= big_r
        })
        .collect();
    let tumor = Volume::new(g, data).expect("len");
    let ring = one(
        &tumor,
        &[format!("ring:{r}mm").parse().expect("spec")],
        DistanceMode::ThreeD,
    )
    .remove(0);
    let vol = ring.data().iter().filter(|&&b| b).count() as f64 * s * s * s;
    let want = 4.0 / 3.0 * std::f64::consts::PI * ((big_r + r).powi(3) - big_r.powi(3));
    (vol - want) / want
}

#[test]
fn ring_around_a_digitised_sphere_approaches_the_shell_volume() {
    // Distances run from voxel centres, and the outermost tumor centres lie about a third of a
    // voxel inside the sphere, so a ring is short by a constant ~0.3·spacing in radius: the
    // relative error falls with the ring width and with the spacing.
    for r in [10.0, 15.0, 20.0] {
        let e = sphere_ring_error(10.0, r, 0.5);
        assert!(
            e.abs() < 0.02,
            "R 10 mm, ring {r} mm at 0.5 mm: {:.2}%",
            100.0 * e
        );
    }
    let coarse = sphere_ring_error(10.0, 5.0, 0.5).abs();
    let fine = sphere_ring_error(10.0, 5.0, 0.25).abs();
    assert!(
        fine < 0.6 * coarse,
        "halving the spacing must shrink the error: {coarse} → {fine}"
    );
}

#[test]
fn identical_for_one_and_many_threads() {
    let tumor = random_mask([60, 50, 30], [0.7, 0.7, 2.5], 42, 0.001);
    let specs: Vec<RegionSpec> = [
        "tumor",
        "ring:5mm",
        "shell:2-7mm",
        "ring:0.5r",
        "inner:2mm",
        "rings:0-10mm/2mm",
    ]
    .iter()
    .map(|s| s.parse().expect("spec"))
    .collect();
    let lesions = connected_components(&tumor, Connectivity::TwentySix);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| {
                build_regions(
                    &lesions,
                    true,
                    &tumor,
                    &specs,
                    RegionOptions::default(),
                    Constraints::default(),
                )
                .expect("regions")
            })
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.mask.data(), y.mask.data(), "{}", x.spec);
    }
}

#[test]
fn two_lesions_whose_rings_reach_each_other() {
    // One row of 1 mm voxels: lesion A at x = 2..=4 (3 voxels), lesion B at x = 7 (1 voxel).
    let g = Geometry::new([12, 1, 1], [1.0; 3], [0.0; 3], IDENTITY).expect("valid");
    let mut data = vec![false; 12];
    for x in [2, 3, 4, 7] {
        data[x] = true;
    }
    let tumor = Volume::new(g, data).expect("len");
    let lesions = connected_components(&tumor, Connectivity::TwentySix);
    assert_eq!(lesions.len(), 2);
    let specs = vec![
        "ring:3mm".parse::<RegionSpec>().expect("spec"),
        "tumor".parse().expect("spec"),
    ];
    let regions = build_regions(
        &lesions,
        true,
        &tumor,
        &specs,
        RegionOptions::default(),
        Constraints::default(),
    )
    .expect("regions");
    let xs = |m: &Mask| {
        m.data()
            .iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(x, _)| x)
            .collect::<Vec<_>>()
    };
    // Lesion 1 = A (larger): its 3 mm ring from A alone is x ∈ {0, 1, 5, 6, 7}; B's voxel 7 is cut.
    assert_eq!(regions[0].lesion, Some(1));
    assert_eq!(xs(&regions[0].mask), vec![0, 1, 5, 6]);
    assert_eq!(xs(&regions[1].mask), vec![2, 3, 4]);
    // Lesion 2 = B: its ring is x ∈ {4, 5, 6, 8, 9, 10}; A's voxel 4 is cut. The rings overlap at 5, 6.
    assert_eq!(regions[2].lesion, Some(2));
    assert_eq!(xs(&regions[2].mask), vec![5, 6, 8, 9, 10]);
    assert_eq!(xs(&regions[3].mask), vec![7]);
    // The cut by the other lesion's tumor is not a constraint: kept fraction stays 1.
    assert_eq!(regions[0].kept_fraction(), 1.0);
}

#[test]
fn organ_exclusion_and_intensity_window_cut_only_the_peritumoral_part() {
    // One row of 1 mm voxels, tumor at x = 4..=5; ring:3mm = x ∈ {1, 2, 3, 6, 7, 8}.
    let g = Geometry::new([10, 1, 1], [1.0; 3], [0.0; 3], IDENTITY).expect("valid");
    let row = |xs: &[usize]| {
        Volume::new(
            g.clone(),
            (0..10).map(|x| xs.contains(&x)).collect::<Vec<bool>>(),
        )
        .expect("len")
    };
    let tumor = row(&[4, 5]);
    let organ = row(&[2, 3, 4, 5, 6, 7, 8, 9]); // cuts x = 1
    let exclude = row(&[7]); // cuts x = 7
    let image = Volume::new(
        g.clone(),
        vec![0.0f32, 0.0, 0.0, -900.0, 50.0, 50.0, 40.0, 40.0, 40.0, 40.0],
    )
    .expect("len"); // x = 3 is air
    let specs: Vec<RegionSpec> = ["ring:3mm", "tumor+ring:3mm", "tumor"]
        .iter()
        .map(|s| s.parse().expect("spec"))
        .collect();
    let constraints = Constraints {
        organ: Some(&organ),
        exclude: Some(&exclude),
        window: Some((&image, -100.0, 200.0)),
    };
    let r = build_regions(
        std::slice::from_ref(&tumor),
        false,
        &tumor,
        &specs,
        RegionOptions::default(),
        constraints,
    )
    .expect("regions");
    let xs = |m: &Mask| {
        m.data()
            .iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(x, _)| x)
            .collect::<Vec<_>>()
    };
    assert_eq!(xs(&r[0].mask), vec![2, 6, 8]);
    assert_eq!((r[0].voxels, r[0].unconstrained_voxels), (3, 6));
    assert!((r[0].kept_fraction() - 0.5).abs() < 1e-15);
    assert_eq!(
        xs(&r[1].mask),
        vec![2, 4, 5, 6, 8],
        "the tumor part is never cut"
    );
    assert_eq!(xs(&r[2].mask), vec![4, 5]);
}

#[test]
fn several_labels_are_several_lesions_largest_first() {
    use perirad_core::LabelMap;
    use perirad_regions::lesions_of;
    let g = Geometry::new([8, 1, 1], [1.0; 3], [0.0; 3], IDENTITY).expect("valid");
    let lm =
        LabelMap::new(Volume::new(g, vec![0, 3, 0, 0, 5, 5, 0, 3]).expect("len")).expect("labels");
    // Labels 3 and 5 both have 2 voxels: label 3's first voxel (x = 1) comes first.
    let l = lesions_of(&lm, None, false, Connectivity::TwentySix).expect("lesions");
    assert!(l.numbered);
    assert_eq!(l.labels, vec![Some(3), Some(5)]);
    // --per-lesion splits label 3 into its two components: 3 lesions, the 2-voxel one first.
    let l = lesions_of(&lm, None, true, Connectivity::TwentySix).expect("lesions");
    assert_eq!(l.masks.len(), 3);
    assert_eq!(l.masks[0].data().iter().filter(|&&b| b).count(), 2);
    // One label: not numbered.
    let l = lesions_of(&lm, Some(5), false, Connectivity::TwentySix).expect("lesions");
    assert!(!l.numbered && l.masks.len() == 1);
    assert!(lesions_of(&lm, Some(4), false, Connectivity::TwentySix).is_err());
}

#[test]
fn two_d_images_use_the_circle_of_equal_area() {
    // A 2D frame (one slice): 0.5r is half the radius of the circle of equal area.
    let s = 0.2;
    let g = Geometry::new([101, 101, 1], [s, s, 1.0], [0.0; 3], IDENTITY).expect("valid");
    let data: Vec<bool> = (0..g.len())
        .map(|l| {
            let [i, j, _] = g.index_of(l);
            let (x, y) = ((i as f64 - 50.0) * s, (j as f64 - 50.0) * s);
            x * x + y * y <= 36.0
        })
        .collect();
    let n = data.iter().filter(|&&b| b).count();
    let tumor = Volume::new(g, data).expect("len");
    let r = build_regions(
        std::slice::from_ref(&tumor),
        false,
        &tumor,
        &["ring:0.5r".parse().expect("spec")],
        RegionOptions::default(),
        Constraints::default(),
    )
    .expect("regions");
    let want = (n as f64 * s * s / std::f64::consts::PI).sqrt();
    assert!((r[0].equivalent_radius_mm - want).abs() < 1e-12);
    assert!(
        (r[0].equivalent_radius_mm - 6.0).abs() < 0.05,
        "a 6 mm disc"
    );
    // The ring of 3 mm around a 6 mm disc: area π(9² − 6²) within 5% at 0.2 mm pixels.
    let area = r[0].voxels as f64 * s * s;
    let expect = std::f64::consts::PI * (81.0 - 36.0);
    assert!((area - expect).abs() / expect < 0.05, "{area} vs {expect}");
}
