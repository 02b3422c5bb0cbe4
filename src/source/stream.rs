//! Streaming reader for cluster dumps: `oc get … -o yaml` (a `kind: List`), multi-document
//! YAML streams and `oc get … -o json`, read object by object with memory bounded by the
//! largest object rather than by the file, and parsed in parallel on the available cores.
//!
//! Splitting is textual and cheap. YAML: inside a document, the top-level `items:` key is
//! followed by a block sequence whose entries are the lines starting `- ` at the entries'
//! indentation; a line at that indentation or less that is not an entry, a comment or a blank
//! ends the sequence. Block scalars are tracked so their content never splits an item, and
//! `---`/`...` at column 0 separate documents. A document without a block `items:` sequence is
//! one object. JSON: a byte scanner (strings and escapes tracked) cuts the elements of the
//! top-level `items` array; a top-level object without one is one object.
//!
//! Each YAML item is parsed on its own from saphyr-parser events straight into a
//! `serde_json::Value` (no spanned tree: the audit needs values, not spans), resolving plain
//! scalars as [`super::yaml`] does (YAML 1.1, like sigs.k8s.io/yaml) with the same alias-expansion
//! budget, per item. An item whose alias names an anchor defined outside it (in the document's
//! header or an earlier item) is parsed again behind those definitions, so the anchor resolves
//! and the budget still applies. Label, annotation and nodeSelector values stay strings even
//! when written as plain number-like scalars (`oc` quotes a pod-template hash such as
//! `"5788964455"`, other emitters write it bare), since the API types them as strings.
//!
//! This module reads files but never prints.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

use super::tree;
use super::yaml::{ALIAS_EXPANSION_BUDGET, MAX_DEPTH};

/// Anchor-defining text kept to resolve later aliases, at most, per document.
pub const MAX_ANCHOR_PRELUDE: usize = 4 << 20;

/// How each YAML item is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A YAML fragment: a sequence entry (`- …`) of a List, or a whole document.
    Yaml {
        /// The item's text (for an entry, the lines from its `- ` on).
        text: String,
        /// Whether `text` is a sequence entry (`true`) or a whole document.
        entry: bool,
        /// The document header and earlier anchor-defining entries, for aliases that name
        /// anchors outside the item; `None` when no anchor was seen before.
        prelude: Option<Arc<String>>,
    },
    /// One JSON value.
    Json(Vec<u8>),
}

/// One object cut from a dump, not yet parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawItem {
    /// Byte offset of the item in its file.
    pub offset: u64,
    /// The top-level `kind:` when the splitter saw it (YAML only).
    pub kind: Option<String>,
    /// The text.
    pub body: Body,
}

/// What the splitter keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct SplitOptions {
    /// Drop each YAML item's top-level `status:` block before parsing (admission never reads
    /// status, and it is a third of a running pod).
    pub drop_status: bool,
}

/// Splits one file into items, calling `sink` for each; `sink` returns `false` to stop.
/// `progress` receives the bytes read so far.
pub fn split_file(
    path: &Path,
    options: SplitOptions,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(RawItem) -> bool,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let first = loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf[i],
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if first == b'{' || first == b'[' {
        split_json(reader, progress, sink)
    } else {
        split_yaml(reader, options, progress, sink)
    }
}

/// Splits YAML text held in memory (tests, small inputs).
pub fn split_yaml_str(text: &str, options: SplitOptions) -> Vec<RawItem> {
    let mut out = Vec::new();
    let _ = split_yaml(text.as_bytes(), options, &mut |_| {}, &mut |i| {
        out.push(i);
        true
    });
    out
}

/// Splits JSON text held in memory (tests, small inputs).
pub fn split_json_str(text: &str) -> Vec<RawItem> {
    let mut out = Vec::new();
    let _ = split_json(text.as_bytes(), &mut |_| {}, &mut |i| {
        out.push(i);
        true
    });
    out
}

#[derive(PartialEq)]
enum DocState {
    /// Before `items:` (the text is kept as the header).
    Header,
    /// Inside the block sequence under `items:`; `None` until the first entry fixes its
    /// indentation.
    Items(Option<usize>),
    /// After the sequence: the rest of the document is ignored.
    Trailer,
}

