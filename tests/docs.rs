//! The rule documentation is executable: every rule's `## Example` must fire the rule and its
//! `Use instead:` block must not (clippy's doctests, actionlint's check-checks).

use runner_doctor::model::load::Inputs;
use runner_doctor::rules::RULES;
use runner_doctor::settings::Settings;

/// The first fenced block after `marker`: (language, text).
fn block_after<'a>(docs: &'a str, marker: &str) -> Option<(&'a str, String)> {
    let rest = &docs[docs.find(marker)? + marker.len()..];
    let open = rest.find("```")?;
    let after_fence = &rest[open + 3..];
    let lang_end = after_fence.find('\n')?;
    let lang = after_fence[..lang_end].trim();
    let body = &after_fence[lang_end + 1..];
    let close = body.find("```")?;
    // Doc comments keep the space after `///`; strip it so that YAML document markers and
    // indentation read as written.
    let text: String = body[..close]
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    Some((lang, text))
}

fn fires(code: &str, lang: &str, text: &str) -> Vec<String> {
    let mut inputs = Inputs::default();
    let name = match lang {
        "toml" => "example.toml",
        _ => "example.yaml",
    };
    inputs.add_text(name.into(), text.to_string());
    let settings = Settings {
        select: vec![code.to_string()],
        ..Settings::default()
    };
    let report = runner_doctor::check(inputs, settings);
    report
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn every_example_fires_and_every_fix_is_silent() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in RULES {
        let Some((lang, example)) = block_after(rule.docs, "## Example") else {
            failures.push(format!("{}: no example block", rule.code));
            continue;
        };
        if !matches!(lang, "toml" | "yaml") {
            continue; // a command line, not an input
        }
        checked += 1;
        if fires(rule.code, lang, &example).is_empty() {
            failures.push(format!(
                "{} {}: the Example does not fire",
                rule.code, rule.name
            ));
        }
        match block_after(rule.docs, "Use instead:") {
            Some((lang, fixed)) if matches!(lang, "toml" | "yaml") => {
                let found = fires(rule.code, lang, &fixed);
                if !found.is_empty() {
                    failures.push(format!(
                        "{} {}: `Use instead` still fires: {found:?}",
                        rule.code, rule.name
                    ));
                }
            }
            _ => failures.push(format!(
                "{} {}: no `Use instead:` block",
                rule.code, rule.name
            )),
        }
    }
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
