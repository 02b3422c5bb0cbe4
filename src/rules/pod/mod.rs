//! `RD2xx`: the job pod's resources against the namespace's ResourceQuota and LimitRange.
//!
//! The helpers here turn the predicted job pod (`JobPrediction::pod`) into what admission sees
//! after the LimitRanger plugin defaulted it: each container's limits and requests, which of
//! them a LimitRange supplied, and the pod's quota usage. They read only the analysis and the
//! typed `ResourceQuota`/`LimitRange` objects of the inputs; the rules decide what to report.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, LimitRange, LimitRangeItem};

use crate::model::cluster::{Cluster, ClusterObject};

pub(crate) mod limit_above_limit_range_max;
pub(crate) mod limit_range_default_applies;
pub(crate) mod quota_exhausted_by_concurrent;

/// The resources the runner sets limits and requests for.
pub(crate) const RESOURCES: &[&str] = &["cpu", "memory", "ephemeral-storage"];

/// A Kubernetes quantity in base units (cores, bytes): `500m`, `2`, `1Gi`, `1e3`, `128M`; the
/// pod model's parser, kept to the non-negative values quotas and limits hold.
pub(crate) fn parse_quantity(text: &str) -> Option<f64> {
    crate::pod::util::parse_quantity(text).filter(|v| v.is_finite() && *v >= 0.0)
}

/// A quantity for messages: cpu in cores or millicores, bytes in the largest binary unit
/// that keeps it whole.
pub(crate) fn format_quantity(resource: &str, value: f64) -> String {
    if resource == "cpu" {
        let milli = (value * 1000.0).round();
        return if milli % 1000.0 == 0.0 {
            format!("{}", milli / 1000.0)
        } else {
            format!("{milli}m")
        };
    }
    if !resource.contains("memory") && !resource.contains("storage") {
        return format!("{value}");
    }
    for (unit, factor) in [
        ("Gi", 1024f64.powi(3)),
        ("Mi", 1024f64.powi(2)),
        ("Ki", 1024.0),
    ] {
        if value >= factor && (value / factor).fract() == 0.0 {
            return format!("{}{unit}", value / factor);
        }
    }
    format!("{value}")
}

/// Where a container's effective value came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Origin {
    /// The pod as the runner builds it (a config key or a job variable).
    Pod,
    /// A LimitRange's `default` (limits) or `defaultRequest` (requests).
    LimitRange { name: String, item: usize },
    /// Kubernetes' own defaulting: a request missing while a limit is set equals the limit.
    LimitAsRequest,
}

/// One container's limits and requests as admission sees them, in base units.
#[derive(Clone, Debug)]
pub(crate) struct Effective {
    pub name: String,
    /// `containers` or `initContainers`.
    pub field: &'static str,
    pub index: usize,
    pub limits: BTreeMap<String, (f64, Origin)>,
    pub requests: BTreeMap<String, (f64, Origin)>,
}

impl Effective {
    /// The pod path of a field of this container (`spec.containers[1].resources.limits.cpu`).
    pub fn path(&self, rest: &str) -> String {
        format!("spec.{}[{}].{rest}", self.field, self.index)
    }
}

/// The Container-type items of the namespace's LimitRanges, with the API's defaulting applied
/// (`pkg/apis/core/v1/defaults.go` `SetDefaults_LimitRangeItem`: a missing `default` takes
/// `max`, a missing `defaultRequest` takes `default`, then `min`), since a manifest from Git
/// has not been through the API server yet.
pub(crate) fn container_items<'c>(
    cluster: &'c Cluster,
    namespace: &str,
) -> Vec<(&'c ClusterObject, usize, LimitRangeItem)> {
    let mut out = Vec::new();
    for (object, range) in in_namespace(cluster.limit_ranges(), namespace) {
        let items = range_items(range);
        for (i, item) in items.iter().enumerate() {
            if item.type_ != "Container" {
                continue;
            }
            let mut item = item.clone();
            let mut default = item.default.clone().unwrap_or_default();
            for (k, v) in item.max.iter().flatten() {
                default.entry(k.clone()).or_insert_with(|| v.clone());
            }
            let mut request = item.default_request.clone().unwrap_or_default();
            for (k, v) in default.iter().chain(item.min.iter().flatten()) {
                request.entry(k.clone()).or_insert_with(|| v.clone());
            }
            item.default = Some(default);
            item.default_request = Some(request);
            out.push((object, i, item));
        }
    }
    out
}

fn range_items(range: &LimitRange) -> &[LimitRangeItem] {
    range.spec.as_ref().map_or(&[], |s| s.limits.as_slice())
}

/// Objects of the namespace (or with none given, as a manifest applied with `-n`).
pub(crate) fn in_namespace<'c, T: 'c>(
    objects: impl Iterator<Item = (&'c ClusterObject, &'c T)>,
    namespace: &str,
) -> impl Iterator<Item = (&'c ClusterObject, &'c T)> {
    objects.filter(move |(o, _)| o.namespace().is_none_or(|ns| ns == namespace))
}

