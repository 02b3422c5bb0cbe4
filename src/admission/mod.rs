//! OpenShift SecurityContextConstraints admission, simulated offline exactly as the 4.14
//! platform does it: candidate SCCs and who may use them, their order, every strategy with the
//! namespace's allocated ranges, the mutation of the admitted pod, and the rejection message
//! byte for byte, plus structured per-SCC reasons.
//!
//! The algorithm follows `openshift/apiserver-library-go` release-4.14
//! `pkg/securitycontextconstraints/sccadmission/admission.go` (`Admit`, `Validate`,
//! `computeSecurityContext`); `reference/openshift-scc.md` §3 describes it step by step. This
//! module only simulates: it never reads files or talks to a cluster, and it never prints.
//!
//! Beside the SCC engine: [`psa`] evaluates Kubernetes Pod Security Admission from namespace
//! labels, [`workload`] turns Deployments, Jobs and the other pod controllers into the pod
//! their controller would create, and [`audit`] runs both over loaded inputs for `admit`.
//!
//! ```
//! use runner_doctor::admission::{self, AdmissionRequest, Operation, SccSet, UseGrants, UserInfo};
//! use k8s_openapi::api::core::v1::{Namespace, Pod};
//!
//! let sccs = SccSet::platform("openshift-4.14").expect("embedded set");
//! let ns: Namespace = serde_json::from_str(r#"{"metadata":{"name":"ci","annotations":{
//!     "openshift.io/sa.scc.uid-range":"1000680000/10000",
//!     "openshift.io/sa.scc.supplemental-groups":"1000680000/10000",
//!     "openshift.io/sa.scc.mcs":"s0:c26,c15"}}}"#).unwrap();
//! let pod: Pod = serde_json::from_str(r#"{"metadata":{"name":"job","namespace":"ci"},
//!     "spec":{"serviceAccountName":"gitlab-runner","containers":[{"name":"build","image":"ruby"}]}}"#).unwrap();
//! let user = UserInfo::new("system:serviceaccount:ci:gitlab-runner",
//!     ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"]);
//! let mut grants = UseGrants::new();
//! grants.grant(&user.name, ["restricted-v2"]);
//!
//! let outcome = admission::admit(&AdmissionRequest {
//!     pod: &pod,
//!     namespace: Some(&ns),
//!     namespace_name: None,
//!     user: &user,
//!     authorizer: &grants,
//!     sccs: &sccs,
//!     operation: Operation::Create,
//!     options: Default::default(),
//! });
//! assert_eq!(outcome.scc(), Some("restricted-v2"));
//! ```

pub mod audit;
pub mod authz;
pub mod defaults;
pub mod namespace;
pub mod order;
pub mod platform;
mod provider;
pub mod psa;
pub mod reason;
pub mod sweep;
pub mod workload;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Pod};

pub use authz::{Authorizer, DenyAll, RbacAuthorizer, ResourceAttributes, UseGrants, UserInfo};
pub use reason::{GoValue, Reason, ReasonKind};

use crate::model::scc::SecurityContextConstraints;
use namespace::{MCS_ANNOTATION, NamespaceView, UID_RANGE_ANNOTATION};
use provider::Provider;

/// Pod annotation recording the SCC that admitted the pod.
pub const SCC_ANNOTATION: &str = "openshift.io/scc";
/// Pod annotation that restricts admission to one SCC (new in 4.14).
pub const REQUIRED_SCC_ANNOTATION: &str = "openshift.io/required-scc";

/// A set of API-defaulted SCCs in the order admission tries them.
#[derive(Clone, Debug, Default)]
pub struct SccSet {
    sorted: Vec<SecurityContextConstraints>,
}

impl SccSet {
    /// Defaults (API defaulting, §1.1) and sorts the given SCCs.
    pub fn new(sccs: impl IntoIterator<Item = SecurityContextConstraints>) -> Self {
        let mut sorted: Vec<_> = sccs
            .into_iter()
            .map(SecurityContextConstraints::defaulted)
            .collect();
        order::sort_sccs(&mut sorted);
        SccSet { sorted }
    }

