//! Typed models of what the inputs describe: the runner configuration and the cluster objects.
pub mod runner;
