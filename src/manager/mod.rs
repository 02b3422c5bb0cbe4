//! The runner *manager* pod — the one that runs `gitlab-runner run` — as the Helm chart or the
//! GitLab Runner Operator deploys it, predicted from the chart values or the `Runner` resource.
//!
//! This module sits between `model` and `admission`: it turns a [`HelmValuesDoc`] or an
//! [`OperatorRunner`] into the Deployment the chart renders or the Operator creates, with every
//! pod field's provenance (the values key or `Runner` field at `file:line`, or the chart default
//! that applied because the key was absent). The version knowledge lives in [`facts`] as data;
//! admission, access and RBAC of the result are computed in `analysis::manager`. It never
//! reports and holds no secret: token values are never read, only Secret names.
//!
//! [`HelmValuesDoc`]: crate::model::load::HelmValuesDoc

pub mod facts;
mod helm;
mod operator;

use std::fmt;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use serde_json::Value;

use crate::diagnostic::Assumption;
use crate::model::cluster::OperatorRunner;
use crate::model::load::Inputs;
use crate::settings::Settings;
use crate::source::Span;

/// What set a manager pod field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldSource {
    /// A Helm values key or a `Runner` field, written in the inputs.
    Key { key: String, span: Span },
    /// A chart default that applied because the values key was absent.
    ChartDefault {
        key: String,
        value: String,
        chart: &'static str,
    },
    /// What the chart's templates always render, in words.
    ChartTemplate(String),
    /// What the Operator sets by itself, in words.
    OperatorDefault(String),
    /// A name or value runner-doctor had to assume (release name, namespace).
    Assumed(String),
}

impl FieldSource {
    /// The key of the inputs, when the field was written there.
    pub fn span(&self) -> Option<Span> {
        match self {
            FieldSource::Key { span, .. } => Some(*span),
            _ => None,
        }
    }
}

impl fmt::Display for FieldSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldSource::Key { key, .. } => write!(f, "`{key}`"),
            FieldSource::ChartDefault { key, value, chart } => write!(
                f,
                "chart default `{value}` (values key `{key}` absent; chart {chart})"
            ),
            FieldSource::ChartTemplate(what) => write!(f, "chart template: {what}"),
            FieldSource::OperatorDefault(what) => write!(f, "Operator default: {what}"),
            FieldSource::Assumed(what) => write!(f, "assumed: {what}"),
        }
    }
}

/// One provenance entry: the path of a pod field (`spec.securityContext.fsGroup`) and its source.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    pub pod_path: String,
    pub source: FieldSource,
}

/// What deploys the manager.
#[derive(Clone, Debug, PartialEq)]
pub enum ManagerOrigin {
    /// Helm chart values; index into `Inputs::helm_values`.
    Helm { values: usize },
    /// The Operator's `Runner`; index into `Cluster::objects`.
    Operator { object: usize, name: String },
}

/// The predicted manager Deployment's pod.
#[derive(Clone, Debug)]
pub struct ManagerPod {
    pub origin: ManagerOrigin,
    /// The Deployment's name.
    pub deployment: String,
    pub namespace: String,
    /// The pod the ReplicaSet controller creates from the template.
    pub pod: Pod,
    /// The main container's name.
    pub container: String,
    pub provenance: Vec<Provenance>,
    /// The chart version modelled and its facts row (Helm only).
    pub chart: Option<(semver::Version, &'static facts::ChartFacts)>,
    /// Where the deployment mounts the config directory and the CA certificates.
    pub config_mount: Option<String>,
    pub certs_mount: Option<String>,
    /// The Role and RoleBinding the deployment itself creates for the manager's ServiceAccount.
    pub rbac: Option<(Role, RoleBinding)>,
    /// The chart renders that Role and binding as a ClusterRole and ClusterRoleBinding
    /// (`rbac.clusterWideAccess`, runner-manager.md §1.3).
    pub rbac_cluster_wide: bool,
    /// The namespace job pods are created in, as the deployment sets it.
    pub job_namespace: Option<String>,
    pub assumptions: Vec<Assumption>,
}

impl ManagerPod {
    /// What this is, for messages: "the manager Deployment `x` the Helm chart renders".
    pub fn title(&self) -> String {
        match &self.origin {
            ManagerOrigin::Helm { .. } => {
                format!(
                    "the manager Deployment `{}` the Helm chart renders",
                    self.deployment
                )
            }
            ManagerOrigin::Operator { name, .. } => format!(
                "the manager Deployment `{}` the Operator creates for `Runner` `{name}`",
                self.deployment
            ),
        }
    }

    /// The ServiceAccount the pod runs as (`default` when none is named).
    pub fn service_account(&self) -> String {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.service_account_name.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".to_string())
    }

