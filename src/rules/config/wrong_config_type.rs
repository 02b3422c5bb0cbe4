use crate::model::schema::SchemaIssue;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner config value whose type is not the one GitLab Runner expects: a string
    /// where a boolean or number belongs (`privileged = "true"`, `fs_group = "1000"`), a single
    /// table where an array of tables belongs.
    ///
    /// ## Why is this bad?
    /// BurntSushi/toml refuses to decode a value of the wrong type, so the runner rejects the
    /// whole file: it does not start, or keeps the previous configuration after a reload.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     privileged = "false"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     privileged = false
    /// ```
    ///
    /// ## References
    /// - [TOML v1.0.0](https://toml.io/en/v1.0.0)
    /// - [GitLab Runner: advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    pub static WRONG_CONFIG_TYPE = {
        code: "RD102",
        name: "wrong-config-type",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        if super::orphan_runners_table::is_orphan(&issue) {
            continue; // reported by orphan-runners-table
        }
        let SchemaIssue::WrongType {
            table,
            key,
            found,
            path,
        } = issue
        else {
            continue;
        };
        let Some((_, whole)) = super::key_spans(config, &path) else {
            continue;
        };
        cx.report(
            Some(whole),
            format!(
                "`{}` in {} must be {}, not {} {found}; GitLab Runner refuses to load this config",
                key.name,
                super::table_name(&table),
                key.ty.describe(),
                if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            ),
        )
        .help(
            if matches!(key.ty, crate::model::schema::Ty::TableArray(_)) && found == "table" {
                format!(
                    "write the header with double brackets, `[[{}]]`: each entry is one table of the array",
                    if table.is_empty() {
                        key.name.to_string()
                    } else {
                        format!("{table}.{}", key.name)
                    }
                )
            } else if matches!(key.ty, crate::model::schema::Ty::Table(_)) && found == "array" {
                format!(
                    "write the header with single brackets, `[{}]`: it is one table, not an array of tables",
                    if table.is_empty() {
                        key.name.to_string()
                    } else {
                        format!("{table}.{}", key.name)
                    }
                )
            } else {
                format!("write `{}` as {}", key.name, key.ty.describe())
            },
        );
    }
}
