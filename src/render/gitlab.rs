//! The GitLab Code Quality format: a JSON array of Code Climate issues that GitLab shows in
//! merge requests (`artifacts:reports:codequality`).
//!
//! Severity: `error` → `critical` (the job pod will fail or be refused), `warning` → `major`
//! for the security group (something is exposed) and `minor` otherwise (probably wrong, nothing
//! fails yet), `info` → `info`. GitLab's `blocker` is not used: nothing we report blocks more
//! than the job.
//!
//! The fingerprint is what GitLab matches issues by between the base and the head of a merge
//! request, so it must not move when unrelated lines are added: it hashes the rule code, the
//! path relative to the project, the key of the embedded document (`data.config.toml`) and the
//! message, which names the offending key or object, and never the line number. Two findings
//! that hash alike are told apart by re-salting in report order, as ruff does.
//! Format: <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::render::{Secrets, embedded_key, host_files, locate, relative_path};
use crate::rules::{self, Group};

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    categories: Vec<&'static str>,
    severity: &'static str,
    fingerprint: String,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// Code Quality's severity of a finding (see the module docs).
fn severity(d: &Diagnostic) -> &'static str {
    let group = rules::find(d.code).map(|r| r.group);
    match d.severity {
        Severity::Error => "critical",
        Severity::Warning if group == Some(Group::Security) => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Code Climate's categories, for tools that read them.
fn categories(d: &Diagnostic) -> Vec<&'static str> {
    match rules::find(d.code).map(|r| r.group) {
        Some(Group::Security) => vec!["Security"],
        Some(Group::Correctness | Group::Suspicious) => vec!["Bug Risk"],
        _ => vec!["Style"],
    }
}

/// The path and first/last line of a finding; a finding about the run as a whole is put on
/// the first input file, line 1, as Code Quality needs a location.
fn place(report: &Report, d: &Diagnostic, root: &Path) -> (String, usize, usize) {
    let sources = &report.analysis.inputs.sources;
    match d.primary {
        Some(span) => {
            let (_, file, at) = locate(sources, span);
            (relative_path(&file.path, root), at.line, at.end_line)
        }
        None => {
            let path = host_files(sources)
                .next()
                .map_or_else(|| ".".to_string(), |f| relative_path(&f.path, root));
            (path, 1, 1)
        }
    }
}

/// One stable fingerprint per finding, in report order (shared with SARIF).
pub(crate) fn fingerprints(report: &Report, root: &Path) -> Vec<String> {
    let sources = &report.analysis.inputs.sources;
    let secrets = Secrets::of(sources);
    let mut seen = HashSet::new();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let (path, _, _) = place(report, d, root);
            let key = d
                .primary
                .and_then(|s| embedded_key(sources, s))
                .unwrap_or("");
            let message = secrets.mask(&d.message);
            let mut salt = 0u32;
            loop {
                let mut hash = Sha256::new();
                for part in [d.code, path.as_str(), key, message.as_str()] {
                    hash.update(part.as_bytes());
                    // A separator, so that ("ab", "c") and ("a", "bc") differ.
                    hash.update([0]);
                }
                if salt > 0 {
                    hash.update(salt.to_le_bytes());
                }
                let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
                if seen.insert(hex.clone()) {
                    break hex;
                }
                salt += 1;
            }
        })
        .collect()
}

/// Renders the report as a Code Quality JSON array.
pub fn render(report: &Report, root: &Path) -> String {
    let secrets = Secrets::of(&report.analysis.inputs.sources);
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(fingerprints(report, root))
        .map(|(d, fingerprint)| {
            let (path, begin, end) = place(report, d, root);
            Issue {
                kind: "issue",
                check_name: d.name,
                description: format!("{}: {}", d.code, secrets.mask(&d.message)),
                categories: categories(d),
                severity: severity(d),
                fingerprint,
                location: IssueLocation {
                    path,
                    lines: Lines {
                        begin,
                        end: end.max(begin),
                    },
                },
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
