use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;

#[derive(serde::Deserialize)]
struct Case {
    level: String,
    #[serde(default)]
    version: Option<String>,
    pod: serde_json::Value,
    expect: Option<String>,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/psa")
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every fixture file: one per control (named by the upstream check ID), each case's exact
/// enforce message.
#[test]
fn fixtures_give_the_exact_enforce_message() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut controls = Vec::new();
    let mut cases = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let list: Vec<Case> =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, case) in list.into_iter().enumerate() {
            let pod: Pod = serde_json::from_value(case.pod)
                .unwrap_or_else(|e| panic!("{} case {i}: {e}", path.display()));
            let mut l = labels(&[(ENFORCE_LABEL, &case.level)]);
            if let Some(v) = &case.version {
                l.insert(ENFORCE_VERSION_LABEL.into(), v.clone());
            }
            let (policy, errors) = Policy::from_labels(Some(&l), Policy::privileged());
            assert!(errors.is_empty(), "{errors:?}");
            let out = check_pod(&pod, &policy, true);
            assert_eq!(
                out.error(),
                case.expect.as_deref(),
                "{} case {i}",
                path.display()
            );
            cases += 1;
        }
        controls.push(path.file_stem().unwrap().to_string_lossy().into_owned());
    }
    // A fixture for every control of both levels.
    for id in check_ids(Level::Restricted, LATEST_POLICY_MINOR)
        .into_iter()
        .chain(check_ids(Level::Baseline, LATEST_POLICY_MINOR))
    {
        assert!(controls.iter().any(|c| c == id), "no fixture for {id}");
    }
    assert!(cases >= 30, "{cases} cases");
}

#[test]
fn check_order_follows_the_registry() {
    assert_eq!(
        check_ids(Level::Restricted, LATEST_POLICY_MINOR),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    assert_eq!(check_ids(Level::Baseline, LATEST_POLICY_MINOR).len(), 11);
    assert!(check_ids(Level::Privileged, LATEST_POLICY_MINOR).is_empty());
    // Before v1.22 restricted still runs the baseline capabilities check.
    let v21 = check_ids(Level::Restricted, 21);
    assert!(v21.contains(&"capabilities_baseline"));
    assert!(!v21.contains(&"capabilities_restricted"));
}

#[test]
fn labels_parse_as_policy_to_evaluate() {
    // An enforce label raises warn to the same level and version.
    let (p, e) = Policy::from_labels(
        Some(&labels(&[
            (ENFORCE_LABEL, "baseline"),
            (ENFORCE_VERSION_LABEL, "v1.24"),
        ])),
        Policy::privileged(),
    );
    assert!(e.is_empty());
    assert_eq!(p.enforce.to_string(), "baseline:v1.24");
    assert_eq!(p.warn.to_string(), "baseline:v1.24");
    assert_eq!(p.audit.to_string(), "privileged:latest");

    // Invalid values: enforce fails closed, warn and audit open, versions become latest.
    let (p, e) = Policy::from_labels(
        Some(&labels(&[
            (ENFORCE_LABEL, "strict"),
            (WARN_LABEL, "nope"),
            (AUDIT_VERSION_LABEL, "1.25"),
        ])),
        Policy::openshift_default(),
    );
    assert_eq!(p.enforce.level, Level::Restricted);
    assert_eq!(p.warn.level, Level::Privileged);
    assert_eq!(p.audit.to_string(), "restricted:latest");
    let keys: Vec<&str> = e.iter().map(|x| x.label.as_str()).collect();
    assert_eq!(keys, [ENFORCE_LABEL, AUDIT_VERSION_LABEL, WARN_LABEL]);

    assert_eq!(Version::parse("v1.033"), None);
    assert_eq!(Version::parse("v1.0"), Some(Version::V1(0)));
    assert_eq!(Version::parse("v2.1"), None);
    assert_eq!(Version::V1(40).policy_minor(), LATEST_POLICY_MINOR);
}

#[test]
fn warn_and_audit_messages_and_the_server_suppressing_warnings_on_rejection() {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "job"},
        "spec": {"containers": [{"name": "build", "image": "ruby"}]}}))
    .expect("pod");
    let out = check_pod(&pod, &Policy::openshift_default(), true);
    assert!(out.allowed());
    let expected = "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"build\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"build\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"build\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"build\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";
    assert_eq!(out.warning(), Some(expected));
    assert_eq!(out.audit_annotation(), Some(expected));

    let rejected = check_pod(&pod, &Policy::uniform(Level::Restricted), true);
    assert!(!rejected.allowed());
    assert_eq!(rejected.warning(), None);
    assert_eq!(rejected.audit_annotation(), Some(expected));

    // Pod controllers are not enforced.
    let template = check_pod(&pod, &Policy::uniform(Level::Restricted), false);
    assert!(template.allowed());
    assert!(template.enforce.is_none());
}

#[test]
fn user_namespace_pods_are_relaxed_only_with_the_feature_gate() {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "job"},
        "spec": {"hostUsers": false,
                 "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                 "containers": [{"name": "build", "image": "ruby", "securityContext": {
                     "runAsUser": 0, "procMount": "Unmasked", "allowPrivilegeEscalation": false,
                     "capabilities": {"drop": ["ALL"]}}}]}}))
    .expect("pod");
    let spec = pod.spec.as_ref().expect("spec");
    let lv = LevelVersion::latest(Level::Restricted);
    let strict: Vec<&str> = evaluate(lv, &pod.metadata, spec, EvalOptions::default())
        .iter()
        .map(|v| v.check)
        .collect();
    assert_eq!(strict, ["procMount", "runAsNonRoot", "runAsUser"]);
    let relaxed = evaluate(
        lv,
        &pod.metadata,
        spec,
        EvalOptions {
            relax_user_namespace_pods: true,
        },
    );
    assert!(relaxed.is_empty(), "{relaxed:?}");
}
