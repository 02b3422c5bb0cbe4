//! The runner `config.toml` schema as data: every table, every key, its type and history.
//!
//! GitLab Runner decodes `config.toml` with BurntSushi/toml and silently ignores keys it does
//! not know (reference gitlab-runner-k8s.md §1; `common/config.go` at the reference commit).
//! This table is what lets runner-doctor say so, with the valid keys of the table and a
//! "did you mean". It is data, not code: [`validate`] walks any spanned tree against it.

use crate::source::Node;
use crate::source::tree::Value;

/// The type a key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    /// A Go duration string (`"15m"`) or, as the runner also accepts, an integer.
    Duration,
    StrList,
    IntList,
    /// A string or a list of strings (`pull_policy`).
    StrOrList,
    /// A table with free keys and values of the given type.
    MapOf(&'static Ty),
    /// Any value (free-form tables the runner passes on, such as `volume_attributes`).
    Any,
    Table(&'static TableSchema),
    /// An array of tables (`[[runners]]`).
    TableArray(&'static TableSchema),
}

impl Ty {
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::Int => "an integer",
            Ty::Bool => "a boolean",
            Ty::Duration => "a duration string such as \"15m\"",
            Ty::StrList => "an array of strings",
            Ty::IntList => "an array of integers",
            Ty::StrOrList => "a string or an array of strings",
            Ty::MapOf(_) => "a table",
            Ty::Any => "any value",
            Ty::Table(_) => "a table",
            Ty::TableArray(_) => "an array of tables",
        }
    }

    /// Whether a value has this type.
    pub fn accepts(self, node: &Node) -> bool {
        match (self, &node.value) {
            (Ty::Any, _) => true,
            (Ty::Str, Value::Str(..)) => true,
            (Ty::Int, Value::Int(_)) => true,
            (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Duration, Value::Str(..) | Value::Int(_)) => true,
            (Ty::StrList, Value::Seq(items)) => items.iter().all(|i| Ty::Str.accepts(i)),
            (Ty::IntList, Value::Seq(items)) => items.iter().all(|i| Ty::Int.accepts(i)),
            (Ty::StrOrList, Value::Str(..)) => true,
            (Ty::StrOrList, Value::Seq(items)) => items.iter().all(|i| Ty::Str.accepts(i)),
            (Ty::MapOf(_) | Ty::Table(_), Value::Map(_)) => true,
            (Ty::TableArray(_), Value::Seq(items)) => items.iter().all(Node::is_map),
            // `[runners.kubernetes.volumes.pvc]` written once with single brackets is a table,
            // which BurntSushi/toml refuses for a slice; reported as a type error.
            _ => false,
        }
    }
}

/// A key of a table.
#[derive(Debug)]
pub struct KeySchema {
    pub name: &'static str,
    pub ty: Ty,
    /// The first runner version that knows the key.
    pub since: Option<&'static str>,
    /// Set when the key was removed or replaced: what to use instead.
    pub removed: Option<Removed>,
}

#[derive(Clone, Copy, Debug)]
pub struct Removed {
    pub in_version: &'static str,
    pub replacement: &'static str,
}

/// A table: its dotted path (for messages) and keys.
#[derive(Debug)]
pub struct TableSchema {
    pub path: &'static str,
    pub keys: &'static [KeySchema],
}

// Tables and keys are statics: the same path (or name in a table) is the same thing.
impl PartialEq for TableSchema {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}
impl Eq for TableSchema {}

impl PartialEq for KeySchema {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.ty == other.ty
    }
}
impl Eq for KeySchema {}

impl TableSchema {
    pub fn key(&self, name: &str) -> Option<&'static KeySchema> {
        self.keys.iter().find(|k| k.name == name)
    }
}

const fn k(name: &'static str, ty: Ty) -> KeySchema {
    KeySchema {
        name,
        ty,
        since: None,
        removed: None,
    }
}

const fn since(name: &'static str, ty: Ty, version: &'static str) -> KeySchema {
    KeySchema {
        name,
        ty,
        since: Some(version),
        removed: None,
    }
}

const fn removed(
    name: &'static str,
    ty: Ty,
    in_version: &'static str,
    replacement: &'static str,
) -> KeySchema {
    KeySchema {
        name,
        ty,
        since: None,
        removed: Some(Removed {
            in_version,
            replacement,
        }),
    }
}

use Ty::*;

