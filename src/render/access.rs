//! The `access` matrix as text and JSON: for each runner's job pod, who each container is, what
//! kubelet made of each volume, which mounts each container can read and write, and what each
//! job stage does, with the deciding class and bits.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::analysis::prediction::{JobOrigin, JobPrediction, RunnerPrediction};
use crate::analysis::stages::{StepAccess, stage_matrix};
use crate::diagnostic::Assumption;

/// The whole matrix of one run.
#[derive(Debug, Serialize)]
pub struct AccessReport {
    pub runners: Vec<RunnerAccess>,
}

#[derive(Debug, Serialize)]
pub struct RunnerAccess {
    /// `name` of the `[[runners]]` entry, or its index.
    pub runner: String,
    pub namespace: String,
    pub job: String,
    /// The admitting SCC, or OpenShift's refusal.
    pub admission: Option<String>,
    pub identities: Vec<IdentityRow>,
    pub volumes: Vec<VolumeRow>,
    pub mounts: Vec<MountRow>,
    pub stages: Vec<StepAccess>,
    pub problems: Vec<String>,
    pub assumptions: Vec<Assumption>,
}

#[derive(Debug, Serialize)]
pub struct IdentityRow {
    pub container: String,
    pub uid: i64,
    pub gid: i64,
    pub groups: Vec<i64>,
    pub dac_override: bool,
}

