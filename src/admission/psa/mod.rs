//! Kubernetes Pod Security Admission (the `PodSecurity` plugin), simulated offline: the
//! namespace's `pod-security.kubernetes.io/*` labels become a policy per mode (enforce, warn,
//! audit), and a pod (or a workload's pod template) is evaluated against the Pod Security
//! Standards `baseline` and `restricted` levels with the API server's own message text.
//!
//! The checks, their order and every message follow `k8s.io/pod-security-admission` v0.33
//! (Kubernetes 1.33; `staging/src/k8s.io/pod-security-admission/` in kubernetes/kubernetes):
//! `policy/check_*.go` for each control, `policy/registry.go` for the order (baseline check IDs
//! sorted, then restricted ones, with overridden baseline checks left out of `restricted`),
//! `api/helpers.go` for label parsing and `admission/admission.go` for the
//! `violates PodSecurity "<level>:<version>": …` messages. Version labels are honoured (each
//! check has the revisions upstream has); `latest` is the newest revision known here (v1.32
//! policy, the newest in 1.33), which is also what 1.30–1.32 clusters run for `latest` except
//! that 1.30 lacks the 1.31 SELinux type `container_engine_t` and 1.30–1.31 lack the 1.32
//! sysctls `net.ipv4.tcp_rmem`/`tcp_wmem`.
//!
//! This module only evaluates: it never reads files, never prints, and knows nothing of SCCs
//! (on OpenShift PSA runs after SCC admission, on the pod SCC admission has mutated; the
//! caller chooses which pod to give it).
//!
//! ```
//! use runner_doctor::admission::psa::{self, Policy};
//! use k8s_openapi::api::core::v1::{Namespace, Pod};
//!
//! let ns: Namespace = serde_json::from_str(r#"{"metadata":{"name":"ci","labels":{
//!     "pod-security.kubernetes.io/enforce":"restricted"}}}"#).unwrap();
//! let pod: Pod = serde_json::from_str(r#"{"metadata":{"name":"job"},
//!     "spec":{"containers":[{"name":"build","image":"ruby",
//!       "securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,
//!         "capabilities":{"drop":["ALL"]},"seccompProfile":{"type":"RuntimeDefault"}}}]}}"#).unwrap();
//! let (policy, errors) = Policy::from_namespace(Some(&ns), Policy::privileged());
//! assert!(errors.is_empty());
//! assert!(psa::check_pod(&pod, &policy, true).allowed());
//! ```

mod checks;

pub use checks::{BASELINE_CAPABILITIES, safe_sysctls};

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Namespace, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// Label prefix of the Pod Security labels.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
/// The enforce level label.
pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// The enforce version label.
pub const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";
/// The warn level label.
pub const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
/// The warn version label.
pub const WARN_VERSION_LABEL: &str = "pod-security.kubernetes.io/warn-version";
/// The audit level label.
pub const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";
/// The audit version label.
pub const AUDIT_VERSION_LABEL: &str = "pod-security.kubernetes.io/audit-version";

/// The newest policy revision known (`latest` evaluates as this minor version): the sysctls
/// check's v1.32 revision is the newest in pod-security-admission v0.33.
pub const LATEST_POLICY_MINOR: u32 = 32;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No restriction.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardening best practices.
    Restricted,
}

