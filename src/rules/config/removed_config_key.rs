use crate::model::schema::SchemaIssue;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner config key that GitLab Runner removed, and names what replaced it.
    ///
    /// ## Why is this bad?
    /// From the version that removed it, the runner ignores the key silently: a
    /// `pre_clone_script` written for runner 16 does nothing on runner 17.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   pre_clone_script = "git config --global http.sslVerify false"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   pre_get_sources_script = "git config --global http.sslVerify false"
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: the `[[runners]]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runners-section)
    /// - [GitLab Runner changelog](https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/CHANGELOG.md)
    pub static REMOVED_CONFIG_KEY = {
        code: "RD103",
        name: "removed-config-key",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let SchemaIssue::Removed { table, key, path } = issue else {
            continue;
        };
        let Some(removed) = key.removed else { continue };
        let Some((key_span, _)) = super::key_spans(config, &path) else {
            continue;
        };
        // On a runner older than the removal the key still works: it is deprecated.
        let known = super::known_runner_version(cx.analysis, config);
        let still_read = known.as_ref().is_some_and(|k| {
            crate::model::schema::parse_version(removed.in_version).is_some_and(|r| k.version < r)
        });
        let message = match &known {
            Some(k) if still_read => format!(
                "`{}` in {} is deprecated and removed in GitLab Runner {}; runner {} still reads it, but an upgrade silently drops it",
                key.name,
                super::table_name(&table),
                removed.in_version,
                k.version
            ),
            _ => format!(
                "`{}` in {} was removed in GitLab Runner {}; newer runners ignore it",
                key.name,
                super::table_name(&table),
                removed.in_version
            ),
        };
        cx.report(Some(key_span), message).help(format!(
            "use {} instead",
            removed
                .replacement
                .split(" and ")
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
}
