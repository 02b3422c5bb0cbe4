use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::model::load::ProblemKind;
use crate::model::schema::{SchemaIssue, Ty};
use crate::rules::{Context, declare_rule};
use crate::source::{Node, Value};

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
    /// ## Fix safety
    /// Where the value says plainly what was meant — a quoted `"true"` or `"false"` for a boolean,
    /// a quoted integer for an integer, a bare number or boolean for a string, one string for an
    /// array of strings — the fix writes it with the right type. It is safe, except where the
    /// value, once the runner reads it, loosens security: `privileged` or
    /// `allow_privilege_escalation` set to true, `run_as_non_root` or
    /// `read_only_root_filesystem` set to false, or uid, gid or fsGroup 0. Those fixes are
    /// unsafe: today the runner refuses the file, and after the fix it runs job pods that way.
    /// Headers with the wrong brackets are left to the help.
    ///
    /// ## References
    /// - [TOML v1.0.0](https://toml.io/en/v1.0.0)
    /// - [GitLab Runner: advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    pub static WRONG_CONFIG_TYPE = {
        code: "RD102",
        name: "wrong-config-type",
        group: Correctness,
        fix: Sometimes,
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
        // A value the parser made up after a syntax error on its line (`run_as_user =`) has no
        // type to report: invalid-toml (RD002) names that line.
        let at_syntax_error = cx.analysis.inputs.problems.iter().any(|p| {
            p.kind == ProblemKind::TomlSyntax
                && p.span.is_some_and(|s| {
                    s.source == whole.source
                        && s.range.start <= whole.range.end
                        && whole.range.start <= s.range.end
                })
        });
        if at_syntax_error {
            continue;
        }
        let fix = retype(config, &path, key.name, key.ty);
        let d = cx.report(
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
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}

/// The value written with the key's type, when the written value says plainly what was meant.
fn retype(
    config: &crate::model::load::ConfigDoc,
    path: &[crate::model::schema::PathStep],
    name: &str,
    ty: Ty,
) -> Option<Fix> {
    let segs: Vec<_> = path.iter().map(|p| p.as_seg()).collect();
    let (crate::source::tree::Seg::Key(last), parent) = segs.split_last()? else {
        return None;
    };
    let value: &Node = &config.root.at(parent)?.entry(last)?.value;
    let new = match (ty, &value.value) {
        (Ty::Bool, Value::Str(s, _)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => "true".to_string(),
            "false" => "false".to_string(),
            _ => return None,
        },
        (Ty::Int, Value::Str(s, _)) => s.trim().parse::<i64>().ok()?.to_string(),
        (Ty::Str, Value::Int(i)) => text::toml_string(&i.to_string()),
        (Ty::Str, Value::Bool(b)) => text::toml_string(&b.to_string()),
        (Ty::StrList, Value::Str(s, _)) => format!("[{}]", text::toml_string(s)),
        _ => return None,
    };
    let loosens = match name {
        "privileged" | "allow_privilege_escalation" => new == "true",
        "run_as_non_root" | "read_only_root_filesystem" => new == "false",
        "run_as_user" | "run_as_group" | "fs_group" => new == "0",
        _ => false,
    };
    Some(Fix {
        title: format!("write `{name} = {new}`"),
        edits: vec![text::edit(config.source, value.range, new)],
        applicability: if loosens {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        },
    })
}
