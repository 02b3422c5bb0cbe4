//! For each predicted manager pod (`crate::manager`): its SCC admission and Pod Security
//! Admission with the same engines and cluster context as job pods, the identity and `HOME` it
//! runs with, whether it finds its config directory and CA certificates where the deployment
//! mounts them, and whether its ServiceAccount may create what job pods need.
//!
//! Like `prediction`, this connects models and names what it assumed; it never reports.

use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleRef};

use crate::access::k8s;
use crate::access::{self, Identity, KubeVersion};
use crate::admission::audit::{self, ClusterContext};
use crate::admission::psa::{self, Policy, PsaOutcome};
use crate::admission::{
    self, AdmissionOutcome, AdmissionRequest, Operation, ResourceAttributes, UserInfo,
};
use crate::diagnostic::Assumption;
use crate::manager::{self, ManagerPod, facts};
use crate::model::load::Inputs;
use crate::settings::Settings;

use super::prediction::{
    ASSUMED_MCS, ASSUMED_UID_RANGE, assumed_namespace, has_allocations, with_assumed_allocations,
};

/// One request the manager makes while running a job (runner-manager.md §1.3's minimal rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbacCheck {
    pub resource: &'static str,
    pub subresource: &'static str,
    pub verb: &'static str,
    pub allowed: bool,
}