struct YamlSplitter<'a> {
    options: SplitOptions,
    sink: &'a mut dyn FnMut(RawItem) -> bool,
    state: DocState,
    /// Whole-document text while no `items:` sequence was found.
    doc: String,
    doc_offset: u64,
    doc_kind: Option<String>,
    /// The current entry.
    item: String,
    item_offset: u64,
    item_kind: Option<String>,
    /// Indentation of the line that opened a block scalar, while in one.
    block_scalar: Option<usize>,
    /// Indentation of a `status:` key being dropped.
    dropping: Option<usize>,
    header_has_anchor: bool,
    prelude: Option<Arc<String>>,
    prelude_full: bool,
    stopped: bool,
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Whether the line's value opens a block scalar (`key: |`, `- >-`, `key: |2 # c`).
fn opens_block_scalar(line: &str) -> bool {
    let body = line.trim_end();
    let body = match body.find(" #") {
        Some(i) if !body[..i].contains(['"', '\'']) => body[..i].trim_end(),
        _ => body,
    };
    let Some(pos) = body.rfind(['|', '>']) else {
        return false;
    };
    let head = &body[..pos];
    let tail = &body[pos + 1..];
    (head.ends_with(": ") || head.ends_with("- ") || head.trim().is_empty() || head.ends_with(':'))
        && tail.bytes().all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
}

/// Whether the text may define an anchor (`&name` after a space, `-` or `:`).
fn may_define_anchor(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b' ' && w[1] == b'&')
}

fn kind_of(line_after_indent: &str) -> Option<String> {
    let v = line_after_indent.strip_prefix("kind:")?;
    let v = v.split(" #").next().unwrap_or("").trim();
    let v = v.trim_matches(['"', '\'']);
    (!v.is_empty()).then(|| v.to_owned())
}

