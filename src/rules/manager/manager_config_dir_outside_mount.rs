use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Computes the runner manager's identity and `HOME` in the admitted pod, hence the
    /// directory where `gitlab-runner` keeps `config.toml` and looks for CA certificates
    /// (`/etc/gitlab-runner` for uid 0, else `$HOME/.gitlab-runner`), and reports when that is
    /// not where the Helm chart mounts its writable config volume and `certsSecretName`.
    ///
    /// ## Why is this bad?
    /// The chart mounts an emptyDir at `/home/gitlab-runner/.gitlab-runner` and the CA at its
    /// `certs/`. An Alpine image run under an arbitrary uid (as `restricted-v2` assigns) has no
    /// passwd entry, so `HOME=/`: registration writes `/.gitlab-runner` on the read-only-to-it
    /// root filesystem and fails, and the CA is never read. Run as root, the runner uses
    /// `/etc/gitlab-runner` instead (runner-manager.md §1.5, §1.6).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// podSecurityContext: null
    /// rbac: {create: true}
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// podSecurityContext: null
    /// rbac: {create: true}
    /// useTini: true
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp
    ///   tag: v18.9.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## References
    /// - [Run GitLab Runner on OpenShift with the Helm chart](https://docs.gitlab.com/runner/install/kubernetes_helm_chart_configuration/#run-gitlab-runner-on-openshift)
    /// - [Self-signed certificates](https://docs.gitlab.com/runner/configuration/tls-self-signed/)
    pub static MANAGER_CONFIG_DIR_OUTSIDE_MOUNT = {
        code: "RD253",
        name: "manager-config-dir-outside-mount",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for m in &analysis.managers {
        let (Some(files), Ok(id)) = (&m.files, &m.identity) else {
            continue;
        };
        // Root writes `/etc/gitlab-runner` on the container's own filesystem, unless that is
        // read-only; any other uid cannot create `$HOME/.gitlab-runner` outside the mount when
        // `HOME` is `/` or a directory of another user.
        let read_only_root = m
            .running_pod()
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.containers.first())
            .and_then(|c| c.security_context.as_ref())
            .and_then(|sc| sc.read_only_root_filesystem)
            .unwrap_or(false);
        let config_missed = files.config_in_mount == Some(false) && (id.uid != 0 || read_only_root);
        let certs_missed = files.certs_found == Some(false);
        if !config_missed && !certs_missed {
            continue;
        }
        let primary = m
            .pod
            .source_of("spec.containers[0].image")
            .and_then(|s| s.span())
            .or_else(|| super::values_key(analysis, m, &["podSecurityContext"]))
            .or_else(|| super::anchor(analysis, m));
        let mount = m.pod.config_mount.as_deref().unwrap_or("");
        let mut what = Vec::new();
        if config_missed {
            what.push(format!("the config volume is mounted at `{mount}`, so registration cannot write `config.toml` and the manager does not start"));
        }
        if certs_missed {
            what.push(format!(
                "the CA of `certsSecretName` is mounted at `{}`, where this runner does not look",
                m.pod.certs_mount.as_deref().unwrap_or("")
            ));
        }
        let d = cx.report(
            primary,
            format!(
                "the runner manager runs as uid {} with `HOME={}`, so it keeps its config in `{}`; {}",
                id.uid,
                files.home.0,
                files.config_dir,
                what.join(", and ")
            ),
        );
        d.note(format!("`HOME` comes from {}", files.home.1));
        d.help(if id.uid == 0 {
            "run the manager as a non-root uid (`podSecurityContext.runAsUser`), so that it uses `$HOME/.gitlab-runner`".to_string()
        } else {
            "use the `-ocp` image (`image.image: gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp`, `useTini: true`), which sets `HOME=/home/gitlab-runner` for any uid, or add `HOME=/home/gitlab-runner` to `envVars`".to_string()
        });
        super::assume_all(d, analysis, m);
    }
}
