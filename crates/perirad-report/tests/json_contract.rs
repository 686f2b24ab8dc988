//! The renderer reads what the study runner writes (`results.json`): the fixture survives a JSON
//! round trip and renders the same page.
//!
//! Known limit of the data model (not changed here, it is the runner's contract): serde_json
//! writes a NaN f64 as `null` and cannot read `null` back into an f64, so a report holding NaN
//! metrics does not round-trip. The fixture's one NaN (the null model's validation AUC) is
//! replaced before the round trip; `nan_does_not_round_trip` pins the limit.

mod common;

#[test]
fn fixture_round_trips_through_json_and_renders_the_same() {
    let mut report = common::rich_report();
    for o in &mut report.outcomes {
        for m in &mut o.models {
            if !m.validation.value.is_finite() {
                m.validation.value = 0.5;
            }
        }
    }
    let json = serde_json::to_string(&report).expect("serialise");
    let back: perirad_report::StudyReport = serde_json::from_str(&json).expect("deserialise");
    // serde_json (without its float_roundtrip feature) may read a float back one ulp off, so
    // the structs are not compared bit for bit; the page, which rounds for display, must match.
    let (a, b) = (
        perirad_report::render_html(&back).expect("renders"),
        perirad_report::render_html(&report).expect("renders"),
    );
    let first_diff = a.bytes().zip(b.bytes()).position(|(x, y)| x != y);
    assert!(
        a.len() == b.len() && first_diff.is_none(),
        "pages differ at byte {first_diff:?}"
    );
}

#[test]
fn nan_does_not_round_trip() {
    let metric = perirad_report::data::Metric {
        value: f64::NAN,
        ..Default::default()
    };
    let json = serde_json::to_string(&metric).expect("serialise");
    assert!(json.contains("\"value\":null"), "{json}");
    assert!(serde_json::from_str::<perirad_report::data::Metric>(&json).is_err());
}
