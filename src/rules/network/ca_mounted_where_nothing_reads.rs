use crate::model::pipeline;
use crate::rules::{Context, declare_rule};
use crate::source::Node;

declare_rule! {
    /// ## What it does
    /// Reports a Secret or ConfigMap volume of `[runners.kubernetes.volumes]` mounted in the job
    /// pods at the runner's own certificate directory (`/etc/gitlab-runner/certs/` or
    /// `~/.gitlab-runner/certs/`) when nothing in the job pods points at it: no `environment`
    /// entry, job variable or script line names the path.
    ///
    /// ## Why is this bad?
    /// `<config dir>/certs/<host>.crt` is where the runner *manager* process looks for the CA of
    /// its GitLab server. Volumes of `[runners.kubernetes.volumes]` are mounted in the job pods
    /// (build, helper, services), where no program reads that directory: the Kubernetes
    /// executor replaces the helper image's entrypoint with its own shell command, and git,
    /// curl, Java or Python in the build container use the image's system trust store or the
    /// variables `CI_SERVER_TLS_CA_FILE`, `SSL_CERT_FILE`, `SSL_CERT_DIR`, `GIT_SSL_CAINFO`,
    /// `REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`. Connections to hosts signed by that CA
    /// (Nexus, SonarQube, Vault) keep failing certificate verification, while the mount looks
    /// like it should have fixed them.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.secret]]
    ///       name = "platform-ca"
    ///       mount_path = "/etc/gitlab-runner/certs/"
    ///       read_only = true
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   environment = ["SSL_CERT_FILE=/etc/platform-ca/ca.crt", "GIT_SSL_CAINFO=/etc/platform-ca/ca.crt"]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.secret]]
    ///       name = "platform-ca"
    ///       mount_path = "/etc/platform-ca/"
    ///       read_only = true
    /// ```
    ///
    /// `SSL_CERT_FILE` replaces the whole trust store for OpenSSL-based tools: put the public
    /// CAs in the same bundle when jobs also reach public hosts.
    ///
    /// ## References
    /// - [Self-signed certificates or custom Certification Authorities](https://docs.gitlab.com/runner/configuration/tls-self-signed/)
    /// - [Helm chart: providing a custom certificate for accessing GitLab](https://docs.gitlab.com/runner/install/kubernetes_helm_chart_configuration/)
    pub static CA_MOUNTED_WHERE_NOTHING_READS = {
        code: "RD603",
        name: "ca-mounted-where-nothing-reads",
        group: Suspicious,
        fix: None,
    }
}

/// Whether a mount path is the runner's certificate directory (or a file in it).
fn is_runner_certs_dir(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/etc/gitlab-runner/certs"
        || path.starts_with("/etc/gitlab-runner/certs/")
        || path.ends_with("/.gitlab-runner/certs")
        || path.contains("/.gitlab-runner/certs/")
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    // Everything in the job pods that could name a path: pipeline variables and script lines.
    let mut pipeline_text = Vec::new();
    for doc in &analysis.inputs.pipelines {
        for job in pipeline::jobs(doc) {
            pipeline_text.extend(job.build_lines().map(|l| l.value.clone()));
            pipeline_text.extend(job.variables.iter().map(|(_, v)| v.value.clone()));
        }
    }
    for runner in analysis.runners() {
        let environment: Vec<&str> = runner
            .at(&["environment"])
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        for kind in ["secret", "config_map"] {
            let items = runner
                .at(&["kubernetes", "volumes", kind])
                .map(Node::items)
                .unwrap_or(&[]);
            for item in items {
                let Some(mount) = item.get("mount_path").and_then(Node::as_str) else {
                    continue;
                };
                if !is_runner_certs_dir(mount) {
                    continue;
                }
                let dir = mount.trim_end_matches('/');
                let named = |text: &str| text.contains(dir);
                if environment.iter().any(|e| named(e)) || pipeline_text.iter().any(|t| named(t)) {
                    continue;
                }
                let name = item.get("name").and_then(Node::as_str).unwrap_or("?");
                let what = if kind == "secret" {
                    "Secret"
                } else {
                    "ConfigMap"
                };
                let entry = item.entry("mount_path");
                let span = entry
                    .map(|e| {
                        crate::source::Span::new(
                            runner.config.source,
                            e.key_range.cover(e.value.range),
                        )
                    })
                    .unwrap_or_else(|| runner.span_of(item));
                let diagnostic = cx.report(
                    Some(span),
                    format!(
                        "the {what} `{name}` is mounted at `{mount}` in every job pod, where nothing reads it: that directory is where the runner manager looks for its GitLab server's CA, while tools in job pods use the image's trust store or `SSL_CERT_FILE`, `GIT_SSL_CAINFO` and the like, so TLS connections to hosts signed by this CA still fail verification"
                    ),
                );
                diagnostic.primary_label("the runner manager's certificate directory, in job pods");
                diagnostic.note("the Kubernetes executor starts the helper and build containers with its own shell command, so no image entrypoint installs these files into a trust store (reference gitlab-runner-k8s.md §2.2)");
                diagnostic.note("the manager reads `<config dir>/certs/<host>.crt` only for its own connection to GitLab (reference runner-manager.md §1.6); the CA it uses for GitLab reaches jobs as the file variable `CI_SERVER_TLS_CA_FILE`, which covers the GitLab host only");
                diagnostic.help(format!(
                    "mount the {what} at a path of its own (e.g. `/etc/{name}/`) and point the tools at it in `environment`: `SSL_CERT_FILE`, `GIT_SSL_CAINFO`, `REQUESTS_CA_BUNDLE` or `NODE_EXTRA_CA_CERTS` (with a bundle that also holds the public CAs), or add the CA to the job images' trust store"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_runner_certs_dir;

    #[test]
    fn runner_certificate_directories() {
        assert!(is_runner_certs_dir("/etc/gitlab-runner/certs/"));
        assert!(is_runner_certs_dir(
            "/home/gitlab-runner/.gitlab-runner/certs"
        ));
        assert!(!is_runner_certs_dir("/etc/pki/ca-trust/source/anchors"));
        assert!(!is_runner_certs_dir("/etc/gitlab-runner"));
    }
}
