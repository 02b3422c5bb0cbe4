use crate::analysis::builders::{self, BuildContainer, NodeFacts};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a job that runs podman or buildah as root with overlay storage (no
    /// `STORAGE_DRIVER=vfs`) in a build container that is neither privileged nor granted
    /// `CAP_SYS_ADMIN` once admitted, and says what would work in that container.
    ///
    /// ## Why is this bad?
    /// Rootful podman and buildah keep images in containers/storage, whose default `overlay`
    /// driver (or `fuse-overlayfs`, as the `quay.io/podman/stable` image configures it) mounts a
    /// file system for every layer. `mount` needs `CAP_SYS_ADMIN`, which an unprivileged
    /// container does not hold (and `fuse-overlayfs` also needs `/dev/fuse`), so the build fails
    /// before its first step; adding other capabilities such as `SETFCAP` does not help. The
    /// `vfs` driver copies layers instead of mounting them, and `--isolation chroot` runs `RUN`
    /// steps without a nested runtime: both work as root without extra privileges.
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
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-build}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// allowedCapabilities: [SETFCAP]
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
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
    /// ---
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-build}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// allowedCapabilities: [SETFCAP]
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
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
    /// - [Use Podman with the Kubernetes executor](https://docs.gitlab.com/runner/executors/kubernetes/use_podman_with_kubernetes/)
    /// - [containers-storage.conf: `driver`, `mount_program`](https://github.com/containers/storage/blob/main/docs/containers-storage.conf.5.md)
    /// - [buildah build `--isolation`](https://github.com/containers/buildah/blob/main/docs/buildah-build.1.md)
    pub static ROOTFUL_BUILD_CANNOT_MOUNT_OVERLAY = {
        code: "RD501",
        name: "rootful-build-cannot-mount-overlay",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let node = NodeFacts::of(analysis);
    for (prediction, job, spec, build) in builders::build_jobs(analysis) {
        if !build.tool.uses_containers_storage() || build.vfs {
            continue;
        }
        let Some(container) = BuildContainer::of(job) else {
            continue;
        };
        if !container.is_root()
            || container.user_namespace
            || container.privileged
            || container.has_cap("SYS_ADMIN")
        {
            continue;
        }
        let diagnostic = cx.report(
            Some(build.evidence),
            format!(
                "job `{}` runs `{}` as root with overlay storage, but its build container is not privileged and lacks `CAP_SYS_ADMIN`: the storage driver cannot mount its layers, so the build fails before its first step",
                spec.name,
                build.tool.name()
            ),
        );
        diagnostic.primary_label("rootful build with overlay storage");
        if build.fuse_overlay {
            diagnostic.note(format!(
                "`quay.io/podman/stable` sets `mount_program = \"/usr/bin/fuse-overlayfs\"` in its storage.conf, which also needs `/dev/fuse`{}",
                if container.fuse { "" } else { ", not mounted in this pod" }
            ));
        }
        if container.capabilities.contains("SETFCAP") {
            diagnostic.note(
                "`SETFCAP` lets the build extract files with capabilities, it does not allow mounts",
            );
        }
        super::explain(analysis, diagnostic, prediction, job, &container, &node);
        let chroot_vfs = &builders::strategies(&container, &node)[1];
        let how = "set `STORAGE_DRIVER: vfs` in the job's `variables` and build with `--isolation chroot`";
        diagnostic.help(if chroot_vfs.works() {
            format!(
                "{how}: that works in this pod as admitted (uid 0 with the default capabilities{})",
                if container.capabilities.contains("SETFCAP") {
                    " and `SETFCAP`"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "{how}, which here also needs {}",
                chroot_vfs.missing.join(", ")
            )
        });
    }
}