impl YamlSplitter<'_> {
    fn emit(&mut self, item: RawItem) {
        if !self.stopped && !(self.sink)(item) {
            self.stopped = true;
        }
    }

    fn finish_item(&mut self) {
        if self.item.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.item);
        if !self.prelude_full && may_define_anchor(&text) {
            let mut p = self.prelude.as_deref().cloned().unwrap_or_else(|| {
                let mut h = self.doc.clone();
                h.push_str("items:\n");
                h
            });
            if p.len() + text.len() > MAX_ANCHOR_PRELUDE {
                self.prelude_full = true;
            } else {
                p.push_str(&text);
                self.prelude = Some(Arc::new(p));
            }
        }
        let item = RawItem {
            offset: self.item_offset,
            kind: self.item_kind.take(),
            body: Body::Yaml {
                text,
                entry: true,
                prelude: self.prelude.clone(),
            },
        };
        self.emit(item);
    }

    fn finish_doc(&mut self) {
        match self.state {
            DocState::Header => {
                if !is_blank_doc(&self.doc) {
                    let text = std::mem::take(&mut self.doc);
                    let item = RawItem {
                        offset: self.doc_offset,
                        kind: self.doc_kind.take(),
                        body: Body::Yaml {
                            text,
                            entry: false,
                            prelude: None,
                        },
                    };
                    self.emit(item);
                }
            }
            DocState::Items(_) | DocState::Trailer => self.finish_item(),
        }
        self.doc.clear();
        self.doc_kind = None;
        self.state = DocState::Header;
        self.block_scalar = None;
        self.dropping = None;
        self.header_has_anchor = false;
        self.prelude = None;
        self.prelude_full = false;
    }

    fn line(&mut self, line: &str, offset: u64) {
        let indent = indentation(line);
        if let Some(bs) = self.block_scalar {
            if line.trim().is_empty() || indent > bs {
                self.push(line, offset);
                return;
            }
            self.block_scalar = None;
        }
        if indent == 0 && (is_marker(line, "---") || is_marker(line, "...")) {
            self.finish_doc();
            self.doc_offset = offset + line.len() as u64;
            if is_marker(line, "---") {
                // `--- key: value` or `--- |` put content on the marker line.
                let rest = line[3..].trim_start();
                if !rest.is_empty() && !rest.starts_with('#') {
                    self.doc.push_str(rest);
                    self.doc.push('\n');
                }
            }
            return;
        }
        match self.state {
            DocState::Header => {
                if indent == 0 {
                    if let Some(k) = kind_of(line) {
                        self.doc_kind = Some(k);
                    }
                    let t = line.trim_end();
                    if t == "items:" || t.starts_with("items: #") {
                        self.state = DocState::Items(None);
                        self.header_has_anchor = may_define_anchor(&self.doc);
                        if self.header_has_anchor {
                            let mut h = self.doc.clone();
                            h.push_str("items:\n");
                            self.prelude = Some(Arc::new(h));
                        }
                        return;
                    }
                }
                if self.doc.is_empty() {
                    self.doc_offset = offset;
                }
                self.doc.push_str(line);
                if opens_block_scalar(line) {
                    self.block_scalar = Some(indent);
                }
            }
            DocState::Items(seq_indent) => {
                if is_blank_or_comment(line) {
                    if !self.item.is_empty() {
                        self.item.push_str(line);
                    }
                    return;
                }
                let rest = &line[indent..];
                let is_entry = rest.starts_with("- ") || rest.trim_end() == "-";
                match seq_indent {
                    None if is_entry => {
                        self.state = DocState::Items(Some(indent));
                        self.start_item(line, indent, offset);
                    }
                    Some(si) if is_entry && indent == si => {
                        self.finish_item();
                        self.start_item(line, indent, offset);
                    }
                    Some(si) if indent > si => self.push(line, offset),
                    _ => {
                        // Anything else at the sequence's indentation or less ends it.
                        self.finish_item();
                        self.state = DocState::Trailer;
                    }
                }
            }
            DocState::Trailer => {}
        }
    }

    fn start_item(&mut self, line: &str, indent: usize, offset: u64) {
        self.item_offset = offset;
        self.item_kind = None;
        self.dropping = None;
        self.item.push_str(line);
        let key_line = line[indent + 1..].trim_start();
        if let Some(k) = kind_of(key_line) {
            self.item_kind = Some(k);
        }
        if opens_block_scalar(line) {
            self.block_scalar = Some(indent);
        }
    }

    /// A line inside the current entry (or document header).
    fn push(&mut self, line: &str, _offset: u64) {
        let indent = indentation(line);
        if let DocState::Items(Some(si)) = self.state {
            if self.block_scalar.is_none() && !is_blank_or_comment(line) {
                if let Some(d) = self.dropping {
                    if indent > d {
                        return;
                    }
                    self.dropping = None;
                }
                if indent == si + 2 {
                    let rest = &line[indent..];
                    if let Some(k) = kind_of(rest) {
                        self.item_kind = Some(k);
                    }
                    if self.options.drop_status && rest.trim_end() == "status:" {
                        self.dropping = Some(indent);
                        return;
                    }
                }
                if opens_block_scalar(line) {
                    self.block_scalar = Some(indent);
                }
            } else if self.dropping.is_some() {
                return;
            }
            self.item.push_str(line);
        } else {
            self.doc.push_str(line);
        }
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

fn is_blank_doc(text: &str) -> bool {
    text.lines().all(is_blank_or_comment)
}

fn split_yaml(
    mut reader: impl BufRead,
    options: SplitOptions,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(RawItem) -> bool,
) -> io::Result<()> {
    let mut s = YamlSplitter {
        options,
        sink,
        state: DocState::Header,
        doc: String::new(),
        doc_offset: 0,
        doc_kind: None,
        item: String::new(),
        item_offset: 0,
        item_kind: None,
        block_scalar: None,
        dropping: None,
        header_has_anchor: false,
        prelude: None,
        prelude_full: false,
        stopped: false,
    };
    let mut buf = Vec::with_capacity(256);
    let mut offset = 0u64;
    let mut last_report = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 || s.stopped {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        s.line(&line, offset);
        offset += n as u64;
        if offset - last_report >= 8 << 20 {
            last_report = offset;
            progress(offset);
        }
    }
    s.finish_doc();
    progress(offset);
    Ok(())
}

/// The JSON scanner's view of where it is.
struct JsonSplitter<'a> {
    sink: &'a mut dyn FnMut(RawItem) -> bool,
    depth: u32,
    in_str: bool,
    esc: bool,
    /// The current string's bytes, for keys at depth 1.
    key: Vec<u8>,
    collecting_key: bool,
    last_key: Vec<u8>,
    /// Depth of the elements being cut (2 inside `{"items": [`, 1 inside a top-level `[`).
    items_depth: Option<u32>,
    item: Vec<u8>,
    item_offset: u64,
    in_item: bool,
    /// A top-level object without `items`, kept whole.
    whole: Vec<u8>,
    whole_offset: u64,
    saw_items: bool,
    stopped: bool,
}

