use crate::manager::ManagerOrigin;
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Checks the runner manager pod — as the Helm chart renders it or the Operator creates it,
    /// after SCC admission on OpenShift — against the Pod Security level its namespace
    /// enforces, and names the values keys that fix each failed control.
    ///
    /// ## Why is this bad?
    /// An enforced level refuses the pod when the ReplicaSet creates it: the manager never
    /// starts. The chart never sets a `seccompProfile` in any version, so `restricted` refuses
    /// even its hardened default (runner-manager.md §3.2).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: gitlab-runner
    ///   labels: {pod-security.kubernetes.io/enforce: restricted}
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: runner-manager}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// requiredDropCapabilities: [ALL]
    /// volumes: [configMap, emptyDir, projected, secret]
    /// users: ["system:serviceaccount:gitlab-runner:gitlab-runner"]
    /// ---
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac: {create: true}
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: gitlab-runner
    ///   labels: {pod-security.kubernetes.io/enforce: restricted}
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: runner-manager}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// requiredDropCapabilities: [ALL]
    /// volumes: [configMap, emptyDir, projected, secret]
    /// users: ["system:serviceaccount:gitlab-runner:gitlab-runner"]
    /// ---
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac: {create: true}
    /// podSecurityContext:
    ///   runAsNonRoot: true
    ///   seccompProfile: {type: RuntimeDefault}
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## References
    /// - [Pod Security Standards](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes_helm_chart_configuration/)
    pub static MANAGER_POD_VIOLATES_POD_SECURITY = {
        code: "RD251",
        name: "manager-pod-violates-pod-security",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for m in &analysis.managers {
        let Some(outcome) = &m.pod_security else {
            continue;
        };
        let (Some(error), Some(enforce)) = (outcome.error(), &outcome.enforce) else {
            continue;
        };
        let label = analysis
            .inputs
            .cluster
            .namespace(&m.pod.namespace, None)
            .map(|(object, _)| {
                object.span_at(&[
                    Seg::Key("metadata"),
                    Seg::Key("labels"),
                    Seg::Key("pod-security.kubernetes.io/enforce"),
                ])
            });
        let primary = super::values_key(analysis, m, &["podSecurityContext"])
            .or_else(|| super::values_key(analysis, m, &["securityContext"]))
            .or_else(|| super::anchor(analysis, m));
        let d = cx.report(
            primary,
            format!(
                "namespace `{}` enforces Pod Security `{}`, and {} violates it: the ReplicaSet cannot create the pod, so no runner starts",
                m.pod.namespace,
                enforce.level.level.as_str(),
                super::deployer(m)
            ),
        );
        if let Some(label) = label {
            d.label(label, "enforced here");
        }
        d.note(format!("the API server's message: {error}"));
        let helm = matches!(m.pod.origin, ManagerOrigin::Helm { .. });
        let mut steps: Vec<&str> = enforce
            .violations
            .iter()
            .filter_map(|v| step(v.check, helm))
            .collect();
        steps.dedup();
        if steps.is_empty() {
            d.help("change the manager's security contexts to meet the level, or lower the namespace's `enforce` label");
        } else {
            d.help(format!(
                "{}; or lower the namespace's `enforce` label",
                steps.join("; ")
            ));
        }
        super::assume_all(d, analysis, m);
    }
}

/// The values change (Helm) or `podSpec` patch (Operator) that satisfies one control.
fn step(check: &str, helm: bool) -> Option<&'static str> {
    Some(match (check, helm) {
        ("seccompProfile_restricted" | "seccompProfile_baseline", true) => {
            "set `podSecurityContext.seccompProfile.type: RuntimeDefault` (the chart sets none)"
        }
        ("runAsNonRoot", true) => "set `podSecurityContext.runAsNonRoot: true`",
        ("runAsUser", true) => "set `podSecurityContext.runAsUser` to a non-zero uid",
        ("allowPrivilegeEscalation", true) => {
            "set `securityContext.allowPrivilegeEscalation: false`"
        }
        ("capabilities_restricted", true) => "set `securityContext.capabilities.drop: [ALL]`",
        ("privileged", true) => "set `securityContext.privileged: false`",
        ("hostPathVolumes" | "restrictedVolumes", true) => {
            "replace the `hostPath` entries of `volumes`"
        }
        (_, false) => {
            "add a `podSpec` patch that sets the failed fields on the `runner` container and the pod"
        }
        _ => return None,
    })
}
