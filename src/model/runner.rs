//! The typed GitLab Runner `config.toml` model: every key the runner's schema knows, under the
//! names the runner spells them (reference `gitlab-runner-k8s.md` §1; upstream `common/config.go`
//! `Config`/`RunnerConfig`/`RunnerSettings`/`KubernetesConfig` and `cache/cacheconfig/cacheconfig.go`
//! at the reference commit).
//!
//! This module owns the shape of the configuration and the list of keys the runner would ignore.
//! It deliberately does **not** deny unknown fields: the runner (BurntSushi/toml) drops them
//! silently, and runner-doctor reports them as findings instead of failing the load. Every scalar is
//! an `Option` so that "unset" is distinguishable from a zero value, which the pod builder needs for
//! the runner's fallback rules and for provenance. The types deserialize from TOML text and from a
//! `serde_json::Value` alike (no TOML-only types), because the source layer converts its spanned
//! trees to JSON values. Defaults that depend on the runner version live in `crate::pod`, not here.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// An opaque subtree the model keeps but does not interpret (other executors' tables, `[machine]`,
/// referees…). Keys below it are never reported as unknown.
pub type Opaque = serde_json::Value;

/// The whole `config.toml`: global keys, `[session_server]` and the `[[runners]]` array
/// (upstream `Config`, `common/config.go` L1581).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RunnerConfigFile {
    /// Maximum number of jobs running at once across all runners.
    pub concurrent: Option<i64>,
    /// Job polling interval in seconds (0 or less uses the default, 3).
    pub check_interval: Option<i64>,
    /// `panic`, `fatal`, `error`, `warning`, `info`, `debug`.
    pub log_level: Option<String>,
    /// `runner`, `text`, `json`.
    pub log_format: Option<String>,
    /// Address of the Prometheus metrics server.
    pub listen_address: Option<String>,
    /// Forceful shutdown timeout in seconds.
    pub shutdown_timeout: Option<i64>,
    /// Sentry DSN.
    pub sentry_dsn: Option<String>,
    /// Maximum age of a connection to GitLab (a Go duration).
    pub connection_max_age: Option<Duration>,
    /// User the shell executor runs as (unused by the Kubernetes executor).
    pub user: Option<String>,
    /// Default runner labels.
    pub labels: BTreeMap<String, String>,
    /// `[session_server]`: interactive web terminal support.
    pub session_server: Option<SessionServer>,
    /// `[machine]` (docker-machine autoscaling; not modelled).
    pub machine: Option<Opaque>,
    /// `[experimental]` (not modelled).
    pub experimental: Option<Opaque>,
    /// The `[[runners]]` entries.
    pub runners: Vec<RunnerEntry>,
}

/// A Go `time.Duration` as BurntSushi/toml decodes it: a string such as `"15m"` or an integer of
/// nanoseconds.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Duration {
    /// Integer nanoseconds.
    Nanos(i64),
    /// Text parsed by Go's `time.ParseDuration`.
    Text(String),
}

/// A value the runner accepts either as one string or as an array of strings (upstream
/// `StringOrArray`, used by `pull_policy`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StringOrArray {
    /// `pull_policy = "always"`.
    One(String),
    /// `pull_policy = ["always", "if-not-present"]`.
    Many(Vec<String>),
}

impl StringOrArray {
    /// The values as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            StringOrArray::One(s) => vec![s.clone()],
            StringOrArray::Many(v) => v.clone(),
        }
    }
}

/// `[session_server]` (upstream `SessionServer`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SessionServer {
    /// e.g. `[::]:8093`.
    pub listen_address: Option<String>,
    /// Falls back to `listen_address`.
    pub advertise_address: Option<String>,
    /// Seconds; default 1800.
    pub session_timeout: Option<i64>,
}

