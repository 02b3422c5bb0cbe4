//! Typed models of what the inputs describe: the runner configuration and the cluster objects.
//!
//! `load` recognises each input by its content and sorts it into runner configs, cluster
//! objects, Helm values and pipelines; `cluster` holds the typed Kubernetes and OpenShift
//! objects; `scc` the OpenShift SecurityContextConstraints object; `schema` the runner
//! config schema as data. Nothing here simulates anything.

pub mod cluster;
pub mod load;
pub mod pipeline;
pub mod scc;
pub mod schema;