/// The whole file (`Config`, `common/config.go` L1575–1606).
pub static CONFIG: TableSchema = TableSchema {
    path: "",
    keys: &[
        k("concurrent", Int),
        k("check_interval", Int),
        k("log_level", Str),
        k("log_format", Str),
        k("listen_address", Str),
        k("shutdown_timeout", Int),
        k("sentry_dsn", Str),
        k("connection_max_age", Duration),
        k("user", Str),
        k("labels", MapOf(&Str)),
        k("machine", Any),
        k("experimental", Any),
        k("session_server", Table(&SESSION_SERVER)),
        k("runners", TableArray(&RUNNER)),
    ],
};

pub static SESSION_SERVER: TableSchema = TableSchema {
    path: "session_server",
    keys: &[
        k("listen_address", Str),
        k("advertise_address", Str),
        k("session_timeout", Int),
    ],
};

/// `[[runners]]` (`RunnerConfig`, `RunnerCredentials`, `RunnerSettings`).
pub static RUNNER: TableSchema = TableSchema {
    path: "runners",
    keys: &[
        k("name", Str),
        k("url", Str),
        k("token", Str),
        k("id", Int),
        k("token_obtained_at", Any),
        k("token_expires_at", Any),
        k("tls-ca-file", Str),
        k("tls-cert-file", Str),
        k("tls-key-file", Str),
        k("limit", Int),
        k("output_limit", Int),
        k("request_concurrency", Int),
        k("strict_check_interval", Bool),
        k("unhealthy_requests_limit", Int),
        k("unhealthy_interval", Duration),
        k("job_status_final_update_retry_limit", Int),
        k("executor", Str),
        k("shell", Str),
        k("builds_dir", Str),
        k("cache_dir", Str),
        k("clone_url", Str),
        k("environment", StrList),
        k("pre_get_sources_script", Str),
        k("post_get_sources_script", Str),
        removed("pre_clone_script", Str, "17.0", "pre_get_sources_script"),
        removed("post_clone_script", Str, "17.0", "post_get_sources_script"),
        k("pre_build_script", Str),
        k("post_build_script", Str),
        since("prepare_timeout", Duration, "19.0"),
        since("get_sources_timeout", Duration, "19.1"),
        k("debug_trace_disabled", Bool),
        k("safe_directory_checkout", Bool),
        k("clean_git_config", Bool),
        k("proxy_exec", Bool),
        k("custom_build_dir", Table(&CUSTOM_BUILD_DIR)),
        k("feature_flags", MapOf(&Bool)),
        k("cache", Table(&CACHE)),
        k("kubernetes", Table(&KUBERNETES)),
        k("step_runner_image", Str),
        k("referees", Any),
        k("artifact", Any),
        k("monitoring", Any),
        k("experimental", Any),
        k("use_slot_cgroups", Bool),
        k("slot_cgroup_template", Str),
        // Tables of other executors: valid TOML for the runner, ignored by the Kubernetes
        // executor (reported by a separate rule when the executor is kubernetes).
        k("docker", Any),
        k("custom", Any),
        k("shell_script", Any),
        k("ssh", Any),
        k("parallels", Any),
        k("virtualbox", Any),
        k("machine", Any),
        k("autoscaler", Any),
        k("instance", Any),
    ],
};

pub static CUSTOM_BUILD_DIR: TableSchema = TableSchema {
    path: "runners.custom_build_dir",
    keys: &[k("enabled", Bool)],
};

/// `[runners.cache]` (`cache/cacheconfig/cacheconfig.go`): CamelCase keys.
pub static CACHE: TableSchema = TableSchema {
    path: "runners.cache",
    keys: &[
        k("Type", Str),
        k("Path", Str),
        k("Shared", Bool),
        k("MaxUploadedArchiveSize", Int),
        k("s3", Table(&CACHE_S3)),
        k("gcs", Table(&CACHE_GCS)),
        k("azure", Table(&CACHE_AZURE)),
    ],
};

pub static CACHE_S3: TableSchema = TableSchema {
    path: "runners.cache.s3",
    keys: &[
        k("ServerAddress", Str),
        k("AccessKey", Str),
        k("SecretKey", Str),
        k("SessionToken", Str),
        k("BucketName", Str),
        k("BucketLocation", Str),
        k("Insecure", Bool),
        k("AuthenticationType", Str),
        k("ServerSideEncryption", Str),
        k("ServerSideEncryptionKeyID", Str),
        k("DualStack", Bool),
        k("PathStyle", Bool),
        k("Accelerate", Bool),
        k("RoleARN", Str),
        k("UploadRoleARN", Str),
        k("AssumeRoleMaxConcurrency", Int),
        k("DisableAssumeRoleCredentialsCaching", Bool),
    ],
};