/// One `[[runners]]` entry (upstream `RunnerConfig` + `RunnerCredentials` + `RunnerSettings`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct RunnerEntry {
    /// Description only.
    pub name: Option<String>,
    /// Maximum concurrent jobs of this runner.
    pub limit: Option<i64>,
    /// Job log size limit in KB (default 4096).
    pub output_limit: Option<i64>,
    /// Concurrent job requests (default 1).
    pub request_concurrency: Option<i64>,
    /// Strict check interval.
    pub strict_check_interval: Option<bool>,
    /// Unhealthy request limit.
    pub unhealthy_requests_limit: Option<i64>,
    /// Unhealthy interval (Go duration).
    pub unhealthy_interval: Option<Duration>,
    /// Final update retries.
    pub job_status_final_update_retry_limit: Option<i64>,
    /// GitLab URL.
    pub url: Option<String>,
    /// Runner id.
    pub id: Option<i64>,
    /// Runner authentication token (never printed).
    pub token: Option<String>,
    /// When the token was obtained (TOML datetime; kept opaque).
    pub token_obtained_at: Option<Opaque>,
    /// When the token expires (TOML datetime; kept opaque).
    pub token_expires_at: Option<Opaque>,
    /// CA file for GitLab TLS.
    #[serde(rename = "tls-ca-file")]
    pub tls_ca_file: Option<String>,
    /// Client certificate for GitLab TLS.
    #[serde(rename = "tls-cert-file")]
    pub tls_cert_file: Option<String>,
    /// Client key for GitLab TLS.
    #[serde(rename = "tls-key-file")]
    pub tls_key_file: Option<String>,
    /// Must be `kubernetes` for this tool to model the job pod.
    pub executor: Option<String>,
    /// Shell; the Kubernetes default is `bash`.
    pub shell: Option<String>,
    /// Builds directory inside the containers (k8s default `/builds`).
    pub builds_dir: Option<String>,
    /// Cache directory inside the containers (k8s default `/cache`); no volume is created for it.
    pub cache_dir: Option<String>,
    /// Clone URL override.
    pub clone_url: Option<String>,
    /// `K=V` entries added to the job variables (and so to the build container env).
    pub environment: Vec<String>,
    /// Runs in `get_sources` (helper container).
    pub pre_get_sources_script: Option<String>,
    /// Runs in `get_sources` (helper container).
    pub post_get_sources_script: Option<String>,
    /// Runs with the user script (build container).
    pub pre_build_script: Option<String>,
    /// Runs with the user script (build container).
    pub post_build_script: Option<String>,
    /// 19.0.
    pub prepare_timeout: Option<Duration>,
    /// 19.1.
    pub get_sources_timeout: Option<Duration>,
    /// Disables `CI_DEBUG_TRACE`.
    pub debug_trace_disabled: Option<bool>,
    /// Adds `safe.directory` (k8s default true).
    pub safe_directory_checkout: Option<bool>,
    /// Cleans the git config.
    pub clean_git_config: Option<bool>,
    /// Proxy exec mode of the helper.
    pub proxy_exec: Option<bool>,
    /// Runner labels.
    pub labels: BTreeMap<String, String>,
    /// `[runners.custom_build_dir]`.
    pub custom_build_dir: Option<CustomBuildDir>,
    /// `[runners.feature_flags]`: highest feature-flag precedence.
    pub feature_flags: BTreeMap<String, bool>,
    /// `[runners.cache]`.
    pub cache: Option<CacheConfig>,
    /// `[runners.kubernetes]`.
    pub kubernetes: Option<KubernetesConfig>,
    /// Step-runner image (out of scope).
    pub step_runner_image: Option<String>,
    /// Slot cgroups.
    pub use_slot_cgroups: Option<bool>,
    /// Slot cgroup template.
    pub slot_cgroup_template: Option<String>,
    /// `[runners.referees]` (not modelled).
    pub referees: Option<Opaque>,
    /// `[runners.artifact]` (not modelled).
    pub artifact: Option<Opaque>,
    /// `[runners.monitoring]` (not modelled).
    pub monitoring: Option<Opaque>,
    /// `[runners.experimental]` (not modelled).
    pub experimental: Option<Opaque>,
    /// Other executors' tables: valid keys, not modelled.
    pub instance: Option<Opaque>,
    /// `[runners.ssh]`.
    pub ssh: Option<Opaque>,
    /// `[runners.docker]`.
    pub docker: Option<Opaque>,
    /// `[runners.parallels]`.
    pub parallels: Option<Opaque>,
    /// `[runners.virtualbox]`.
    pub virtualbox: Option<Opaque>,
    /// `[runners.machine]`.
    pub machine: Option<Opaque>,
    /// `[runners.custom]`.
    pub custom: Option<Opaque>,
    /// `[runners.autoscaler]` (fleeting; not the Kubernetes pause-pod autoscaler).
    pub autoscaler: Option<Opaque>,
}

