//! The IBSI registry against the IBSI reference tables: every tag with a reference value (after
//! removing the aggregation suffix) is in the registry with the same IBSI code, and every
//! registry tag appears in the reference tables.

use perirad_features::conformance::parse_reference;
use perirad_features::ibsi_registry::ibsi_registry;
use perirad_testdata::shared_data;
use std::collections::BTreeMap;

#[test]
fn registry_covers_the_reference_tables_with_their_codes() {
    let registry = ibsi_registry();
    let mut by_tag = BTreeMap::new();
    for e in &registry {
        assert!(by_tag.insert(e.tag, e).is_none(), "duplicate tag {}", e.tag);
        assert!(!e.formula.is_empty(), "{} has no formula", e.tag);
    }
    let mut seen = std::collections::BTreeSet::new();
    for file in ["reference_digital_phantom.csv", "reference_ct_phantom.csv"] {
        let text = std::fs::read_to_string(shared_data().join("ibsi").join(file)).expect("table");
        for r in parse_reference(file, &text).expect("parses") {
            let base = [
                "_2D_avg",
                "_2D_comb",
                "_2_5D_avg",
                "_2_5D_comb",
                "_3D_avg",
                "_3D_comb",
                "_2_5D",
                "_2D",
                "_3D",
            ]
            .iter()
            .find_map(|s| r.tag.strip_suffix(s))
            .unwrap_or(&r.tag)
            .to_string();
            let e = by_tag
                .get(base.as_str())
                .unwrap_or_else(|| panic!("{} ({file}) not in the registry", r.tag));
            assert_eq!(e.code, r.ibsi_code, "{} code", r.tag);
            assert_eq!(e.family, r.family, "{} family", r.tag);
            seen.insert(base);
        }
    }
    // Registry tags without a reference value: OMBB/MVEE densities and the IVH area (the tables
    // keep their rows, with these tags, but no value).
    let unseen: Vec<&str> = registry
        .iter()
        .map(|e| e.tag)
        .filter(|t| !seen.contains(*t))
        .collect();
    assert_eq!(
        unseen,
        [
            "morph_vol_dens_ombb",
            "morph_area_dens_ombb",
            "morph_vol_dens_mvee",
            "morph_area_dens_mvee",
            "ivh_auc"
        ]
    );
}
