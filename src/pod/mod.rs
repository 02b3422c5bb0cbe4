//! The job pod GitLab Runner's Kubernetes executor builds from a runner config and a job.
//!
//! This module owns the prediction of what the executor creates, version by version (reference
//! `gitlab-runner-k8s.md` §2–§4): the `Pod` (containers `build`, `helper`, services; init
//! containers; executor and user volumes and their mounts; pod and container security contexts with
//! the runner's precedence; env, resources, images, scheduling fields; `[[pod_spec]]` patches), the
//! **stage plan** (which container runs each job stage, with its argv and the script lines that
//! matter for permissions), the **cache layout**, the project directory, and the **provenance** of
//! every field it sets (which config key or job field produced it). It does not simulate admission
//! or kubelet (see `admission` and `access`), never reads files and never prints: runner warnings
//! are returned as data.
//!
//! ```
//! use runner_doctor::model::runner::RunnerConfigFile;
//! use runner_doctor::pod::{self, BuildOptions, Job, Stage};
//!
//! let cfg = RunnerConfigFile::from_toml_str(r#"
//! [[runners]]
//!   executor = "kubernetes"
//!   [runners.kubernetes]
//!     [runners.kubernetes.pod_security_context]
//!       fs_group = 1000
//! "#).unwrap();
//! let job = Job { image: Some("alpine:latest".into()), ..Job::default() };
//! let out = pod::build(&cfg.runners[0], &job, &BuildOptions::default()).unwrap();
//! let spec = out.pod.spec.as_ref().unwrap();
//! assert_eq!(spec.containers[0].name, "build");
//! assert_eq!(out.stage(Stage::ArchiveCache).unwrap().container, "helper");
//! assert!(out.provenance.iter().any(|p| p.pod_path == "spec.securityContext.fsGroup"
//!     && p.source.to_string() == "runners[0].kubernetes.pod_security_context.fs_group"));
//! ```

mod build;
mod patch;
mod security;
mod stages;
pub(crate) mod util;
pub mod version;

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::Pod;
use semver::Version;
use serde::Deserialize;

use crate::model::runner::{KeyPath, RunnerEntry};

pub use build::build;
pub use stages::{CacheLayout, ProjectFiles, Stage, StageRun};
pub use util::short_token;
pub use version::{DEFAULT_RUNNER_VERSION, FeatureFlags, FlagSource, ResolvedFlag};

/// What the runner receives from GitLab for one job, reduced to what shapes the pod.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Job {
    /// The job's `image:` name. `None` falls back to `[runners.kubernetes] image`.
    pub image: Option<String>,
    /// The job's `image:kubernetes:user`, `"uid"` or `"uid:gid"`, as given.
    pub image_user: Option<String>,
    /// The job's `image:entrypoint`.
    pub image_entrypoint: Vec<String>,
    /// The job's `services:` in order.
    pub services: Vec<JobService>,
    /// Job (CI/CD) variables. Later in `BTreeMap` order does not matter: names are unique.
    pub variables: BTreeMap<String, String>,
    /// `<namespace>/<project>` (`CI_PROJECT_PATH`); `None` uses [`BuildOptions::project_path`].
    pub project_path: Option<String>,
    /// The job's cache key exactly as the runner receives it.
    pub cache_key: Option<String>,
    /// The job timeout in seconds; `None` assumes GitLab's default of 3600.
    pub timeout: Option<i64>,
    /// The job's script lines (for the stage plan only).
    pub script: Vec<String>,
}

impl Job {
    /// Reads a job description written as YAML (`image`, `image_user`, `services`,
    /// `variables`, `cache_key`, …: the fields of this struct).
    pub fn from_yaml(text: &str) -> Result<Job, String> {
        let stream = crate::source::yaml::parse(text);
        if let Some(err) = stream.errors.first() {
            return Err(err.message.clone());
        }
        let Some(doc) = stream.documents.first() else {
            return Ok(Job::default());
        };
        serde_json::from_value(doc.root.to_json()).map_err(|e| e.to_string())
    }
}

/// One entry of the job's `services:`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct JobService {
    /// Image name.
    pub name: String,
    /// `alias`; several aliases may be separated by spaces or commas.
    pub alias: Option<String>,
    /// `services:[].kubernetes.user`.
    pub user: Option<String>,
    /// `entrypoint`.
    pub entrypoint: Vec<String>,
    /// `command`.
    pub command: Vec<String>,
    /// `variables`.
    pub variables: BTreeMap<String, String>,
}

