//! Data-driven test over the recorded OpenShift 4.14 SCC admission vectors: every
//! `tests/vectors/scc-admission*.yaml`, plus every such file in the directory named by
//! `RUNNER_DOCTOR_EXTRA_VECTORS`. One test runs all cases and lists every failing case id with
//! expected vs actual. The schema is documented in the header of `scc-admission.yaml`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Namespace, Pod};
use runner_doctor::admission::{
    self, AdmissionOptions, AdmissionRequest, Decision, Operation, SccSet, UseGrants, UserInfo,
};
use runner_doctor::model::scc::SecurityContextConstraints;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    schema: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    #[allow(dead_code)]
    title: String,
    namespace: NamespaceSpec,
    sccs: String,
    #[serde(default)]
    extra_sccs: Vec<Value>,
    grants: Grants,
    requesting_user: String,
    requesting_user_groups: Vec<String>,
    operation: String,
    pod: Value,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceSpec {
    name: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Grants {
    serviceaccount: Vec<String>,
    user: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    admitted: bool,
    #[serde(default)]
    scc: Option<String>,
    #[serde(default)]
    pod_after: Option<Value>,
    #[serde(default)]
    error: Option<String>,
}

fn yaml_options() -> serde_saphyr::Options {
    // The vector file is ~1.2 MB: raise the size budgets, keep the alias limits.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 10_000_000;
    budget.max_nodes = 5_000_000;
    budget.max_depth = 256;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![vectors_dir()];
    if let Some(extra) = std::env::var_os("RUNNER_DOCTOR_EXTRA_VECTORS") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("scc-admission") && n.ends_with(".yaml"))
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn default_sccs() -> Vec<SecurityContextConstraints> {
    let text = std::fs::read_to_string(vectors_dir().join("openshift-4.14-sccs.yaml"))
        .expect("reading openshift-4.14-sccs.yaml");
    let docs: Vec<Value> =
        serde_saphyr::from_multiple_with_options(&text, yaml_options()).expect("SCC YAML");
    docs.into_iter()
        .filter(|d| !d.is_null())
        .map(|d| serde_json::from_value(d).expect("SCC object"))
        .collect()
}

/// The fields the schema compares: annotations, pod securityContext, and name + securityContext
/// of every init container and container.
fn project(pod: &Pod) -> Value {
    let v = serde_json::to_value(pod).expect("pod serialises");
    let containers = |key: &str| -> Option<Value> {
        let list = v.pointer(&format!("/spec/{key}"))?.as_array()?;
        Some(Value::Array(
            list.iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.get("name").cloned().unwrap_or(Value::Null),
                        "securityContext": c.get("securityContext").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect(),
        ))
    };
    let mut spec = serde_json::Map::new();
    spec.insert(
        "securityContext".into(),
        v.pointer("/spec/securityContext")
            .cloned()
            .unwrap_or(Value::Null),
    );
    if let Some(init) = containers("initContainers") {
        spec.insert("initContainers".into(), init);
    }
    spec.insert(
        "containers".into(),
        containers("containers").unwrap_or(Value::Null),
    );
    serde_json::json!({
        "metadata": {"annotations": v.pointer("/metadata/annotations").cloned().unwrap_or(Value::Null)},
        "spec": Value::Object(spec),
    })
}

/// null = absent: drop null members; an absent or empty annotation map is `{}`; an empty
/// init-container list is absent.
fn normalise(v: &Value) -> Value {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter(|(_, x)| !x.is_null())
                    .map(|(k, x)| (k.clone(), strip(x)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let mut out = strip(v);
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.entry("annotations")
            .or_insert_with(|| serde_json::json!({}));
    }
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut)
        && spec
            .get("initContainers")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
    {
        spec.remove("initContainers");
    }
    out
}

fn run_case(case: &Case, base_sccs: &[SecurityContextConstraints]) -> Result<(), String> {
    let mut sccs = base_sccs.to_vec();
    match case.sccs.as_str() {
        "openshift-4.14-defaults" => {}
        "openshift-4.14-defaults+" => {
            for extra in &case.extra_sccs {
                sccs.push(
                    serde_json::from_value(extra.clone()).map_err(|e| format!("extra SCC: {e}"))?,
                );
            }
        }
        other => return Err(format!("unknown sccs value {other:?}")),
    }
    let set = SccSet::new(sccs);

    let ns: Namespace = serde_json::from_value(serde_json::json!({
        "metadata": {"name": case.namespace.name, "annotations": case.namespace.annotations}
    }))
    .map_err(|e| e.to_string())?;
    let pod: Pod = serde_json::from_value(case.pod.clone()).map_err(|e| format!("pod: {e}"))?;

    let mut grants = UseGrants::new();
    if let Some(sa) = pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.as_deref())
    {
        grants.grant(
            admission::authz::service_account_user_name(&case.namespace.name, sa),
            case.grants.serviceaccount.iter().cloned(),
        );
    }
    grants.grant(
        case.requesting_user.clone(),
        case.grants.user.iter().cloned(),
    );
    let user = UserInfo::new(
        case.requesting_user.clone(),
        case.requesting_user_groups.iter().cloned(),
    );
    let operation = match case.operation.as_str() {
        "create" => Operation::Create,
        "validate" => Operation::Validate,
        other => return Err(format!("unknown operation {other:?}")),
    };

    let outcome = admission::admit(&AdmissionRequest {
        pod: &pod,
        namespace: Some(&ns),
        namespace_name: Some(&case.namespace.name),
        user: &user,
        authorizer: &grants,
        sccs: &set,
        operation,
        options: AdmissionOptions::default(),
    });

    let mut problems = String::new();
    match (&outcome.decision, case.expect.admitted) {
        (Decision::Rejected { error, .. }, false) => {
            let want = case.expect.error.as_deref().unwrap_or("");
            if error != want {
                let _ = write!(
                    problems,
                    "\n  error:\n    expected: {want}\n    actual:   {error}"
                );
            }
        }
        (Decision::Rejected { error, .. }, true) => {
            let _ = write!(
                problems,
                "\n  expected admitted by {:?}, got rejected:\n    {error}",
                case.expect.scc
            );
        }
        (_, false) => {
            let _ = write!(
                problems,
                "\n  expected rejection:\n    {}\n  got admitted by {:?}",
                case.expect.error.as_deref().unwrap_or(""),
                outcome.scc()
            );
        }
        (_, true) => {
            if outcome.scc() != case.expect.scc.as_deref() {
                let _ = write!(
                    problems,
                    "\n  scc: expected {:?}, actual {:?}",
                    case.expect.scc,
                    outcome.scc()
                );
            }
            if let (Some(want), Some(pod)) = (&case.expect.pod_after, outcome.pod()) {
                let want = normalise(want);
                let got = normalise(&project(pod));
                if want != got {
                    let _ = write!(
                        problems,
                        "\n  pod_after:\n    expected: {want}\n    actual:   {got}"
                    );
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[test]
fn scc_admission_vectors() {
    let base = default_sccs();
    assert_eq!(base.len(), 10, "the 4.14 default set has ten SCCs");
    let mut total = 0;
    let mut failures = Vec::new();
    for file in vector_files() {
        let text = std::fs::read_to_string(&file).expect("reading vector file");
        let vf: VectorFile = serde_saphyr::from_str_with_options(&text, yaml_options())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(vf.schema, "scc-admission/v1", "{}", file.display());
        for case in &vf.cases {
            total += 1;
            if let Err(p) = run_case(case, &base) {
                failures.push(format!("{} ({}){p}", case.id, file.display()));
            }
        }
    }
    assert!(total > 0, "no vectors found");
    if !failures.is_empty() {
        panic!(
            "{} of {total} SCC admission cases failed:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
    eprintln!("all {total} SCC admission cases passed");
}

#[test]
fn embedded_414_set_equals_the_vector_file() {
    let from_vectors: Vec<_> = default_sccs()
        .into_iter()
        .map(SecurityContextConstraints::defaulted)
        .collect();
    let embedded =
        runner_doctor::admission::platform::default_sccs("openshift-4.14").expect("embedded set");
    let key = |v: &[SecurityContextConstraints]| {
        let mut v = v.to_vec();
        v.sort_by(|a, b| a.name().cmp(b.name()));
        v
    };
    assert_eq!(key(&from_vectors), key(&embedded));
}
