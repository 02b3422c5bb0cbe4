//! The human format: rustc-style diagnostics drawn by annotate-snippets, pointing at the lines
//! of the user's own files, followed by a summary and the assumptions the findings rest on.

use std::collections::BTreeMap;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::Report;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::render::Secrets;
use crate::source::{SourceId, Span, TextRange};

/// Renders the whole report.
pub fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let secrets = Secrets::of(&report.analysis.inputs.sources);
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let masked = masked(diagnostic, &secrets);
        out.push_str(&render_one(report, &masked, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(report));
    out
}

/// The diagnostic with every secret value masked in its free text (messages are written by
/// rules, and a rule quoting a value must not leak it).
fn masked(d: &Diagnostic, secrets: &Secrets) -> Diagnostic {
    let mut d = d.clone();
    d.message = secrets.mask(&d.message);
    d.primary_label = d.primary_label.map(|l| secrets.mask(&l));
    for label in &mut d.labels {
        label.message = secrets.mask(&label.message);
    }
    for note in &mut d.notes {
        *note = secrets.mask(note);
    }
    d.help = d.help.map(|h| secrets.mask(&h));
    if let Some(fix) = &mut d.fix {
        fix.title = secrets.mask(&fix.title);
    }
    d
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// An annotation to draw: its range in the host file, whether primary, and its label.
type Mark<'a> = (TextRange, bool, Option<&'a str>);

/// One snippet per host file; annotations keep to the first line of their span so that a
/// whole TOML table or YAML object does not fill the screen.
fn render_one(report: &Report, d: &Diagnostic, renderer: &Renderer) -> String {
    let sources = &report.analysis.inputs.sources;
    let marks: Vec<(Span, bool, Option<&str>)> = d
        .primary
        .map(|span| (span, true, d.primary_label.as_deref()))
        .into_iter()
        .chain(
            d.labels
                .iter()
                .map(|l| (l.span, false, Some(l.message.as_str()))),
        )
        .collect();
    let mut by_file: BTreeMap<SourceId, Vec<Mark>> = BTreeMap::new();
    let mut order: Vec<SourceId> = Vec::new();
    for (span, primary, label) in marks {
        let (host, _) = sources.to_host(span);
        let file = sources.get(host.source);
        if !order.contains(&host.source) {
            order.push(host.source);
        }
        by_file.entry(host.source).or_default().push((
            first_line(&file.text, host.range),
            primary,
            label,
        ));
    }

    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.code);
    let mut group: Group =
        title.elements(Vec::<Snippet<'_, annotate_snippets::Annotation<'_>>>::new());
    let texts: Vec<(SourceId, String)> = order
        .iter()
        .map(|&id| (id, sources.get(id).display_text().into_owned()))
        .collect();
    for (id, text) in &texts {
        let file = sources.get(*id);
        let mut snippet = Snippet::source(text.as_str())
            .path(file.path.display().to_string())
            .fold(true);
        for (range, primary, label) in &by_file[id] {
            let kind = if *primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let annotation = kind.span(range.as_range());
            snippet = snippet.annotation(match label {
                Some(label) => annotation.label(*label),
                None => annotation,
            });
        }
        group = group.element(snippet);
    }
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    for assumption in &d.assumptions {
        group = group.element(Level::NOTE.message(format!(
            "assumes {} = {} ({})",
            assumption.key, assumption.value, assumption.origin
        )));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    if let Some(fix) = &d.fix
        && !fix.edits.is_empty()
    {
        // Which command applies it, so that a reader of `check` knows what `fix` would do.
        let how = match fix.applicability {
            Applicability::Safe => "`runner-doctor fix` applies this",
            Applicability::Unsafe => {
                "`runner-doctor fix --unsafe-fixes` applies this (it changes behaviour: review it)"
            }
            Applicability::DisplayOnly => "suggested, never applied automatically",
        };
        group = group.element(Level::HELP.message(format!("{how}: {}", fix.title)));
    }
    renderer.render(&[group])
}

/// The part of `range` on its first line (at least one character, so the caret shows).
fn first_line(text: &str, range: TextRange) -> TextRange {
    let start = range.start as usize;
    let end = (range.end as usize).min(text.len());
    let line_end = text[start.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| start + i);
    let end = end.min(line_end);
    if end > start {
        TextRange::new(start, end)
    } else {
        // An empty span: widen to a neighbouring character on the same line so the caret shows.
        let start = start.min(text.len());
        match text[start..].chars().next() {
            Some(c) if c != '\n' && c != '\r' => TextRange::new(start, start + c.len_utf8()),
            _ => match text[..start].chars().next_back() {
                Some(c) if c != '\n' => TextRange::new(start - c.len_utf8(), start),
                _ => TextRange::new(start, start),
            },
        }
    }
}

fn summary(report: &Report) -> String {
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "{}, {}, {}\n",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "info")
    );
    let assumptions = report.assumptions();
    if !assumptions.is_empty() {
        out.push_str("\nassumptions used (override with --assume KEY=VALUE):\n");
        for a in assumptions {
            out.push_str(&format!("  - {} = {}: {}\n", a.key, a.value, a.origin));
        }
    }
    out
}
