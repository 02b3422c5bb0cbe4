//! Template placeholders in TOML: finds Helm/Go `{{ }}`, Terraform/shell `${ }` and Terraform
//! `%{ }` directives, and masks them so that the TOML around them still parses.
//!
//! The masked text has the same length as the original, byte for byte, so every span of the
//! parsed tree is a span of the original text. A placeholder inside a string stays a string; one
//! in value position becomes a string of the same length; one alone on its line (a directive,
//! an `{{- if }}`) becomes blanks. This module only masks: it never decides what a placeholder
//! means, and the loader reports a template once instead of a cascade of syntax errors.

use super::TextRange;
use super::toml::TomlDocument;
use super::tree::{Node, Value};

/// A text with its placeholders masked.
#[derive(Clone, Debug, PartialEq)]
pub struct Masked {
    /// The text to parse: the original, with every placeholder replaced by same-length text.
    pub text: String,
    /// Where the placeholders are, in document order.
    pub ranges: Vec<TextRange>,
    /// The kinds found (`{{ }}`, `${ }`, `%{ }`), in order of first appearance.
    pub kinds: Vec<&'static str>,
}

#[derive(Clone, Copy, PartialEq)]
enum Str {
    None,
    Basic,
    Literal,
    MultiBasic,
    MultiLiteral,
}

/// Masks the placeholders of a TOML text; `None` when it has none.
///
/// `${NAME}` with an upper-case variable name inside a string is not a placeholder: GitLab
/// Runner expands job variables itself in several keys (`pod_labels`, `mount_path`, PVC names).
pub fn mask(text: &str) -> Option<Masked> {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut ranges = Vec::new();
    let mut kinds: Vec<&'static str> = Vec::new();
    let mut state = Str::None;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let b = bytes[i];
        if let Some((kind, len)) = placeholder_at(rest) {
            let inside = state != Str::None;
            let content = &text[i + 2..i + len - if kind == "{{ }}" { 2 } else { 1 }];
            let runner_variable = kind == "${ }"
                && inside
                && !content.is_empty()
                && content
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !runner_variable {
                let range = TextRange::new(i, i + len);
                let replacement = replacement(text, range, kind, inside);
                out[i..i + len].copy_from_slice(&replacement);
                ranges.push(range);
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
                i += len;
                continue;
            }
        }
        match state {
            Str::None => {
                if rest.starts_with(b"\"\"\"") {
                    state = Str::MultiBasic;
                    i += 3;
                    continue;
                } else if rest.starts_with(b"'''") {
                    state = Str::MultiLiteral;
                    i += 3;
                    continue;
                } else if b == b'"' {
                    state = Str::Basic;
                } else if b == b'\'' {
                    state = Str::Literal;
                } else if b == b'#' {
                    // A comment: skip to the end of the line, placeholders in it are prose.
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
            }
            Str::Basic | Str::MultiBasic if b == b'\\' => {
                i += 2;
                continue;
            }
            Str::Basic if b == b'"' || b == b'\n' => state = Str::None,
            Str::Literal if b == b'\'' || b == b'\n' => state = Str::None,
            Str::MultiBasic if rest.starts_with(b"\"\"\"") => {
                state = Str::None;
                i += 3;
                continue;
            }
            Str::MultiLiteral if rest.starts_with(b"'''") => {
                state = Str::None;
                i += 3;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if ranges.is_empty() {
        return None;
    }
    // Only ASCII bytes replaced whole placeholders, which start and end on ASCII characters.
    let text = String::from_utf8(out).ok()?;
    Some(Masked {
        text,
        ranges,
        kinds,
    })
}

/// The placeholder starting here: its kind and byte length (braces balanced, one line).
fn placeholder_at(rest: &[u8]) -> Option<(&'static str, usize)> {
    if rest.starts_with(b"{{") {
        let end = find_line(rest, b"}}", 2)?;
        return Some(("{{ }}", end + 2));
    }
    let kind = match rest {
        [b'$', b'{', ..] => "${ }",
        [b'%', b'{', ..] => "%{ }",
        _ => return None,
    };
    let mut depth = 0usize;
    for (at, &b) in rest.iter().enumerate().skip(1) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((kind, at + 1));
                }
            }
            b'\n' => return None,
            _ => {}
        }
    }
    None
}

