//! Which environment variable sets which runner config key at registration.
//!
//! `gitlab-runner register` builds a config from its flags and their environment variables,
//! then merges the registration template into it without overriding (reference
//! runner-manager.md §1.9). The Helm chart and the Operator pass their settings this way, so an
//! environment variable of the runner's container can silently win over the template's key.
//! This table is the struct tags of GitLab Runner's config types, as data: `env:"…"` paired
//! with `toml:"…"`, from gitlabhq/gitlab-runner@d79f3e7b89ab `common/config.go`
//! (`RunnerConfig`, `RunnerCredentials`, `RunnerSettings`, `KubernetesConfig`,
//! `KubernetesPodSecurityContext`) and `cache/cacheconfig/cacheconfig.go`. The container
//! security-context tables take their variables from a go-flags namespace rather than full
//! names, and are left out.

/// One environment variable and the key it sets, as a path below a `[[runners]]` entry.
#[derive(Debug)]
pub struct EnvKey {
    pub env: &'static str,
    pub path: &'static [&'static str],
    /// The Go field is a pointer: an explicit zero (`false`, `0`) is kept when the template
    /// leaves the key out, instead of reading as unset.
    pub pointer: bool,
}

impl EnvKey {
    /// Whether the value is a credential, never to be printed.
    pub fn is_secret(&self) -> bool {
        SECRET_ENVS.contains(&self.env)
    }

    /// The dotted key path, `kubernetes.namespace`.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// The variables whose values are credentials.
const SECRET_ENVS: &[&str] = &[
    "CI_SERVER_TOKEN",
    "KUBERNETES_BEARER_TOKEN",
    "CACHE_S3_ACCESS_KEY",
    "CACHE_S3_SECRET_KEY",
    "CACHE_S3_SESSION_TOKEN",
    "CACHE_GCS_PRIVATE_KEY",
    "CACHE_AZURE_ACCOUNT_KEY",
];

/// The key an environment variable sets at registration, if any.
pub fn key_for_env(name: &str) -> Option<&'static EnvKey> {
    ENV_KEYS.iter().find(|k| k.env == name)
}

/// A template key registration has already set before the template is merged, so the
/// template's value never applies (runner-manager.md §1.9, §2.5): the reason, or `None`.
pub fn preset_by_registration(path: &[&str], operator: bool) -> Option<&'static str> {
    match path {
        ["name"] => Some("registration names the runner itself (the pod's hostname unless set)"),
        ["token"] => Some("registration blanks the template's token and uses its own"),
        ["kubernetes", "retry_limit"] => Some("registration already set it to its default, 5"),
        ["kubernetes", "retry_backoff_max"] => {
            Some("registration already set it to its default, 2000")
        }
        ["kubernetes", "resource_availability_check_max_attempts"] => {
            Some("registration already set it to its default, 5")
        }
        ["request_concurrency"] | ["output_limit"] | ["kubernetes", "poll_timeout"] if operator => {
            Some("the Operator sets it through the environment (gitlab-runner-operator#229)")
        }
        _ => None,
    }
}

