use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};

use super::TemplateOf;

declare_rule! {
    /// ## What it does
    /// Reports keys of a registration template's `[[runners]]` entry that registration has
    /// already set, so the template's value never applies.
    ///
    /// They are `name`, `token`, `executor` (other than `kubernetes`), `[runners.kubernetes]`
    /// `retry_limit`, `retry_backoff_max` and `resource_availability_check_max_attempts`;
    /// under the Operator also `request_concurrency`, `output_limit` and `poll_timeout`.
    ///
    /// ## Why is this bad?
    /// `gitlab-runner register` merges the template into the config it built from flags and
    /// environment without overriding: the template only fills fields that are still empty.
    /// These fields never are (the name defaults to the pod's hostname, the token is blanked,
    /// the chart sets `RUNNER_EXECUTOR`, the retry settings carry CLI defaults, the Operator
    /// sets its own request concurrency, output limit and poll timeout), so the value in the
    /// template is ignored (reference runner-manager.md §1.9, §2.5, §3.7).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       name = "team-runner"
    ///       [runners.kubernetes]
    ///         retry_limit = 10
    /// ```
    ///
    /// Use instead: set the name with the chart value `runners.name`.
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   name: team-runner
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## Fix safety
    /// The fix removes the key's line (a comment after it stays). The runner behaves the same,
    /// since registration never lets the value apply. It is safe for `token`, for an
    /// `executor` other than `kubernetes` and for `name` under the Operator. Elsewhere the value
    /// says what the user wanted (a runner name, a retry limit, a poll timeout) and must be set
    /// where the help says to take effect, so removing it is unsafe: it would drop that
    /// intention silently. A key written as a dotted key or in an inline table is left to the
    /// help.
    ///
    /// ## References
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    /// - [Registering runners](https://docs.gitlab.com/runner/register/)
    pub static TEMPLATE_KEY_SET_BY_REGISTRATION = {
        code: "RD115",
        name: "template-key-set-by-registration",
        group: Suspicious,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for config in &cx.analysis.inputs.configs {
        let Some(template) = super::registration_template(cx.analysis, config) else {
            continue;
        };
        let operator = matches!(template, TemplateOf::Operator(_));
        let runners = config.root.get("runners").map_or(&[][..], |r| r.items());
        let Some(runner) = runners.first() else {
            continue;
        };
        let mut keys: Vec<(&[&str], String, String)> = vec![
            (
                &["name"],
                "registration names the runner itself (the pod's hostname unless set)".into(),
                match &template {
                    TemplateOf::Helm => "set the chart value `runners.name` instead".into(),
                    TemplateOf::Operator(_) => {
                        "remove `name`; the Operator names the runner".into()
                    }
                },
            ),
            (
                &["token"],
                "registration blanks the template's token and uses the one it registers with"
                    .into(),
                "remove `token`; keep the token in the runner's Secret".into(),
            ),
        ];
        if runner
            .get("executor")
            .and_then(|e| e.as_str())
            .is_some_and(|e| e != "kubernetes")
        {
            keys.push((
                &["executor"],
                "the deployment registers the Kubernetes executor".into(),
                "remove `executor`; only the Kubernetes executor runs here".into(),
            ));
        }
        for (path, default) in [
            (&["kubernetes", "retry_limit"][..], "5"),
            (&["kubernetes", "retry_backoff_max"][..], "2000"),
            (
                &["kubernetes", "resource_availability_check_max_attempts"][..],
                "5",
            ),
        ] {
            let key = path[1];
            keys.push((
                path,
                format!("registration already sets it to its default ({default})"),
                format!("remove `{key}`; the runner uses {default}"),
            ));
        }
        if operator {
            for (path, env) in [
                (&["request_concurrency"][..], "RUNNER_REQUEST_CONCURRENCY"),
                (&["output_limit"][..], "RUNNER_OUTPUT_LIMIT"),
                (
                    &["kubernetes", "poll_timeout"][..],
                    "KUBERNETES_POLL_TIMEOUT",
                ),
            ] {
                keys.push((
                    path,
                    "the Operator sets it through the environment of registration".into(),
                    format!("set `{env}` in the ConfigMap the `Runner`'s `spec.env` names"),
                ));
            }
        }
        let runner_ref = crate::analysis::RunnerRef {
            config,
            index: 0,
            node: runner,
        };
        for (path, why, help) in keys {
            if let Some(span) = runner_ref.span_at(path) {
                let shown = match path {
                    [key] => format!("`{key}`"),
                    [table, key] => format!("`{key}` in `[runners.{table}]`"),
                    _ => format!("`{}`", path.join(".")),
                };
                let safe =
                    matches!(path, ["token"] | ["executor"]) || (path == ["name"] && operator);
                found.push((span, shown, why, help, removal(cx, span, path, safe)));
            }
        }
    }
    for (span, key, why, help, fix) in found {
        let d = cx.report(
            Some(span),
            format!(
                "{key} in a registration template never applies: {why}, and the template only fills fields that are still empty"
            ),
        )
        .primary_label("ignored by registration")
        .help(help);
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}

/// Removes the entry at `span` when it stands on its own line (`key = value`, perhaps with a
/// comment after it); a dotted key or an inline table is not removed line by line.
fn removal(cx: &Context, span: crate::source::Span, path: &[&str], safe: bool) -> Option<Fix> {
    let text = &cx.analysis.inputs.sources.get(span.source).text;
    let start = span.range.start as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let key = path.last()?;
    if !text[line_start..start].trim().is_empty() || !text[start..].starts_with(key) {
        return None;
    }
    Some(Fix {
        title: format!("remove `{key}`"),
        edits: vec![text::edit(
            span.source,
            text::remove_entry(text, span.range),
            "",
        )],
        applicability: if safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        },
    })
}