/// Each container of the pod (init containers too) after LimitRanger's defaulting.
pub(crate) fn effective(
    pod: &k8s_openapi::api::core::v1::Pod,
    items: &[(&ClusterObject, usize, LimitRangeItem)],
) -> Vec<Effective> {
    let Some(spec) = &pod.spec else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let lists: [(&'static str, &[Container]); 2] = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
        ("containers", &spec.containers),
    ];
    for (field, containers) in lists {
        for (index, c) in containers.iter().enumerate() {
            let mut e = Effective {
                name: c.name.clone(),
                field,
                index,
                limits: BTreeMap::new(),
                requests: BTreeMap::new(),
            };
            let res = c.resources.as_ref();
            for (k, q) in res.and_then(|r| r.limits.as_ref()).into_iter().flatten() {
                if let Some(v) = parse_quantity(&q.0) {
                    e.limits.insert(k.clone(), (v, Origin::Pod));
                }
            }
            for (k, q) in res.and_then(|r| r.requests.as_ref()).into_iter().flatten() {
                if let Some(v) = parse_quantity(&q.0) {
                    e.requests.insert(k.clone(), (v, Origin::Pod));
                }
            }
            for (k, (v, _)) in e.limits.clone() {
                e.requests.entry(k).or_insert((v, Origin::LimitAsRequest));
            }
            for (object, item_index, item) in items {
                let origin = Origin::LimitRange {
                    name: object.name().to_string(),
                    item: *item_index,
                };
                for (k, q) in item.default.iter().flatten() {
                    if let (false, Some(v)) = (e.limits.contains_key(k), parse_quantity(&q.0)) {
                        e.limits.insert(k.clone(), (v, origin.clone()));
                    }
                }
                for (k, q) in item.default_request.iter().flatten() {
                    if let (false, Some(v)) = (e.requests.contains_key(k), parse_quantity(&q.0)) {
                        e.requests.insert(k.clone(), (v, origin.clone()));
                    }
                }
            }
            out.push(e);
        }
    }
    out
}

/// The pod's usage of a quota key (`requests.cpu`, `limits.memory`, `cpu`): the sum over the
/// containers or the largest init container, whichever is more (how the quota evaluator counts
/// a pod, `pkg/quota/v1/evaluator/core/pods.go` `PodUsageFunc`). `None` when a container does
/// not set the resource at all: the quota then refuses the pod outright.
pub(crate) fn pod_usage(containers: &[Effective], quota_key: &str) -> Option<f64> {
    let (limits, resource) = match quota_key.split_once('.') {
        Some(("limits", r)) => (true, r),
        Some(("requests", r)) => (false, r),
        _ => (false, quota_key),
    };
    let mut sum = 0.0;
    let mut init_max: f64 = 0.0;
    for c in containers {
        let map = if limits { &c.limits } else { &c.requests };
        let (v, _) = map.get(resource)?;
        if c.field == "initContainers" {
            init_max = init_max.max(*v);
        } else {
            sum += v;
        }
    }
    Some(sum.max(init_max))
}

/// The resource a quota key is about (`requests.cpu` → `cpu`), `None` for counts.
pub(crate) fn quota_resource(key: &str) -> Option<&str> {
    let resource = key
        .strip_prefix("requests.")
        .or_else(|| key.strip_prefix("limits."))
        .unwrap_or(key);
    RESOURCES.contains(&resource).then_some(resource)
}

/// How many jobs of a runner may run at once, and the config line that says so.
pub(crate) struct Concurrency {
    pub jobs: i64,
    /// `concurrent = 10`, or the runner's `limit = 4` when it is the smaller.
    pub key: &'static str,
    pub span: Option<crate::source::Span>,
    /// Set when `concurrent` is not in the config and the runner's default (1) is used.
    pub assumed: bool,
}

/// `concurrent` (all runners of the config) capped by the runner's `limit` (0: no cap).
pub(crate) fn concurrency(
    analysis: &crate::analysis::Analysis,
    prediction: &crate::analysis::prediction::RunnerPrediction,
) -> Concurrency {
    use crate::source::{Span, tree::Seg};
    let config = &analysis.inputs.configs[prediction.config];
    let concurrent = config.root.get("concurrent").and_then(|n| n.as_i64());
    let concurrent_span = config
        .root
        .key_value_range(&[Seg::Key("concurrent")])
        .map(|(kv, _)| Span::new(config.source, kv));
    let limit = prediction.entry.limit.filter(|l| *l > 0);
    match (concurrent, limit) {
        (c, Some(l)) if l < c.unwrap_or(1) => Concurrency {
            jobs: l,
            key: "limit",
            span: analysis
                .runner_ref(prediction)
                .and_then(|r| r.span_at(&["limit"])),
            assumed: false,
        },
        (Some(c), _) => Concurrency {
            jobs: c.max(1),
            key: "concurrent",
            span: concurrent_span,
            assumed: false,
        },
        (None, _) => Concurrency {
            jobs: 1,
            key: "concurrent",
            span: None,
            assumed: true,
        },
    }
}

/// The `[runners.kubernetes]` key that sets a resource of a runner container:
/// `helper_memory_limit`, `service_cpu_request`, `cpu_limit` (build). `None` for containers
/// the runner adds without such keys (init containers).
pub(crate) fn config_key(container: &Effective, resource: &str, kind: &str) -> Option<String> {
    if container.field != "containers" {
        return None;
    }
    let prefix = match container.name.as_str() {
        "build" => "",
        "helper" => "helper_",
        name if name.starts_with("svc-") => "service_",
        _ => return None,
    };
    Some(format!("{prefix}{}_{kind}", resource.replace('-', "_")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1Gi"), Some(1024f64.powi(3)));
        assert_eq!(parse_quantity("128M"), Some(128e6));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("2x"), None);
        assert_eq!(format_quantity("cpu", 2.5), "2500m");
        assert_eq!(format_quantity("cpu", 8.0), "8");
        assert_eq!(format_quantity("memory", 3.0 * 1024f64.powi(3)), "3Gi");
        assert_eq!(
            format_quantity("memory", 1536.0 * 1024f64.powi(2)),
            "1536Mi"
        );
    }
}
