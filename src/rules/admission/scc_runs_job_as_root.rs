use crate::analysis::prediction::JobOrigin;
use crate::model::scc::RunAsUserStrategy;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports job pods admitted by an SCC whose `runAsUser` strategy is `RunAsAny` while a
    /// container of the pod then runs as uid 0, and says which SCCs were usable and why this
    /// one won.
    ///
    /// ## Why is this bad?
    /// OpenShift normally runs pods under an arbitrary uid of the namespace's range. An SCC with
    /// `runAsUser: RunAsAny` keeps each image's own user instead, so an image without a `USER`
    /// runs as root, with `CAP_DAC_OVERRIDE`: mode bits on shared volumes no longer protect
    /// anything. When the SCC is bound to the namespace's `default` ServiceAccount, every pod
    /// of the namespace gets it, not only the runner's.
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
    /// apiVersion: security.openshift.io/v1
    /// kind: SecurityContextConstraints
    /// metadata: {name: ci-anyuser}
    /// priority: 10
    /// runAsUser: {type: MustRunAsRange}
    /// seLinuxContext: {type: MustRunAs}
    /// fsGroup: {type: RunAsAny}
    /// supplementalGroups: {type: RunAsAny}
    /// volumes: [configMap, emptyDir, persistentVolumeClaim, projected, secret]
    /// users: ["system:serviceaccount:ci:default"]
    /// ```
    ///
    /// ## References
    /// - [Managing security context constraints](https://docs.openshift.com/container-platform/4.14/authentication/managing-security-context-constraints.html)
    pub static SCC_RUNS_JOB_AS_ROOT = {
        code: "RD302",
        name: "scc-runs-job-as-root",
        group: Advice,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let Some(scc_name) = prediction
            .representative()
            .admission
            .as_ref()
            .and_then(|o| o.scc())
        else {
            continue;
        };
        let Some((object, scc)) = analysis.inputs.cluster.scc(scc_name, None) else {
            continue; // a platform default such as `anyuid` is a deliberate choice
        };
        if scc.run_as_user.type_ != RunAsUserStrategy::RunAsAny {
            continue;
        }
        // The jobs whose build container runs as root: pipeline jobs when there are any.
        let pipeline_jobs = prediction.jobs.len() > 1;
        let mut root_jobs = Vec::new();
        let mut assumptions = Vec::new();
        for job in prediction.jobs.iter().skip(usize::from(pipeline_jobs)) {
            let Some(access) = &job.access else { continue };
            if access.identities.get("build").is_some_and(|id| id.uid == 0) {
                root_jobs.push(match &job.origin {
                    JobOrigin::Pipeline { name, .. } => format!("`{name}`"),
                    JobOrigin::Representative => "with the default image".to_string(),
                });
                assumptions.extend(
                    access
                        .assumptions
                        .iter()
                        .filter(|a| a.key.starts_with("image.") && a.value.contains("`build`"))
                        .cloned(),
                );
            }
        }
        if root_jobs.is_empty() {
            continue;
        }
        let span = object.span_at(&["runAsUser".into(), "type".into()]);
        let sa = super::service_account(prediction);
        let diagnostic = cx.report(
            Some(span),
            format!(
                "job pods are admitted by SCC `{scc_name}`, whose `runAsUser` is `RunAsAny`: containers keep their image's user, so the build container of jobs {} runs as root",
                root_jobs.join(", ")
            ),
        );
        diagnostic.primary_label("images keep their own user");
        diagnostic.note(format!(
            "usable SCCs, in the order tried: {}; `{scc_name}` is the first that admits the pod (priority {}), and it accepts the pod's `fsGroup` and capabilities as they are",
            super::usable_sccs(prediction, &sa),
            scc.priority.unwrap_or(0)
        ));
        if sa == "default" {
            diagnostic.note(format!(
                "the job pods use ServiceAccount `default` (no `service_account` in `[runners.kubernetes]`): every pod of namespace `{}` can use `{scc_name}`",
                prediction.namespace
            ));
        }
        if let Some(error) = prediction
            .platform_only_admission
            .as_ref()
            .and_then(|o| o.error())
        {
            diagnostic.note(format!(
                "without the SCCs and grants of the inputs, OpenShift would refuse the pod: {error}"
            ));
        }
        diagnostic.help(format!(
            "set `runAsUser: {{type: MustRunAsRange}}` on `{scc_name}` so job pods run under the namespace's uids, and bind it to a dedicated ServiceAccount (`service_account` in `[runners.kubernetes]`) instead of `default`"
        ));
        for a in assumptions {
            diagnostic.assume(a);
        }
    }
}
