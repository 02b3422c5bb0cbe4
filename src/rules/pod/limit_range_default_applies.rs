use crate::rules::pod::{Origin, config_key, container_items, effective, format_quantity};
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Reports each container of the predicted job pod that the config leaves without a limit
    /// and that therefore gets the `default` of a LimitRange in the namespace, most often the
    /// runner's `helper`, which only `helper_*_limit` keys limit.
    ///
    /// ## Why is this bad?
    /// The LimitRanger admission plugin writes its `default` limits into every container that
    /// has none. The config does not show them, yet the helper that archives caches and
    /// artifacts is then throttled or OOM-killed at a namespace default chosen for other
    /// workloads (`OOMKilled` during `Uploading artifacts`), and its requests count against the
    /// quota for every concurrent job.
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
    ///         cpu_limit = "2"
    ///         memory_limit = "4Gi"
    /// ---
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata: {name: ci-limits, namespace: ci}
    /// spec:
    ///   limits:
    ///   - type: Container
    ///     default: {memory: 256Mi}
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
    ///         cpu_limit = "2"
    ///         memory_limit = "4Gi"
    ///         helper_memory_limit = "1Gi"
    /// ---
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata: {name: ci-limits, namespace: ci}
    /// spec:
    ///   limits:
    ///   - type: Container
    ///     default: {memory: 256Mi}
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: Limit Ranges, default limits](https://kubernetes.io/docs/concepts/policy/limit-range/)
    /// - [GitLab Runner: helper container resources](https://docs.gitlab.com/runner/executors/kubernetes/#cpu-requests-and-limits)
    pub static LIMIT_RANGE_DEFAULT_APPLIES = {
        code: "RD203",
        name: "limit-range-default-applies",
        group: Advice,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let cluster = &analysis.inputs.cluster;
    for prediction in &analysis.predictions {
        let Ok(job_pod) = &prediction.representative().pod else {
            continue;
        };
        let items = container_items(cluster, &prediction.namespace);
        for c in effective(&job_pod.pod, &items) {
            if c.field != "containers" {
                continue; // init containers run for seconds; their limits rarely matter
            }
            let defaulted: Vec<(&String, f64, &String, usize)> = c
                .limits
                .iter()
                .filter_map(|(resource, (v, origin))| match origin {
                    Origin::LimitRange { name, item } => Some((resource, *v, name, *item)),
                    _ => None,
                })
                .collect();
            let Some((_, _, range_name, item_index)) = defaulted.first() else {
                continue;
            };
            let values: Vec<String> = defaulted
                .iter()
                .map(|(r, v, _, _)| format!("`{r}` {}", format_quantity(r, *v)))
                .collect();
            let keys: Vec<String> = defaulted
                .iter()
                .filter_map(|(r, _, _, _)| config_key(&c, r, "limit"))
                .map(|k| format!("`{k}`"))
                .collect();
            let primary = analysis
                .runner_ref(prediction)
                .and_then(|r| r.span_at(&["kubernetes"]).or(Some(r.span())));
            let resources: Vec<String> = defaulted
                .iter()
                .map(|(r, _, _, _)| format!("`{r}`"))
                .collect();
            let d = cx.report(
                primary,
                format!(
                    "the `{}` container sets no {} limit, so LimitRange `{range_name}` gives it its `default` ({}); the container is throttled or OOM-killed at a limit the config does not show",
                    c.name,
                    resources.join(" or "),
                    values.join(", "),
                ),
            );
            if let Some((object, _, _)) = items
                .iter()
                .find(|(o, i, _)| o.name() == *range_name && i == item_index)
            {
                d.label(
                    object.span_at(&[
                        "spec".into(),
                        "limits".into(),
                        Seg::Index(*item_index),
                        "default".into(),
                    ]),
                    format!("`default` of LimitRange `{range_name}`"),
                );
            }
            if !keys.is_empty() {
                d.help(format!(
                    "set {} in `[runners.kubernetes]` so that the limits are the config's own",
                    keys.join(" and ")
                ));
            }
        }
    }
}
