//! The `admit` run over loaded inputs: every Pod and workload found is sent, as the pod its
//! controller would create, through OpenShift SCC admission and then Pod Security Admission,
//! with the cluster context (SCCs, RBAC, Namespaces) taken from the same inputs over the
//! platform's defaults. The result is plain serialisable data.
//!
//! The platform's defaults are the embedded SCC set, the `system:openshift:scc:<name>`
//! ClusterRoles and the one default binding, ClusterRoleBinding
//! `system:openshift:scc:restricted-v2` to Group `system:authenticated` (reference
//! openshift-scc.md §2.2); objects of the same name in the inputs replace them. On OpenShift
//! PSA runs after SCC admission (a validating plugin after a mutating one), so it sees the pod
//! as the admitting SCC mutated it; a workload's template, which no SCC mutates, is also
//! warned about and audited as submitted. This module never prints and never reads files.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use serde::Serialize;
use serde_json::Value;

use super::psa::{self, Policy, PsaOutcome};
use super::workload::{PodTemplate, WorkloadKind};
use super::{
    AdmissionOptions, AdmissionOutcome, AdmissionRequest, AttemptResult, Decision, Operation,
    RbacAuthorizer, SccSet, SkipReason, UserInfo,
};
use crate::model::cluster::{Cluster, ClusterObject, ObjectKind};
use crate::model::load::Inputs;

/// The requester assumed when none is given: an ordinary authenticated human user (logged in
/// through OAuth), neither cluster-admin nor a ServiceAccount. An admin may use every SCC, which
/// would hide exactly the refusals `admit` is for.
pub const DEFAULT_USER: &str = "developer";
/// The groups of [`DEFAULT_USER`].
pub const DEFAULT_GROUPS: &[&str] = &["system:authenticated:oauth", "system:authenticated"];
/// The group every authenticated requester is in.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";

/// Which platform to simulate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Platform {
    /// OpenShift with an embedded default SCC set: SCC admission, then PSA.
    OpenShift {
        /// `openshift-4.N`.
        name: String,
        /// The minor version `N`.
        minor: u32,
    },
    /// Plain Kubernetes: PSA only.
    Kubernetes,
}

/// Why the run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The platform name is unknown or has no embedded SCC set.
    #[error("unknown platform `{name}`; expected `kubernetes` or one of {known}")]
    UnknownPlatform {
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
}

impl Platform {
    /// Parses `kubernetes` or `openshift-4.N` (with an embedded SCC set).
    pub fn parse(name: &str) -> Result<Self, AuditError> {
        if name == "kubernetes" {
            return Ok(Platform::Kubernetes);
        }
        let minor = name
            .strip_prefix("openshift-4.")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|_| super::platform::PLATFORMS.contains(&name));
        match minor {
            Some(minor) => Ok(Platform::OpenShift {
                name: name.to_owned(),
                minor,
            }),
            None => Err(AuditError::UnknownPlatform {
                name: name.to_owned(),
                known: super::platform::PLATFORMS.join(", "),
            }),
        }
    }

    /// The platform's name.
    pub fn name(&self) -> &str {
        match self {
            Platform::OpenShift { name, .. } => name,
            Platform::Kubernetes => "kubernetes",
        }
    }

    /// The cluster-wide PSA defaults: OpenShift's (enforce privileged, warn and audit
    /// restricted), or upstream's unconfigured plugin (all privileged).
    pub fn psa_defaults(&self) -> Policy {
        match self {
            Platform::OpenShift { .. } => Policy::openshift_default(),
            Platform::Kubernetes => Policy::privileged(),
        }
    }
}

/// Settings of one `admit` run.
#[derive(Clone, Debug)]
pub struct AuditSettings {
    /// The platform.
    pub platform: Platform,
    /// Who sends the pods.
    pub user: UserInfo,
    /// The namespace of objects that name none (as `-n` would give).
    pub namespace: Option<String>,
    /// PSA defaults for namespaces without labels; `None` for the platform's.
    pub psa_defaults: Option<Policy>,
}

