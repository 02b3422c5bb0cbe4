use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::model::schema::SchemaIssue;
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

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
    /// ## Fix safety
    /// Where one key of the same table replaced the removed one and the table does not set it
    /// already (`pre_clone_script` → `pre_get_sources_script`, `post_clone_script` →
    /// `post_get_sources_script`), the fix renames the key and keeps its value. It is safe: the
    /// replacement runs at the same point of the `get_sources` stage, in the helper container.
    /// A key replaced by two (`terminationGracePeriodSeconds`) is left to the help, since which
    /// grace period was meant is a choice.
    ///
    /// ## References
    /// - [GitLab Runner: the `[[runners]]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runners-section)
    /// - [GitLab Runner changelog](https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/CHANGELOG.md)
    pub static REMOVED_CONFIG_KEY = {
        code: "RD103",
        name: "removed-config-key",
        group: Suspicious,
        fix: Sometimes,
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
        let fix = rename(config, &path, removed.replacement).map(|replacement| Fix {
            title: format!("rename `{}` to `{replacement}`", key.name),
            edits: vec![text::edit(key_span.source, key_span.range, replacement)],
            applicability: Applicability::Safe,
        });
        let d = cx.report(Some(key_span), message);
        if let Some(fix) = fix {
            d.fix(fix);
        }
        d.help(format!(
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

/// The replacement to rename the key to: one plain key name the same table does not set yet.
fn rename<'a>(
    config: &crate::model::load::ConfigDoc,
    path: &[crate::model::schema::PathStep],
    replacement: &'a str,
) -> Option<&'a str> {
    if replacement.is_empty()
        || !replacement
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let segs: Vec<Seg<'_>> = path.iter().map(|p| p.as_seg()).collect();
    let (_, parent) = segs.split_last()?;
    let table = config.root.at(parent)?;
    table.entry(replacement).is_none().then_some(replacement)
}
