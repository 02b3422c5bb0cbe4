//! Fixes: applying the byte-range edits that rules attach to their findings, until stable.
//!
//! This module owns the edit engine (`fix`), the text helpers rules use to build their edits
//! (`text`), unified diffs of what changed (`diff`), atomic writes that refuse to clobber a file
//! changed since it was read (`write`), and the remediation manifests that are not edits
//! (`manifests`). It never re-serialises a document: every change is a splice of the user's own
//! text, so comments, order, quoting and YAML indentation survive. Edits on TOML embedded in
//! YAML (a ConfigMap's `config.toml`, Helm's `runners.config`) are mapped through the
//! embedding's line map into the host file; where that map is only approximate the fix is
//! never applied. It never prints.

pub mod diff;
pub mod manifests;
pub mod text;
pub mod write;

use std::path::PathBuf;

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::load::{Inputs, ProblemKind};
use crate::settings::Settings;
use crate::source::{EmbedMap, Origin, Sources, TextRange};
use crate::{Report, check};

/// How many check-and-apply rounds run at most (a fix that re-creates what another removes
/// must not loop forever).
pub const MAX_ROUNDS: usize = 10;

/// What may be applied.
#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Also apply fixes marked [`Applicability::Unsafe`].
    pub unsafe_fixes: bool,
}

impl FixOptions {
    /// Whether a fix of this applicability is applied under these options.
    pub fn allows(self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// One input file before and after fixing.
#[derive(Clone, Debug)]
pub struct FileChange {
    pub path: PathBuf,
    pub original: String,
    pub fixed: String,
    /// Both texts with secret values masked byte for byte, for showing (diffs).
    pub display_original: String,
    pub display_fixed: String,
}

impl FileChange {
    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }
}

/// A fix that was applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub code: &'static str,
    pub name: &'static str,
    pub title: String,
    pub path: PathBuf,
    pub round: usize,
}

/// The outcome of [`fix`].
pub struct FixRun {
    /// Every input file, changed or not, in input order.
    pub files: Vec<FileChange>,
    pub applied: Vec<Applied>,
    /// Rounds that applied something.
    pub rounds: usize,
    /// Whether a last check found nothing more to apply (false when the cap was reached).
    pub converged: bool,
    /// The check of the fixed texts.
    pub report: Report,
}

impl FixRun {
    /// Findings that still carry a fix these options would apply (they could not be applied:
    /// overlapping, or the cap was reached).
    pub fn remaining_fixable(&self, options: FixOptions) -> Vec<&Diagnostic> {
        self.report
            .diagnostics
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| options.allows(f.applicability))
            })
            .collect()
    }

    /// Findings with a fix that needs `--unsafe-fixes`.
    pub fn unsafe_remaining(&self) -> Vec<&Diagnostic> {
        self.report
            .diagnostics
            .iter()
            .filter(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == Applicability::Unsafe)
            })
            .collect()
    }
}

/// A fix's edits mapped into host files: (file index, range, replacement).
type HostEdits = Vec<(usize, TextRange, String)>;