pub static CACHE_GCS: TableSchema = TableSchema {
    path: "runners.cache.gcs",
    keys: &[
        k("AccessID", Str),
        k("PrivateKey", Str),
        k("CredentialsFile", Str),
        k("BucketName", Str),
        k("UniverseDomain", Str),
    ],
};

pub static CACHE_AZURE: TableSchema = TableSchema {
    path: "runners.cache.azure",
    keys: &[
        k("AccountName", Str),
        k("AccountKey", Str),
        k("ContainerName", Str),
        k("StorageDomain", Str),
    ],
};

/// `[runners.kubernetes]` (`KubernetesConfig`, `common/config.go` L675–790).
pub static KUBERNETES: TableSchema = TableSchema {
    path: "runners.kubernetes",
    keys: &[
        // Connection, namespace, identity.
        k("host", Str),
        since("context", Str, "18.5"),
        k("cert_file", Str),
        k("key_file", Str),
        k("ca_file", Str),
        k("bearer_token", Str),
        k("bearer_token_overwrite_allowed", Bool),
        k("namespace", Str),
        k("namespace_overwrite_allowed", Str),
        since("namespace_per_job", Bool, "16.10"),
        k("service_account", Str),
        k("service_account_overwrite_allowed", Str),
        since("automount_service_account_token", Bool, "16.9"),
        k("image_pull_secrets", StrList),
        since("use_service_account_image_pull_secrets", Bool, "16.9"),
        since("resource_availability_check_max_attempts", Int, "15.0"),
        // Images and policy.
        k("image", Str),
        k("helper_image", Str),
        since("helper_image_flavor", Str, "14.0"),
        since("helper_image_autoset_arch_and_os", Bool, "16.5"),
        k("pull_policy", StrOrList),
        k("allowed_images", StrList),
        since("allowed_services", StrList, "14.2"),
        since("allowed_pull_policies", StrList, "15.2"),
        since("allowed_users", StrList, "18.4"),
        since("allowed_groups", StrList, "18.4"),
        // Security.
        k("privileged", Bool),
        since("allow_privilege_escalation", Bool, "13.6"),
        since("cap_add", StrList, "13.5"),
        since("cap_drop", StrList, "13.5"),
        since("pod_security_context", Table(&POD_SECURITY_CONTEXT), "12.0"),
        since(
            "build_container_security_context",
            Table(&CONTAINER_SECURITY_CONTEXT),
            "14.5",
        ),
        since(
            "helper_container_security_context",
            Table(&CONTAINER_SECURITY_CONTEXT),
            "14.5",
        ),
        since(
            "service_container_security_context",
            Table(&CONTAINER_SECURITY_CONTEXT),
            "14.5",
        ),
        since(
            "init_permissions_container_security_context",
            Table(&CONTAINER_SECURITY_CONTEXT),
            "15.2",
        ),
        since("runtime_class_name", Str, "14.9"),
        // Scheduling and metadata.
        k("node_selector", MapOf(&Str)),
        since("node_selector_overwrite_allowed", Str, "15.6"),
        k("node_tolerations", MapOf(&Str)),
        since("node_tolerations_overwrite_allowed", Str, "16.9"),
        k("affinity", Any),
        k("pod_labels", MapOf(&Str)),
        since("pod_labels_overwrite_allowed", Str, "15.1"),
        k("pod_annotations", MapOf(&Str)),
        k("pod_annotations_overwrite_allowed", Str),
        since("scheduler_name", Str, "15.5"),
        since("priority_class_name", Str, "15.1"),
        k("dns_policy", Str),
        k("dns_config", Table(&DNS_CONFIG)),
        k("host_aliases", TableArray(&HOST_ALIAS)),
        k("container_lifecycle", Any),
        since("pod_termination_grace_period_seconds", Int, "14.5"),
        since("cleanup_grace_period_seconds", Int, "14.5"),
        since("cleanup_resources_timeout", Duration, "16.4"),
        removed(
            "terminationGracePeriodSeconds",
            Int,
            "17.0",
            "pod_termination_grace_period_seconds and cleanup_grace_period_seconds",
        ),
        k("poll_interval", Int),
        k("poll_timeout", Int),
        k("retry_limit", Int),
        k("retry_backoff_max", Int),
        k("retry_limits", MapOf(&Int)),
        since("print_pod_warning_events", Bool, "18.0"),
        since("pod_disruption_budget", Any, "18.11"),
        since("logs_base_dir", Str, "17.2"),
        since("scripts_base_dir", Str, "17.2"),
        since("pod_spec", TableArray(&POD_SPEC), "15.10"),
        since("services", TableArray(&SERVICE), "12.5"),
        k("suspend_pvc_size", Str),
        k("suspend_pvc_storage_class", Str),
        since("autoscaler", Any, "18.11"),
        k("volumes", Table(&VOLUMES)),
        // Resources: {,service_,helper_}{cpu,memory,ephemeral_storage}_{limit,request} and their
        // *_overwrite_max_allowed caps, plus the pod-level ones of 18.10.
        k("cpu_limit", Str),
        k("cpu_limit_overwrite_max_allowed", Str),
        k("cpu_request", Str),
        k("cpu_request_overwrite_max_allowed", Str),
        k("memory_limit", Str),
        k("memory_limit_overwrite_max_allowed", Str),
        k("memory_request", Str),
        k("memory_request_overwrite_max_allowed", Str),
        k("ephemeral_storage_limit", Str),
        k("ephemeral_storage_limit_overwrite_max_allowed", Str),
        k("ephemeral_storage_request", Str),
        k("ephemeral_storage_request_overwrite_max_allowed", Str),
        k("service_cpu_limit", Str),
        k("service_cpu_limit_overwrite_max_allowed", Str),
        k("service_cpu_request", Str),
        k("service_cpu_request_overwrite_max_allowed", Str),
        k("service_memory_limit", Str),
        k("service_memory_limit_overwrite_max_allowed", Str),
        k("service_memory_request", Str),
        k("service_memory_request_overwrite_max_allowed", Str),
        k("service_ephemeral_storage_limit", Str),
        k("service_ephemeral_storage_limit_overwrite_max_allowed", Str),
        k("service_ephemeral_storage_request", Str),
        k(
            "service_ephemeral_storage_request_overwrite_max_allowed",
            Str,
        ),
        k("helper_cpu_limit", Str),
        k("helper_cpu_limit_overwrite_max_allowed", Str),
        k("helper_cpu_request", Str),
        k("helper_cpu_request_overwrite_max_allowed", Str),
        k("helper_memory_limit", Str),
        k("helper_memory_limit_overwrite_max_allowed", Str),
        k("helper_memory_request", Str),
        k("helper_memory_request_overwrite_max_allowed", Str),
        k("helper_ephemeral_storage_limit", Str),
        k("helper_ephemeral_storage_limit_overwrite_max_allowed", Str),
        k("helper_ephemeral_storage_request", Str),
        k(
            "helper_ephemeral_storage_request_overwrite_max_allowed",
            Str,
        ),
        since("pod_cpu_limit", Str, "18.10"),
        since("pod_cpu_limit_overwrite_max_allowed", Str, "18.10"),
        since("pod_cpu_request", Str, "18.10"),
        since("pod_cpu_request_overwrite_max_allowed", Str, "18.10"),
        since("pod_memory_limit", Str, "18.10"),
        since("pod_memory_limit_overwrite_max_allowed", Str, "18.10"),
        since("pod_memory_request", Str, "18.10"),
        since("pod_memory_request_overwrite_max_allowed", Str, "18.10"),
    ],
};

