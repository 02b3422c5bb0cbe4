//! Turns a [`Report`](crate::Report) into text, one file per format: human (rustc-style),
//! concise (one line per finding), JSON, SARIF 2.1.0, GitLab Code Quality and JUnit XML.
//!
//! Spans of embedded sources are mapped back to the user's file here, and only here; secret
//! values are masked before any source line or message is shown ([`Secrets`]). Renderers return
//! strings and never print or read the environment: the caller passes what they need in
//! [`Options`].

pub mod access;
pub mod concise;
pub mod effective;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod manager_yaml;
pub mod pod_yaml;
pub mod sarif;

use std::path::{Component, Path, PathBuf};

use crate::Report;
use crate::source::{Origin, SourceFile, Sources, Span};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Gitlab,
    Junit,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Gitlab,
        Format::Junit,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }

    /// The format of a name, as [`Format::name`] spells it.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a renderer needs from outside the report.
#[derive(Clone, Debug)]
pub struct Options {
    /// Styled output (the human format only).
    pub color: bool,
    /// The directory that report paths are made relative to in the machine formats (GitLab's
    /// `CI_PROJECT_DIR`, or the current directory).
    pub root: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            color: false,
            root: PathBuf::from("."),
        }
    }
}

/// Renders the report in a format; the text ends with a newline.
pub fn render(report: &Report, format: Format, options: &Options) -> String {
    let mut text = match format {
        Format::Human => human::render(report, options.color),
        Format::Concise => concise::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, &options.root),
        Format::Gitlab => gitlab::render(report, &options.root),
        Format::Junit => junit::render(report, &options.root),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

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

/// The files the user wrote (not the documents embedded in them), in reading order.
pub fn host_files(sources: &Sources) -> impl Iterator<Item = &SourceFile> {
    sources.iter().filter(|f| matches!(f.origin, Origin::File))
}

/// The key path of the embedded document a span sits in (`data.config.toml`), if any: part of
/// a finding's identity that survives edits elsewhere in the file.
pub fn embedded_key(sources: &Sources, span: Span) -> Option<&str> {
    match &sources.get(span.source).origin {
        Origin::Embedded { host_key, .. } => Some(host_key),
        Origin::File => None,
    }
}

/// The secret values of every source (tokens, passwords, Secret data), to be masked in any
/// free text a renderer shows: messages, notes, help, labels and fix replacements are written
/// by rules, and a rule quoting a value must not leak it.
pub struct Secrets {
    /// Longest first, so that a secret containing another is masked whole.
    values: Vec<String>,
}

impl Secrets {
    /// Collects the redacted ranges of every source.
    pub fn of(sources: &Sources) -> Self {
        let mut values: Vec<String> = sources
            .iter()
            .flat_map(|f| {
                f.redactions
                    .iter()
                    .filter_map(|r| f.text.get(r.as_range()))
                    .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
            })
            // Very short values ("0", "no") would mask ordinary words; they are masked in
            // source text by range, which is where they can appear.
            .filter(|s| s.chars().count() >= 4)
            .collect();
        // The runner names its job pods after the token's first characters (`runner-<short
        // token>-project-…`, lower-cased): that prefix is part of the secret too.
        let prefixes: Vec<String> = values
            .iter()
            .map(|v| crate::pod::short_token(v))
            .filter(|s| s.chars().count() >= 4)
            .flat_map(|s| [s.to_ascii_lowercase(), s])
            .collect();
        values.extend(prefixes);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        Self { values }
    }

    /// The text with every secret value replaced by `****`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "****");
            }
        }
        out
    }
}

/// `path` relative to `root` when it lies under it, with `/` separators, as CI systems expect;
/// otherwise the path as given. Both are normalised lexically (no file system access), so a
/// report does not depend on symlinks or on whether the files still exist.
pub fn relative_path(path: &Path, root: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &Path| {
        normalise(&if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        })
    };
    let (full, root_full) = (absolute(path), absolute(root));
    let shown = match full.strip_prefix(&root_full) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => normalise(path),
    };
    let parts: Vec<String> = shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if shown.is_absolute() {
        shown.display().to_string()
    } else {
        parts.join("/")
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Longest source excerpt a machine-readable format carries for one finding, in bytes.
pub const MAX_EXCERPT: usize = 4096;

/// `text` cut to [`MAX_EXCERPT`] bytes at a character boundary, with an ellipsis when cut: a
/// finding on a megabyte value points at it without copying it into every report.
pub(crate) fn excerpt(mut text: String) -> String {
    if text.len() > MAX_EXCERPT {
        let mut cut = MAX_EXCERPT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_to_the_root() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            relative_path(Path::new("./examples/a/b.yaml"), Path::new(".")),
            "examples/a/b.yaml"
        );
        assert_eq!(
            relative_path(&cwd.join("examples/b.yaml"), &cwd.join("examples")),
            "b.yaml"
        );
        assert_eq!(
            relative_path(Path::new("/elsewhere/x.toml"), &cwd),
            "/elsewhere/x.toml"
        );
    }

    #[test]
    fn secrets_are_masked_in_free_text() {
        let mut sources = Sources::new();
        let text = "token = \"glrt-abcdef\"\nlevel = \"on\"\n";
        let id = sources.add("c.toml".into(), text.into(), Origin::File);
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            Span::new(
                id,
                crate::source::TextRange::new(start, start + needle.len()),
            )
        };
        sources.redact(at("\"glrt-abcdef\""));
        // Too short to mask in prose without masking ordinary words.
        sources.redact(at("on"));
        let secrets = Secrets::of(&sources);
        assert_eq!(
            secrets.mask("token `glrt-abcdef` is on"),
            "token `****` is on"
        );
    }

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(Format::from_name(format.name()), Some(format));
        }
    }
}