impl AuditSettings {
    /// The given platform, [`DEFAULT_USER`], no default namespace, the platform's PSA defaults.
    pub fn new(platform: Platform) -> Self {
        AuditSettings {
            platform,
            user: default_user(),
            namespace: None,
            psa_defaults: None,
        }
    }
}

/// [`DEFAULT_USER`] in [`DEFAULT_GROUPS`].
pub fn default_user() -> UserInfo {
    UserInfo::new(DEFAULT_USER, DEFAULT_GROUPS.iter().copied())
}

/// A human user as `--as USER --as-group G…` impersonates it: the groups given, plus
/// `system:authenticated` (which impersonation adds; `system:anonymous` gets
/// `system:unauthenticated` instead).
pub fn user(name: &str, groups: &[String]) -> UserInfo {
    let mut all: Vec<String> = groups.to_vec();
    let implied = if name == "system:anonymous" {
        "system:unauthenticated"
    } else {
        AUTHENTICATED_GROUP
    };
    if !all.iter().any(|g| g == implied) {
        all.push(implied.to_owned());
    }
    UserInfo::new(name, all)
}

/// A ServiceAccount sending the request itself: `system:serviceaccount:NS:NAME` in
/// `system:serviceaccounts`, `system:serviceaccounts:NS` and `system:authenticated`.
pub fn service_account_user(namespace: &str, name: &str) -> UserInfo {
    let mut u = UserInfo::service_account(namespace, name);
    u.groups.push(AUTHENTICATED_GROUP.to_owned());
    u
}

/// One securityContext field the admitting SCC changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field, e.g. `spec.containers[0].securityContext.runAsUser`.
    pub path: String,
    /// The container, for container fields.
    pub container: Option<String>,
    /// The value as sent (`None`: unset).
    pub before: Option<Value>,
    /// The value after admission (`None`: unset).
    pub after: Option<Value>,
}

/// One SCC tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SccTry {
    /// The SCC.
    pub scc: String,
    /// `not usable`, `failed`, `needs mutation` or `admitted`.
    pub result: &'static str,
    /// Its reasons, each as OpenShift prints it.
    pub reasons: Vec<String>,
}

/// The SCC admission result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SccResult {
    /// True when admitted or skipped.
    pub allowed: bool,
    /// The admitting SCC.
    pub scc: Option<String>,
    /// Why the plugin skipped the pod (`windows pod`).
    pub skipped: Option<&'static str>,
    /// The rejection exactly as the API server returns it.
    pub error: Option<String>,
    /// The securityContext fields the SCC set or changed.
    pub mutations: Vec<FieldChange>,
    /// Every SCC tried, in order.
    pub attempts: Vec<SccTry>,
    /// Reasons not tied to one SCC (`no access to scc/restricted`).
    pub extra_reasons: Vec<String>,
}

/// The PSA results of one object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PsaResult {
    /// The namespace whose labels were read (`None`: no Namespace object, so no labels).
    pub namespace: Option<String>,
    /// Whether the pod evaluated is the one SCC admission mutated (OpenShift, admitted).
    pub after_scc: bool,
    /// The pod, in all three modes.
    pub pod: PsaOutcome,
    /// For a workload, its template as submitted (warn and audit only).
    pub template: Option<PsaOutcome>,
}

/// The result for one Pod or workload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemResult {
    /// The object's kind.
    pub kind: WorkloadKind,
    /// The object's name.
    pub name: String,
    /// The namespace used.
    pub namespace: Option<String>,
    /// The file it came from.
    pub source: String,
    /// The name in the API server's messages (`name`, or `generateName`).
    pub pod_name: String,
    /// SCC admission (OpenShift only).
    pub scc: Option<SccResult>,
    /// Pod Security Admission.
    pub psa: PsaResult,
    /// Assumptions made for this object.
    pub notes: Vec<String>,
}

impl ItemResult {
    /// Whether the pod would be created: SCC admission allows it and PSA enforce does not
    /// reject it.
    pub fn admitted(&self) -> bool {
        self.scc.as_ref().is_none_or(|s| s.allowed) && self.psa.pod.allowed()
    }
}

/// Everything `admit` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditReport {
    /// The platform simulated.
    pub platform: String,
    /// The requester.
    pub user: String,
    /// The requester's groups.
    pub groups: Vec<String>,
    /// One result per Pod or workload, in input order.
    pub items: Vec<ItemResult>,
    /// Workloads that could not be read.
    pub problems: Vec<String>,
}

