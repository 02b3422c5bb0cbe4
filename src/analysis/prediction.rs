//! For each `[[runners]]` entry: the job pods the runner would create, how OpenShift admits
//! them, and who can then write where — the three models run in data-flow order.
//!
//! This module only connects the models (`pod` → `admission` → `access`) with the objects found
//! in the inputs, and names every fact it had to assume (namespace ranges, helper image user,
//! CSIDriver policy, fresh-volume mode). It holds no platform knowledge of its own and never
//! reports: the rules read what it computed.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass};

use crate::access::k8s::{self, CsiDriverLookup, MountAccess, VolumeObjects};
use crate::access::{
    self, FileStat, Identity, KubeVersion, Mode, Op, Platform, TargetRef, Verdict, VolumeState,
};
use crate::admission::UserInfo;
use crate::admission::audit::{self, ClusterContext};
use crate::admission::psa::{self, Policy, PsaOutcome};
use crate::admission::{self, AdmissionOutcome, AdmissionRequest, Operation};
use crate::analysis::deploy::{self, Deployment};
use crate::analysis::effective::EffectiveConfig;
use crate::diagnostic::Assumption;
use crate::model::cluster::Cluster;
use crate::model::load::{ConfigDoc, Inputs};
use crate::model::pipeline;
use crate::model::runner::{RunnerConfigFile, RunnerEntry};
use crate::pod::{self, BuildOptions, JobPod, PodError};
use crate::settings::Settings;

/// The namespace annotations assumed when the runner's Namespace object is not in the inputs:
/// the values a fresh OpenShift project commonly gets (the allocator hands out blocks of 10000
/// from 1000000000; reference openshift-scc.md §3.9).
pub(crate) const ASSUMED_UID_RANGE: &str = "1000680000/10000";
pub(crate) const ASSUMED_MCS: &str = "s0:c26,c15";

/// The namespace name used when the config's is a template placeholder.
const PLACEHOLDER_NAMESPACE: &str = "templated-namespace";

/// An RFC 1123 label, as Kubernetes requires of namespace names.
fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Image of the representative job when the config names no default image.
const REPRESENTATIVE_IMAGE: &str = "alpine:latest";

/// Cache key used for the representative job when the pipeline gives none.
const REPRESENTATIVE_CACHE_KEY: &str = "default";

/// Where a predicted job comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOrigin {
    /// No pipeline job: a job with the runner's default image and a cache, standing for any job.
    Representative,
    /// A job of a `.gitlab-ci.yml` in the inputs.
    Pipeline {
        /// Index into `Inputs::pipelines`.
        pipeline: usize,
        /// The job's name.
        name: String,
    },
}

/// One predicted job: its pod, its admission and its access matrix.
#[derive(Clone, Debug)]
pub struct JobPrediction {
    pub origin: JobOrigin,
    /// The pod the runner builds, or why it builds none.
    pub pod: Result<JobPod, PodError>,
    /// SCC admission of the pod; `None` off OpenShift or without a pod.
    pub admission: Option<AdmissionOutcome>,
    /// Who can write where in the admitted pod; `None` when the pod is refused or not built.
    pub access: Option<AccessView>,
    /// Pod Security Admission of the pod as SCC admission left it, under the namespace's
    /// `pod-security.kubernetes.io/*` labels; `None` when SCC admission refused it.
    pub pod_security: Option<PsaOutcome>,
}

impl JobPrediction {
    /// The pod as it runs: admitted (mutated) on OpenShift, as built elsewhere.
    pub fn running_pod(&self) -> Option<&Pod> {
        match &self.admission {
            Some(outcome) => outcome.pod(),
            None => self.pod.as_ref().ok().map(|p| &p.pod),
        }
    }
}

/// The access view of one admitted pod.
#[derive(Clone, Debug, Default)]
pub struct AccessView {
    /// Process identity per container (init containers included).
    pub identities: BTreeMap<String, Identity>,
    /// Containers whose identity cannot be computed (they would not start), with why.
    pub identity_errors: BTreeMap<String, String>,
    /// Each pod volume right after kubelet's SetUp.
    pub volumes: BTreeMap<String, VolumeState>,
    /// Pod volumes the model could not set up, with why.
    pub volume_errors: BTreeMap<String, String>,
    /// Read and write verdicts per container mount.
    pub mounts: Vec<MountAccess>,
    /// The helper's verdict for creating the cache directory, when the cache is on a volume.
    pub cache: Option<CacheAccess>,
    /// What the view assumed (image users, fresh roots, CSIDriver policies).
    pub assumptions: Vec<Assumption>,
}

