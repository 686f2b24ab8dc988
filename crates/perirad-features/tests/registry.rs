//! The registry covers every computed feature, and its IBSI codes agree with PyRadiomics' own
//! mapping (`../shared/data/pyradiomics/ibsi_mapping.tsv`).

use perirad_features::discretise::Binning;
use perirad_features::families::firstorder;
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
fn ibsi_codes_agree_with_pyradiomics_mapping() {
    let tsv = std::fs::read_to_string(shared_data().join("pyradiomics/ibsi_mapping.tsv"))
        .expect("mapping");
    let mut checked = 0;
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 || cols[2] != "firstorder" {
            continue;
        }
        let e = REGISTRY
            .iter()
            .find(|e| e.class == "firstorder" && e.name == cols[3])
            .unwrap_or_else(|| panic!("{} missing", cols[3]));
        assert_eq!(e.ibsi, Some(cols[1]), "{}", cols[3]);
        checked += 1;
    }
    assert_eq!(checked, 16);
}