/// Facts about the run that are not in the config or the job: the modelled runner version and
/// the ids GitLab assigns. Defaults follow the vectors (`vectors/README.md` §2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// The runner release to model (default [`DEFAULT_RUNNER_VERSION`]).
    pub runner_version: Version,
    /// Index of the `[[runners]]` entry, used in provenance key paths.
    pub runner_index: usize,
    /// `CI_PROJECT_ID`.
    pub project_id: i64,
    /// `CI_JOB_ID`.
    pub job_id: i64,
    /// `CI_CONCURRENT_PROJECT_ID`.
    pub concurrent_project_id: i64,
    /// `CI_CONCURRENT_ID`.
    pub concurrent_id: i64,
    /// Default `<namespace>/<project>` when the job gives none.
    pub project_path: String,
    /// Helper architecture when `helper_image_autoset_arch_and_os` is on (`amd64`, `arm64`…).
    pub arch: String,
    /// UID the build image runs as when nothing sets one (its `USER`); `None` = unknown.
    pub build_image_uid: Option<i64>,
    /// UID the helper image runs as when nothing sets one; the default helper images set no
    /// `USER`, so root (reference §3.4).
    pub helper_image_uid: Option<i64>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            runner_version: DEFAULT_RUNNER_VERSION,
            runner_index: 0,
            project_id: 0,
            job_id: 0,
            concurrent_project_id: 0,
            concurrent_id: 0,
            project_path: "gitlab-org/gitlab-test".into(),
            arch: "amd64".into(),
            build_image_uid: None,
            helper_image_uid: Some(0),
        }
    }
}

/// Where a pod field's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A key of the runner config, e.g. `runners[0].kubernetes.pod_security_context.fs_group`.
    Config(KeyPath),
    /// A field of the job, e.g. `image`, `image.kubernetes.user`, `variables.CI_CONCURRENT_ID`.
    Job(String),
    /// A built-in default of the executor, described in words.
    Default(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Config(k) => write!(f, "{k}"),
            Source::Job(j) => write!(f, "job {j}"),
            Source::Default(d) => write!(f, "default: {d}"),
        }
    }
}

/// One provenance entry: the JSON path of a pod field and what produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// JSON path into the pod, e.g. `spec.containers[0].securityContext.runAsUser`.
    pub pod_path: String,
    /// What set it.
    pub source: Source,
}

/// The executor's prediction for one job.
#[derive(Debug, Clone)]
pub struct JobPod {
    /// The pod as the runner submits it (before admission).
    pub pod: Pod,
    /// The modelled runner version.
    pub runner_version: Version,
    /// Feature flags after precedence.
    pub feature_flags: FeatureFlags,
    /// Job stages in execution order, with their container and argv.
    pub stages: Vec<StageRun>,
    /// The job's cache layout, when the job has a cache key.
    pub cache: Option<CacheLayout>,
    /// `CI_PROJECT_DIR`.
    pub project_dir: String,
    /// `builds_dir` as the containers see it.
    pub builds_dir: String,
    /// `cache_dir` as the containers see it.
    pub cache_dir: String,
    /// Whether the shared builds-dir layout is used (reference §2.6).
    pub shared_builds_dir: bool,
    /// Who owns files created by the clone, and whether they are world-writable.
    pub project_files: ProjectFiles,
    /// Warnings the runner would log for this job (same wording where upstream has one).
    pub warnings: Vec<String>,
    /// Assumptions the prediction relies on (defaults used for unknown facts).
    pub assumptions: Vec<String>,
    /// Pod field → producing config key or job field.
    pub provenance: Vec<Provenance>,
    pub(crate) cache_cx: stages::CacheContext,
}

impl JobPod {
    /// The run of one stage.
    pub fn stage(&self, stage: Stage) -> Option<&StageRun> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The cache layout for any cache key (sanitized or hashed as the runner would).
    pub fn cache_layout(&self, key: &str) -> Option<CacheLayout> {
        self.cache_cx.layout(key)
    }

    /// The distributed-cache object key for a cache key, when `[runners.cache] Type` is set.
    pub fn remote_cache_key(&self, key: &str) -> Option<String> {
        self.cache_cx.remote_key(key)
    }

    /// The pod paths a config key (or any key below it) produced, e.g. every field that
    /// `runners[0].kubernetes.volumes.pvc[0]` shaped.
    pub fn fields_from<'a>(&'a self, key: &'a KeyPath) -> impl Iterator<Item = &'a str> {
        self.provenance.iter().filter_map(move |p| match &p.source {
            Source::Config(k) if k.0.starts_with(&key.0) => Some(p.pod_path.as_str()),
            _ => None,
        })
    }

    /// Provenance entries for one pod path.
    pub fn provenance_of<'a>(&'a self, pod_path: &'a str) -> impl Iterator<Item = &'a Source> {
        self.provenance
            .iter()
            .filter(move |p| p.pod_path == pod_path)
            .map(|p| &p.source)
    }
}

/// Why no pod would be created for the job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PodError {
    /// Neither the job nor the config names a build image.
    #[error("no image specified and no default set in config")]
    NoImage,
    /// The runner refuses the job before creating the pod (bad `GIT_CLONE_PATH`, etc.).
    #[error("{0}")]
    Config(String),
    /// A `[[pod_spec]]` patch could not be applied.
    #[error("applying pod_spec patch {name:?}: {reason}")]
    Patch {
        /// The patch's `name`.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// Convenience for callers holding only the entry.
pub fn build_default(runner: &RunnerEntry, job: &Job) -> Result<JobPod, PodError> {
    build(runner, job, &BuildOptions::default())
}

#[cfg(test)]
mod tests;
