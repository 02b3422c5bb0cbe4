use crate::admission::AttemptResult;
use crate::manager::{FieldSource, ManagerOrigin};
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Simulates OpenShift's SCC admission of the runner *manager* pod — the Deployment the
    /// gitlab-runner Helm chart renders from the values, or the one the Operator creates for a
    /// `Runner` — and reports a refusal in OpenShift's own words, each refused field traced to
    /// the values key or `Runner` field that set it, or to the chart default that applied
    /// because the key was absent.
    ///
    /// ## Why is this bad?
    /// The ReplicaSet never creates the pod (`FailedCreate … unable to validate against any
    /// security context constraint`), so no runner registers and no job ever runs. The chart's
    /// defaults `podSecurityContext: {runAsUser: 100, fsGroup: 65533}` fit the Alpine image but
    /// lie outside every OpenShift namespace's ranges, so `restricted-v2` refuses a plain
    /// install (gitlab-org/charts/gitlab-runner#118).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    /// podSecurityContext: null
    /// useTini: true
    /// image:
    ///   registry: registry.gitlab.com
    ///   image: gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp
    ///   tag: v18.9.0
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ```
    ///
    /// `null`, not `{}`: Helm merges an empty map over the chart's defaults and keeps them.
    /// `restricted-v2` then assigns a uid and fsGroup of the namespace's ranges, and the `-ocp`
    /// image works under any uid.
    ///
    /// ## References
    /// - [GitLab Runner Helm chart on OpenShift](https://docs.gitlab.com/runner/install/kubernetes_helm_chart_configuration/#run-gitlab-runner-on-openshift)
    /// - [gitlab-org/charts/gitlab-runner#118](https://gitlab.com/gitlab-org/charts/gitlab-runner/-/issues/118)
    /// - [Managing security context constraints](https://docs.openshift.com/container-platform/4.14/authentication/managing-security-context-constraints.html)
    pub static MANAGER_POD_REJECTED_BY_SCC = {
        code: "RD250",
        name: "manager-pod-rejected-by-scc",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for m in &analysis.managers {
        let Some(outcome) = &m.admission else {
            continue;
        };
        let Some(error) = outcome.error() else {
            continue;
        };
        let mut refused = Vec::new();
        for attempt in &outcome.attempts {
            if attempt.result == AttemptResult::NotUsable {
                continue;
            }
            for reason in &attempt.reasons {
                refused.push((m.pod.source_of(&reason.field), reason));
            }
        }
        let primary = refused
            .iter()
            .find_map(|(s, _)| s.and_then(FieldSource::span))
            .or_else(|| super::values_key(analysis, m, &["podSecurityContext"]))
            .or_else(|| super::anchor(analysis, m));
        let sa = m.pod.service_account();
        let d = cx.report(
            primary,
            format!(
                "OpenShift refuses {} in namespace `{}`: no SCC usable by ServiceAccount `{sa}` admits it, so the manager never starts and no job runs",
                super::deployer(m),
                m.pod.namespace
            ),
        );
        let mut seen: Vec<String> = Vec::new();
        for (source, reason) in &refused {
            let text = reason.message();
            if seen.contains(&text) {
                continue;
            }
            seen.push(text.clone());
            match source {
                Some(FieldSource::Key { span, .. })
                    if Some(*span) == primary && d.primary_label.is_none() =>
                {
                    d.primary_label(text);
                }
                Some(FieldSource::Key { span, .. }) => {
                    d.label(*span, text);
                }
                Some(other) => {
                    d.note(format!("{text}: the field comes from {other}"));
                }
                None => {}
            }
        }
        if d.primary_label.is_none()
            && refused
                .iter()
                .all(|(s, _)| s.and_then(FieldSource::span).is_none())
        {
            d.primary_label("the refused fields are chart defaults: this file does not set them");
        }
        if let (Some(uids), Some(groups)) = &m.ranges {
            d.note(format!(
                "namespace `{}` allocates uids `{uids}` (`openshift.io/sa.scc.uid-range`) and groups `{groups}` (`openshift.io/sa.scc.supplemental-groups`)",
                m.pod.namespace
            ));
        }
        d.note(format!("OpenShift's message: {error}"));
        d.help(help(m, &refused));
        super::assume_all(d, analysis, m);
    }
}

/// The least-privilege change: let the SCC assign what it assigns by itself, per deployer;
/// a values key is named by what set the refused field.
fn help(
    m: &crate::analysis::manager::ManagerPrediction,
    refused: &[(Option<&FieldSource>, &crate::admission::Reason)],
) -> String {
    let image = m
        .pod
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let ocp = image.contains("-ocp");
    match &m.pod.origin {
        ManagerOrigin::Helm { .. } => {
            let (pod_key, container_key, container_defaults) = match &m.pod.chart {
                Some((_, facts)) => (
                    facts.pod_sc_key,
                    facts.container_sc_key,
                    facts.container_sc_defaults,
                ),
                None => ("podSecurityContext", Some("securityContext"), "{}"),
            };
            let pod_prefix = format!("{pod_key}.");
            let mut steps: Vec<String> = Vec::new();
            let mut push = |step: String| {
                if !steps.contains(&step) {
                    steps.push(step);
                }
            };
            for (source, _) in refused {
                let key = match source {
                    Some(FieldSource::Key { key, .. } | FieldSource::ChartDefault { key, .. }) => key,
                    _ => continue,
                };
                if key == pod_key || key.starts_with(&pod_prefix) {
                    // Removing one key brings its chart default back: only `null` clears it.
                    push(format!("set `{pod_key}: null` (not `{{}}`, which keeps the chart's `runAsUser: 100` and `fsGroup: 65533`) so that `restricted-v2` assigns a uid and fsGroup of the namespace's ranges"));
                } else if let Some(field) = container_key
                    .and_then(|c| key.strip_prefix(c))
                    .and_then(|k| k.strip_prefix('.'))
                {
                    let has_default = serde_json::from_str::<serde_json::Value>(container_defaults)
                        .ok()
                        .is_some_and(|d| d.get(field).is_some());
                    push(if has_default {
                        format!("set `{key}: null`, so that the SCC assigns it")
                    } else {
                        format!("remove `{key}`, so that the SCC assigns it")
                    });
                } else if matches!(source, Some(FieldSource::Key { .. })) {
                    push(format!("change `{key}` to what the SCC allows"));
                }
            }
            if !ocp {
                push("use the `-ocp` image (`image.image: gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp`, `image.tag: v<runner version>`, `useTini: true`), whose `HOME` works under any uid".into());
            }
            if steps.is_empty() {
                "change the fields marked to what the usable SCCs allow, or bind an SCC that allows exactly them to the manager's ServiceAccount".into()
            } else {
                steps.join("; ")
            }
        }
        ManagerOrigin::Operator { .. } => "remove the security context fields marked from the `Runner`'s `podSpec` patches so the namespace's SCC assigns them, or bind an SCC that allows exactly them to the manager's ServiceAccount".into(),
    }
}
