//! `RD1xx`: the runner configuration itself — keys the runner ignores, wrong types, removed keys.

pub(crate) mod cache_shared_without_type;
pub(crate) mod docker_only_key;
pub(crate) mod removed_config_key;
pub(crate) mod session_server_without_listen_address;
pub(crate) mod unknown_config_key;
pub(crate) mod wrong_config_type;

use crate::model::load::ConfigDoc;
use crate::model::schema::{PathStep, SchemaIssue};
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
        | SchemaIssue::Removed { path, .. } => path,
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

/// A range that covers a key's text only (TOML keys may be quoted).
pub(crate) fn key_text_range(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.as_range()];
    if slice.starts_with('"') || slice.starts_with('\'') {
        TextRange::new(range.start as usize + 1, range.end as usize - 1)
    } else {
        range
    }
}