impl AccessView {
    /// The assumptions a verdict about `container` on `volume` rests on, in the view's order:
    /// the volume's root after SetUp, the user of the container's image, and whatever else
    /// `also` picks (a CSIDriver's policy, for a CSI volume).
    pub fn assumptions_about<'a>(
        &'a self,
        container: &str,
        volume: &str,
        also: impl Fn(&Assumption) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Assumption> + 'a {
        let root_key = format!("volume.{volume}.root");
        let image_user = format!("(container `{container}`)");
        self.assumptions.iter().filter(move |a| {
            a.key == root_key
                || (a.key.starts_with("image.") && a.value.ends_with(&image_user))
                || also(a)
        })
    }
}

/// Whether the container that archives the cache can create the cache key's directory.
#[derive(Clone, Debug)]
pub struct CacheAccess {
    /// The writing container (`helper`).
    pub container: String,
    /// The pod volume the cache directory lies on.
    pub volume: String,
    /// Where that volume is mounted.
    pub mount_path: String,
    /// The directory the archiver creates (`<cache_dir>/<ns>/<project>/<key>`).
    pub directory: String,
    /// The mount root as the container sees it.
    pub root: FileStat,
    /// Creating an entry in the mount root.
    pub verdict: Verdict,
}

/// The prediction for one `[[runners]]` entry.
#[derive(Clone, Debug)]
pub struct RunnerPrediction {
    /// Index into `Inputs::configs`.
    pub config: usize,
    /// Index of the entry in that config's `[[runners]]`.
    pub runner: usize,
    /// The typed entry, after what the deployment injects.
    pub entry: RunnerEntry,
    /// How the config is deployed.
    pub deployment: Deployment,
    /// The namespace job pods are created in.
    pub namespace: String,
    /// The identity that creates the job pods (the manager's ServiceAccount).
    pub requester: UserInfo,
    /// The representative job first, then each pipeline job.
    pub jobs: Vec<JobPrediction>,
    /// The representative job's admission with only the platform's default SCCs and RBAC: what
    /// would happen without the custom SCCs and grants of the inputs.
    pub platform_only_admission: Option<AdmissionOutcome>,
    /// Every SCC the requester or the job pods' ServiceAccount may use, in admission order.
    pub usable_sccs: Vec<UsableScc>,
    /// When the representative job pod is refused: the other ServiceAccounts of the namespace
    /// (ServiceAccounts and RBAC subjects of the inputs) under which the same pod would be
    /// admitted, with the SCC that would admit it, by name.
    pub admitting_service_accounts: Vec<AdmittingServiceAccount>,
    /// Assumptions every job of this runner shares.
    pub assumptions: Vec<Assumption>,
}

/// A ServiceAccount whose SCC grants admit a job pod that its own ServiceAccount cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmittingServiceAccount {
    pub name: String,
    /// The SCC that admits the pod under it.
    pub scc: String,
}

/// An SCC that admission may try for the job pods, and through whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsableScc {
    pub name: String,
    /// Usable by the identity that creates the pods.
    pub by_requester: bool,
    /// Usable by the pods' ServiceAccount.
    pub by_service_account: bool,
}

impl RunnerPrediction {
    /// The representative job (always present).
    pub fn representative(&self) -> &JobPrediction {
        &self.jobs[0]
    }
}

/// The platform's Kubernetes version, for kubelet's version gates.
fn kube_version(platform: &str) -> (KubeVersion, Platform) {
    // OpenShift 4.N ships Kubernetes 1.(N+13): 4.14 is 1.27, 4.17 is 1.30.
    match platform
        .strip_prefix("openshift-4.")
        .and_then(|m| m.parse::<u32>().ok())
    {
        Some(minor) => (KubeVersion::new(1, minor + 13), Platform::OpenShift),
        None => (KubeVersion::new(1, 30), Platform::Kubernetes),
    }
}

/// Predicts every runner of the inputs.
pub fn predict_all(
    inputs: &Inputs,
    settings: &Settings,
    effective: &[EffectiveConfig],
) -> Vec<RunnerPrediction> {
    let (platform_name, _) = settings.platform();
    let cluster_cx = cluster_context(&platform_name, &inputs.cluster);
    let empty = Cluster::default();
    let platform_cx = cluster_context(&platform_name, &empty);
    let mut out = Vec::new();
    for (config_index, config) in inputs.configs.iter().enumerate() {
        let Some(effective) = effective.get(config_index) else {
            continue;
        };
        let Some((typed, without_placeholders)) = typed_runners(config, effective) else {
            continue; // the config rules report why it does not type-check
        };
        for (runner_index, entry) in typed.into_iter().enumerate() {
            if entry.executor.as_deref().unwrap_or("kubernetes") != "kubernetes" {
                continue;
            }
            let mut prediction = predict_runner(
                inputs,
                settings,
                &platform_name,
                (cluster_cx.as_ref(), platform_cx.as_ref()),
                (config_index, runner_index),
                entry,
                effective,
            );
            if without_placeholders {
                prediction.assumptions.push(Assumption::new(
                    "config.placeholders",
                    "unset",
                    "the config is a template whose placeholders give some keys values of the wrong type until it is rendered; those keys are modelled as unset",
                ));
            }
            out.push(prediction);
        }
    }
    out
}

