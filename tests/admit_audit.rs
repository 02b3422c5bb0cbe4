//! `admit --audit` over small cluster dumps: the same objects as an `oc` List (hash quoted), a
//! multi-document stream (hash bare) and JSON give the same verdicts; the binary's table and
//! JSON; exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use runner_doctor::admission::audit::{AuditSettings, Platform};
use runner_doctor::admission::psa::Level;
use runner_doctor::admission::sweep::{self, SweepOptions, SweepReport};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(name)
}

fn run(name: &str, level: Option<Level>, threads: usize) -> SweepReport {
    let settings = AuditSettings::new(Platform::parse("openshift-4.14").expect("platform"));
    let options = SweepOptions {
        psa_level: level,
        threads,
    };
    sweep::sweep(&[fixture(name)], &settings, &options, &mut |_| {}).expect("fixture reads")
}

fn run_cli(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .arg("admit")
        .arg("--audit")
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
fn the_list_the_stream_and_the_json_dump_give_the_same_report() {
    let list = run("pods.yaml", Some(Level::Restricted), 2);
    let stream = run("pods-bare.yaml", Some(Level::Restricted), 1);
    let json = run("pods.json", Some(Level::Restricted), 3);
    assert_eq!(list.namespaces, stream.namespaces);
    assert_eq!(list.namespaces, json.namespaces);
    assert_eq!(list.workloads, stream.workloads);
    assert_eq!(list.workloads, json.workloads);
    assert_eq!(list.context_objects, 2);
    assert_eq!(json.context_objects, 2);
    assert_eq!(list.problem_count, 0);
}

#[test]
fn counts_per_namespace_and_verdicts_per_workload() {
    let r = run("pods.yaml", None, 2);
    let ns: Vec<(&str, u64, u64, u64, u64)> = r
        .namespaces
        .iter()
        .map(|n| {
            let c = &n.counts;
            (
                n.namespace.as_str(),
                c.pods,
                c.admitted,
                c.refused_by_scc,
                c.baseline_violations,
            )
        })
        .collect();
    assert_eq!(ns, vec![("team-a", 3, 2, 1, 0), ("team-b", 2, 1, 1, 1)]);
    assert_eq!(r.total.pods, 5);
    assert_eq!(r.total.admitted, 3);
    assert_eq!(r.total.restricted_violations, 2);
    assert!(!r.all_admitted());
    let names: Vec<(&str, &str, &str, u64)> = r
        .workloads
        .iter()
        .map(|w| {
            (
                w.namespace.as_str(),
                w.kind.as_str(),
                w.name.as_str(),
                w.counts.pods,
            )
        })
        .collect();
    // Both ReplicaSet pods count as their Deployment, named from the pod-template-hash.
    assert_eq!(
        names,
        vec![
            ("team-a", "Deployment", "web", 2),
            ("team-a", "StatefulSet", "db", 1),
            ("team-b", "Pod", "debug", 1),
            ("team-b", "Pod", "plain", 1),
        ]
    );
    let web = &r.workloads[0];
    assert_eq!(web.scc.as_deref(), Some("restricted-v2"));
    assert_eq!(web.refusal, None);
    let db = &r.workloads[1];
    let refusal = db.refusal.as_deref().expect("db-0 is refused");
    assert!(
        refusal.starts_with("pods \"db-0\" is forbidden"),
        "{refusal}"
    );
    // The namespace's own uid range, from its annotation.
    assert!(
        refusal.contains(".containers[0].runAsUser: Invalid value: 0: must be in the ranges: [1000660000, 1000669999]"),
        "{refusal}"
    );
    let debug = &r.workloads[2];
    assert!(
        debug
            .refusal
            .as_deref()
            .is_some_and(|e| e.contains("Privileged containers are not allowed")),
        "{:?}",
        debug.refusal
    );
    assert!(
        debug
            .violation
            .as_deref()
            .is_some_and(|v| v.contains("privileged")),
        "{:?}",
        debug.violation
    );
}

#[test]
fn the_report_does_not_depend_on_the_thread_count() {
    let one = run("pods.yaml", Some(Level::Baseline), 1);
    let many = run("pods.yaml", Some(Level::Baseline), 8);
    assert_eq!(one, many);
}

#[test]
fn the_binary_prints_the_table_and_exits_1_when_a_pod_is_refused() {
    let path = fixture("pods.yaml");
    let (code, out, err) = run_cli(&[
        "--platform",
        "openshift-4.14",
        "--psa-level",
        "restricted",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("audit_human", out);
}

#[test]
fn a_pod_admitted_today_that_the_psa_level_would_refuse_makes_the_exit_code_1() {
    // Plain Kubernetes, a namespace enforcing nothing: the pod is admitted today, but it sets
    // neither `runAsNonRoot` nor a seccomp profile, which `restricted` requires.
    let dir = std::env::temp_dir().join(format!("rd-audit-level-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pod.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: team\nspec:\n  containers:\n  - name: web\n    image: nginx\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let (today, _, err) = run_cli(&["--platform", "kubernetes", path]);
    assert_eq!(today, Some(0), "{err}");
    let (baseline, _, err) =
        run_cli(&["--platform", "kubernetes", "--psa-level", "baseline", path]);
    assert_eq!(baseline, Some(0), "{err}");
    let (restricted, out, err) = run_cli(&[
        "--platform",
        "kubernetes",
        "--psa-level",
        "restricted",
        path,
    ]);
    assert_eq!(restricted, Some(1), "{err}");
    assert!(out.contains("web"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pods_whose_namespace_the_dump_lacks_are_not_evaluated_rather_than_refused() {
    // `oc get pods -A` without the Namespaces: OpenShift's SCC admission needs each namespace's
    // uid range and MCS. A running pod's namespace exists, so the pods are counted apart, the
    // report says how to dump the Namespaces too, and the exit code is 2, not 1.
    let dir = std::env::temp_dir().join(format!("rd-audit-no-ns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixture("pods.yaml")).unwrap();
    // The same dump less its Namespace items (the first two).
    let pods_only = {
        let start = text.find("- apiVersion: v1\n  kind: Pod").unwrap();
        format!("apiVersion: v1\nitems:\n{}", &text[start..])
    };
    let path = dir.join("pods-only.yaml");
    std::fs::write(&path, pods_only).unwrap();
    let path = path.to_str().unwrap();
    let (code, out, err) = run_cli(&["--platform", "openshift-4.14", path]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        out.contains("not evaluated: 5 pods in 2 namespaces"),
        "{out}"
    );
    assert!(out.contains("oc get namespaces,pods -A -o yaml"), "{out}");
    assert!(!out.contains("not found"), "{out}");
    let (code, out, _) = run_cli(&["--platform", "openshift-4.14", "--format", "json", path]);
    assert_eq!(code, Some(2));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["total"]["namespace_unknown"], 5);
    assert_eq!(v["total"]["refused_by_scc"], 0);
    // With the Namespaces, the same pods are evaluated.
    let (code, out, _) = run_cli(&[
        "--platform",
        "openshift-4.14",
        "--format",
        "json",
        fixture("pods.yaml").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["total"]["namespace_unknown"], 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_binary_writes_json() {
    let path = fixture("pods.json");
    let (code, out, err) = run_cli(&[
        "--platform",
        "openshift-4.14",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["total"]["pods"], 5);
    assert_eq!(v["total"]["admitted"], 3);
    assert_eq!(v["namespaces"][1]["namespace"], "team-b");
    assert_eq!(v["namespaces"][1]["refused_by_scc"], 1);
    assert_eq!(v["workloads"][0]["name"], "web");
    assert_eq!(v["workloads"][0]["pods"], 2);
}

#[test]
fn no_pod_standard_input_and_a_missing_file_exit_2() {
    let empty = fixture("../admit/rejected");
    let dir = std::env::temp_dir().join(format!("rd-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ns_only = dir.join("ns.yaml");
    std::fs::write(
        &ns_only,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
    )
    .unwrap();
    let (code, _, err) = run_cli(&[ns_only.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no Pod or workload found"), "{err}");
    let (code, _, err) = run_cli(&["-"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("reads files, not standard input"), "{err}");
    let (code, _, err) = run_cli(&[dir.join("missing.yaml").to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read"), "{err}");
    // A directory contributes its YAML files: the `admit` fixture's Deployment.
    let (code, out, err) = run_cli(&[empty.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains("Deployment/cache: 0 of 1 pods admitted"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
