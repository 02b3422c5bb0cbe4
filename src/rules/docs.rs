//! The rule catalogue as documents: one Markdown page per rule, an index grouped by area, and
//! a JSON listing, all generated from the [`RULES`] table and each rule's own doc comment.
//!
//! This module only builds text. Writing `docs/rules/` is the binary's job
//! (`runner-doctor rules --format markdown --write docs/rules`); a test compares the directory
//! with [`generate`] so that the committed pages never drift from the code (ruff's
//! `generate-all` check).

use serde::Serialize;

use crate::rules::{FixAvailability, RULES, Rule};

/// The areas codes are allocated in, by hundreds (DESIGN.md §5).
pub const AREAS: &[(&str, &str)] = &[
    ("RD0", "Input and syntax"),
    ("RD1", "Runner configuration"),
    ("RD2", "Pod, security context and resources"),
    ("RD3", "Admission (SCC, Pod Security)"),
    ("RD4", "Volumes and permissions"),
    ("RD5", "Image builds"),
    ("RD6", "Network, CA and proxy"),
    ("RD7", "Pipelines (`.gitlab-ci.yml`)"),
    ("RD8", "Live cluster"),
];

/// The file a rule's page is written to: `RD401-fs-group-not-applied.md`.
pub fn file_name(rule: &Rule) -> String {
    format!("{}-{}.md", rule.code, rule.name)
}

/// The default level as a word: `error`, `warning`, `info` or `off`.
pub fn default_level(rule: &Rule) -> &'static str {
    rule.group.default_severity().map_or("off", |s| s.as_str())
}

fn fix_word(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::None => "none",
        FixAvailability::Sometimes => "sometimes",
        FixAvailability::Always => "always",
    }
}

/// A rule's page: title, identity, then its doc comment.
pub fn page(rule: &Rule) -> String {
    format!(
        "# {name} ({code})\n\n\
         Code `{code}` · group `{group}` · default level `{level}` · fix: {fix} · \
         source: [`{file}`](../../{file})\n\n\
         Allow it on one line with `# runner-doctor: allow({code})` or `allow({name})`.\n\n\
         {docs}\n",
        name = rule.name,
        code = rule.code,
        group = rule.group.name(),
        level = default_level(rule),
        fix = fix_word(rule.fix),
        file = rule.file,
        docs = rule.markdown(),
    )
}

/// The area a code belongs to.
fn area(code: &str) -> &'static str {
    AREAS
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .map_or("Other", |(_, title)| *title)
}

/// `docs/rules/README.md`: every rule in a table, one section per area.
pub fn index() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         Generated from each rule's doc comment by \
         `cargo run -- rules --format markdown --write docs/rules`; do not edit by hand.\n\n\
         Groups set the default level: correctness → error, suspicious and security → warning, \
         advice → info, pedantic → off. Select with `--select`/`--ignore` (a code, a prefix, a \
         name or a group), change a level with `--level GROUP=LEVEL`, allow one finding with \
         `# runner-doctor: allow(CODE)` on its line or the line above.\n",
    );
    for (prefix, title) in AREAS {
        let rules: Vec<&&Rule> = RULES
            .iter()
            .filter(|r| r.code.starts_with(prefix))
            .collect();
        if rules.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {prefix}xx {title}\n\n| code | name | group | level | summary |\n|---|---|---|---|---|\n"
        ));
        for rule in rules {
            out.push_str(&format!(
                "| {code} | [{name}]({file}) | {group} | {level} | {summary} |\n",
                code = rule.code,
                name = rule.name,
                file = file_name(rule),
                group = rule.group.name(),
                level = default_level(rule),
                summary = rule.one_line_summary().replace('|', "\\|"),
            ));
        }
    }
    out
}

/// Every file of `docs/rules/`: `README.md` first, then one page per rule.
pub fn generate() -> Vec<(String, String)> {
    let mut files = vec![("README.md".to_string(), index())];
    files.extend(RULES.iter().map(|r| (file_name(r), page(r))));
    files
}

/// One rule in the JSON listing.
#[derive(Debug, Serialize)]
pub struct RuleEntry {
    pub code: &'static str,
    pub name: &'static str,
    pub group: &'static str,
    pub area: &'static str,
    pub default_level: &'static str,
    pub fix: &'static str,
    pub summary: String,
    /// The whole doc comment as Markdown.
    pub docs: String,
}

/// The catalogue as JSON entries, in code order.
pub fn entries() -> Vec<RuleEntry> {
    RULES
        .iter()
        .map(|rule| RuleEntry {
            code: rule.code,
            name: rule.name,
            group: rule.group.name(),
            area: area(rule.code),
            default_level: default_level(rule),
            fix: fix_word(rule.fix),
            summary: rule.one_line_summary(),
            docs: rule.markdown(),
        })
        .collect()
}
