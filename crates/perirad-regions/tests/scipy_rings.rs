//! Every region of `../shared/data/rings/` (made with `scipy.ndimage.distance_transform_edt`,
//! sampling = spacing, on the PyRadiomics test masks and the IBSI CT phantom) reproduced voxel
//! for voxel, and the organ-constrained rings of `constrained.json` with their kept fractions.

use perirad_core::Mask;
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_regions::{
    build_regions, equivalent_radius, Constraints, DistanceMode, RegionOptions, RegionSpec,
};
use perirad_testdata::shared_data;
use serde_json::Value;
use std::path::Path;

fn load_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("reference file")).expect("json")
}

fn mask_of(path: &Path, label: u32) -> Mask {
    let labels = read_labels(path, &ReadOptions::default()).expect("reference mask");
    labels.layers[0].mask(label).expect("label present")
}

fn diff(a: &Mask, b: &Mask) -> usize {
    a.data()
        .iter()
        .zip(b.data())
        .filter(|(x, y)| x != y)
        .count()
}

#[test]
fn every_reference_region_matches_voxel_for_voxel() {
    let rings = shared_data().join("rings");
    let index = load_json(&rings.join("index.json"));
    let cases = index.as_object().expect("cases");
    assert!(cases.len() >= 4, "brain1, breast1, lung1, ibsi_ct");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (case, entry) in cases {
        let label = entry["label"].as_u64().unwrap_or(1) as u32;
        let tumor = mask_of(
            &rings.join(entry["mask"].as_str().expect("mask path")),
            label,
        );
        let count = tumor.data().iter().filter(|&&b| b).count();
        let r_eq = equivalent_radius(tumor.geometry(), count);
        let want_r = entry["equivalent_radius_mm"].as_f64().expect("radius");
        assert!(
            (r_eq - want_r).abs() <= 1e-9 * want_r,
            "{case}: r_eq {r_eq} vs {want_r}"
        );
        for region in entry["regions"].as_array().expect("regions") {
            let spec: RegionSpec = region["spec"]
                .as_str()
                .expect("spec")
                .parse()
                .expect("valid spec");
            let mode = match region["mode"].as_str() {
                Some("in-plane") => DistanceMode::InPlane,
                _ => DistanceMode::ThreeD,
            };
            let built = build_regions(
                std::slice::from_ref(&tumor),
                false,
                &tumor,
                std::slice::from_ref(&spec),
                RegionOptions { mode },
                Constraints::default(),
            )
            .expect("regions");
            let want = mask_of(&rings.join(region["file"].as_str().expect("file")), 1);
            let got = &built[0];
            compared += 1;
            let d = diff(&got.mask, &want);
            let want_voxels = region["voxels"].as_u64().expect("voxels") as usize;
            if d != 0 || got.voxels != want_voxels {
                failures.push(format!(
                    "{case} {spec} ({mode:?}): {d} voxels differ; {} voxels vs {want_voxels}",
                    got.voxels
                ));
            }
            let want_vol = region["volume_mm3"].as_f64().expect("volume");
            if (got.volume_mm3 - want_vol).abs() > 1e-9 * want_vol.max(1.0) {
                failures.push(format!(
                    "{case} {spec}: volume {} vs {want_vol}",
                    got.volume_mm3
                ));
            }
        }
    }
    assert!(compared >= 72, "only {compared} regions compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} regions differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn organ_constrained_rings_and_kept_fractions_match() {
    let rings = shared_data().join("rings");
    let constrained = load_json(&rings.join("constrained.json"));
    let mut failures = Vec::new();
    for (case, entry) in constrained.as_object().expect("cases") {
        let tumor = mask_of(&rings.join(entry["mask"].as_str().expect("mask")), 1);
        let organ = mask_of(&rings.join(entry["organ"].as_str().expect("organ")), 1);
        // The organ file is the reference's own rule applied to the image (intensity > -500);
        // check that our reading of the image agrees with it.
        let image = read_image(
            &rings.join(entry["image"].as_str().expect("image")),
            &ReadOptions::default(),
        )
        .expect("image")
        .to_f64_volume();
        let rule: Vec<bool> = image.data().iter().map(|&v| v > -500.0).collect();
        assert_eq!(rule.as_slice(), organ.data(), "{case}: organ rule");
        let specs: Vec<RegionSpec> = entry["regions"]
            .as_array()
            .expect("regions")
            .iter()
            .map(|r| r["spec"].as_str().expect("spec").parse().expect("spec"))
            .collect();
        let built = build_regions(
            std::slice::from_ref(&tumor),
            false,
            &tumor,
            &specs,
            RegionOptions::default(),
            Constraints {
                organ: Some(&organ),
                ..Default::default()
            },
        )
        .expect("regions");
        for (r, got) in entry["regions"]
            .as_array()
            .expect("regions")
            .iter()
            .zip(&built)
        {
            let want = mask_of(&rings.join(r["file"].as_str().expect("file")), 1);
            let d = diff(&got.mask, &want);
            let (wv, wu, wk) = (
                r["voxels"].as_u64().expect("v") as usize,
                r["unconstrained_voxels"].as_u64().expect("u") as usize,
                r["kept_fraction"].as_f64().expect("k"),
            );
            if d != 0
                || got.voxels != wv
                || got.unconstrained_voxels != wu
                || (got.kept_fraction() - wk).abs() > 1e-12
            {
                failures.push(format!(
                    "{case} {}: {d} voxels differ; voxels {} vs {wv}, unconstrained {} vs {wu}, kept {} vs {wk}",
                    got.spec,
                    got.voxels,
                    got.unconstrained_voxels,
                    got.kept_fraction()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
