//! Pods and pod templates of workloads: the pod metadata and spec of a Pod, Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, Job or CronJob, and the pod its controller would create,
//! so that admission (SCC and PSA) can run on any of them.
//!
//! The kinds are those the PodSecurity plugin extracts templates from
//! (`k8s.io/pod-security-admission` `admission/admission.go`, `DefaultPodSpecExtractor`; the
//! core `ReplicationController` and `PodTemplate` are left out here). This module only
//! converts objects; it does not evaluate anything.
//!
//! The simulated pod is what the controller sends: the template's metadata and spec, in the
//! workload's namespace, named as the controller names it. The random or hashed parts of the
//! name cannot be known offline, so Deployments, ReplicaSets, DaemonSets, Jobs and CronJobs give
//! `generateName: <workload>-` (the real pod is `<workload>-<hash>-<random>` or similar), and
//! StatefulSets give `<workload>-0`. The requester of such a pod is the controller's
//! ServiceAccount; choosing it is the caller's business.

use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// A kind of object that holds a pod or a pod template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    /// `v1` Pod.
    Pod,
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob.
    CronJob,
}

impl WorkloadKind {
    /// The kind's name, as in `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    /// The kind for an `apiVersion` and `kind`, if it holds a pod or a pod template.
    pub fn from_type(api_version: &str, kind: &str) -> Option<Self> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        Some(match (group, kind) {
            ("", "Pod") => WorkloadKind::Pod,
            ("apps", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps", "DaemonSet") => WorkloadKind::DaemonSet,
            ("apps", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            _ => return None,
        })
    }

    /// Whether objects of this kind are pod controllers (PSA only warns and audits them).
    pub fn is_controller(self) -> bool {
        self != WorkloadKind::Pod
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pod part of a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct PodTemplate {
    /// The workload's kind.
    pub kind: WorkloadKind,
    /// The workload's name.
    pub name: String,
    /// The workload's namespace, if given.
    pub namespace: Option<String>,
    /// The pod's (or template's) metadata.
    pub metadata: ObjectMeta,
    /// The pod's (or template's) spec.
    pub spec: PodSpec,
}

/// Why an object could not be read as a workload.
#[derive(Debug, thiserror::Error)]
#[error("{kind} `{name}` does not match the Kubernetes API types: {source}")]
pub struct WorkloadError {
    /// The kind.
    pub kind: WorkloadKind,
    /// The object's name.
    pub name: String,
    /// The deserialisation error.
    #[source]
    pub source: serde_json::Error,
}

fn template(kind: WorkloadKind, meta: ObjectMeta, t: Option<PodTemplateSpec>) -> PodTemplate {
    let t = t.unwrap_or_default();
    PodTemplate {
        kind,
        name: meta.name.unwrap_or_default(),
        namespace: meta.namespace,
        metadata: t.metadata.unwrap_or_default(),
        spec: t.spec.unwrap_or_default(),
    }
}

impl PodTemplate {
    /// A Pod as it is.
    pub fn from_pod(pod: &Pod) -> Self {
        PodTemplate {
            kind: WorkloadKind::Pod,
            name: pod
                .metadata
                .name
                .clone()
                .or_else(|| pod.metadata.generate_name.clone())
                .unwrap_or_default(),
            namespace: pod.metadata.namespace.clone(),
            metadata: pod.metadata.clone(),
            spec: pod.spec.clone().unwrap_or_default(),
        }
    }

    /// Reads an object given as JSON. `None` when its `apiVersion`/`kind` is not one of the
    /// [`WorkloadKind`]s.
    pub fn from_json(value: &serde_json::Value) -> Option<Result<Self, WorkloadError>> {
        let api_version = value.get("apiVersion")?.as_str()?;
        let kind = WorkloadKind::from_type(api_version, value.get("kind")?.as_str()?)?;
        Some(Self::from_json_as(kind, value.clone()))
    }

    fn from_json_as(kind: WorkloadKind, value: serde_json::Value) -> Result<Self, WorkloadError> {
        let name = value
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned();
        let err = |source| WorkloadError {
            kind,
            name: name.clone(),
            source,
        };
        Ok(match kind {
            WorkloadKind::Pod => {
                Self::from_pod(&serde_json::from_value::<Pod>(value).map_err(err)?)
            }
            WorkloadKind::Deployment => {
                let d: Deployment = serde_json::from_value(value).map_err(err)?;
                template(kind, d.metadata, d.spec.map(|s| s.template))
            }
            WorkloadKind::StatefulSet => {
                let d: StatefulSet = serde_json::from_value(value).map_err(err)?;
                template(kind, d.metadata, d.spec.map(|s| s.template))
            }
            WorkloadKind::DaemonSet => {
                let d: DaemonSet = serde_json::from_value(value).map_err(err)?;
                template(kind, d.metadata, d.spec.map(|s| s.template))
            }
            WorkloadKind::ReplicaSet => {
                let d: ReplicaSet = serde_json::from_value(value).map_err(err)?;
                template(kind, d.metadata, d.spec.and_then(|s| s.template))
            }
            WorkloadKind::Job => {
                let d: Job = serde_json::from_value(value).map_err(err)?;
                template(kind, d.metadata, d.spec.map(|s| s.template))
            }
            WorkloadKind::CronJob => {
                let d: CronJob = serde_json::from_value(value).map_err(err)?;
                template(
                    kind,
                    d.metadata,
                    d.spec.and_then(|s| s.job_template.spec).map(|s| s.template),
                )
            }
        })
    }

    /// As [`PodTemplate::from_json`], consuming the value (no copy) and reading only what
    /// admission reads: `metadata` and `spec`, so `status` and anything else is ignored
    /// however it is written. For the streaming audit, where each object is read once.
    pub fn from_json_owned(value: serde_json::Value) -> Option<Result<Self, WorkloadError>> {
        let kind = WorkloadKind::from_type(
            value.get("apiVersion")?.as_str()?,
            value.get("kind")?.as_str()?,
        )?;
        let name = value
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_owned();
        Some(read_slim(kind, value).map_err(|source| WorkloadError { kind, name, source }))
    }

    /// As [`PodTemplate::from_json_owned`], straight from the JSON text of one object (the
    /// `oc get -o json` fast path: no `serde_json::Value` is built). `None` when the text is
    /// not a JSON object of a [`WorkloadKind`].
    pub fn from_json_slice(bytes: &[u8]) -> Option<Result<Self, WorkloadError>> {
        let head: Head<'_> = serde_json::from_slice(bytes).ok()?;
        let kind = WorkloadKind::from_type(&head.api_version?, &head.kind?)?;
        Some(Self::from_json_slice_as(kind, bytes))
    }

    /// As [`PodTemplate::from_json_slice`] when the kind is already known (the splitter saw
    /// `apiVersion` and `kind`), so the text is parsed once.
    pub fn from_json_slice_as(kind: WorkloadKind, bytes: &[u8]) -> Result<Self, WorkloadError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        read_slim(kind, &mut de)
            .and_then(|t| de.end().map(|()| t))
            .map_err(|source| WorkloadError {
                kind,
                // Only for the message: the name as far as the text can be read.
                name: serde_json::from_slice::<Head<'_>>(bytes)
                    .ok()
                    .and_then(|h| h.metadata?.name)
                    .map(String::from)
                    .unwrap_or_default(),
                source,
            })
    }

    /// The pod as the controller would send it: the template in the workload's namespace,
    /// named as the module documentation says. A Pod is returned unchanged.
    pub fn simulated_pod(&self) -> Pod {
        let mut metadata = self.metadata.clone();
        if self.kind.is_controller() {
            metadata.namespace = self.namespace.clone();
            // The template's own name fields are ignored by controllers.
            metadata.name = None;
            metadata.generate_name = None;
            match self.kind {
                WorkloadKind::StatefulSet => metadata.name = Some(format!("{}-0", self.name)),
                _ => metadata.generate_name = Some(format!("{}-", self.name)),
            }
        }
        Pod {
            metadata,
            spec: Some(self.spec.clone()),
            status: None,
        }
    }

    /// `Kind/name`, e.g. `Deployment/web`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// The identifying fields of an object, read without building the rest.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(rename = "apiVersion", borrow)]
    api_version: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    metadata: Option<HeadMeta<'a>>,
}

#[derive(serde::Deserialize)]
struct HeadMeta<'a> {
    #[serde(borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
}

/// The two parts of a workload admission reads; unknown fields (`status`, `apiVersion`,
/// `kind`) are skipped without being built.
#[derive(serde::Deserialize)]
struct Slim<S> {
    metadata: Option<ObjectMeta>,
    spec: Option<S>,
}

fn slim<'de, S, D>(d: D) -> Result<(ObjectMeta, Option<S>), serde_json::Error>
where
    S: serde::Deserialize<'de>,
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    let s: Slim<S> = serde::Deserialize::deserialize(d)?;
    Ok((s.metadata.unwrap_or_default(), s.spec))
}

