use crate::diagnostic::Assumption;
use crate::rules::pod::{
    Origin, concurrency, container_items, effective, format_quantity, in_namespace, parse_quantity,
    pod_usage, quota_resource,
};
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Multiplies the jobs a runner may run at once (`concurrent`, capped by the runner's
    /// `limit`) by what one predicted job pod requests (build, helper and services, after the
    /// namespace's LimitRange defaults) and compares it with each ResourceQuota of the
    /// namespace, minus what `status.used` says is taken.
    ///
    /// ## Why is this bad?
    /// The runner picks up as many jobs as `concurrent` allows, then asks the API server for a
    /// pod per job. Once the quota is spent, the pod is refused (`exceeded quota`) and the job
    /// fails with a system failure instead of waiting: pipelines fail at random under load,
    /// never when one job is tried alone.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     concurrent = 10
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         cpu_request = "1"
    ///         helper_cpu_request = "100m"
    /// ---
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata: {name: ci-quota, namespace: ci}
    /// spec:
    ///   hard: {requests.cpu: "4"}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     concurrent = 3
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    ///         cpu_request = "1"
    ///         helper_cpu_request = "100m"
    /// ---
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata: {name: ci-quota, namespace: ci}
    /// spec:
    ///   hard: {requests.cpu: "4"}
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: Resource Quotas](https://kubernetes.io/docs/concepts/policy/resource-quotas/)
    /// - [GitLab Runner: the global `concurrent` and the runner's `limit`](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    /// - [GitLab Runner: Kubernetes executor resource requests and limits](https://docs.gitlab.com/runner/executors/kubernetes/#cpu-requests-and-limits)
    pub static QUOTA_EXHAUSTED_BY_CONCURRENT = {
        code: "RD201",
        name: "quota-exhausted-by-concurrent",
        group: Correctness,
        fix: None,
    }
}

/// One quota key that cannot hold the runner's jobs.
struct Short {
    key: String,
    fit: i64,
    hard: f64,
    used: f64,
    per_pod: f64,
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let cluster = &analysis.inputs.cluster;
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let Ok(job_pod) = &job.pod else { continue };
        let items = container_items(cluster, &prediction.namespace);
        let containers = effective(&job_pod.pod, &items);
        let jobs = concurrency(analysis, prediction);
        for (object, quota) in in_namespace(cluster.resource_quotas(), &prediction.namespace) {
            let hard = quota.spec.as_ref().and_then(|s| s.hard.as_ref());
            let used = quota.status.as_ref().and_then(|s| s.used.as_ref());
            let mut short: Vec<Short> = Vec::new();
            for (key, q) in hard.into_iter().flatten() {
                let Some(hard_v) = parse_quantity(&q.0) else {
                    continue;
                };
                let per_pod = if key == "pods" || key == "count/pods" {
                    1.0
                } else if quota_resource(key).is_some() {
                    // A container without the resource: the quota refuses the pod outright,
                    // whatever `concurrent` says; not this rule's finding.
                    match pod_usage(&containers, key) {
                        Some(v) if v > 0.0 => v,
                        _ => continue,
                    }
                } else {
                    continue;
                };
                let used_v = used
                    .and_then(|u| u.get(key))
                    .and_then(|q| parse_quantity(&q.0))
                    .unwrap_or(0.0);
                // A small epsilon so that 4 / (4 × 1.0) is 1 despite binary fractions.
                let fit = (((hard_v - used_v).max(0.0) / per_pod) + 1e-9).floor() as i64;
                if fit < jobs.jobs {
                    short.push(Short {
                        key: key.clone(),
                        fit,
                        hard: hard_v,
                        used: used_v,
                        per_pod,
                    });
                }
            }
            short.sort_by_key(|s| s.fit);
            let Some(worst) = short.first() else { continue };
            let resource = quota_resource(&worst.key).unwrap_or("pods");
            let each = if quota_resource(&worst.key).is_some() {
                format!(
                    ", each job pod {} {}",
                    if worst.key.starts_with("limits.") {
                        "is limited to"
                    } else {
                        "requests"
                    },
                    format_quantity(resource, worst.per_pod)
                )
            } else {
                String::new()
            };
            let in_use = if worst.used > 0.0 {
                format!(", {} in use", format_quantity(resource, worst.used))
            } else {
                String::new()
            };
            let setting = if jobs.assumed {
                "the default `concurrent = 1`".to_string()
            } else {
                format!("`{} = {}`", jobs.key, jobs.jobs)
            };
            let primary = jobs
                .span
                .or_else(|| analysis.runner_ref(prediction).map(|r| r.span()));
            let fails = if worst.fit == 0 {
                "every job pod is refused with `exceeded quota` and every job fails".to_string()
            } else {
                format!(
                    "job {} and later get their pod refused with `exceeded quota` and fail",
                    worst.fit + 1
                )
            };
            let message = format!(
                "{setting} lets {} jobs run at once, but ResourceQuota `{}` has room for {} job pod(s) (`{}`: {} hard{in_use}{each}); {fails}",
                jobs.jobs,
                object.name(),
                worst.fit,
                worst.key,
                format_quantity(resource, worst.hard),
            );
            let needed = worst.used + worst.per_pod * jobs.jobs as f64;
            let help = format!(
                "lower `{}` to {}, or raise the quota's `{}` to {}",
                jobs.key,
                worst.fit.max(1),
                worst.key,
                format_quantity(resource, needed)
            );
            let quota_span = object.span_at(&["spec".into(), "hard".into(), Seg::Key(&worst.key)]);
            let mut labels = Vec::new();
            if let Some(resource) = quota_resource(&worst.key) {
                let kind = if worst.key.starts_with("limits.") {
                    "limits"
                } else {
                    "requests"
                };
                for c in containers.iter().filter(|c| c.field == "containers") {
                    let map = if kind == "limits" {
                        &c.limits
                    } else {
                        &c.requests
                    };
                    let Some((v, origin)) = map.get(resource) else {
                        continue;
                    };
                    let what = format!("`{}` {kind} {}", c.name, format_quantity(resource, *v));
                    let span = match origin {
                        Origin::Pod | Origin::LimitAsRequest => analysis.field_span(
                            prediction,
                            job_pod,
                            &c.path(&format!("resources.{kind}.{resource}")),
                        ),
                        Origin::LimitRange { .. } => None,
                    };
                    if let Some(span) = span {
                        labels.push((span, what));
                    }
                }
            }
            let others: Vec<String> = short[1..]
                .iter()
                .map(|s| format!("`{}` ({} pods)", s.key, s.fit))
                .collect();
            let d = cx.report(primary, message);
            d.label(
                quota_span,
                format!("`{}` of ResourceQuota `{}`", worst.key, object.name()),
            );
            for (span, what) in labels {
                d.label(span, what);
            }
            if !others.is_empty() {
                d.note(format!("also short: {}", others.join(", ")));
            }
            d.note("a job pod is counted as the representative job predicts it: build, helper and the default services, with the namespace's LimitRange defaults");
            d.help(help);
            if jobs.assumed {
                d.assume(Assumption::new(
                    "concurrent",
                    "1",
                    "not set in the config; GitLab Runner's default",
                ));
            }
            if used.is_none() {
                d.assume(Assumption::new(
                    format!("quota.{}.used", object.name()),
                    "0",
                    "the ResourceQuota has no `status.used` (a manifest, not `oc get` output): nothing else in the namespace is assumed to use it",
                ));
            }
            for a in &prediction.assumptions {
                if a.key == "namespace.name" {
                    d.assume(a.clone());
                }
            }
        }
    }
}