impl JsonSplitter<'_> {
    fn emit(&mut self, body: Vec<u8>, offset: u64) {
        if !self.stopped
            && !(self.sink)(RawItem {
                offset,
                kind: None,
                body: Body::Json(body),
            })
        {
            self.stopped = true;
        }
    }

    fn feed(&mut self, chunk: &[u8], base: u64) {
        let mut item_from: Option<usize> = self.in_item.then_some(0);
        let mut whole_from: Option<usize> = (self.depth > 0 && !self.saw_items).then_some(0);
        for (i, &b) in chunk.iter().enumerate() {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if b == b'\\' {
                    self.esc = true;
                } else if b == b'"' {
                    self.in_str = false;
                    if self.collecting_key {
                        self.collecting_key = false;
                        self.last_key = std::mem::take(&mut self.key);
                    }
                } else if self.collecting_key {
                    self.key.push(b);
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_str = true;
                    if self.depth == 1 && self.items_depth.is_none() {
                        self.collecting_key = true;
                        self.key.clear();
                    }
                }
                b'{' | b'[' => {
                    if self.depth == 0 {
                        self.whole_offset = base + i as u64;
                        self.whole.clear();
                        self.saw_items = b == b'[';
                        if b == b'[' {
                            self.items_depth = Some(1);
                        } else {
                            whole_from = Some(i);
                        }
                    } else if self.depth == 1
                        && b == b'['
                        && self.items_depth.is_none()
                        && self.last_key == b"items"
                    {
                        self.items_depth = Some(2);
                        self.saw_items = true;
                        self.whole.clear();
                        whole_from = None;
                    }
                    if b == b'{' && !self.in_item && self.items_depth == Some(self.depth) {
                        self.in_item = true;
                        self.item_offset = base + i as u64;
                        item_from = Some(i);
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.in_item && self.items_depth == Some(self.depth) {
                        let from = item_from.take().unwrap_or(0);
                        self.item.extend_from_slice(&chunk[from..=i]);
                        self.in_item = false;
                        let body = std::mem::take(&mut self.item);
                        let off = self.item_offset;
                        self.emit(body, off);
                    }
                    if self.items_depth.is_some_and(|d| self.depth < d) {
                        self.items_depth = None;
                    }
                    if self.depth == 0 {
                        if let Some(from) = whole_from.take()
                            && !self.saw_items
                        {
                            self.whole.extend_from_slice(&chunk[from..=i]);
                            let w = std::mem::take(&mut self.whole);
                            let off = self.whole_offset;
                            self.emit(w, off);
                        }
                        self.last_key.clear();
                    }
                }
                _ => {}
            }
        }
        if let Some(from) = item_from
            && self.in_item
        {
            self.item.extend_from_slice(&chunk[from..]);
        }
        if let Some(from) = whole_from
            && !self.saw_items
            && self.depth > 0
        {
            self.whole.extend_from_slice(&chunk[from..]);
        }
    }
}

fn split_json(
    mut reader: impl Read,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(RawItem) -> bool,
) -> io::Result<()> {
    let mut s = JsonSplitter {
        sink,
        depth: 0,
        in_str: false,
        esc: false,
        key: Vec::new(),
        collecting_key: false,
        last_key: Vec::new(),
        items_depth: None,
        item: Vec::new(),
        item_offset: 0,
        in_item: false,
        whole: Vec::new(),
        whole_offset: 0,
        saw_items: false,
        stopped: false,
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut base = 0u64;
    let mut last_report = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        s.feed(&buf[..n], base);
        base += n as u64;
        if s.stopped {
            break;
        }
        if base - last_report >= 8 << 20 {
            last_report = base;
            progress(base);
        }
    }
    progress(base);
    Ok(())
}

