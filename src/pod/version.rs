//! Runner-version knowledge: which behaviour and which keys exist in a given GitLab Runner
//! release, and the feature flags that shape the pod with their per-version defaults and their
//! precedence (reference `gitlab-runner-k8s.md` §1 "since" columns, §4, §7). Nothing here builds
//! pod objects.

use std::collections::BTreeMap;

use semver::Version;

use crate::model::runner::{KeyPath, RunnerEntry};

use super::util::{Vars, parse_bool};

/// The newest runner modelled: the reference commit's `VERSION` file (19.4.0, after v19.3.0).
pub const DEFAULT_RUNNER_VERSION: Version = Version::new(19, 4, 0);

/// `version >= major.minor`.
pub(crate) fn since(v: &Version, major: u64, minor: u64) -> bool {
    (v.major, v.minor) >= (major, minor)
}

/// `FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY`.
pub const FF_LEGACY_EXEC: &str = "FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY";
/// `FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR`.
pub const FF_DISABLE_UMASK: &str = "FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR";
/// `FF_USE_DUMB_INIT_WITH_KUBERNETES_EXECUTOR`.
pub const FF_DUMB_INIT: &str = "FF_USE_DUMB_INIT_WITH_KUBERNETES_EXECUTOR";
/// `FF_KUBERNETES_HONOR_ENTRYPOINT`.
pub const FF_HONOR_ENTRYPOINT: &str = "FF_KUBERNETES_HONOR_ENTRYPOINT";
/// `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION`.
pub const FF_ADVANCED_POD_SPEC: &str = "FF_USE_ADVANCED_POD_SPEC_CONFIGURATION";
/// `FF_USE_POD_ACTIVE_DEADLINE_SECONDS`.
pub const FF_ACTIVE_DEADLINE: &str = "FF_USE_POD_ACTIVE_DEADLINE_SECONDS";
/// `FF_HASH_CACHE_KEYS`.
pub const FF_HASH_CACHE_KEYS: &str = "FF_HASH_CACHE_KEYS";
/// `FF_USE_POWERSHELL_PATH_RESOLVER`.
pub const FF_POWERSHELL_PATH_RESOLVER: &str = "FF_USE_POWERSHELL_PATH_RESOLVER";
/// `FF_SUSPENDABLE_ENVIRONMENTS`.
pub const FF_SUSPENDABLE: &str = "FF_SUSPENDABLE_ENVIRONMENTS";
/// `FF_CONCRETE`.
pub const FF_CONCRETE: &str = "FF_CONCRETE";

