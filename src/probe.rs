//! `probe`: the one pod runner-doctor may create, to check its own prediction on the platform.
//!
//! This module owns the probe pod's manifest, the script it runs, the parsing of its log and
//! the item-by-item comparison with the prediction; it never talks to a cluster (that is
//! `cluster::probe`, behind the `cluster` feature) and never prints.
//!
//! The pod is the predicted job pod cut down to what the cache depends on: the job pod's
//! ServiceAccount, pod security context and scheduling constraints, and one container with the
//! helper's image, security context, resources and cache mount. OpenShift admits it as it would
//! the job pod, kubelet sets the cache volume up the same way, and the container then prints
//! `id`, a `stat` of the mount root and whether it can create a directory there, as the helper
//! does for the cache archive. It is labelled, runs at most [`ACTIVE_DEADLINE_SECONDS`], and
//! mounts no ServiceAccount token.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod, PodSpec, VolumeMount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::access::FileStat;
use crate::analysis::Analysis;
use crate::model::probe::{ProbeItem, ProbeObservation, ProbeReport};

/// `app.kubernetes.io/managed-by` on every probe pod: what clean-up selects by.
pub const MANAGED_BY: &str = "runner-doctor";
/// The label holding one probe run's id.
pub const RUN_LABEL: &str = "runner-doctor.io/probe-run";
/// The kubelet kills the pod after this long, whatever happens to runner-doctor.
pub const ACTIVE_DEADLINE_SECONDS: i64 = 120;
/// The prefix of every line the probe script prints for runner-doctor to read.
const MARK: &str = "runner-doctor-probe:";

/// The probe script: POSIX `sh`, `id` and `stat -c` as both BusyBox (Alpine helper images) and
/// GNU coreutils (UBI helper images) provide them. The directory it creates is removed at once.
const SCRIPT: &str = r#"m="$RUNNER_DOCTOR_MOUNT"
echo "runner-doctor-probe: uid=$(id -u)"
echo "runner-doctor-probe: gid=$(id -g)"
echo "runner-doctor-probe: groups=$(id -G)"
echo "runner-doctor-probe: root=$(stat -c '%u:%g:%a' "$m" 2>/dev/null)"
d="$m/.runner-doctor-probe-$RUNNER_DOCTOR_RUN"
if err=$(mkdir "$d" 2>&1); then
  echo "runner-doctor-probe: mkdir=ok"
  rmdir "$d" || echo "runner-doctor-probe: rmdir=failed"
else
  echo "runner-doctor-probe: mkdir=denied $err"
fi
echo "runner-doctor-probe: end"
"#;

/// What the prediction says the probe will observe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Predicted {
    pub uid: i64,
    pub gid: i64,
    pub groups: std::collections::BTreeSet<i64>,
    pub root: FileStat,
    pub mkdir: bool,
    /// The admitting SCC, on OpenShift.
    pub scc: Option<String>,
}

/// The probe pod and what it is expected to show.
#[derive(Clone, Debug)]
pub struct ProbePlan {
    pub pod: Pod,
    pub namespace: String,
    pub config: usize,
    pub runner: usize,
    /// The job pod's container whose identity the probe takes (the helper, which archives the
    /// cache).
    pub container: String,
    pub volume: String,
    pub mount_path: String,
    pub predicted: Predicted,
}

impl ProbePlan {
    pub fn name(&self) -> &str {
        self.pod.metadata.name.as_deref().unwrap_or_default()
    }
}

/// The probe pod's name for a run id.
pub fn pod_name(run_id: &str) -> String {
    format!("runner-doctor-probe-{run_id}")
}

/// The labels every probe pod carries.
pub fn labels(run_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_string(),
            MANAGED_BY.to_string(),
        ),
        (
            "app.kubernetes.io/name".to_string(),
            "runner-doctor-probe".to_string(),
        ),
        (RUN_LABEL.to_string(), run_id.to_string()),
    ])
}