/// `[runners.kubernetes.pod_security_context]` (`KubernetesPodSecurityContext`, L1009).
pub static POD_SECURITY_CONTEXT: TableSchema = TableSchema {
    path: "runners.kubernetes.pod_security_context",
    keys: &[
        k("fs_group", Int),
        k("run_as_user", Int),
        k("run_as_group", Int),
        k("run_as_non_root", Bool),
        k("supplemental_groups", IntList),
        since("selinux_type", Str, "15.3"),
        since("seccomp_profile", Table(&PROFILE), "18.11"),
        since("app_armor_profile", Table(&PROFILE), "18.11"),
    ],
};

/// The four container tables (`KubernetesContainerSecurityContext`, L1025): no `fs_group`.
pub static CONTAINER_SECURITY_CONTEXT: TableSchema = TableSchema {
    path: "runners.kubernetes.<container>_security_context",
    keys: &[
        k("privileged", Bool),
        k("run_as_user", Int),
        k("run_as_group", Int),
        k("run_as_non_root", Bool),
        k("read_only_root_filesystem", Bool),
        k("allow_privilege_escalation", Bool),
        k("selinux_type", Str),
        since("proc_mount", Str, "15.9"),
        since("seccomp_profile", Table(&PROFILE), "18.11"),
        since("app_armor_profile", Table(&PROFILE), "18.11"),
        k("capabilities", Table(&CAPABILITIES)),
    ],
};

pub static CAPABILITIES: TableSchema = TableSchema {
    path: "runners.kubernetes.<container>_security_context.capabilities",
    keys: &[k("add", StrList), k("drop", StrList)],
};

