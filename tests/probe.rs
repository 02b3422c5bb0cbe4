//! The probe pod's manifest (held by a snapshot), the parsing of its log and the comparison
//! with the prediction — none of which needs a cluster. Creating and cleaning up the pod is
//! tested against the loopback server in `tests/live.rs`.

use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::probe;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn example() -> Analysis {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/openshift-pvc-cache");
    Analysis::new(
        Inputs::load(read_inputs(&[dir], 1 << 26)),
        Settings::default(),
    )
}

#[test]
fn probe_pod_manifest() {
    let analysis = example();
    let plan = probe::plan(&analysis, "test0001").unwrap();
    insta::assert_yaml_snapshot!(plan.pod);
    assert_eq!(plan.namespace, "ci-team");
    assert_eq!(plan.container, "helper");
    assert_eq!(plan.volume, "team-runner-cache");
    assert_eq!(plan.mount_path, "/cache");
    // What the example's diagnosis predicts the probe will see.
    let p = &plan.predicted;
    assert_eq!((p.uid, p.gid), (1001, 0));
    assert_eq!(p.groups.iter().copied().collect::<Vec<_>>(), [0, 1000]);
    assert_eq!(p.root.to_string(), "0755 0:0");
    assert!(!p.mkdir);
    assert_eq!(p.scc.as_deref(), Some("team-runner-build"));
}

#[test]
fn probe_pod_is_bounded_labelled_and_holds_no_token() {
    let plan = probe::plan(&example(), "abc123").unwrap();
    let spec = plan.pod.spec.as_ref().unwrap();
    assert_eq!(
        spec.active_deadline_seconds,
        Some(probe::ACTIVE_DEADLINE_SECONDS)
    );
    assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
    assert_eq!(spec.automount_service_account_token, Some(false));
    assert_eq!(spec.containers.len(), 1);
    assert_eq!(spec.volumes.as_ref().map(Vec::len), Some(1));
    let labels = plan.pod.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["app.kubernetes.io/managed-by"], "runner-doctor");
    assert_eq!(labels[probe::RUN_LABEL], "abc123");
    assert_eq!(plan.name(), "runner-doctor-probe-abc123");
}

const LOG: &str = "Pulling…\nrunner-doctor-probe: uid=1001\nrunner-doctor-probe: gid=0\nrunner-doctor-probe: groups=0 1000\nrunner-doctor-probe: root=0:0:755\nrunner-doctor-probe: mkdir=denied mkdir: can't create directory '/cache/.runner-doctor-probe-x': Permission denied\nrunner-doctor-probe: end\n";

#[test]
fn a_log_that_confirms_the_prediction_matches_item_by_item() {
    let plan = probe::plan(&example(), "x").unwrap();
    let mut observed = probe::parse_log(LOG).unwrap();
    assert_eq!(observed.root, Some((0, 0, 0o755)));
    assert!(
        observed
            .mkdir
            .as_ref()
            .unwrap_err()
            .contains("Permission denied")
    );
    observed.scc = Some("team-runner-build".into());
    let items = probe::compare(&plan, &observed);
    let names: Vec<&str> = items.iter().map(|i| i.item).collect();
    assert_eq!(names, ["uid", "gid", "groups", "root", "mkdir", "scc"]);
    assert!(items.iter().all(|i| i.matches), "{items:#?}");
    assert_eq!(
        probe::root_assumption(&plan, &observed),
        Some(("volume.team-runner-cache.root".into(), "0:0:0755".into()))
    );
}

#[test]
fn a_different_identity_and_scc_are_mismatches() {
    let plan = probe::plan(&example(), "x").unwrap();
    let log = LOG
        .replace("uid=1001", "uid=1000680000")
        .replace("groups=0 1000", "groups=0 1000 1000680000");
    let mut observed = probe::parse_log(&log).unwrap();
    observed.scc = Some("restricted-v2".into());
    let items = probe::compare(&plan, &observed);
    let mismatched: Vec<(&str, &str, &str)> = items
        .iter()
        .filter(|i| !i.matches)
        .map(|i| (i.item, i.predicted.as_str(), i.observed.as_str()))
        .collect();
    assert_eq!(
        mismatched,
        [
            ("uid", "1001", "1000680000"),
            ("groups", "0 1000", "0 1000 1000680000"),
            ("scc", "team-runner-build", "restricted-v2")
        ]
    );
}

#[test]
fn a_truncated_or_garbled_log_is_an_error_not_an_observation() {
    let truncated = LOG.replace("runner-doctor-probe: end\n", "");
    assert!(
        probe::parse_log(&truncated)
            .unwrap_err()
            .contains("ends before")
    );
    let garbled = LOG.replace("uid=1001", "uid=abc");
    assert!(
        probe::parse_log(&garbled)
            .unwrap_err()
            .contains("`uid=abc`")
    );
    assert!(probe::parse_log("").is_err());
}

#[test]
fn no_runner_means_no_probe() {
    let analysis = Analysis::new(Inputs::default(), Settings::default());
    assert!(
        probe::plan(&analysis, "x")
            .unwrap_err()
            .contains("no Kubernetes runner")
    );
}