/// Every flag name of `helpers/featureflags/flags.go` at the reference commit (19.4.0), used to
/// tell an unknown (misspelt) flag from a real one the pod model does not need.
const UPSTREAM_FLAGS: &[&str] = &[
    "FF_NETWORK_PER_BUILD",
    "FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY",
    "FF_USE_DIRECT_DOWNLOAD",
    "FF_USE_FASTZIP",
    "FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR",
    "FF_ENABLE_BASH_EXIT_CODE_CHECK",
    "FF_USE_WINDOWS_LEGACY_PROCESS_STRATEGY",
    "FF_USE_LEGACY_BASH_EVAL",
    "FF_USE_POWERSHELL_PATH_RESOLVER",
    "FF_USE_DYNAMIC_TRACE_FORCE_SEND_INTERVAL",
    "FF_SCRIPT_SECTIONS",
    "FF_ENABLE_JOB_CLEANUP",
    "FF_KUBERNETES_HONOR_ENTRYPOINT",
    "FF_POSIXLY_CORRECT_ESCAPES",
    "FF_RESOLVE_FULL_TLS_CHAIN",
    "FF_DISABLE_POWERSHELL_STDIN",
    "FF_USE_POD_ACTIVE_DEADLINE_SECONDS",
    "FF_USE_ADVANCED_POD_SPEC_CONFIGURATION",
    "FF_SECRET_RESOLVING_FAILS_IF_MISSING",
    "FF_PRINT_POD_EVENTS",
    "FF_USE_GIT_BUNDLE_URIS",
    "FF_USE_GIT_NATIVE_CLONE",
    "FF_USE_DUMB_INIT_WITH_KUBERNETES_EXECUTOR",
    "FF_USE_INIT_WITH_DOCKER_EXECUTOR",
    "FF_LOG_IMAGES_CONFIGURED_FOR_JOB",
    "FF_USE_DOCKER_AUTOSCALER_DIAL_STDIO",
    "FF_CLEAN_UP_FAILED_CACHE_EXTRACT",
    "FF_USE_WINDOWS_JOB_OBJECT",
    "FF_TIMESTAMPS",
    "FF_DISABLE_AUTOMATIC_TOKEN_ROTATION",
    "FF_USE_LEGACY_GCS_CACHE_ADAPTER",
    "FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR",
    "FF_USE_LEGACY_S3_CACHE_ADAPTER",
    "FF_GIT_URLS_WITHOUT_TOKENS",
    "FF_WAIT_FOR_POD_TO_BE_REACHABLE",
    "FF_MASK_ALL_DEFAULT_TOKENS",
    "FF_EXPORT_HIGH_CARDINALITY_METRICS",
    "FF_USE_FLEETING_ACQUIRE_HEARTBEATS",
    "FF_USE_EXPONENTIAL_BACKOFF_STAGE_RETRY",
    "FF_USE_ADAPTIVE_REQUEST_CONCURRENCY",
    "FF_USE_GITALY_CORRELATION_ID",
    "FF_USE_GIT_PROACTIVE_AUTH",
    "FF_HASH_CACHE_KEYS",
    "FF_ENABLE_JOB_INPUTS_INTERPOLATION",
    "FF_USE_JOB_ROUTER",
    "FF_SCRIPT_TO_STEP_MIGRATION",
    "FF_USE_PARALLEL_CACHE_TRANSFER",
    "FF_USE_PARALLEL_ARTIFACT_TRANSFER",
    "FF_CONCRETE",
    "FF_SUSPENDABLE_ENVIRONMENTS",
    "FF_USE_NATIVE_CONTAINER_STOP",
    // Removed in 19.3, still accepted by older runners.
    "FF_SET_PERMISSIONS_BEFORE_CLEANUP",
];

/// A feature flag the model knows: name, first release, last release (exclusive) and default.
struct FlagDef {
    name: &'static str,
    since: (u64, u64),
    removed: Option<(u64, u64)>,
    default: fn(&Version) -> bool,
}

/// Reference §4 (`helpers/featureflags/flags.go`). Flags outside this table are passed through
/// as variables but do not change the modelled pod.
const FLAGS: &[FlagDef] = &[
    FlagDef {
        name: FF_LEGACY_EXEC,
        since: (12, 9),
        removed: None,
        // Exec mode was the default through 13.x (reference §4, §7).
        default: |v| !since(v, 14, 0),
    },
    FlagDef {
        name: FF_DISABLE_UMASK,
        since: (17, 2),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_DUMB_INIT,
        since: (16, 6),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_HONOR_ENTRYPOINT,
        since: (14, 5),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_ADVANCED_POD_SPEC,
        since: (15, 10),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_ACTIVE_DEADLINE,
        since: (15, 10),
        removed: None,
        // On by default since 16.5.
        default: |v| since(v, 16, 5),
    },
    FlagDef {
        name: "FF_PRINT_POD_EVENTS",
        since: (16, 5),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: "FF_WAIT_FOR_POD_TO_BE_REACHABLE",
        since: (17, 6),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_HASH_CACHE_KEYS,
        since: (18, 4),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: "FF_CLEAN_UP_FAILED_CACHE_EXTRACT",
        since: (16, 8),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_POWERSHELL_PATH_RESOLVER,
        since: (13, 12),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: "FF_USE_FASTZIP",
        since: (13, 6),
        removed: Some((19, 7)),
        default: |_| true,
    },
    FlagDef {
        name: "FF_SET_PERMISSIONS_BEFORE_CLEANUP",
        since: (15, 10),
        removed: Some((19, 3)),
        default: |_| true,
    },
    FlagDef {
        name: FF_CONCRETE,
        since: (18, 11),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: FF_SUSPENDABLE,
        since: (19, 0),
        removed: None,
        default: |_| false,
    },
    FlagDef {
        name: "FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR",
        since: (13, 7),
        removed: None,
        default: |_| false,
    },
];