    /// The embedded default set of a platform such as `openshift-4.14`.
    pub fn platform(name: &str) -> Option<Self> {
        platform::default_sccs(name).map(Self::new)
    }

    /// The SCCs in admission order.
    pub fn iter(&self) -> impl Iterator<Item = &SecurityContextConstraints> {
        self.sorted.iter()
    }

    /// The SCC with this name.
    pub fn get(&self, name: &str) -> Option<&SecurityContextConstraints> {
        self.sorted.iter().find(|s| s.name() == name)
    }

    /// Number of SCCs.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True when there is no SCC.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

/// Which admission phase to simulate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Operation {
    /// The mutating phase (`Admit`) of a pod CREATE: the first SCC that validates wins and may
    /// mutate the pod.
    #[default]
    Create,
    /// The validating phase (`Validate`) of a pod CREATE, after mutating webhooks: the pod must
    /// pass some SCC unchanged; its `openshift.io/scc` hint is tried first.
    Validate,
}

/// Options that bend the simulation away from a real cluster.
#[derive(Clone, Copy, Debug)]
pub struct AdmissionOptions {
    /// Refuse, as the plugin does, when one of the ten standard SCC names is missing. Turn off
    /// to simulate a custom SCC set on its own.
    pub require_standard_sccs: bool,
    /// Apply Kubernetes v1 API defaulting to the pod first (as the API server does).
    pub apply_pod_defaults: bool,
}

impl Default for AdmissionOptions {
    fn default() -> Self {
        AdmissionOptions {
            require_standard_sccs: true,
            apply_pod_defaults: true,
        }
    }
}

/// Everything one admission decision depends on.
#[derive(Clone, Copy)]
pub struct AdmissionRequest<'a> {
    /// The pod as sent (v1).
    pub pod: &'a Pod,
    /// The pod's namespace object (its `openshift.io/sa.scc.*` annotations), or `None` if it
    /// does not exist.
    pub namespace: Option<&'a Namespace>,
    /// The request namespace; defaults to `namespace.metadata.name`, then the pod's namespace.
    pub namespace_name: Option<&'a str>,
    /// The identity sending the request.
    pub user: &'a UserInfo,
    /// Answers RBAC `use` checks.
    pub authorizer: &'a dyn Authorizer,
    /// The cluster's SCCs.
    pub sccs: &'a SccSet,
    /// The admission phase.
    pub operation: Operation,
    /// Simulation switches.
    pub options: AdmissionOptions,
}

/// Why the plugin left a pod alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `spec.os.name: windows`.
    WindowsPod,
}

/// Why a pod was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectionKind {
    /// No SCC validated the pod (the per-SCC reasons say why).
    NoSccValidated,
    /// A precondition failed before SCCs were tried (missing namespace annotations, a malformed
    /// SCC, a missing required SCC, …).
    Precondition,
    /// `openshift.io/required-scc` differs from the `openshift.io/scc` hint (Validate).
    RequiredSccMismatch,
}

/// The decision.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// An SCC admitted the pod; `pod` is the pod after mutation, with `openshift.io/scc` set
    /// (Create), or unchanged (Validate).
    Admitted {
        /// The SCC's name.
        scc: String,
        /// The resulting pod.
        pod: Box<Pod>,
    },
    /// The plugin does not apply to this pod; it is returned unchanged (after defaulting).
    Skipped {
        /// Why.
        reason: SkipReason,
        /// The pod.
        pod: Box<Pod>,
    },
    /// The pod is refused.
    Rejected {
        /// The error exactly as the API server returns it.
        error: String,
        /// The class of failure.
        kind: RejectionKind,
    },
}

