//! Input loading: files, byte spans, spanned YAML and TOML trees, and TOML embedded in YAML.
//!
//! This module owns where every value came from. Spans are byte ranges into one [`SourceFile`];
//! line and column are computed only when rendering, through [`LineIndex`]. A TOML document
//! found inside a YAML file (a ConfigMap's `config.toml`, Helm's `runners.config`) is a source of
//! its own whose [`EmbedMap`] leads every offset back to the host file. Nothing here interprets
//! what the documents mean; that is `model`'s job.

pub mod discover;
pub mod embed;
pub mod line_index;
pub mod stream;
pub mod template;
pub mod toml;
pub mod tree;
pub mod yaml;

use std::path::PathBuf;

pub use embed::EmbedMap;
pub use line_index::LineIndex;
pub use tree::{Entry, Node, Value};

/// A byte range `start..end` in one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        // Inputs are capped far below 4 GiB by the loader, so offsets fit in u32.
        Self {
            start: start.min(u32::MAX as usize) as u32,
            end: end.max(start).min(u32::MAX as usize) as u32,
        }
    }

    pub fn empty_at(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn as_range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest range that covers both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Index of a source in a [`Sources`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A range in a particular source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub source: SourceId,
    pub range: TextRange,
}

impl Span {
    pub fn new(source: SourceId, range: TextRange) -> Self {
        Self { source, range }
    }
}

/// Where a source's text came from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A file on disk (or standard input, with the path `-`).
    File,
    /// A document found inside another source; offsets map back to the host through `map`.
    Embedded {
        host: SourceId,
        /// The key path of the scalar in the host document, for messages (`data."config.toml"`).
        host_key: String,
        map: EmbedMap,
    },
}

/// One input text with its name and line index.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub id: SourceId,
    /// The path as the user gave it (embedded sources carry the host's path).
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
    pub origin: Origin,
    /// Ranges holding secret values (tokens, keys, passwords), masked whenever text is shown.
    pub redactions: Vec<TextRange>,
    /// Whether the values of the lines that assign a secret key were masked as text, beyond
    /// what the tree found (done once, at the file's first load problem).
    pub secret_lines_masked: bool,
}

impl SourceFile {
    /// The text with every secret value masked byte for byte, so offsets stay valid.
    pub fn display_text(&self) -> std::borrow::Cow<'_, str> {
        if self.redactions.is_empty() {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut bytes = self.text.clone().into_bytes();
        for range in &self.redactions {
            let end = (range.end as usize).min(bytes.len());
            for b in &mut bytes[(range.start as usize).min(end)..end] {
                if *b != b'\n' {
                    *b = b'*';
                }
            }
        }
        // Masking replaces whole multi-byte characters byte by byte with ASCII, so the result
        // is still UTF-8 unless a range cut a character; fall back to a lossy copy then.
        std::borrow::Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }

    /// Masks the secret values in a piece of this file's text given by range.
    pub fn display_slice(&self, range: TextRange) -> String {
        let text = self.display_text();
        text.get(range.as_range()).unwrap_or("").to_string()
    }
}

/// Every source read in one run. Embedded sources are added after their host.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: PathBuf, text: String, origin: Origin) -> SourceId {
        let id = SourceId(self.files.len() as u32);
        let lines = LineIndex::new(&text);
        self.files.push(SourceFile {
            id,
            path,
            text,
            lines,
            origin,
            redactions: Vec::new(),
            secret_lines_masked: false,
        });
        id
    }

    /// Marks a span as secret; the mark lands on the file the user wrote, where text is shown.
    pub fn redact(&mut self, span: Span) {
        self.files[span.source.0 as usize]
            .redactions
            .push(span.range);
        let (host, _) = self.to_host(span);
        if host.source != span.source {
            self.files[host.source.0 as usize]
                .redactions
                .push(host.range);
        }
    }

    /// Notes that a file's secret-key lines were masked as text (see the loader).
    pub fn set_secret_lines_masked(&mut self, id: SourceId) {
        self.files[id.0 as usize].secret_lines_masked = true;
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Follows embedded sources back to the file the user wrote.
    ///
    /// The second value is `false` when the mapping could only be approximated (a quoted or
    /// escaped scalar), in which case the span covers the whole host scalar.
    pub fn to_host(&self, span: Span) -> (Span, bool) {
        let mut current = span;
        let mut exact = true;
        while let Origin::Embedded { host, map, .. } = &self.get(current.source).origin {
            let (range, was_exact) = map.to_host(current.range);
            exact &= was_exact;
            current = Span::new(*host, range);
        }
        (current, exact)
    }
}