/// Checks the texts, applies every allowed fix whose edits do not overlap another's, and
/// repeats until nothing changes or [`MAX_ROUNDS`] is reached.
pub fn fix(files: Vec<(PathBuf, String)>, settings: &Settings, options: FixOptions) -> FixRun {
    let originals: Vec<String> = files.iter().map(|(_, t)| t.clone()).collect();
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let mut texts = originals.clone();
    let mut applied = Vec::new();
    let mut rounds = 0;
    let mut converged = false;
    let mut first_display: Option<Vec<String>> = None;
    let report = loop {
        let report = check(load(&paths, &texts), settings.clone());
        if first_display.is_none() {
            first_display = Some(display_texts(
                &report.analysis.inputs.sources,
                &paths,
                &texts,
            ));
        }
        if rounds == MAX_ROUNDS {
            break report;
        }
        let sources = &report.analysis.inputs.sources;
        let mut accepted: Vec<(usize, TextRange)> = Vec::new();
        let mut round_edits: Vec<(usize, TextRange, String)> = Vec::new();
        let mut round_fixes: Vec<(&Diagnostic, &Fix, Vec<usize>)> = Vec::new();
        let mut round_embedded: Vec<crate::diagnostic::Edit> = Vec::new();
        for diagnostic in &report.diagnostics {
            let Some(fix) = &diagnostic.fix else { continue };
            if !options.allows(fix.applicability) || fix.edits.is_empty() {
                continue;
            }
            let Some(edits) = host_edits(sources, &paths, fix) else {
                continue;
            };
            if self_overlapping(&edits) {
                // A fix whose own edits touch the same text cannot be applied as splices
                // (found by fuzzing: two table removals sharing lines); it is left unapplied.
                continue;
            }
            if edits
                .iter()
                .any(|(f, r, _)| accepted.iter().any(|(af, ar)| af == f && overlaps(*ar, *r)))
            {
                continue; // another fix touches the same text; the next round sees it again
            }
            // The same fix reported twice (two findings, one edit) is applied once.
            if round_fixes.iter().any(|(_, f, _)| f.edits == fix.edits) {
                continue;
            }
            let files_touched: Vec<usize> = edits.iter().map(|(f, _, _)| *f).collect();
            for (file, range, replacement) in edits {
                accepted.push((file, range));
                round_edits.push((file, range, replacement));
            }
            for edit in &fix.edits {
                if matches!(
                    sources.get(edit.span.source).origin,
                    Origin::Embedded { .. }
                ) {
                    round_embedded.push(edit.clone());
                }
            }
            round_fixes.push((diagnostic, fix, files_touched));
        }
        if round_edits.is_empty() {
            converged = true;
            break report;
        }
        let mut next = texts.clone();
        let mut rejected = Vec::new();
        for (index, text) in next.iter_mut().enumerate() {
            let mut edits: Vec<&(usize, TextRange, String)> =
                round_edits.iter().filter(|(f, _, _)| *f == index).collect();
            if edits.is_empty() {
                continue;
            }
            edits.sort_by_key(|(_, r, _)| std::cmp::Reverse((r.start, r.end)));
            let mut fixed = text.clone();
            for (_, range, replacement) in edits {
                fixed.replace_range(range.as_range(), replacement);
            }
            // A fix must never break the file: if the fixed text has more syntax problems
            // than the original, or lost an embedded document, this file's fixes are dropped.
            let expected = expected_embedded(sources, &paths[index], &round_embedded);
            if syntax_problems(&paths[index], &fixed) > syntax_problems(&paths[index], text)
                || embedded_texts(&paths[index], &fixed) != expected
            {
                rejected.push(index);
                continue;
            }
            *text = fixed;
        }
        let mut any = false;
        for (diagnostic, fix, touched) in &round_fixes {
            if touched.iter().any(|f| rejected.contains(f)) {
                continue;
            }
            any = true;
            applied.push(Applied {
                code: diagnostic.code,
                name: diagnostic.name,
                title: fix.title.clone(),
                path: paths[touched[0]].clone(),
                round: rounds + 1,
            });
        }
        if !any {
            converged = true;
            break report;
        }
        // Rejected files keep their text; accepted files move on.
        for (index, text) in next.into_iter().enumerate() {
            if !rejected.contains(&index) {
                texts[index] = text;
            }
        }
        rounds += 1;
    };
    let display_fixed = display_texts(&report.analysis.inputs.sources, &paths, &texts);
    let display_original = first_display.unwrap_or_default();
    let files = paths
        .into_iter()
        .zip(originals)
        .zip(texts)
        .enumerate()
        .map(|(i, ((path, original), fixed))| FileChange {
            display_original: display_original.get(i).cloned().unwrap_or_default(),
            display_fixed: display_fixed.get(i).cloned().unwrap_or_default(),
            path,
            original,
            fixed,
        })
        .collect();
    FixRun {
        files,
        applied,
        rounds,
        converged,
        report,
    }
}

/// A fix whose edits cannot be mapped exactly into the user's file (a quoted or escaped
/// embedding) is shown, never applied.
pub fn downgrade_inexact(sources: &Sources, diagnostics: &mut [Diagnostic]) {
    for fix in diagnostics.iter_mut().filter_map(|d| d.fix.as_mut()) {
        if fix.edits.iter().any(|e| !sources.to_host(e.span).1) {
            fix.applicability = Applicability::DisplayOnly;
        }
    }
}

/// Loads the texts as `check` would read them from disk.
pub fn load(paths: &[PathBuf], texts: &[String]) -> Inputs {
    let mut inputs = Inputs::default();
    for (path, text) in paths.iter().zip(texts) {
        inputs.add_text(path.clone(), text.clone());
    }
    inputs
}

