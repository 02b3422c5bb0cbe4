use crate::rules::pod::{
    Origin, config_key, container_items, effective, format_quantity, parse_quantity,
};
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Compares each container limit of the predicted job pod (build, helper, services) with
    /// the `max` of every `type: Container` item of the namespace's LimitRanges.
    ///
    /// ## Why is this bad?
    /// The LimitRanger admission plugin refuses a pod whose container limit is above the
    /// range's `max` (`maximum cpu usage per Container is 2, but limit is 4`). The runner
    /// cannot create the job pod, and every job on the runner fails before its first line.
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
    ///         cpu_limit = "4"
    /// ---
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata: {name: ci-limits, namespace: ci}
    /// spec:
    ///   limits:
    ///   - type: Container
    ///     max: {cpu: "2"}
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
    /// ---
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata: {name: ci-limits, namespace: ci}
    /// spec:
    ///   limits:
    ///   - type: Container
    ///     max: {cpu: "2"}
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: Limit Ranges](https://kubernetes.io/docs/concepts/policy/limit-range/)
    /// - [GitLab Runner: Kubernetes executor resource requests and limits](https://docs.gitlab.com/runner/executors/kubernetes/#cpu-requests-and-limits)
    pub static LIMIT_ABOVE_LIMIT_RANGE_MAX = {
        code: "RD202",
        name: "limit-above-limit-range-max",
        group: Correctness,
        fix: None,
    }
}

/// One refused limit: the LimitRange item, the resource, and the containers that share it
/// (the runner gives `init-permissions` the helper's resources).
struct Over<'a> {
    object: &'a crate::model::cluster::ClusterObject,
    item: usize,
    resource: String,
    limit: f64,
    max: f64,
    primary: Option<crate::source::Span>,
    key: Option<String>,
    containers: Vec<String>,
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let cluster = &analysis.inputs.cluster;
    for prediction in &analysis.predictions {
        let Ok(job_pod) = &prediction.representative().pod else {
            continue;
        };
        let items = container_items(cluster, &prediction.namespace);
        let mut found: Vec<Over<'_>> = Vec::new();
        // Main containers first, so that the config key named is the one of `helper`, not of
        // the init container that copies its resources.
        let mut containers = effective(&job_pod.pod, &items);
        containers.sort_by_key(|c| c.field != "containers");
        for c in &containers {
            for (object, item_index, item) in &items {
                for (resource, max) in item.max.iter().flatten() {
                    let (Some(max_v), Some((limit, origin))) =
                        (parse_quantity(&max.0), c.limits.get(resource))
                    else {
                        continue;
                    };
                    if *limit <= max_v + 1e-12 || *origin != Origin::Pod {
                        continue;
                    }
                    let path = c.path(&format!("resources.limits.{resource}"));
                    let primary = analysis
                        .field_span(prediction, job_pod, &path)
                        .or_else(|| analysis.runner_ref(prediction).map(|r| r.span()));
                    match found.iter_mut().find(|o| {
                        o.object.span() == object.span()
                            && o.item == *item_index
                            && o.resource == *resource
                            && o.primary == primary
                    }) {
                        Some(over) => over.containers.push(c.name.clone()),
                        None => found.push(Over {
                            object,
                            item: *item_index,
                            resource: resource.clone(),
                            limit: *limit,
                            max: max_v,
                            primary,
                            key: config_key(c, resource, "limit"),
                            containers: vec![c.name.clone()],
                        }),
                    }
                }
            }
        }
        for over in found {
            let resource = &over.resource;
            let (limit_s, max_s) = (
                format_quantity(resource, over.limit),
                format_quantity(resource, over.max),
            );
            let names: Vec<String> = over.containers.iter().map(|n| format!("`{n}`")).collect();
            let who = if names.len() == 1 {
                format!("the {} container's", names[0])
            } else {
                format!("the {} containers'", names.join(" and "))
            };
            let d = cx.report(
                over.primary,
                format!(
                    "{who} `{resource}` limit {limit_s} is above LimitRange `{}`'s `max` of {max_s} per Container; the job pod is refused (`maximum {resource} usage per Container is {max_s}, but limit is {limit_s}`) and every job fails",
                    over.object.name(),
                ),
            );
            d.label(
                over.object.span_at(&[
                    "spec".into(),
                    "limits".into(),
                    Seg::Index(over.item),
                    "max".into(),
                    Seg::Key(resource),
                ]),
                format!("`max` of LimitRange `{}`", over.object.name()),
            );
            d.help(match &over.key {
                Some(key) => format!(
                    "lower `{key}` to at most {max_s}, or raise the LimitRange's `max.{resource}`"
                ),
                None => format!("raise the LimitRange's `max.{resource}` to {limit_s}"),
            });
        }
    }
}
