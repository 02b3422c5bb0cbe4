use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a `NO_PROXY`/`no_proxy` in `[[runners]] environment` that sends in-cluster
    /// traffic through the proxy: it lacks `localhost`/`127.0.0.1` (where a job reaches its
    /// `services:`, which run in the same pod), `.svc` or `.cluster.local` (Kubernetes service
    /// names).
    ///
    /// ## Why is this bad?
    /// Requests to in-cluster services (Nexus, SonarQube, Vault run next to the runner) and to
    /// the job's own service containers go to the corporate proxy, which cannot reach them: the
    /// job fails with timeouts or 403s that look like network problems.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=.example.org"]
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=.example.org,localhost,127.0.0.1,.svc,.cluster.local"]
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner behind a proxy](https://docs.gitlab.com/runner/configuration/proxy/)
    /// - [OpenShift: cluster-wide proxy](https://docs.openshift.com/container-platform/4.14/networking/enable-cluster-wide-proxy.html)
    pub static NO_PROXY_MISSES_CLUSTER = {
        code: "RD602",
        name: "no-proxy-misses-cluster",
        group: Advice,
        fix: None,
    }
}

/// Entries in-cluster traffic needs, and what each covers.
const NEEDED: &[(&str, &str)] = &[
    ("localhost", "the job's service containers"),
    ("127.0.0.1", "the job's service containers"),
    (".svc", "Kubernetes services"),
    (".cluster.local", "Kubernetes services by full name"),
];

fn check(cx: &mut Context) {
    let runners: Vec<_> = cx.analysis.runners().collect();
    for runner in runners {
        let env = super::environment(&runner);
        let has_proxy = env.iter().any(|(n, _, _)| {
            n.eq_ignore_ascii_case("http_proxy") || n.eq_ignore_ascii_case("https_proxy")
        });
        if !has_proxy {
            continue;
        }
        let no_proxy = env
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case("no_proxy"));
        let entries: Vec<&str> = no_proxy
            .map(|(_, v, _)| v.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = NEEDED
            .iter()
            .map(|(entry, _)| *entry)
            .filter(|entry| !entries.iter().any(|e| e.trim_start_matches('*') == *entry))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let span = no_proxy
            .map(|(_, _, s)| *s)
            .or_else(|| runner.span_at(&["environment"]));
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        cx.report(
            span,
            format!(
                "`NO_PROXY` does not cover {}: in-cluster services and the job's own service containers are reached through the proxy",
                list.join(", ")
            ),
        )
        .help(format!("append {} to `NO_PROXY` (and `no_proxy`)", missing.join(",")));
    }
}
