//! The registry covers PyRadiomics' `glszm`, `gldm` and `ngtdm` features, and its IBSI codes
//! agree with PyRadiomics' own mapping (`../shared/data/pyradiomics/ibsi_mapping.tsv`) except
//! where that mapping is wrong, which is spelled out below.

use perirad_core::{Geometry, Volume, IDENTITY};
use perirad_features::families::{pyr_gldm, pyr_glszm, pyr_ngtdm};
use perirad_features::registry::REGISTRY;
use perirad_features::PyRadiomicsParams;
use perirad_testdata::shared_data;

#[test]
fn every_zone_class_feature_has_an_entry() {
    let g = Geometry::new([3, 3, 1], [1.0, 1.0, 1.0], [0.0; 3], IDENTITY).expect("grid");
    let levels = Volume::new(g.clone(), vec![1, 2, 0, 2, 2, 1, 3, 0, 1]).expect("levels");
    let mask = levels.map(|&l| l > 0);
    let params = PyRadiomicsParams::default();
    let classes = [
        (
            "glszm",
            pyr_glszm::pyradiomics(&levels, &mask, &params).expect("glszm"),
            &pyr_glszm::DEPRECATED[..],
        ),
        (
            "gldm",
            pyr_gldm::pyradiomics(&levels, &mask, &params).expect("gldm"),
            &pyr_gldm::DEPRECATED[..],
        ),
        (
            "ngtdm",
            pyr_ngtdm::pyradiomics(&levels, &mask, &params).expect("ngtdm"),
            &pyr_ngtdm::DEPRECATED[..],
        ),
    ];
    for (class, features, deprecated) in classes {
        for (name, value) in features {
            assert!(value.is_finite(), "{class} {name}");
            let e = REGISTRY
                .iter()
                .find(|e| e.class == class && e.name == name)
                .unwrap_or_else(|| panic!("{class} {name} missing"));
            assert!(e.ibsi.is_some() || !e.note.is_empty(), "{name}");
            assert!(!e.formula.is_empty(), "{name}");
            assert_eq!(e.deprecated, deprecated.contains(&name), "{name}");
        }
        assert_eq!(
            REGISTRY.iter().filter(|e| e.class == class).count(),
            match class {
                "glszm" => 16,
                "gldm" => 14,
                _ => 5,
            }
        );
    }
}

#[test]
fn zone_class_codes_agree_with_pyradiomics_mapping() {
    let tsv = std::fs::read_to_string(shared_data().join("pyradiomics/ibsi_mapping.tsv"))
        .expect("mapping");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || !["glszm", "gldm", "ngtdm"].contains(&cols[2]) {
            continue;
        }
        let (class, code) = (cols[2], cols[1]);
        // Where the mapping departs from PyRadiomics' names or IBSI's codes.
        let (name, code) = match (class, cols[3]) {
            // Deprecated: PyRadiomics 3.1 raises instead of computing them, so no value exists.
            ("gldm", "GrayLevelNonUniformityNormalized" | "DependencePercentage") => continue,
            // PyRadiomics' class has no "Size" in these names.
            ("glszm", "ZoneSizeVariance") => ("ZoneVariance", code),
            ("glszm", "ZoneSizeEntropy") => ("ZoneEntropy", code),
            // Misspelt names carrying the codes of IBSI's GLDZM (S1RA, K26C) instead of its
            // GLSZM low/high grey level zone emphasis (XMSY, 5GN9).
            ("glszm", "LowGreyLevelZoneEmphasis") => {
                assert_eq!(code, "S1RA");
                ("LowGrayLevelZoneEmphasis", "XMSY")
            }
            ("glszm", "HighGreyLevelZoneEmphasis") => {
                assert_eq!(code, "K26C");
                ("HighGrayLevelZoneEmphasis", "5GN9")
            }
            (_, name) => (name, code),
        };
        let e = REGISTRY
            .iter()
            .find(|e| e.class == class && e.name == name)
            .unwrap_or_else(|| panic!("{class} {name} missing"));
        assert_eq!(e.ibsi, Some(code), "{class} {name}");
        checked += 1;
    }
    assert_eq!(checked, 12 + 14 + 5, "mapping rows of the three classes");
}