/// `[runners.custom_build_dir]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CustomBuildDir {
    /// Allows `GIT_CLONE_PATH`; k8s default true.
    pub enabled: Option<bool>,
}

/// `[runners.cache]` (upstream `cacheconfig.Config`; keys are CamelCase).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct CacheConfig {
    /// `s3`, `gcs` or `azure`; empty means local cache only.
    #[serde(rename = "Type")]
    pub cache_type: Option<String>,
    /// Remote key prefix.
    #[serde(rename = "Path")]
    pub path: Option<String>,
    /// Remote key without the runner segment.
    #[serde(rename = "Shared")]
    pub shared: Option<bool>,
    /// Upload size cap.
    #[serde(rename = "MaxUploadedArchiveSize")]
    pub max_uploaded_archive_size: Option<i64>,
    /// `[runners.cache.s3]`.
    pub s3: Option<CacheS3>,
    /// `[runners.cache.gcs]`.
    pub gcs: Option<CacheGcs>,
    /// `[runners.cache.azure]`.
    pub azure: Option<CacheAzure>,
}

/// `[runners.cache.s3]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct CacheS3 {
    #[serde(rename = "ServerAddress")]
    pub server_address: Option<String>,
    #[serde(rename = "AccessKey")]
    pub access_key: Option<String>,
    #[serde(rename = "SecretKey")]
    pub secret_key: Option<String>,
    #[serde(rename = "SessionToken")]
    pub session_token: Option<String>,
    #[serde(rename = "BucketName")]
    pub bucket_name: Option<String>,
    #[serde(rename = "BucketLocation")]
    pub bucket_location: Option<String>,
    #[serde(rename = "Insecure")]
    pub insecure: Option<bool>,
    #[serde(rename = "AuthenticationType")]
    pub authentication_type: Option<String>,
    #[serde(rename = "ServerSideEncryption")]
    pub server_side_encryption: Option<String>,
    #[serde(rename = "ServerSideEncryptionKeyID")]
    pub server_side_encryption_key_id: Option<String>,
    #[serde(rename = "DualStack")]
    pub dual_stack: Option<bool>,
    #[serde(rename = "PathStyle")]
    pub path_style: Option<bool>,
    #[serde(rename = "Accelerate")]
    pub accelerate: Option<bool>,
    #[serde(rename = "RoleARN")]
    pub role_arn: Option<String>,
    #[serde(rename = "UploadRoleARN")]
    pub upload_role_arn: Option<String>,
    #[serde(rename = "AssumeRoleMaxConcurrency")]
    pub assume_role_max_concurrency: Option<i64>,
    #[serde(rename = "DisableAssumeRoleCredentialsCaching")]
    pub disable_assume_role_credentials_caching: Option<bool>,
}

/// `[runners.cache.gcs]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct CacheGcs {
    #[serde(rename = "AccessID")]
    pub access_id: Option<String>,
    #[serde(rename = "PrivateKey")]
    pub private_key: Option<String>,
    #[serde(rename = "CredentialsFile")]
    pub credentials_file: Option<String>,
    #[serde(rename = "BucketName")]
    pub bucket_name: Option<String>,
    #[serde(rename = "UniverseDomain")]
    pub universe_domain: Option<String>,
}

/// `[runners.cache.azure]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct CacheAzure {
    #[serde(rename = "AccountName")]
    pub account_name: Option<String>,
    #[serde(rename = "AccountKey")]
    pub account_key: Option<String>,
    #[serde(rename = "ContainerName")]
    pub container_name: Option<String>,
    #[serde(rename = "StorageDomain")]
    pub storage_domain: Option<String>,
}