#[derive(Debug, Serialize)]
pub struct VolumeRow {
    pub volume: String,
    pub fs_group: &'static str,
    pub root: Option<String>,
    /// What mode bits do not show (SELinux labels, unknown roots).
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MountRow {
    pub container: String,
    pub volume: String,
    pub mount_path: String,
    pub root: Option<String>,
    pub read: Option<String>,
    pub write: Option<String>,
}

/// Builds the matrix; `job` selects a pipeline job by name (default: the representative job).
pub fn report(analysis: &Analysis, job: Option<&str>) -> AccessReport {
    let runners = analysis
        .predictions
        .iter()
        .filter_map(|prediction| {
            let chosen = match job {
                Some(name) => prediction.jobs.iter().find(
                    |j| matches!(&j.origin, JobOrigin::Pipeline { name: n, .. } if n == name),
                )?,
                None => prediction.representative(),
            };
            Some(runner_access(analysis, prediction, chosen))
        })
        .collect();
    AccessReport { runners }
}

fn runner_access(
    analysis: &Analysis,
    prediction: &RunnerPrediction,
    job: &JobPrediction,
) -> RunnerAccess {
    let runner = prediction
        .entry
        .name
        .clone()
        .unwrap_or_else(|| format!("runners[{}]", prediction.runner));
    let job_name = match &job.origin {
        JobOrigin::Representative => "any job (the runner's default image, with a cache)".into(),
        JobOrigin::Pipeline { name, .. } => name.clone(),
    };
    let admission = job.admission.as_ref().map(|o| match (o.scc(), o.error()) {
        (Some(scc), _) => format!("admitted by SCC `{scc}`"),
        (None, Some(error)) => error.to_string(),
        _ => "allowed".to_string(),
    });
    let mut problems = Vec::new();
    if let Err(err) = &job.pod {
        problems.push(format!("the runner builds no pod: {err}"));
    }
    let mut out = RunnerAccess {
        runner,
        namespace: prediction.namespace.clone(),
        job: job_name,
        admission,
        identities: Vec::new(),
        volumes: Vec::new(),
        mounts: Vec::new(),
        stages: Vec::new(),
        problems,
        assumptions: Vec::new(),
    };
    let Some(view) = &job.access else {
        return out;
    };
    out.identities = view
        .identities
        .iter()
        .map(|(container, id)| IdentityRow {
            container: container.clone(),
            uid: id.uid,
            gid: id.gid,
            groups: id.groups.iter().copied().collect(),
            dac_override: id.dac_override,
        })
        .collect();
    out.volumes = view
        .volumes
        .iter()
        .map(|(name, state)| VolumeRow {
            volume: name.clone(),
            fs_group: state.decision.reason.code(),
            root: state.root.map(|r| r.to_string()),
            notes: state.notes.clone(),
        })
        .collect();
    out.mounts = view
        .mounts
        .iter()
        .map(|m| MountRow {
            container: m.container.clone(),
            volume: m.volume.clone(),
            mount_path: m.mount_path.clone(),
            root: m.target.map(|t| t.stat.to_string()),
            read: m.read.as_ref().map(verdict_text),
            write: m.write.as_ref().map(verdict_text),
        })
        .collect();
    if let Ok(job_pod) = &job.pod {
        out.stages = stage_matrix(job_pod, view);
    }
    out.problems.extend(
        view.identity_errors
            .iter()
            .map(|(c, e)| format!("container `{c}` cannot start: {e}")),
    );
    out.problems.extend(
        view.volume_errors
            .iter()
            .map(|(v, e)| format!("volume `{v}` is not modelled: {e}")),
    );
    out.assumptions = analysis
        .global_assumptions
        .iter()
        .chain(&prediction.assumptions)
        .chain(&view.assumptions)
        .cloned()
        .collect();
    out
}

fn verdict_text(v: &crate::access::Verdict) -> String {
    let word = if v.allowed { "yes" } else { "no" };
    match &v.missing {
        Some(missing) => format!("{word} ({}, lacks {missing})", v.reason.as_str()),
        None => format!("{word} ({})", v.reason.as_str()),
    }
}

/// Lays rows out in columns.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The human table.
pub fn human(report: &AccessReport) -> String {
    let mut out = String::new();
    if report.runners.is_empty() {
        out.push_str("no Kubernetes runner in the inputs\n");
    }
    for r in &report.runners {
        out.push_str(&format!(
            "runner `{}`, namespace `{}`, job: {}\n",
            r.runner, r.namespace, r.job
        ));
        if let Some(admission) = &r.admission {
            out.push_str(&format!("admission: {admission}\n"));
        }
        for p in &r.problems {
            out.push_str(&format!("problem: {p}\n"));
        }
        out.push_str("\nidentities\n");
        let rows: Vec<Vec<String>> = r
            .identities
            .iter()
            .map(|i| {
                let groups: Vec<String> = i.groups.iter().map(i64::to_string).collect();
                vec![
                    i.container.clone(),
                    i.uid.to_string(),
                    i.gid.to_string(),
                    groups.join(","),
                    if i.dac_override { "yes" } else { "no" }.to_string(),
                ]
            })
            .collect();
        out.push_str(&table(
            &["container", "uid", "gid", "groups", "dac_override"],
            &rows,
        ));
        out.push_str("\nvolumes after kubelet set-up\n");
        let rows: Vec<Vec<String>> = r
            .volumes
            .iter()
            .map(|v| {
                vec![
                    v.volume.clone(),
                    v.fs_group.to_string(),
                    v.root.clone().unwrap_or_else(|| "unknown".into()),
                ]
            })
            .collect();
        out.push_str(&table(&["volume", "fsGroup", "root"], &rows));
        for v in &r.volumes {
            for note in &v.notes {
                out.push_str(&format!("  note: `{}`: {note}\n", v.volume));
            }
        }
        out.push_str("\nmounts\n");
        let rows: Vec<Vec<String>> = r
            .mounts
            .iter()
            .map(|m| {
                vec![
                    m.container.clone(),
                    m.mount_path.clone(),
                    m.volume.clone(),
                    m.root.clone().unwrap_or_else(|| "unknown".into()),
                    m.read.clone().unwrap_or_else(|| "unknown".into()),
                    m.write.clone().unwrap_or_else(|| "unknown".into()),
                ]
            })
            .collect();
        out.push_str(&table(
            &["container", "path", "volume", "root", "read", "write"],
            &rows,
        ));
        out.push_str("\nstages\n");
        let rows: Vec<Vec<String>> = r
            .stages
            .iter()
            .map(|s| {
                let verdict = match &s.missing {
                    Some(m) => format!("{} ({}, lacks {m})", yes_no(s.allowed), s.reason),
                    None => format!("{} ({})", yes_no(s.allowed), s.reason),
                };
                vec![
                    s.stage.clone(),
                    s.container.clone(),
                    s.action.clone(),
                    format!("{} {}", s.op, s.path),
                    s.target.clone(),
                    verdict,
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "stage",
                "container",
                "action",
                "operation",
                "target",
                "allowed",
            ],
            &rows,
        ));
        if !r.assumptions.is_empty() {
            out.push_str("\nassumptions (override with --assume KEY=VALUE)\n");
            let mut seen = Vec::new();
            for a in &r.assumptions {
                if !seen.contains(&a) {
                    seen.push(a);
                    out.push_str(&format!("  - {} = {}: {}\n", a.key, a.value, a.origin));
                }
            }
        }
        out.push('\n');
    }
    out
}

fn yes_no(allowed: bool) -> &'static str {
    if allowed { "yes" } else { "no" }
}
