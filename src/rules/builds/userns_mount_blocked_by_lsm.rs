use crate::analysis::builders::{self, BuildContainer, NodeFacts, Tool};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a rootless build (BuildKit through `rootlesskit`, or podman/buildah as a non-root
    /// user) whose build container runs under a seccomp profile other than `Unconfined`, or
    /// under the node's default AppArmor profile, which deny the `unshare` and `mount` calls the
    /// builder makes inside its user namespace.
    ///
    /// ## Why is this bad?
    /// A rootless builder creates a user namespace and mounts its own root and `/proc` inside
    /// it. The runtime's default seccomp profile (`RuntimeDefault`) refuses `unshare(CLONE_NEWUSER)`
    /// and `mount` to a process without `CAP_SYS_ADMIN`, and the default AppArmor profile
    /// refuses mounts: the builder stops with `[rootlesskit:child ] error: failed to share mount
    /// point: /: permission denied` or `unshare: operation not permitted`. The fix is to relax
    /// both profiles on the build container only, not on the helper or services.
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
    ///         [runners.kubernetes.build_container_security_context]
    ///           run_as_user = 1000
    ///           [runners.kubernetes.build_container_security_context.seccomp_profile]
    ///             type = "RuntimeDefault"
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-rootless-build}
    /// priority: 10
    /// runAsUser: {type: MustRunAsNonRoot}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// seccompProfiles: ["*"]
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ---
    /// build-image:
    ///   image: moby/buildkit:rootless
    ///   script:
    ///     - buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=.
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
    ///         [runners.kubernetes.build_container_security_context]
    ///           run_as_user = 1000
    ///           [runners.kubernetes.build_container_security_context.seccomp_profile]
    ///             type = "Unconfined"
    ///           [runners.kubernetes.build_container_security_context.app_armor_profile]
    ///             type = "Unconfined"
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-rootless-build}
    /// priority: 10
    /// runAsUser: {type: MustRunAsNonRoot}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// seccompProfiles: ["*"]
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ---
    /// build-image:
    ///   image: moby/buildkit:rootless
    ///   script:
    ///     - buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=.
    /// ```
    ///
    /// On OpenShift the SCC that admits the pod must also list `unconfined` in
    /// `seccompProfiles`.
    ///
    /// ## References
    /// - [rxbn/k8s-gitops#4957: rootless BuildKit in a GitLab runner job](https://github.com/rxbn/k8s-gitops/pull/4957)
    /// - [BuildKit: rootless mode, Kubernetes](https://github.com/moby/buildkit/blob/master/docs/rootless.md)
    /// - [Kubernetes: seccomp](https://kubernetes.io/docs/tutorials/security/seccomp/), [AppArmor](https://kubernetes.io/docs/tutorials/security/apparmor/)
    pub static USERNS_MOUNT_BLOCKED_BY_LSM = {
        code: "RD503",
        name: "userns-mount-blocked-by-lsm",
        group: Suspicious,
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
        let rootless = match build.tool {
            Tool::BuildKit => build.rootless_buildkit,
            Tool::Podman | Tool::Buildah => !container.is_root() && container.uid.is_some(),
            _ => false,
        };
        if !rootless || container.privileged || container.user_namespace {
            continue;
        }
        let seccomp = node.seccomp_blocks_userns(&container);
        let apparmor = node.apparmor_confines(&container);
        if !seccomp && !apparmor {
            continue;
        }
        let mut blockers = Vec::new();
        if seccomp {
            blockers.push(format!("seccomp profile `{}`", node.seccomp(&container)));
        }
        if apparmor {
            blockers.push(format!(
                "AppArmor profile `{}`",
                container.apparmor.as_deref().unwrap_or("RuntimeDefault")
            ));
        }
        let what = match build.tool {
            Tool::BuildKit => "rootless BuildKit (rootlesskit)".to_string(),
            tool => format!("rootless `{}`", tool.name()),
        };
        let diagnostic = cx.report(
            Some(build.evidence),
            format!(
                "job `{}` runs {what} under {}: the `unshare` and `mount` it needs inside its user namespace are denied (`failed to share mount point: /: permission denied`), so the build fails",
                spec.name,
                blockers.join(" and ")
            ),
        );
        diagnostic.primary_label("needs mounts in a user namespace");
        super::explain(analysis, diagnostic, prediction, job, &container, &node);
        let mut help = Vec::new();
        if seccomp {
            help.push("`seccomp_profile.type = \"Unconfined\"`");
        }
        if apparmor {
            help.push("`app_armor_profile.type = \"Unconfined\"`");
        }
        diagnostic.help(format!(
            "set {} in `[runners.kubernetes.build_container_security_context]` only (runner 18.11+), so the helper and services keep their profiles{}",
            help.join(" and "),
            if container.scc.is_some() { "; the admitting SCC must allow `unconfined` in `seccompProfiles`" } else { "" }
        ));
    }
}
