//! The live-cluster feature against recorded API responses on a loopback server: `gather`,
//! its snapshot, `check --live`, refusals, timeouts, and the probe pod's clean-up.
//!
//! Run with `cargo test --all-features --test live`. The tests that need a real cluster are
//! `#[ignore]`d; run them with a kubeconfig whose current context can read the namespace:
//!
//! ```sh
//! RUNNER_DOCTOR_TEST_NAMESPACE=ci-team cargo test --all-features --test live -- --ignored
//! ```
#![cfg(feature = "cluster")]

#[path = "support/loopback.rs"]
mod loopback;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use loopback::{Loopback, Reply};
use runner_doctor::cluster::gather::{self, ConfigSource, GatherError, Gathered, Target};
use runner_doctor::cluster::probe::{self as live_probe, Cleanup, ProbeError, RunOptions};
use runner_doctor::model::load::Inputs;
use runner_doctor::render::{self, Format, Options};
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

const CASE: &str = "openshift-pvc-cache";
const NS: &str = "ci-team";
/// The runner token in the recorded ConfigMap and Secret: it must never come out.
const CANARY: &str = "glrt-CanaryTok3n0123456789abcdefXYZ";
/// Other secret values in the recorded Secrets (base64 of the token, a registry auth, a CA).
const SECRET_VALUES: &[&str] = &[
    CANARY,
    "Z2xydC1DYW5hcnlUb2szbjAxMjM0NTY3ODlhYmNkZWZYWVo=",
    "Y2FuYXJ5OnBhc3N3b3Jk",
    "MIIcanarycertificate",
];

fn target(source: ConfigSource) -> Target {
    Target {
        namespace: NS.into(),
        source,
        context: None,
    }
}

/// The founding case's deployment: the Operator's `Runner` and the ConfigMap it names.
fn operator_runner() -> ConfigSource {
    ConfigSource::Runner("team".into())
}

fn gather_from(
    server: &Loopback,
    source: ConfigSource,
    timeout: Duration,
) -> Result<Gathered, GatherError> {
    let runtime = runner_doctor::cluster::runtime().unwrap();
    let mut steps = Vec::new();
    let result = runtime.block_on(async {
        let client = runner_doctor::cluster::connect_url(&server.url, Some(timeout))
            .await
            .unwrap();
        gather::gather(&client, &target(source), timeout, &mut |p| {
            steps.push(p.what)
        })
        .await
    });
    assert!(!steps.is_empty(), "gather reports progress");
    result
}

/// The findings as `path:line:col: severity[CODE] message` lines, the path replaced.
fn concise(inputs: Inputs) -> Vec<String> {
    let report = runner_doctor::check(inputs, Settings::default());
    render::render(&report, Format::Concise, &Options::default())
        .lines()
        .map(|l| {
            let (_, rest) = l
                .split_once(".yaml:")
                .or_else(|| l.split_once("ci-team:"))
                .unwrap_or(("", l));
            rest.to_string()
        })
        .collect()
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rd-live-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("snapshot.yaml")
}

#[test]
fn gather_reads_what_the_prediction_needs_and_only_that() {
    let server = Loopback::start(CASE);
    let gathered = gather_from(&server, operator_runner(), Duration::from_secs(10)).unwrap();
    let kinds: Vec<String> = gathered
        .objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "Namespace/ci-team",
        "Runner/team",
        "ConfigMap/team-runner-config",
        "ServiceAccount/default",
        "SecurityContextConstraints/restricted-v2",
        "SecurityContextConstraints/team-runner-build",
        "RoleBinding/team-runner-build-scc",
        "ClusterRole/use-team-runner-build-scc",
        "ClusterRoleBinding/system:openshift:scc:restricted-v2",
        "ClusterRole/system:openshift:scc:restricted-v2",
        "PersistentVolumeClaim/team-runner-cache",
        "PersistentVolume/pvc-5f0c2a7e-2b1d-4c1e-9a55-0d6f3c1b7e21",
        "StorageClass/ocs-storagecluster-cephfs",
        "CSIDriver/openshift-storage.cephfs.csi.ceph.com",
        "ResourceQuota/ci-team-quota",
        "LimitRange/ci-team-limits",
        "Secret/team-runner-token",
    ] {
        assert!(
            kinds.contains(&expected.to_string()),
            "{expected} missing from {kinds:?}"
        );
    }
    // A binding of cluster admins and the roles nothing in the namespace is bound to are left out.
    for unrelated in [
        "ClusterRoleBinding/cluster-admins",
        "ClusterRole/cluster-admin",
        "ClusterRole/view",
    ] {
        assert!(!kinds.contains(&unrelated.to_string()), "{unrelated} read");
    }
    assert!(gathered.refused.is_empty());
    // Every request was a read.
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.starts_with("GET ")),
        "{requests:?}"
    );
    assert!(requests.contains(
        &"GET /api/v1/persistentvolumes/pvc-5f0c2a7e-2b1d-4c1e-9a55-0d6f3c1b7e21".to_string()
    ));
}