/// Where a resolved feature-flag value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagSource {
    /// The version's default.
    Default,
    /// `[runners.feature_flags]` (highest precedence).
    Config(KeyPath),
    /// A job variable.
    JobVariable,
    /// `[[runners]] environment`.
    RunnerEnvironment(KeyPath),
}

/// One feature flag after precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFlag {
    /// The value the runner uses.
    pub value: bool,
    /// Which input decided it.
    pub source: FlagSource,
}

/// The feature flags of one job, resolved as `populateFeatureFlags` (`common/build_settings.go`)
/// does: `[runners.feature_flags]` beats variables, which beat the default. Among variables the
/// job's come after `[[runners]] environment` and so win (`getVariablesForFeatureFlagResolution`,
/// `common/build.go`: runner variables, then `b.Variables`; `Get` reads from the end).
#[derive(Debug, Clone, Default)]
pub struct FeatureFlags {
    /// Flag name → resolved value, for every flag the model knows that exists in the version.
    pub flags: BTreeMap<String, ResolvedFlag>,
}

impl FeatureFlags {
    /// Whether the flag is on; flags that do not exist in the version are off.
    pub fn is_on(&self, name: &str) -> bool {
        self.flags.get(name).is_some_and(|f| f.value)
    }

    pub(crate) fn resolve(
        version: &Version,
        runner: &RunnerEntry,
        runner_index: usize,
        runner_env: &[(String, String, usize)],
        job_vars: &Vars,
        warnings: &mut Vec<String>,
    ) -> Self {
        let mut flags = BTreeMap::new();
        for def in FLAGS {
            if !since(version, def.since.0, def.since.1)
                || def.removed.is_some_and(|(ma, mi)| since(version, ma, mi))
            {
                continue;
            }
            let mut resolved = ResolvedFlag {
                value: (def.default)(version),
                source: FlagSource::Default,
            };
            if let Some(v) = runner.feature_flags.get(def.name) {
                resolved = ResolvedFlag {
                    value: *v,
                    source: FlagSource::Config(KeyPath::parse(&format!(
                        "runners[{runner_index}].feature_flags.{}",
                        def.name
                    ))),
                };
            } else if let Some(raw) = job_vars.get(def.name) {
                match parse_bool(raw) {
                    Some(v) => {
                        resolved = ResolvedFlag {
                            value: v,
                            source: FlagSource::JobVariable,
                        }
                    }
                    None => warnings.push(format!(
                        "{}: could not parse feature flag, expected bool, got {raw}",
                        def.name
                    )),
                }
            } else if let Some((_, raw, i)) =
                runner_env.iter().rev().find(|(k, _, _)| k == def.name)
            {
                match parse_bool(raw) {
                    Some(v) => {
                        resolved = ResolvedFlag {
                            value: v,
                            source: FlagSource::RunnerEnvironment(KeyPath::parse(&format!(
                                "runners[{runner_index}].environment[{i}]"
                            ))),
                        }
                    }
                    None => warnings.push(format!(
                        "{}: could not parse feature flag, expected bool, got {raw}",
                        def.name
                    )),
                }
            }
            flags.insert(def.name.to_string(), resolved);
        }
        for name in runner.feature_flags.keys() {
            if !UPSTREAM_FLAGS.contains(&name.as_str()) {
                warnings.push(format!(
                    "unknown feature flag `{name}` in `[runners.feature_flags]`; the runner ignores it"
                ));
            }
        }
        FeatureFlags { flags }
    }
}