/// Builds the probe for the first runner whose representative job keeps its cache on a volume.
pub fn plan(analysis: &Analysis, run_id: &str) -> Result<ProbePlan, String> {
    if analysis.predictions.is_empty() {
        return Err("no Kubernetes runner in the inputs, so no job pod to probe for".into());
    }
    let found = analysis.predictions.iter().find_map(|prediction| {
        let job = prediction.representative();
        let job_pod = job.pod.as_ref().ok()?;
        let access = job.access.as_ref()?;
        let cache = access.cache.as_ref()?;
        let identity = access.identities.get(&cache.container)?;
        Some((prediction, job, job_pod, cache, identity))
    });
    let Some((prediction, job, job_pod, cache, identity)) = found else {
        return Err("no runner's job pod is admitted with its cache on a volume: there is nothing for the probe to check (`check` says why)".into());
    };
    let spec = job_pod.pod.spec.clone().unwrap_or_default();
    let helper = spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .find(|c| c.name == cache.container)
        .ok_or_else(|| format!("the job pod has no container `{}`", cache.container))?;
    let volume = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == cache.volume)
        .cloned()
        .ok_or_else(|| format!("the job pod has no volume `{}`", cache.volume))?;
    let mounts: Vec<VolumeMount> = helper
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| m.name == cache.volume)
        .cloned()
        .collect();
    let env = |name: &str, value: &str| EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..Default::default()
    };
    let container = Container {
        name: "probe".into(),
        image: helper.image.clone(),
        image_pull_policy: helper.image_pull_policy.clone(),
        command: Some(vec!["sh".into(), "-c".into(), SCRIPT.into()]),
        env: Some(vec![
            env("RUNNER_DOCTOR_MOUNT", &cache.mount_path),
            env("RUNNER_DOCTOR_RUN", run_id),
        ]),
        resources: helper.resources.clone(),
        security_context: helper.security_context.clone(),
        volume_mounts: Some(mounts),
        ..Default::default()
    };
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(pod_name(run_id)),
            namespace: Some(prediction.namespace.clone()),
            labels: Some(labels(run_id)),
            annotations: Some(BTreeMap::from([(
                "runner-doctor.io/purpose".to_string(),
                "checks the predicted job pod's identity and cache volume; deleted when done"
                    .to_string(),
            )])),
            ..Default::default()
        },
        spec: Some(PodSpec {
            service_account_name: spec.service_account_name.clone(),
            automount_service_account_token: Some(false),
            restart_policy: Some("Never".into()),
            active_deadline_seconds: Some(ACTIVE_DEADLINE_SECONDS),
            termination_grace_period_seconds: Some(1),
            security_context: spec.security_context.clone(),
            node_selector: spec.node_selector.clone(),
            tolerations: spec.tolerations.clone(),
            affinity: spec.affinity.clone(),
            image_pull_secrets: spec.image_pull_secrets.clone(),
            containers: vec![container],
            volumes: Some(vec![volume]),
            ..Default::default()
        }),
        status: None,
    };
    Ok(ProbePlan {
        pod,
        namespace: prediction.namespace.clone(),
        config: prediction.config,
        runner: prediction.runner,
        container: cache.container.clone(),
        volume: cache.volume.clone(),
        mount_path: cache.mount_path.clone(),
        predicted: Predicted {
            uid: identity.uid,
            gid: identity.gid,
            groups: identity.groups.clone(),
            root: cache.root,
            mkdir: cache.verdict.allowed,
            scc: job
                .admission
                .as_ref()
                .and_then(|a| a.scc())
                .map(str::to_string),
        },
    })
}

