use crate::admission::psa::Violation;
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Evaluates the runner's job pod, as SCC admission leaves it, against the Pod Security
    /// level the namespace enforces (`pod-security.kubernetes.io/enforce`), and reports each
    /// violated control with the runner config key that would fix it.
    ///
    /// ## Why is this bad?
    /// A namespace labelled `enforce: restricted` refuses every job pod the runner builds by
    /// default, unless `restricted-v2` admitted it and set the missing fields itself (on
    /// OpenShift, an SCC such as `anyuid` does not): the runner sets no seccomp profile, does not drop all capabilities and leaves
    /// `allowPrivilegeEscalation` unset, in the build, helper and init containers alike. The
    /// chart's `securityContext` values harden only the manager pod, not the job pods.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: ci
    ///   labels: {pod-security.kubernetes.io/enforce: restricted}
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-anyuser}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ---
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: ci
    ///   labels: {pod-security.kubernetes.io/enforce: baseline}
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-anyuser}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ```
    ///
    /// Or keep `restricted` and set, in `[runners.kubernetes]`, `allow_privilege_escalation =
    /// false`, a `pod_security_context` with `run_as_non_root = true`, a non-root `run_as_user`
    /// and `seccomp_profile.type = "RuntimeDefault"` (runner 18.11+), and drop `ALL`
    /// capabilities in each container security context.
    ///
    /// ## References
    /// - [Pod Security Standards](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
    /// - [Kubernetes executor security contexts](https://docs.gitlab.com/runner/executors/kubernetes/#set-a-security-policy-for-the-pod)
    pub static JOB_POD_VIOLATES_POD_SECURITY = {
        code: "RD303",
        name: "job-pod-violates-pod-security",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let Some(outcome) = &job.pod_security else {
            continue;
        };
        let Some(error) = outcome.error() else {
            continue;
        };
        let Some(enforce) = &outcome.enforce else {
            continue;
        };
        let namespace = analysis
            .inputs
            .cluster
            .namespace(&prediction.namespace, None)
            .map(|(object, _)| object);
        let span = namespace.map(|object| {
            object.span_at(&[
                Seg::Key("metadata"),
                Seg::Key("labels"),
                Seg::Key("pod-security.kubernetes.io/enforce"),
            ])
        });
        let diagnostic = cx.report(
            span,
            format!(
                "namespace `{}` enforces Pod Security `{}`, and the runner's job pods violate it: every job is refused before it starts",
                prediction.namespace,
                enforce.level.level.as_str()
            ),
        );
        diagnostic.primary_label("enforced here");
        diagnostic.note(format!("the API server's message: {error}"));
        let mut steps: Vec<&str> = enforce.violations.iter().filter_map(config_step).collect();
        steps.dedup();
        if steps.is_empty() {
            diagnostic.help("change the job pods' security contexts to meet the level, or lower the namespace's `enforce` label");
        } else {
            diagnostic.help(format!(
                "in `[runners.kubernetes]`: {}; or lower the namespace's `enforce` label",
                steps.join("; ")
            ));
        }
        if let crate::analysis::deploy::DeploymentKind::Helm { span } = &prediction.deployment.kind
            && let Some(values) = analysis
                .inputs
                .helm_values
                .iter()
                .find(|v| v.source == span.source)
            && values.root.get("securityContext").is_some()
        {
            diagnostic.note(
                "the chart's `securityContext` and `podSecurityContext` values harden the manager pod only; job pods take theirs from the runner config",
            );
        }
        if let Some(runner) = analysis.runner_ref(prediction) {
            diagnostic.label(
                runner.span_at(&["kubernetes"]).unwrap_or(runner.span()),
                "the job pods' security contexts come from this runner",
            );
        }
        for a in analysis
            .global_assumptions
            .iter()
            .chain(&prediction.assumptions)
        {
            diagnostic.assume(a.clone());
        }
    }
}

/// The runner config change that satisfies one Pod Security control.
fn config_step(v: &Violation) -> Option<&'static str> {
    Some(match v.check {
        "allowPrivilegeEscalation" => "set `allow_privilege_escalation = false`",
        "capabilities_restricted" => {
            "drop `ALL` in `[runners.kubernetes.{build,helper,init_permissions}_container_security_context.capabilities]`"
        }
        "runAsNonRoot" => {
            "set `run_as_non_root = true` in `[runners.kubernetes.pod_security_context]`"
        }
        "runAsUser" => {
            "set a non-zero `run_as_user` in `[runners.kubernetes.pod_security_context]`"
        }
        "seccompProfile_restricted" | "seccompProfile_baseline" => {
            "set `seccomp_profile.type = \"RuntimeDefault\"` in `[runners.kubernetes.pod_security_context]` (runner 18.11+)"
        }
        "privileged" => "set `privileged = false`",
        "hostPathVolumes" | "restrictedVolumes" => {
            "replace `host_path` volumes with PVC or emptyDir volumes"
        }
        _ => return None,
    })
}
