use crate::rules::{Context, declare_rule};
use crate::source::{Node, Span};

declare_rule! {
    /// ## What it does
    /// Reports Helm chart values whose RBAC gives the runner manager's ServiceAccount more than
    /// the Kubernetes executor uses: `rbac.create` with no `rbac.rules` (the chart then grants
    /// every verb on every core resource, Secrets included), and `rbac.clusterWideAccess: true`
    /// (the grant then holds in every namespace of the cluster).
    ///
    /// ## Why is this bad?
    /// The manager holds the runner's token and runs job pods; whoever takes it over gets its
    /// grants. With an empty `rbac.rules` the chart renders a single rule with `*` resources
    /// and `*` verbs, and with `clusterWideAccess` it becomes a ClusterRole bound cluster-wide
    /// (reference runner-manager.md §1.3). The executor needs far less: the rules GitLab
    /// documents in the chart's `values.yaml`, in the namespace the jobs run in.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    ///   clusterWideAccess: true
    ///   rules: []
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    ///   rules:
    ///     - resources: ["events"]
    ///       verbs: ["list", "watch"]
    ///     - resources: ["pods"]
    ///       verbs: ["create", "delete", "get"]
    ///     - resources: ["pods/attach", "pods/exec"]
    ///       verbs: ["get", "create", "patch", "delete"]
    ///     - resources: ["pods/log"]
    ///       verbs: ["get", "list"]
    ///     - resources: ["secrets"]
    ///       verbs: ["create", "delete", "get", "update"]
    ///     - resources: ["serviceaccounts"]
    ///       verbs: ["get"]
    ///     - resources: ["services"]
    ///       verbs: ["create", "get"]
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner Helm chart: RBAC](https://docs.gitlab.com/runner/install/kubernetes/)
    /// - [Kubernetes: RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
    pub static CHART_RBAC_TOO_BROAD = {
        code: "RD118",
        name: "chart-rbac-too-broad",
        group: Security,
        fix: None,
    }
}

/// The rules GitLab documents as enough for the Kubernetes executor (the chart's `values.yaml`
/// comments, reference runner-manager.md §1.3), as `resources: verbs`.
const MINIMAL_RULES: &str = "`events`: list, watch; `pods`: create, delete, get; `pods/attach`, `pods/exec`: get, create, patch, delete; `pods/log`: get, list; `secrets`: create, delete, get, update; `serviceaccounts`: get; `services`: create, get (add `namespaces`: create, delete only with `namespace_per_job`)";

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for values in &cx.analysis.inputs.helm_values {
        let root = &values.root;
        let Some(rbac) = root.get("rbac") else {
            continue;
        };
        let span = |node: &Node| Span::new(values.source, node.range);
        let entry_span = |key: &str| {
            rbac.entry(key)
                .map(|e| Span::new(values.source, e.key_range.cover(e.value.range)))
        };
        if rbac.get("create").and_then(bool_of) == Some(false) {
            continue;
        }
        let rules = rbac.get("rules");
        let wildcard = match rules {
            None => true,
            Some(node) => {
                node.items().is_empty()
                    || node.items().iter().any(|rule| {
                        // The chart defaults each missing key of a rule to `*` (§1.3).
                        ["resources", "verbs"].iter().any(|k| match rule.get(k) {
                            None => true,
                            Some(list) => list.items().iter().any(|i| i.as_str() == Some("*")),
                        })
                    })
            }
        };
        let cluster_wide = rbac.get("clusterWideAccess").and_then(bool_of) == Some(true);
        if !wildcard && !cluster_wide {
            continue;
        }
        let primary = match (cluster_wide, rules) {
            (true, _) => entry_span("clusterWideAccess"),
            (false, Some(rules)) => Some(span(rules)),
            (false, None) => entry_span("create").or(Some(span(rbac))),
        };
        let scope = if cluster_wide {
            "in every namespace of the cluster (a ClusterRole and ClusterRoleBinding)"
        } else {
            "in its namespace"
        };
        let what = if wildcard {
            "every verb on every core resource, Secrets included"
        } else {
            "its rules"
        };
        let wildcard_span = match (cluster_wide && wildcard, rules) {
            (true, Some(rules)) => Some(span(rules)),
            _ => None,
        };
        found.push((primary, wildcard_span, format!("the chart grants the runner manager's ServiceAccount {what}, {scope}; the Kubernetes executor needs much less")));
    }
    for (primary, wildcard_span, message) in found {
        let d = cx.report(primary, message);
        d.primary_label("widens the manager's grants");
        if let Some(span) = wildcard_span {
            d.label(span, "`*` resources and verbs");
        }
        d.help(format!(
            "list only the rules the executor uses, in the jobs' namespace: {MINIMAL_RULES}; keep `clusterWideAccess: false` unless jobs run in other namespaces"
        ));
    }
}

fn bool_of(node: &Node) -> Option<bool> {
    match &node.value {
        crate::source::tree::Value::Bool(b) => Some(*b),
        _ => None,
    }
}
