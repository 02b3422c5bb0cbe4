use crate::analysis::RunnerRef;
use crate::model::pipeline;
use crate::rules::{Context, declare_rule};
use crate::source::tree::Value;

declare_rule! {
    /// ## What it does
    /// Reports a `KUBERNETES_*` overwrite variable in a pipeline (namespace, service account,
    /// bearer token, node selector, tolerations, pod labels and annotations, CPU, memory and
    /// ephemeral-storage limits and requests) that the runner's config does not allow: the
    /// matching `*_overwrite_allowed` or `*_overwrite_max_allowed` key is unset, or the value
    /// does not match its regular expression.
    ///
    /// ## Why is this bad?
    /// Without the allowing key the runner ignores the variable without a word, so the job runs
    /// with the runner's namespace, ServiceAccount or limits and the author believes otherwise
    /// (a build that needs the `image-builder` ServiceAccount and its SCC runs as `default`).
    /// With the key set and a value that does not match it, the job fails before its pod is
    /// created: `provided value "..." does not match "..."`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ---
    /// build-image:
    ///   variables:
    ///     KUBERNETES_SERVICE_ACCOUNT_OVERWRITE: image-builder
    ///   script:
    ///     - echo build
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         service_account_overwrite_allowed = "^image-builder$"
    /// ---
    /// build-image:
    ///   variables:
    ///     KUBERNETES_SERVICE_ACCOUNT_OVERWRITE: image-builder
    ///   script:
    ///     - echo build
    /// ```
    ///
    /// ## References
    /// - [Kubernetes executor: overwrite container resources, namespace, service account](https://docs.gitlab.com/runner/executors/kubernetes/#overwrite-container-resources)
    pub static OVERWRITE_VARIABLE_NOT_ALLOWED = {
        code: "RD704",
        name: "overwrite-variable-not-allowed",
        group: Suspicious,
        fix: None,
    }
}

/// The config key that allows a `KUBERNETES_*` variable, and whether it holds a regex (else a
/// bool or a maximum).
fn allowing_key(var: &str) -> Option<(String, bool)> {
    let exact = [
        (
            "KUBERNETES_NAMESPACE_OVERWRITE",
            "namespace_overwrite_allowed",
            true,
        ),
        (
            "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE",
            "service_account_overwrite_allowed",
            true,
        ),
        (
            "KUBERNETES_BEARER_TOKEN",
            "bearer_token_overwrite_allowed",
            false,
        ),
    ];
    if let Some((_, key, regex)) = exact.iter().find(|(v, _, _)| *v == var) {
        return Some((key.to_string(), *regex));
    }
    let prefixed = [
        (
            "KUBERNETES_NODE_SELECTOR_",
            "node_selector_overwrite_allowed",
        ),
        (
            "KUBERNETES_NODE_TOLERATIONS_",
            "node_tolerations_overwrite_allowed",
        ),
        ("KUBERNETES_POD_LABELS_", "pod_labels_overwrite_allowed"),
        (
            "KUBERNETES_POD_ANNOTATIONS_",
            "pod_annotations_overwrite_allowed",
        ),
    ];
    if let Some((_, key)) = prefixed
        .iter()
        .find(|(p, _)| var.starts_with(p) && var.len() > p.len())
    {
        return Some((key.to_string(), true));
    }
    // KUBERNETES_{,SERVICE_,HELPER_,POD_}{CPU,MEMORY,EPHEMERAL_STORAGE}_{LIMIT,REQUEST}
    let rest = var.strip_prefix("KUBERNETES_")?;
    let (prefix, rest) = ["SERVICE_", "HELPER_", "POD_", ""]
        .iter()
        .find_map(|p| rest.strip_prefix(p).map(|r| (*p, r)))?;
    let (resource, kind) = ["CPU_", "MEMORY_", "EPHEMERAL_STORAGE_"]
        .iter()
        .find_map(|r| rest.strip_prefix(r).map(|k| (*r, k)))?;
    if !matches!(kind, "LIMIT" | "REQUEST")
        || (prefix == "POD_" && resource == "EPHEMERAL_STORAGE_")
    {
        return None;
    }
    Some((
        format!("{prefix}{resource}{kind}_overwrite_max_allowed").to_ascii_lowercase(),
        false,
    ))
}

