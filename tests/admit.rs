//! End-to-end `admit`: the library run over fixture directories, and the binary on the same.

use std::path::{Path, PathBuf};
use std::process::Command;

use runner_doctor::admission::audit::{self, AuditReport, AuditSettings, Platform};
use runner_doctor::model::load::Inputs;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};

const REJECTED: &str = "pods \"cache-\" is forbidden: unable to validate against any security context constraint: [provider \"anyuid\": Forbidden: not usable by user or serviceaccount, provider restricted-v2: .containers[0].runAsUser: Invalid value: 0: must be in the ranges: [1000680000, 1000689999], provider \"restricted\": Forbidden: not usable by user or serviceaccount, provider \"nonroot-v2\": Forbidden: not usable by user or serviceaccount, provider \"nonroot\": Forbidden: not usable by user or serviceaccount, provider \"hostmount-anyuid\": Forbidden: not usable by user or serviceaccount, provider \"hostnetwork-v2\": Forbidden: not usable by user or serviceaccount, provider \"hostnetwork\": Forbidden: not usable by user or serviceaccount, provider \"hostaccess\": Forbidden: not usable by user or serviceaccount, provider \"privileged\": Forbidden: not usable by user or serviceaccount]";

const PSA_REJECTED: &str = "pods \"runner-abc123-project-1-concurrent-0\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (containers \"build\", \"svc-0\" must not set securityContext.privileged=true)";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/admit")
        .join(name)
}

fn run_lib(name: &str, platform: &str) -> AuditReport {
    let inputs = Inputs::load(read_inputs(&[fixture(name)], DEFAULT_MAX_INPUT_SIZE));
    let settings = AuditSettings::new(Platform::parse(platform).expect("platform"));
    audit::audit(&inputs, &settings)
}

fn run_cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .arg("admit")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run runner-doctor");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn restricted_v2_refuses_a_root_deployment_in_process() {
    let report = run_lib("rejected", "openshift-4.14");
    assert_eq!(report.user, "developer");
    assert_eq!(report.items.len(), 1);
    let item = &report.items[0];
    assert_eq!(item.kind.as_str(), "Deployment");
    assert_eq!(item.pod_name, "cache-");
    let scc = item.scc.as_ref().expect("SCC admission ran");
    assert_eq!(scc.error.as_deref(), Some(REJECTED));
    let v2 = scc
        .attempts
        .iter()
        .find(|a| a.scc == "restricted-v2")
        .expect("restricted-v2 tried");
    assert_eq!(v2.result, "failed");
    assert!(!item.admitted());
    assert!(!report.all_admitted());
    // PSA: OpenShift enforces privileged; the namespace's syncer labels warn and audit.
    assert!(item.psa.pod.allowed());
    let warn = item.psa.pod.warning().expect("a warning");
    assert!(
        warn.starts_with("would violate PodSecurity \"restricted:v1.24\": allowPrivilegeEscalation != false (container \"build\" must set securityContext.allowPrivilegeEscalation=false)"),
        "{warn}"
    );
    assert!(
        warn.contains("runAsUser=0 (pod must not set runAsUser=0)"),
        "{warn}"
    );
    assert!(item.psa.template.is_some());
}

#[test]
fn anyuid_through_a_role_binding_admits_in_process() {
    let report = run_lib("anyuid", "openshift-4.14");
    let item = &report.items[0];
    let scc = item.scc.as_ref().expect("SCC admission ran");
    assert_eq!(scc.scc.as_deref(), Some("anyuid"), "{:?}", scc.error);
    assert!(item.admitted());
    let changed: Vec<&str> = scc.mutations.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(
        changed,
        [
            "spec.securityContext.seLinuxOptions.level",
            "spec.containers[0].securityContext.capabilities.drop"
        ]
    );
    assert!(item.psa.after_scc);
}

#[test]
fn kubernetes_runs_psa_only() {
    let report = run_lib("psa-enforce", "kubernetes");
    let item = &report.items[0];
    assert!(item.scc.is_none());
    assert_eq!(item.psa.pod.error(), Some(PSA_REJECTED));
    assert!(!report.all_admitted());
}

#[test]
fn cli_prints_the_rejection_and_exits_1() {
    let dir = fixture("rejected");
    let (code, stdout, stderr) = run_cli(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stdout
            .lines()
            .any(|l| l == format!("  rejected: {REJECTED}")),
        "{stdout}"
    );
    assert!(stdout.contains("    SCC restricted-v2: failed\n      provider restricted-v2: .containers[0].runAsUser: Invalid value: 0: must be in the ranges: [1000680000, 1000689999]\n"), "{stdout}");

    // The runner's ServiceAccount as the requester gets the same answer.
    let (code, stdout, _) = run_cli(&[
        dir.to_str().unwrap(),
        "--serviceaccount",
        "ci/gitlab-runner",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["user"], "system:serviceaccount:ci:gitlab-runner");
    assert_eq!(json["items"][0]["scc"]["error"], REJECTED);
}

#[test]
fn cli_admits_by_anyuid_and_exits_0() {
    let dir = fixture("anyuid");
    let (code, stdout, stderr) = run_cli(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("\n  admitted by SCC anyuid\n    spec.securityContext.seLinuxOptions.level: (unset) -> \"s0:c26,c15\"\n    spec.containers[0].securityContext.capabilities.drop (container \"build\"): (unset) -> [\"MKNOD\"]\n"), "{stdout}");
}

#[test]
fn cli_psa_enforce_exits_1_and_usage_errors_exit_2() {
    let dir = fixture("psa-enforce");
    let (code, stdout, _) = run_cli(&[dir.to_str().unwrap(), "--platform", "kubernetes"]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains(&format!("    enforce baseline:latest: {PSA_REJECTED}\n")),
        "{stdout}"
    );

    let (code, _, stderr) = run_cli(&[dir.to_str().unwrap(), "--serviceaccount", "nope"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is not NS/NAME"), "{stderr}");
    let (code, _, stderr) = run_cli(&[dir.to_str().unwrap(), "--platform", "openshift-3.11"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown platform"), "{stderr}");
    let missing = fixture("does-not-exist");
    let (code, _, _) = run_cli(&[missing.to_str().unwrap()]);
    assert_eq!(code, Some(2));
}
