//! Diagnostics as plain data: what rules produce and renderers print.
//!
//! A diagnostic names its rule, states the fact and its consequence, points at a primary span
//! (mapped to the user's own file when rendering), may carry context labels on other objects,
//! notes, a `help:` line, the assumptions it rests on, and a fix. Nothing here prints.

use serde::Serialize;

use crate::source::Span;

/// How serious a finding is; ordered so that `--fail-on` can compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary location with its own message ("this SCC", "this PVC").
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// Something a finding takes as true without having read it in the inputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Assumption {
    /// A stable key, the one `--assume KEY=VALUE` overrides (e.g. `helper.user`).
    pub key: String,
    /// The value assumed, as text.
    pub value: String,
    /// Where it came from: a knowledge-base entry, a default, a flag.
    pub origin: String,
}

impl Assumption {
    pub fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        origin: impl Into<String>,
    ) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            origin: origin.into(),
        }
    }
}

/// Whether a fix may be applied without asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps behaviour except for the problem it fixes.
    Safe,
    /// Changes behaviour or loosens security; applied only when asked for.
    Unsafe,
    /// Shown, never applied (e.g. the span could only be approximated).
    DisplayOnly,
}

/// Replace the text of `span` by `replacement`.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// One finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the finding is; `None` for findings about the run as a whole.
    pub primary: Option<Span>,
    pub primary_label: Option<String>,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub assumptions: Vec<Assumption>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn primary_label(&mut self, message: impl Into<String>) -> &mut Self {
        self.primary_label = Some(message.into());
        self
    }

    pub fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn assume(&mut self, assumption: Assumption) -> &mut Self {
        if !self.assumptions.contains(&assumption) {
            self.assumptions.push(assumption);
        }
        self
    }

    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }
}