/// What a set of edits would make of the input files, without applying them: for remediation
/// that is shown as a patch rather than applied (the distributed-cache option of
/// [`manifests`]). Each changed host file comes with its raw and masked texts, before and after.
/// `None` when an edit cannot be mapped exactly into its host file, or two edits overlap.
pub fn preview(sources: &Sources, edits: Vec<crate::diagnostic::Edit>) -> Option<Vec<FileChange>> {
    let files: Vec<&crate::source::SourceFile> = sources
        .iter()
        .filter(|s| matches!(s.origin, Origin::File))
        .collect();
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let fix = Fix {
        title: String::new(),
        edits,
        applicability: Applicability::DisplayOnly,
    };
    let mut host = host_edits(sources, &paths, &fix)?;
    if self_overlapping(&host) {
        return None;
    }
    host.sort_by_key(|(f, r, _)| (*f, std::cmp::Reverse((r.start, r.end))));
    let mut out: Vec<FileChange> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mine: Vec<&(usize, TextRange, String)> =
            host.iter().filter(|(f, _, _)| *f == index).collect();
        if mine.is_empty() {
            continue;
        }
        let display_original = file.display_text().into_owned();
        if display_original.len() != file.text.len() {
            return None; // masking moved offsets (a cut character): no faithful display
        }
        let mut fixed = file.text.clone();
        let mut display_fixed = display_original.clone();
        for (_, range, replacement) in mine {
            fixed.replace_range(range.as_range(), replacement);
            // Masking keeps every byte offset, so the same ranges hold in the masked text.
            display_fixed.replace_range(range.as_range(), replacement);
        }
        out.push(FileChange {
            path: file.path.clone(),
            original: file.text.clone(),
            fixed,
            display_original,
            display_fixed,
        });
    }
    Some(out)
}

/// Whether two of one fix's edits conflict in the same file.
fn self_overlapping(edits: &HostEdits) -> bool {
    edits.iter().enumerate().any(|(i, (file, range, _))| {
        edits[i + 1..]
            .iter()
            .any(|(f, r, _)| f == file && overlaps(*r, *range))
    })
}

/// Whether two edit ranges conflict: they intersect, or two insertions land on one offset
/// (their order would be a guess), or an insertion lands strictly inside a replaced range.
fn overlaps(a: TextRange, b: TextRange) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    a.start < b.end.max(b.start + 1)
        && b.start < a.end.max(a.start + 1)
        && !(a.is_empty() && (a.start == b.start || a.start == b.end))
        && !(b.is_empty() && (b.start == a.start || b.start == a.end))
}

/// Maps a fix's edits to host files; `None` when one of them cannot be mapped exactly.
fn host_edits(sources: &Sources, paths: &[PathBuf], fix: &Fix) -> Option<HostEdits> {
    let mut out = Vec::new();
    for edit in &fix.edits {
        let (host, exact) = sources.to_host(edit.span);
        if !exact {
            return None;
        }
        let file = sources.get(host.source);
        let index = paths.iter().position(|p| *p == file.path)?;
        let (range, replacement) = match &sources.get(edit.span.source).origin {
            Origin::Embedded {
                map: EmbedMap::Lines(lines),
                host: host_id,
                ..
            } if *host_id == host.source => {
                block_scalar_edit(lines, &file.text, edit.span.range, &edit.replacement)?
            }
            Origin::Embedded { .. } => {
                // Nested or approximate embeddings: only edits without line breaks, as mapped.
                if edit.replacement.contains('\n') {
                    return None;
                }
                (host.range, edit.replacement.clone())
            }
            Origin::File => (host.range, edit.replacement.clone()),
        };
        if range.end as usize > file.text.len()
            || !file.text.is_char_boundary(range.start as usize)
            || !file.text.is_char_boundary(range.end as usize)
        {
            return None;
        }
        out.push((index, range, replacement));
    }
    Some(out)
}

