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
        cx.report(
            Some(key_span),
            format!(
                "`{}` in {} was removed in GitLab Runner {}; newer runners ignore it",
                key.name,
                super::table_name(&table),
                removed.in_version
            ),
        )
        .help(format!(
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
