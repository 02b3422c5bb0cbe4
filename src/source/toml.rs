//! TOML to a spanned tree, with recovery: a syntax error is reported and the rest still read.
//!
//! Parsing is `toml`'s own recoverable parser (`DeTable::parse_recoverable`); this module only
//! converts its spanned values into the shared [`Node`] tree.
//!
//! Bounds on hostile input: `toml`'s parser refuses nesting past its recursion limit (arrays,
//! inline tables and dotted keys alike) with an error, reported here as "nesting too deep";
//! so the tree is shallow enough for every recursive walk. Strings are as long as the input
//! allows, i.e. at most `--max-input-size`.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::TextRange;
use super::tree::{Entry, Node, StrStyle, Value};

/// A TOML syntax error with where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct TomlError {
    pub range: TextRange,
    pub message: String,
}

/// A parsed TOML document: the tree (possibly partial) and the syntax errors.
#[derive(Clone, Debug)]
pub struct TomlDocument {
    pub root: Node,
    pub errors: Vec<TomlError>,
}

pub fn parse(text: &str) -> TomlDocument {
    let (table, errors) = DeTable::parse_recoverable(text);
    let errors = errors
        .into_iter()
        .map(|e| {
            let range = e
                .span()
                .map_or(TextRange::empty_at(0), |r| TextRange::new(r.start, r.end));
            let message = e.message().trim_end();
            let message = if message.contains("recursion") {
                // toml's wording ("recursion limit") names its implementation, not the input.
                "nesting too deep (arrays, inline tables or dotted keys); the parser stops here and the rest of the document is not read".to_string()
            } else {
                message.to_string()
            };
            TomlError { range, message }
        })
        .collect();
    let span = table.span();
    let root = Node::new(
        TextRange::new(span.start, span.end),
        Value::Map(convert_table(table.get_ref())),
    );
    TomlDocument { root, errors }
}

fn convert_table(table: &DeTable<'_>) -> Vec<Entry> {
    table
        .iter()
        .map(|(key, value)| Entry {
            key: key.get_ref().to_string(),
            key_range: TextRange::new(key.span().start, key.span().end),
            value: convert(value),
        })
        .collect()
}

fn convert(value: &Spanned<DeValue<'_>>) -> Node {
    let span = value.span();
    let range = TextRange::new(span.start, span.end);
    let converted = match value.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string(), StrStyle::Toml),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|&c| c != '_').collect();
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::Int(n),
                // Out of range for i64: keep the text so nothing is lost.
                Err(_) => Value::Str(i.to_string(), StrStyle::Plain),
            }
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|&c| c != '_').collect();
            let parsed = match text.trim_start_matches(['+', '-']) {
                "inf" => Some(if text.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }),
                "nan" => Some(f64::NAN),
                _ => text.parse().ok(),
            };
            parsed.map_or_else(|| Value::Str(text, StrStyle::Plain), Value::Float)
        }
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Str(d.to_string(), StrStyle::Plain),
        DeValue::Array(items) => Value::Seq(items.iter().map(convert).collect()),
        DeValue::Table(table) => Value::Map(convert_table(table)),
    };
    Node::new(range, converted)
}

/// The table a header line opens (`[runners.kubernetes]`, `[[runners]]`), as a dotted name
/// without brackets, quotes, spaces or trailing comment; `None` for any other line.
pub fn header_name(line: &str) -> Option<String> {
    let line = line.trim();
    line.starts_with('[').then(|| {
        line.split('#')
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ' ' | '\t' | '"' | '\''))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tree::Seg;

    #[test]
    fn keys_and_values_keep_their_ranges() {
        let text = "[[runners]]\n  name = \"é\"\n  [runners.kubernetes]\n    privileged = true\n";
        let doc = parse(text);
        assert!(doc.errors.is_empty());
        let path = [
            Seg::Key("runners"),
            Seg::Index(0),
            Seg::Key("kubernetes"),
            Seg::Key("privileged"),
        ];
        let (key, value) = doc.root.key_value_range(&path).unwrap();
        assert_eq!(&text[value.as_range()], "true");
        assert_eq!(&text[key.as_range()], "privileged = true");
    }

    #[test]
    fn a_syntax_error_keeps_the_rest() {
        let doc = parse("a = 1\nb = \nc = 3\n");
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(doc.root.get("c").and_then(Node::as_i64), Some(3));
    }
}
