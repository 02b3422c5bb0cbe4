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
pub(crate) fn schema_issues(configs: &[ConfigDoc]) -> Vec<(&ConfigDoc, SchemaIssue)> {
    configs
        .iter()
        .flat_map(|c| {
            crate::model::schema::validate(&c.root)
                .into_iter()
                .map(move |i| (c, i))
        })
        .collect()
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