/// The typed entries of a config, one per `[[runners]]` item, after what registration sets from
/// the environment; `None` when the whole config does not fit the schema (wrong types are
/// reported by the config rules).
///
/// The second value is set when that needed leaving out the keys whose values are template
/// placeholders (`privileged = ${privileged}`): they are then modelled as unset.
fn typed_runners(
    config: &ConfigDoc,
    effective: &EffectiveConfig,
) -> Option<(Vec<RunnerEntry>, bool)> {
    let typed = |mut json: serde_json::Value| {
        effective.apply(&mut json);
        RunnerConfigFile::load_json_value(&json)
            .ok()
            .map(|loaded| loaded.config.runners)
    };
    if let Some(runners) = typed(config.root.to_json()) {
        return Some((runners, false));
    }
    if config.placeholders.is_empty() {
        return None;
    }
    typed(json_without_placeholders(&config.root, config)).map(|runners| (runners, true))
}

/// The tree as JSON, without the scalars a template placeholder stands in for.
fn json_without_placeholders(node: &crate::source::Node, config: &ConfigDoc) -> serde_json::Value {
    use crate::source::tree::Value;
    let is_placeholder = |n: &crate::source::Node| {
        !matches!(n.value, Value::Map(_) | Value::Seq(_)) && config.is_placeholder(n.range)
    };
    match &node.value {
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .filter(|e| !is_placeholder(&e.value))
                .map(|e| (e.key.clone(), json_without_placeholders(&e.value, config)))
                .collect(),
        ),
        Value::Seq(items) => serde_json::Value::Array(
            items
                .iter()
                .filter(|i| !is_placeholder(i))
                .map(|i| json_without_placeholders(i, config))
                .collect(),
        ),
        _ => node.to_json(),
    }
}

/// The SCCs and the RBAC that decide admission: the platform's defaults with the inputs'
/// objects over them; `None` off OpenShift.
fn cluster_context<'c>(platform: &str, cluster: &'c Cluster) -> Option<ClusterContext<'c>> {
    let platform = audit::Platform::parse(platform).ok()?;
    matches!(platform, audit::Platform::OpenShift { .. })
        .then(|| ClusterContext::new(cluster, &platform))
}

