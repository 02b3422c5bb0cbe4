//! Streaming reader for cluster dumps: `oc get … -o yaml` (a `kind: List`), multi-document
//! YAML streams and `oc get … -o json`, read object by object with memory bounded by the
//! largest object rather than by the file, and parsed in parallel on the available cores.
//!
//! Splitting is textual and cheap: it works on bytes straight from the read buffer (lines found
//! with `memchr`, never decoded; each item is checked as UTF-8 once), so the one splitting
//! thread stays ahead of the parsing workers. YAML: inside a document, the top-level `items:` key is
//! followed by a block sequence whose entries are the lines starting `- ` at the entries'
//! indentation; a line at that indentation or less that is not an entry, a comment or a blank
//! ends the sequence. Block scalars are tracked so their content never splits an item, and
//! `---`/`...` at column 0 separate documents. A document without a block `items:` sequence is
//! one object. JSON: a byte scanner (strings and escapes tracked) cuts the elements of the
//! top-level `items` array, jumping through strings with `memchr`, and notes each element's
//! top-level `kind` and `apiVersion` so callers can skip or type an item without parsing it
//! twice; a top-level object without `items` is one object.
//!
//! On request the YAML splitter also drops blocks the caller never reads (`status:` of an item,
//! `env:`/`envFrom:` values), keeping the dropped text aside: when it defined an anchor, it is
//! put back, since an alias elsewhere may name it.
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
use super::yaml::{ALIAS_EXPANSION_BUDGET, MAX_DEPTH, MAX_FLOW_COLLECTION};

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
    /// The top-level `kind` when the splitter saw it.
    pub kind: Option<String>,
    /// The top-level `apiVersion` when the splitter saw it (JSON only).
    pub api_version: Option<String>,
    /// The text.
    pub body: Body,
}

/// What the splitter keeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct SplitOptions {
    /// Drop each YAML item's top-level `status:` block before parsing (admission never reads
    /// status, and it is a third of a running pod).
    pub drop_status: bool,
    /// Drop every block value of the container keys that admission never reads (see
    /// [`UNREAD_BY_ADMISSION`]): the environment, often the largest part of a spec, probes,
    /// resource requirements and volume mounts. Only for callers that read workloads for
    /// admission: other objects may use those keys.
    pub drop_unread: bool,
}

/// Keys below an item's top level whose block values neither SCC admission nor the Pod
/// Security checks read (src/admission: the SCC strategies read security contexts, volumes'
/// types, host namespaces and ports; PSA reads the same plus sysctls, seccomp and AppArmor).
/// A check that reads one of them (Kubernetes 1.34's probe `host` check, say) must take its
/// key out of this list.
const UNREAD_BY_ADMISSION: &[&[u8]] = &[
    b"env:",
    b"envFrom:",
    b"livenessProbe:",
    b"readinessProbe:",
    b"startupProbe:",
    b"resources:",
    b"volumeMounts:",
];

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

/// The YAML splitter works on raw bytes, line by line: every test it makes is on ASCII
/// (indentation, `- `, `kind:`, `---`, block-scalar indicators), which UTF-8 never uses inside
/// a multi-byte character, so lines need no decoding; each item is checked as UTF-8 once,
/// when it is emitted.
struct YamlSplitter<'a> {
    options: SplitOptions,
    sink: &'a mut dyn FnMut(RawItem) -> bool,
    state: DocState,
    /// Whole-document text while no `items:` sequence was found.
    doc: Vec<u8>,
    doc_offset: u64,
    doc_kind: Option<String>,
    /// The current entry.
    item: Vec<u8>,
    item_offset: u64,
    item_kind: Option<String>,
    /// Indentation of the line that opened a block scalar, while in one.
    block_scalar: Option<usize>,
    /// Indentation of a `status:` key being dropped.
    dropping: Option<usize>,
    /// The bytes dropped from the current item, and where: (position in `item`, bytes of
    /// `item` they replace, their length). Kept so that an anchor defined in a dropped block
    /// can be put back: an alias elsewhere may name it.
    dropped: Vec<u8>,
    dropped_at: Vec<(usize, usize, usize)>,
    prelude: Option<Arc<String>>,
    prelude_full: bool,
    stopped: bool,
}

fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

fn trim_end(line: &[u8]) -> &[u8] {
    let n = line.len()
        - line
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    &line[..n]
}

