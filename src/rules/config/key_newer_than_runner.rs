use crate::model::schema::{SchemaIssue, parse_version};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner config key that the runner version in use does not know yet: one
    /// introduced in a later GitLab Runner release than the one given with `--runner-version`
    /// or named by the runner image tag of the Helm chart values or the Operator `Runner`.
    ///
    /// ## Why is this bad?
    /// An older runner decodes `config.toml` without the key and ignores it without a
    /// warning, so the setting never applies until the runner is upgraded.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v16.0.2
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace_per_job = true
    /// ```
    ///
    /// Use instead: upgrade the runner (here to 16.10 or later), or drop the key.
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/gitlab-runner
    ///   tag: alpine-v16.10.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace_per_job = true
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    /// - [GitLab Runner changelog](https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/CHANGELOG.md)
    pub static KEY_NEWER_THAN_RUNNER = {
        code: "RD112",
        name: "key-newer-than-runner",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let SchemaIssue::Versioned { table, key, path } = issue else {
            continue;
        };
        let Some(since) = key.since.and_then(parse_version) else {
            continue;
        };
        let Some(known) = super::known_runner_version(cx.analysis, config) else {
            continue;
        };
        if known.version >= since {
            continue;
        }
        let Some((key_span, _)) = super::key_spans(config, &path) else {
            continue;
        };
        found.push((key_span, table, key, known));
    }
    for (span, table, key, known) in found {
        let since = key.since.unwrap_or("?");
        let d = cx.report(
            Some(span),
            format!(
                "`{}` in {} needs GitLab Runner {since} or later; runner {} ignores it without a warning",
                key.name,
                super::table_name(&table),
                known.version
            ),
        );
        d.primary_label(format!("new in {since}"));
        match known.span {
            Some(tag) => {
                d.label(tag, format!("runner {} ({})", known.version, known.from));
            }
            None => {
                d.note(format!("runner {} from {}", known.version, known.from));
            }
        }
        d.help(format!(
            "upgrade the runner to {since} or later, or remove `{}`",
            key.name
        ));
    }
}
