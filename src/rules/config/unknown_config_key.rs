use crate::diagnostic::{Applicability, Edit, Fix};
use crate::model::schema::{
    DOCKER_ONLY_KEYS, NOT_CONFIG_KEYS, PathStep, SchemaIssue, suggest, tables_with_key,
};
use crate::rules::{Context, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports a key or table that GitLab Runner does not know in the table where it is
    /// written, with the closest valid key ("did you mean") and the keys the table accepts.
    ///
    /// ## Why is this bad?
    /// The runner decodes `config.toml` with BurntSushi/toml and silently ignores unknown keys:
    /// a misspelt `fs_grup` or `[runners.kubernetes.pod_securty_context]` simply has no
    /// effect, and nothing in the runner's log says so. A key placed in the wrong table
    /// (`fs_group` under a container security context) is ignored the same way.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     namspace = "ci"
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
    /// ## Fix safety
    /// Renaming to the suggested key is safe, except in security tables (security contexts,
    /// `privileged`, capabilities) where turning the key on changes what the pod may do: there
    /// the fix is unsafe.
    ///
    /// ## References
    /// - [Advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    /// - `gitlab-runner lint` reports undecoded keys from runner 17.x on.
    pub static UNKNOWN_CONFIG_KEY = {
        code: "RD101",
        name: "unknown-config-key",
        group: Correctness,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    let sources = &cx.analysis.inputs.sources;
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let SchemaIssue::Unknown {
            table,
            table_schema,
            key,
            path,
        } = issue
        else {
            continue;
        };
        if table == "runners.kubernetes" && DOCKER_ONLY_KEYS.contains(&key.as_str()) {
            continue; // reported by docker-only-key
        }
        let text = &sources.get(config.source).text;
        let unknown = SchemaIssue::Unknown {
            table: table.clone(),
            table_schema,
            key: key.clone(),
            path: path.clone(),
        };
        if super::misplaced_after_header(config, text, &unknown).is_some() {
            continue; // reported by key-after-subtable-header
        }
        let not_a_key = NOT_CONFIG_KEYS
            .iter()
            .find(|(t, k, _)| *t == table && *k == key)
            .map(|(_, _, help)| *help);
        let Some((key_span, _)) = super::key_spans(config, &path) else {
            continue;
        };
        let mut names: Vec<&'static str> = table_schema.keys.iter().map(|k| k.name).collect();
        let suggestion = suggest(&key, &names);
        // Renaming `[runner]` to `[runners]` would still not make the `[[runners]]` array.
        let segs: Vec<_> = path.iter().map(PathStep::as_seg).collect();
        let written_as_table = config.root.at(&segs).is_some_and(|n| n.is_map());
        let array_of_tables = written_as_table
            && suggestion.is_some_and(|s| {
                matches!(
                    table_schema.key(s).map(|k| k.ty),
                    Some(crate::model::schema::Ty::TableArray(_))
                )
            });
        let fix = suggestion.filter(|_| !array_of_tables).map(|suggestion| {
            let range = super::key_text_range(&sources.get(config.source).text, key_span.range);
            let security = table.contains("security_context")
                || ["privileged", "allow_privilege_escalation", "cap_add"].contains(&suggestion);
            let applicability = if !sources.to_host(key_span).1 {
                Applicability::DisplayOnly
            } else if security {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            };
            Fix {
                // A security setting that starts to apply may loosen the pods: the title says so.
                title: if security {
                    format!(
                        "rename `{key}` to `{suggestion}`: a security setting, which then applies to the job pods"
                    )
                } else {
                    format!("rename `{key}` to `{suggestion}`")
                },
                edits: vec![Edit {
                    span: Span::new(key_span.source, range),
                    replacement: suggestion.to_string(),
                }],
                applicability,
            }
        });
        let home = tables_with_key(&key, table_schema).first().map(|t| t.path);

        let diagnostic = cx.report(
            Some(key_span),
            format!(
                "unknown key `{key}` in {}; GitLab Runner ignores it without a warning",
                super::table_name(&table)
            ),
        );
        diagnostic.primary_label("not a key of this table");
        diagnostic.note(format!(
            "valid keys here: {}",
            super::closest(&key, &mut names)
        ));
        match (not_a_key, suggestion, home) {
            (Some(help), _, _) => {
                diagnostic.help(help);
            }
            (None, Some(suggestion), _) if array_of_tables => {
                diagnostic.help(format!(
                    "did you mean `[[{}]]`, an array of tables?",
                    if table.is_empty() {
                        suggestion.to_string()
                    } else {
                        format!("{table}.{suggestion}")
                    }
                ));
            }
            (None, Some(suggestion), _) => {
                diagnostic.help(format!("did you mean `{suggestion}`?"));
            }
            (None, None, Some(home)) => {
                diagnostic.help(format!(
                    "`{key}` belongs in {}; move it there",
                    super::table_name(home)
                ));
            }
            (None, None, None) => {}
        }
        if let Some(fix) = fix {
            diagnostic.fix(fix);
        }
    }
}
