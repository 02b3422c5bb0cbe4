//! `RD3xx`: admission — whether OpenShift's SCC admission lets the runner's job pods in, and
//! what the admitting SCC grants them.

pub(crate) mod job_pod_rejected_by_scc;
pub(crate) mod job_pod_violates_pod_security;
pub(crate) mod scc_runs_job_as_root;

use crate::analysis::prediction::RunnerPrediction;

/// The SCCs usable for the job pods, in admission order, each with who may use it:
/// `` `restricted-v2` (the requester), `team-runner-build` (ServiceAccount `default`) ``.
pub(crate) fn usable_sccs(prediction: &RunnerPrediction, service_account: &str) -> String {
    prediction
        .usable_sccs
        .iter()
        .map(|u| {
            let through = match (u.by_requester, u.by_service_account) {
                (true, true) => format!(
                    "`{}` and ServiceAccount `{service_account}`",
                    prediction.requester.name
                ),
                (true, false) => format!("`{}`", prediction.requester.name),
                _ => format!("ServiceAccount `{service_account}`"),
            };
            format!("`{}` (through {through})", u.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The job pods' ServiceAccount.
pub(crate) fn service_account(prediction: &RunnerPrediction) -> String {
    prediction
        .representative()
        .pod
        .as_ref()
        .ok()
        .and_then(|p| p.pod.spec.as_ref()?.service_account_name.clone())
        .unwrap_or_else(|| "default".to_string())
}
