use crate::rules::{Context, declare_rule};
use crate::source::Span;

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
    /// ## References
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    /// - [GitLab Runner: global settings](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-global-section)
    pub static GLOBAL_KEY_IN_TEMPLATE = {
        code: "RD113",
        name: "global-key-in-template",
        group: Suspicious,
        fix: None,
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

/// A global key found: its span, name, who deploys the template, and what to set instead.
type Found = (Span, String, String, Option<String>);

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
            let instead = match (&template, known) {
                (TemplateOf::Helm, Some((_, value, _))) => {
                    Some(format!("set the chart value {value} instead"))
                }
                (TemplateOf::Operator(name), Some((_, _, Some(field)))) => {
                    Some(format!("set {field} of `Runner` `{name}` instead"))
                }
                _ => None,
            };
            let deployer = match &template {
                TemplateOf::Helm => "the Helm chart".to_string(),
                TemplateOf::Operator(name) => format!("the Operator (`Runner` `{name}`)"),
            };
            found.push((
                Span::new(config.source, entry.key_range),
                entry.key.clone(),
                deployer,
                instead,
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
        let keys: Vec<String> = group.iter().map(|(_, k, _, _)| format!("`{k}`")).collect();
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
        for (span, _, _, _) in &group[1..] {
            d.label(*span, "ignored too");
        }
        let mut helps: Vec<String> = Vec::new();
        for (_, key, _, instead) in &group {
            helps.push(match instead {
                Some(instead) => format!("for `{key}`, {instead}"),
                None => format!("remove `{key}`"),
            });
        }
        d.help(helps.join("; "));
    }
}
