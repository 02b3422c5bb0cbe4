use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};
use crate::source::{Span, TextRange};

use super::TemplateOf;

declare_rule! {
    /// ## What it does
    /// Reports global keys (`concurrent`, `check_interval`, `log_level`, `[session_server]`, …)
    /// in a runner config that the Helm chart or the Operator uses as a registration template.
    ///
    /// ## Why is this bad?
    /// Registration takes only the `[[runners]]` entry of the template; the global part of
    /// the runner's `config.toml` comes from the chart's own values (`concurrent`,
    /// `checkInterval`, …) or the `Runner` resource. The key is ignored without a word
    /// (reference runner-manager.md §1.9).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     concurrent = 20
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// concurrent: 20
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## Fix safety
    /// Removing the keys is safe: registration ignores them, so the runner behaves the same. A
    /// `[session_server]` table goes with its keys; comment lines stay. Set the value where the
    /// help says if you still want it.
    ///
    /// ## References
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    /// - [GitLab Runner: global settings](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-global-section)
    pub static GLOBAL_KEY_IN_TEMPLATE = {
        code: "RD113",
        name: "global-key-in-template",
        group: Suspicious,
        fix: Sometimes,
    }
}

/// Global key → (chart value, Operator `Runner` field) that set it instead.
const GLOBALS: &[(&str, &str, Option<&str>)] = &[
    ("concurrent", "`concurrent`", Some("`spec.concurrent`")),
    ("check_interval", "`checkInterval`", Some("`spec.interval`")),
    ("log_level", "`logLevel`", None),
    ("log_format", "`logFormat`", None),
    ("sentry_dsn", "`sentryDsn`", None),
    ("listen_address", "`metrics.enabled`", None),
    ("shutdown_timeout", "`shutdown_timeout`", None),
    ("connection_max_age", "`connectionMaxAge`", None),
    ("session_server", "`sessionServer`", None),
];

/// A global key found: its span, name, who deploys the template, the help for it, and the
/// ranges that remove it (`None` when it cannot be removed line by line).
type Found = (Span, String, String, String, Option<Vec<TextRange>>);

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for config in &cx.analysis.inputs.configs {
        let Some(template) = super::registration_template(cx.analysis, config) else {
            continue;
        };
        for entry in config.root.entries() {
            if entry.key == "runners" {
                continue;
            }
            let known = GLOBALS.iter().find(|(k, _, _)| *k == entry.key);
            let key = &entry.key;
            let help = match (&template, known) {
                (TemplateOf::Helm, Some((_, value, _))) => {
                    format!("for `{key}`, set the chart value {value} instead")
                }
                (TemplateOf::Operator(name), Some((key, _, Some(field)))) => {
                    // The Runner may set it already: then the help says so, with its value.
                    let set = cx
                        .analysis
                        .inputs
                        .cluster
                        .runners()
                        .find(|(_, r)| r.metadata.name.as_deref() == Some(name.as_str()))
                        .and_then(|(_, r)| match *key {
                            "concurrent" => r.spec.concurrent,
                            "check_interval" => r.spec.interval,
                            _ => None,
                        });
                    match set {
                        Some(value) => format!(
                            "remove `{key}`: {field} of `Runner` `{name}` sets it already (to {value})"
                        ),
                        None => format!("for `{key}`, set {field} of `Runner` `{name}` instead"),
                    }
                }
                _ => format!("remove `{key}`"),
            };
            let deployer = match &template {
                TemplateOf::Helm => "the Helm chart".to_string(),
                TemplateOf::Operator(name) => format!("the Operator (`Runner` `{name}`)"),
            };
            let text = &cx.analysis.inputs.sources.get(config.source).text;
            let removal = removal(text, entry);
            found.push((
                Span::new(config.source, entry.key_range),
                entry.key.clone(),
                deployer,
                help,
                removal,
            ));
        }
    }
    // One finding per config: the first key is the primary span, the others are labels.
    let mut by_config: Vec<Vec<Found>> = Vec::new();
    for item in found {
        match by_config.last_mut() {
            Some(group) if group[0].0.source == item.0.source => group.push(item),
            _ => by_config.push(vec![item]),
        }
    }
    for group in by_config {
        let keys: Vec<String> = group
            .iter()
            .map(|(_, k, _, _, _)| format!("`{k}`"))
            .collect();
        let deployer = &group[0].2;
        let noun = if keys.len() == 1 { "key" } else { "keys" };
        let d = cx.report(
            Some(group[0].0),
            format!(
                "global {noun} {} ignored: {deployer} uses this config as a registration template, which contributes only its `[[runners]]` entry",
                if keys.len() == 1 { format!("{} is", keys[0]) } else { format!("{} are", keys.join(", ")) }
            ),
        );
        d.primary_label("ignored by registration");
        for (span, _, _, _, _) in &group[1..] {
            d.label(*span, "ignored too");
        }
        let helps: Vec<&str> = group
            .iter()
            .map(|(_, _, _, help, _)| help.as_str())
            .collect();
        d.help(helps.join("; "));
        // Removing what registration ignores changes nothing the runner does.
        let ranges: Option<Vec<TextRange>> = group
            .iter()
            .map(|(_, _, _, _, r)| r.clone())
            .collect::<Option<Vec<_>>>()
            .map(|r| r.concat());
        if let Some(ranges) = ranges {
            let source = group[0].0.source;
            d.fix(Fix {
                title: format!("remove {}", keys.join(", ")),
                edits: ranges
                    .into_iter()
                    .map(|r| text::edit(source, r, ""))
                    .collect(),
                applicability: Applicability::Safe,
            });
        }
    }
}

/// The ranges that remove a top-level entry: its line, or a `[table]` with its keys.
fn removal(text: &str, entry: &crate::source::Entry) -> Option<Vec<TextRange>> {
    let start = entry.key_range.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..)?.lines().next()?.trim_start();
    if entry.value.is_map() {
        // Only a `[table]` header can be removed as a block; a dotted key or an inline
        // table spread over lines is left to the user.
        return (line.starts_with('[') && !line.starts_with("[["))
            .then(|| text::remove_table(text, start));
    }
    if line.starts_with('[') {
        return None;
    }
    Some(vec![text::remove_entry(
        text,
        entry.key_range.cover(entry.value.range),
    )])
}