/// Parses one item into JSON values: one for an entry or an object document, each entry
/// for a document that turned out to hold a flow `items: [...]` list.
pub fn parse_item(item: &RawItem) -> Result<Vec<Value>, String> {
    match &item.body {
        Body::Json(bytes) => serde_json::from_slice::<Value>(bytes)
            .map(|v| vec![v])
            .map_err(|e| e.to_string()),
        Body::Yaml {
            text,
            entry,
            prelude,
        } => {
            let parsed = if *entry {
                yaml_to_json(text).map(|v| first_entry(v).into_iter().collect())
            } else {
                yaml_to_json(text).map(|v| match v {
                    Value::Object(mut m) if m.get("items").is_some_and(Value::is_array) => {
                        match m.remove("items") {
                            Some(Value::Array(items)) => items,
                            _ => Vec::new(),
                        }
                    }
                    Value::Null => Vec::new(),
                    other => vec![other],
                })
            };
            match (parsed, prelude) {
                (Err(e), Some(prelude)) if e.contains("unknown anchor") => {
                    let mut text2 = String::with_capacity(prelude.len() + text.len());
                    text2.push_str(prelude);
                    text2.push_str(text);
                    let v = yaml_to_json(&text2)?;
                    Ok(v.get("items")
                        .and_then(Value::as_array)
                        .and_then(|a| a.last())
                        .cloned()
                        .into_iter()
                        .collect())
                }
                (r, _) => r,
            }
        }
    }
}

fn first_entry(v: Value) -> Option<Value> {
    match v {
        Value::Array(items) => items.into_iter().next(),
        _ => None,
    }
}

enum Frame {
    Seq(Vec<Value>, usize),
    Map {
        map: Map<String, Value>,
        anchor: usize,
        key: Option<String>,
        /// Values stay strings (labels, annotations, nodeSelector).
        strings: bool,
    },
}

/// Keys whose map values the API types as strings.
const STRING_MAPS: &[&str] = &["labels", "annotations", "nodeSelector"];

fn json_size(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(json_size).sum(),
        Value::Object(m) => m.values().map(json_size).sum(),
        _ => 0,
    }
}

fn scalar_json(text: &str, style: ScalarStyle, tag: Option<&str>, as_string: bool) -> Value {
    if as_string && tag.is_none() {
        return Value::String(text.to_owned());
    }
    match super::yaml::resolve_scalar(text, style, tag) {
        tree::Value::Null => Value::Null,
        tree::Value::Bool(b) => Value::Bool(b),
        tree::Value::Int(i) => Value::from(i),
        tree::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        tree::Value::Str(s, _) => Value::String(s),
        _ => Value::Null,
    }
}

/// Parses the first document of a YAML text straight into JSON, with the loader's alias
/// budget, depth limit, merge keys and YAML 1.1 scalars.
pub fn yaml_to_json(text: &str) -> Result<Value, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    let mut budget = ALIAS_EXPANSION_BUDGET;
    let mut root: Option<Value> = None;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| e.info().to_string())?;
        let (value, anchor) = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentStart(_) => continue,
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                let strings = matches!(stack.last(), Some(Frame::Map { key: Some(k), .. })
                    if STRING_MAPS.contains(&k.as_str()));
                stack.push(Frame::Map {
                    map: Map::new(),
                    anchor,
                    key: None,
                    strings,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor)) => (Value::Array(items), anchor),
                Some(Frame::Map { map, anchor, .. }) => (Value::Object(map), anchor),
                None => continue,
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag: Option<Cow<'_, str>> = tag.map(|t| Cow::Owned(t.suffix.clone()));
                let (is_key, strings) = match stack.last() {
                    Some(Frame::Map { key, strings, .. }) => (key.is_none(), *strings),
                    _ => (false, false),
                };
                let v = if is_key {
                    Value::String(text.into_owned())
                } else {
                    scalar_json(&text, style, tag.as_deref(), strings)
                };
                (v, anchor)
            }
            Event::Alias(id) => {
                let target = anchors
                    .get(&id)
                    .ok_or_else(|| "alias to an unknown anchor".to_owned())?;
                let size = json_size(target);
                if size > budget {
                    return Err(format!(
                        "alias expansion exceeds {ALIAS_EXPANSION_BUDGET} nodes (an alias bomb?)"
                    ));
                }
                budget -= size;
                (target.clone(), 0)
            }
        };
        if anchor != 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                None => {
                    *key = Some(match value {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    })
                }
                Some(k) if k == "<<" => merge(map, value),
                Some(k) => {
                    map.insert(k, value);
                }
            },
        }
    }
    Ok(root.unwrap_or(Value::Null))
}