pub static PROFILE: TableSchema = TableSchema {
    path: "…_profile",
    keys: &[k("type", Str), k("localhost_profile", Str)],
};

pub static DNS_CONFIG: TableSchema = TableSchema {
    path: "runners.kubernetes.dns_config",
    keys: &[
        k("nameservers", StrList),
        k("searches", StrList),
        k("options", TableArray(&DNS_OPTION)),
    ],
};

pub static DNS_OPTION: TableSchema = TableSchema {
    path: "runners.kubernetes.dns_config.options",
    keys: &[k("name", Str), k("value", Str)],
};

pub static HOST_ALIAS: TableSchema = TableSchema {
    path: "runners.kubernetes.host_aliases",
    keys: &[k("ip", Str), k("hostnames", StrList)],
};

pub static POD_SPEC: TableSchema = TableSchema {
    path: "runners.kubernetes.pod_spec",
    keys: &[
        k("name", Str),
        k("patch", Str),
        k("patch_path", Str),
        k("patch_type", Str),
    ],
};

pub static SERVICE: TableSchema = TableSchema {
    path: "runners.kubernetes.services",
    keys: &[
        k("name", Str),
        k("alias", Str),
        k("command", StrList),
        k("entrypoint", StrList),
        k("environment", StrList),
        k("suspend_data_path", Str),
    ],
};

/// `[runners.kubernetes.volumes]` (L884–960): each kind is an array of tables.
pub static VOLUMES: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes",
    keys: &[
        k("host_path", TableArray(&VOLUME_HOST_PATH)),
        k("pvc", TableArray(&VOLUME_PVC)),
        k("config_map", TableArray(&VOLUME_CONFIG_MAP)),
        k("secret", TableArray(&VOLUME_SECRET)),
        k("empty_dir", TableArray(&VOLUME_EMPTY_DIR)),
        since("csi", TableArray(&VOLUME_CSI), "13.11"),
        since("nfs", TableArray(&VOLUME_NFS), "19.0"),
    ],
};

pub static VOLUME_HOST_PATH: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.host_path",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("read_only", Bool),
        k("host_path", Str),
        since("mount_propagation", Str, "17.2"),
    ],
};

pub static VOLUME_PVC: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.pvc",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("read_only", Bool),
        since("mount_propagation", Str, "17.2"),
    ],
};

pub static VOLUME_CONFIG_MAP: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.config_map",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("read_only", Bool),
        k("items", MapOf(&Str)),
    ],
};

pub static VOLUME_SECRET: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.secret",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("read_only", Bool),
        k("items", MapOf(&Str)),
    ],
};

pub static VOLUME_EMPTY_DIR: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.empty_dir",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("medium", Str),
        since("size_limit", Str, "16.6"),
        since("mount_propagation", Str, "17.2"),
    ],
};

pub static VOLUME_CSI: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.csi",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("driver", Str),
        k("fs_type", Str),
        k("read_only", Bool),
        k("volume_attributes", MapOf(&Str)),
    ],
};

pub static VOLUME_NFS: TableSchema = TableSchema {
    path: "runners.kubernetes.volumes.nfs",
    keys: &[
        k("name", Str),
        k("mount_path", Str),
        k("sub_path", Str),
        k("server", Str),
        k("path", Str),
        k("read_only", Bool),
    ],
};

/// Keys of the Docker executor's `[runners.docker]` that people put under `[runners.kubernetes]`.
pub const DOCKER_ONLY_KEYS: &[&str] = &[
    "tls_verify",
    "tls_cert_path",
    "volumes_from",
    "links",
    "shm_size",
    "disable_cache",
    "network_mode",
    "memory",
    "memory_swap",
    "memory_reservation",
    "cpus",
    "cpuset_cpus",
    "devices",
    "device_cgroup_rules",
    "security_opt",
    "userns_mode",
    "dns",
    "dns_search",
    "extra_hosts",
    "wait_for_services_timeout",
    "oom_kill_disable",
    "runtime",
    "isolation",
    "disable_entrypoint_overwrite",
    "sysctls",
    "ulimit",
    "group_add",
    "cache_dir",
    "gpus",
];

/// Keys people write that are no `config.toml` key at all, with where the setting lives:
/// (table, key, help).
pub const NOT_CONFIG_KEYS: &[(&str, &str, &str)] = &[
    (
        "runners",
        "tags",
        "runner tags are not a `config.toml` key: set them on the runner in GitLab (authentication-token runners) or with `--tag-list` at registration, and remove `tags`",
    ),
    (
        "runners",
        "run_untagged",
        "run-untagged is not a `config.toml` key: set it on the runner in GitLab, and remove `run_untagged`",
    ),
    (
        "runners",
        "locked",
        "locked is not a `config.toml` key: set it on the runner in GitLab, and remove `locked`",
    ),
];

