use crate::rules::{Context, declare_rule};
use crate::source::{Span, TextRange};

declare_rule! {
    /// ## What it does
    /// Reports a registration template (Helm `runners.config`, the ConfigMap an Operator
    /// `Runner` names) that does not hold exactly one `[[runners]]` entry.
    ///
    /// ## Why is this bad?
    /// `gitlab-runner register --template-config` refuses any other count with
    /// `configuration template must contain exactly one [[runners]] entry`, so the manager
    /// never registers and no job runs (reference runner-manager.md §1.9).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci-big"
    /// ```
    ///
    /// Use instead: one runner per Helm release (or `Runner` resource).
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    /// - [GitLab Runner Operator](https://docs.gitlab.com/runner/install/operator/)
    pub static TEMPLATE_RUNNER_COUNT = {
        code: "RD114",
        name: "template-runner-count",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for config in &cx.analysis.inputs.configs {
        if super::registration_template(cx.analysis, config).is_none() {
            continue;
        }
        let entries = match config.root.get("runners") {
            Some(runners) if runners.is_map() => continue, // orphan-runners-table
            Some(runners) => runners.items().to_vec(),
            None => Vec::new(),
        };
        if entries.len() == 1 {
            continue;
        }
        let span = match entries.get(1) {
            Some(second) => Span::new(config.source, second.range),
            None => Span::new(config.source, TextRange::empty_at(0)),
        };
        let first = entries.first().map(|e| Span::new(config.source, e.range));
        found.push((span, first, entries.len()));
    }
    for (span, first, count) in found {
        let d = cx.report(
            Some(span),
            format!(
                "this registration template has {count} `[[runners]]` entries; `gitlab-runner register` needs exactly one and fails with `configuration template must contain exactly one [[runners]] entry`"
            ),
        );
        if let Some(first) = first {
            d.primary_label("a second entry");
            d.label(first, "the first entry");
        }
        d.help(if count == 0 {
            "add one `[[runners]]` entry with the runner's settings".to_string()
        } else {
            "keep one `[[runners]]` entry; deploy each further runner as its own release or `Runner`".to_string()
        });
    }
}