    /// What set a pod field: the entry for the field itself or the nearest enclosing one; a
    /// container's effective `runAsUser`/`runAsGroup`/`runAsNonRoot` falls back to the pod's.
    pub fn source_of(&self, field: &str) -> Option<&FieldSource> {
        let exact = |path: &str| {
            self.provenance
                .iter()
                .find(|p| p.pod_path == path)
                .map(|p| &p.source)
        };
        if let Some(found) = exact(field) {
            return Some(found);
        }
        // A container field the container does not set, inherited from the pod's context.
        if let Some((_, rest)) = field.split_once("].securityContext.")
            && field.contains("ontainers[")
            && let Some(found) = exact(&format!("spec.securityContext.{rest}"))
        {
            return Some(found);
        }
        let mut path = field;
        while let Some(cut) = path.rfind(['.', '[']) {
            path = &path[..cut];
            if let Some(found) = exact(path) {
                return Some(found);
            }
        }
        None
    }

    /// Every provenance entry at or below a field.
    pub fn sources_below<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Provenance> {
        self.provenance.iter().filter(move |p| {
            p.pod_path == field
                || p.pod_path
                    .strip_prefix(field)
                    .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
        })
    }

    /// The Deployment as JSON (`apps/v1`), the pod as its template.
    pub fn deployment_json(&self) -> Value {
        let mut template = serde_json::to_value(&self.pod).unwrap_or(Value::Null);
        let labels = template
            .pointer("/metadata/labels")
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(map) = template.as_object_mut() {
            map.remove("apiVersion");
            map.remove("kind");
        }
        if let Some(meta) = template.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("name");
            meta.remove("generateName");
            meta.remove("namespace");
        }
        serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": self.deployment, "namespace": self.namespace},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": template,
            },
        })
    }
}

/// Every manager pod the inputs deploy: one per Helm values file, one per `Runner`.
pub fn synthesize(inputs: &Inputs, settings: &Settings) -> Vec<ManagerPod> {
    let mut out = Vec::new();
    for (index, values) in inputs.helm_values.iter().enumerate() {
        out.push(helm::synthesize(inputs, settings, index, values));
    }
    for (index, object) in inputs.cluster.objects.iter().enumerate() {
        if let crate::model::cluster::ObjectKind::Runner(runner) = &object.kind {
            let runner: &OperatorRunner = runner;
            out.push(operator::synthesize(settings, index, object, runner));
        }
    }
    out
}

/// Builds a typed Pod from JSON; a value the API types refuse leaves the field out rather than
/// failing the whole prediction.
fn to_pod(value: Value) -> Pod {
    serde_json::from_value(value).unwrap_or_default()
}

/// A RFC 7386 merge of `patch` into `target`, lists of named items (`containers`, `volumes`,
/// `env`, …) merged by `name` as a strategic merge does. Used for the Operator's `podSpec`
/// patches (`strategic` and `merge`, runner-manager.md §2.2).
fn merge(target: &mut Value, patch: &Value, strategic: bool) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else if let Some(existing) = t.get_mut(k) {
                    merge(existing, v, strategic);
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
        (Value::Array(t), Value::Array(p))
            if strategic && p.iter().all(|i| i.get("name").is_some()) =>
        {
            for item in p {
                match t.iter_mut().find(|e| e.get("name") == item.get("name")) {
                    Some(existing) => merge(existing, item, strategic),
                    None => t.push(item.clone()),
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// Paths of the leaves where `after` differs from `before`, in the pod-path syntax
/// (`spec.containers[0].securityContext.runAsUser`).
fn changed_paths(before: Option<&Value>, after: &Value, path: &str, out: &mut Vec<String>) {
    match after {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                changed_paths(before.and_then(|b| b.get(k)), v, &child, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                changed_paths(
                    before.and_then(|b| b.get(i)),
                    v,
                    &format!("{path}[{i}]"),
                    out,
                );
            }
        }
        leaf => {
            if before != Some(leaf) {
                out.push(path.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_keeps_other_containers() {
        let mut spec = json!({"containers": [{"name": "runner", "image": "a"}], "securityContext": {"fsGroup": 1}});
        merge(
            &mut spec,
            &json!({"containers": [{"name": "runner", "securityContext": {"runAsUser": 0}}], "securityContext": {"fsGroup": null}}),
            true,
        );
        assert_eq!(spec["containers"][0]["image"], "a");
        assert_eq!(spec["containers"][0]["securityContext"]["runAsUser"], 0);
        assert!(spec["securityContext"].get("fsGroup").is_none());
    }

    #[test]
    fn changed_leaves_are_listed() {
        let before = json!({"spec": {"a": 1, "b": {"c": 2}}});
        let after = json!({"spec": {"a": 1, "b": {"c": 3, "d": 4}}});
        let mut out = Vec::new();
        changed_paths(Some(&before), &after, "", &mut out);
        assert_eq!(out, vec!["spec.b.c", "spec.b.d"]);
    }
}
