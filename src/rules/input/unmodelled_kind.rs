use std::collections::BTreeMap;

use crate::model::cluster::ObjectKind;
use crate::rules::{Context, declare_rule};
use crate::source::SourceId;

declare_rule! {
    /// ## What it does
    /// Reports, once per file, the Kubernetes objects whose kind runner-doctor does not model,
    /// so that nobody expects them to change the prediction.
    ///
    /// ## Why is this bad?
    /// An object of an unknown kind is read and kept, but no model looks at it: a Gatekeeper
    /// constraint, a Kyverno policy or a typo in `kind:` (`PersistentVolumeClame`) has no
    /// effect on the verdicts. Saying so avoids a silent gap between what the cluster does and
    /// what runner-doctor predicts.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolumeClame
    /// metadata: {name: cache, namespace: ci}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: cache, namespace: ci}
    /// ```
    ///
    /// ## References
    /// - [Kubernetes API reference](https://kubernetes.io/docs/reference/kubernetes-api/)
    pub static UNMODELLED_KIND = {
        code: "RD020",
        name: "unmodelled-kind",
        group: Advice,
        fix: None,
    }
}

/// Kinds that are commonly in a dump next to the runner's objects and that no rule needs:
/// reporting them would only be noise.
const EXPECTED_ELSEWHERE: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Service",
    "Route",
    "Ingress",
    "Endpoints",
    "EndpointSlice",
    "Event",
    "ResourceQuota",
    "LimitRange",
    "NetworkPolicy",
    "Project",
];

fn check(cx: &mut Context) {
    let mut per_file: BTreeMap<SourceId, Vec<(&str, &crate::model::cluster::ClusterObject)>> =
        BTreeMap::new();
    for object in &cx.analysis.inputs.cluster.objects {
        if let ObjectKind::Other { kind, .. } = &object.kind
            && !EXPECTED_ELSEWHERE.contains(&kind.as_str())
        {
            per_file
                .entry(object.source)
                .or_default()
                .push((kind, object));
        }
    }
    for objects in per_file.values() {
        let Some((_, first)) = objects.first() else {
            continue;
        };
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| *k).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let kinds: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
        let span = first.span_at(&["kind".into()]);
        let diagnostic = cx.report(
            Some(span),
            format!(
                "{} object(s) of kinds runner-doctor does not model ({}) are ignored: they do not change the prediction",
                objects.len(),
                kinds.join(", ")
            ),
        );
        diagnostic.note(
            "modelled kinds: Namespace, ServiceAccount, SecurityContextConstraints, Role, ClusterRole, RoleBinding, ClusterRoleBinding, PersistentVolumeClaim, PersistentVolume, StorageClass, CSIDriver, Pod, ConfigMap, Secret (names only), Runner",
        );
    }
}
