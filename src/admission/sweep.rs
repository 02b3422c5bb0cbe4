//! `admit --audit`: every Pod and pod template in cluster dumps (`oc get ns,pods -A -o yaml`,
//! `-o json`, multi-document YAML) streamed through SCC admission and Pod Security Admission,
//! summarised per namespace and per workload. Memory stays bounded by the largest object and
//! the number of workloads, never by the dump: files are read twice, item by item
//! ([`crate::source::stream`]) — first for the cluster context (Namespaces, SCCs, RBAC), then
//! for the pods, admitted in parallel against that context over the platform's defaults.
//! The first pass costs little: the splitter skips pods by the kind it sees and nothing is
//! parsed but the context objects. The second reads only what admission reads: `status` and
//! the containers' environment are dropped (from the YAML text before parsing; from the typed
//! pod of a JSON item, which is deserialised straight from its text as metadata and spec).
//!
//! Each pod is also evaluated at PSA `baseline` and `restricted` (on the pod SCC admission
//! mutated, as PSA sees it on OpenShift), whatever its namespace enforces, so the summary
//! answers "what would this level break". Pods are grouped by their controlling owner
//! (a ReplicaSet named `<deployment>-<pod-template-hash>` counts as its Deployment).
//! This module never prints; progress goes through a callback.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use serde::Serialize;
use serde_json::Value;

use super::audit::{AuditSettings, ClusterContext, admit_template_evaluated};
use super::psa::{self, EvalOptions, Level, LevelVersion};
use super::workload::{PodTemplate, WorkloadKind};
use crate::model::load::Inputs;
use crate::source::stream::{self, Body, RawItem, SplitOptions};

/// Problems kept in the report; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;

/// Options of an audit run.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// The level asked about: pods admitted today that violate it are listed as broken.
    pub psa_level: Option<Level>,
    /// Worker threads (0: the available cores).
    pub threads: usize,
}

/// Progress of a run, for a progress line.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// 1: reading the cluster context, 2: admitting pods.
    pub pass: u8,
    /// Bytes read in this pass.
    pub bytes: u64,
    /// Bytes of all inputs.
    pub total: u64,
}

/// Counts of one namespace (or of all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Pods (and pod templates) seen.
    pub pods: u64,
    /// Pods that would be created (SCC admits and PSA enforce allows).
    pub admitted: u64,
    /// Pods SCC admission refuses.
    pub refused_by_scc: u64,
    /// Pods SCC admits but the namespace's PSA enforce level refuses.
    pub refused_by_psa: u64,
    /// Pods violating PSA `baseline`.
    pub baseline_violations: u64,
    /// Pods violating PSA `restricted`.
    pub restricted_violations: u64,
    /// Pods admitted today that the `--psa-level` asked about would refuse.
    pub broken_at_level: u64,
    /// Pods not evaluated: on OpenShift, their Namespace is not in the inputs, and SCC
    /// admission needs its uid range and MCS (`oc get pods -A` alone holds no Namespace). A
    /// running pod's namespace exists, so this is missing context, not a refusal.
    pub namespace_unknown: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.pods += o.pods;
        self.admitted += o.admitted;
        self.refused_by_scc += o.refused_by_scc;
        self.refused_by_psa += o.refused_by_psa;
        self.baseline_violations += o.baseline_violations;
        self.restricted_violations += o.restricted_violations;
        self.broken_at_level += o.broken_at_level;
        self.namespace_unknown += o.namespace_unknown;
    }
}

/// The summary of one namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamespaceSummary {
    /// The namespace (empty: none given).
    pub namespace: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The verdict on one workload: its pods together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkloadVerdict {
    /// The namespace.
    pub namespace: String,
    /// The controlling kind (`Deployment`, `StatefulSet`, `Job`…), or `Pod` for a bare pod.
    pub kind: String,
    /// The workload's name.
    pub name: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// The SCC that admitted its first admitted pod.
    pub scc: Option<String>,
    /// The first refusal, as the API server words it.
    pub refusal: Option<String>,
    /// The first violation of the level asked about (or of `restricted`).
    pub violation: Option<String>,
}