/// What happened when one SCC was considered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    /// Neither the requester nor the pod's ServiceAccount may use the SCC.
    NotUsable,
    /// The pod violates the SCC; the reasons list every violation.
    Failed,
    /// The pod passes but only with mutation, which the phase does not allow.
    NeedsMutation,
    /// The SCC admitted the pod.
    Admitted,
}

/// One SCC considered, in the order tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SccAttempt {
    /// The SCC's name.
    pub scc: String,
    /// The result.
    pub result: AttemptResult,
    /// The reasons (the "not usable" item, or every violation), as structured data.
    pub reasons: Vec<Reason>,
}

/// The result of [`admit`].
#[derive(Clone, Debug, PartialEq)]
pub struct AdmissionOutcome {
    /// The decision.
    pub decision: Decision,
    /// Every SCC considered, in order, with its reasons. Empty when a precondition failed.
    pub attempts: Vec<SccAttempt>,
    /// Reasons not tied to one attempt: the `no access to scc/restricted` hint.
    pub extra_reasons: Vec<Reason>,
}

impl AdmissionOutcome {
    /// True when admitted or skipped (the API server lets the pod through).
    pub fn allowed(&self) -> bool {
        !matches!(self.decision, Decision::Rejected { .. })
    }

    /// The admitting SCC, if any.
    pub fn scc(&self) -> Option<&str> {
        match &self.decision {
            Decision::Admitted { scc, .. } => Some(scc),
            _ => None,
        }
    }

    /// The resulting pod when allowed.
    pub fn pod(&self) -> Option<&Pod> {
        match &self.decision {
            Decision::Admitted { pod, .. } | Decision::Skipped { pod, .. } => Some(pod),
            Decision::Rejected { .. } => None,
        }
    }

