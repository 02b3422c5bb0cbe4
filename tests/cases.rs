//! The field cases of the rule catalogue (image builds, network and trust, pipelines), end to
//! end: one fixture folder per case under `tests/fixtures/cases/`, held by a snapshot of the
//! human output and by the codes it must raise; and `tests/fixtures/ok/`, good setups on which
//! none of these rules may warn.

use runner_doctor::analysis::{Analysis, builders};
use runner_doctor::diagnostic::Severity;
use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

/// The codes of the rules these fixtures exercise.
const CATALOGUE: &[&str] = &[
    "RD408", "RD501", "RD502", "RD503", "RD504", "RD505", "RD603", "RD604", "RD605", "RD702",
    "RD703", "RD704",
];

fn run(path: &str, platform: Option<&str>) -> runner_doctor::Report {
    let settings = Settings {
        platform: platform.map(str::to_string),
        ..Settings::default()
    };
    runner_doctor::check(
        Inputs::load(read_inputs(&[path.into()], 10 << 20)),
        settings,
    )
}

/// Checks a case: the expected codes are raised, and the human output matches its snapshot.
fn case(name: &str, platform: Option<&str>, expected: &[&str]) {
    let path = format!("tests/fixtures/cases/{name}");
    let report = run(&path, platform);
    let out = runner_doctor::render::human::render(&report, false);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    for code in expected {
        assert!(codes.contains(code), "{name}: {code} missing:\n{out}");
    }
    insta::assert_snapshot!(name, out);
}

#[test]
fn fc03_the_13_4_logs_init_container_runs_as_the_pod_user_and_cannot_chmod() {
    case(
        "fc03-attach-init-container-non-root",
        Some("kubernetes"),
        &["RD408"],
    );
}

#[test]
fn fc19_rootless_buildah_under_restricted_v2_cannot_map_users() {
    case(
        "fc19-rootless-buildah-restricted-v2",
        None,
        &["RD502", "RD503", "RD505"],
    );
}

#[test]
fn fc23_rootless_buildkit_is_blocked_by_seccomp_and_apparmor() {
    case(
        "fc23-rootless-buildkit-apparmor",
        Some("kubernetes"),
        &["RD503", "RD505"],
    );
}

#[test]
fn fc24_kaniko_under_restricted_v2_and_the_advisor() {
    case(
        "fc24-kaniko-restricted-v2",
        None,
        &["RD504", "RD505", "RD702"],
    );
}

#[test]
fn fc25_podman_without_a_subuid_range_gets_a_single_mapping() {
    case("fc25-podman-single-mapping", None, &["RD502"]);
}

#[test]
fn fc27_no_proxy_misses_gitlab_and_the_service_network() {
    case("fc27-no-proxy-gaps", None, &["RD604", "RD605"]);
}

#[test]
fn dind_service_without_privileged() {
    case("dind-service-restricted-v2", None, &["RD703"]);
}

#[test]
fn overwrite_variables_the_config_does_not_allow() {
    case("overwrite-not-allowed", None, &["RD704"]);
}

#[test]
fn ca_in_the_runner_certs_dir_of_job_pods() {
    case("ca-secret-in-job-pods", None, &["RD603"]);
}

#[test]
fn the_clean_set_raises_no_warning_or_error_from_the_catalogue() {
    let dirs = std::fs::read_dir("tests/fixtures/ok").expect("the clean set exists");
    let mut checked = 0;
    let mut builds = 0;
    for dir in dirs {
        let path = dir.unwrap().path();
        let report = run(path.to_str().unwrap(), None);
        let loud: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| CATALOGUE.contains(&d.code) && d.severity >= Severity::Warning)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(loud.is_empty(), "{}: {loud:#?}", path.display());
        // The jobs were really predicted: a silent rule must have had something to look at.
        // (An info about a chart template placeholder still leaves the config readable.)
        assert!(
            !report
                .diagnostics
                .iter()
                .any(|d| d.code.starts_with("RD0") && d.severity >= Severity::Warning),
            "{}",
            path.display()
        );
        // Each image build of the clean set is predicted to work as written, in its admitted pod.
        let analysis = Analysis::new(
            Inputs::load(read_inputs(std::slice::from_ref(&path), 10 << 20)),
            Settings::default(),
        );
        let node = builders::NodeFacts::of(&analysis);
        for (_, job, spec, build) in builders::build_jobs(&analysis) {
            let container = builders::BuildContainer::of(job).expect("an admitted build pod");
            let strategy = builders::as_configured(&build, &container, &node);
            assert!(
                strategy.works(),
                "{}: job `{}`: {strategy:?}",
                path.display(),
                spec.name
            );
            builds += 1;
        }
        checked += 1;
    }
    assert!(checked >= 5);
    assert!(
        builds >= 3,
        "the clean set builds images with several builders"
    );
}

#[test]
fn the_founding_case_says_rootful_podman_cannot_mount_overlay_and_what_works() {
    let report = run("examples/openshift-pvc-cache", None);
    let overlay = report
        .diagnostics
        .iter()
        .find(|d| d.code == "RD501")
        .expect("RD501 on the build-image job");
    assert_eq!(overlay.severity, Severity::Warning);
    assert!(
        overlay.message.contains("job `build-image`"),
        "{}",
        overlay.message
    );
    assert!(
        overlay
            .help
            .as_deref()
            .unwrap_or("")
            .contains("works in this pod"),
        "{:?}",
        overlay.help
    );
    let ca = report
        .diagnostics
        .iter()
        .find(|d| d.code == "RD603")
        .expect("RD603");
    assert!(
        ca.message.contains("`/etc/gitlab-runner/certs/`"),
        "{}",
        ca.message
    );
}
