use crate::access::identity::UidSource;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner from 13.2 to 13.10 in attach mode
    /// (`FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY=false`) whose `change-logs-permissions`
    /// init container runs, once admitted, as a non-root uid that does not own the job's logs
    /// directory: a pod-level `run_as_user`, or the arbitrary uid OpenShift's `restricted-v2`
    /// assigns.
    ///
    /// ## Why is this bad?
    /// Those releases start every job pod with `touch <logs>/output.log && chmod -R 777 <logs>`.
    /// The logs directory is an emptyDir, owned by root. Only its owner (or root, through
    /// `CAP_FOWNER`) may change its mode, so the `chmod` fails with `Operation not permitted`,
    /// the init container exits non-zero and the pod never starts: every job fails before its
    /// first line. Runner 13.11 replaced the container with `init-logs`, which touches the log
    /// file only and tolerates a failed `chmod`.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v13.4.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.feature_flags]
    ///         FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = false
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead: a runner of 13.11 or later (or, until the upgrade, exec mode with
    /// `FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = true`, which runs no init container).
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v13.11.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.feature_flags]
    ///         FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = false
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [gitlab-runner#27107: permission errors with the attach strategy and a non-root pod security context](https://gitlab.com/gitlab-org/gitlab-runner/-/issues/27107)
    /// - gitlab-runner v13.10.0 and v13.11.0, `executors/kubernetes/kubernetes.go`, `buildLogPermissionsInitContainer`
    pub static LOGS_INIT_CONTAINER_CANNOT_CHMOD = {
        code: "RD408",
        name: "logs-init-container-cannot-chmod",
        group: Correctness,
        fix: None,
    }
}

/// The init container of runners 13.2 to 13.10 (reference §2.3; the pod model builds it).
const INIT_CONTAINER: &str = "change-logs-permissions";

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let (Ok(job_pod), Some(access)) = (&job.pod, &job.access) else {
            continue;
        };
        let Some(identity) = access.identities.get(INIT_CONTAINER) else {
            continue;
        };
        let Some(root) = access.volumes.get("logs").and_then(|v| v.root.as_ref()) else {
            continue;
        };
        // uid 0 holds CAP_FOWNER; the owner may chmod its own directory.
        if identity.uid == 0 || root.uid == Some(identity.uid) {
            continue;
        }
        let logs_dir = job
            .running_pod()
            .and_then(|pod| pod.spec.as_ref())
            .and_then(|spec| spec.init_containers.as_ref())
            .and_then(|init| init.iter().find(|c| c.name == INIT_CONTAINER))
            .and_then(|c| c.volume_mounts.as_ref())
            .and_then(|mounts| mounts.iter().find(|m| m.name == "logs"))
            .map_or_else(
                || "the logs directory".to_string(),
                |m| format!("`{}`", m.mount_path),
            );
        let owner = root
            .uid
            .map_or_else(|| "another uid".to_string(), |uid| format!("uid {uid}"));
        let set_by_config = analysis
            .field_span(prediction, job_pod, "spec.securityContext.runAsUser")
            .filter(|_| identity.uid_source == UidSource::PodRunAsUser);
        let runner = analysis.runner_ref(prediction).map(|r| r.span());
        let uid = identity.uid;
        let version = &job_pod.runner_version;
        let d = cx.report(
            set_by_config.or(runner),
            format!(
                "runner {version} starts every job pod with init container `{INIT_CONTAINER}`, which runs `chmod -R 777` on {logs_dir} as uid {uid}; the directory belongs to {owner}, so the `chmod` fails, the init container exits non-zero and every job fails before it starts"
            ),
        );
        d.primary_label(if set_by_config.is_some() {
            "the init container runs as this uid"
        } else {
            "this runner's job pods"
        });
        match (
            identity.uid_source,
            job.admission.as_ref().and_then(|o| o.scc()),
        ) {
            (UidSource::ContainerRunAsUser, Some(scc)) => {
                d.note(format!(
                    "SCC `{scc}` assigns uid {uid} to the container at admission"
                ));
            }
            (UidSource::PodRunAsUser, _) => {
                d.note(format!(
                    "the pod's `runAsUser` ({uid}) applies to the runner's own init container too; before 15.2 it has no security context of its own"
                ));
            }
            _ => {}
        }
        d.note(
            "only a directory's owner, or root through `CAP_FOWNER`, may change its mode; the emptyDir behind the logs directory is created by kubelet, owned by root",
        )
        .help("upgrade the runner to 13.11 or later, where `init-logs` only touches the log file and tolerates a failed `chmod`; until then, `FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = true` in `[runners.feature_flags]` (exec mode runs no init container)");
        // What the verdict rests on: the init container's image user and the logs root, and,
        // of what every job of the runner rests on, the runner version read from an image tag
        // and the namespace allocation and SCC grants that gave the uid.
        let relevant = access.assumptions_about(INIT_CONTAINER, "logs", |_| false);
        let shared = prediction
            .assumptions
            .iter()
            .filter(|a| !a.key.starts_with("manager.") && a.key != "job.image");
        for assumption in relevant.chain(shared) {
            d.assume(assumption.clone());
        }
    }
}
