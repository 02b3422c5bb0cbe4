//! `RD5xx`: image builds — whether the podman, buildah, kaniko, BuildKit or Docker daemon a job
//! runs can work in its admitted build container, and the least relaxation that would make one
//! work.

pub(crate) mod image_build_needs_relaxation;
pub(crate) mod kaniko_without_root;
pub(crate) mod rootful_build_cannot_mount_overlay;
pub(crate) mod rootless_build_cannot_map_users;
pub(crate) mod userns_mount_blocked_by_lsm;

use crate::analysis::Analysis;
use crate::analysis::builders::{self, BuildContainer, NodeFacts};
use crate::analysis::prediction::{JobPrediction, RunnerPrediction};
use crate::diagnostic::Diagnostic;

/// Labels the config lines that shaped the build container, adds the strategy advice as notes
/// and every assumption the finding rests on.
pub(crate) fn explain(
    analysis: &Analysis,
    diagnostic: &mut Diagnostic,
    prediction: &RunnerPrediction,
    job: &JobPrediction,
    container: &BuildContainer,
    node: &NodeFacts,
) {
    if let Ok(job_pod) = &job.pod {
        for (field, what) in [
            (
                "spec.containers[0].securityContext.capabilities",
                "sets the build container's capabilities",
            ),
            (
                "spec.containers[0].securityContext.privileged",
                "sets `privileged`",
            ),
            (
                "spec.containers[0].securityContext.seccompProfile",
                "sets the seccomp profile",
            ),
        ] {
            if let Some(span) = analysis.field_span(prediction, job_pod, field)
                && Some(span) != diagnostic.primary
                && !diagnostic.labels.iter().any(|l| l.span == span)
            {
                diagnostic.label(span, what);
            }
        }
    }
    if let Some(scc) = &container.scc {
        diagnostic.note(format!(
            "the pod is admitted by SCC `{scc}`; after admission the build container runs as uid {}, with {}, `allowPrivilegeEscalation` {}, seccomp {}",
            container.uid.map_or("unknown".to_string(), |u| u.to_string()),
            caps(container),
            if container.no_new_privs { "false" } else { "not false" },
            container.seccomp.as_deref().unwrap_or("unset"),
        ));
    }
    for a in builders::image_assumptions(job)
        .into_iter()
        .chain(
            node.assumptions
                .iter()
                .filter(|a| a.key != "node.seccomp_unset" || container.seccomp.is_none())
                .cloned(),
        )
        .chain(
            prediction
                .assumptions
                .iter()
                .filter(|a| a.key == "namespace.annotations")
                .cloned(),
        )
        .chain(analysis.global_assumptions.iter().cloned())
    {
        diagnostic.assume(a);
    }
}

/// `CHOWN, DAC_OVERRIDE, …` or `none`.
pub(crate) fn caps(container: &BuildContainer) -> String {
    if container.privileged {
        return "all capabilities (privileged)".into();
    }
    if container.capabilities.is_empty() {
        return "no capabilities".into();
    }
    let list = container
        .capabilities
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("capabilities {list}")
}

/// The least relaxation as a `help:` sentence.
pub(crate) fn least_relaxation_help(
    tool: builders::Tool,
    container: &BuildContainer,
    node: &NodeFacts,
) -> String {
    let best = builders::least_relaxation(tool, container, node);
    if best.works() {
        format!(
            "use {} instead: it works in this pod as admitted",
            best.name
        )
    } else {
        format!(
            "the least relaxation that makes a build work here: {}, which needs {}",
            best.name,
            best.missing.join(", ")
        )
    }
}
