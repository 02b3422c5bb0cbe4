//! YAML to spanned trees, one per document, built from saphyr-parser's event stream.
//!
//! saphyr-parser was chosen because it reports a span for every event (so every node and key
//! gets one), and building the tree ourselves lets us bound alias expansion and keep scalar
//! styles, which the embedded-TOML map needs. Its markers count characters, not bytes, so
//! they are converted here; nothing downstream sees a character index.
//!
//! Plain scalars resolve as Kubernetes tooling resolves them: `kubectl`, `oc` and Helm decode
//! YAML through sigs.k8s.io/yaml, i.e. go-yaml v2, which follows YAML 1.1 — `yes`/`on` are
//! booleans and `0644` is octal (go-yaml v2 `resolve.go`). GitLab parses `.gitlab-ci.yml` with
//! Ruby's Psych, also YAML 1.1.
//!
//! Bounds on hostile input, each reported as a YAML error at the place it was hit:
//! - aliases may add at most [`ALIAS_EXPANSION_BUDGET`] nodes per document (a "billion laughs"
//!   document stops at the alias that would exceed it, and the rest of the stream is skipped);
//! - collections nest at most [`MAX_DEPTH`] deep (saphyr-parser has its own, lower, limit for
//!   flow collections), so every recursive walk of the tree is bounded;
//! - a scalar is as long as the input allows, i.e. at most `--max-input-size`;
//! - a flow collection (`[…]`, `{…}`, a whole JSON document) may span at most
//!   [`MAX_FLOW_COLLECTION`] bytes: saphyr-parser's scanner buffers every token of a flow
//!   collection before it yields the first event (measured: a 60 MiB `[1,1,…]` took 10.9 GB
//!   and 19 s before the first event; a 96 MB `oc get -o json` dump 1.4 GB), so a larger one is
//!   refused before parsing, at its first byte. `admit --audit` reads JSON dumps of any size
//!   through its own JSON path.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::TextRange;
use super::tree::{Entry, Node, StrStyle, Value};

/// Nodes an alias may add, in total per document, before expansion stops (alias bombs).
pub const ALIAS_EXPANSION_BUDGET: usize = 100_000;
/// Nesting deeper than this is refused, to keep recursion bounded.
pub const MAX_DEPTH: usize = 256;
/// Longest flow collection read, in bytes (see the module documentation).
pub const MAX_FLOW_COLLECTION: usize = 2 << 20;

/// One YAML document of a stream.
#[derive(Clone, Debug)]
pub struct YamlDocument {
    /// The byte range the document covers.
    pub range: TextRange,
    pub root: Node,
}

/// A problem found while reading YAML, with the byte offset it concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub range: TextRange,
    pub message: String,
}

/// The documents that could be read, and the errors. Documents before a syntax error are kept.
#[derive(Clone, Debug, Default)]
pub struct YamlStream {
    pub documents: Vec<YamlDocument>,
    pub errors: Vec<YamlError>,
}

/// Converts saphyr's character indexes into byte offsets.
struct Offsets {
    /// Byte offset of each character, plus the text length; empty when the text is ASCII.
    char_starts: Vec<u32>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let char_starts = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i as u32)
                .chain(std::iter::once(text.len() as u32))
                .collect()
        };
        Self {
            char_starts,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.char_starts.is_empty() {
            char_index.min(self.len)
        } else {
            self.char_starts
                .get(char_index)
                .map_or(self.len, |&b| b as usize)
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(String, TextRange)>,
    },
}

/// Parses a YAML stream into spanned documents.
pub fn parse(text: &str) -> YamlStream {
    match oversized_flow_collection(text, MAX_FLOW_COLLECTION) {
        None => parse_within_bounds(text),
        Some(at) => {
            // The documents before the one holding it are read; the rest is skipped, as after
            // a syntax error.
            let doc_start = document_start_before(text, at);
            let mut out = parse_within_bounds(&text[..doc_start]);
            out.errors.push(YamlError {
                range: TextRange::new(at, at + 1),
                message: format!(
                    "a flow collection (`[…]` or `{{…}}`, as in JSON) over {} MiB; runner-doctor refuses it unread, since reading it would take hundreds of times its size in memory: write it in block style (`oc get -o yaml`), or give a JSON dump to `admit --audit`, which streams it",
                    MAX_FLOW_COLLECTION >> 20
                ),
            });
            out
        }
    }
}

/// The start of the line opening the document that holds `offset`: just after the last
/// `---` line before it, or 0.
fn document_start_before(text: &str, offset: usize) -> usize {
    let mut start = 0;
    let mut line_start = 0;
    for line in text[..offset.min(text.len())].split_inclusive('\n') {
        let next = line_start + line.len();
        if line.starts_with("---") && next <= offset {
            start = line_start;
        }
        line_start = next;
    }
    start
}