/// `[runners.kubernetes]` (upstream `KubernetesConfig`, `common/config.go` L675–790).
///
/// Resource keys follow `{,service_,helper_}{cpu,memory,ephemeral_storage}_{limit,request}` plus
/// `*_overwrite_max_allowed`, and `pod_{cpu,memory}_{limit,request}[_overwrite_max_allowed]` (18.10).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct KubernetesConfig {
    // Connection, namespace, identity.
    pub host: Option<String>,
    pub context: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub ca_file: Option<String>,
    pub bearer_token_overwrite_allowed: Option<bool>,
    pub bearer_token: Option<String>,
    pub namespace: Option<String>,
    pub namespace_overwrite_allowed: Option<String>,
    pub namespace_per_job: Option<bool>,
    pub service_account: Option<String>,
    pub service_account_overwrite_allowed: Option<String>,
    pub automount_service_account_token: Option<bool>,
    pub image_pull_secrets: Vec<String>,
    pub use_service_account_image_pull_secrets: Option<bool>,
    pub resource_availability_check_max_attempts: Option<i64>,

    // Images and policy.
    pub image: Option<String>,
    pub helper_image: Option<String>,
    pub helper_image_flavor: Option<String>,
    pub helper_image_autoset_arch_and_os: Option<bool>,
    pub pull_policy: Option<StringOrArray>,
    pub allowed_images: Vec<String>,
    pub allowed_services: Vec<String>,
    pub allowed_pull_policies: Vec<String>,
    pub allowed_users: Vec<String>,
    pub allowed_groups: Vec<String>,

    // Security.
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub pod_security_context: Option<PodSecurityContext>,
    pub build_container_security_context: Option<ContainerSecurityContext>,
    pub helper_container_security_context: Option<ContainerSecurityContext>,
    pub service_container_security_context: Option<ContainerSecurityContext>,
    pub init_permissions_container_security_context: Option<ContainerSecurityContext>,
    pub runtime_class_name: Option<String>,

    // Resources.
    pub cpu_limit: Option<String>,
    pub cpu_limit_overwrite_max_allowed: Option<String>,
    pub cpu_request: Option<String>,
    pub cpu_request_overwrite_max_allowed: Option<String>,
    pub memory_limit: Option<String>,
    pub memory_limit_overwrite_max_allowed: Option<String>,
    pub memory_request: Option<String>,
    pub memory_request_overwrite_max_allowed: Option<String>,
    pub ephemeral_storage_limit: Option<String>,
    pub ephemeral_storage_limit_overwrite_max_allowed: Option<String>,
    pub ephemeral_storage_request: Option<String>,
    pub ephemeral_storage_request_overwrite_max_allowed: Option<String>,
    pub service_cpu_limit: Option<String>,
    pub service_cpu_limit_overwrite_max_allowed: Option<String>,
    pub service_cpu_request: Option<String>,
    pub service_cpu_request_overwrite_max_allowed: Option<String>,
    pub service_memory_limit: Option<String>,
    pub service_memory_limit_overwrite_max_allowed: Option<String>,
    pub service_memory_request: Option<String>,
    pub service_memory_request_overwrite_max_allowed: Option<String>,
    pub service_ephemeral_storage_limit: Option<String>,
    pub service_ephemeral_storage_limit_overwrite_max_allowed: Option<String>,
    pub service_ephemeral_storage_request: Option<String>,
    pub service_ephemeral_storage_request_overwrite_max_allowed: Option<String>,
    pub helper_cpu_limit: Option<String>,
    pub helper_cpu_limit_overwrite_max_allowed: Option<String>,
    pub helper_cpu_request: Option<String>,
    pub helper_cpu_request_overwrite_max_allowed: Option<String>,
    pub helper_memory_limit: Option<String>,
    pub helper_memory_limit_overwrite_max_allowed: Option<String>,
    pub helper_memory_request: Option<String>,
    pub helper_memory_request_overwrite_max_allowed: Option<String>,
    pub helper_ephemeral_storage_limit: Option<String>,
    pub helper_ephemeral_storage_limit_overwrite_max_allowed: Option<String>,
    pub helper_ephemeral_storage_request: Option<String>,
    pub helper_ephemeral_storage_request_overwrite_max_allowed: Option<String>,
    pub pod_cpu_limit: Option<String>,
    pub pod_cpu_limit_overwrite_max_allowed: Option<String>,
    pub pod_cpu_request: Option<String>,
    pub pod_cpu_request_overwrite_max_allowed: Option<String>,
    pub pod_memory_limit: Option<String>,
    pub pod_memory_limit_overwrite_max_allowed: Option<String>,
    pub pod_memory_request: Option<String>,
    pub pod_memory_request_overwrite_max_allowed: Option<String>,

    // Scheduling and metadata.
    pub node_selector: BTreeMap<String, String>,
    pub node_selector_overwrite_allowed: Option<String>,
    pub node_tolerations: BTreeMap<String, String>,
    pub node_tolerations_overwrite_allowed: Option<String>,
    pub affinity: Option<Affinity>,
    pub pod_labels: BTreeMap<String, String>,
    pub pod_labels_overwrite_allowed: Option<String>,
    pub pod_annotations: BTreeMap<String, String>,
    pub pod_annotations_overwrite_allowed: Option<String>,
    pub scheduler_name: Option<String>,
    pub priority_class_name: Option<String>,
    pub dns_policy: Option<String>,
    pub dns_config: Option<DnsConfig>,
    pub host_aliases: Vec<HostAlias>,
    pub container_lifecycle: Option<ContainerLifecycle>,
    pub pod_termination_grace_period_seconds: Option<i64>,
    pub cleanup_grace_period_seconds: Option<i64>,
    pub cleanup_resources_timeout: Option<Duration>,
    pub poll_interval: Option<i64>,
    pub poll_timeout: Option<i64>,
    pub retry_limit: Option<i64>,
    pub retry_backoff_max: Option<i64>,
    pub retry_limits: BTreeMap<String, i64>,
    pub print_pod_warning_events: Option<bool>,
    pub pod_disruption_budget: Option<bool>,
    pub logs_base_dir: Option<String>,
    pub scripts_base_dir: Option<String>,
    pub pod_spec: Vec<PodSpecPatch>,
    pub services: Vec<ServiceConfig>,
    pub suspend_pvc_size: Option<String>,
    pub suspend_pvc_storage_class: Option<String>,
    pub autoscaler: Option<KubernetesAutoscaler>,

    // Volumes.
    pub volumes: Volumes,
}