/// A Helm chart value the chart removed: its dotted path, the chart version that removed it,
/// and what to write instead (reference runner-manager.md §1.10).
#[derive(Debug)]
pub struct RemovedChartValue {
    pub path: &'static str,
    pub removed_in: &'static str,
    pub replacement: &'static str,
}

const fn chart(path: &'static str, replacement: &'static str) -> RemovedChartValue {
    RemovedChartValue {
        path,
        removed_in: "0.53",
        replacement,
    }
}

/// Chart values removed in 0.53 (MRs !393, !397, !398); the chart has no `values.schema.json`,
/// so they are ignored without a word. A path ending in `.*` covers a whole subtree.
pub static REMOVED_CHART_VALUES: &[RemovedChartValue] = &[
    chart(
        "runners.image",
        "`image` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.privileged",
        "`privileged` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.namespace",
        "`namespace` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.pollTimeout",
        "`poll_timeout` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.outputLimit",
        "`output_limit` in `[[runners]]` of `runners.config`",
    ),
    chart(
        "runners.requestConcurrency",
        "`request_concurrency` in `[[runners]]` of `runners.config`",
    ),
    chart(
        "runners.cloneUrl",
        "`clone_url` in `[[runners]]` of `runners.config`",
    ),
    chart(
        "runners.imagePullPolicy",
        "`pull_policy` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.serviceAccountName",
        "`service_account` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.builds.*",
        "`cpu_limit`, `memory_request`, … in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.services.*",
        "`service_cpu_limit`, `service_memory_request`, … in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.helpers.*",
        "`helper_image`, `helper_cpu_limit`, … in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.pod_security_context.*",
        "`[runners.kubernetes.pod_security_context]` in `runners.config`",
    ),
    chart(
        "runners.imagePullSecrets",
        "`image_pull_secrets` in `[runners.kubernetes]` of `runners.config`",
    ),
    chart(
        "runners.nodeSelector",
        "`[runners.kubernetes.node_selector]` in `runners.config`",
    ),
    chart(
        "runners.nodeTolerations",
        "`[runners.kubernetes.node_tolerations]` in `runners.config`",
    ),
    chart(
        "runners.podLabels",
        "`[runners.kubernetes.pod_labels]` in `runners.config`",
    ),
    chart(
        "runners.podAnnotations",
        "`[runners.kubernetes.pod_annotations]` in `runners.config`",
    ),
    chart(
        "runners.env",
        "`environment` in `[[runners]]` of `runners.config`",
    ),
    chart(
        "runners.cache.cacheType",
        "`Type` in `[runners.cache]` of `runners.config`",
    ),
    chart(
        "runners.cache.cachePath",
        "`Path` in `[runners.cache]` of `runners.config`",
    ),
    chart(
        "runners.cache.s3CachePath",
        "`Path` in `[runners.cache]` of `runners.config`",
    ),
    chart(
        "runners.cache.cacheShared",
        "`Shared` in `[runners.cache]` of `runners.config`",
    ),
    chart(
        "runners.cache.s3ServerAddress",
        "`ServerAddress` in `[runners.cache.s3]` of `runners.config`",
    ),
    chart(
        "runners.cache.s3BucketName",
        "`BucketName` in `[runners.cache.s3]` of `runners.config`",
    ),
    chart(
        "runners.cache.s3BucketLocation",
        "`BucketLocation` in `[runners.cache.s3]` of `runners.config`",
    ),
    chart(
        "runners.cache.s3CacheInsecure",
        "`Insecure` in `[runners.cache.s3]` of `runners.config`",
    ),
    chart(
        "runners.cache.gcsBucketName",
        "`BucketName` in `[runners.cache.gcs]` of `runners.config`",
    ),
    chart("rbac.resources", "`rbac.rules`"),
    chart("rbac.verbs", "`rbac.rules`"),
];

/// The table schema at each level of a path, from the top (`CONFIG`) down to the table that
/// holds the path's last key; shorter when the path leaves the schema.
pub fn tables_along(path: &[PathStep]) -> Vec<&'static TableSchema> {
    let mut tables = vec![&CONFIG];
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            PathStep::Index(_) => None,
        })
        .collect();
    for key in keys.iter().take(keys.len().saturating_sub(1)) {
        let current = tables[tables.len() - 1];
        match current.key(key).map(|k| k.ty) {
            Some(Ty::Table(t) | Ty::TableArray(t)) => tables.push(t),
            _ => break,
        }
    }
    tables
}

