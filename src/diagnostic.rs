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

    /// Shortens every overlong `quoted` name or value in the finding's texts, so that a
    /// megabyte key in someone's file gives a line of output, not a megabyte in every format.
    pub fn shorten_quotes(&mut self) {
        self.message = shorten_quotes(&self.message);
        if let Some(label) = &mut self.primary_label {
            *label = shorten_quotes(label);
        }
        for label in &mut self.labels {
            label.message = shorten_quotes(&label.message);
        }
        for note in &mut self.notes {
            *note = shorten_quotes(note);
        }
        if let Some(help) = &mut self.help {
            *help = shorten_quotes(help);
        }
        if let Some(fix) = &mut self.fix {
            fix.title = shorten_quotes(&fix.title);
        }
    }
}

/// Longest text between backticks a finding shows whole; longer ones keep their start.
pub const MAX_QUOTE: usize = 120;

/// `text` with each backtick-quoted part longer than [`MAX_QUOTE`] bytes cut to its first
/// characters, an ellipsis and its length. Text outside backticks is kept (rules write it).
pub fn shorten_quotes(text: &str) -> String {
    if text.len() <= MAX_QUOTE {
        return text.to_string();
    }
    let parts: Vec<&str> = text.split('`').collect();
    let mut out = String::with_capacity(text.len().min(8 * MAX_QUOTE));
    let mut after_close = None;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if let Some(len) = after_close.take() {
            out.push_str(&format!(" ({len} bytes)"));
        }
        // Odd parts lie between a backtick and its closing one (an unpaired last backtick
        // leaves its tail as it is).
        let quoted = i % 2 == 1 && i + 1 < parts.len();
        if quoted && part.len() > MAX_QUOTE {
            let mut cut = 48;
            while !part.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&part[..cut]);
            out.push('…');
            after_close = Some(part.len());
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_keep_their_start_and_say_their_length() {
        let key = "k".repeat(1000);
        let text = format!("unknown key `{key}` in `[runners]`; did you mean `name`?");
        assert_eq!(
            shorten_quotes(&text),
            format!(
                "unknown key `{}…` (1000 bytes) in `[runners]`; did you mean `name`?",
                "k".repeat(48)
            )
        );
        assert_eq!(shorten_quotes("a `b` c"), "a `b` c");
        // Multi-byte characters are never cut in the middle; an unpaired backtick is kept.
        let wide = format!("`{}` and `{}", "é".repeat(100), "t".repeat(200));
        let short = shorten_quotes(&wide);
        assert!(
            short.starts_with(&format!("`{}…` (200 bytes) and `t", "é".repeat(24))),
            "{short}"
        );
        assert!(short.ends_with(&"t".repeat(200)));
    }
}