/// Reads a workload of `kind` from any JSON deserializer (a value or text).
fn read_slim<'de, D>(kind: WorkloadKind, d: D) -> Result<PodTemplate, serde_json::Error>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    use k8s_openapi::api::apps::v1::{
        DaemonSetSpec, DeploymentSpec, ReplicaSetSpec, StatefulSetSpec,
    };
    use k8s_openapi::api::batch::v1::{CronJobSpec, JobSpec};
    Ok(match kind {
        WorkloadKind::Pod => {
            let (metadata, spec) = slim::<PodSpec, _>(d)?;
            PodTemplate {
                kind,
                name: metadata
                    .name
                    .clone()
                    .or_else(|| metadata.generate_name.clone())
                    .unwrap_or_default(),
                namespace: metadata.namespace.clone(),
                metadata,
                spec: spec.unwrap_or_default(),
            }
        }
        WorkloadKind::Deployment => {
            let (m, s) = slim::<DeploymentSpec, _>(d)?;
            template(kind, m, s.map(|s| s.template))
        }
        WorkloadKind::StatefulSet => {
            let (m, s) = slim::<StatefulSetSpec, _>(d)?;
            template(kind, m, s.map(|s| s.template))
        }
        WorkloadKind::DaemonSet => {
            let (m, s) = slim::<DaemonSetSpec, _>(d)?;
            template(kind, m, s.map(|s| s.template))
        }
        WorkloadKind::ReplicaSet => {
            let (m, s) = slim::<ReplicaSetSpec, _>(d)?;
            template(kind, m, s.and_then(|s| s.template))
        }
        WorkloadKind::Job => {
            let (m, s) = slim::<JobSpec, _>(d)?;
            template(kind, m, s.map(|s| s.template))
        }
        WorkloadKind::CronJob => {
            let (m, s) = slim::<CronJobSpec, _>(d)?;
            template(
                kind,
                m,
                s.and_then(|s| s.job_template.spec).map(|s| s.template),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> serde_json::Value {
        serde_json::json!({"serviceAccountName": "runner",
            "containers": [{"name": "app", "image": "nginx"}]})
    }

    #[test]
    fn every_kind_yields_its_template_and_the_controller_pod_name() {
        let t = serde_json::json!({"metadata": {"labels": {"app": "web"}}, "spec": spec()});
        let cases = [
            (
                "apps/v1",
                "Deployment",
                serde_json::json!({"template": t}),
                None,
                Some("web-"),
            ),
            (
                "apps/v1",
                "StatefulSet",
                serde_json::json!({"selector": {}, "serviceName": "s", "template": t}),
                Some("web-0"),
                None,
            ),
            (
                "apps/v1",
                "DaemonSet",
                serde_json::json!({"selector": {}, "template": t}),
                None,
                Some("web-"),
            ),
            (
                "apps/v1",
                "ReplicaSet",
                serde_json::json!({"selector": {}, "template": t}),
                None,
                Some("web-"),
            ),
            (
                "batch/v1",
                "Job",
                serde_json::json!({"template": t}),
                None,
                Some("web-"),
            ),
            (
                "batch/v1",
                "CronJob",
                serde_json::json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": t}}}),
                None,
                Some("web-"),
            ),
        ];
        for (api_version, kind, s, name, generate_name) in cases {
            let obj = serde_json::json!({"apiVersion": api_version, "kind": kind,
                "metadata": {"name": "web", "namespace": "ci"}, "spec": s});
            let w = PodTemplate::from_json(&obj)
                .expect("a workload")
                .expect("valid");
            assert_eq!(w.kind.as_str(), kind);
            assert_eq!(w.display(), format!("{kind}/web"));
            let pod = w.simulated_pod();
            assert_eq!(pod.metadata.namespace.as_deref(), Some("ci"), "{kind}");
            assert_eq!(pod.metadata.name.as_deref(), name, "{kind}");
            assert_eq!(
                pod.metadata.generate_name.as_deref(),
                generate_name,
                "{kind}"
            );
            let spec = pod.spec.expect("spec");
            assert_eq!(spec.service_account_name.as_deref(), Some("runner"));
            assert_eq!(spec.containers[0].name, "app");
            assert!(pod.metadata.labels.is_some_and(|l| l["app"] == "web"));
        }
    }

    #[test]
    fn pods_pass_through_and_other_kinds_are_not_workloads() {
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "job", "namespace": "ci"}, "spec": spec()});
        let w = PodTemplate::from_json(&pod).expect("pod").expect("valid");
        assert!(!w.kind.is_controller());
        assert_eq!(w.simulated_pod().metadata.name.as_deref(), Some("job"));
        let cm =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        assert!(PodTemplate::from_json(&cm).is_none());
        // A Deployment in another group is not apps/v1's.
        let other = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Deployment"});
        assert!(PodTemplate::from_json(&other).is_none());
        let bad = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"}, "spec": {"replicas": "three"}});
        let err = PodTemplate::from_json(&bad)
            .expect("a workload")
            .expect_err("invalid");
        assert!(
            err.to_string()
                .starts_with("Deployment `web` does not match"),
            "{err}"
        );
    }
}