/// The schema of a key below a `[[runners]]` entry (`["kubernetes", "namespace"]`).
pub fn runner_key(path: &[&str]) -> Option<&'static KeySchema> {
    let (last, tables) = path.split_last()?;
    let mut table = &RUNNER;
    for key in tables {
        match table.key(key)?.ty {
            Ty::Table(t) => table = t,
            _ => return None,
        }
    }
    table.key(last)
}

/// A version as the schema writes it (`"16.10"`, `"17.0"`), as semver.
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let parts: Vec<u64> = text
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match parts[..] {
        [major, minor] => Some(semver::Version::new(major, minor, 0)),
        [major, minor, patch] => Some(semver::Version::new(major, minor, patch)),
        _ => None,
    }
}

/// The runner version in an image tag (`alpine3.21-v18.4.0`, `v17.3.1`, `x86_64-v16.0.2`).
pub fn version_in_image_tag(tag: &str) -> Option<semver::Version> {
    let tag = tag.rsplit(':').next().unwrap_or(tag);
    let candidates = tag
        .match_indices('v')
        .map(|(at, _)| &tag[at + 1..])
        .chain(std::iter::once(tag));
    for candidate in candidates {
        let end = candidate
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(candidate.len());
        let text = &candidate[..end];
        if text.matches('.').count() == 2
            && let Some(v) = parse_version(text)
        {
            return Some(v);
        }
    }
    None
}

/// Every table, for searches across tables ("this key belongs in …").
pub static ALL_TABLES: &[&TableSchema] = &[
    &CONFIG,
    &SESSION_SERVER,
    &RUNNER,
    &CUSTOM_BUILD_DIR,
    &CACHE,
    &CACHE_S3,
    &CACHE_GCS,
    &CACHE_AZURE,
    &KUBERNETES,
    &POD_SECURITY_CONTEXT,
    &CONTAINER_SECURITY_CONTEXT,
    &CAPABILITIES,
    &PROFILE,
    &DNS_CONFIG,
    &DNS_OPTION,
    &HOST_ALIAS,
    &POD_SPEC,
    &SERVICE,
    &VOLUMES,
    &VOLUME_HOST_PATH,
    &VOLUME_PVC,
    &VOLUME_CONFIG_MAP,
    &VOLUME_SECRET,
    &VOLUME_EMPTY_DIR,
    &VOLUME_CSI,
    &VOLUME_NFS,
];

/// What is wrong with one key of a config.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaIssue {
    /// The key is not in its table's schema.
    Unknown {
        /// The table's path as written (`runners.kubernetes`).
        table: String,
        table_schema: &'static TableSchema,
        key: String,
        /// Path segments from the root to the key, for spans and fixes.
        path: Vec<PathStep>,
    },
    /// The value does not have the key's type.
    WrongType {
        table: String,
        key: &'static KeySchema,
        found: &'static str,
        path: Vec<PathStep>,
    },
    /// The key was removed from the runner.
    Removed {
        table: String,
        key: &'static KeySchema,
        path: Vec<PathStep>,
    },
    /// A known key that only runners from `key.since` on read (for version checks).
    Versioned {
        table: String,
        key: &'static KeySchema,
        path: Vec<PathStep>,
    },
}

/// An owned path step (the spanned tree's `Seg` borrows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl PathStep {
    pub fn as_seg(&self) -> crate::source::tree::Seg<'_> {
        match self {
            PathStep::Key(k) => crate::source::tree::Seg::Key(k),
            PathStep::Index(i) => crate::source::tree::Seg::Index(*i),
        }
    }
}

/// Checks a config tree against the schema and lists every issue, in document order.
pub fn validate(root: &Node) -> Vec<SchemaIssue> {
    let mut issues = Vec::new();
    let mut path = Vec::new();
    walk(root, &CONFIG, "", &mut path, &mut issues);
    issues
}

