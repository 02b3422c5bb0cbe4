//! `RD7xx`: pipelines — what `.gitlab-ci.yml` jobs do to the runner's pods and volumes.

pub(crate) mod job_writes_root_owned_image_path;
pub(crate) mod overwrite_variable_not_allowed;
pub(crate) mod privileged_service_denied;
pub(crate) mod world_writable_volume_chmod;