#[test]
fn snapshot_checked_offline_gives_the_findings_of_check_live() {
    let server = Loopback::start(CASE);
    let gathered = gather_from(&server, operator_runner(), Duration::from_secs(10)).unwrap();
    let path = temp_file("same");
    std::fs::write(&path, gathered.snapshot()).unwrap();
    let offline = concise(Inputs::load(read_inputs(&[path], 1 << 26)));
    let live = concise(gathered.inputs());
    assert_eq!(offline, live);
    // The founding case's diagnosis, from the recorded cluster: fs_group is a no-op on the
    // CephFS PVC, and the helper cannot create the cache directory.
    let codes = |code: &str| {
        live.iter()
            .filter(|l| l.contains(&format!("[{code}]")))
            .count()
    };
    assert_eq!(codes("RD401"), 1, "{live:#?}");
    assert_eq!(codes("RD402"), 1, "{live:#?}");
    assert!(
        live.iter()
            .any(|l| l.contains("[RD302]") && l.contains("team-runner-build")),
        "{live:#?}"
    );
    // Findings in the embedded config.toml point at its lines in the snapshot.
    let fs_group = live.iter().find(|l| l.contains("[RD401]")).unwrap();
    let line: usize = fs_group.split(':').next().unwrap().parse().unwrap();
    let snapshot = gathered.snapshot();
    assert!(
        snapshot
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("fs_group = 1000"),
        "{fs_group}"
    );
}

#[test]
fn snapshot_and_outputs_never_hold_secret_values() {
    let server = Loopback::start(CASE);
    let gathered = gather_from(&server, operator_runner(), Duration::from_secs(10)).unwrap();
    let snapshot = gathered.snapshot();
    for value in SECRET_VALUES {
        assert!(!snapshot.contains(value), "`{value}` in the snapshot");
    }
    assert!(!snapshot.contains("last-applied-configuration"));
    assert!(!snapshot.contains("managedFields"));
    // The token line is still there, with its value redacted, and still parses as TOML.
    assert!(snapshot.contains("token = \"<redacted>\""), "{snapshot}");
    assert!(snapshot.contains("name: team-runner-token"));
    let inputs = gathered.inputs();
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    assert_eq!(inputs.configs.len(), 1);

    // The binary: gather to standard output, and check --live in every format.
    let bin = env!("CARGO_BIN_EXE_runner-doctor");
    let common = [
        "--namespace",
        NS,
        "--runner",
        "team",
        "--server",
        &server.url,
    ];
    let mut runs = vec![
        Command::new(bin)
            .arg("gather")
            .args(common)
            .output()
            .unwrap(),
    ];
    for format in ["human", "json", "sarif", "gitlab", "junit", "concise"] {
        runs.push(
            Command::new(bin)
                .args(["check", "--live", "--no-config", "--format", format])
                .args(common)
                .output()
                .unwrap(),
        );
    }
    for output in &runs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!text.is_empty());
        for value in SECRET_VALUES {
            assert!(!text.contains(value), "`{value}` in an output");
        }
    }
    assert_eq!(runs[0].status.code(), Some(0));
    // check --live finds the case's error.
    assert_eq!(runs[1].status.code(), Some(1));
    assert!(String::from_utf8_lossy(&runs[1].stdout).contains("error[RD402]"));
}

