//! Kubernetes v1 API defaulting of an incoming pod, limited to what SCC admission can observe
//! (k8s `pkg/apis/core/v1/defaults.go`, release-1.27 as in OpenShift 4.14).
//!
//! The API server defaults every object before admission. Three defaults change what the SCC
//! plugin sees: `spec.securityContext` becomes `{}` when absent (`SetDefaults_PodSpec`), with
//! `hostNetwork` every container port without a `hostPort` gets `hostPort = containerPort`
//! (`SetDefaults_Pod`), and a volume without any source becomes `emptyDir: {}`
//! (`SetDefaults_Volume`). Other defaults (restart policy, termination paths, …) are left out:
//! they never influence admission and would only add noise to rendered pods.

use k8s_openapi::api::core::v1::{Container, EmptyDirVolumeSource, Pod, Volume};

use super::provider::volume_fs_type;

/// Applies the admission-relevant v1 defaults to `pod` in place.
pub fn apply_pod_defaults(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.security_context.get_or_insert_with(Default::default);
    if spec.host_network == Some(true) {
        default_host_network_ports(&mut spec.containers);
        if let Some(init) = spec.init_containers.as_mut() {
            default_host_network_ports(init);
        }
    }
    for v in spec.volumes.iter_mut().flatten() {
        default_volume(v);
    }
}

fn default_host_network_ports(containers: &mut [Container]) {
    for p in containers
        .iter_mut()
        .flat_map(|c| c.ports.iter_mut().flatten())
    {
        if p.host_port.unwrap_or(0) == 0 {
            p.host_port = Some(p.container_port);
        }
    }
}

fn default_volume(v: &mut Volume) {
    // `image` volumes (Kubernetes 1.31+) do not exist in 4.14's API; such a volume has no known
    // source there and would be defaulted the same way after the unknown field is dropped.
    if volume_fs_type(v).is_none() {
        v.image = None;
        v.empty_dir = Some(EmptyDirVolumeSource::default());
    }
}