impl Level {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// Parses a label value (`api.ParseLevel`).
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy version: `latest` or `v1.N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `latest`.
    Latest,
    /// `v1.<minor>`.
    V1(u32),
}

impl Version {
    /// Parses a version label value (`api.ParseVersion`: `latest` or `^v1\.(0|[1-9][0-9]*)$`).
    pub fn parse(s: &str) -> Option<Version> {
        if s == "latest" {
            return Some(Version::Latest);
        }
        let minor = s.strip_prefix("v1.")?;
        let canonical = minor == "0" || !minor.starts_with('0');
        if minor.is_empty() || !canonical || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        minor.parse().ok().map(Version::V1)
    }

    /// The policy revision evaluated: versions past the newest known revision (and `latest`)
    /// evaluate as the newest (`checkRegistry.EvaluatePod`).
    pub fn policy_minor(self) -> u32 {
        match self {
            Version::Latest => LATEST_POLICY_MINOR,
            Version::V1(m) => m.min(LATEST_POLICY_MINOR),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Latest => f.write_str("latest"),
            Version::V1(m) => write!(f, "v1.{m}"),
        }
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A level at a version, printed `restricted:latest` as in the messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl LevelVersion {
    /// `level` at `latest`.
    pub fn latest(level: Level) -> Self {
        LevelVersion {
            level,
            version: Version::Latest,
        }
    }
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

impl Serialize for LevelVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An admission mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Violations reject the pod.
    Enforce,
    /// Violations are returned to the client as warnings.
    Warn,
    /// Violations are recorded in the audit log.
    Audit,
}

impl Mode {
    /// The mode's name, as in the label.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// The level and version of each mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Enforce.
    pub enforce: LevelVersion,
    /// Warn.
    pub warn: LevelVersion,
    /// Audit.
    pub audit: LevelVersion,
}

/// A Pod Security label whose value the API server does not accept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabelError {
    /// The label key.
    pub label: String,
    /// Its value.
    pub value: String,
    /// Why it is invalid, as `field.Invalid` words it.
    pub message: String,
}

impl Policy {
    /// Every mode `privileged:latest`: the upstream default when the plugin is not configured.
    pub fn privileged() -> Self {
        Self::uniform(Level::Privileged)
    }

    /// Every mode at `level:latest`.
    pub fn uniform(level: Level) -> Self {
        let lv = LevelVersion::latest(level);
        Policy {
            enforce: lv,
            warn: lv,
            audit: lv,
        }
    }

    /// OpenShift 4.11+'s cluster-wide defaults (default feature set): enforce `privileged`,
    /// warn and audit `restricted`, all at `latest` (reference openshift-scc.md §3.10). The
    /// label syncer usually also sets warn/audit labels on the namespace; pass the namespace
    /// as the cluster has it.
    pub fn openshift_default() -> Self {
        Policy {
            enforce: LevelVersion::latest(Level::Privileged),
            warn: LevelVersion::latest(Level::Restricted),
            audit: LevelVersion::latest(Level::Restricted),
        }
    }

    /// The level and version of a mode.
    pub fn get(&self, mode: Mode) -> LevelVersion {
        match mode {
            Mode::Enforce => self.enforce,
            Mode::Warn => self.warn,
            Mode::Audit => self.audit,
        }
    }

    /// The policy of a namespace: its labels over `defaults` (`api.PolicyToEvaluate`).
    /// A missing namespace has no labels.
    pub fn from_namespace(ns: Option<&Namespace>, defaults: Policy) -> (Policy, Vec<LabelError>) {
        Self::from_labels(ns.and_then(|n| n.metadata.labels.as_ref()), defaults)
    }

    /// The policy from namespace labels over `defaults` (`api.PolicyToEvaluate`): an invalid
    /// enforce level fails closed (`restricted`), invalid warn and audit levels fail open
    /// (`privileged`), an invalid version is `latest`; an enforce label without a warn label
    /// raises warn to the enforce level (and version, without a warn-version label).
    pub fn from_labels(
        labels: Option<&BTreeMap<String, String>>,
        defaults: Policy,
    ) -> (Policy, Vec<LabelError>) {
        let mut p = defaults;
        let mut errors = Vec::new();
        let Some(labels) = labels.filter(|l| !l.is_empty()) else {
            return (p, errors);
        };
        let mut level_err = |label: &str, value: &str| {
            errors.push(LabelError {
                label: label.to_owned(),
                value: value.to_owned(),
                message: "must be one of privileged, baseline, restricted".into(),
            });
        };
        let mut has_enforce_level = false;
        if let Some(v) = labels.get(ENFORCE_LABEL) {
            match Level::parse(v) {
                Some(l) => {
                    p.enforce.level = l;
                    has_enforce_level = true;
                }
                None => {
                    p.enforce.level = Level::Restricted;
                    level_err(ENFORCE_LABEL, v);
                }
            }
        }
        let mut version_errors = Vec::new();
        let mut version = |label: &str, value: &str| {
            Version::parse(value).unwrap_or_else(|| {
                version_errors.push(LabelError {
                    label: label.to_owned(),
                    value: value.to_owned(),
                    message: "must be \"latest\" or \"v1.x\"".into(),
                });
                Version::Latest
            })
        };
        if let Some(v) = labels.get(ENFORCE_VERSION_LABEL) {
            p.enforce.version = version(ENFORCE_VERSION_LABEL, v);
        }
        if let Some(v) = labels.get(AUDIT_LABEL) {
            p.audit.level = Level::parse(v).unwrap_or_else(|| {
                level_err(AUDIT_LABEL, v);
                Level::Privileged
            });
        }
        if let Some(v) = labels.get(AUDIT_VERSION_LABEL) {
            p.audit.version = version(AUDIT_VERSION_LABEL, v);
        }
        let has_warn_level = labels.contains_key(WARN_LABEL);
        if let Some(v) = labels.get(WARN_LABEL) {
            p.warn.level = Level::parse(v).unwrap_or_else(|| {
                level_err(WARN_LABEL, v);
                Level::Privileged
            });
        }
        let has_warn_version = labels.contains_key(WARN_VERSION_LABEL);
        if let Some(v) = labels.get(WARN_VERSION_LABEL) {
            p.warn.version = version(WARN_VERSION_LABEL, v);
        }
        if !has_warn_level && has_enforce_level && p.enforce.level > p.warn.level {
            p.warn.level = p.enforce.level;
            if !has_warn_version {
                p.warn.version = p.enforce.version;
            }
        }
        // Upstream reports the errors in label order: enforce, enforce-version, audit, ….
        let mut all: Vec<LabelError> = errors.into_iter().chain(version_errors).collect();
        let rank = |l: &str| {
            [
                ENFORCE_LABEL,
                ENFORCE_VERSION_LABEL,
                AUDIT_LABEL,
                AUDIT_VERSION_LABEL,
                WARN_LABEL,
                WARN_VERSION_LABEL,
            ]
            .iter()
            .position(|k| *k == l)
        };
        all.sort_by_key(|e| rank(&e.label));
        (p, all)
    }
}

/// One failed check: the short reason and the detail, as in `policy.CheckResult`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The upstream check ID, e.g. `allowPrivilegeEscalation`.
    pub check: &'static str,
    /// The forbidden reason, e.g. `allowPrivilegeEscalation != false`.
    pub reason: String,
    /// The forbidden detail, e.g. `container "build" must set securityContext.allowPrivilegeEscalation=false`.
    pub detail: String,
}

impl fmt::Display for Violation {
    /// `reason (detail)`, or the reason alone when there is no detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{} ({})", self.reason, self.detail)
        }
    }
}

/// Evaluation switches that mirror API server configuration.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalOptions {
    /// The `UserNamespacesPodSecurityStandards` feature gate (alpha, off by default): pods
    /// with `hostUsers: false` pass the procMount, runAsNonRoot and runAsUser checks.
    pub relax_user_namespace_pods: bool,
}

/// Evaluates pod metadata and spec against `lv` (`checkRegistry.EvaluatePod`); the failed
/// checks in the API server's order. `privileged` has no checks.
pub fn evaluate(
    lv: LevelVersion,
    meta: &ObjectMeta,
    spec: &PodSpec,
    options: EvalOptions,
) -> Vec<Violation> {
    checks::evaluate(lv.level, lv.version.policy_minor(), meta, spec, options)
}

/// The IDs of the checks that run for `level` at policy minor version `minor`, in the order
/// their violations are reported (e.g. `allowPrivilegeEscalation`, `runAsNonRoot`).
pub fn check_ids(level: Level, minor: u32) -> Vec<&'static str> {
    checks::check_ids(level, minor)
}

/// The aggregated detail of violations, `reason (detail), reason (detail)`
/// (`AggregateCheckResult.ForbiddenDetail`).
pub fn forbidden_detail(violations: &[Violation]) -> String {
    let items: Vec<String> = violations.iter().map(Violation::to_string).collect();
    items.join(", ")
}

/// The result of one mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeResult {
    /// The mode.
    pub mode: Mode,
    /// Its level and version.
    pub level: LevelVersion,
    /// The failed checks, in order.
    pub violations: Vec<Violation>,
    /// The message the API server produces: the rejection for enforce
    /// (`pods "<name>" is forbidden: violates PodSecurity …`), else the warning or audit
    /// annotation text (`would violate PodSecurity …`). `None` when there is no violation, or
    /// when enforce was not evaluated.
    pub message: Option<String>,
}

/// The PSA result for one pod or pod template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PsaOutcome {
    /// The policy applied.
    pub policy: Policy,
    /// Invalid labels (the API server records them in the `error` audit annotation).
    pub label_errors: Vec<LabelError>,
    /// Enforce; `None` when not evaluated (pod controllers are only warned and audited).
    pub enforce: Option<ModeResult>,
    /// Warn.
    pub warn: ModeResult,
    /// Audit.
    pub audit: ModeResult,
}

impl PsaOutcome {
    /// False when enforce rejects.
    pub fn allowed(&self) -> bool {
        self.error().is_none()
    }

    /// The rejection message, if enforce rejects.
    pub fn error(&self) -> Option<&str> {
        self.enforce.as_ref().and_then(|e| e.message.as_deref())
    }

    /// The warning the client receives, as the API server sends it (none when the request is
    /// rejected: "avoid adding warnings to a request we're already going to reject").
    pub fn warning(&self) -> Option<&str> {
        if self.allowed() {
            self.warn.message.as_deref()
        } else {
            None
        }
    }

    /// The `pod-security.kubernetes.io/audit-violations` audit annotation value.
    pub fn audit_annotation(&self) -> Option<&str> {
        self.audit.message.as_deref()
    }

    /// The three mode results that were evaluated, enforce first.
    pub fn modes(&self) -> impl Iterator<Item = &ModeResult> {
        self.enforce.iter().chain([&self.warn, &self.audit])
    }
}

/// The name in `pods "<name>" is forbidden`: name, else generateName.
fn display_name(meta: &ObjectMeta) -> &str {
    meta.name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(meta.generate_name.as_deref())
        .unwrap_or("")
}

/// Evaluates metadata and spec in every mode of `policy` (`Admission.EvaluatePod`).
/// `enforce` is false for pod controllers (Deployment, Job, …), which are only warned about
/// and audited.
pub fn evaluate_modes(
    meta: &ObjectMeta,
    spec: &PodSpec,
    policy: &Policy,
    label_errors: Vec<LabelError>,
    enforce: bool,
    options: EvalOptions,
) -> PsaOutcome {
    let run = |mode: Mode| {
        let lv = policy.get(mode);
        let violations = evaluate(lv, meta, spec, options);
        let message = (!violations.is_empty()).then(|| {
            let detail = forbidden_detail(&violations);
            match mode {
                Mode::Enforce => {
                    let name = display_name(meta);
                    // apierrors.NewForbidden leaves the quoted name out when it is empty.
                    if name.is_empty() {
                        format!("pods is forbidden: violates PodSecurity \"{lv}\": {detail}")
                    } else {
                        format!(
                            "pods \"{name}\" is forbidden: violates PodSecurity \"{lv}\": {detail}"
                        )
                    }
                }
                Mode::Warn | Mode::Audit => {
                    format!("would violate PodSecurity \"{lv}\": {detail}")
                }
            }
        });
        ModeResult {
            mode,
            level: lv,
            violations,
            message,
        }
    };
    PsaOutcome {
        policy: *policy,
        label_errors,
        enforce: enforce.then(|| run(Mode::Enforce)),
        warn: run(Mode::Warn),
        audit: run(Mode::Audit),
    }
}

/// Evaluates a pod in every mode of `policy`; `enforce` as in [`evaluate_modes`].
pub fn check_pod(pod: &Pod, policy: &Policy, enforce: bool) -> PsaOutcome {
    let empty = PodSpec::default();
    evaluate_modes(
        &pod.metadata,
        pod.spec.as_ref().unwrap_or(&empty),
        policy,
        Vec::new(),
        enforce,
        EvalOptions::default(),
    )
}

/// Evaluates a pod against its namespace's labels over `defaults`, keeping label errors.
pub fn check_pod_in_namespace(
    pod: &Pod,
    namespace: Option<&Namespace>,
    defaults: Policy,
    enforce: bool,
) -> PsaOutcome {
    let (policy, errors) = Policy::from_namespace(namespace, defaults);
    let empty = PodSpec::default();
    evaluate_modes(
        &pod.metadata,
        pod.spec.as_ref().unwrap_or(&empty),
        &policy,
        errors,
        enforce,
        EvalOptions::default(),
    )
}

#[cfg(test)]
mod tests;