#[test]
fn a_refused_read_is_named_and_the_rest_is_still_read() {
    let server = Loopback::start(CASE);
    server.route_file(
        "GET",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        403,
        "forbidden-clusterrolebindings.json",
    );
    server.route_file(
        "GET",
        "/api/v1/namespaces/ci-team/secrets",
        403,
        "forbidden-secrets.json",
    );
    let gathered = gather_from(&server, operator_runner(), Duration::from_secs(10)).unwrap();
    let refused: Vec<String> = gathered.refused.iter().map(ToString::to_string).collect();
    assert_eq!(
        refused,
        [
            "`list` `clusterrolebindings.rbac.authorization.k8s.io` (cluster-wide)",
            "`list` `secrets` in namespace `ci-team`"
        ]
    );
    // The other reads went on: the PVC and its PV are there.
    assert!(
        gathered
            .objects
            .iter()
            .any(|o| o["kind"] == "PersistentVolume")
    );
    let findings = concise(gathered.inputs());
    let rd007: Vec<&String> = findings.iter().filter(|l| l.contains("[RD007]")).collect();
    assert_eq!(rd007.len(), 2, "{findings:#?}");
    assert!(
        rd007[0].contains(
            "refused to `list` `clusterrolebindings.rbac.authorization.k8s.io` cluster-wide"
        ),
        "{}",
        rd007[0]
    );
    assert!(rd007[1].contains("in namespace `ci-team`"), "{}", rd007[1]);
    // The same finding offline, from the snapshot.
    let path = temp_file("refused");
    std::fs::write(&path, gathered.snapshot()).unwrap();
    let offline = concise(Inputs::load(read_inputs(&[path], 1 << 26)));
    assert_eq!(offline, findings);

    // The binary names the permission on standard error, and exits 1 (a finding).
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "check",
            "--live",
            "--no-config",
            "--format",
            "concise",
            "--namespace",
            NS,
        ])
        .args(["--runner", "team", "--server", &server.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refused `list` `secrets` in namespace `ci-team`")
            && stderr.contains("deploy/in-cluster/clusterrole.yaml"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_api_server_that_does_not_answer_stops_gather_with_the_request_named() {
    let server = Loopback::start(CASE);
    server.route(
        "GET",
        "/api/v1/namespaces/ci-team/persistentvolumeclaims",
        Reply::Hang,
    );
    let started = std::time::Instant::now();
    let err = gather_from(&server, operator_runner(), Duration::from_secs(1)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(err, GatherError::Timeout { verb: "list", .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("`list persistentvolumeclaims` within 1 s"),
        "{err}"
    );
    // The binary: a usage/unreadable-input error (2), nothing on standard output.
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "gather",
            "--namespace",
            NS,
            "--timeout",
            "1",
            "--server",
            &server.url,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("did not answer"));
}

#[test]
fn a_missing_namespace_or_config_map_is_an_error() {
    let server = Loopback::start(CASE);
    let err = gather_from(
        &server,
        ConfigSource::ConfigMap("nope".into()),
        Duration::from_secs(5),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ConfigMap `nope` does not exist in namespace `ci-team`"
    );
    server.route_file("GET", "/api/v1/namespaces/ci-team", 404, "notfound.json");
    let err = gather_from(&server, operator_runner(), Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.to_string(), "namespace `ci-team` does not exist");
}

#[test]
fn discovery_finds_the_config_map_and_notes_an_absent_operator() {
    let server = Loopback::start(CASE);
    server.route_file(
        "GET",
        "/api/v1/namespaces/ci-team/configmaps",
        200,
        "configmaps.json",
    );
    let gathered = gather_from(&server, ConfigSource::Discover, Duration::from_secs(5)).unwrap();
    let maps: Vec<&str> = gathered
        .objects
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    // The runner's config is kept, the namespace's CA bundle is not.
    assert_eq!(maps, ["team-runner-config"]);
    assert_eq!(gathered.not_served, ["runners.apps.gitlab.com"]);
}

/// The probe plan for the recorded case, with a fixed run id.
fn probe_plan(server: &Loopback) -> (Gathered, runner_doctor::probe::ProbePlan) {
    let gathered = gather_from(server, operator_runner(), Duration::from_secs(10)).unwrap();
    let analysis = runner_doctor::analysis::Analysis::new(gathered.inputs(), Settings::default());
    let plan = runner_doctor::probe::plan(&analysis, "test0001").unwrap();
    (gathered, plan)
}

const POD_PATH: &str = "/api/v1/namespaces/ci-team/pods/runner-doctor-probe-test0001";

fn pod_json(phase: &str, scc: &str) -> String {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "runner-doctor-probe-test0001", "namespace": NS, "annotations": {"openshift.io/scc": scc}},
        "spec": {"containers": [{"name": "probe", "image": "x"}]},
        "status": {"phase": phase}
    })
    .to_string()
}

fn run_probe(
    server: &Loopback,
    plan: &runner_doctor::probe::ProbePlan,
    interrupted: bool,
) -> (Result<live_probe::ProbeRun, ProbeError>, Cleanup) {
    let runtime = runner_doctor::cluster::runtime().unwrap();
    let options = RunOptions {
        wait: Duration::from_secs(2),
        poll: Duration::from_millis(200),
        request_timeout: Duration::from_secs(2),
    };
    runtime.block_on(async {
        let client = runner_doctor::cluster::connect_url(&server.url, Some(Duration::from_secs(5)))
            .await
            .unwrap();
        live_probe::run(
            &client,
            plan,
            &options,
            Arc::new(AtomicBool::new(interrupted)),
        )
        .await
    })
}

fn deletes(server: &Loopback) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| *r == &format!("DELETE {POD_PATH}"))
        .count()
}

