//! `RD1xx`: the runner configuration itself — keys the runner ignores, wrong types, removed keys.

pub(crate) mod cache_shared_without_type;
pub(crate) mod chart_rbac_too_broad;
pub(crate) mod docker_only_key;
pub(crate) mod env_conflicts_with_template;
pub(crate) mod global_key_in_template;
pub(crate) mod key_after_subtable_header;
pub(crate) mod key_newer_than_runner;
pub(crate) mod orphan_runners_table;
pub(crate) mod pod_field_in_chart_security_context;
pub(crate) mod registration_only_chart_value;
pub(crate) mod removed_chart_value;
pub(crate) mod removed_config_key;
pub(crate) mod session_server_without_listen_address;
pub(crate) mod template_key_set_by_registration;
pub(crate) mod template_runner_count;
pub(crate) mod unknown_config_key;
pub(crate) mod unknown_runner_spec_field;
pub(crate) mod wrong_config_type;

use crate::model::load::ConfigDoc;
use crate::model::schema::{PathStep, SchemaIssue, TableSchema, tables_along};
use crate::source::tree::Seg;
use crate::source::{Span, TextRange};

/// The schema issues of every config, with the config they belong to.
///
/// Issues at a template placeholder are left out: a `${key}` key or a `${var.flag}` value is
/// only known once the template is rendered (the template itself is reported once, RD006).
pub(crate) fn schema_issues(configs: &[ConfigDoc]) -> Vec<(&ConfigDoc, SchemaIssue)> {
    configs
        .iter()
        .flat_map(|c| {
            crate::model::schema::validate(&c.root)
                .into_iter()
                .filter(move |i| !at_placeholder(c, i))
                .map(move |i| (c, i))
        })
        .collect()
}

fn at_placeholder(config: &ConfigDoc, issue: &SchemaIssue) -> bool {
    if config.placeholders.is_empty() {
        return false;
    }
    let path = match issue {
        SchemaIssue::Unknown { path, .. }
        | SchemaIssue::WrongType { path, .. }
        | SchemaIssue::Removed { path, .. }
        | SchemaIssue::Versioned { path, .. } => path,
    };
    let segs: Vec<Seg<'_>> = path.iter().map(PathStep::as_seg).collect();
    let Some((Seg::Key(name), parent)) = segs.split_last() else {
        return false;
    };
    let Some(entry) = config.root.at(parent).and_then(|p| p.entry(name)) else {
        return false;
    };
    match issue {
        SchemaIssue::WrongType { .. } => config.is_placeholder(entry.value.range),
        _ => config.is_placeholder(entry.key_range),
    }
}

/// The spans of the key and of the whole `key = value` at a path of a config.
pub(crate) fn key_spans(config: &ConfigDoc, path: &[PathStep]) -> Option<(Span, Span)> {
    let segs: Vec<Seg<'_>> = path.iter().map(PathStep::as_seg).collect();
    let (last, parent) = segs.split_last()?;
    let Seg::Key(name) = last else { return None };
    let entry = config.root.at(parent)?.entry(name)?;
    Some((
        Span::new(config.source, entry.key_range),
        Span::new(config.source, entry.key_range.cover(entry.value.range)),
    ))
}

/// `[runners.kubernetes]`-style name for messages; the top level is "the top level".
pub(crate) fn table_name(table: &str) -> String {
    if table.is_empty() {
        "the top level".to_string()
    } else if table == "runners" {
        "`[[runners]]`".to_string()
    } else {
        format!("`[{table}]`")
    }
}

/// The valid names closest to an unknown one, in backticks, at most eight and "and N more":
/// in a table of a hundred keys, the closest are the useful ones.
pub(crate) fn closest(unknown: &str, names: &mut [&str]) -> String {
    let lower = unknown.to_ascii_lowercase();
    names.sort_by_key(|n| {
        (
            crate::model::schema::edit_distance(&lower, &n.to_ascii_lowercase()),
            n.to_string(),
        )
    });
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    match names.len().saturating_sub(8) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// A range that covers a key's text only (TOML keys may be quoted).
pub(crate) fn key_text_range(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    if slice.starts_with('"') || slice.starts_with('\'') {
        TextRange::new(range.start as usize + 1, range.end as usize - 1)
    } else {
        range
    }
}

/// A key that TOML put in a subtable because it follows the subtable's header, while a table
/// above it in the path is where the key belongs.
pub(crate) struct Misplaced {
    pub key_span: Span,
    /// The header line that opened the table the key landed in.
    pub header_span: Span,
    pub home: &'static TableSchema,
}

/// Whether an unknown key is a key of an enclosing table written after a subtable header
/// (`cpu_limit` after `[runners.kubernetes.pod_security_context]`).
pub(crate) fn misplaced_after_header(
    config: &ConfigDoc,
    text: &str,
    issue: &SchemaIssue,
) -> Option<Misplaced> {
    let SchemaIssue::Unknown {
        table, key, path, ..
    } = issue
    else {
        return None;
    };
    let tables = tables_along(path);
    let (_, ancestors) = tables.split_last()?;
    let home = ancestors.iter().rev().find(|t| t.key(key).is_some())?;
    let (key_span, _) = key_spans(config, path)?;
    let start = (key_span.range.start as usize).min(text.len());
    let mut end = text[..start].rfind('\n')?;
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |n| n + 1);
        let line = text[line_start..end].trim();
        if let Some(name) = crate::source::toml::header_name(line) {
            if name != *table {
                return None;
            }
            let offset = text[line_start..end].find('[').unwrap_or(0);
            let header = TextRange::new(line_start + offset, line_start + offset + line.len());
            return Some(Misplaced {
                key_span,
                header_span: Span::new(config.source, header),
                home,
            });
        }
        if line_start == 0 {
            return None;
        }
        end = line_start - 1;
    }
}

/// The runner version of a config: `--runner-version`, else the tag of the runner image its
/// deployment names (see [`crate::analysis::deploy::known_runner_version`]).
pub(crate) fn known_runner_version(
    analysis: &crate::analysis::Analysis,
    config: &ConfigDoc,
) -> Option<KnownVersion> {
    crate::analysis::deploy::known_runner_version(&analysis.inputs, &analysis.settings, config)
}

pub(crate) use crate::analysis::deploy::{KnownVersion, helm_runner_version};

/// What makes a config a registration template rather than the runner's own `config.toml`.
pub(crate) enum TemplateOf {
    /// Helm chart values `runners.config` (or the chart's `config.template.toml` ConfigMap key).
    Helm,
    /// The ConfigMap an Operator `Runner` names in `spec.config`.
    Operator(String),
}

/// Whether a config is merged into the registered runner as a template (reference
/// runner-manager.md §1.9): only its `[[runners]]` entry is used, and only for empty fields.
pub(crate) fn registration_template(
    analysis: &crate::analysis::Analysis,
    config: &ConfigDoc,
) -> Option<TemplateOf> {
    match &config.origin {
        crate::model::load::ConfigOrigin::HelmValues => Some(TemplateOf::Helm),
        crate::model::load::ConfigOrigin::ConfigMap { name, key } => {
            let runner = analysis
                .inputs
                .cluster
                .runners()
                .find(|(_, r)| r.spec.config.as_deref() == Some(name.as_str()));
            match runner {
                Some((_, r)) => Some(TemplateOf::Operator(
                    r.metadata.name.clone().unwrap_or_default(),
                )),
                None if key == "config.template.toml" => Some(TemplateOf::Helm),
                None => None,
            }
        }
        crate::model::load::ConfigOrigin::File => None,
    }
}
