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
    fn strings_are_quoted() {
        let quoted = toml_string("a\"b");
        let parsed: toml::Table = toml::from_str(&format!("k = {quoted}")).unwrap();
        assert_eq!(parsed["k"].as_str(), Some("a\"b"));
        assert_eq!(toml_string("plain"), "\"plain\"");
    }
}