fn predict_runner(
    inputs: &Inputs,
    settings: &Settings,
    platform_name: &str,
    // With the inputs' SCCs and grants, and with the platform's alone.
    (cluster_cx, platform_cx): (Option<&ClusterContext<'_>>, Option<&ClusterContext<'_>>),
    (config_index, runner_index): (usize, usize),
    mut entry: RunnerEntry,
    effective: &EffectiveConfig,
) -> RunnerPrediction {
    let config = &inputs.configs[config_index];
    let mut assumptions = Vec::new();
    // The version the deployment's runner image names, unless `--runner-version` says it.
    let runner_version = match deploy::known_runner_version(inputs, settings, config) {
        Some(known) => {
            if settings.runner_version.is_none() {
                assumptions.push(Assumption::new(
                    "runner.version",
                    known.version.to_string(),
                    format!("read from {} (set --runner-version)", known.from),
                ));
            }
            known.version
        }
        None => settings.runner_version().0,
    };
    let deployment = deploy::find(inputs, config, &runner_version);

    // The Operator's generated config sets the namespace, the helper image and the default job
    // image (`buildImage`) when the template leaves them out (runner-manager.md §2.5).
    let kube = entry.kubernetes.get_or_insert_with(Default::default);
    if kube.namespace.as_deref().is_none_or(str::is_empty)
        && let Some(ns) = &deployment.namespace
    {
        kube.namespace = Some(ns.clone());
    }
    if kube.helper_image.as_deref().is_none_or(str::is_empty)
        && let Some((image, assumption)) = &deployment.helper_image
    {
        kube.helper_image = Some(image.clone());
        assumptions.extend(assumption.clone());
    }
    if kube.image.as_deref().is_none_or(str::is_empty)
        && let Some(image) = &deployment.build_image
    {
        kube.image = Some(image.clone());
    }
    let namespace = match kube.namespace.clone().filter(|n| !n.is_empty()) {
        Some(ns) if is_dns_label(&ns) => ns,
        // A template placeholder (`{{ .Release.Namespace }}`, masked by the loader): the real
        // name is unknown, and nothing in the inputs can be matched to it.
        Some(_) => {
            assumptions.push(Assumption::new(
                "namespace.name",
                PLACEHOLDER_NAMESPACE,
                "`namespace` is a template placeholder; the namespace's own objects cannot be matched",
            ));
            PLACEHOLDER_NAMESPACE.to_string()
        }
        None => {
            // Under the chart the namespace is the release's, which the inputs do not hold: the
            // same stand-in as for the manager (`manager::helm`), so both land in one namespace.
            match effective
                .overrides
                .iter()
                .filter(|o| o.runner == runner_index && o.key.path == ["kubernetes", "namespace"])
                .find_map(|o| effective.settings[o.setting].assumption.clone())
            {
                Some(assumption) => {
                    let (ns, why) = release_namespace(inputs, settings);
                    assumptions.push(Assumption::new(
                        assumption.key,
                        ns.clone(),
                        format!("{}; {why} stands in for it", assumption.origin),
                    ));
                    ns
                }
                // A plain config.toml without `namespace`: the runner's own default.
                None => "default".to_string(),
            }
        }
    };

    let (manager_sa, sa_assumption) = deployment.manager_service_account.clone().unwrap_or_else(|| {
        (
            "gitlab-runner".to_string(),
            Some(Assumption::new(
                "manager.serviceAccount",
                "gitlab-runner",
                "not in the inputs; the name the Helm chart and most installs give the manager's ServiceAccount",
            )),
        )
    });
    assumptions.extend(sa_assumption);
    // The manager runs in its deployment's namespace: the `Runner`'s, or the Helm release's
    // (the same stand-in as `manager::helm` when the inputs do not say it); a plain config's
    // manager is assumed to run beside its jobs.
    let manager_ns = match (&deployment.namespace, &deployment.kind) {
        (Some(ns), _) => ns.clone(),
        (None, deploy::DeploymentKind::Helm { .. }) => {
            let (ns, why) = release_namespace(inputs, settings);
            if ns != namespace {
                assumptions.push(Assumption::new(
                    "manager.namespace",
                    ns.clone(),
                    format!("the Helm release namespace is not in the values; {why}"),
                ));
            }
            ns
        }
        (None, _) => namespace.clone(),
    };
    let mut requester = UserInfo::service_account(&manager_ns, &manager_sa);
    requester.groups.push("system:authenticated".to_string());

    let cluster = &inputs.cluster;
    let namespace_object = match cluster.namespace(&namespace, None) {
        // A Namespace from a manifest (GitOps) has no allocations yet: OpenShift adds the
        // `openshift.io/sa.scc.*` annotations when it creates the project (§3.9).
        Some((_, ns)) if cluster_cx.is_some() && !has_allocations(ns) => {
            assumptions.push(Assumption::new(
                "namespace.annotations",
                format!("uid-range {ASSUMED_UID_RANGE}, mcs {ASSUMED_MCS}"),
                format!(
                    "Namespace `{namespace}` has no `openshift.io/sa.scc.*` annotations (a manifest, not `oc get` output); a typical allocation is assumed"
                ),
            ));
            with_assumed_allocations(ns, &namespace)
        }
        Some((_, ns)) => ns.clone(),
        None => {
            if cluster_cx.is_some() {
                assumptions.push(Assumption::new(
                    "namespace.annotations",
                    format!("uid-range {ASSUMED_UID_RANGE}, mcs {ASSUMED_MCS}"),
                    format!(
                        "Namespace `{namespace}` is not in the inputs; a typical OpenShift allocation is assumed"
                    ),
                ));
            }
            assumed_namespace(&namespace)
        }
    };
    if cluster_cx.is_some()
        && cluster.sccs().next().is_none()
        && cluster.role_bindings().next().is_none()
    {
        assumptions.push(Assumption::new(
            "cluster.scc_grants",
            "platform defaults only",
            "no SCC or RoleBinding in the inputs: only the default grant of `restricted-v2` to every authenticated user is modelled",
        ));
    }

    let (kube_version, platform) = kube_version(platform_name);
    let context = JobContext {
        inputs,
        settings,
        entry: &entry,
        runner_index,
        runner_version: &runner_version,
        namespace: &namespace,
        namespace_object: &namespace_object,
        namespace_given: cluster.namespace(&namespace, None).map(|(_, ns)| ns),
        requester: &requester,
        cluster_cx,
        kube_version,
        platform,
    };

    let first = match settings.job.clone() {
        Some(job) => job,
        None => {
            let job = representative_job(&entry);
            if entry
                .kubernetes
                .as_ref()
                .and_then(|k| k.image.as_deref())
                .is_none_or(str::is_empty)
            {
                assumptions.push(Assumption::new(
                    "job.image",
                    REPRESENTATIVE_IMAGE,
                    "`[runners.kubernetes]` sets no default `image`: a job without `image:` is refused, so any job is represented by this one (`--job` chooses another)",
                ));
            }
            job
        }
    };
    let mut jobs = vec![context.predict(JobOrigin::Representative, first)];
    for (pipeline_index, doc) in inputs.pipelines.iter().enumerate() {
        for job in pipeline::jobs(doc) {
            let origin = JobOrigin::Pipeline {
                pipeline: pipeline_index,
                name: job.name.clone(),
            };
            jobs.push(context.predict(origin, pod_job(&job)));
        }
    }

    let service_account = jobs[0]
        .pod
        .as_ref()
        .ok()
        .and_then(|p| p.pod.spec.as_ref()?.service_account_name.clone())
        .unwrap_or_else(|| "default".to_string());
    let pod_sa = UserInfo::service_account(&namespace, &service_account);
    let usable_sccs = cluster_cx
        .map(|cx| {
            cx.sccs
                .iter()
                .filter_map(|scc| {
                    let by_requester =
                        admission::applies_to(scc, &requester, &namespace, &cx.authorizer);
                    let by_service_account =
                        admission::applies_to(scc, &pod_sa, &namespace, &cx.authorizer);
                    (by_requester || by_service_account).then(|| UsableScc {
                        name: scc.name().to_string(),
                        by_requester,
                        by_service_account,
                    })
                })
                .collect()
        })
        .unwrap_or_default();

    let admitting_service_accounts = match (cluster_cx, jobs[0].pod.as_ref(), &jobs[0].admission) {
        (Some(cx), Ok(job_pod), Some(outcome)) if !outcome.allowed() => {
            namespace_service_accounts(cluster, &namespace)
                .into_iter()
                .filter(|name| *name != service_account)
                .filter_map(|name| {
                    let mut pod = job_pod.pod.clone();
                    pod.spec.as_mut()?.service_account_name = Some(name.clone());
                    let scc = context.admit(&pod, cx).scc()?.to_string();
                    Some(AdmittingServiceAccount { name, scc })
                })
                .collect()
        }
        _ => Vec::new(),
    };

    // Counterfactual: the same pod with nothing but the platform's SCCs and default RBAC.
    let platform_only_admission = match (platform_cx, jobs[0].pod.as_ref()) {
        (Some(defaults), Ok(job_pod)) => Some(context.admit(&job_pod.pod, defaults)),
        _ => None,
    };

    RunnerPrediction {
        config: config_index,
        runner: runner_index,
        entry,
        deployment,
        namespace,
        requester,
        jobs,
        platform_only_admission,
        usable_sccs,
        admitting_service_accounts,
        assumptions,
    }
}

