use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a key written after a subtable's header that belongs to the table above it:
    /// `cpu_limit` below `[runners.kubernetes.pod_security_context]`, `concurrent` below
    /// `[[runners]]`.
    ///
    /// ## Why is this bad?
    /// In TOML a header opens a table that lasts until the next header, whatever the
    /// indentation or comments suggest. The key lands in the subtable, where GitLab Runner does
    /// not know it and ignores it without a warning, so the setting never applies.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    ///     [runners.kubernetes.pod_security_context]
    ///       run_as_non_root = true
    ///     # build
    ///     cpu_limit = "2"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    ///     # build
    ///     cpu_limit = "2"
    ///     [runners.kubernetes.pod_security_context]
    ///       run_as_non_root = true
    /// ```
    ///
    /// ## References
    /// - [TOML 1.0: tables](https://toml.io/en/v1.0.0#table)
    pub static KEY_AFTER_SUBTABLE_HEADER = {
        code: "RD108",
        name: "key-after-subtable-header",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let sources = &cx.analysis.inputs.sources;
    let mut found = Vec::new();
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let text = &sources.get(config.source).text;
        if let Some(m) = super::misplaced_after_header(config, text, &issue) {
            let crate::model::schema::SchemaIssue::Unknown { key, .. } = issue else {
                continue;
            };
            let header = text[m.header_span.range.as_range()].to_string();
            found.push((m, header, key));
        }
    }
    for (m, header, key) in found {
        let home = super::table_name(m.home.path);
        cx.report(
            Some(m.key_span),
            format!(
                "`{key}` follows the `{header}` header, so TOML puts it in that table, not in {home}; GitLab Runner ignores it there"
            ),
        )
        .primary_label(format!("a key of {home}"))
        .label(
            m.header_span,
            format!("`{header}` starts here and runs to the next header"),
        )
        .help(format!(
            "move `{key}` above the `{header}` header, among the keys of {home}"
        ));
    }
}
