use crate::analysis::builders::{self, BuildContainer, NodeFacts, Tool};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a job that builds with kaniko while its admitted build container runs as a
    /// non-root uid, for instance the arbitrary uid OpenShift's `restricted-v2` assigns.
    ///
    /// ## Why is this bad?
    /// kaniko builds without a daemon by unpacking the base image over its own root file
    /// system and running `RUN` steps in place, and keeps its state under `/kaniko` (the
    /// `DOCKER_CONFIG` directory `/kaniko/.docker` is owned by root, mode `0755`). As any uid
    /// but 0 it fails: first `can't create /kaniko/.docker/config.json: Permission denied`,
    /// then on the first `chown` of an unpacked layer. kaniko's own documentation supports
    /// only root; the project was archived in 2025.
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
    ///   image: {name: gcr.io/kaniko-project/executor:debug, entrypoint: [""]}
    ///   script:
    ///     - /kaniko/executor --context . --destination registry.example.org/app
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
    /// metadata: {name: ci-kaniko}
    /// priority: 10
    /// runAsUser: {type: RunAsAny}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ---
    /// build-image:
    ///   image: {name: gcr.io/kaniko-project/executor:debug, entrypoint: [""]}
    ///   script:
    ///     - /kaniko/executor --context . --destination registry.example.org/app
    /// ```
    ///
    /// Bind such an SCC to a dedicated ServiceAccount used only by build jobs, not to
    /// `default`.
    ///
    /// ## References
    /// - [kaniko#758: kaniko on OpenShift cannot write /kaniko/.docker/config.json](https://github.com/GoogleContainerTools/kaniko/issues/758)
    /// - [kaniko README: known issues (running as non-root)](https://github.com/GoogleContainerTools/kaniko#known-issues)
    pub static KANIKO_WITHOUT_ROOT = {
        code: "RD504",
        name: "kaniko-without-root",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let node = NodeFacts::of(analysis);
    for (prediction, job, spec, build) in builders::build_jobs(analysis) {
        if build.tool != Tool::Kaniko {
            continue;
        }
        let Some(container) = BuildContainer::of(job) else {
            continue;
        };
        let Some(uid) = container.uid.filter(|u| *u != 0) else {
            continue;
        };
        let diagnostic = cx.report(
            Some(build.evidence),
            format!(
                "job `{}` runs kaniko as {}: kaniko unpacks the base image over `/` and writes `/kaniko` (owned by uid 0), so the build fails with `Permission denied`",
                spec.name,
                container.describe_uid()
            ),
        );
        diagnostic.primary_label(format!("kaniko needs uid 0, runs as {uid}"));
        super::explain(analysis, diagnostic, prediction, job, &container, &node);
        diagnostic.help(match &container.scc {
            Some(_) => "admit build jobs under an SCC with `runAsUser: RunAsAny` (such as `anyuid`) bound to a dedicated ServiceAccount (`service_account`, or `KUBERNETES_SERVICE_ACCOUNT_OVERWRITE` allowed by `service_account_overwrite_allowed`), so kaniko runs as root; or build with buildah (see RD505)".to_string(),
            None => "let the build container run as root (remove `run_as_user`/`run_as_non_root` for build jobs), or build with buildah (see RD505)".to_string(),
        });
    }
}
