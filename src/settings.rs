//! Validated settings for one run: what to assume, which rules to run, when to fail.
//!
//! The binary turns its flags into these; the library never sees the command line.

use crate::diagnostic::{Assumption, Severity};

/// The newest GitLab Runner version the reference describes; the default when none is known.
pub const DEFAULT_RUNNER_VERSION: &str = "19.4.0";
/// The default OpenShift platform whose SCC set is embedded.
pub const DEFAULT_PLATFORM: &str = "openshift-4.14";

/// Settings of one `check` run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The runner version given with `--runner-version`, if any.
    pub runner_version: Option<semver::Version>,
    /// `openshift-4.N` or `kubernetes`.
    pub platform: Option<String>,
    /// `--assume KEY=VALUE` overrides, in the order given.
    pub assume: Vec<(String, String)>,
    /// Codes, prefixes, names or groups to run (empty: the defaults).
    pub select: Vec<String>,
    /// Codes, prefixes, names or groups not to run.
    pub ignore: Vec<String>,
    /// Levels by selector (usually a group: `pedantic` → warning), in the order given: the
    /// project file's `[levels]` first, then `--level`; the last one designating a rule wins.
    /// `None` turns the rules off.
    pub levels: Vec<(String, Option<Severity>)>,
    /// The lowest severity that makes the run fail (exit 1).
    pub fail_on: Severity,
    /// A job given with `--job FILE`, predicted instead of the runner's default job.
    pub job: Option<crate::pod::Job>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            runner_version: None,
            platform: None,
            assume: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            levels: Vec::new(),
            fail_on: Severity::Warning,
            job: None,
        }
    }
}

impl Settings {
    /// The value of an `--assume` override.
    pub fn assumed(&self, key: &str) -> Option<&str> {
        self.assume
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The runner version to model, with the assumption when it was not given.
    pub fn runner_version(&self) -> (semver::Version, Option<Assumption>) {
        match &self.runner_version {
            Some(v) => (v.clone(), None),
            // Invariant: DEFAULT_RUNNER_VERSION is a constant, parsed by every test that models a job.
            #[allow(clippy::expect_used)]
            None => (
                semver::Version::parse(DEFAULT_RUNNER_VERSION)
                    .expect("constant is a valid version"),
                Some(Assumption::new(
                    "runner.version",
                    DEFAULT_RUNNER_VERSION,
                    "default: the newest version runner-doctor models (set --runner-version)",
                )),
            ),
        }
    }

    /// The platform to model, with the assumption when it was not given.
    pub fn platform(&self) -> (String, Option<Assumption>) {
        match &self.platform {
            Some(p) => (p.clone(), None),
            None => (
                DEFAULT_PLATFORM.to_string(),
                Some(Assumption::new(
                    "platform",
                    DEFAULT_PLATFORM,
                    "default: OpenShift 4.14 default SCCs (set --platform)",
                )),
            ),
        }
    }
}
