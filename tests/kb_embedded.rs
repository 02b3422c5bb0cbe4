//! The embedded knowledge bases (`data/kb/*.json`) must be exactly the conversion of their YAML
//! sources (`data/kb/*.yaml`, verbatim copies of `reference/kb-*.yaml`). When this fails, run
//! `python3 data/kb/convert.py` and commit the JSON.

use std::path::Path;

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kb");
    let yaml = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).expect("read yaml");
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("read json");
    let from_yaml: serde_json::Value = serde_saphyr::from_str(&yaml).expect("parse yaml");
    let from_json: serde_json::Value = serde_json::from_str(&json).expect("parse json");
    assert!(
        from_yaml == from_json,
        "data/kb/{name}.json is stale; run `python3 data/kb/convert.py`"
    );
}

#[test]
fn storage_json_matches_yaml() {
    check("kb-storage");
}

#[test]
fn images_json_matches_yaml() {
    check("kb-images");
}
