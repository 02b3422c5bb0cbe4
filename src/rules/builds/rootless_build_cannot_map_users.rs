use crate::analysis::builders::{self, BuildContainer, NodeFacts};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a job that runs podman or buildah as a non-root user in a build container where
    /// `newuidmap`/`newgidmap` cannot set up the build's user namespace: `SETUID` or `SETGID`
    /// is dropped, `allowPrivilegeEscalation: false` disables the helpers' file capabilities,
    /// or the uid (an arbitrary OpenShift uid) has no `/etc/subuid` range in the image.
    ///
    /// ## Why is this bad?
    /// Rootless podman and buildah map a range of uids into a user namespace so that image
    /// layers owned by many users can be unpacked. The mapping is written by the setuid-like
    /// helpers `newuidmap`/`newgidmap`, which rely on file capabilities: with `SETUID`/`SETGID`
    /// out of the container's bounding set, or with `no_new_privs` set, they fail with
    /// `newuidmap: write to uid_map failed: Operation not permitted`. A uid without a subuid
    /// range falls back to a single mapping (`Using rootless single mapping into the
    /// namespace`), and then `cannot write uid_map ... operation not permitted` or the first
    /// layer with a file owned by another uid stops the build. OpenShift's `restricted-v2`
    /// does all three: it drops every capability, forbids privilege escalation and assigns a
    /// uid of the namespace's range that no image knows.
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
    ///   image: quay.io/buildah/stable:latest
    ///   script:
    ///     - buildah bud -t registry.example.org/app .
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
    /// metadata: {name: ci-rootless-build}
    /// priority: 10
    /// runAsUser: {type: MustRunAsNonRoot}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ---
    /// build-image:
    ///   image:
    ///     name: quay.io/buildah/stable:latest
    ///     kubernetes: {user: "1000"}
    ///   script:
    ///     - buildah bud -t registry.example.org/app .
    /// ```
    ///
    /// The image's `build` user (uid 1000) has a subuid range, and the SCC keeps `SETUID`,
    /// `SETGID` and privilege escalation; RD505 says what else works in the admitted pod.
    ///
    /// ## References
    /// - [buildah#4049: newuidmap Operation not permitted in a GitLab runner job](https://github.com/containers/buildah/issues/4049)
    /// - [How to use rootless Buildah in a container](https://www.redhat.com/sysadmin/podman-inside-container)
    /// - [Use Podman with the Kubernetes executor](https://docs.gitlab.com/runner/executors/kubernetes/use_podman_with_kubernetes/)
    pub static ROOTLESS_BUILD_CANNOT_MAP_USERS = {
        code: "RD502",
        name: "rootless-build-cannot-map-users",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let node = NodeFacts::of(analysis);
    for (prediction, job, spec, build) in builders::build_jobs(analysis) {
        if !build.tool.uses_containers_storage() {
            continue;
        }
        let Some(container) = BuildContainer::of(job) else {
            continue;
        };
        let Some(uid) = container.uid.filter(|u| *u != 0) else {
            continue;
        };
        if container.user_namespace || container.privileged {
            continue;
        }
        let mut reasons = Vec::new();
        let dropped: Vec<&str> = ["SETUID", "SETGID"]
            .into_iter()
            .filter(|c| !container.has_cap(c))
            .collect();
        if !dropped.is_empty() {
            reasons.push(format!(
                "{} not in the container's capabilities",
                dropped
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        if container.no_new_privs {
            reasons.push(
                "`allowPrivilegeEscalation: false` disables the file capabilities of `newuidmap`"
                    .to_string(),
            );
        }
        if !container.subuid_range {
            reasons.push(format!(
                "uid {uid} has no `/etc/subuid` range in the image, so only a single mapping is possible"
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        let diagnostic = cx.report(
            Some(build.evidence),
            format!(
                "job `{}` runs `{}` rootless as {}, but {}: `newuidmap`/`newgidmap` cannot map the build's user namespace (`Operation not permitted`), so the build fails",
                spec.name,
                build.tool.name(),
                container.describe_uid(),
                reasons.join("; ")
            ),
        );
        diagnostic.primary_label("rootless build needs a uid mapping");
        super::explain(analysis, diagnostic, prediction, job, &container, &node);
        diagnostic.help(super::least_relaxation_help(build.tool, &container, &node));
    }
}
