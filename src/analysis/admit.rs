//! The runner's predicted job pods as `admit` items: their SCC admission and Pod Security
//! result as computed by the prediction, with each refused field traced back to the config
//! line that produced it.

use crate::admission::audit::{self, ItemResult, PsaResult};
use crate::admission::workload::WorkloadKind;
use crate::analysis::Analysis;
use crate::render::locate;

/// One item per Kubernetes runner: its representative job pod.
pub fn runner_job_items(analysis: &Analysis) -> Vec<ItemResult> {
    let mut items = Vec::new();
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let Ok(job_pod) = &job.pod else { continue };
        // When SCC admission refuses the pod PSA never sees it; like `admit` for any pod,
        // show what PSA would say of the pod as sent (marked `after_scc: false`).
        let pod_security = job.pod_security.clone().unwrap_or_else(|| {
            let mut sent = job_pod.pod.clone();
            sent.metadata.namespace = Some(prediction.namespace.clone());
            crate::admission::defaults::apply_pod_defaults(&mut sent);
            let namespace = analysis
                .inputs
                .cluster
                .namespace(&prediction.namespace, None)
                .map(|(_, ns)| ns);
            crate::admission::psa::check_pod_in_namespace(
                &sent,
                namespace,
                crate::admission::psa::Policy::openshift_default(),
                true,
            )
        });
        let runner = prediction
            .entry
            .name
            .clone()
            .unwrap_or_else(|| format!("runners[{}]", prediction.runner));
        let source = analysis
            .runner_ref(prediction)
            .map(|r| locate(&analysis.inputs.sources, r.span()).2.path)
            .unwrap_or_default();
        let mut notes = vec![format!(
            "the job pod runner `{runner}` would create, requested by the runner manager `{}`",
            prediction.requester.name
        )];
        if let Some(outcome) = &job.admission {
            for reason in outcome.reasons().filter(|r| !r.field.is_empty()) {
                if let Some(span) = analysis.field_span(prediction, job_pod, &reason.field) {
                    let (host, file, loc) = locate(&analysis.inputs.sources, span);
                    let line_text = file.display_slice(span_line(file, host)).trim().to_string();
                    let note = format!(
                        "`{}` comes from `{line_text}` at {}:{}",
                        reason.path, loc.path, loc.line
                    );
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                }
            }
        }
        notes.extend(
            analysis
                .global_assumptions
                .iter()
                .chain(&prediction.assumptions)
                .map(|a| format!("assumes {} = {} ({})", a.key, a.value, a.origin)),
        );
        let pod_name = job_pod
            .pod
            .metadata
            .generate_name
            .clone()
            .or_else(|| job_pod.pod.metadata.name.clone())
            .unwrap_or_default();
        items.push(ItemResult {
            kind: WorkloadKind::Pod,
            name: pod_name.clone(),
            namespace: Some(prediction.namespace.clone()),
            source,
            pod_name,
            scc: job
                .admission
                .as_ref()
                .map(|o| audit::scc_result(&job_pod.pod, o)),
            psa: PsaResult {
                namespace: Some(prediction.namespace.clone()),
                after_scc: job.admission.as_ref().is_some_and(|o| o.pod().is_some()),
                pod: pod_security,
                template: None,
            },
            notes,
        });
    }
    items
}

/// The line of the host file a span starts on, as a range.
fn span_line(
    file: &crate::source::SourceFile,
    span: crate::source::Span,
) -> crate::source::TextRange {
    let start = span.range.start as usize;
    let text = &file.text;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    crate::source::TextRange::new(line_start, line_end)
}