/// Reads the probe script's lines out of the pod log (other lines are ignored).
pub fn parse_log(log: &str) -> Result<ProbeObservation, String> {
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for line in log.lines() {
        let Some(rest) = line.trim().strip_prefix(MARK) else {
            continue;
        };
        let rest = rest.trim();
        let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
        fields.insert(key, value.trim());
    }
    if !fields.contains_key("end") {
        return Err("the probe's log ends before its last line: the container did not run to the end (its image may lack `sh`, `id` or `stat`)".into());
    }
    let number = |key: &str| -> Result<i64, String> {
        let text = fields.get(key).copied().unwrap_or("");
        text.parse()
            .map_err(|_| format!("the probe printed `{key}={text}`, not a number"))
    };
    let groups = fields
        .get("groups")
        .copied()
        .unwrap_or("")
        .split_whitespace()
        .map(|g| {
            g.parse::<i64>()
                .map_err(|_| format!("the probe printed a group `{g}`, not a number"))
        })
        .collect::<Result<_, _>>()?;
    let root = fields.get("root").copied().unwrap_or("");
    let root = {
        let parts: Vec<&str> = root.split(':').collect();
        match parts.as_slice() {
            [uid, gid, mode] => match (uid.parse(), gid.parse(), u32::from_str_radix(mode, 8)) {
                (Ok(uid), Ok(gid), Ok(mode)) => Some((uid, gid, mode)),
                _ => None,
            },
            _ => None,
        }
    };
    let mkdir = match fields.get("mkdir").copied() {
        Some("ok") => Ok(()),
        Some(other) => Err(other
            .strip_prefix("denied")
            .unwrap_or(other)
            .trim()
            .to_string()),
        None => Err("the probe did not try".into()),
    };
    Ok(ProbeObservation {
        uid: number("uid")?,
        gid: number("gid")?,
        groups,
        root,
        mkdir,
        scc: None,
    })
}

fn show_groups(groups: &std::collections::BTreeSet<i64>) -> String {
    groups
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares the observation with the prediction, item by item.
pub fn compare(plan: &ProbePlan, observed: &ProbeObservation) -> Vec<ProbeItem> {
    let p = &plan.predicted;
    let item = |item: &'static str, predicted: String, observed: String| ProbeItem {
        item,
        matches: predicted == observed,
        predicted,
        observed,
    };
    let mut items = vec![
        item("uid", p.uid.to_string(), observed.uid.to_string()),
        item("gid", p.gid.to_string(), observed.gid.to_string()),
        item(
            "groups",
            show_groups(&p.groups),
            show_groups(&observed.groups),
        ),
    ];
    let perm = |bits: u32| format!("{:04o}", bits & 0o7777);
    let predicted_root = format!(
        "{}:{}:{}",
        p.root.uid.map_or("non-root".to_string(), |u| u.to_string()),
        p.root.gid,
        perm(p.root.mode.bits())
    );
    let (observed_root, root_matches) = match observed.root {
        Some((uid, gid, mode)) => {
            let uid_matches = match p.root.uid {
                Some(predicted) => predicted == uid,
                // The model knows the owner only as "some uid that is not the process's".
                None => uid != 0 && uid != observed.uid,
            };
            (
                format!("{uid}:{gid}:{}", perm(mode)),
                uid_matches
                    && gid == p.root.gid
                    && (mode & 0o7777) == (p.root.mode.bits() & 0o7777),
            )
        }
        None => ("unreadable".to_string(), false),
    };
    items.push(ProbeItem {
        item: "root",
        predicted: predicted_root,
        observed: observed_root,
        matches: root_matches,
    });
    let verdict = |allowed: bool| if allowed { "allowed" } else { "denied" }.to_string();
    items.push(item(
        "mkdir",
        verdict(p.mkdir),
        verdict(observed.mkdir.is_ok()),
    ));
    if let Some(scc) = &p.scc {
        items.push(item(
            "scc",
            scc.clone(),
            observed.scc.clone().unwrap_or_else(|| "none".into()),
        ));
    }
    items
}

/// The report the `probe-contradicts-prediction` rule reads.
pub fn report(plan: &ProbePlan, observed: ProbeObservation) -> ProbeReport {
    ProbeReport {
        config: plan.config,
        runner: plan.runner,
        volume: plan.volume.clone(),
        items: compare(plan, &observed),
        observation: observed,
    }
}

/// The observed mount root as an `--assume volume.NAME.root=UID:GID:MODE`, so the access model
/// continues from what the platform really has. (The observation is the root after kubelet set
/// the volume up; kubelet's ownership change is idempotent, so taking it as the root before is
/// safe.)
pub fn root_assumption(plan: &ProbePlan, observed: &ProbeObservation) -> Option<(String, String)> {
    let claim = plan
        .pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .and_then(|v| v.first())
        .and_then(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.clone())
        .unwrap_or_else(|| plan.volume.clone());
    observed.root.map(|(uid, gid, mode)| {
        (
            format!("volume.{claim}.root"),
            format!("{uid}:{gid}:{:04o}", mode & 0o7777),
        )
    })
}
