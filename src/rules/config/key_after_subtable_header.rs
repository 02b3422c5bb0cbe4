use crate::diagnostic::{Applicability, Fix};
use crate::model::load::ConfigDoc;
use crate::model::schema::PathStep;
use crate::rules::{Context, declare_rule};
use crate::source::TextRange;
use crate::source::tree::Seg;

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
    /// ## Fix safety
    /// The fix moves the key, with the comment lines directly above it, to the end of the keys
    /// of the table it belongs to, keeping its text, re-indented as those keys are. It is unsafe: the setting
    /// then starts to apply, which is what it was written for but changes the job pods (a
    /// `privileged = true` moved this way makes them privileged). There is no fix when that
    /// table already has the key, or when the table has no header of its own to move it under
    /// (it is only implied by a dotted header or an inline table).
    ///
    /// ## References
    /// - [TOML 1.0: tables](https://toml.io/en/v1.0.0#table)
    pub static KEY_AFTER_SUBTABLE_HEADER = {
        code: "RD108",
        name: "key-after-subtable-header",
        group: Correctness,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    let sources = &cx.analysis.inputs.sources;
    let mut found = Vec::new();
    for (config, issue) in super::schema_issues(&cx.analysis.inputs.configs) {
        let text = &sources.get(config.source).text;
        if let Some(m) = super::misplaced_after_header(config, text, &issue) {
            let crate::model::schema::SchemaIssue::Unknown { key, path, .. } = issue else {
                continue;
            };
            let header = text[m.header_span.range.as_range()].to_string();
            let fix = move_to_home(config, text, &m, &key, &path);
            found.push((m, header, key, fix));
        }
    }
    for (m, header, key, fix) in found {
        let home = super::table_name(m.home.path);
        let diagnostic = cx.report(
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
        if let Some(fix) = fix {
            diagnostic.fix(fix);
        }
    }
}

/// Moves the misplaced entry (its lines, with the comment lines right above it) to the end of
/// the keys of its home table: after the home table's last key-value line that precedes the
/// subtable, or right after the home table's header when it has none.
fn move_to_home(
    config: &ConfigDoc,
    text: &str,
    misplaced: &super::Misplaced,
    key: &str,
    path: &[PathStep],
) -> Option<Fix> {
    let home_path = home_steps(path, misplaced.home.path)?;
    let segs: Vec<Seg<'_>> = home_path.iter().map(PathStep::as_seg).collect();
    let home = config.root.at(&segs)?;
    if home.entry(key).is_some() {
        return None; // moving it would write the key twice
    }
    let subtable_header = misplaced.header_span.range.start as usize;
    // The home table's body starts after its own header (the nearest one above the subtable
    // with the home table's name), or at the top of the text for the top level.
    let body_start = if misplaced.home.path.is_empty() {
        0
    } else {
        crate::fix::text::header_line_end_before(text, subtable_header, misplaced.home.path)?
    };
    let (insert_at, indent) =
        crate::fix::text::table_insertion(text, home, body_start, subtable_header);
    let (_, entry) = super::key_spans(config, path)?;
    let block = crate::fix::text::entry_lines(text, entry.range)?;
    if (block.start as usize) < insert_at {
        return None;
    }
    // Re-indented to the home table's keys, so that it reads as one of them.
    let from = crate::fix::text::column(text, entry.range.start as usize);
    let mut moved = crate::fix::text::reindent(&text[block.as_range()], from, indent);
    if !moved.ends_with('\n') {
        moved.push('\n');
    }
    // At the very end of a text without a final newline, keep the text's last line ending.
    let removed = if block.end as usize == text.len() && !text.ends_with('\n') && block.start > 0 {
        TextRange::new(block.start as usize - 1, block.end as usize)
    } else {
        block
    };
    let source = config.source;
    Some(Fix {
        title: format!("move `{key}` to {}", super::table_name(misplaced.home.path)),
        edits: vec![
            crate::fix::text::edit(source, TextRange::new(insert_at, insert_at), moved),
            crate::fix::text::edit(source, removed, ""),
        ],
        applicability: Applicability::Unsafe,
    })
}

/// The path steps of the home table: the issue's path cut after the key that names it (with
/// the index of an array-of-tables entry such as `[[runners]]`).
fn home_steps(path: &[PathStep], home: &str) -> Option<Vec<PathStep>> {
    let wanted = if home.is_empty() {
        0
    } else {
        home.split('.').count()
    };
    let mut keys = 0;
    let mut out = Vec::new();
    for step in path {
        if let PathStep::Key(_) = step {
            if keys == wanted {
                break;
            }
            keys += 1;
        }
        out.push(step.clone());
    }
    (keys == wanted).then_some(out)
}
