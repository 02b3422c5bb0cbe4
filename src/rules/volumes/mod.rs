//! `RD4xx`: volumes and permissions — who can write where once kubelet has set a volume up.

pub(crate) mod cache_not_writable;
pub(crate) mod docker_socket_mount;
pub(crate) mod fs_group_not_applied;
pub(crate) mod logs_init_container_cannot_chmod;
pub(crate) mod needless_mount_propagation;
pub(crate) mod pod_spec_patch_adds_volume;
pub(crate) mod probe_contradicts_prediction;
pub(crate) mod umask_flag_without_effect;