#[test]
fn a_probe_pod_that_never_finishes_is_deleted() {
    let server = Loopback::start(CASE);
    let (_, plan) = probe_plan(&server);
    server.route("POST", "/api/v1/namespaces/ci-team/pods", Reply::Echo(201));
    server.route(
        "GET",
        POD_PATH,
        Reply::Json(200, pod_json("Pending", "team-runner-build")),
    );
    server.route(
        "DELETE",
        POD_PATH,
        Reply::Json(200, pod_json("Pending", "team-runner-build")),
    );
    let (outcome, cleanup) = run_probe(&server, &plan, false);
    assert!(
        matches!(outcome, Err(ProbeError::TimedOut(2, ref phase)) if phase == "Pending"),
        "{outcome:?}"
    );
    assert_eq!(cleanup, Cleanup::Deleted);
    assert_eq!(deletes(&server), 1);
}

#[test]
fn a_probe_interrupted_by_ctrl_c_is_deleted() {
    let server = Loopback::start(CASE);
    let (_, plan) = probe_plan(&server);
    server.route("POST", "/api/v1/namespaces/ci-team/pods", Reply::Echo(201));
    server.route(
        "DELETE",
        POD_PATH,
        Reply::Json(200, pod_json("Running", "team-runner-build")),
    );
    let (outcome, cleanup) = run_probe(&server, &plan, true);
    assert!(
        matches!(outcome, Err(ProbeError::Interrupted)),
        "{outcome:?}"
    );
    assert_eq!(cleanup, Cleanup::Deleted);
    assert_eq!(deletes(&server), 1);
}

#[test]
fn a_probe_pod_whose_status_cannot_be_read_is_still_deleted_and_a_failed_delete_is_said() {
    let server = Loopback::start(CASE);
    let (_, plan) = probe_plan(&server);
    server.route("POST", "/api/v1/namespaces/ci-team/pods", Reply::Echo(201));
    server.route("GET", POD_PATH, Reply::Hang);
    server.route_file("DELETE", POD_PATH, 403, "forbidden-secrets.json");
    let (outcome, cleanup) = run_probe(&server, &plan, false);
    assert!(
        matches!(outcome, Err(ProbeError::Request(_))),
        "{outcome:?}"
    );
    assert!(
        matches!(cleanup, Cleanup::Failed(ref why) if why.contains("403")),
        "{cleanup:?}"
    );
    assert_eq!(deletes(&server), 1);
}

#[test]
fn a_refused_probe_pod_is_not_deleted_as_it_was_never_created() {
    let server = Loopback::start(CASE);
    let (_, plan) = probe_plan(&server);
    server.route_file(
        "POST",
        "/api/v1/namespaces/ci-team/pods",
        403,
        "forbidden-secrets.json",
    );
    let (outcome, cleanup) = run_probe(&server, &plan, false);
    assert!(
        matches!(outcome, Err(ProbeError::Create(ref why)) if why.contains("forbidden")),
        "{outcome:?}"
    );
    assert_eq!(cleanup, Cleanup::NotCreated);
    assert_eq!(deletes(&server), 0);
}

