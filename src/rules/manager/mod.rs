//! `RD25x`: the runner manager pod — whether the Deployment the Helm chart or the Operator
//! creates is admitted, finds its config and CA, and may create job pods, reported before the
//! first job fails.

pub(crate) mod manager_cannot_create_job_pods;
pub(crate) mod manager_config_dir_outside_mount;
pub(crate) mod manager_pod_rejected_by_scc;
pub(crate) mod manager_pod_violates_pod_security;

use crate::analysis::Analysis;
use crate::analysis::manager::ManagerPrediction;
use crate::diagnostic::Diagnostic;
use crate::manager::ManagerOrigin;
use crate::source::{Span, TextRange};

/// What deploys the manager, for messages.
pub(crate) fn deployer(m: &ManagerPrediction) -> String {
    m.pod.title()
}

/// Where a manager finding points when no key of its own does: the values file's first key,
/// or the `Runner`'s name.
pub(crate) fn anchor(analysis: &Analysis, m: &ManagerPrediction) -> Option<Span> {
    match &m.pod.origin {
        ManagerOrigin::Helm { values } => {
            let doc = analysis.inputs.helm_values.get(*values)?;
            let first = doc.root.entries().first()?;
            Some(Span::new(doc.source, first.key_range))
        }
        ManagerOrigin::Operator { object, .. } => {
            let object = analysis.inputs.cluster.objects.get(*object)?;
            Some(object.name_span())
        }
    }
}

/// The span of a values key (Helm) by path, e.g. `["podSecurityContext"]`.
pub(crate) fn values_key(
    analysis: &Analysis,
    m: &ManagerPrediction,
    path: &[&str],
) -> Option<Span> {
    let ManagerOrigin::Helm { values } = &m.pod.origin else {
        return None;
    };
    let doc = analysis.inputs.helm_values.get(*values)?;
    let segs: Vec<crate::source::tree::Seg<'_>> = path
        .iter()
        .map(|k| crate::source::tree::Seg::Key(k))
        .collect();
    let (range, _): (TextRange, TextRange) = doc.root.key_value_range(&segs)?;
    Some(Span::new(doc.source, range))
}

/// Adds the run's and the manager's assumptions to a finding.
pub(crate) fn assume_all(d: &mut Diagnostic, analysis: &Analysis, m: &ManagerPrediction) {
    for a in analysis.global_assumptions.iter().chain(&m.assumptions) {
        d.assume(a.clone());
    }
}