impl AuditReport {
    /// True when every pod would be created.
    pub fn all_admitted(&self) -> bool {
        self.items.iter().all(ItemResult::admitted)
    }
}

/// The Pods and workloads in the inputs, with the object each came from. Objects that name a
/// workload kind but do not match its API type are returned as errors.
pub fn workloads(inputs: &Inputs) -> (Vec<(&ClusterObject, PodTemplate)>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for obj in &inputs.cluster.objects {
        match &obj.kind {
            ObjectKind::Pod(pod) => found.push((obj, PodTemplate::from_pod(pod))),
            ObjectKind::Other { .. } => match PodTemplate::from_json(&obj.node.to_json()) {
                Some(Ok(t)) => found.push((obj, t)),
                Some(Err(e)) => problems.push(e.to_string()),
                None => {}
            },
            _ => {}
        }
    }
    (found, problems)
}

/// The cluster context of a run: SCCs, the authorizer and the Namespaces.
pub struct ClusterContext<'a> {
    /// The SCCs (platform defaults replaced or extended by the inputs').
    pub sccs: SccSet,
    /// RBAC from the platform defaults and the inputs.
    pub authorizer: RbacAuthorizer,
    /// Namespaces by name.
    pub namespaces: BTreeMap<String, &'a Namespace>,
}

impl<'a> ClusterContext<'a> {
    /// Builds the context from the cluster objects read over `platform`'s defaults (for
    /// `kubernetes`, no SCCs and no RBAC defaults).
    pub fn new(cluster: &'a Cluster, platform: &Platform) -> Self {
        let mut authorizer = RbacAuthorizer::new();
        let mut sccs = Vec::new();
        if let Platform::OpenShift { name, .. } = platform {
            sccs = super::platform::default_sccs(name).unwrap_or_default();
            let (roles, bindings) = super::platform::default_rbac(name);
            for role in roles {
                authorizer.add_cluster_role(role);
            }
            for binding in bindings {
                authorizer.add_cluster_role_binding(binding);
            }
        }
        for (_, scc) in cluster.sccs() {
            sccs.retain(|s| s.name() != scc.name());
            sccs.push(scc.clone());
        }
        // Later additions of the same name replace the defaults.
        for (_, r) in cluster.cluster_roles() {
            authorizer.add_cluster_role(r.clone());
        }
        for (_, r) in cluster.roles() {
            authorizer.add_role(r.clone());
        }
        for (_, b) in cluster.role_bindings() {
            authorizer.add_role_binding(b.clone());
        }
        for (_, b) in cluster.cluster_role_bindings() {
            authorizer.add_cluster_role_binding(b.clone());
        }
        let namespaces = cluster
            .namespaces()
            .filter_map(|(_, ns)| Some((ns.metadata.name.clone()?, ns)))
            .collect();
        ClusterContext {
            sccs: SccSet::new(sccs),
            authorizer,
            namespaces,
        }
    }
}

/// Runs SCC admission (OpenShift) and PSA on every Pod and workload in the inputs.
pub fn audit(inputs: &Inputs, settings: &AuditSettings) -> AuditReport {
    let cx = ClusterContext::new(&inputs.cluster, &settings.platform);
    let (found, problems) = workloads(inputs);
    let items = found
        .iter()
        .map(|(obj, t)| {
            let source = inputs.sources.get(obj.source).path.display().to_string();
            admit_template(t, source, &cx, settings)
        })
        .collect();
    AuditReport {
        platform: settings.platform.name().to_owned(),
        user: settings.user.name.clone(),
        groups: settings.user.groups.clone(),
        items,
        problems,
    }
}

/// Runs SCC admission (OpenShift) and PSA on one pod, e.g. a predicted runner job pod
/// (`source` is left empty). Build `cx` once per cluster with [`ClusterContext::new`].
pub fn admit_pod(pod: &Pod, cx: &ClusterContext<'_>, settings: &AuditSettings) -> ItemResult {
    admit_template(&PodTemplate::from_pod(pod), String::new(), cx, settings)
}

