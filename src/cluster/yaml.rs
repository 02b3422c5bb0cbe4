//! Writes JSON values (what the API server returns) as block-style YAML for the snapshot.
//!
//! Multi-line strings, such as a ConfigMap's `config.toml`, become literal block scalars, so
//! that findings inside them point at the line in the snapshot, as they do in the user's own
//! ConfigMap files. Every other string is plain when that cannot change its meaning, and
//! double-quoted (with JSON's escapes, which YAML shares) otherwise.

use serde_json::Value;

/// The YAML text of one value as a document body (no `---`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit(value, 0, &mut out);
    out
}

fn emit(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                out.push_str(&" ".repeat(indent));
                out.push_str(&scalar_string(key));
                out.push(':');
                emit_after_key(value, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                // The item is written one level in, then its first indentation becomes `- `.
                let mut nested = String::new();
                match item {
                    Value::Object(m) if !m.is_empty() => emit(item, indent + 2, &mut nested),
                    Value::Array(a) if !a.is_empty() => emit(item, indent + 2, &mut nested),
                    _ => {
                        nested.push_str(&" ".repeat(indent + 2));
                        let mut line = String::new();
                        emit_scalar(item, indent + 2, &mut line);
                        nested.push_str(line.trim_start());
                    }
                }
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                out.push_str(&nested[indent + 2..]);
            }
        }
        _ => {
            out.push_str(&" ".repeat(indent));
            let mut line = String::new();
            emit_scalar(value, indent, &mut line);
            out.push_str(line.trim_start());
        }
    }
}

fn emit_after_key(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit(value, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit(value, indent + 2, out);
        }
        _ => emit_scalar(value, indent, out),
    }
}

/// A scalar after a key or `- ` (a leading space, then the value and its newline).
fn emit_scalar(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str(" null\n"),
        Value::Bool(b) => out.push_str(&format!(" {b}\n")),
        Value::Number(n) => out.push_str(&format!(" {n}\n")),
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        Value::String(s) if is_block(s) => block(s, indent + 2, out),
        Value::String(s) => {
            out.push(' ');
            out.push_str(&scalar_string(s));
            out.push('\n');
        }
    }
}

/// Multi-line text without characters a literal block cannot hold.
fn is_block(s: &str) -> bool {
    s.contains('\n')
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}')
        && !s.starts_with('\t')
}

fn block(s: &str, indent: usize, out: &mut String) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let (chomp, body) = match trailing {
        0 => ("-", s),
        1 => ("", &s[..s.len() - 1]),
        _ => ("+", &s[..s.len() - 1]),
    };
    // A first line that starts with a space would be read as more indentation.
    let indicator = if body.starts_with(' ') || body.starts_with('\n') {
        "2"
    } else {
        ""
    };
    out.push_str(&format!(" |{indicator}{chomp}\n"));
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// A key or a one-line string: plain when unambiguous, double-quoted otherwise.
fn scalar_string(s: &str) -> String {
    const RESERVED: &[&str] = &[
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        // JSON's string escapes are a subset of YAML's double-quoted ones.
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_block_style_with_literal_blocks() {
        let value = serde_json::json!({
            "kind": "List",
            "items": [
                {"metadata": {"name": "a", "labels": {}}, "data": {"config.toml": "concurrent = 1\n[[runners]]\n  name = \"x\"\n"}},
                {"n": 1, "t": true, "s": "yes", "e": [], "list": ["a b", 2, ["x"]]}
            ]
        });
        let text = to_yaml(&value);
        // serde_json keeps keys sorted (no `preserve_order`); `n` is quoted: YAML 1.1 reads it as false.
        assert_eq!(
            text,
            "items:\n  - data:\n      config.toml: |\n        concurrent = 1\n        [[runners]]\n          name = \"x\"\n    metadata:\n      labels: {}\n      name: a\n  - e: []\n    list:\n      - \"a b\"\n      - 2\n      - - x\n    \"n\": 1\n    s: \"yes\"\n    t: true\nkind: List\n"
        );
    }

    #[test]
    fn block_chomping_and_leading_space_are_kept() {
        for s in [
            "a\nb",
            "a\nb\n",
            "a\n\n",
            " indented\nnext\n",
            "\nfirst empty\n",
        ] {
            let text = to_yaml(&serde_json::json!({ "k": s }));
            let parsed = crate::source::yaml::parse(&text);
            assert!(parsed.errors.is_empty(), "{text}");
            let root = &parsed.documents[0].root;
            assert_eq!(
                root.get("k").and_then(crate::source::Node::as_str),
                Some(s),
                "{text}"
            );
        }
    }
}