/// The first byte of the first flow collection that spans more than `limit` bytes (or runs
/// to the end of the text unclosed, past `limit`), found by a light scan that knows just
/// enough YAML for this: comments, quoted scalars, block scalars (`|`, `>`) whose content is
/// never flow, and where a node may start in block context (a line's start, after `- `,
/// `? `, `: `, or an anchor or tag). A `[` or `{` inside a plain scalar is text, as in YAML.
pub(crate) fn oversized_flow_collection(text: &str, limit: usize) -> Option<usize> {
    if text.len() <= limit {
        return None;
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut flow_start = 0usize;
    let mut quote: Option<u8> = None;
    // The indentation above which lines belong to a block scalar's content.
    let mut block_scalar: Option<usize> = None;
    let mut line_start = 0usize;
    while line_start < bytes.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(bytes.len(), |i| line_start + i);
        let line = &bytes[line_start..line_end];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if let Some(parent) = block_scalar {
            let blank = line.iter().all(|b| b.is_ascii_whitespace());
            if blank || indent > parent {
                line_start = line_end + 1;
                continue;
            }
            block_scalar = None;
        }
        if depth == 0 && quote.is_none() && (line.starts_with(b"---") || line.starts_with(b"...")) {
            line_start = line_end + 1;
            continue;
        }
        // Whether a node may start at the next non-blank byte (block context).
        let mut node_may_start = true;
        let mut i = indent;
        while i < line.len() {
            let b = line[i];
            // The last non-blank byte before this one on the line (`\n` at its start).
            let previous = || {
                line[..i]
                    .iter()
                    .rev()
                    .find(|p| !matches!(p, b' ' | b'\t'))
                    .copied()
                    .unwrap_or(b'\n')
            };
            let prev_blank = i == 0 || line[i - 1] == b' ' || line[i - 1] == b'\t';
            if let Some(q) = quote {
                if q == b'"' && b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == q {
                    if q == b'\'' && line.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                }
                i += 1;
                continue;
            }
            match b {
                b'#' if prev_blank => break,
                b' ' | b'\t' => {}
                // In flow context a quote starts a scalar only where a node may start (after
                // `[`, `{`, `,`, `:` or at a line's start): `[it's]` is a plain scalar.
                b'"' | b'\''
                    if node_may_start
                        || depth > 0 && matches!(previous(), b'\n' | b'[' | b'{' | b',' | b':') =>
                {
                    quote = Some(b);
                    node_may_start = false;
                }
                b'[' | b'{' if depth > 0 || node_may_start => {
                    if depth == 0 {
                        flow_start = line_start + i;
                    }
                    depth += 1;
                    node_may_start = false;
                }
                b']' | b'}' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 && line_start + i - flow_start > limit {
                        return Some(flow_start);
                    }
                }
                b'|' | b'>' if depth == 0 && node_may_start => {
                    block_scalar = Some(indent);
                    break;
                }
                b'-' | b'?' | b':'
                    if depth == 0 && line.get(i + 1).is_none_or(|n| *n == b' ' || *n == b'\t') =>
                {
                    node_may_start = true;
                }
                b'&' | b'!' if depth == 0 && node_may_start => {
                    // An anchor or tag: the node itself starts after it.
                    while i < line.len() && line[i] != b' ' {
                        i += 1;
                    }
                    continue;
                }
                _ if depth == 0 => node_may_start = false,
                _ => {}
            }
            i += 1;
        }
        line_start = line_end + 1;
    }
    (depth > 0 && bytes.len() - flow_start > limit).then_some(flow_start)
}