/// `[runners.kubernetes.pod_security_context]` (upstream `KubernetesPodSecurityContext`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PodSecurityContext {
    pub fs_group: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub supplemental_groups: Vec<i64>,
    pub selinux_type: Option<String>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
}

/// A seccomp or AppArmor profile table (`type`, `localhost_profile`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Profile {
    /// `RuntimeDefault`, `Localhost` or `Unconfined`.
    #[serde(rename = "type")]
    pub profile_type: Option<String>,
    /// Required for `Localhost`.
    pub localhost_profile: Option<String>,
}

/// `[runners.kubernetes.*_container_security_context]` (upstream
/// `KubernetesContainerSecurityContext`). There is no `fs_group` here.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ContainerSecurityContext {
    pub capabilities: Option<Capabilities>,
    pub privileged: Option<bool>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub selinux_type: Option<String>,
    pub proc_mount: Option<String>,
    pub seccomp_profile: Option<Profile>,
    pub app_armor_profile: Option<Profile>,
}

/// `[...container_security_context.capabilities]`. `None` = the key is absent, which matters:
/// a present list replaces the global list (`mergeCapabilitiesAddDrop`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct Capabilities {
    pub add: Option<Vec<String>>,
    pub drop: Option<Vec<String>>,
}

/// `[runners.kubernetes.affinity]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct Affinity {
    pub node_affinity: Option<NodeAffinity>,
    pub pod_affinity: Option<PodAffinity>,
    pub pod_anti_affinity: Option<PodAffinity>,
}

/// Node affinity.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct NodeAffinity {
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

/// Node selector terms.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct NodeSelector {
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// One node selector term.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<SelectorRequirement>,
    pub match_fields: Vec<SelectorRequirement>,
}

/// `key`, `operator`, `values`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct SelectorRequirement {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub values: Vec<String>,
}

/// Weighted node selector term.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PreferredSchedulingTerm {
    pub weight: Option<i32>,
    pub preference: Option<NodeSelectorTerm>,
}

/// Pod affinity and anti-affinity (same shape).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PodAffinity {
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTerm>,
}

/// Pod affinity term.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PodAffinityTerm {
    pub label_selector: Option<LabelSelector>,
    pub namespaces: Vec<String>,
    pub topology_key: Option<String>,
    pub namespace_selector: Option<LabelSelector>,
    pub match_label_keys: Vec<String>,
    pub mismatch_label_keys: Vec<String>,
}

/// Weighted pod affinity term.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct WeightedPodAffinityTerm {
    pub weight: Option<i32>,
    pub pod_affinity_term: Option<PodAffinityTerm>,
}

/// Label selector.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<SelectorRequirement>,
}

/// `[runners.kubernetes.dns_config]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct DnsConfig {
    pub nameservers: Vec<String>,
    pub options: Vec<DnsOption>,
    pub searches: Vec<String>,
}