/// How the runner allows a key: unset (or empty / `false`), a regex, or allowed.
enum Allowed {
    No,
    Regex(String),
    Yes,
}

fn allowed(runner: &RunnerRef<'_>, key: &str) -> Allowed {
    match runner.at(&["kubernetes", key]).map(|n| &n.value) {
        Some(Value::Str(s, _)) if !s.is_empty() => Allowed::Regex(s.clone()),
        Some(Value::Bool(true)) => Allowed::Yes,
        _ => Allowed::No,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let runners: Vec<_> = analysis
        .predictions
        .iter()
        .filter_map(|p| analysis.runner_ref(p))
        .collect();
    // A global `variables:` entry is every job's: report it once per runner.
    let mut seen = Vec::new();
    for doc in &analysis.inputs.pipelines {
        for job in pipeline::jobs(doc) {
            for (var, value) in &job.variables {
                let Some((key, is_regex)) = allowing_key(var) else {
                    continue;
                };
                for (index, runner) in runners.iter().enumerate() {
                    if seen.contains(&(index, value.span)) {
                        continue;
                    }
                    seen.push((index, value.span));
                    let label = runner.span_at(&["kubernetes", &key]);
                    let name = &job.name;
                    match allowed(runner, &key) {
                        Allowed::Yes => {}
                        // A maximum such as `cpu_limit_overwrite_max_allowed = "2"`: allowed up to it.
                        Allowed::Regex(_) if !is_regex => {}
                        Allowed::Regex(pattern) => {
                            let Ok(re) = regex::Regex::new(&pattern) else {
                                continue;
                            };
                            let checked = &value.value;
                            if checked.contains('$') || re.is_match(checked) {
                                continue; // expanded at run time, or allowed
                            }
                            let d = cx.report(
                                Some(value.span),
                                format!(
                                    "`{var}` = `{}` in job `{name}` does not match `{key}` (`{pattern}`): the runner refuses it and the job fails before its pod is created",
                                    value.value
                                ),
                            );
                            if let Some(span) = label {
                                d.label(span, "the allowed values");
                            }
                            d.help(format!(
                                "change the value to one `{pattern}` matches, or widen `{key}`"
                            ));
                        }
                        Allowed::No => {
                            let d = cx.report(
                                Some(value.span),
                                format!(
                                    "`{var}` in job `{name}` is ignored: the runner's `[runners.kubernetes]` does not set `{key}`, so the job runs with the runner's own value"
                                ),
                            );
                            if let Some(span) = runner.span_at(&["kubernetes"]) {
                                d.label(span, format!("no `{key}` here"));
                            }
                            d.help(if is_regex {
                                format!("set `{key}` in `[runners.kubernetes]` to a regular expression that matches the values jobs may use, or remove the variable")
                            } else if key == "bearer_token_overwrite_allowed" {
                                "set `bearer_token_overwrite_allowed = true` in `[runners.kubernetes]`, or remove the variable".to_string()
                            } else {
                                format!("set `{key}` in `[runners.kubernetes]` to the largest value jobs may ask for, or remove the variable")
                            });
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowing_key;

    #[test]
    fn variables_map_to_their_keys() {
        assert_eq!(
            allowing_key("KUBERNETES_CPU_LIMIT"),
            Some(("cpu_limit_overwrite_max_allowed".into(), false))
        );
        assert_eq!(
            allowing_key("KUBERNETES_HELPER_MEMORY_REQUEST"),
            Some(("helper_memory_request_overwrite_max_allowed".into(), false))
        );
        assert_eq!(
            allowing_key("KUBERNETES_NODE_SELECTOR_ARCH"),
            Some(("node_selector_overwrite_allowed".into(), true))
        );
        assert_eq!(allowing_key("KUBERNETES_SERVICE_HOST"), None);
        assert_eq!(allowing_key("KUBERNETES_POD_EPHEMERAL_STORAGE_LIMIT"), None);
    }
}
