use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::model::schema::{DOCKER_ONLY_KEYS, SchemaIssue};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a key of the Docker executor's `[runners.docker]` table written under
    /// `[runners.kubernetes]` (`tls_verify`, `shm_size`, `network_mode`, …).
    ///
    /// ## Why is this bad?
    /// The Kubernetes executor has no such setting and ignores the key without a word, so the
    /// behaviour it was copied for never happens.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     tls_verify = false
    /// ```
    ///
    /// Use instead: remove the key; on Kubernetes, configure TLS through the `tls-ca-file` of
    /// `[[runners]]` or the image's trust store.
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    /// ```
    ///
    /// ## Fix safety
    /// Removing the key is safe: the Kubernetes executor never reads it, so nothing changes. Where
    /// a Kubernetes counterpart exists (`privileged`, `cpu_limit`), set it by hand.
    ///
    /// ## References
    /// - [GitLab Runner: Kubernetes executor settings](https://docs.gitlab.com/runner/executors/kubernetes/)
    /// - [GitLab Runner: the `[runners.docker]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnersdocker-section)
    pub static DOCKER_ONLY_KEY = {
        code: "RD104",
        name: "docker-only-key",
        group: Suspicious,
        fix: Always,
    }
}

fn check(cx: &mut Context) {
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let SchemaIssue::Unknown {
            table, key, path, ..
        } = issue
        else {
            continue;
        };
        if table != "runners.kubernetes" || !DOCKER_ONLY_KEYS.contains(&key.as_str()) {
            continue;
        }
        let Some((key_span, entry_span)) = super::key_spans(config, &path) else {
            continue;
        };
        let text = &cx.analysis.inputs.sources.get(config.source).text;
        let fix = Fix {
            title: format!("remove `{key}`"),
            edits: vec![text::edit(
                config.source,
                text::remove_entry(text, entry_span.range),
                "",
            )],
            applicability: Applicability::Safe,
        };
        cx.report(
            Some(key_span),
            format!("`{key}` is a `[runners.docker]` setting; the Kubernetes executor ignores it"),
        )
        .primary_label("Docker executor key")
        .help(format!("remove `{key}` from `[runners.kubernetes]`"))
        .fix(fix);
    }
}
