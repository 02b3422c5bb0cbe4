//! Typed models of what the inputs describe: the runner configuration and the cluster objects.
//!
//! `load` recognises each input by its content and sorts it into runner configs, cluster
//! objects, Helm values and pipelines; `runner` is the typed `config.toml`; `cluster` holds the
//! typed Kubernetes and OpenShift objects; `scc` the OpenShift SecurityContextConstraints
//! object; `schema` the runner config schema as data; `pipeline` the `.gitlab-ci.yml` jobs; `registration` which environment variable
//! sets which config key when the runner registers; `probe` what a probe pod observed.
//! Nothing here simulates anything.

pub mod cluster;
pub mod load;
pub mod pipeline;
pub mod probe;
pub mod registration;
pub mod runner;
pub mod scc;
pub mod schema;