/// Runs SCC admission (OpenShift) and PSA on one Pod or workload. `source` names where it
/// came from, for the report.
pub fn admit_template(
    t: &PodTemplate,
    source: String,
    cx: &ClusterContext<'_>,
    settings: &AuditSettings,
) -> ItemResult {
    admit_template_evaluated(t, source, cx, settings).0
}

/// As [`admit_template`], also returning the pod PSA evaluated: the one the admitting SCC
/// mutated, or the pod as sent (after API defaulting) when no SCC admitted it.
pub fn admit_template_evaluated(
    t: &PodTemplate,
    source: String,
    cx: &ClusterContext<'_>,
    settings: &AuditSettings,
) -> (ItemResult, Pod) {
    let mut notes = Vec::new();
    let mut pod = t.simulated_pod();
    if pod.metadata.namespace.is_none() {
        if let Some(ns) = &settings.namespace {
            pod.metadata.namespace = Some(ns.clone());
        } else if cx.namespaces.len() == 1 {
            let only = cx.namespaces.keys().next().cloned();
            notes.push(format!(
                "no namespace given; assumed `{}`, the only Namespace in the inputs",
                only.as_deref().unwrap_or("")
            ));
            pod.metadata.namespace = only;
        } else {
            notes.push("no namespace given and none could be inferred; the namespace is empty (use --namespace)".into());
        }
    }
    let ns_name = pod.metadata.namespace.clone();
    let namespace = ns_name
        .as_deref()
        .and_then(|n| cx.namespaces.get(n).copied());
    if namespace.is_none() {
        notes.push(format!(
            "no Namespace `{}` in the inputs: no PSA labels (the platform defaults apply){}",
            ns_name.as_deref().unwrap_or(""),
            match settings.platform {
                Platform::OpenShift { .. } =>
                    ", and SCC admission refuses the pod as the namespace does not exist",
                Platform::Kubernetes => "",
            }
        ));
    }
    if t.kind.is_controller() {
        notes.push(format!(
            "the pod is the one the {} controller would create; its real name has a generated suffix, and the requester given stands in for the controller's ServiceAccount",
            t.kind
        ));
    }

    let scc = match settings.platform {
        Platform::OpenShift { .. } => Some(admission_request(&pod, namespace, cx, settings)),
        Platform::Kubernetes => None,
    };
    let admitted_pod = scc.as_ref().and_then(|o| o.pod());
    let defaults = settings
        .psa_defaults
        .unwrap_or_else(|| settings.platform.psa_defaults());
    // The API server defaults the pod before any admission plugin sees it.
    let mut defaulted = pod.clone();
    super::defaults::apply_pod_defaults(&mut defaulted);
    let evaluated = admitted_pod.unwrap_or(&defaulted);
    let psa_pod = psa::check_pod_in_namespace(evaluated, namespace, defaults, true);
    let template = t
        .kind
        .is_controller()
        .then(|| psa::check_pod_in_namespace(&t.simulated_pod(), namespace, defaults, false));
    let evaluated = evaluated.clone();
    let item = ItemResult {
        kind: t.kind,
        name: t.name.clone(),
        namespace: ns_name.clone(),
        source,
        pod_name: display_name(&pod),
        scc: scc.as_ref().map(|o| scc_result(&pod, o)),
        psa: PsaResult {
            namespace: namespace.and(ns_name),
            after_scc: admitted_pod.is_some(),
            pod: psa_pod,
            template,
        },
        notes,
    };
    (item, evaluated)
}

fn display_name(pod: &Pod) -> String {
    pod.metadata
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| pod.metadata.generate_name.clone())
        .unwrap_or_else(|| "Unknown".into())
}

fn admission_request(
    pod: &Pod,
    namespace: Option<&Namespace>,
    cx: &ClusterContext<'_>,
    settings: &AuditSettings,
) -> AdmissionOutcome {
    super::admit(&AdmissionRequest {
        pod,
        namespace,
        namespace_name: pod.metadata.namespace.as_deref(),
        user: &settings.user,
        authorizer: &cx.authorizer,
        sccs: &cx.sccs,
        operation: Operation::Create,
        options: AdmissionOptions::default(),
    })
}