    /// The rejection message when refused.
    pub fn error(&self) -> Option<&str> {
        match &self.decision {
            Decision::Rejected { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Every structured reason, in message order.
    pub fn reasons(&self) -> impl Iterator<Item = &Reason> {
        self.attempts
            .iter()
            .flat_map(|a| a.reasons.iter())
            .chain(self.extra_reasons.iter())
    }
}

/// The name the API server puts in `pods "<name>" is forbidden`: name, else generateName,
/// else `Unknown` (k8s `admission.extractResourceName`).
fn pod_display_name(pod: &Pod) -> &str {
    pod.metadata
        .name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(pod
            .metadata
            .generate_name
            .as_deref()
            .filter(|n| !n.is_empty()))
        .unwrap_or("Unknown")
}

/// Simulates SCC admission of one pod.
pub fn admit(req: &AdmissionRequest<'_>) -> AdmissionOutcome {
    let mut pod = req.pod.clone();
    if req.options.apply_pod_defaults {
        defaults::apply_pod_defaults(&mut pod);
    }
    let forbidden = |msg: String, kind| AdmissionOutcome {
        decision: Decision::Rejected {
            error: format!("pods \"{}\" is forbidden: {msg}", pod_display_name(req.pod)),
            kind,
        },
        attempts: Vec::new(),
        extra_reasons: Vec::new(),
    };

    // shouldIgnore: Windows pods are not checked.
    let windows = pod
        .spec
        .as_ref()
        .and_then(|s| s.os.as_ref())
        .is_some_and(|os| os.name == "windows");
    if windows {
        return AdmissionOutcome {
            decision: Decision::Skipped {
                reason: SkipReason::WindowsPod,
                pod: Box::new(pod),
            },
            attempts: Vec::new(),
            extra_reasons: Vec::new(),
        };
    }

    let annotation = |k: &str| {
        pod.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(k))
            .cloned()
            .unwrap_or_default()
    };
    let required = annotation(REQUIRED_SCC_ANNOTATION);
    let hint = match req.operation {
        Operation::Create => String::new(),
        Operation::Validate => annotation(SCC_ANNOTATION),
    };
    if req.operation == Operation::Validate && !required.is_empty() && required != hint {
        return forbidden(
            format!("required scc/{required} does not match the suggested scc/{hint}"),
            RejectionKind::RequiredSccMismatch,
        );
    }

    if req.options.require_standard_sccs {
        let missing: Vec<&str> = platform::STANDARD_SCC_NAMES
            .iter()
            .copied()
            .filter(|n| req.sccs.get(n).is_none())
            .collect();
        if !missing.is_empty() {
            return forbidden(
                format!(
                    "securitycontextconstraints.security.openshift.io cache is missing {}",
                    missing.join(", ")
                ),
                RejectionKind::Precondition,
            );
        }
    }

    let mut constraints: Vec<&SecurityContextConstraints> = if required.is_empty() {
        req.sccs.iter().collect()
    } else {
        match req.sccs.get(&required) {
            Some(s) => vec![s],
            None => {
                return forbidden(
                    format!(
                        "failed to retrieve the required SCC \"{required}\": securitycontextconstraints.security.openshift.io \"{required}\" not found"
                    ),
                    RejectionKind::Precondition,
                );
            }
        }
    };
    if constraints.is_empty() {
        return forbidden(
            "no SecurityContextConstraints found in cluster".into(),
            RejectionKind::Precondition,
        );
    }
    // Validate tries the hinted SCC first; the others keep their order (a stable sort).
    if req.operation == Operation::Validate && !hint.is_empty() {
        constraints.sort_by_key(|s| s.name() != hint);
    }

    // Providers: the namespace must exist and carry uid-range and mcs, even if no SCC needs
    // them; then each SCC is resolved, and any failure aborts the request.
    let ns_name = req
        .namespace_name
        .or(req.namespace.and_then(|n| n.metadata.name.as_deref()))
        .or(pod.metadata.namespace.as_deref())
        .unwrap_or("");
    let Some(ns_obj) = req.namespace else {
        return forbidden(
            // The namespace lister reports `namespace "<n>" not found` (singular resource).
            format!("error fetching namespace \"{ns_name}\": namespace \"{ns_name}\" not found"),
            RejectionKind::Precondition,
        );
    };
    let ns_annotations: Option<&BTreeMap<String, String>> = ns_obj.metadata.annotations.as_ref();
    for key in [UID_RANGE_ANNOTATION, MCS_ANNOTATION] {
        if !ns_annotations.is_some_and(|a| a.contains_key(key)) {
            return forbidden(
                format!("error fetching namespace \"{ns_name}\": unable to find annotation {key}"),
                RejectionKind::Precondition,
            );
        }
    }
    let ns = NamespaceView {
        name: ns_name,
        annotations: ns_annotations,
    };
    let mut providers = Vec::with_capacity(constraints.len());
    let mut creation_errors = Vec::new();
    for scc in constraints {
        match Provider::new(scc, &ns) {
            Ok(p) => providers.push(p),
            Err(e) => creation_errors.push(e),
        }
    }
    if !creation_errors.is_empty() {
        return forbidden(
            reason::aggregate(creation_errors),
            RejectionKind::Precondition,
        );
    }

    let sa_user = pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.as_deref())
        .filter(|n| !n.is_empty())
        .map(|sa| UserInfo::service_account(ns_name, sa));
    let usable = |scc: &SecurityContextConstraints| {
        applies_to(scc, req.user, ns_name, req.authorizer)
            || sa_user
                .as_ref()
                .is_some_and(|sa| applies_to(scc, sa, ns_name, req.authorizer))
    };

    let mutation_allowed = req.operation == Operation::Create;
    let mut attempts = Vec::new();
    let mut admitted: Option<(String, Pod)> = None;
    let mut restricted_denied = false;
    let mut restricted_v2_present = false;
    let mut restricted_provider = None;
    for p in &providers {
        match p.name() {
            "restricted" => restricted_provider = Some(p),
            "restricted-v2" => restricted_v2_present = true,
            _ => {}
        }
        if !usable(p.scc) {
            if p.name() == "restricted" {
                restricted_denied = true;
            }
            attempts.push(SccAttempt {
                scc: p.name().to_owned(),
                result: AttemptResult::NotUsable,
                reasons: vec![not_usable(p.name())],
            });
            continue;
        }
        let mut copy = pod.clone();
        let errs = p.assign(&mut copy);
        if !errs.is_empty() {
            attempts.push(SccAttempt {
                scc: p.name().to_owned(),
                result: AttemptResult::Failed,
                reasons: errs,
            });
            continue;
        }
        if mutation_allowed || semantically_equal(&pod, &copy) {
            attempts.push(SccAttempt {
                scc: p.name().to_owned(),
                result: AttemptResult::Admitted,
                reasons: Vec::new(),
            });
            admitted = Some((p.name().to_owned(), copy));
            break;
        }
        attempts.push(SccAttempt {
            scc: p.name().to_owned(),
            result: AttemptResult::NeedsMutation,
            reasons: Vec::new(),
        });
    }

    let mut extra_reasons = Vec::new();
    if admitted.is_none()
        && restricted_v2_present
        && restricted_denied
        && let Some(r) = restricted_provider
    {
        let mut copy = pod.clone();
        if r.assign(&mut copy).is_empty() {
            extra_reasons.push(Reason {
                    scc: "restricted".into(),
                    path: "no access to scc/restricted".into(),
                    field: String::new(),
                    container: None,
                    kind: ReasonKind::Forbidden,
                    detail: "the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint".into(),
                });
        }
    }

    match admitted {
        Some((scc, mut out)) => {
            if mutation_allowed {
                out.metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(SCC_ANNOTATION.to_owned(), scc.clone());
            } else {
                // Validate leaves the pod exactly as it came.
                out = pod;
            }
            AdmissionOutcome {
                decision: Decision::Admitted {
                    scc,
                    pod: Box::new(out),
                },
                attempts,
                extra_reasons,
            }
        }
        None => {
            let all: Vec<Reason> = attempts
                .iter()
                .flat_map(|a| a.reasons.iter().cloned())
                .chain(extra_reasons.iter().cloned())
                .collect();
            let list = match req.operation {
                Operation::Create => reason::aggregate(all.iter().map(Reason::message)),
                Operation::Validate => reason::go_slice(&all),
            };
            AdmissionOutcome {
                decision: Decision::Rejected {
                    error: format!(
                        "pods \"{}\" is forbidden: unable to validate against any security context constraint: {list}",
                        pod_display_name(req.pod)
                    ),
                    kind: RejectionKind::NoSccValidated,
                },
                attempts,
                extra_reasons,
            }
        }
    }
}

fn not_usable(scc: &str) -> Reason {
    Reason {
        scc: scc.to_owned(),
        path: format!("provider \"{scc}\""),
        field: String::new(),
        container: None,
        kind: ReasonKind::Forbidden,
        detail: "not usable by user or serviceaccount".into(),
    }
}

/// `sccmatching.ConstraintAppliesTo`: the SCC's `users`, then its `groups`, then RBAC `use`.
pub fn applies_to(
    scc: &SecurityContextConstraints,
    user: &UserInfo,
    namespace: &str,
    authorizer: &dyn Authorizer,
) -> bool {
    let users = scc.users.as_deref().unwrap_or_default();
    let groups = scc.groups.as_deref().unwrap_or_default();
    users.contains(&user.name)
        || user.groups.iter().any(|g| groups.contains(g))
        || authorizer.can_use_scc(user, namespace, scc.name())
}

/// `apiequality.Semantic.DeepEqual` for what the SCC plugin can change: nil and empty
/// lists/maps compare equal there, so normalise them before comparing.
fn semantically_equal(a: &Pod, b: &Pod) -> bool {
    normalized(a) == normalized(b)
}

fn normalized(pod: &Pod) -> Pod {
    fn none_if_empty<T>(v: &mut Option<Vec<T>>) {
        if v.as_ref().is_some_and(Vec::is_empty) {
            *v = None;
        }
    }
    let mut p = pod.clone();
    if p.metadata
        .annotations
        .as_ref()
        .is_some_and(BTreeMap::is_empty)
    {
        p.metadata.annotations = None;
    }
    if let Some(spec) = p.spec.as_mut() {
        if let Some(sc) = spec.security_context.as_mut() {
            none_if_empty(&mut sc.supplemental_groups);
            none_if_empty(&mut sc.sysctls);
        }
        let caps = spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
            .filter_map(|c| c.security_context.as_mut()?.capabilities.as_mut())
            .chain(
                spec.ephemeral_containers
                    .iter_mut()
                    .flatten()
                    .filter_map(|c| c.security_context.as_mut()?.capabilities.as_mut()),
            );
        for c in caps {
            none_if_empty(&mut c.add);
            none_if_empty(&mut c.drop);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};

    fn ns() -> Namespace {
        serde_json::from_value(
            serde_json::json!({"metadata": {"name": "ci", "annotations": {
            "openshift.io/sa.scc.uid-range": "1000680000/10000",
            "openshift.io/sa.scc.supplemental-groups": "1000680000/10000",
            "openshift.io/sa.scc.mcs": "s0:c26,c15"}}}),
        )
        .expect("namespace")
    }

    fn root_pod() -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "job", "namespace": "ci"},
            "spec": {"serviceAccountName": "gitlab-runner",
                     "securityContext": {"runAsUser": 0},
                     "containers": [{"name": "build", "image": "ruby"}]}}))
        .expect("pod")
    }

    /// The default 4.14 RBAC (restricted-v2 for system:authenticated), plus optional extras.
    fn rbac(with_anyuid_for_sa: bool) -> RbacAuthorizer {
        let role = |scc: &str| -> ClusterRole {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": format!("system:openshift:scc:{scc}")},
                "rules": [{"apiGroups": ["security.openshift.io"],
                           "resources": ["securitycontextconstraints"],
                           "resourceNames": [scc], "verbs": ["use"]}]}))
            .expect("role")
        };
        let mut a = RbacAuthorizer::new();
        a.add_cluster_role(role("restricted-v2"))
            .add_cluster_role(role("anyuid"));
        a.add_cluster_role_binding(
            serde_json::from_value::<ClusterRoleBinding>(serde_json::json!({
                "metadata": {"name": "system:openshift:scc:restricted-v2"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                            "name": "system:openshift:scc:restricted-v2"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                              "name": "system:authenticated"}]}))
            .expect("crb"),
        );
        if with_anyuid_for_sa {
            // What `oc adm policy add-scc-to-user anyuid -z gitlab-runner -n ci` creates.
            a.add_role_binding(
                serde_json::from_value::<RoleBinding>(serde_json::json!({
                    "metadata": {"name": "system:openshift:scc:anyuid", "namespace": "ci"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                "name": "system:openshift:scc:anyuid"},
                    "subjects": [{"kind": "ServiceAccount", "name": "gitlab-runner",
                                  "namespace": "ci"}]}))
                .expect("rb"),
            );
        }
        a
    }

    fn run(authz: &dyn Authorizer, pod: &Pod, operation: Operation) -> AdmissionOutcome {
        let sccs = SccSet::platform("openshift-4.14").expect("embedded set");
        let ns = ns();
        // A human user: grants to the pod's ServiceAccount still count.
        let user = UserInfo::new("alice", ["system:authenticated"]);
        admit(&AdmissionRequest {
            pod,
            namespace: Some(&ns),
            namespace_name: None,
            user: &user,
            authorizer: authz,
            sccs: &sccs,
            operation,
            options: AdmissionOptions::default(),
        })
    }

    #[test]
    fn rbac_grant_to_the_pod_service_account_admits_by_anyuid() {
        let out = run(&rbac(true), &root_pod(), Operation::Create);
        assert_eq!(out.scc(), Some("anyuid"));
        let pod = out.pod().expect("admitted pod");
        let ann = pod.metadata.annotations.as_ref().expect("annotations");
        assert_eq!(ann.get(SCC_ANNOTATION).map(String::as_str), Some("anyuid"));
    }

    #[test]
    fn rejection_keeps_structured_reasons_pointing_at_the_pod_field() {
        let out = run(&rbac(false), &root_pod(), Operation::Create);
        let err = out.error().expect("rejected");
        assert!(err.starts_with("pods \"job\" is forbidden: unable to validate against any security context constraint: [provider \"anyuid\": Forbidden: not usable by user or serviceaccount, provider restricted-v2: .containers[0].runAsUser: Invalid value: 0: must be in the ranges: [1000680000, 1000689999]"), "{err}");
        let r = out
            .reasons()
            .find(|r| r.scc == "restricted-v2")
            .expect("a restricted-v2 reason");
        // The value is inherited from the pod, so the reason points at the pod-level field.
        assert_eq!(r.field, "spec.securityContext.runAsUser");
        assert_eq!(r.container.as_deref(), Some("build"));
        assert_eq!(r.detail, "must be in the ranges: [1000680000, 1000689999]");
        assert!(out.attempts[0].reasons[0].is_not_usable());
        assert_eq!(out.attempts[0].result, AttemptResult::NotUsable);
    }

    #[test]
    fn validate_accepts_the_admitted_pod_unchanged() {
        let mut pod = root_pod();
        if let Some(sc) = pod.spec.as_mut().and_then(|s| s.security_context.as_mut()) {
            sc.run_as_user = None;
        }
        let created = run(&rbac(false), &pod, Operation::Create);
        assert_eq!(created.scc(), Some("restricted-v2"));
        let admitted = created.pod().expect("pod").clone();
        let validated = run(&rbac(false), &admitted, Operation::Validate);
        assert_eq!(validated.scc(), Some("restricted-v2"));
        assert_eq!(validated.pod(), Some(&admitted));
    }

    #[test]
    fn missing_standard_sccs_refuse_unless_switched_off() {
        let sccs = SccSet::new(
            platform::default_sccs("openshift-4.14")
                .expect("set")
                .into_iter()
                .filter(|s| s.name() != "nonroot" && s.name() != "anyuid"),
        );
        let ns = ns();
        let user = UserInfo::new("alice", ["system:authenticated"]);
        let authz = rbac(false);
        let pod = root_pod();
        let mut req = AdmissionRequest {
            pod: &pod,
            namespace: Some(&ns),
            namespace_name: None,
            user: &user,
            authorizer: &authz,
            sccs: &sccs,
            operation: Operation::Create,
            options: AdmissionOptions::default(),
        };
        assert_eq!(
            admit(&req).error(),
            Some(
                "pods \"job\" is forbidden: securitycontextconstraints.security.openshift.io cache is missing anyuid, nonroot"
            )
        );
        req.options.require_standard_sccs = false;
        assert!(
            admit(&req)
                .error()
                .is_some_and(|e| e.contains("unable to validate"))
        );
    }

    #[test]
    fn missing_namespace_is_a_precondition_failure() {
        let sccs = SccSet::platform("openshift-4.14").expect("set");
        let user = UserInfo::new("alice", ["system:authenticated"]);
        let pod = root_pod();
        let out = admit(&AdmissionRequest {
            pod: &pod,
            namespace: None,
            namespace_name: None,
            user: &user,
            authorizer: &DenyAll,
            sccs: &sccs,
            operation: Operation::Create,
            options: AdmissionOptions::default(),
        });
        assert_eq!(
            out.decision,
            Decision::Rejected {
                error: "pods \"job\" is forbidden: error fetching namespace \"ci\": namespace \"ci\" not found".into(),
                kind: RejectionKind::Precondition,
            }
        );
    }
}