fn trim_start(line: &[u8]) -> &[u8] {
    let n = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &line[n..]
}

fn is_blank_or_comment(line: &[u8]) -> bool {
    matches!(trim_start(line).first(), None | Some(b'#'))
}

/// Whether the line's value opens a block scalar (`key: |`, `- >-`, `key: |2 # c`).
fn opens_block_scalar(line: &[u8]) -> bool {
    // Most lines hold neither indicator; this test keeps the splitter at memory speed.
    if memchr::memchr2(b'|', b'>', line).is_none() {
        return false;
    }
    let mut body = trim_end(line);
    if let Some(i) = memchr::memmem::find(body, b" #")
        && memchr::memchr2(b'"', b'\'', &body[..i]).is_none()
    {
        body = trim_end(&body[..i]);
    }
    let Some(pos) = memchr::memrchr2(b'|', b'>', body) else {
        return false;
    };
    let head = &body[..pos];
    let tail = &body[pos + 1..];
    (head.ends_with(b": ")
        || head.ends_with(b"- ")
        || trim_start(head).is_empty()
        || head.ends_with(b":"))
        && tail.iter().all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
}

/// Whether the text may define an anchor (`&name` after a space, `-` or `:`).
fn may_define_anchor(text: &[u8]) -> bool {
    memchr::memchr_iter(b'&', text).any(|i| i > 0 && text[i - 1] == b' ')
}

fn kind_of(line_after_indent: &[u8]) -> Option<String> {
    let v = line_after_indent.strip_prefix(b"kind:")?;
    let v = match memchr::memmem::find(v, b" #") {
        Some(i) => &v[..i],
        None => v,
    };
    let v = trim_end(trim_start(v));
    let v = v.strip_prefix(b"\"").or(v.strip_prefix(b"'")).unwrap_or(v);
    let v = v.strip_suffix(b"\"").or(v.strip_suffix(b"'")).unwrap_or(v);
    (!v.is_empty()).then(|| String::from_utf8_lossy(v).into_owned())
}

