//! The registry covers every computed feature, and its IBSI codes agree with PyRadiomics' own
//! mapping (`../shared/data/pyradiomics/ibsi_mapping.tsv`).

use perirad_core::{Geometry, Volume, IDENTITY};
use perirad_features::discretise::Binning;
use perirad_features::families::{firstorder, shape, shape2d};
use perirad_features::registry::REGISTRY;
use perirad_testdata::shared_data;

#[test]
fn every_computed_feature_has_an_entry_with_a_code_or_a_reason() {
    for (name, _) in firstorder::pyradiomics(&[1.0, 2.0, 3.0], 1.0, 0.0, Binning::Width(1.0)) {
        let e = REGISTRY
            .iter()
            .find(|e| e.class == "firstorder" && e.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(
            e.ibsi.is_some() || !e.note.is_empty(),
            "{name}: no IBSI code and no reason"
        );
        assert!(!e.formula.is_empty(), "{name}: no formula");
        assert_eq!(
            e.deprecated,
            firstorder::DEPRECATED.contains(&name),
            "{name}"
        );
    }
}

#[test]
fn every_shape_feature_has_an_entry() {
    let g = Geometry::new([3, 3, 1], [1.0, 1.0, 1.0], [0.0; 3], IDENTITY).expect("grid");
    let mask = Volume::new(
        g,
        vec![true, true, false, true, true, true, false, true, false],
    )
    .expect("mask");
    let s3 = shape::pyradiomics(&mask).expect("non-empty");
    let s2 = shape2d::pyradiomics(&mask, 0).expect("2D");
    for (class, list, deprecated) in [
        ("shape", s3, &shape::DEPRECATED[..]),
        ("shape2D", s2, &shape2d::DEPRECATED[..]),
    ] {
        for (name, _) in list {
            let e = REGISTRY
                .iter()
                .find(|e| e.class == class && e.name == name)
                .unwrap_or_else(|| panic!("{class} {name} missing"));
            assert!(e.ibsi.is_some() || !e.note.is_empty(), "{name}");
            assert!(!e.formula.is_empty(), "{name}");
            assert_eq!(e.deprecated, deprecated.contains(&name), "{name}");
        }
    }
}

#[test]
fn ibsi_codes_agree_with_pyradiomics_mapping() {
    let tsv = std::fs::read_to_string(shared_data().join("pyradiomics/ibsi_mapping.tsv"))
        .expect("mapping");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || !["firstorder", "shape"].contains(&cols[2]) {
            continue;
        }
        let e = REGISTRY
            .iter()
            .find(|e| e.class == cols[2] && e.name == cols[3])
            .unwrap_or_else(|| panic!("{} missing", cols[3]));
        assert_eq!(e.ibsi, Some(cols[1]), "{}", cols[3]);
        checked += 1;
    }
    assert_eq!(checked, 16 + 14);
}

#[test]
fn glcm_and_glrlm_have_entries_and_pyradiomics_codes() {
    use perirad_features::families::{pyr_glcm, pyr_glrlm};
    use perirad_features::{FeatureClass, Settings};
    let g = Geometry::new([3, 3, 2], [1.0, 1.0, 1.0], [0.0; 3], IDENTITY).expect("grid");
    let levels = Volume::new(g.clone(), (0..18).map(|v| 1 + v % 4).collect()).expect("levels");
    let mask = Volume::filled(g, true);
    let s = Settings::default();
    let cm = pyr_glcm::pyradiomics(&levels, &mask, &s).expect("glcm");
    let rlm = pyr_glrlm::pyradiomics(&levels, &mask, &s).expect("glrlm");
    for (class, list, deprecated) in [
        ("glcm", cm, pyr_glcm::DEPRECATED),
        ("glrlm", rlm, pyr_glrlm::DEPRECATED),
    ] {
        let names: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
        for name in names.iter().chain(deprecated) {
            let e = REGISTRY
                .iter()
                .find(|e| e.class == class && e.name == *name)
                .unwrap_or_else(|| panic!("{class} {name} missing"));
            assert!(e.ibsi.is_some() || !e.note.is_empty(), "{name}");
            assert!(!e.formula.is_empty(), "{name}");
            assert_eq!(e.deprecated, deprecated.contains(name), "{name}");
        }
        // Every name PyRadiomics defines is computed, or deprecated (no value in 3.1).
        let class_enum = if class == "glcm" {
            FeatureClass::Glcm
        } else {
            FeatureClass::Glrlm
        };
        for name in class_enum.feature_names() {
            assert!(
                names.contains(name) != deprecated.contains(name),
                "{class} {name}"
            );
        }
    }
    let tsv = std::fs::read_to_string(shared_data().join("pyradiomics/ibsi_mapping.tsv"))
        .expect("mapping");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || !["glcm", "glrlm"].contains(&cols[2]) {
            continue;
        }
        let Some(e) = REGISTRY
            .iter()
            .find(|e| e.class == cols[2] && e.name == cols[3])
        else {
            // The mapping files four glszm features (…AreaLowGrayLevelEmphasis) under glcm.
            assert!(cols[3].contains("Area"), "{} missing", cols[3]);
            continue;
        };
        assert_eq!(e.ibsi, Some(cols[1]), "{}", cols[3]);
        checked += 1;
    }
    assert_eq!(checked, 22 + 16);
}

/// The names a parameter file may give for each texture class (the schema, `feature_names`)
/// are exactly the names the class computes plus the ones it knows as deprecated.
#[test]
fn parameter_schema_names_equal_the_classes_names() {
    use perirad_features::families::{pyr_glcm, pyr_gldm, pyr_glrlm, pyr_glszm, pyr_ngtdm};
    use perirad_features::FeatureClass;
    use std::collections::BTreeSet;
    let classes: [(FeatureClass, &[&str], &[&str]); 5] = [
        (FeatureClass::Glcm, &pyr_glcm::NAMES, pyr_glcm::DEPRECATED),
        (
            FeatureClass::Glrlm,
            &pyr_glrlm::NAMES,
            pyr_glrlm::DEPRECATED,
        ),
        (
            FeatureClass::Glszm,
            &pyr_glszm::NAMES,
            &pyr_glszm::DEPRECATED,
        ),
        (FeatureClass::Gldm, &pyr_gldm::NAMES, &pyr_gldm::DEPRECATED),
        (
            FeatureClass::Ngtdm,
            &pyr_ngtdm::NAMES,
            &pyr_ngtdm::DEPRECATED,
        ),
    ];
    for (class, names, deprecated) in classes {
        let schema: BTreeSet<&str> = class.feature_names().iter().copied().collect();
        let computed: BTreeSet<&str> = names.iter().chain(deprecated).copied().collect();
        assert_eq!(schema, computed, "{}", class.name());
    }
}
