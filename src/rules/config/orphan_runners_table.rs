use crate::model::schema::SchemaIssue;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a `[runners.…]` table (`[runners.kubernetes]`, `[[runners.kubernetes.volumes.pvc]]`)
    /// with no `[[runners]]` entry before it.
    ///
    /// ## Why is this bad?
    /// Without a `[[runners]]` header, TOML makes `runners` a plain table instead of the array
    /// of runner entries, and GitLab Runner cannot decode the file: it refuses the config (older
    /// versions panicked). A snippet pasted on its own, or in front of the chart-generated
    /// `[[runners]]`, does this.
    ///
    /// ## Example
    /// ```toml
    /// [runners.kubernetes]
    ///   namespace = "ci"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [terraform-google-gke-gitlab#11](https://github.com/terraform-google-modules/terraform-google-gke-gitlab/issues/11)
    pub static ORPHAN_RUNNERS_TABLE = {
        code: "RD107",
        name: "orphan-runners-table",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        if is_orphan(&issue)
            && let Some((key_span, _)) = super::key_spans(config, &issue_path(&issue))
        {
            found.push(key_span);
        }
    }
    for span in found {
        cx.report(
            Some(span),
            "this table comes before any `[[runners]]`, so TOML makes `runners` a single table instead of the `[[runners]]` array; GitLab Runner cannot load this config",
        )
        .primary_label("no `[[runners]]` above this")
        .note("a snippet appended to a generated config attaches to its last `[[runners]]` entry; on its own it has none")
        .help("add a `[[runners]]` header (with `executor = \"kubernetes\"`) above the first `[runners.…]` table");
    }
}

/// `runners` at the top level holding a table rather than an array of tables.
pub(crate) fn is_orphan(issue: &SchemaIssue) -> bool {
    matches!(issue, SchemaIssue::WrongType { table, key, found: "table", .. }
        if table.is_empty() && key.name == "runners")
}

fn issue_path(issue: &SchemaIssue) -> Vec<crate::model::schema::PathStep> {
    match issue {
        SchemaIssue::WrongType { path, .. } => path.clone(),
        _ => Vec::new(),
    }
}
