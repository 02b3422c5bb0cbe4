//! Inline suppression comments: `# runner-doctor: allow(RD401)` (or a rule name, a prefix, a
//! group) on the line of a finding or on a comment line directly above it, and
//! `# runner-doctor: allow-file(RD113)` anywhere in a file for the whole file.
//!
//! This module owns reading those comments and dropping the findings they cover, after every
//! rule ran. It works on the files the user wrote: a diagnostic's primary span is first mapped
//! to its host file ([`Sources::to_host`]), so a comment inside a ConfigMap's embedded
//! `config.toml` (which is a comment of the YAML block scalar's text as well) applies to the
//! line shown to the user. Comments that suppress nothing are returned so that the pedantic
//! rule `unused-suppression` can report them. It never decides which rules run; that is
//! `rules::severity_for`.

use crate::diagnostic::Diagnostic;
use crate::rules::{self, Rule};
use crate::source::{Origin, SourceId, Sources, Span, TextRange};

/// The marker that starts a directive inside a comment.
const MARKER: &str = "runner-doctor:";

/// One selector of one suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The selector as written (`RD401`, `fs-group-not-applied`).
    pub selector: String,
    /// Where the selector is written, in the host file.
    pub span: Span,
    /// `allow-file(…)`: the whole file.
    pub file_level: bool,
    /// The 0-based line the comment covers (its own line, or the next one for a comment-only
    /// line); unused for file-level comments.
    pub lines: (usize, usize),
}

impl Suppression {
    /// Whether the selector names a rule at all.
    pub fn names_a_rule(&self) -> bool {
        rules::RULES.iter().any(|r| r.matches(&self.selector))
    }

    /// Whether the selector designates the rule.
    pub fn covers(&self, rule: &Rule) -> bool {
        rule.matches(&self.selector)
    }
}

/// Every suppression comment in the files the user wrote (embedded sources are part of their
/// host's text, so they are not read twice).
pub fn collect(sources: &Sources) -> Vec<Suppression> {
    let mut out = Vec::new();
    for file in sources.iter() {
        if !matches!(file.origin, Origin::File) {
            continue;
        }
        collect_in(file.id, &file.text, &mut out);
    }
    out
}

fn collect_in(source: SourceId, text: &str, out: &mut Vec<Suppression>) {
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = &line[hash + 1..];
        let Some(at) = comment.find(MARKER) else {
            continue;
        };
        // Only blanks may stand between `#` and the marker.
        if !comment[..at].trim().is_empty() {
            continue;
        }
        let after = &comment[at + MARKER.len()..];
        let directive = after.trim_start();
        let (file_level, rest) = if let Some(rest) = directive.strip_prefix("allow-file(") {
            (true, rest)
        } else if let Some(rest) = directive.strip_prefix("allow(") {
            (false, rest)
        } else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        // Offset of `rest` within the line.
        let rest_at = hash
            + 1
            + at
            + MARKER.len()
            + (after.len() - directive.len())
            + if file_level {
                "allow-file(".len()
            } else {
                "allow(".len()
            };
        let comment_only = line[..hash].trim().is_empty();
        let lines = if comment_only {
            (line_no, line_no + 1)
        } else {
            (line_no, line_no)
        };
        let mut pos = 0;
        for part in rest[..close].split(',') {
            let trimmed = part.trim();
            let lead = part.len() - part.trim_start().len();
            if !trimmed.is_empty() {
                let start = line_start + rest_at + pos + lead;
                out.push(Suppression {
                    selector: trimmed.to_string(),
                    span: Span::new(source, TextRange::new(start, start + trimmed.len())),
                    file_level,
                    lines,
                });
            }
            pos += part.len() + 1;
        }
    }
}

/// The byte offset of the `#` that opens a comment on the line: at the line start or after a
/// blank (YAML requires one; TOML strings rarely hold ` #`, and a directive must follow).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t'))
}

/// Drops the diagnostics a suppression covers; returns the suppressions that covered none of
/// the findings of a rule that ran, or that name no rule.
pub fn apply(
    sources: &Sources,
    diagnostics: &mut Vec<Diagnostic>,
    ran: &dyn Fn(&Rule) -> bool,
) -> Vec<Suppression> {
    let suppressions = collect(sources);
    if suppressions.is_empty() {
        return Vec::new();
    }
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|d| {
        let Some(primary) = d.primary else {
            return true;
        };
        let Some(rule) = rules::find(d.code) else {
            return true;
        };
        let (host, _) = sources.to_host(primary);
        let file = sources.get(host.source);
        let line = file.lines.line_of(host.range.start as usize);
        let mut keep = true;
        for (i, s) in suppressions.iter().enumerate() {
            let here = s.span.source == host.source
                && (s.file_level || s.lines.0 == line || s.lines.1 == line);
            if here && s.covers(rule) {
                used[i] = true;
                keep = false;
            }
        }
        keep
    });
    suppressions
        .into_iter()
        .zip(used)
        .filter(|(s, used)| {
            !used
                && (!s.names_a_rule()
                    || rules::RULES
                        .iter()
                        .any(|r| s.covers(r) && ran(r) && r.code != UNUSED))
        })
        .map(|(s, _)| s)
        .collect()
}

/// The code of the rule that reports unused suppressions (never suppressed by itself).
pub const UNUSED: &str = "RD021";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_selectors_and_their_lines() {
        let text = "a = 1 # runner-doctor: allow(RD401, fs-group-not-applied)\n\
                    # runner-doctor: allow-file(RD113)\n\
                    \x20 # runner-doctor:allow(pedantic)\n\
                    b = \"x#y\" # not a directive\n";
        let mut out = Vec::new();
        collect_in(SourceId(0), text, &mut out);
        let found: Vec<(&str, bool, (usize, usize))> = out
            .iter()
            .map(|s| (s.selector.as_str(), s.file_level, s.lines))
            .collect();
        assert_eq!(
            found,
            [
                ("RD401", false, (0, 0)),
                ("fs-group-not-applied", false, (0, 0)),
                ("RD113", true, (1, 2)),
                ("pedantic", false, (2, 3)),
            ]
        );
        let span = out[1].span.range.as_range();
        assert_eq!(&text[span], "fs-group-not-applied");
    }
}