impl RbacCheck {
    /// `pods/exec`.
    pub fn resource_name(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// The requests checked, in the order a job makes them.
const REQUESTS: &[(&str, &str, &str)] = &[
    ("secrets", "", "create"),
    ("pods", "", "create"),
    ("pods", "attach", "create"),
    ("pods", "exec", "create"),
];

/// Where the manager keeps its state and whether it finds what the deployment mounted.
#[derive(Clone, Debug)]
pub struct ManagerFiles {
    /// `HOME`, and what set it.
    pub home: (String, String),
    /// `/etc/gitlab-runner` for uid 0, else `$HOME/.gitlab-runner` (R `commands/config_unix.go`).
    pub config_dir: String,
    /// Whether the config dir is the deployment's writable config mount (`None`: unknown).
    pub config_in_mount: Option<bool>,
    /// Whether `<config dir>/certs` is where the CA Secret is mounted (`None`: no CA mounted).
    pub certs_found: Option<bool>,
}

/// The prediction for one manager pod.
#[derive(Clone, Debug)]
pub struct ManagerPrediction {
    pub pod: ManagerPod,
    /// SCC admission of the pod the ReplicaSet creates; `None` off OpenShift.
    pub admission: Option<AdmissionOutcome>,
    /// PSA of the pod as admitted (enforce applies: the ReplicaSet creates pods).
    pub pod_security: Option<PsaOutcome>,
    /// The main container's identity in the running pod, or why it is unknown.
    pub identity: Result<Identity, String>,
    pub files: Option<ManagerFiles>,
    /// The namespace job pods are created in.
    pub job_namespace: String,
    /// The ServiceAccount's requests in the job namespace.
    pub rbac: Vec<RbacCheck>,
    /// Whether any RBAC for the ServiceAccount is known (the deployment's own Role, or bindings
    /// in the inputs); without it a denial only means "not shown".
    pub rbac_known: bool,
    /// The namespace's `openshift.io/sa.scc.uid-range` and `…supplemental-groups`, as modelled.
    pub ranges: (Option<String>, Option<String>),
    pub assumptions: Vec<Assumption>,
}

impl ManagerPrediction {
    /// The pod as it runs: admitted (mutated) on OpenShift, as rendered elsewhere.
    pub fn running_pod(&self) -> Option<&Pod> {
        match &self.admission {
            Some(outcome) => outcome.pod(),
            None => Some(&self.pod.pod),
        }
    }
}

/// Predicts every manager pod of the inputs.
pub fn predict_all(inputs: &Inputs, settings: &Settings) -> Vec<ManagerPrediction> {
    manager::synthesize(inputs, settings)
        .into_iter()
        .map(|pod| predict(inputs, settings, pod))
        .collect()
}

fn predict(inputs: &Inputs, settings: &Settings, pod: ManagerPod) -> ManagerPrediction {
    let (platform_name, _) = settings.platform();
    let platform = audit::Platform::parse(&platform_name).unwrap_or(audit::Platform::Kubernetes);
    let openshift = matches!(platform, audit::Platform::OpenShift { .. });
    let mut cx = ClusterContext::new(&inputs.cluster, &platform);
    let mut assumptions = pod.assumptions.clone();
    // A binding in the inputs counts only if it names the manager's ServiceAccount (or a
    // group it is in): RBAC of other subjects says nothing about it.
    let sa = pod.service_account();
    let names_sa = |subjects: &Option<Vec<k8s_openapi::api::rbac::v1::Subject>>,
                    binding_ns: Option<&str>| {
        subjects.iter().flatten().any(|s| match s.kind.as_str() {
            "ServiceAccount" => {
                s.name == sa
                    && s.namespace.as_deref().or(binding_ns) == Some(pod.namespace.as_str())
            }
            "Group" => {
                s.name == "system:serviceaccounts"
                    || s.name == format!("system:serviceaccounts:{}", pod.namespace)
                    || s.name == "system:authenticated"
            }
            _ => false,
        })
    };
    let rbac_known = pod.rbac.is_some()
        || inputs
            .cluster
            .role_bindings()
            .any(|(_, b)| names_sa(&b.subjects, b.metadata.namespace.as_deref()))
        || inputs
            .cluster
            .cluster_role_bindings()
            .any(|(_, b)| names_sa(&b.subjects, None));
    match pod.rbac.clone() {
        Some((role, binding)) if pod.rbac_cluster_wide => {
            let mut meta = role.metadata;
            meta.namespace = None;
            cx.authorizer.add_cluster_role(ClusterRole {
                metadata: meta.clone(),
                rules: role.rules,
                ..Default::default()
            });
            cx.authorizer.add_cluster_role_binding(ClusterRoleBinding {
                metadata: meta,
                role_ref: RoleRef {
                    kind: "ClusterRole".into(),
                    ..binding.role_ref
                },
                subjects: binding.subjects,
            });
        }
        Some((role, binding)) => {
            cx.authorizer.add_role(role);
            cx.authorizer.add_role_binding(binding);
        }
        None => {}
    }

    let namespace = namespace_object(inputs, &pod.namespace, openshift, &mut assumptions);
    let annotation = |key: &str| {
        namespace
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(key).cloned())
    };
    let ranges = (
        annotation("openshift.io/sa.scc.uid-range"),
        annotation("openshift.io/sa.scc.supplemental-groups")
            .or_else(|| annotation("openshift.io/sa.scc.uid-range")),
    );
    let admission = openshift.then(|| {
        // The ReplicaSet controller creates the pod; SCCs usable by it or by the pod's
        // ServiceAccount are candidates (openshift-scc.md §3.1).
        let mut requester = UserInfo::service_account("kube-system", "replicaset-controller");
        requester.groups.push("system:authenticated".into());
        let mut sent = pod.pod.clone();
        // The ServiceAccount admission plugin names `default` when the pod names none.
        if let Some(spec) = sent.spec.as_mut()
            && spec
                .service_account_name
                .as_deref()
                .is_none_or(str::is_empty)
        {
            spec.service_account_name = Some("default".into());
        }
        admission::admit(&AdmissionRequest {
            pod: &sent,
            namespace: Some(&namespace),
            namespace_name: Some(&pod.namespace),
            user: &requester,
            authorizer: &cx.authorizer,
            sccs: &cx.sccs,
            operation: Operation::Create,
            options: Default::default(),
        })
    });
    let running = match &admission {
        Some(outcome) => outcome.pod().cloned(),
        None => Some(pod.pod.clone()),
    };
    let defaults = if openshift {
        Policy::openshift_default()
    } else {
        Policy::privileged()
    };
    let given = inputs
        .cluster
        .namespace(&pod.namespace, None)
        .map(|(_, ns)| ns);
    let pod_security = running.as_ref().map(|running| {
        let mut defaulted = running.clone();
        crate::admission::defaults::apply_pod_defaults(&mut defaulted);
        psa::check_pod_in_namespace(&defaulted, given, defaults, true)
    });

    let kube = match platform_name
        .strip_prefix("openshift-4.")
        .and_then(|m| m.parse::<u32>().ok())
    {
        Some(minor) => KubeVersion::new(1, minor + 13),
        None => KubeVersion::new(1, 30),
    };
    let (identity, files) = match &running {
        Some(running) => {
            let image = running
                .spec
                .as_ref()
                .and_then(|s| s.containers.first())
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            let (config, image_home, passwd_home) =
                image_config(settings, &image, &mut assumptions);
            match k8s::container_identity(running, &pod.container, &config, &[], kube) {
                Ok(id) => {
                    let files = files(&pod, running, &id, image_home, passwd_home);
                    (Ok(id), Some(files))
                }
                Err(e) => (Err(e.to_string()), None),
            }
        }
        None => (Err("the pod is refused".to_string()), None),
    };

    let job_namespace = pod
        .job_namespace
        .clone()
        .unwrap_or_else(|| pod.namespace.clone());
    let user = UserInfo::service_account(&pod.namespace, &pod.service_account());
    let rbac = REQUESTS
        .iter()
        .map(|&(resource, subresource, verb)| RbacCheck {
            resource,
            subresource,
            verb,
            allowed: cx.authorizer.allows(
                &user,
                &ResourceAttributes {
                    verb,
                    api_group: "",
                    resource,
                    subresource,
                    name: "",
                    namespace: &job_namespace,
                },
            ),
        })
        .collect();
    assumptions.sort();
    assumptions.dedup();
    ManagerPrediction {
        pod,
        admission,
        pod_security,
        identity,
        files,
        job_namespace,
        rbac,
        rbac_known,
        ranges,
        assumptions,
    }
}

/// The manager's Namespace, with a typical allocation where OpenShift would add one.
fn namespace_object(
    inputs: &Inputs,
    name: &str,
    openshift: bool,
    assumptions: &mut Vec<Assumption>,
) -> Namespace {
    let allocation = format!("uid-range {ASSUMED_UID_RANGE}, mcs {ASSUMED_MCS}");
    match inputs.cluster.namespace(name, None) {
        Some((_, ns)) if openshift && !has_allocations(ns) => {
            assumptions.push(Assumption::new(
                "namespace.annotations",
                allocation,
                format!("Namespace `{name}` has no `openshift.io/sa.scc.*` annotations; a typical allocation is assumed"),
            ));
            with_assumed_allocations(ns, name)
        }
        Some((_, ns)) => ns.clone(),
        None => {
            if openshift {
                assumptions.push(Assumption::new(
                    "namespace.annotations",
                    allocation,
                    format!("Namespace `{name}` is not in the inputs; a typical OpenShift allocation is assumed"),
                ));
            }
            assumed_namespace(name)
        }
    }
}

/// The image's user and passwd: `--assume image.<image>.user`, the image knowledge base, then
/// the chart's own images ([`facts::MANAGER_IMAGES`]). Also the image's `HOME` for any uid, when
/// it is set by `ENV`.
fn image_config(settings: &Settings, image: &str, assumptions: &mut Vec<Assumption>) -> ImageFacts {
    if let Some(user) = settings.assumed(&format!("image.{image}.user")) {
        let config = access::ImageConfig {
            user: Some(user.to_string()),
            ..Default::default()
        };
        return (config, None, None);
    }
    if let Some(known) = access::kb::image_identity(image) {
        assumptions.push(Assumption::new(
            format!("image.{image}.user"),
            known.assumption.value.clone(),
            format!(
                "image knowledge base entry `{}`: {}",
                known.value.entry, known.assumption.source
            ),
        ));
        let home = known.value.home.clone();
        return (known.value.to_image_config(), home, None);
    }
    if let Some(m) = facts::manager_image(image) {
        let (uid, gid, home) = m.passwd_user;
        assumptions.push(Assumption::new(
            format!("image.{image}.user"),
            format!(
                "{}:{} (passwd gitlab-runner {uid}:{gid}, HOME {home})",
                m.uid, m.gid
            ),
            m.source,
        ));
        let config = access::ImageConfig {
            user: None,
            passwd: vec![access::identity::PasswdEntry {
                name: "gitlab-runner".into(),
                uid,
                gid,
            }],
            groups: Vec::new(),
        };
        return (config, None, Some((uid, home.to_string())));
    }
    let fallback = access::kb::image_config(image);
    assumptions.push(Assumption::new(
        format!("image.{image}.user"),
        fallback.assumption.value.clone(),
        fallback.assumption.source.clone(),
    ));
    (fallback.value, None, None)
}

/// An image's config, its `HOME` for any uid (set by `ENV`), and the passwd user's (uid, home).
type ImageFacts = (access::ImageConfig, Option<String>, Option<(i64, String)>);

/// `HOME`, the config directory, and whether they meet the deployment's mounts.
fn files(
    pod: &ManagerPod,
    running: &Pod,
    id: &Identity,
    image_home: Option<String>,
    passwd_home: Option<(i64, String)>,
) -> ManagerFiles {
    let env_home = running
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.env.as_ref())
        .and_then(|env| env.iter().rev().find(|e| e.name == "HOME"))
        .and_then(|e| e.value.clone());
    let passwd_home = passwd_home
        .filter(|(uid, _)| *uid == id.uid)
        .map(|(_, h)| h);
    let home = match (env_home, image_home, passwd_home) {
        (Some(h), _, _) => (h, "the container's `HOME` env".to_string()),
        (None, Some(h), _) => (h, "the image's `ENV HOME`".to_string()),
        (None, None, Some(h)) => (h, format!("the passwd entry of uid {}", id.uid)),
        (None, None, None) if id.uid == 0 => ("/root".to_string(), "uid 0".to_string()),
        (None, None, None) => (
            "/".to_string(),
            format!(
                "uid {} has no passwd entry in the image, so the runtime sets `HOME=/`",
                id.uid
            ),
        ),
    };
    let config_dir = if id.uid == 0 {
        "/etc/gitlab-runner".to_string()
    } else {
        format!("{}/.gitlab-runner", home.0.trim_end_matches('/'))
    };
    let config_in_mount = pod
        .config_mount
        .as_ref()
        .map(|m| m.trim_end_matches('/') == config_dir);
    let certs_found = pod
        .certs_mount
        .as_ref()
        .map(|m| m.trim_end_matches('/') == format!("{config_dir}/certs"));
    ManagerFiles {
        home,
        config_dir,
        config_in_mount,
        certs_found,
    }
}
