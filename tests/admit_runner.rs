//! `admit` on the runner's own predicted job pods: the founding case is admitted by its custom
//! SCC; without the binding, `restricted-v2` refuses it and the refusal points at the config.

use std::process::Command;

fn admit(path: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args(["admit", path])
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_examples_job_pod_is_admitted_by_team_runner_build() {
    let (code, out) = admit("examples/openshift-pvc-cache");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("admitted by SCC team-runner-build"), "{out}");
    assert!(
        out.contains(
            "requested by the runner manager `system:serviceaccount:ci-team:gitlab-runner-app-sa`"
        ),
        "{out}"
    );
    // The header's `--as` user is for the objects of the inputs, not for the runner's pods.
    let header = out.lines().next().unwrap_or_default();
    assert!(
        header.contains("the objects of the inputs are requested by `developer`")
            && header.contains("a runner's job pods by its manager"),
        "{header}"
    );
}

#[test]
fn without_the_binding_restricted_v2_refuses_and_points_at_the_config_lines() {
    let (code, out) = admit("tests/fixtures/e2e/openshift-pvc-cache-without-binding");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("provider restricted-v2: .spec.securityContext.fsGroup: Invalid value: []int64{1000}: 1000 is not an allowed group"), "{out}");
    assert!(out.contains("comes from `fs_group = 1000` at tests/fixtures/e2e/openshift-pvc-cache-without-binding/configmap.yaml:36"), "{out}");
    assert!(out.contains("comes from `add = [\"SETFCAP\"]` at tests/fixtures/e2e/openshift-pvc-cache-without-binding/configmap.yaml:52"), "{out}");
}
