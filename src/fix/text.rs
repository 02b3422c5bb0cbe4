//! Text helpers for building edits on TOML source: which bytes to remove so that a key or a
//! table goes away with its line but every comment stays, and how to write a new value.
//!
//! They work on the (possibly embedded) TOML text a rule sees; the engine maps the ranges into
//! the host file. Nothing here re-serialises a document: `toml_edit` only renders new values.

use crate::diagnostic::Edit;
use crate::source::{SourceId, Span, TextRange};

/// The range that removes `key = value` at `range`: its whole line when nothing else is on
/// it, keeping a trailing comment (`a = 1 # why` leaves `# why` where it was).
pub fn remove_entry(text: &str, range: TextRange) -> TextRange {
    let start = range.start as usize;
    let end = (range.end as usize).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let before = &text[line_start..start];
    let after = &text[end..line_end];
    let after_trimmed = after.trim_start();
    if !before.trim().is_empty() {
        // Something precedes it on the line (an inline table): remove only the entry.
        return range;
    }
    if after_trimmed.starts_with('#') {
        // Keep the comment, at the entry's place.
        let comment = end + (after.len() - after_trimmed.len());
        return TextRange::new(start, comment);
    }
    if !after_trimmed.trim_end().is_empty() {
        return range;
    }
    let next = if line_end < text.len() {
        line_end + 1
    } else {
        line_end
    };
    // At the very end of a text without a final newline, eat the newline before instead.
    if next == text.len() && line_end == text.len() && line_start > 0 {
        return TextRange::new(line_start - 1, next);
    }
    TextRange::new(line_start, next)
}

