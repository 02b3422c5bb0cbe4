use crate::access::{FsGroupReason, Reason};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks, from first principles, whether the container that archives the job cache (the
    /// `helper`) can create the cache key's directory on the volume mounted at `cache_dir`:
    /// the helper's uid and groups after SCC admission, what kubelet did to the volume's root,
    /// and the root's owner and mode (from `--assume`, or the storage knowledge base for a
    /// freshly provisioned volume).
    ///
    /// ## Why is this bad?
    /// Cache restore and archive run in the helper, not in the job's image. When the helper
    /// cannot create `<cache_dir>/<namespace>/<project>/<key>/` (mode 0700), the job log says
    /// the cache could not be created, every restore misses, and nothing fails loudly. Teams
    /// then add `chmod 777` to a job, which works only because that job's image runs as root.
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
    ///       cache_dir = "/cache"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         helper_image = "registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-helper-ocp:v17.11.0"
    ///         [[runners.kubernetes.volumes.pvc]]
    ///           name = "cache"
    ///           mount_path = "/cache"
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: cache, namespace: ci}
    /// spec: {accessModes: [ReadWriteMany], volumeName: pv-cache}
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolume
    /// metadata: {name: pv-cache}
    /// spec:
    ///   accessModes: [ReadWriteMany]
    ///   csi: {driver: openshift-storage.cephfs.csi.ceph.com, volumeHandle: x}
    /// ---
    /// apiVersion: storage.k8s.io/v1
    /// kind: CSIDriver
    /// metadata: {name: openshift-storage.cephfs.csi.ceph.com}
    /// spec: {fsGroupPolicy: None}
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
    ///       cache_dir = "/cache"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         helper_image = "registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-helper-ocp:v17.11.0"
    ///       [runners.cache]
    ///         Type = "s3"
    /// ```
    ///
    /// Or keep the PVC and prepare its root once (owner 0, group 0, mode `2775`) so that every
    /// runner container, which OpenShift runs in group 0, can write it.
    ///
    /// ## References
    /// - [Caching in GitLab CI/CD](https://docs.gitlab.com/ci/caching/)
    /// - [Distributed runners caching](https://docs.gitlab.com/runner/configuration/autoscale/#distributed-runners-caching)
    pub static CACHE_NOT_WRITABLE = {
        code: "RD402",
        name: "cache-not-writable",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for found in analysis.unwritable_caches() {
        let crate::analysis::UnwritableCache {
            prediction,
            job: _,
            job_pod,
            access,
            cache,
            identity: id,
        } = found;
        let volume_index = job_pod.pod.spec.as_ref().and_then(|s| {
            s.volumes
                .as_ref()?
                .iter()
                .position(|v| v.name == cache.volume)
        });
        // The volume's `name = "..."` line in the user's config.
        let volume_span = volume_index
            .and_then(|i| analysis.field_key(job_pod, &format!("spec.volumes[{i}]")))
            .and_then(|key| analysis.key_span(prediction.config, &key.key("name")));
        let runner = analysis.runner_ref(prediction);
        let primary = volume_span.or_else(|| runner.and_then(|r| r.span_at(&["cache_dir"])));
        let groups: Vec<String> = id.groups.iter().map(i64::to_string).collect();
        let why = match (cache.verdict.reason, &cache.verdict.missing) {
            (Reason::ReadOnly, _) => "the mount is read-only".to_string(),
            (reason, Some(missing)) => format!(
                "the {} class decides and lacks `{missing}`",
                reason.as_str()
            ),
            (reason, None) => format!("the {} class decides", reason.as_str()),
        };
        let dir = format!(
            "{}/<namespace>/<project>/<key>/",
            job_pod.cache_dir.trim_end_matches('/')
        );
        let diagnostic = cx.report(
            primary,
            format!(
                "the `{}` container (uid {}, gid {}, groups {}) cannot create the cache directory `{dir}`: the root of volume `{}` at `{}` is `{}` and {why}; cache archives are never written and every restore misses",
                cache.container,
                id.uid,
                id.gid,
                groups.join(","),
                cache.volume,
                cache.mount_path,
                cache.root,
            ),
        );
        diagnostic.primary_label(format!("`{}` cannot write here", cache.container));
        if let Some(state) = access.volumes.get(&cache.volume)
            && state.decision.reason != FsGroupReason::Applied
            && let Some(span) =
                analysis.field_span(prediction, job_pod, "spec.securityContext.fsGroup")
        {
            diagnostic.label(
                span,
                "kubelet does not apply this to the volume (see RD401)",
            );
        }
        diagnostic.note(
            "cache restore and archive run in the helper container, as the helper image's user, not in the job's image",
        );
        workaround_notes(diagnostic, prediction, &cache.mount_path);
        diagnostic.help(
            "use a distributed cache (`[runners.cache] Type = \"s3\"`, e.g. an ObjectBucketClaim on OpenShift Data Foundation); or prepare the volume root once for a shared group (owner 0, group 0, mode `2775`) with every runner container in that group; or a storage class whose CSI driver applies fsGroup (`fsGroupPolicy: File`) with `fsGroupChangePolicy: OnRootMismatch`; `runner-doctor fix --manifests DIR` writes each of these, ranked, with its trade-offs",
        );
        // The cache volume's root also rests on its CSIDriver's fsGroup policy.
        for a in access
            .assumptions_about(&cache.container, &cache.volume, |a| {
                a.key.starts_with("csidriver.")
            })
            .chain(&prediction.assumptions)
            .chain(&analysis.global_assumptions)
        {
            diagnostic.assume(a.clone());
        }
    }
}

/// Why a `chmod` in a job works where the runner's own scripts do not (EXPECTED point 4).
fn workaround_notes(
    diagnostic: &mut crate::diagnostic::Diagnostic,
    prediction: &crate::analysis::prediction::RunnerPrediction,
    mount_path: &str,
) {
    let root_jobs: Vec<&str> = prediction
        .jobs
        .iter()
        .filter_map(|job| {
            let crate::analysis::prediction::JobOrigin::Pipeline { name, .. } = &job.origin else {
                return None;
            };
            let build = job.access.as_ref()?.identities.get("build")?;
            build.dac_override.then_some(name.as_str())
        })
        .collect();
    if let Some(first) = root_jobs.first() {
        diagnostic.note(format!(
            "a job whose image runs as root (such as `{first}`) can `chmod` the root of `{mount_path}`: root holds `CAP_DAC_OVERRIDE`, and the mode is stored on the volume, so once is enough"
        ));
        diagnostic.note(
            "the runner's `pre_get_sources_script` and `pre_clone_script` run in the helper, as the helper's user, which does not own the volume root: a `chmod` there fails",
        );
    }
}
