use crate::rules::{Context, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports pod-level security fields (`fsGroup`, `supplementalGroups`,
    /// `fsGroupChangePolicy`, `sysctls`) in the gitlab-runner Helm chart value
    /// `securityContext`, which is the manager *container's* security context.
    ///
    /// ## Why is this bad?
    /// From chart 0.42 `securityContext` renders into the container, where Kubernetes has no
    /// such field: the API server drops it (or refuses the Deployment under strict field
    /// validation), and the pod's `fsGroup` still comes from `podSecurityContext` (chart default
    /// 65533). Values written for older charts, or copied from the Ubuntu example, do this
    /// (reference runner-manager.md §1.2, §3.3).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// securityContext:
    ///   fsGroup: 999
    ///   runAsUser: 999
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// podSecurityContext:
    ///   fsGroup: 999
    ///   runAsUser: 999
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## References
    /// - [SecurityContext v1 core](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1)
    pub static POD_FIELD_IN_CHART_SECURITY_CONTEXT = {
        code: "RD111",
        name: "pod-field-in-chart-security-context",
        group: Correctness,
        fix: None,
    }
}

/// PodSecurityContext fields that a container SecurityContext does not have.
const POD_ONLY: &[&str] = &[
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for values in &cx.analysis.inputs.helm_values {
        let Some(context) = values.root.get("securityContext") else {
            continue;
        };
        for entry in context.entries() {
            if POD_ONLY.contains(&entry.key.as_str()) {
                found.push((Span::new(values.source, entry.key_range), entry.key.clone()));
            }
        }
    }
    for (span, key) in found {
        cx.report(
            Some(span),
            format!(
                "`{key}` is a pod security context field, but chart value `securityContext` is the manager container's security context; Kubernetes has no `{key}` there, so it does not apply"
            ),
        )
        .primary_label("not a container field")
        .help(format!("move `{key}` to `podSecurityContext`"));
    }
}
