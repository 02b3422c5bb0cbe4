use crate::analysis::builders::{self, BuildContainer, NodeFacts};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// The build-strategy advisor. For each job that builds images with a builder that cannot
    /// work in its admitted build container, lists which strategies would work there — kaniko
    /// as root, buildah/podman with `--isolation chroot` and `vfs`, a user-namespace pod,
    /// rootless buildah/podman, rootless BuildKit, a privileged container — and for the others
    /// the least relaxation each needs (capabilities, privilege escalation, seccomp, AppArmor,
    /// uid, `hostUsers`).
    ///
    /// ## Why is this bad?
    /// No builder works unchanged in an unprivileged pod: each needs some relaxation, and they
    /// need different ones (root, `SETUID`/`SETGID` with privilege escalation, unconfined
    /// seccomp and AppArmor, a user namespace, or privileged). Teams try one after the other
    /// (podman, then kaniko, then buildah) and end up asking for `privileged`. Knowing which one
    /// the pod already allows, or which needs the smallest change, avoids that.
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
    /// build-image:
    ///   image: quay.io/podman/stable:latest
    ///   script:
    ///     - podman build -t registry.example.org/app .
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
    ///         service_account = "image-builder"
    ///         [runners.kubernetes.build_container_security_context.capabilities]
    ///           add = ["SETFCAP"]
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-image-builder}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// allowedCapabilities: [SETFCAP]
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:image-builder"]
    /// ---
    /// build-image:
    ///   image: quay.io/podman/stable:latest
    ///   variables:
    ///     STORAGE_DRIVER: vfs
    ///   script:
    ///     - podman build --isolation chroot -t registry.example.org/app .
    /// ```
    ///
    /// ## References
    /// - [gitlab-runner#38957: building images in unprivileged pods](https://gitlab.com/gitlab-org/gitlab-runner/-/issues/38957)
    /// - [Use Podman with the Kubernetes executor](https://docs.gitlab.com/runner/executors/kubernetes/use_podman_with_kubernetes/)
    /// - [Kubernetes: user namespaces](https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/)
    pub static IMAGE_BUILD_NEEDS_RELAXATION = {
        code: "RD505",
        name: "image-build-needs-relaxation",
        group: Advice,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let node = NodeFacts::of(analysis);
    for (prediction, job, spec, build) in builders::build_jobs(analysis) {
        let Some(container) = BuildContainer::of(job) else {
            continue;
        };
        let configured = builders::as_configured(&build, &container, &node);
        if configured.works() {
            continue;
        }
        let all = builders::strategies(&container, &node);
        let working: Vec<&str> = all.iter().filter(|s| s.works()).map(|s| s.name).collect();
        let diagnostic = cx.report(
            Some(build.evidence),
            format!(
                "job `{}` builds images with {}, which needs {} in this pod; {}",
                spec.name,
                configured.name,
                configured.missing.join(", "),
                if working.is_empty() {
                    "no build strategy works here without a relaxation".to_string()
                } else {
                    format!("what works here as admitted: {}", working.join("; "))
                }
            ),
        );
        diagnostic.primary_label("image build");
        for line in builders::advice(&container, &node) {
            diagnostic.note(line);
        }
        super::explain(analysis, diagnostic, prediction, job, &container, &node);
        diagnostic.help(super::least_relaxation_help(build.tool, &container, &node));
    }
}