const fn env(env: &'static str, path: &'static [&'static str], pointer: bool) -> EnvKey {
    EnvKey { env, path, pointer }
}

/// Every variable, in the order of the struct fields.
pub static ENV_KEYS: &[EnvKey] = &[
    env("RUNNER_NAME", &["name"], false),
    env("RUNNER_LIMIT", &["limit"], false),
    env("RUNNER_OUTPUT_LIMIT", &["output_limit"], false),
    env(
        "RUNNER_REQUEST_CONCURRENCY",
        &["request_concurrency"],
        false,
    ),
    env(
        "RUNNER_STRICT_CHECK_INTERVAL",
        &["strict_check_interval"],
        true,
    ),
    env(
        "RUNNER_UNHEALTHY_REQUESTS_LIMIT",
        &["unhealthy_requests_limit"],
        false,
    ),
    env(
        "RUNNER_job_status_final_update_retry_limit",
        &["job_status_final_update_retry_limit"],
        false,
    ),
    env("CI_SERVER_URL", &["url"], false),
    env("CI_SERVER_TOKEN", &["token"], false),
    env("CI_SERVER_TLS_CA_FILE", &["tls-ca-file"], false),
    env("CI_SERVER_TLS_CERT_FILE", &["tls-cert-file"], false),
    env("CI_SERVER_TLS_KEY_FILE", &["tls-key-file"], false),
    env("RUNNER_EXECUTOR", &["executor"], false),
    env("RUNNER_BUILDS_DIR", &["builds_dir"], false),
    env("RUNNER_CACHE_DIR", &["cache_dir"], false),
    env("CLONE_URL", &["clone_url"], false),
    env("RUNNER_ENV", &["environment"], false),
    env("RUNNER_PROXY_EXEC", &["proxy_exec"], true),
    env(
        "RUNNER_PRE_GET_SOURCES_SCRIPT",
        &["pre_get_sources_script"],
        false,
    ),
    env(
        "RUNNER_POST_GET_SOURCES_SCRIPT",
        &["post_get_sources_script"],
        false,
    ),
    env("RUNNER_PRE_BUILD_SCRIPT", &["pre_build_script"], false),
    env("RUNNER_POST_BUILD_SCRIPT", &["post_build_script"], false),
    env("RUNNER_PREPARE_TIMEOUT", &["prepare_timeout"], true),
    env("RUNNER_GET_SOURCES_TIMEOUT", &["get_sources_timeout"], true),
    env(
        "RUNNER_DEBUG_TRACE_DISABLED",
        &["debug_trace_disabled"],
        false,
    ),
    env(
        "RUNNER_SAFE_DIRECTORY_CHECKOUT",
        &["safe_directory_checkout"],
        true,
    ),
    env("RUNNER_CLEAN_GIT_CONFIG", &["clean_git_config"], true),
    env("RUNNER_SHELL", &["shell"], false),
    env("FEATURE_FLAGS", &["feature_flags"], false),
    env("RUNNER_USE_SLOT_CGROUPS", &["use_slot_cgroups"], false),
    env(
        "RUNNER_SLOT_CGROUP_TEMPLATE",
        &["slot_cgroup_template"],
        false,
    ),
    env("STEP_RUNNER_IMAGE", &["step_runner_image"], false),
    env("KUBERNETES_HOST", &["kubernetes", "host"], false),
    env("KUBECTL_CONTEXT", &["kubernetes", "context"], false),
    env("KUBERNETES_CERT_FILE", &["kubernetes", "cert_file"], false),
    env("KUBERNETES_KEY_FILE", &["kubernetes", "key_file"], false),
    env("KUBERNETES_CA_FILE", &["kubernetes", "ca_file"], false),
    env(
        "KUBERNETES_BEARER_TOKEN_OVERWRITE_ALLOWED",
        &["kubernetes", "bearer_token_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_BEARER_TOKEN",
        &["kubernetes", "bearer_token"],
        false,
    ),
    env("KUBERNETES_IMAGE", &["kubernetes", "image"], false),
    env("KUBERNETES_NAMESPACE", &["kubernetes", "namespace"], false),
    env(
        "KUBERNETES_NAMESPACE_OVERWRITE_ALLOWED",
        &["kubernetes", "namespace_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_NAMESPACE_PER_JOB",
        &["kubernetes", "namespace_per_job"],
        false,
    ),
    env("KUBERNETES_PRIVILEGED", &["kubernetes", "privileged"], true),
    env(
        "KUBERNETES_RUNTIME_CLASS_NAME",
        &["kubernetes", "runtime_class_name"],
        true,
    ),
    env(
        "KUBERNETES_ALLOW_PRIVILEGE_ESCALATION",
        &["kubernetes", "allow_privilege_escalation"],
        true,
    ),
    env("KUBERNETES_CPU_LIMIT", &["kubernetes", "cpu_limit"], false),
    env(
        "KUBERNETES_CPU_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "cpu_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_CPU_REQUEST",
        &["kubernetes", "cpu_request"],
        false,
    ),
    env(
        "KUBERNETES_CPU_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "cpu_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_MEMORY_LIMIT",
        &["kubernetes", "memory_limit"],
        false,
    ),
    env(
        "KUBERNETES_MEMORY_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "memory_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_MEMORY_REQUEST",
        &["kubernetes", "memory_request"],
        false,
    ),
    env(
        "KUBERNETES_MEMORY_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "memory_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_EPHEMERAL_STORAGE_LIMIT",
        &["kubernetes", "ephemeral_storage_limit"],
        false,
    ),
    env(
        "KUBERNETES_EPHEMERAL_STORAGE_LIMIT_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "ephemeral_storage_limit_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_EPHEMERAL_STORAGE_REQUEST",
        &["kubernetes", "ephemeral_storage_request"],
        false,
    ),
    env(
        "KUBERNETES_EPHEMERAL_STORAGE_REQUEST_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "ephemeral_storage_request_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_CPU_LIMIT",
        &["kubernetes", "service_cpu_limit"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_CPU_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "service_cpu_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_CPU_REQUEST",
        &["kubernetes", "service_cpu_request"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_CPU_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "service_cpu_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_MEMORY_LIMIT",
        &["kubernetes", "service_memory_limit"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_MEMORY_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "service_memory_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_MEMORY_REQUEST",
        &["kubernetes", "service_memory_request"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_MEMORY_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "service_memory_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_EPHEMERAL_STORAGE_LIMIT",
        &["kubernetes", "service_ephemeral_storage_limit"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_EPHEMERAL_STORAGE_LIMIT_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "service_ephemeral_storage_limit_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_EPHEMERAL_STORAGE_REQUEST",
        &["kubernetes", "service_ephemeral_storage_request"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_EPHEMERAL_STORAGE_REQUEST_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "service_ephemeral_storage_request_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_HELPER_CPU_LIMIT",
        &["kubernetes", "helper_cpu_limit"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_CPU_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "helper_cpu_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_CPU_REQUEST",
        &["kubernetes", "helper_cpu_request"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_CPU_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "helper_cpu_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_MEMORY_LIMIT",
        &["kubernetes", "helper_memory_limit"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_MEMORY_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "helper_memory_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_MEMORY_REQUEST",
        &["kubernetes", "helper_memory_request"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_MEMORY_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "helper_memory_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_EPHEMERAL_STORAGE_LIMIT",
        &["kubernetes", "helper_ephemeral_storage_limit"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_EPHEMERAL_STORAGE_LIMIT_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "helper_ephemeral_storage_limit_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_HELPER_EPHEMERAL_STORAGE_REQUEST",
        &["kubernetes", "helper_ephemeral_storage_request"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_EPHEMERAL_STORAGE_REQUEST_OVERWRITE_MAX_ALLOWED",
        &[
            "kubernetes",
            "helper_ephemeral_storage_request_overwrite_max_allowed",
        ],
        false,
    ),
    env(
        "KUBERNETES_POD_CPU_LIMIT",
        &["kubernetes", "pod_cpu_limit"],
        false,
    ),
    env(
        "KUBERNETES_POD_CPU_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "pod_cpu_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_POD_CPU_REQUEST",
        &["kubernetes", "pod_cpu_request"],
        false,
    ),
    env(
        "KUBERNETES_POD_CPU_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "pod_cpu_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_POD_MEMORY_LIMIT",
        &["kubernetes", "pod_memory_limit"],
        false,
    ),
    env(
        "KUBERNETES_POD_MEMORY_LIMIT_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "pod_memory_limit_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_POD_MEMORY_REQUEST",
        &["kubernetes", "pod_memory_request"],
        false,
    ),
    env(
        "KUBERNETES_POD_MEMORY_REQUEST_OVERWRITE_MAX_ALLOWED",
        &["kubernetes", "pod_memory_request_overwrite_max_allowed"],
        false,
    ),
    env(
        "KUBERNETES_ALLOWED_IMAGES",
        &["kubernetes", "allowed_images"],
        false,
    ),
    env(
        "KUBERNETES_ALLOWED_PULL_POLICIES",
        &["kubernetes", "allowed_pull_policies"],
        false,
    ),
    env(
        "KUBERNETES_ALLOWED_SERVICES",
        &["kubernetes", "allowed_services"],
        false,
    ),
    env(
        "KUBERNETES_ALLOWED_USERS",
        &["kubernetes", "allowed_users"],
        false,
    ),
    env(
        "KUBERNETES_ALLOWED_GROUPS",
        &["kubernetes", "allowed_groups"],
        false,
    ),
    env(
        "KUBERNETES_PULL_POLICY",
        &["kubernetes", "pull_policy"],
        false,
    ),
    env(
        "KUBERNETES_NODE_SELECTOR",
        &["kubernetes", "node_selector"],
        false,
    ),
    env(
        "KUBERNETES_NODE_SELECTOR_OVERWRITE_ALLOWED",
        &["kubernetes", "node_selector_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_NODE_TOLERATIONS",
        &["kubernetes", "node_tolerations"],
        false,
    ),
    env(
        "KUBERNETES_NODE_TOLERATIONS_OVERWRITE_ALLOWED",
        &["kubernetes", "node_tolerations_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_IMAGE_PULL_SECRETS",
        &["kubernetes", "image_pull_secrets"],
        false,
    ),
    env(
        "KUBERNETES_USE_SERVICE_ACCOUNT_IMAGE_PULL_SECRETS",
        &["kubernetes", "use_service_account_image_pull_secrets"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_IMAGE",
        &["kubernetes", "helper_image"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_IMAGE_FLAVOR",
        &["kubernetes", "helper_image_flavor"],
        false,
    ),
    env(
        "KUBERNETES_HELPER_IMAGE_AUTOSET_ARCH_AND_OS",
        &["kubernetes", "helper_image_autoset_arch_and_os"],
        false,
    ),
    env(
        "KUBERNETES_POD_TERMINATION_GRACE_PERIOD_SECONDS",
        &["kubernetes", "pod_termination_grace_period_seconds"],
        true,
    ),
    env(
        "KUBERNETES_CLEANUP_GRACE_PERIOD_SECONDS",
        &["kubernetes", "cleanup_grace_period_seconds"],
        true,
    ),
    env(
        "KUBERNETES_CLEANUP_RESOURCES_TIMEOUT",
        &["kubernetes", "cleanup_resources_timeout"],
        true,
    ),
    env(
        "KUBERNETES_POLL_INTERVAL",
        &["kubernetes", "poll_interval"],
        false,
    ),
    env(
        "KUBERNETES_POLL_TIMEOUT",
        &["kubernetes", "poll_timeout"],
        false,
    ),
    env(
        "KUBERNETES_RESOURCE_AVAILABILITY_CHECK_MAX_ATTEMPTS",
        &["kubernetes", "resource_availability_check_max_attempts"],
        false,
    ),
    env(
        "KUBERNETES_REQUEST_RETRY_LIMIT",
        &["kubernetes", "retry_limit"],
        false,
    ),
    env(
        "KUBERNETES_REQUEST_RETRY_BACKOFF_MAX",
        &["kubernetes", "retry_backoff_max"],
        false,
    ),
    env(
        "KUBERNETES_RETRY_LIMITS",
        &["kubernetes", "retry_limits"],
        false,
    ),
    env(
        "KUBERNETES_POD_LABELS_OVERWRITE_ALLOWED",
        &["kubernetes", "pod_labels_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_SCHEDULER_NAME",
        &["kubernetes", "scheduler_name"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_ACCOUNT",
        &["kubernetes", "service_account"],
        false,
    ),
    env(
        "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE_ALLOWED",
        &["kubernetes", "service_account_overwrite_allowed"],
        false,
    ),
    env(
        "KUBERNETES_AUTOMOUNT_SERVICE_ACCOUNT_TOKEN",
        &["kubernetes", "automount_service_account_token"],
        true,
    ),
    env(
        "KUBERNETES_POD_ANNOTATIONS_OVERWRITE_ALLOWED",
        &["kubernetes", "pod_annotations_overwrite_allowed"],
        false,
    ),
    env("KUBERNETES_CAP_ADD", &["kubernetes", "cap_add"], false),
    env("KUBERNETES_CAP_DROP", &["kubernetes", "cap_drop"], false),
    env(
        "KUBERNETES_SUSPEND_PVC_SIZE",
        &["kubernetes", "suspend_pvc_size"],
        false,
    ),
    env(
        "KUBERNETES_SUSPEND_PVC_STORAGE_CLASS",
        &["kubernetes", "suspend_pvc_storage_class"],
        false,
    ),
    env(
        "KUBERNETES_DNS_POLICY",
        &["kubernetes", "dns_policy"],
        false,
    ),
    env(
        "KUBERNETES_PRIORITY_CLASS_NAME",
        &["kubernetes", "priority_class_name"],
        false,
    ),
    env(
        "KUBERNETES_LOGS_BASE_DIR",
        &["kubernetes", "logs_base_dir"],
        false,
    ),
    env(
        "KUBERNETES_SCRIPTS_BASE_DIR",
        &["kubernetes", "scripts_base_dir"],
        false,
    ),
    env(
        "KUBERNETES_PRINT_POD_WARNING_EVENTS",
        &["kubernetes", "print_pod_warning_events"],
        true,
    ),
    env(
        "KUBERNETES_POD_DISRUPTION_BUDGET",
        &["kubernetes", "pod_disruption_budget"],
        true,
    ),
    env(
        "KUBERNETES_POD_SECURITY_CONTEXT_FS_GROUP",
        &["kubernetes", "pod_security_context", "fs_group"],
        true,
    ),
    env(
        "KUBERNETES_POD_SECURITY_CONTEXT_RUN_AS_GROUP",
        &["kubernetes", "pod_security_context", "run_as_group"],
        true,
    ),
    env(
        "KUBERNETES_POD_SECURITY_CONTEXT_RUN_AS_NON_ROOT",
        &["kubernetes", "pod_security_context", "run_as_non_root"],
        true,
    ),
    env(
        "KUBERNETES_POD_SECURITY_CONTEXT_RUN_AS_USER",
        &["kubernetes", "pod_security_context", "run_as_user"],
        true,
    ),
    env("CACHE_TYPE", &["cache", "Type"], false),
    env("CACHE_PATH", &["cache", "Path"], false),
    env("CACHE_SHARED", &["cache", "Shared"], false),
    env(
        "CACHE_MAXIMUM_UPLOADED_ARCHIVE_SIZE",
        &["cache", "MaxUploadedArchiveSize"],
        false,
    ),
    env(
        "CACHE_S3_SERVER_ADDRESS",
        &["cache", "s3", "ServerAddress"],
        false,
    ),
    env("CACHE_S3_ACCESS_KEY", &["cache", "s3", "AccessKey"], false),
    env("CACHE_S3_SECRET_KEY", &["cache", "s3", "SecretKey"], false),
    env(
        "CACHE_S3_SESSION_TOKEN",
        &["cache", "s3", "SessionToken"],
        false,
    ),
    env(
        "CACHE_S3_BUCKET_NAME",
        &["cache", "s3", "BucketName"],
        false,
    ),
    env(
        "CACHE_S3_BUCKET_LOCATION",
        &["cache", "s3", "BucketLocation"],
        false,
    ),
    env("CACHE_S3_INSECURE", &["cache", "s3", "Insecure"], false),
    env(
        "CACHE_S3_AUTHENTICATION_TYPE",
        &["cache", "s3", "AuthenticationType"],
        false,
    ),
    env(
        "CACHE_S3_SERVER_SIDE_ENCRYPTION",
        &["cache", "s3", "ServerSideEncryption"],
        false,
    ),
    env(
        "CACHE_S3_SERVER_SIDE_ENCRYPTION_KEY_ID",
        &["cache", "s3", "ServerSideEncryptionKeyID"],
        false,
    ),
    env("CACHE_S3_DUAL_STACK", &["cache", "s3", "DualStack"], true),
    env("CACHE_S3_PATH_STYLE", &["cache", "s3", "PathStyle"], true),
    env("CACHE_S3_ACCELERATE", &["cache", "s3", "Accelerate"], false),
    env("CACHE_S3_ROLE_ARN", &["cache", "s3", "RoleARN"], false),
    env(
        "CACHE_S3_UPLOAD_ROLE_ARN",
        &["cache", "s3", "UploadRoleARN"],
        false,
    ),
    env(
        "CACHE_S3_ASSUME_ROLE_MAX_CONCURRENCY",
        &["cache", "s3", "AssumeRoleMaxConcurrency"],
        false,
    ),
    env(
        "CACHE_S3_DISABLE_ASSUME_ROLE_CREDENTIALS_CACHING",
        &["cache", "s3", "DisableAssumeRoleCredentialsCaching"],
        false,
    ),
    env(
        "GOOGLE_APPLICATION_CREDENTIALS",
        &["cache", "gcs", "CredentialsFile"],
        false,
    ),
    env(
        "CACHE_GCS_BUCKET_NAME",
        &["cache", "gcs", "BucketName"],
        false,
    ),
    env(
        "CACHE_GCS_UNIVERSE_DOMAIN",
        &["cache", "gcs", "UniverseDomain"],
        false,
    ),
    env("CACHE_GCS_ACCESS_ID", &["cache", "gcs", "AccessID"], false),
    env(
        "CACHE_GCS_PRIVATE_KEY",
        &["cache", "gcs", "PrivateKey"],
        false,
    ),
    env(
        "CACHE_AZURE_CONTAINER_NAME",
        &["cache", "azure", "ContainerName"],
        false,
    ),
    env(
        "CACHE_AZURE_STORAGE_DOMAIN",
        &["cache", "azure", "StorageDomain"],
        false,
    ),
    env(
        "CACHE_AZURE_ACCOUNT_NAME",
        &["cache", "azure", "AccountName"],
        false,
    ),
    env(
        "CACHE_AZURE_ACCOUNT_KEY",
        &["cache", "azure", "AccountKey"],
        false,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{self, Ty};

    /// Every key of the table is a key the schema knows at that place: a typo in either would
    /// make an environment override land nowhere.
    #[test]
    fn every_env_key_is_in_the_schema() {
        for key in ENV_KEYS {
            assert!(
                schema::runner_key(key.path).is_some(),
                "{} sets {}, which the schema does not know",
                key.env,
                key.dotted()
            );
        }
    }

    #[test]
    fn the_namespace_variable_sets_the_kubernetes_namespace() {
        let key = key_for_env("KUBERNETES_NAMESPACE").unwrap();
        assert_eq!(key.path, ["kubernetes", "namespace"]);
        assert_eq!(schema::runner_key(key.path).unwrap().ty, Ty::Str);
        assert!(key_for_env("CI_SERVER_TOKEN").unwrap().is_secret());
        assert!(!key.is_secret());
    }
}
