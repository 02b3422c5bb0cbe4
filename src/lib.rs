//! runner-doctor predicts how GitLab Runner's Kubernetes executor will run a job on OpenShift or
//! Kubernetes, and says — pointing at the user's own lines — what will fail, why, and how to fix it.
//!
//! Data flows one way through the modules below: `source` (files, spans, embedded TOML) →
//! `model` (typed runner config and cluster objects) → `pod` (the job pod the runner builds) →
//! `admission` (OpenShift SCC admission) → `access` (process identity and volume permissions) →
//! `rules` (findings) → `diagnostic` → `render`. The library never prints; the binary does.

pub mod access;
pub mod admission;
pub mod model;
pub mod pod;
pub mod source;
