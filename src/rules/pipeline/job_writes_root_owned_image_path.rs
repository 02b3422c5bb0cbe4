use crate::access::Mode;
use crate::analysis::builders;
use crate::analysis::prediction::JobOrigin;
use crate::model::pipeline;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a script line that writes into a directory of the job's image that the image
    /// knowledge base knows to be owned by root and not writable by others (such as kaniko's
    /// `/kaniko/.docker`, mode `0755`), when the admitted build container runs as a non-root
    /// uid — on OpenShift, the arbitrary uid `restricted-v2` assigns.
    ///
    /// ## Why is this bad?
    /// Images built to run as root keep their state in root-owned directories. Under an
    /// arbitrary uid (group 0, no passwd entry) the process is neither the owner nor, for a
    /// `0755` directory, in a class with write permission, so `echo … > /kaniko/.docker/config.json`
    /// fails with `Permission denied` and the job stops at that line.
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
    ///     - echo "{\"auths\":{}}" > /kaniko/.docker/config.json
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
    /// build-image:
    ///   image: {name: gcr.io/kaniko-project/executor:debug, entrypoint: [""]}
    ///   variables:
    ///     DOCKER_CONFIG: $CI_PROJECT_DIR/.docker
    ///   script:
    ///     - mkdir -p "$DOCKER_CONFIG" && echo "{\"auths\":{}}" > "$DOCKER_CONFIG/config.json"
    /// ```
    ///
    /// (kaniko itself still needs root to build; see RD504.)
    ///
    /// ## References
    /// - [kaniko#758: cannot create /kaniko/.docker/config.json on OpenShift](https://github.com/GoogleContainerTools/kaniko/issues/758)
    /// - [OpenShift: support arbitrary user ids](https://docs.openshift.com/container-platform/4.14/openshift_images/create-images.html#use-uid_create-images)
    pub static JOB_WRITES_ROOT_OWNED_IMAGE_PATH = {
        code: "RD702",
        name: "job-writes-root-owned-image-path",
        group: Correctness,
        fix: None,
    }
}

/// The paths a shell line writes: redirection targets, and the operands of `mkdir`, `touch`,
/// `tee` and the destination of `cp`/`mv`/`ln`.
fn written_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let words: Vec<&str> = line.split_whitespace().collect();
    let clean = |w: &str| w.trim_matches(['"', '\'', ';']).to_string();
    for (i, word) in words.iter().enumerate() {
        // `>file`, `>>file`, `> file`
        if let Some(rest) = word.strip_prefix(">>").or_else(|| word.strip_prefix('>')) {
            let rest = rest.trim_start_matches('>');
            if !rest.is_empty() && !rest.starts_with('&') {
                out.push(clean(rest));
            } else if rest.is_empty() {
                out.extend(words.get(i + 1).map(|w| clean(w)));
            }
        }
    }
    for segment in line.split(['|', ';', '&']) {
        let args: Vec<&str> = segment.split_whitespace().collect();
        let Some((cmd, rest)) = args.split_first() else {
            continue;
        };
        let operands: Vec<String> = rest
            .iter()
            .filter(|a| !a.starts_with('-') && !a.starts_with('>'))
            .map(|a| clean(a))
            .collect();
        match cmd.rsplit('/').next().unwrap_or(cmd) {
            "mkdir" | "touch" | "tee" => out.extend(operands),
            "cp" | "mv" | "ln" | "install" => out.extend(operands.last().cloned()),
            _ => {}
        }
    }
    out.retain(|p| p.starts_with('/'));
    out
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        for job in &prediction.jobs {
            let JobOrigin::Pipeline { pipeline, name } = &job.origin else {
                continue;
            };
            let Some(identity) = job.access.as_ref().and_then(|a| a.identities.get("build")) else {
                continue;
            };
            if identity.uid == 0 || identity.dac_override {
                continue;
            }
            let Some(spec) = analysis
                .inputs
                .pipelines
                .get(*pipeline)
                .and_then(|doc| pipeline::jobs(doc).into_iter().find(|j| &j.name == name))
            else {
                continue;
            };
            let Some(image) = spec.image.as_ref() else {
                continue;
            };
            let Some((entry, paths)) = builders::writable_paths(&image.value) else {
                continue;
            };
            for line in spec.build_lines() {
                for target in written_paths(&line.value) {
                    // The deepest known directory that holds the target (not the target itself).
                    let Some(dir) = paths
                        .iter()
                        .filter(|p| p.path.starts_with('/'))
                        .filter(|p| {
                            target.starts_with(&format!("{}/", p.path.trim_end_matches('/')))
                        })
                        .max_by_key(|p| p.path.len())
                    else {
                        continue;
                    };
                    let Ok(mode) = Mode::from_octal(&dir.mode) else {
                        continue; // `VOLUME`, `various`: not a fixed mode
                    };
                    let bits = mode.bits();
                    let group_writes =
                        bits & 0o020 != 0 && dir.owner.ends_with(":0") && identity.in_group(0);
                    if dir.owner != "0:0" || bits & 0o002 != 0 || group_writes {
                        continue;
                    }
                    let diagnostic = cx.report(
                        Some(line.span),
                        format!(
                            "job `{name}` writes `{target}`, but `{}` is owned by `0:0` with mode `{}` in image `{}` and the build container runs as uid {} (not root): the write fails with `Permission denied`",
                            dir.path, dir.mode, image.value, identity.uid
                        ),
                    );
                    diagnostic.primary_label("write into a root-owned directory");
                    diagnostic.label(image.span, "the job's image");
                    if let Some(scc) = job.admission.as_ref().and_then(|o| o.scc()) {
                        diagnostic.note(format!("SCC `{scc}` admits the pod and assigns the uid"));
                    }
                    if let Some(note) = &dir.note {
                        diagnostic
                            .note(format!("kb-images entry `{entry}`: `{}`: {note}", dir.path));
                    }
                    diagnostic.help("write under a directory the job owns (`$CI_PROJECT_DIR`, `/tmp`, or an `emptyDir` volume) and point the tool at it (for Docker credentials `DOCKER_CONFIG`), or run the job under an SCC that keeps the image's root user");
                    diagnostic.assume(crate::diagnostic::Assumption::new(
                        format!("image.{}.paths", image.value),
                        format!("{} {} {}", dir.path, dir.owner, dir.mode),
                        format!("kb-images entry `{entry}` (`writable_paths_needed`)"),
                    ));
                    for a in builders::image_assumptions(job) {
                        diagnostic.assume(a);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::written_paths;

    #[test]
    fn finds_written_paths() {
        assert_eq!(
            written_paths("echo '{}' > /kaniko/.docker/config.json"),
            vec!["/kaniko/.docker/config.json"]
        );
        assert_eq!(written_paths("echo x >>/var/log/a"), vec!["/var/log/a"]);
        assert_eq!(
            written_paths("mkdir -p /kaniko/.docker"),
            vec!["/kaniko/.docker"]
        );
        assert_eq!(
            written_paths("cp a.json /kaniko/.docker/"),
            vec!["/kaniko/.docker/"]
        );
        assert!(written_paths("cat /kaniko/.docker/config.json 2>&1").is_empty());
    }
}