/// The report form of an SCC admission outcome for the pod `sent`.
pub fn scc_result(sent: &Pod, out: &AdmissionOutcome) -> SccResult {
    let attempts = out
        .attempts
        .iter()
        .map(|a| SccTry {
            scc: a.scc.clone(),
            result: match a.result {
                AttemptResult::NotUsable => "not usable",
                AttemptResult::Failed => "failed",
                AttemptResult::NeedsMutation => "needs mutation",
                AttemptResult::Admitted => "admitted",
            },
            reasons: a.reasons.iter().map(|r| r.message()).collect(),
        })
        .collect();
    SccResult {
        allowed: out.allowed(),
        scc: out.scc().map(str::to_owned),
        skipped: match &out.decision {
            Decision::Skipped {
                reason: SkipReason::WindowsPod,
                ..
            } => Some("windows pod"),
            _ => None,
        },
        error: out.error().map(str::to_owned),
        mutations: out
            .pod()
            .map(|after| security_context_changes(sent, after))
            .unwrap_or_default(),
        attempts,
        extra_reasons: out.extra_reasons.iter().map(|r| r.message()).collect(),
    }
}

/// The securityContext leaves (pod and every container) that differ between two pods.
pub fn security_context_changes(before: &Pod, after: &Pod) -> Vec<FieldChange> {
    let leaves = |pod: &Pod| {
        let mut out: Vec<(String, Option<String>, Value)> = Vec::new();
        let Some(spec) = pod.spec.as_ref() else {
            return out;
        };
        let mut push = |prefix: String, container: Option<String>, v: Option<Value>| {
            let mut flat = Vec::new();
            flatten(&prefix, v.unwrap_or(Value::Null), &mut flat);
            out.extend(flat.into_iter().map(|(p, v)| (p, container.clone(), v)));
        };
        push(
            "spec.securityContext".into(),
            None,
            spec.security_context
                .as_ref()
                .and_then(|s| serde_json::to_value(s).ok()),
        );
        for (list, containers) in [
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
            ),
            ("containers", spec.containers.as_slice()),
        ] {
            for (i, c) in containers.iter().enumerate() {
                push(
                    format!("spec.{list}[{i}].securityContext"),
                    Some(c.name.clone()),
                    c.security_context
                        .as_ref()
                        .and_then(|s| serde_json::to_value(s).ok()),
                );
            }
        }
        out
    };
    let b = leaves(before);
    let a = leaves(after);
    let mut changes = Vec::new();
    for (path, container, value) in &a {
        let old = b.iter().find(|(p, ..)| p == path).map(|(.., v)| v);
        if old != Some(value) {
            changes.push(FieldChange {
                path: path.clone(),
                container: container.clone(),
                before: old.cloned(),
                after: Some(value.clone()),
            });
        }
    }
    for (path, container, value) in &b {
        if !a.iter().any(|(p, ..)| p == path) {
            changes.push(FieldChange {
                path: path.clone(),
                container: container.clone(),
                before: Some(value.clone()),
                after: None,
            });
        }
    }
    changes
}