#[test]
fn a_finished_probe_is_read_compared_and_deleted() {
    let server = Loopback::start(CASE);
    let (gathered, plan) = probe_plan(&server);
    server.route("POST", "/api/v1/namespaces/ci-team/pods", Reply::Echo(201));
    server.route(
        "GET",
        POD_PATH,
        Reply::Json(200, pod_json("Succeeded", "team-runner-build")),
    );
    // Someone ran `chmod 777 /cache` once: the root is not the fresh one the model assumed.
    let log = "runner-doctor-probe: uid=1001\nrunner-doctor-probe: gid=0\nrunner-doctor-probe: groups=0 1000\nrunner-doctor-probe: root=0:0:777\nrunner-doctor-probe: mkdir=ok\nrunner-doctor-probe: end\n";
    server.route(
        "GET",
        &format!("{POD_PATH}/log"),
        Reply::Text(200, log.into()),
    );
    server.route(
        "DELETE",
        POD_PATH,
        Reply::Json(200, pod_json("Succeeded", "team-runner-build")),
    );
    let (outcome, cleanup) = run_probe(&server, &plan, false);
    let run = outcome.unwrap();
    assert_eq!(cleanup, Cleanup::Deleted);
    assert_eq!(deletes(&server), 1);
    assert_eq!(run.scc.as_deref(), Some("team-runner-build"));
    let mut observed = runner_doctor::probe::parse_log(&run.log).unwrap();
    observed.scc = run.scc.clone();
    let report = runner_doctor::probe::report(&plan, observed.clone());
    let mismatched: Vec<&str> = report
        .items
        .iter()
        .filter(|i| !i.matches)
        .map(|i| i.item)
        .collect();
    assert_eq!(mismatched, ["root", "mkdir"], "{:#?}", report.items);
    // Fed back: the mismatches are findings, and the cache is no longer predicted unwritable.
    let mut settings = Settings::default();
    settings
        .assume
        .push(runner_doctor::probe::root_assumption(&plan, &observed).unwrap());
    let mut inputs = gathered.inputs();
    inputs.probes.push(report);
    let findings = concise(inputs);
    let rd407: Vec<&String> = findings.iter().filter(|l| l.contains("[RD407]")).collect();
    assert_eq!(rd407.len(), 2, "{findings:#?}");
    assert!(rd407[0].contains("observed the cache volume root (uid:gid:mode) as `0:0:0777` where runner-doctor predicted `0:0:0755`"), "{}", rd407[0]);
    let concise_without = concise(gathered.inputs());
    assert!(concise_without.iter().any(|l| l.contains("[RD402]")));
    let report = runner_doctor::check(
        {
            let mut inputs = gathered.inputs();
            inputs.probes.clear();
            inputs
        },
        settings,
    );
    assert!(
        !report.diagnostics.iter().any(|d| d.code == "RD402"),
        "the observed root makes the cache writable"
    );
}

#[test]
fn the_probe_command_is_a_dry_run_without_yes() {
    let server = Loopback::start(CASE);
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "probe",
            "--namespace",
            NS,
            "--runner",
            "team",
            "--server",
            &server.url,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let manifest = String::from_utf8_lossy(&output.stdout);
    for line in [
        "kind: Pod",
        "activeDeadlineSeconds: 120",
        "app.kubernetes.io/managed-by: runner-doctor",
        "claimName: team-runner-cache",
        "serviceAccountName: default",
    ] {
        assert!(manifest.contains(line), "{line} missing from {manifest}");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("dry run, nothing was created"));
    assert!(
        server.requests().iter().all(|r| r.starts_with("GET ")),
        "{:?}",
        server.requests()
    );
}

#[test]
fn the_probe_command_with_yes_runs_compares_feeds_back_and_deletes() {
    let server = Loopback::start(CASE);
    let pod = "/api/v1/namespaces/ci-team/pods/*";
    server.route("POST", "/api/v1/namespaces/ci-team/pods", Reply::Echo(201));
    server.route(
        "GET",
        pod,
        Reply::Json(200, pod_json("Succeeded", "team-runner-build")),
    );
    let log = "runner-doctor-probe: uid=1001\nrunner-doctor-probe: gid=0\nrunner-doctor-probe: groups=0 1000\nrunner-doctor-probe: root=0:0:777\nrunner-doctor-probe: mkdir=ok\nrunner-doctor-probe: end\n";
    server.route("GET", &format!("{pod}/log"), Reply::Text(200, log.into()));
    server.route(
        "DELETE",
        pod,
        Reply::Json(200, pod_json("Succeeded", "team-runner-build")),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "probe",
            "--yes",
            "--format",
            "concise",
            "--namespace",
            NS,
            "--runner",
            "team",
        ])
        .args(["--server", &server.url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("deleted pod `runner-doctor-probe-"),
        "{stderr}"
    );
    assert!(stderr.contains("root    predicted 0:0:0755"), "{stderr}");
    assert_eq!(stdout.matches("[RD407]").count(), 2, "{stdout}");
    // The observed 0777 root was fed back: the helper can create the cache directory.
    assert!(!stdout.contains("[RD402]"), "{stdout}");
    assert_eq!(output.status.code(), Some(1));
    let requests = server.requests();
    let deletes = requests
        .iter()
        .filter(|r| r.starts_with("DELETE /api/v1/namespaces/ci-team/pods/runner-doctor-probe-"))
        .count();
    assert_eq!(deletes, 1, "{requests:?}");
}

