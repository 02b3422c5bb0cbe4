use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner whose `environment` sets `HTTP_PROXY`/`HTTPS_PROXY` while `NO_PROXY`
    /// does not cover the host of its GitLab server (`url`, and `clone_url` when set).
    ///
    /// ## Why is this bad?
    /// `[[runners]] environment` reaches every job. With a proxy set and the GitLab host not
    /// excluded, `git fetch`, artifact and cache transfers and the GitLab API calls of job
    /// scripts go through the corporate proxy, which often cannot reach an in-house GitLab or
    /// rewrites its certificate: jobs fail with `Could not resolve host` or TLS errors while the
    /// runner itself, which does not read `environment`, talks to GitLab fine.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   url = "https://gitlab.internal.example"
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=localhost,127.0.0.1,.svc,.cluster.local"]
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   url = "https://gitlab.internal.example"
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=gitlab.internal.example,localhost,127.0.0.1,.svc,.cluster.local"]
    /// ```
    ///
    /// ## References
    /// - [gitlab-runner#2847: the Kubernetes executor cannot look up the GitLab server for git fetch](https://gitlab.com/gitlab-org/gitlab-runner/issues/2847)
    /// - [gitlab-runner#38030: proxy variables cut the runner off from GitLab](https://gitlab.com/gitlab-org/gitlab-runner/-/issues/38030)
    /// - [Running GitLab Runner behind a proxy](https://docs.gitlab.com/runner/configuration/proxy/)
    pub static NO_PROXY_MISSES_GITLAB_HOST = {
        code: "RD604",
        name: "no-proxy-misses-gitlab-host",
        group: Suspicious,
        fix: None,
    }
}

/// The host of a URL, without scheme, credentials, port or path.
pub(crate) fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// Whether a `NO_PROXY` entry excludes a host name, as Go and curl match: `*`, the exact name,
/// or a domain suffix written `example.org`, `.example.org` or `*.example.org`.
pub(crate) fn entry_covers(entry: &str, host: &str) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if entry == "*" {
        return true;
    }
    let entry = entry.split(':').next().unwrap_or("");
    let domain = entry.trim_start_matches('*').trim_start_matches('.');
    !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
}

fn check(cx: &mut Context) {
    let runners: Vec<_> = cx.analysis.runners().collect();
    for runner in runners {
        let env = super::environment(&runner);
        let proxy = env.iter().find(|(n, _, _)| {
            n.eq_ignore_ascii_case("http_proxy") || n.eq_ignore_ascii_case("https_proxy")
        });
        let Some((proxy_name, _, proxy_span)) = proxy else {
            continue;
        };
        let no_proxy = env
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case("no_proxy"));
        let entries: Vec<&str> = no_proxy
            .map(|(_, v, _)| v.split(',').collect())
            .unwrap_or_default();
        for key in ["url", "clone_url"] {
            let Some(host) = runner.str_at(&[key]).and_then(url_host) else {
                continue;
            };
            if entries.iter().any(|e| entry_covers(e, host)) {
                continue;
            }
            let span = no_proxy.map(|(_, _, s)| *s).unwrap_or(*proxy_span);
            let diagnostic = cx.report(
                Some(span),
                format!(
                    "`{proxy_name}` is set for jobs but `NO_PROXY` does not cover the GitLab host `{host}` (from `{key}`): git fetches, artifact and cache transfers and API calls from jobs go through the proxy, and fail where it cannot reach GitLab"
                ),
            );
            if let Some(key_span) = runner.span_at(&[key]) {
                diagnostic.label(key_span, "the GitLab server");
            }
            diagnostic.help(format!("add `{host}` to `NO_PROXY` and `no_proxy`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_entries() {
        assert_eq!(
            url_host("https://user:pw@gitlab.example.org:8443/x"),
            Some("gitlab.example.org")
        );
        assert_eq!(url_host("gitlab.example.org"), Some("gitlab.example.org"));
        assert!(entry_covers(".example.org", "gitlab.example.org"));
        assert!(entry_covers("example.org", "gitlab.example.org"));
        assert!(entry_covers("*.example.org", "gitlab.example.org"));
        assert!(!entry_covers("ample.org", "gitlab.example.org"));
        assert!(entry_covers("*", "x"));
    }
}