/// YAML merge keys: keys already present win.
fn merge(map: &mut Map<String, Value>, value: Value) {
    let sources = match value {
        Value::Object(_) => vec![value],
        Value::Array(items) => items,
        other => {
            map.insert("<<".into(), other);
            return;
        }
    };
    for s in sources {
        if let Value::Object(extra) = s {
            for (k, v) in extra {
                map.entry(k).or_insert(v);
            }
        }
    }
}

/// Splits every file on one thread and hands the items to `threads` workers through a bounded
/// channel (so at most a few items per worker are in memory); each worker folds items (parsing
/// them with [`parse_item`] as it needs) into its own accumulator, and the accumulators are
/// returned, one per worker, for the caller to merge. `keep` decides from the splitter's view
/// (the kind, if seen) whether an item is sent at all. Files that cannot be read are returned
/// with their index.
pub fn par_fold<A: Send>(
    paths: &[&Path],
    options: SplitOptions,
    threads: usize,
    keep: &(dyn Fn(&RawItem) -> bool + Sync),
    init: &(dyn Fn() -> A + Sync),
    fold: &(dyn Fn(&mut A, usize, RawItem) + Sync),
    progress: &mut dyn FnMut(u64),
) -> (Vec<A>, Vec<(usize, io::Error)>) {
    let threads = threads.max(1);
    let (tx, rx) = sync_channel::<(usize, RawItem)>(threads * 8);
    let rx = std::sync::Mutex::new(rx);
    let mut errors = Vec::new();
    let accs = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = &rx;
                scope.spawn(move || {
                    let mut acc = init();
                    loop {
                        let next = rx.lock().map(|r| r.recv());
                        let Ok(Ok((file, item))) = next else { break };
                        fold(&mut acc, file, item);
                    }
                    acc
                })
            })
            .collect();
        let mut done = 0u64;
        for (i, path) in paths.iter().enumerate() {
            let base = done;
            let mut sent_bytes = 0u64;
            let r = split_file(
                path,
                options,
                &mut |b| {
                    sent_bytes = b;
                    progress(base + b)
                },
                &mut |item| !keep(&item) || tx.send((i, item)).is_ok(),
            );
            done += sent_bytes;
            if let Err(e) = r {
                errors.push((i, e));
            }
        }
        drop(tx);
        workers
            .into_iter()
            .filter_map(|w| w.join().ok())
            .collect::<Vec<A>>()
    });
    (accs, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(items: &[RawItem]) -> Vec<Value> {
        items
            .iter()
            .flat_map(|i| parse_item(i).expect("parses"))
            .collect()
    }

    const LIST: &str = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns-a\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      pod-template-hash: 5788964455\n      quoted: \"5788964455\"\n    name: p\n  spec:\n    priority: 3\n    containers:\n    - name: app\n      image: app\n  status:\n    phase: Running\n    conditions:\n    - type: Ready\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

    #[test]
    fn a_list_splits_into_its_items_with_their_kinds_and_byte_offsets() {
        let items = split_yaml_str(LIST, SplitOptions::default());
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind.as_deref(), Some("Namespace"));
        assert_eq!(items[1].kind.as_deref(), Some("Pod"));
        assert_eq!(items[0].offset, 22);
        assert_eq!(
            items[1].offset,
            LIST.find("- apiVersion: v1\n  kind: Pod").unwrap() as u64
        );
        let v = values(&items);
        assert_eq!(
            v[0],
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}})
        );
        assert_eq!(v[1]["status"]["phase"], "Running");
        // The trailer (`kind: List`) is not an item.
        assert!(v.iter().all(|v| v["kind"] != "List"));
    }

    #[test]
    fn label_values_stay_strings_quoted_or_not_and_other_numbers_stay_numbers() {
        let v = values(&split_yaml_str(LIST, SplitOptions::default()));
        let labels = &v[1]["metadata"]["labels"];
        assert_eq!(labels["pod-template-hash"], json!("5788964455"));
        assert_eq!(labels["quoted"], json!("5788964455"));
        assert_eq!(v[1]["spec"]["priority"], json!(3));
    }

    #[test]
    fn drop_status_removes_only_the_top_level_status_block() {
        let text = LIST.replace(
            "  status:\n    phase: Running\n    conditions:\n    - type: Ready\n",
            "  status:\n    phase: Running\n    conditions:\n    - type: Ready\n  zlast: kept\n",
        );
        let items = split_yaml_str(&text, SplitOptions { drop_status: true });
        let v = values(&items);
        assert_eq!(v[1].get("status"), None);
        assert_eq!(v[1]["zlast"], "kept");
        assert_eq!(v[1]["spec"]["containers"][0]["name"], "app");
    }

    #[test]
    fn block_scalars_never_split_an_item() {
        let text = "items:\n- kind: ConfigMap\n  data:\n    script: |\n      - not an entry\n\n      kind: Pod\n    other: >-\n      folded\n- kind: Pod\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].kind.as_deref(), Some("ConfigMap"));
        let v = values(&items);
        assert_eq!(v[0]["data"]["script"], "- not an entry\n\nkind: Pod\n");
        assert_eq!(v[0]["data"]["other"], "folded");
        assert_eq!(v[1], json!({"kind": "Pod"}));
    }

    #[test]
    fn multi_document_streams_give_one_item_per_document() {
        let text = "# leading comment\n---\nkind: Pod\nmetadata:\n  name: a\n...\n---\n\n---\nkind: Namespace\nmetadata: {name: b}\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0].body, Body::Yaml { entry: false, .. }));
        assert_eq!(items[0].kind.as_deref(), Some("Pod"));
        let v = values(&items);
        assert_eq!(v[0]["metadata"]["name"], "a");
        assert_eq!(v[1]["metadata"]["name"], "b");
    }

    #[test]
    fn a_flow_items_list_is_one_document_whose_entries_are_returned() {
        let items = split_yaml_str(
            "kind: List\nitems: [{kind: Pod}, {kind: Namespace}]\n",
            SplitOptions::default(),
        );
        assert_eq!(items.len(), 1);
        let v = values(&items);
        assert_eq!(
            v,
            vec![json!({"kind": "Pod"}), json!({"kind": "Namespace"})]
        );
    }

    #[test]
    fn an_alias_to_an_anchor_in_an_earlier_item_resolves() {
        let text = "apiVersion: v1\nitems:\n- &base\n  kind: Pod\n  metadata:\n    name: a\n- <<: *base\n  metadata:\n    name: b\n- kind: Pod\n  spec: *nothing\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(items.len(), 3);
        assert_eq!(
            parse_item(&items[1]).unwrap(),
            vec![json!({"kind": "Pod", "metadata": {"name": "b"}})]
        );
        let err = parse_item(&items[2]).unwrap_err();
        assert!(err.contains("unknown anchor"), "{err}");
    }

    #[test]
    fn alias_bombs_stay_refused_per_item() {
        let mut text =
            String::from("items:\n- kind: Pod\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='h' {
            text.push_str(&format!("  {c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let items = split_yaml_str(&text, SplitOptions::default());
        assert_eq!(items.len(), 1);
        let err = parse_item(&items[0]).unwrap_err();
        assert!(err.contains("alias expansion exceeds"), "{err}");
    }

    #[test]
    fn offsets_are_bytes_after_non_ascii_text() {
        let text = "items:\n- kind: Pod\n  metadata:\n    annotations:\n      note: héllo wörld ✓\n- kind: Namespace\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(
            items[1].offset,
            text.find("- kind: Namespace").unwrap() as u64
        );
        let v = values(&items);
        assert_eq!(v[0]["metadata"]["annotations"]["note"], "héllo wörld ✓");
    }

    #[test]
    fn invalid_utf8_and_broken_yaml_are_errors_not_panics() {
        let mut reader: &[u8] = b"items:\n- kind: Pod\n  a: \xff\xfe\n- kind: [unclosed\n";
        let mut out = Vec::new();
        split_yaml(
            &mut reader,
            SplitOptions::default(),
            &mut |_| {},
            &mut |i| {
                out.push(i);
                true
            },
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert!(parse_item(&out[0]).is_ok());
        assert!(parse_item(&out[1]).is_err());
    }

    /// A reader that hands out a few bytes at a time, so items straddle chunks.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const JSON_LIST: &str = r#"{"apiVersion": "v1", "items": [
        {"kind": "Pod", "metadata": {"name": "a", "annotations": {"x": "}]\"{[ items"}}},
        {"kind": "Namespace", "metadata": {"name": "ns-é"}}
    ], "kind": "List", "metadata": {"resourceVersion": ""}}"#;

    #[test]
    fn json_lists_split_on_element_boundaries_across_chunks() {
        for chunk in [1, 3, 7, 1 << 20] {
            let mut out = Vec::new();
            split_json(
                Trickle(JSON_LIST.as_bytes(), chunk),
                &mut |_| {},
                &mut |i| {
                    out.push(i);
                    true
                },
            )
            .unwrap();
            assert_eq!(out.len(), 2, "chunk {chunk}");
            assert_eq!(
                out[0].offset,
                JSON_LIST.find("{\"kind\": \"Pod\"").unwrap() as u64
            );
            let v = values(&out);
            assert_eq!(v[0]["metadata"]["annotations"]["x"], "}]\"{[ items");
            assert_eq!(v[1]["metadata"]["name"], "ns-é");
        }
    }

    #[test]
    fn a_json_object_without_items_and_a_top_level_array_are_read_too() {
        let v = values(&split_json_str(
            r#"{"kind": "Pod", "spec": {"containers": []}}"#,
        ));
        assert_eq!(v, vec![json!({"kind": "Pod", "spec": {"containers": []}})]);
        let v = values(&split_json_str(
            r#"[{"kind": "Pod"}, {"kind": "Namespace"}]"#,
        ));
        assert_eq!(
            v,
            vec![json!({"kind": "Pod"}), json!({"kind": "Namespace"})]
        );
    }

    #[test]
    fn par_fold_sees_every_item_once_whatever_the_thread_count() {
        let dir = std::env::temp_dir().join(format!("rd-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let yaml = dir.join("dump.yaml");
        let json_path = dir.join("dump.json");
        let mut text = String::from("apiVersion: v1\nitems:\n");
        for i in 0..500 {
            text.push_str(&format!("- kind: Pod\n  metadata:\n    name: p{i}\n"));
        }
        std::fs::write(&yaml, &text).unwrap();
        std::fs::write(&json_path, JSON_LIST).unwrap();
        for threads in [1, 2, 4] {
            let (accs, errors) = par_fold(
                &[
                    yaml.as_path(),
                    json_path.as_path(),
                    Path::new("/nonexistent/rd"),
                ],
                SplitOptions::default(),
                threads,
                &|i| i.kind.as_deref() != Some("Namespace"),
                &Vec::<String>::new,
                &|acc, _, item| {
                    for v in parse_item(&item).unwrap() {
                        acc.push(v["metadata"]["name"].as_str().unwrap().to_owned());
                    }
                },
                &mut |_| {},
            );
            let mut names: Vec<String> = accs.into_iter().flatten().collect();
            names.sort();
            // The JSON Namespace has no kind seen by the splitter, so it is kept.
            assert_eq!(names.len(), 502, "threads {threads}");
            assert_eq!(names.iter().filter(|n| n.as_str() == "p499").count(), 1);
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].0, 2);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
