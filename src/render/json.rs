//! The JSON format: the same findings as data, with locations in the user's files.

use serde::Serialize;

use crate::Report;
use crate::diagnostic::{Assumption, Severity};
use crate::render::{Location, Secrets, locate};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'static str,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    assumptions: Vec<&'a Assumption>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: String,
    location: Option<Location>,
    /// The source text at the location, secrets masked.
    snippet: Option<String>,
    labels: Vec<JsonLabel>,
    notes: Vec<String>,
    help: Option<String>,
    assumptions: &'a [Assumption],
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel {
    message: String,
    location: Location,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: crate::diagnostic::Applicability,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    location: Location,
    replacement: String,
}

/// Renders the report as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    let sources = &report.analysis.inputs.sources;
    let secrets = Secrets::of(sources);
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    let diagnostics = report
        .diagnostics
        .iter()
        .map(|d| {
            let located = d.primary.map(|span| locate(sources, span));
            JsonDiagnostic {
                code: d.code,
                name: d.name,
                severity: d.severity,
                message: secrets.mask(&d.message),
                snippet: located
                    .as_ref()
                    .map(|(host, file, _)| super::excerpt(file.display_slice(host.range))),
                location: located.map(|(_, _, location)| location),
                labels: d
                    .labels
                    .iter()
                    .map(|l| JsonLabel {
                        message: secrets.mask(&l.message),
                        location: locate(sources, l.span).2,
                    })
                    .collect(),
                notes: d.notes.iter().map(|n| secrets.mask(n)).collect(),
                help: d.help.as_deref().map(|h| secrets.mask(h)),
                assumptions: &d.assumptions,
                fix: d.fix.as_ref().map(|f| JsonFix {
                    title: &f.title,
                    applicability: f.applicability,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            location: locate(sources, e.span).2,
                            replacement: e.replacement.clone(),
                        })
                        .collect(),
                }),
            }
        })
        .collect();
    let out = JsonReport {
        version: env!("CARGO_PKG_VERSION"),
        summary: Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        },
        diagnostics,
        assumptions: report.assumptions(),
    };
    serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
