use crate::pod::FlagSource;
use crate::rules::{Context, declare_rule};

/// The flag, by its name in `config.toml` and job variables.
const FLAG: &str = "FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR";

declare_rule! {
    /// ## What it does
    /// Reports `FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR = true` on a runner older than 17.11,
    /// where the predicted job still creates the project's files world-writable: the flag is
    /// set, and nothing it promises happens.
    ///
    /// ## Why is this bad?
    /// Before 17.11 the helper's stages still ran under the `gitlab-runner-build` wrapper, which
    /// sets `umask 0000`, and the files were handed to the build user only with
    /// `shell = "bash"`, and then only the cache directory (gitlab-runner#38382, fixed by
    /// MR !5415 in 17.11). A team that turns the flag on to stop world-writable checkouts still
    /// gets them, and a job relying on the build user owning its files still fails.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v17.5.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.feature_flags]
    ///         FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR = true
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead: a runner of 17.11 or later.
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v17.11.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.feature_flags]
    ///         FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR = true
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [gitlab-runner#38382: FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR does not remove the umask](https://gitlab.com/gitlab-org/gitlab-runner/-/issues/38382)
    /// - [Feature flags](https://docs.gitlab.com/runner/configuration/feature-flags/)
    pub static UMASK_FLAG_WITHOUT_EFFECT = {
        code: "RD409",
        name: "umask-flag-without-effect",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let Ok(job_pod) = &job.pod else {
            continue;
        };
        let Some(flag) = job_pod.feature_flags.flags.get(FLAG) else {
            continue;
        };
        // The pod model decides what the flag does in this version; the rule only reads it.
        if !flag.value || !job_pod.project_files.world_writable {
            continue;
        }
        let flag_span = match &flag.source {
            FlagSource::Config(key) | FlagSource::RunnerEnvironment(key) => {
                analysis.key_span(prediction.config, key)
            }
            FlagSource::JobVariable | FlagSource::Default => None,
        };
        let runner = analysis.runner_ref(prediction).map(|r| r.span());
        let version = &job_pod.runner_version;
        let d = cx.report(
            flag_span.or(runner),
            format!(
                "`{FLAG}` is on, but runner {version} still runs the helper's stages under `gitlab-runner-build`, which sets `umask 0000`: the project's files stay world-writable"
            ),
        );
        d.primary_label(if flag_span.is_some() {
            "has no effect before 17.11"
        } else {
            "this runner's jobs"
        });
        for fact in &job_pod.project_files.because {
            d.note(fact.clone());
        }
        d.help("upgrade the runner to 17.11 or later, where the flag drops the wrapper and hands the builds directory to the build user");
        // The verdict rests on the runner version only: one read from an image tag is named (a
        // defaulted version is never older than 17.11, so it never gets here).
        for assumption in prediction
            .assumptions
            .iter()
            .filter(|a| a.key == "runner.version")
        {
            d.assume(assumption.clone());
        }
    }
}