/// An item's text: UTF-8 as read, or with invalid bytes replaced (the parser then reads the
/// replacement characters as text, and the item stays readable around them).
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl YamlSplitter<'_> {
    fn emit(&mut self, item: RawItem) {
        if !self.stopped && !(self.sink)(item) {
            self.stopped = true;
        }
    }

    /// The document header as the start of a prelude.
    fn header_prelude(&self) -> String {
        let mut h = String::from_utf8_lossy(&self.doc).into_owned();
        h.push_str("items:\n");
        h
    }

    fn finish_item(&mut self) {
        if self.item.is_empty() {
            return;
        }
        if !self.dropped.is_empty() && may_define_anchor(&self.dropped) {
            self.restore_dropped();
        }
        self.dropped.clear();
        self.dropped_at.clear();
        let text = into_text(std::mem::take(&mut self.item));
        if !self.prelude_full && may_define_anchor(text.as_bytes()) {
            let mut p = self
                .prelude
                .as_deref()
                .cloned()
                .unwrap_or_else(|| self.header_prelude());
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
            api_version: None,
            body: Body::Yaml {
                text,
                entry: true,
                prelude: self.prelude.clone(),
            },
        };
        self.emit(item);
    }

    /// Puts the dropped blocks back into the item.
    fn restore_dropped(&mut self) {
        let mut full = Vec::with_capacity(self.item.len() + self.dropped.len());
        let (mut last, mut from) = (0, 0);
        for &(pos, replaces, len) in &self.dropped_at {
            full.extend_from_slice(&self.item[last..pos]);
            full.extend_from_slice(&self.dropped[from..from + len]);
            from += len;
            last = pos + replaces;
        }
        full.extend_from_slice(&self.item[last..]);
        self.item = full;
    }

    /// Drops a line of the current item (`replaces`: bytes just pushed in its place).
    fn drop_line(&mut self, line: &[u8], replaces: usize) {
        let pos = self.item.len() - replaces;
        match self.dropped_at.last_mut() {
            Some((p, r, len)) if *p + *r == pos && replaces == 0 => *len += line.len(),
            _ => self.dropped_at.push((pos, replaces, line.len())),
        }
        self.dropped.extend_from_slice(line);
    }

    fn finish_doc(&mut self) {
        match self.state {
            DocState::Header => {
                if !is_blank_doc(&self.doc) {
                    let text = into_text(std::mem::take(&mut self.doc));
                    let item = RawItem {
                        offset: self.doc_offset,
                        kind: self.doc_kind.take(),
                        api_version: None,
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
        self.prelude = None;
        self.prelude_full = false;
    }

    fn line(&mut self, line: &[u8], offset: u64) {
        let indent = indentation(line);
        if let Some(bs) = self.block_scalar {
            if trim_start(line).is_empty() || indent > bs {
                self.push(line, indent);
                return;
            }
            self.block_scalar = None;
        }
        if indent == 0 && (is_marker(line, b"---") || is_marker(line, b"...")) {
            self.finish_doc();
            self.doc_offset = offset + line.len() as u64;
            if is_marker(line, b"---") {
                // `--- key: value` or `--- |` put content on the marker line.
                let rest = trim_start(&line[3..]);
                if !rest.is_empty() && !rest.starts_with(b"#") {
                    self.doc.extend_from_slice(trim_end(rest));
                    self.doc.push(b'\n');
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
                    let t = trim_end(line);
                    if t == b"items:" || t.starts_with(b"items: #") {
                        self.state = DocState::Items(None);
                        if may_define_anchor(&self.doc) {
                            self.prelude = Some(Arc::new(self.header_prelude()));
                        }
                        return;
                    }
                }
                if self.doc.is_empty() {
                    self.doc_offset = offset;
                }
                self.doc.extend_from_slice(line);
                if opens_block_scalar(line) {
                    self.block_scalar = Some(indent);
                }
            }
            DocState::Items(seq_indent) => {
                if is_blank_or_comment(line) {
                    if !self.item.is_empty() {
                        self.item.extend_from_slice(line);
                    }
                    return;
                }
                let rest = &line[indent..];
                let is_entry = rest.starts_with(b"- ") || trim_end(rest) == b"-";
                match seq_indent {
                    None if is_entry => {
                        self.state = DocState::Items(Some(indent));
                        self.start_item(line, indent, offset);
                    }
                    Some(si) if is_entry && indent == si => {
                        self.finish_item();
                        self.start_item(line, indent, offset);
                    }
                    Some(si) if indent > si => self.push(line, indent),
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

    fn start_item(&mut self, line: &[u8], indent: usize, offset: u64) {
        self.item_offset = offset;
        self.item_kind = None;
        self.dropping = None;
        self.item.extend_from_slice(line);
        let key_line = trim_start(&line[indent + 1..]);
        if let Some(k) = kind_of(key_line) {
            self.item_kind = Some(k);
        }
        if opens_block_scalar(line) {
            self.block_scalar = Some(indent);
        }
    }

    /// A line inside the current entry (or document header), `indent` its indentation.
    fn push(&mut self, line: &[u8], indent: usize) {
        let DocState::Items(Some(si)) = self.state else {
            self.doc.extend_from_slice(line);
            return;
        };
        if self.block_scalar.is_some() || is_blank_or_comment(line) {
            if self.dropping.is_some() {
                self.drop_line(line, 0);
            } else {
                self.item.extend_from_slice(line);
            }
            return;
        }
        let rest = &line[indent..];
        if let Some(d) = self.dropping {
            // The dropped value: deeper lines, and a block sequence's entries, which may sit
            // at the key's own indentation (`env:` then `- name: …`).
            if indent > d || (indent == d && (rest.starts_with(b"- ") || trim_end(rest) == b"-")) {
                if opens_block_scalar(line) {
                    self.block_scalar = Some(indent);
                }
                self.drop_line(line, 0);
                return;
            }
            self.dropping = None;
        }
        if indent == si + 2 {
            if let Some(k) = kind_of(rest) {
                self.item_kind = Some(k);
            }
            if self.options.drop_status && trim_end(rest) == b"status:" {
                self.dropping = Some(indent);
                self.drop_line(line, 0);
                return;
            }
        }
        if self.options.drop_unread && indent > si + 2 {
            // `env:` alone on its line, or as the first key of a sequence entry (`- env:`,
            // as `oc` prints a container whose keys sort after it).
            let (dash, key) = match rest.strip_prefix(b"- ") {
                Some(after) => (true, after),
                None => (false, rest),
            };
            let key_indent = indent + (rest.len() - key.len()) + indentation(key);
            let key = trim_end(trim_start(key));
            if UNREAD_BY_ADMISSION.contains(&key) {
                self.dropping = Some(key_indent);
                if dash {
                    // Keep the entry, now opening on the next key.
                    let kept = indent + 1;
                    self.item.extend_from_slice(&line[..kept]);
                    self.item.push(b'\n');
                    self.drop_line(line, kept + 1);
                } else {
                    self.drop_line(line, 0);
                }
                return;
            }
        }
        if opens_block_scalar(line) {
            self.block_scalar = Some(indent);
        }
        self.item.extend_from_slice(line);
    }
}

fn is_marker(line: &[u8], marker: &[u8]) -> bool {
    line.strip_prefix(marker).is_some_and(|rest| {
        rest.first()
            .is_none_or(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    })
}

fn is_blank_doc(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').all(is_blank_or_comment)
}

/// Reads lines straight from the reader's buffer (no copy, no decoding); only a line that
/// straddles two buffer fills is copied once.
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
        doc: Vec::new(),
        doc_offset: 0,
        doc_kind: None,
        item: Vec::new(),
        item_offset: 0,
        item_kind: None,
        block_scalar: None,
        dropping: None,
        dropped: Vec::new(),
        dropped_at: Vec::new(),
        prelude: None,
        prelude_full: false,
        stopped: false,
    };
    let mut carry: Vec<u8> = Vec::new();
    let mut offset = 0u64;
    let mut last_report = 0u64;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() || s.stopped {
            break;
        }
        let len = chunk.len();
        let mut start = 0;
        if !carry.is_empty() {
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                carry.extend_from_slice(chunk);
                reader.consume(len);
                continue;
            };
            carry.extend_from_slice(&chunk[..=nl]);
            s.line(&carry, offset);
            offset += carry.len() as u64;
            carry.clear();
            start = nl + 1;
        }
        let base = start;
        for nl in memchr::memchr_iter(b'\n', &chunk[base..]) {
            let end = base + nl + 1;
            let line = &chunk[start..end];
            s.line(line, offset);
            offset += line.len() as u64;
            start = end;
            if s.stopped {
                break;
            }
        }
        carry.extend_from_slice(&chunk[start..]);
        reader.consume(len);
        if offset - last_report >= 8 << 20 {
            last_report = offset;
            progress(offset);
        }
    }
    if !carry.is_empty() && !s.stopped {
        s.line(&carry, offset);
        offset += carry.len() as u64;
    }
    s.finish_doc();
    progress(offset);
    Ok(())
}

/// What the string being scanned is kept as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Collect {
    Nothing,
    /// A string at the top level of the document (where `items` is looked for).
    DocKey,
    /// A key at the top level of an item.
    ItemKey,
    /// The value of an item's `kind`.
    ItemKind,
    /// The value of an item's `apiVersion`.
    ItemApiVersion,
}

/// The last key seen at an item's top level, as far as the splitter cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemKey {
    Other,
    Kind,
    ApiVersion,
}

/// Bytes the JSON scanner stops at outside strings; everything else (whitespace, numbers,
/// literals) is skipped in a tight loop.
const JSON_STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b':' as usize] = true;
    t[b',' as usize] = true;
    t
};

