//! The `access` matrix on the founding case and on the field cases FC01, FC05 and FC10, held by
//! snapshots, with the verdicts that matter asserted directly.

use runner_doctor::analysis::Analysis;
use runner_doctor::analysis::stages::StepAccess;
use runner_doctor::model::load::Inputs;
use runner_doctor::render::access;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn matrix(
    path: &str,
    job: Option<&str>,
    platform: Option<&str>,
    assume: &[(&str, &str)],
) -> access::AccessReport {
    let settings = Settings {
        platform: platform.map(str::to_string),
        assume: assume
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    };
    let inputs = Inputs::load(read_inputs(&[path.into()], 10 << 20));
    access::report(&Analysis::new(inputs, settings), job)
}

fn step<'a>(report: &'a access::AccessReport, stage: &str, action: &str) -> &'a StepAccess {
    report.runners[0]
        .stages
        .iter()
        .find(|s| s.stage == stage && s.action.starts_with(action))
        .unwrap_or_else(|| panic!("no {stage} / {action} row"))
}

#[test]
fn the_example_before_and_after_chmod_777() {
    let before = matrix("examples/openshift-pvc-cache", Some("build-jar"), None, &[]);
    let create = step(&before, "archive_cache", "create the cache directory");
    assert_eq!(
        (create.container.as_str(), create.path.as_str()),
        ("helper", "/cache")
    );
    assert_eq!(
        (create.allowed, create.reason, create.missing.as_deref()),
        (false, "group", Some("g+w"))
    );
    let build = before.runners[0]
        .mounts
        .iter()
        .find(|m| m.container == "build" && m.mount_path == "/cache")
        .expect("build mounts /cache");
    assert_eq!(build.write.as_deref(), Some("yes (dac_override)"));
    insta::assert_snapshot!("example_before", access::human(&before));

    let after = matrix(
        "examples/openshift-pvc-cache",
        Some("build-jar"),
        None,
        &[("volume.team-runner-cache.root", "0:0:0777")],
    );
    assert!(step(&after, "archive_cache", "create the cache directory").allowed);
    assert!(step(&after, "archive_cache", "write `cache.zip`").allowed);
    assert!(
        step(
            &after,
            "restore_cache",
            "read the previous job's cache archive"
        )
        .allowed
    );
    let build = after.runners[0]
        .mounts
        .iter()
        .find(|m| m.container == "build" && m.mount_path == "/cache")
        .expect("build mounts /cache");
    assert_eq!(build.write.as_deref(), Some("yes (dac_override)"));
    insta::assert_snapshot!("example_after", access::human(&after));
}

#[test]
fn fc01_fc10_a_non_root_build_image_writes_through_the_helpers_umask() {
    let r = matrix(
        "tests/fixtures/access/fc01-fc05-non-root-build-image",
        Some("scan"),
        Some("kubernetes"),
        &[],
    );
    let build = r.runners[0]
        .identities
        .iter()
        .find(|i| i.container == "build")
        .expect("build");
    assert_eq!(build.uid, 1000);
    // FC10: what the helper checks out under `umask 0000` is world-writable…
    let modify = step(&r, "step_script", "modify a checked-out file");
    assert_eq!(modify.target, "0666 0:0");
    // …which is the only reason the non-root build user can work in it (FC01).
    assert!(modify.allowed);
    // Without a volume at the cache directory the archive goes with the pod.
    let restore = step(&r, "restore_cache", "read the previous job's cache archive");
    assert_eq!((restore.allowed, restore.reason), (false, "ephemeral"));
    insta::assert_snapshot!("fc01", access::human(&r));
}

#[test]
fn fc01_with_the_disable_umask_flag_the_helper_chowns_instead() {
    let r = matrix(
        "tests/fixtures/access/fc01-disable-umask-flag",
        Some("scan"),
        Some("kubernetes"),
        &[],
    );
    let modify = step(&r, "step_script", "modify a checked-out file");
    assert_eq!(
        (modify.target.as_str(), modify.reason),
        ("0644 1000:0", "owner")
    );
    assert!(modify.allowed);
    // Before 17.11 the flag kept the wrapper and chowned nothing: the files stay root's.
    let settings = Settings {
        platform: Some("kubernetes".into()),
        runner_version: Some(semver::Version::new(17, 10, 0)),
        ..Settings::default()
    };
    let inputs = Inputs::load(read_inputs(
        &["tests/fixtures/access/fc01-disable-umask-flag".into()],
        10 << 20,
    ));
    let old = access::report(&Analysis::new(inputs, settings), Some("scan"));
    let modify = step(&old, "step_script", "modify a checked-out file");
    assert_ne!(modify.reason, "owner", "{modify:?}");
}

#[test]
fn fc05_restored_cache_directories_are_not_writable_by_the_build_user() {
    let r = matrix(
        "tests/fixtures/access/fc05-restored-cache-read-only",
        Some("scan"),
        Some("kubernetes"),
        &[],
    );
    let restored = step(&r, "step_script", "create a file in a restored directory");
    assert_eq!(restored.target, "0755 0:0");
    assert_eq!(
        (restored.allowed, restored.missing.as_deref()),
        (false, Some("g+w"))
    );
    insta::assert_snapshot!("fc05", access::human(&r));
}

#[test]
fn the_cli_prints_the_matrix_as_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args(["access", "examples/openshift-pvc-cache", "--format", "json", "--image-user", "registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-helper-ocp:v19.4.0=0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let helper = v["runners"][0]["identities"]
        .as_array()
        .and_then(|ids| ids.iter().find(|i| i["container"] == "helper"))
        .expect("helper identity");
    // `--image-user` overrides the knowledge base: the helper is now root.
    assert_eq!(helper["uid"], 0);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "access",
            "examples/openshift-pvc-cache",
            "--image-user",
            "alpine=root",
        ])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}
