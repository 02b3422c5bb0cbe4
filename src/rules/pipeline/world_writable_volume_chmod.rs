use crate::analysis::prediction::{JobOrigin, RunnerPrediction};
use crate::model::pipeline;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a `chmod` in a job script that makes a volume the runner shares between jobs
    /// (a PVC, host path, NFS or CSI volume of `[runners.kubernetes.volumes]`, the cache
    /// directory when one of them holds it) world-writable: `777`, `666`, `o+w`, `a+w` and the like, and explains why it worked.
    ///
    /// ## Why is this bad?
    /// A runner's volumes are shared by every job of every project that uses the runner. Once
    /// the cache root is world-writable, any job can read other projects' cache archives or
    /// replace them with its own, so a build can be poisoned by another project's pipeline.
    /// The `chmod` usually papers over a permission problem that has a proper fix (a shared
    /// group with the setgid bit, a storage class that applies fsGroup, a distributed cache).
    ///
    /// ## Example
    /// ```yaml
    /// prepare:
    ///   image: registry.access.redhat.com/ubi9/ubi:latest
    ///   before_script:
    ///     - chmod 777 /cache
    ///   script:
    ///     - echo ready
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// prepare:
    ///   image: registry.access.redhat.com/ubi9/ubi:latest
    ///   script:
    ///     - echo ready
    /// ```
    ///
    /// and prepare the volume root once, outside the pipeline, for a group every runner
    /// container is in.
    ///
    /// ## References
    /// - [Caching in GitLab CI/CD](https://docs.gitlab.com/ci/caching/)
    pub static WORLD_WRITABLE_VOLUME_CHMOD = {
        code: "RD701",
        name: "world-writable-volume-chmod",
        group: Security,
        fix: None,
    }
}

/// Paths the runner shares between jobs: the mounts of volumes that outlive a pod (PVC, host
/// path, NFS, CSI). The cache directory is shared only when one of them holds it: on an
/// emptyDir or the container's own file system it lasts one job.
fn shared_paths(prediction: &RunnerPrediction) -> Vec<String> {
    let mut paths = Vec::new();
    if let Some(k) = &prediction.entry.kubernetes {
        let v = &k.volumes;
        paths.extend(v.pvc.iter().filter_map(|p| p.mount_path.clone()));
        paths.extend(v.host_path.iter().filter_map(|p| p.mount_path.clone()));
        paths.extend(v.nfs.iter().filter_map(|p| p.mount_path.clone()));
        paths.extend(v.csi.iter().filter_map(|p| p.mount_path.clone()));
    }
    paths
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let mut shared: Vec<(String, Option<&RunnerPrediction>)> = analysis
        .predictions
        .iter()
        .flat_map(|p| shared_paths(p).into_iter().map(move |path| (path, Some(p))))
        .collect();
    if analysis.predictions.is_empty() {
        // No runner config in the inputs: the runner's default cache directory, as a shared
        // volume (what a pipeline that chmods it usually has).
        shared.push(("/cache".to_string(), None));
    }
    for (index, doc) in analysis.inputs.pipelines.iter().enumerate() {
        for job in pipeline::jobs(doc) {
            for line in job.build_lines() {
                let Some(path) = world_writable_target(&line.value) else {
                    continue;
                };
                let Some((shared_path, prediction)) = shared.iter().find(|(p, _)| covers(p, &path))
                else {
                    continue;
                };
                let diagnostic = cx.report(
                    Some(line.span),
                    format!(
                        "`{}` makes `{shared_path}` world-writable: it is shared by every job of every project that uses this runner, which can then read or replace each other's cache archives",
                        line.value.trim()
                    ),
                );
                diagnostic.primary_label("world-writable shared volume");
                if let Some(prediction) = prediction {
                    explain_why_it_works(diagnostic, prediction, index, &job.name);
                }
                diagnostic.help(
                    "remove the `chmod`; prepare the volume root once for a shared group (owner 0, group 0, mode `2775`) that every runner container is in, or use a distributed cache",
                );
            }
        }
    }
}

/// Why the `chmod` succeeds in this job (its image runs as root) — reference EXPECTED point 4.
fn explain_why_it_works(
    diagnostic: &mut crate::diagnostic::Diagnostic,
    prediction: &RunnerPrediction,
    pipeline_index: usize,
    job_name: &str,
) {
    let job = prediction.jobs.iter().find(|j| {
        j.origin
            == JobOrigin::Pipeline {
                pipeline: pipeline_index,
                name: job_name.to_string(),
            }
    });
    let Some(access) = job.and_then(|j| j.access.as_ref()) else {
        return;
    };
    if let Some(build) = access.identities.get("build")
        && build.dac_override
    {
        diagnostic.note(format!(
            "it works because job `{job_name}` runs as root (uid 0 with `CAP_DAC_OVERRIDE`); the mode is stored on the volume, so it lasts until the volume is recreated"
        ));
        for a in access
            .assumptions
            .iter()
            .filter(|a| a.value.ends_with("(container `build`)"))
        {
            diagnostic.assume(a.clone());
        }
    }
}

/// The path a `chmod` makes world-writable, if it does.
fn world_writable_target(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "chmod" || w.ends_with("/chmod"))?;
    let mut args = words[at + 1..]
        .iter()
        .take_while(|w| !matches!(**w, "&&" | "||" | ";" | "|"))
        .filter(|w| !w.starts_with('-'));
    let mode = args.next()?;
    let path = args.next()?;
    world_writable_mode(mode).then(|| path.trim_matches(['"', '\'']).to_string())
}

/// `777`, `0666`, `o+w`, `a+rwx`, `+w`, `ugo+rw`…
fn world_writable_mode(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_ascii_digit()) {
        return mode
            .chars()
            .last()
            .and_then(|c| c.to_digit(8))
            .is_some_and(|other| other & 0o2 != 0);
    }
    mode.split(',').any(|clause| {
        let (who, perms) = match clause.split_once(['+', '=']) {
            Some(parts) => parts,
            None => return false,
        };
        let for_other = who.is_empty() || who.contains('o') || who.contains('a');
        for_other && perms.contains('w')
    })
}

fn covers(shared: &str, path: &str) -> bool {
    let shared = shared.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    path == shared || path.starts_with(&format!("{shared}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_world_writable_modes() {
        assert_eq!(
            world_writable_target("chmod 777 /cache"),
            Some("/cache".into())
        );
        assert_eq!(
            world_writable_target("chmod -R a+rwX /cache/x && ls"),
            Some("/cache/x".into())
        );
        assert_eq!(
            world_writable_target("sudo chmod o+w \"/cache\""),
            Some("/cache".into())
        );
        assert_eq!(world_writable_target("chmod 775 /cache"), None);
        assert_eq!(world_writable_target("chmod g+w /cache"), None);
        assert_eq!(world_writable_target("echo chmod"), None);
        assert!(covers("/cache/", "/cache/a"));
        assert!(!covers("/cache", "/cachex"));
    }
}
