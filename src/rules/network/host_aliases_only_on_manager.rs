use crate::rules::{Context, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports Helm chart values that set `hostAliases` while the runner config gives its job
    /// pods none (`[[runners.kubernetes.host_aliases]]`).
    ///
    /// ## Why is this bad?
    /// The chart copies `hostAliases` into the manager's pod only (reference
    /// runner-manager.md §1.4). The job pods the manager creates get the runner config's
    /// `host_aliases`, and nothing else (gitlab-runner-k8s.md §2.1). When the aliases are
    /// there because DNS does not know the GitLab host, the manager registers and picks up
    /// jobs, and then every job's `helper` fails to clone: `Could not resolve host`.
    ///
    /// ## Example
    /// ```yaml
    /// hostAliases:
    ///   - ip: "10.0.0.10"
    ///     hostnames: ["gitlab.internal"]
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead: give the job pods the same aliases.
    /// ```yaml
    /// hostAliases:
    ///   - ip: "10.0.0.10"
    ///     hostnames: ["gitlab.internal"]
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         [[runners.kubernetes.host_aliases]]
    ///           ip = "10.0.0.10"
    ///           hostnames = ["gitlab.internal"]
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner Kubernetes executor: host aliases](https://docs.gitlab.com/runner/executors/kubernetes/)
    pub static HOST_ALIASES_ONLY_ON_MANAGER = {
        code: "RD606",
        name: "host-aliases-only-on-manager",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for values in &cx.analysis.inputs.helm_values {
        let Some(entry) = values.root.entry("hostAliases") else {
            continue;
        };
        if entry.value.items().is_empty() {
            continue;
        }
        let hostnames: Vec<String> = entry
            .value
            .items()
            .iter()
            .flat_map(|alias| alias.get("hostnames").map(|h| h.items()).unwrap_or(&[]))
            .filter_map(|h| h.as_str().map(|s| format!("`{s}`")))
            .collect();
        // Every runner config this values file holds, and whether its job pods get aliases.
        for runner in cx.analysis.runners() {
            let host = cx
                .analysis
                .inputs
                .sources
                .to_host(Span::new(runner.config.source, Default::default()))
                .0
                .source;
            if host != values.source
                || runner
                    .at(&["kubernetes", "host_aliases"])
                    .is_some_and(|a| !a.items().is_empty())
            {
                continue;
            }
            // The GitLab host the helper clones from: `clone_url`, else `url`, else the chart's
            // `gitlabUrl`.
            let gitlab = runner
                .str_at(&["clone_url"])
                .or_else(|| runner.str_at(&["url"]))
                .or_else(|| values.root.get("gitlabUrl").and_then(|u| u.as_str()))
                .and_then(url_host);
            let aliases_gitlab = gitlab
                .as_ref()
                .is_some_and(|g| hostnames.iter().any(|h| h.trim_matches('`') == g));
            found.push((
                Span::new(values.source, entry.key_range.cover(entry.value.range)),
                runner.at(&["kubernetes"]).map(|k| runner.span_of(k)),
                hostnames.clone(),
                gitlab.filter(|_| aliases_gitlab),
            ));
        }
    }
    for (span, kubernetes, hostnames, gitlab) in found {
        let names = if hostnames.is_empty() {
            "these names".to_string()
        } else {
            hostnames.join(", ")
        };
        let consequence = match gitlab {
            Some(host) => format!(
                "`{host}` is the GitLab host, so every job's helper fails to clone (`Could not resolve host`) unless DNS also knows it"
            ),
            None => "a job that needs them fails to resolve them".to_string(),
        };
        let d = cx.report(
            Some(span),
            format!(
                "chart value `hostAliases` reaches only the manager's pod, not the job pods it creates, which do not know {names}; {consequence}"
            ),
        );
        d.primary_label("the manager's pod only");
        if let Some(kubernetes) = kubernetes {
            d.label(kubernetes, "no `host_aliases` for the job pods here");
        }
        d.help("add the same aliases as `[[runners.kubernetes.host_aliases]]` (`ip`, `hostnames`) in `runners.config`");
    }
}

/// The host of a URL (`https://user@host:443/path` → `host`).
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}