/// The ServiceAccounts of a namespace that the inputs name: ServiceAccount objects, and the
/// ServiceAccount subjects of RoleBindings and ClusterRoleBindings (a grant of `use` on an SCC
/// is often all a cluster dump shows of one). Sorted, without repeats.
fn namespace_service_accounts(
    cluster: &crate::model::cluster::Cluster,
    namespace: &str,
) -> Vec<String> {
    let mut names: Vec<String> = cluster
        .service_accounts()
        .filter(|(o, _)| o.namespace() == Some(namespace))
        .map(|(o, _)| o.name().to_string())
        .collect();
    let subjects = cluster
        .role_bindings()
        .flat_map(|(o, b)| {
            let binding_ns = o.namespace().map(str::to_string);
            b.subjects
                .iter()
                .flatten()
                .map(move |s| (s, binding_ns.clone()))
        })
        .chain(
            cluster
                .cluster_role_bindings()
                .flat_map(|(_, b)| b.subjects.iter().flatten().map(|s| (s, None))),
        );
    for (subject, binding_ns) in subjects {
        // A RoleBinding's ServiceAccount subject without a namespace is in the binding's own.
        let ns = subject.namespace.clone().or(binding_ns);
        if subject.kind == "ServiceAccount" && ns.as_deref() == Some(namespace) {
            names.push(subject.name.clone());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The Helm release's namespace, which the values do not hold: `--assume manager.namespace`,
/// the only Namespace of the inputs, or the one GitLab's install guide uses; with why.
fn release_namespace(inputs: &Inputs, settings: &Settings) -> (String, &'static str) {
    match (
        settings.assumed("manager.namespace"),
        inputs.cluster.namespaces().collect::<Vec<_>>().as_slice(),
    ) {
        (Some(ns), _) => (ns.to_string(), "set with --assume manager.namespace"),
        (None, [(object, _)]) => (
            object.name().to_string(),
            "the only Namespace in the inputs",
        ),
        (None, _) => (
            "gitlab-runner".to_string(),
            "the namespace GitLab's install guide uses (set --assume manager.namespace=…)",
        ),
    }
}

/// A Namespace from a manifest with the typical OpenShift allocations added, as the project
/// would get them on creation.
pub(crate) fn with_assumed_allocations(ns: &Namespace, name: &str) -> Namespace {
    let mut ns = ns.clone();
    let allocated = assumed_namespace(name)
        .metadata
        .annotations
        .unwrap_or_default();
    ns.metadata
        .annotations
        .get_or_insert_with(Default::default)
        .extend(allocated);
    ns
}

/// Whether the namespace carries the allocations SCC admission needs.
pub(crate) fn has_allocations(ns: &Namespace) -> bool {
    let annotations = ns.metadata.annotations.as_ref();
    ["openshift.io/sa.scc.uid-range", "openshift.io/sa.scc.mcs"]
        .iter()
        .all(|key| annotations.is_some_and(|a| a.contains_key(*key)))
}

pub(crate) fn assumed_namespace(name: &str) -> Namespace {
    let mut ns = Namespace::default();
    ns.metadata.name = Some(name.to_string());
    ns.metadata.annotations = Some(BTreeMap::from([
        (
            "openshift.io/sa.scc.uid-range".to_string(),
            ASSUMED_UID_RANGE.to_string(),
        ),
        (
            "openshift.io/sa.scc.supplemental-groups".to_string(),
            ASSUMED_UID_RANGE.to_string(),
        ),
        (
            "openshift.io/sa.scc.mcs".to_string(),
            ASSUMED_MCS.to_string(),
        ),
    ]));
    ns
}

/// A job that stands for any job of this runner: the runner's default image, with a cache.
fn representative_job(entry: &RunnerEntry) -> pod::Job {
    let image = entry
        .kubernetes
        .as_ref()
        .and_then(|k| k.image.clone())
        .filter(|i| !i.is_empty())
        .or_else(|| Some(REPRESENTATIVE_IMAGE.to_string()));
    pod::Job {
        image,
        cache_key: Some(REPRESENTATIVE_CACHE_KEY.to_string()),
        ..pod::Job::default()
    }
}

/// The pod-shaping parts of a pipeline job.
fn pod_job(job: &pipeline::Job) -> pod::Job {
    pod::Job {
        image: job.image.as_ref().map(|i| i.value.clone()),
        image_user: job.image_user.as_ref().map(|u| u.value.clone()),
        services: job
            .services
            .iter()
            .map(|s| pod::JobService {
                name: s.name.value.clone(),
                alias: s.alias.clone(),
                ..Default::default()
            })
            .collect(),
        variables: job
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect(),
        cache_key: job.cache.iter().find_map(|c| c.key.clone()),
        script: job.build_lines().map(|l| l.value.clone()).collect(),
        ..pod::Job::default()
    }
}

/// What every job of one runner shares.
struct JobContext<'a> {
    inputs: &'a Inputs,
    settings: &'a Settings,
    entry: &'a RunnerEntry,
    runner_index: usize,
    runner_version: &'a semver::Version,
    namespace: &'a str,
    namespace_object: &'a Namespace,
    /// The Namespace as given in the inputs (its PSA labels), if it was.
    namespace_given: Option<&'a Namespace>,
    requester: &'a UserInfo,
    cluster_cx: Option<&'a ClusterContext<'a>>,
    kube_version: KubeVersion,
    platform: Platform,
}

impl JobContext<'_> {
    fn predict(&self, origin: JobOrigin, job: pod::Job) -> JobPrediction {
        let helper_image = self
            .entry
            .kubernetes
            .as_ref()
            .and_then(|k| k.helper_image.clone());
        let opts = BuildOptions {
            runner_version: self.runner_version.clone(),
            runner_index: self.runner_index,
            build_image_uid: job
                .image
                .as_deref()
                .and_then(access::kb::image_identity)
                .and_then(|a| a.value.uid),
            helper_image_uid: helper_image
                .as_deref()
                .and_then(access::kb::image_identity)
                .and_then(|a| a.value.uid)
                .or(Some(0)),
            ..BuildOptions::default()
        };
        let pod = pod::build(self.entry, &job, &opts).map(|mut job_pod| {
            // The ServiceAccount admission plugin runs before SCC admission and names the
            // `default` ServiceAccount when the pod names none (openshift-scc.md §3.1).
            if let Some(spec) = job_pod.pod.spec.as_mut()
                && spec
                    .service_account_name
                    .as_deref()
                    .is_none_or(str::is_empty)
            {
                spec.service_account_name = Some("default".to_string());
            }
            job_pod
        });
        let admission = match (&pod, self.cluster_cx) {
            (Ok(job_pod), Some(cx)) => Some(self.admit(&job_pod.pod, cx)),
            _ => None,
        };
        let mut prediction = JobPrediction {
            origin,
            pod,
            admission,
            access: None,
            pod_security: None,
        };
        prediction.access = prediction
            .running_pod()
            .map(|running| self.access(running, prediction.pod.as_ref().ok()));
        // PSA validates the pod after SCC admission mutated it (openshift-scc.md §3.1). The
        // runner creates the pod itself, so enforce applies.
        let defaults = match self.platform {
            Platform::OpenShift => Policy::openshift_default(),
            Platform::Kubernetes => Policy::privileged(),
        };
        prediction.pod_security = prediction.running_pod().map(|running| {
            let mut running = running.clone();
            running.metadata.namespace = Some(self.namespace.to_string());
            psa::check_pod_in_namespace(&running, self.namespace_given, defaults, true)
        });
        prediction
    }

    fn admit(&self, pod: &Pod, cx: &ClusterContext<'_>) -> AdmissionOutcome {
        let mut pod = pod.clone();
        pod.metadata.namespace = Some(self.namespace.to_string());
        admission::admit(&AdmissionRequest {
            pod: &pod,
            namespace: Some(self.namespace_object),
            namespace_name: Some(self.namespace),
            user: self.requester,
            authorizer: &cx.authorizer,
            sccs: &cx.sccs,
            operation: Operation::Create,
            options: Default::default(),
        })
    }

    fn access(&self, pod: &Pod, job_pod: Option<&JobPod>) -> AccessView {
        let mut view = AccessView::default();
        let Some(spec) = pod.spec.as_ref() else {
            return view;
        };
        // Volumes first: their PVs' gid annotations join every container's groups.
        let mut pvs: Vec<&PersistentVolume> = Vec::new();
        for volume in spec.volumes.iter().flatten() {
            let objects = self.volume_objects(volume);
            pvs.extend(objects.persistent_volume);
            match k8s::volume_spec(pod, &volume.name, &objects) {
                Ok(mut volume_spec) => {
                    let claim = volume
                        .persistent_volume_claim
                        .as_ref()
                        .map(|c| c.claim_name.as_str());
                    if let Some((key, root)) = self.assumed_root(&volume.name, claim) {
                        volume_spec.root_before = Some(root);
                        view.assumptions.push(Assumption::new(
                            key,
                            root.to_string(),
                            "given with --assume",
                        ));
                    }
                    let state = access::volume_setup(
                        &volume_spec,
                        &k8s::pod_security(pod),
                        self.kube_version,
                        self.platform,
                    );
                    view.assumptions.extend(state.assumptions.iter().map(|a| {
                        let mut a = a.clone();
                        if a.key == "volume.fresh_root" {
                            // Overridable per claim (or volume): `--assume volume.<name>.root=…`.
                            a.subject = claim.unwrap_or(&volume.name).to_string();
                        }
                        kb_assumption(&a)
                    }));
                    view.volumes.insert(volume.name.clone(), state);
                }
                Err(err) => {
                    view.volume_errors
                        .insert(volume.name.clone(), err.to_string());
                }
            }
        }
        let pv_gids = k8s::pv_gids(pvs);

        for container in spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
        {
            let image = container.image.as_deref().unwrap_or_default();
            let image_config = self.image_config(&container.name, image, &mut view.assumptions);
            match k8s::container_identity(
                pod,
                &container.name,
                &image_config,
                &pv_gids,
                self.kube_version,
            ) {
                Ok(id) => {
                    view.identities.insert(container.name.clone(), id);
                }
                Err(err) => {
                    view.identity_errors
                        .insert(container.name.clone(), err.to_string());
                }
            }
        }
        view.mounts = k8s::mount_access(pod, &view.identities, &view.volumes);
        view.cache = job_pod.and_then(|jp| cache_access(jp, &view));
        view.assumptions.sort();
        view.assumptions.dedup();
        view
    }

    /// `--assume image.<image>.user=UID[:GID]` or the image knowledge base.
    fn image_config(
        &self,
        container: &str,
        image: &str,
        assumptions: &mut Vec<Assumption>,
    ) -> access::ImageConfig {
        let given = self
            .settings
            .assumed(&format!("image.{container}.user"))
            .or_else(|| self.settings.assumed(&format!("image.{image}.user")));
        if let Some(user) = given {
            return access::ImageConfig {
                user: Some(user.to_string()),
                ..Default::default()
            };
        }
        let assumed = access::kb::image_config(image);
        let mut assumption = kb_assumption(&assumed.assumption);
        assumption.value = format!("{} (container `{container}`)", assumption.value);
        assumptions.push(assumption);
        assumed.value
    }

    /// A root owner and mode given with `--assume volume.<name>.root=UID:GID:MODE`.
    fn assumed_root(&self, volume: &str, claim: Option<&str>) -> Option<(String, FileStat)> {
        claim
            .into_iter()
            .chain([volume])
            .map(|name| format!("volume.{name}.root"))
            .find_map(|key| {
                let root = parse_root(self.settings.assumed(&key)?)?;
                Some((key, root))
            })
    }

    fn volume_objects<'c>(
        &'c self,
        volume: &k8s_openapi::api::core::v1::Volume,
    ) -> VolumeObjects<'c> {
        let cluster = &self.inputs.cluster;
        let ns = Some(self.namespace);
        let claim: Option<&PersistentVolumeClaim> = volume
            .persistent_volume_claim
            .as_ref()
            .and_then(|c| cluster.pvc(&c.claim_name, ns))
            .map(|(_, pvc)| pvc);
        let claim_spec = claim.and_then(|c| c.spec.as_ref());
        let persistent_volume: Option<&PersistentVolume> = claim_spec
            .and_then(|s| s.volume_name.as_deref())
            .and_then(|name| cluster.pv(name, None))
            .map(|(_, pv)| pv)
            .or_else(|| {
                // A PV whose claimRef names the claim, when the claim does not say its volume.
                let claim_name = volume.persistent_volume_claim.as_ref()?.claim_name.as_str();
                cluster
                    .pvs()
                    .find(|(_, pv)| {
                        pv.spec
                            .as_ref()
                            .and_then(|s| s.claim_ref.as_ref())
                            .is_some_and(|r| r.name.as_deref() == Some(claim_name))
                    })
                    .map(|(_, pv)| pv)
            });
        let class_name = claim_spec
            .and_then(|s| s.storage_class_name.as_deref())
            .or_else(|| {
                persistent_volume
                    .and_then(|pv| pv.spec.as_ref())
                    .and_then(|s| s.storage_class_name.as_deref())
            });
        let storage_class: Option<&StorageClass> = class_name
            .and_then(|name| cluster.storage_class(name, None))
            .map(|(_, sc)| sc);
        let driver_name = persistent_volume
            .and_then(|pv| pv.spec.as_ref())
            .and_then(|s| s.csi.as_ref())
            .map(|c| c.driver.clone())
            .or_else(|| volume.csi.as_ref().map(|c| c.driver.clone()))
            .or_else(|| storage_class.map(|sc| sc.provisioner.clone()));
        let csi_driver = match driver_name
            .as_deref()
            .and_then(|d| cluster.csi_driver(d, None))
        {
            Some((_, driver)) => CsiDriverLookup::Found(driver as &CSIDriver),
            None => CsiDriverLookup::Unknown,
        };
        VolumeObjects {
            claim,
            persistent_volume,
            storage_class,
            csi_driver,
            volume_mount_group: None,
        }
    }
}

