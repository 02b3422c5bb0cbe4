//! `render --manager`: the predicted runner manager Deployment (Helm chart or Operator) as
//! YAML, each field the values or the `Runner` set — or a chart default applied — followed by
//! a comment naming the key and its `file:line`. It is written with the job pods' emitter
//! (`pod_yaml`), and `admit` and `check` read it back as a plain Deployment.

use crate::analysis::Analysis;
use crate::analysis::manager::ManagerPrediction;
use crate::manager::FieldSource;

/// Renders every manager Deployment of the inputs.
pub fn render(analysis: &Analysis) -> String {
    analysis
        .managers
        .iter()
        .map(|m| render_one(analysis, m))
        .collect()
}

fn render_one(analysis: &Analysis, m: &ManagerPrediction) -> String {
    let mut out = format!(
        "---\n# {}, in namespace `{}`",
        m.pod.title(),
        m.pod.namespace
    );
    if let Some((version, facts)) = &m.pod.chart {
        out.push_str(&format!(" (chart {version}, facts of {})", facts.range));
    }
    out.push('\n');
    match &m.admission {
        Some(outcome) => match outcome.scc() {
            Some(scc) => out.push_str(&format!("# admitted by SCC `{scc}`\n")),
            None => out.push_str(&format!(
                "# OpenShift refuses its pod: {}\n",
                outcome.error().unwrap_or("")
            )),
        },
        None => out.push_str("# no SCC admission on this platform\n"),
    }
    let value = m.pod.deployment_json();
    let comment = |path: &str| -> Option<String> {
        // The pod template's fields carry the pod's provenance.
        let pod_path = path.strip_prefix("spec.template.")?;
        let sources: Vec<String> = m
            .pod
            .provenance
            .iter()
            .filter(|p| p.pod_path == pod_path)
            .map(|p| describe(analysis, &p.source))
            .collect();
        let mut sources_dedup = sources.clone();
        sources_dedup.dedup();
        (!sources_dedup.is_empty()).then(|| sources_dedup.join("; "))
    };
    let ordered = super::pod_yaml::order_top(&value);
    super::pod_yaml::emit(&ordered, 0, "", &comment, &mut out);
    out
}

/// A field's source with its `file:line` when the inputs wrote it.
fn describe(analysis: &Analysis, source: &FieldSource) -> String {
    match source {
        FieldSource::Key { key, span } => {
            let (_, _, loc) = super::locate(&analysis.inputs.sources, *span);
            format!("{key} ({}:{})", loc.path, loc.line)
        }
        other => other.to_string(),
    }
}
