use crate::analysis::effective::Winner;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a key of a registration template that an environment variable of registration
    /// also sets, to another value: the chart's `envVars` or `extraEnv`, a variable the chart
    /// sets itself (`CI_SERVER_URL` from `gitlabUrl`, `RUNNER_EXECUTOR`), or an entry of the
    /// Operator's env ConfigMap.
    ///
    /// ## Why is this bad?
    /// `gitlab-runner register` fills the config from its flags and environment first and
    /// merges the template without overriding (reference runner-manager.md §1.9): a non-empty
    /// variable wins, and the template's key is silently ignored. The other way round is a
    /// trap too: a zero value (`false`, `0`, empty) in the environment never wins, so it
    /// cannot switch off a key the template sets. Either way, one of the two places is edited
    /// in vain.
    ///
    /// ## Example
    /// ```yaml
    /// envVars:
    ///   - name: KUBERNETES_NAMESPACE
    ///     value: ci-old
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead: set the value in one place, the template.
    /// ```yaml
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: register with a configuration template](https://docs.gitlab.com/runner/register/#register-with-a-configuration-template)
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    pub static ENV_CONFLICTS_WITH_TEMPLATE = {
        code: "RD117",
        name: "env-conflicts-with-template",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for effective in &cx.analysis.effective {
        for o in &effective.overrides {
            let (Some(template), Some(value), Some(template_value)) =
                (o.template, &o.value, &o.template_value)
            else {
                continue;
            };
            if value == template_value {
                continue;
            }
            let setting = &effective.settings[o.setting];
            let key = format!("`{}`", o.key.dotted());
            let origin = setting.origin.describe();
            let secret = o.key.is_secret();
            let shown = |v: &serde_json::Value| {
                if secret {
                    "****".to_string()
                } else {
                    v.to_string()
                }
            };
            match o.winner {
                Winner::Env => found.push((
                    setting.span.unwrap_or(template),
                    template,
                    format!(
                        "{key} is set twice: `{}` from {origin} wins over the template's {} at registration",
                        setting.name,
                        shown(template_value)
                    ),
                    format!("sets {key} to {}", shown(value)),
                    "ignored: the environment wins over the template".to_string(),
                    format!(
                        "set {key} in one place: remove `{}` from {origin}, or the key from the template",
                        setting.name
                    ),
                )),
                Winner::Template => found.push((
                    template,
                    setting.span.unwrap_or(template),
                    format!(
                        "`{}` from {origin} cannot switch off {key}: a zero value never wins over the template at registration",
                        setting.name
                    ),
                    "the template's value, which applies".to_string(),
                    format!("{} is ignored", shown(value)),
                    format!(
                        "change {key} in the template, and remove `{}` from {origin}",
                        setting.name
                    ),
                )),
            }
        }
    }
    for (primary, secondary, message, primary_label, label, help) in found {
        let d = cx.report(Some(primary), message);
        d.primary_label(primary_label);
        if secondary != primary {
            d.label(secondary, label);
        }
        d.help(help);
    }
}
