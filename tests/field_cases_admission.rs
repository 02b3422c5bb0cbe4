//! Field cases about admission, each a fixture with its diagnosis held by a snapshot.

use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn check(path: &str, platform: &str) -> (String, Vec<&'static str>) {
    let settings = Settings {
        platform: Some(platform.to_string()),
        ..Settings::default()
    };
    let report = runner_doctor::check(
        Inputs::load(read_inputs(&[path.into()], 10 << 20)),
        settings,
    );
    let codes = report.diagnostics.iter().map(|d| d.code).collect();
    (runner_doctor::render::human::render(&report, false), codes)
}

#[test]
fn fc16_job_pods_violate_the_namespaces_restricted_level() {
    let (out, codes) = check(
        "tests/fixtures/cases/fc16-namespace-enforces-restricted",
        "kubernetes",
    );
    assert!(codes.contains(&"RD303"), "{out}");
    assert!(
        out.contains(
            "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false"
        ),
        "{out}"
    );
    assert!(out.contains("harden the manager pod only"), "{out}");
    insta::assert_snapshot!("fc16", out);
}
