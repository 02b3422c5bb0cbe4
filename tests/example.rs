//! The founding case end to end: `check` on the bundled example and on its variants, held by
//! snapshots of the human output, plus the model facts the diagnosis rests on.

use std::process::Command;

use runner_doctor::access::Reason;
use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

const EXAMPLE: &str = "examples/openshift-pvc-cache";
const WITHOUT_BINDING: &str = "tests/fixtures/e2e/openshift-pvc-cache-without-binding";

fn load(path: &str) -> Inputs {
    Inputs::load(read_inputs(&[path.into()], 10 << 20))
}

fn settings(assume: &[(&str, &str)]) -> Settings {
    Settings {
        assume: assume
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    }
}

fn human(path: &str, assume: &[(&str, &str)]) -> (String, Vec<&'static str>) {
    let report = runner_doctor::check(load(path), settings(assume));
    let codes = report.diagnostics.iter().map(|d| d.code).collect();
    (runner_doctor::render::human::render(&report, false), codes)
}

#[test]
fn the_example_explains_the_cache_failure() {
    let (out, codes) = human(EXAMPLE, &[]);
    for code in ["RD302", "RD401", "RD402", "RD701"] {
        assert!(codes.contains(&code), "{code} missing:\n{out}");
    }
    assert!(
        !codes.contains(&"RD301"),
        "the custom SCC admits the pod:\n{out}"
    );
    insta::assert_snapshot!("example_human", out);
}

#[test]
fn without_the_binding_restricted_v2_refuses_the_pod_in_openshifts_words() {
    let (out, codes) = human(WITHOUT_BINDING, &[]);
    assert!(codes.contains(&"RD301"), "{out}");
    assert!(out.contains(
        "provider restricted-v2: .spec.securityContext.fsGroup: Invalid value: []int64{1000}: 1000 is not an allowed group, provider restricted-v2: .containers[0].capabilities.add: Invalid value: \"SETFCAP\": capability may not be added"
    ), "{out}");
    // The refusal points at the two config lines that produced the refused fields.
    assert!(
        out.contains(
            "36 |           fs_group = 1000\n   |           ^^^^^^^^^^^^^^^ restricted-v2"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "52 |         add = [\"SETFCAP\"]\n   |         ----------------- restricted-v2"
        ),
        "{out}"
    );
    insta::assert_snapshot!("without_binding_human", out);
}

#[test]
fn the_prediction_matches_the_founding_case() {
    let analysis = Analysis::new(load(EXAMPLE), Settings::default());
    assert_eq!(analysis.predictions.len(), 1);
    let prediction = &analysis.predictions[0];
    assert_eq!(prediction.namespace, "ci-team");
    let usable: Vec<&str> = prediction
        .usable_sccs
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(usable, ["team-runner-build", "restricted-v2"]);

    let job = prediction.representative();
    let pod = job.pod.as_ref().expect("the runner builds a pod");
    let spec = pod.pod.spec.as_ref().expect("spec");
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["build", "helper"]);
    let init: Vec<&str> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(init, ["init-permissions"]);
    assert_eq!(spec.service_account_name.as_deref(), Some("default"));

    let admission = job.admission.as_ref().expect("OpenShift admission");
    assert_eq!(admission.scc(), Some("team-runner-build"));

    let access = job.access.as_ref().expect("access view");
    let helper = &access.identities["helper"];
    assert_eq!((helper.uid, helper.gid), (1001, 0));
    assert!(helper.groups.contains(&1000));
    assert_eq!(access.identities["build"].uid, 0);
    let cache = access.cache.as_ref().expect("the cache is on the PVC");
    assert_eq!(
        (cache.container.as_str(), cache.volume.as_str()),
        ("helper", "team-runner-cache")
    );
    assert_eq!(cache.root.to_string(), "0755 0:0");
    assert!(!cache.verdict.allowed);
    assert_eq!(cache.verdict.reason, Reason::Group);
    assert_eq!(cache.verdict.missing.as_deref(), Some("g+w"));
    // The build container (root with CAP_DAC_OVERRIDE) can write the root.
    let build_row = access
        .mounts
        .iter()
        .find(|m| m.container == "build" && m.volume == "team-runner-cache")
        .expect("build mounts the cache");
    assert!(build_row.write.as_ref().is_some_and(|v| v.allowed));
}

#[test]
fn after_chmod_777_the_helper_can_write_and_build_still_can() {
    let assume = [("volume.team-runner-cache.root", "0:0:0777")];
    let analysis = Analysis::new(load(EXAMPLE), settings(&assume));
    let access = analysis.predictions[0]
        .representative()
        .access
        .clone()
        .expect("access");
    assert!(
        access
            .assumptions
            .iter()
            .any(|a| a.key == "volume.team-runner-cache.root"
                && a.value == "0777 0:0"
                && a.origin == "given with --assume")
    );
    let cache = access.cache.expect("cache");
    assert!(cache.verdict.allowed, "{:?}", cache.verdict);
    // The helper runs in group 0 (no passwd entry), so the group class decides.
    assert_eq!(cache.verdict.reason, Reason::Group);
    let (out, codes) = human(EXAMPLE, &assume);
    assert!(!codes.contains(&"RD402"), "{out}");
}

#[test]
fn the_cli_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_runner-doctor");
    let status = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(status(&["check", EXAMPLE]), Some(1));
    assert_eq!(status(&["check", EXAMPLE, "--fail-on", "never"]), Some(0));
    assert_eq!(status(&["check", EXAMPLE, "--fail-on", "error"]), Some(1));
    assert_eq!(status(&["check", "tests/fixtures/does-not-exist"]), Some(2));
    assert_eq!(
        status(&["check", "--platform", "openshift-x", EXAMPLE]),
        Some(2)
    );
    let json = Command::new(bin)
        .args(["check", EXAMPLE, "--format", "json"])
        .output()
        .expect("runs");
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    let text = value.to_string();
    for code in ["RD401", "RD402", "RD701"] {
        assert!(text.contains(code), "{code} not in JSON");
    }
}

#[test]
fn bad_inputs_are_diagnostics_and_the_rest_is_checked() {
    let (out, codes) = human("tests/fixtures/bad-inputs", &[]);
    // Neither YAML nor TOML, a ConfigMap whose TOML does not parse, an unknown kind: each is
    // reported at its file and line, and the valid config is still checked.
    assert!(
        out.contains("--> tests/fixtures/bad-inputs/garbage.yaml:2:"),
        "{out}"
    );
    assert!(
        out.contains("--> tests/fixtures/bad-inputs/broken-configmap.yaml:8:13"),
        "{out}"
    );
    assert!(
        out.contains("--> tests/fixtures/bad-inputs/widget.yaml:2:1"),
        "{out}"
    );
    for code in ["RD002", "RD003", "RD020"] {
        assert!(codes.contains(&code), "{code}:\n{out}");
    }
    let bin = env!("CARGO_BIN_EXE_runner-doctor");
    let run = |path: &str| {
        Command::new(bin)
            .args(["check", path])
            .output()
            .expect("runs")
    };
    assert_eq!(run("tests/fixtures/bad-inputs").status.code(), Some(1));
    // Nothing usable at all: exit 2, with the diagnostic still printed.
    let only_garbage = run("tests/fixtures/bad-inputs/garbage.yaml");
    assert_eq!(only_garbage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&only_garbage.stdout).contains("garbage.yaml:2:"));
}
