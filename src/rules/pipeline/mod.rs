//! `RD7xx`: pipelines — what `.gitlab-ci.yml` jobs do to the runner's pods and volumes.

pub(crate) mod world_writable_volume_chmod;