/// Needs a real cluster: see the module's doc for the command.
#[test]
#[ignore = "needs a cluster: RUNNER_DOCTOR_TEST_NAMESPACE=ns cargo test --all-features --test live -- --ignored"]
fn real_cluster_gather_and_check_live_agree() {
    let namespace =
        std::env::var("RUNNER_DOCTOR_TEST_NAMESPACE").expect("RUNNER_DOCTOR_TEST_NAMESPACE");
    let runtime = runner_doctor::cluster::runtime().unwrap();
    let client = runtime
        .block_on(runner_doctor::cluster::connect(&Default::default()))
        .unwrap();
    let target = Target {
        namespace,
        source: ConfigSource::Discover,
        context: None,
    };
    let gathered = runtime
        .block_on(gather::gather(
            &client,
            &target,
            Duration::from_secs(20),
            &mut |_| {},
        ))
        .unwrap();
    assert!(gathered.objects.iter().any(|o| o["kind"] == "Namespace"));
    let path = temp_file("real");
    std::fs::write(&path, gathered.snapshot()).unwrap();
    assert_eq!(
        concise(Inputs::load(read_inputs(&[path], 1 << 26))),
        concise(gathered.inputs())
    );
}

/// Needs a real cluster where you may create pods in the namespace; creates and deletes one.
#[test]
#[ignore = "needs a cluster: RUNNER_DOCTOR_TEST_NAMESPACE=ns RUNNER_DOCTOR_TEST_CONFIG_MAP=name cargo test --all-features --test live -- --ignored"]
fn real_cluster_probe_cleans_up() {
    let namespace =
        std::env::var("RUNNER_DOCTOR_TEST_NAMESPACE").expect("RUNNER_DOCTOR_TEST_NAMESPACE");
    let config_map =
        std::env::var("RUNNER_DOCTOR_TEST_CONFIG_MAP").expect("RUNNER_DOCTOR_TEST_CONFIG_MAP");
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "probe",
            "--yes",
            "--namespace",
            &namespace,
            "--config-map",
            &config_map,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("deleted pod"), "{stderr}");
}

/// The shipped roles grant exactly the reads `gather` makes: every one, and nothing more.
#[test]
fn the_shipped_cluster_roles_grant_exactly_the_reads_of_gather() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/in-cluster");
    let inputs = Inputs::load(read_inputs(&[dir.join("clusterrole.yaml")], 1 << 20));
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let mut granted = std::collections::BTreeSet::new();
    for (_, role) in inputs.cluster.cluster_roles() {
        let name = role.metadata.name.clone().unwrap();
        for rule in role.rules.iter().flatten() {
            for group in rule.api_groups.iter().flatten() {
                for resource in rule.resources.iter().flatten() {
                    for verb in &rule.verbs {
                        granted.insert((
                            name.clone(),
                            group.clone(),
                            resource.clone(),
                            verb.clone(),
                        ));
                    }
                }
            }
        }
    }
    let mut needed = std::collections::BTreeSet::new();
    for read in gather::READS {
        // Namespaced reads are bound in the runner namespace only.
        let role = if read.namespaced {
            "runner-doctor-namespace-reader"
        } else {
            "runner-doctor-reader"
        };
        for verb in read.verbs {
            needed.insert((
                role.to_string(),
                read.group.to_string(),
                read.plural.to_string(),
                verb.to_string(),
            ));
        }
    }
    assert_eq!(granted, needed);
    // The CronJob runs check --live with JSON findings, as the ServiceAccount the bindings name.
    let cron = std::fs::read_to_string(dir.join("cronjob.yaml")).unwrap();
    for arg in [
        "- check",
        "- --live",
        "- json",
        "serviceAccountName: runner-doctor",
    ] {
        assert!(cron.contains(arg), "{arg}");
    }
    let bindings = std::fs::read_to_string(dir.join("bindings.yaml")).unwrap();
    assert!(
        bindings.contains("name: runner-doctor-namespace-reader")
            && bindings.contains("kind: RoleBinding")
    );
}
