//! Turns a [`Report`](crate::Report) into text: the rustc-style human format and JSON.
//!
//! Spans of embedded sources are mapped back to the user's file here, and only here; secret
//! values are masked before any source line is shown.

pub mod access;
pub mod human;
pub mod json;
pub mod pod_yaml;

use crate::source::{SourceFile, Sources, Span};

/// A resolved location in the user's file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The host file and location of a span.
pub fn locate(sources: &Sources, span: Span) -> (Span, &SourceFile, Location) {
    let (host, _) = sources.to_host(span);
    let file = sources.get(host.source);
    let (line, column) = file.lines.line_col(&file.text, host.range.start as usize);
    let (end_line, end_column) = file.lines.line_col(&file.text, host.range.end as usize);
    let location = Location {
        path: file.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
    };
    (host, file, location)
}
