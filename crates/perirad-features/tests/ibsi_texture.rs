//! IBSI texture families on the IBSI-1 digital phantom (no image processing: the phantom's grey
//! levels 1–6 are the discretised levels, N_g = 6) against every reference value of
//! `../shared/data/ibsi/reference_digital_phantom.csv` for the family and every aggregation,
//! compared as IBSI does (3 significant digits, then the printed tolerance).

use perirad_core::Volume;
use perirad_features::conformance::{compare, parse_reference, Outcome};
use perirad_features::families::texture::Discretised;
use perirad_features::settings::TextureDims;
use perirad_io::{read_image, read_labels, ReadOptions};
use perirad_testdata::shared_data;
use std::collections::BTreeMap;

fn digital_phantom() -> Discretised {
    digital_phantom_and_mask().0
}

fn digital_phantom_and_mask() -> (Discretised, perirad_core::Mask) {
    let dir = shared_data().join("ibsi/phantoms/digital");
    let image = read_image(&dir.join("phantom.nii.gz"), &ReadOptions::default())
        .expect("phantom")
        .to_f64_volume();
    let mask = read_labels(&dir.join("mask.nii.gz"), &ReadOptions::default())
        .expect("mask")
        .layers[0]
        .foreground()
        .expect("ROI");
    let levels: Volume<u32> = image.map(|&v| v as u32);
    (
        Discretised::new(&levels, &mask, 6).expect("non-empty ROI"),
        mask,
    )
}

fn check_family(family: &str, computed: Vec<(String, f64)>, expected_count: usize) {
    let text = std::fs::read_to_string(shared_data().join("ibsi/reference_digital_phantom.csv"))
        .expect("reference");
    let refs = parse_reference("reference_digital_phantom.csv", &text).expect("parses");
    let refs: Vec<_> = refs.iter().filter(|r| r.family == family).collect();
    assert_eq!(refs.len(), expected_count, "{family} reference values");
    let computed: BTreeMap<String, f64> = computed.into_iter().collect();
    let mut problems = Vec::new();
    for (r, outcome) in compare(refs, &computed) {
        match outcome {
            Outcome::Pass(_) => {}
            Outcome::Miss(x) => {
                problems.push(format!("{}: {x} vs {} ± {}", r.tag, r.value, r.tolerance))
            }
            Outcome::NotComputed => problems.push(format!("{}: not computed", r.tag)),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {expected_count} {family} values:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn glcm_digital_phantom_all_aggregations() {
    use perirad_features::families::glcm;
    let d = digital_phantom();
    let mut values = glcm::ibsi(&d, TextureDims::TwoD, 1);
    values.extend(glcm::ibsi(&d, TextureDims::ThreeD, 1));
    check_family("glcm", values, 150);
}

#[test]
fn glrlm_digital_phantom_all_aggregations() {
    use perirad_features::families::glrlm;
    let d = digital_phantom();
    let mut values = glrlm::ibsi(&d, TextureDims::TwoD);
    values.extend(glrlm::ibsi(&d, TextureDims::ThreeD));
    check_family("glrlm", values, 96);
}

#[test]
fn zone_and_neighbourhood_families_digital_phantom() {
    use perirad_features::families::zones;
    let (d, mask) = digital_phantom_and_mask();
    let both = |f: &dyn Fn(TextureDims) -> Vec<(String, f64)>| {
        let mut v = f(TextureDims::TwoD);
        v.extend(f(TextureDims::ThreeD));
        v
    };
    check_family("glszm", both(&|t| zones::glszm(&d, t)), 48);
    check_family("gldzm", both(&|t| zones::gldzm(&d, &mask, t)), 48);
    check_family("ngtdm", both(&|t| zones::ngtdm(&d, t, 1)), 15);
    check_family("ngldm", both(&|t| zones::ngldm(&d, t, 1, 0)), 51);
}