/// The JSON scanner's view of where it is.
struct JsonSplitter<'a> {
    sink: &'a mut dyn FnMut(RawItem) -> bool,
    depth: u32,
    in_str: bool,
    esc: bool,
    collect: Collect,
    /// The string being collected, without its escapes.
    text: Vec<u8>,
    /// Whether it had an escape (then it is never taken for `items`, `kind` or their values:
    /// the parser decides).
    text_escaped: bool,
    last_key: Vec<u8>,
    /// Depth of the elements being cut (2 inside `{"items": [`, 1 inside a top-level `[`).
    items_depth: Option<u32>,
    item: Vec<u8>,
    item_offset: u64,
    in_item: bool,
    /// At the item's top level: whether the next string is a key.
    item_expect_key: bool,
    item_key: ItemKey,
    item_kind: Option<String>,
    item_api_version: Option<String>,
    /// A top-level object without `items`, kept whole.
    whole: Vec<u8>,
    whole_offset: u64,
    saw_items: bool,
    stopped: bool,
}

impl JsonSplitter<'_> {
    fn emit(&mut self, body: Vec<u8>, offset: u64, kind: Option<String>, api: Option<String>) {
        if !self.stopped
            && !(self.sink)(RawItem {
                offset,
                kind,
                api_version: api,
                body: Body::Json(body),
            })
        {
            self.stopped = true;
        }
    }

    fn at_item_top(&self) -> bool {
        self.in_item && self.items_depth.is_some_and(|d| self.depth == d + 1)
    }

    fn end_string(&mut self) {
        let text = std::mem::take(&mut self.text);
        let escaped = std::mem::take(&mut self.text_escaped);
        let plain = |t: Vec<u8>| (!escaped).then(|| String::from_utf8(t).ok()).flatten();
        match self.collect {
            Collect::Nothing => {}
            Collect::DocKey => self.last_key = if escaped { Vec::new() } else { text },
            Collect::ItemKey => {
                self.item_key = match (escaped, text.as_slice()) {
                    (false, b"kind") => ItemKey::Kind,
                    (false, b"apiVersion") => ItemKey::ApiVersion,
                    _ => ItemKey::Other,
                }
            }
            Collect::ItemKind => self.item_kind = plain(text),
            Collect::ItemApiVersion => self.item_api_version = plain(text),
        }
        self.collect = Collect::Nothing;
    }

    /// Scans one chunk. Inside strings it jumps from quote or backslash to the next with
    /// `memchr` (most of an object's bytes are in strings); outside, only brackets, quotes,
    /// colons and commas matter.
    fn feed(&mut self, chunk: &[u8], base: u64) {
        let mut item_from: Option<usize> = self.in_item.then_some(0);
        let mut whole_from: Option<usize> = (self.depth > 0 && !self.saw_items).then_some(0);
        let n = chunk.len();
        let mut i = 0;
        if self.esc {
            // The escaped byte opens this chunk.
            self.esc = false;
            i = 1;
        }
        while i < n {
            if self.in_str {
                let Some(j) = memchr::memchr2(b'"', b'\\', &chunk[i..]) else {
                    if self.collect != Collect::Nothing {
                        self.text.extend_from_slice(&chunk[i..]);
                    }
                    break;
                };
                let at = i + j;
                if self.collect != Collect::Nothing {
                    self.text.extend_from_slice(&chunk[i..at]);
                }
                if chunk[at] == b'\\' {
                    self.text_escaped = true;
                    // Skip the escaped byte, which may be the next chunk's first.
                    if at + 1 < n {
                        i = at + 2;
                    } else {
                        self.esc = true;
                        i = n;
                    }
                    continue;
                }
                self.in_str = false;
                self.end_string();
                i = at + 1;
                continue;
            }
            while i < n && !JSON_STRUCTURAL[usize::from(chunk[i])] {
                i += 1;
            }
            if i == n {
                break;
            }
            let b = chunk[i];
            match b {
                b'"' => {
                    self.in_str = true;
                    self.collect = if self.at_item_top() {
                        match (self.item_expect_key, self.item_key) {
                            (true, _) => Collect::ItemKey,
                            (false, ItemKey::Kind) => Collect::ItemKind,
                            (false, ItemKey::ApiVersion) => Collect::ItemApiVersion,
                            (false, ItemKey::Other) => Collect::Nothing,
                        }
                    } else if self.depth == 1 && self.items_depth.is_none() {
                        Collect::DocKey
                    } else {
                        Collect::Nothing
                    };
                }
                b':' if self.at_item_top() => self.item_expect_key = false,
                b',' if self.at_item_top() => {
                    self.item_expect_key = true;
                    self.item_key = ItemKey::Other;
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
                        self.item_expect_key = true;
                        self.item_key = ItemKey::Other;
                        self.item_kind = None;
                        self.item_api_version = None;
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
                        let kind = self.item_kind.take();
                        let api = self.item_api_version.take();
                        self.emit(body, off, kind, api);
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
                            self.emit(w, off, None, None);
                        }
                        self.last_key.clear();
                    }
                }
                _ => {}
            }
            i += 1;
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
        collect: Collect::Nothing,
        text: Vec::new(),
        text_escaped: false,
        last_key: Vec::new(),
        items_depth: None,
        item: Vec::new(),
        item_offset: 0,
        in_item: false,
        item_expect_key: false,
        item_key: ItemKey::Other,
        item_kind: None,
        item_api_version: None,
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
    // The scanner would buffer a huge flow collection whole (see `super::yaml`).
    if let Some(at) = super::yaml::oversized_flow_collection(text, MAX_FLOW_COLLECTION) {
        return Err(format!(
            "a flow collection over {} MiB at byte {at} of the item; not read",
            MAX_FLOW_COLLECTION >> 20
        ));
    }
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
        let items = split_yaml_str(
            &text,
            SplitOptions {
                drop_status: true,
                ..SplitOptions::default()
            },
        );
        let v = values(&items);
        assert_eq!(v[1].get("status"), None);
        assert_eq!(v[1]["zlast"], "kept");
        assert_eq!(v[1]["spec"]["containers"][0]["name"], "app");
    }

    #[test]
    fn an_item_with_an_oversized_flow_collection_is_refused() {
        let text = format!(
            "kind: Pod\nspec: [{}1]\n",
            "1,".repeat(MAX_FLOW_COLLECTION / 2 + 1)
        );
        let err = yaml_to_json(&text).unwrap_err();
        assert!(
            err.contains("flow collection over 2 MiB at byte 16"),
            "{err}"
        );
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
            // The splitter sees the JSON items' kinds too, so the JSON Namespace is dropped.
            assert_eq!(names.len(), 501, "threads {threads}");
            assert!(!names.iter().any(|n| n == "ns-é"));
            assert_eq!(names.iter().filter(|n| n.as_str() == "p499").count(), 1);
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].0, 2);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn crlf_line_endings_split_and_parse_like_lf() {
        let text = LIST.replace('\n', "\r\n");
        let items = split_yaml_str(
            &text,
            SplitOptions {
                drop_status: true,
                ..SplitOptions::default()
            },
        );
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].kind.as_deref(), Some("Pod"));
        let v = values(&items);
        assert_eq!(v[1].get("status"), None);
        assert_eq!(
            v[1]["metadata"]["labels"]["pod-template-hash"],
            "5788964455"
        );
        assert_eq!(v[1]["spec"]["containers"][0]["image"], "app");
    }

    #[test]
    fn an_anchor_in_the_document_header_resolves_in_every_item() {
        let text = "apiVersion: v1\nmetadata:\n  base: &sc\n    runAsNonRoot: true\nitems:\n- kind: Pod\n  spec:\n    securityContext: *sc\n- kind: Pod\n  spec:\n    securityContext: *sc\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(items.len(), 2);
        for v in values(&items) {
            assert_eq!(v["spec"]["securityContext"], json!({"runAsNonRoot": true}));
        }
    }

    #[test]
    fn flow_style_entries_and_flow_values_stay_whole() {
        let text = "items:\n- {kind: Pod, metadata: {name: a, labels: {h: 0123}}}\n- kind: Pod\n  spec: {containers: [{name: c, image: i}]}\n";
        let items = split_yaml_str(text, SplitOptions::default());
        assert_eq!(items.len(), 2);
        let v = values(&items);
        assert_eq!(v[0]["metadata"]["labels"]["h"], "0123");
        assert_eq!(v[1]["spec"]["containers"][0]["name"], "c");
    }

    #[test]
    fn a_line_split_across_reads_is_one_line() {
        for chunk in [1, 2, 5, 13] {
            let mut out = Vec::new();
            split_yaml(
                BufReader::with_capacity(chunk, LIST.as_bytes()),
                SplitOptions::default(),
                &mut |_| {},
                &mut |i| {
                    out.push(i);
                    true
                },
            )
            .unwrap();
            assert_eq!(
                out,
                split_yaml_str(LIST, SplitOptions::default()),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn json_items_carry_their_kind_and_api_version_unless_escaped() {
        let text = r#"{"items": [
            {"metadata": {"kind": "Nested", "name": "{\"kind\": \"Fake\"}"}, "apiVersion": "v1", "kind": "Pod"},
            {"k\u0069nd": "Pod", "apiVersion": "apps/v1"},
            {"kind": "Dep\"loyment", "apiVersion" : "apps/v1" , "spec": {"kind": "x"}}
        ]}"#;
        for chunk in [1, 4, 1 << 20] {
            let mut out = Vec::new();
            split_json(Trickle(text.as_bytes(), chunk), &mut |_| {}, &mut |i| {
                out.push(i);
                true
            })
            .unwrap();
            assert_eq!(out.len(), 3, "chunk {chunk}");
            assert_eq!(out[0].kind.as_deref(), Some("Pod"));
            assert_eq!(out[0].api_version.as_deref(), Some("v1"));
            // An escaped key or value is left for the parser to read.
            assert_eq!(out[1].kind, None);
            assert_eq!(out[1].api_version.as_deref(), Some("apps/v1"));
            assert_eq!(out[2].kind, None);
            assert_eq!(out[2].api_version.as_deref(), Some("apps/v1"));
            let v = values(&out);
            assert_eq!(v[0]["metadata"]["name"], "{\"kind\": \"Fake\"}");
            assert_eq!(v[1]["kind"], "Pod");
        }
    }

    #[test]
    fn block_scalar_detection_on_bytes() {
        assert!(opens_block_scalar(b"  script: |\n"));
        assert!(opens_block_scalar(b"  - >-\r\n"));
        assert!(opens_block_scalar(b"  key: |2 # comment\n"));
        assert!(!opens_block_scalar(b"  key: a | b\n"));
        assert!(!opens_block_scalar(b"  key: \"x # |\"\n"));
        assert!(!opens_block_scalar(b"  key: value\n"));
        assert!(may_define_anchor(b"- &a x"));
        assert!(!may_define_anchor(b"a: b&c"));
        assert_eq!(kind_of(b"kind: \"Pod\" # c\r\n").as_deref(), Some("Pod"));
        assert_eq!(kind_of(b"kind:\n"), None);
    }

    const ENV_POD: &str = "items:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - env:\n      - name: A\n        value: a\n      - name: B\n        valueFrom:\n          fieldRef:\n            fieldPath: x\n      image: first\n      livenessProbe:\n        httpGet:\n          path: /\n      name: c1\n    - envFrom:\n      - configMapRef:\n          name: cm\n      env:\n        - name: C\n          value: |\n            - not: an entry\n      image: second\n      name: c2\n      resources:\n        limits:\n          cpu: \"1\"\n      securityContext:\n        runAsUser: 0\n      volumeMounts:\n      - mountPath: /x\n        name: v\n  status:\n    phase: Running\n";

    #[test]
    fn drop_unread_removes_environment_probes_resources_and_mounts_and_keeps_the_rest() {
        let options = SplitOptions {
            drop_status: true,
            drop_unread: true,
        };
        let items = split_yaml_str(ENV_POD, options);
        let v = values(&items);
        assert_eq!(
            v[0]["spec"]["containers"],
            json!([
                {"image": "first", "name": "c1"},
                {"image": "second", "name": "c2", "securityContext": {"runAsUser": 0}}
            ])
        );
        assert_eq!(v[0].get("status"), None);
        // Without the option the environment stays.
        let v = values(&split_yaml_str(ENV_POD, SplitOptions::default()));
        assert_eq!(v[0]["spec"]["containers"][0]["env"][1]["name"], "B");
        assert_eq!(
            v[0]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"],
            "/"
        );
        assert_eq!(
            v[0]["spec"]["containers"][1]["resources"]["limits"]["cpu"],
            "1"
        );
        assert_eq!(
            v[0]["spec"]["containers"][1]["volumeMounts"][0]["name"],
            "v"
        );
        assert_eq!(
            v[0]["spec"]["containers"][1]["env"][0]["value"],
            "- not: an entry\n"
        );
    }

    #[test]
    fn a_dropped_block_that_defines_an_anchor_is_kept() {
        let text = "items:\n- kind: Pod\n  spec:\n    containers:\n    - env:\n      - name: A\n        value: &user \"1000\"\n      name: c\n      securityContext:\n        runAsGroup: *user\n";
        let options = SplitOptions {
            drop_status: true,
            drop_unread: true,
        };
        let items = split_yaml_str(text, options);
        let v = values(&items);
        assert_eq!(
            v[0]["spec"]["containers"][0]["securityContext"]["runAsGroup"],
            "1000"
        );
        assert_eq!(v[0]["spec"]["containers"][0]["env"][0]["name"], "A");
    }
}
