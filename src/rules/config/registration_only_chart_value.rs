use crate::rules::{Context, declare_rule};
use crate::source::Span;
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Reports gitlab-runner Helm chart values that only configure registration with a
    /// (deprecated) registration token.
    ///
    /// They are `runners.tags`, `runners.runUntagged`, `runners.locked`, `runners.protected`
    /// and `runners.maximumTimeout`, all marked deprecated in the chart's `values.yaml`, and
    /// the same fields (`spec.tags`, `spec.runUntagged`, `spec.locked`, `spec.protected`) of
    /// an Operator `Runner`.
    ///
    /// ## Why is this bad?
    /// Registration tokens are deprecated. With an authentication token (`glrt-…`) these
    /// settings belong to the runner in GitLab, and the chart's registration flags for them are
    /// reserved: a non-default value ends registration with `FATAL: Runner configuration other
    /// than name and executor configuration is reserved …` (reference runner-manager.md §1.9,
    /// §3.8). Either way they do not belong next to `runners.config`.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   tags: "k8s"
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead: set the tags on the runner in GitLab (Settings › CI/CD › Runners).
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## References
    /// - [Migrating to the new runner registration workflow](https://docs.gitlab.com/ci/runners/new_creation_workflow/)
    pub static REGISTRATION_ONLY_CHART_VALUE = {
        code: "RD110",
        name: "registration-only-chart-value",
        group: Suspicious,
        fix: None,
    }
}

const VALUES: &[(&str, &str)] = &[
    ("tags", "tags"),
    ("runUntagged", "run untagged jobs"),
    ("locked", "lock to current projects"),
    ("protected", "protected"),
    ("maximumTimeout", "maximum job timeout"),
];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for values in &cx.analysis.inputs.helm_values {
        let Some(runners) = values.root.get("runners") else {
            continue;
        };
        let token = values
            .root
            .get("runnerToken")
            .and_then(|t| t.as_str())
            .unwrap_or("");
        for (key, setting) in VALUES {
            if let Some(entry) = runners.entry(key) {
                let span = Span::new(values.source, entry.key_range);
                found.push((span, *key, *setting, token.starts_with("glrt-")));
            }
        }
    }
    // The Operator's `Runner` has the same registration-only fields (runner-manager.md §2.2).
    let mut operator = Vec::new();
    for (object, runner) in cx.analysis.inputs.cluster.runners() {
        let name = runner.metadata.name.clone().unwrap_or_default();
        let spec = &runner.spec;
        for (field, set, setting) in [
            ("tags", spec.tags.is_some(), "tags"),
            (
                "runUntagged",
                spec.run_untagged.is_some(),
                "run untagged jobs",
            ),
            ("locked", spec.locked.is_some(), "lock to current projects"),
            ("protected", spec.protected.is_some(), "protected"),
        ] {
            if set {
                let span = object.span_at(&[Seg::Key("spec"), Seg::Key(field)]);
                operator.push((span, name.clone(), field, setting));
            }
        }
    }
    for (span, name, field, setting) in operator {
        cx.report(
            Some(span),
            format!(
                "`spec.{field}` of `Runner` `{name}` only applies when registering with a deprecated registration token; with an authentication token it is set in GitLab, and registration can fail with `FATAL: Runner configuration other than name and executor configuration is reserved`"
            ),
        )
        .primary_label("registration-token setting")
        .help(format!(
            "set \"{setting}\" on the runner in GitLab (Settings › CI/CD › Runners) and remove `spec.{field}`"
        ));
    }
    for (span, key, setting, glrt) in found {
        let d = cx.report(
            Some(span),
            format!(
                "chart value `runners.{key}` only applies when registering with a deprecated registration token; with an authentication token it is set in GitLab, and the chart's registration flag for it can make registration fail"
            ),
        );
        d.primary_label("registration-token setting");
        if glrt {
            d.note(
                "`runnerToken` is an authentication token (`glrt-…`), so this value is reserved",
            );
        }
        d.help(format!(
            "set \"{setting}\" on the runner in GitLab (Settings › CI/CD › Runners) and remove `runners.{key}`"
        ));
    }
}
