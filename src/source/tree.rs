//! A small spanned document tree shared by the YAML and TOML loaders.
//!
//! Every node and every mapping key keeps its byte range, so that later stages can point at
//! the exact place a value came from. The tree converts to `serde_json::Value` for typed
//! deserialization; spans are then found again by key path.

use super::TextRange;

/// How a string was written, where it matters for mapping embedded text back to its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
    /// A TOML string (basic or literal, single or multi-line).
    Toml,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String, StrStyle),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub range: TextRange,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_range: TextRange,
    pub value: Node,
}

/// One step of a key path: a mapping key or a sequence index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

impl From<&'static str> for Seg<'static> {
    fn from(key: &'static str) -> Self {
        Seg::Key(key)
    }
}

impl From<usize> for Seg<'_> {
    fn from(index: usize) -> Self {
        Seg::Index(index)
    }
}

impl Node {
    pub fn new(range: TextRange, value: Value) -> Self {
        Self { range, value }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The range of this node and of every node and key below it, depth first: what snippets
    /// and fixes may slice the text by (the fuzz targets and tests check each of them).
    pub fn ranges(&self) -> Vec<super::TextRange> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            out.push(node.range);
            for entry in node.entries() {
                out.push(entry.key_range);
                stack.push(&entry.value);
            }
            stack.extend(node.items());
        }
        out
    }

    /// The entry of a mapping with this key (the last one when a key repeats, as YAML loaders do).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().rev().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s, _) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// Follows a key path; `None` when any step is missing.
    pub fn at(&self, path: &[Seg<'_>]) -> Option<&Node> {
        let mut node = self;
        for seg in path {
            node = match *seg {
                Seg::Key(key) => node.get(key)?,
                Seg::Index(i) => node.items().get(i)?,
            };
        }
        Some(node)
    }

    /// The range of the key (for the last step, when it is a key) and of the value at a path.
    pub fn key_value_range(&self, path: &[Seg<'_>]) -> Option<(TextRange, TextRange)> {
        let (last, parent) = path.split_last()?;
        let parent = self.at(parent)?;
        match *last {
            Seg::Key(key) => parent
                .entry(key)
                .map(|e| (e.key_range.cover(e.value.range), e.value.range)),
            Seg::Index(i) => parent.items().get(i).map(|n| (n.range, n.range)),
        }
    }

    /// A short word for the kind of value, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Str(..) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "table",
        }
    }

    /// The plain data, without spans, for serde.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s, _) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for e in entries {
                    map.insert(e.key.clone(), e.value.to_json());
                }
                J::Object(map)
            }
        }
    }

    /// Counts the nodes of this tree (used to bound alias expansion).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.size()).sum(),
            _ => 0,
        }
    }
}
