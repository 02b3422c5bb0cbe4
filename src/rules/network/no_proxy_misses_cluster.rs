use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
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
    /// ## Fix safety
    /// Appending the in-cluster names is safe: they only ever resolve inside the cluster, where the
    /// proxy cannot help. Every spelling of `NO_PROXY` the config sets is completed.
    ///
    /// ## References
    /// - [GitLab Runner behind a proxy](https://docs.gitlab.com/runner/configuration/proxy/)
    /// - [OpenShift: cluster-wide proxy](https://docs.openshift.com/container-platform/4.14/networking/enable-cluster-wide-proxy.html)
    pub static NO_PROXY_MISSES_CLUSTER = {
        code: "RD602",
        name: "no-proxy-misses-cluster",
        group: Advice,
        fix: Sometimes,
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
        // Every spelling counts: curl reads `no_proxy` before `NO_PROXY`, Go only upper case.
        let spellings: Vec<&(&str, &str, crate::source::Span)> = env
            .iter()
            .filter(|(n, _, _)| n.eq_ignore_ascii_case("no_proxy"))
            .collect();
        let missing_in = |value: &str| -> Vec<&'static str> {
            let entries: Vec<&str> = value.split(',').map(str::trim).collect();
            NEEDED
                .iter()
                .map(|(entry, _)| *entry)
                .filter(|entry| !entries.iter().any(|e| e.trim_start_matches('*') == *entry))
                .collect()
        };
        let incomplete: Vec<(&str, &str, crate::source::Span, Vec<&str>)> = spellings
            .iter()
            .map(|(n, v, s)| (*n, *v, *s, missing_in(v)))
            .filter(|(_, _, _, m)| !m.is_empty())
            .collect();
        let missing: Vec<&str> = match (spellings.is_empty(), incomplete.first()) {
            (true, _) => missing_in(""),
            (false, Some((_, _, _, m))) => m.clone(),
            (false, None) => continue,
        };
        let span = incomplete
            .first()
            .map(|(_, _, s, _)| *s)
            .or_else(|| runner.span_at(&["environment"]));
        let fix = if spellings.is_empty() {
            // No `NO_PROXY` at all: add both spellings after the last variable.
            env.last().map(|(_, _, last)| {
                let value = missing.join(",");
                Fix {
                    title: "add `NO_PROXY` and `no_proxy`".to_string(),
                    edits: vec![text::edit(
                        last.source,
                        crate::source::TextRange::empty_at(last.range.end as usize),
                        format!(
                            ", {}, {}",
                            text::toml_string(&format!("NO_PROXY={value}")),
                            text::toml_string(&format!("no_proxy={value}"))
                        ),
                    )],
                    applicability: Applicability::Safe,
                }
            })
        } else {
            Some(Fix {
                title: format!("append {} to `NO_PROXY`", missing.join(",")),
                edits: incomplete
                    .iter()
                    .map(|(name, value, span, missing)| {
                        let value = value.trim_end_matches(',');
                        let joined = if value.trim().is_empty() {
                            missing.join(",")
                        } else {
                            format!("{value},{}", missing.join(","))
                        };
                        text::edit(
                            span.source,
                            span.range,
                            text::toml_string(&format!("{name}={joined}")),
                        )
                    })
                    .collect(),
                applicability: Applicability::Safe,
            })
        };
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        let d = cx.report(
            span,
            format!(
                "`NO_PROXY` does not cover {}: in-cluster services and the job's own service containers are reached through the proxy",
                list.join(", ")
            ),
        )
        .help(format!("append {} to `NO_PROXY` (and `no_proxy`)", missing.join(",")));
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}
