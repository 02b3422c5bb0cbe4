//! `render`: a predicted job pod as Kubernetes YAML, each field the config (or the job) set
//! followed by a comment naming the key and its `file:line`, like `helm template` for runner
//! jobs. The output is a plain Pod manifest that `admit` and `check` read back.

use serde_json::Value;

use crate::analysis::Analysis;
use crate::analysis::prediction::{JobOrigin, JobPrediction, RunnerPrediction};
use crate::model::runner::{KeyPath, KeySegment};
use crate::pod::Source;

/// Which pod to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// As the runner submits it.
    Submitted,
    /// After OpenShift SCC admission mutated it.
    Admitted,
}

/// Renders the chosen job's pod of every runner; `job` picks a pipeline job by name.
pub fn render(analysis: &Analysis, job: Option<&str>, stage: Stage) -> String {
    let mut out = String::new();
    for prediction in &analysis.predictions {
        let chosen = match job {
            Some(name) => prediction
                .jobs
                .iter()
                .find(|j| matches!(&j.origin, JobOrigin::Pipeline { name: n, .. } if n == name)),
            None => Some(prediction.representative()),
        };
        let Some(chosen) = chosen else { continue };
        out.push_str(&render_one(analysis, prediction, chosen, stage));
    }
    out
}

fn render_one(
    analysis: &Analysis,
    prediction: &RunnerPrediction,
    job: &JobPrediction,
    stage: Stage,
) -> String {
    let runner = prediction
        .entry
        .name
        .clone()
        .unwrap_or_else(|| format!("runners[{}]", prediction.runner));
    let mut out = format!("---\n# runner `{runner}`");
    match &job.origin {
        JobOrigin::Representative => out.push_str(", a job with the runner's default image\n"),
        JobOrigin::Pipeline { name, .. } => out.push_str(&format!(", job `{name}`\n")),
    }
    let job_pod = match &job.pod {
        Ok(p) => p,
        Err(err) => {
            out.push_str(&format!("# the runner creates no pod: {err}\n"));
            return out;
        }
    };
    let pod = match (stage, &job.admission) {
        (Stage::Admitted, Some(outcome)) => match outcome.pod() {
            Some(pod) => {
                out.push_str(&format!(
                    "# after admission by SCC `{}`\n",
                    outcome.scc().unwrap_or("none")
                ));
                pod.clone()
            }
            None => {
                out.push_str(&format!(
                    "# OpenShift refuses this pod: {}\n",
                    outcome.error().unwrap_or("")
                ));
                return out;
            }
        },
        (Stage::Admitted, None) => {
            out.push_str("# no SCC admission on this platform: the pod runs as submitted\n");
            job_pod.pod.clone()
        }
        (Stage::Submitted, _) => job_pod.pod.clone(),
    };
    let mut value = serde_json::to_value(&pod).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        // k8s-openapi serialises `apiVersion`/`kind` only through its resource trait; write them.
        map.insert("apiVersion".into(), Value::String("v1".into()));
        map.insert("kind".into(), Value::String("Pod".into()));
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            meta.entry("namespace")
                .or_insert_with(|| Value::String(prediction.namespace.clone()));
        }
    }
    // After admission a path may hold what the SCC wrote there, not what the config set: the
    // config's provenance is shown only where the value is still the submitted one.
    let submitted = match stage {
        Stage::Admitted => serde_json::to_value(&job_pod.pod).ok(),
        Stage::Submitted => None,
    };
    let admitting_scc = job.admission.as_ref().and_then(|o| o.scc()).unwrap_or("");
    let provenance = |path: &str| -> Option<String> {
        let sources: Vec<String> = job_pod
            .provenance_of(path)
            .map(|source| describe(analysis, prediction, source))
            .collect();
        (!sources.is_empty()).then(|| sources.join("; "))
    };
    let comment = |path: &str| -> Option<String> {
        let Some(submitted) = &submitted else {
            return provenance(path);
        };
        let key = KeyPath::parse(path);
        let before = value_at(submitted, &key.0);
        let after = value_at(&value, &key.0);
        if before == after {
            return provenance(path);
        }
        let parent = key.0.split_last().map(|(_, parent)| parent);
        // An element the SCC moved (it put its own before it) keeps its provenance.
        if let (Some(KeySegment::Index(_)), Some(parent)) = (key.0.last(), parent)
            && let Some(Value::Array(items)) = value_at(submitted, parent)
            && let Some(j) = items.iter().position(|item| Some(item) == after)
        {
            let array = path.rfind('[').map_or(path, |i| &path[..i]);
            return provenance(&format!("{array}[{j}]"));
        }
        let leaf = after.is_some_and(|v| !v.is_object() && !v.is_array());
        let parent_there = parent.is_none_or(|p| value_at(submitted, p).is_some());
        ((leaf || before.is_none()) && parent_there)
            .then(|| format!("set by SCC `{admitting_scc}` at admission"))
    };
    let ordered = order_top(&value);
    emit(&ordered, 0, "", &comment, &mut out);
    out
}