/// Parses `UID:GID:MODE` (mode in octal), e.g. `0:0:0777`.
pub fn parse_root(text: &str) -> Option<FileStat> {
    let mut parts = text.split(':');
    let uid = parts.next()?.trim().parse().ok()?;
    let gid = parts.next()?.trim().parse().ok()?;
    let mode = Mode::from_octal(parts.next()?.trim()).ok()?;
    parts
        .next()
        .is_none()
        .then_some(FileStat::new(uid, gid, mode))
}

/// The access model's assumption, in the diagnostics' vocabulary.
fn kb_assumption(a: &access::Assumption) -> Assumption {
    let origin = match &a.origin {
        access::Origin::KnowledgeBase { base, entry } => {
            format!(
                "{base} entry `{entry}` ({}): {}",
                a.confidence.as_str(),
                a.source
            )
        }
        access::Origin::PlatformDefault => {
            format!("platform default ({}): {}", a.confidence.as_str(), a.source)
        }
    };
    // Keys read the way `--assume` takes them: `volume.<name>.root`, `csidriver.<driver>.…`.
    let key = match a.key.as_str() {
        "volume.fresh_root" => format!("volume.{}.root", a.subject),
        other => match other.split_once('.') {
            Some((head, tail)) => format!("{head}.{}.{tail}", a.subject),
            None => format!("{other}.{}", a.subject),
        },
    };
    Assumption::new(key, a.value.clone(), origin)
}

/// The cache writer's verdict on the volume holding `cache_dir`, if the cache is on one.
fn cache_access(job_pod: &JobPod, view: &AccessView) -> Option<CacheAccess> {
    let layout = job_pod.cache.as_ref()?;
    let writer = &layout.writer;
    // The deepest mount of the writer that contains the cache directory.
    let mount = view
        .mounts
        .iter()
        .filter(|m| &m.container == writer && m.sub_path.is_none())
        .filter(|m| {
            let root = m.mount_path.trim_end_matches('/');
            layout.project_cache_dir == root
                || layout.project_cache_dir.starts_with(&format!("{root}/"))
        })
        .max_by_key(|m| m.mount_path.len())?;
    let identity = view.identities.get(writer)?;
    let state = view.volumes.get(&mount.volume)?;
    let target = state.target(TargetRef::Root, false)?;
    let target = access::Target {
        read_only: mount.target.is_some_and(|t| t.read_only),
        ..target
    };
    Some(CacheAccess {
        container: writer.clone(),
        volume: mount.volume.clone(),
        mount_path: mount.mount_path.clone(),
        directory: format!("{}/{}", layout.project_cache_dir, layout.dir_name),
        root: target.stat,
        verdict: access::check(identity, &target, Op::Write),
    })
}