fn walk(
    node: &Node,
    schema: &'static TableSchema,
    table: &str,
    path: &mut Vec<PathStep>,
    issues: &mut Vec<SchemaIssue>,
) {
    for entry in node.entries() {
        path.push(PathStep::Key(entry.key.clone()));
        match schema.key(&entry.key) {
            None => issues.push(SchemaIssue::Unknown {
                table: table.to_string(),
                table_schema: schema,
                key: entry.key.clone(),
                path: path.clone(),
            }),
            Some(key) => {
                if key.removed.is_some() {
                    issues.push(SchemaIssue::Removed {
                        table: table.to_string(),
                        key,
                        path: path.clone(),
                    });
                }
                if key.since.is_some() {
                    issues.push(SchemaIssue::Versioned {
                        table: table.to_string(),
                        key,
                        path: path.clone(),
                    });
                }
                let child_table = if table.is_empty() {
                    entry.key.clone()
                } else {
                    format!("{table}.{}", entry.key)
                };
                if !key.ty.accepts(&entry.value) {
                    issues.push(SchemaIssue::WrongType {
                        table: table.to_string(),
                        key,
                        found: entry.value.kind_name(),
                        path: path.clone(),
                    });
                    // A single table where an array of tables belongs (`[runners.kubernetes]`
                    // with no `[[runners]]`): its keys are still worth checking as one item.
                    if let (Ty::TableArray(inner), true) = (key.ty, entry.value.is_map()) {
                        walk(&entry.value, inner, &child_table, path, issues);
                    }
                } else {
                    match key.ty {
                        Ty::Table(inner) => walk(&entry.value, inner, &child_table, path, issues),
                        Ty::TableArray(inner) => {
                            for (i, item) in entry.value.items().iter().enumerate() {
                                path.push(PathStep::Index(i));
                                walk(item, inner, &child_table, path, issues);
                                path.pop();
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        path.pop();
    }
}

/// The closest known key, by edit distance (case differences count as one), if close enough.
pub fn suggest(unknown: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let lower = unknown.to_ascii_lowercase();
    candidates
        .iter()
        .map(|&c| {
            let d = if c.eq_ignore_ascii_case(unknown) {
                0
            } else {
                edit_distance(&lower, &c.to_ascii_lowercase())
            };
            (d, c)
        })
        .filter(|&(d, c)| d <= (c.len().max(unknown.len()) / 3).clamp(1, 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Longest name [`edit_distance`] compares exactly; no configuration key comes near it.
const MAX_COMPARED_LEN: usize = 256;

/// Edit distance with adjacent transpositions (optimal string alignment), as rustc and clap use.
///
/// The exact distance costs time and memory in the product of the lengths, so a hostile key of
/// a megabyte against a hundred names would take minutes. Past [`MAX_COMPARED_LEN`] bytes the
/// longer length is returned instead: an upper bound (every character replaced or inserted),
/// far over any "did you mean" threshold, so such a key is never close to a name.
pub fn edit_distance(a: &str, b: &str) -> usize {
    if a.len().max(b.len()) > MAX_COMPARED_LEN {
        return a.chars().count().max(b.chars().count());
    }
    strsim::osa_distance(a, b)
}

/// Tables (other than `current`) whose schema has this key, for "belongs in" hints.
pub fn tables_with_key(key: &str, current: &TableSchema) -> Vec<&'static TableSchema> {
    ALL_TABLES
        .iter()
        .copied()
        .filter(|t| !std::ptr::eq(*t, current) && t.key(key).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::toml;

    #[test]
    fn misspelt_keys_are_unknown_with_a_suggestion() {
        let doc = toml::parse(
            "[[runners]]\n[runners.kubernetes]\nnamspace = \"ci\"\n[runners.kubernetes.pod_security_context]\nfs_grup = 1\n",
        );
        let issues = validate(&doc.root);
        let unknown: Vec<(&str, Option<&str>)> = issues
            .iter()
            .filter_map(|i| match i {
                SchemaIssue::Unknown {
                    key, table_schema, ..
                } => {
                    let names: Vec<&'static str> =
                        table_schema.keys.iter().map(|k| k.name).collect();
                    Some((key.as_str(), suggest(key, &names)))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            unknown,
            [
                ("namspace", Some("namespace")),
                ("fs_grup", Some("fs_group"))
            ]
        );
    }

    #[test]
    fn wrong_types_and_removed_keys_are_reported() {
        let doc = toml::parse(
            "[[runners]]\npre_clone_script = \"x\"\n[runners.kubernetes]\nprivileged = \"true\"\n",
        );
        let issues = validate(&doc.root);
        assert!(
            matches!(&issues[0], SchemaIssue::Removed { key, .. } if key.name == "pre_clone_script")
        );
        assert!(
            matches!(&issues[1], SchemaIssue::WrongType { key, found: "string", .. } if key.name == "privileged")
        );
    }

    #[test]
    fn fs_group_in_a_container_table_belongs_to_the_pod_table() {
        let tables = tables_with_key("fs_group", &CONTAINER_SECURITY_CONTEXT);
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].path, "runners.kubernetes.pod_security_context");
    }
}