/// Everything an audit found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// The platform simulated.
    pub platform: String,
    /// The requester.
    pub user: String,
    /// The PSA level asked about.
    pub psa_level: Option<&'static str>,
    /// Bytes read (one pass).
    pub bytes: u64,
    /// Objects read in the pod pass.
    pub objects: u64,
    /// Context objects (Namespaces, SCCs, RBAC…) used.
    pub context_objects: u64,
    /// Per namespace, sorted by name.
    pub namespaces: Vec<NamespaceSummary>,
    /// All namespaces.
    pub total: Counts,
    /// Per workload, sorted by namespace, kind and name.
    pub workloads: Vec<WorkloadVerdict>,
    /// Objects that could not be read (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<String>,
    /// How many problems there were in all.
    pub problem_count: u64,
}

impl SweepReport {
    /// True when every pod evaluated would be created.
    pub fn all_admitted(&self) -> bool {
        self.total.admitted + self.total.namespace_unknown == self.total.pods
    }

    /// True when every pod would be created, and none of them would be refused by the
    /// `--psa-level` asked about (the exit code's question: is anything broken, or would it be).
    pub fn nothing_breaks(&self) -> bool {
        self.all_admitted() && self.total.broken_at_level == 0
    }
}

/// Why the run could not read its inputs.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{path}`")]
pub struct SweepError {
    /// The file.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

fn is_workload_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Pod" | "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob"
    )
}

/// Kinds of list wrappers, whose items the splitter already yields.
fn is_context_kind(kind: &str) -> bool {
    !is_workload_kind(kind) && !kind.ends_with("List")
}

#[derive(Default)]
struct Acc {
    objects: u64,
    namespaces: HashMap<String, Counts>,
    workloads: HashMap<(String, String, String), WorkloadVerdict>,
    problems: Vec<String>,
    problem_count: u64,
    context: Vec<(usize, Value)>,
}

impl Acc {
    fn problem(&mut self, msg: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(msg);
        }
    }
}

#[derive(serde::Deserialize)]
struct Head {
    kind: Option<String>,
}

/// The kind of a JSON item, read without building it.
fn json_kind(bytes: &[u8]) -> Option<String> {
    serde_json::from_slice::<Head>(bytes).ok()?.kind
}

/// Runs the audit over `paths` (files; a directory contributes its `.yaml`, `.yml` and
/// `.json` files).
pub fn sweep(
    paths: &[PathBuf],
    settings: &AuditSettings,
    options: &SweepOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<SweepReport, SweepError> {
    let files = expand(paths)?;
    let total: u64 = files
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    };
    let file_refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    // Admission never reads status; the context objects keep their `env` (a runner
    // ConfigMap or an operator's Runner may use the key), the workloads drop it and the other
    // container fields admission never reads (stream::UNREAD_BY_ADMISSION).
    let split = SplitOptions {
        drop_status: true,
        drop_unread: false,
    };
    let split_workloads = SplitOptions {
        drop_unread: true,
        ..split
    };

    // One reading pass over every file, items folded on `threads` workers; the first read
    // error ends the sweep.
    let mut run_pass = |pass: u8,
                        split: SplitOptions,
                        keep: &(dyn Fn(&RawItem) -> bool + Sync),
                        fold: &(dyn Fn(&mut Acc, usize, RawItem) + Sync)|
     -> Result<Vec<Acc>, SweepError> {
        let (accs, errors) = stream::par_fold(
            &file_refs,
            split,
            threads,
            keep,
            &Acc::default,
            fold,
            &mut |bytes| progress(Progress { pass, bytes, total }),
        );
        match errors.into_iter().next() {
            Some((i, e)) => Err(SweepError {
                path: files[i].clone(),
                source: e,
            }),
            None => Ok(accs),
        }
    };

    // Pass 1: the cluster context.
    let keep1 = |item: &RawItem| item.kind.as_deref().is_none_or(is_context_kind);
    let fold1 = |acc: &mut Acc, file: usize, item: RawItem| {
        if let Body::Json(bytes) = &item.body
            && item
                .kind
                .clone()
                .or_else(|| json_kind(bytes))
                .as_deref()
                .is_none_or(|k| !is_context_kind(k))
        {
            return;
        }
        if let Ok(values) = stream::parse_item(&item) {
            for v in values {
                let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
                if is_context_kind(kind) && !kind.is_empty() {
                    acc.context.push((file, v));
                }
            }
        }
    };
    let accs = run_pass(1, split, &keep1, &fold1)?;
    let mut context: Vec<(usize, Value)> = accs.into_iter().flat_map(|a| a.context).collect();
    context.sort_by_key(|(f, _)| *f);
    let context_objects = context.len() as u64;
    let mut inputs = Inputs::default();
    for (file, v) in context {
        inputs.add_text(files[file].clone(), v.to_string());
    }
    let cx = ClusterContext::new(&inputs.cluster, &settings.platform);

    // Pass 2: the pods.
    let keep2 = |item: &RawItem| item.kind.as_deref().is_none_or(is_workload_kind);
    let fold2 = |acc: &mut Acc, file: usize, item: RawItem| {
        // JSON: the fast path, typed straight from the text; `None` is not a workload.
        if let Body::Json(bytes) = &item.body {
            let parsed = match (&item.api_version, &item.kind) {
                (Some(api), Some(kind)) => WorkloadKind::from_type(api, kind)
                    .map(|k| PodTemplate::from_json_slice_as(k, bytes)),
                _ => PodTemplate::from_json_slice(bytes),
            };
            match parsed {
                Some(Ok(mut t)) => {
                    drop_environment(&mut t);
                    admit_one(acc, &t, &files[file], &cx, settings, options)
                }
                Some(Err(e)) => acc.problem(e.to_string()),
                None => {}
            }
            return;
        }
        let values = match stream::parse_item(&item) {
            Ok(v) => v,
            Err(e) => {
                acc.problem(format!(
                    "{} at byte {}: {e}",
                    files[file].display(),
                    item.offset
                ));
                return;
            }
        };
        for v in values {
            // Admission never reads status, and a status the API types reject (a foreign
            // emitter's empty timestamp) must not hide the pod: only metadata and spec are
            // read.
            match PodTemplate::from_json_owned(v) {
                Some(Ok(t)) => admit_one(acc, &t, &files[file], &cx, settings, options),
                Some(Err(e)) => acc.problem(e.to_string()),
                None => {}
            }
        }
    };
    let accs = run_pass(2, split_workloads, &keep2, &fold2)?;
    Ok(merge(accs, settings, options, total, context_objects))
}