/// The ranges that remove a table, from its `[header]` line at `header` up to the next
/// header, keeping every comment line (a comment before the next table is usually about it).
pub fn remove_table(text: &str, header: usize) -> Vec<TextRange> {
    let line_start = text[..header.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut out: Vec<TextRange> = Vec::new();
    let mut offset = line_start;
    let mut first = true;
    for line in text[line_start..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !first && trimmed.starts_with('[') {
            break;
        }
        first = false;
        let range = TextRange::new(offset, offset + line.len());
        offset += line.len();
        if trimmed.starts_with('#') {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => out.push(range),
        }
    }
    out
}

/// The whole lines of an entry (TOML `key = value`, or a YAML block-mapping entry), from the
/// comment lines directly above it (no blank line between) to the end of the line its value
/// ends on, newline included: what moves when an entry moves. `None` when anything else shares
/// its first or last line.
pub fn entry_lines(text: &str, entry: TextRange) -> Option<TextRange> {
    let start = (entry.start as usize).min(text.len());
    let end = (entry.end as usize).clamp(start, text.len());
    let mut block_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if !text[block_start..start].trim().is_empty() {
        return None;
    }
    // A YAML value may end just after its line break; the entry then ends on the line before.
    let last = if end > start && text.as_bytes()[end - 1] == b'\n' {
        end - 1
    } else {
        end
    };
    let line_end = text[last..].find('\n').map_or(text.len(), |i| last + i);
    let tail = text[last..line_end].trim();
    if !tail.is_empty() && !tail.starts_with('#') {
        return None;
    }
    while block_start > 0 {
        let above_start = text[..block_start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !text[above_start..block_start - 1]
            .trim_start()
            .starts_with('#')
        {
            break;
        }
        block_start = above_start;
    }
    Some(TextRange::new(block_start, (line_end + 1).min(text.len())))
}

/// Whether the line holding `offset` is a TOML table header (`[a.b]`, `[[a]]`).
pub fn on_header_line(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    crate::source::toml::header_name(&text[line_start..line_end]).is_some()
}

/// The end (after its newline) of the nearest TOML header line named `name` (dotted, as
/// [`crate::source::toml::header_name`] gives it) that starts before `offset`.
pub fn header_line_end_before(text: &str, offset: usize, name: &str) -> Option<usize> {
    let mut end = text[..offset.min(text.len())].rfind('\n')?;
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        if crate::source::toml::header_name(&text[line_start..end]).as_deref() == Some(name) {
            return Some(end + 1);
        }
        if line_start == 0 {
            return None;
        }
        end = line_start - 1;
    }
}

/// The start of the first TOML header line at or after `offset`, or the text's end.
pub fn next_header_start(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    for line in text[at..].split_inclusive('\n') {
        if crate::source::toml::header_name(line).is_some() {
            return at;
        }
        at += line.len();
    }
    text.len()
}

/// Where a new key of a TOML table goes, and the indentation it gets: after the last line of
/// the table's own key-values written between `body_start` (just after its header line, or 0
/// for the top level) and `limit`, with that key's indentation; else right after the header,
/// indented one step (two spaces) more than the header.
pub fn table_insertion(
    text: &str,
    table: &crate::source::tree::Node,
    body_start: usize,
    limit: usize,
) -> (usize, usize) {
    let last = table
        .entries()
        .iter()
        .filter(|e| {
            let start = e.key_range.start as usize;
            start >= body_start && start < limit && !on_header_line(text, start)
        })
        .max_by_key(|e| e.value.range.end);
    match last {
        Some(entry) => {
            let end = entry.value.range.end as usize;
            let at = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
            (at, column(text, entry.key_range.start as usize))
        }
        None if body_start == 0 => (0, 0),
        None => {
            let header_start = text[..body_start - 1].rfind('\n').map_or(0, |i| i + 1);
            let header_indent = column(text, header_start)
                + (text[header_start..].len() - text[header_start..].trim_start().len());
            (body_start, header_indent + 2)
        }
    }
}

/// The header lines of one `[[runners]]` entry, its own first, as (line start, line end before
/// the newline, dotted name); and where the entry ends: the next `[[runners]]` line, or the
/// text's end.
pub fn runner_headers(text: &str, runner_start: usize) -> (Vec<(usize, usize, String)>, usize) {
    let mut offset = text[..runner_start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut out = Vec::new();
    for line in text[offset..].split_inclusive('\n') {
        if let Some(name) = crate::source::toml::header_name(line) {
            if name == "runners" && !out.is_empty() {
                return (out, offset);
            }
            out.push((
                offset,
                offset + line.trim_end_matches(['\n', '\r']).len(),
                name,
            ));
        }
        offset += line.len();
    }
    (out, text.len())
}

/// The column of the byte at `offset` (bytes since its line's start).
pub fn column(text: &str, offset: usize) -> usize {
    offset - text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// `lines` indented from column `from` to column `to`: each line loses the `from` leading
/// spaces it has (fewer when it has fewer) and gains `to`. Blank lines stay blank.
pub fn reindent(lines: &str, from: usize, to: usize) -> String {
    let pad = " ".repeat(to);
    let mut out = String::with_capacity(lines.len());
    for line in lines.split_inclusive('\n') {
        if line.trim().is_empty() {
            out.push_str(line);
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&pad);
        out.push_str(&line[spaces.min(from)..]);
    }
    out
}

/// A TOML basic string for `value`, quoted and escaped the way `toml_edit` writes it.
pub fn toml_string(value: &str) -> String {
    toml_edit::Value::from(value).to_string().trim().to_string()
}

/// An edit in the given source.
pub fn edit(source: SourceId, range: TextRange, replacement: impl Into<String>) -> Edit {
    Edit {
        span: Span::new(source, range),
        replacement: replacement.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, range: TextRange) -> String {
        let mut out = text.to_string();
        out.replace_range(range.as_range(), "");
        out
    }

    #[test]
    fn an_entry_goes_with_its_line() {
        let text = "[a]\n  x = 1\n  y = 2\n";
        let at = text.find("x = 1").unwrap();
        let r = remove_entry(text, TextRange::new(at, at + 5));
        assert_eq!(apply(text, r), "[a]\n  y = 2\n");
    }

    #[test]
    fn a_trailing_comment_stays() {
        let text = "x = 1 # why\ny = 2\n";
        let r = remove_entry(text, TextRange::new(0, 5));
        assert_eq!(apply(text, r), "# why\ny = 2\n");
    }

    #[test]
    fn a_table_goes_but_its_comments_stay() {
        let text = "a = 1\n[s]\n  t = 2\n# about b\n[b]\n";
        let ranges = remove_table(text, text.find("[s]").unwrap());
        let mut out = text.to_string();
        for r in ranges.iter().rev() {
            out.replace_range(r.as_range(), "");
        }
        assert_eq!(out, "a = 1\n# about b\n[b]\n");
    }

    #[test]
    fn an_entry_moves_with_the_comments_right_above_it() {
        let text = "a = 1\n\n# about b\n# more\nb = [\n  2,\n] # end\nc = 3\n";
        let at = text.find("b = [").unwrap();
        let end = text.find(']').unwrap() + 1;
        let r = entry_lines(text, TextRange::new(at, end)).unwrap();
        assert_eq!(
            &text[r.as_range()],
            "# about b\n# more\nb = [\n  2,\n] # end\n"
        );
        // Something else on its line: not movable as lines.
        let inline = "x = { b = 2 }\n";
        let at = inline.find("b = 2").unwrap();
        assert_eq!(entry_lines(inline, TextRange::new(at, at + 5)), None);
    }

    #[test]
    fn lines_are_reindented() {
        assert_eq!(
            reindent("  a: 1\n\n    b: 2\n", 2, 4),
            "    a: 1\n\n      b: 2\n"
        );
        assert_eq!(column("ab\n  c", 5), 2);
    }

    #[test]
    fn strings_are_quoted() {
        let quoted = toml_string("a\"b");
        let parsed: toml::Table = toml::from_str(&format!("k = {quoted}")).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("a\"b"));
        assert_eq!(toml_string("plain"), "\"plain\"");
    }
}
