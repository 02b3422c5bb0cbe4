//! What a `probe` pod observed on the real platform, compared item by item with the prediction.
//!
//! `crate::probe` builds the pod and parses its log into a [`ProbeObservation`]; the comparison
//! ([`ProbeItem`]s) is made against the prediction *before* the observation was fed back into
//! it, and stored here so that the `probe-contradicts-prediction` rule reports each mismatch
//! like any other finding.

use std::collections::BTreeSet;

/// What the probe container printed: its identity, the cache mount root, and whether it could
/// create (and remove) a directory there as the helper would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeObservation {
    pub uid: i64,
    pub gid: i64,
    /// `id -G`: every group, the primary one included.
    pub groups: BTreeSet<i64>,
    /// `stat` of the mount root: owner uid, owner gid, permission bits.
    pub root: Option<(i64, i64, u32)>,
    /// Whether `mkdir` in the mount root succeeded; the error text otherwise.
    pub mkdir: Result<(), String>,
    /// The SCC that admitted the probe pod (its `openshift.io/scc` annotation), if any.
    pub scc: Option<String>,
}

/// One compared fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeItem {
    /// What is compared: `uid`, `gid`, `groups`, `root`, `mkdir`, `scc`.
    pub item: &'static str,
    pub predicted: String,
    pub observed: String,
    /// Whether the observation agrees (not always string equality: a root owner the model
    /// only knows as "some non-root uid" agrees with any non-root uid).
    pub matches: bool,
}

/// A probe's outcome for one runner's representative job.
#[derive(Clone, Debug)]
pub struct ProbeReport {
    /// Index into `Inputs::configs` and the `[[runners]]` entry the probe stood for.
    pub config: usize,
    pub runner: usize,
    /// The cache volume the probe mounted.
    pub volume: String,
    pub observation: ProbeObservation,
    /// Every item compared, mismatches included.
    pub items: Vec<ProbeItem>,
}