fn parse_within_bounds(text: &str) -> YamlStream {
    let offsets = Offsets::new(text);
    let mut out = YamlStream::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = Default::default();
    let mut doc_start = 0usize;
    let mut root: Option<Node> = None;
    let mut alias_budget = ALIAS_EXPANSION_BUDGET;

    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(pair) => pair,
            Err(err) => {
                out.errors.push(scan_error(&offsets, &err));
                break;
            }
        };
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                doc_start = start;
                root = None;
                anchors.clear();
                alias_budget = ALIAS_EXPANSION_BUDGET;
                continue;
            }
            Event::DocumentEnd => {
                let doc_end = end.max(root.as_ref().map_or(start, |r| r.range.end as usize));
                let root = root
                    .take()
                    .unwrap_or_else(|| Node::new(TextRange::new(doc_start, doc_end), Value::Null));
                out.documents.push(YamlDocument {
                    range: TextRange::new(doc_start, doc_end),
                    root,
                });
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if stack.len() >= MAX_DEPTH =>
            {
                let _ = anchor;
                out.errors.push(YamlError {
                    range: TextRange::new(start, end),
                    message: format!("nesting deeper than {MAX_DEPTH} levels"),
                });
                return out;
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        start: s,
                        anchor,
                        mut items,
                    }) => {
                        // A finished collection keeps no spare capacity: a Vec grows to four
                        // entries at its first push, and small mappings are most of a dump.
                        items.shrink_to_fit();
                        let end = items.last().map_or(end, |n| n.range.end as usize).max(s);
                        (Node::new(TextRange::new(s, end), Value::Seq(items)), anchor)
                    }
                    Some(Frame::Map {
                        start: s,
                        anchor,
                        mut entries,
                        ..
                    }) => {
                        entries.shrink_to_fit();
                        let end = entries
                            .last()
                            .map_or(end, |e| e.value.range.end as usize)
                            .max(s);
                        (
                            Node::new(TextRange::new(s, end), Value::Map(entries)),
                            anchor,
                        )
                    }
                    None => continue,
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| t.suffix.clone());
                // Mapping keys keep their text: a key `y` or `on` names a field, not a boolean.
                let is_key = matches!(
                    stack.last(),
                    Some(Frame::Map {
                        pending_key: None,
                        ..
                    })
                );
                let value = if is_key {
                    Value::Str(value.to_string(), StrStyle::Plain)
                } else {
                    resolve_scalar(&value, style, tag.as_deref())
                };
                let node = Node::new(TextRange::new(start, end), value);
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(target) => {
                    let size = target.size();
                    if size > alias_budget {
                        out.errors.push(YamlError {
                            range: TextRange::new(start, end),
                            message: format!(
                                "alias expansion exceeds {ALIAS_EXPANSION_BUDGET} nodes (an alias bomb?); the rest of the document is skipped"
                            ),
                        });
                        return out;
                    }
                    alias_budget -= size;
                    let mut copy = target.clone();
                    // The alias is where the value is used, so point there.
                    copy.range = TextRange::new(start, end);
                    copy
                }
                None => {
                    out.errors.push(YamlError {
                        range: TextRange::new(start, end),
                        message: "alias to an unknown anchor".into(),
                    });
                    Node::new(TextRange::new(start, end), Value::Null)
                }
            },
        };
        attach(&mut stack, &mut root, node);
    }
    out
}

fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map {
            entries,
            pending_key,
            ..
        }) => match pending_key.take() {
            None => {
                let key = match &node.value {
                    Value::Str(s, _) => s.clone(),
                    Value::Null => String::new(),
                    other => scalar_text(other),
                };
                *pending_key = Some((key, node.range));
            }
            Some((key, key_range)) if key == "<<" => merge_into(entries, node, key_range),
            Some((key, key_range)) => entries.push(Entry {
                key,
                key_range,
                value: node,
            }),
        },
    }
}

/// YAML merge keys (`<<: *defaults`), which go-yaml v2 honours: keys already present win.
fn merge_into(entries: &mut Vec<Entry>, node: Node, key_range: TextRange) {
    let sources: Vec<Node> = match node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items,
        _ => {
            entries.push(Entry {
                key: "<<".into(),
                key_range,
                value: node,
            });
            return;
        }
    };
    // A set, not a scan per key: a merged map can hold as many keys as the alias budget allows.
    let mut present: std::collections::HashSet<String> =
        entries.iter().map(|e| e.key.clone()).collect();
    for source in sources {
        if let Value::Map(extra) = source.value {
            for e in extra {
                if present.insert(e.key.clone()) {
                    entries.push(e);
                }
            }
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s, _) => s.clone(),
        _ => String::new(),
    }
}

fn scan_error(offsets: &Offsets, err: &ScanError) -> YamlError {
    let at = offsets.byte(err.marker().index());
    YamlError {
        range: TextRange::new(at, at),
        message: err.info().to_string(),
    }
}

