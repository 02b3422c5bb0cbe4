//! `RD4xx`: volumes and permissions — who can write where once kubelet has set a volume up.

pub(crate) mod needless_mount_propagation;
