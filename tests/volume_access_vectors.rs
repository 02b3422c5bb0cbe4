//! Data-driven test over the `volume-access/v1` vectors (`tests/vectors/volume-access*.yaml`,
//! plus the same pattern in the directory named by `RUNNER_DOCTOR_EXTRA_VECTORS`). Schema:
//! `vectors/README.md` §1 and §3. Each case is mapped onto the plain inputs of
//! `runner_doctor::access`, evaluated, and compared; one test reports every failing case id with
//! expected vs actual. Failures of `confidence: inferred` cases are printed as warnings only, as
//! the README allows. Admission cases run through the SCC engine (`runner_doctor::admission`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Namespace, Pod};
use runner_doctor::access::{
    self, AccessMode, Capabilities, ContainerSecurity, CsiDriverObject, CsiVolume, Entry, FileKind,
    FileStat, FsGroupChangePolicy, FsGroupPolicy, GroupEntry, Identity, ImageConfig, KubeVersion,
    Mode, NfsSquash, Op, PasswdEntry, Payload, Platform, PodSecurity, SetupOutcome,
    SupplementalGroupsPolicy, TargetRef, VolumeSource, VolumeSpec, VolumeState,
};
use runner_doctor::admission::{self, AdmissionRequest, Operation, SccSet, UseGrants, UserInfo};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------- schema

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    schema: String,
    defaults: Defaults,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    platform: String,
    kubernetes_version: String,
    #[serde(rename = "supplementalGroupsPolicy")]
    supplemental_groups_policy: String,
    container_name: String,
    image: ImageIn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    #[allow(dead_code)]
    source: String,
    confidence: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
    inputs: Inputs,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Inputs {
    platform: Option<String>,
    kubernetes_version: Option<String>,
    admission: Option<AdmissionIn>,
    pod_security_context: Option<PodScIn>,
    containers: Option<Vec<ContainerIn>>,
    volume: Option<VolumeIn>,
    root_before: Option<StatIn>,
    entries_before: Option<Vec<EntryIn>>,
    sub_path: Option<SubPathIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdmissionIn {
    usable_sccs: Vec<String>,
    namespace: NamespaceIn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceIn {
    uid_range: Option<String>,
    supplemental_groups: Option<String>,
    mcs: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PodScIn {
    fs_group: Option<i64>,
    fs_group_change_policy: Option<String>,
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    run_as_non_root: Option<bool>,
    supplemental_groups: Option<Vec<i64>>,
    supplemental_groups_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerIn {
    name: String,
    security_context: Option<ContainerScIn>,
    image: Option<ImageIn>,
    mount_read_only: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ContainerScIn {
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    run_as_non_root: Option<bool>,
    privileged: Option<bool>,
    capabilities: Option<CapsIn>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CapsIn {
    add: Option<Vec<String>>,
    drop: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct ImageIn {
    user: Option<String>,
    passwd: Option<Vec<PasswdIn>>,
    groups: Option<Vec<GroupIn>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PasswdIn {
    name: String,
    uid: i64,
    gid: i64,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct GroupIn {
    name: String,
    gid: i64,
    members: Vec<String>,
}

/// `Some(None)` for an explicit `null`, `None` for an absent key.
fn explicit_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeIn {
    #[serde(rename = "type")]
    kind: String,
    read_only: Option<bool>,
    default_mode: Option<String>,
    keys: Option<Vec<String>>,
    inline: Option<bool>,
    fs_type: Option<String>,
    pv: Option<PvIn>,
    #[serde(default, deserialize_with = "explicit_null")]
    csidriver: Option<Option<CsiDriverIn>>,
    node_volume_mount_group: Option<bool>,
    nfs_squash: Option<String>,
    other_pod_on_node: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PvIn {
    csi_driver: Option<String>,
    access_modes: Option<Vec<String>>,
    fs_type: Option<String>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CsiDriverIn {
    fs_group_policy: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct StatIn {
    uid: Option<i64>,
    gid: i64,
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    uid: Option<i64>,
    gid: i64,
    mode: String,
    target_outside_volume: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubPathIn {
    path: String,
    exists: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Option<String>,
    message_contains: Option<String>,
    admitted: Option<AdmittedIn>,
    identity: Option<BTreeMap<String, IdentityIn>>,
    effective_policy: Option<String>,
    fsgroup_applied: Option<bool>,
    fsgroup_reason: Option<String>,
    walk: Option<bool>,
    volume_mount_group: Option<Value>,
    selinux_relabel: Option<bool>,
    root_after: Option<StatIn>,
    entries_after: Option<Vec<EntryAfterIn>>,
    sub_path_after: Option<StatIn>,
    new_file: Option<NewFileIn>,
    access: Option<Vec<AccessIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdmittedIn {
    pod_security_context: Option<Value>,
    containers: Option<BTreeMap<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityIn {
    uid: i64,
    gid: i64,
    groups: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryAfterIn {
    path: String,
    uid: Option<i64>,
    gid: i64,
    mode: String,
    target_changed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFileIn {
    container: String,
    uid: i64,
    gid: i64,
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessIn {
    container: String,
    target: String,
    can_read: Option<bool>,
    can_write: Option<bool>,
    reason: String,
    missing: Option<String>,
}

// ---------------------------------------------------------------------------------- mapping

/// A case's outcome: the list of mismatches (empty when it passes).
type Outcome = Vec<String>;

fn stat(s: &StatIn) -> Result<FileStat, String> {
    Ok(FileStat {
        uid: s.uid,
        gid: s.gid,
        mode: Mode::from_octal(&s.mode).map_err(|e| e.to_string())?,
    })
}

fn image(img: &ImageIn) -> ImageConfig {
    ImageConfig {
        user: img.user.clone(),
        passwd: img
            .passwd
            .iter()
            .flatten()
            .map(|p| PasswdEntry {
                name: p.name.clone(),
                uid: p.uid,
                gid: p.gid,
            })
            .collect(),
        groups: img
            .groups
            .iter()
            .flatten()
            .map(|g| GroupEntry {
                name: g.name.clone(),
                gid: g.gid,
                members: g.members.clone(),
            })
            .collect(),
    }
}

fn pod_security(p: &PodScIn) -> Result<PodSecurity, String> {
    Ok(PodSecurity {
        run_as_user: p.run_as_user,
        run_as_group: p.run_as_group,
        run_as_non_root: p.run_as_non_root,
        fs_group: p.fs_group,
        fs_group_change_policy: match p.fs_group_change_policy.as_deref() {
            None => None,
            Some("Always") => Some(FsGroupChangePolicy::Always),
            Some("OnRootMismatch") => Some(FsGroupChangePolicy::OnRootMismatch),
            Some(o) => return Err(format!("unknown fsGroupChangePolicy {o}")),
        },
        supplemental_groups: p.supplemental_groups.clone().unwrap_or_default(),
        supplemental_groups_policy: match p.supplemental_groups_policy.as_deref() {
            None => None,
            Some("Merge") => Some(SupplementalGroupsPolicy::Merge),
            Some("Strict") => Some(SupplementalGroupsPolicy::Strict),
            Some(o) => return Err(format!("unknown supplementalGroupsPolicy {o}")),
        },
        se_linux_level: None,
    })
}

fn container_security(c: Option<&ContainerScIn>) -> ContainerSecurity {
    let Some(c) = c else {
        return ContainerSecurity::default();
    };
    ContainerSecurity {
        run_as_user: c.run_as_user,
        run_as_group: c.run_as_group,
        run_as_non_root: c.run_as_non_root,
        privileged: c.privileged.unwrap_or(false),
        capabilities: c
            .capabilities
            .as_ref()
            .map(|k| Capabilities {
                add: k.add.clone().unwrap_or_default(),
                drop: k.drop.clone().unwrap_or_default(),
            })
            .unwrap_or_default(),
    }
}

fn volume_spec(inputs: &Inputs, v: &VolumeIn) -> Result<VolumeSpec, String> {
    let payload = || -> Result<Payload, String> {
        Ok(Payload {
            default_mode: v
                .default_mode
                .as_deref()
                .map(Mode::from_octal)
                .transpose()
                .map_err(|e| e.to_string())?,
            keys: v.keys.clone().unwrap_or_default(),
            key_modes: BTreeMap::new(),
        })
    };
    let source = match v.kind.as_str() {
        "emptyDir" => VolumeSource::EmptyDir { memory: false },
        "secret" => VolumeSource::Secret(payload()?),
        "configMap" => VolumeSource::ConfigMap(payload()?),
        "projected" => VolumeSource::Projected(payload()?),
        "downwardAPI" => VolumeSource::DownwardApi(payload()?),
        "nfs" => VolumeSource::Nfs,
        "hostPath" => VolumeSource::HostPath,
        "local" => VolumeSource::Local {
            other_pod_on_node: v.other_pod_on_node.unwrap_or(false),
        },
        "direct" => VolumeSource::Direct,
        "csi" => {
            let pv = v.pv.as_ref();
            let inline = v.inline.unwrap_or(false);
            let modes = pv
                .and_then(|p| p.access_modes.as_ref())
                .map(|m| {
                    m.iter()
                        .map(|s| AccessMode::from_api(s).ok_or(format!("bad access mode {s}")))
                        .collect()
                })
                .transpose()?
                .unwrap_or_default();
            let fs_type = if inline {
                v.fs_type.clone()
            } else {
                pv.and_then(|p| p.fs_type.clone()).or(v.fs_type.clone())
            };
            let driver_object = match &v.csidriver {
                None => CsiDriverObject::Unknown,
                Some(None) => CsiDriverObject::Absent,
                Some(Some(d)) => CsiDriverObject::Present {
                    fs_group_policy: match d.fs_group_policy.as_deref() {
                        None => None,
                        Some(p) => Some(
                            FsGroupPolicy::from_api(p).ok_or(format!("bad fs_group_policy {p}"))?,
                        ),
                    },
                },
            };
            VolumeSource::Csi(CsiVolume {
                driver: pv
                    .and_then(|p| p.csi_driver.clone())
                    .unwrap_or_else(|| "csi.example.com".into()),
                inline,
                fs_type: fs_type.unwrap_or_default(),
                access_modes: modes,
                driver_object,
                // The vectors state delegation only when it happens.
                volume_mount_group: Some(v.node_volume_mount_group.unwrap_or(false)),
            })
        }
        other => return Err(format!("unknown volume type {other}")),
    };
    let mut spec = VolumeSpec::new("vol", source);
    spec.read_only = v.read_only.unwrap_or(false);
    spec.nfs_squash = match v.nfs_squash.as_deref() {
        None => None,
        Some("root") => Some(NfsSquash::Root),
        Some(o) => return Err(format!("unknown nfs_squash {o}")),
    };
    spec.root_before = inputs.root_before.as_ref().map(stat).transpose()?;
    for e in inputs.entries_before.iter().flatten() {
        spec.entries_before.push(Entry {
            path: e.path.clone(),
            kind: match e.kind.as_str() {
                "file" => FileKind::File,
                "dir" => FileKind::Dir,
                "symlink" => FileKind::Symlink,
                o => return Err(format!("unknown entry type {o}")),
            },
            stat: FileStat {
                uid: e.uid,
                gid: e.gid,
                mode: Mode::from_octal(&e.mode).map_err(|x| x.to_string())?,
            },
            target_outside_volume: e.target_outside_volume.unwrap_or(false),
        });
    }
    Ok(spec)
}

fn show_stat(s: Option<FileStat>) -> String {
    s.map(|s| format!("{{uid: {:?}, gid: {}, mode: {}}}", s.uid, s.gid, s.mode))
        .unwrap_or_else(|| "unknown".into())
}

/// Every field of `want` is present in `have` with an equal value (maps compared recursively).
fn subset(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w.iter().all(|(k, v)| {
            h.get(k).is_some_and(|hv| subset(v, hv)) || (v.is_null() && h.get(k).is_none())
        }),
        (Value::Null, h) => h.is_null(),
        (w, h) => w == h,
    }
}

fn pod_json(p: &PodSecurity) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            m.insert(k.into(), v);
        }
    };
    put("fsGroup", json!(p.fs_group));
    put("runAsUser", json!(p.run_as_user));
    put("runAsGroup", json!(p.run_as_group));
    put("runAsNonRoot", json!(p.run_as_non_root));
    if !p.supplemental_groups.is_empty() {
        put("supplementalGroups", json!(p.supplemental_groups));
    }
    put(
        "seLinuxOptions",
        p.se_linux_level
            .as_ref()
            .map(|l| json!({ "level": l }))
            .unwrap_or(Value::Null),
    );
    Value::Object(m)
}

fn container_json(c: &ContainerSecurity) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(u) = c.run_as_user {
        m.insert("runAsUser".into(), json!(u));
    }
    if let Some(g) = c.run_as_group {
        m.insert("runAsGroup".into(), json!(g));
    }
    m.insert(
        "capabilities".into(),
        json!({ "add": c.capabilities.add, "drop": c.capabilities.drop }),
    );
    Value::Object(m)
}

/// The namespace and ServiceAccount every admission case runs in.
const CASE_NAMESPACE: &str = "vectors";
const CASE_SERVICE_ACCOUNT: &str = "default";

/// Runs the OpenShift 4.14 SCC admission of the case's pod: the requested contexts become a v1
/// Pod, the namespace carries the case's `openshift.io/sa.scc.*` annotations, and only the
/// case's `usable_sccs` are granted (to the pod's ServiceAccount). `Ok(Err(message))` is a
/// rejection; `Err` a case the test cannot map.
fn admit(
    adm: &AdmissionIn,
    pod: &PodSecurity,
    containers: &[ContainerIn],
    securities: &[ContainerSecurity],
) -> Result<Result<Pod, String>, String> {
    let sccs = SccSet::platform("openshift-4.14").ok_or("no embedded openshift-4.14 SCC set")?;
    let mut annotations = serde_json::Map::new();
    for (key, value) in [
        ("openshift.io/sa.scc.uid-range", &adm.namespace.uid_range),
        (
            "openshift.io/sa.scc.supplemental-groups",
            &adm.namespace.supplemental_groups,
        ),
        ("openshift.io/sa.scc.mcs", &adm.namespace.mcs),
    ] {
        if let Some(v) = value {
            annotations.insert(key.into(), json!(v));
        }
    }
    let ns: Namespace = serde_json::from_value(
        json!({"metadata": {"name": CASE_NAMESPACE, "annotations": annotations}}),
    )
    .map_err(|e| format!("namespace: {e}"))?;
    let mut pod_sc = pod_json(pod);
    if let Some(p) = pod.fs_group_change_policy
        && let Value::Object(m) = &mut pod_sc
    {
        let p = match p {
            FsGroupChangePolicy::Always => "Always",
            FsGroupChangePolicy::OnRootMismatch => "OnRootMismatch",
        };
        m.insert("fsGroupChangePolicy".into(), json!(p));
    }
    if let Some(p) = pod.supplemental_groups_policy
        && let Value::Object(m) = &mut pod_sc
    {
        let p = match p {
            SupplementalGroupsPolicy::Merge => "Merge",
            SupplementalGroupsPolicy::Strict => "Strict",
        };
        m.insert("supplementalGroupsPolicy".into(), json!(p));
    }
    let ctrs: Vec<Value> = containers
        .iter()
        .zip(securities)
        .map(|(c, sc)| {
            let mut v = container_json(sc);
            if let Value::Object(m) = &mut v {
                if sc.privileged {
                    m.insert("privileged".into(), json!(true));
                }
                if let Some(n) = sc.run_as_non_root {
                    m.insert("runAsNonRoot".into(), json!(n));
                }
            }
            json!({"name": c.name, "image": "vector-image", "securityContext": v})
        })
        .collect();
    let pod_obj: Pod = serde_json::from_value(json!({
        "metadata": {"name": "vector-case", "namespace": CASE_NAMESPACE},
        "spec": {
            "serviceAccountName": CASE_SERVICE_ACCOUNT,
            "securityContext": pod_sc,
            "containers": ctrs,
        }
    }))
    .map_err(|e| format!("pod: {e}"))?;
    let user = UserInfo::service_account(CASE_NAMESPACE, CASE_SERVICE_ACCOUNT);
    let mut grants = UseGrants::new();
    grants.grant(&user.name, adm.usable_sccs.iter().cloned());
    let outcome = admission::admit(&AdmissionRequest {
        pod: &pod_obj,
        namespace: Some(&ns),
        namespace_name: None,
        user: &user,
        authorizer: &grants,
        sccs: &sccs,
        operation: Operation::Create,
        options: Default::default(),
    });
    Ok(match outcome.pod() {
        Some(p) => Ok(p.clone()),
        None => Err(outcome.error().unwrap_or("rejected").to_owned()),
    })
}

// ---------------------------------------------------------------------------------- evaluation

fn evaluate(defaults: &Defaults, case: &Case) -> Outcome {
    match evaluate_inner(defaults, case) {
        Ok(o) => o,
        Err(e) => vec![format!("could not map inputs: {e}")],
    }
}

fn evaluate_inner(defaults: &Defaults, case: &Case) -> Result<Outcome, String> {
    let inp = &case.inputs;
    let exp = &case.expect;
    let mut fails = Vec::new();
    let version_text = inp
        .kubernetes_version
        .as_deref()
        .unwrap_or(&defaults.kubernetes_version);
    let version = KubeVersion::parse(version_text).ok_or(format!("bad version {version_text}"))?;
    let platform = match inp.platform.as_deref().unwrap_or(&defaults.platform) {
        "openshift" => Platform::OpenShift,
        _ => Platform::Kubernetes,
    };
    let mut pod = pod_security(
        inp.pod_security_context
            .as_ref()
            .unwrap_or(&PodScIn::default()),
    )?;
    if pod.supplemental_groups_policy.is_none() && defaults.supplemental_groups_policy == "Strict" {
        pod.supplemental_groups_policy = Some(SupplementalGroupsPolicy::Strict);
    }
    let default_container = [ContainerIn {
        name: defaults.container_name.clone(),
        security_context: None,
        image: None,
        mount_read_only: None,
    }];
    let containers: &[ContainerIn] = inp.containers.as_deref().unwrap_or(&default_container);
    let mut securities: Vec<ContainerSecurity> = containers
        .iter()
        .map(|c| container_security(c.security_context.as_ref()))
        .collect();

    // Admission (reference §7 A), through the SCC admission engine with the case's usable SCCs
    // granted to the pod's ServiceAccount; the admitted contexts are read back from the pod.
    let mut actual_verdict: Option<(&str, String)> = None;
    if let Some(adm) = &inp.admission {
        match admit(adm, &pod, containers, &securities)? {
            Ok(admitted) => {
                pod = access::k8s::pod_security(&admitted);
                let spec = admitted.spec.as_ref().ok_or("admitted pod has no spec")?;
                securities = containers
                    .iter()
                    .map(|c| {
                        spec.containers
                            .iter()
                            .find(|k| k.name == c.name)
                            .map(access::k8s::container_security)
                            .ok_or(format!("admitted pod lost container {}", c.name))
                    })
                    .collect::<Result<_, _>>()?;
            }
            Err(e) => actual_verdict = Some(("ADMISSION_REJECTED", e)),
        }
    }

    let pv_gids: Vec<i64> = inp
        .volume
        .as_ref()
        .and_then(|v| v.pv.as_ref())
        .and_then(|pv| pv.annotations.as_ref())
        .and_then(|a| a.get("pv.beta.kubernetes.io/gid"))
        .and_then(|g| g.trim().parse().ok())
        .into_iter()
        .collect();

    let state: Option<VolumeState> = match (&inp.volume, &actual_verdict) {
        (Some(v), None) => {
            let spec = volume_spec(inp, v)?;
            let st = access::volume_setup(&spec, &pod, version, platform);
            if let SetupOutcome::MountFailed { message } = &st.outcome {
                actual_verdict = Some(("MOUNT_FAILED", message.clone()));
            }
            Some(st)
        }
        _ => None,
    };

    // Verdict and fsGroup fields (always checked).
    let want_verdict = exp.verdict.as_deref();
    let have_verdict = actual_verdict.as_ref().map(|(v, _)| *v);
    if want_verdict != have_verdict {
        fails.push(format!(
            "verdict: expected {want_verdict:?}, got {have_verdict:?}{}",
            actual_verdict
                .as_ref()
                .map(|(_, m)| format!(" ({m})"))
                .unwrap_or_default()
        ));
    }
    if let Some(want) = &exp.message_contains {
        let msg = actual_verdict
            .as_ref()
            .map(|(_, m)| m.as_str())
            .unwrap_or("");
        if !msg.contains(want.as_str()) {
            fails.push(format!(
                "message: expected to contain {want:?}, got {msg:?}"
            ));
        }
    }
    if let Some(st) = &state {
        let d = &st.decision;
        if let Some(want) = &exp.effective_policy {
            let have = d.effective_policy.map(|p| p.as_str());
            if have != Some(want.as_str()) {
                fails.push(format!("effective_policy: expected {want}, got {have:?}"));
            }
        }
        if let Some(want) = exp.fsgroup_applied
            && want != d.applied
        {
            fails.push(format!(
                "fsgroup_applied: expected {want}, got {}",
                d.applied
            ));
        }
        if let Some(want) = &exp.fsgroup_reason
            && want != d.reason.code()
        {
            fails.push(format!(
                "fsgroup_reason: expected {want}, got {}",
                d.reason.code()
            ));
        }
        if let Some(want) = exp.walk
            && want != st.walk
        {
            fails.push(format!("walk: expected {want}, got {}", st.walk));
        }
        if let Some(want) = &exp.volume_mount_group {
            let want_s = match want {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let have = d.volume_mount_group.map(|g| g.to_string());
            if have.as_deref() != Some(want_s.as_str()) {
                fails.push(format!(
                    "volume_mount_group: expected {want_s}, got {have:?}"
                ));
            }
        }
    } else if (exp.fsgroup_applied.is_some()
        || exp.fsgroup_reason.is_some()
        || exp.effective_policy.is_some())
        // After an admission rejection there is no mounted volume to compare.
        && actual_verdict.is_none()
    {
        fails.push("fsGroup expectations but the case has no volume".into());
    }
    if want_verdict.is_some() {
        return Ok(fails);
    }

    // Admitted contexts.
    if let Some(adm) = &exp.admitted {
        if let Some(want) = &adm.pod_security_context {
            let have = pod_json(&pod);
            if !subset(want, &have) {
                fails.push(format!(
                    "admitted pod_security_context: expected {want}, got {have}"
                ));
            }
        }
        for (name, want) in adm.containers.iter().flatten() {
            match containers.iter().position(|c| c.name == *name) {
                Some(i) => {
                    let have = container_json(&securities[i]);
                    if !subset(want, &have) {
                        fails.push(format!(
                            "admitted container {name}: expected {want}, got {have}"
                        ));
                    }
                }
                None => fails.push(format!("admitted container {name}: no such container")),
            }
        }
    }

    // Identities.
    let mut identities: BTreeMap<String, Result<Identity, String>> = BTreeMap::new();
    for (c, sc) in containers.iter().zip(&securities) {
        let img = image(c.image.as_ref().unwrap_or(&defaults.image));
        let id = access::identity(&pod, sc, &img, &pv_gids, version).map_err(|e| e.to_string());
        identities.insert(c.name.clone(), id);
    }
    for (name, want) in exp.identity.iter().flatten() {
        match identities.get(name) {
            Some(Ok(id)) => {
                let want_groups: std::collections::BTreeSet<i64> =
                    want.groups.iter().copied().collect();
                if id.uid != want.uid || id.gid != want.gid || id.groups != want_groups {
                    fails.push(format!(
                        "identity {name}: expected uid={} gid={} groups={:?}, got uid={} gid={} groups={:?}",
                        want.uid, want.gid, want_groups, id.uid, id.gid, id.groups
                    ));
                }
            }
            Some(Err(e)) => fails.push(format!("identity {name}: error {e}")),
            None => fails.push(format!("identity {name}: no such container")),
        }
    }

    let Some(st) = &state else {
        return Ok(fails);
    };

    if let Some(want) = exp.selinux_relabel
        && want != st.selinux_relabel
    {
        fails.push(format!(
            "selinux_relabel: expected {want}, got {}",
            st.selinux_relabel
        ));
    }
    if let Some(want) = &exp.root_after {
        let want = stat(want)?;
        if st.root != Some(want) {
            fails.push(format!(
                "root_after: expected {}, got {}",
                show_stat(Some(want)),
                show_stat(st.root)
            ));
        }
    }
    for want in exp.entries_after.iter().flatten() {
        let wstat = FileStat {
            uid: want.uid,
            gid: want.gid,
            mode: Mode::from_octal(&want.mode).map_err(|e| e.to_string())?,
        };
        match st.entry(&want.path) {
            Some(e) if e.stat == wstat => {}
            Some(e) => fails.push(format!(
                "entry {}: expected {}, got {}",
                want.path,
                show_stat(Some(wstat)),
                show_stat(Some(e.stat))
            )),
            None => fails.push(format!("entry {}: not found", want.path)),
        }
        // kubelet's walk never follows symlinks, so a target is never changed through one.
        if want.target_changed == Some(true) {
            fails.push(format!(
                "entry {}: the model never changes a symlink target",
                want.path
            ));
        }
    }
    let sub_path = inp.sub_path.as_ref();
    if let Some(want) = &exp.sub_path_after {
        let want = stat(want)?;
        let have = sub_path.and_then(|s| st.sub_path_dir(&s.path, s.exists));
        if have != Some(want) {
            fails.push(format!(
                "sub_path_after: expected {}, got {}",
                show_stat(Some(want)),
                show_stat(have)
            ));
        }
    }
    if let Some(want) = &exp.new_file {
        let wstat = FileStat::new(
            want.uid,
            want.gid,
            Mode::from_octal(&want.mode).map_err(|e| e.to_string())?,
        );
        match (identities.get(&want.container), st.root) {
            (Some(Ok(id)), Some(root)) => {
                let have = access::created_entry(id, &root, FileKind::File, 0o022);
                if have != wstat {
                    fails.push(format!(
                        "new_file: expected {}, got {}",
                        show_stat(Some(wstat)),
                        show_stat(Some(have))
                    ));
                }
            }
            _ => fails.push("new_file: identity or root unknown".into()),
        }
    }
    for a in exp.access.iter().flatten() {
        let Some(Ok(id)) = identities.get(&a.container) else {
            fails.push(format!(
                "access {}/{}: no identity for the container",
                a.container, a.target
            ));
            continue;
        };
        let mount_ro = containers
            .iter()
            .find(|c| c.name == a.container)
            .and_then(|c| c.mount_read_only)
            .unwrap_or(false);
        let which = match a.target.as_str() {
            "root" => TargetRef::Root,
            "sub_path" => match sub_path {
                Some(s) => TargetRef::SubPath {
                    path: &s.path,
                    exists: s.exists,
                },
                None => {
                    fails.push("access sub_path: the case has no sub_path".into());
                    continue;
                }
            },
            p => TargetRef::Entry(p),
        };
        let Some(target) = st.target(which, mount_ro) else {
            fails.push(format!(
                "access {}/{}: target unknown",
                a.container, a.target
            ));
            continue;
        };
        let read = access::check(id, &target, Op::Read);
        let write = access::check(id, &target, Op::Write);
        let mut bad = Vec::new();
        if let Some(w) = a.can_read
            && w != read.allowed
        {
            bad.push(format!("can_read expected {w}, got {}", read.allowed));
        }
        if let Some(w) = a.can_write
            && w != write.allowed
        {
            bad.push(format!("can_write expected {w}, got {}", write.allowed));
        }
        // The deciding reason: the write's when a write verdict is asked for, else the read's
        // (both agree except for read-only mounts, where the reason is `read_only` for both).
        let decider = if a.can_write.is_some() { &write } else { &read };
        if decider.reason.as_str() != a.reason {
            bad.push(format!(
                "reason expected {}, got {}",
                a.reason,
                decider.reason.as_str()
            ));
        }
        if let Some(w) = &a.missing {
            let have = write.missing.as_deref().or(read.missing.as_deref());
            if have != Some(w.as_str()) {
                bad.push(format!("missing expected {w}, got {have:?}"));
            }
        }
        if !bad.is_empty() {
            fails.push(format!(
                "access {}/{}: {}",
                a.container,
                a.target,
                bad.join("; ")
            ));
        }
    }
    Ok(fails)
}

// ---------------------------------------------------------------------------------- driver

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")];
    if let Some(extra) = std::env::var_os("RUNNER_DOCTOR_EXTRA_VECTORS") {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            panic!("cannot read vector directory {}", dir.display());
        };
        let mut found: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("volume-access") && (n.ends_with(".yaml") || n.ends_with(".yml"))
                })
            })
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn volume_access_vectors() {
    let files = vector_files();
    assert!(!files.is_empty(), "no volume-access vector files found");
    let (mut passed, mut failed, mut warned) = (0, Vec::new(), Vec::new());
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let vf: VectorFile =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            vf.schema,
            "volume-access/v1",
            "{}: unexpected schema",
            file.display()
        );
        let fname = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        for case in &vf.cases {
            match evaluate(&vf.defaults, case) {
                f if f.is_empty() => passed += 1,
                f => {
                    let mut msg = format!("{fname} {}:", case.id);
                    for line in f {
                        let _ = write!(msg, "\n    {line}");
                    }
                    if case.confidence.as_deref() == Some("inferred") {
                        warned.push(msg);
                    } else {
                        failed.push(msg);
                    }
                }
            }
        }
    }
    eprintln!(
        "volume-access vectors: {passed} passed, {} failed, {} warnings (inferred)",
        failed.len(),
        warned.len()
    );
    for w in &warned {
        eprintln!("warning (confidence: inferred): {w}");
    }
    assert!(
        failed.is_empty(),
        "{} failing volume-access case(s):\n{}",
        failed.len(),
        failed.join("\n")
    );
}
