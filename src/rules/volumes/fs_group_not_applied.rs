use crate::access::{FsGroupPolicy, FsGroupReason, Platform, kb};
use crate::analysis::prediction::JobPrediction;
use crate::rules::{Context, declare_rule};
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Reports a pod `fsGroup` that kubelet will not apply to a volume of the job pod, and
    /// says why: the CSI driver's `fsGroupPolicy`, the volume's access modes and `fsType`, a
    /// read-only volume, or a volume type kubelet never manages (NFS, hostPath).
    ///
    /// ## Why is this bad?
    /// `fs_group` is the usual answer to *permission denied* on a volume, and it silently does
    /// nothing when the storage driver's CSIDriver object says `fsGroupPolicy: None` (CephFS on
    /// OpenShift Data Foundation, many NFS drivers), or says `ReadWriteOnceWithFSType` for a
    /// `ReadWriteMany` volume or one without `fsType`. The volume root keeps its owner and mode,
    /// and the job keeps failing.
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
    ///         [runners.kubernetes.pod_security_context]
    ///           fs_group = 1000680000
    ///         [[runners.kubernetes.volumes.pvc]]
    ///           name = "cache"
    ///           mount_path = "/cache"
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: cache, namespace: ci}
    /// spec: {accessModes: [ReadWriteMany], volumeName: pv-cache}
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolume
    /// metadata: {name: pv-cache}
    /// spec:
    ///   accessModes: [ReadWriteMany]
    ///   csi: {driver: nfs.csi.k8s.io, volumeHandle: x}
    /// ---
    /// apiVersion: storage.k8s.io/v1
    /// kind: CSIDriver
    /// metadata: {name: nfs.csi.k8s.io}
    /// spec: {fsGroupPolicy: None}
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
    ///         [runners.kubernetes.pod_security_context]
    ///           fs_group = 1000680000
    ///         [[runners.kubernetes.volumes.pvc]]
    ///           name = "cache"
    ///           mount_path = "/cache"
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolumeClaim
    /// metadata: {name: cache, namespace: ci}
    /// spec: {accessModes: [ReadWriteMany], volumeName: pv-cache}
    /// ---
    /// apiVersion: v1
    /// kind: PersistentVolume
    /// metadata: {name: pv-cache}
    /// spec:
    ///   accessModes: [ReadWriteMany]
    ///   csi: {driver: nfs.csi.k8s.io, volumeHandle: x}
    /// ---
    /// apiVersion: storage.k8s.io/v1
    /// kind: CSIDriver
    /// metadata: {name: nfs.csi.k8s.io}
    /// spec: {fsGroupPolicy: File}
    /// ```
    ///
    /// ## References
    /// - [CSI driver fsGroup policy](https://kubernetes-csi.github.io/docs/support-fsgroup.html)
    /// - [Configure volume permission and ownership change policy](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#configure-volume-permission-and-ownership-change-policy-for-pods)
    pub static FS_GROUP_NOT_APPLIED = {
        code: "RD401",
        name: "fs-group-not-applied",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let job: &JobPrediction = prediction.representative();
        let (Ok(job_pod), Some(access)) = (&job.pod, &job.access) else {
            continue;
        };
        let Some(fs_group_span) =
            analysis.field_span(prediction, job_pod, "spec.securityContext.fsGroup")
        else {
            continue; // fsGroup not set by the config: nothing the user expects to work
        };
        let fs_group = job
            .running_pod()
            .and_then(|p| p.spec.as_ref()?.security_context.as_ref()?.fs_group);
        let Some(fs_group) = fs_group else { continue };
        for volume in job_pod
            .pod
            .spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
        {
            let Some(claim) = volume.persistent_volume_claim.as_ref() else {
                continue; // the runner's own emptyDirs and payload volumes always get fsGroup
            };
            let Some(state) = access.volumes.get(&volume.name) else {
                continue;
            };
            let decision = &state.decision;
            let why = match decision.reason {
                FsGroupReason::PolicyNone => "its CSIDriver sets `fsGroupPolicy: None`, so kubelet never changes the volume's group or mode".to_string(),
                FsGroupReason::NoFsType => "its CSIDriver's `fsGroupPolicy` is `ReadWriteOnceWithFSType` and the volume has no `fsType`".to_string(),
                FsGroupReason::NotRwo => "its CSIDriver's `fsGroupPolicy` is `ReadWriteOnceWithFSType` and the volume is not `ReadWriteOnce`".to_string(),
                FsGroupReason::IntreeNfs => "kubelet never applies fsGroup to NFS volumes".to_string(),
                FsGroupReason::HostPath => "kubelet never applies fsGroup to hostPath volumes".to_string(),
                FsGroupReason::ReadOnly => "the volume is read-only, so kubelet leaves it as it is".to_string(),
                _ => continue,
            };
            let diagnostic = cx.report(
                Some(fs_group_span),
                format!(
                    "`fs_group = {fs_group}` has no effect on PVC `{}` mounted by the job pods: {why}",
                    claim.claim_name
                ),
            );
            diagnostic.primary_label("not applied to the cache volume");
            let cluster = &analysis.inputs.cluster;
            if let Some((pvc, _)) = cluster.pvc(&claim.claim_name, Some(&prediction.namespace)) {
                let span = pvc.span_at(&["spec".into(), "accessModes".into()]);
                diagnostic.label(span, format!("PVC `{}`", claim.claim_name));
            }
            let driver_object = pv_driver(cluster, &claim.claim_name, &prediction.namespace)
                .and_then(|driver| cluster.csi_driver(driver, None))
                .map(|(object, _)| object);
            match driver_object {
                Some(object) => {
                    let span = object.span_at(&[Seg::Key("spec"), Seg::Key("fsGroupPolicy")]);
                    diagnostic.label(span, format!("CSIDriver `{}`", object.name()));
                }
                None => {
                    for a in &decision.assumptions {
                        diagnostic.assume(crate::diagnostic::Assumption::new(
                            format!("csidriver.{}.fsGroupPolicy", a.subject),
                            a.value.clone(),
                            format!("knowledge base ({}): {}", a.confidence.as_str(), a.source),
                        ));
                    }
                }
            }
            if let Some(note) = other_policies(
                decision.reason,
                pv_driver(cluster, &claim.claim_name, &prediction.namespace),
            ) {
                diagnostic.note(note);
            }
            diagnostic.help(
                "prepare the volume's root once for a shared group (group-writable, setgid), or use a storage class whose CSI driver has `fsGroupPolicy: File`",
            );
        }
    }
}