/// `[[runners.kubernetes.dns_config.options]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct DnsOption {
    pub name: Option<String>,
    pub value: Option<String>,
}

/// `[[runners.kubernetes.host_aliases]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct HostAlias {
    pub ip: Option<String>,
    pub hostnames: Vec<String>,
}

/// `[runners.kubernetes.container_lifecycle]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ContainerLifecycle {
    pub post_start: Option<LifecycleHandler>,
    pub pre_stop: Option<LifecycleHandler>,
}

/// A lifecycle hook.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct LifecycleHandler {
    pub exec: Option<LifecycleExec>,
    pub http_get: Option<LifecycleHttpGet>,
    pub tcp_socket: Option<LifecycleTcpSocket>,
}

/// `exec.command`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct LifecycleExec {
    pub command: Vec<String>,
}

/// `http_get`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct LifecycleHttpGet {
    pub host: Option<String>,
    pub http_headers: Vec<HttpHeader>,
    pub path: Option<String>,
    pub port: Option<i64>,
    pub scheme: Option<String>,
}

/// `http_headers` entry.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct HttpHeader {
    pub name: Option<String>,
    pub value: Option<String>,
}

/// `tcp_socket`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct LifecycleTcpSocket {
    pub host: Option<String>,
    pub port: Option<i64>,
}

/// `[[runners.kubernetes.pod_spec]]` (15.10; only with `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PodSpecPatch {
    pub name: Option<String>,
    pub patch_path: Option<String>,
    pub patch: Option<String>,
    /// `strategic` (default), `merge` or `json`.
    pub patch_type: Option<String>,
}

/// `[[runners.kubernetes.services]]` (upstream `Service`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ServiceConfig {
    pub name: Option<String>,
    pub alias: Option<String>,
    pub command: Vec<String>,
    pub entrypoint: Vec<String>,
    pub environment: Vec<String>,
    pub suspend_data_path: Option<String>,
}

/// `[runners.kubernetes.autoscaler]` (pause pods, 18.11; not job pods).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct KubernetesAutoscaler {
    pub max_pause_pods: Option<i64>,
    pub pause_pod_image: Option<String>,
    pub pause_pod_priority_class_name: Option<String>,
    pub pause_pod_image_pull_secrets: Vec<String>,
    pub policy: Vec<AutoscalerPolicy>,
}

/// `[[runners.kubernetes.autoscaler.policy]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct AutoscalerPolicy {
    pub periods: Vec<String>,
    pub timezone: Option<String>,
    pub idle_count: Option<i64>,
    pub idle_time: Option<Duration>,
    pub scale_factor: Option<f64>,
    pub scale_factor_limit: Option<i64>,
    pub preemptive_mode: Option<bool>,
}

/// `[runners.kubernetes.volumes]`: one array of tables per kind (upstream `KubernetesVolumes`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct Volumes {
    pub host_path: Vec<HostPathVolume>,
    pub pvc: Vec<PvcVolume>,
    pub config_map: Vec<ConfigMapVolume>,
    pub secret: Vec<SecretVolume>,
    pub empty_dir: Vec<EmptyDirVolume>,
    pub csi: Vec<CsiVolume>,
    pub nfs: Vec<NfsVolume>,
}

/// `[[runners.kubernetes.volumes.host_path]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct HostPathVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub read_only: Option<bool>,
    /// Defaults to `mount_path`.
    pub host_path: Option<String>,
    pub mount_propagation: Option<String>,
}

/// `[[runners.kubernetes.volumes.pvc]]`; the claim name is the volume name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct PvcVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub read_only: Option<bool>,
    pub mount_propagation: Option<String>,
}

/// `[[runners.kubernetes.volumes.config_map]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ConfigMapVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub read_only: Option<bool>,
    pub items: BTreeMap<String, String>,
}

/// `[[runners.kubernetes.volumes.secret]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct SecretVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub read_only: Option<bool>,
    pub items: BTreeMap<String, String>,
}

/// `[[runners.kubernetes.volumes.empty_dir]]` (no `read_only`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct EmptyDirVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub medium: Option<String>,
    pub size_limit: Option<String>,
    pub mount_propagation: Option<String>,
}

