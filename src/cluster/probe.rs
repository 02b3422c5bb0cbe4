//! Runs a [`ProbePlan`]'s pod: create, wait, read the log, delete — the delete on every path.
//!
//! The pod is deleted whether it succeeded, failed, was never scheduled, the wait timed out,
//! a request failed or the user pressed Ctrl-C (the caller sets the `interrupted` flag from
//! `tokio::signal::ctrl_c`). Should runner-doctor itself be killed, `activeDeadlineSeconds`
//! still ends the pod, and its `app.kubernetes.io/managed-by=runner-doctor` label finds it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{DeleteParams, LogParams, PostParams};

use crate::probe::ProbePlan;

/// What the probe pod left to read.
#[derive(Clone, Debug)]
pub struct ProbeRun {
    /// `Succeeded` or `Failed`.
    pub phase: String,
    /// The probe container's log.
    pub log: String,
    /// The `openshift.io/scc` annotation admission set, if any.
    pub scc: Option<String>,
}

/// Why the probe gave no result.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot create the probe pod: {0}")]
    Create(String),
    #[error(
        "the probe pod did not finish within {0} s (phase `{1}`): it may be unschedulable or its image not pullable"
    )]
    TimedOut(u64, String),
    #[error("interrupted")]
    Interrupted,
    #[error("reading the probe pod failed: {0}")]
    Request(String),
}

/// Whether the pod was removed afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cleanup {
    /// Never created: nothing to remove.
    NotCreated,
    Deleted,
    /// The delete request failed; the message says why, and the pod must be removed by hand.
    Failed(String),
}

/// Options of one run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// How long to wait for the pod to finish.
    pub wait: Duration,
    /// How often to look.
    pub poll: Duration,
    /// The limit of one request.
    pub request_timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            wait: Duration::from_secs(crate::probe::ACTIVE_DEADLINE_SECONDS as u64 + 10),
            poll: Duration::from_secs(1),
            request_timeout: super::DEFAULT_TIMEOUT,
        }
    }
}

/// A flag that Ctrl-C raises from now on, for [`run`]. Called inside the runtime. Listening
/// replaces the default SIGINT action, so Ctrl-C no longer ends the process: the wait loop sees
/// the flag, stops, and the pod is still deleted.
pub fn interrupt_on_ctrl_c() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let raised = flag.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            raised.store(true, Ordering::SeqCst);
        }
    });
    flag
}

/// Creates the probe pod, waits for it, reads its log, and deletes it.
pub async fn run(
    client: &kube::Client,
    plan: &ProbePlan,
    options: &RunOptions,
    interrupted: Arc<AtomicBool>,
) -> (Result<ProbeRun, ProbeError>, Cleanup) {
    let api: Api<Pod> = Api::namespaced(client.clone(), &plan.namespace);
    let created = tokio::time::timeout(
        options.request_timeout,
        api.create(&PostParams::default(), &plan.pod),
    )
    .await;
    match created {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => return (Err(ProbeError::Create(describe(&err))), Cleanup::NotCreated),
        // The create may have reached the server: delete to be sure.
        Err(_) => {
            let cleanup = delete(&api, plan.name(), options).await;
            return (
                Err(ProbeError::Create(format!(
                    "no answer within {} s",
                    options.request_timeout.as_secs()
                ))),
                cleanup,
            );
        }
    }
    let outcome = wait_and_read(&api, plan.name(), options, &interrupted).await;
    let cleanup = delete(&api, plan.name(), options).await;
    (outcome, cleanup)
}

async fn wait_and_read(
    api: &Api<Pod>,
    name: &str,
    options: &RunOptions,
    interrupted: &AtomicBool,
) -> Result<ProbeRun, ProbeError> {
    let start = Instant::now();
    let mut phase = String::from("Pending");
    let pod = loop {
        if interrupted.load(Ordering::SeqCst) {
            return Err(ProbeError::Interrupted);
        }
        if start.elapsed() >= options.wait {
            return Err(ProbeError::TimedOut(options.wait.as_secs(), phase));
        }
        let pod = match tokio::time::timeout(options.request_timeout, api.get(name)).await {
            Ok(Ok(pod)) => pod,
            Ok(Err(err)) => return Err(ProbeError::Request(describe(&err))),
            Err(_) => {
                return Err(ProbeError::Request(format!(
                    "no answer within {} s",
                    options.request_timeout.as_secs()
                )));
            }
        };
        phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into());
        if phase == "Succeeded" || phase == "Failed" {
            break pod;
        }
        tokio::time::sleep(options.poll).await;
    };
    let params = LogParams {
        container: Some("probe".into()),
        ..Default::default()
    };
    let log = match tokio::time::timeout(options.request_timeout, api.logs(name, &params)).await {
        Ok(Ok(log)) => log,
        Ok(Err(err)) => return Err(ProbeError::Request(describe(&err))),
        Err(_) => return Err(ProbeError::Request("the log did not come".into())),
    };
    let scc = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("openshift.io/scc"))
        .cloned();
    Ok(ProbeRun { phase, log, scc })
}

async fn delete(api: &Api<Pod>, name: &str, options: &RunOptions) -> Cleanup {
    let params = DeleteParams {
        grace_period_seconds: Some(0),
        ..Default::default()
    };
    match tokio::time::timeout(options.request_timeout, api.delete(name, &params)).await {
        Ok(Ok(_)) => Cleanup::Deleted,
        Ok(Err(kube::Error::Api(status))) if status.code == 404 => Cleanup::Deleted,
        Ok(Err(err)) => Cleanup::Failed(describe(&err)),
        Err(_) => Cleanup::Failed(format!(
            "no answer within {} s",
            options.request_timeout.as_secs()
        )),
    }
}

/// An API error as the server worded it (a refusal names the verb and resource).
fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => {
            format!("{} ({})", status.message, status.code)
        }
        other => other.to_string(),
    }
}