/// The value at a provenance path's segments (`spec.containers[0].securityContext…`).
fn value_at<'v>(value: &'v Value, path: &[KeySegment]) -> Option<&'v Value> {
    path.iter()
        .try_fold(value, |current, segment| match segment {
            KeySegment::Key(k) => current.get(k.as_str()),
            KeySegment::Index(i) => current.get(*i),
        })
}

/// `apiVersion`, `kind`, `metadata`, `spec` first, as manifests are written.
pub(super) fn order_top(value: &Value) -> Vec<(String, Value)> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    let first = ["apiVersion", "kind", "metadata", "spec"];
    let mut out: Vec<(String, Value)> = first
        .iter()
        .filter_map(|k| map.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    out.extend(
        map.iter()
            .filter(|(k, _)| !first.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    out
}

/// Where a field came from, with the config line when there is one.
fn describe(analysis: &Analysis, prediction: &RunnerPrediction, source: &Source) -> String {
    match source {
        Source::Config(key) => match analysis.key_span(prediction.config, key) {
            Some(span) => {
                let (_, _, loc) = super::locate(&analysis.inputs.sources, span);
                format!("{key} ({}:{})", loc.path, loc.line)
            }
            // Set by the deployment (Operator, chart) or a runner default, not written in a file.
            None => format!("{key} (not in the config file)"),
        },
        other => other.to_string(),
    }
}

pub(super) fn emit(
    entries: &[(String, Value)],
    indent: usize,
    path: &str,
    comment: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    for (key, value) in entries {
        let child = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let note = comment(&child)
            .map(|c| format!("  # <- {c}"))
            .unwrap_or_default();
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push_str(&format!("{pad}{}:{note}\n", yaml_key(key)));
                let items: Vec<(String, Value)> =
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                emit(&items, indent + 2, &child, comment, out);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str(&format!("{pad}{}:{note}\n", yaml_key(key)));
                emit_items(items, indent, &child, comment, out);
            }
            scalar => {
                out.push_str(&format!(
                    "{pad}{}: {}{note}\n",
                    yaml_key(key),
                    scalar_text(scalar)
                ));
            }
        }
    }
}

fn emit_items(
    items: &[Value],
    indent: usize,
    path: &str,
    comment: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    for (i, item) in items.iter().enumerate() {
        let child = format!("{path}[{i}]");
        let note = comment(&child)
            .map(|c| format!("  # <- {c}"))
            .unwrap_or_default();
        match item {
            Value::Object(map) if !map.is_empty() => {
                // `- ` then the first key on the same line, the rest indented under it.
                let mut inner = String::new();
                let entries: Vec<(String, Value)> =
                    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                emit(&entries, indent + 2, &child, comment, &mut inner);
                let body = inner.get(indent + 2..).unwrap_or(&inner);
                if !note.is_empty() {
                    out.push_str(&format!("{pad}{}\n", note.trim_start()));
                }
                out.push_str(&format!("{pad}- {body}"));
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push_str(&format!("{pad}-{note}\n"));
                emit_items(inner, indent + 2, &child, comment, out);
            }
            scalar => out.push_str(&format!("{pad}- {}{note}\n", scalar_text(scalar))),
        }
    }
}

/// Keys of Kubernetes objects are plain YAML except label and annotation keys with unusual
/// characters; those are quoted.
fn yaml_key(key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    if plain {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

/// Scalars in JSON syntax, which is valid YAML (strings always double-quoted, so `"0755"`
/// and `"true"` stay strings).
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}