/// Resolves a scalar to a typed value the way go-yaml v2 does (YAML 1.1).
pub(crate) fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    let string = |s: &str| {
        Value::Str(
            s.to_string(),
            match style {
                ScalarStyle::Plain => StrStyle::Plain,
                ScalarStyle::SingleQuoted => StrStyle::SingleQuoted,
                ScalarStyle::DoubleQuoted => StrStyle::DoubleQuoted,
                ScalarStyle::Literal => StrStyle::Literal,
                ScalarStyle::Folded => StrStyle::Folded,
            },
        )
    };
    match tag {
        Some("str") | Some("binary") => return string(text),
        Some("int") => return parse_int(text).map_or_else(|| string(text), Value::Int),
        Some("bool") => return parse_bool(text).map_or_else(|| string(text), Value::Bool),
        Some("float") => return parse_float(text).map_or_else(|| string(text), Value::Float),
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return string(text);
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    if let Some(i) = parse_int(text) {
        return Value::Int(i);
    }
    if let Some(f) = parse_float(text) {
        return Value::Float(f);
    }
    string(text)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// go-yaml v2 drops `_` and parses with Go's base prefix rules: `0x` hex, `0b` binary, a
/// leading `0` octal.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let body = cleaned.trim_start_matches(['-', '+']);
    // Only numeric shapes count; Rust would also accept "inf" or "nan" spelled out.
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        || !body.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    cleaned.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "# gérer\na: héllo\nb: 2\n";
        let stream = parse(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let root = &stream.documents[0].root;
        let b = root.entry("b").unwrap();
        assert_eq!(&text[b.key_range.as_range()], "b");
        assert_eq!(&text[b.value.range.as_range()], "2");
        assert_eq!(root.get("a").unwrap().as_str(), Some("héllo"));
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_kubectl() {
        let stream = parse("a: 0644\nb: yes\nc: '0644'\nd: 1e3\ne: 12:30\nf: ~\n");
        let root = &stream.documents[0].root;
        assert_eq!(root.get("a").unwrap().as_i64(), Some(0o644));
        assert_eq!(root.get("b").unwrap().as_bool(), Some(true));
        assert_eq!(root.get("c").unwrap().as_str(), Some("0644"));
        assert!(matches!(root.get("d").unwrap().value, Value::Float(_)));
        assert_eq!(root.get("e").unwrap().as_str(), Some("12:30"));
        assert_eq!(root.get("f").unwrap().value, Value::Null);
    }

    #[test]
    fn several_documents_and_a_late_error_keep_the_good_ones() {
        let stream = parse("a: 1\n---\nb: 2\n---\nc: [\n");
        assert_eq!(stream.documents.len(), 2);
        assert_eq!(stream.errors.len(), 1);
    }

    #[test]
    fn oversized_flow_collections_are_found_and_text_brackets_are_not() {
        let big = format!("[{}1]", "1,".repeat(600));
        assert_eq!(oversized_flow_collection(&big, 1000), Some(0));
        assert_eq!(oversized_flow_collection(&big, 2000), None);
        // After a key, behind an anchor, in a document after `---`.
        let nested = format!("a: 1\n---\nkey: &x {big}\n");
        assert_eq!(oversized_flow_collection(&nested, 1000), nested.find('['));
        // An apostrophe inside a flow plain scalar opens no quote.
        let apostrophe = format!("k: [it's, {}1]\n", "1,".repeat(600));
        assert_eq!(
            oversized_flow_collection(&apostrophe, 1000),
            apostrophe.find('[')
        );
        // Brackets in comments, quoted and plain scalars and block scalars are text.
        let text = format!(
            "# [ {pad}\nk: 'it''s [' # {{\nv: \"[\\\" {{\"\nplain: a[b {{c\ns: |\n  [ {pad}\n  {{\nt: done\n",
            pad = "x".repeat(1500)
        );
        assert_eq!(oversized_flow_collection(&text, 1000), None);
        // Unclosed and over the limit: found, so that the scanner never buffers it.
        let open = format!("k: [{}", "1,".repeat(600));
        assert_eq!(oversized_flow_collection(&open, 1000), open.find('['));
    }

    #[test]
    fn a_document_before_an_oversized_flow_collection_is_kept() {
        let text = format!(
            "a: 1\n---\nb: [{}1]\n",
            "1,".repeat(MAX_FLOW_COLLECTION / 2 + 1)
        );
        let stream = parse(&text);
        assert_eq!(stream.documents.len(), 1);
        assert_eq!(stream.errors.len(), 1);
        assert_eq!(
            stream.errors[0].range.start as usize,
            text.find('[').unwrap()
        );
        assert!(stream.errors[0].message.contains("flow collection"));
    }

    #[test]
    fn alias_bombs_stop_within_budget() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='k' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let stream = parse(&text);
        assert!(stream.errors.iter().any(|e| e.message.contains("alias")));
    }

    #[test]
    fn merge_keys_fill_missing_entries() {
        let stream = parse("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n");
        let thing = stream.documents[0].root.get("thing").unwrap();
        assert_eq!(thing.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(thing.get("y").unwrap().as_i64(), Some(3));
    }
}