/// Objects become dotted paths down to scalars and arrays; nulls and empty objects vanish.
fn flatten(prefix: &str, v: Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        other => out.push((prefix.to_owned(), other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_unknown_ones_list_the_known() {
        assert_eq!(Platform::parse("kubernetes").unwrap(), Platform::Kubernetes);
        assert_eq!(
            Platform::parse("openshift-4.16").unwrap(),
            Platform::OpenShift {
                name: "openshift-4.16".into(),
                minor: 16
            }
        );
        let err = Platform::parse("openshift-4.99").unwrap_err().to_string();
        assert!(err.contains("openshift-4.14"), "{err}");
    }

    #[test]
    fn requesters() {
        let sa = service_account_user("ci", "runner");
        assert_eq!(sa.name, "system:serviceaccount:ci:runner");
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:ci",
                "system:authenticated"
            ]
        );
        assert_eq!(user("alice", &[]).groups, ["system:authenticated"]);
        assert_eq!(
            user("system:anonymous", &[]).groups,
            ["system:unauthenticated"]
        );
        let admin = user("system:admin", &["system:masters".into()]);
        assert_eq!(admin.groups, ["system:masters", "system:authenticated"]);
    }

    #[test]
    fn changes_list_set_and_changed_leaves() {
        let before: Pod = serde_json::from_value(serde_json::json!({
            "spec": {"containers": [{"name": "build", "securityContext": {"privileged": false}}]}}))
        .unwrap();
        let after: Pod = serde_json::from_value(serde_json::json!({
            "spec": {"securityContext": {"fsGroup": 1000680000},
                     "containers": [{"name": "build", "securityContext": {
                         "runAsUser": 1000680000, "capabilities": {"drop": ["ALL"]}}}]}}))
        .unwrap();
        let paths: Vec<(String, Option<Value>, Option<Value>)> =
            security_context_changes(&before, &after)
                .into_iter()
                .map(|c| (c.path, c.before, c.after))
                .collect();
        assert_eq!(
            paths,
            [
                (
                    "spec.securityContext.fsGroup".into(),
                    None,
                    Some(1000680000.into())
                ),
                (
                    "spec.containers[0].securityContext.capabilities.drop".into(),
                    None,
                    Some(serde_json::json!(["ALL"]))
                ),
                (
                    "spec.containers[0].securityContext.runAsUser".into(),
                    None,
                    Some(1000680000.into())
                ),
                (
                    "spec.containers[0].securityContext.privileged".into(),
                    Some(false.into()),
                    None
                ),
            ]
        );
    }
}

#[cfg(test)]
mod pod_tests {
    use super::*;

    const NS: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: ci
  annotations:
    openshift.io/sa.scc.mcs: s0:c26,c15
    openshift.io/sa.scc.supplemental-groups: 1000680000/10000
    openshift.io/sa.scc.uid-range: 1000680000/10000
  labels:
    pod-security.kubernetes.io/enforce: restricted
";

    fn job_pod() -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "runner-x-project-1-concurrent-0", "namespace": "ci"},
            "spec": {"serviceAccountName": "gitlab-runner",
                     "containers": [{"name": "build", "image": "ruby"},
                                    {"name": "helper", "image": "helper"}]}}))
        .expect("pod")
    }

    #[test]
    fn restricted_v2_mutation_satisfies_psa_restricted() {
        let mut inputs = Inputs::default();
        inputs.add_text("ns.yaml".into(), NS.into());
        let platform = Platform::parse("openshift-4.14").expect("platform");
        let cx = ClusterContext::new(&inputs.cluster, &platform);
        let mut settings = AuditSettings::new(platform);
        settings.user = service_account_user("ci", "gitlab-runner");
        let item = admit_pod(&job_pod(), &cx, &settings);
        let scc = item.scc.as_ref().expect("scc");
        assert_eq!(scc.scc.as_deref(), Some("restricted-v2"), "{:?}", scc.error);
        assert!(item.psa.after_scc);
        assert_eq!(item.psa.pod.error(), None, "{:?}", item.psa.pod);
        assert!(item.admitted());

        // The same pod as sent fails restricted: OpenShift's mutation is what makes it pass.
        let (policy, _) =
            Policy::from_namespace(cx.namespaces.get("ci").copied(), Policy::privileged());
        assert!(!psa::check_pod(&job_pod(), &policy, true).allowed());
    }

    #[test]
    fn kubernetes_defaults_host_ports_before_psa() {
        let mut inputs = Inputs::default();
        inputs.add_text(
            "ns.yaml".into(),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ci\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n".into(),
        );
        let platform = Platform::Kubernetes;
        let cx = ClusterContext::new(&inputs.cluster, &platform);
        let settings = AuditSettings::new(platform);
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "job", "namespace": "ci"},
            "spec": {"hostNetwork": true, "containers": [{"name": "build", "image": "ruby",
                     "ports": [{"containerPort": 8080}]}]}}))
        .expect("pod");
        let item = admit_pod(&pod, &cx, &settings);
        assert!(item.scc.is_none());
        assert_eq!(
            item.psa.pod.error(),
            Some(
                "pods \"job\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostPort (container \"build\" uses hostPort 8080)"
            )
        );
    }
}