/// Drops the containers' environment, which no admission check reads, so the copies
/// admission makes of the pod stay small (the YAML splitter drops it from the text already).
fn drop_environment(t: &mut PodTemplate) {
    let spec = &mut t.spec;
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        c.env = None;
        c.env_from = None;
    }
    for c in spec.ephemeral_containers.iter_mut().flatten() {
        c.env = None;
        c.env_from = None;
    }
}

fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SweepError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| SweepError {
                path: p.clone(),
                source: e,
            })?;
            let mut found: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// The workload a pod belongs to: its controlling owner, a ReplicaSet mapped to its
/// Deployment through the `pod-template-hash` label, or the object itself.
fn workload_of(t: &PodTemplate) -> (String, String) {
    if t.kind != WorkloadKind::Pod {
        return (t.kind.as_str().to_owned(), t.name.clone());
    }
    let owner = t
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true));
    match owner {
        Some(o) if o.kind == "ReplicaSet" => {
            let hash = t
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"));
            match hash.and_then(|h| o.name.strip_suffix(&format!("-{h}"))) {
                Some(deployment) => ("Deployment".into(), deployment.to_owned()),
                None => (o.kind.clone(), o.name.clone()),
            }
        }
        Some(o) => (o.kind.clone(), o.name.clone()),
        None => ("Pod".into(), t.name.clone()),
    }
}

fn violations(level: Level, pod: &Pod) -> Vec<psa::Violation> {
    let empty = PodSpec::default();
    psa::evaluate(
        LevelVersion::latest(level),
        &pod.metadata,
        pod.spec.as_ref().unwrap_or(&empty),
        EvalOptions::default(),
    )
}