fn find_line(rest: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at + needle.len() <= rest.len() {
        if rest[at] == b'\n' {
            return None;
        }
        if rest[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Same-length text that keeps the TOML around the placeholder valid.
fn replacement(text: &str, range: TextRange, kind: &str, inside_string: bool) -> Vec<u8> {
    let len = range.len();
    let (start, end) = (range.start as usize, range.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
    let before = text[line_start..start].trim();
    let after = text[end..line_end].trim();
    if inside_string {
        // Keep the placeholder readable unless it would end the string early.
        let original = &text[start..end];
        if original.contains(['"', '\'', '\\']) || !original.is_ascii() {
            return vec![b'_'; len];
        }
        return original.as_bytes().to_vec();
    }
    if kind == "%{ }" || before.is_empty() && (after.is_empty() || after.starts_with('#')) {
        return vec![b' '; len];
    }
    if before.is_empty() || before.ends_with('.') || before.ends_with('[') {
        // A key (`${key} = "…"`): a bare key of the same length.
        return vec![b'_'; len];
    }
    let mut out = vec![b'_'; len];
    out[0] = b'"';
    out[len - 1] = b'"';
    out
}

/// Parses a runner config as TOML, its placeholders masked when it has some, with every range
/// of the tree and of the errors on a character boundary of `text`.
///
/// A placeholder holding non-ASCII text (`${var.café}`) is masked byte for byte with ASCII, so
/// the parser may put a range's end inside what is one character of the original, where
/// slicing the original would panic (found by the `embed` fuzz target). Such ends are moved out
/// to the whole character.
pub fn parse_toml(text: &str, masked: Option<&Masked>) -> TomlDocument {
    let Some(masked) = masked else {
        return super::toml::parse(text);
    };
    let mut doc = super::toml::parse(&masked.text);
    if !text.is_ascii() {
        let snap = |range: &mut TextRange| {
            let (mut start, mut end) = (range.start as usize, (range.end as usize).min(text.len()));
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            *range = TextRange::new(start, end);
        };
        for error in &mut doc.errors {
            snap(&mut error.range);
        }
        let mut stack: Vec<&mut Node> = vec![&mut doc.root];
        while let Some(node) = stack.pop() {
            snap(&mut node.range);
            match &mut node.value {
                Value::Map(entries) => {
                    for entry in entries {
                        snap(&mut entry.key_range);
                        stack.push(&mut entry.value);
                    }
                }
                Value::Seq(items) => stack.extend(items.iter_mut()),
                _ => {}
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range of a parsed tree and its errors, for checking them against a text.
    fn all_ranges(doc: &TomlDocument) -> Vec<TextRange> {
        let mut out: Vec<TextRange> = doc.errors.iter().map(|e| e.range).collect();
        out.extend(doc.root.ranges());
        out
    }

    #[test]
    fn ranges_from_a_masked_non_ascii_placeholder_stay_on_character_boundaries() {
        // The `embed` fuzz target's find, reduced by deleting lines and characters while the
        // masked parse still put a range inside the two-byte `ӗ` of the placeholder.
        let text = "=[\"\nt\" \"${ӗ}";
        let masked = mask(text).unwrap();
        let on_boundaries = |ranges: Vec<TextRange>| {
            ranges.iter().all(|r| {
                text.is_char_boundary(r.start as usize) && text.is_char_boundary(r.end as usize)
            })
        };
        assert!(
            !on_boundaries(all_ranges(&crate::source::toml::parse(&masked.text))),
            "the masked parse alone no longer puts a range inside `ӗ`: this test checks nothing"
        );
        let doc = parse_toml(text, Some(&masked));
        assert!(!doc.errors.is_empty());
        assert!(on_boundaries(all_ranges(&doc)), "{:?}", all_ranges(&doc));
    }

    #[test]
    fn placeholders_become_parseable_toml_of_the_same_length() {
        let text = "[[runners]]\n%{if x~}\n  a = \"${var.a}\"\n%{endif}\n  b = ${var.b}\n  ${k} = \"v\"\n  n = \"{{ printf \"%s\" .V }}\"\n  l = \"${CI_JOB_ID}\"\n# ${not} in a comment\n";
        let masked = mask(text).unwrap();
        assert_eq!(masked.text.len(), text.len());
        assert_eq!(masked.ranges.len(), 6);
        assert_eq!(masked.kinds, ["%{ }", "${ }", "{{ }}"]);
        let doc = crate::source::toml::parse(&masked.text);
        assert!(doc.errors.is_empty(), "{:?}\n{}", doc.errors, masked.text);
        assert!(masked.text.contains("\"${CI_JOB_ID}\""));
    }

    #[test]
    fn plain_toml_has_no_placeholders() {
        assert_eq!(mask("a = \"${CI_PROJECT_ID}\" # ${x}\nb = '{'\n"), None);
    }
}