/// Maps an edit of TOML embedded in a `|` block scalar into the host YAML.
///
/// Offsets inside a line keep their column; an offset at the start of an embedded line maps
/// to the start of the host line (before its indentation), so that removing whole lines
/// removes them whole even when a blank host line is shorter than the block's indentation.
/// New lines of the replacement get the block's indentation.
fn block_scalar_edit(
    lines: &[(u32, u32)],
    host: &str,
    range: TextRange,
    replacement: &str,
) -> Option<(TextRange, String)> {
    let indent = block_indent(lines, host)?;
    let map = |offset: u32| -> Option<(usize, bool)> {
        let i = match lines.binary_search_by_key(&offset, |&(e, _)| e) {
            Ok(i) => i,
            Err(0) => return None,
            Err(i) => i - 1,
        };
        let (embedded, host_offset) = lines[i];
        let last = i + 1 == lines.len();
        if offset == embedded && last {
            // The end of the text maps to the last line's newline: go past it, so that
            // removing the last line removes its line break too.
            return (host.as_bytes().get(host_offset as usize) == Some(&b'\n'))
                .then_some((host_offset as usize + 1, true))
                .or(Some((host_offset as usize, false)));
        }
        if offset == embedded {
            Some(((host_offset as usize).checked_sub(indent)?, true))
        } else {
            Some((host_offset as usize + (offset - embedded) as usize, false))
        }
    };
    let (start, at_line_start) = map(range.start)?;
    let (end, _) = if range.is_empty() {
        (start, at_line_start)
    } else {
        map(range.end)?
    };
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (n, piece) in replacement.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if !piece.is_empty() && (n > 0 || at_line_start) {
            out.push_str(&pad);
        }
        out.push_str(piece);
    }
    Some((TextRange::new(start, end.max(start)), out))
}

/// The indentation of a block scalar: that of its first content line.
fn block_indent(lines: &[(u32, u32)], host: &str) -> Option<usize> {
    lines.iter().find_map(|&(_, h)| {
        let h = h as usize;
        let line_start = host.get(..h)?.rfind('\n').map_or(0, |p| p + 1);
        let before = &host[line_start..h];
        let content = host.get(h..)?.chars().next()?;
        (before.bytes().all(|b| b == b' ') && !content.is_whitespace()).then_some(h - line_start)
    })
}

/// Syntax problems (TOML, YAML, invalid objects) found when loading one text alone.
fn syntax_problems(path: &std::path::Path, text: &str) -> usize {
    load(&[path.to_path_buf()], &[text.to_string()])
        .problems
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                ProblemKind::TomlSyntax | ProblemKind::YamlSyntax | ProblemKind::InvalidObject
            )
        })
        .count()
}

/// The texts of the documents embedded in one file, in order, when it is loaded alone.
fn embedded_texts(path: &std::path::Path, text: &str) -> Vec<String> {
    let inputs = load(&[path.to_path_buf()], &[text.to_string()]);
    inputs
        .sources
        .iter()
        .filter(|s| matches!(s.origin, Origin::Embedded { .. }))
        .map(|s| s.text.clone())
        .collect()
}

/// What [`embedded_texts`] must give after the round: each embedded document of the file with
/// its own edits applied. A mapping that went wrong shows up as a difference here, and the
/// file's fixes are then dropped rather than written.
fn expected_embedded(
    sources: &Sources,
    path: &std::path::Path,
    edits: &[crate::diagnostic::Edit],
) -> Vec<String> {
    sources
        .iter()
        .filter(|s| match s.origin {
            Origin::Embedded { .. } => {
                sources
                    .get(
                        sources
                            .to_host(crate::source::Span::new(s.id, TextRange::default()))
                            .0
                            .source,
                    )
                    .path
                    == path
            }
            Origin::File => false,
        })
        .map(|s| {
            let mut own: Vec<&crate::diagnostic::Edit> =
                edits.iter().filter(|e| e.span.source == s.id).collect();
            own.sort_by_key(|e| std::cmp::Reverse((e.span.range.start, e.span.range.end)));
            let mut text = s.text.clone();
            for e in own {
                if text.is_char_boundary(e.span.range.start as usize)
                    && text.is_char_boundary(e.span.range.end as usize)
                    && e.span.range.end as usize <= text.len()
                {
                    text.replace_range(e.span.range.as_range(), &e.replacement);
                }
            }
            text
        })
        .collect()
}

/// Each file's text as shown: secrets masked.
fn display_texts(sources: &Sources, paths: &[PathBuf], texts: &[String]) -> Vec<String> {
    paths
        .iter()
        .zip(texts)
        .map(|(path, text)| {
            sources
                .iter()
                .find(|s| s.path == *path && matches!(s.origin, Origin::File))
                .map_or_else(|| text.clone(), |s| s.display_text().into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_rules() {
        let r = |a: usize, b: usize| TextRange::new(a, b);
        assert!(overlaps(r(0, 5), r(4, 6)));
        assert!(!overlaps(r(0, 5), r(5, 6)));
        assert!(overlaps(r(3, 3), r(3, 3)));
        assert!(!overlaps(r(5, 5), r(0, 5)));
        assert!(overlaps(r(2, 2), r(0, 5)));
    }
}