fn admit_one(
    acc: &mut Acc,
    t: &PodTemplate,
    file: &Path,
    cx: &ClusterContext<'_>,
    settings: &AuditSettings,
    options: &SweepOptions,
) {
    acc.objects += 1;
    let (item, evaluated) = admit_template_evaluated(t, file.display().to_string(), cx, settings);
    let ns = item.namespace.clone().unwrap_or_default();
    // On OpenShift the verdict needs the namespace's allocations; a dump without its Namespace
    // leaves the pod unevaluated (see `Counts::namespace_unknown`).
    if item.scc.is_some() && !cx.namespaces.contains_key(&ns) {
        let c = Counts {
            pods: 1,
            namespace_unknown: 1,
            ..Counts::default()
        };
        tally(acc, t, ns, &c);
        return;
    }
    let scc_ok = item.scc.as_ref().is_none_or(|s| s.allowed);
    let admitted = item.admitted();
    let baseline = violations(Level::Baseline, &evaluated);
    let restricted = violations(Level::Restricted, &evaluated);
    let at_level = match options.psa_level {
        Some(Level::Baseline) => Some(&baseline),
        Some(Level::Restricted) => Some(&restricted),
        _ => None,
    };
    let c = Counts {
        pods: 1,
        admitted: u64::from(admitted),
        refused_by_scc: u64::from(!scc_ok),
        refused_by_psa: u64::from(scc_ok && !admitted),
        baseline_violations: u64::from(!baseline.is_empty()),
        restricted_violations: u64::from(!restricted.is_empty()),
        broken_at_level: u64::from(admitted && at_level.is_some_and(|v| !v.is_empty())),
        namespace_unknown: 0,
    };
    let w = tally(acc, t, ns, &c);
    if admitted {
        keep_min(&mut w.scc, item.scc.as_ref().and_then(|s| s.scc.clone()));
    } else {
        let refusal = item
            .scc
            .as_ref()
            .and_then(|s| s.error.clone())
            .or_else(|| item.psa.pod.error().map(str::to_owned));
        keep_min(&mut w.refusal, refusal);
    }
    let v = at_level.unwrap_or(&restricted);
    if !v.is_empty() {
        keep_min(&mut w.violation, Some(psa::forbidden_detail(v)));
    }
}

/// Adds one pod's counts to its namespace and its workload, and returns the workload's verdict.
fn tally<'a>(acc: &'a mut Acc, t: &PodTemplate, ns: String, c: &Counts) -> &'a mut WorkloadVerdict {
    acc.namespaces.entry(ns.clone()).or_default().add(c);
    let (kind, name) = workload_of(t);
    let w = acc
        .workloads
        .entry((ns.clone(), kind.clone(), name.clone()))
        .or_insert_with(|| WorkloadVerdict {
            namespace: ns,
            kind,
            name,
            counts: Counts::default(),
            scc: None,
            refusal: None,
            violation: None,
        });
    w.counts.add(c);
    w
}

/// Keeps the smaller of two optional texts, so the verdict does not depend on which worker
/// saw which pod first.
fn keep_min(slot: &mut Option<String>, new: Option<String>) {
    if let Some(n) = new
        && slot.as_ref().is_none_or(|s| n < *s)
    {
        *slot = Some(n);
    }
}

fn merge(
    accs: Vec<Acc>,
    settings: &AuditSettings,
    options: &SweepOptions,
    bytes: u64,
    context_objects: u64,
) -> SweepReport {
    let mut namespaces: BTreeMap<String, Counts> = BTreeMap::new();
    let mut workloads: BTreeMap<(String, String, String), WorkloadVerdict> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut problem_count = 0;
    let mut objects = 0;
    for acc in accs {
        objects += acc.objects;
        problem_count += acc.problem_count;
        problems.extend(acc.problems);
        for (ns, c) in acc.namespaces {
            namespaces.entry(ns).or_default().add(&c);
        }
        for (key, w) in acc.workloads {
            match workloads.get_mut(&key) {
                None => {
                    workloads.insert(key, w);
                }
                Some(x) => {
                    x.counts.add(&w.counts);
                    keep_min(&mut x.scc, w.scc);
                    keep_min(&mut x.refusal, w.refusal);
                    keep_min(&mut x.violation, w.violation);
                }
            }
        }
    }
    problems.sort();
    problems.truncate(MAX_PROBLEMS);
    let mut total = Counts::default();
    for c in namespaces.values() {
        total.add(c);
    }
    SweepReport {
        platform: settings.platform.name().to_owned(),
        user: settings.user.name.clone(),
        psa_level: options.psa_level.map(Level::as_str),
        bytes,
        objects,
        context_objects,
        namespaces: namespaces
            .into_iter()
            .map(|(namespace, counts)| NamespaceSummary { namespace, counts })
            .collect(),
        total,
        workloads: workloads.into_values().collect(),
        problems,
        problem_count,
    }
}
