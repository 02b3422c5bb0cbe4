//! `RD2xx`: `concurrent` × the predicted job pod's requests and limits against the namespace's
//! ResourceQuota and LimitRange. One snapshot of the human output per fixture under
//! `tests/fixtures/resources/`, plus the codes each must (and must not) report.

use std::path::Path;

use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;

fn check(name: &str) -> (Vec<&'static str>, String) {
    let rel = format!("tests/fixtures/resources/{name}");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel)).unwrap();
    let mut inputs = Inputs::default();
    inputs.add_text(rel.into(), text);
    let settings = Settings {
        select: vec!["RD2".into()],
        ..Settings::default()
    };
    let report = runner_doctor::check(inputs, settings);
    let codes = report.diagnostics.iter().map(|d| d.code).collect();
    (codes, runner_doctor::render::human::render(&report, false))
}

#[test]
fn quota_exhausted_by_concurrent() {
    let (codes, human) = check("quota-exhausted-by-concurrent.yaml");
    assert_eq!(codes, ["RD201"]);
    // (6 hard − 2 used) / 1.2 cpu per pod = 3 pods; memory would allow 5.
    assert!(human.contains("has room for 3 job pod(s)"), "{human}");
    assert!(
        human.contains("raise the quota's `requests.cpu` to 11600m"),
        "{human}"
    );
    insta::assert_snapshot!(human);
}

#[test]
fn quota_pods_by_runner_limit() {
    let (codes, human) = check("quota-pods-by-runner-limit.yaml");
    assert_eq!(codes, ["RD201"]);
    assert!(human.contains("`limit = 4` lets 4 jobs"), "{human}");
    insta::assert_snapshot!(human);
}

#[test]
fn limit_above_limit_range_max() {
    let (codes, human) = check("limit-above-limit-range-max.yaml");
    assert_eq!(codes, ["RD202"]);
    assert!(human.contains("helper_memory_limit = \"2Gi\""), "{human}");
    insta::assert_snapshot!(human);
}

#[test]
fn limit_range_default_applies_to_the_helper() {
    let (codes, human) = check("limit-range-default-helper.yaml");
    assert_eq!(codes, ["RD203"]);
    assert!(
        human.contains("`helper_cpu_limit` and `helper_memory_limit`"),
        "{human}"
    );
    insta::assert_snapshot!(human);
}

#[test]
fn a_namespace_that_fits_is_clean() {
    let (codes, human) = check("fits.yaml");
    assert!(codes.is_empty(), "{human}");
}

/// A quota in another namespace, or a LimitRange of another namespace, changes nothing.
#[test]
fn other_namespaces_do_not_count() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resources/quota-exhausted-by-concurrent.yaml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "name: ci-quota, namespace: ci",
        "name: ci-quota, namespace: other",
    );
    let mut inputs = Inputs::default();
    inputs.add_text("x.yaml".into(), text);
    let settings = Settings {
        select: vec!["RD2".into()],
        ..Settings::default()
    };
    assert!(
        runner_doctor::check(inputs, settings)
            .diagnostics
            .is_empty()
    );
}