/// `[[runners.kubernetes.volumes.csi]]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct CsiVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub driver: Option<String>,
    pub fs_type: Option<String>,
    pub read_only: Option<bool>,
    pub volume_attributes: BTreeMap<String, String>,
}

/// `[[runners.kubernetes.volumes.nfs]]` (19.0).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct NfsVolume {
    pub name: Option<String>,
    pub mount_path: Option<String>,
    pub sub_path: Option<String>,
    pub server: Option<String>,
    pub path: Option<String>,
    pub read_only: Option<bool>,
}

/// One segment of a configuration key path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeySegment {
    /// A table key.
    Key(String),
    /// An array index (`[[runners]]` number, volume number…).
    Index(usize),
}

impl KeySegment {
    /// The same step in the spanned tree's terms.
    pub fn as_seg(&self) -> crate::source::tree::Seg<'_> {
        match self {
            KeySegment::Key(k) => crate::source::tree::Seg::Key(k),
            KeySegment::Index(i) => crate::source::tree::Seg::Index(*i),
        }
    }
}

/// A path to a configuration key, e.g. `runners[0].kubernetes.privileged`.
///
/// `Display` prints indices (`runners[0].kubernetes…`); [`KeyPath::dotted`] drops them, giving the
/// TOML table-header form (`runners.kubernetes…`) that the test vectors use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(pub Vec<KeySegment>);

