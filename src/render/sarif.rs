//! The SARIF 2.1.0 format, for code-scanning services and IDE viewers.
//!
//! `tool.driver.rules` lists every rule of the registry (id = code, name, the summary as
//! `shortDescription`, the rule's docs as `help`); each result points at its rule by index, at
//! the line and column in the file the user wrote (embedded TOML mapped to its host YAML), and
//! carries the same stable fingerprint as the GitLab format. Columns count Unicode code
//! points, as the line index does, and say so in `columnKind`.
//! Spec: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::Report;
use crate::diagnostic::{Applicability, Severity};
use crate::render::{Secrets, gitlab, locate, relative_path};
use crate::rules::{RULES, Rule};
use crate::source::{Sources, Span};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base id that relative artifact URIs resolve against (the project root).
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    #[serde(skip_serializing_if = "RunProperties::is_empty")]
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    #[serde(skip_serializing_if = "ResultProperties::is_empty")]
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Text,
}

#[derive(Default, Serialize)]
struct ResultProperties {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assumptions: Vec<String>,
}

impl ResultProperties {
    fn is_empty(&self) -> bool {
        self.notes.is_empty() && self.help.is_none() && self.assumptions.is_empty()
    }
}

#[derive(Default, Serialize)]
struct RunProperties {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assumptions: Vec<String>,
}

impl RunProperties {
    fn is_empty(&self) -> bool {
        self.assumptions.is_empty()
    }
}

/// SARIF's `level` for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's docs as Markdown: doc comments keep the space after `///`.
pub(crate) fn rule_markdown(rule: &Rule) -> String {
    let mut out: String = rule
        .docs
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    out.truncate(out.trim_end().len());
    out
}

fn descriptor(rule: &'static Rule) -> Descriptor {
    let markdown = rule_markdown(rule);
    let default = rule.group.default_severity();
    Descriptor {
        id: rule.code,
        name: rule.name,
        short_description: Text {
            text: rule
                .summary()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        },
        help: Help {
            text: markdown.clone(),
            markdown,
        },
        default_configuration: Configuration {
            enabled: default.is_some(),
            // Off-by-default rules run at `info` when selected.
            level: level(default.unwrap_or(Severity::Info)),
        },
        properties: DescriptorProperties {
            tags: vec![rule.group.name()],
        },
    }
}

/// Percent-encodes what may not appear in a URI path (RFC 3986 `pchar` and `/`).
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The artifact location of a host file: relative to `%SRCROOT%` when under the root, else an
/// absolute `file:` URI.
fn artifact(path: &Path, root: &Path) -> ArtifactLocation {
    let shown = relative_path(path, root);
    if Path::new(&shown).is_absolute() {
        ArtifactLocation {
            uri: format!("file://{}", encode_uri_path(&shown)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            // A relative reference whose first segment holds a colon would read as a scheme.
            uri: encode_uri_path(&shown).replace(':', "%3A"),
            uri_base_id: Some(SRCROOT),
        }
    }
}

fn root_uri(root: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = if root.is_absolute() {
        root.to_path_buf()
    } else {
        cwd.join(root)
    };
    let mut path = absolute
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect::<std::path::PathBuf>()
        .display()
        .to_string();
    // A base URI must end with a slash (SARIF §3.14.14).
    if !path.ends_with('/') {
        path.push('/');
    }
    format!("file://{}", encode_uri_path(&path))
}

fn physical(sources: &Sources, secrets: &Secrets, span: Span, root: &Path) -> PhysicalLocation {
    let (host, file, at) = locate(sources, span);
    let first_line = file.display_slice(host.range);
    let first_line = first_line.lines().next().unwrap_or("");
    PhysicalLocation {
        artifact_location: artifact(&file.path, root),
        region: Region {
            start_line: at.line,
            start_column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            snippet: (!first_line.is_empty()).then(|| Text {
                text: super::excerpt(secrets.mask(first_line)),
            }),
        },
    }
}

/// Renders the report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report, root: &Path) -> String {
    let sources = &report.analysis.inputs.sources;
    let secrets = Secrets::of(sources);
    let fingerprints = gitlab::fingerprints(report, root);
    let results = report
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| SarifResult {
            rule_id: d.code,
            rule_index: RULES.iter().position(|r| r.code == d.code),
            level: level(d.severity),
            message: Text {
                text: secrets.mask(&d.message),
            },
            locations: d
                .primary
                .map(|span| SarifLocation {
                    id: None,
                    physical_location: physical(sources, &secrets, span, root),
                    message: None,
                })
                .into_iter()
                .collect(),
            related_locations: d
                .labels
                .iter()
                .enumerate()
                .map(|(i, label)| SarifLocation {
                    id: Some(i),
                    physical_location: physical(sources, &secrets, label.span, root),
                    message: Some(Text {
                        text: secrets.mask(&label.message),
                    }),
                })
                .collect(),
            partial_fingerprints: BTreeMap::from([("runnerDoctor/v1", fingerprint)]),
            fixes: d
                .fix
                .iter()
                // A display-only fix rests on an approximate span; SARIF consumers apply fixes.
                .filter(|f| f.applicability != Applicability::DisplayOnly && !f.edits.is_empty())
                .map(|f| fix(sources, &secrets, f, root))
                .collect(),
            properties: ResultProperties {
                notes: d.notes.iter().map(|n| secrets.mask(n)).collect(),
                help: d.help.as_deref().map(|h| secrets.mask(h)),
                assumptions: d
                    .assumptions
                    .iter()
                    .map(|a| format!("{} = {} ({})", a.key, a.value, a.origin))
                    .collect(),
            },
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "runner-doctor",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: RULES.iter().map(|&r| descriptor(r)).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: root_uri(root),
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                assumptions: report
                    .assumptions()
                    .iter()
                    .map(|a| format!("{} = {} ({})", a.key, a.value, a.origin))
                    .collect(),
            },
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn fix(
    sources: &Sources,
    secrets: &Secrets,
    fix: &crate::diagnostic::Fix,
    root: &Path,
) -> SarifFix {
    // One artifact change per host file, edits in order.
    let mut changes: Vec<ArtifactChange> = Vec::new();
    for edit in &fix.edits {
        let location = physical(sources, secrets, edit.span, root);
        let replacement = Replacement {
            deleted_region: Region {
                snippet: None,
                ..location.region
            },
            inserted_content: Text {
                text: secrets.mask(&edit.replacement),
            },
        };
        match changes
            .iter_mut()
            .find(|c| c.artifact_location.uri == location.artifact_location.uri)
        {
            Some(change) => change.replacements.push(replacement),
            None => changes.push(ArtifactChange {
                artifact_location: location.artifact_location,
                replacements: vec![replacement],
            }),
        }
    }
    SarifFix {
        description: Text {
            text: secrets.mask(&fix.title),
        },
        artifact_changes: changes,
    }
}
