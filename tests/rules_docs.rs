//! The rule catalogue as documentation: `docs/rules/` matches what the generator produces
//! (ruff's generate-all check), `rules --format json|markdown` and `explain` print it, and
//! every page has the sections a reader relies on.
//!
//! Regenerate with `cargo run -- rules --format markdown --write docs/rules`, or
//! `RUNNER_DOCTOR_UPDATE_DOCS=1 cargo test --test rules_docs`.

use std::path::Path;
use std::process::Command;

use runner_doctor::rules::{RULES, docs};

fn bin(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn docs_rules_is_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let files = docs::generate();
    if std::env::var_os("RUNNER_DOCTOR_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            std::fs::remove_file(path).unwrap();
        }
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut problems = Vec::new();
    for (name, text) in &files {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(on_disk) if &on_disk == text => {}
            Ok(_) => problems.push(format!("docs/rules/{name} differs")),
            Err(_) => problems.push(format!("docs/rules/{name} is missing")),
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !files.iter().any(|(f, _)| *f == name) {
            problems.push(format!("docs/rules/{name} belongs to no rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nregenerate with `cargo run -- rules --format markdown --write docs/rules` \
         (or RUNNER_DOCTOR_UPDATE_DOCS=1 cargo test --test rules_docs)",
        problems.join("\n")
    );
}

#[test]
fn the_index_lists_every_rule_under_its_area() {
    let index = docs::index();
    let mut last_area = 0;
    for rule in RULES {
        let row = format!(
            "| {} | [{}]({}) |",
            rule.code,
            rule.name,
            docs::file_name(rule)
        );
        let at = index
            .find(&row)
            .unwrap_or_else(|| panic!("{rule:?} not in the index"));
        let heading = format!("## {}xx ", &rule.code[..3]);
        let area = index.find(&heading).unwrap();
        assert!(area < at, "{rule:?} listed before its area heading");
        assert!(area >= last_area, "areas out of order at {rule:?}");
        last_area = area;
    }
}

#[test]
fn every_page_has_the_sections_and_no_rustdoc_indent() {
    for rule in RULES {
        let page = docs::page(rule);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## References",
        ] {
            assert!(
                page.lines().any(|l| l.starts_with(section)),
                "{rule:?}: no line starts with `{section}`"
            );
        }
        assert!(page.starts_with(&format!("# {} ({})\n", rule.name, rule.code)));
    }
}

#[test]
fn explain_prints_the_page_without_the_leading_space() {
    let out = bin(&["explain", "fs-group-not-applied"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\n## What it does\n"), "{text}");
    assert!(!text.contains("\n ## "), "a rustdoc space is left: {text}");
    let code = bin(&["explain", "RD401"]);
    assert_eq!(code.stdout, text.as_bytes());
    assert_eq!(bin(&["explain", "RD999"]).status.code(), Some(2));
}

#[test]
fn rules_lists_code_name_group_and_summary() {
    let out = bin(&["rules"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), RULES.len());
    for (line, rule) in text.lines().zip(RULES) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&words[..3], &[rule.code, rule.name, rule.group.name()]);
        assert!(line.ends_with(&rule.one_line_summary()));
    }
}

#[test]
fn rules_as_json_and_markdown() {
    let out = bin(&["rules", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entries = json.as_array().unwrap();
    assert_eq!(entries.len(), RULES.len());
    let rd201 = entries.iter().find(|e| e["code"] == "RD201").unwrap();
    assert_eq!(rd201["name"], "quota-exhausted-by-concurrent");
    assert_eq!(rd201["group"], "correctness");
    assert_eq!(rd201["default_level"], "error");
    assert!(
        rd201["docs"]
            .as_str()
            .unwrap()
            .starts_with("## What it does\n")
    );

    let md = String::from_utf8(bin(&["rules", "--format", "markdown"]).stdout).unwrap();
    assert!(md.starts_with("# Rules\n"));
    for rule in RULES {
        assert!(md.contains(&format!("# {} ({})\n", rule.name, rule.code)));
    }
    // `--write` needs Markdown.
    assert_eq!(
        bin(&["rules", "--format", "json", "--write", "x"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn rules_write_creates_the_tree_and_removes_stale_pages() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rules-write");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("RD999-gone.md"), "old").unwrap();
    let out = bin(&[
        "rules",
        "--format",
        "markdown",
        "--write",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("RD999-gone.md").exists());
    for (name, text) in docs::generate() {
        assert_eq!(std::fs::read_to_string(dir.join(&name)).unwrap(), text);
    }
}

#[test]
fn explain_works_for_every_rule_by_code_and_by_name() {
    for rule in RULES {
        let page = docs::page(rule);
        for key in [rule.code, rule.name, &rule.code.to_lowercase()] {
            let out = bin(&["explain", key]);
            assert!(out.status.success(), "explain {key}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), page, "explain {key}");
        }
    }
}