impl KeyPath {
    /// Parses the `Display` form, e.g. `runners[0].kubernetes.volumes.pvc[1].name`. Keys cannot
    /// contain `.` or `[` in this form; use the segments directly for such keys.
    pub fn parse(s: &str) -> Self {
        let mut segs = Vec::new();
        for part in s.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                if open > 0 {
                    segs.push(KeySegment::Key(rest[..open].to_string()));
                }
                rest = &rest[open..];
                while let Some(stripped) = rest.strip_prefix('[') {
                    let close = stripped.find(']').unwrap_or(stripped.len());
                    match stripped[..close].parse() {
                        Ok(i) => segs.push(KeySegment::Index(i)),
                        Err(_) => segs.push(KeySegment::Key(stripped[..close].to_string())),
                    }
                    rest = stripped.get(close + 1..).unwrap_or("");
                }
            } else {
                segs.push(KeySegment::Key(rest.to_string()));
            }
        }
        KeyPath(segs)
    }

    /// This path extended by one key.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(KeySegment::Key(k.to_string()));
        p
    }

    /// The path without array indices, segments joined by `.`.
    pub fn dotted(&self) -> String {
        let keys: Vec<&str> = self
            .0
            .iter()
            .filter_map(|s| match s {
                KeySegment::Key(k) => Some(k.as_str()),
                KeySegment::Index(_) => None,
            })
            .collect();
        keys.join(".")
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                KeySegment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                KeySegment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// Why a configuration could not be turned into the typed model.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The text is not TOML or a value has the wrong type for its key.
    #[error("invalid runner configuration: {0}")]
    Toml(#[from] toml::de::Error),
    /// A JSON value (converted from a spanned tree) does not fit the schema.
    #[error("invalid runner configuration: {0}")]
    Json(#[from] serde_json::Error),
}

/// A configuration together with the keys the runner's schema does not have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadedConfig {
    /// The typed configuration.
    pub config: RunnerConfigFile,
    /// Keys the runner would silently ignore, in document order.
    pub ignored: Vec<KeyPath>,
}

fn to_key_path(path: &serde_ignored::Path<'_>) -> KeyPath {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut Vec<KeySegment>) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                walk(parent, out);
                out.push(KeySegment::Index(*index));
            }
            Path::Map { parent, key } => {
                walk(parent, out);
                out.push(KeySegment::Key(key.clone()));
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut segs = Vec::new();
    walk(path, &mut segs);
    KeyPath(segs)
}

impl RunnerConfigFile {
    /// Parses `config.toml` text. Unknown keys are dropped, as the runner does; use
    /// [`RunnerConfigFile::load_toml_str`] to get them as well.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Ok(Self::load_toml_str(text)?.config)
    }

    /// Parses `config.toml` text and lists the keys the runner's schema does not have.
    pub fn load_toml_str(text: &str) -> Result<LoadedConfig, ConfigError> {
        let de = toml::de::Deserializer::parse(text)?;
        let mut ignored = Vec::new();
        let config = serde_ignored::deserialize(de, |p| ignored.push(to_key_path(&p)))?;
        Ok(LoadedConfig { config, ignored })
    }

    /// Builds the model from a JSON value (the source layer's spanned tree converted to JSON) and
    /// lists the keys the runner's schema does not have.
    pub fn load_json_value(value: &serde_json::Value) -> Result<LoadedConfig, ConfigError> {
        let mut ignored = Vec::new();
        let config = serde_ignored::deserialize(value, |p| ignored.push(to_key_path(&p)))?;
        Ok(LoadedConfig { config, ignored })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
concurrent = 4
[session_server]
  listen_address = "[::]:8093"
[[runners]]
  name = "r"
  executor = "kubernetes"
  environment = ["A=b"]
  [runners.cache]
    Type = "s3"
    Shared = true
    [runners.cache.s3]
      BucketName = "b"
  [runners.kubernetes]
    pull_policy = ["always"]
    cap_add = ["NET_ADMIN"]
    [runners.kubernetes.build_container_security_context]
      fs_group = 1000
      [runners.kubernetes.build_container_security_context.capabilities]
        drop = ["ALL"]
    [[runners.kubernetes.volumes.pvc]]
      name = "cache"
      mount_path = "/cache"
      mode = "0777"
"#;

    #[test]
    fn toml_and_json_agree_and_report_unknown_keys() {
        let loaded = RunnerConfigFile::load_toml_str(SAMPLE).unwrap();
        let dotted: Vec<String> = loaded.ignored.iter().map(KeyPath::dotted).collect();
        assert_eq!(
            dotted,
            [
                "runners.kubernetes.build_container_security_context.fs_group",
                "runners.kubernetes.volumes.pvc.mode"
            ]
        );
        assert_eq!(
            loaded.ignored[1].to_string(),
            "runners[0].kubernetes.volumes.pvc[0].mode"
        );
        let k = loaded.config.runners[0].kubernetes.as_ref().unwrap();
        assert_eq!(k.cap_add, ["NET_ADMIN"]);
        let caps = k
            .build_container_security_context
            .as_ref()
            .and_then(|c| c.capabilities.as_ref())
            .unwrap();
        assert_eq!(caps.drop.as_deref(), Some(&["ALL".to_string()][..]));
        assert_eq!(caps.add, None);

        let json: serde_json::Value = toml::from_str(SAMPLE).unwrap();
        let from_json = RunnerConfigFile::load_json_value(&json).unwrap();
        assert_eq!(from_json.config, loaded.config);
        assert_eq!(from_json.ignored, loaded.ignored);
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn datetimes_durations_and_string_or_array() {
        let text = r#"
connection_max_age = "15m"
[[runners]]
  token_obtained_at = 2024-01-02T03:04:05Z
  unhealthy_interval = 3600000000000
  [runners.kubernetes]
    pull_policy = "always"
"#;
        let loaded = RunnerConfigFile::load_toml_str(text).unwrap();
        assert!(loaded.ignored.is_empty(), "{:?}", loaded.ignored);
        let c = &loaded.config;
        assert_eq!(c.connection_max_age, Some(Duration::Text("15m".into())));
        let r = &c.runners[0];
        assert!(r.token_obtained_at.is_some());
        assert_eq!(
            r.unhealthy_interval,
            Some(Duration::Nanos(3_600_000_000_000))
        );
        let pp = r.kubernetes.as_ref().unwrap().pull_policy.as_ref().unwrap();
        assert_eq!(pp.to_vec(), ["always"]);
    }

    #[test]
    fn key_path_round_trip() {
        let p = KeyPath::parse("runners[0].kubernetes.volumes.pvc[2].name");
        assert_eq!(p.to_string(), "runners[0].kubernetes.volumes.pvc[2].name");
        assert_eq!(p.dotted(), "runners.kubernetes.volumes.pvc.name");
    }

    #[test]
    fn wrong_types_are_errors_not_panics() {
        assert!(RunnerConfigFile::load_toml_str("concurrent = \"many\"").is_err());
        assert!(RunnerConfigFile::load_toml_str("[[runners]]\nenvironment = 3").is_err());
        let v = serde_json::json!({"runners": [{"kubernetes": {"privileged": "yes"}}]});
        assert!(RunnerConfigFile::load_json_value(&v).is_err());
    }
}