/// What the other `fsGroupPolicy` values would do for this volume, naming the one the driver
/// ships with when the knowledge base knows it.
fn other_policies(reason: FsGroupReason, driver: Option<&str>) -> Option<String> {
    if reason != FsGroupReason::PolicyNone {
        return None;
    }
    let shipped = driver
        .and_then(|d| kb::fs_group_policy(d, Platform::OpenShift))
        .map(|a| a.value);
    let mut note = String::new();
    if shipped == Some(FsGroupPolicy::File) {
        note.push_str(
            "the CSIDriver this driver ships with sets `File`, with which kubelet would apply it; ",
        );
    }
    note.push_str("with `ReadWriteOnceWithFSType` (the API default) it would not either, for a `ReadWriteMany` volume or one without `fsType`");
    Some(note)
}

/// The CSI driver of the PV bound to a claim.
fn pv_driver<'a>(
    cluster: &'a crate::model::cluster::Cluster,
    claim: &str,
    namespace: &str,
) -> Option<&'a str> {
    let (_, pvc) = cluster.pvc(claim, Some(namespace))?;
    let pv_name = pvc.spec.as_ref()?.volume_name.as_deref();
    let pv = match pv_name {
        Some(name) => cluster.pv(name, None).map(|(_, pv)| pv),
        None => cluster
            .pvs()
            .find(|(_, pv)| {
                pv.spec
                    .as_ref()
                    .and_then(|s| s.claim_ref.as_ref())
                    .is_some_and(|r| r.name.as_deref() == Some(claim))
            })
            .map(|(_, pv)| pv),
    }?;
    pv.spec.as_ref()?.csi.as_ref().map(|c| c.driver.as_str())
}
